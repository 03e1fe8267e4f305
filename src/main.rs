//! The `diffphys` command line: `demo` (the default), `simulate`, `params`, `fit` and `gradcheck`.

/// Writes a line to standard error and ignores failure: progress and notes must never panic or end a command
/// (`eprintln!` panics when standard error is a closed pipe).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
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
