//! Helpers shared by the narrow-phase unit tests.

use crate::spatial::Transform;
use nalgebra::{Matrix3, Vector3};
use num_dual::Dual64;

/// Rotation by `angle` about world axis `k` (plain trig).
pub fn rot(k: usize, angle: f64) -> Matrix3<f64> {
    let ((s, c), i, j) = (angle.sin_cos(), (k + 1) % 3, (k + 2) % 3);
    let mut m = Matrix3::identity();
    (m[(i, i)], m[(j, j)], m[(j, i)], m[(i, j)]) = (c, c, s, -s);
    m
}

/// A pose lifted to duals with no derivative.
pub fn lift(p: &Transform<f64>) -> Transform<Dual64> {
    Transform { translation: p.translation.map(Dual64::from), rotation: p.rotation.map(Dual64::from) }
}

/// `p` lifted to duals whose derivative is the motion `k` of the body: a translation along world axis `k` for
/// `k < 3`, a rotation about world axis `k − 3` through the body's origin otherwise (`R → (I + [θ]×) R`, exact
/// to first order).
pub fn perturbed(p: &Transform<f64>, k: usize) -> Transform<Dual64> {
    let eps = Dual64::from(0.0).derivative();
    let zero = Dual64::from(0.0);
    let mut dx = Vector3::from_element(zero);
    let mut w = Vector3::from_element(zero);
    if k < 3 {
        dx[k] = eps;
    } else {
        w[k - 3] = eps;
    }
    let skew = Matrix3::new(zero, -w.z, w.y, w.z, zero, -w.x, -w.y, w.x, zero);
    let lifted = lift(p);
    Transform { translation: lifted.translation + dx, rotation: (Matrix3::identity() + skew) * lifted.rotation }
}
