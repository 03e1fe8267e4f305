//! Shapes and collision detection: a sweep-and-prune [`broad_phase`], a [`narrow_phase`] for every pair of
//! shapes, and the [`Contact`] points they produce.
//!
//! # Conventions
//! - A shape is described in its body's frame, centred on the body's origin (the centre of mass); a capsule's
//!   axis is the body's `z` axis.
//! - A [`Transform`](crate::spatial::Transform) places a body in the world: `world = rotation · body + translation`.
//! - A contact between bodies `a` and `b` (or `a` and the ground) has a unit `normal` pointing **from `b` to
//!   `a`** (the direction in which a push separates `a` from `b`), a world `point` halfway between the two
//!   surfaces, and a signed `distance` along the normal: positive while apart, negative when penetrating.
//! - Narrow-phase functions report contacts whose distance is below a `margin` (m), so that a solver can see a
//!   contact coming before it happens (speculative contacts, used against tunnelling).
//!
//! Every function is generic over the [`Scalar`](crate::Scalar): the contact normal, point and distance carry
//! derivatives with respect to the poses and sizes. Which features are in contact (which face, which corner) is
//! decided on the real part, so it is piecewise: derivatives are exact inside a piece and jump where the
//! touching feature changes.

pub mod broad_phase;
mod contact;
pub mod narrow_phase;
mod shape;

pub use broad_phase::{sweep_and_prune, Aabb, BroadPhase};
pub use contact::{Contact, ContactGeometry};
pub use shape::Shape;
