//! Spatial force vectors: wrenches and momenta.

use crate::Scalar;
use nalgebra::{Vector3, Vector6};
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// A spatial force vector (wrench): the moment `angular` about the origin of the frame it is expressed in, and
/// the force `linear`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Force<T: Scalar> {
    /// Moment about the frame origin (N·m).
    pub angular: Vector3<T>,
    /// Force (N).
    pub linear: Vector3<T>,
}

impl<T: Scalar> Force<T> {
    /// A force from its moment and linear parts.
    #[inline]
    pub fn new(angular: Vector3<T>, linear: Vector3<T>) -> Self {
        Self { angular, linear }
    }

    /// The zero force.
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
}

impl<T: Scalar> Add for Force<T> {
    type Output = Force<T>;
    #[inline]
    fn add(self, rhs: Force<T>) -> Force<T> {
        Force { angular: self.angular + rhs.angular, linear: self.linear + rhs.linear }
    }
}

impl<T: Scalar> AddAssign<&Force<T>> for Force<T> {
    #[inline]
    fn add_assign(&mut self, rhs: &Force<T>) {
        self.angular += &rhs.angular;
        self.linear += &rhs.linear;
    }
}

impl<T: Scalar> SubAssign<&Force<T>> for Force<T> {
    #[inline]
    fn sub_assign(&mut self, rhs: &Force<T>) {
        self.angular -= &rhs.angular;
        self.linear -= &rhs.linear;
    }
}

impl<T: Scalar> Sub for Force<T> {
    type Output = Force<T>;
    #[inline]
    fn sub(self, rhs: Force<T>) -> Force<T> {
        Force { angular: self.angular - rhs.angular, linear: self.linear - rhs.linear }
    }
}

impl<T: Scalar> Neg for Force<T> {
    type Output = Force<T>;
    #[inline]
    fn neg(self) -> Force<T> {
        Force { angular: -self.angular, linear: -self.linear }
    }
}

impl<T: Scalar> Mul<T> for Force<T> {
    type Output = Force<T>;
    #[inline]
    fn mul(self, s: T) -> Force<T> {
        Force { angular: self.angular * s, linear: self.linear * s }
    }
}
