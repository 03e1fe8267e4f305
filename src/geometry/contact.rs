//! Contact points.

use crate::Scalar;
use nalgebra::Vector3;

/// The geometry of one contact point, as a narrow-phase function reports it (the bodies are known to the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactGeometry<T: Scalar> {
    /// Unit normal from the second shape to the first.
    pub normal: Vector3<T>,
    /// World point halfway between the two surfaces, in m.
    pub point: Vector3<T>,
    /// Signed distance along the normal in m: `> 0` apart, `< 0` penetrating.
    pub distance: T,
}

/// One contact point between body `a` and body `b` (or the ground when `b` is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Contact<T: Scalar> {
    /// Index of the first body in the scene's `bodies`.
    pub a: usize,
    /// Index of the second body, or `None` for the ground.
    pub b: Option<usize>,
    /// The geometry: unit normal from `b` to `a`, world point, signed distance.
    pub geometry: ContactGeometry<T>,
}
