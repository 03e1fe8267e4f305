//! `diffphys optimize [--problem cartpole|pendulum|acrobot] [--method ilqr|lbfgs]`.

use super::output::Out;
use super::report;
use diffphys::control::{ilqr, shooting_lbfgs, ControlProblem, IlqrOptions, ShootingOptions};
use diffphys::{io, Error, Result};
use nalgebra::DVector;
use serde_json::json;
use std::path::Path;

pub fn run(problem: &str, method: &str, max_iterations: usize, plot: &Path, json_out: Option<&Path>) -> Result<()> {
    let problem = ControlProblem::by_name(problem)?;
    let horizon = problem.steps as f64 * problem.dt();
    note!(
        "{}: {} steps of {} s ({} s), {} control(s); {method}, exact per-step Jacobians from dual numbers",
        problem.name,
        problem.steps,
        problem.dt(),
        horizon,
        problem.nu()
    );
    let initial = vec![DVector::zeros(problem.nu()); problem.steps];
    let started = std::time::Instant::now();
    let print = |i: usize, cost: f64| note!("  iter {i:>4}  cost {cost:.6e}");
    let report = match method {
        "ilqr" => ilqr(&problem, &initial, &IlqrOptions { max_iterations, ..IlqrOptions::default() }, print)?,
        "lbfgs" => {
            let options = ShootingOptions { max_iterations: max_iterations as u64, ..ShootingOptions::default() };
            shooting_lbfgs(&problem, &initial, &options, print)?
        }
        other => return Err(Error::InvalidArgument(format!("unknown method `{other}` (ilqr, lbfgs)"))),
    };
    let seconds = started.elapsed().as_secs_f64();
    let numbers = report.costs.iter().chain(report.states.iter().chain(&report.controls).flat_map(|x| x.iter()));
    if numbers.into_iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!("{}: non-finite costs, states or controls", report.method)));
    }
    let last = report.states.last().expect("x0");
    let (angle_error, speed) = problem.final_errors(last);
    let reached = angle_error < 0.05 && speed < 0.1;
    let mut stdout = Out::new("the optimisation result");
    writeln!(
        stdout,
        "{} {}: cost {:.4e} after {} iterations ({seconds:.2} s); final angle error {angle_error:.2e} rad, max |v| {speed:.2e}: {}",
        problem.name,
        report.method,
        report.costs.last().expect("initial cost"),
        report.costs.len() - 1,
        if reached { "upright" } else { "NOT upright" }
    )?;
    stdout.flush()?;
    io::plot_optimization(plot, &report, &problem)?;
    note!("wrote {}", plot.display());
    if let Some(path) = json_out {
        let value = json!({
            "problem": problem.name, "method": report.method, "dt": problem.dt(),
            "costs": report.costs,
            "controls": report.controls.iter().map(|u| u.as_slice().to_vec()).collect::<Vec<_>>(),
            "states": report.states.iter().map(|x| x.as_slice().to_vec()).collect::<Vec<_>>(),
            "final_angle_error": angle_error, "final_max_speed": speed, "upright": reached,
        });
        report::write_json(path, &value)?;
        note!("wrote {}", path.display());
    }
    if reached {
        Ok(())
    } else {
        Err(Error::Numerical(format!("{} did not reach upright within the horizon", report.method)))
    }
}
