//! Reverse-time (adjoint) gradients of a trajectory loss (`grad::adjoint`): equal to forward-mode duals to 1e-10
//! and to central differences where the loss is smooth, with respect to parameters and to every control of every
//! step, through contact and its memory (anchors, onset speeds, sub-steps); checkpointing changes nothing, bit for
//! bit; memory held is about 2√T states.

use crate::common::{self, ANYTHING};
use diffphys::grad::{self, adjoint, adjoint_with, AdjointOptions, Rollout, RolloutLoss, TrajectoryLoss};
use diffphys::model::{FrictionLaw, Model, Robot};
use diffphys::sim::State;
use diffphys::{io, Error, Scalar};
use nalgebra::DVector;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use std::path::Path;

fn one_world() -> Model<f64> {
    io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/one_world.toml")).unwrap()
}

/// A loss touching every part of a state: running squares of every position, velocity and control (weighted), and
/// a terminal sum of positions and joint angles (linear, so its gradient does not vanish at a minimum).
struct Everything;

impl TrajectoryLoss for Everything {
    fn running<T: Scalar>(&self, _t: usize, s: &State<T>, u: &[T]) -> T {
        let mut l = T::zero();
        for (x, v) in s.x.iter().zip(&s.v) {
            l += x.norm_squared() * T::from(1e-3) + v.norm_squared() * T::from(1e-4);
        }
        for b in &s.bodies {
            l += b.position.norm_squared() * T::from(1e-3) + b.velocity.norm_squared() * T::from(1e-4);
        }
        for r in &s.robots {
            l += r.q.norm_squared() * T::from(1e-3) + r.v.norm_squared() * T::from(1e-4);
        }
        u.iter().fold(l, |l, &ui| l + ui * ui * T::from(1e-2))
    }

    fn terminal<T: Scalar>(&self, s: &State<T>) -> T {
        let mut l = T::zero();
        for x in &s.x {
            l += x.x + x.y * T::from(2.0) + x.z * T::from(3.0);
        }
        for b in &s.bodies {
            l += b.position.x - b.position.y + b.angular_velocity.z;
        }
        for r in &s.robots {
            l += r.q.sum() + r.v.sum() * T::from(0.1);
        }
        l
    }
}

/// Random controls of about `scale` for `steps` steps of `nu` numbers.
fn random_controls(nu: usize, steps: usize, scale: f64, seed: u64) -> Vec<DVector<f64>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..steps).map(|_| DVector::from_fn(nu, |_, _| scale * (2.0 * rng.random::<f64>() - 1.0))).collect()
}

/// The adjoint's gradient as one vector `[∂L/∂p, ∂L/∂u₀, …]`, the forward-mode one over the same inputs, and the
/// inputs.
fn both_gradients(
    rollout: &Rollout,
    controls: &[DVector<f64>],
    loss: &Everything,
) -> (f64, DVector<f64>, DVector<f64>) {
    let p = rollout.initial_values();
    let g = adjoint(rollout, &p, controls, loss).unwrap();
    let reverse: Vec<f64> = g.params.iter().copied().chain(g.controls.iter().flat_map(|u| u.iter().copied())).collect();
    let inputs: Vec<f64> = p.iter().copied().chain(controls.iter().flat_map(|u| u.iter().copied())).collect();
    let (value, forward) = grad::gradient(&RolloutLoss { rollout, loss }, &inputs).unwrap();
    assert_eq!(g.loss, value, "the adjoint's forward pass is the rollout's loss, bit for bit");
    (value, DVector::from_vec(reverse), forward)
}

/// `|a − b| ≤ tol · (|b| + scale)` entry by entry, `scale` the largest entry of `b`, naming the first that is not.
fn assert_close(what: &str, a: &DVector<f64>, b: &DVector<f64>, tol: f64) {
    assert_eq!(a.len(), b.len());
    let scale = b.amax();
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        assert!((x - y).abs() <= tol * (y.abs() + scale), "{what}, entry {i}: {x} vs {y} (scale {scale})");
    }
}

#[test]
fn adjoint_equals_forward_duals_on_the_one_world_through_a_bounce_a_slide_and_a_swing() {
    // 0.5 s: the ball (from 1 m) lands at 0.45 s and is sub-stepped, the box slides on anchored friction, the arm
    // swings under PD control and the controls' torques
    let scene = one_world();
    let params = ["ball.velocity.y", "ground.damping", "box.velocity.x", "arm.forearm.mass", "arm.shoulder.kp"];
    let rollout = Rollout::new(&scene, &params, 500).unwrap();
    assert_eq!(rollout.nu(), 2);
    let controls = random_controls(2, 500, 0.5, 1);
    let (_, reverse, forward) = both_gradients(&rollout, &controls, &Everything);
    assert_close("one world", &reverse, &forward, 1e-10);
    // every parameter matters, and so do the controls
    assert!(reverse.rows(0, params.len()).iter().all(|g| g.abs() > 1e-6), "{}", reverse.rows(0, params.len()));
    assert!(reverse.rows(params.len(), 1000).amax() > 1e-4);
    // the run did bounce the ball with sub-steps, and keeps anchors: the memory was differentiated through
    let mut bounced = false;
    diffphys::sim::rollout_with(&scene, 500, |s| bounced |= s.body_substeps > 1 || s.x[0].z < 0.05).unwrap();
    assert!(bounced, "the ball reaches the ground within the run");
}

