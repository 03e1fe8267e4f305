//! Fixed-step time integrators over positions and velocities. Each advances `(x, v)` by one `dt` in place,
//! using a [`Workspace`] for scratch so that no step allocates.

mod rigid_bodies;
mod rk4;
mod semi_implicit_euler;
mod velocity_verlet;
mod workspace;

pub(crate) use rigid_bodies::rigid_body_step;
pub use rigid_bodies::{BodyLoads, RigidWorkspace};
pub use rk4::rk4;
pub(crate) use rk4::rk4_with;
pub use semi_implicit_euler::semi_implicit_euler;
pub(crate) use semi_implicit_euler::semi_implicit_euler_with;
pub use velocity_verlet::velocity_verlet;
pub(crate) use velocity_verlet::velocity_verlet_with;
pub use workspace::Workspace;
