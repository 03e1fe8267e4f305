//! Derivatives of simulation outcomes with respect to named parameters.
//!
//! An [`Outcome`] maps a parameter vector to a vector of results, generically over the scalar. From it,
//! [`jacobian`] computes the exact Jacobian with forward-mode dual numbers (fixed-size `DualSVec64<N>` chunks,
//! no allocation per operation), and [`jacobian_central_difference`] / [`check`] compare against central finite differences.
//!
//! For a scalar loss of a whole trajectory with respect to many inputs (every control of every step, many
//! parameters), [`adjoint`] runs one forward and one backward pass instead of one dual rollout per 8 inputs: a
//! [`Rollout`] (model, parameters, steps) and a [`TrajectoryLoss`] (running and terminal costs, written
//! generically) give the loss and its gradient with respect to all parameters and all `T·m` controls, equal to the
//! forward-mode one ([`RolloutLoss`]) to rounding, in about `2√T` stored states.

mod aba_derivatives_duals;
mod adjoint;
mod batch;
mod check;
mod directions;
mod finite_difference;
mod forward;
mod outcome;
mod state_jacobians;
mod step_curvature;
mod step_jacobians;

pub use aba_derivatives_duals::{aba_derivatives_duals, DualDerivativesWorkspace, ABA_DERIVATIVE_CHUNK};
pub use adjoint::{adjoint, adjoint_with, AdjointGradient, AdjointOptions, Rollout, RolloutLoss, TrajectoryLoss};
pub use batch::{adjoint_batch, jacobian_batch, AdjointInput};
pub use check::{check, relative_error, GradCheck, DEFAULT_REL_STEP};
pub use finite_difference::jacobian_central_difference;
pub use forward::{gradient, jacobian, jacobian_chunked};
pub use outcome::{FinalPositions, Outcome};
pub(crate) use state_jacobians::covers_whole_state;
pub use step_curvature::StepCurvature;
pub use step_jacobians::{step_jacobians, JacobianRoute, RobotStep, StepJacobians, StepLinearizer, TangentStep};