#[test]
fn adjoint_equals_forward_duals_for_a_robot_standing_on_its_feet() {
    // the Go1 in contact with the ground on four anchored feet: 12 joint torques plus the base's 6 per step
    let mut go1 = io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    go1.settings.duration = 0.03;
    let rollout = Rollout::new(&go1, &["ground.friction", "ground.damping"], 30).unwrap();
    assert_eq!(rollout.nu(), 18);
    let controls = random_controls(18, 30, 1.0, 2);
    let (_, reverse, forward) = both_gradients(&rollout, &controls, &Everything);
    assert_close("Go1", &reverse, &forward, 1e-10);
    let last = diffphys::sim::rollout_with(&go1, 30, |_| {}).unwrap();
    assert_eq!(last.friction_anchors.len(), 4, "the four feet hold on anchors");
}

#[test]
fn adjoint_equals_forward_duals_for_a_robot_landing_and_one_leaving_the_ground() {
    // the analytic backward pass (step Jacobians through the contacts' memories): contacts that begin, with their
    // onset speeds from the touchdown, on anchored feet; and contacts that end, on regularised friction
    let go1 = io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    let mut landing = go1.clone();
    landing.robots[0].q0[2] += 0.008;
    let mut leaving = go1;
    leaving.settings.contact.friction_law = FrictionLaw::Regularised;
    leaving.robots[0].q0[2] -= 0.002;
    leaving.robots[0].v0[2] = 0.4;
    for (name, model, steps) in [("landing", &landing, 70), ("leaving", &leaving, 40)] {
        let rollout = Rollout::new(model, &["ground.friction", "contact.stiffness"], steps).unwrap();
        let controls = random_controls(18, steps, 1.0, 3);
        let (_, reverse, forward) = both_gradients(&rollout, &controls, &Everything);
        assert_close(name, &reverse, &forward, 1e-10);
        assert!(reverse.rows(0, 2).iter().all(|g| g.abs() > 1e-8), "{name}: {}", reverse.rows(0, 2));
        let mut anchors = Vec::new();
        diffphys::sim::rollout_with(model, steps, |s| anchors.push(s.friction_anchors.len())).unwrap();
        let (first, last) = (anchors[0], anchors[steps - 1]);
        match name {
            "landing" => assert!(first == 0 && last == 4, "{name}: the feet land ({anchors:?})"),
            _ => assert!(anchors.contains(&4) && last == 0, "{name}: the feet leave the ground ({anchors:?})"),
        }
    }
}

#[test]
fn adjoint_equals_forward_duals_for_two_robots_one_on_the_ground() {
    // the analytic backward pass lays robots after the anchors, robot after robot: the Go1 landing beside an arm
    // (no colliders) that swings, both driven by the controls, and a parameter of each
    let mut world = io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    world.robots[0].q0[2] += 0.004;
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/robots/two_link_arm.urdf");
    let mut arm = Robot::new(io::load_urdf(&urdf).unwrap());
    arm.multibody.name = "arm".into();
    arm.q0 = DVector::from_vec(vec![1.2, -0.7]);
    world.add_robot(arm).unwrap();
    let rollout = Rollout::new(&world, &["ground.friction", "arm.forearm.mass"], 50).unwrap();
    assert_eq!(rollout.nu(), 20);
    let controls = random_controls(20, 50, 1.0, 4);
    let (_, reverse, forward) = both_gradients(&rollout, &controls, &Everything);
    assert_close("Go1 and arm", &reverse, &forward, 1e-10);
    assert!(reverse.rows(0, 2).iter().all(|g| g.abs() > 1e-8), "{}", reverse.rows(0, 2));
    let last = diffphys::sim::rollout_with(&world, 50, |_| {}).unwrap();
    assert_eq!(last.friction_anchors.len(), 4, "the Go1 has landed");
    // no steps: the loss is the initial state's, which no parameter here moves
    let none = Rollout::new(&world, &["ground.friction", "arm.forearm.mass"], 0).unwrap();
    let g = adjoint(&none, &none.initial_values(), &[], &Everything).unwrap();
    assert!(g.controls.is_empty() && g.params.iter().all(|&x| x == 0.0), "{:?}", g.params);
}

