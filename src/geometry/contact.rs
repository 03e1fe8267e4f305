//! Contact points and body poses.

use crate::spatial::rotation_matrix;
use crate::Scalar;
use nalgebra::{Matrix3, Quaternion, Vector3};

/// Where a body is: `world = rotation · body + position`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose<T: Scalar> {
    /// Position of the body's origin (its centre of mass) in m.
    pub position: Vector3<T>,
    /// Rotation from body to world axes.
    pub rotation: Matrix3<T>,
}

impl<T: Scalar> Pose<T> {
    /// The pose of a body at `position` with unit-quaternion orientation `orientation`.
    pub fn new(position: Vector3<T>, orientation: &Quaternion<T>) -> Self {
        Pose { position, rotation: rotation_matrix(orientation) }
    }

    /// A body-frame point in world coordinates.
    pub fn to_world(&self, p: &Vector3<T>) -> Vector3<T> {
        self.rotation * p + self.position
    }

    /// A world point in body coordinates.
    pub fn to_body(&self, p: &Vector3<T>) -> Vector3<T> {
        self.rotation.tr_mul(&(p - self.position))
    }
}

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
