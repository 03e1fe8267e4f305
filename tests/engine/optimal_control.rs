//! The general optimal-control API: reaching with UR5 and Panda (Crocoddyl's benchmark problem), box-DDP keeps
//! the controls in their bounds and still reaches, the costs' analytic derivatives against the adjoint, MPC.

use diffphys::control::{ilqr, mpc, ControlBounds, ControlProblem, Cost, IlqrOptions, MpcOptions, ShootingOptions};
use diffphys::io::{load_scene, load_urdf};
use nalgebra::{DVector, Vector3, Vector6};
use std::path::Path;

fn reach(file: &str, frame: &str) -> ControlProblem {
    let robot = load_urdf(Path::new(&format!("tests/data/{file}"))).unwrap();
    ControlProblem::reach(robot, frame, ControlProblem::crocoddyl_reach_offset(), 100, 0.01).unwrap()
}

/// Distance of the problem's goal frame from its target at the final state of `x` (coordinates).
fn final_distance(problem: &ControlProblem, x: &DVector<f64>) -> f64 {
    let distances = problem.frame_distances(x).unwrap();
    assert_eq!(distances.len(), 1, "{distances:?}");
    distances[0].2
}

#[test]
fn ur5_and_panda_reach_within_a_millimetre() {
    for (file, frame) in [("ur5.urdf", "tool0"), ("panda.urdf", "panda_hand")] {
        let problem = reach(file, frame);
        let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
        let report = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
        let d = final_distance(&problem, report.states.last().unwrap());
        assert!(d < 1e-3, "{file}: the tool ends {d} m from the target");
        // from zero controls the arm falls under gravity: the first cost is far above the optimum, and every
        // accepted iteration lowers it
        assert!(report.costs[0] > 50.0 * report.costs.last().unwrap(), "{:?}", report.costs);
        assert!(report.costs.windows(2).all(|w| w[1] < w[0]), "{:?}", report.costs);
        // the reported states are the rollout of the reported controls
        let again = problem.rollout(&report.controls).unwrap();
        assert!((again.last().unwrap() - report.states.last().unwrap()).amax() < 1e-9);
    }
}

#[test]
fn reach_converges_to_crocoddyls_optimum_in_as_many_iterations() {
    // Crocoddyl 3.2.1's FDDP on the same problem (../shared/peers/croc_reach.py, run 2026-12-04): final cost and
    // iterations to its own stop (Σ|Q_u|² < 1e-9)
    for (file, frame, croc_cost, croc_iterations) in
        [("ur5.urdf", "tool0", 0.1760184656674715, 19), ("panda.urdf", "panda_hand", 0.03305766916771618, 18)]
    {
        let problem = reach(file, frame);
        let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
        let options = IlqrOptions { tolerance: 1e-9, ..IlqrOptions::default() };
        let report = ilqr(&problem, &zeros, &options, |_, _| {}).unwrap();
        let cost = *report.costs.last().unwrap();
        assert!((cost - croc_cost).abs() < 1e-7 * croc_cost, "{file}: cost {cost} against Crocoddyl's {croc_cost}");
        let iterations = report.costs.len() - 1;
        assert!(iterations <= croc_iterations + 3, "{file}: {iterations} iterations, Crocoddyl {croc_iterations}");
    }
}

