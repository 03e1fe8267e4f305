//! Second-order terms of the step for DDP: the Hessian of the step contracted with a covector.

use crate::model::Model;
use crate::sim::{step_with_torques, State, Workspace};
use crate::{Error, Result, Scalar};
use nalgebra::{Const, DMatrix, DVector, SMatrix};
use num_dual::HyperDualSVec64;
use std::ops::Range;

/// Width of the hyper-dual blocks: one evaluation of the step gives a `4 × 4` block of the Hessian.
const BLOCK: usize = 4;
type Hyper = HyperDualSVec64<BLOCK, BLOCK>;

/// The curvature of the robots' step that full DDP adds to iLQR's Gauss–Newton model: for a covector `λ` (the next
/// value function's gradient) the Hessian of
///
/// `g(δx, δu) = λᵀ (f(x ⊞ δx, u + δu) ⊟ f(x, u))`
///
/// at `δx = 0`, `δu = 0`, over `z = [δx; δu]` (`δx` the robots' tangent state `[δq, δv]` per robot, `2 nv` each,
/// `δu` the chosen torque entries). The second derivatives of every output are exact: the step runs once per
/// `4 × 4` block of the Hessian on hyper-dual numbers (`HyperDualSVec64<4, 4>`, `⌈n/4⌉(⌈n/4⌉ + 1)/2` steps for
/// `n = nx + nu`), so they cost far more than the Jacobians (about 100 `f64` steps per block on the cart-pole);
/// DDP pays that for its quadratic convergence near the optimum (Mayne 1966; Tassa, Erez & Todorov 2012).
///
/// The state's other parts (contact memories) enter as constants, as in [`crate::grad::StepLinearizer`].
///
/// ```
/// use diffphys::grad::StepCurvature;
/// use diffphys::model::{Model, Robot};
/// use diffphys::sim::State;
/// use nalgebra::DVector;
///
/// let mut model = Model::<f64>::empty(0.01, 1.0);
/// model.add_robot(Robot::new(diffphys::model::multibody::sample::cartpole())).unwrap();
/// let mut curvature = StepCurvature::new(&model).unwrap();
/// let mut state = State::initial(&model);
/// state.robots[0].q[1] = 0.5; // the pole tilted by 0.5 rad
/// let second = curvature.second_derivatives(&state, &[DVector::zeros(2)], &[0]).unwrap();
/// assert_eq!((second.len(), second[0].shape()), (4, (5, 5))); // [δx; δu] → four outputs
/// // the pole's angle after the step is curved in the angle (gravity's torque goes as its sine)
/// let lambda = DVector::from_vec(vec![0.0, 1.0, 0.0, 0.0]);
/// let mut h = nalgebra::DMatrix::zeros(5, 5);
/// StepCurvature::contract(&second, &lambda, &mut h);
/// assert!(h[(1, 1)].abs() > 1e-6 && (&h - h.transpose()).amax() < 1e-12);
/// ```
#[derive(Debug)]
pub struct StepCurvature {
    model: Model<Hyper>,
    ws: Workspace<Hyper>,
}

impl StepCurvature {
    /// The curvature of `model`'s step.
    ///
    /// # Errors
    /// An invalid model, or one without robots.
    pub fn new(model: &Model<f64>) -> Result<Self> {
        model.validate()?;
        if model.robots.is_empty() {
            return Err(Error::InvalidArgument("step curvature needs a model with robots".into()));
        }
        Ok(StepCurvature { model: model.lift(), ws: Workspace::new(model.particles.len()) })
    }

