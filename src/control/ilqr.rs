//! Iterative LQR / box-DDP with exact per-step Jacobians.

use super::box_qp::box_qp;
use super::cost::{CostEvaluator, Quadratic};
use super::problem::coordinates;
use super::{ControlProblem, OptimizeReport};
use crate::grad::{StepCurvature, StepLinearizer};
use crate::model::{FrictionLaw, Model};
use crate::multibody::ldlt::{ltdl_factor, ltdl_solve, TreeSparsity};
use crate::sim::{step_with_torques, State, Workspace};
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// Settings of [`ilqr`].
#[derive(Clone, Debug, PartialEq)]
pub struct IlqrOptions {
    /// Maximum number of iterations. Default 200.
    pub max_iterations: usize,
    /// Stop when the cost decrease the local model predicts for a full step falls below this fraction of the cost
    /// (and so does the decrease achieved). Default 1e-6.
    pub tolerance: f64,
    /// Initial Levenberg regularisation `μ` added to `Q_uu`. Default 1e-9, as Crocoddyl's FDDP: a larger start
    /// is not negligible beside small control costs (the reach's `1e-4 · dt = 1e-6` on `Q_uu`) and bends the first
    /// steps (UR5 reach: 27 iterations from 1e-6, 12 from 1e-9). It grows tenfold whenever `Q_uu + μ 1` is not
    /// positive definite, no step lowers the cost, or only a step of 1 % or less does; it shrinks tenfold after a
    /// step longer than half (FDDP's schedule).
    pub initial_regularisation: f64,
    /// Start from the initial state held at every knot (multiple shooting: the trajectory may have gaps, closed
    /// by the first full step, as Crocoddyl's FDDP from `xs = [x0] * (N + 1)`) instead of the rollout of the
    /// initial controls (single shooting). Default `true`: from zero torques, a rollout lets a robot arm fall, a
    /// poor place to linearise; the held start linearises where the goal is posed.
    pub multiple_shooting: bool,
    /// Full DDP: add the step's second-order terms `V'_x · f_xx`, `V'_x · f_ux`, `V'_x · f_uu` to the local model
    /// (exact, from hyper-dual steps: [`crate::grad::StepCurvature`]) instead of iLQR's Gauss–Newton model. An
    /// iteration costs far more, and the rate near the optimum is quadratic where Gauss–Newton's is linear: it
    /// pays where the dynamics are strongly curved along the costs' gradients and a tight optimum is wanted
    /// (cart-pole swing-up to `1e-6`: 51 iterations to a cost 3e-4 lower than iLQR's 110, which stops on its slow
    /// tail). Default `false`.
    pub second_order: bool,
    /// Carry the ground contacts' memories (each friction anchor's stretch and onset speed) in the local model,
    /// where the world is robots on the ground with anchored friction: the state of the backward pass is then
    /// `[anchors, robots' tangent state]` (its size changes where contacts begin or end) and `A_t` is the step's
    /// Jacobian through the anchors, so the model sees how the feet resist sliding; the costs' quadratics do not
    /// depend on the anchors (a contact-force cost's dependence on them is left out, Gauss–Newton style). Used on
    /// trajectories without gaps and without [`IlqrOptions::second_order`]. `false` holds the anchors fixed as
    /// [`StepLinearizer`] does. The Go1 unloading a foot (100 knots) reaches a 14 % lower cost with it (1.36
    /// against 1.58) in 34 iterations instead of 22, at about the same cost per iteration. Default `true`.
    pub contact_memory: bool,
}

impl IlqrOptions {
    /// Checks the settings: a tolerance and an initial regularisation that are finite and ≥ 0.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the setting.
    pub fn validate(&self) -> Result<()> {
        for (name, x) in [("tolerance", self.tolerance), ("initial_regularisation", self.initial_regularisation)] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(Error::InvalidArgument(format!("ilqr: {name} must be finite and ≥ 0, not {x}")));
            }
        }
        Ok(())
    }
}

impl Default for IlqrOptions {
    fn default() -> Self {
        IlqrOptions {
            max_iterations: 200,
            tolerance: 1e-6,
            initial_regularisation: 1e-9,
            multiple_shooting: true,
            second_order: false,
            contact_memory: true,
        }
    }
}

