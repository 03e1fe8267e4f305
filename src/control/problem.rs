//! The swing-up problem: dynamics, cost and exact per-step Jacobians.

use crate::dynamics::MultibodyWorkspace;
use crate::grad::{jacobian, Outcome};
use crate::model::multibody::sample;
use crate::model::{Integrator, Multibody};
use crate::sim::robot::{robot_step, RobotSettings};
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector};
use std::f64::consts::PI;

/// A finite-horizon optimal-control problem on a fixed-base robot with `nq == nv`:
/// minimise `Σ_t r·|u_t|²·dt + Σ_i w_q,i (q_i(T) − q*_i)² + Σ_i w_v,i v_i(T)²` subject to the simulated dynamics.
///
/// The state is `x = [q; v]` (`2 nv`); the control `u` (`nu`) is the torque (N·m) or force (N) on the
/// `actuated` joints, held constant over each step.
#[derive(Clone, Debug)]
pub struct SwingUp {
    /// Problem name (`cartpole`, `pendulum`, `acrobot`).
    pub name: String,
    /// The robot.
    pub model: Multibody<f64>,
    /// Time step and integrator.
    pub settings: RobotSettings,
    /// Number of time steps (horizon = `steps · dt`).
    pub steps: usize,
    /// Velocity indices of the actuated joints (one control each).
    pub actuated: Vec<usize>,
    /// Initial state `[q0; v0]`.
    pub x0: DVector<f64>,
    /// Target configuration `q*`.
    pub q_target: DVector<f64>,
    /// Terminal weights on `q − q*` (per coordinate).
    pub w_q: DVector<f64>,
    /// Terminal weights on `v` (per coordinate).
    pub w_v: DVector<f64>,
    /// Control weight `r` (per (N·m)²·s).
    pub r: f64,
    /// Indices of joint coordinates that are angles (their errors are reported wrapped to (−π, π]).
    pub angles: Vec<usize>,
}

/// What a solver returns.
#[derive(Clone, Debug)]
pub struct OptimizeReport {
    /// Solver name.
    pub method: String,
    /// Cost after each iteration (entry 0: the initial guess).
    pub costs: Vec<f64>,
    /// Optimised controls, one `nu`-vector per step.
    pub controls: Vec<DVector<f64>>,
    /// States `[q; v]` of the optimised trajectory (`steps + 1`).
    pub states: Vec<DVector<f64>>,
}

/// The value and Jacobians of one time step.
#[derive(Clone, Debug)]
pub struct StepJacobians {
    /// `x_{t+1}`.
    pub next: DVector<f64>,
    /// `∂x_{t+1}/∂x_t` (`2nv × 2nv`).
    pub a: DMatrix<f64>,
    /// `∂x_{t+1}/∂u_t` (`2nv × nu`).
    pub b: DMatrix<f64>,
}

impl SwingUp {
    /// Cart-pole swing-up: from hanging still at the origin to upright (`hinge = π`) and at rest, cart back at
    /// `x = 0`, in 3 s (RK4, dt = 20 ms); the slider force is the control.
    pub fn cartpole() -> Self {
        let model = sample::cartpole();
        SwingUp {
            name: "cartpole".into(),
            model,
            settings: RobotSettings { dt: 0.02, integrator: Integrator::Rk4, ..RobotSettings::default() },
            steps: 150,
            actuated: vec![0],
            x0: DVector::zeros(4),
            q_target: DVector::from_vec(vec![0.0, PI]),
            w_q: DVector::from_vec(vec![10.0, 100.0]),
            w_v: DVector::from_vec(vec![10.0, 10.0]),
            r: 0.01,
            angles: vec![1],
        }
    }

    /// Pendulum swing-up (no torque limit): one 1 kg, 1 m rod actuated at its pivot, from hanging to upright in
    /// 2 s.
    pub fn pendulum() -> Self {
        let mut model = Multibody::new("pendulum", "world");
        let joint = crate::model::Joint::new(
            "shoulder",
            crate::model::JointKind::Revolute { axis: nalgebra::Vector3::y() },
            crate::spatial::Transform::identity(),
        );
        model.add_body(None, "rod", joint, sample::rod(1.0, 1.0)).expect("valid");
        SwingUp {
            name: "pendulum".into(),
            model,
            settings: RobotSettings { dt: 0.02, integrator: Integrator::Rk4, ..RobotSettings::default() },
            steps: 100,
            actuated: vec![0],
            x0: DVector::zeros(2),
            q_target: DVector::from_vec(vec![PI]),
            w_q: DVector::from_vec(vec![100.0]),
            w_v: DVector::from_vec(vec![10.0]),
            r: 0.01,
            angles: vec![0],
        }
    }

