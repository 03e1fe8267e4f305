//! Checked output. A command's results go to standard output through [`Out`], whose every write returns the
//! crate's [`Error`] naming what was being written (a full disk is an error, not a panic); notes and progress go
//! to standard error through `note!`, which ignores failures (a closed standard error never stops a command).
//! `main` ends a command whose standard output was closed (`ErrorKind::BrokenPipe`, as with `| head -1`)
//! quietly with exit status 0, as Unix tools do: see [`is_closed_pipe`].

use diffphys::{Error, Result};
use std::fmt;
use std::io::Write;

/// Standard output for one command's results: `writeln!(out, ...)?` gives [`Error::Io`] on
/// `standard output (<what>)` when the write fails. Call [`Out::flush`] at the end: a partial last line is only
/// written then.
pub struct Out {
    what: &'static str,
    stdout: std::io::StdoutLock<'static>,
}

impl Out {
    /// Standard output for `what` (e.g. `the parameter list`), named in error messages.
    pub fn new(what: &'static str) -> Self {
        Out { what, stdout: std::io::stdout().lock() }
    }

    /// Writes formatted text (what `write!` and `writeln!` call).
    pub fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<()> {
        let written = self.stdout.write_fmt(args);
        written.map_err(|e| self.error(e))
    }

    /// Writes `bytes` as they are.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let written = self.stdout.write_all(bytes);
        written.map_err(|e| self.error(e))
    }

    /// Writes out whatever is buffered.
    pub fn flush(&mut self) -> Result<()> {
        let flushed = self.stdout.flush();
        flushed.map_err(|e| self.error(e))
    }

    fn error(&self, source: std::io::Error) -> Error {
        Error::io(format!("standard output ({})", self.what), source)
    }
}

/// Whether `e` is a write to a pipe whose reader has gone (`diffphys simulate scene.toml | head -1`): the reader
/// has all it wants, so the command ends quietly and successfully.
pub fn is_closed_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