#[test]
fn ur5_reaches_its_target_moving_at_the_asked_velocity() {
    // a swipe: arrive at the target with the tool's origin moving at 0.3 m/s along x and not turning
    let mut problem = reach("ur5.urdf", "tool0");
    let target = Vector6::new(0.0, 0.0, 0.0, 0.3, 0.0, 0.0);
    problem.terminal.push(Cost::frame_velocity("swipe", 1e2, 0, "tool0", target));
    let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
    let report = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
    let last = report.states.last().unwrap();
    assert!(final_distance(&problem, last) < 2e-3, "{}", final_distance(&problem, last));
    let state = problem.state_at(last).unwrap();
    let velocity = problem.terminal.last().unwrap().residual_value(&problem.model, &state, &[]).unwrap();
    // residual = [ω; ṗ] − target: within 1 cm/s and 0.05 rad/s
    assert!(velocity.rows(3, 3).norm() < 1e-2, "ṗ − ṗ* = {}", velocity.rows(3, 3));
    assert!(velocity.rows(0, 3).norm() < 5e-2, "ω − ω* = {}", velocity.rows(0, 3));
    // without the velocity cost the tool arrives at some other velocity (here moving back, ẋ ≈ −0.3 m/s): the
    // cost, not the reach, set it
    let plain = reach("ur5.urdf", "tool0");
    let still = ilqr(&plain, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
    let s = plain.state_at(still.states.last().unwrap()).unwrap();
    let v = problem.terminal.last().unwrap().residual_value(&plain.model, &s, &[]).unwrap();
    assert!(v.rows(3, 3).norm() > 0.1, "the plain reach ends at ṗ = {}", v.rows(3, 3) + target.rows(3, 3));
}

/// Largest |u_j| over the trajectory, per control.
fn peak_controls(controls: &[DVector<f64>]) -> DVector<f64> {
    controls.iter().fold(DVector::zeros(controls[0].len()), |m, u| m.zip_map(u, |a, b| a.max(b.abs())))
}

#[test]
fn box_ddp_keeps_the_controls_in_their_bounds_and_still_reaches() {
    let mut problem = reach("ur5.urdf", "tool0");
    let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
    let free = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
    // bounds at 80 % of the unconstrained solution's peak torque on every joint: each one binds somewhere
    let peak = peak_controls(&free.controls);
    let limit = &peak * 0.8;
    problem.bounds = Some(ControlBounds { lower: -&limit, upper: limit.clone() });
    let boxed = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
    assert_eq!(boxed.method, "box-ddp");
    let reached = peak_controls(&boxed.controls);
    for j in 0..problem.nu() {
        assert!(reached[j] <= limit[j] * (1.0 + 1e-12), "joint {j}: {} above the bound {}", reached[j], limit[j]);
    }
    assert!((0..problem.nu()).any(|j| reached[j] > limit[j] * (1.0 - 1e-9)), "no bound is active");
    // less torque cannot do better than the unconstrained optimum, but the arm still gets there
    assert!(boxed.costs.last().unwrap() >= free.costs.last().unwrap());
    let d = final_distance(&problem, boxed.states.last().unwrap());
    assert!(d < 5e-3, "the tool ends {d} m from the target with bounded torques");
    // clamping the unconstrained controls into the box is worse than optimising inside it
    let clamped: Vec<_> = free.controls.iter().map(|u| problem.bounds.as_ref().unwrap().clamp(u)).collect();
    assert!(problem.cost(&clamped).unwrap() > *boxed.costs.last().unwrap());
}

#[test]
fn reach_cost_gradient_by_the_adjoint_matches_central_differences() {
    let robot = load_urdf(Path::new("tests/data/ur5.urdf")).unwrap();
    let problem = ControlProblem::reach(robot, "tool0", ControlProblem::crocoddyl_reach_offset(), 12, 0.01).unwrap();
    // a non-trivial point: controls near gravity compensation with a deterministic wiggle
    let controls: Vec<DVector<f64>> = (0..problem.steps)
        .map(|t| DVector::from_fn(problem.nu(), |j, _| 3.0 * ((t * 7 + j * 3) as f64 * 0.37).sin()))
        .collect();
    let (cost, gradient) = problem.cost_and_gradient(&controls).unwrap();
    assert!((cost - problem.cost(&controls).unwrap()).abs() <= 1e-12 * cost);
    // central differences with one Richardson extrapolation: truncation error O(h⁴)
    let central = |t: usize, j: usize, h: f64| {
        let mut plus = controls.clone();
        plus[t][j] += h;
        let mut minus = controls.clone();
        minus[t][j] -= h;
        (problem.cost(&plus).unwrap() - problem.cost(&minus).unwrap()) / (2.0 * h)
    };
    let mut worst: f64 = 0.0;
    for t in [0, 5, 11] {
        for (j, &adjoint) in gradient[t].iter().enumerate() {
            let fd = (4.0 * central(t, j, 5e-5) - central(t, j, 1e-4)) / 3.0;
            // differences of a cost of order 10 carry rounding of order 1e-16·10/h ≈ 1e-11 absolute
            worst = worst.max((adjoint - fd).abs() / (fd.abs() + 1e-4));
        }
    }
    assert!(worst < 1e-6, "adjoint vs central differences: worst relative error {worst:.2e}");
    assert!(gradient.iter().any(|g| g.amax() > 1e-3), "a trivial gradient tests nothing");
}

#[test]
fn mpc_reaches_with_a_heavier_arm_than_it_plans_for() {
    // re-planning with a receding terminal cost alone keeps postponing the arrival: MPC tracks the goal with
    // a running weight comparable to the terminal one spread over the horizon
    let mut problem = reach("ur5.urdf", "tool0");
    problem.running[0].weight = 1e3;
    // the plant's links are 15 % heavier than the planner believes
    let mut plant = problem.model.clone();
    for inertia in &mut plant.robots[0].multibody.inertias {
        inertia.mass *= 1.15;
        inertia.rotational *= 1.15;
    }
    // open loop: the plan for the nominal arm, played on the heavy one, sags away from the target
    let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
    let plan = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
    let mut heavy = problem.clone();
    heavy.model = plant.clone();
    let open_loop = heavy.rollout(&plan.controls).unwrap();
    let open_loop_miss = final_distance(&problem, open_loop.last().unwrap());
    // closed loop: re-plan over 50 steps at every step, 3 iterations each, warm-started
    let options = MpcOptions { horizon: 50, steps: 100, ..MpcOptions::default() };
    let mut planned = 0;
    let report = mpc(&problem, &options, Some(&plant), |_, _| planned += 1).unwrap();
    assert_eq!((planned, report.controls.len(), report.states.len()), (100, 100, 101));
    let mpc_miss = final_distance(&problem, report.states.last().unwrap());
    // without integral action a steady offset remains (the plan holds the arm with torques for the lighter one)
    assert!(open_loop_miss > 0.1, "the mismatch should matter open loop ({open_loop_miss} m)");
    assert!(
        mpc_miss < 5e-3 && mpc_miss < open_loop_miss / 10.0,
        "MPC ends {mpc_miss} m away (open loop {open_loop_miss} m)"
    );
    // on the plant it plans for, re-planning converges onto the target
    let nominal = mpc(&problem, &options, None, |_, _| {}).unwrap();
    let nominal_miss = final_distance(&problem, nominal.states.last().unwrap());
    assert!(nominal_miss < 1e-3 && nominal_miss < mpc_miss, "MPC on the nominal arm ends {nominal_miss} m away");
}

/// Control through contact with contact-force costs: the standing Go1 takes its weight off its front-right foot
/// in 0.1 s and ends in static balance on the other three (the ground carries its weight, centre of pressure under
/// the centre of mass), the opposite diagonal carrying most of it, without moving its base.
#[test]
fn go1_takes_its_weight_off_a_foot_and_stands_balanced() {
    let scene = load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    let problem = ControlProblem::unload(scene, "FR_foot", 100).unwrap();
    let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
    let report = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap();
    assert!(report.costs.windows(2).all(|w| w[1] < w[0]), "{:?}", report.costs);
    let states = problem.simulate(&report.controls).unwrap();
    let (first, end) = (&states[0], states.last().unwrap());
    let load = |s, foot| problem.ground_force(s, 0, foot).unwrap();
    let weight = 9.81 * problem.model.robots[0].multibody.inertias.iter().map(|i| i.mass).sum::<f64>();
    let standing = load(first, "FR_foot").z;
    assert!(standing > 0.15 * weight, "standing, FR carries {standing} N of {weight}");
    let after = load(end, "FR_foot").norm();
    assert!(after < 0.01 * standing, "FR still carries {after} N");
    let balance = Cost::balance("b", 1.0, 0).residual_value(&problem.model, end, &[] as &[f64]).unwrap();
    let (net_force, net_moment) = (balance.rows(0, 3).norm(), balance.rows(3, 3).norm());
    assert!(net_force < 0.02 * weight, "net force {net_force} N of {weight}");
    // a net moment of `weight × d` about the centre of mass: the centre of pressure d off from under it
    assert!(net_moment < weight * 0.01, "net moment {net_moment} N·m: the centre of pressure is over 1 cm off");
    let diagonal = load(end, "FL_foot").z + load(end, "RR_foot").z;
    assert!(diagonal > 0.8 * weight, "FL + RR carry {diagonal} N of {weight}");
    let moved = (end.robots[0].q.fixed_rows::<3>(0) - first.robots[0].q.fixed_rows::<3>(0)).norm();
    assert!(moved < 5e-3, "the base moved {moved} m");
    // the local model through the feet's anchors (the default) finds a better optimum than one that holds them
    // fixed and so misreads how the feet resist sliding
    let fixed = IlqrOptions { contact_memory: false, ..IlqrOptions::default() };
    let held = ilqr(&problem, &zeros, &fixed, |_, _| {}).unwrap();
    let (exact, approximate) = (*report.costs.last().unwrap(), *held.costs.last().unwrap());
    assert!(exact < 0.95 * approximate, "through the anchors {exact}, anchors held {approximate}");
}

#[test]
fn go1_shifts_its_base_sideways_on_feet_its_friction_holds() {
    let scene = load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    let offset = nalgebra::Vector3::new(0.0, 0.01, 0.0);
    let problem = ControlProblem::shift(scene, offset, 200).unwrap();
    let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
    let single = IlqrOptions { multiple_shooting: false, ..IlqrOptions::default() };
    let report = ilqr(&problem, &zeros, &single, |_, _| {}).unwrap();
    let states = problem.simulate(&report.controls).unwrap();
    let (first, end) = (&states[0], states.last().unwrap());
    let moved = end.robots[0].q.fixed_rows::<3>(0) - first.robots[0].q.fixed_rows::<3>(0);
    assert!((moved - offset).norm() < 2e-4, "the base moved {moved:?}, not {offset:?}");
    assert_eq!(problem.shift_distance(report.states.last().unwrap()), Some((moved - offset).norm()));
    // the feet stay where they stood (held by friction alone: no cost says so; the centres of the 2 cm foot
    // spheres roll by up to a millimetre as the calves turn), the body does not turn, and the robot ends at rest
    let mb = &problem.model.robots[0].multibody;
    let feet = |s: &diffphys::sim::State<f64>| {
        let mut ws = diffphys::multibody::MultibodyWorkspace::new(mb);
        diffphys::multibody::forward_kinematics(mb, &mut ws, &s.robots[0].q, &s.robots[0].v);
        ["FR_foot", "FL_foot", "RR_foot", "RL_foot"]
            .map(|f| diffphys::multibody::frame_pose_world(mb, &ws, f).unwrap().translation)
    };
    for (a, b) in feet(first).iter().zip(feet(end).iter()) {
        assert!((a.xy() - b.xy()).norm() < 1.5e-3, "a foot moved from {a:?} to {b:?}");
    }
    let turned = mb.difference(&first.robots[0].q, &end.robots[0].q).fixed_rows::<3>(3).norm();
    assert!(turned < 2e-3, "the base turned {turned} rad");
    assert!(end.robots[0].v.amax() < 5e-3, "final speed {}", end.robots[0].v.amax());
    // with the anchors held fixed in the local model, the same solve stops short
    let fixed = IlqrOptions { contact_memory: false, ..single };
    let held = ilqr(&problem, &zeros, &fixed, |_, _| {}).unwrap();
    let short = problem.shift_distance(held.states.last().unwrap()).unwrap();
    assert!(short > 1.5 * (moved - offset).norm(), "anchors held: {short} m off");
}

/// A running cost charged from a step on (`Cost::from_step`): the problem's cost and its adjoint gradient count it
/// on those steps only.
#[test]
fn a_running_cost_from_a_step_on_is_charged_on_those_steps_only() {
    let mut problem = ControlProblem::pendulum();
    let base = problem.clone();
    let hold = Cost::state("hold", 3.0, 0, DVector::from_element(1, 1.0), DVector::zeros(1));
    problem.running.push(hold.clone().from_step(60));
    let controls: Vec<DVector<f64>> =
        (0..problem.steps).map(|t| DVector::from_element(1, (t as f64 * 0.1).sin())).collect();
    let states = problem.simulate(&controls).unwrap();
    let extra: f64 = states[60..problem.steps]
        .iter()
        .map(|s| problem.dt() * hold.value::<f64>(&problem.model, s, &[0.0]).unwrap())
        .sum();
    let (with, without) = (problem.cost(&controls).unwrap(), base.cost(&controls).unwrap());
    assert!((with - without - extra).abs() < 1e-12 * with, "{with} − {without} vs {extra}");
    let (_, g) = problem.cost_and_gradient(&controls).unwrap();
    let (_, g0) = base.cost_and_gradient(&controls).unwrap();
    // a control after step 59 moves no state the window sees but the last ones; before it, it moves them all
    assert!(
        (g[problem.steps - 1][0] - g0[problem.steps - 1][0]).abs() < 1e-12,
        "the last control moves no charged state"
    );
    assert!((g[10][0] - g0[10][0]).abs() > 1e-6, "an early control moves the held states");
    let invalid = Cost::state("never", 1.0, 0, DVector::zeros(1), DVector::zeros(1)).from_step(problem.steps);
    problem.running.push(invalid);
    let message = problem.validate().unwrap_err().to_string();
    assert!(message.contains("never"), "{message}");
}

#[test]
fn bad_problems_are_refused_with_the_culprit_named() {
    let robot = load_urdf(Path::new("tests/data/ur5.urdf")).unwrap();
    let err = ControlProblem::reach(robot.clone(), "no_such_frame", ControlProblem::crocoddyl_reach_offset(), 10, 0.01)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no_such_frame"), "{err}");
    // settings that cannot work are refused before any iteration, naming the setting
    let small =
        ControlProblem::reach(robot.clone(), "tool0", ControlProblem::crocoddyl_reach_offset(), 10, 0.01).unwrap();
    let zeros = vec![DVector::zeros(small.nu()); small.steps];
    for (options, name) in [
        (IlqrOptions { tolerance: f64::NAN, ..IlqrOptions::default() }, "tolerance"),
        (IlqrOptions { initial_regularisation: -1.0, ..IlqrOptions::default() }, "initial_regularisation"),
    ] {
        let err = ilqr(&small, &zeros, &options, |_, _| {}).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
    }
    for (knots, dt) in [(0, 0.01), (10, 0.0), (10, f64::NAN)] {
        assert!(
            ControlProblem::reach(robot.clone(), "tool0", ControlProblem::crocoddyl_reach_offset(), knots, dt).is_err(),
            "{knots} {dt}"
        );
    }
    let mut problem =
        ControlProblem::reach(robot, "tool0", ControlProblem::crocoddyl_reach_offset(), 10, 0.01).unwrap();
    let nu = problem.nu();
    problem.bounds = Some(ControlBounds { lower: DVector::repeat(nu, 1.0), upper: DVector::repeat(nu, -1.0) });
    let zeros = vec![DVector::zeros(nu); problem.steps];
    let err = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("lower"), "{err}");
    problem.bounds = Some(problem.effort_bounds());
    let err = diffphys::control::shooting_lbfgs(&problem, &zeros, &Default::default(), |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("bounds"), "{err}");
    problem.bounds = None;
    problem.running.push(Cost::control("wrong size", 1.0, DVector::zeros(nu + 1)));
    let err = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("wrong size"), "{err}");
    problem.running.pop();
    problem.terminal.push(Cost::control("final push", 1.0, DVector::zeros(nu)));
    let err = ilqr(&problem, &zeros, &IlqrOptions::default(), |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("final push"), "{err}");
    problem.terminal.pop();
    let short = vec![DVector::zeros(nu); problem.steps - 1];
    assert!(ilqr(&problem, &short, &IlqrOptions::default(), |_, _| {}).is_err());
    let mut bad = zeros.clone();
    bad[3][0] = f64::NAN;
    assert!(ilqr(&problem, &bad, &IlqrOptions::default(), |_, _| {}).is_err());
    // unloading needs a floating robot on a ground, a foot with colliders and a horizon
    let go1 = load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    let mut floorless = go1.clone();
    floorless.ground = None;
    let fixed = problem.model.clone();
    for (model, frame, knots, culprit) in [
        (fixed, "tool0", 10, "floating base"),
        (floorless, "FR_foot", 10, "ground"),
        (go1.clone(), "FR_foot", 0, "knots"),
    ] {
        let err = ControlProblem::unload(model, frame, knots).unwrap_err().to_string();
        assert!(err.contains(culprit), "{err}");
    }
    let err = ControlProblem::unload(go1, "trunk_but_wrong", 10).unwrap_err().to_string();
    assert!(err.contains("trunk_but_wrong") && err.contains("FR_calf"), "{err}");
}

