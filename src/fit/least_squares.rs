//! Fitting named scene parameters to observations, with standard errors.

use super::{levenberg_marquardt, ExperimentResiduals, LmOptions, Observations, TrajectoryResiduals};
use crate::grad::Outcome;
use crate::model::{Model, ParamKind};
use crate::{Error, Result};
use serde_json::json;

/// Options of [`fit`].
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    /// The optimiser's settings.
    pub lm: LmOptions,
    /// Horizon continuation: fit the observations up to `1/2^(stages−1)` of the time span first, then double
    /// the span each stage, each stage starting from the last one's result (default 3 stages: ¼, ½, all).
    /// Trajectories with many bounces have objective functions full of local minima (a wrong restitution puts
    /// late bounces out of phase); short horizons are nearly convex and lead the fit into the right valley.
    /// `1` fits everything at once.
    pub stages: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { lm: LmOptions::default(), stages: 3 }
    }
}

/// Progress of [`fit`], reported after the start of each stage and every accepted step.
#[derive(Debug, Clone)]
pub struct FitIteration<'a> {
    /// The continuation stage, from 1 to `stages`.
    pub stage: usize,
    /// The number of stages that run.
    pub stages: usize,
    /// The stage fits the observations up to this time, in s.
    pub horizon: f64,
    /// Accepted steps so far, over all stages.
    pub iteration: usize,
    /// Sum of squared residuals of this stage's observations, in m².
    pub cost: f64,
    /// The current physical parameter values, in the order given to [`fit`].
    pub params: &'a [f64],
}

/// The outcome of [`fit`].
#[derive(Debug, Clone)]
pub struct FitReport {
    /// Parameter names, in the order given.
    pub names: Vec<String>,
    /// Starting values (the scene's).
    pub initial: Vec<f64>,
    /// Fitted values.
    pub values: Vec<f64>,
    /// Standard errors from the Gauss–Newton covariance `s² (JᵀJ)⁻¹`, `s² = Σr² / (n − p)`; `None` when `JᵀJ` is
    /// singular (the observations do not determine that parameter).
    pub std_errs: Vec<Option<f64>>,
    /// Sum of squared residuals at the fit, in m².
    pub cost: f64,
    /// The residual standard deviation `s` in m (an estimate of the measurement noise).
    pub residual_std: f64,
    /// Number of residuals `n`.
    pub n_residuals: usize,
    /// Accepted Levenberg–Marquardt steps.
    pub iterations: usize,
    /// Whether the optimiser met a convergence test.
    pub converged: bool,
    /// Where the derivatives at the fitted values are not the physical ones
    /// ([`crate::sim::derivative_warnings`]): the Jacobian, and so the standard errors, are then those of the
    /// discrete simulation.
    pub derivative_warnings: Vec<crate::sim::DerivativeWarning>,
}

impl FitReport {
    /// The report as JSON:
    /// `{"params": {"<name>": {"value", "std_err", "initial"}}, "cost", "iterations", "converged", ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        let params: serde_json::Map<String, serde_json::Value> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (n.clone(), json!({"value": self.values[i], "std_err": self.std_errs[i], "initial": self.initial[i]}))
            })
            .collect();
        json!({
            "params": params,
            "cost": self.cost,
            "iterations": self.iterations,
            "converged": self.converged,
            "residual_std": self.residual_std,
            "n_residuals": self.n_residuals,
            "derivative_warnings": self.derivative_warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        })
    }
}

/// Fits the named parameters of `scene` (starting from its values) to `obs` by Levenberg–Marquardt with exact
/// dual-number Jacobians; `progress` is called at the start of each stage and after every accepted step.
///
/// Positive parameters (see [`ParamKind`]) with a positive starting value are optimised as logarithms, so they
/// stay positive. Standard errors come from the Jacobian with respect to the parameters themselves at the
/// solution. [`fit_experiments`] fits one parameter set to several experiments.
///
/// # Errors
/// Unknown or repeated names, observations that do not fit the scene, fewer residuals than parameters, or a
/// simulation that fails at the starting point; [`Error::Numerical`] for a non-finite cost, Jacobian, fitted
/// value or standard error (a fit that ran away reports no success).
pub fn fit<S: AsRef<str>>(
    scene: &Model<f64>,
    names: &[S],
    obs: &Observations,
    options: &FitOptions,
    progress: impl FnMut(&FitIteration),
) -> Result<FitReport> {
    let experiment = Experiment { scene: scene.clone(), observations: obs.clone() };
    fit_experiments(std::slice::from_ref(&experiment), names, options, progress)
}

/// One experiment of [`fit_experiments`]: a scene (its own initial state, duration, controller targets, ...) and
/// what was measured in it.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The scene as the experiment ran it. The fitted parameters are set in it; the rest is its own.
    pub scene: Model<f64>,
    /// What was measured.
    pub observations: Observations,
}

