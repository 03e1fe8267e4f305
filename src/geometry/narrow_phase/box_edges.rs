//! How deep the edges of one box reach into another: the deepest point of each edge and the exact gradient of
//! that depth, the pieces of a box–box penalty that derives from a potential.

use super::super::ContactGeometry;
use crate::scalar::{re, recip, sqrt};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// The deepest point of one box's edge inside another box.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgePenetration<T: Scalar> {
    /// `point`: the deepest point of the edge (world, m); `distance = −depth` (m); `normal`: unit vector from
    /// the second box to the first along which the depth shrinks fastest.
    pub geometry: ContactGeometry<T>,
    /// How fast the depth shrinks when the first box moves along `normal` (≤ 1; 1 where one face of the
    /// containing box is the nearest, less where the edge crosses an edge of it): `∂depth/∂x_a = −slope·normal`.
    pub slope: T,
}

/// The twelve edges of a box as pairs of corner indices; corner `v` has signs `(v & 1, v & 2, v & 4)`.
const EDGES: [(usize, usize); 12] =
    [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7)];

/// The corners of the box (half extents `half`, body frame `(rotation, position)`) in the frame of another box.
fn corners_in<T: Scalar>(rotation: &Matrix3<T>, position: &Vector3<T>, half: &Vector3<T>) -> [Vector3<T>; 8] {
    std::array::from_fn(|v| {
        let local = Vector3::from_fn(|k, _| if v & (1 << k) != 0 { half[k] } else { -half[k] });
        rotation * local + position
    })
}

/// Depth of `x` below face plane `k` of a box with half extents `half`: plane `k` is `σ x_i = h_i` with
/// `i = k / 2` and `σ = +1` for even `k`, −1 for odd `k`; the depth is `h_i − σ x_i`.
fn plane_depth(x: &[f64; 3], half: &[f64; 3], k: usize) -> f64 {
    let sign = if k.is_multiple_of(2) { 1.0 } else { -1.0 };
    half[k / 2] - sign * x[k / 2]
}

/// The depth of `x` inside the box (the least plane depth, positive inside) and the plane that sets it.
fn inside_depth(x: &[f64; 3], half: &[f64; 3]) -> (f64, usize) {
    (0..6).fold((f64::INFINITY, 0), |best, k| {
        let d = plane_depth(x, half, k);
        if d < best.0 {
            (d, k)
        } else {
            best
        }
    })
}

/// Where on the segment `x0 + t u`, `t ∈ [0, 1]`, the inside depth is largest (on the real parts).
enum Deepest {
    /// At an end (`t` = 0 or 1) or inside a piece where plane `k` alone sets the depth.
    Plane { t: f64, k: usize },
    /// Where planes `p` and `q` are equally deep: a kink of the depth along the segment.
    Kink { p: usize, q: usize },
}

/// The inside depth along a segment is the minimum of six linear functions of `t`, so it is concave and
/// piecewise linear: its maximum is at an end or at a kink where two planes are equally deep. All ends and
/// the kinks of the 15 plane pairs inside `(0, 1)` are tried; the first strictly deepest wins.
fn deepest(x0: &[f64; 3], u: &[f64; 3], half: &[f64; 3]) -> (f64, Deepest) {
    let at = |t: f64| [0, 1, 2].map(|i| x0[i] + t * u[i]);
    let slope = |k: usize| if k.is_multiple_of(2) { -u[k / 2] } else { u[k / 2] };
    let (d0, k0) = inside_depth(&at(0.0), half);
    let mut best = (d0, Deepest::Plane { t: 0.0, k: k0 });
    let (d1, k1) = inside_depth(&at(1.0), half);
    if d1 > best.0 {
        best = (d1, Deepest::Plane { t: 1.0, k: k1 });
    }
    for p in 0..6 {
        for q in (p + 1)..6 {
            let rate = slope(q) - slope(p);
            if rate.abs() < 1e-15 {
                continue;
            }
            let t = (plane_depth(x0, half, p) - plane_depth(x0, half, q)) / rate;
            if !(t > 0.0 && t < 1.0) {
                continue;
            }
            let (d, k) = inside_depth(&at(t), half);
            if d > best.0 {
                // a true kink only if p and q set the depth there; otherwise plane k alone does (a flat piece)
                let tie = plane_depth(&at(t), half, p).min(plane_depth(&at(t), half, q)) <= d + 1e-12 * (1.0 + d);
                best = (d, if tie { Deepest::Kink { p, q } } else { Deepest::Plane { t, k } });
            }
        }
    }
    best
}

