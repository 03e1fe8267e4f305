//! Round shapes: spheres and capsules as swept spheres (a segment plus a radius), against each other and
//! against boxes.

use super::super::ContactGeometry;
use crate::scalar::{norm, re, recip, sqrt};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

fn clamp01<T: Scalar>(x: T) -> T {
    if re(&x) < 0.0 {
        T::zero()
    } else if re(&x) > 1.0 {
        T::one()
    } else {
        x
    }
}

/// Closest points of segments `p1 q1` and `p2 q2`: returns `(s, t, c1, c2)` with `c1 = p1 + s (q1 − p1)` and
/// `c2 = p2 + t (q2 − p2)`, `s, t ∈ [0, 1]` (Ericson, *Real-Time Collision Detection*, 5.1.9). A zero-length
/// segment is a point. For parallel segments the pair at `s = 0` is taken.
pub fn segment_closest_points<T: Scalar>(
    p1: &Vector3<T>,
    q1: &Vector3<T>,
    p2: &Vector3<T>,
    q2: &Vector3<T>,
) -> (T, T, Vector3<T>, Vector3<T>) {
    const EPS: f64 = 1e-24;
    let d1 = q1 - p1;
    let d2 = q2 - p2;
    let r = p1 - p2;
    let a = d1.norm_squared();
    let e = d2.norm_squared();
    let f = d2.dot(&r);
    let (s, t) = if re(&a) <= EPS && re(&e) <= EPS {
        (T::zero(), T::zero())
    } else if re(&a) <= EPS {
        (T::zero(), clamp01(f * recip(&e)))
    } else {
        let c = d1.dot(&r);
        if re(&e) <= EPS {
            (clamp01(-c * recip(&a)), T::zero())
        } else {
            let b = d1.dot(&d2);
            let denom = a * e - b * b;
            let s =
                if re(&denom) > 1e-12 * re(&a) * re(&e) { clamp01((b * f - c * e) * recip(&denom)) } else { T::zero() };
            let t = (b * s + f) * recip(&e);
            if re(&t) < 0.0 {
                (clamp01(-c * recip(&a)), T::zero())
            } else if re(&t) > 1.0 {
                (clamp01((b - c) * recip(&a)), T::one())
            } else {
                (s, t)
            }
        }
    };
    let c1 = p1 + d1 * s;
    let c2 = p2 + d2 * t;
    (s, t, c1, c2)
}

/// Two swept spheres (segments `a0 a1`, `b0 b1` with radii `ra`, `rb`; a sphere is a zero-length segment): one
/// contact at the closest points of the segments if closer than `margin` (m). When the two segments intersect
/// (the centres coincide) the normal is taken as `+z`.
#[allow(clippy::too_many_arguments)]
pub fn swept_spheres<T: Scalar>(
    a0: &Vector3<T>,
    a1: &Vector3<T>,
    ra: &T,
    b0: &Vector3<T>,
    b1: &Vector3<T>,
    rb: &T,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let (_, _, ca, cb) = segment_closest_points(a0, a1, b0, b1);
    let diff = ca - cb;
    let d2 = diff.norm_squared();
    let (normal, centre_distance) = if re(&d2) > 1e-24 {
        let d = sqrt(&d2);
        (diff * recip(&d), d)
    } else {
        (Vector3::z(), T::zero())
    };
    let distance = centre_distance - *ra - *rb;
    if re(&distance) < margin {
        let surface_a = ca - normal * *ra;
        let surface_b = cb + normal * *rb;
        out(ContactGeometry { normal, point: (surface_a + surface_b) * T::from(0.5), distance });
    }
}

/// A sphere (centre `centre`, radius `radius`) against a box (half extents `half`, at `pose`): one contact
/// between the sphere and the box's closest surface point, normal from the box to the sphere. A centre inside
/// the box is pushed out through the nearest face.
pub fn sphere_box<T: Scalar>(
    centre: &Vector3<T>,
    radius: &T,
    pose: &Transform<T>,
    half: &Vector3<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let c = point_box(centre, pose, half, None);
    let distance = c.distance - *radius;
    if re(&distance) < margin {
        // midway between the box's surface and the sphere's, not the centre's
        let point = c.point - c.normal * (*radius * T::from(0.5));
        out(ContactGeometry { normal: c.normal, point, distance });
    }
}

