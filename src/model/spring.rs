//! Springs with dampers between particles or from a particle to a fixed anchor.

use crate::Scalar;
use nalgebra::Vector3;

/// The second end of a spring.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SpringEnd<T: Scalar> {
    /// Another particle, by index into [`crate::model::Model::particles`].
    Particle(usize),
    /// A fixed point in world coordinates, in m.
    Anchor(Vector3<T>),
}

/// A linear spring–damper along the line between its ends.
///
/// The force on end `a` is `−(k (L − L₀) + c L̇) n`, with `L` the length, `n` the unit vector from `b` to `a`;
/// end `b` (if a particle) gets the opposite force.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Spring<T: Scalar> {
    /// Unique name; parameters are `<name>.stiffness`, `.damping`, `.rest_length`, `.anchor.x|y|z`.
    pub name: String,
    /// First end: a particle index.
    pub a: usize,
    /// Second end: a particle or an anchor.
    pub b: SpringEnd<T>,
    /// Stiffness `k` in N/m (≥ 0).
    pub stiffness: T,
    /// Damping `c` in N·s/m (≥ 0), acting on the rate of change of length.
    pub damping: T,
    /// Rest length `L₀` in m (≥ 0).
    pub rest_length: T,
}

impl Spring<f64> {
    /// The same spring over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> Spring<D> {
        Spring {
            name: self.name.clone(),
            a: self.a,
            b: match &self.b {
                SpringEnd::Particle(j) => SpringEnd::Particle(*j),
                SpringEnd::Anchor(p) => SpringEnd::Anchor(p.map(D::constant)),
            },
            stiffness: D::constant(self.stiffness),
            damping: D::constant(self.damping),
            rest_length: D::constant(self.rest_length),
        }
    }
}
