//! The residuals of a fit as an [`Outcome`], so their Jacobian comes from dual numbers.

use super::observations::ObservationPlan;
use super::Observations;
use crate::grad::Outcome;
use crate::model::{Model, ParamId};
use crate::scalar::exp;
use crate::sim::rollout_with;
use crate::{Result, Scalar};
use nalgebra::{DMatrix, DVector};

/// Residuals `simulated − observed` (m) at every observed time and column, row by row, as a function of the
/// fit variables. Variable `i` is parameter `i` itself, or its natural logarithm where `log_scale[i]` is set.
#[derive(Debug, Clone)]
pub struct TrajectoryResiduals {
    scene: Model<f64>,
    params: Vec<ParamId>,
    log_scale: Vec<bool>,
    observed: Vec<f64>,
    plan: ObservationPlan,
}

impl TrajectoryResiduals {
    /// Residuals of `scene` against `obs`, as a function of `params` (log-scaled where `log_scale` says).
    ///
    /// # Errors
    /// Observations that do not map onto the scene (see [`Observations`]).
    ///
    /// # Panics
    /// If `params` and `log_scale` differ in length.
    pub fn new(scene: &Model<f64>, params: &[ParamId], log_scale: &[bool], obs: &Observations) -> Result<Self> {
        assert_eq!(params.len(), log_scale.len(), "one log-scale flag per parameter");
        let plan = obs.plan(scene)?;
        let observed = obs.values.transpose().as_slice().to_vec(); // row-major
        Ok(TrajectoryResiduals {
            scene: scene.clone(),
            params: params.to_vec(),
            log_scale: log_scale.to_vec(),
            observed,
            plan,
        })
    }

    /// The number of residuals: observed rows × columns.
    pub fn len(&self) -> usize {
        self.observed.len()
    }

    /// `true` if there are no observations.
    pub fn is_empty(&self) -> bool {
        self.observed.is_empty()
    }

    /// Physical parameter values for fit variables `theta`.
    pub fn to_params<T: Scalar>(&self, theta: &[T]) -> Vec<T> {
        theta.iter().zip(&self.log_scale).map(|(t, &log)| if log { exp(t) } else { *t }).collect()
    }
}

impl Outcome for TrajectoryResiduals {
    fn eval<T: Scalar>(&self, theta: &[T]) -> Result<DVector<T>> {
        let scene = self.scene.with_params(&self.params, &self.to_params(theta));
        let ncols = self.plan.columns.len();
        let mut r = vec![T::zero(); self.observed.len()];
        let mut next = 0;
        rollout_with(&scene, self.plan.n_steps, |state| {
            while let Some(&(step, row)) = self.plan.by_step.get(next) {
                if step != state.step {
                    break;
                }
                for (j, column) in self.plan.columns.iter().enumerate() {
                    let k = row * ncols + j;
                    r[k] = column.value(state) - self.observed[k];
                }
                next += 1;
            }
        })?;
        Ok(DVector::from_vec(r))
    }
}

/// The residuals of several experiments, one after another: experiment 0's rows, then experiment 1's, ..., all
/// functions of the same fit variables. Their Jacobian is taken experiment by experiment on all cores (rayon),
/// each exactly as on its own, so the stacked Jacobian is the serial one bit for bit.
#[derive(Debug, Clone)]
pub struct ExperimentResiduals {
    parts: Vec<TrajectoryResiduals>,
}

impl ExperimentResiduals {
    /// The experiments' residuals, stacked in order.
    pub fn new(parts: Vec<TrajectoryResiduals>) -> Self {
        ExperimentResiduals { parts }
    }

    /// The number of residuals of all experiments.
    pub fn len(&self) -> usize {
        self.parts.iter().map(TrajectoryResiduals::len).sum()
    }

    /// `true` if no experiment has observations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Physical parameter values for fit variables `theta` (every part maps them alike).
    pub fn to_params<T: Scalar>(&self, theta: &[T]) -> Vec<T> {
        self.parts.first().map_or_else(|| theta.to_vec(), |p| p.to_params(theta))
    }
}

impl Outcome for ExperimentResiduals {
    fn eval<T: Scalar>(&self, theta: &[T]) -> Result<DVector<T>> {
        let mut r = Vec::with_capacity(self.len());
        for (i, part) in self.parts.iter().enumerate() {
            r.extend(part.eval(theta).map_err(|e| e.in_batch(i))?.iter().copied());
        }
        Ok(DVector::from_vec(r))
    }

    fn value_and_jacobian(&self, theta: &[f64]) -> Result<(DVector<f64>, DMatrix<f64>)> {
        use rayon::prelude::*;
        let parts: Vec<(DVector<f64>, DMatrix<f64>)> = self
            .parts
            .par_iter()
            .enumerate()
            .map(|(i, part)| crate::grad::jacobian(part, theta).map_err(|e| e.in_batch(i)))
            .collect::<Result<_>>()?;
        let (n, k) = (self.len(), theta.len());
        let (mut r, mut jac) = (DVector::zeros(n), DMatrix::zeros(n, k));
        let mut row = 0;
        for (ri, ji) in &parts {
            r.rows_mut(row, ri.len()).copy_from(ri);
            jac.rows_mut(row, ri.len()).copy_from(ji);
            row += ri.len();
        }
        Ok((r, jac))
    }
}
