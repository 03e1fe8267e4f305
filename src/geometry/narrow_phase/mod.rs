//! Narrow phase: the contact points of one pair of shapes, or of one shape and the ground plane.
//!
//! | pair | method | points |
//! |---|---|---|
//! | anything – ground | support points below the margin | sphere 1, capsule ≤ 2 (segment ends), box ≤ 4 (corners; 8 if deeply sunk), cylinder ≤ 3 per cap ([`cylinder_support_points`]) |
//! | sphere/capsule – sphere/capsule | closest points of the axis segments | 1 |
//! | sphere – cylinder | closest point of the cylinder to the centre (side, cap or rim) | 1 |
//! | capsule – cylinder | the axis clipped to the cylinder's slab or side (both ends), and the axis point of least signed distance (exact, [`capsule_cylinder`]) with its depth beyond the ends' | ≤ 3 |
//! | box – cylinder | exact deepest point of the box edges and the cylinder's side lines furthest into each face; manifold of rim tripods, box corners and cut edges ([`cylinder_box`]) | ≤ 6 + 8 + 2 + 8 + 1 |
//! | cylinder – cylinder | exact deepest point of the rim circles, sides, and side lines furthest into each cap; manifold of both rim tripods and cut side lines ([`cylinder_cylinder`]) | ≤ 6 + 6 + 4 + 1 |
//! | sphere – box | closest point of the box to the centre (inside: nearest face) | 1 |
//! | capsule – box | the axis clipped to the box (both clipped ends), and the axis point of least signed distance with its depth beyond the ends' | ≤ 3 |
//! | box – box | separating axes (15) with face clipping, or edge–edge closest points | ≤ 8 |
//! | box – box, compliant model | each edge's deepest point inside the other box ([`edge_penetrations`]) and the overlap volume ([`box_overlap`]) | ≤ 24 + volume |
//!
//! Capsule–box rests a capsule on a line where it lies along the box, and finds the exact deepest (or nearest) point
//! of its axis where it crosses an edge ([`capsule_box()`]); capsule–capsule
//! reports one point, also when they lie parallel. The cylinder pairs ([`capsule_cylinder`], [`cylinder_box`],
//! [`cylinder_cylinder`]) measure features of one shape against the exact signed distance of the other: the least
//! of these is the exact distance when apart (with exact first derivatives away from feature switches), and a
//! manifold of rim tripods, corners and cut segments carries resting contacts (the method: [`cylinder_pairs`]).

pub mod box_box;
pub mod box_edges;
mod box_overlap;
pub mod capsule_box;
mod cylinder;
pub mod cylinder_pairs;
mod cylinder_sdf;
mod ground;
mod round;
#[cfg(test)]
mod test_support;

pub use box_box::box_box;
pub use box_edges::{edge_penetrations, EdgePenetration};
pub use box_overlap::{box_overlap, Overlap};
pub use capsule_box::capsule_box;
pub use cylinder::{cylinder_support_points, sphere_cylinder};
pub use cylinder_pairs::{capsule_cylinder, cylinder_box, cylinder_cylinder};
pub use ground::shape_ground;
pub use round::{segment_closest_points, sphere_box, swept_spheres};

use super::{ContactGeometry, Shape};
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

