//! Cylinders: against the ground plane (a tripod of rim points per cap) and against spheres (exact closest
//! point).

use super::super::ContactGeometry;
use super::cylinder_sdf::{evaluate, piece, Part};
use crate::scalar::{re, recip, sqrt};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

/// The support points a cylinder (axis along its pose's `z`, `radius`, height `length`) offers the ground: on
/// each cap, the rim point that lies deepest (lowest) and the two rim points 120° either side of it.
///
/// A cylinder lying on its side touches with the two deepest points (one per cap: a line contact), one standing on
/// a cap with that cap's three points (a tripod: the disc's weight is carried without tipping), and one resting on
/// a rim edge with one point. As the cylinder tilts the three points of a cap turn with it, so depths and forces
/// change continuously; only at exactly upright, where the deepest direction is undefined, does the choice of rim
/// points jump (the three points then have equal depth and their net force acts at the cap's centre either way).
/// This is the support that MuJoCo's plane–cylinder test gives as well.
///
/// ```
/// use diffphys::geometry::narrow_phase::cylinder_support_points;
/// use diffphys::spatial::Transform;
/// use nalgebra::{Matrix3, Vector3};
/// let upright = Transform { translation: Vector3::new(0.0, 0.0, 0.5), rotation: Matrix3::identity() };
/// let points = cylinder_support_points(&upright, &0.1f64, &1.0);
/// assert!(points[..3].iter().all(|p| p.z.abs() < 1e-15)); // the bottom cap's tripod touches z = 0
/// ```
pub fn cylinder_support_points<T: Scalar>(pose: &Transform<T>, radius: &T, length: &T) -> [Vector3<T>; 6] {
    support_points_towards(pose, radius, length, &Vector3::new(T::zero(), T::zero(), T::from(-1.0)))
}

/// [`cylinder_support_points`] towards any world direction `down` (not necessarily unit): on each cap, the rim
/// point furthest along `down` (index 0 on the cap at `−z`, 3 on the cap at `+z`) and the two 120° either side
/// of it. When `down` is along the axis the first rim point is the one along the pose's `x`.
pub(crate) fn support_points_towards<T: Scalar>(
    pose: &Transform<T>,
    radius: &T,
    length: &T,
    down: &Vector3<T>,
) -> [Vector3<T>; 6] {
    let axis: Vector3<T> = pose.rotation.column(2).into();
    // the downward direction within the caps' plane
    let in_plane = down - axis * down.dot(&axis);
    let n2 = in_plane.norm_squared();
    let w: Vector3<T> = if re(&n2) > 1e-20 * re(&down.norm_squared()) {
        in_plane * recip(&sqrt(&n2))
    } else {
        pose.rotation.column(0).into()
    };
    let u = axis.cross(&w);
    let (cos, sin) = (-0.5, 0.75f64.sqrt());
    let rim = [w, w * T::from(cos) + u * T::from(sin), w * T::from(cos) - u * T::from(sin)];
    let half = axis * (*length * 0.5);
    let mut points = [Vector3::zeros(); 6];
    for (k, cap) in [pose.translation - half, pose.translation + half].into_iter().enumerate() {
        for (j, r) in rim.iter().enumerate() {
            points[3 * k + j] = cap + r * *radius;
        }
    }
    points
}

/// The contact of a sphere (`centre`, `sphere_radius`) with a cylinder at `pose` (`radius`, height `length`,
/// axis along the pose's `z`), if closer than `margin` (m). The normal points from the cylinder to the sphere.
///
/// Outside the cylinder the closest point is exact (clamped radially and axially: side, cap or rim edge); with
/// the centre inside, the nearest of side and caps is taken.
///
/// ```
/// use diffphys::geometry::narrow_phase::sphere_cylinder;
/// use diffphys::spatial::Transform;
/// use nalgebra::Vector3;
/// let cylinder = Transform::identity();
/// let mut found = Vec::new();
/// // a 0.1 m ball beside a 0.2 m-radius, 1 m tall cylinder, 0.05 m from its side
/// sphere_cylinder(&Vector3::new(0.35f64, 0.0, 0.1), &0.1, &cylinder, &0.2, &1.0, 0.0, &mut |c| found.push(c));
/// assert!(found.is_empty());
/// sphere_cylinder(&Vector3::new(0.25f64, 0.0, 0.1), &0.1, &cylinder, &0.2, &1.0, 0.0, &mut |c| found.push(c));
/// assert!((found[0].distance + 0.05).abs() < 1e-15 && (found[0].normal.x - 1.0).abs() < 1e-15);
/// ```
pub fn sphere_cylinder<T: Scalar>(
    centre: &Vector3<T>,
    sphere_radius: &T,
    pose: &Transform<T>,
    radius: &T,
    length: &T,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let g = point_cylinder(centre, sphere_radius, pose, radius, &(*length * 0.5), Part::Full);
    if re(&g.distance) < margin {
        out(g);
    }
}

