//! Linear spring–dampers along the line between two points.

use crate::scalar::{norm, re, recip};
use crate::Scalar;
use nalgebra::Vector3;

/// Force in N on end `a` of a spring–damper from `xb` to `xa`: `F_a = −(k (L − L₀) + c L̇) n`, `n = (xa − xb)/L`.
/// End `b` receives `−F_a`.
///
/// When the ends coincide (`L = 0`, real part) the direction is undefined and the force is zero with a zero
/// gradient; any configuration with `L > 0` is smooth.
///
/// ```
/// use diffphys::particles::spring_force;
/// use nalgebra::Vector3;
/// let f = spring_force(&10.0, &0.0, &1.0, &Vector3::new(0.0, 0.0, 3.0), &Vector3::zeros(), &Vector3::zeros(), &Vector3::zeros());
/// assert_eq!(f, Vector3::new(0.0, 0.0, -20.0)); // stretched by 2 m: pulled back with 20 N
/// ```
pub fn spring_force<T: Scalar>(
    stiffness: &T,
    damping: &T,
    rest_length: &T,
    xa: &Vector3<T>,
    va: &Vector3<T>,
    xb: &Vector3<T>,
    vb: &Vector3<T>,
) -> Vector3<T> {
    let dx = xa.zip_map(xb, |a, b| a - b);
    let length = norm(&dx);
    if re(&length) <= 0.0 {
        return Vector3::zeros();
    }
    let inverse = recip(&length);
    let n = dx.map(|c| c * inverse);
    let rate = va.zip_map(vb, |a, b| a - b).dot(&n);
    let tension = *stiffness * (length - *rest_length) + *damping * rate;
    n.map(|c| c * -tension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damper_resists_stretching_rate() {
        let f = spring_force(
            &0.0,
            &2.0,
            &1.0,
            &Vector3::new(1.0, 0.0, 0.0),
            &Vector3::new(3.0, 5.0, 0.0),
            &Vector3::zeros(),
            &Vector3::zeros(),
        );
        // only the component of relative velocity along the spring (3 m/s) counts
        assert_eq!(f, Vector3::new(-6.0, 0.0, 0.0));
    }

    #[test]
    fn coincident_ends_give_zero_force() {
        let z = Vector3::<f64>::zeros();
        assert_eq!(spring_force(&1.0, &1.0, &1.0, &z, &z, &z, &z), z);
    }
}