/// A trajectory: the world's states, the controls and the cost (the costs at the states, gaps or not).
#[derive(Clone, Debug)]
pub(crate) struct Trajectory {
    pub states: Vec<State<f64>>,
    pub controls: Vec<DVector<f64>>,
    pub cost: f64,
    /// Whether every state is the step from the one before (no gaps).
    pub feasible: bool,
}

/// The local model of one knot: the step's `A`, `B`, the gap `f(x̄_t, ū_t) ⊖ x̄_{t+1}` it leaves (zero on a
/// feasible trajectory) and the cost's quadratic.
struct Knot {
    a: DMatrix<f64>,
    b: DMatrix<f64>,
    gap: DVector<f64>,
    cost: Quadratic,
    /// Full DDP: the step's second derivatives, one `(nx + nu)²` matrix per output ([`StepCurvature`]).
    second: Vec<DMatrix<f64>>,
}

/// The gains of one backward pass and the decrease they predict.
struct Gains {
    k: Vec<DVector<f64>>,
    big_k: Vec<DMatrix<f64>>,
    /// `ΔV(α) = α d1 + α² d2` (negative for a decrease).
    d1: f64,
    d2: f64,
}

/// Iterative LQR with box constraints on the controls (box-DDP, by default without the second-order dynamics terms,
/// with them when [`IlqrOptions::second_order`]): linearise
/// the world's step along the current trajectory (`A_t`, `B_t` from [`StepLinearizer`], analytic with
/// semi-implicit Euler), take the costs' gradients and Gauss–Newton Hessians, solve the local problem backwards in
/// time, where each step's control update is a box-constrained QP solved by projected Newton (the feedback acts
/// on the free controls only), and roll out `u_t = clamp(ū_t + α k_t + K_t (x_t ⊖ x̄_t))` with a backtracking line
/// search on `α`. Without bounds this is iLQR (Li & Todorov 2004) with Levenberg regularisation (Tassa, Erez &
/// Todorov 2012).
///
/// `progress` is called after every iteration with `(iteration, cost)`.
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid problem or initial guess of the wrong size; errors of the rollout
/// (the initial guess blowing up is [`Error::NonFinite`]); [`Error::Numerical`] when `Q_uu` stays indefinite.
///
/// References: Li & Todorov, ICINCO 2004; Tassa, Erez & Todorov, IROS 2012; Tassa, Mansard & Todorov, ICRA 2014.
pub fn ilqr(
    problem: &ControlProblem,
    initial: &[DVector<f64>],
    options: &IlqrOptions,
    mut progress: impl FnMut(usize, f64),
) -> Result<OptimizeReport> {
    let solver = Solver::new(problem, initial)?;
    let mut costs = Vec::new();
    let trajectory = solver.solve(initial, options, |i, c| {
        costs.push(c);
        progress(i, c)
    })?;
    Ok(OptimizeReport {
        method: match (problem.bounds.is_some(), options.second_order) {
            (true, true) => "box-ddp (full)",
            (true, false) => "box-ddp",
            (false, true) => "ddp",
            (false, false) => "ilqr",
        }
        .into(),
        costs,
        states: trajectory.states.iter().map(coordinates).collect(),
        controls: trajectory.controls,
    })
}

/// The solver's buffers for one problem.
pub(crate) struct Solver<'a> {
    problem: &'a ControlProblem,
    linearizer: std::cell::RefCell<StepLinearizer<'a>>,
    costs: std::cell::RefCell<CostEvaluator>,
    /// The step's curvature, made on first use (full DDP only).
    curvature: std::cell::RefCell<Option<StepCurvature>>,
    /// Whether the local model carries the ground contacts' memories (see [`Solver::linearise`]).
    through_memory: bool,
}

impl<'a> Solver<'a> {
    pub fn new(problem: &'a ControlProblem, initial: &[DVector<f64>]) -> Result<Self> {
        problem.validate()?;
        problem.check_local_model()?;
        check_guess(problem, initial)?;
        Ok(Solver {
            problem,
            linearizer: std::cell::RefCell::new(StepLinearizer::new(&problem.model)?),
            costs: std::cell::RefCell::new(CostEvaluator::new(&problem.model, problem.nu())),
            curvature: std::cell::RefCell::new(None),
            through_memory: carries_memory(&problem.model),
        })
    }

