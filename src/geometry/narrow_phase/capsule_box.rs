//! Capsule–box: the capsule's axis segment against the box, by the exact minimum of the signed distance along
//! the segment, plus the shallower segment end.

use super::super::ContactGeometry;
use super::round::sphere_box;
use crate::scalar::{re, recip, sqrt};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

/// Signed distance (m) from a point `x` in box coordinates to the surface of the box with half extents `half`:
/// the Euclidean distance outside, minus the depth below the nearest face inside.
pub fn box_signed_distance<T: Scalar>(x: &Vector3<T>, half: &Vector3<T>) -> T {
    let mut outside = T::zero();
    let mut any_outside = false;
    let mut deepest_face: Option<T> = None;
    for i in 0..3 {
        let excess = if re(&x[i]) >= 0.0 { x[i] } else { -x[i] } - half[i];
        if re(&excess) > 0.0 {
            outside += excess * excess;
            any_outside = true;
        }
        if deepest_face.as_ref().is_none_or(|d| re(&excess) > re(d)) {
            deepest_face = Some(excess);
        }
    }
    if any_outside {
        sqrt(&outside)
    } else {
        deepest_face.unwrap_or_else(T::zero)
    }
}

/// The parameter `s ∈ [0, 1]` of the point `a + s (b − a)` of a segment (in box coordinates) with the least
/// signed distance to the box with half extents `half`.
///
/// The signed distance to a convex set is a convex function, so along the segment it is convex in `s`, and
/// piecewise simple: outside the box the squared distance is a quadratic in `s` between the parameters where a
/// coordinate crosses a face plane (`±half`); inside, `max_i (|x_i| − half_i)` is piecewise linear with kinks
/// where a coordinate crosses zero or two faces are equally deep. The minimum is therefore at one of: the ends,
/// those crossings and kinks, or the stationary point of a quadratic piece; all are enumerated and the least
/// is kept. The candidates are closed-form expressions of the inputs, so dual numbers differentiate the
/// returned parameter (a stationary point moves with the inputs; a kink or end moves as its own formula).
/// When several candidates are equally deep (a segment parallel to a face), `s = 0` wins, then `s = 1`. No
/// allocation: this runs for every capsule–box pair in every step.
pub fn deepest_segment_point<T: Scalar>(a: &Vector3<T>, b: &Vector3<T>, half: &Vector3<T>) -> T {
    let u = b - a;
    let depth = |s: &T| re(&box_signed_distance(&(a + u * *s), half));
    // the running minimum over the candidates, in the order they are found (so ties keep s = 0, then s = 1)
    let mut best = (T::zero(), depth(&T::zero()));
    let mut consider = |s: T| {
        if re(&s) >= 0.0 && re(&s) <= 1.0 {
            let d = depth(&s);
            if d < best.1 {
                best = (s, d);
            }
        }
    };
    consider(T::one());
    // a coordinate crosses a face plane or zero: a_i + s u_i = c
    let mut crossings = [0.0; 8];
    crossings[1] = 1.0;
    let mut n_crossings = 2;
    for i in 0..3 {
        if re(&u[i]).abs() < 1e-15 {
            continue;
        }
        let inv = recip(&u[i]);
        for c in [half[i], -half[i], T::zero()] {
            let s = (c - a[i]) * inv;
            if re(&c) != 0.0 {
                crossings[n_crossings] = re(&s);
                n_crossings += 1;
            }
            consider(s);
        }
    }
    // two faces equally deep inside: ±x_i − h_i = ±x_j − h_j
    for i in 0..3 {
        for j in (i + 1)..3 {
            for (si, sj) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                let slope = u[i] * si - u[j] * sj;
                if re(&slope).abs() < 1e-15 {
                    continue;
                }
                let offset = a[i] * si - half[i] - (a[j] * sj - half[j]);
                consider(-offset * recip(&slope));
            }
        }
    }
    // the stationary point of the squared outside distance on each piece between face-plane crossings
    let crossings = &mut crossings[..n_crossings];
    crossings.sort_by(f64::total_cmp);
    for w in crossings.windows(2) {
        let mid = 0.5 * (w[0] + w[1]);
        if !(w[1] > w[0] && mid > 0.0 && mid < 1.0) {
            continue;
        }
        let (mut num, mut den) = (T::zero(), T::zero());
        for i in 0..3 {
            let x = re(&a[i]) + mid * re(&u[i]);
            let clamp = if x > re(&half[i]) {
                half[i]
            } else if x < -re(&half[i]) {
                -half[i]
            } else {
                continue;
            };
            num += u[i] * (a[i] - clamp);
            den += u[i] * u[i];
        }
        if re(&den) > 0.0 {
            let s = -num * recip(&den);
            if re(&s) > w[0] && re(&s) < w[1] {
                consider(s);
            }
        }
    }
    best.0
}

