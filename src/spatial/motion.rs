//! Spatial motion vectors: velocities and accelerations of rigid bodies.

use super::Force;
use crate::Scalar;
use nalgebra::{Vector3, Vector6};
use std::ops::{Add, AddAssign, Mul, Neg, Sub};

/// A spatial motion vector (twist): angular velocity `angular` and the linear velocity `linear` of the point at
/// the origin of the frame it is expressed in.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Motion<T: Scalar> {
    /// Angular part ω (rad/s, or rad/s² for an acceleration).
    pub angular: Vector3<T>,
    /// Linear part: velocity of the frame origin (m/s, or m/s²).
    pub linear: Vector3<T>,
}

impl<T: Scalar> Motion<T> {
    /// A motion from its angular and linear parts.
    #[inline]
    pub fn new(angular: Vector3<T>, linear: Vector3<T>) -> Self {
        Self { angular, linear }
    }

    /// The zero motion.
    #[inline]
    pub fn zero() -> Self {
        Self { angular: Vector3::zeros(), linear: Vector3::zeros() }
    }

    /// From a 6-vector `[angular; linear]`.
    #[inline]
    pub fn from_vector(v: &Vector6<T>) -> Self {
        Self { angular: v.fixed_rows::<3>(0).into_owned(), linear: v.fixed_rows::<3>(3).into_owned() }
    }

    /// As a 6-vector `[angular; linear]`.
    #[inline]
    pub fn to_vector(&self) -> Vector6<T> {
        let mut out = Vector6::zeros();
        out.fixed_rows_mut::<3>(0).copy_from(&self.angular);
        out.fixed_rows_mut::<3>(3).copy_from(&self.linear);
        out
    }

    /// Motion cross product `self ×ₘ m` (the rate of change of `m` in a frame moving with velocity `self`).
    #[inline]
    pub fn cross_motion(&self, m: &Motion<T>) -> Motion<T> {
        Motion {
            angular: self.angular.cross(&m.angular),
            linear: self.angular.cross(&m.linear) + self.linear.cross(&m.angular),
        }
    }

    /// Force cross product `self ×* f` (the dual of [`Motion::cross_motion`]).
    #[inline]
    pub fn cross_force(&self, f: &Force<T>) -> Force<T> {
        Force {
            angular: self.angular.cross(&f.angular) + self.linear.cross(&f.linear),
            linear: self.angular.cross(&f.linear),
        }
    }

    /// The power pairing `self · f = ω·n + v·f` (W).
    #[inline]
    pub fn dot(&self, f: &Force<T>) -> T {
        self.angular.dot(&f.angular) + self.linear.dot(&f.linear)
    }
}

impl<T: Scalar> Add for Motion<T> {
    type Output = Motion<T>;
    #[inline]
    fn add(self, rhs: Motion<T>) -> Motion<T> {
        Motion { angular: self.angular + rhs.angular, linear: self.linear + rhs.linear }
    }
}

impl<T: Scalar> AddAssign<&Motion<T>> for Motion<T> {
    #[inline]
    fn add_assign(&mut self, rhs: &Motion<T>) {
        self.angular += &rhs.angular;
        self.linear += &rhs.linear;
    }
}

impl<T: Scalar> Sub for Motion<T> {
    type Output = Motion<T>;
    #[inline]
    fn sub(self, rhs: Motion<T>) -> Motion<T> {
        Motion { angular: self.angular - rhs.angular, linear: self.linear - rhs.linear }
    }
}

impl<T: Scalar> Neg for Motion<T> {
    type Output = Motion<T>;
    #[inline]
    fn neg(self) -> Motion<T> {
        Motion { angular: -self.angular, linear: -self.linear }
    }
}

impl<T: Scalar> Mul<T> for Motion<T> {
    type Output = Motion<T>;
    #[inline]
    fn mul(self, s: T) -> Motion<T> {
        Motion { angular: self.angular * s, linear: self.linear * s }
    }
}
