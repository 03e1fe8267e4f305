//! Box–box contact by the separating-axis test with face clipping.

use super::super::ContactGeometry;
use super::round::segment_closest_points;
use crate::scalar::{re, recip, sqrt};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// `|x|`, branching on the real part.
fn abs<T: Scalar>(x: T) -> T {
    if re(&x) < 0.0 {
        -x
    } else {
        x
    }
}

/// Column `k` of a rotation: the body's `k`-th axis in world coordinates.
fn col<T: Scalar>(rotation: &Matrix3<T>, k: usize) -> Vector3<T> {
    rotation.column(k).into_owned()
}

/// Half-length of the projection of a box (axes `rotation`, half extents `half`) on the unit vector `n`.
fn radius<T: Scalar>(rotation: &Matrix3<T>, half: &Vector3<T>, n: &Vector3<T>) -> T {
    (0..3).fold(T::zero(), |acc, k| acc + abs(col(rotation, k).dot(n)) * half[k])
}

/// The separating axis of least penetration.
enum Axis<T: Scalar> {
    /// Face normal `i` of box a (`on_a`) or of box b.
    Face { on_a: bool, i: usize },
    /// Edge `i` of a crossed with edge `j` of b, with the unit axis.
    Edge { i: usize, j: usize, axis: Vector3<T> },
}

/// The contact points of two boxes (half extents `half_a`, `half_b` in m along their body axes) closer than
/// `margin` (m), reported through `out` with unit normals from b to a.
///
/// Separating-axis test over the 15 axes (3 + 3 face normals, 9 edge–edge cross products; near-parallel edge
/// pairs, `|a × b|² < 1e-12`, are skipped). If some axis separates the boxes by `margin` or more nothing is
/// reported. Otherwise the axis of largest separation (least penetration) is used — a face axis unless the best
/// edge axis separates more by `1e-4` times the largest half extent (so resting boxes keep their faces; face
/// ties go to box a, then to the lower axis index):
/// * **face**: the incident face of the other box (the one most anti-parallel to the reference face normal) is
///   clipped against the four side planes of the reference face (Sutherland–Hodgman, at most 8 points, all kept),
///   and each clipped vertex closer than `margin` to the reference plane is a contact with that distance and the
///   point moved halfway back to the reference plane;
/// * **edge–edge**: one contact at the midpoint of the closest points of the two supporting edges, with the
///   separation along the axis as distance.
///
/// Every choice (axis, face, clipping side) is made on the real part, so dual numbers differentiate the points
/// and distances of the chosen features, and the `f64` run equals the real part of a dual run bit for bit.
pub fn box_box<T: Scalar>(
    pose_a: &Transform<T>,
    half_a: &Vector3<T>,
    pose_b: &Transform<T>,
    half_b: &Vector3<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let (ra, rb) = (&pose_a.rotation, &pose_b.rotation);
    let d = pose_b.translation - pose_a.translation;
    let separation = |n: &Vector3<T>| abs(d.dot(n)) - radius(ra, half_a, n) - radius(rb, half_b, n);
    let mut best_face: Option<(f64, Axis<T>)> = None;
    for (on_a, i) in (0..3).map(|i| (true, i)).chain((0..3).map(|i| (false, i))) {
        let s = re(&separation(&col(if on_a { ra } else { rb }, i)));
        if s >= margin {
            return;
        }
        if best_face.as_ref().is_none_or(|(best, _)| s > *best) {
            best_face = Some((s, Axis::Face { on_a, i }));
        }
    }
    let mut best_edge: Option<(f64, Axis<T>)> = None;
    for i in 0..3 {
        for j in 0..3 {
            let cross = col(ra, i).cross(&col(rb, j));
            let len2 = cross.norm_squared();
            if re(&len2) < 1e-12 {
                continue; // (near-)parallel edges: the face axes cover this direction
            }
            let axis = cross * recip(&sqrt(&len2));
            let s = re(&separation(&axis));
            if s >= margin {
                return;
            }
            if best_edge.as_ref().is_none_or(|(best, _)| s > *best) {
                best_edge = Some((s, Axis::Edge { i, j, axis }));
            }
        }
    }
    let Some((face_sep, face)) = best_face else { return };
    let scale = (0..3).map(|k| re(&half_a[k]).max(re(&half_b[k]))).fold(0.0, f64::max);
    let chosen = match best_edge {
        Some((edge_sep, edge)) if edge_sep > face_sep + 1e-4 * scale => edge,
        _ => face,
    };
    match chosen {
        Axis::Face { on_a: true, i } => face_contacts(pose_a, half_a, pose_b, half_b, i, margin, false, out),
        Axis::Face { on_a: false, i } => face_contacts(pose_b, half_b, pose_a, half_a, i, margin, true, out),
        Axis::Edge { i, j, axis } => {
            let normal = if re(&d.dot(&axis)) > 0.0 { -axis } else { axis }; // from b to a
            let distance = separation(&normal);
            // the edge of a furthest towards b (along −normal), and the edge of b furthest towards a
            let (a0, a1) = supporting_edge(pose_a, half_a, i, &-normal);
            let (b0, b1) = supporting_edge(pose_b, half_b, j, &normal);
            let (_, _, pa, pb) = segment_closest_points(&a0, &a1, &b0, &b1);
            out(ContactGeometry { normal, point: (pa + pb) * T::from(0.5), distance });
        }
    }
}

