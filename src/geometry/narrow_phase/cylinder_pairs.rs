//! Cylinders against capsules, boxes and cylinders: the exact deepest (or nearest) contact from the features of
//! each shape measured against the exact signed distance of the other, plus the points a resting contact needs.
//!
//! # Method
//! Every contact is a point of one shape (a capsule's axis point with its radius, a box corner or edge point, a
//! cylinder rim or side point) measured against the exact signed distance of the other shape (the cylinder's, smooth on its side, cap and rim
//! pieces, or the box's). Three kinds of contacts are reported:
//!
//! 1. **The deepest contact.** The least signed distance over the features that can carry the closest pair of
//!    points. When the shapes are apart this is their exact distance: the closest pair has, on one of the shapes,
//!    a point on an edge-like feature (an axis segment, a box edge, a rim circle), and the least distance along
//!    that feature is found by a 1-D search (bisection on the slope along a segment, where the distance is convex; sampling and golden section around a circle), or the pair
//!    is face-to-something (a box face or a cylinder cap against the other's supporting feature there — a
//!    cylinder's side line furthest into the face, searched along its length like an edge — or two cylinder
//!    sides, whose closest axis points give the pair in closed form). The search
//!    runs on real parts; the parameter is then polished by Newton steps in `T`, so the point, normal and
//!    distance of this contact carry exact first derivatives wherever the features do not switch (checked
//!    against central differences; the two Newton steps should make second-order duals exact too, which is not
//!    tested). Overlapping, it is the depth of the deepest of these feature points inside the
//!    other shape (exact for a cap, side or rim sunk into a face, a corner or edge into a side or cap; smaller
//!    than the least translation that separates the shapes where two edge-like features cross, by up to a
//!    factor √2 for a box edge across a cylinder's rim). Two identical shapes in the same place have no point
//!    inside the other and report nothing.
//! 2. **A manifold** for resting contact, made with the deepest contact's normal `n`: each cylinder's two rim
//!    tripods towards the other shape ([`cylinder_support_points`](super::cylinder_support_points), as on the
//!    ground: three points for a cap, two for a side lying along a face), a box's corners, and the points where
//!    an edge-like segment (the cylinder's side line nearest the other shape, the edges of the box face facing
//!    the cylinder, a capsule's axis) enters or leaves the other shape's slab or side, which gives the ends of a
//!    line contact where one shape overhangs the other. A cut point is measured against the faces that do not
//!    cut it (the side for the slab, the caps for the side, a box's other four faces), and its depth is faded
//!    in (C¹) over 5–10% of the segment's length, both in the length of the piece inside and in the distance from
//!    the segment's own end: a segment crossing a face only by the penetration depth (a cap standing on a face)
//!    adds nothing, and a cut point hands over continuously to the segment's end as it reaches it.
//! 3. The deepest contact is reported last with only its depth **beyond the deepest manifold point** (as in
//!    [`capsule_box`](super::capsule_box())), so that it adds force where the manifold misses the deepest point
//!    (a corner poking into a side) and nothing where the manifold already has it.
//!
//! When the shapes are apart every reported distance is a true distance between a point of one and the other
//! shape, and the least of them is the exact distance. Its derivative (through 1.) is exact away from feature
//! switches; the manifold points are closed-form functions of the poses and of `n` (taken as the deepest
//! contact's normal with its derivatives), so their derivatives are exact for that choice of points, but the
//! choice (which tripod point, which box face, where a cut is) follows `n` and is piecewise.

use super::super::ContactGeometry;
use super::capsule_box::{box_signed_distance, deepest_segment_point};
use super::cylinder::{point_cylinder, support_points_towards};
use super::cylinder_sdf::{clip_line, curve_minimum, Curve, Part};
use super::round::{point_box, segment_closest_points};
use crate::scalar::{norm, re, recip, smoothstep};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

fn flip<T: Scalar>(g: ContactGeometry<T>) -> ContactGeometry<T> {
    ContactGeometry { normal: -g.normal, ..g }
}

fn keep_least<T: Scalar>(best: &mut Option<ContactGeometry<T>>, g: ContactGeometry<T>) {
    if best.as_ref().is_none_or(|b| re(&g.distance) < re(&b.distance)) {
        *best = Some(g);
    }
}

