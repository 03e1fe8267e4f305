//! Iterative LQR with exact per-step Jacobians.

use super::{ControlProblem, OptimizeReport};
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// Settings of [`ilqr`].
#[derive(Clone, Debug, PartialEq)]
pub struct IlqrOptions {
    /// Maximum number of iterations. Default 200.
    pub max_iterations: usize,
    /// Stop when the relative cost decrease of an accepted step falls below this. Default 1e-6.
    pub tolerance: f64,
    /// Initial Levenberg regularisation `μ` added to `Q_uu`. Default 1e-6.
    pub initial_regularisation: f64,
}

impl Default for IlqrOptions {
    fn default() -> Self {
        IlqrOptions { max_iterations: 200, tolerance: 1e-6, initial_regularisation: 1e-6 }
    }
}

/// Iterative LQR: repeatedly linearise the dynamics along the current trajectory (`A_t`, `B_t` from dual
/// numbers), solve the local LQR problem backwards in time for feedforward `k_t` and feedback `K_t`, and roll out
/// `u_t = ū_t + α k_t + K_t (x_t − x̄_t)` with a backtracking line search on `α`.
///
/// `progress` is called after every iteration with `(iteration, cost)`.
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid problem or initial guess of the wrong size; errors of the rollout.
///
/// Reference: Li & Todorov, "Iterative linear quadratic regulator design", ICINCO 2004; Tassa, Erez & Todorov,
/// IROS 2012 (regularisation and line search).
pub fn ilqr(
    problem: &ControlProblem,
    initial: &[DVector<f64>],
    options: &IlqrOptions,
    mut progress: impl FnMut(usize, f64),
) -> Result<OptimizeReport> {
    problem.validate()?;
    check_guess(problem, initial)?;
    let (nx, nu) = (problem.nx(), problem.nu());
    let mut controls = initial.to_vec();
    let mut states = problem.rollout(&controls)?;
    let mut cost = problem.cost(&states, &controls);
    let mut costs = vec![cost];
    progress(0, cost);
    let mut mu = options.initial_regularisation;
    for iteration in 1..=options.max_iterations {
        let jacobians: Vec<_> =
            (0..problem.steps).map(|t| problem.step_jacobians(&states[t], &controls[t])).collect::<Result<_>>()?;
        // Backward pass; raise μ until every Q_uu is positive definite.
        let (gains, feedback) = loop {
            match backward_pass(problem, &states, &controls, &jacobians, mu, nx, nu) {
                Some(result) => break result,
                None if mu < 1e10 => mu = (mu * 10.0).max(1e-6),
                None => return Err(Error::Numerical("iLQR: Q_uu stays indefinite at μ = 1e10".into())),
            }
        };
        // Forward pass with backtracking.
        let mut accepted = None;
        let mut alpha = 1.0;
        while alpha > 1e-4 {
            let mut x = problem.x0();
            let mut new_states = vec![x.clone()];
            let mut new_controls = Vec::with_capacity(problem.steps);
            let mut ws = crate::sim::Workspace::new(0);
            let mut finite = true;
            for t in 0..problem.steps {
                let u = &controls[t] + &gains[t] * alpha + &feedback[t] * (&x - &states[t]);
                x = match problem.step(&problem.model, &mut ws, &x, &u) {
                    Ok(next) if next.iter().all(|v| v.is_finite()) => next,
                    _ => {
                        finite = false;
                        break;
                    }
                };
                new_states.push(x.clone());
                new_controls.push(u);
            }
            if finite {
                let new_cost = problem.cost(&new_states, &new_controls);
                if new_cost < cost {
                    accepted = Some((new_cost, new_states, new_controls));
                    break;
                }
            }
            alpha *= 0.5;
        }
        match accepted {
            Some((new_cost, new_states, new_controls)) => {
                let decrease = (cost - new_cost) / cost.abs().max(1e-300);
                cost = new_cost;
                states = new_states;
                controls = new_controls;
                costs.push(cost);
                progress(iteration, cost);
                mu = (mu / 10.0).max(1e-9);
                if decrease < options.tolerance {
                    break;
                }
            }
            None => {
                mu *= 10.0;
                if mu > 1e10 {
                    break;
                }
            }
        }
    }
    Ok(OptimizeReport { method: "ilqr".into(), costs, controls, states })
}

/// Gains `k_t` and `K_t`, or `None` if some `Q_uu + μ I` is not positive definite.
#[allow(clippy::type_complexity)]
fn backward_pass(
    problem: &ControlProblem,
    states: &[DVector<f64>],
    controls: &[DVector<f64>],
    jacobians: &[super::StepJacobians],
    mu: f64,
    nx: usize,
    nu: usize,
) -> Option<(Vec<DVector<f64>>, Vec<DMatrix<f64>>)> {
    let (_, mut v_x, mut v_xx) = problem.terminal_cost(&states[problem.steps]);
    let mut gains = vec![DVector::zeros(nu); problem.steps];
    let mut feedback = vec![DMatrix::zeros(nu, nx); problem.steps];
    for t in (0..problem.steps).rev() {
        let (a, b) = (&jacobians[t].a, &jacobians[t].b);
        let (_, l_u, l_uu) = problem.running_cost(&controls[t]);
        let q_x = a.transpose() * &v_x;
        let q_u = l_u + b.transpose() * &v_x;
        let q_xx = a.transpose() * &v_xx * a;
        let q_uu = l_uu + b.transpose() * &v_xx * b;
        let q_ux = b.transpose() * &v_xx * a;
        let regularised = &q_uu + DMatrix::identity(nu, nu) * mu;
        let cholesky = regularised.cholesky()?;
        let k = -cholesky.solve(&q_u);
        let big_k = -cholesky.solve(&q_ux);
        v_x = &q_x + big_k.transpose() * &q_uu * &k + big_k.transpose() * &q_u + q_ux.transpose() * &k;
        let v_xx_new =
            &q_xx + big_k.transpose() * &q_uu * &big_k + big_k.transpose() * &q_ux + q_ux.transpose() * &big_k;
        v_xx = (&v_xx_new + v_xx_new.transpose()) * 0.5;
        gains[t] = k;
        feedback[t] = big_k;
    }
    Some((gains, feedback))
}

pub(super) fn check_guess(problem: &ControlProblem, initial: &[DVector<f64>]) -> Result<()> {
    if initial.len() != problem.steps || initial.iter().any(|u| u.len() != problem.nu()) {
        return Err(Error::InvalidArgument(format!(
            "initial controls: need {} steps of {} values each",
            problem.steps,
            problem.nu()
        )));
    }
    Ok(())
}
