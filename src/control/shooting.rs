//! Direct single shooting with L-BFGS.

use super::ilqr::check_guess;
use super::{ControlProblem, OptimizeReport};
use crate::{Error, Result};
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{CostFunction, Executor, Gradient, State, KV};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::DVector;
use std::cell::RefCell;
use std::rc::Rc;

/// Settings of [`shooting_lbfgs`].
#[derive(Clone, Debug, PartialEq)]
pub struct ShootingOptions {
    /// Maximum L-BFGS iterations. Default 1000.
    pub max_iterations: u64,
    /// History length of L-BFGS. Default 10.
    pub memory: usize,
    /// Stop when the gradient norm falls below this. Default 1e-6.
    pub gradient_tolerance: f64,
    /// Stop when an iteration changes the cost by less than this fraction of the initial guess's cost. Default
    /// 1e-12 (in effect: until the gradient tolerance or the iteration cap). The command line passes its
    /// `--tolerance` (1e-6), so that the push ([`ControlProblem::push`]), whose gradients cost about 120 rollouts
    /// each, stops on its slow tail rather than at the iteration cap.
    pub cost_tolerance: f64,
}

impl Default for ShootingOptions {
    fn default() -> Self {
        ShootingOptions { max_iterations: 1000, memory: 10, gradient_tolerance: 1e-6, cost_tolerance: 1e-12 }
    }
}

/// A point with its cost and gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// argmin's view of the problem: controls flattened to `Vec<f64>` (step-major), cost and adjoint gradient.
struct Objective<'a> {
    problem: &'a ControlProblem,
    /// The last gradient evaluation, reused when argmin asks for the cost at the same point.
    cache: RefCell<Option<Evaluation>>,
}

impl Objective<'_> {
    fn evaluate(&self, p: &[f64]) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Some((at, cost, gradient)) = self.cache.borrow().as_ref() {
            if at.as_slice() == p {
                return Ok((*cost, gradient.clone()));
            }
        }
        let nu = self.problem.nu();
        let controls: Vec<DVector<f64>> = p.chunks(nu).map(DVector::from_column_slice).collect();
        let (cost, gradient) = self.problem.cost_and_gradient(&controls).map_err(argmin::core::Error::new)?;
        let flat: Vec<f64> = gradient.iter().flat_map(|g| g.iter().copied()).collect();
        *self.cache.borrow_mut() = Some((p.to_vec(), cost, flat.clone()));
        Ok((cost, flat))
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        // A cost-only rollout is cheaper than one with Jacobians (the line search asks for many).
        let nu = self.problem.nu();
        let controls: Vec<DVector<f64>> = p.chunks(nu).map(DVector::from_column_slice).collect();
        Ok(self.problem.cost(&controls).unwrap_or(f64::INFINITY))
    }
}

impl Gradient for Objective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(p)?.1)
    }
}

/// Reports every L-BFGS iteration: records the best cost and calls the user's progress function.
struct Progress<F> {
    costs: Rc<RefCell<Vec<f64>>>,
    callback: F,
}

impl<F: FnMut(usize, f64), I: State<Float = f64>> Observe<I> for Progress<F> {
    fn observe_iter(&mut self, state: &I, _kv: &KV) -> std::result::Result<(), argmin::core::Error> {
        let cost = state.get_best_cost();
        self.costs.borrow_mut().push(cost);
        (self.callback)(state.get_iter() as usize + 1, cost);
        Ok(())
    }
}

/// Direct single shooting: minimise the cost over the whole control sequence with L-BFGS (argmin, Moré–Thuente
/// line search). Gradients are exact: per-step vector–Jacobian products from dual numbers, accumulated backwards
/// in time by [`crate::grad::adjoint`] ([`ControlProblem::cost_and_gradient`]).
///
/// `progress` is called after every iteration with `(iteration, best cost)`.
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid problem or guess, or a problem with control bounds (L-BFGS here is
/// unconstrained: use [`super::ilqr`], box-DDP, for those); [`Error::Numerical`] if argmin fails.
pub fn shooting_lbfgs(
    problem: &ControlProblem,
    initial: &[DVector<f64>],
    options: &ShootingOptions,
    mut progress: impl FnMut(usize, f64) + 'static,
) -> Result<OptimizeReport> {
    problem.validate()?;
    check_guess(problem, initial)?;
    if problem.bounds.is_some() {
        return Err(Error::InvalidArgument(format!(
            "`{}` has control bounds: L-BFGS shooting is unconstrained, use ilqr (box-DDP)",
            problem.name
        )));
    }
    if !(options.cost_tolerance.is_finite() && options.cost_tolerance >= 0.0) {
        return Err(Error::InvalidArgument(format!(
            "L-BFGS: cost_tolerance must be finite and ≥ 0, not {}",
            options.cost_tolerance
        )));
    }
    let objective = Objective { problem, cache: RefCell::new(None) };
    let p0: Vec<f64> = initial.iter().flat_map(|u| u.iter().copied()).collect();
    let initial_cost = CostFunction::cost(&objective, &p0).map_err(|e| Error::Numerical(e.to_string()))?;
    progress(0, initial_cost);
    let costs = Rc::new(RefCell::new(vec![initial_cost]));
    let numerical = |e: argmin::core::Error| Error::Numerical(format!("L-BFGS: {e}"));
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), options.memory)
        .with_tolerance_grad(options.gradient_tolerance)
        .map_err(numerical)?
        .with_tolerance_cost(options.cost_tolerance * if initial_cost.is_finite() { initial_cost.abs() } else { 1.0 })
        .map_err(numerical)?;
    let observer = Progress { costs: Rc::clone(&costs), callback: progress };
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(p0).max_iters(options.max_iterations))
        .add_observer(observer, ObserverMode::Always)
        .run()
        .map_err(numerical)?;
    let best = result.state().get_best_param().cloned().ok_or_else(|| Error::Numerical("L-BFGS: no iterate".into()))?;
    let controls: Vec<DVector<f64>> = best.chunks(problem.nu()).map(DVector::from_column_slice).collect();
    let states = problem.rollout(&controls)?;
    let costs = costs.borrow().clone();
    Ok(OptimizeReport { method: "lbfgs".into(), costs, controls, states })
}
