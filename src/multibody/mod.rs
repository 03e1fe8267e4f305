//! Articulated-body algorithms as plain functions over a [`Multibody`](crate::model::Multibody) and a
//! [`MultibodyWorkspace`]: [`forward_kinematics`], [`rnea`] (inverse dynamics), [`crba`] (mass matrix), [`aba`]
//! (forward dynamics), their derivatives, energies and [`frame_jacobian`]; and the Newton–Euler step of a free
//! rigid body ([`free_rotation_step`], the one-body case that scene bodies use).

mod aba;
pub(crate) mod aba_derivatives;
mod crba;
mod energy;
mod free_body;
mod jacobian;
mod kinematics;
pub mod ldlt;
mod rnea;
mod rnea_derivatives;
mod workspace;

pub use aba::{aba, aba_with_armature};
pub use aba_derivatives::{aba_derivatives, AbaDerivatives};
pub use crba::crba;
pub use energy::{kinetic_energy_multibody, potential_energy_multibody};
pub use free_body::{free_rotation_step, inertia_world, inverse_inertia_world, BodyState};
pub use jacobian::{frame_jacobian, point_jacobian};
pub use kinematics::{forward_kinematics, frame_pose_world};
pub use rnea::rnea;
pub use rnea_derivatives::rnea_derivatives;
pub(crate) use rnea_derivatives::{sweep_first_round, sweep_second_round};
pub use workspace::MultibodyWorkspace;
