//! One world: robots, free rigid bodies and particles in one scene, one state, one step and one parameter table.
//!
//! - Stepping them together changes nothing: the arm of `scenes/one_world.toml` moves bit for bit as in a scene of
//!   its own, and the box and ball as in the scene without the arm.
//! - A fixed base's orientation turns gravity: an arm whose hinges point along gravity does not swing.
//! - A floating base falls freely: `z_n = z0 − g dt² n(n+1)/2` for semi-implicit Euler, orientation unchanged.
//! - A passive arm stepped with RK4 conserves its energy.
//! - Exact gradients: duals on robot parameters (link mass, joint damping, PD gain, initial angle) agree with
//!   central differences, and the `f64` run equals the real part of the dual run bit for bit.
//! - Identification: `fit` recovers a link mass and a joint damping within 1% from joint angles measured (with
//!   0.1 mrad noise) on a run made at a quarter of the step, with standard errors that cover the error.
//! - Scene-file mistakes in a robot section are one error naming the robot and the culprit.

use diffphys::fit::{fit, FitOptions, Observations};
use diffphys::grad::{self, FinalPositions, Outcome};
use diffphys::model::{Control, Integrator, Model, ParamKind, Robot};
use diffphys::multibody::{kinetic_energy_multibody, potential_energy_multibody, MultibodyWorkspace};
use diffphys::sim::{rollout, rollout_with, Coordinate};
use diffphys::{io, Error};
use nalgebra::DVector;
use num_dual::DualSVec64;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use std::path::{Path, PathBuf};

fn scenes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes")
}

fn one_world() -> Model<f64> {
    io::load_scene(scenes().join("one_world.toml")).unwrap()
}

/// The two-link arm alone, hanging from the origin, no control, no damping.
fn passive_arm(integrator: Integrator, dt: f64, duration: f64) -> Model<f64> {
    let mut scene = Model::empty(dt, duration);
    scene.settings.integrator = integrator;
    let mut arm = Robot::new(io::load_urdf(&scenes().join("robots/two_link_arm.urdf")).unwrap());
    arm.multibody.name = "arm".into();
    arm.q0 = DVector::from_vec(vec![1.2, -0.7]);
    scene.add_robot(arm).unwrap();
    scene
}

#[test]
fn robot_box_and_ball_step_together_exactly_as_apart() {
    let scene = one_world();
    let traj = rollout(&scene).unwrap();
    let names: Vec<&str> = traj.coordinates.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.ends_with(&["arm.shoulder", "arm.elbow"]), "{names:?}");

    // the arm alone, in a scene of its own
    let mut alone = scene.clone();
    alone.particles.clear();
    alone.bodies.clear();
    let arm = rollout(&alone).unwrap();
    for (k, (state, own)) in traj.states.iter().zip(&arm.states).enumerate() {
        assert_eq!(state.robots[0], own.robots[0], "step {k}");
    }
    let v = &arm.states.last().unwrap().robots[0].v;
    // the PD arm settles: gravity sag of the shoulder is about m g l / kp
    assert!(v.norm() < 0.05, "{v}");

    // the box and the ball without the arm
    let mut without = scene.clone();
    without.robots.clear();
    let apart = rollout(&without).unwrap();
    for (a, b) in traj.states.iter().zip(&apart.states) {
        assert_eq!((&a.x, &a.v, &a.bodies), (&b.x, &b.v, &b.bodies));
    }
    // and the box slides v²/(2 μ g) = 0.287 m before it stops
    let slide = traj.states.last().unwrap().bodies[0].position.x;
    assert!((slide - 1.5_f64.powi(2) / (2.0 * 0.4 * 9.81)).abs() < 0.01, "{slide}");
}