/// The manifold being reported: contacts below the margin go out, and the deepest (weighted) depth is kept for
/// the deepest contact's share.
struct Manifold<'a, T: Scalar, F: FnMut(ContactGeometry<T>)> {
    margin: f64,
    out: &'a mut F,
    deepest: T,
}

impl<'a, T: Scalar, F: FnMut(ContactGeometry<T>)> Manifold<'a, T, F> {
    fn new(margin: f64, out: &'a mut F) -> Self {
        Self { margin, out, deepest: T::zero() }
    }

    /// Reports `g` with its depth (not a separation) scaled by `weight`.
    fn report(&mut self, mut g: ContactGeometry<T>, weight: T) {
        if re(&weight) <= 0.0 {
            return;
        }
        if re(&g.distance) < 0.0 {
            g.distance *= weight;
        }
        if re(&g.distance) < re(&self.deepest) {
            self.deepest = g.distance;
        }
        if re(&g.distance) < self.margin {
            (self.out)(g);
        }
    }

    /// Reports the deepest contact with its depth beyond the manifold's.
    fn finish(self, mut deepest: ContactGeometry<T>) {
        deepest.distance -= self.deepest;
        if re(&deepest.distance) < self.margin {
            (self.out)(deepest);
        }
    }
}

/// The C¹ fade of a cut point, from a fraction `x` of the segment's length: 0 below 5%, 1 above 10%.
fn fade<T: Scalar>(x: T) -> T {
    smoothstep((x - 0.05) * 20.0)
}

/// The points strictly inside the segment `e0 e1` (world) where it enters and leaves the interval `(t0, t1)` of
/// its parameter, as the contacts `contact` makes of them, each with its weight: the [`fade`] of the length of the
/// piece inside and of the cut's distance from the segment's end, and a fade that drops a cut deeper than
/// `deepest` (the least signed distance along the whole segment, ≤ 0 when it penetrates): a cut point stands for
/// the end of a line along the face it is measured against, whose depth is the segment's deepest, and not for a
/// segment poking through the clipping surface far from that face (which the deepest contact covers). The weight
/// is 1 up to that depth and 0 at twice it.
fn cuts<T: Scalar>(
    e0: &Vector3<T>,
    e1: &Vector3<T>,
    (t0, t1): (Option<T>, Option<T>),
    deepest: T,
    contact: impl Fn(&Vector3<T>) -> ContactGeometry<T>,
    mut each: impl FnMut(ContactGeometry<T>, T),
) {
    let clamp = |t: Option<T>, default: f64| match t {
        Some(t) if re(&t) > 0.0 && re(&t) < 1.0 => (Some(t), t),
        Some(t) if re(&t) <= 0.0 => (None, T::zero()),
        Some(_) => (None, T::one()),
        None => (None, T::from(default)),
    };
    let ((cut0, lo), (cut1, hi)) = (clamp(t0, 0.0), clamp(t1, 1.0));
    if re(&lo) >= re(&hi) {
        return;
    }
    let piece = fade(hi - lo);
    if re(&piece) <= 0.0 {
        return;
    }
    let mut emit = |t: T, from_end: T| {
        let g = contact(&(e0 + (e1 - e0) * t));
        let mut w = piece * fade(from_end);
        if re(&g.distance) < 0.0 {
            if re(&deepest) >= 0.0 {
                return;
            }
            w *= smoothstep(g.distance * recip(&deepest) * -1.0 + 2.0);
        }
        each(g, w);
    };
    if let Some(t) = cut0 {
        emit(t, t);
    }
    if let Some(t) = cut1 {
        emit(t, T::one() - t);
    }
}

/// Which part of a cylinder clips a segment with local direction `u` (the slab if it runs more along the axis
/// than across it, else the side), and which part its cut points are measured against (the other).
fn clipping_parts<T: Scalar>(u: &Vector3<T>) -> (Part, Part) {
    let (along, across) = (re(&u.z).abs(), re(&u.x).hypot(re(&u.y)));
    if along >= across {
        (Part::Caps, Part::Side)
    } else {
        (Part::Side, Part::Caps)
    }
}

