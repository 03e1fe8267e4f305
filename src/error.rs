//! The crate's error type: everything a user can get wrong, with the field, file or step that caused it.

use std::path::PathBuf;

/// Every error diffphys reports. Messages name the field, file, body or step involved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scene value is out of its physical range (non-positive mass, negative stiffness, NaN, ...).
    #[error("invalid scene: `{field}` {reason}")]
    InvalidScene {
        /// The offending field, e.g. `particles[ball].mass`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A scene file could not be read or parsed.
    #[error("{path}: {message}")]
    SceneFile {
        /// The file.
        path: PathBuf,
        /// What went wrong, including the field where known.
        message: String,
    },
    /// A URDF file that is malformed or uses something diffphys does not support.
    #[error("URDF {element}: {message}")]
    Urdf {
        /// The element, e.g. `joint "elbow" <axis>` or `line 12` for XML syntax errors.
        element: String,
        /// What is wrong with it.
        message: String,
    },
    /// A parameter name that the scene does not have.
    #[error("unknown parameter `{name}` (run `diffphys params SCENE` to list them)")]
    UnknownParameter {
        /// The name asked for.
        name: String,
    },
    /// The same parameter was named twice in a parameter list.
    #[error("parameter `{name}` is listed twice")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },
    /// A simulation produced a NaN or infinite state.
    #[error(
        "the state of `{body}` became non-finite at step {step} (t = {time} s); try a smaller dt, softer contact or smaller \
         gains"
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
    #[error("observations: {0}")]
    Observation(String),
    /// Arguments of the wrong size or value given to an API function.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A numerical failure, e.g. a singular matrix where a covariance is needed.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// Reading or writing a file.
    #[error("{path}: {source}")]
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
    /// An [`Error::InvalidScene`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidScene { field: field.into(), reason: reason.into() }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