    /// The trajectory from `start` under `controls` (clamped into the bounds), or `None` if it leaves the finite
    /// numbers or a step fails.
    pub fn rollout(&self, start: &State<f64>, controls: &[DVector<f64>]) -> Result<Trajectory> {
        let p = self.problem;
        let mut ws = Workspace::new(0);
        let mut states = Vec::with_capacity(controls.len() + 1);
        states.push(start.clone());
        let controls: Vec<DVector<f64>> =
            controls.iter().map(|u| p.bounds.as_ref().map_or_else(|| u.clone(), |b| b.clamp(u))).collect();
        for (t, u) in controls.iter().enumerate() {
            let mut next = states[t].clone();
            step_with_torques(&p.model, &mut next, &mut ws, &p.torques(u.as_slice())).map_err(|e| match e {
                Error::NonFinite { body, .. } => Error::NonFinite { body, step: t + 1, time: (t + 1) as f64 * p.dt() },
                e => e,
            })?;
            states.push(next);
        }
        let cost = self.cost(&states, &controls)?;
        Ok(Trajectory { states, controls, cost, feasible: true })
    }

    /// `start` held at every knot under `controls`: a trajectory with gaps (multiple shooting's start).
    fn held(&self, start: &State<f64>, controls: &[DVector<f64>]) -> Result<Trajectory> {
        let p = self.problem;
        let controls: Vec<DVector<f64>> =
            controls.iter().map(|u| p.bounds.as_ref().map_or_else(|| u.clone(), |b| b.clamp(u))).collect();
        let states = vec![start.clone(); controls.len() + 1];
        let cost = self.cost(&states, &controls)?;
        Ok(Trajectory { states, controls, cost, feasible: false })
    }

    fn cost(&self, states: &[State<f64>], controls: &[DVector<f64>]) -> Result<f64> {
        let p = self.problem;
        let mut eval = self.costs.borrow_mut();
        let mut total = 0.0;
        for (t, (state, u)) in states.iter().zip(controls).enumerate() {
            total += eval.evaluate(&p.model, &p.running, t, state, u, p.dt(), false)?.value;
        }
        let last = states.last().expect("at least the start");
        Ok(total + eval.evaluate(&p.model, &p.terminal, usize::MAX, last, &DVector::zeros(p.nu()), 1.0, false)?.value)
    }

    /// Optimise from `initial` controls, starting at the model's initial state.
    pub fn solve(
        &self,
        initial: &[DVector<f64>],
        options: &IlqrOptions,
        progress: impl FnMut(usize, f64),
    ) -> Result<Trajectory> {
        let start = self.problem.initial_state();
        self.solve_from(&start, initial, options, progress)
    }

    /// Optimise from `initial` controls, starting at `start` (MPC re-plans from the measured state).
    pub fn solve_from(
        &self,
        start: &State<f64>,
        initial: &[DVector<f64>],
        options: &IlqrOptions,
        mut progress: impl FnMut(usize, f64),
    ) -> Result<Trajectory> {
        options.validate()?;
        let p = self.problem;
        let mut current =
            if options.multiple_shooting { self.held(start, initial)? } else { self.rollout(start, initial)? };
        progress(0, current.cost);
        let mut mu = options.initial_regularisation;
        let mut previous_k: Option<Vec<DVector<f64>>> = None;
        for iteration in 1..=options.max_iterations {
            let knots = self.linearise(&current, options)?;
            if !current.feasible && knots.iter().all(|k| k.gap.amax() <= 1e-12) {
                // the held start was an equilibrium under the initial controls: no gaps
                current.feasible = true;
            }
            let gains = loop {
                match self.backward_pass(&current, &knots, mu, previous_k.as_deref()) {
                    Some(g) => break g,
                    None if mu < 1e10 => mu = (mu * 10.0).max(1e-6),
                    None => return Err(Error::Numerical(format!("{}: Q_uu stays indefinite at μ = 1e10", p.name))),
                }
            };
            let expected = -(gains.d1 + gains.d2);
            if current.feasible && expected < options.tolerance * current.cost.abs().max(1e-300) {
                break;
            }
            // a step must lower the cost; on a trajectory with gaps, where no step may (the gaps can hide a
            // cost no feasible trajectory attains), the full step closes them if nothing shorter lowers the cost.
            // A step of length α closes the fraction α of every gap.
            let mut accepted = None;
            let mut full_step = None;
            let mut alpha = 1.0;
            while alpha > 1e-4 {
                if let Some(candidate) = self.forward_pass(start, &current, &knots, &gains, alpha) {
                    if candidate.cost < current.cost {
                        accepted = Some(candidate);
                        break;
                    }
                    if !current.feasible && alpha == 1.0 {
                        full_step = Some(candidate);
                    }
                }
                alpha *= 0.5;
            }
            let accepted = accepted.or(full_step);
            match accepted {
                Some(next) => {
                    let decrease = (current.cost - next.cost) / current.cost.abs().max(1e-300);
                    let was_feasible = current.feasible;
                    current = next;
                    progress(iteration, current.cost);
                    previous_k = Some(gains.k);
                    // FDDP's schedule: relax after a long step, stiffen after a very short one
                    if alpha > 0.5 {
                        mu = (mu / 10.0).max(1e-9);
                    } else if alpha <= 0.01 {
                        mu *= 10.0;
                    }
                    if was_feasible && decrease < options.tolerance {
                        break;
                    }
                }
                None => {
                    mu = (mu * 10.0).max(1e-6);
                    if mu > 1e10 {
                        break;
                    }
                }
            }
        }
        Ok(current)
    }

