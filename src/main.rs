//! The `diffphys` command line: `demo` (the default), `simulate`, `view`, `params`, `fit` and `gradcheck` (and more: `diffphys --help`).

/// Writes a line to standard error and ignores failure: progress and notes must never panic or end a command
/// (`eprintln!` panics when standard error is a closed pipe). Its control characters are escaped (see
/// [`one_line`]): a note is one line, whatever path or name it quotes.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{}", $crate::one_line(&format!($($arg)*)));
    }};
}

/// `text` with its control characters escaped as Rust writes them (`\n`, `\u{1b}`): a path with a line break in a
/// note (`wrote a\nerror: b.json`) would otherwise start a line that looks like the command's error.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output has gone (`| head -1`): it has what it wanted.
        Err(e) if cli::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            note!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
