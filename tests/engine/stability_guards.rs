//! Stability guards. Before a run: a time step that is certainly unstable for a contact or spring (as a damped
//! linear oscillator with its effective mass) is refused naming `world.dt`, the element, the key that sets its
//! stiffness and the largest stable step; the bound is where the engine's own steps start to grow. While a run
//! goes: a passive scene that gains energy, or anything faster than `world.max_speed`, stops with
//! `Error::Runaway` naming the body, the step and the likely cause, and `fit` and `gradcheck` refuse such runs.

use diffphys::io::parse_scene;
use diffphys::model::{Integrator, Model, Particle, Spring, SpringEnd};
use diffphys::sim::{rollout_with, step, time_step_checks, time_step_warnings, Bound, State, Workspace};
use diffphys::Error;
use nalgebra::Vector3;
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

/// The box of `scenes/sliding_box.toml` dropped from `height` (m) onto compliant ground of stiffness `k`.
fn dropped_box(k: f64, dt: f64, height: f64) -> String {
    dropped_box_in_substeps(k, dt, height, 128)
}

/// [`dropped_box`] with at most `max_substeps` sub-steps per step (1: none, so the impact is stepped at `dt`).
fn dropped_box_in_substeps(k: f64, dt: f64, height: f64, max_substeps: usize) -> String {
    format!(
        "[world]\ndt = {dt:e}\nduration = 1.5\n[ground]\nfriction = 0.4\n[contact]\nstiffness = {k:e}\n\
         max_substeps = {max_substeps}\n\
         [[bodies]]\nname = \"box\"\nshape = {{ type = \"box\", size = [0.2, 0.2, 0.1] }}\nmass = 1.0\n\
         position = [0.0, 0.0, {height}]\n"
    )
}

/// The two finite runaways are refused before they start: a ball on 1e12 N/m ground at 10 ms (it used to
/// reach 4.7e8 m) and a box on 1e8 N/m contact at 10 ms (3.9 km). The error names the field, the element, the
/// stiffness key and a stable step, and that step is indeed stable.
#[test]
fn certainly_unstable_steps_are_refused_naming_the_element_and_a_stable_dt() {
    let ball = "[world]\ndt = 0.01\nduration = 2.0\n[ground]\nstiffness = 1e12\ndamping = 60.0\nfriction = 0.1\n\
                [[particles]]\nname = \"ball\"\nmass = 0.5\nradius = 0.05\nposition = [0.0, 0.0, 1.0]\n";
    let model = parse_scene(ball, "ball.toml").unwrap();
    let err = rollout_with(&model, 200, |_| {}).unwrap_err().to_string();
    for needle in ["world.dt", "ground contact of particle `ball`", "ground.stiffness", "unstable above"] {
        assert!(err.contains(needle), "`{needle}` missing: {err}");
    }
    // undamped bound 2/ω = 2 √(0.5 / 1e12) = 1.414e-6 s, lowered a little by the damper
    let stable = time_step_checks(&model, false)[0].stable_dt;
    assert!(stable < 1.4143e-6 && stable > 1.40e-6, "{stable}");

    let model = parse_scene(&dropped_box(1e8, 0.01, 0.05), "box.toml").unwrap();
    let err = rollout_with(&model, 10, |_| {}).unwrap_err().to_string();
    assert!(err.contains("ground contact of body `box`") && err.contains("contact.stiffness"), "{err}");
    // at the suggested step the box settles instead of flying off
    let check = time_step_checks(&model, false).into_iter().find(|c| c.bound == Bound::Certain).unwrap();
    let mut model = parse_scene(&dropped_box(1e8, 0.01, 0.05), "box.toml").unwrap();
    model.settings.dt = 0.5 * check.stable_dt;
    model.settings.duration = 2000.0 * model.settings.dt;
    let last = rollout_with(&model, 2000, |_| {}).unwrap();
    assert!((last.bodies[0].position.z - 0.05).abs() < 1e-3, "{}", last.bodies[0].position.z);
}