    /// `A_t`, `B_t` and the costs' quadratics along the trajectory, and with `second_order` the steps' second
    /// derivatives.
    fn linearise(&self, tr: &Trajectory, options: &IlqrOptions) -> Result<Vec<Knot>> {
        let second_order = options.second_order;
        let p = self.problem;
        let mut curvature = self.curvature.borrow_mut();
        if second_order && curvature.is_none() {
            *curvature = Some(StepCurvature::new(&p.model)?);
        }
        let mut linearizer = self.linearizer.borrow_mut();
        let mut eval = self.costs.borrow_mut();
        let mut knots = Vec::with_capacity(p.steps + 1);
        if self.through_memory && options.contact_memory && tr.feasible && !options.second_order {
            // the state's tangent layout with the contacts' memories first ([`crate::grad`]'s whole-state
            // Jacobians): the feet's anchors are state, so the local model sees how they resist sliding
            let memory = |s: &State<f64>| 4 * s.friction_anchors.len();
            for (t, (state, u)) in tr.states.iter().zip(&tr.controls).enumerate() {
                let j = linearizer.state_jacobians(state, &p.torques(u.as_slice()), &tr.states[t + 1])?;
                let cost = eval.evaluate(&p.model, &p.running, t, state, u, p.dt(), true)?;
                let gap = DVector::zeros(j.dz.nrows());
                let cost = cost.embedded(memory(state));
                knots.push(Knot { a: j.dz, b: p.actuated_columns(&j.du), gap, cost, second: Vec::new() });
            }
            let last = tr.states.last().expect("at least the start");
            let cost = eval.evaluate(&p.model, &p.terminal, usize::MAX, last, &DVector::zeros(p.nu()), 1.0, true)?;
            let (a, b, gap, second) = (DMatrix::zeros(0, 0), DMatrix::zeros(0, 0), DVector::zeros(0), Vec::new());
            knots.push(Knot { a, b, gap, cost: cost.embedded(memory(last)), second });
            return Ok(knots);
        }
        for (t, (state, u)) in tr.states.iter().zip(&tr.controls).enumerate() {
            let j = linearizer.jacobians_with_torques(state, &p.torques(u.as_slice()))?;
            let cost = eval.evaluate(&p.model, &p.running, t, state, u, p.dt(), true)?;
            let gap = if tr.feasible {
                DVector::zeros(p.nx())
            } else {
                // f(x̄_t, ū_t) ⊖ x̄_{t+1}: the step's end in coordinates against the next knot's state
                let mut reached = tr.states[t + 1].clone();
                let mut k = 0;
                for (r, s) in p.model.robots.iter().zip(&mut reached.robots) {
                    let (nq, nv) = (r.multibody.nq(), r.multibody.nv());
                    s.q = j.next.rows(k, nq).into_owned();
                    s.v = j.next.rows(k + nq, nv).into_owned();
                    k += nq + nv;
                }
                tangent_difference(&p.model, &tr.states[t + 1], &reached)
            };
            let second = match (second_order, curvature.as_mut()) {
                (true, Some(c)) => c.second_derivatives(state, &p.torques(u.as_slice()), &p.actuated)?,
                _ => Vec::new(),
            };
            knots.push(Knot { a: j.a, b: p.actuated_columns(&j.b), gap, cost, second });
        }
        let last = tr.states.last().expect("at least the start");
        let cost = eval.evaluate(&p.model, &p.terminal, usize::MAX, last, &DVector::zeros(p.nu()), 1.0, true)?;
        let (a, b, gap, second) = (DMatrix::zeros(0, 0), DMatrix::zeros(0, 0), DVector::zeros(0), Vec::new());
        knots.push(Knot { a, b, gap, cost, second });
        Ok(knots)
    }

