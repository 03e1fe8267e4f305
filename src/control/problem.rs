//! Finite-horizon optimal control on the one world: the problem, its dynamics, its costs and exact derivatives.

use super::cost::{total_value, CostEvaluator};
use super::{Cost, Residual};
use crate::grad::StepLinearizer;
use crate::model::{Control, Model, Robot};
use crate::sim::{step_with_torques, State, Workspace};
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector, Vector3};
use std::f64::consts::PI;

/// A finite-horizon optimal-control problem on a [`Model`]: from the model's initial state, choose the controls
/// `u_0 … u_{T−1}` (held over each time step) that minimise
/// `Σ_t dt · Σ_running cost(x_t, u_t) + Σ_terminal cost(x_T)` subject to the world's dynamics
/// ([`crate::sim::step_with_torques`]) and the bounds `lower ≤ u_t ≤ upper`.
///
/// - **State.** The robots' joint states; the solvers work in the tangent space `x = [δq₀, v₀, δq₁, v₁, …]`
///   (`2 nv` per robot: a floating base's rotation as a rotation vector). The contacts' memories (friction anchors,
///   onset speeds) ride along in the world's [`State`] and are held fixed in each step's linearisation
///   ([`StepLinearizer`]). The model may hold a ground, several robots and free bodies (no particles). Free
///   bodies are state iLQR's local model does not see ([`ControlProblem::check_local_model`]): a problem with them
///   (a push, [`ControlProblem::push`]) is solved by [`super::shooting_lbfgs`], whose adjoint runs through the
///   whole world's state; the reports' `states` hold the robots' coordinates, [`ControlProblem::simulate`] the
///   whole world.
/// - **Controls.** `u` (`nu`) are extra joint torques (N·m) or forces (N) on the `actuated` velocity indices of
///   the robots' stacked `nv` (robot after robot), added to each robot's own time-invariant controller.
/// - **Costs.** [`Cost`]s: weighted squared residuals of a robot's state, the controls, a frame's position or
///   velocity, the ground's contact force on a link or a robot, or a robot's balance on the ground; running costs
///   may be charged on the horizon's last steps only ([`Cost::from_step`]).
/// - **Dynamics.** The model's time step and integrator. With semi-implicit Euler (the default of the built-in
///   problems, and Crocoddyl's `IntegratedActionModelEuler`) the per-step Jacobians are analytic
///   ([`crate::grad::JacobianRoute::Analytic`]); with RK4 they come from dual numbers.
#[derive(Clone, Debug)]
pub struct ControlProblem {
    /// Problem name (for reports).
    pub name: String,
    /// The world: gravity, time step, integrator, ground and robots.
    pub model: Model<f64>,
    /// Number of time steps (horizon = `steps · dt`).
    pub steps: usize,
    /// Velocity indices (into the robots' stacked `nv`) of the actuated joints, one control each.
    pub actuated: Vec<usize>,
    /// Costs charged at every step `t < steps` on `(x_t, u_t)`, per second (multiplied by `dt`).
    pub running: Vec<Cost>,
    /// Costs charged once on the final state `x_T`.
    pub terminal: Vec<Cost>,
    /// Box bounds on the controls, or `None`.
    pub bounds: Option<ControlBounds>,
    /// Velocity indices of joint coordinates that are angles (their final errors are reported wrapped to (−π, π]).
    pub angles: Vec<usize>,
}

/// Box bounds `lower ≤ u ≤ upper` on every step's controls (N·m or N; `±∞` for none).
#[derive(Clone, Debug, PartialEq)]
pub struct ControlBounds {
    /// Lower bounds (`nu`).
    pub lower: DVector<f64>,
    /// Upper bounds (`nu`).
    pub upper: DVector<f64>,
}

impl ControlBounds {
    /// `u` clamped into the box.
    pub fn clamp(&self, u: &DVector<f64>) -> DVector<f64> {
        DVector::from_fn(u.len(), |i, _| u[i].clamp(self.lower[i], self.upper[i]))
    }
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
    /// The robots' joint states of the optimised trajectory in coordinates, `[q₀; v₀; q₁; v₁; …]`
    /// (`steps + 1`).
    pub states: Vec<DVector<f64>>,
}

