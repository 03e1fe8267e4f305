//! The overlap of two boxes as a volume, with its exact gradient: what a box–box penalty needs where faces
//! lie on faces (a depth measured at points is zero for corners that sit exactly on a face plane).

use crate::scalar::{re, recip};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// The intersection of two boxes `a` and `b`, with the derivatives of its volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap<T: Scalar> {
    /// The volume of the intersection, m³.
    pub volume: T,
    /// `∂volume/∂x_a`: the outward area vector of the part of `a`'s surface inside `b` (m²). Moving `b` gives
    /// the opposite.
    pub area: Vector3<T>,
    /// `∂volume/∂θ_a` for a small rotation `θ` of `a` about its centre: `∫ (p − x_a) × n dA` over the same
    /// surface (m³).
    pub moment: Vector3<T>,
    /// The centroid of the intersection's whole surface (world, m): a point inside the overlap.
    pub centroid: Vector3<T>,
}

/// Up to 6 + 4 vertices: a quadrilateral clipped by six planes gains at most one vertex per plane.
const MAX_VERTICES: usize = 10;

/// A face polygon of one box, clipped to the inside of the other box (axis-aligned, half extents `half`, in
/// whose frame the vertices are given). Returns the number of vertices left in `poly`. With `keep_on_planes`
/// a vertex exactly on a face plane counts as inside, otherwise as outside: so where faces of the two boxes
/// are coplanar (aligned boxes), the shared face is counted once, as a face of the first box.
fn clip_to_box<T: Scalar>(
    poly: &mut [Vector3<T>; MAX_VERTICES],
    mut count: usize,
    half: &Vector3<T>,
    keep_on_planes: bool,
    scratch: &mut [Vector3<T>; MAX_VERTICES],
) -> usize {
    let inside = |excess: f64| if keep_on_planes { excess <= 0.0 } else { excess < 0.0 };
    for k in 0..6 {
        let (i, sign) = (k / 2, if k % 2 == 0 { 1.0 } else { -1.0 });
        // keep σ x_i ≤ h_i
        let excess = |x: &Vector3<T>| x[i] * sign - half[i];
        let mut n_out = 0;
        for p in 0..count {
            let (x, y) = (&poly[p], &poly[(p + 1) % count]);
            let (dx, dy) = (excess(x), excess(y));
            let (x_in, y_in) = (inside(re(&dx)), inside(re(&dy)));
            if x_in && n_out < MAX_VERTICES {
                scratch[n_out] = *x;
                n_out += 1;
            }
            if x_in != y_in && n_out < MAX_VERTICES {
                // one real part is on each side (one strictly), so dx − dy is nonzero
                let t = dx * recip(&(dx - dy));
                scratch[n_out] = x + (y - x) * t;
                n_out += 1;
            }
        }
        std::mem::swap(poly, scratch);
        count = n_out;
        if count < 3 {
            return 0;
        }
    }
    count
}

/// Sums over the faces of one box clipped to another, in the other box's frame and about its centre.
struct ClippedFaces<T: Scalar> {
    /// `Σ A n`, m².
    area_vector: Vector3<T>,
    /// `Σ ∫ p dA`, m³.
    first_moment: Vector3<T>,
    /// `Σ (∫ p dA) × n`, m³.
    moment: Vector3<T>,
    /// `Σ ∫ n·p dA`, m³.
    flux: T,
    /// `Σ A`, m².
    area: T,
}

/// The faces of box `f` (half extents `half_f`; `rotation`, `position` in the frame of box `c`) clipped to box
/// `c` (half extents `half_c`); `keep_on_planes` as in [`clip_to_box`].
fn clipped_faces<T: Scalar>(
    rotation: &Matrix3<T>,
    position: &Vector3<T>,
    half_f: &Vector3<T>,
    half_c: &Vector3<T>,
    keep_on_planes: bool,
) -> ClippedFaces<T> {
    let mut sums = ClippedFaces {
        area_vector: Vector3::zeros(),
        first_moment: Vector3::zeros(),
        moment: Vector3::zeros(),
        flux: T::zero(),
        area: T::zero(),
    };
    let mut poly: [Vector3<T>; MAX_VERTICES] = std::array::from_fn(|_| Vector3::zeros());
    let mut scratch = poly;
    for k in 0..6 {
        let (i, sign) = (k / 2, if k % 2 == 0 { 1.0 } else { -1.0 });
        let (j, l) = ((i + 1) % 3, (i + 2) % 3);
        let normal = rotation.column(i) * T::from(sign);
        let centre = normal * half_f[i] + position;
        let (e1, e2) = (rotation.column(j) * half_f[j], rotation.column(l) * half_f[l]);
        for (slot, (s1, s2)) in [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)].into_iter().enumerate() {
            poly[slot] = centre + e1 * T::from(s1) + e2 * T::from(s2);
        }
        let count = clip_to_box(&mut poly, 4, half_c, keep_on_planes, &mut scratch);
        if count == 0 {
            continue;
        }
        // fan triangulation from the first vertex; the quadrilateral (and so the clipped polygon) winds
        // counter-clockwise about column i, so `sign` turns the areas positive
        let (mut face_area, mut face_moment) = (T::zero(), Vector3::zeros());
        for v in 1..count - 1 {
            let tri = (poly[v] - poly[0]).cross(&(poly[v + 1] - poly[0])).dot(&normal) * (0.5 * sign);
            face_moment += (poly[0] + poly[v] + poly[v + 1]) * (tri * (1.0 / 3.0));
            face_area += tri;
        }
        sums.flux += normal.dot(&face_moment);
        sums.moment += face_moment.cross(&normal);
        sums.area_vector += normal * face_area;
        sums.first_moment += face_moment;
        sums.area += face_area;
    }
    sums
}

