//! Printing, JSON and plots shared by the `fit` and `demo` commands.

use super::output::Out;
use diffphys::fit::{FitIteration, FitReport, Observations};
use diffphys::io::PlotSeries;
use diffphys::model::Model;
use diffphys::{io, sim, Error, Result};
use std::path::Path;

/// One progress line per accepted Levenberg–Marquardt step, on standard error, and a header per stage.
pub fn progress_line(names: &[String]) -> impl FnMut(&FitIteration) + '_ {
    let mut stage = 0;
    move |it: &FitIteration| {
        if it.stage != stage {
            stage = it.stage;
            note!("stage {}/{}: observations up to t = {} s", it.stage, it.stages, it.horizon);
        }
        let values: Vec<String> = names.iter().zip(it.params).map(|(n, v)| format!("{n}={v:.6}")).collect();
        note!("  iter {:>3}  cost {:.6e}  {}", it.iteration, it.cost, values.join("  "));
    }
}

/// Writes the fit table: name, (true,) initial, fitted, standard error (and the error in units of std err).
pub fn print_table(out: &mut Out, report: &FitReport, truth: Option<&[f64]>) -> Result<()> {
    let width = report.names.iter().map(String::len).max().unwrap_or(9).max(9);
    let truth_head = if truth.is_some() { format!("{:>12}", "true") } else { String::new() };
    let dev_head = if truth.is_some() { format!("{:>12}", "|err|/σ") } else { String::new() };
    writeln!(out, "{:<width$}{truth_head}{:>12}{:>12}{:>12}{dev_head}", "parameter", "initial", "fitted", "std err")?;
    for i in 0..report.names.len() {
        let se = report.std_errs[i].map_or("n/a".to_string(), |s| format!("{s:.3e}"));
        let (t, dev) = match truth {
            Some(t) => {
                let d =
                    report.std_errs[i].map_or("n/a".into(), |s| format!("{:.2}", (report.values[i] - t[i]).abs() / s));
                (format!("{:>12.6}", t[i]), format!("{d:>12}"))
            }
            None => (String::new(), String::new()),
        };
        writeln!(
            out,
            "{:<width$}{t}{:>12.6}{:>12.6}{se:>12}{dev}",
            report.names[i], report.initial[i], report.values[i]
        )?;
    }
    writeln!(
        out,
        "cost (Σ r²) {:.6e}, residual std {:.3e} (column units) over {} values, {} iterations, \
         converged: {}",
        report.cost, report.residual_std, report.n_residuals, report.iterations, report.converged
    )
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
}

/// Plots the observed columns as markers and each `(label, scene)` as a line over the observed time span.
pub fn plot(path: &Path, title: &str, obs: &Observations, curves: &[(&str, &Model<f64>)]) -> Result<()> {
    let mut series: Vec<PlotSeries> = obs
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| PlotSeries {
            panel: c.clone(),
            label: "observed".into(),
            points: obs.times.iter().enumerate().map(|(i, t)| (*t, obs.values[(i, j)])).collect(),
            markers: true,
        })
        .collect();
    let t_end = obs.times.iter().copied().fold(0.0, f64::max);
    for (label, scene) in curves {
        let n_steps = (t_end / scene.settings.dt).round() as usize;
        let stride = (n_steps / 2000).max(1);
        let mut traj = Vec::new();
        sim::rollout_with(scene, n_steps, |s| {
            if s.step % stride == 0 {
                traj.push(s.clone());
            }
        })?;
        for c in &obs.columns {
            let (name, axis) = c.rsplit_once('.').unwrap_or((c, "z"));
            let (Some(p), Some(a)) = (scene.particle_index(name), ["x", "y", "z"].iter().position(|x| *x == axis))
            else {
                continue;
            };
            series.push(PlotSeries {
                panel: c.clone(),
                label: label.to_string(),
                points: traj.iter().map(|s| (s.time(scene.settings.dt), s.x[p][a])).collect(),
                markers: false,
            });
        }
    }
    io::plot_fit(path, title, &series)
}

/// At most this many derivative warnings are printed; the rest are counted.
const MAX_DERIVATIVE_WARNINGS: usize = 10;

/// One `warning: derivative:` line per [`sim::DerivativeWarning`] on standard error (the first ten, then a count).
pub fn print_derivative_warnings(warnings: &[sim::DerivativeWarning]) {
    for w in warnings.iter().take(MAX_DERIVATIVE_WARNINGS) {
        note!("warning: derivative: {w}");
    }
    if warnings.len() > MAX_DERIVATIVE_WARNINGS {
        note!("warning: derivative: ... and {} more", warnings.len() - MAX_DERIVATIVE_WARNINGS);
    }
}
