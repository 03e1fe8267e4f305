//! diffphys's integration tests, one crate so that the library links once: each module states the physics or
//! the contract it checks. Run one module with `cargo test --release --test engine -- <module>::`.
//!
//! The whole crate runs in about ten seconds; a long soak added later goes behind `#[ignore]`, run with
//! `cargo test --release --test engine -- --ignored`.

mod adjoint_gradients;
mod analytic_step_jacobians;
mod batches;
mod bounded_work;
mod cli;
mod common;
mod compliant_restitution;
mod contact_closed_forms;
mod contact_identification;
mod contact_properties;
mod cylinder_contact;
mod derivative_diagnostics;
mod fit_calibration;
mod input_fuzzing;
mod joint_space_impulses;
mod mjcf_scenes;
mod mjcf_vs_mujoco;
mod multibody_properties;
mod multibody_vs_pinocchio;
mod one_body_robot_vs_free_body;
mod one_world;
mod optimal_control;
mod particle_closed_forms;
mod particle_properties;
mod replay;
mod replay_in_browser;
mod robot_contact;
mod robot_contact_properties;
#[cfg(feature = "serde")]
mod serialization;
mod smooth_bounces;
mod stability_guards;
mod stacking;
mod static_friction;
mod swing_up_control;
