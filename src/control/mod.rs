//! Trajectory optimisation: find the torques that bring a robot to a target state.
//!
//! A [`ControlProblem`] problem (cart-pole, pendulum, acrobot) is a robot, a horizon of `steps` time steps, the actuated
//! joints and a quadratic cost. Two solvers use exact derivatives from dual numbers:
//! - [`shooting_lbfgs`]: direct single shooting over the whole control sequence with L-BFGS (argmin); the
//!   gradient comes from [`crate::grad::adjoint`] (one forward and one backward pass), not one rollout per
//!   control;
//! - [`ilqr`]: iterative LQR (Gauss–Newton on the dynamics) with the same per-step Jacobians
//!   `A_t = ∂x_{t+1}/∂x_t`, `B_t = ∂x_{t+1}/∂u_t`, a backtracking line search and Levenberg regularisation.

mod ilqr;
mod problem;
mod shooting;

pub use ilqr::{ilqr, IlqrOptions};
pub use problem::{ControlProblem, OptimizeReport, StepJacobians};
pub use shooting::{shooting_lbfgs, ShootingOptions};