/// Fits one set of named parameters to several experiments at once (a ball dropped from several heights, a box
/// pushed at several speeds): the residuals of every experiment, stacked, are minimised together, and the standard
/// errors are those of all the data (they shrink about as `1/√n` for `n` alike experiments). Each experiment's
/// rollout and Jacobian runs on its own core (rayon). Starting values are the first experiment's; the parameters
/// are set in every experiment's scene. Otherwise as [`fit`].
///
/// # Errors
/// As [`fit`], for any experiment; no experiments is an [`Error::InvalidArgument`]; an experiment's failure is
/// named by its index ([`Error::InBatch`]).
pub fn fit_experiments<S: AsRef<str>>(
    experiments: &[Experiment],
    names: &[S],
    options: &FitOptions,
    mut progress: impl FnMut(&FitIteration),
) -> Result<FitReport> {
    let Some(first) = experiments.first() else {
        return Err(Error::InvalidArgument("no experiments to fit".into()));
    };
    let mut all_ids = Vec::with_capacity(experiments.len());
    for (i, e) in experiments.iter().enumerate() {
        let ids = e
            .scene
            .validate()
            .and_then(|()| e.scene.resolve_params(names))
            .map_err(|err| in_experiment(err, i, experiments.len()))?;
        all_ids.push(ids);
    }
    let ids = all_ids[0].clone();
    let scene = &first.scene;
    if ids.is_empty() {
        return Err(Error::InvalidArgument("no parameters to fit".into()));
    }
    let initial = scene.param_values(&ids);
    let log_scale: Vec<bool> =
        ids.iter().zip(&initial).map(|(id, &v)| id.kind() == ParamKind::Positive && v > 0.0).collect();
    let stack = |log_scale: &[bool], horizon: Option<f64>| -> Result<ExperimentResiduals> {
        let mut parts = Vec::with_capacity(experiments.len());
        for (i, (e, ids)) in experiments.iter().zip(&all_ids).enumerate() {
            let obs = match horizon {
                Some(h) => e.observations.up_to(h),
                None => e.observations.clone(),
            };
            let part = TrajectoryResiduals::new(&e.scene, ids, log_scale, &obs);
            parts.push(part.map_err(|err| in_experiment(err, i, experiments.len()))?);
        }
        Ok(ExperimentResiduals::new(parts))
    };
    let residuals = stack(&log_scale, None)?;
    let n = residuals.len();
    if n <= ids.len() {
        return Err(Error::Observation(format!("{n} observed values cannot determine {} parameters", ids.len())));
    }
    let mut theta: Vec<f64> = initial.iter().zip(&log_scale).map(|(v, &log)| if log { v.ln() } else { *v }).collect();
    let (mut iterations, mut lm) = (0, None);
    let t_end = experiments.iter().flat_map(|e| e.observations.times.iter().copied()).fold(f64::NEG_INFINITY, f64::max);
    let observed_up_to = |h: f64| experiments.iter().map(|e| e.observations.up_to(h).values.len()).sum::<usize>();
    let horizons: Vec<f64> = (0..options.stages.max(1))
        .rev()
        .map(|halvings| t_end / f64::powi(2.0, halvings as i32))
        .filter(|&h| observed_up_to(h) > 2 * ids.len() || h == t_end)
        .collect();
    for (stage, &horizon) in horizons.iter().enumerate() {
        let stage_residuals = if horizon == t_end { residuals.clone() } else { stack(&log_scale, Some(horizon))? };
        let result = levenberg_marquardt(&stage_residuals, &theta, &options.lm, |it| {
            let params = residuals.to_params(it.x);
            progress(&FitIteration {
                stage: stage + 1,
                stages: horizons.len(),
                horizon,
                iteration: iterations + it.iteration,
                cost: it.cost,
                params: &params,
            });
        })?;
        iterations += result.iterations;
        theta.clone_from(&result.x);
        lm = Some(result);
    }
    let lm = lm.expect("the last stage always runs: it has more residuals than parameters");
    let values = residuals.to_params(&lm.x);
    let names: Vec<String> = ids.iter().map(|id| scene.param_name(*id)).collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!("the fit of `{}` ran away to {}", names[i], values[i])));
    }

    let plain = stack(&vec![false; ids.len()], None)?;
    let (_, jac) = plain.value_and_jacobian(&values)?;
    if jac.iter().any(|d| !d.is_finite()) {
        return Err(Error::Numerical("the Jacobian of the residuals at the fitted values is not finite".into()));
    }
    let dof = (n - ids.len()) as f64;
    let s2 = lm.cost / dof;
    let covariance = jac.tr_mul(&jac).cholesky().map(|c| c.inverse() * s2);
    let std_errs: Vec<Option<f64>> =
        (0..ids.len()).map(|i| covariance.as_ref().map(|c| c[(i, i)].max(0.0).sqrt())).collect();
    if let Some(i) = std_errs.iter().position(|s| s.is_some_and(|s| !s.is_finite())) {
        return Err(Error::Numerical(format!(
            "the standard error of `{}` is not finite (cost {:e} over {n} residuals)",
            names[i], lm.cost
        )));
    }
    let mut derivative_warnings = Vec::new();
    for (e, ids) in experiments.iter().zip(&all_ids) {
        derivative_warnings.extend(crate::sim::derivative_warnings(&e.scene.with_params(ids, &values))?);
    }
    Ok(FitReport {
        derivative_warnings,
        names,
        initial,
        values,
        std_errs,
        cost: lm.cost,
        residual_std: s2.sqrt(),
        n_residuals: n,
        iterations,
        converged: lm.converged,
    })
}

/// An experiment's error, named by its index when there are several.
fn in_experiment(e: Error, i: usize, n: usize) -> Error {
    if n > 1 {
        e.in_batch(i)
    } else {
        e
    }
}
