//! Dynamics as plain functions: forces and energies of particle scenes, rigid-body contact (compliant forces,
//! [`detect_contacts`], the impulse solver [`solve_impulses`]), and the multibody algorithms
//! ([`forward_kinematics`], [`rnea`], [`crba`], [`aba`], energies, [`frame_jacobian`]) over a
//! [`Multibody`](crate::model::Multibody) and a [`MultibodyWorkspace`].

mod aba;
pub(crate) mod aba_derivatives;
mod accelerations;
mod body_contacts;
mod box_box_penalty;
mod compliant_contact;
mod crba;
mod drag;
mod energy;
mod ground_contact;
mod impulse_solver;
mod jacobian;
mod kinematics;
pub mod ldlt;
mod multibody_energy;
mod multibody_workspace;
mod rigid_body;
mod rnea;
mod rnea_derivatives;
mod spring;
pub mod warm_start;

pub use aba::aba;
pub use aba_derivatives::{aba_derivatives, AbaDerivatives};
pub use accelerations::{accelerations, forces};
pub use body_contacts::{detect_contacts, BoxPairs};
pub use box_box_penalty::{box_box_penalty, BoxBody, Wrench, EDGE_SHARE, VOLUME_SHARE};
pub use compliant_contact::{
    combined_friction, combined_restitution, compliant_contact_force, damping_ratio_for_restitution,
};
pub use crba::crba;
pub use drag::drag_force;
pub use energy::{kinetic_energy, potential_energy, total_energy};
pub use ground_contact::ground_contact_force;
pub use impulse_solver::{solve_impulses, tangent_frame, BodyVelocities, ImpulseRow, PositionCorrection};
pub use jacobian::frame_jacobian;
pub use kinematics::{forward_kinematics, frame_pose_world};
pub use multibody_energy::{kinetic_energy_multibody, potential_energy_multibody};
pub use multibody_workspace::MultibodyWorkspace;
pub use rigid_body::{free_rotation_step, inertia_world, inverse_inertia_world};
pub use rnea::rnea;
pub use rnea_derivatives::rnea_derivatives;
pub use spring::spring_force;
pub use warm_start::ContactImpulse;