/// The value and Jacobians of one time step.
#[derive(Clone, Debug)]
pub struct StepJacobians {
    /// `x_{t+1}` in coordinates, `[q₀; v₀; …]`.
    pub next: DVector<f64>,
    /// `∂x_{t+1}/∂x_t` in the tangent space (`nx × nx`).
    pub a: DMatrix<f64>,
    /// `∂x_{t+1}/∂u_t` (`nx × nu`).
    pub b: DMatrix<f64>,
}

impl ControlProblem {
    /// The solvers' natural first guess: the running control cost's reference `u*` at every step (zero without
    /// one). For [`ControlProblem::push`] these are the torques that hold the settled posture; for the other
    /// built-in problems, zero.
    pub fn initial_guess(&self) -> Vec<DVector<f64>> {
        let u = self
            .running
            .iter()
            .find_map(|c| match &c.residual {
                Residual::Control { reference } if reference.len() == self.nu() => Some(reference.clone()),
                _ => None,
            })
            .unwrap_or_else(|| DVector::zeros(self.nu()));
        vec![u; self.steps]
    }

    /// The distance (m) of every free body a terminal [`Residual::BodyPosition`] cost names from its target, in
    /// the final state of `states` ([`ControlProblem::simulate`]): the cost's name, the body's and the distance.
    pub fn body_distances(&self, states: &[State<f64>]) -> Vec<(String, String, f64)> {
        let Some(last) = states.last() else { return vec![] };
        self.terminal
            .iter()
            .filter_map(|c| match &c.residual {
                Residual::BodyPosition { body, target } => Some((
                    c.name.clone(),
                    self.model.bodies[*body].name.clone(),
                    (last.bodies.get(*body)?.position - target).norm(),
                )),
                _ => None,
            })
            .collect()
    }

    /// The ground's contact force on link `frame` of robot `robot` at `state` (N, world axes; see
    /// [`Residual::GroundForce`]). Pass a state of [`ControlProblem::simulate`]: its friction memories are the
    /// rollout's.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a robot or link that does not exist or has no colliders, or no ground.
    pub fn ground_force(&self, state: &State<f64>, robot: usize, frame: &str) -> Result<Vector3<f64>> {
        let cost = Cost::ground_force("force", 1.0, robot, frame, Vector3::zeros());
        cost.validate(&self.model, self.nu())?;
        let r = cost.residual_value(&self.model, state, &[])?;
        Ok(Vector3::new(r[0], r[1], r[2]))
    }

    /// Bounds `±effort` on every actuated joint from the robots' effort limits (URDF `<limit effort>`, N·m or N;
    /// unbounded where a joint has none).
    pub fn effort_bounds(&self) -> ControlBounds {
        let efforts: Vec<f64> = self
            .model
            .robots
            .iter()
            .flat_map(|r| {
                r.multibody
                    .joints
                    .iter()
                    .flat_map(|j| std::iter::repeat_n(j.effort_limit.unwrap_or(f64::INFINITY), j.kind.nv()))
            })
            .collect();
        let upper = DVector::from_iterator(self.nu(), self.actuated.iter().map(|&i| efforts[i]));
        ControlBounds { lower: -&upper, upper }
    }

    /// The time step (s), the model's.
    pub fn dt(&self) -> f64 {
        self.model.settings.dt
    }

    /// The first robot.
    ///
    /// # Panics
    /// If the model has no robot ([`ControlProblem::validate`] reports it).
    pub fn robot(&self) -> &Robot<f64> {
        &self.model.robots[0]
    }

    /// The robots' number of velocity coordinates, summed.
    pub fn nv(&self) -> usize {
        self.model.robots.iter().map(|r| r.multibody.nv()).sum()
    }

    /// The dimension of the tangent state `x` (`2 nv`).
    pub fn nx(&self) -> usize {
        2 * self.nv()
    }

    /// Number of controls per step.
    pub fn nu(&self) -> usize {
        self.actuated.len()
    }