/// The cut points of the segment `e0 e1` (world) by a cylinder's slab or side ([`clipping_parts`]), as point
/// contacts with the other part, normal from the cylinder to the point, with their weights.
fn cut_by_cylinder<T: Scalar>(
    e0: &Vector3<T>,
    e1: &Vector3<T>,
    pose: &Transform<T>,
    radius: &T,
    half: &T,
    each: impl FnMut(ContactGeometry<T>, T),
) {
    let a = pose.inverse_transform_point(e0);
    let u = pose.inverse_transform_point(e1) - a;
    let (clip, measure) = clipping_parts(&u);
    if let Some(range) = clip_line(&a, &u, radius, half, clip) {
        let t = curve_minimum(&Curve::Segment { a, u }, radius, half);
        let deepest = point_cylinder(&(e0 + (e1 - e0) * t), &T::zero(), pose, radius, half, Part::Full).distance;
        let contact = |q: &Vector3<T>| point_cylinder(q, &T::zero(), pose, radius, half, measure);
        cuts(e0, e1, range, deepest, contact, each);
    }
}

/// The cut points of the segment `e0 e1` (world) by the slab of the box axis it runs most nearly along, as point
/// contacts with the box's other faces (normal from the box to the point), with their weights.
fn cut_by_box<T: Scalar>(
    e0: &Vector3<T>,
    e1: &Vector3<T>,
    pose: &Transform<T>,
    half: &Vector3<T>,
    each: impl FnMut(ContactGeometry<T>, T),
) {
    let a = pose.inverse_transform_point(e0);
    let u = pose.inverse_transform_point(e1) - a;
    let j = (0..3).max_by(|&i, &k| re(&u[i]).abs().total_cmp(&re(&u[k]).abs())).expect("three axes");
    if re(&u[j]).abs() < 1e-15 {
        return;
    }
    let inv = recip(&u[j]);
    let (t0, t1) = ((-half[j] - a[j]) * inv, (half[j] - a[j]) * inv);
    let (t0, t1) = if re(&t0) <= re(&t1) { (t0, t1) } else { (t1, t0) };
    let b = a + u;
    let deepest = box_signed_distance(&(a + u * deepest_segment_point(&a, &b, half)), half);
    cuts(e0, e1, (Some(t0), Some(t1)), deepest, |q| point_box(q, pose, half, Some(j)), each);
}

/// The corners of a box (bit `k` of the index set: `+half[k]`, else `−half[k]`), in the world.
fn corners<T: Scalar>(pose: &Transform<T>, half: &Vector3<T>) -> [Vector3<T>; 8] {
    std::array::from_fn(|c| {
        let sign = |k: usize| if c & (1 << k) == 0 { -1.0 } else { 1.0 };
        pose.transform_point(&Vector3::new(half.x * sign(0), half.y * sign(1), half.z * sign(2)))
    })
}

