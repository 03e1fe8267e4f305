//! Simulation: the state, scratch workspace, single steps and rollouts of particle scenes, and [`robot`]
//! simulation of articulated bodies.

pub mod robot;
mod rollout;
mod state;
mod step;
mod trajectory;

pub use crate::integrate::Workspace;
pub use rollout::{rollout, rollout_with};
pub use state::{BodyState, State};
pub use step::step;
pub use trajectory::Trajectory;