/// The depth `h_i − σ x_i` of plane `k` as a generic scalar, and its rate along the segment direction `u`.
fn plane_line<T: Scalar>(x0: &Vector3<T>, u: &Vector3<T>, half: &Vector3<T>, k: usize) -> (T, T) {
    let (i, sign) = (k / 2, if k.is_multiple_of(2) { 1.0 } else { -1.0 });
    (half[i] - x0[i] * sign, -u[i] * sign)
}

/// The gradient of plane `k`'s depth with respect to translating the point: `−σ e_i`.
fn plane_gradient<T: Scalar>(k: usize) -> Vector3<T> {
    let mut g = Vector3::zeros();
    g[k / 2] = T::from(if k.is_multiple_of(2) { -1.0 } else { 1.0 });
    g
}

/// For every edge of box `a` (half extents `half_a` at `pose_a`) that reaches inside box `b`, and every edge of
/// `b` inside `a`: the deepest point of the edge and the gradient of its depth, through `out`.
///
/// The depth of an edge is `D = max_t φ(x(t))`, the largest inside depth `φ = min_k (h_k − n_k·x)` (the
/// distance to the nearest face, in the containing box's frame) along the edge. `D` is a continuous function of
/// the two poses, so `½ k D²` summed over edges is a potential: it rises from zero as an edge enters and never
/// jumps when the deepest point moves from an end to a kink or from one face to another. Its gradient is exact:
///
/// * at an end, or on a piece where one plane `n_k` is nearest: `∂D/∂x = −n_k` (in the containing box's frame,
///   for a translation of the edge's box), a unit slope;
/// * at a kink where planes `p` and `q` are equally deep, with rates `α = −n_p·u`, `β = −n_q·u` along the edge
///   direction `u`: the kink slides along the edge as the box moves, and
///   `∂D/∂x = (α ∇_q − β ∇_p) / (α − β)` with `∇_k = −n_k`. At a maximum `α ≥ 0 ≥ β`, so the slope is ≤ 1.
///
/// A rotation of the edge's box moves the deepest point like a material point, so the force `−k D ∂D/∂x`
/// applied at [`EdgePenetration::geometry`]'s point, with the opposite force on the other box at the same point,
/// is the exact gradient of the potential (torques included). The choice of end or kink is made on the real
/// parts; dual numbers then differentiate the chosen formula. No allocation.
pub fn edge_penetrations<T: Scalar>(
    pose_a: &Transform<T>,
    half_a: &Vector3<T>,
    pose_b: &Transform<T>,
    half_b: &Vector3<T>,
    out: &mut impl FnMut(EdgePenetration<T>),
) {
    edges_inside(pose_a, half_a, pose_b, half_b, false, out);
    edges_inside(pose_b, half_b, pose_a, half_a, true, out);
}

