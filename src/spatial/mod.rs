//! Spatial (6D) algebra in Featherstone's notation: motion and force vectors, rigid transforms, rigid-body
//! inertia. Pure maths over any [`Scalar`], fixed-size nalgebra types, no allocation.
//!
//! # Conventions (the glossary)
//! - A 6-vector is stored as two 3-vectors, `angular` then `linear` (Featherstone's order). As a
//!   [`Vector6`](nalgebra::Vector6) it is `[angular; linear]`. Joint velocities of a free joint keep Pinocchio's
//!   order `[linear; angular]`; that is a joint-space convention, see [`crate::model::JointKind`].
//! - Every spatial vector is expressed at the origin of some frame and in that frame's axes. A name says which:
//!   `v_body` (in the body's own frame), `a_world`.
//! - [`Transform`] `pose_parent` of a body is the placement of the body frame in its parent's frame: it maps
//!   coordinates in the body frame to coordinates in the parent frame (Pinocchio's `liMi`); `pose_world` is the
//!   same for the world frame (`oMi`). [`Transform::act_motion`] moves a motion from the child frame to the parent
//!   frame, [`Transform::inv_act_motion`] back; likewise for forces.
//! - [`Inertia`] keeps mass, centre of mass (in the body frame) and the rotational inertia about the centre of
//!   mass, in the body frame's axes; [`Inertia::to_matrix`] gives the 6×6 matrix in `[angular; linear]` order.
//!
//! Reference: R. Featherstone, *Rigid Body Dynamics Algorithms*, Springer 2008, ch. 2.

mod force;
mod inertia;
mod motion;
mod quaternion;
mod transform;

pub use force::Force;
pub use inertia::Inertia;
pub use motion::Motion;
pub use quaternion::{
    integrate_orientation, quaternion_conjugate, quaternion_exp, quaternion_log, quaternion_matrix,
    quaternion_normalized, quaternion_product, rotation_matrix, QuatTuple,
};
pub use transform::{axis_angle_matrix, Transform};

use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// The skew-symmetric matrix `[a]×` with `[a]× b = a × b`.
#[inline]
pub fn skew<T: Scalar>(a: &Vector3<T>) -> Matrix3<T> {
    let z = T::zero();
    Matrix3::new(z, -a.z, a.y, a.z, z, -a.x, -a.y, a.x, z)
}
