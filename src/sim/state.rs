//! The state of all particles at one instant.

use crate::dynamics::ContactImpulse;
use crate::model::Scene;
use crate::Scalar;
use nalgebra::{Quaternion, Vector3};

/// The state of one rigid body.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyState<T: Scalar> {
    /// Position of the centre of mass in m.
    pub position: Vector3<T>,
    /// Orientation, a unit quaternion (body to world).
    pub orientation: Quaternion<T>,
    /// Velocity of the centre of mass in m/s.
    pub velocity: Vector3<T>,
    /// Angular velocity in rad/s, world axes.
    pub angular_velocity: Vector3<T>,
}

/// Positions (m) and velocities (m/s) of all particles, and the states of all rigid bodies, in scene order,
/// after `step` steps of `dt`.
#[derive(Debug, Clone, PartialEq)]
pub struct State<T: Scalar> {
    /// Positions in m.
    pub x: Vec<Vector3<T>>,
    /// Velocities in m/s.
    pub v: Vec<Vector3<T>>,
    /// Rigid bodies.
    pub bodies: Vec<BodyState<T>>,
    /// Impulse model with warm starting: the contact impulses at the end of the last step, the next step's
    /// starting point ([`crate::dynamics::warm_start`]). Empty initially and for the compliant model. Part of
    /// the state because the next step depends on it; with duals it carries derivatives like the rest.
    pub contact_impulses: Vec<ContactImpulse<T>>,
    /// Number of steps taken since the initial state.
    pub step: usize,
}

impl<T: Scalar> State<T> {
    /// The initial state of `scene` (its particles' and bodies' initial positions, orientations and velocities).
    pub fn initial(scene: &Scene<T>) -> Self {
        State {
            x: scene.particles.iter().map(|p| p.position.clone()).collect(),
            v: scene.particles.iter().map(|p| p.velocity.clone()).collect(),
            bodies: scene
                .bodies
                .iter()
                .map(|b| BodyState {
                    position: b.position.clone(),
                    orientation: b.orientation.clone(),
                    velocity: b.velocity.clone(),
                    angular_velocity: b.angular_velocity.clone(),
                })
                .collect(),
            contact_impulses: Vec::new(),
            step: 0,
        }
    }

    /// The simulated time in s: `step · dt`.
    pub fn time(&self, dt: f64) -> f64 {
        self.step as f64 * dt
    }
}
