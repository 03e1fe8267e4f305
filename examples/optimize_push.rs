//! Control through contact: choose where the Panda's push ends so that the cube stops 0.2 m from where it started
//! (instead of the 0.213 m of `scenes/panda_push.toml`), by Gauss–Newton (Levenberg–Marquardt) on exact gradients
//! through the hand–cube and cube–ground contacts.
//!
//! The control is the offset of the wrist's (`panda_joint6`) PD target, added to its whole target trajectory
//! (`arm.panda_joint6.target`): it pitches the hand, which changes where and how hard it meets the cube. (The
//! elbow's offset reaches the goal too, but with the fingertips dragging on the ground.) The goal is written as an
//! observation — the cube's final `x` and `y` — and fitted like a measurement.
//!
//! ```sh
//! cargo run --release --example optimize_push
//! ```

use diffphys::fit::{fit, FitOptions, Observations};
use diffphys::io::load_scene;
use diffphys::sim::rollout;
use nalgebra::DMatrix;
use std::path::Path;

fn main() -> diffphys::Result<()> {
    let scene = load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/panda_push.toml"))?;
    let goal = [0.5 + 0.20, 0.0];
    let end = scene.settings.duration;
    let goal_obs = Observations {
        times: vec![end],
        columns: vec!["cube.x".into(), "cube.y".into()],
        values: DMatrix::from_row_slice(1, 2, &goal),
    };
    let names = ["arm.panda_joint6.target"];
    let before = rollout(&scene)?;
    let cube = &before.states.last().expect("a rollout has states").bodies[0].position;
    println!("as scripted: the cube ends at ({:.4}, {:.4}) m; goal ({:.4}, {:.4})", cube.x, cube.y, goal[0], goal[1]);
    // one observation at the end: no horizon continuation
    let options = FitOptions { stages: 1, ..FitOptions::default() };
    let report = fit(&scene, &names, &goal_obs, &options, |it| {
        println!("  iteration {:>2}: miss² {:.3e} m², wrist offset {:+.5} rad", it.iteration, it.cost, it.params[0])
    })?;
    let ids = scene.resolve_params(&names)?;
    let tuned = scene.with_params(&ids, &report.values);
    let after = rollout(&tuned)?;
    let cube = &after.states.last().expect("a rollout has states").bodies[0].position;
    let miss = ((cube.x - goal[0]).powi(2) + (cube.y - goal[1]).powi(2)).sqrt();
    println!(
        "wrist target offset {:+.5} rad: the cube ends at ({:.4}, {:.4}) m, {:.2} mm from the goal, {} iterations",
        report.values[0],
        cube.x,
        cube.y,
        miss * 1e3,
        report.iterations
    );
    Ok(())
}