/// The Panda resting its hand against the cube (`scenes/panda_push_target.toml`), asked to push it by `offset`.
fn panda_push(offset: Vector3<f64>, knots: usize) -> ControlProblem {
    let scene = load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/panda_push_target.toml")).unwrap();
    ControlProblem::push(scene, "cube", offset, knots).unwrap()
}

#[test]
fn panda_pushes_the_cube_to_its_target_through_both_contacts() {
    let problem = panda_push(Vector3::new(0.01, 0.0, 0.0), 200);
    let hold = problem.initial_guess();
    // the initial guess holds the settled posture: the cube stays put (to a fraction of a millimetre as the
    // contacts re-anchor from rest), pressed by the hand and held by friction
    let held = problem.simulate(&hold).unwrap();
    let (start, end) = (&held[0].bodies[0], &held.last().unwrap().bodies[0]);
    assert!((end.position - start.position).norm() < 5e-4, "holding moves the cube {:?}", end.position);
    let options = ShootingOptions { max_iterations: 80, cost_tolerance: 1e-6, ..ShootingOptions::default() };
    let report = diffphys::control::shooting_lbfgs(&problem, &hold, &options, |_, _| {}).unwrap();
    let states = problem.simulate(&report.controls).unwrap();
    let (_, body, distance) = problem.body_distances(&states)[0].clone();
    assert_eq!(body, "cube");
    assert!(distance < 5e-3, "the cube ends {distance} m from its target");
    let cube = &states.last().unwrap().bodies[0];
    assert!((cube.position.x - start.position.x - 0.01).abs() < 5e-3, "it moved along +x: {:?}", cube.position);
    // a push, not a flail: the running cost on joint speeds keeps every joint below 0.5 rad/s (without it the
    // light wrist joints spin at several rad/s, which costs the cube nothing)
    let fastest = states.iter().map(|s| s.robots[0].v.amax()).fold(0.0, f64::max);
    assert!(fastest < 0.5, "a joint moves at {fastest} rad/s");
    // pushed, not thrown: still on the ground, upright (its axis within 2° of vertical)
    let up = nalgebra::UnitQuaternion::from_quaternion(cube.orientation) * Vector3::z();
    assert!(up.z > (2f64.to_radians()).cos(), "the cube tipped: up = {up:?}");
    assert!(report.costs.last().unwrap() < &(1e-2 * report.costs[0]), "{:?}", report.costs);
}

