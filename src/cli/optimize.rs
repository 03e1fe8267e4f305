//! `diffphys optimize [--problem cartpole|pendulum|acrobot|reach|unload|shift|push] [--method ilqr|ddp|lbfgs] …`.

use super::output::Out;
use super::report;
use diffphys::control::{ilqr, shooting_lbfgs, ControlProblem, IlqrOptions, OptimizeReport, ShootingOptions};
use diffphys::{io, Error, Result};
use nalgebra::Vector3;
use serde_json::json;
use std::path::PathBuf;

/// A reaching task ends "reached" with its frame this close to the target (m).
const REACH_TOLERANCE: f64 = 1e-3;
/// A push ends "pushed" with the body this close to its target (m).
const PUSH_TOLERANCE: f64 = 5e-3;
/// An unloading task ends "unloaded" with the foot's ground force below this fraction of what it carried standing.
const UNLOAD_FRACTION: f64 = 0.01;

/// The arguments of `diffphys optimize`.
#[derive(clap::Args)]
pub struct Args {
    /// `cartpole`, `pendulum`, `acrobot` (swing-ups), `reach` (needs `--urdf` and `--frame`), `unload` (a legged
    /// robot standing in `--scene` takes its weight off the foot `--frame`), `shift` (it moves its base by
    /// `--offset` and stands still) or `push` (a robot in `--scene` pushes the free body `--body` by `--offset`).
    #[arg(long, default_value = "cartpole")]
    problem: String,
    /// `ilqr` (iterative LQR: Gauss–Newton; box-DDP with `--bounds`), `ddp` (full DDP: with the dynamics'
    /// second-order terms, exact from hyper-dual steps) or `lbfgs` (direct shooting with L-BFGS, no bounds).
    /// Default `ilqr`; `lbfgs` for push (iLQR's local model holds the robots only, not the pushed body).
    #[arg(long)]
    method: Option<String>,
    /// Maximum iterations.
    #[arg(long, default_value_t = 300)]
    max_iterations: usize,
    /// ilqr: stop when the predicted and the achieved decrease of a full step fall below this fraction of the
    /// cost; lbfgs: when an iteration changes the cost by less than this fraction of the initial cost.
    #[arg(long, default_value_t = IlqrOptions::default().tolerance, allow_negative_numbers = true)]
    tolerance: f64,
    /// reach: the robot (URDF, fixed base); its joints start at their neutral position, at rest.
    #[arg(long)]
    urdf: Option<PathBuf>,
    /// reach: the frame (a link name) to bring to the target; unload: the foot (a link with colliders).
    #[arg(long)]
    frame: Option<String>,
    /// unload, shift: the scene (TOML) with one legged robot on a floating base, standing on the ground under its
    /// controller; push: a robot whose links rest against free bodies (`scenes/panda_push_target.toml`). The time
    /// step is the scene's.
    #[arg(long)]
    scene: Option<PathBuf>,
    /// push: the free body to push (its name in the scene).
    #[arg(long)]
    body: Option<String>,
    /// reach: the target relative to the frame's start, in the root frame (m). Default: 0.2 m along (−1, 1, −1).
    /// shift, push (required): the base's or the body's move, world axes (m).
    #[arg(long, num_args = 3, value_names = ["X", "Y", "Z"], allow_negative_numbers = true)]
    offset: Option<Vec<f64>>,
    /// reach, unload, shift, push: the number of knots (time steps) of the horizon.
    #[arg(long, default_value_t = 100)]
    knots: usize,
    /// reach: the time step (s).
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    dt: f64,
    /// `effort`: bound every torque by the joint's URDF effort limit (box-DDP).
    #[arg(long)]
    bounds: Option<String>,
    /// Plot of the cost curve, joint trajectories and controls (.png or .svg). Default: `swing_up.png`, or
    /// `reach.png` for reach, `unload.png` for unload, `shift.png` for shift, `push.png` for push.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Also write the result as JSON (`iterations`, `solve_ms`, `costs`, `controls`, `states`, and
    /// `final_distance_m` for reach, shift and push, `final_force_n` and `unloaded` for unload, or `final_angle_error`,
    /// `upright` for a swing-up).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The problem the arguments describe.
fn problem(a: &Args) -> Result<ControlProblem> {
    let bad = |m: String| Err(Error::InvalidArgument(m));
    if a.scene.is_some() && !["unload", "shift", "push"].contains(&a.problem.as_str()) {
        return bad(format!("--scene is for --problem unload, shift or push, not `{}`", a.problem));
    }
    if a.body.is_some() && a.problem != "push" {
        return bad(format!("--body is for --problem push, not `{}`", a.problem));
    }
    let mut problem = if a.problem == "push" {
        let (Some(scene), Some(body), Some(offset)) = (&a.scene, &a.body, &a.offset) else {
            return bad("--problem push needs --scene SCENE.toml, --body NAME and --offset X Y Z".into());
        };
        if a.urdf.is_some() || a.frame.is_some() {
            return bad("--urdf and --frame are for --problem reach or unload, not push".into());
        }
        ControlProblem::push(io::load_scene(scene)?, body, Vector3::new(offset[0], offset[1], offset[2]), a.knots)?
    } else if a.problem == "shift" {
        let (Some(scene), Some(offset)) = (&a.scene, &a.offset) else {
            return bad("--problem shift needs --scene SCENE.toml and --offset X Y Z".into());
        };
        if a.urdf.is_some() || a.frame.is_some() {
            return bad("--urdf and --frame are for --problem reach or unload, not shift".into());
        }
        ControlProblem::shift(io::load_scene(scene)?, Vector3::new(offset[0], offset[1], offset[2]), a.knots)?
    } else if a.problem == "unload" {
        let (Some(scene), Some(frame)) = (&a.scene, &a.frame) else {
            return bad("--problem unload needs --scene SCENE.toml and --frame FOOT".into());
        };
        if a.urdf.is_some() || a.offset.is_some() {
            return bad("--urdf and --offset are for --problem reach, not unload".into());
        }
        ControlProblem::unload(io::load_scene(scene)?, frame, a.knots)?
    } else if a.problem == "reach" {
        let (Some(urdf), Some(frame)) = (&a.urdf, &a.frame) else {
            return bad("--problem reach needs --urdf MODEL.urdf and --frame FRAME".into());
        };
        let offset = match &a.offset {
            Some(o) => Vector3::new(o[0], o[1], o[2]),
            None => ControlProblem::crocoddyl_reach_offset(),
        };
        ControlProblem::reach(io::load_urdf(urdf)?, frame, offset, a.knots, a.dt)?
    } else {
        if a.urdf.is_some() || a.frame.is_some() || a.offset.is_some() {
            return bad(format!("--urdf, --frame and --offset are for --problem reach, not `{}`", a.problem));
        }
        ControlProblem::by_name(&a.problem)?
    };
    match a.bounds.as_deref() {
        None => {}
        Some("effort") => {
            let bounds = problem.effort_bounds();
            if bounds.upper.iter().all(|u| u.is_infinite()) {
                return bad(format!("--bounds effort: `{}` has no effort limits", problem.name));
            }
            problem.bounds = Some(bounds);
        }
        Some(other) => return bad(format!("unknown --bounds `{other}` (effort)")),
    }
    Ok(problem)
}

pub fn run(a: &Args) -> Result<()> {
    let problem = problem(a)?;
    let method = a.method.as_deref().unwrap_or(if a.problem == "push" { "lbfgs" } else { "ilqr" });
    let horizon = problem.steps as f64 * problem.dt();
    note!(
        "{}: {} steps of {} s ({horizon} s), {} control(s){}; {method}, exact per-step Jacobians",
        problem.name,
        problem.steps,
        problem.dt(),
        problem.nu(),
        if problem.bounds.is_some() { ", bounded" } else { "" }
    );
    // zero, or for a push the torques that hold the settled posture
    let initial = problem.initial_guess();
    let started = std::time::Instant::now();
    let print = |i: usize, cost: f64| note!("  iter {i:>4}  cost {cost:.6e}");
    let max_iterations = a.max_iterations;
    let report = match method {
        "ilqr" | "ddp" => {
            let second_order = method == "ddp";
            // a shift starts from a rollout: multiple shooting's first full step, from the standing state held at
            // every knot, closes gaps that ask for the whole move at once and leaves the ground
            let multiple_shooting = a.problem != "shift";
            let options = IlqrOptions {
                max_iterations,
                tolerance: a.tolerance,
                second_order,
                multiple_shooting,
                ..IlqrOptions::default()
            };
            options.validate().map_err(|e| match e {
                Error::InvalidArgument(m) => Error::InvalidArgument(format!("--tolerance: {m}")),
                e => e,
            })?;
            ilqr(&problem, &initial, &options, print)?
        }
        "lbfgs" => {
            if !(a.tolerance.is_finite() && a.tolerance >= 0.0) {
                return Err(Error::InvalidArgument(format!("--tolerance must be finite and ≥ 0, not {}", a.tolerance)));
            }
            let options = ShootingOptions {
                max_iterations: max_iterations as u64,
                cost_tolerance: a.tolerance,
                ..ShootingOptions::default()
            };
            shooting_lbfgs(&problem, &initial, &options, print)?
        }
        other => return Err(Error::InvalidArgument(format!("unknown method `{other}` (ilqr, ddp, lbfgs)"))),
    };
    let solve_ms = started.elapsed().as_secs_f64() * 1e3;
    let numbers = report.costs.iter().chain(report.states.iter().chain(&report.controls).flat_map(|x| x.iter()));
    if numbers.into_iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!("{}: non-finite costs, states or controls", report.method)));
    }
    let iterations = report.costs.len() - 1;
    let last = report.states.last().expect("x0");
    let (outcome, reached, fields) = if a.problem == "unload" {
        let frame = a.frame.as_deref().expect("unload has a frame");
        let states = problem.simulate(&report.controls)?;
        let (first, end) = (&states[0], states.last().expect("a rollout has states"));
        let (before, after) = (problem.ground_force(first, 0, frame)?, problem.ground_force(end, 0, frame)?);
        let reached = after.norm() < UNLOAD_FRACTION * before.norm();
        let outcome = format!(
            "`{frame}` carries {:.3} N at the end (standing: {:.2} N): {}",
            after.norm(),
            before.norm(),
            if reached { "unloaded" } else { "NOT unloaded (1 %)" }
        );
        (
            outcome,
            reached,
            json!({ "final_force_n": after.norm(), "standing_force_n": before.norm(), "unloaded": reached }),
        )
    } else if a.problem == "push" {
        let states = problem.simulate(&report.controls)?;
        let distances = problem.body_distances(&states);
        let (_, body, distance) = distances.first().expect("a push has its goal");
        let (outcome, reached) =
            distance_outcome(&format!("`{body}`"), "its target", *distance, PUSH_TOLERANCE, "pushed");
        (outcome, reached, json!({ "final_distance_m": distance, "body": body, "pushed": reached }))
    } else if a.problem == "shift" {
        let distance = problem.shift_distance(last).expect("a shift has its target");
        let (outcome, reached) = distance_outcome("the base", "its target", distance, REACH_TOLERANCE, "shifted");
        (outcome, reached, json!({ "final_distance_m": distance, "shifted": reached }))
    } else if a.problem == "reach" {
        let distances = problem.frame_distances(last)?;
        let (_, frame, distance) = distances.first().expect("reach has a goal");
        let (outcome, reached) =
            distance_outcome(&format!("`{frame}`"), "the target", *distance, REACH_TOLERANCE, "reached");
        (outcome, reached, json!({ "final_distance_m": distance, "frame": frame, "reached": reached }))
    } else {
        let (angle_error, speed) = problem.final_errors(last);
        let reached = angle_error < 0.05 && speed < 0.1;
        let outcome = format!(
            "final angle error {angle_error:.2e} rad, max |v| {speed:.2e}: {}",
            if reached { "upright" } else { "NOT upright" }
        );
        (outcome, reached, json!({ "final_angle_error": angle_error, "final_max_speed": speed, "upright": reached }))
    };
    let mut stdout = Out::new("the optimisation result");
    writeln!(
        stdout,
        "{} {}: cost {:.4e} after {iterations} iterations ({solve_ms:.1} ms); {outcome}",
        problem.name,
        report.method,
        report.costs.last().expect("initial cost"),
    )?;
    stdout.flush()?;
    let default_plot = match a.problem.as_str() {
        "reach" => "reach.png",
        "unload" => "unload.png",
        "shift" => "shift.png",
        "push" => "push.png",
        _ => "swing_up.png",
    };
    let plot = a.plot.clone().unwrap_or_else(|| default_plot.into());
    io::plot_optimization(&plot, &report, &problem)?;
    note!("wrote {}", plot.display());
    if let Some(path) = &a.json {
        report::write_json(path, &result_json(&problem, &report, iterations, solve_ms, fields))?;
        note!("wrote {}", path.display());
    }
    if reached {
        Ok(())
    } else {
        let goal = match a.problem.as_str() {
            "reach" => "the target",
            "unload" => "an unloaded foot",
            "shift" => "the shifted base",
            "push" => "the pushed body",
            _ => "upright",
        };
        Err(Error::Numerical(format!("{} did not reach {goal} within the horizon", report.method)))
    }
}

