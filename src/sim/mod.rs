//! Simulation: the state, scratch workspace, single steps and rollouts of a scene (particles, rigid bodies and
//! robots), the named [`Coordinate`]s of a state, and [`robot`] stepping of articulated bodies on their own.

mod coordinate;
pub mod robot;
mod rollout;
mod state;
mod step;
mod trajectory;

pub use crate::integrate::Workspace;
pub use crate::model::Coordinate;
pub use crate::multibody::BodyState;
pub use rollout::{rollout, rollout_with, try_rollout_with};
pub use state::{RobotState, State};
pub(crate) use step::links_may_touch_bodies_or_links;
pub use step::{step, step_with_torques};
pub use trajectory::Trajectory;