#[test]
fn push_gradient_through_link_and_ground_contacts_matches_central_differences() {
    let problem = panda_push(Vector3::new(0.01, 0.0, 0.0), 40);
    // the holding torques plus a push on the shoulder and the elbow: the hand presses harder and the cube slides
    let controls: Vec<DVector<f64>> = problem
        .initial_guess()
        .iter()
        .enumerate()
        .map(|(t, u)| {
            let mut u = u.clone();
            u[1] += 4.0 + (t as f64 * 0.3).sin();
            u[3] += 3.0;
            u
        })
        .collect();
    let (cost, gradient) = problem.cost_and_gradient(&controls).unwrap();
    assert!((cost - problem.cost(&controls).unwrap()).abs() <= 1e-12 * cost);
    let central = |t: usize, j: usize, h: f64| {
        let (mut plus, mut minus) = (controls.clone(), controls.clone());
        plus[t][j] += h;
        minus[t][j] -= h;
        (problem.cost(&plus).unwrap() - problem.cost(&minus).unwrap()) / (2.0 * h)
    };
    let mut worst: f64 = 0.0;
    for (t, j) in [(0, 1), (10, 3), (25, 1), (39, 5)] {
        let fd = (4.0 * central(t, j, 1e-4) - central(t, j, 2e-4)) / 3.0;
        worst = worst.max((gradient[t][j] - fd).abs() / (fd.abs() + 1e-6));
    }
    assert!(worst < 1e-5, "adjoint vs central differences: worst relative error {worst:.2e}");
    assert!(gradient[10][3].abs() > 1e-4, "a trivial gradient tests nothing: {}", gradient[10][3]);
}

