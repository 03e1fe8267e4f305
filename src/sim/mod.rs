//! Simulation: the state, scratch workspace, single steps and rollouts of a scene (particles, rigid bodies and
//! robots), the named [`Coordinate`]s of a state, and [`robot`] stepping of articulated bodies on their own.

mod batch;
mod coordinate;
mod diagnostics;
pub mod robot;
mod rollout;
mod runaway;
mod state;
mod step;
mod time_step;
mod trajectory;

pub use crate::integrate::Workspace;
pub use crate::model::Coordinate;
pub use crate::multibody::BodyState;
pub use batch::rollout_batch;
pub use diagnostics::{
    derivative_warnings, DerivativeDiagnostics, DerivativeIssue, DerivativeWarning, MIN_CONTACT_STEPS,
    ONSET_RAMP_FRACTION, UNCONVERGED_CHANGE,
};
pub(crate) use rollout::rollout_watching;
pub use rollout::{rollout, rollout_with, try_rollout_with};
pub(crate) use runaway::RunawayGuard;
pub use runaway::CHECK_EVERY as RUNAWAY_CHECK_EVERY;
pub use state::{RobotState, State};
pub(crate) use step::{links_may_touch_bodies_or_links, links_touch_by_impulses};
pub use step::{step, step_with_torques};
pub use time_step::{
    check_time_step, time_step_checks, time_step_warnings, Bound, TimeStepCheck, MIN_STEPS_PER_PERIOD,
};
pub use trajectory::Trajectory;
