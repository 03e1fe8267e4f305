//! Levenberg–Marquardt for nonlinear least squares with exact Jacobians.

use crate::grad::Outcome;
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// Stopping rules and damping of [`levenberg_marquardt`].
#[derive(Debug, Clone, Copy)]
pub struct LmOptions {
    /// Maximum accepted steps (default 100).
    pub max_iterations: usize,
    /// Converged when an accepted step lowers the cost by less than this fraction (default `1e-8`: far below
    /// the cost's own statistical scatter, about `√(2/n)` relative for `n` residuals).
    pub cost_tolerance: f64,
    /// Converged when a step is shorter than this times `(|x| + this)` (default `1e-10`).
    pub step_tolerance: f64,
    /// Converged when `|Jᵀ r|∞` is below this (default `1e-12`).
    pub gradient_tolerance: f64,
    /// Initial damping `λ`, relative to the diagonal of `JᵀJ` (default `1e-3`).
    pub initial_damping: f64,
}

impl Default for LmOptions {
    fn default() -> Self {
        LmOptions {
            max_iterations: 100,
            cost_tolerance: 1e-8,
            step_tolerance: 1e-10,
            gradient_tolerance: 1e-12,
            initial_damping: 1e-3,
        }
    }
}

/// Progress after one accepted step, passed to the callback of [`levenberg_marquardt`].
#[derive(Debug, Clone)]
pub struct LmIteration<'a> {
    /// Accepted steps so far (0 for the starting point).
    pub iteration: usize,
    /// Sum of squared residuals `Σ r²`.
    pub cost: f64,
    /// Current damping `λ`.
    pub damping: f64,
    /// Current variables.
    pub x: &'a [f64],
}

/// The result of [`levenberg_marquardt`].
#[derive(Debug, Clone)]
pub struct LmResult {
    /// The minimiser found.
    pub x: Vec<f64>,
    /// Sum of squared residuals at `x`.
    pub cost: f64,
    /// Residuals at `x`.
    pub residuals: DVector<f64>,
    /// Jacobian of the residuals at `x`.
    pub jacobian: DMatrix<f64>,
    /// Accepted steps.
    pub iterations: usize,
    /// Whether a convergence test was met (rather than the iteration limit).
    pub converged: bool,
}

/// Minimises `Σ rᵢ(x)²` over `x` from `x0`, with Marquardt's diagonal scaling: each step solves
/// `(JᵀJ + λ diag(JᵀJ)) δ = −Jᵀr` by Cholesky. `λ` shrinks by 3 after an accepted step and grows by 4 after a
/// rejected one; trial points where `f` fails (e.g. a blown-up simulation) count as rejected.
///
/// # Errors
/// Whatever `f` reports at `x0`; [`Error::Numerical`] if the cost or the Jacobian is not finite at `x0` or at an
/// accepted point (residuals too large to square, a derivative that overflows: there is nothing to minimise), or
/// if the result is not finite.
pub fn levenberg_marquardt(
    f: &impl Outcome,
    x0: &[f64],
    options: &LmOptions,
    mut progress: impl FnMut(&LmIteration),
) -> Result<LmResult> {
    let mut x = x0.to_vec();
    let (mut r, mut jac) = f.value_and_jacobian(&x)?;
    let mut cost = r.norm_squared();
    finite(cost, &jac, "the starting point")?;
    let mut lambda = options.initial_damping;
    let mut iterations = 0;
    let mut converged = false;
    progress(&LmIteration { iteration: 0, cost, damping: lambda, x: &x });
    while iterations < options.max_iterations {
        let g = jac.tr_mul(&r);
        if g.amax() < options.gradient_tolerance {
            converged = true;
            break;
        }
        let a = jac.tr_mul(&jac);
        let mut accepted = None;
        while lambda < 1e16 {
            let mut damped = a.clone();
            for i in 0..damped.nrows() {
                damped[(i, i)] += lambda * a[(i, i)].max(1e-12);
            }
            let Some(chol) = damped.cholesky() else {
                lambda *= 4.0;
                continue;
            };
            let step = chol.solve(&(-&g));
            let trial: Vec<f64> = x.iter().zip(step.iter()).map(|(xi, si)| xi + si).collect();
            match f.eval(&trial) {
                Ok(r_trial) if r_trial.norm_squared() < cost => {
                    accepted = Some((trial, step.norm(), r_trial.norm_squared()));
                    break;
                }
                _ => lambda *= 4.0,
            }
        }
        let Some((trial, step_norm, trial_cost)) = accepted else {
            // No damping makes progress: we are at a minimum to working precision.
            converged = true;
            break;
        };
        let x_norm = DVector::from_column_slice(&x).norm();
        let decrease = (cost - trial_cost) / cost.max(f64::MIN_POSITIVE);
        x = trial;
        (r, jac) = f.value_and_jacobian(&x)?;
        cost = r.norm_squared();
        finite(cost, &jac, &format!("step {}", iterations + 1))?;
        lambda = (lambda / 3.0).max(1e-12);
        iterations += 1;
        progress(&LmIteration { iteration: iterations, cost, damping: lambda, x: &x });
        if decrease < options.cost_tolerance || step_norm < options.step_tolerance * (x_norm + options.step_tolerance) {
            converged = true;
            break;
        }
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical("Levenberg–Marquardt produced non-finite parameters".into()));
    }
    Ok(LmResult { x, cost, residuals: r, jacobian: jac, iterations, converged })
}

/// An error unless the cost and the Jacobian at `at` are finite: an infinite cost can never be lowered, and an
/// optimiser that stops there would call it convergence.
fn finite(cost: f64, jac: &DMatrix<f64>, at: &str) -> Result<()> {
    if !cost.is_finite() {
        return Err(Error::Numerical(format!(
            "the cost Σr² at {at} is {cost}: residuals this large cannot be minimised (are the observations in the \
             model's units, and the starting values sensible?)"
        )));
    }
    if jac.iter().any(|d| !d.is_finite()) {
        return Err(Error::Numerical(format!("the Jacobian of the residuals at {at} is not finite")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;

    /// Rosenbrock as least squares: r = (10 (y − x²), 1 − x); minimum at (1, 1).
    struct Rosenbrock;
    impl Outcome for Rosenbrock {
        fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
            let (x, y) = (p[0], p[1]);
            Ok(DVector::from_vec(vec![(y - x * x) * 10.0, T::one() - x]))
        }
    }

    /// Residuals that overflow when squared: r = (x · 1e200, 1).
    struct Huge;
    impl Outcome for Huge {
        fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
            Ok(DVector::from_vec(vec![p[0] * 1e200, T::one()]))
        }
    }

    #[test]
    fn an_infinite_cost_is_an_error_not_convergence() {
        let e = levenberg_marquardt(&Huge, &[1.0], &LmOptions::default(), |_| {}).unwrap_err().to_string();
        assert!(e.contains("the cost Σr² at the starting point is inf"), "{e}");
    }

    #[test]
    fn solves_rosenbrock() {
        let mut seen = 0;
        let res = levenberg_marquardt(&Rosenbrock, &[-1.2, 1.0], &LmOptions::default(), |_| seen += 1).unwrap();
        assert!(res.converged);
        assert!((res.x[0] - 1.0).abs() < 1e-6 && (res.x[1] - 1.0).abs() < 1e-6, "{:?}", res.x);
        assert_eq!(seen, res.iterations + 1);
    }
}