/// The contact of a ball (`centre`, radius `ball`; a point when it is zero) with the `part` of the surface of a
/// cylinder at `pose` (`radius`, half height `half`), normal from the cylinder to the ball. With `Part::Full` the
/// nearest surface point: exact outside, the nearest of side and caps inside. `Part::Side` measures against the
/// infinite cylinder, `Part::Caps` against the two cap planes (the pairs measure the points where a segment is
/// cut by the slab or the side against the other part).
pub(crate) fn point_cylinder<T: Scalar>(
    centre: &Vector3<T>,
    ball: &T,
    pose: &Transform<T>,
    radius: &T,
    half: &T,
    part: Part,
) -> ContactGeometry<T> {
    let p = pose.inverse_transform_point(centre);
    let which = piece(&p.map(|x| re(&x)), re(radius), re(half), part);
    let (value, normal_local, surface_local) = evaluate(&p, radius, half, which);
    let normal = pose.rotation * normal_local;
    let surface_cylinder = pose.transform_point(&surface_local);
    let surface_ball = centre - normal * *ball;
    ContactGeometry { normal, point: (surface_cylinder + surface_ball) * T::from(0.5), distance: value - *ball }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Matrix3;
    use num_dual::Dual64;

    fn tilted(angle: f64, height: f64) -> Transform<f64> {
        let (c, s) = (angle.cos(), angle.sin());
        Transform {
            translation: Vector3::new(0.0, 0.0, height),
            rotation: Matrix3::new(c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c),
        }
    }

    #[test]
    fn the_deepest_support_point_is_the_lowest_point_of_the_cylinder() {
        // brute force over the rim of both caps at many tilts
        for k in 0..50 {
            let angle = 0.03 + k as f64 * 0.06;
            let pose = tilted(angle, 1.0);
            let points = cylinder_support_points(&pose, &0.3, &0.8);
            let lowest = points.iter().map(|p| p.z).fold(f64::INFINITY, f64::min);
            let mut brute = f64::INFINITY;
            for cap in [-0.4, 0.4] {
                for j in 0..3600 {
                    let t = j as f64 / 3600.0 * std::f64::consts::TAU;
                    brute = brute.min(pose.transform_point(&Vector3::new(0.3 * t.cos(), 0.3 * t.sin(), cap)).z);
                }
            }
            assert!(lowest <= brute + 1e-12 && lowest > brute - 1e-6, "{angle}: {lowest} vs {brute}");
        }
    }

    #[test]
    fn sphere_cylinder_matches_a_sampled_surface_distance() {
        let pose = Transform { translation: Vector3::new(0.1, -0.2, 0.3), rotation: tilted(0.7, 0.0).rotation };
        let (r, l) = (0.25, 0.6);
        // points of the cylinder's surface, for a brute-force distance from outside
        let mut surface = Vec::new();
        for i in 0..120 {
            let t = i as f64 / 120.0 * std::f64::consts::TAU;
            for j in 0..=60 {
                let z = -0.3 + 0.6 * j as f64 / 60.0;
                surface.push(Vector3::new(r * t.cos(), r * t.sin(), z));
            }
            for j in 0..=30 {
                let rr = r * j as f64 / 30.0;
                surface.push(Vector3::new(rr * t.cos(), rr * t.sin(), -0.3));
                surface.push(Vector3::new(rr * t.cos(), rr * t.sin(), 0.3));
            }
        }
        for centre in [Vector3::new(0.6, 0.0, 0.3), Vector3::new(0.2, 0.4, 0.9), Vector3::new(-0.4, -0.3, 0.0)] {
            let mut found = Vec::new();
            sphere_cylinder(&centre, &0.05, &pose, &r, &l, 10.0, &mut |c| found.push(c));
            let local = pose.inverse_transform_point(&centre);
            let brute = surface.iter().map(|s| (s - local).norm()).fold(f64::INFINITY, f64::min) - 0.05;
            assert!((found[0].distance - brute).abs() < 5e-3, "{centre}: {} vs {brute}", found[0].distance);
            // the normal points from the surface to the centre
            let back = found[0].point + found[0].normal * (0.05 + 0.5 * found[0].distance);
            assert!((back - centre).norm() < 1e-12);
        }
    }

    #[test]
    fn sphere_cylinder_derivatives_match_finite_differences() {
        let pose = tilted(0.4, 0.0);
        let distance = |x: Dual64| {
            let mut d = Dual64::from(0.0);
            let p: Transform<Dual64> = pose.lift();
            let centre = Vector3::new(x, Dual64::from(0.1), Dual64::from(0.5));
            sphere_cylinder(&centre, &Dual64::from(0.1), &p, &Dual64::from(0.2), &Dual64::from(0.6), 1.0, &mut |c| {
                d = c.distance
            });
            d
        };
        for x in [0.45, 0.1, -0.05] {
            let exact = distance(Dual64::from(x).derivative()).eps;
            let h = 1e-6;
            let fd = (distance(Dual64::from(x + h)).re - distance(Dual64::from(x - h)).re) / (2.0 * h);
            assert!((exact - fd).abs() < 1e-6, "{x}: {exact} vs {fd}");
        }
    }
}