    /// The initial state of the world (the model's).
    pub fn initial_state(&self) -> State<f64> {
        State::initial(&self.model)
    }

    /// The robots' initial joint states in coordinates, `[q₀; v₀; …]`.
    pub fn x0(&self) -> DVector<f64> {
        coordinates(&self.initial_state())
    }

    /// The world's state with the robots' joint states taken from coordinates `x = [q₀; v₀; …]`, the rest as the
    /// model's initial state.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `x` has the wrong length.
    pub fn state_at(&self, x: &DVector<f64>) -> Result<State<f64>> {
        with_coordinates(&self.model, self.initial_state(), x)
    }

    /// Controls placed on the robots' joints: one torque vector of `nv` per robot, zero off the actuated joints.
    pub fn torques<T: Scalar>(&self, u: &[T]) -> Vec<DVector<T>> {
        let mut flat = vec![T::zero(); self.nv()];
        for (k, &i) in self.actuated.iter().enumerate() {
            flat[i] = u[k];
        }
        let mut start = 0;
        self.model
            .robots
            .iter()
            .map(|r| {
                let nv = r.multibody.nv();
                start += nv;
                DVector::from_column_slice(&flat[start - nv..start])
            })
            .collect()
    }

    /// Checks that the solvers' local model, on the robots' tangent state, describes the problem: no free bodies
    /// (their state would be left out of every `A_t`) and no costs on them. [`super::ilqr`] (and so
    /// [`super::mpc`]) requires it; [`super::shooting_lbfgs`] does not, its gradient running through the whole
    /// world's state.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the free body or the cost.
    pub fn check_local_model(&self) -> Result<()> {
        if let Some(b) = self.model.bodies.first() {
            return Err(Error::InvalidArgument(format!(
                "problem `{}`: free body `{}`: iLQR's local model holds the robots' state only; solve a problem with \
                 free bodies by L-BFGS shooting (method lbfgs), whose adjoint runs through the whole world",
                self.name, b.name
            )));
        }
        if let Some(c) = self
            .running
            .iter()
            .chain(&self.terminal)
            .find(|c| matches!(c.residual, super::Residual::BodyPosition { .. }))
        {
            return Err(Error::InvalidArgument(format!(
                "problem `{}`: cost `{}` is on a free body, which iLQR's local model does not hold: use L-BFGS shooting",
                self.name, c.name
            )));
        }
        Ok(())
    }

