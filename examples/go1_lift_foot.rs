//! Control through contact with a contact-force cost: the standing Go1 (`scenes/go1_stand.toml`, PD on all twelve
//! joints) takes its weight off its front-right foot in 0.2 s (`ControlProblem::unload`). The controls are torques
//! added to the PD's; the terminal cost asks for zero ground force on the foot (`Cost::ground_force`) and for the
//! robot to stay where it stood. Nothing says how: iLQR finds the torques that shift the load onto the other feet.
//! The command line runs the same problem:
//!
//! ```sh
//! cargo run --release --example go1_lift_foot
//! cargo run --release -- optimize --problem unload --scene scenes/go1_stand.toml --frame FR_foot --knots 200
//! ```

use diffphys::control::{ilqr, ControlProblem, IlqrOptions};
use nalgebra::DVector;

fn main() -> diffphys::Result<()> {
    let scene = diffphys::io::load_scene(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/go1_stand.toml"))?;
    let problem = ControlProblem::unload(scene, "FR_foot", 200)?;
    let feet = ["FR_foot", "FL_foot", "RR_foot", "RL_foot"];
    let loads = |state: &diffphys::sim::State<f64>| -> diffphys::Result<String> {
        let f: diffphys::Result<Vec<String>> =
            feet.iter().map(|foot| Ok(format!("{foot} {:5.2}", problem.ground_force(state, 0, foot)?.z))).collect();
        Ok(f?.join(", "))
    };
    println!("standing, the ground carries (N): {}", loads(&problem.initial_state())?);
    let initial = vec![DVector::zeros(problem.nu()); problem.steps];
    let started = std::time::Instant::now();
    let report =
        ilqr(&problem, &initial, &IlqrOptions::default(), |i, c| println!("  iteration {i:>3}: cost {c:.6e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let states = problem.simulate(&report.controls)?;
    let (first, end) = (&states[0], states.last().expect("a rollout has states"));
    let base = (end.robots[0].q.fixed_rows::<3>(0) - first.robots[0].q.fixed_rows::<3>(0)).norm();
    println!("after {} accepted iterations ({ms:.0} ms), 0.2 s later (N): {}", report.costs.len() - 1, loads(end)?);
    println!("the base moved {:.2} mm", base * 1e3);
    Ok(())
}