    /// The gains `k_t`, `K_t`, or `None` if some `Q_uu + μ I` is not positive definite.
    ///
    /// Every product goes into a buffer allocated once per pass (GEMM with explicit transposes: nalgebra's `tr_mul`
    /// takes one dot product per entry, several times slower at these sizes), and `Q_uu + μ 1` is factored by the
    /// dense `LᵀDL` of [`crate::multibody::ldlt`] in place.
    fn backward_pass(&self, tr: &Trajectory, knots: &[Knot], mu: f64, warm: Option<&[DVector<f64>]>) -> Option<Gains> {
        let p = self.problem;
        let (nx, nu, steps) = (p.nx(), p.nu(), p.steps);
        // with the contacts' memories in the state, its size changes from knot to knot (`n_t = A_t`'s columns)
        let fit = |m: &mut DMatrix<f64>, rows: usize, cols: usize| {
            if m.shape() != (rows, cols) {
                *m = DMatrix::zeros(rows, cols);
            }
        };
        let fit_vector = |v: &mut DVector<f64>, rows: usize| {
            if v.len() != rows {
                *v = DVector::zeros(rows);
            }
        };
        let terminal = &knots[steps].cost;
        let (mut v_x, mut v_xx) = (terminal.l_x.clone(), terminal.l_xx.clone());
        let mut k_all = vec![DVector::zeros(nu); steps];
        let mut big_k_all = vec![DMatrix::zeros(nu, nx); steps];
        let (mut d1, mut d2) = (0.0, 0.0);
        let dense = TreeSparsity::dense(nu);
        let (mut a_t, mut b_t, mut vxx_a, mut vxx_b) =
            (DMatrix::zeros(nx, nx), DMatrix::zeros(nu, nx), DMatrix::zeros(nx, nx), DMatrix::zeros(nx, nu));
        let (mut q_x, mut q_u, mut v_x_gap) = (DVector::zeros(nx), DVector::zeros(nu), DVector::zeros(nx));
        let (mut q_xx, mut q_uu, mut q_ux) = (DMatrix::zeros(nx, nx), DMatrix::zeros(nu, nu), DMatrix::zeros(nu, nx));
        let (mut factor, mut w, mut k_t, mut q_ux_t) =
            (DMatrix::zeros(nu, nu), DMatrix::zeros(nu, nx), DMatrix::zeros(nx, nu), DMatrix::zeros(nx, nu));
        let (mut quu_k, mut k) = (DVector::zeros(nu), DVector::zeros(nu));
        let mut curvature = DMatrix::zeros(nx + nu, nx + nu);
        let mut big_k = DMatrix::zeros(nu, nx);
        for t in (0..steps).rev() {
            let Knot { a, b, gap, cost, second } = &knots[t];
            let (n, n_next) = (a.ncols(), a.nrows());
            fit(&mut a_t, n, n_next);
            fit(&mut b_t, nu, n_next);
            fit(&mut vxx_a, n_next, n);
            fit(&mut vxx_b, n_next, nu);
            fit_vector(&mut q_x, n);
            fit_vector(&mut v_x_gap, n_next);
            fit(&mut q_xx, n, n);
            fit(&mut q_ux, nu, n);
            fit(&mut w, nu, n);
            fit(&mut k_t, n, nu);
            fit(&mut q_ux_t, n, nu);
            fit(&mut big_k, nu, n);
            a.transpose_to(&mut a_t);
            b.transpose_to(&mut b_t);
            vxx_a.gemm(1.0, &v_xx, a, 0.0);
            vxx_b.gemm(1.0, &v_xx, b, 0.0);
            // δx_{t+1} = A δx_t + B δu_t + gap: the next value's gradient at the gap
            v_x_gap.copy_from(&v_x);
            if !tr.feasible {
                v_x_gap.gemv(1.0, &v_xx, gap, 1.0);
            }
            q_x.copy_from(&cost.l_x);
            q_x.gemv(1.0, &a_t, &v_x_gap, 1.0);
            q_u.copy_from(&cost.l_u);
            q_u.gemv(1.0, &b_t, &v_x_gap, 1.0);
            q_xx.copy_from(&cost.l_xx);
            q_xx.gemm(1.0, &a_t, &vxx_a, 1.0);
            q_uu.copy_from(&cost.l_uu);
            q_uu.gemm(1.0, &b_t, &vxx_b, 1.0);
            q_ux.copy_from(&cost.l_ux);
            q_ux.gemm(1.0, &b_t, &vxx_a, 1.0);
            if !second.is_empty() {
                // full DDP: the step's curvature along the next value's gradient
                curvature.fill(0.0);
                StepCurvature::contract(second, &v_x_gap, &mut curvature);
                q_xx += curvature.view((0, 0), (nx, nx));
                q_ux += curvature.view((nx, 0), (nu, nx));
                q_uu += curvature.view((nx, nx), (nu, nu));
            }
            factor.copy_from(&q_uu);
            for i in 0..nu {
                factor[(i, i)] += mu;
            }
            match &p.bounds {
                None => {
                    ltdl_factor(&mut factor, &dense).ok()?;
                    k.copy_from(&q_u);
                    ltdl_solve(&factor, &dense, &mut k);
                    k.neg_mut();
                    big_k.copy_from(&q_ux);
                    ltdl_solve(&factor, &dense, &mut big_k);
                    big_k.neg_mut();
                }
                Some(bounds) => {
                    let u = &tr.controls[t];
                    let (lower, upper) = (&bounds.lower - u, &bounds.upper - u);
                    let start = warm.map_or_else(|| DVector::zeros(nu), |w| w[t].clone());
                    let qp = box_qp(&factor, &q_u, &lower, &upper, &start)?;
                    big_k.fill(0.0);
                    if let Some(free_factor) = &qp.free_factor {
                        let idx: Vec<usize> = (0..nu).filter(|&i| qp.free[i]).collect();
                        let rows = DMatrix::from_fn(idx.len(), n, |r, c| q_ux[(idx[r], c)]);
                        let solved = -free_factor.solve(&rows);
                        for (r, &i) in idx.iter().enumerate() {
                            big_k.row_mut(i).copy_from(&solved.row(r));
                        }
                    }
                    k.copy_from(&qp.x);
                }
            }
            quu_k.gemv(1.0, &q_uu, &k, 0.0);
            d1 += k.dot(&q_u);
            d2 += 0.5 * k.dot(&quu_k);
            // V_x = Q_x + Kᵀ (Q_uu k + Q_u) + Q_uxᵀ k and V_xx = Q_xx + Kᵀ (Q_uu K + Q_ux) + Q_uxᵀ K
            quu_k += &q_u;
            fit_vector(&mut v_x, n);
            fit(&mut v_xx, n, n);
            v_x.copy_from(&q_x);
            v_x.gemv_tr(1.0, &big_k, &quu_k, 1.0);
            v_x.gemv_tr(1.0, &q_ux, &k, 1.0);
            w.copy_from(&q_ux);
            w.gemm(1.0, &q_uu, &big_k, 1.0);
            big_k.transpose_to(&mut k_t);
            q_ux.transpose_to(&mut q_ux_t);
            v_xx.copy_from(&q_xx);
            v_xx.gemm(1.0, &k_t, &w, 1.0);
            v_xx.gemm(1.0, &q_ux_t, &big_k, 1.0);
            for i in 0..n {
                for j in 0..i {
                    let mean = 0.5 * (v_xx[(i, j)] + v_xx[(j, i)]);
                    v_xx[(i, j)] = mean;
                    v_xx[(j, i)] = mean;
                }
            }
            k_all[t].copy_from(&k);
            fit(&mut big_k_all[t], nu, n);
            big_k_all[t].copy_from(&big_k);
        }
        Some(Gains { k: k_all, big_k: big_k_all, d1, d2 })
    }