    /// Checks the problem: a valid model holding robots (and free bodies, if any) and no particles, robots' controllers
    /// that do not depend on time, actuated indices below `nv` and distinct, costs that fit (no terminal cost on
    /// the controls), bounds with `lower ≤ upper`, and the solvers' storage per knot times the horizon within the
    /// model's [`Settings::max_memory`](crate::model::Settings::max_memory).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what does not fit, or the model's own validation error.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(format!("problem `{}`: {m}", self.name)));
        let m = &self.model;
        if m.robots.is_empty() || !m.particles.is_empty() {
            return bad("the model must hold robots and no particles".into());
        }
        if let Some(r) = m.robots.iter().find(|r| matches!(r.control, Control::Torques(_))) {
            return bad(format!("robot `{}`: its own controller must not depend on time (none or pd)", r.name()));
        }
        let nv = self.nv();
        let mut seen = vec![false; nv];
        for &i in &self.actuated {
            if i >= nv || std::mem::replace(&mut seen[i], true) {
                return bad(format!("actuated indices must be distinct and < nv = {nv} (got {:?})", self.actuated));
            }
        }
        if self.steps == 0 {
            return bad("steps must be > 0".into());
        }
        if self.angles.iter().any(|&i| i >= nv) {
            return bad("angle indices must be < nv".into());
        }
        for cost in self.running.iter().chain(&self.terminal) {
            cost.validate(m, self.nu())?;
        }
        if let Some(c) = self.running.iter().find(|c| c.from_step >= self.steps) {
            return bad(format!(
                "running cost `{}` starts at step {} of {}: never charged",
                c.name, c.from_step, self.steps
            ));
        }
        if let Some(c) = self.terminal.iter().find(|c| c.from_step != 0) {
            return bad(format!(
                "terminal cost `{}` has from_step {}: terminal costs are charged once",
                c.name, c.from_step
            ));
        }
        if let Some(c) = self.terminal.iter().find(|c| matches!(c.residual, Residual::Control { .. })) {
            return bad(format!("terminal cost `{}` is on the controls, which the final state has none of", c.name));
        }
        if let Some(b) = &self.bounds {
            let nu = self.nu();
            if b.lower.len() != nu || b.upper.len() != nu {
                return bad(format!("bounds need {nu} lower and {nu} upper values"));
            }
            if b.lower.iter().zip(b.upper.iter()).any(|(l, u)| l.is_nan() || u.is_nan() || l > u) {
                return bad("bounds need lower ≤ upper (no NaN)".into());
            }
        }
        self.model.validate()?;
        // the solvers keep per knot: the state, A (nx²), B and K (2·nx·nu), the costs' quadratic (nx² + nx·nu)
        let (nx, nu) = (self.nx(), self.nu());
        let per_knot = 8 * (2 * nx * nx + 3 * nx * nu + nu * nu + 6 * (nx + nu)) + std::mem::size_of::<State<f64>>();
        self.model.settings.check_memory(self.steps + 1, per_knot, "shorten the horizon or raise world.max_memory_mb")
    }

    /// One step of the world on any scalar: `x_{t+1} = f(x_t, u_t)` in coordinates (`model` is
    /// [`ControlProblem::model`] over `T`, `ws` a workspace for it: `Workspace::new(0)`). The rest of the world's
    /// state (free bodies, contact memories) is the initial one; [`ControlProblem::simulate`] carries it along
    /// instead.
    ///
    /// # Errors
    /// As [`crate::sim::step`], and `x`, `u` of the wrong lengths.
    pub fn step<T: Scalar>(
        &self,
        model: &Model<T>,
        ws: &mut Workspace<T>,
        x: &DVector<T>,
        u: &DVector<T>,
    ) -> Result<DVector<T>> {
        if u.len() != self.nu() {
            return Err(Error::InvalidArgument(format!("`{}` takes {} controls per step", self.name, self.nu())));
        }
        let mut state = with_coordinates(model, State::initial(model), x)?;
        step_with_torques(model, &mut state, ws, &self.torques(u.as_slice()))?;
        Ok(coordinates(&state))
    }

    /// The world's states along the trajectory driven by `controls` (`controls.len() + 1` states, all stored).
    ///
    /// # Errors
    /// Controls of the wrong length; as [`crate::sim::step`] (a blow-up is [`Error::NonFinite`] naming the joint
    /// and the step); [`Error::InvalidScene`] naming `world.max_memory_mb` when the states would take more than the
    /// model's [`Settings::max_memory`](crate::model::Settings::max_memory), checked before anything is allocated.
    pub fn simulate(&self, controls: &[DVector<f64>]) -> Result<Vec<State<f64>>> {
        if controls.iter().any(|u| u.len() != self.nu()) {
            return Err(Error::InvalidArgument(format!("`{}` takes {} controls per step", self.name, self.nu())));
        }
        let n = controls.len() + 1;
        let bytes_each = 24 * self.nv()
            + 3 * std::mem::size_of::<State<f64>>()
            + self.model.bodies.len() * std::mem::size_of::<crate::multibody::BodyState<f64>>();
        self.model.settings.check_memory(n, bytes_each, "shorten the horizon or raise world.max_memory_mb")?;
        let mut ws = Workspace::new(0);
        let mut states = Vec::with_capacity(n);
        states.push(self.initial_state());
        for (t, u) in controls.iter().enumerate() {
            let mut next = states[t].clone();
            step_with_torques(&self.model, &mut next, &mut ws, &self.torques(u.as_slice())).map_err(|e| match e {
                Error::NonFinite { body, .. } => {
                    Error::NonFinite { body, step: t + 1, time: (t + 1) as f64 * self.dt() }
                }
                e => e,
            })?;
            states.push(next);
        }
        Ok(states)
    }

    /// The robots' joint states (coordinates, `[q₀; v₀; …]`) along the trajectory driven by `controls`.
    ///
    /// # Errors
    /// As [`ControlProblem::simulate`].
    pub fn rollout(&self, controls: &[DVector<f64>]) -> Result<Vec<DVector<f64>>> {
        Ok(self.simulate(controls)?.iter().map(coordinates).collect())
    }

    /// The total cost of the trajectory of `states` (from [`ControlProblem::simulate`]) under `controls`.
    ///
    /// # Errors
    /// A cost that does not fit the model (see [`Cost::validate`]).
    pub fn trajectory_cost(&self, states: &[State<f64>], controls: &[DVector<f64>]) -> Result<f64> {
        let mut eval = CostEvaluator::new(&self.model, self.nu());
        let mut total = 0.0;
        for (t, (state, u)) in states.iter().zip(controls).enumerate() {
            total += eval.evaluate(&self.model, &self.running, t, state, u, self.dt(), false)?.value;
        }
        let last = states.last().ok_or_else(|| Error::InvalidArgument("no states".into()))?;
        Ok(total
            + eval
                .evaluate(&self.model, &self.terminal, usize::MAX, last, &DVector::zeros(self.nu()), 1.0, false)?
                .value)
    }

    /// The total cost of the trajectory driven by `controls`.
    ///
    /// # Errors
    /// As [`ControlProblem::simulate`] and [`ControlProblem::trajectory_cost`].
    pub fn cost(&self, controls: &[DVector<f64>]) -> Result<f64> {
        self.trajectory_cost(&self.simulate(controls)?, controls)
    }

    /// Exact `x_{t+1}`, `A_t` and `B_t` at coordinates `x` and controls `u` (see [`StepJacobians`]; the rest of
    /// the world's state, free bodies included, as the model's initial one and held in `A_t`).
    ///
    /// # Errors
    /// As [`StepLinearizer::jacobians_with_torques`], and `x`, `u` of the wrong lengths.
    pub fn step_jacobians(&self, x: &DVector<f64>, u: &DVector<f64>) -> Result<StepJacobians> {
        let state = self.state_at(x)?;
        if u.len() != self.nu() {
            return Err(Error::InvalidArgument(format!("`{}` takes {} controls per step", self.name, self.nu())));
        }
        let j = StepLinearizer::new(&self.model)?.jacobians_with_torques(&state, &self.torques(u.as_slice()))?;
        Ok(StepJacobians { next: j.next, a: j.a, b: self.actuated_columns(&j.b) })
    }

    /// The columns of a world's `B` (`nx × nv`) for the actuated joints (`nx × nu`).
    pub(crate) fn actuated_columns(&self, b: &DMatrix<f64>) -> DMatrix<f64> {
        DMatrix::from_fn(b.nrows(), self.nu(), |i, k| b[(i, self.actuated[k])])
    }

    /// Cost and its exact gradient with respect to every control, by [`crate::grad::adjoint`]: one forward and one
    /// backward pass over the per-step vector–Jacobian products, the controls placed on the actuated joints.
    ///
    /// # Errors
    /// `controls` not `steps` vectors of `nu` numbers, and as [`crate::grad::adjoint`].
    pub fn cost_and_gradient(&self, controls: &[DVector<f64>]) -> Result<(f64, Vec<DVector<f64>>)> {
        self.validate()?;
        let nu = self.nu();
        if controls.len() != self.steps || controls.iter().any(|u| u.len() != nu) {
            return Err(Error::InvalidArgument(format!(
                "`{}` takes {} control vectors of {nu} numbers",
                self.name, self.steps
            )));
        }
        let torques: Vec<DVector<f64>> = controls
            .iter()
            .map(|u| {
                DVector::from_iterator(self.nv(), self.torques(u.as_slice()).iter().flat_map(|t| t.iter().copied()))
            })
            .collect();
        let rollout = crate::grad::Rollout::new(&self.model, &[] as &[&str], self.steps)?;
        let g = crate::grad::adjoint(&rollout, &[], &torques, &ProblemLoss { problem: self })?;
        let gradient = g.controls.iter().map(|tau| DVector::from_fn(nu, |k, _| tau[self.actuated[k]])).collect();
        Ok((g.loss, gradient))
    }

    /// Largest wrapped angle error against the first terminal state cost's reference (0 without one) and largest
    /// speed of the final state `x` (coordinates).
    pub fn final_errors(&self, x: &DVector<f64>) -> (f64, f64) {
        let reference = self.terminal.iter().find_map(|c| match &c.residual {
            Residual::State { robot: 0, q, .. } => Some(q),
            _ => None,
        });
        let robot = &self.robot().multibody;
        let (nq, nv) = (robot.nq(), robot.nv());
        let mut angle: f64 = 0.0;
        if let Some(q_ref) = reference {
            for joint in robot.joints.iter().filter(|j| self.angles.contains(&j.v_index)) {
                let e = x[joint.q_index] - q_ref[joint.q_index];
                let wrapped = e - 2.0 * PI * (e / (2.0 * PI)).round();
                angle = angle.max(wrapped.abs());
            }
        }
        (angle, x.rows(nq, nv).amax())
    }

    /// For every terminal frame-translation cost: its name, the frame, and the frame's distance (m) from its
    /// target at the final state `x` (coordinates), in the order of [`ControlProblem::terminal`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for `x` of the wrong length or quaternions that are not unit.
    pub fn frame_distances(&self, x: &DVector<f64>) -> Result<Vec<(String, String, f64)>> {
        let state = self.state_at(x)?;
        let mut out = Vec::new();
        for cost in &self.terminal {
            if let Residual::FrameTranslation { frame, .. } = &cost.residual {
                let r = cost.residual_value(&self.model, &state, &[])?;
                out.push((cost.name.clone(), frame.clone(), r.norm()));
            }
        }
        Ok(out)
    }
}