/// A box dropped 0.3 m onto 1e6 N/m contact at 1 ms is not certainly unstable (a corner's normal mass can be
/// anywhere from 0.16 to 1 kg), so it is warned about and runs. Stepped at 1 ms through the impact (no
/// sub-steps), it climbs to metres: the energy guard stops it at the first bounce, naming the box, the step and
/// the contact. With sub-steps (the default) the impact is resolved and the box lands; at 0.2 ms the same drop
/// runs clean either way.
#[test]
fn a_passive_scene_that_gains_energy_is_stopped_naming_the_body() {
    let resolved = parse_scene(&dropped_box(1e6, 1e-3, 0.3), "box.toml").unwrap();
    let last = rollout_with(&resolved, resolved.settings.n_steps(), |_| {}).unwrap();
    assert!((last.bodies[0].position.z - 0.05).abs() < 1e-3, "{}", last.bodies[0].position.z);
    let model = parse_scene(&dropped_box_in_substeps(1e6, 1e-3, 0.3, 1), "box.toml").unwrap();
    let warnings = time_step_warnings(&model);
    assert!(warnings.iter().any(|w| w.contains("may be unstable") && w.contains("body `box`")), "{warnings:?}");
    let mut highest: f64 = 0.0;
    let err =
        rollout_with(&model, model.settings.n_steps(), |s| highest = highest.max(s.bodies[0].position.z)).unwrap_err();
    match &err {
        Error::Runaway { body, step, reason, .. } => {
            assert_eq!(body, "box");
            // falling 0.25 m takes 0.226 s; the guard stops the run within a few checks of the impact
            assert!(*step > 220 && *step < 300, "{step}");
            assert!(reason.contains("energy rose") && reason.contains("ground contact of body `box`"), "{reason}");
        }
        other => panic!("expected a runaway, got {other}"),
    }
    assert!(highest < 0.35, "the run went on after the gain: {highest} m");
    // the unchecked engine does run away: the guard is not guarding against nothing
    let mut state = State::initial(&model);
    let mut ws = Workspace::new(0);
    let mut top: f64 = 0.0;
    for _ in 0..1500 {
        step(&model, &mut state, &mut ws).unwrap();
        top = top.max(state.bodies[0].position.z);
    }
    assert!(top > 1.0, "{top}");
    // a resolved step runs to the end and settles
    let model = parse_scene(&dropped_box(1e6, 2e-4, 0.3), "box.toml").unwrap();
    assert!(time_step_warnings(&model).is_empty(), "{:?}", time_step_warnings(&model));
    let last = rollout_with(&model, model.settings.n_steps(), |_| {}).unwrap();
    assert!((last.bodies[0].position.z - 0.05).abs() < 1e-3);
}

/// `world.max_speed` stops anything faster, and raising it (or `inf`) lets a fast projectile through.
#[test]
fn speeds_beyond_the_limit_stop_the_run_and_the_limit_can_be_raised() {
    let text = |extra: &str| {
        format!(
            "[world]\ndt = 1e-3\nduration = 0.1\n{extra}\n[[particles]]\nname = \"slug\"\nmass = 0.01\n\
             position = [0.0, 0.0, 1.0]\nvelocity = [2e4, 0.0, 0.0]\n"
        )
    };
    let model = parse_scene(&text(""), "s.toml").unwrap();
    let err = rollout_with(&model, 100, |_| {}).unwrap_err().to_string();
    assert!(err.contains("`slug` ran away at step 10") && err.contains("world.max_speed = 1e4"), "{err}");
    for extra in ["max_speed = 1e5", "max_speed = inf"] {
        let model = parse_scene(&text(extra), "s.toml").unwrap();
        let last = rollout_with(&model, 100, |_| {}).unwrap();
        assert!((last.x[0].x - 2e4 * 0.1).abs() < 1e-6);
    }
    for bad in ["max_speed = 0.0", "max_speed = -1.0", "max_speed = nan", "max_energy_gain = -0.1"] {
        let err = parse_scene(&text(bad), "s.toml").unwrap_err().to_string();
        assert!(err.contains(bad.split(' ').next().unwrap()), "{err}");
    }
    // the energy guard can be switched off: the dropped box then runs to the end
    let mut model = parse_scene(&dropped_box_in_substeps(1e6, 1e-3, 0.3, 1), "box.toml").unwrap();
    model.settings.max_energy_gain = f64::INFINITY;
    assert!(rollout_with(&model, model.settings.n_steps(), |_| {}).is_ok());
}