/// A capsule (axis segment `p0 p1` in world coordinates, radius `r`) against a box (half extents `half` at
/// `pose`): at most three contacts closer than `margin` (m), normals from the box to the capsule.
///
/// 1. The two ends of the axis clipped to the box's slab `|x_j| ≤ h_j` along the box axis `j` most nearly along
///    the capsule, as sphere–box contacts: a capsule lying along a face or across an edge rests on a line (on
///    its ends when they are over the box, at the box's edges when it is longer). Their depths fade out (C¹) as
///    the clipped piece shrinks below the radius, so a capsule poking into the box with its tip is left to 2.
/// 2. The point of the axis with the least signed distance to the box ([`deepest_segment_point`]), with only its
///    penetration beyond the deeper of 1. as its depth: it adds force where the capsule's side crosses a box edge
///    or corner between the ends, and nothing where it coincides with an end.
///
/// With one contact at the deepest point, a capsule longer than the box lying along its edge had that point jump
/// along the edge at nearly equal depth (and the torque with it): a pushed cube's path was not a smooth function
/// of the parameters. Now the depths are continuous functions of the poses (C¹ but where the clip or the choice
/// of `j` switches, at 45° between two box axes); the application points move continuously. **Limit:** once
/// the axis itself enters the box, its deepest point sits where two face distances are equal, the distance's
/// gradient is a blend of the two face normals, and the nearest face's normal reported here is not it (this is
/// why the compliant box–box penalty takes edge depths from [`edge_penetrations`](super::edge_penetrations),
/// with the blended gradient).
pub fn capsule_box<T: Scalar>(
    p0: &Vector3<T>,
    p1: &Vector3<T>,
    r: &T,
    pose: &Transform<T>,
    half: &Vector3<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let (a, b) = (pose.inverse_transform_point(p0), pose.inverse_transform_point(p1));
    let u = b - a;
    // 1. the ends of the axis clipped to the slab of the box axis most nearly along it
    let j = (0..3).max_by(|&i, &k| re(&u[i]).abs().total_cmp(&re(&u[k]).abs())).expect("0..3 is not empty");
    let clamp01 = |x: T| {
        if re(&x) < 0.0 {
            T::zero()
        } else if re(&x) > 1.0 {
            T::one()
        } else {
            x
        }
    };
    let (mut s_lo, mut s_hi) = (T::zero(), T::one());
    if re(&u[j]).abs() > 1e-15 {
        let inv = recip(&u[j]);
        let (t0, t1) = ((-half[j] - a[j]) * inv, (half[j] - a[j]) * inv);
        let (t0, t1) = if re(&t0) <= re(&t1) { (t0, t1) } else { (t1, t0) };
        s_lo = clamp01(t0);
        s_hi = clamp01(t1);
    }
    // the ends fade out (C1) as the clipped piece shrinks below the radius, so that the deepest point
    // alone remains when the segment does not run along the box
    let w = crate::scalar::smoothstep((s_hi - s_lo) * sqrt(&u.norm_squared()) * recip(r));
    let mut end_min = T::zero();
    if re(&w) > 0.0 {
        for s in [s_lo, s_hi] {
            let c = p0 + (p1 - p0) * s;
            sphere_box(&c, r, pose, half, f64::INFINITY, &mut |mut g: ContactGeometry<T>| {
                if re(&g.distance) < 0.0 {
                    g.distance *= w;
                }
                if re(&g.distance) < re(&end_min) {
                    end_min = g.distance;
                }
                if re(&g.distance) < margin {
                    out(g)
                }
            });
        }
    }
    let s = deepest_segment_point(&a, &b, half);
    let deepest = p0 + (p1 - p0) * s;
    sphere_box(&deepest, r, pose, half, margin, &mut |mut g: ContactGeometry<T>| {
        g.distance -= end_min;
        if re(&g.distance) < margin {
            out(g)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Matrix3;
    use num_dual::Dual64;

    /// Brute force: the least signed distance over a fine grid of the segment.
    fn grid_minimum(a: &Vector3<f64>, b: &Vector3<f64>, half: &Vector3<f64>) -> f64 {
        (0..=20_000)
            .map(|k| box_signed_distance(&(a + (b - a) * (k as f64 / 20_000.0)), half))
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn deepest_point_matches_a_fine_grid_for_segments_in_every_position() {
        let half = Vector3::new(0.5, 0.3, 0.2);
        let mut seed = 7u64;
        let mut uniform = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        for _ in 0..300 {
            let a = Vector3::new(uniform(), uniform(), uniform());
            let b = Vector3::new(uniform(), uniform(), uniform());
            let s = deepest_segment_point(&a, &b, &half);
            let found = box_signed_distance(&(a + (b - a) * s), &half);
            let grid = grid_minimum(&a, &b, &half);
            // the grid can only be as deep or shallower than the exact minimum (spacing 5e-5 of |b − a| ≤ 3.5)
            assert!(found <= grid + 1e-12 && found > grid - 2e-4, "{a} {b}: {found} vs grid {grid}");
        }
    }

    #[test]
    fn capsule_across_a_box_edge_touches_at_the_edge() {
        // a horizontal capsule along y, 2 cm below the top edge line x = 0.5, z = 0.2, its ends far outside
        let pose = Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() };
        let half = Vector3::new(0.5, 0.3, 0.2);
        let (r, c) = (0.1, Vector3::new(0.55, 0.0, 0.27));
        let (p0, p1) = (c + Vector3::new(0.0, -1.0, 0.0), c + Vector3::new(0.0, 1.0, 0.0));
        let mut got = Vec::new();
        capsule_box(&p0, &p1, &r, &pose, &half, 0.0, &mut |g| got.push(g));
        // a line contact: the axis clipped to the box's extent along y, at both ends of the edge (y = ±0.3)
        assert_eq!(got.len(), 2, "{got:?}");
        let expected = (0.05f64 * 0.05 + 0.07 * 0.07).sqrt() - r; // from the edge to the axis, minus r
        for (g, y) in got.iter().zip([-0.3, 0.3]) {
            assert!((g.distance - expected).abs() < 1e-12, "{}", g.distance);
            assert!((g.normal - Vector3::new(0.05, 0.0, 0.07) / (0.05f64.hypot(0.07))).norm() < 1e-12);
            assert!((g.point.y - y).abs() < 1e-12, "{}", g.point);
        }
    }

    #[test]
    fn capsule_lying_on_a_face_rests_on_its_two_ends() {
        let pose = Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() };
        let half = Vector3::new(0.5, 0.3, 0.2);
        let (p0, p1) = (Vector3::new(-0.2, 0.0, 0.29), Vector3::new(0.2, 0.0, 0.29));
        let mut got = Vec::new();
        capsule_box(&p0, &p1, &0.1, &pose, &half, 0.0, &mut |g: ContactGeometry<f64>| got.push(g));
        assert_eq!(got.len(), 2);
        assert!(
            got.iter().all(|g| (g.distance + 0.01).abs() < 1e-12 && (g.normal - Vector3::z()).norm() < 1e-15),
            "{got:?}"
        );
    }

    #[test]
    fn the_edge_contact_hands_over_to_the_end_continuously() {
        // A capsule descending in +x over the box's top edge (x = 0.5, z = 0.5), its upper end 5 cm above the
        // top face: as it slides in +x the deepest point of its axis runs into that end (at x = 0.515) and the
        // end takes over. The total penetration reported must change continuously through the handover.
        let pose = Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() };
        let half = Vector3::new(0.5, 0.5, 0.5);
        let total = |x: f64| {
            let p0 = Vector3::new(x, 0.0, 0.55);
            let p1 = p0 + Vector3::new(1.0, 0.0, -0.3);
            let mut sum = 0.0;
            capsule_box(&p0, &p1, &0.1, &pose, &half, 0.0, &mut |g| sum += g.distance.min(0.0));
            sum
        };
        let mut previous = total(0.40);
        for k in 1..=400 {
            let now = total(0.40 + k as f64 * 5e-4);
            assert!((now - previous).abs() < 2e-3, "a jump of {} at step {k}", now - previous);
            previous = now;
        }
    }

    #[test]
    fn the_deepest_point_moves_with_the_segment_under_duals() {
        // a segment descending past the top edge (x = 0.5, z = 0.2), nearest to it at the stationary point
        // 0.4 s − 0.15 + 0.6 shift = 0 of its squared distance: s = 0.375 and d s / d shift = −1.5
        let half_f64 = Vector3::new(0.5, 0.3, 0.2);
        let half = half_f64.map(Dual64::from);
        let shift = Dual64::from(0.0).derivative();
        let a = Vector3::new(shift + 0.3, Dual64::from(-1.0), Dual64::from(0.35));
        let b = Vector3::new(shift + 0.9, Dual64::from(1.0), Dual64::from(0.15));
        let s = deepest_segment_point(&a, &b, &half);
        assert!((s.re - 0.375).abs() < 1e-12 && (s.eps + 1.5).abs() < 1e-12, "{s}");
        let grid = grid_minimum(&a.map(|x| x.re), &b.map(|x| x.re), &half_f64);
        let deepest = a + (b - a) * s;
        assert!((box_signed_distance(&deepest, &half).re - grid).abs() < 1e-8);
    }
}