/// The edges of box `e` inside box `c`; `swapped` says `e` is the second box of the pair (b), so the reported
/// normal (from b to a) is the direction in which moving `e` deepens the edge.
fn edges_inside<T: Scalar>(
    pose_e: &Transform<T>,
    half_e: &Vector3<T>,
    pose_c: &Transform<T>,
    half_c: &Vector3<T>,
    swapped: bool,
    out: &mut impl FnMut(EdgePenetration<T>),
) {
    // the edge box in the frame of the containing box
    let rotation = pose_c.rotation.tr_mul(&pose_e.rotation);
    let position = pose_c.rotation.tr_mul(&(pose_e.translation - pose_c.translation));
    let corners = corners_in(&rotation, &position, half_e);
    let re_corners = corners.map(|c| [0, 1, 2].map(|i| re(&c[i])));
    let half_re = [0, 1, 2].map(|i| re(&half_c[i]));
    for (v0, v1) in EDGES {
        let (x0, x1) = (&re_corners[v0], &re_corners[v1]);
        // both ends beyond the same face plane: the edge misses the box
        if (0..3).any(|i| (x0[i] > half_re[i] && x1[i] > half_re[i]) || (x0[i] < -half_re[i] && x1[i] < -half_re[i])) {
            continue;
        }
        let u_re = [0, 1, 2].map(|i| x1[i] - x0[i]);
        let (depth_re, where_) = deepest(x0, &u_re, &half_re);
        if depth_re <= 0.0 {
            continue;
        }
        let (x0, u) = (&corners[v0], corners[v1] - corners[v0]);
        let (t, depth, gradient) = match where_ {
            Deepest::Plane { t, k } => {
                let (at0, rate) = plane_line(x0, &u, half_c, k);
                (T::from(t), at0 + rate * t, plane_gradient::<T>(k))
            }
            Deepest::Kink { p, q } => {
                let ((dp, alpha), (dq, beta)) = (plane_line(x0, &u, half_c, p), plane_line(x0, &u, half_c, q));
                let t = (dp - dq) * recip(&(beta - alpha));
                let depth = dp + alpha * t;
                let gradient =
                    (plane_gradient::<T>(q) * alpha - plane_gradient::<T>(p) * beta) * recip(&(alpha - beta));
                (t, depth, gradient)
            }
        };
        let slope = sqrt(&gradient.norm_squared());
        if re(&slope) <= 0.0 {
            continue; // an edge through the middle plane of the box: no direction reduces its depth
        }
        let direction = pose_c.rotation * gradient * recip(&slope); // deepens the edge when e moves along it
        let point = pose_c.transform_point(&(x0 + u * t));
        let normal = if swapped { direction } else { -direction };
        out(EdgePenetration { geometry: ContactGeometry { normal, point, distance: -depth }, slope });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::narrow_phase::test_support::{lift, perturbed, rot};
    use approx::assert_relative_eq;
    use num_dual::{Dual64, DualNum};

    fn penetrations(
        pa: &Transform<f64>,
        ha: Vector3<f64>,
        pb: &Transform<f64>,
        hb: Vector3<f64>,
    ) -> Vec<EdgePenetration<f64>> {
        let mut got = Vec::new();
        edge_penetrations(pa, &ha, pb, &hb, &mut |p| got.push(p));
        got
    }

    /// `∂U/∂(motion k of box a)` for `U = ½ Σ D²` over all edges, by dual numbers through the depths.
    fn potential_derivative(
        pa: &Transform<f64>,
        ha: Vector3<f64>,
        pb: &Transform<f64>,
        hb: Vector3<f64>,
        k: usize,
    ) -> f64 {
        let mut u = Dual64::from(0.0);
        edge_penetrations(&perturbed(pa, k), &ha.map(Dual64::from), &lift(pb), &hb.map(Dual64::from), &mut |p| {
            u += p.geometry.distance.powi(2) * 0.5
        });
        u.eps
    }

    #[test]
    fn a_corner_in_a_face_is_deepest_at_its_three_edges_ends() {
        // a cube tilted so one corner points down, 3 mm into a large slab
        let tilt = rot(0, 0.3) * rot(1, 0.2);
        let half = Vector3::new(0.5, 0.5, 0.5);
        let lowest = (0..8)
            .map(|v| (tilt * Vector3::new([-0.5, 0.5][v & 1], [-0.5, 0.5][(v >> 1) & 1], [-0.5, 0.5][v >> 2])).z)
            .fold(f64::INFINITY, f64::min);
        let cube = Transform { translation: Vector3::new(0.1, -0.2, 0.1 - lowest - 0.003), rotation: tilt };
        let slab = Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() };
        let got = penetrations(&cube, half, &slab, Vector3::new(1.0, 1.0, 0.1));
        assert_eq!(got.len(), 3, "{got:?}");
        for p in &got {
            assert_relative_eq!(p.geometry.distance, -0.003, epsilon = 1e-12);
            assert_relative_eq!(p.geometry.normal, Vector3::z(), epsilon = 1e-15);
            assert_relative_eq!(p.slope, 1.0);
        }
    }

    #[test]
    fn crossed_edges_meet_at_a_kink_with_the_blended_gradient() {
        // a's top edge along x, b's bottom edge along y, overlapping by 1 mm: each edge's deepest point is where
        // the other box's two faces are equally deep, and the depth there shrinks at 1/√2 per metre of lift...
        let gap = 2f64.sqrt() - 0.001;
        let half = Vector3::new(0.5, 0.5, 0.5);
        let a = Transform { translation: Vector3::zeros(), rotation: rot(0, std::f64::consts::FRAC_PI_4) };
        let b = Transform { translation: Vector3::new(0.0, 0.0, gap), rotation: rot(1, std::f64::consts::FRAC_PI_4) };
        let got = penetrations(&a, half, &b, half);
        assert_eq!(got.len(), 2, "{got:?}");
        for p in &got {
            // …the edge sits 1 mm deep along the vertical, which is √½ mm from either face
            assert_relative_eq!(p.geometry.distance, -0.001 / 2f64.sqrt(), epsilon = 1e-12);
            assert_relative_eq!(p.slope, 1.0 / 2f64.sqrt(), epsilon = 1e-12);
            assert_relative_eq!(p.geometry.normal, -Vector3::z(), epsilon = 1e-12);
            assert_relative_eq!(p.geometry.point.x.abs() + p.geometry.point.y.abs(), 0.0, epsilon = 1e-12);
        }
    }

    #[test]
    fn forces_are_the_exact_gradient_of_the_potential() {
        // random-ish overlapping poses: the generalised force Σ (D·slope·normal at the point) equals −∂U/∂(x, θ)
        // of box a for U = ½ Σ D², computed by dual numbers through the depths themselves
        let cases = [
            (Vector3::new(0.05, 0.02, 0.28), rot(0, 0.4) * rot(2, 0.7), rot(1, -0.3)),
            (Vector3::new(0.2, -0.1, 0.3), rot(1, 0.9) * rot(0, 0.2), rot(2, 0.5)),
            (Vector3::new(0.0, 0.0, 0.33), rot(0, std::f64::consts::FRAC_PI_4) * rot(2, 0.1), rot(1, 0.78)),
        ];
        let (ha, hb) = (Vector3::new(0.2, 0.15, 0.1), Vector3::new(0.25, 0.1, 0.2));
        let mut seen = 0;
        for (offset, ra, rb) in cases {
            let a = Transform { translation: offset, rotation: ra };
            let b = Transform { translation: Vector3::zeros(), rotation: rb };
            let got = penetrations(&a, ha, &b, hb);
            seen += got.len();
            let (mut force, mut torque) = (Vector3::zeros(), Vector3::zeros());
            for p in &got {
                let f = p.geometry.normal * (-p.geometry.distance * p.slope);
                force += f;
                torque += (p.geometry.point - a.translation).cross(&f);
            }
            for k in 0..6 {
                let want = -potential_derivative(&a, ha, &b, hb, k);
                let got = if k < 3 { force[k] } else { torque[k - 3] };
                assert_relative_eq!(got, want, epsilon = 1e-12, max_relative = 1e-9);
            }
        }
        assert!(seen >= 6, "the cases should overlap: {seen} penetrating edges");
    }
}