/// A capsule (axis segment `p0 p1` in world coordinates, radius `capsule_radius`) against a cylinder at `pose`
/// (`radius`, height `length` along the pose's `z`): contacts closer than `margin` (m), normals from the
/// cylinder to the capsule.
///
/// 1. The capsule's axis clipped to the cylinder's slab `|z| ≤ h` (when the axis runs more along the cylinder's
///    axis than across it) or to its side `ρ ≤ r` (otherwise): the two ends, measured as balls against the side or
///    the caps respectively, faded in (C¹) as the clipped piece grows to the capsule's radius, as in
///    [`capsule_box`](super::capsule_box()): a capsule lying along the side or across a cap rests on a line.
/// 2. The point of the axis of least signed distance to the cylinder (exact: the distance is convex along the
///    axis; see the [module](self)), with its depth beyond the ends'.
///
/// When apart, the least reported distance is the exact distance, with exact first derivatives of its point,
/// normal and distance with respect to both poses and the sizes (where the nearest point of the axis does not
/// jump, and the cylinder's nearest feature — side, rim, cap — does not switch; across those switches the
/// distance stays C¹ outside the cylinder). A sphere is a zero-length capsule (`collide` sends spheres to
/// [`sphere_cylinder`](super::sphere_cylinder), which gives the same contact).
///
/// ```
/// use diffphys::geometry::narrow_phase::capsule_cylinder;
/// use diffphys::spatial::Transform;
/// use nalgebra::Vector3;
/// // an upright cylinder (radius 0.2, height 1) and a capsule (radius 0.05) lying along its side, 1 cm deep
/// let (p0, p1) = (Vector3::new(0.24f64, 0.0, -0.3), Vector3::new(0.24, 0.0, 0.3));
/// let mut found = Vec::new();
/// capsule_cylinder(&p0, &p1, &0.05, &Transform::identity(), &0.2, &1.0, 0.0, &mut |c| found.push(c));
/// assert_eq!(found.len(), 2); // a line contact: both ends of the axis
/// assert!(found.iter().all(|c| (c.distance + 0.01).abs() < 1e-12 && (c.normal - Vector3::x()).norm() < 1e-12));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn capsule_cylinder<T: Scalar>(
    p0: &Vector3<T>,
    p1: &Vector3<T>,
    capsule_radius: &T,
    pose: &Transform<T>,
    radius: &T,
    length: &T,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let half = *length * 0.5;
    let a = pose.inverse_transform_point(p0);
    let u = pose.inverse_transform_point(p1) - a;
    let s = curve_minimum(&Curve::Segment { a, u }, radius, &half);
    let deepest = point_cylinder(&(p0 + (p1 - p0) * s), capsule_radius, pose, radius, &half, Part::Full);
    if re(&deepest.distance) >= margin {
        return;
    }
    let mut manifold = Manifold::new(margin, out);
    let (clip, measure) = clipping_parts(&u);
    if let Some((t0, t1)) = clip_line(&a, &u, radius, &half, clip) {
        let clamp01 = |t: Option<T>, default: f64| match t {
            None => T::from(default),
            Some(t) if re(&t) < 0.0 => T::zero(),
            Some(t) if re(&t) > 1.0 => T::one(),
            Some(t) => t,
        };
        let (lo, hi) = (clamp01(t0, 0.0), clamp01(t1, 1.0));
        if re(&lo) < re(&hi) {
            let piece = (hi - lo) * norm(&u);
            let w = if re(capsule_radius) > 0.0 { smoothstep(piece * recip(capsule_radius)) } else { T::one() };
            for t in [lo, hi] {
                let centre = p0 + (p1 - p0) * t;
                manifold.report(point_cylinder(&centre, capsule_radius, pose, radius, &half, measure), w);
            }
        }
    }
    manifold.finish(deepest);
}

/// A cylinder at `pose_cylinder` (`radius`, height `length` along the pose's `z`) against a box at `pose_box`
/// (half extents `half`): contacts closer than `margin` (m), normals from the box to the cylinder.
///
/// The deepest contact (see the [module](self)) is the least of: each of the twelve box edges against the
/// cylinder (the exact least distance along the edge), and the cylinder's side line furthest into each of the
/// six box faces against the box (its deepest point). The manifold, with that contact's normal `n`: the cylinder's rim tripods towards
/// the box (a cap standing on a face: three points; lying on its side: the two ends of the line), the cylinder's
/// side line nearest the box cut by the box (where it overhangs), the box's corners against the cylinder (a box
/// standing on a cap), and the edges of the box face facing the cylinder cut by the cylinder's side or slab (a
/// plank across a cap, a box on a lying cylinder).
///
/// ```
/// use diffphys::geometry::narrow_phase::cylinder_box;
/// use diffphys::spatial::Transform;
/// use nalgebra::Vector3;
/// // a cylinder (radius 0.1, height 0.4) standing on a 1 m cube's top face, 2 mm into it
/// let cylinder = Transform::from_translation(Vector3::new(0.1f64, 0.0, 0.698));
/// let mut found = Vec::new();
/// cylinder_box(&cylinder, &0.1, &0.4, &Transform::identity(), &Vector3::from_element(0.5), 0.0, &mut |c| {
///     found.push(c)
/// });
/// assert_eq!(found.len(), 3); // the bottom cap's tripod
/// assert!(found.iter().all(|c| (c.distance + 0.002).abs() < 1e-12 && (c.normal - Vector3::z()).norm() < 1e-12));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn cylinder_box<T: Scalar>(
    pose_cylinder: &Transform<T>,
    radius: &T,
    length: &T,
    pose_box: &Transform<T>,
    half: &Vector3<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let h = *length * 0.5;
    let zero = T::zero();
    let corner = corners(pose_box, half);
    let mut best = None;
    for k in 0..3 {
        for c in (0..8).filter(|c| c & (1 << k) == 0) {
            let (e0, e1) = (corner[c], corner[c | (1 << k)]);
            let a = pose_cylinder.inverse_transform_point(&e0);
            let u = pose_cylinder.inverse_transform_point(&e1) - a;
            let t = curve_minimum(&Curve::Segment { a, u }, radius, &h);
            let q = e0 + (e1 - e0) * t;
            keep_least(&mut best, flip(point_cylinder(&q, &zero, pose_cylinder, radius, &h, Part::Full)));
        }
        for s in [1.0, -1.0] {
            // the cylinder's side line furthest into the face (its supporting feature there), at its deepest point
            let into_face = pose_box.rotation.column(k) * T::from(-s);
            let rims = support_points_towards(pose_cylinder, radius, length, &into_face);
            let (a, b) = (pose_box.inverse_transform_point(&rims[0]), pose_box.inverse_transform_point(&rims[3]));
            let t = deepest_segment_point(&a, &b, half);
            keep_least(&mut best, point_box(&(rims[0] + (rims[3] - rims[0]) * t), pose_box, half, None));
        }
    }
    let best = best.expect("twelve edges");
    if re(&best.distance) >= margin {
        return;
    }
    let n = best.normal;
    let mut manifold = Manifold::new(margin, out);
    let tripods = support_points_towards(pose_cylinder, radius, length, &-n);
    for p in &tripods {
        manifold.report(point_box(p, pose_box, half, None), T::one());
    }
    cut_by_box(&tripods[0], &tripods[3], pose_box, half, |g, w| manifold.report(g, w));
    for q in &corner {
        manifold.report(flip(point_cylinder(q, &zero, pose_cylinder, radius, &h, Part::Full)), T::one());
    }
    // the box face whose outward normal is most along n (towards the cylinder), and its four edges
    let facing = |k: usize| re(&pose_box.rotation.column(k).dot(&n));
    let k = (0..3).max_by(|&i, &j| facing(i).abs().total_cmp(&facing(j).abs())).expect("three axes");
    let bit = if facing(k) >= 0.0 { 1 << k } else { 0 };
    for j in (0..3).filter(|&j| j != k) {
        for c in (0..8).filter(|c| c & (1 << k) == bit && c & (1 << j) == 0) {
            cut_by_cylinder(&corner[c], &corner[c | (1 << j)], pose_cylinder, radius, &h, |g, w| {
                manifold.report(flip(g), w)
            });
        }
    }
    manifold.finish(best);
}

