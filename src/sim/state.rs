//! The state of all particles at one instant.

use crate::model::Scene;
use crate::Scalar;
use nalgebra::Vector3;

/// Positions (m) and velocities (m/s) of all particles, in scene order, after `step` steps of `dt`.
#[derive(Debug, Clone, PartialEq)]
pub struct State<T: Scalar> {
    /// Positions in m.
    pub x: Vec<Vector3<T>>,
    /// Velocities in m/s.
    pub v: Vec<Vector3<T>>,
    /// Number of steps taken since the initial state.
    pub step: usize,
}

impl<T: Scalar> State<T> {
    /// The initial state of `scene` (its particles' `position` and `velocity`).
    pub fn initial(scene: &Scene<T>) -> Self {
        State {
            x: scene.particles.iter().map(|p| p.position.clone()).collect(),
            v: scene.particles.iter().map(|p| p.velocity.clone()).collect(),
            step: 0,
        }
    }

    /// The simulated time in s: `step · dt`.
    pub fn time(&self, dt: f64) -> f64 {
        self.step as f64 * dt
    }
}
