//! The `serde` feature: models, states and trajectories survive a trip through JSON exactly.
//!
//! - A model (a robot, a free body and a particle on an anchored-friction ground) read back from its JSON equals
//!   the original, and both run the same trajectory bit for bit.
//! - A state taken mid-run, with contact memories (friction anchors) in it, read back and stepped on gives the
//!   same states bit for bit as the run that never stopped.
//! - A trajectory read back has the same coordinates, time step and states.
//! - Deserialising does not validate: a model whose JSON was edited to a negative mass reads, and
//!   `Model::validate` then refuses it, naming the field.

use diffphys::model::Model;
use diffphys::sim::{rollout, step, State, Trajectory, Workspace};
use diffphys::{io, Error};
use std::path::Path;

fn one_world() -> Model<f64> {
    io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/one_world.toml")).unwrap()
}

fn run(model: &Model<f64>, state: &mut State<f64>, steps: usize) -> Vec<State<f64>> {
    let mut ws = Workspace::new(model.particles.len());
    (0..steps)
        .map(|_| {
            step(model, state, &mut ws).unwrap();
            state.clone()
        })
        .collect()
}

#[test]
fn a_model_read_back_from_json_equals_the_original_and_runs_the_same() {
    let mut model = one_world();
    model.settings.duration = 0.3;
    let json = serde_json::to_string(&model).unwrap();
    let back: Model<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    back.validate().unwrap();
    let (a, b) = (rollout(&model).unwrap(), rollout(&back).unwrap());
    assert_eq!(a.states.len(), b.states.len());
    assert!(a.states == b.states, "the model read back runs differently");
    // the run is not trivial: all three kinds of thing moved, and something touched the ground
    let last = a.last().unwrap();
    assert!(last.robots[0].q != model.robots[0].q0);
    assert!(!last.friction_anchors.is_empty(), "no contact memory in the state: the state test below is empty");
}

#[test]
fn a_state_with_contact_memory_read_back_continues_the_run_bit_for_bit() {
    let model = one_world();
    let mut state = State::initial(&model);
    run(&model, &mut state, 400);
    assert!(!state.friction_anchors.is_empty(), "the box should be resting on anchored friction by now");
    let json = serde_json::to_string(&state).unwrap();
    let mut back: State<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);
    let straight = run(&model, &mut state, 300);
    let resumed = run(&model, &mut back, 300);
    assert!(straight == resumed, "the resumed run differs");
}

#[test]
fn a_trajectory_read_back_has_the_same_columns_and_states() {
    let mut model = one_world();
    model.settings.duration = 0.05;
    let trajectory = rollout(&model).unwrap();
    let back: Trajectory<f64> = serde_json::from_str(&serde_json::to_string(&trajectory).unwrap()).unwrap();
    assert_eq!(back.coordinates, trajectory.coordinates);
    assert_eq!(back.dt.to_bits(), trajectory.dt.to_bits());
    assert!(back.states == trajectory.states);
    assert_eq!(io::trajectory_csv(&back), io::trajectory_csv(&trajectory));
}

#[test]
fn deserialising_does_not_validate_validate_does() {
    let model = one_world();
    let mut json: serde_json::Value = serde_json::to_value(&model).unwrap();
    json["particles"][0]["mass"] = serde_json::json!(-1.0);
    let back: Model<f64> = serde_json::from_value(json).unwrap();
    match back.validate() {
        Err(Error::InvalidScene { field, .. }) => assert!(field.contains("mass"), "{field}"),
        Err(other) => panic!("not a scene error: {other}"),
        Ok(()) => panic!("a negative mass was accepted"),
    }
}
