//! Immutable scene descriptions: the settings (time step, gravity, integrator, contact, joints), the ground,
//! particles, springs, rigid bodies, robots and their colliders.
//!
//! A [`Model<T>`] holds every physical number that can be differentiated; it is built once (in code or from a
//! scene file by [`crate::io::load_scene`]), checked by [`Model::validate`], and then only read by the
//! simulation. [`params`] addresses its numbers by name (`ball.mass`, `ground.friction`, ...).

mod collider;
mod contact_settings;
mod coordinate;
mod ground;
pub mod multibody;
pub mod params;
mod particle;
mod rigid_body;
mod robot;
pub mod sample;
mod settings;
mod spring;
mod validate;
pub use validate::{MAX_CONTACT_ITERATIONS, MAX_SUBSTEPS};
mod world_model;

pub use collider::Collider;
pub use contact_settings::{ContactModel, ContactSettings, FrictionLaw};
pub use coordinate::Coordinate;
pub use ground::Ground;
pub use multibody::{Frame, Joint, JointKind, JointLimits, Multibody, MultibodyParam};
pub use params::{ParamId, ParamKind, RobotParam};
pub use particle::Particle;
pub(crate) use rigid_body::bounding_radius;
pub use rigid_body::RigidBody;
pub use robot::{Control, PdControl, Robot, TargetSchedule, TorqueSchedule};
pub use settings::{Integrator, JointSettings, Settings};
pub use spring::{Spring, SpringEnd};
pub use world_model::Model;