/// End points of the edge of a box parallel to body axis `along` that lies furthest in direction `towards`.
fn supporting_edge<T: Scalar>(
    pose: &Transform<T>,
    half: &Vector3<T>,
    along: usize,
    towards: &Vector3<T>,
) -> (Vector3<T>, Vector3<T>) {
    let mut centre = pose.translation;
    for k in (0..3).filter(|&k| k != along) {
        let axis = col(&pose.rotation, k);
        let sign = if re(&axis.dot(towards)) > 0.0 { 1.0 } else { -1.0 };
        centre += axis * (half[k] * sign);
    }
    let dir = col(&pose.rotation, along) * half[along];
    (centre - dir, centre + dir)
}

/// Face contact: reference face `i` of box `r` (the side facing the other box), incident box `inc`. `swapped`
/// says the reference box is b (so the reported normal, from b to a, is the reference face's outward normal).
#[allow(clippy::too_many_arguments)]
fn face_contacts<T: Scalar>(
    r: &Transform<T>,
    half_r: &Vector3<T>,
    inc: &Transform<T>,
    half_inc: &Vector3<T>,
    i: usize,
    margin: f64,
    swapped: bool,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let (rr, ri) = (&r.rotation, &inc.rotation);
    let towards = inc.translation - r.translation;
    let n_ref = if re(&col(rr, i).dot(&towards)) >= 0.0 { col(rr, i) } else { -col(rr, i) };
    let face_centre = r.translation + n_ref * half_r[i];
    // incident face: the face of the other box most anti-parallel to n_ref
    let k =
        (0..3).fold(
            0,
            |best, k| {
                if re(&col(ri, k).dot(&n_ref)).abs() > re(&col(ri, best).dot(&n_ref)).abs() {
                    k
                } else {
                    best
                }
            },
        );
    let n_inc = if re(&col(ri, k).dot(&n_ref)) > 0.0 { -col(ri, k) } else { col(ri, k) };
    let inc_centre = inc.translation + n_inc * half_inc[k];
    let (k1, k2) = ((k + 1) % 3, (k + 2) % 3);
    let (e1, e2) = (col(ri, k1) * half_inc[k1], col(ri, k2) * half_inc[k2]);
    let mut poly: [Vector3<T>; 8] = std::array::from_fn(|_| Vector3::zeros());
    let mut scratch: [Vector3<T>; 8] = std::array::from_fn(|_| Vector3::zeros());
    poly[0] = inc_centre + e1 + e2;
    poly[1] = inc_centre - e1 + e2;
    poly[2] = inc_centre - e1 - e2;
    poly[3] = inc_centre + e1 - e2;
    let mut count = 4;
    for side in [(i + 1) % 3, (i + 2) % 3] {
        let dir = col(rr, side);
        for sign in [1.0, -1.0] {
            // keep the part with sign · dir · (x − face_centre) ≤ half_r[side]
            let dist = |x: &Vector3<T>| (x - face_centre).dot(&dir) * sign - half_r[side];
            let mut n_out = 0;
            for p in 0..count {
                let (x, y) = (&poly[p], &poly[(p + 1) % count]);
                let (dx, dy) = (dist(x), dist(y));
                let (x_in, y_in) = (re(&dx) <= 0.0, re(&dy) <= 0.0);
                if x_in && n_out < 8 {
                    scratch[n_out] = *x;
                    n_out += 1;
                }
                if x_in != y_in && n_out < 8 {
                    // dx − dy is nonzero here: the real parts have opposite signs (one strictly)
                    let t = dx * recip(&(dx - dy));
                    scratch[n_out] = x + (y - x) * t;
                    n_out += 1;
                }
            }
            std::mem::swap(&mut poly, &mut scratch);
            count = n_out;
            if count == 0 {
                return;
            }
        }
    }
    let normal = if swapped { n_ref } else { -n_ref };
    for x in poly.iter().take(count) {
        let distance = (x - face_centre).dot(&n_ref);
        if re(&distance) < margin {
            let point = x - n_ref * (distance * 0.5);
            out(ContactGeometry { normal, point, distance });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::narrow_phase::test_support::rot;
    use approx::assert_relative_eq;
    use num_dual::Dual64;
    use std::f64::consts::{FRAC_1_SQRT_2, FRAC_PI_4};

    fn pose(x: f64, y: f64, z: f64, rotation: Matrix3<f64>) -> Transform<f64> {
        Transform { translation: Vector3::new(x, y, z), rotation }
    }

    fn at(x: f64, y: f64, z: f64) -> Transform<f64> {
        pose(x, y, z, Matrix3::identity())
    }

    type V = Vector3<f64>;

    fn contacts(pa: &Transform<f64>, ha: V, pb: &Transform<f64>, hb: V, margin: f64) -> Vec<ContactGeometry<f64>> {
        let mut got = Vec::new();
        box_box(pa, &ha, pb, &hb, margin, &mut |c| got.push(c));
        got
    }

    const CUBE: Vector3<f64> = Vector3::new(0.5, 0.5, 0.5);

    #[test]
    fn stacked_cubes_touch_at_the_four_corners_of_the_overlap() {
        // a at the origin, b above it, shifted by (0.2, 0.1) and sunk 1 cm into a
        let got = contacts(&at(0.0, 0.0, 0.0), CUBE, &at(0.2, 0.1, 0.99), CUBE, 0.0);
        assert_eq!(got.len(), 4);
        for c in &got {
            assert_eq!(c.normal, -Vector3::z()); // from b (above) to a (below)
            assert_relative_eq!(c.distance, -0.01, epsilon = 1e-12);
        }
        // the overlap square is [-0.3, 0.5] × [-0.4, 0.5]; the mid-plane is z = (0.5 + 0.49) / 2
        for corner in [(-0.3, -0.4), (0.5, -0.4), (0.5, 0.5), (-0.3, 0.5)] {
            let want = Vector3::new(corner.0, corner.1, 0.495);
            assert_eq!(got.iter().filter(|c| (c.point - want).norm() < 1e-12).count(), 1, "{want} in {got:?}");
        }
    }

    #[test]
    fn rotated_cube_on_a_slab_gives_the_clipped_octagon() {
        // a unit cube turned 45° about z, 2 mm into the top of a 1.2 × 1.2 slab: its bottom square (corners at
        // 0.707 on the axes) pokes out past all four slab edges, so the clipped polygon is an octagon
        let slab = Vector3::new(0.6, 0.6, 0.1);
        let got = contacts(&at(0.0, 0.0, 0.0), slab, &pose(0.0, 0.0, 0.598, rot(2, FRAC_PI_4)), CUBE, 0.0);
        assert_eq!(got.len(), 8);
        for c in &got {
            assert_eq!(c.normal, -Vector3::z());
            assert_relative_eq!(c.distance, -0.002, epsilon = 1e-12);
            let (x, y) = (c.point.x.abs(), c.point.y.abs());
            assert_relative_eq!(x.max(y), 0.6, epsilon = 1e-12); // on a slab edge…
            assert_relative_eq!(x.min(y), FRAC_1_SQRT_2 - 0.6, epsilon = 1e-12); // …where the cube's edge crosses it
            assert_relative_eq!(c.point.z, 0.099, epsilon = 1e-12);
        }
    }

    #[test]
    fn crossed_edges_touch_at_one_point() {
        // a turned 45° about x (an edge along x on top), b turned 45° about y (an edge along y at the bottom),
        // centres closer than the two half-diagonals by 1 mm
        let gap = 2f64.sqrt() - 0.001;
        let got =
            contacts(&pose(0.0, 0.0, 0.0, rot(0, FRAC_PI_4)), CUBE, &pose(0.0, 0.0, gap, rot(1, FRAC_PI_4)), CUBE, 0.0);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_relative_eq!(got[0].distance, -0.001, epsilon = 1e-9);
        assert_relative_eq!(got[0].normal, -Vector3::z(), epsilon = 1e-12);
        assert_relative_eq!(got[0].point, Vector3::new(0.0, 0.0, gap / 2.0), epsilon = 1e-9);
    }

    #[test]
    fn separated_boxes_report_only_within_the_margin() {
        let (a, b) = (at(0.0, 0.0, 0.0), at(0.0, 0.0, 1.05));
        let got = contacts(&a, CUBE, &b, CUBE, 0.1);
        assert_eq!(got.len(), 4);
        for c in &got {
            assert_relative_eq!(c.distance, 0.05, epsilon = 1e-12);
            assert_relative_eq!(c.point.z, 0.525, epsilon = 1e-12);
        }
        assert!(contacts(&a, CUBE, &b, CUBE, 0.01).is_empty());
    }

    #[test]
    fn tilted_corner_on_a_slab_and_swapping_the_boxes() {
        let slab = Vector3::new(1.0, 1.0, 0.1);
        let tilt = rot(0, 0.3) * rot(1, 0.2);
        let lowest = (0..8)
            .map(|v| (tilt * Vector3::new([-0.5, 0.5][v & 1], [-0.5, 0.5][(v >> 1) & 1], [-0.5, 0.5][v >> 2])).z)
            .fold(f64::INFINITY, f64::min);
        let corner = pose(0.1, -0.2, 0.1 - lowest - 0.003, tilt); // lowest corner 3 mm into the slab
        let got = contacts(&corner, CUBE, &at(0.0, 0.0, 0.0), slab, 0.0);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_relative_eq!(got[0].distance, -0.003, epsilon = 1e-12);
        assert_relative_eq!(got[0].normal, Vector3::z(), epsilon = 1e-15);
        assert_relative_eq!(got[0].point.z, 0.1 - 0.0015, epsilon = 1e-12);
        // swapping a and b: the same points and distances, negated normals (face, edge and tilted cases)
        let cases = [
            (corner, CUBE, at(0.0, 0.0, 0.0), slab),
            (pose(0.0, 0.0, 0.0, rot(2, 0.3)), CUBE, at(0.2, 0.1, 0.99), CUBE),
            (pose(0.0, 0.0, 0.0, rot(0, FRAC_PI_4)), CUBE, pose(0.01, 0.0, 1.41, rot(1, FRAC_PI_4)), CUBE),
        ];
        for (pa, ha, pb, hb) in cases {
            let (fwd, back) = (contacts(&pa, ha, &pb, hb, 0.02), contacts(&pb, hb, &pa, ha, 0.02));
            assert!(!fwd.is_empty());
            assert_eq!(fwd.len(), back.len());
            for c in &fwd {
                let same = |e: &&ContactGeometry<f64>| {
                    (e.point - c.point).norm() < 1e-12
                        && (e.distance - c.distance).abs() < 1e-12
                        && (e.normal + c.normal).norm() < 1e-12
                };
                assert_eq!(back.iter().filter(same).count(), 1, "{c:?} not in {back:?}");
            }
        }
    }

    #[test]
    fn distance_derivatives_and_real_parts_match_f64() {
        let lift = |p: &Transform<f64>| Transform {
            translation: p.translation.map(Dual64::from),
            rotation: p.rotation.map(Dual64::from),
        };
        let (a, b) = (at(0.0, 0.0, 0.0), pose(0.2, 0.1, 0.99, rot(2, 0.3)));
        let mut pb = lift(&b);
        pb.translation.z = Dual64::from(0.99).derivative();
        let mut dual = Vec::new();
        box_box(&lift(&a), &CUBE.map(Dual64::from), &pb, &CUBE.map(Dual64::from), 0.0, &mut |c| dual.push(c));
        let plain = contacts(&a, CUBE, &b, CUBE, 0.0);
        assert_eq!(dual.len(), plain.len());
        assert!(dual.len() >= 4, "{plain:?}");
        for (d, p) in dual.iter().zip(&plain) {
            // bit for bit
            assert_eq!(d.distance.re, p.distance);
            assert_eq!(d.point.map(|x| x.re), p.point);
            assert_eq!(d.normal.map(|x| x.re), p.normal);
            // raising b (above a) opens every contact one for one; the mid-plane point rises half as fast
            assert_relative_eq!(d.distance.eps, 1.0, epsilon = 1e-12);
            assert_relative_eq!(d.point.z.eps, 0.5, epsilon = 1e-12);
        }
    }
}
