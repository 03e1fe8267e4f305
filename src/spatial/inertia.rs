//! Rigid-body spatial inertia.

use super::{skew, transform::lift3, Force, Motion, Transform};
use crate::scalar::{c, mat_mul, re, recip};
use crate::Scalar;
use nalgebra::{Matrix3, Matrix6, Vector3};

/// The spatial inertia of a rigid body: mass, centre of mass and rotational inertia about the centre of mass, all
/// in the body frame.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Inertia<T: Scalar> {
    /// Mass (kg).
    pub mass: T,
    /// Centre of mass in the body frame (m).
    pub com: Vector3<T>,
    /// Rotational inertia about the centre of mass, in the body frame's axes (kg·m²), symmetric.
    pub rotational: Matrix3<T>,
}

impl<T: Scalar> Inertia<T> {
    /// An inertia from mass, centre of mass and rotational inertia about the centre of mass.
    pub fn new(mass: T, com: Vector3<T>, rotational: Matrix3<T>) -> Self {
        Self { mass, com, rotational }
    }

    /// The inertia of nothing (mass zero).
    pub fn zero() -> Self {
        Self { mass: T::zero(), com: Vector3::zeros(), rotational: Matrix3::zeros() }
    }

    /// Momentum `h = I v` of the body moving with twist `v` (both in the body frame).
    ///
    /// Linear momentum `m (v + ω × c)`, angular momentum about the origin `I_c ω + c × p`.
    #[inline]
    pub fn apply(&self, v: &Motion<T>) -> Force<T> {
        let linear = (v.linear + v.angular.cross(&self.com)) * self.mass;
        let angular = mat_mul(&self.rotational, &v.angular) + self.com.cross(&linear);
        Force { angular, linear }
    }

    /// Kinetic energy `½ vᵀ I v` (J).
    #[inline]
    pub fn kinetic_energy(&self, v: &Motion<T>) -> T {
        v.dot(&self.apply(v)) * c::<T>(0.5)
    }

    /// The 6×6 matrix in `[angular; linear]` order:
    /// `[[I_c − m [c]×², m [c]×], [−m [c]×, m 1]]`.
    pub fn to_matrix(&self) -> Matrix6<T> {
        let cx = skew(&self.com);
        let mcx = cx * self.mass;
        let mut out = Matrix6::zeros();
        out.fixed_view_mut::<3, 3>(0, 0).copy_from(&(self.rotational - mat_mul(&mcx, &cx)));
        out.fixed_view_mut::<3, 3>(0, 3).copy_from(&mcx);
        out.fixed_view_mut::<3, 3>(3, 0).copy_from(&(-mcx));
        out.fixed_view_mut::<3, 3>(3, 3).copy_from(&(Matrix3::identity() * self.mass));
        out
    }

    /// This body's inertia expressed in the frame A, given the body frame's placement `x` in A.
    pub fn transformed(&self, x: &Transform<T>) -> Inertia<T> {
        Inertia {
            mass: self.mass,
            com: x.transform_point(&self.com),
            rotational: mat_mul(&mat_mul(&x.rotation, &self.rotational), &x.rotation.transpose()),
        }
    }

    /// The inertia of two bodies rigidly joined (both expressed in the same frame).
    ///
    /// If the total mass is zero the result is zero; the branch is on the real part of the mass.
    pub fn combined(&self, other: &Inertia<T>) -> Inertia<T> {
        let mass = self.mass + other.mass;
        if re(&mass) == 0.0 {
            return Inertia { mass, com: Vector3::zeros(), rotational: self.rotational + other.rotational };
        }
        let com = (self.com * self.mass + other.com * other.mass) * recip(&mass);
        // Parallel-axis theorem: I_about_new_com = Σ I_c,k − m_k [c_k − c]×².
        let shift = |inertia: &Inertia<T>| -> Matrix3<T> {
            let d = skew(&(inertia.com - com));
            inertia.rotational - mat_mul(&d, &d) * inertia.mass
        };
        let rotational = shift(self) + shift(other);
        Inertia { mass, com, rotational }
    }

    /// The same inertia over another scalar type (derivative parts zero).
    pub fn lift<D: Scalar>(&self) -> Inertia<D> {
        Inertia {
            mass: D::constant(re(&self.mass)),
            com: lift3(&self.com),
            rotational: self.rotational.map(|x| D::constant(re(&x))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn body() -> Inertia<f64> {
        Inertia::new(
            2.5,
            Vector3::new(0.1, -0.2, 0.3),
            Matrix3::new(0.3, 0.01, -0.02, 0.01, 0.4, 0.03, -0.02, 0.03, 0.5),
        )
    }

    #[test]
    fn apply_matches_matrix_and_energy_is_positive() {
        let inertia = body();
        let v = Motion::new(Vector3::new(0.3, -0.7, 1.1), Vector3::new(-0.5, 0.2, 0.9));
        assert_relative_eq!(inertia.apply(&v).to_vector(), inertia.to_matrix() * v.to_vector(), epsilon = 1e-14);
        assert!(inertia.kinetic_energy(&v) > 0.0);
        let m = inertia.to_matrix();
        assert_relative_eq!(m, m.transpose(), epsilon = 1e-15);
    }

    #[test]
    fn transform_agrees_with_the_matrix_congruence() {
        let x = Transform::from_xyz_rpy(Vector3::new(0.2, 0.1, -0.4), &Vector3::new(0.3, 0.2, -0.9));
        let inertia = body();
        assert_relative_eq!(
            inertia.transformed(&x).to_matrix(),
            x.act_inertia_matrix(&inertia.to_matrix()),
            epsilon = 1e-13
        );
    }

    #[test]
    fn combining_adds_the_spatial_matrices() {
        let a = body();
        let b = Inertia::new(0.7, Vector3::new(-0.3, 0.4, 0.0), Matrix3::from_diagonal(&Vector3::new(0.1, 0.2, 0.15)));
        assert_relative_eq!(a.combined(&b).to_matrix(), a.to_matrix() + b.to_matrix(), epsilon = 1e-13);
    }
}