    /// Acrobot swing-up: two unit rods, only the elbow actuated, from hanging to upright in 4 s.
    pub fn acrobot() -> Self {
        SwingUp {
            name: "acrobot".into(),
            model: sample::acrobot(),
            settings: RobotSettings { dt: 0.02, integrator: Integrator::Rk4, ..RobotSettings::default() },
            steps: 200,
            actuated: vec![1],
            x0: DVector::zeros(4),
            q_target: DVector::from_vec(vec![PI, 0.0]),
            w_q: DVector::from_vec(vec![100.0, 100.0]),
            w_v: DVector::from_vec(vec![10.0, 10.0]),
            r: 0.005,
            angles: vec![0, 1],
        }
    }

    /// A problem by name (`cartpole`, `pendulum`, `acrobot`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for another name.
    pub fn by_name(name: &str) -> Result<Self> {
        match name {
            "cartpole" => Ok(Self::cartpole()),
            "pendulum" => Ok(Self::pendulum()),
            "acrobot" => Ok(Self::acrobot()),
            other => Err(Error::InvalidArgument(format!("unknown problem `{other}` (cartpole, pendulum, acrobot)"))),
        }
    }

    /// Number of controls per step.
    pub fn nu(&self) -> usize {
        self.actuated.len()
    }

    /// Dimension of the state `[q; v]`.
    pub fn nx(&self) -> usize {
        2 * self.model.nv()
    }

    /// Checks sizes and that the robot has `nq == nv` (no free joint).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what does not fit.
    pub fn validate(&self) -> Result<()> {
        let nv = self.model.nv();
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.model.nq() != nv {
            return bad(format!("`{}`: trajectory optimisation needs nq == nv (no free joint)", self.name));
        }
        if self.x0.len() != 2 * nv || self.q_target.len() != nv || self.w_q.len() != nv || self.w_v.len() != nv {
            return bad(format!("`{}`: x0 needs 2·nv entries, q_target, w_q and w_v nv each", self.name));
        }
        if self.actuated.iter().any(|&i| i >= nv) || self.steps == 0 || self.r.is_nan() || self.r <= 0.0 {
            return bad(format!("`{}`: actuated indices < nv, steps > 0 and r > 0 are required", self.name));
        }
        self.model.validate()
    }

    /// One step of the dynamics on any scalar: `x_{t+1} = f(x_t, u_t)`.
    ///
    /// # Errors
    /// As [`robot_step`].
    pub fn step<T: Scalar>(
        &self,
        model: &Multibody<T>,
        ws: &mut MultibodyWorkspace<T>,
        x: &DVector<T>,
        u: &DVector<T>,
    ) -> Result<DVector<T>> {
        let nv = self.model.nv();
        let mut tau = DVector::zeros(nv);
        for (k, &i) in self.actuated.iter().enumerate() {
            tau[i] = u[k];
        }
        let q = x.rows(0, nv).into_owned();
        let v = x.rows(nv, nv).into_owned();
        let (q1, v1) = robot_step(model, ws, &q, &v, &tau, &self.settings)?;
        let mut next = DVector::zeros(2 * nv);
        next.rows_mut(0, nv).copy_from(&q1);
        next.rows_mut(nv, nv).copy_from(&v1);
        Ok(next)
    }

    /// The states of the trajectory driven by `controls` (`steps + 1` states).
    ///
    /// # Errors
    /// As [`robot_step`], and [`Error::NonFinite`] if the state blows up.
    pub fn rollout(&self, controls: &[DVector<f64>]) -> Result<Vec<DVector<f64>>> {
        let mut ws = MultibodyWorkspace::new(&self.model);
        let mut states = vec![self.x0.clone()];
        for (t, u) in controls.iter().enumerate() {
            let next = self.step(&self.model, &mut ws, &states[t], u)?;
            if next.iter().any(|x| !x.is_finite()) {
                let time = (t + 1) as f64 * self.settings.dt;
                return Err(Error::NonFinite { body: self.model.name.clone(), step: t + 1, time });
            }
            states.push(next);
        }
        Ok(states)
    }

