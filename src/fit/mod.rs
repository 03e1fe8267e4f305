//! System identification: fit named scene parameters to a measured trajectory by least squares, with
//! standard errors.
//!
//! [`fit`] runs [`levenberg_marquardt`] on the residuals `simulated − observed` at the observed times, with
//! exact Jacobians from dual numbers. Parameters that must stay positive (masses, stiffness, friction, ...) are
//! optimised as logarithms, so no step can make them negative.

mod least_squares;
mod levenberg_marquardt;
mod observations;
mod residuals;

pub use least_squares::{fit, fit_experiments, Experiment, FitIteration, FitOptions, FitReport};
pub use levenberg_marquardt::{levenberg_marquardt, LmIteration, LmOptions, LmResult};
pub use observations::Observations;
pub use residuals::{ExperimentResiduals, TrajectoryResiduals};
