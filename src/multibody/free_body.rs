//! Newton–Euler for a free rigid body: world inertia and the torque-free rotation step.

use crate::scalar::{re, recip};
use crate::Scalar;
use nalgebra::{Matrix3, Quaternion, Vector3};

/// The state of one rigid body.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

/// The inverse rotational inertia in world axes, `R diag(1/I) Rᵀ`, for principal moments `principal` (kg·m²) and
/// rotation `rotation` (body to world).
pub fn inverse_inertia_world<T: Scalar>(principal: &Vector3<T>, rotation: &Matrix3<T>) -> Matrix3<T> {
    let inv = principal.map(|i| recip(&i));
    rotation * Matrix3::from_diagonal(&inv) * rotation.transpose()
}

/// The rotational inertia in world axes, `R diag(I) Rᵀ` (kg·m²).
pub fn inertia_world<T: Scalar>(principal: &Vector3<T>, rotation: &Matrix3<T>) -> Matrix3<T> {
    rotation * Matrix3::from_diagonal(principal) * rotation.transpose()
}

/// The angular velocity (world axes, rad/s) after `dt` seconds of torque-free motion, with the gyroscopic term:
/// Euler's equations `I ω̇ = −ω × I ω` in body axes, integrated by the implicit midpoint rule.
///
/// The implicit midpoint rule preserves every quadratic invariant of Euler's equations, so the rotational
/// kinetic energy `½ ω·Iω` and the magnitude of the angular momentum `|Iω|` are conserved to the tolerance of its
/// fixed-point iteration (1e-15 relative); the orientation update of a step (`exp(ω dt) R`) leaves the body-axes
/// angular velocity unchanged, so they stay conserved step after step. Explicit Euler, by contrast, gains energy
/// on every step of a tumbling body. The fixed-point iteration stops on the real part, so the `f64` run and dual
/// runs iterate the same number of times.
///
/// ```
/// use diffphys::multibody::free_rotation_step;
/// use nalgebra::{Matrix3, Vector3};
/// let inertia = Vector3::new(1.0, 2.0, 3.0);
/// let w = Vector3::new(0.1, 3.0, 0.1); // near the intermediate axis: unstable
/// let w1 = free_rotation_step(&inertia, &Matrix3::identity(), &w, 1e-3);
/// let energy = |w: &Vector3<f64>| 0.5 * w.dot(&inertia.component_mul(w));
/// assert!((energy(&w1) - energy(&w)).abs() < 1e-14);
/// ```
pub fn free_rotation_step<T: Scalar>(
    principal: &Vector3<T>,
    rotation: &Matrix3<T>,
    omega_world: &Vector3<T>,
    dt: f64,
) -> Vector3<T> {
    let w0 = rotation.tr_mul(omega_world);
    let inv = principal.map(|i| recip(&i));
    let rate = |w: &Vector3<T>| -> Vector3<T> { -w.cross(&principal.component_mul(w)).component_mul(&inv) };
    let scale = re(&w0.norm_squared()).sqrt().max(1e-300);
    let mut w1 = w0;
    for _ in 0..20 {
        let mid = (w0 + w1) * T::from(0.5);
        let next = w0 + rate(&mid) * T::from(dt);
        let change = (0..3).map(|k| (re(&next[k]) - re(&w1[k])).abs()).fold(0.0, f64::max);
        w1 = next;
        if change <= 1e-15 * scale {
            break;
        }
    }
    rotation * w1
}