/// The overlap of box `a` (half extents `half_a` at `pose_a`) and box `b`, or `None` when they do not overlap.
///
/// Each face of one box is clipped to the other box (Sutherland–Hodgman against six planes); the clipped faces
/// of both make up the intersection's surface. The volume is `⅓ ∮ n·p dA` (divergence theorem), and moving `a`
/// by `δ` sweeps the part of `a`'s surface inside `b` into `b`, so `∂V/∂x_a = ∫ n_a dA` over that part and
/// `∂V/∂θ_a = ∫ (p − x_a) × n_a dA`: both exact, and continuous in the poses except where two faces are
/// coplanar (aligned boxes), where `V` has a kink. Every choice is made on the real parts. No allocation.
///
/// ```
/// use diffphys::geometry::narrow_phase::box_overlap;
/// use diffphys::spatial::Transform;
/// use nalgebra::{Matrix3, Vector3};
/// let at = |z: f64| Transform { translation: Vector3::new(0.3, 0.0, z), rotation: Matrix3::identity() };
/// let half = Vector3::new(0.5, 0.5, 0.5);
/// let o = box_overlap(&at(0.0), &half, &at(0.99), &half).unwrap();
/// assert!((o.volume - 0.01).abs() < 1e-12); // a 1 × 1 × 0.01 slab
/// assert!((o.area - Vector3::new(0.0, 0.0, 1.0)).norm() < 1e-12); // lifting a by δ adds δ m³
/// ```
pub fn box_overlap<T: Scalar>(
    pose_a: &Transform<T>,
    half_a: &Vector3<T>,
    pose_b: &Transform<T>,
    half_b: &Vector3<T>,
) -> Option<Overlap<T>> {
    let rotation = pose_b.rotation.tr_mul(&pose_a.rotation); // a's axes in b's frame
    let offset = pose_b.rotation.tr_mul(&(pose_a.translation - pose_b.translation)); // a's centre in b's frame
    let on_a = clipped_faces(&rotation, &offset, half_a, half_b, true);
    let back = pose_a.rotation.tr_mul(&pose_b.rotation); // b's axes in a's frame
    let offset_back = -(back * offset); // b's centre in a's frame
    let on_b = clipped_faces(&back, &offset_back, half_b, half_a, false);
    let surface = on_a.area + on_b.area;
    if re(&surface) <= 0.0 {
        return None;
    }
    // ⅓ ∮ n·p dA about b's centre; b's faces were summed about a's centre, which lies at −offset_back from it
    let volume = (on_a.flux + on_b.flux - on_b.area_vector.dot(&offset_back)) * (1.0 / 3.0);
    if re(&volume) <= 0.0 {
        return None;
    }
    // ∫ (p − x_a) × n over a's faces, with p − x_a = p − offset in b's frame
    let moment = pose_b.rotation * (on_a.moment - offset.cross(&on_a.area_vector));
    let centroid = (pose_b.rotation * on_a.first_moment
        + pose_b.translation * on_a.area
        + pose_a.rotation * on_b.first_moment
        + pose_a.translation * on_b.area)
        * recip(&surface);
    Some(Overlap { volume, area: pose_b.rotation * on_a.area_vector, moment, centroid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::narrow_phase::test_support::{lift, perturbed, rot};
    use approx::assert_relative_eq;
    use num_dual::Dual64;

    #[test]
    fn aligned_boxes_overlap_in_a_box() {
        let (ha, hb) = (Vector3::new(0.3, 0.2, 0.1), Vector3::new(0.25, 0.4, 0.15));
        let a = Transform { translation: Vector3::new(0.1, -0.05, 0.2), rotation: Matrix3::identity() };
        let b = Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() };
        let o = box_overlap(&a, &ha, &b, &hb).unwrap();
        // x: [−0.2, 0.4] ∩ [−0.25, 0.25] = 0.45; y: [−0.25, 0.15] ∩ [−0.4, 0.4] = 0.4; z: [0.1, 0.3] ∩ [−0.15, 0.15]
        assert_relative_eq!(o.volume, 0.45 * 0.4 * 0.05, epsilon = 1e-15);
        // a's faces inside b: its −x face (0.4 × 0.05) and its bottom (0.45 × 0.4); the sides in y lie outside
        // of b only partly... a's ±y faces (y = −0.25, 0.15) are inside b's y range, each 0.45 × 0.05
        assert_relative_eq!(o.area, Vector3::new(-0.4 * 0.05, 0.0, -0.45 * 0.4), epsilon = 1e-15);
        assert_relative_eq!(o.centroid.z, 0.125, epsilon = 1e-12);
        let far = Transform { translation: Vector3::new(2.0, 0.0, 0.0), rotation: Matrix3::identity() };
        assert!(box_overlap(&far, &ha, &b, &hb).is_none());
    }

    #[test]
    fn coplanar_faces_count_once() {
        // equal boxes stacked exactly: four side faces of each lie in the other's side planes
        let half = Vector3::new(0.1, 0.1, 0.05);
        let at = |z: f64| Transform { translation: Vector3::new(0.3, -0.2, z), rotation: Matrix3::identity() };
        for (a, b) in [(at(0.0), at(0.098)), (at(0.098), at(0.0))] {
            let o = box_overlap(&a, &half, &b, &half).unwrap();
            assert_relative_eq!(o.volume, 0.2 * 0.2 * 0.002, epsilon = 1e-15);
            assert_relative_eq!(o.area.z.abs(), 0.04, epsilon = 1e-15);
            assert_relative_eq!(o.centroid, Vector3::new(0.3, -0.2, 0.049), epsilon = 1e-12);
        }
    }

    #[test]
    fn swapping_the_boxes_negates_the_area_and_keeps_volume_and_centroid() {
        let (ha, hb) = (Vector3::new(0.3, 0.2, 0.1), Vector3::new(0.25, 0.4, 0.15));
        let a = Transform { translation: Vector3::new(0.1, -0.05, 0.2), rotation: rot(0, 0.3) * rot(2, 0.5) };
        let b = Transform { translation: Vector3::new(0.0, 0.02, -0.05), rotation: rot(1, -0.4) };
        let (ab, ba) = (box_overlap(&a, &ha, &b, &hb).unwrap(), box_overlap(&b, &hb, &a, &ha).unwrap());
        assert_relative_eq!(ab.volume, ba.volume, epsilon = 1e-15);
        assert_relative_eq!(ab.area, -ba.area, epsilon = 1e-14);
        assert_relative_eq!(ab.centroid, ba.centroid, epsilon = 1e-14);
        // rotating both together about any point leaves the volume: the torques balance
        assert_relative_eq!(
            ab.moment + ba.moment + (a.translation - b.translation).cross(&ab.area),
            Vector3::zeros(),
            epsilon = 1e-14
        );
    }

    #[test]
    fn area_and_moment_are_the_exact_derivatives_of_the_volume() {
        let (ha, hb) = (Vector3::new(0.2, 0.15, 0.1), Vector3::new(0.25, 0.1, 0.2));
        let cases = [
            (Vector3::new(0.05, 0.02, 0.28), rot(0, 0.4) * rot(2, 0.7), rot(1, -0.3)),
            (Vector3::new(0.2, -0.1, 0.3), rot(1, 0.9) * rot(0, 0.2), rot(2, 0.5)),
            (Vector3::new(0.1, 0.1, 0.2), rot(2, 0.2), Matrix3::identity()),
        ];
        for (offset, ra, rb) in cases {
            let a = Transform { translation: offset, rotation: ra };
            let b = Transform { translation: Vector3::zeros(), rotation: rb };
            let o = box_overlap(&a, &ha, &b, &hb).unwrap();
            for k in 0..6 {
                let v =
                    box_overlap(&perturbed(&a, k), &ha.map(Dual64::from), &lift(&b), &hb.map(Dual64::from)).unwrap();
                assert_relative_eq!(v.volume.re, o.volume);
                let want = if k < 3 { o.area[k] } else { o.moment[k - 3] };
                assert_relative_eq!(v.volume.eps, want, epsilon = 1e-13, max_relative = 1e-10);
            }
        }
    }
}
