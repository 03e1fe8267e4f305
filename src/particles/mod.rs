//! Particles, the point-mass subsystem of a [`Model`](crate::model::Model): their forces ([`spring_force`],
//! [`drag_force`], [`ground_contact_force`]), total [`forces`] and [`accelerations`], and energies.
//!
//! Particles stay a subsystem rather than bodies on three prismatic joints: a particle's acceleration is `F / m`,
//! which the articulated-body algorithm would reach through three bodies, three joints and spatial inertias. On
//! the 100-particle spring net a whole particle step (gravity, springs, ground, integration) costs 1/21 of ABA
//! alone on the same masses as 300 slider joints (`cargo bench --bench engine -- particles-as-bodies`).

mod accelerations;
mod drag;
mod energy;
mod ground_contact;
mod spring;

pub(crate) use accelerations::accelerations_with;
pub use accelerations::{accelerations, forces};
pub use drag::drag_force;
pub use energy::{kinetic_energy, potential_energy, total_energy};
pub use ground_contact::ground_contact_force;
pub use spring::spring_force;
