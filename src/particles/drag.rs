//! Aerodynamic drag on a particle.

use crate::scalar::safe_norm;
use crate::Scalar;
use nalgebra::Vector3;

/// Drag force in N on a particle moving at `v` (m/s): `F = −b v − b₂ |v| v`.
///
/// `|v| v` is C¹ with a zero derivative at `v = 0`; [`safe_norm`] gives exactly that derivative there instead of
/// NaN.
pub fn drag_force<T: Scalar>(drag: &T, quadratic_drag: &T, v: &Vector3<T>) -> Vector3<T> {
    let coefficient = *drag + *quadratic_drag * safe_norm(v);
    v * (-coefficient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opposes_motion_with_linear_and_quadratic_parts() {
        let v = Vector3::new(3.0, 0.0, -4.0);
        let f = drag_force(&0.5, &0.1, &v);
        // |v| = 5: coefficient 0.5 + 0.5 = 1
        assert_eq!(f, -v);
    }
}
