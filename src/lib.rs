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
//! Layers, read top to bottom: [`scalar`] → [`model`] → [`dynamics`] → [`integrate`] → [`sim`] → [`grad`] →
//! [`fit`] → [`io`]. The `diffphys` binary is a thin command line over them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod control;
pub mod dynamics;
mod error;
pub mod fit;
pub mod geometry;
pub mod grad;
pub mod integrate;
pub mod io;
pub mod model;
pub mod scalar;
pub mod sim;
pub mod spatial;

pub use error::{Error, Result};
pub use scalar::Scalar;
