//! Box–box contact by the separating-axis test with face clipping.

use super::super::{ContactGeometry, Pose};
use super::round::segment_closest_points;
use crate::scalar::{re, recip, sqrt};
use crate::Scalar;
use nalgebra::Vector3;

fn abs<T: Scalar>(x: T) -> T {
    if re(&x) < 0.0 {
        -x
    } else {
        x
    }
}

/// The separating axis of least penetration.
enum Axis<T: Scalar> {
    /// Face `i` of box a (`on_a`) or of box b.
    Face { on_a: bool, i: usize },
    /// Edge `i` of a crossed with edge `j` of b, with the unit axis.
    Edge { i: usize, j: usize, axis: Vector3<T> },
}

/// The contact points of two boxes (half extents `half_a`, `half_b` in their body axes) closer than `margin`
/// (m), normal from b to a.
///
/// Separating-axis test over the 15 axes (3 + 3 face normals, 9 edge–edge cross products; near-parallel edge
/// pairs, `|a × b|² < 1e-12`, are skipped). On the axis of largest separation — a face axis unless an edge axis
/// separates more by 1e-4 of the larger box's half size (so resting boxes keep their faces) —:
/// * **face**: the incident face of the other box (the one most anti-parallel to the reference face) is clipped
///   against the four side planes of the reference face (Sutherland–Hodgman, at most 8 points), and each
///   clipped vertex closer than `margin` to the reference plane is a contact, with that distance;
/// * **edge–edge**: one contact at the midpoint of the closest points of the two supporting edges, with the
///   separation along the axis.
///
/// Every choice (axis, face, clipping side) is made on the real part, so dual numbers differentiate the points
/// and distances of the chosen features.
pub fn box_box<T: Scalar>(
    pose_a: &Pose<T>,
    half_a: &Vector3<T>,
    pose_b: &Pose<T>,
    half_b: &Vector3<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let a = |k: usize| pose_a.rotation.column(k).into_owned();
    let b = |k: usize| pose_b.rotation.column(k).into_owned();
    let d = &pose_b.position - &pose_a.position;
    let radius = |n: &Vector3<T>, axes: &dyn Fn(usize) -> Vector3<T>, half: &Vector3<T>| {
        (0..3).fold(T::zero(), |acc, k| acc + abs(axes(k).dot(n)) * half[k].clone())
    };
    let separation = |n: &Vector3<T>| abs(d.dot(n)) - radius(n, &a, half_a) - radius(n, &b, half_b);
    let mut best_face: Option<(f64, Axis<T>)> = None;
    for (on_a, i) in (0..3).map(|i| (true, i)).chain((0..3).map(|i| (false, i))) {
        let n = if on_a { a(i) } else { b(i) };
        let s = re(&separation(&n));
        if s >= margin {
            return;
        }
        if best_face.as_ref().map_or(true, |(best, _)| s > *best) {
            best_face = Some((s, Axis::Face { on_a, i }));
        }
    }
    let mut best_edge: Option<(f64, Axis<T>)> = None;
    for i in 0..3 {
        for j in 0..3 {
            let cross = a(i).cross(&b(j));
            let len2 = cross.norm_squared();
            if re(&len2) < 1e-12 {
                continue;
            }
            let axis = cross * recip(&sqrt(&len2));
            let s = re(&separation(&axis));
            if s >= margin {
                return;
            }
            if best_edge.as_ref().map_or(true, |(best, _)| s > *best) {
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
        Axis::Face { on_a, i } => {
            if on_a {
                face_contacts(pose_a, half_a, pose_b, half_b, i, margin, false, out)
            } else {
                face_contacts(pose_b, half_b, pose_a, half_a, i, margin, true, out)
            }
        }
        Axis::Edge { i, j, axis } => {
            // normal from b to a
            let normal = if re(&d.dot(&axis)) > 0.0 { -axis } else { axis };
            let sep = separation(&normal);
            // the edge of a that is furthest towards b, and of b towards a
            let edge = |pose: &Pose<T>, half: &Vector3<T>, along: usize, towards: &Vector3<T>| {
                let mut centre = pose.position.clone();
                for k in (0..3).filter(|&k| k != along) {
                    let col = pose.rotation.column(k).into_owned();
                    let sign = if re(&col.dot(towards)) > 0.0 { 1.0 } else { -1.0 };
                    centre += col * (half[k].clone() * sign);
                }
                let dir = pose.rotation.column(along).into_owned() * half[along].clone();
                (&centre - &dir, centre + dir)
            };
            let (a0, a1) = edge(pose_a, half_a, i, &-normal.clone());
            let (b0, b1) = edge(pose_b, half_b, j, &normal);
            let (_, _, pa, pb) = segment_closest_points(&a0, &a1, &b0, &b1);
            out(ContactGeometry { normal, point: (pa + pb) * T::from(0.5), distance: sep });
        }
    }
}

/// Face contact: reference face `i` of box `r` (the face facing the other box), incident box `inc`. `swapped`
/// says the reference box is b (so the reported normal, from b to a, is the reference face's outward normal).
#[allow(clippy::too_many_arguments)]
fn face_contacts<T: Scalar>(
    r: &Pose<T>,
    half_r: &Vector3<T>,
    inc: &Pose<T>,
    half_inc: &Vector3<T>,
    i: usize,
    margin: f64,
    swapped: bool,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let col = |p: &Pose<T>, k: usize| p.rotation.column(k).into_owned();
    let towards = &inc.position - &r.position;
    let n_ref = if re(&col(r, i).dot(&towards)) >= 0.0 { col(r, i) } else { -col(r, i) };
    let face_centre = &r.position + &n_ref * half_r[i].clone();
    let (u, v) = ((i + 1) % 3, (i + 2) % 3);
    let (axis_u, axis_v) = (col(r, u), col(r, v));
    // incident face: the face of the other box most anti-parallel to n_ref
    let k = (0..3).fold(0, |best, k| {
        if re(&col(inc, k).dot(&n_ref)).abs() > re(&col(inc, best).dot(&n_ref)).abs() {
            k
        } else {
            best
        }
    });
    let n_inc = if re(&col(inc, k).dot(&n_ref)) > 0.0 { -col(inc, k) } else { col(inc, k) };
    let inc_centre = &inc.position + n_inc * half_inc[k].clone();
    let (e1, e2) =
        (col(inc, (k + 1) % 3) * half_inc[(k + 1) % 3].clone(), col(inc, (k + 2) % 3) * half_inc[(k + 2) % 3].clone());
    let mut poly: [Vector3<T>; 8] = std::array::from_fn(|_| Vector3::zeros());
    poly[0] = &inc_centre + &e1 + &e2;
    poly[1] = &inc_centre - &e1 + &e2;
    poly[2] = &inc_centre - &e1 - &e2;
    poly[3] = &inc_centre + &e1 - &e2;
    let mut count = 4;
    let mut scratch: [Vector3<T>; 8] = std::array::from_fn(|_| Vector3::zeros());
    for (dir, half) in [(&axis_u, &half_r[u]), (&axis_v, &half_r[v])] {
        for sign in [1.0, -1.0] {
            // keep sign · dir · (x − c) ≤ half
            let dist = |x: &Vector3<T>| (x - &face_centre).dot(dir) * sign - half.clone();
            let mut n_out = 0;
            for p in 0..count {
                let (x, y) = (&poly[p], &poly[(p + 1) % count]);
                let (dx, dy) = (dist(x), dist(y));
                if re(&dx) <= 0.0 {
                    scratch[n_out] = x.clone();
                    n_out += 1;
                }
                if (re(&dx) <= 0.0) != (re(&dy) <= 0.0) && n_out < 8 {
                    let t = dx.clone() * recip(&(dx - dy));
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
    let normal = if swapped { n_ref.clone() } else { -n_ref.clone() };
    for x in poly.iter().take(count) {
        let sep = (x - &face_centre).dot(&n_ref);
        if re(&sep) < margin {
            let point = x - &n_ref * (sep.clone() * 0.5);
            out(ContactGeometry { normal: normal.clone(), point, distance: sep });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Matrix3;
    use num_dual::Dual64;

    fn pose(x: f64, y: f64, z: f64, rotation: Matrix3<f64>) -> Pose<f64> {
        Pose { position: Vector3::new(x, y, z), rotation }
    }

    fn rot_z(angle: f64) -> Matrix3<f64> {
        let (s, c) = angle.sin_cos();
        Matrix3::new(c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0)
    }

    fn contacts(
        pa: &Pose<f64>,
        ha: Vector3<f64>,
        pb: &Pose<f64>,
        hb: Vector3<f64>,
        margin: f64,
    ) -> Vec<ContactGeometry<f64>> {
        let mut got = Vec::new();
        box_box(pa, &ha, pb, &hb, margin, &mut |c| got.push(c));
        got
    }

    #[test]
    fn stacked_cubes_touch_at_the_four_corners_of_the_overlap() {
        let h = Vector3::new(0.5, 0.5, 0.5);
        let got =
            contacts(&pose(0.0, 0.0, 0.99, Matrix3::identity()), h, &pose(0.2, 0.0, 0.0, Matrix3::identity()), h, 0.0);
        assert_eq!(got.len(), 4);
        for c in &got {
            assert_eq!(c.normal, Vector3::z()); // from b (below) to a (above)
            assert!((c.distance + 0.01).abs() < 1e-12);
            assert!((c.point.z - 0.495).abs() < 1e-12);
            assert!((c.point.x - (-0.3)).abs() < 1e-12 || (c.point.x - 0.5).abs() < 1e-12, "{}", c.point);
        }
        // swapping the boxes negates the normal and keeps the distances
        let swapped =
            contacts(&pose(0.2, 0.0, 0.0, Matrix3::identity()), h, &pose(0.0, 0.0, 0.99, Matrix3::identity()), h, 0.0);
        assert_eq!(swapped.len(), 4);
        assert!(swapped.iter().all(|c| c.normal == -Vector3::z() && (c.distance + 0.01).abs() < 1e-12));
    }

    #[test]
    fn rotated_cube_on_a_slab_gives_the_clipped_octagon() {
        let small = Vector3::new(0.5, 0.5, 0.5);
        let slab = Vector3::new(0.6, 0.6, 0.1);
        // a unit cube turned 45° about z: its bottom square pokes out of the 1.2 × 1.2 slab top at all four
        // corners, so the clipped polygon has 8 vertices
        let got = contacts(
            &pose(0.0, 0.0, 0.598, rot_z(std::f64::consts::FRAC_PI_4)),
            small,
            &pose(0.0, 0.0, 0.0, Matrix3::identity()),
            slab,
            0.0,
        );
        assert_eq!(got.len(), 8);
        for c in &got {
            assert!((c.distance + 0.002).abs() < 1e-12 && c.normal == Vector3::z());
            assert!(c.point.x.abs() <= 0.6 + 1e-12 && c.point.y.abs() <= 0.6 + 1e-12);
        }
    }

    #[test]
    fn crossed_edges_touch_at_one_point() {
        let h = Vector3::new(0.5, 0.5, 0.5);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        // a: turned 45° about x (an edge along x at the top); b: turned 45° about y (an edge along y at the bottom)
        let about_x = Matrix3::new(1.0, 0.0, 0.0, 0.0, s, -s, 0.0, s, s);
        let about_y = Matrix3::new(s, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, s);
        let gap = 2.0 * 0.5 * 2f64.sqrt() - 0.001; // centres closer than the two half-diagonals by 1 mm
        let got = contacts(&pose(0.0, 0.0, 0.0, about_x), h, &pose(0.0, 0.0, gap, about_y), h, 0.0);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!((got[0].distance + 0.001).abs() < 1e-9, "{}", got[0].distance);
        assert!((got[0].normal + Vector3::z()).norm() < 1e-12);
        assert!((got[0].point - Vector3::new(0.0, 0.0, gap / 2.0)).norm() < 1e-9);
    }

    #[test]
    fn separated_boxes_report_only_within_the_margin() {
        let h = Vector3::new(0.5, 0.5, 0.5);
        let (a, b) = (pose(0.0, 0.0, 1.05, Matrix3::identity()), pose(0.0, 0.0, 0.0, Matrix3::identity()));
        let got = contacts(&a, h, &b, h, 0.1);
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|c| (c.distance - 0.05).abs() < 1e-12));
        assert!(contacts(&a, h, &b, h, 0.01).is_empty());
    }

    #[test]
    fn distance_derivatives_and_real_parts_match_f64() {
        let h = Vector3::new(0.5, 0.5, 0.5);
        let lift =
            |p: &Pose<f64>| Pose { position: p.position.map(Dual64::from), rotation: p.rotation.map(Dual64::from) };
        let (a, b) = (pose(0.1, 0.0, 0.99, rot_z(0.3)), pose(0.0, 0.0, 0.0, Matrix3::identity()));
        let mut pa = lift(&a);
        pa.position.z = Dual64::from(0.99).derivative();
        let mut dual = Vec::new();
        box_box(&pa, &h.map(Dual64::from), &lift(&b), &h.map(Dual64::from), 0.0, &mut |c| dual.push(c));
        let plain = contacts(&a, h, &b, h, 0.0);
        assert_eq!(dual.len(), plain.len());
        assert!(dual.len() >= 4);
        for (d, p) in dual.iter().zip(&plain) {
            assert_eq!(d.distance.re, p.distance); // bit for bit
            assert!(
                (d.distance.eps - 1.0).abs() < 1e-12,
                "raising the upper box opens every contact: {}",
                d.distance.eps
            );
        }
    }
}