/// Two cylinders, `a` at `pose_a` (`radius_a`, height `length_a`) and `b` at `pose_b`: contacts closer than
/// `margin` (m), normals from `b` to `a`.
///
/// The deepest contact (see the [module](self)) is the least of: each of the four rim circles against the other
/// cylinder (a 1-D search round the circle), the two sides against each other (the closest points of the axes,
/// when both are inside the axes' segments and the axes are not parallel), and each cylinder's side line
/// furthest into each cap of the other (its deepest point). The manifold, with that contact's normal: both cylinders' rim tripods towards the
/// other (one standing on the other's cap: three points), and each cylinder's side line nearest the other cut by
/// the other's slab or side (two cylinders lying side by side, or one across the other's cap).
///
/// ```
/// use diffphys::geometry::narrow_phase::cylinder_cylinder;
/// use diffphys::spatial::Transform;
/// use nalgebra::Vector3;
/// // a can (radius 0.05, height 0.1) standing on a drum (radius 0.3, height 0.2), 1 mm into its top
/// let can = Transform::from_translation(Vector3::new(0.1f64, 0.0, 0.149));
/// let mut found = Vec::new();
/// cylinder_cylinder(&can, &0.05, &0.1, &Transform::identity(), &0.3, &0.2, 0.0, &mut |c| found.push(c));
/// assert_eq!(found.len(), 3); // the can's tripod
/// assert!(found.iter().all(|c| (c.distance + 0.001).abs() < 1e-12 && (c.normal - Vector3::z()).norm() < 1e-12));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn cylinder_cylinder<T: Scalar>(
    pose_a: &Transform<T>,
    radius_a: &T,
    length_a: &T,
    pose_b: &Transform<T>,
    radius_b: &T,
    length_b: &T,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let (ha, hb) = (*length_a * 0.5, *length_b * 0.5);
    let zero = T::zero();
    let axis = |pose: &Transform<T>| -> Vector3<T> { pose.rotation.column(2).into() };
    let mut best = None;
    // rims of one against the other
    for (p, rp, hp, q, rq, hq, swapped) in
        [(pose_a, radius_a, &ha, pose_b, radius_b, &hb, false), (pose_b, radius_b, &hb, pose_a, radius_a, &ha, true)]
    {
        let (e1, e2): (Vector3<T>, Vector3<T>) = (p.rotation.column(0).into(), p.rotation.column(1).into());
        for s in [-1.0, 1.0] {
            let centre = p.translation + axis(p) * (*hp * s);
            let circle = Curve::Circle {
                c: q.inverse_transform_point(&centre),
                e1: q.rotation.tr_mul(&e1),
                e2: q.rotation.tr_mul(&e2),
                radius: *rp,
            };
            let t = curve_minimum(&circle, rq, hq);
            let (sin, cos) = num_dual::DualNum::sin_cos(&t);
            let point = centre + (e1 * cos + e2 * sin) * *rp;
            let g = point_cylinder(&point, &zero, q, rq, hq, Part::Full);
            keep_least(&mut best, if swapped { flip(g) } else { g });
        }
    }
    // side against side
    let (a0, a1) = (pose_a.translation - axis(pose_a) * ha, pose_a.translation + axis(pose_a) * ha);
    let (b0, b1) = (pose_b.translation - axis(pose_b) * hb, pose_b.translation + axis(pose_b) * hb);
    let (s, t, pa, pb) = segment_closest_points(&a0, &a1, &b0, &b1);
    let interior = |x: &T| re(x) > 1e-9 && re(x) < 1.0 - 1e-9;
    let d = pa - pb;
    let cross = axis(pose_a).cross(&axis(pose_b));
    if interior(&s) && interior(&t) && re(&cross.norm_squared()) > 1e-12 {
        // the common normal of the axes; where they intersect, their cross product (oriented from b's centre
        // towards a's), which d / |d| tends to anyway since d is perpendicular to both axes
        let (normal, dn) = if re(&d.norm_squared()) > 1e-24 {
            let dn = norm(&d);
            (d * recip(&dn), dn)
        } else {
            let n = cross * recip(&norm(&cross));
            let towards = re(&n.dot(&(pose_a.translation - pose_b.translation)));
            (if towards < 0.0 { -n } else { n }, T::zero())
        };
        let point = (pa - normal * *radius_a + pb + normal * *radius_b) * T::from(0.5);
        keep_least(&mut best, ContactGeometry { normal, point, distance: dn - *radius_a - *radius_b });
    }
    // caps: the side line of each furthest into each cap of the other
    for s in [-1.0, 1.0] {
        for (p, rp, lp, q, rq, hq, swapped) in [
            (pose_a, radius_a, length_a, pose_b, radius_b, &hb, false),
            (pose_b, radius_b, length_b, pose_a, radius_a, &ha, true),
        ] {
            // p's side line furthest into q's cap (its supporting feature there), at its deepest point in q
            let rims = support_points_towards(p, rp, lp, &(axis(q) * T::from(-s)));
            let a = q.inverse_transform_point(&rims[0]);
            let t = curve_minimum(&Curve::Segment { a, u: q.inverse_transform_point(&rims[3]) - a }, rq, hq);
            let g = point_cylinder(&(rims[0] + (rims[3] - rims[0]) * t), &zero, q, rq, hq, Part::Full);
            keep_least(&mut best, if swapped { flip(g) } else { g });
        }
    }
    let best = best.expect("four rims");
    if re(&best.distance) >= margin {
        return;
    }
    let n = best.normal;
    let mut manifold = Manifold::new(margin, out);
    let tripods_a = support_points_towards(pose_a, radius_a, length_a, &-n);
    let tripods_b = support_points_towards(pose_b, radius_b, length_b, &n);
    for p in &tripods_a {
        manifold.report(point_cylinder(p, &zero, pose_b, radius_b, &hb, Part::Full), T::one());
    }
    for p in &tripods_b {
        manifold.report(flip(point_cylinder(p, &zero, pose_a, radius_a, &ha, Part::Full)), T::one());
    }
    cut_by_cylinder(&tripods_a[0], &tripods_a[3], pose_b, radius_b, &hb, |g, w| manifold.report(g, w));
    cut_by_cylinder(&tripods_b[0], &tripods_b[3], pose_a, radius_a, &ha, |g, w| manifold.report(flip(g), w));
    manifold.finish(best);
}

#[cfg(test)]
#[path = "cylinder_pairs_tests.rs"]
mod tests;