/// The contact of a world point `q` with the part of a box's surface (at `pose`, half extents `half`) that is not
/// the pair of faces across axis `skip` (the prism infinite along it), normal from the box to the point: exact
/// outside, the nearest face inside.
pub(crate) fn point_box<T: Scalar>(
    q: &Vector3<T>,
    pose: &Transform<T>,
    half: &Vector3<T>,
    skip: Option<usize>,
) -> ContactGeometry<T> {
    let local = pose.inverse_transform_point(q);
    let mut closest = local;
    let mut outside = false;
    let axes = (0..3).filter(|&i| Some(i) != skip);
    for i in axes.clone() {
        if re(&local[i]) > re(&half[i]) {
            closest[i] = half[i];
            outside = true;
        } else if re(&local[i]) < -re(&half[i]) {
            closest[i] = -half[i];
            outside = true;
        }
    }
    let (normal_local, surface_local, distance) = if outside {
        let d = local - closest;
        let dn = norm(&d);
        (d * recip(&dn), closest, dn)
    } else {
        let depth = |i: usize| re(&half[i]) - re(&local[i]).abs();
        let i = axes.fold(None, |best: Option<usize>, i| match best {
            Some(b) if depth(b) <= depth(i) => Some(b),
            _ => Some(i),
        });
        let i = i.expect("a box has at least two face pairs besides the skipped one");
        let sign = if re(&local[i]) >= 0.0 { 1.0 } else { -1.0 };
        let mut n = Vector3::zeros();
        n[i] = T::from(sign);
        let mut surface = local;
        surface[i] = half[i] * sign;
        (n, surface, local[i] * sign - half[i])
    };
    let normal = pose.rotation * normal_local;
    let surface = pose.transform_point(&surface_local);
    ContactGeometry { normal, point: (surface + q) * T::from(0.5), distance }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Matrix3;
    use num_dual::Dual64;

    #[test]
    fn crossing_segments_and_their_closest_points() {
        let (s, t, c1, c2): (f64, f64, _, _) = segment_closest_points(
            &Vector3::new(-1.0, 0.0, 0.0),
            &Vector3::new(1.0, 0.0, 0.0),
            &Vector3::new(0.5, -1.0, 0.3),
            &Vector3::new(0.5, 1.0, 0.3),
        );
        assert!((s - 0.75).abs() < 1e-15 && (t - 0.5).abs() < 1e-15);
        assert!((c1 - Vector3::new(0.5, 0.0, 0.0)).norm() < 1e-15 && (c2 - Vector3::new(0.5, 0.0, 0.3)).norm() < 1e-15);
        // end point regions: the closest point is clamped to an end
        let (s, t, _, _) = segment_closest_points(
            &Vector3::zeros(),
            &Vector3::x(),
            &Vector3::new(2.0, 1.0, 0.0),
            &Vector3::new(3.0, 1.0, 0.0),
        );
        assert_eq!((s, t), (1.0, 0.0));
    }

    #[test]
    fn sphere_on_a_box_face_edge_and_inside() {
        let pose = Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() };
        let half = Vector3::new(1.0, 1.0, 1.0);
        let mut got: Vec<ContactGeometry<f64>> = Vec::new();
        // above the top face, 5 cm of overlap
        sphere_box(&Vector3::new(0.2, 0.3, 1.45), &0.5f64, &pose, &half, 0.0, &mut |c| got.push(c));
        assert!((got[0].distance + 0.05).abs() < 1e-12 && got[0].normal == Vector3::z());
        assert!((got[0].point - Vector3::new(0.2, 0.3, 0.975)).norm() < 1e-12);
        // near an edge: the normal points from the edge to the centre
        got.clear();
        sphere_box(&Vector3::new(1.3, 0.0, 1.4), &0.6, &pose, &half, 0.0, &mut |c| got.push(c));
        assert!((got[0].normal - Vector3::new(0.6, 0.0, 0.8)).norm() < 1e-12);
        assert!((got[0].distance + 0.1).abs() < 1e-12);
        // centre inside, nearest the −y face
        got.clear();
        sphere_box(&Vector3::new(0.0, -0.9, 0.0), &0.2, &pose, &half, 0.0, &mut |c| got.push(c));
        assert!(got[0].normal == -Vector3::y() && (got[0].distance + 0.3).abs() < 1e-12);
    }

    #[test]
    fn capsules_side_by_side_and_the_distance_derivative() {
        let z = |x: f64| Dual64::from(x);
        let gap = Dual64::from(0.25).derivative(); // d/d(centre separation)
        let a0 = Vector3::new(z(0.0), z(0.0), z(-1.0));
        let a1 = Vector3::new(z(0.0), z(0.0), z(1.0));
        let b0 = Vector3::new(gap, z(-0.5), z(0.0));
        let b1 = Vector3::new(gap, z(0.5), z(0.0));
        let mut got = Vec::new();
        swept_spheres(&a0, &a1, &z(0.1), &b0, &b1, &z(0.1), 0.0, &mut |c| got.push(c));
        assert!(got.is_empty(), "5 cm apart, margin 0");
        swept_spheres(&a0, &a1, &z(0.1), &b0, &b1, &z(0.1), 0.1, &mut |c| got.push(c));
        assert!((got[0].distance.re - 0.05).abs() < 1e-15 && (got[0].distance.eps - 1.0).abs() < 1e-15);
        assert_eq!(got[0].normal.map(|n| n.re), -Vector3::x());
    }
}
