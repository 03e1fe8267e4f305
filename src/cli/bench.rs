//! `diffphys bench ROBOT.urdf|ROBOT.xml [--json out.json]`: median time per call of the dynamics algorithms;
//! `diffphys bench SCENE.toml [--json out.json]`: a step, a dual step and the robots' step Jacobians.

use super::output::Out;
use super::report;
use diffphys::grad::{aba_derivatives_duals, DualDerivativesWorkspace};
use diffphys::model::multibody::random_state;
use diffphys::multibody::{aba, aba_derivatives, crba, rnea, MultibodyWorkspace};
use diffphys::{Error, Result};
use rand::SeedableRng;
use serde_json::json;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

pub fn run(robot: &Path, json_out: Option<&Path>, seed: u64) -> Result<()> {
    let model = super::load_robot(robot)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (q, v, tau) = random_state(&model, &mut rng);
    let mut ws = MultibodyWorkspace::new(&model);
    let mut dws = DualDerivativesWorkspace::new(&model);
    let a = aba(&model, &mut ws, &q, &v, &tau, &[])?;
    note!("{}: nv = {}, {} bodies; timing (median of 9 samples)…", model.name, model.nv(), model.n_bodies());
    let rnea_ns = median_ns(|| drop(black_box(rnea(&model, &mut ws, &q, &v, &a, &[]))));
    let crba_ns = median_ns(|| drop(black_box(crba(&model, &mut ws, &q))));
    let aba_ns = median_ns(|| drop(black_box(aba(&model, &mut ws, &q, &v, &tau, &[]))));
    let derivatives_ns = median_ns(|| drop(black_box(aba_derivatives(&model, &mut ws, &q, &v, &tau))));
    let duals_ns = median_ns(|| drop(black_box(aba_derivatives_duals(&model, &mut dws, &q, &v, &tau))));
    let mut stdout = Out::new("the timings");
    writeln!(stdout, "{:<22}{:>12}", "algorithm", "ns/call")?;
    for (name, ns) in [
        ("rnea", rnea_ns),
        ("crba", crba_ns),
        ("aba", aba_ns),
        ("aba_derivatives", derivatives_ns),
        ("aba_derivatives_duals", duals_ns),
    ] {
        writeln!(stdout, "{name:<22}{ns:>12.1}")?;
    }
    stdout.flush()?;
    if let Some(path) = json_out {
        let value = json!({
            "model": model.name, "nv": model.nv(),
            "rnea_ns": rnea_ns, "crba_ns": crba_ns, "aba_ns": aba_ns, "aba_derivatives_ns": derivatives_ns,
            "aba_derivatives_duals_ns": duals_ns,
        });
        report::write_json(path, &value)?;
        note!("wrote {}", path.display());
    }
    Ok(())
}

/// Times `scene` at its state after 1 s: one `f64` step (a clone of the state included), one step in duals with
/// eight directions, and the robots' step Jacobians in the tangent space ([`grad::StepLinearizer`], reused).
pub fn run_scene(path: &Path, json_out: Option<&Path>) -> Result<()> {
    use diffphys::grad;
    use diffphys::sim::{rollout_with, step, Workspace};
    use num_dual::DualSVec64;
    let model = super::load_scene(path)?;
    // 1 s is a bound on work only if it is within the scene's limit (`duration` is, by validation)
    let (dt, max_steps) = (model.settings.dt, model.settings.max_steps);
    let steps = (1.0 / dt).round();
    if steps > max_steps as f64 {
        return Err(Error::SceneFile {
            path: path.to_path_buf(),
            message: format!(
                "bench simulates 1 s to reach the state it times: {steps:.3e} steps of world.dt = {dt:e} s, more \
                 than world.max_steps = {max_steps}; raise world.max_steps (scene key [world] max_steps) if the run \
                 really needs them"
            ),
        });
    }
    let steps = steps as usize;
    note!("{}: simulating 1 s ({steps} steps) to reach the state to time at…", path.display());
    let state = rollout_with(&model, steps, |_| {})?;
    let mut ws = Workspace::new(model.particles.len());
    let step_ns = median_ns(|| {
        let mut s = state.clone();
        let _ = black_box(step(&model, &mut s, &mut ws));
    });
    let (mut dual_ns, mut jacobians_ns, mut nx, mut nu, mut route) = (None, None, 0, 0, None);
    if !model.robots.is_empty() {
        nu = model.robots.iter().map(|r| r.multibody.nv()).sum();
        nx = 2 * nu;
        let dual_model = model.lift::<DualSVec64<8>>();
        let dual_state = state.lift::<DualSVec64<8>>();
        let mut dual_ws = Workspace::new(model.particles.len());
        dual_ns = Some(median_ns(|| {
            let mut s = dual_state.clone();
            let _ = black_box(step(&dual_model, &mut s, &mut dual_ws));
        }));
        let lift_ns = median_ns(|| drop(black_box(model.lift::<DualSVec64<8>>())));
        note!("(lifting the model to duals: {lift_ns:.0} ns, paid once per chunk of step Jacobians)");
        let mut linearizer = grad::StepLinearizer::new(&model)?;
        route = Some(format!("{:?}", linearizer.jacobians(&state)?.route).to_lowercase());
        jacobians_ns = Some(median_ns(|| drop(black_box(linearizer.jacobians(&state)))));
    }
    let show = |x: Option<f64>| x.map_or("-".to_string(), |ns| format!("{ns:.0}"));
    let mut stdout = Out::new("the timings");
    writeln!(stdout, "{:<42}{:>12}", "at t = 1 s", "ns/call")?;
    writeln!(stdout, "{:<42}{:>12.0}", "step (f64)", step_ns)?;
    writeln!(stdout, "{:<42}{:>12}", "step in duals (8 directions)", show(dual_ns))?;
    let label = format!("step Jacobians A, B ({nx} + {nu}, {})", route.as_deref().unwrap_or("-"));
    writeln!(stdout, "{:<42}{:>12}", label, show(jacobians_ns))?;
    if let Some(d) = dual_ns {
        writeln!(stdout, "dual / f64 step: {:.2}", d / step_ns)?;
    }
    stdout.flush()?;
    if let Some(path) = json_out {
        let value = json!({
            "scene": path.display().to_string(), "step_ns": step_ns, "dual_step_ns": dual_ns,
            "step_jacobians_ns": jacobians_ns, "nx": nx, "nu": nu, "dual_directions": 8, "route": route,
        });
        report::write_json(path, &value)?;
        note!("wrote {}", path.display());
    }
    Ok(())
}

/// Median over 9 samples of the mean time per call, each sample about 20 ms long.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed().as_secs_f64() < 0.02 {
        f();
        calls += 1;
    }
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / calls as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
