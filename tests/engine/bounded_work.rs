//! Every run's cost is bounded before it starts: a full rollout may take at most `world.max_steps` steps, the
//! impulse solver at most `MAX_CONTACT_ITERATIONS` sweeps a step, and a stored trajectory at most
//! `world.max_memory_mb`; each refusal is one error naming the field and how to raise the limit, and raising it
//! (scene keys `[world] max_steps`, `max_memory_mb`) lets the run through.

use diffphys::io::parse_scene;
use diffphys::model::{Settings, MAX_CONTACT_ITERATIONS};
use diffphys::sim::{rollout, rollout_with, State};

fn scene(world_extra: &str, dt: f64, duration: f64, extra: &str) -> String {
    format!(
        "[world]\ndt = {dt:e}\nduration = {duration:e}\n{world_extra}\n[[particles]]\nname = \"ball\"\nmass = 1.0\n\
         position = [0.0, 0.0, 1.0]\n{extra}"
    )
}

/// `duration / dt` above `max_steps` (1e12 steps at dt = 1e-12 s, 1e300 at 1e-300 s, 1e12 for a duration of
/// 1e9 s) is refused before anything is allocated; raising `max_steps` in the scene accepts it.
#[test]
fn more_steps_than_the_limit_are_refused_naming_the_duration_and_the_limit() {
    for (dt, duration) in [(1e-12, 1.0), (1e-300, 1.0), (1e-3, 1e9)] {
        let err = parse_scene(&scene("", dt, duration, ""), "long.toml").unwrap_err().to_string();
        assert!(err.contains("world.duration") && err.contains("world.max_steps"), "{err}");
        assert!(err.contains(&format!("{}", Settings::<f64>::DEFAULT_MAX_STEPS)), "{err}");
    }
    // 1e9 steps: refused by default, accepted with the limit raised
    assert!(parse_scene(&scene("", 1e-9, 1.0, ""), "s.toml").is_err());
    let raised = parse_scene(&scene("max_steps = 2000000000", 1e-9, 1.0, ""), "s.toml").unwrap();
    assert_eq!(raised.settings.max_steps, 2_000_000_000);
    assert_eq!(raised.settings.n_steps(), 1_000_000_000);
    // exactly at the limit is allowed
    let at = parse_scene(&scene("max_steps = 1000", 1e-3, 1.0, ""), "s.toml").unwrap();
    assert_eq!(at.settings.n_steps(), 1000);
    assert!(parse_scene(&scene("max_steps = 999", 1e-3, 1.0, ""), "s.toml").is_err());
}

/// `contact.iterations` must lie in `1..=MAX_CONTACT_ITERATIONS` (2⁶⁴ − 1 used to run forever).
#[test]
fn solver_iterations_are_capped() {
    for bad in [0u64, MAX_CONTACT_ITERATIONS as u64 + 1, u64::MAX] {
        let text = scene("", 1e-3, 1.0, &format!("[contact]\nmodel = \"impulse\"\niterations = {bad}\n"));
        let err = parse_scene(&text, "s.toml").unwrap_err().to_string();
        assert!(err.contains("contact.iterations") && err.contains(&bad.to_string()), "{err}");
    }
    let text =
        scene("", 1e-3, 1.0, &format!("[contact]\nmodel = \"impulse\"\niterations = {MAX_CONTACT_ITERATIONS}\n"));
    assert!(parse_scene(&text, "s.toml").is_ok());
}

/// A stored rollout checks its memory estimate (states × bytes per state) against `max_memory_mb` before it
/// allocates, and says to stream instead; the streaming rollout of the same scene runs. The estimate of a
/// particle's state grows by its position and velocity.
#[test]
fn a_stored_trajectory_beyond_the_memory_limit_is_refused_and_streaming_runs() {
    // 100 001 states of one particle, about 17 MB, against a 1 MB limit
    let model = parse_scene(&scene("max_memory_mb = 1", 1e-5, 1.0, ""), "s.toml").unwrap();
    let err = rollout(&model).unwrap_err().to_string();
    assert!(err.contains("world.max_memory_mb") && err.contains("100001 states"), "{err}");
    assert!(err.contains("stream"), "{err}");
    let mut rows = 0usize;
    let last = rollout_with(&model, model.settings.n_steps(), |_| rows += 1).unwrap();
    assert_eq!((rows, last.step), (100_001, 100_000));
    // within the limit it stores every state
    let small = parse_scene(&scene("max_memory_mb = 1", 1e-3, 1.0, ""), "s.toml").unwrap();
    assert_eq!(rollout(&small).unwrap().states.len(), 1001);

    let one = State::initial(&small);
    let mut two_model = small.clone();
    let mut second = two_model.particles[0].clone();
    second.name = "other".into();
    two_model.particles.push(second);
    let two = State::initial(&two_model);
    assert_eq!(two.memory_bytes() - one.memory_bytes(), 2 * std::mem::size_of::<nalgebra::Vector3<f64>>());
}

/// `ControlProblem::rollout` stores every state: its estimate (states × `16 nv + 24` bytes) is checked against the
/// model's `max_memory_mb` before it allocates, and the same rollout runs under a limit it fits.
#[test]
fn a_control_rollout_beyond_the_memory_limit_is_refused() {
    use diffphys::control::ControlProblem;
    use nalgebra::DVector;
    let mut problem = ControlProblem::pendulum();
    let controls = vec![DVector::from_element(1, 0.1); 100_000]; // 100 001 states of 2 numbers: about 4 MB
    problem.model.settings.max_memory = 1 << 20;
    let err = problem.rollout(&controls).unwrap_err().to_string();
    assert!(err.contains("world.max_memory_mb") && err.contains("100001 states"), "{err}");
    problem.model.settings.max_memory = 8 << 20;
    let states = problem.rollout(&controls[..1000]).unwrap();
    assert_eq!(states.len(), 1001);
}
