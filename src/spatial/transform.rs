//! Rigid transforms (Plücker transforms stored as a rotation and a translation).

use super::{skew, Force, Motion};
use crate::scalar::mat_mul;
use crate::Scalar;
use nalgebra::{Matrix3, Matrix6, Quaternion, Vector3};
use std::ops::Mul;

/// The placement of a frame B in a frame A: `x_A = rotation · x_B + translation`.
///
/// As a Plücker transform it maps spatial vectors expressed in B to the same vectors expressed in A
/// ([`Transform::act_motion`], [`Transform::act_force`]); the `inv_act_*` methods map back. Pinocchio calls this
/// object `SE3` and writes it `aMb`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Transform<T: Scalar> {
    /// Rotation from B's axes to A's axes.
    pub rotation: Matrix3<T>,
    /// Origin of B, in A (m).
    pub translation: Vector3<T>,
}

impl<T: Scalar> Transform<T> {
    /// The identity placement.
    pub fn identity() -> Self {
        Self { rotation: Matrix3::identity(), translation: Vector3::zeros() }
    }

    /// A placement from a rotation matrix and a translation.
    pub fn new(rotation: Matrix3<T>, translation: Vector3<T>) -> Self {
        Self { rotation, translation }
    }

    /// The placement of a body at `position` (m) with unit-quaternion orientation `orientation` (body to world).
    pub fn from_position_orientation(position: Vector3<T>, orientation: &Quaternion<T>) -> Self {
        Self { rotation: super::rotation_matrix(orientation), translation: position }
    }

    /// A pure translation.
    pub fn from_translation(translation: Vector3<T>) -> Self {
        Self { rotation: Matrix3::identity(), translation }
    }

    /// The rotation by `angle` (rad) about the unit vector `axis` (Rodrigues' formula), no translation.
    pub fn from_axis_angle(axis: &Vector3<T>, angle: &T) -> Self {
        Self { rotation: axis_angle_matrix(axis, angle), translation: Vector3::zeros() }
    }

    /// URDF's `rpy` convention: fixed-axis roll about x, then pitch about y, then yaw about z
    /// (`R = Rz(yaw) · Ry(pitch) · Rx(roll)`), followed by the translation `xyz`.
    pub fn from_xyz_rpy(xyz: Vector3<T>, rpy: &Vector3<T>) -> Self {
        let rx = axis_angle_matrix(&Vector3::x(), &rpy.x);
        let ry = axis_angle_matrix(&Vector3::y(), &rpy.y);
        let rz = axis_angle_matrix(&Vector3::z(), &rpy.z);
        Self { rotation: mat_mul(&mat_mul(&rz, &ry), &rx), translation: xyz }
    }

    /// The inverse placement (A in B).
    pub fn inverse(&self) -> Self {
        let rt = self.rotation.transpose();
        let translation = -mat_mul(&rt, &self.translation);
        Self { rotation: rt, translation }
    }

    /// A point given in B, expressed in A.
    #[inline]
    pub fn transform_point(&self, p: &Vector3<T>) -> Vector3<T> {
        mat_mul(&self.rotation, p) + self.translation
    }

    /// A point given in A, expressed in B: `Rᵀ (p − translation)`.
    #[inline]
    pub fn inverse_transform_point(&self, p: &Vector3<T>) -> Vector3<T> {
        self.rotation.tr_mul(&(p - self.translation))
    }

    /// A motion expressed in B, expressed in A: `ω_A = R ω`, `v_A = R v + p × ω_A`.
    #[inline]
    pub fn act_motion(&self, m: &Motion<T>) -> Motion<T> {
        let angular = mat_mul(&self.rotation, &m.angular);
        let linear = mat_mul(&self.rotation, &m.linear) + self.translation.cross(&angular);
        Motion { angular, linear }
    }

    /// A motion expressed in A, expressed in B (the inverse of [`Transform::act_motion`]).
    #[inline]
    pub fn inv_act_motion(&self, m: &Motion<T>) -> Motion<T> {
        let rt = self.rotation.transpose();
        let linear = mat_mul(&rt, &(m.linear - self.translation.cross(&m.angular)));
        Motion { angular: mat_mul(&rt, &m.angular), linear }
    }

    /// A force expressed in B, expressed in A: `f_A = R f`, `n_A = R n + p × f_A`.
    #[inline]
    pub fn act_force(&self, f: &Force<T>) -> Force<T> {
        let linear = mat_mul(&self.rotation, &f.linear);
        let angular = mat_mul(&self.rotation, &f.angular) + self.translation.cross(&linear);
        Force { angular, linear }
    }

    /// A force expressed in A, expressed in B (the inverse of [`Transform::act_force`]).
    #[inline]
    pub fn inv_act_force(&self, f: &Force<T>) -> Force<T> {
        let rt = self.rotation.transpose();
        let angular = mat_mul(&rt, &(f.angular - self.translation.cross(&f.linear)));
        Force { angular, linear: mat_mul(&rt, &f.linear) }
    }

