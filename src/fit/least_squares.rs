//! Fitting named scene parameters to observations, with standard errors.

use super::{levenberg_marquardt, LmOptions, Observations, TrajectoryResiduals};
use crate::grad::jacobian;
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
/// solution.
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
    mut progress: impl FnMut(&FitIteration),
) -> Result<FitReport> {
    scene.validate()?;
    let ids = scene.resolve_params(names)?;
    if ids.is_empty() {
        return Err(Error::InvalidArgument("no parameters to fit".into()));
    }
    let initial = scene.param_values(&ids);
    let log_scale: Vec<bool> =
        ids.iter().zip(&initial).map(|(id, &v)| id.kind() == ParamKind::Positive && v > 0.0).collect();
    let residuals = TrajectoryResiduals::new(scene, &ids, &log_scale, obs)?;
    let n = residuals.len();
    if n <= ids.len() {
        return Err(Error::Observation(format!("{n} observed values cannot determine {} parameters", ids.len())));
    }
    let mut theta: Vec<f64> = initial.iter().zip(&log_scale).map(|(v, &log)| if log { v.ln() } else { *v }).collect();
    let (mut iterations, mut lm) = (0, None);
    let t_end = obs.times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let horizons: Vec<f64> = (0..options.stages.max(1))
        .rev()
        .map(|halvings| t_end / f64::powi(2.0, halvings as i32))
        .filter(|&h| obs.up_to(h).values.len() > 2 * ids.len() || h == t_end)
        .collect();
    for (stage, &horizon) in horizons.iter().enumerate() {
        let part = if horizon == t_end { obs.clone() } else { obs.up_to(horizon) };
        let stage_residuals = TrajectoryResiduals::new(scene, &ids, &log_scale, &part)?;
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

    let plain = TrajectoryResiduals::new(scene, &ids, &vec![false; ids.len()], obs)?;
    let (_, jac) = jacobian(&plain, &values)?;
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
    let derivative_warnings = crate::sim::derivative_warnings(&scene.with_params(&ids, &values))?;
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
