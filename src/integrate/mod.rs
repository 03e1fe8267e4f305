//! Fixed-step time integrators over positions and velocities. Each advances `(x, v)` by one `dt` in place,
//! using a [`Workspace`] for scratch so that no step allocates.
//!
//! # Sub-steps
//! Under the compliant contact model a free body's step is taken in `M` sub-steps of `dt / M` while one of its
//! contacts is being made, so that a bounce is a smooth function of the initial state. A step of `dt` samples
//! the contact force wherever its grid happens to fall: at 1 ms a ball meeting the ground at 3 m/s moves 3 mm per
//! step through a 1 mm ramp, and where the samples land decides how much work the ramp does. The end state is then
//! a rippled function of the drop height, with one ripple per step's travel, and its exact derivative is tens of
//! times the physical one. Three things remove the ripple:
//!
//! - each contact that begins faster than [`SLOWEST_IMPACT`](crate::contact::SLOWEST_IMPACT) is stepped so
//!   that its penetration advances by at most [`SUBSTEP_RAMP_FRACTION`] of the ramp per sub-step, and at least
//!   [`SUBSTEPS_PER_CONTACT`] times over its duration, from the step before it touches until
//!   [`SUBSTEP_AGE`] durations after; the number is fixed for the whole contact (it depends on the onset speed,
//!   the masses and the settings only) and capped by
//!   [`ContactSettings::max_substeps`](crate::model::ContactSettings::max_substeps);
//! - the ramp is the C² smootherstep, whose sampled work depends least on where the samples fall;
//! - the onset speed that sets the contact's damping is that of the fall's parabola where it meets the surface
//!   ([`onset_speed`](crate::contact::onset_speed)), the same from every sample of the fall.
//!
//! Semi-implicit Euler's velocity is that of the middle of its step, so when the number of sub-steps changes the
//! velocities are moved by `a (h₀ − h) / 2` (`a` the whole acceleration at the start of the step); along a free
//! fall `M` sub-steps then move a body exactly as one step does, and for one bouncing body the number only
//! changes while it flies or rests. (Where one body's bounce begins while another's is under way, the number
//! changes for both, and the one in contact is moved by this rule, which is right to first order only.)
//! [`State::body_substeps`](crate::sim::State::body_substeps) keeps the last step's number.
//!
//! Measured (`tests/engine/smooth_bounces.rs`): a 0.2 kg ball dropped 0.5 m onto the default ground with
//! restitution 0.7 at `dt` = 1 ms has the dual derivative of its apex over the drop height within 1% of the
//! secant over ±1 mm, and within 2% of the continuous-time slope `e²` at 0.5 ms. Robot links and box–box pairs
//! are not sub-stepped.

mod rigid_bodies;
mod rk4;
mod semi_implicit_euler;
mod velocity_verlet;
mod workspace;

pub(crate) use rigid_bodies::{rigid_body_step, FreeBodies};
pub use rigid_bodies::{BodyLoads, RigidWorkspace, SUBSTEPS_PER_CONTACT, SUBSTEP_AGE, SUBSTEP_RAMP_FRACTION};
pub use rk4::rk4;
pub(crate) use rk4::rk4_with;
pub use semi_implicit_euler::semi_implicit_euler;
pub(crate) use semi_implicit_euler::semi_implicit_euler_with;
pub use velocity_verlet::velocity_verlet;
pub(crate) use velocity_verlet::velocity_verlet_with;
pub use workspace::Workspace;
