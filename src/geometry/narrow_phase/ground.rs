//! Any shape against the ground plane `z = 0` (the half-space `z ≤ 0` is solid).

use super::super::{ContactGeometry, Shape};
use super::segment_of;
use crate::scalar::re;
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

/// The contact points of `shape` at `pose` with the ground plane `z = 0`, closer than `margin` (m). The normal
/// is `+z` (from the ground to the body); the distance of a point is its height.
///
/// A sphere touches at its lowest point; a capsule at the lowest points of its two end caps (so one lying flat
/// rests on two points); a box at those of its eight corners that are within the margin (four when it rests on
/// a face); a cylinder at the tripods of [`cylinder_support_points`](super::cylinder_support_points).
///
/// ```
/// use diffphys::geometry::{narrow_phase::shape_ground, Shape};
/// use diffphys::spatial::Transform;
/// use nalgebra::{Matrix3, Vector3};
/// let cube = Shape::Box { size: Vector3::new(0.2f64, 0.2, 0.2) };
/// let pose = Transform { translation: Vector3::new(0.0, 0.0, 0.099), rotation: Matrix3::identity() };
/// let mut depths = Vec::new();
/// shape_ground(&cube, &pose, 0.0, &mut |c| depths.push(c.distance));
/// assert_eq!(depths.len(), 4);
/// assert!(depths.iter().all(|d| (d + 0.001).abs() < 1e-12));
/// ```
pub fn shape_ground<T: Scalar>(
    shape: &Shape<T>,
    pose: &Transform<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let mut report = |p: Vector3<T>, radius: T| {
        let distance = p.z - radius;
        if re(&distance) < margin {
            let point = Vector3::new(p.x, p.y, distance * 0.5);
            out(ContactGeometry { normal: Vector3::z(), point, distance });
        }
    };
    match shape {
        Shape::Box { size } => {
            for corner in 0..8 {
                let sign = |bit: usize| if corner & (1 << bit) == 0 { -0.5 } else { 0.5 };
                let local = Vector3::new(size.x * sign(0), size.y * sign(1), size.z * sign(2));
                report(pose.transform_point(&local), T::zero());
            }
        }
        Shape::Cylinder { radius, length } => {
            for p in super::cylinder_support_points(pose, radius, length) {
                report(p, T::zero());
            }
        }
        round => {
            let (p0, p1, r) = segment_of(round, pose);
            let is_sphere = matches!(round, Shape::Sphere { .. });
            report(p0, r);
            if !is_sphere {
                report(p1, r);
            }
        }
    }
}