    /// A 6×6 inertia-like matrix (`[angular; linear]` order) of B, expressed in A: `X* I X⁻¹`.
    pub fn act_inertia_matrix(&self, inertia: &Matrix6<T>) -> Matrix6<T> {
        let r = &self.rotation;
        let rt = r.transpose();
        let block =
            |i: usize, j: usize| -> Matrix3<T> { mat_mul(&mat_mul(r, &inertia.fixed_view::<3, 3>(3 * i, 3 * j)), &rt) };
        let (b11, b12, b21, b22) = (block(0, 0), block(0, 1), block(1, 0), block(1, 1));
        let px = skew(&self.translation);
        let upper_left_part = b11 - mat_mul(&b12, &px);
        let lower_left = b21 - mat_mul(&b22, &px);
        let upper_left = upper_left_part + mat_mul(&px, &lower_left);
        let upper_right = b12 + mat_mul(&px, &b22);
        let mut out = Matrix6::zeros();
        out.fixed_view_mut::<3, 3>(0, 0).copy_from(&upper_left);
        out.fixed_view_mut::<3, 3>(0, 3).copy_from(&upper_right);
        out.fixed_view_mut::<3, 3>(3, 0).copy_from(&lower_left);
        out.fixed_view_mut::<3, 3>(3, 3).copy_from(&b22);
        out
    }

    /// The 6×6 motion transform matrix (`[angular; linear]` order): `act_motion(m) == to_motion_matrix() · m`.
    pub fn to_motion_matrix(&self) -> Matrix6<T> {
        let mut out = Matrix6::zeros();
        out.fixed_view_mut::<3, 3>(0, 0).copy_from(&self.rotation);
        out.fixed_view_mut::<3, 3>(3, 3).copy_from(&self.rotation);
        out.fixed_view_mut::<3, 3>(3, 0).copy_from(&mat_mul(&skew(&self.translation), &self.rotation));
        out
    }

    /// The same placement over another scalar type (derivative parts zero).
    pub fn lift<D: Scalar>(&self) -> Transform<D> {
        Transform {
            rotation: self.rotation.map(|x| D::constant(crate::scalar::re(&x))),
            translation: lift3(&self.translation),
        }
    }
}

/// A 3-vector over another scalar type (derivative parts dropped, then zero).
pub(crate) fn lift3<T: Scalar, D: Scalar>(v: &Vector3<T>) -> Vector3<D> {
    v.map(|x| D::constant(crate::scalar::re(&x)))
}

/// Composition `A_M_C = A_M_B * B_M_C`.
impl<T: Scalar> Mul<&Transform<T>> for &Transform<T> {
    type Output = Transform<T>;
    #[inline]
    #[allow(clippy::suspicious_arithmetic_impl)] // composing placements adds the translations
    fn mul(self, rhs: &Transform<T>) -> Transform<T> {
        Transform {
            rotation: mat_mul(&self.rotation, &rhs.rotation),
            translation: mat_mul(&self.rotation, &rhs.translation) + self.translation,
        }
    }
}

/// Rodrigues' formula `R = 1 + sin θ [a]× + (1 − cos θ) [a]×²` for a unit axis `a`.
pub fn axis_angle_matrix<T: Scalar>(axis: &Vector3<T>, angle: &T) -> Matrix3<T> {
    let (s, c) = ((*angle).sin(), (*angle).cos());
    let k = skew(axis);
    let k2 = k * k;
    Matrix3::identity() + k * s + k2 * (T::one() - c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn sample() -> Transform<f64> {
        Transform::from_xyz_rpy(Vector3::new(0.3, -0.2, 0.5), &Vector3::new(0.4, -1.1, 2.0))
    }

    #[test]
    fn motion_and_force_maps_preserve_power_and_invert() {
        let x = sample();
        let m = Motion::new(Vector3::new(0.1, 0.2, -0.3), Vector3::new(1.0, -2.0, 0.5));
        let f = Force::new(Vector3::new(-0.4, 0.7, 0.2), Vector3::new(0.3, 0.1, -1.5));
        assert_relative_eq!(x.act_motion(&m).dot(&x.act_force(&f)), m.dot(&f), epsilon = 1e-14);
        let back = x.inv_act_motion(&x.act_motion(&m));
        assert_relative_eq!(back.to_vector(), m.to_vector(), epsilon = 1e-14);
        let back = x.inv_act_force(&x.act_force(&f));
        assert_relative_eq!(back.to_vector(), f.to_vector(), epsilon = 1e-14);
        assert_relative_eq!(x.to_motion_matrix() * m.to_vector(), x.act_motion(&m).to_vector(), epsilon = 1e-14);
    }

    #[test]
    fn composition_and_inverse() {
        let a = sample();
        let b = Transform::from_axis_angle(&Vector3::new(0.0, 0.6, 0.8), &0.7);
        let ab = &a * &b;
        let p = Vector3::new(0.2, 0.4, -0.1);
        assert_relative_eq!(ab.transform_point(&p), a.transform_point(&b.transform_point(&p)), epsilon = 1e-14);
        let id = &ab * &ab.inverse();
        assert_relative_eq!(id.rotation, Matrix3::identity(), epsilon = 1e-14);
        assert_relative_eq!(id.translation, Vector3::zeros(), epsilon = 1e-14);
    }

    #[test]
    fn inertia_matrix_transform_is_congruence() {
        let x = sample();
        let m = Matrix6::from_fn(|i, j| ((i * 7 + j * 3) % 5) as f64 + if i == j { 10.0 } else { 0.0 });
        let sym = m + m.transpose();
        let xm = x.to_motion_matrix();
        let xinv = xm.try_inverse().unwrap();
        let expected = xinv.transpose() * sym * xinv;
        assert_relative_eq!(x.act_inertia_matrix(&sym), expected, epsilon = 1e-12);
    }
}
