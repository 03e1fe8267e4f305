//! The crate's error type: everything a user can get wrong, with the field, file or step that caused it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Every error diffphys reports. Messages name the field, file, body or step involved, and are one line: the text
/// they quote from the user (names, values, paths, file excerpts) has its control characters escaped as Rust writes
/// them (`\n`, `\t`, `\u{1b}`), so a quoted line break cannot start a second line (or a second `error:` line of
/// the command line) and a quoted escape sequence cannot reach the terminal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scene value is out of its physical range (non-positive mass, negative stiffness, NaN, ...).
    #[error("invalid scene: `{}` {}", escaped(.field), escaped(.reason))]
    InvalidScene {
        /// The offending field, e.g. `particles[ball].mass`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A scene file could not be read or parsed.
    #[error("{}: {}", escaped_path(.path), escaped(.message))]
    SceneFile {
        /// The file.
        path: PathBuf,
        /// What went wrong, including the field where known.
        message: String,
    },
    /// A URDF file that is malformed or uses something diffphys does not support.
    #[error("URDF {}: {}", escaped(.element), escaped(.message))]
    Urdf {
        /// The element, e.g. `joint "elbow" <axis>` or `line 12` for XML syntax errors.
        element: String,
        /// What is wrong with it.
        message: String,
    },
    /// An MJCF (MuJoCo XML) file that is malformed or uses something diffphys does not support.
    #[error("MJCF {}: {}", escaped(.element), escaped(.message))]
    Mjcf {
        /// The element, e.g. `<joint name="elbow"> (line 12)` or `line 12` for XML syntax errors.
        element: String,
        /// What is wrong with it.
        message: String,
    },
    /// A parameter name that the scene does not have.
    #[error("unknown parameter `{}` (run `diffphys params SCENE` to list them)", escaped(.name))]
    UnknownParameter {
        /// The name asked for.
        name: String,
    },
    /// The same parameter was named twice in a parameter list.
    #[error("parameter `{}` is listed twice", escaped(.name))]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },
    /// A simulation produced a NaN or infinite state.
    #[error(
        "the state of `{}` became non-finite at step {step} (t = {time} s); try a smaller dt, softer contact or smaller \
         gains",
        escaped(.body)
    )]
    NonFinite {
        /// The body whose state blew up.
        body: String,
        /// The step index (1-based: the state after that many steps).
        step: usize,
        /// The simulated time of that state.
        time: f64,
    },
    /// A simulation that stayed finite but left physical bounds: a passive scene gaining energy, or something
    /// moving faster than `world.max_speed` ([`crate::sim::rollout_with`] checks).
    #[error("`{body}` ran away at step {step} (t = {time} s): {reason}")]
    Runaway {
        /// The particle, body or robot that gained the most energy, or moved too fast.
        body: String,
        /// The step index (1-based: the state after that many steps).
        step: usize,
        /// The simulated time of that state.
        time: f64,
        /// What left its bounds, by how much, and the likely cause.
        reason: String,
    },
    /// Observed data that does not fit the scene (unknown column, time off the `dt` grid, ...).
    #[error("observations: {}", escaped(.0))]
    Observation(String),
    /// A trajectory file that does not fit the scene it is read for (a missing or unknown column, a row of the
    /// wrong length, a value that is not a finite number, a time off the scene's `dt` grid, ...):
    /// [`crate::io::parse_trajectory_csv`].
    #[error("trajectory {}", escaped(.0))]
    Trajectory(String),
    /// Arguments of the wrong size or value given to an API function.
    #[error("invalid argument: {}", escaped(.0))]
    InvalidArgument(String),
    /// A numerical failure, e.g. a singular matrix where a covariance is needed.
    #[error("numerical failure: {}", escaped(.0))]
    Numerical(String),
    /// One item of a batch ([`crate::sim::rollout_batch`], [`crate::grad::jacobian_batch`],
    /// [`crate::grad::adjoint_batch`]) failed: its index and its error. The first failing item is reported.
    #[error("batch item {index}: {source}")]
    InBatch {
        /// The item's index in the batch.
        index: usize,
        /// Its error.
        source: Box<Error>,
    },
    /// Reading or writing a file.
    #[error("{}: {}", escaped_path(.path), escaped(&.source.to_string()))]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// This error as item `index` of a batch ([`Error::InBatch`]).
    pub fn in_batch(self, index: usize) -> Self {
        Error::InBatch { index, source: Box::new(self) }
    }

    /// An [`Error::InvalidScene`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidScene { field: field.into(), reason: reason.into() }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// `text` for an error message or a warning: its control characters escaped (see [`Error`]).
pub(crate) fn escaped(text: &str) -> Escaped<'_> {
    Escaped(text)
}

fn escaped_path(path: &Path) -> String {
    escaped(&path.display().to_string()).to_string()
}

/// Displays a string with its control characters escaped as Rust writes them (`\n`, `\t`, `\u{1b}`).
pub(crate) struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quoted user text cannot break a message into lines nor send control characters to the terminal; other
    /// characters, backslashes and quotes stay as they are.
    #[test]
    fn messages_are_one_line_whatever_they_quote() {
        let e = Error::invalid("world.integrator", "unknown integrator `a\nerror: b\t\u{1b}[31m\r`");
        assert_eq!(
            e.to_string(),
            "invalid scene: `world.integrator` unknown integrator `a\\nerror: b\\t\\u{1b}[31m\\r`"
        );
        let e = Error::Urdf { element: "link \"a\u{0}\"".into(), message: "x=\"ü \\ 'q'\u{85}\" is bad".into() };
        assert_eq!(e.to_string(), "URDF link \"a\\0\": x=\"ü \\ 'q'\\u{85}\" is bad");
        let e = Error::SceneFile { path: "dir\n/s.toml".into(), message: "line 2\nerror: b".into() };
        assert_eq!(e.to_string(), "dir\\n/s.toml: line 2\\nerror: b");
        let e = Error::UnknownParameter { name: "ball.\nmass".into() };
        assert_eq!(e.to_string().lines().count(), 1);
    }
}