    /// The second derivatives of the step `f(x ⊞ δx, u + δu) ⊟ f(x, u)` at `state` under `torques` (one vector of
    /// `nv` per robot), over `z = [δx; δu]` with `δu` the entries `controls` of the robots' torques stacked: one
    /// symmetric `n × n` matrix per output (the `nx` tangent coordinates of the next state), `n = nx +
    /// controls.len()`. DDP contracts them with the next value's gradient: [`contract`](StepCurvature::contract).
    ///
    /// # Errors
    /// A state, torques or control indices that do not fit the robots; a step that fails.
    pub fn second_derivatives(
        &mut self,
        state: &State<f64>,
        torques: &[DVector<f64>],
        controls: &[usize],
    ) -> Result<Vec<DMatrix<f64>>> {
        let robots = &self.model.robots;
        let nv_total: usize = robots.iter().map(|r| r.multibody.nv()).sum();
        let nx = 2 * nv_total;
        let fits = state.robots.len() == robots.len()
            && state
                .robots
                .iter()
                .zip(robots)
                .all(|(s, r)| s.q.len() == r.multibody.nq() && s.v.len() == r.multibody.nv())
            && torques.len() == robots.len()
            && torques.iter().zip(robots).all(|(t, r)| t.len() == r.multibody.nv())
            && controls.iter().all(|&i| i < nv_total);
        if !fits {
            return Err(Error::InvalidArgument(format!(
                "step curvature: the state, torques (nv per robot) or control indices (< {nv_total}) do not fit the \
                 robots"
            )));
        }
        let n = nx + controls.len();
        let blocks: Vec<Range<usize>> = (0..n).step_by(BLOCK).map(|s| s..(s + BLOCK).min(n)).collect();
        let mut h = vec![DMatrix::zeros(n, n); nx];
        for (bi, rows) in blocks.iter().enumerate() {
            for cols in &blocks[bi..] {
                let outputs = self.block(state, torques, controls, nx, rows, cols)?;
                for (hi, out) in h.iter_mut().zip(&outputs) {
                    for (a, i) in rows.clone().enumerate() {
                        for (b, j) in cols.clone().enumerate() {
                            hi[(i, j)] = out[(a, b)];
                            hi[(j, i)] = out[(a, b)];
                        }
                    }
                }
            }
        }
        Ok(h)
    }

    /// `Σᵢ λᵢ Hᵢ`: the Hessian of `λᵀ (f ⊟ f̄)` from [`second_derivatives`](StepCurvature::second_derivatives),
    /// added to `out` (`n × n`).
    pub fn contract(second_derivatives: &[DMatrix<f64>], lambda: &DVector<f64>, out: &mut DMatrix<f64>) {
        for (h, &l) in second_derivatives.iter().zip(lambda.iter()) {
            if l != 0.0 {
                *out += h * l;
            }
        }
    }

    /// One block `∂²(f ⊟ f̄)ᵢ/∂z_rows ∂z_cols` of every output from one step on hyper-dual numbers.
    fn block(
        &mut self,
        state: &State<f64>,
        torques: &[DVector<f64>],
        controls: &[usize],
        nx: usize,
        rows: &Range<usize>,
        cols: &Range<usize>,
    ) -> Result<Vec<SMatrix<f64, BLOCK, BLOCK>>> {
        let seeded = |k: usize, re: f64| {
            let mut x = Hyper::from_re(re);
            if rows.contains(&k) {
                x = x.derivative1(k - rows.start);
            }
            if cols.contains(&k) {
                x = x.derivative2(k - cols.start);
            }
            x
        };
        let mut start = state.lift::<Hyper>();
        let (mut o, mut flat) = (0, 0);
        let mut lifted_torques = Vec::with_capacity(torques.len());
        for ((robot, s), tau) in self.model.robots.iter().zip(&mut start.robots).zip(torques) {
            let nv = robot.multibody.nv();
            let dq = DVector::from_fn(nv, |i, _| seeded(o + i, 0.0));
            s.q = robot.multibody.integrate(&s.q, &dq, &Hyper::constant(1.0));
            for i in 0..nv {
                s.v[i] += seeded(o + nv + i, 0.0);
            }
            let mut t = tau.map(Hyper::constant);
            for (k, &c) in controls.iter().enumerate() {
                if (flat..flat + nv).contains(&c) {
                    t[c - flat] = seeded(nx + k, tau[c - flat]);
                }
            }
            lifted_torques.push(t);
            o += 2 * nv;
            flat += nv;
        }
        let mut next = start;
        step_with_torques(&self.model, &mut next, &mut self.ws, &lifted_torques)?;
        // f ⊟ f̄, f̄ the step's value part
        let mut outputs = Vec::with_capacity(nx);
        let second = |x: &Hyper| x.eps1eps2.unwrap_generic(Const::<BLOCK>, Const::<BLOCK>);
        for (robot, s) in self.model.robots.iter().zip(&next.robots) {
            let q_bar = s.q.map(|c| Hyper::constant(c.re));
            outputs.extend(robot.multibody.difference(&q_bar, &s.q).iter().map(second));
            outputs.extend(s.v.iter().map(second));
        }
        Ok(outputs)
    }
}
