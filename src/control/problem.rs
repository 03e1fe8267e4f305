//! Finite-horizon optimal control on a world model: dynamics, cost and exact per-step Jacobians.

use crate::grad::{jacobian, Outcome};
use crate::model::multibody::sample;
use crate::model::{Control, Integrator, Model, Multibody, Robot};
use crate::sim::{step_with_torques, RobotState, State, Workspace};
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector};
use std::f64::consts::PI;

/// A finite-horizon optimal-control problem on a [`Model`] whose state is one robot's (no particles or free
/// bodies; `nq == nv`, no free joint): minimise `Σ_t r·|u_t|²·dt + Σ_i w_q,i (q_i(T) − q*_i)² + Σ_i w_v,i v_i(T)²`
/// subject to the simulated dynamics ([`crate::sim::step_with_torques`]).
///
/// The state is `x = [q; v]` (`2 nv`), starting from the robot's `q0`, `v0`; the control `u` (`nu`) is the
/// torque (N·m) or force (N) on the `actuated` joints, held constant over each step and added to the robot's
/// own (time-invariant) controller. Time step and integrator are the model's (`model.world`).
#[derive(Clone, Debug)]
pub struct ControlProblem {
    /// Problem name (`cartpole`, `pendulum`, `acrobot`).
    pub name: String,
    /// The world: gravity, time step, integrator and the one robot.
    pub model: Model<f64>,
    /// Number of time steps (horizon = `steps · dt`).
    pub steps: usize,
    /// Velocity indices of the actuated joints (one control each).
    pub actuated: Vec<usize>,
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

/// A world with standard gravity, RK4 at `dt` for `steps` steps, and `robot` hanging at rest from the origin.
fn swing_up_world(robot: Multibody<f64>, dt: f64, steps: usize) -> Model<f64> {
    let mut model = Model::empty(dt, dt * steps as f64);
    model.settings.integrator = Integrator::Rk4;
    model.add_robot(Robot::new(robot)).expect("the sample robots are valid");
    model
}

impl ControlProblem {
    /// Cart-pole swing-up: from hanging still at the origin to upright (`hinge = π`) and at rest, cart back at
    /// `x = 0`, in 3 s (RK4, dt = 20 ms); the slider force is the control.
    pub fn cartpole() -> Self {
        ControlProblem {
            name: "cartpole".into(),
            model: swing_up_world(sample::cartpole(), 0.02, 150),
            steps: 150,
            actuated: vec![0],
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
        let mut robot = Multibody::new("pendulum", "world");
        let joint = crate::model::Joint::new(
            "shoulder",
            crate::model::JointKind::Revolute { axis: nalgebra::Vector3::y() },
            crate::spatial::Transform::identity(),
        );
        robot.add_body(None, "rod", joint, sample::rod(1.0, 1.0)).expect("valid");
        ControlProblem {
            name: "pendulum".into(),
            model: swing_up_world(robot, 0.02, 100),
            steps: 100,
            actuated: vec![0],
            q_target: DVector::from_vec(vec![PI]),
            w_q: DVector::from_vec(vec![100.0]),
            w_v: DVector::from_vec(vec![10.0]),
            r: 0.01,
            angles: vec![0],
        }
    }

    /// Acrobot swing-up: two unit rods, only the elbow actuated, from hanging to upright in 4 s.
    pub fn acrobot() -> Self {
        ControlProblem {
            name: "acrobot".into(),
            model: swing_up_world(sample::acrobot(), 0.02, 200),
            steps: 200,
            actuated: vec![1],
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

    /// The time step (s), the model's.
    pub fn dt(&self) -> f64 {
        self.model.settings.dt
    }

    /// The robot (the model's first).
    ///
    /// # Panics
    /// If the model has no robot ([`ControlProblem::validate`] reports it).
    pub fn robot(&self) -> &Robot<f64> {
        &self.model.robots[0]
    }

    /// The robot's number of velocity coordinates (0 without a robot).
    pub fn nv(&self) -> usize {
        self.model.robots.first().map_or(0, |r| r.multibody.nv())
    }

    /// The initial state `[q0; v0]` of the robot.
    pub fn x0(&self) -> DVector<f64> {
        let robot = self.robot();
        let mut x = DVector::zeros(self.nx());
        x.rows_mut(0, self.nv()).copy_from(&robot.q0);
        x.rows_mut(self.nv(), self.nv()).copy_from(&robot.v0);
        x
    }

    /// Number of controls per step.
    pub fn nu(&self) -> usize {
        self.actuated.len()
    }

    /// Dimension of the state `[q; v]`.
    pub fn nx(&self) -> usize {
        2 * self.nv()
    }

    /// Checks that the model's state is one robot's with `nq == nv` (no free joint) and a time-invariant
    /// controller, and the sizes of targets and weights.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what does not fit, or the model's own validation error.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        let m = &self.model;
        if m.robots.len() != 1 || !m.particles.is_empty() || !m.bodies.is_empty() {
            return bad(format!("`{}`: the model must hold one robot and no particles or free bodies", self.name));
        }
        let nv = self.nv();
        if self.robot().multibody.nq() != nv {
            return bad(format!("`{}`: trajectory optimisation needs nq == nv (no free joint)", self.name));
        }
        if matches!(self.robot().control, Control::Torques(_)) {
            return bad(format!("`{}`: the robot's own controller must not depend on time (none or pd)", self.name));
        }
        if self.q_target.len() != nv || self.w_q.len() != nv || self.w_v.len() != nv {
            return bad(format!("`{}`: q_target, w_q and w_v need nv entries each", self.name));
        }
        if self.angles.iter().any(|&i| i >= nv) {
            return bad(format!("`{}`: angle indices must be < nv", self.name));
        }
        if self.actuated.iter().any(|&i| i >= nv) || self.steps == 0 || self.r.is_nan() || self.r <= 0.0 {
            return bad(format!("`{}`: actuated indices < nv, steps > 0 and r > 0 are required", self.name));
        }
        self.model.validate()
    }

    /// One step of the world on any scalar: `x_{t+1} = f(x_t, u_t)` (`model` is [`ControlProblem::model`] over
    /// `T`, `ws` a workspace for it: `Workspace::new(0)`).
    ///
    /// # Errors
    /// As [`crate::sim::step`].
    pub fn step<T: Scalar>(
        &self,
        model: &Model<T>,
        ws: &mut Workspace<T>,
        x: &DVector<T>,
        u: &DVector<T>,
    ) -> Result<DVector<T>> {
        let nv = self.nv();
        let mut tau = DVector::zeros(nv);
        for (k, &i) in self.actuated.iter().enumerate() {
            tau[i] = u[k];
        }
        let robot = RobotState { q: x.rows(0, nv).into_owned(), v: x.rows(nv, nv).into_owned() };
        let mut state = State {
            x: Vec::new(),
            v: Vec::new(),
            bodies: Vec::new(),
            contact_impulses: Vec::new(),
            friction_anchors: Vec::new(),
            robots: vec![robot],
            step: 0,
            body_substeps: 1,
        };
        step_with_torques(model, &mut state, ws, &[tau])?;
        let mut next = DVector::zeros(2 * nv);
        next.rows_mut(0, nv).copy_from(&state.robots[0].q);
        next.rows_mut(nv, nv).copy_from(&state.robots[0].v);
        Ok(next)
    }

    /// The states of the trajectory driven by `controls`: `controls.len() + 1` vectors of `2 nv` numbers, all
    /// stored (`(controls.len() + 1) · (16 nv + 24)` bytes; the controls themselves take about as much).
    ///
    /// # Errors
    /// As [`crate::sim::step`] (a blow-up is [`Error::NonFinite`] naming the joint); [`Error::InvalidScene`]
    /// naming `world.max_memory_mb` when the states would take more than the model's
    /// [`Settings::max_memory`](crate::model::Settings::max_memory), checked before anything is allocated.
    pub fn rollout(&self, controls: &[DVector<f64>]) -> Result<Vec<DVector<f64>>> {
        let n = controls.len() + 1;
        let bytes_each = 16 * self.nv() + std::mem::size_of::<DVector<f64>>();
        self.model.settings.check_memory(n, bytes_each, "shorten the horizon or raise world.max_memory_mb")?;
        let mut ws = Workspace::new(0);
        let mut states = Vec::with_capacity(n);
        states.push(self.x0());
        for (t, u) in controls.iter().enumerate() {
            let next = self.step(&self.model, &mut ws, &states[t], u).map_err(|e| match e {
                Error::NonFinite { body, .. } => {
                    Error::NonFinite { body, step: t + 1, time: (t + 1) as f64 * self.dt() }
                }
                e => e,
            })?;
            states.push(next);
        }
        Ok(states)
    }

    /// The running cost `r |u|² dt` of one step, with its gradient and Hessian in `u`.
    pub fn running_cost(&self, u: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        let w = self.r * self.dt();
        (w * u.norm_squared(), u * (2.0 * w), DMatrix::identity(u.len(), u.len()) * (2.0 * w))
    }

    /// The terminal cost with its gradient and (diagonal) Hessian in `x`.
    pub fn terminal_cost(&self, x: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        let nv = self.nv();
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
    /// As [`crate::sim::step`].
    pub fn step_jacobians(&self, x: &DVector<f64>, u: &DVector<f64>) -> Result<StepJacobians> {
        let p: Vec<f64> = x.iter().chain(u.iter()).copied().collect();
        let (next, jac) = jacobian(&StepOutcome { problem: self }, &p)?;
        let nx = self.nx();
        Ok(StepJacobians { next, a: jac.columns(0, nx).into_owned(), b: jac.columns(nx, self.nu()).into_owned() })
    }

    /// Cost and its exact gradient with respect to every control, by [`crate::grad::adjoint`]: one forward and one
    /// backward pass over the per-step vector–Jacobian products, `λ_T = ∂Φ/∂x_T`, `g_t = ∂ℓ/∂u_t + B_tᵀ λ_{t+1}`,
    /// `λ_t = A_tᵀ λ_{t+1}`, the controls placed on the actuated joints.
    ///
    /// # Errors
    /// `controls` not `steps` vectors of `nu` numbers, and as [`crate::grad::adjoint`].
    pub fn cost_and_gradient(&self, controls: &[DVector<f64>]) -> Result<(f64, Vec<DVector<f64>>)> {
        let (nv, nu) = (self.nv(), self.nu());
        if controls.len() != self.steps || controls.iter().any(|u| u.len() != nu) {
            return Err(Error::InvalidArgument(format!(
                "`{}` takes {} control vectors of {nu} numbers",
                self.name, self.steps
            )));
        }
        let torques: Vec<DVector<f64>> = controls
            .iter()
            .map(|u| {
                let mut tau = DVector::zeros(nv);
                for (k, &i) in self.actuated.iter().enumerate() {
                    tau[i] = u[k];
                }
                tau
            })
            .collect();
        let rollout = crate::grad::Rollout::new(&self.model, &[] as &[&str], self.steps)?;
        let g = crate::grad::adjoint(&rollout, &[], &torques, &ProblemLoss { problem: self })?;
        let gradient = g.controls.iter().map(|tau| DVector::from_fn(nu, |k, _| tau[self.actuated[k]])).collect();
        Ok((g.loss, gradient))
    }

    /// Largest wrapped angle error and largest velocity of the final state.
    pub fn final_errors(&self, x: &DVector<f64>) -> (f64, f64) {
        let nv = self.nv();
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
    problem: &'a ControlProblem,
}

impl Outcome for StepOutcome<'_> {
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
        let nx = self.problem.nx();
        let model = self.problem.model.lift::<T>();
        let mut ws = Workspace::new(0);
        let x = DVector::from_column_slice(&p[..nx]);
        let u = DVector::from_column_slice(&p[nx..]);
        self.problem.step(&model, &mut ws, &x, &u)
    }
}

/// The problem's cost as a [`crate::grad::TrajectoryLoss`] of the world's rollout: `r |u|² dt` on every step's
/// torques (zero off the actuated joints) and the weighted terminal error of the robot's `q` and `v`.
struct ProblemLoss<'a> {
    problem: &'a ControlProblem,
}

impl crate::grad::TrajectoryLoss for ProblemLoss<'_> {
    fn running<T: Scalar>(&self, _t: usize, _state: &State<T>, u: &[T]) -> T {
        let w = T::from(self.problem.r * self.problem.dt());
        u.iter().fold(T::zero(), |l, &ui| l + ui * ui) * w
    }

    fn terminal<T: Scalar>(&self, state: &State<T>) -> T {
        let (p, robot) = (self.problem, &state.robots[0]);
        let mut cost = T::zero();
        for i in 0..p.nv() {
            let e = robot.q[i] - T::from(p.q_target[i]);
            cost += e * e * T::from(p.w_q[i]) + robot.v[i] * robot.v[i] * T::from(p.w_v[i]);
        }
        cost
    }
}