/// `"{subject} ends … mm from {target}: {verb}"` (or `NOT {verb} (… mm)`) and whether `distance` (m) is within
/// `tolerance` (m).
fn distance_outcome(subject: &str, target: &str, distance: f64, tolerance: f64, verb: &str) -> (String, bool) {
    let reached = distance < tolerance;
    let verdict = if reached { verb.to_string() } else { format!("NOT {verb} ({} mm)", tolerance * 1e3) };
    (format!("{subject} ends {:.3} mm from {target}: {verdict}", distance * 1e3), reached)
}

/// The JSON report: the run's figures, the trajectory and the problem's own `fields`.
fn result_json(
    problem: &ControlProblem,
    report: &OptimizeReport,
    iterations: usize,
    solve_ms: f64,
    fields: serde_json::Value,
) -> serde_json::Value {
    let mut value = json!({
        "problem": problem.name, "method": report.method, "dt": problem.dt(), "knots": problem.steps,
        "iterations": iterations, "solve_ms": solve_ms,
        "initial_cost": report.costs[0], "final_cost": report.costs.last(),
        "costs": report.costs,
        "controls": report.controls.iter().map(|u| u.as_slice().to_vec()).collect::<Vec<_>>(),
        "states": report.states.iter().map(|x| x.as_slice().to_vec()).collect::<Vec<_>>(),
    });
    if let (Some(map), serde_json::Value::Object(extra)) = (value.as_object_mut(), fields) {
        map.extend(extra);
    }
    value
}
