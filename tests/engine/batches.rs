//! Batches on all cores (`sim::rollout_batch`, `grad::jacobian_batch`, `grad::adjoint_batch`): every item equals
//! its serial run bit for bit, whatever thread ran it and whatever ran before it on that thread; a failing item is
//! named by its index.

use diffphys::grad::{self, AdjointInput, FinalPositions, Rollout, TrajectoryLoss};
use diffphys::model::Model;
use diffphys::sim::{self, State};
use diffphys::{io, Error, Scalar};
use nalgebra::DVector;
use std::path::Path;

fn one_world() -> Model<f64> {
    io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/one_world.toml")).unwrap()
}

/// Sixteen parameter sets of the one world: the ball's drop height and spin-free throw, the box's push, the arm's
/// forearm mass and the ground's friction, spread so that some balls bounce within the run and some do not.
fn parameter_sets() -> (Vec<&'static str>, Vec<Vec<f64>>) {
    let names = vec!["ball.position.z", "ball.velocity.y", "box.velocity.x", "arm.forearm.mass", "ground.friction"];
    let sets = (0..16)
        .map(|i| {
            let f = i as f64 / 15.0;
            vec![0.2 + 0.8 * f, 0.5 - f, 1.5 * f, 0.5 + f, 0.2 + 0.3 * (1.0 - f)]
        })
        .collect();
    (names, sets)
}

#[test]
fn a_batch_of_rollouts_is_the_serial_rollouts_bit_for_bit() {
    let scene = one_world();
    let (names, sets) = parameter_sets();
    let ids = scene.resolve_params(&names).unwrap();
    let batch = sim::rollout_batch(&scene, &ids, &sets, 400).unwrap();
    assert_eq!(batch.len(), sets.len());
    for (i, p) in sets.iter().enumerate() {
        let serial = sim::rollout_with(&scene.with_params(&ids, p), 400, |_| {}).unwrap();
        assert_eq!(batch[i], serial, "parameter set {i}");
    }
    // the sets differ, and so do their runs: low drops have bounced, high ones not yet
    assert!(batch[0].x[0].z != batch[15].x[0].z);
    assert!(batch.iter().any(|s| s.body_substeps > 1 || s.x[0].z < 0.06));
}

#[test]
fn batched_jacobians_and_adjoints_are_the_serial_ones_bit_for_bit() {
    let mut scene = one_world();
    scene.settings.duration = 0.3;
    let (names, sets) = parameter_sets();
    let outcome = FinalPositions::new(&scene, &names).unwrap();
    let batch = grad::jacobian_batch(&outcome, &sets[..6]).unwrap();
    for (i, p) in sets[..6].iter().enumerate() {
        assert_eq!(batch[i], grad::jacobian(&outcome, p).unwrap(), "parameter set {i}");
    }

    struct Height;
    impl TrajectoryLoss for Height {
        fn running<T: Scalar>(&self, _t: usize, s: &State<T>, u: &[T]) -> T {
            s.x[0].z * s.x[0].z + u.iter().fold(T::zero(), |l, &ui| l + ui * ui)
        }
        fn terminal<T: Scalar>(&self, s: &State<T>) -> T {
            s.x[0].z + s.bodies[0].position.x + s.robots[0].q.sum()
        }
    }
    let rollout = Rollout::new(&scene, &names, 300).unwrap();
    let inputs: Vec<AdjointInput> = sets[..6]
        .iter()
        .enumerate()
        .map(|(i, p)| AdjointInput {
            params: p.clone(),
            controls: (0..300).map(|t| DVector::from_element(2, ((i + t) % 7) as f64 * 0.1)).collect(),
        })
        .collect();
    let batch = grad::adjoint_batch(&rollout, &inputs, &Height).unwrap();
    for (i, x) in inputs.iter().enumerate() {
        assert_eq!(batch[i], grad::adjoint(&rollout, &x.params, &x.controls, &Height).unwrap(), "input {i}");
    }
}

#[test]
fn a_failing_item_is_named_by_its_index() {
    let scene = one_world();
    let (names, mut sets) = parameter_sets();
    let ids = scene.resolve_params(&names).unwrap();
    sets[11][3] = -1.0; // a negative forearm mass
    let e = sim::rollout_batch(&scene, &ids, &sets, 10).unwrap_err();
    assert!(matches!(e, Error::InBatch { index: 11, .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with("batch item 11: ") && msg.contains("forearm"), "{msg}");
    sets[11] = vec![1.0];
    let msg = sim::rollout_batch(&scene, &ids, &sets, 10).unwrap_err().to_string();
    assert!(msg.contains("batch item 11") && msg.contains("1 values for 5 parameters"), "{msg}");
}