fn run(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_diffphys")).args(args).current_dir(dir).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `fit` and `gradcheck` on the runaway box end in one error naming the runaway, not in a converged fit or a
/// passing check; `simulate` prints the time-step warning first.
#[test]
fn fit_and_gradcheck_refuse_runaway_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("box.toml"), dropped_box_in_substeps(1e6, 1e-3, 0.3, 1)).unwrap();
    std::fs::write(dir.path().join("obs.csv"), "t,box.z\n0.1,0.25\n0.5,0.05\n").unwrap();
    let (ok, err) = run(&["gradcheck", "box.toml", "--params", "box.mass"], dir.path());
    assert!(!ok && err.contains("ran away") && !err.contains("panicked"), "{err}");
    let (ok, err) = run(&["fit", "box.toml", "--observed", "obs.csv", "--params", "box.mass"], dir.path());
    assert!(!ok && err.contains("ran away") && !err.contains("converged"), "{err}");
    let (ok, err) = run(&["simulate", "box.toml", "--out", "t.csv"], dir.path());
    assert!(!ok, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("warning: box.toml: the step may be unstable"), "{err}");
    assert!(lines.iter().filter(|l| l.starts_with("error: ")).count() == 1, "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..crate::common::fixed_seed() })]

    /// A particle on a damped spring to an anchor, stepped by the engine itself (no guard): at 0.97 of the
    /// reported stable step it stays bounded (within 10× its start: near the bound semi-implicit Euler's
    /// orbit is a long ellipse) for every integrator; above it (1.05×) semi-implicit Euler and
    /// velocity Verlet grow without bound.
    #[test]
    fn the_reported_stable_step_is_where_the_engine_starts_to_diverge(
        mass in 0.01f64..10.0,
        stiffness in 10.0f64..1e6,
        zeta in 0.0f64..1.5,
        integrator in prop_oneof![
            Just(Integrator::SemiImplicitEuler), Just(Integrator::VelocityVerlet), Just(Integrator::Rk4)
        ],
    ) {
        let mut model = Model::<f64>::empty(1.0, 1.0);
        model.settings.gravity = Vector3::zeros();
        model.settings.integrator = integrator;
        model.particles.push(Particle::new("bob", mass, 0.0, Vector3::new(0.0, 0.0, -1.01)));
        model.springs.push(Spring {
            name: "s".into(),
            a: 0,
            b: SpringEnd::Anchor(Vector3::zeros()),
            stiffness,
            damping: 2.0 * zeta * (stiffness * mass).sqrt(),
            rest_length: 1.0,
        });
        let stable = time_step_checks(&model, false)[0].stable_dt;
        let amplitude = |factor: f64| {
            let mut m = model.clone();
            m.settings.dt = factor * stable;
            let mut state = State::initial(&m);
            let mut ws = Workspace::new(1);
            let mut worst: f64 = 0.0;
            for _ in 0..4000 {
                if step(&m, &mut state, &mut ws).is_err() {
                    return f64::INFINITY;
                }
                worst = worst.max((state.x[0].z + 1.0).abs());
            }
            worst
        };
        prop_assert!(amplitude(0.97) < 0.1, "{}", amplitude(0.97));
        if integrator != Integrator::Rk4 && zeta < 0.9 {
            let above = amplitude(1.05);
            prop_assert!(above.is_nan() || above > 1.0, "{above}");
        }
    }
}