    /// The running cost `r |u|² dt` of one step, with its gradient and Hessian in `u`.
    pub fn running_cost(&self, u: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        let w = self.r * self.settings.dt;
        (w * u.norm_squared(), u * (2.0 * w), DMatrix::identity(u.len(), u.len()) * (2.0 * w))
    }

    /// The terminal cost with its gradient and (diagonal) Hessian in `x`.
    pub fn terminal_cost(&self, x: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        let nv = self.model.nv();
        let mut weights = DVector::zeros(2 * nv);
        weights.rows_mut(0, nv).copy_from(&self.w_q);
        weights.rows_mut(nv, nv).copy_from(&self.w_v);
        let mut error = x.clone();
        for i in 0..nv {
            error[i] -= self.q_target[i];
        }
        let cost = error.iter().zip(weights.iter()).map(|(e, w)| w * e * e).sum();
        (cost, error.component_mul(&weights) * 2.0, DMatrix::from_diagonal(&(weights * 2.0)))
    }

    /// Total cost of a trajectory.
    pub fn cost(&self, states: &[DVector<f64>], controls: &[DVector<f64>]) -> f64 {
        let running: f64 = controls.iter().map(|u| self.running_cost(u).0).sum();
        running + self.terminal_cost(states.last().expect("at least x0")).0
    }

    /// Exact `x_{t+1}`, `A_t` and `B_t` from dual numbers.
    ///
    /// # Errors
    /// As [`robot_step`].
    pub fn step_jacobians(&self, x: &DVector<f64>, u: &DVector<f64>) -> Result<StepJacobians> {
        let p: Vec<f64> = x.iter().chain(u.iter()).copied().collect();
        let (next, jac) = jacobian(&StepOutcome { problem: self }, &p)?;
        let nx = self.nx();
        Ok(StepJacobians { next, a: jac.columns(0, nx).into_owned(), b: jac.columns(nx, self.nu()).into_owned() })
    }

    /// Cost and its exact gradient with respect to every control, by the adjoint (backwards) accumulation of
    /// the per-step Jacobians: `λ_T = ∂Φ/∂x_T`, `g_t = ∂ℓ/∂u_t + B_tᵀ λ_{t+1}`, `λ_t = A_tᵀ λ_{t+1}`.
    ///
    /// # Errors
    /// As [`SwingUp::step_jacobians`].
    pub fn cost_and_gradient(&self, controls: &[DVector<f64>]) -> Result<(f64, Vec<DVector<f64>>)> {
        let mut states = vec![self.x0.clone()];
        let mut jacobians = Vec::with_capacity(controls.len());
        for (t, u) in controls.iter().enumerate() {
            let j = self.step_jacobians(&states[t], u)?;
            states.push(j.next.clone());
            jacobians.push(j);
        }
        let (terminal, mut lambda, _) = self.terminal_cost(states.last().expect("x0"));
        let mut cost = terminal;
        let mut gradient = vec![DVector::zeros(self.nu()); controls.len()];
        for t in (0..controls.len()).rev() {
            let (l, l_u, _) = self.running_cost(&controls[t]);
            cost += l;
            gradient[t] = l_u + jacobians[t].b.transpose() * &lambda;
            lambda = jacobians[t].a.transpose() * &lambda;
        }
        Ok((cost, gradient))
    }

    /// Largest wrapped angle error and largest velocity of the final state.
    pub fn final_errors(&self, x: &DVector<f64>) -> (f64, f64) {
        let nv = self.model.nv();
        let mut angle: f64 = 0.0;
        for &i in &self.angles {
            let e = x[i] - self.q_target[i];
            let wrapped = e - 2.0 * PI * (e / (2.0 * PI)).round();
            angle = angle.max(wrapped.abs());
        }
        (angle, x.rows(nv, nv).amax())
    }
}

/// One step as an [`Outcome`] of `p = [x; u]`, so [`jacobian`] differentiates it.
struct StepOutcome<'a> {
    problem: &'a SwingUp,
}

impl Outcome for StepOutcome<'_> {
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
        let nx = self.problem.nx();
        let model = self.problem.model.lift::<T>();
        let mut ws = MultibodyWorkspace::new(&model);
        let x = DVector::from_column_slice(&p[..nx]);
        let u = DVector::from_column_slice(&p[nx..]);
        self.problem.step(&model, &mut ws, &x, &u)
    }
}