    /// The rollout under `u_t = clamp(ū_t + α k_t + K_t (x_t ⊖ x̄_t))`, or `None` if it fails or blows up. On a
    /// trajectory with gaps, each step's end is moved back by `(1 − α)` of the gap (FDDP's partial closure).
    fn forward_pass(
        &self,
        start: &State<f64>,
        tr: &Trajectory,
        knots: &[Knot],
        gains: &Gains,
        alpha: f64,
    ) -> Option<Trajectory> {
        let p = self.problem;
        let mut ws = Workspace::new(0);
        let mut states = Vec::with_capacity(p.steps + 1);
        let mut controls = Vec::with_capacity(p.steps);
        states.push(start.clone());
        for t in 0..p.steps {
            let dx = tangent_difference(&p.model, &tr.states[t], &states[t]);
            let memory = gains.big_k[t].ncols() - dx.len();
            let mut u = &tr.controls[t] + &gains.k[t] * alpha + gains.big_k[t].columns(memory, dx.len()) * dx;
            if memory > 0 {
                u += gains.big_k[t].columns(0, memory) * memory_difference(&tr.states[t], &states[t], memory);
            }
            if let Some(b) = &p.bounds {
                u = b.clamp(&u);
            }
            let mut next = states[t].clone();
            step_with_torques(&p.model, &mut next, &mut ws, &p.torques(u.as_slice())).ok()?;
            if !tr.feasible && alpha < 1.0 {
                let mut o = 0;
                for (r, s) in p.model.robots.iter().zip(&mut next.robots) {
                    let nv = r.multibody.nv();
                    let back = -(1.0 - alpha);
                    s.q = r.multibody.integrate(&s.q, &(knots[t].gap.rows(o, nv) * back), &1.0);
                    s.v += knots[t].gap.rows(o + nv, nv) * back;
                    o += 2 * nv;
                }
            }
            if next.robots.iter().any(|r| r.q.iter().chain(r.v.iter()).any(|x| !x.is_finite())) {
                return None;
            }
            states.push(next);
            controls.push(u);
        }
        let cost = self.cost(&states, &controls).ok()?;
        let feasible = tr.feasible || alpha == 1.0;
        cost.is_finite().then_some(Trajectory { states, controls, cost, feasible })
    }
}