#[test]
fn a_fixed_base_turned_so_the_hinges_point_along_gravity_does_not_swing() {
    let mut scene = passive_arm(Integrator::SemiImplicitEuler, 1e-3, 0.5);
    // rotate the base by 90° about x: the hinge axis y becomes world z, parallel to gravity
    let half = std::f64::consts::FRAC_PI_4;
    let q = nalgebra::Quaternion::new(half.cos(), half.sin(), 0.0, 0.0);
    scene.robots[0].base.rotation = diffphys::spatial::rotation_matrix(&q);
    scene.sync_robot_gravity();
    let last = rollout(&scene).unwrap().states.pop().unwrap();
    assert!((&last.robots[0].q - &scene.robots[0].q0).norm() < 1e-12, "{}", last.robots[0].q);
    // a robot whose gravity was not synced is an error, not a silently wrong fall
    scene.robots[0].base.rotation = nalgebra::Matrix3::identity();
    let err = scene.validate().unwrap_err().to_string();
    assert!(err.contains("robots[arm].gravity"), "{err}");
}

#[test]
fn a_floating_base_falls_freely() {
    let urdf = r#"<robot name="puck"><link name="disc"><inertial><mass value="2"/>
        <inertia ixx="0.1" iyy="0.1" izz="0.2" ixy="0" ixz="0" iyz="0"/></inertial></link></robot>"#;
    let mut scene = Model::empty(1e-3, 0.3);
    let mut puck = Robot::new(io::parse_urdf_floating(urdf).unwrap());
    puck.q0[2] = 5.0;
    scene.add_robot(puck).unwrap();
    let traj = rollout(&scene).unwrap();
    let z = traj.coordinates.iter().position(|(n, _)| n == "puck.base.z").unwrap();
    let qw = traj.coordinates.iter().position(|(n, _)| n == "puck.base.qw").unwrap();
    for (n, state) in traj.states.iter().enumerate() {
        let expected = 5.0 - 9.81 * 1e-6 * (n * (n + 1)) as f64 / 2.0;
        assert!((traj.coordinates[z].1.value(state) - expected).abs() < 1e-12, "step {n}");
        assert_eq!(traj.coordinates[qw].1.value(state), 1.0);
    }
}

#[test]
fn a_passive_arm_conserves_energy_with_rk4() {
    let scene = passive_arm(Integrator::Rk4, 1e-3, 2.0);
    let model = &scene.robots[0].multibody;
    let mut ws = MultibodyWorkspace::new(model);
    let mut energies = Vec::new();
    rollout_with(&scene, scene.settings.n_steps(), |s| {
        let (q, v) = (&s.robots[0].q, &s.robots[0].v);
        energies.push(kinetic_energy_multibody(model, &mut ws, q, v) + potential_energy_multibody(model, &mut ws, q));
    })
    .unwrap();
    let e0 = energies[0];
    let drift = energies.iter().map(|e| (e - e0).abs()).fold(0.0, f64::max);
    assert!(drift < 1e-8 * e0.abs().max(1.0), "energy drift {drift:e} J of {e0} J");
}

#[test]
fn robot_parameter_gradients_equal_central_differences() {
    let mut scene = one_world();
    scene.settings.duration = 0.5;
    let names = ["arm.forearm.mass", "arm.elbow.damping", "arm.shoulder.kp", "arm.elbow.position", "world.gravity.z"];
    let outcome = FinalPositions::new(&scene, &names).unwrap();
    let robot_outputs: Vec<usize> =
        outcome.output_names().iter().enumerate().filter(|(_, n)| n.starts_with("arm.")).map(|(i, _)| i).collect();
    assert_eq!(robot_outputs.len(), 2);
    let check = grad::check(&outcome, &outcome.initial_values(), 1e-6).unwrap();
    for &i in &robot_outputs {
        for (j, name) in names.iter().enumerate() {
            let (d, fd) = (check.jacobian[(i, j)], check.fd_jacobian[(i, j)]);
            let output = &outcome.output_names()[i];
            assert!((d - fd).abs() <= 1e-6 * (1.0 + d.abs()), "d {output} / d {name}: {d} vs {fd}");
        }
        // each of these parameters moves the arm
        assert!(check.jacobian.row(i).iter().all(|d| d.abs() > 1e-6), "{}", check.jacobian.row(i));
    }
    // f64 == real part of the dual run, bit for bit
    let p = outcome.initial_values();
    let duals: Vec<DualSVec64<5>> = p.iter().enumerate().map(|(i, &x)| DualSVec64::from_re(x).derivative(i)).collect();
    let real: Vec<f64> = outcome.eval(&duals).unwrap().iter().map(|d| d.re).collect();
    assert_eq!(real, outcome.eval(&p).unwrap().as_slice());
}