#[test]
fn push_problems_are_refused_with_the_culprit_named() {
    let scene = load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/panda_push_target.toml")).unwrap();
    let offset = Vector3::new(0.02, 0.0, 0.0);
    let err = ControlProblem::push(scene.clone(), "sphere", offset, 10).unwrap_err().to_string();
    assert!(err.contains("sphere") && err.contains("cube"), "{err}");
    // the cube 5 cm away from the hand: no contact, no gradient
    let mut apart = scene.clone();
    apart.bodies[0].position.x += 0.05;
    let err = ControlProblem::push(apart, "cube", offset, 10).unwrap_err().to_string();
    assert!(err.contains("does not touch"), "{err}");
    let err = ControlProblem::push(scene.clone(), "cube", Vector3::new(f64::NAN, 0.0, 0.0), 10).unwrap_err();
    assert!(err.to_string().contains("finite"), "{err}");
    assert!(ControlProblem::push(scene.clone(), "cube", offset, 0).unwrap_err().to_string().contains("knots"));
    // iLQR's local model holds the robots only: it refuses the free body and names it
    let problem = ControlProblem::push(scene, "cube", offset, 10).unwrap();
    let err = ilqr(&problem, &problem.initial_guess(), &IlqrOptions::default(), |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("cube") && err.contains("L-BFGS"), "{err}");
}
