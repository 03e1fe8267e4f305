//! Point masses with a radius.

use crate::Scalar;
use nalgebra::Vector3;

/// A point mass with a contact radius, and its initial state.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Particle<T: Scalar> {
    /// Unique name; parameters are addressed as `<name>.mass` etc.
    pub name: String,
    /// Mass in kg (> 0).
    pub mass: T,
    /// Contact radius in m (≥ 0): the particle touches the ground when its centre is lower than this.
    pub radius: T,
    /// Linear drag coefficient `b` in N·s/m: force `−b v`.
    pub drag: T,
    /// Quadratic drag coefficient `b₂` in N·s²/m²: force `−b₂ |v| v`.
    pub quadratic_drag: T,
    /// Initial position in m.
    pub position: Vector3<T>,
    /// Initial velocity in m/s.
    pub velocity: Vector3<T>,
}

impl<T: Scalar> Particle<T> {
    /// A particle at `position` at rest, with no drag.
    ///
    /// ```
    /// use diffphys::model::Particle;
    /// let p = Particle::new("ball", 0.5, 0.05, nalgebra::Vector3::new(0.0, 0.0, 1.0));
    /// assert_eq!(p.mass, 0.5);
    /// ```
    pub fn new(name: &str, mass: T, radius: T, position: Vector3<T>) -> Self {
        Particle {
            name: name.to_string(),
            mass,
            radius,
            drag: T::constant(0.0),
            quadratic_drag: T::constant(0.0),
            position,
            velocity: Vector3::zeros(),
        }
    }
}

impl Particle<f64> {
    /// The same particle over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> Particle<D> {
        Particle {
            name: self.name.clone(),
            mass: D::constant(self.mass),
            radius: D::constant(self.radius),
            drag: D::constant(self.drag),
            quadratic_drag: D::constant(self.quadratic_drag),
            position: self.position.map(D::constant),
            velocity: self.velocity.map(D::constant),
        }
    }
}