#[test]
fn fit_recovers_a_link_mass_and_a_joint_damping_from_joint_angles() {
    let names = ["arm.forearm.mass", "arm.elbow.damping"];
    let truth_values = [0.8, 0.07];
    // the measurement: RK4 at a quarter of the fitting step, sampled every 10 ms, 0.1 mrad noise
    let mut truth = passive_arm(Integrator::Rk4, 0.25e-3, 2.0);
    let ids = truth.resolve_params(&names).unwrap();
    truth = truth.with_params(&ids, &truth_values);
    let mut measured =
        Observations::from_trajectory(&rollout(&truth).unwrap(), &["arm.shoulder", "arm.elbow"], 40).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let noise = Normal::new(0.0, 1e-4).unwrap();
    measured.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));

    let model = passive_arm(Integrator::Rk4, 1e-3, 2.0);
    let start = model.with_params(&ids, &[1.1, 0.03]);
    assert_eq!(ids.iter().map(|id| id.kind()).collect::<Vec<_>>(), [ParamKind::Positive; 2]);
    let report = fit(&start, &names, &measured, &FitOptions::default(), |_| {}).unwrap();
    for (k, name) in names.iter().enumerate() {
        let (value, se) = (report.values[k], report.std_errs[k].expect("a standard error"));
        let error = value - truth_values[k];
        println!("{name}: fitted {value:.6} ± {se:.1e}, truth {}", truth_values[k]);
        assert!(error.abs() < 0.01 * truth_values[k], "{name}: {value} (truth {})", truth_values[k]);
        assert!(se > 0.0 && error.abs() < 4.0 * se + 1e-6 * truth_values[k], "{name}: error {error:e}, std err {se:e}");
    }
    assert!(report.residual_std < 2e-4, "residual std {}", report.residual_std);
}

