//! Forces and energies as plain functions over a scene and a state.

mod accelerations;
mod drag;
mod energy;
mod ground_contact;
mod spring;

pub use accelerations::{accelerations, forces};
pub use drag::drag_force;
pub use energy::{kinetic_energy, potential_energy, total_energy};
pub use ground_contact::ground_contact_force;
pub use spring::spring_force;
