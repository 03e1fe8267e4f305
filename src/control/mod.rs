//! Optimal control on the one world: find the controls that drive robots to a goal at least cost.
//!
//! A [`ControlProblem`] is a [`Model`](crate::model::Model) (robots, ground, contact settings), a horizon of
//! `steps` time steps, the actuated joints, running and terminal [`Cost`]s (weighted squared [`Residual`]s of a
//! robot's state, the controls, a frame's position or velocity, the ground's contact forces, a robot's balance, a
//! free body's position)
//! and optional [`ControlBounds`]. The swing-ups ([`ControlProblem::cartpole`], `pendulum`, `acrobot`), the
//! reaching task of Crocoddyl's benchmark ([`ControlProblem::reach`]) and a legged robot taking its weight off a
//! foot ([`ControlProblem::unload`]) or shifting its base ([`ControlProblem::shift`]) and a robot pushing a free
//! body to a target ([`ControlProblem::push`]) are instances (`problem.rs` holds the type, `tasks.rs` these
//! constructors). Solvers, all on exact derivatives:
//! - [`ilqr`]: iterative LQR, box-DDP when the problem has bounds (each step's control update a box QP solved by
//!   projected Newton); per-step Jacobians from [`crate::grad::StepLinearizer`] (analytic with semi-implicit
//!   Euler), Gauss–Newton Hessians of the costs; full DDP with the dynamics' second derivatives
//!   ([`IlqrOptions::second_order`]);
//! - [`shooting_lbfgs`]: direct single shooting over the whole control sequence with L-BFGS (argmin); the
//!   gradient comes from [`crate::grad::adjoint`] (one forward and one backward pass);
//! - [`mpc`]: receding-horizon control on top of [`ilqr`], warm-started from the previous plan shifted by one step.

mod box_qp;
mod contact_residual;
mod cost;
mod ilqr;
mod mpc;
mod problem;
mod shooting;
mod tasks;

pub use cost::{Cost, Residual};
pub use ilqr::{ilqr, IlqrOptions};
pub use mpc::{mpc, MpcOptions, MpcReport};
pub use problem::{ControlBounds, ControlProblem, OptimizeReport, StepJacobians};
pub use shooting::{shooting_lbfgs, ShootingOptions};