#[test]
fn robot_section_mistakes_name_the_robot_and_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(scenes().join("robots/two_link_arm.urdf"), dir.path().join("arm.urdf")).unwrap();
    let scene = |robot: &str| {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, format!("[world]\ndt = 0.001\nduration = 0.1\n[[robots]]\nname = \"arm\"\n{robot}"))
            .unwrap();
        io::load_scene(&path)
    };
    assert_eq!(scene("urdf = \"arm.urdf\"\n").unwrap().robots[0].multibody.nv(), 2);
    let message = |robot: &str| scene(robot).unwrap_err().to_string();
    let e = message("urdf = \"arm.urdf\"\njoint_positions = { wrist = 1.0 }\n");
    assert!(e.contains("robots[arm].joint_positions") && e.contains("wrist") && e.contains("shoulder"), "{e}");
    let e = message("urdf = \"missing.urdf\"\n");
    assert!(e.contains("missing.urdf"), "{e}");
    let e = message("urdf = \"arm.urdf\"\nbase = \"wobbly\"\n");
    assert!(e.contains("robots[arm].base") && e.contains("wobbly"), "{e}");
    let e = message(
        "urdf = \"arm.urdf\"\n[robots.control]\ntype = \"pd\"\ntargets = { elbow = 0.0 }\nkp = -1.0\nkd = 0.0\n",
    );
    assert!(e.contains("robots[arm].control") && e.contains("≥ 0"), "{e}");
    let e = message("urdf = \"arm.urdf\"\n[robots.control]\ntype = \"torques\"\nfile = \"tau.csv\"\n");
    assert!(e.contains("tau.csv"), "{e}");
    std::fs::write(dir.path().join("tau.csv"), "t,elbow\n0,0.5\n0.05,oops\n").unwrap();
    let e = message("urdf = \"arm.urdf\"\n[robots.control]\ntype = \"torques\"\nfile = \"tau.csv\"\n");
    assert!(e.contains("tau.csv") && e.contains("row 3"), "{e}");
    let e = message("urdf = \"arm.urdf\"\nposition = [0.0, 0.0, nan]\n");
    assert!(e.contains("robots[arm].position"), "{e}");
    let e = message("urdf = \"missing.urdf\"\n");
    assert!(e.contains("robots[arm].urdf") && e.contains("missing.urdf"), "{e}");
    // the arm's root link is massless: it cannot float
    let e = message("urdf = \"arm.urdf\"\nbase = \"floating\"\n");
    assert!(e.contains("robots[arm].base") && e.contains("`base`"), "{e}");
    // two joints of one name would make `arm.shoulder.position` ambiguous
    let twice = std::fs::read_to_string(dir.path().join("arm.urdf")).unwrap().replace("\"elbow\"", "\"shoulder\"");
    std::fs::write(dir.path().join("twice.urdf"), twice).unwrap();
    let e = message("urdf = \"twice.urdf\"\n");
    assert!(e.contains("twice.urdf") && e.contains("shoulder") && e.contains("twice"), "{e}");
    assert!(matches!(scene("urdf = \"arm.urdf\"\n[robots.control]\ntype = \"pid\"\n"), Err(Error::SceneFile { .. })));
}

#[test]
fn a_torque_file_drives_the_joints_it_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(scenes().join("robots/two_link_arm.urdf"), dir.path().join("arm.urdf")).unwrap();
    // gravity off: a constant elbow torque from rest turns the elbow forward and, by reaction, the unactuated
    // shoulder backward (the first row of M⁻¹ [0, τ] is −M₀₁ τ / det M < 0 for the straight arm)
    std::fs::write(dir.path().join("tau.csv"), "t,elbow\n0,0.2\n0.1,0\n").unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "[world]\ndt = 0.001\nduration = 0.2\ngravity = [0.0, 0.0, 0.0]\n[[robots]]\nname = \"arm\"\n\
         urdf = \"arm.urdf\"\n[robots.control]\ntype = \"torques\"\nfile = \"tau.csv\"\n",
    )
    .unwrap();
    let scene = io::load_scene(&path).unwrap();
    assert!(matches!(scene.robots[0].control, Control::Torques(_)));
    let traj = rollout(&scene).unwrap();
    let last = traj.states.last().unwrap();
    assert!(last.robots[0].q[1] > 0.01, "the elbow turned: {}", last.robots[0].q);
    assert!(last.robots[0].q[0] < 0.0, "the shoulder turned the other way: {}", last.robots[0].q);
    // after the torque stops (t ≥ 0.1 s) the elbow coasts: its column keeps changing
    let elbow = Coordinate::RobotQ { robot: 0, index: 1 };
    assert_ne!(elbow.value(&traj.states[150]), elbow.value(&traj.states[200]));
}

#[test]
fn a_robot_that_blows_up_is_an_error_naming_the_joint() {
    // kp dt² / I ≫ 4: the PD loop diverges geometrically under semi-implicit Euler
    let mut scene = one_world();
    let ids = scene.resolve_params(&["arm.elbow.kp"]).unwrap();
    scene = scene.with_params(&ids, &[1e9]);
    match rollout(&scene) {
        Err(Error::NonFinite { body, step, .. }) => {
            assert!(body.starts_with("arm."), "{body}");
            assert!(step > 1 && step < 2000, "{step}");
        }
        other => panic!("expected a blow-up error, got {:?}", other.map(|t| t.states.len())),
    }
}