/// The robots' joint states of `state` in coordinates, `[q₀; v₀; q₁; v₁; …]`.
pub(crate) fn coordinates<T: Scalar>(state: &State<T>) -> DVector<T> {
    let n = state.robots.iter().map(|r| r.q.len() + r.v.len()).sum();
    DVector::from_iterator(n, state.robots.iter().flat_map(|r| r.q.iter().chain(r.v.iter()).copied()))
}

/// `state` with its robots' joint states from coordinates `x`.
fn with_coordinates<T: Scalar>(model: &Model<T>, mut state: State<T>, x: &DVector<T>) -> Result<State<T>> {
    let n: usize = model.robots.iter().map(|r| r.multibody.nq() + r.multibody.nv()).sum();
    if x.len() != n {
        return Err(Error::InvalidArgument(format!("the robots' joint state has {n} coordinates, not {}", x.len())));
    }
    let mut k = 0;
    for (r, s) in model.robots.iter().zip(&mut state.robots) {
        let (nq, nv) = (r.multibody.nq(), r.multibody.nv());
        s.q = x.rows(k, nq).into_owned();
        s.v = x.rows(k + nq, nv).into_owned();
        k += nq + nv;
    }
    Ok(state)
}

/// The problem's costs as a [`crate::grad::TrajectoryLoss`] of the world's rollout: the running costs times `dt` on
/// every step (the controls read off the actuated joints' torques), the terminal costs once.
struct ProblemLoss<'a> {
    problem: &'a ControlProblem,
}

impl crate::grad::TrajectoryLoss for ProblemLoss<'_> {
    fn running<T: Scalar>(&self, t: usize, state: &State<T>, torques: &[T]) -> T {
        let p = self.problem;
        let u: Vec<T> = p.actuated.iter().map(|&i| torques[i]).collect();
        // the costs were validated against the model (a frame that exists, sizes that fit) before the adjoint ran
        total_value(&p.model, &p.running, t, state, &u, p.dt()).unwrap_or_else(|_| T::from(f64::NAN))
    }

    fn terminal<T: Scalar>(&self, state: &State<T>) -> T {
        let p = self.problem;
        let u = vec![T::zero(); p.nu()];
        total_value(&p.model, &p.terminal, usize::MAX, state, &u, 1.0).unwrap_or_else(|_| T::from(f64::NAN))
    }
}