/// `x ⊖ x̄` in the tangent space: `[q ⊖ q̄, v − v̄]` per robot.
pub(crate) fn tangent_difference(model: &Model<f64>, reference: &State<f64>, state: &State<f64>) -> DVector<f64> {
    let nx = model.robots.iter().map(|r| 2 * r.multibody.nv()).sum();
    let mut dx = DVector::zeros(nx);
    let mut o = 0;
    for ((robot, s), s_ref) in model.robots.iter().zip(&state.robots).zip(&reference.robots) {
        let nv = robot.multibody.nv();
        dx.rows_mut(o, nv).copy_from(&robot.multibody.difference(&s_ref.q, &s.q));
        dx.rows_mut(o + nv, nv).copy_from(&(&s.v - &s_ref.v));
        o += 2 * nv;
    }
    dx
}

/// Whether [`Solver::linearise`] carries the ground contacts' memories in the local model: a world of robots on
/// the ground ([`crate::grad`]'s whole-state Jacobians cover it) with anchored friction, whose anchors hold the feet.
fn carries_memory(model: &Model<f64>) -> bool {
    crate::grad::covers_whole_state(model)
        && model.ground.is_some()
        && model.settings.contact.friction_law == FrictionLaw::Anchored
        && model.robots.iter().any(|r| !r.multibody.colliders.is_empty())
}

/// The contacts' memories of `state` less those of `reference` (`len` numbers: four per anchor, as
/// [`State::values`] lays them out) when both hold the same contacts in the same order, zero otherwise (a contact
/// that began or ended: the feedback then acts on the joint state alone).
fn memory_difference(reference: &State<f64>, state: &State<f64>, len: usize) -> DVector<f64> {
    let (a, b) = (&reference.friction_anchors, &state.friction_anchors);
    let same = 4 * a.len() == len && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.pair == y.pair);
    if !same {
        return DVector::zeros(len);
    }
    DVector::from_iterator(
        len,
        a.iter().zip(b).flat_map(|(x, y)| {
            let d = y.stretch - x.stretch;
            [d.x, d.y, d.z, y.onset_speed - x.onset_speed]
        }),
    )
}

pub(super) fn check_guess(problem: &ControlProblem, initial: &[DVector<f64>]) -> Result<()> {
    if initial.len() != problem.steps
        || initial.iter().any(|u| u.len() != problem.nu() || u.iter().any(|x| !x.is_finite()))
    {
        return Err(Error::InvalidArgument(format!(
            "initial controls: need {} steps of {} finite values each",
            problem.steps,
            problem.nu()
        )));
    }
    Ok(())
}