/// The contact points between `shape_a` at `pose_a` and `shape_b` at `pose_b` closer than `margin` (m),
/// reported through `out` with normals from `b` to `a`.
///
/// ```
/// use diffphys::geometry::{narrow_phase::collide, Shape};
/// use diffphys::spatial::Transform;
/// use nalgebra::{Matrix3, Vector3};
/// let ball = Shape::Sphere { radius: 0.5 };
/// let at = |x: f64| Transform { translation: Vector3::new(x, 0.0, 0.0), rotation: Matrix3::identity() };
/// let mut contacts = Vec::new();
/// collide(&ball, &at(0.0), &ball, &at(0.9), 0.0, &mut |c| contacts.push(c));
/// assert_eq!(contacts.len(), 1);
/// assert!((contacts[0].distance + 0.1).abs() < 1e-15); // 10 cm of overlap
/// assert_eq!(contacts[0].normal, -Vector3::x()); // pushes the first ball towards −x
/// ```
pub fn collide<T: Scalar>(
    shape_a: &Shape<T>,
    pose_a: &Transform<T>,
    shape_b: &Shape<T>,
    pose_b: &Transform<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    use Shape::{Box, Capsule, Cylinder, Sphere};
    match (shape_a, shape_b) {
        (Sphere { radius: rs }, Cylinder { radius, length }) => {
            sphere_cylinder(&pose_a.translation, rs, pose_b, radius, length, margin, out)
        }
        (Cylinder { radius, length }, Sphere { radius: rs }) => {
            let mut flipped = |c: ContactGeometry<T>| out(ContactGeometry { normal: -c.normal, ..c });
            sphere_cylinder(&pose_b.translation, rs, pose_a, radius, length, margin, &mut flipped)
        }
        (Capsule { .. }, Cylinder { radius, length }) => {
            let (p0, p1, r) = segment_of(shape_a, pose_a);
            capsule_cylinder(&p0, &p1, &r, pose_b, radius, length, margin, out)
        }
        (Cylinder { radius, length }, Capsule { .. }) => {
            let (p0, p1, r) = segment_of(shape_b, pose_b);
            let mut flipped = |c: ContactGeometry<T>| out(ContactGeometry { normal: -c.normal, ..c });
            capsule_cylinder(&p0, &p1, &r, pose_a, radius, length, margin, &mut flipped)
        }
        (Cylinder { radius, length }, Box { size }) => {
            cylinder_box(pose_a, radius, length, pose_b, &half(size), margin, out)
        }
        (Box { size }, Cylinder { radius, length }) => {
            let mut flipped = |c: ContactGeometry<T>| out(ContactGeometry { normal: -c.normal, ..c });
            cylinder_box(pose_b, radius, length, pose_a, &half(size), margin, &mut flipped)
        }
        (Cylinder { radius: ra, length: la }, Cylinder { radius: rb, length: lb }) => {
            cylinder_cylinder(pose_a, ra, la, pose_b, rb, lb, margin, out)
        }
        (Box { size: sa }, Box { size: sb }) => box_box(pose_a, &half(sa), pose_b, &half(sb), margin, out),
        (Box { size }, round) => {
            let mut flipped = |c: ContactGeometry<T>| out(ContactGeometry { normal: -c.normal, ..c });
            round_box(round, pose_b, pose_a, &half(size), margin, &mut flipped)
        }
        (round, Box { size }) => round_box(round, pose_a, pose_b, &half(size), margin, out),
        (Sphere { .. } | Capsule { .. }, Sphere { .. } | Capsule { .. }) => {
            let (a0, a1, ra) = segment_of(shape_a, pose_a);
            let (b0, b1, rb) = segment_of(shape_b, pose_b);
            swept_spheres(&a0, &a1, &ra, &b0, &b1, &rb, margin, out)
        }
    }
}

fn half<T: Scalar>(size: &Vector3<T>) -> Vector3<T> {
    size * T::from(0.5)
}

/// The axis segment (world end points) and radius of a sphere (a zero-length segment) or a capsule.
pub(crate) fn segment_of<T: Scalar>(shape: &Shape<T>, pose: &Transform<T>) -> (Vector3<T>, Vector3<T>, T) {
    match shape {
        Shape::Sphere { radius } => (pose.translation, pose.translation, *radius),
        Shape::Capsule { radius, length } => {
            let axis = pose.rotation.column(2) * (*length * 0.5);
            (pose.translation - axis, pose.translation + axis, *radius)
        }
        Shape::Box { .. } | Shape::Cylinder { .. } => unreachable!("boxes and cylinders have no axis segment"),
    }
}

/// A sphere or capsule (`round`, at `pose_round`) against a box.
fn round_box<T: Scalar>(
    round: &Shape<T>,
    pose_round: &Transform<T>,
    pose_box: &Transform<T>,
    half_box: &Vector3<T>,
    margin: f64,
    out: &mut impl FnMut(ContactGeometry<T>),
) {
    let (p0, p1, r) = segment_of(round, pose_round);
    match round {
        Shape::Sphere { .. } => sphere_box(&p0, &r, pose_box, half_box, margin, out),
        _ => capsule_box(&p0, &p1, &r, pose_box, half_box, margin, out),
    }
}
