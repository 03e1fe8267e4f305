//! Unit quaternions as plain tuples `(x, y, z, w)` (`x i + y j + z k + w`), with the same operations for every
//! scalar type: the rotation matrix, the exponential map, the Hamilton product and renormalisation.
//!
//! Free joints store `[qx, qy, qz, qw]` (Pinocchio's order); rigid bodies store a [`nalgebra::Quaternion`]
//! (`w, i, j, k`); both go through these functions.

use crate::scalar::{c, re, recip, sqrt};
use crate::Scalar;
use nalgebra::{Matrix3, Quaternion, Vector3};

/// A quaternion `x i + y j + z k + w` as `(x, y, z, w)`.
pub type QuatTuple<T> = (T, T, T, T);

/// The rotation matrix of the quaternion `x i + y j + z k + w` (assumed of unit norm).
pub fn quaternion_matrix<T: Scalar>(x: &T, y: &T, z: &T, w: &T) -> Matrix3<T> {
    let two = c::<T>(2.0);
    let (xx, yy, zz) = (*x * *x, *y * *y, *z * *z);
    let (xy, xz, yz) = (*x * *y, *x * *z, *y * *z);
    let (wx, wy, wz) = (*w * *x, *w * *y, *w * *z);
    let one = T::one();
    Matrix3::new(
        one - (yy + zz) * two,
        (xy - wz) * two,
        (xz + wy) * two,
        (xy + wz) * two,
        one - (xx + zz) * two,
        (yz - wx) * two,
        (xz - wy) * two,
        (yz + wx) * two,
        one - (xx + yy) * two,
    )
}

/// The rotation matrix of a unit [`Quaternion`].
///
/// ```
/// use diffphys::spatial::rotation_matrix;
/// use nalgebra::{Quaternion, Vector3};
/// let h = std::f64::consts::FRAC_1_SQRT_2;
/// let quarter_turn_about_z = Quaternion::new(h, 0.0, 0.0, h); // w, i, j, k
/// let x = rotation_matrix(&quarter_turn_about_z) * Vector3::x();
/// assert!((x - Vector3::y()).norm() < 1e-15);
/// ```
pub fn rotation_matrix<T: Scalar>(q: &Quaternion<T>) -> Matrix3<T> {
    quaternion_matrix(&q.i, &q.j, &q.k, &q.w)
}

/// `exp(w / 2)` as a unit quaternion `(x, y, z, w)`: the rotation by the rotation vector `w` (rad).
///
/// Uses its Taylor series for `|w|² < 1e-8` (branch on the real part), so the derivative at `w = 0` is exact (no
/// `0/0`).
pub fn quaternion_exp<T: Scalar>(w: &Vector3<T>) -> QuatTuple<T> {
    let theta2 = w.norm_squared();
    // sin(θ/2)/θ and cos(θ/2); the series branch is exact to rounding below 1e-4.
    let (s, cw) = if re(&theta2) < 1e-8 {
        let s = c::<T>(0.5) - theta2 * (1.0 / 48.0);
        let cw = T::one() - theta2 * 0.125;
        (s, cw)
    } else {
        let theta = sqrt(&theta2);
        let half = theta * 0.5;
        (half.sin() * recip(&theta), half.cos())
    };
    (w.x * s, w.y * s, w.z * s, cw)
}

/// The Hamilton product `a ⊗ b`.
pub fn quaternion_product<T: Scalar>(a: &QuatTuple<T>, b: &QuatTuple<T>) -> QuatTuple<T> {
    let (x, y, z, w) = *a;
    let (dx, dy, dz, dw) = *b;
    let nw = w * dw - x * dx - y * dy - z * dz;
    let nx = w * dx + x * dw + y * dz - z * dy;
    let ny = w * dy - x * dz + y * dw + z * dx;
    let nz = w * dz + x * dy - y * dx + z * dw;
    (nx, ny, nz, nw)
}

/// The conjugate (inverse, for a unit quaternion) `(−x, −y, −z, w)`.
pub fn quaternion_conjugate<T: Scalar>(q: &QuatTuple<T>) -> QuatTuple<T> {
    (-q.0, -q.1, -q.2, q.3)
}

/// The rotation vector (rad) of the unit quaternion `q`: the inverse of [`quaternion_exp`], `log(q) · 2`, with the
/// angle in `[0, π]` (a quaternion and its negative give the same vector).
///
/// Uses its Taylor series for small angles (branch on the real part), so the derivative at the identity is exact
/// (no `0/0`).
///
/// ```
/// use diffphys::spatial::{quaternion_exp, quaternion_log};
/// use nalgebra::Vector3;
/// let w = Vector3::new(0.3, -1.2, 0.5);
/// assert!((quaternion_log(&quaternion_exp(&w)) - w).norm() < 1e-14);
/// ```
pub fn quaternion_log<T: Scalar>(q: &QuatTuple<T>) -> Vector3<T> {
    // the same rotation with w ≥ 0, so the angle is at most π
    let sign = if re(&q.3) < 0.0 { -1.0 } else { 1.0 };
    let (v, w) = (Vector3::new(q.0, q.1, q.2) * c::<T>(sign), q.3 * sign);
    let s2 = v.norm_squared();
    // θ / sin(θ/2) with θ = 2 atan2(s, w): its series in s² for small angles
    let scale = if re(&s2) < 1e-8 {
        let w2 = w * w;
        (c::<T>(2.0) - s2 * recip(&w2) * (2.0 / 3.0)) * recip(&w)
    } else {
        let s = sqrt(&s2);
        num_dual::DualNum::atan2(&s, w) * c::<T>(2.0) * recip(&s)
    };
    v * scale
}

/// `q / |q|`.
pub fn quaternion_normalized<T: Scalar>(q: QuatTuple<T>) -> QuatTuple<T> {
    let (x, y, z, w) = q;
    let inv_norm = recip(&sqrt(&(x * x + y * y + z * z + w * w)));
    (x * inv_norm, y * inv_norm, z * inv_norm, w * inv_norm)
}

/// Rotates the orientation `q` (body to world) by the world-frame angular velocity `omega` (rad/s) for `dt`
/// seconds: `exp(ω dt / 2) ⊗ q`, renormalised, so it stays a unit quaternion.
///
/// ```
/// use diffphys::spatial::{integrate_orientation, rotation_matrix};
/// use nalgebra::{Quaternion, Vector3};
/// let q = integrate_orientation(&Quaternion::identity(), &Vector3::new(0.0, 0.0, std::f64::consts::PI), 0.5);
/// let x = rotation_matrix(&q) * Vector3::x();
/// assert!((x - Vector3::y()).norm() < 1e-15 && (q.norm() - 1.0).abs() < 1e-15);
/// ```
pub fn integrate_orientation<T: Scalar>(q: &Quaternion<T>, omega: &Vector3<T>, dt: f64) -> Quaternion<T> {
    let dq = quaternion_exp(&(omega * T::from(dt)));
    let (x, y, z, w) = quaternion_normalized(quaternion_product(&dq, &(q.i, q.j, q.k, q.w)));
    Quaternion::new(w, x, y, z)
}
