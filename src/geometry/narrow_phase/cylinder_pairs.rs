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
    if best.as_ref().map_or(true, |b| re(&g.distance) < re(&b.distance)) {
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
mod tests {
    use super::super::collide;
    use super::super::test_support::{perturbed, rot};
    use super::*;
    use crate::geometry::Shape;
    use nalgebra::Matrix3;
    use num_dual::Dual64;
    use std::f64::consts::TAU;

    /// Independent signed distance to a cylinder (radius `r`, height `l`, local frame): clamping outside, the
    /// shallower of side and caps inside.
    fn cylinder_distance(p: &Vector3<f64>, r: f64, l: f64) -> f64 {
        let (rho, h) = (p.xy().norm(), l / 2.0);
        let (dr, dz) = (rho - r, p.z.abs() - h);
        if dr > 0.0 || dz > 0.0 {
            dr.max(0.0).hypot(dz.max(0.0))
        } else {
            dr.max(dz)
        }
    }

    /// Points on the surface of a cylinder (local frame), about `n` around.
    fn cylinder_surface(r: f64, l: f64, n: usize) -> Vec<Vector3<f64>> {
        let mut points = Vec::new();
        for i in 0..n {
            let t = i as f64 / n as f64 * TAU;
            let (c, s) = (t.cos(), t.sin());
            for j in 0..=n {
                points.push(Vector3::new(r * c, r * s, -l / 2.0 + l * j as f64 / n as f64));
            }
            for j in 1..=n / 2 {
                let rr = r * j as f64 / (n / 2) as f64;
                points.push(Vector3::new(rr * c, rr * s, -l / 2.0));
                points.push(Vector3::new(rr * c, rr * s, l / 2.0));
            }
        }
        points
    }

    fn box_surface(half: &Vector3<f64>, n: usize) -> Vec<Vector3<f64>> {
        let mut points = Vec::new();
        for k in 0..3 {
            let (i, j) = ((k + 1) % 3, (k + 2) % 3);
            for a in 0..=n {
                for b in 0..=n {
                    for s in [-1.0, 1.0] {
                        let mut p = Vector3::zeros();
                        p[k] = s * half[k];
                        p[i] = half[i] * (2.0 * a as f64 / n as f64 - 1.0);
                        p[j] = half[j] * (2.0 * b as f64 / n as f64 - 1.0);
                        points.push(p);
                    }
                }
            }
        }
        points
    }

    /// The shapes used below, in the crate's shape type.
    fn shapes() -> (Shape<f64>, Shape<f64>, Shape<f64>, Shape<f64>) {
        (
            Shape::Cylinder { radius: 0.2, length: 0.5 },
            Shape::Cylinder { radius: 0.12, length: 0.7 },
            Shape::Box { size: Vector3::new(0.6, 0.3, 0.4) },
            Shape::Capsule { radius: 0.07, length: 0.5 },
        )
    }

    /// Brute force: the least signed distance of a sampled surface point of one shape to the other (a capsule's
    /// axis is sampled instead, minus its radius).
    fn brute(a: &Shape<f64>, pa: &Transform<f64>, b: &Shape<f64>, pb: &Transform<f64>) -> f64 {
        let samples = |s: &Shape<f64>| match s {
            Shape::Cylinder { radius, length } => cylinder_surface(*radius, *length, 160),
            Shape::Box { size } => box_surface(&(size / 2.0), 80),
            Shape::Capsule { length, .. } => {
                (0..=4000).map(|k| Vector3::new(0.0, 0.0, length * (k as f64 / 4000.0 - 0.5))).collect()
            }
            Shape::Sphere { .. } => vec![Vector3::zeros()],
        };
        let inflate = |s: &Shape<f64>| if let Shape::Capsule { radius, .. } = s { *radius } else { 0.0 };
        let distance = |s: &Shape<f64>, local: &Vector3<f64>| match s {
            Shape::Cylinder { radius, length } => cylinder_distance(local, *radius, *length),
            Shape::Box { size } => box_signed_distance(local, &(size / 2.0)),
            Shape::Capsule { radius, length } => {
                let (h, z) = (length / 2.0, local.z.clamp(-length / 2.0, length / 2.0));
                let _ = h;
                (local - Vector3::new(0.0, 0.0, z)).norm() - radius
            }
            Shape::Sphere { radius } => local.norm() - radius,
        };
        let one_way = |a: &Shape<f64>, pa: &Transform<f64>, b: &Shape<f64>, pb: &Transform<f64>| {
            samples(a)
                .iter()
                .map(|p| distance(b, &pb.inverse_transform_point(&pa.transform_point(p))) - inflate(a))
                .fold(f64::INFINITY, f64::min)
        };
        let capsule = |s: &Shape<f64>| matches!(s, Shape::Capsule { .. });
        match (capsule(a), capsule(b)) {
            (true, _) => one_way(a, pa, b, pb),
            (_, true) => one_way(b, pb, a, pa),
            _ => one_way(a, pa, b, pb).min(one_way(b, pb, a, pa)),
        }
    }

    fn contacts<T: Scalar>(
        a: &Shape<T>,
        pa: &Transform<T>,
        b: &Shape<T>,
        pb: &Transform<T>,
        margin: f64,
    ) -> Vec<ContactGeometry<T>> {
        let mut found = Vec::new();
        collide(a, pa, b, pb, margin, &mut |c| found.push(c));
        found
    }

    fn least<T: Scalar>(found: &[ContactGeometry<T>]) -> ContactGeometry<T> {
        found.iter().min_by(|x, y| re(&x.distance).total_cmp(&re(&y.distance))).expect("a contact").clone()
    }

    fn uniform(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    fn random_pose(seed: &mut u64, spread: f64) -> Transform<f64> {
        let rotation = rot(0, 3.0 * uniform(seed)) * rot(1, 3.0 * uniform(seed)) * rot(2, 3.0 * uniform(seed));
        let translation = Vector3::new(uniform(seed), uniform(seed), uniform(seed)) * spread;
        Transform { translation, rotation }
    }

    /// The pairs under test: (a, b) with a cylinder on at least one side.
    fn pairs() -> Vec<(Shape<f64>, Shape<f64>, &'static str)> {
        let (c1, c2, cube, capsule) = shapes();
        vec![
            (capsule.clone(), c1.clone(), "capsule-cylinder"),
            (c1.clone(), capsule, "cylinder-capsule"),
            (c1.clone(), cube.clone(), "cylinder-box"),
            (cube, c2.clone(), "box-cylinder"),
            (c1, c2, "cylinder-cylinder"),
        ]
    }

    #[test]
    fn separated_distances_match_sampled_surfaces() {
        let mut seed = 3u64;
        for (a, b, name) in pairs() {
            let mut worst: f64 = 0.0;
            let mut tested = 0;
            while tested < 25 {
                let (pa, pb) = (random_pose(&mut seed, 0.6), random_pose(&mut seed, 0.1));
                let bf = brute(&a, &pa, &b, &pb);
                if bf < 0.02 {
                    continue; // apart only (sampling says how far)
                }
                tested += 1;
                let found = contacts(&a, &pa, &b, &pb, 10.0);
                let g = least(&found);
                // every reported distance is a true point-to-shape distance, the least of them the exact distance
                assert!(g.distance <= bf + 1e-9 && g.distance > bf - 2e-3, "{name}: {} vs sampled {bf}", g.distance);
                worst = worst.max(bf - g.distance);
                assert!((g.normal.norm() - 1.0).abs() < 1e-12, "{name}: unit normal");
                assert!(found.iter().all(|c| c.distance >= g.distance - 1e-15));
            }
            println!("{name}: sampled − found ≤ {worst:.2e}");
        }
    }

    #[test]
    fn the_deepest_contact_is_a_pair_of_surface_points_along_the_normal() {
        // apart: the point minus/plus half the distance along the normal lies on each surface
        let mut seed = 5u64;
        for (a, b, name) in pairs() {
            for _ in 0..40 {
                let (pa, pb) = (random_pose(&mut seed, 0.6), random_pose(&mut seed, 0.1));
                let found = contacts(&a, &pa, &b, &pb, 10.0);
                let g = least(&found);
                if g.distance < 0.01 {
                    continue;
                }
                let on_a = g.point + g.normal * (0.5 * g.distance);
                let on_b = g.point - g.normal * (0.5 * g.distance);
                let surface = |s: &Shape<f64>, p: &Transform<f64>, x: &Vector3<f64>| match s {
                    Shape::Cylinder { radius, length } => {
                        cylinder_distance(&p.inverse_transform_point(x), *radius, *length)
                    }
                    Shape::Box { size } => box_signed_distance(&p.inverse_transform_point(x), &(size / 2.0)),
                    Shape::Capsule { radius, length } => {
                        let l = p.inverse_transform_point(x);
                        (l - Vector3::new(0.0, 0.0, l.z.clamp(-length / 2.0, length / 2.0))).norm() - radius
                    }
                    Shape::Sphere { .. } => unreachable!(),
                };
                assert!(surface(&a, &pa, &on_a).abs() < 1e-9, "{name}: {}", surface(&a, &pa, &on_a));
                assert!(surface(&b, &pb, &on_b).abs() < 1e-9, "{name}: {}", surface(&b, &pb, &on_b));
            }
        }
    }

    #[test]
    fn shallow_penetration_depth_matches_the_deepest_sampled_point() {
        // configurations where a face, side or rim sinks 5 mm into the other shape, or a corner or edge into a
        // cylinder's side or cap
        let (c1, c2, cube, capsule) = shapes();
        let at =
            |x: f64, y: f64, z: f64, r: Matrix3<f64>| Transform { translation: Vector3::new(x, y, z), rotation: r };
        let id = Matrix3::identity();
        let lying = rot(1, std::f64::consts::FRAC_PI_2);
        let cases = vec![
            // cylinder standing on the box's top face (cap), lying on it (side), tilted on its rim
            (c1.clone(), at(0.1, 0.0, 0.445, id), cube.clone(), at(0.0, 0.0, 0.0, id), "cap on face"),
            (c1.clone(), at(0.0, 0.0, 0.395, lying), cube.clone(), at(0.0, 0.0, 0.0, id), "side on face"),
            (c1.clone(), at(0.0, 0.0, 0.0, rot(0, 0.5)), cube.clone(), at(0.0, 0.0, -0.5, id), "rim on face"),
            // a box corner and a box edge into a cylinder's side
            (cube.clone(), at(0.0, 0.0, 0.0, rot(2, 0.6) * rot(0, 0.5)), c1.clone(), at(0.55, 0.1, 0.0, id), "corner"),
            (
                cube.clone(),
                at(0.0, 0.0, 0.0, rot(2, std::f64::consts::FRAC_PI_4)),
                c2.clone(),
                at(0.0, 0.0, 0.0, id),
                "edge",
            ),
            // a capsule across a cap, a cylinder on another's cap, two crossed sides
            (capsule.clone(), at(0.0, 0.0, 0.315, lying), c1.clone(), at(0.0, 0.0, 0.0, id), "capsule on cap"),
            (c2.clone(), at(0.05, 0.0, 0.595, id), c1.clone(), at(0.0, 0.0, 0.0, id), "cylinder on cap"),
            (
                c2.clone(),
                at(0.0, 0.0, 0.315, lying),
                c1.clone(),
                at(0.0, 0.0, 0.0, rot(0, std::f64::consts::FRAC_PI_2)),
                "crossed",
            ),
        ];
        for (a, pa, b, pb, name) in cases {
            let mut pb = pb;
            if name == "corner" {
                // move the cylinder until the box's nearest corner is 5 mm into it
                let g = least(&contacts(&a, &pa, &b, &pb, 10.0));
                pb.translation += g.normal * (g.distance + 0.005);
            }
            if name == "edge" {
                // the box's vertical edge at (0.45, 0.15) / √2 points towards +x: 5 mm into the side
                let edge = Vector3::new(0.45, 0.15, 0.0) * std::f64::consts::FRAC_1_SQRT_2;
                pb.translation = edge + Vector3::new(0.12 - 0.005, 0.0, 0.0);
            }
            let found = contacts(&a, &pa, &b, &pb, 0.0);
            let g = least(&found);
            let bf = brute(&a, &pa, &b, &pb);
            println!("{name}: {} points, least {:.5} vs sampled {bf:.5}", found.len(), g.distance);
            assert!(bf < 0.0 && g.distance < 0.0, "{name}: overlapping");
            assert!((g.distance - bf).abs() < 5e-4, "{name}: {} vs sampled {bf}", g.distance);
        }
    }

    /// The shape lifted to duals (no derivative).
    fn lift_shape(s: &Shape<f64>) -> Shape<Dual64> {
        s.lift()
    }

    #[test]
    fn derivatives_of_the_deepest_contact_match_central_differences() {
        // apart and shallowly overlapping, at generic poses (no feature switch nearby): d/d(each of the 12 pose
        // motions) of the least distance, and of its normal and point, by duals against central differences
        let mut seed = 17u64;
        let mut worst: f64 = 0.0;
        let mut worst_geometry: f64 = 0.0;
        let mut checked = 0;
        for (a, b, name) in pairs() {
            let (da, db) = (lift_shape(&a), lift_shape(&b));
            let mut done = 0;
            while done < 6 {
                let (pa, mut pb) = (random_pose(&mut seed, 0.6), random_pose(&mut seed, 0.1));
                // apart by 2 cm, or 3 mm into each other: moved along the normal until there
                let target = if done % 2 == 0 { 0.02 } else { -0.003 };
                for _ in 0..20 {
                    let g = least(&contacts(&a, &pa, &b, &pb, 10.0));
                    pb.translation += g.normal * (g.distance - target);
                }
                let found = contacts(&a, &pa, &b, &pb, 10.0);
                let g = least(&found);
                // skip near-ties between contacts (the least one switches there)
                if (g.distance - target).abs() > 1e-9
                    || (brute(&a, &pa, &b, &pb) - target).abs() > 1e-3
                    || found.iter().filter(|c| c.distance < g.distance + 1e-4).count() > 1
                {
                    continue;
                }
                done += 1;
                for k in 0..12 {
                    let (qa, qb) =
                        if k < 6 { (perturbed(&pa, k), pa_lift(&pb)) } else { (pa_lift(&pa), perturbed(&pb, k - 6)) };
                    let gd = least(&contacts(&da, &qa, &db, &qb, 10.0));
                    assert_eq!(gd.distance.re, g.distance, "{name}: real part = f64 run");
                    let step = |h: f64| {
                        let move_by = |p: &Transform<f64>, k: usize| {
                            let mut p = p.clone();
                            if k < 3 {
                                p.translation[k] += h;
                            } else {
                                p.rotation = rot(k - 3, h) * p.rotation;
                            }
                            p
                        };
                        let (qa, qb) =
                            if k < 6 { (move_by(&pa, k), pb.clone()) } else { (pa.clone(), move_by(&pb, k - 6)) };
                        least(&contacts(&a, &qa, &b, &qb, 10.0))
                    };
                    let h = 1e-6;
                    let (plus, minus) = (step(h), step(-h));
                    let fd = (plus.distance - minus.distance) / (2.0 * h);
                    let err = (gd.distance.eps - fd).abs();
                    assert!(err < 1e-6, "{name} {target} motion {k}: {} vs {fd}", gd.distance.eps);
                    worst = worst.max(err);
                    let fd_normal = (plus.normal - minus.normal) / (2.0 * h);
                    let fd_point = (plus.point - minus.point) / (2.0 * h);
                    let normal_err = (gd.normal.map(|x| x.eps) - fd_normal).norm();
                    let point_err = (gd.point.map(|x| x.eps) - fd_point).norm();
                    worst_geometry = worst_geometry.max(normal_err).max(point_err);
                    assert!(
                        normal_err < 1e-5 && point_err < 1e-5,
                        "{name} {target} motion {k}: normal {normal_err:e}, point {point_err:e}"
                    );
                    checked += 1;
                }
            }
        }
        println!("{checked} derivatives, largest error: distance {worst:.1e}, normal and point {worst_geometry:.1e}");
    }

    fn pa_lift(p: &Transform<f64>) -> Transform<Dual64> {
        p.lift()
    }

    /// The deepest contact's own distance: it is reported last, with only its depth beyond the manifold's.
    fn deepest_distance(found: &[ContactGeometry<f64>]) -> f64 {
        let (last, manifold) = found.split_last().expect("with a wide margin the deepest contact is reported");
        last.distance + manifold.iter().map(|c| c.distance).fold(0.0, f64::min)
    }

    #[test]
    fn the_deepest_distance_is_continuous_along_paths_through_every_feature() {
        // one shape swept past the other along a straight line, turning as it goes, passing at `offset` (apart,
        // touching, 5 mm into the other) half-way: the deepest contact's distance moves no faster than the surface
        // points do (it is 1-Lipschitz in the motion), so it has no jumps where features switch, apart or
        // overlapping; the least reported distance is the same while apart
        let mut seed = 23u64;
        let mut overlap_jump = [0.0f64; 2];
        for (a, b, name) in pairs() {
            for path in 0..9 {
                let pb = random_pose(&mut seed, 0.0);
                let start = random_pose(&mut seed, 0.0);
                let towards = Vector3::new(uniform(&mut seed), uniform(&mut seed), uniform(&mut seed)).normalize();
                let along = towards.cross(&Vector3::new(uniform(&mut seed), uniform(&mut seed), 1.0)).normalize();
                let offset = [0.05, 0.0, -0.005][path % 3];
                let turn = |s: f64| rot(2, 0.6 * s) * rot(0, 0.4 * s) * start.rotation;
                let found_at = |p: &Transform<f64>| contacts(&a, p, &b, &pb, 10.0);
                // the line's distance from b's centre along `towards`, by bisection at the middle of the path
                let (mut lo, mut hi) = (0.0, 2.0);
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    let d = deepest_distance(&found_at(&Transform { translation: towards * mid, rotation: turn(0.0) }));
                    if d < offset {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let pose_at = |s: f64| Transform { translation: towards * hi + along * s, rotation: turn(s) };
                let steps = 600;
                let mut previous: Option<(f64, f64, f64)> = None;
                for k in 0..=steps {
                    let s = -0.6 + 1.2 * k as f64 / steps as f64;
                    let found = found_at(&pose_at(s));
                    let (d, l) = (deepest_distance(&found), least(&found).distance);
                    assert!(found.iter().all(|c| c.distance.is_finite() && c.normal.iter().all(|x| x.is_finite())));
                    if let Some((d0, l0, s0)) = previous {
                        // a's points move by at most |Δs| + reach · |Δangle| (reach ≤ 0.5 m, angle ≤ 0.72 |Δs|)
                        let bound = (s - s0).abs() * (1.0 + 0.5 * 0.72) + 1e-9;
                        assert!((d - d0).abs() <= bound, "{name} path {path} at {s}: {d0} -> {d} (bound {bound})");
                        if d.min(d0) >= 0.0 {
                            assert!(
                                (l - d).abs() < 1e-12,
                                "{name}: apart, the least reported distance {l} is the deepest {d}"
                            );
                        } else {
                            let k = usize::from(d.min(d0) < -0.02);
                            overlap_jump[k] = overlap_jump[k].max((l - l0).abs() - bound);
                        }
                    }
                    previous = Some((d, l, s));
                }
            }
        }
        // overlapping, the least reported distance can jump where the deepest contact's normal does (the manifold
        // follows it): by this much beyond the Lipschitz bound
        println!(
            "largest jump of the least reported distance while overlapping: {:.1e} down to 2 cm, {:.1e} deeper",
            overlap_jump[0], overlap_jump[1]
        );
    }

    #[test]
    fn resting_contacts_have_enough_points_to_carry_a_load_without_tipping() {
        // each resting pose, 2 mm deep: the number of points, all at that depth along the support normal, and the
        // support polygon (the points' spread across the normal) containing the centre above it
        let (c1, _, cube, capsule) = shapes();
        let at =
            |x: f64, y: f64, z: f64, r: Matrix3<f64>| Transform { translation: Vector3::new(x, y, z), rotation: r };
        let id = Matrix3::identity();
        let lying = rot(1, std::f64::consts::FRAC_PI_2);
        let small = Shape::Box { size: Vector3::new(0.2, 0.16, 0.1) };
        let long = Shape::Cylinder { radius: 0.1, length: 1.2 };
        let can = Shape::Cylinder { radius: 0.08, length: 0.2 };
        let cases = vec![
            // cylinder standing on a box (its cap inside the face) and lying on it, overhanging at both ends
            (c1.clone(), at(0.0, 0.0, 0.448, id), cube.clone(), id, 3, "standing on a box"),
            (long.clone(), at(0.0, 0.0, 0.298, lying), cube.clone(), id, 2, "lying across a box"),
            (c1.clone(), at(0.0, 0.0, 0.398, lying), cube.clone(), id, 2, "lying on a box"),
            // a small box on a cylinder's cap, a capsule lying across a cap and along a side
            (small.clone(), at(0.02, 0.0, 0.298, rot(2, 0.3)), c1.clone(), id, 4, "box on a cap"),
            (capsule.clone(), at(0.0, 0.03, 0.25 + 0.07 - 0.002, lying), c1.clone(), id, 2, "capsule across a cap"),
            (capsule, at(0.268, 0.0, 0.0, id), c1.clone(), id, 2, "capsule along a side"),
            // a can on a cylinder's cap; a long cylinder lying along another lying one
            (can, at(0.05, 0.0, 0.348, id), c1.clone(), id, 3, "can on a cap"),
            (long, at(0.0, 0.0, 0.298, lying), c1.clone(), lying, 2, "side by side"),
        ];
        for (a, pa, b, rb, count, name) in cases {
            let pb = at(0.0, 0.0, 0.0, rb);
            let found = contacts(&a, &pa, &b, &pb, 0.0);
            let normal = if name == "capsule along a side" { Vector3::x() } else { Vector3::z() };
            println!(
                "{name}: {:?}",
                found.iter().map(|c| (c.distance, c.point.as_slice().to_vec())).collect::<Vec<_>>()
            );
            assert!(found.len() >= count, "{name}: {} points", found.len());
            let load: Vec<_> = found.iter().filter(|c| c.distance < -1e-9).collect();
            assert!(load.len() >= count, "{name}: {} carrying points", load.len());
            for c in &load {
                assert!((c.distance + 0.002).abs() < 1e-9, "{name}: depth {}", c.distance);
                assert!((c.normal - normal).norm() < 1e-9, "{name}: normal {}", c.normal);
            }
            // the centre of a lies within the points' spread across the normal (in the two directions across it)
            let across = [normal.cross(&Vector3::y()).try_normalize(1e-9).unwrap_or(Vector3::y()), Vector3::y()];
            for dir in across {
                let spread: Vec<f64> = load.iter().map(|c| (c.point - pa.translation).dot(&dir)).collect();
                let (lo, hi) =
                    spread.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(*x), h.max(*x)));
                let line = name.contains("capsule") || name.contains("lying") || name.contains("side");
                if !(line && dir == Vector3::y()) {
                    assert!(lo < -1e-3 && hi > 1e-3, "{name}: the points span {lo}..{hi} along {dir}");
                }
            }
        }
    }

    #[test]
    fn degenerate_poses_give_finite_contacts() {
        // coincident centres, parallel and crossing axes, a zero-length capsule and a sphere: no NaN in values or
        // derivatives, and a contact for shapes that overlap
        let (c1, c2, cube, capsule) = shapes();
        let point = Shape::Capsule { radius: 0.05, length: 0.0 };
        let id = Transform::identity();
        let lying = Transform { translation: Vector3::zeros(), rotation: rot(1, std::f64::consts::FRAC_PI_2) };
        let shifted = Transform::from_translation(Vector3::new(0.0, 0.0, 0.1));
        let shapes = [c1.clone(), c2, cube, capsule, point, Shape::Sphere { radius: 0.1 }];
        for a in &shapes {
            for b in &shapes {
                if !matches!(a, Shape::Cylinder { .. }) && !matches!(b, Shape::Cylinder { .. }) {
                    continue;
                }
                for (pa, pb) in [(&id, &id), (&id, &lying), (&shifted, &id), (&lying, &shifted)] {
                    let found = contacts(a, pa, b, pb, 0.0);
                    // (two identical shapes in the same place have every surface point on the other's surface:
                    // no point is inside, and nothing is reported)
                    assert!(!found.is_empty() || (a == b && pa == pb), "{a:?} {b:?}: they overlap");
                    for k in 0..12 {
                        let (qa, qb) =
                            if k < 6 { (perturbed(pa, k), pa_lift(pb)) } else { (pa_lift(pa), perturbed(pb, k - 6)) };
                        for c in contacts(&lift_shape(a), &qa, &lift_shape(b), &qb, 0.0) {
                            let all = c.normal.iter().chain(c.point.iter()).chain(std::iter::once(&c.distance));
                            assert!(all.clone().all(|x| x.re.is_finite() && x.eps.is_finite()), "{a:?} {b:?}: {c:?}");
                            assert!((c.normal.map(|x| x.re).norm() - 1.0).abs() < 1e-9);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn swapping_the_shapes_flips_the_normals() {
        let mut seed = 29u64;
        for (a, b, name) in pairs() {
            for _ in 0..10 {
                let (pa, pb) = (random_pose(&mut seed, 0.4), random_pose(&mut seed, 0.1));
                let (ab, ba) = (contacts(&a, &pa, &b, &pb, 0.05), contacts(&b, &pb, &a, &pa, 0.05));
                if name == "cylinder-cylinder" {
                    // one function for both orders, symmetric in its result but not in the order of its points
                    if !ab.is_empty() && !ba.is_empty() {
                        let (x, y) = (least(&ab), least(&ba));
                        assert!(
                            (x.distance - y.distance).abs() < 1e-12 && (x.normal + y.normal).norm() < 1e-9,
                            "{name}"
                        );
                    } else {
                        assert_eq!(ab.len(), ba.len());
                    }
                    continue;
                }
                assert_eq!(ab.len(), ba.len(), "{name}");
                for (x, y) in ab.iter().zip(&ba) {
                    assert!(x.distance == y.distance && x.point == y.point && x.normal == -y.normal, "{name}");
                }
            }
        }
    }
}
