//! # diffphys: a differentiable physics engine
//!
//! Every simulation step is written once, generically over the [`Scalar`] type, so the same code runs on `f64`
//! for speed and on [num-dual](num_dual)'s dual numbers for exact derivatives.
//!
//! ```
//! use diffphys::{grad, io, model::Model};
//! let scene: Model<f64> = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
//! // d(final position of the ball) / d(initial horizontal velocity, ground friction), exactly:
//! let outcome = grad::FinalPositions::new(&scene, &["ball.velocity.x", "ground.friction"]).unwrap();
//! let (x, jac) = grad::jacobian(&outcome, &outcome.initial_values()).unwrap();
//! assert_eq!(x.len(), 3); // ball.x, ball.y, ball.z
//! assert!(jac[(0, 0)] > 0.0); // thrown faster, lands further
//! assert!(jac[(0, 1)] < 0.0); // more friction, slides less far
//! ```
//!
//! One world: a [`model::Model`] holds particles, free rigid bodies and articulated robots side by side; one
//! [`sim::State`], one [`sim::step`] and one table of named parameters ([`model::ParamId`]) serve them all, and
//! [`fit`], [`grad`] and [`control`] take the one model.
//!
//! The modules are layers; data flows down this list and no module imports from one above it:
//!
//! | layer | modules | what lives there |
//! |---|---|---|
//! | numbers | [`scalar`], [`spatial`] | the one `Scalar` trait and smooth primitives; transforms, twists, wrenches, inertias |
//! | model | [`geometry`], [`model`] | shapes, broad and narrow phase; the immutable `Model` (robots as `Multibody`), scene-file values, parameters |
//! | algorithms | [`multibody`], [`contact`], [`particles`] | kinematics, RNEA, CRBA, ABA and derivatives; contact detection, laws and solvers; particle forces |
//! | time | [`integrate`], [`sim`] | integrators; `State`, `step`, rollouts, named coordinates |
//! | uses | [`grad`], [`fit`], [`control`] | exact Jacobians, identification with standard errors, trajectory optimisation |
//! | outside | [`io`] and the `diffphys` binary | scene files, URDF, CSV, plots, the command line |
//!
//! A step runs: particle forces → integrate; robot links against free bodies and other links
//! ([`contact::held_link_contacts`], held over the step); rigid bodies' poses → broad phase → narrow phase →
//! contact forces or impulses → Newton–Euler → integrate; robots: kinematics → colliders against the ground
//! ([`contact::robot_ground_contacts`], `J M⁻¹ Jᵀ`) → controller and passive torques → ABA with the contact
//! wrenches, damping implicit → integrate on the manifold.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod contact;
pub mod control;
mod error;
pub mod fit;
pub mod geometry;
pub mod grad;
pub mod integrate;
pub mod io;
pub mod model;
pub mod multibody;
pub mod particles;
pub mod scalar;
pub mod sim;
pub mod spatial;

pub use error::{Error, Result};
/// nalgebra, the linear algebra every public type is built on, re-exported so that a user's `na::Vector3` is the
/// one diffphys takes, whatever nalgebra version the user's own crate asks for.
pub use nalgebra as na;
/// num-dual, the dual numbers a [`Scalar`] can be, re-exported for the same reason.
pub use num_dual;
pub use scalar::Scalar;