/// A box (1.5 kg, 0.1 × 0.2 × 0.3 m) spinning at 5 rad/s about its intermediate axis, slightly off it, in zero
/// gravity: it tumbles (the Dzhanibekov effect), while its angular momentum (world axes) and rotational energy stay
/// constant. Returns the worst relative drift of |L| and of the energy over 10 s at 1 ms, as a free rigid body
/// (implicit-midpoint rotation) and as a one-body robot on a free joint (semi-implicit Euler through ABA).
fn tumbling_box_drifts() -> ((f64, f64), (f64, f64)) {
    use diffphys::geometry::Shape;
    use diffphys::model::{multibody::sample, RigidBody};
    use nalgebra::{Matrix3, UnitQuaternion, Vector3};
    let shape = Shape::Box { size: Vector3::new(0.1, 0.2, 0.3) };
    let omega = Vector3::new(0.02, 5.0, 0.02);
    let inertia: Matrix3<f64> = shape.inertia(&1.5);
    let invariants = |r: &UnitQuaternion<f64>, w_body: &Vector3<f64>| {
        let l = r * (inertia * w_body);
        (l.norm(), 0.5 * w_body.dot(&(inertia * w_body)))
    };
    let drift = |series: &[(f64, f64)]| {
        let (l0, e0) = series[0];
        series
            .iter()
            .fold((0.0f64, 0.0f64), |(dl, de), (l, e)| (dl.max((l - l0).abs() / l0), de.max((e - e0).abs() / e0)))
    };
    let mut free = Model::<f64>::empty(1e-3, 10.0);
    free.settings.gravity = Vector3::zeros();
    let mut body = RigidBody::new("box", shape.clone(), 1.5, Vector3::zeros());
    body.angular_velocity = omega; // world axes = body axes at the start
    free.bodies.push(body);
    let mut series = Vec::new();
    rollout_with(&free, free.settings.n_steps(), |s| {
        let b = &s.bodies[0];
        let r = UnitQuaternion::from_quaternion(b.orientation);
        series.push(invariants(&r, &(r.inverse() * b.angular_velocity)));
    })
    .unwrap();
    let as_free_body = drift(&series);

    let mut robot_world = Model::<f64>::empty(1e-3, 10.0);
    robot_world.settings.gravity = Vector3::zeros();
    // (its box collider touches nothing: there is no ground)
    let mut robot = Robot::new(sample::solid_on_free_joint("box", "box", shape, 1.5).unwrap());
    robot.v0.rows_mut(3, 3).copy_from(&omega);
    robot_world.add_robot(robot).unwrap();
    let mut series = Vec::new();
    rollout_with(&robot_world, robot_world.settings.n_steps(), |s| {
        let q = &s.robots[0].q;
        let r = UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(q[6], q[3], q[4], q[5]));
        series.push(invariants(&r, &s.robots[0].v.fixed_rows::<3>(3).into_owned()));
    })
    .unwrap();
    (as_free_body, drift(&series))
}

/// Why free rigid bodies stay a subsystem beside the robots' trees (README, "Decisions"): their implicit-midpoint
/// rotation keeps a tumbling body's |L| and rotational energy, which the robots' explicit free-joint step does not.
#[test]
fn a_tumbling_free_body_keeps_its_momentum_and_energy_which_a_free_joint_step_lets_drift() {
    let ((l_free, e_free), (l_robot, e_robot)) = tumbling_box_drifts();
    println!("free body: |L| {l_free:.2e}, E {e_free:.2e}; one-body robot: |L| {l_robot:.2e}, E {e_robot:.2e}");
    assert!(l_free < 1e-9 && e_free < 1e-9, "{l_free:e} {e_free:e}");
    // the explicit step is first order in dt: its drift is real but bounded at 1 ms over 10 s
    assert!(l_robot < 0.5 && e_robot < 0.5, "{l_robot:e} {e_robot:e}");
    assert!(l_robot > 100.0 * l_free.max(1e-15), "the free-joint step now conserves |L| too: revisit the decision");
}