#[test]
fn adjoint_equals_central_differences_for_a_robot_arm_without_contact() {
    // the two-link arm alone: smooth, so central differences agree to their own error
    let mut scene = Model::<f64>::empty(1e-3, 0.2);
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/robots/two_link_arm.urdf");
    let mut arm = Robot::new(io::load_urdf(&urdf).unwrap());
    arm.multibody.name = "arm".into();
    arm.q0 = DVector::from_vec(vec![1.2, -0.7]);
    scene.add_robot(arm).unwrap();
    let rollout = Rollout::new(&scene, &["arm.forearm.mass", "arm.elbow.position"], 200).unwrap();
    let controls = random_controls(2, 200, 1.0, 3);
    let (_, reverse, forward) = both_gradients(&rollout, &controls, &Everything);
    assert_close("arm", &reverse, &forward, 1e-10);
    let inputs: Vec<f64> =
        rollout.initial_values().into_iter().chain(controls.iter().flat_map(|u| u.iter().copied())).collect();
    let fd = grad::jacobian_central_difference(&RolloutLoss { rollout: &rollout, loss: &Everything }, &inputs, 1e-6)
        .unwrap();
    assert_close("arm vs central differences", &reverse, &fd.row(0).transpose(), 1e-6);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..common::fixed_seed() })]

    /// Random particle scenes (springs, drag, any integrator, compliant ground or not): adjoint == forward duals to
    /// 1e-10 with respect to each particle's mass and initial velocity and the ground's stiffness and damping.
    #[test]
    fn adjoint_equals_forward_duals_on_random_particle_scenes(scene in common::scene(ANYTHING)) {
        let mut names: Vec<String> =
            scene.particles.iter().flat_map(|p| [format!("{}.mass", p.name), format!("{}.velocity.x", p.name)]).collect();
        if scene.ground.is_some() {
            names.extend(["ground.stiffness".to_string(), "ground.damping".to_string()]);
        }
        let rollout = Rollout::new(&scene, &names, 300).unwrap();
        let (_, reverse, forward) = both_gradients(&rollout, &[], &Everything);
        assert_close("random scene", &reverse, &forward, 1e-10);
    }
}

#[test]
fn checkpoints_change_nothing_bit_for_bit_and_hold_about_two_root_t_states() {
    let scene = one_world();
    let rollout = Rollout::new(&scene, &["ball.velocity.y", "box.velocity.x", "arm.forearm.mass"], 600).unwrap();
    let controls = random_controls(2, 600, 0.5, 4);
    let p = rollout.initial_values();
    let all =
        adjoint_with(&rollout, &p, &controls, &Everything, &AdjointOptions { checkpoint_every: Some(1) }).unwrap();
    assert_eq!(all.states_held, 601);
    for every in [None, Some(7), Some(600), Some(1000)] {
        let g =
            adjoint_with(&rollout, &p, &controls, &Everything, &AdjointOptions { checkpoint_every: every }).unwrap();
        assert_eq!((g.loss, &g.params, &g.controls), (all.loss, &all.params, &all.controls), "checkpoint {every:?}");
        if every.is_none() {
            // ⌈√600⌉ = 25: 24 checkpoints and one segment of 25 states
            assert_eq!(g.states_held, 49);
        }
    }
}

#[test]
fn wrong_inputs_are_one_clear_error() {
    let scene = one_world();
    let rollout = Rollout::new(&scene, &["ball.mass"], 10).unwrap();
    let err = |e: Error| e.to_string();
    let p = rollout.initial_values();
    let msg = err(adjoint(&rollout, &p, &random_controls(2, 9, 1.0, 5), &Everything).unwrap_err());
    assert!(msg.contains("9 control vectors for 10 steps"), "{msg}");
    let msg = err(adjoint(&rollout, &p, &random_controls(3, 10, 1.0, 5), &Everything).unwrap_err());
    assert!(msg.contains("has 3 numbers") && msg.contains("take 2"), "{msg}");
    let msg = err(adjoint(&rollout, &[1.0, 2.0], &[], &Everything).unwrap_err());
    assert!(msg.contains("2 parameter values for 1 parameters"), "{msg}");
    let zero = AdjointOptions { checkpoint_every: Some(0) };
    assert!(err(adjoint_with(&rollout, &p, &[], &Everything, &zero).unwrap_err()).contains("checkpoint_every"));
    let msg = err(Rollout::new(&scene, &["ball.colour"], 10).unwrap_err());
    assert!(msg.contains("ball.colour"), "{msg}");
    // a parameter value the model refuses is named
    let rollout = Rollout::new(&scene, &["ball.velocity.z"], 10).unwrap();
    let msg = err(adjoint(&rollout, &[f64::NAN], &[], &Everything).unwrap_err());
    assert!(msg.contains("ball"), "{msg}");
}
