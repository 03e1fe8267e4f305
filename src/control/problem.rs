//! Finite-horizon optimal control on the one world: the problem, its dynamics, its costs and exact derivatives.

use super::cost::{total_value, CostEvaluator};
use super::{Cost, Residual};
use crate::grad::StepLinearizer;
use crate::model::multibody::sample;
use crate::model::{Control, Integrator, JointKind, Model, Multibody, Robot};
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

/// A world with standard gravity, semi-implicit Euler at `dt` for `steps` steps, and `robot` at rest from the
/// origin.
fn world(robot: Multibody<f64>, dt: f64, steps: usize) -> Result<Model<f64>> {
    let mut model = Model::empty(dt, dt * steps as f64);
    model.settings.integrator = Integrator::SemiImplicitEuler;
    model.add_robot(Robot::new(robot))?;
    Ok(model)
}

/// The checks and the standing phase of a task for a robot standing on the ground ([`ControlProblem::unload`],
/// [`ControlProblem::shift`]): the model with the robot where it stands after 0.5 s of its controller, at rest,
/// its duration the horizon's; and that configuration.
fn standing(mut model: Model<f64>, knots: usize, what: &str) -> Result<(Model<f64>, DVector<f64>)> {
    let bad = |m: String| Err(Error::InvalidArgument(format!("{what}: {m}")));
    if model.robots.len() != 1 || !model.particles.is_empty() || !model.bodies.is_empty() {
        return bad("the model must hold one robot and nothing else".into());
    }
    let floating = model.robots[0].multibody.joints.first().is_some_and(|j| matches!(j.kind, JointKind::Free));
    if !floating {
        return bad(format!("robot `{}` must stand on a floating base", model.robots[0].name()));
    }
    if model.ground.is_none() {
        return bad("the model has no ground to stand on".into());
    }
    if knots == 0 {
        return bad("knots must be > 0".into());
    }
    model.validate()?;
    let (state, _) = settle(&model, what)?;
    start_at_rest(&mut model, &state, knots);
    Ok((model, state.robots[0].q.clone()))
}

/// `model` starting where `state` has its robots and free bodies, at rest, for a horizon of `knots` steps.
fn start_at_rest(model: &mut Model<f64>, state: &State<f64>, knots: usize) {
    for (robot, s) in model.robots.iter_mut().zip(&state.robots) {
        robot.q0 = s.q.clone();
        robot.v0 = DVector::zeros(s.v.len());
    }
    for (body, s) in model.bodies.iter_mut().zip(&state.bodies) {
        body.position = s.position;
        body.orientation = s.orientation;
        body.velocity = Vector3::zeros();
        body.angular_velocity = Vector3::zeros();
    }
    model.settings.duration = knots as f64 * model.settings.dt;
}

/// The state `model` reaches in 0.5 s from its initial state under its robots' own controllers (no extra
/// torques), and the workspace of its last step (its contacts); `what` names the task in errors.
fn settle(model: &Model<f64>, what: &str) -> Result<(State<f64>, Workspace<f64>)> {
    let dt = model.settings.dt;
    let steps = (0.5 / dt).round() as usize;
    if steps > model.settings.max_steps {
        return Err(Error::InvalidArgument(format!(
            "{what}: settling 0.5 s at world.dt = {dt:e} s takes {steps} steps, more than world.max_steps = {}",
            model.settings.max_steps
        )));
    }
    let (mut state, mut ws) = (State::initial(model), Workspace::new(model.particles.len()));
    for _ in 0..steps {
        crate::sim::step(model, &mut state, &mut ws)?;
    }
    Ok((state, ws))
}

/// `½ weight |v|²` on robot 0's joint velocities (`q` any configuration of it: the cost's activation leaves the
/// configuration out).
fn joint_speeds(name: &str, weight: f64, q: &DVector<f64>, nv: usize) -> Cost {
    let velocities = DVector::from_fn(2 * nv, |i, _| if i < nv { 0.0 } else { 1.0 });
    Cost::state(name, weight, 0, q.clone(), DVector::zeros(nv)).with_activation(velocities)
}

/// The running costs of a standing task: `10⁻² |u|²` on the extra torques and `|v|²` (stay still).
fn standing_running_costs(q_stand: &DVector<f64>, nv: usize) -> Vec<Cost> {
    vec![Cost::control("torque", 2e-2, DVector::zeros(nv - 6)), joint_speeds("stand", 2.0, q_stand, nv)]
}

/// The running control cost `r |u|²` and the terminal `Σ w_q (q − q*)² + Σ w_v v²` of the swing-ups, as
/// [`Cost`]s (`½ · weight · a · r²`, so weight 2).
fn swing_up_costs(nu: usize, r: f64, q_target: &[f64], w_q: &[f64], w_v: &[f64]) -> (Vec<Cost>, Vec<Cost>) {
    let nv = q_target.len();
    let running = vec![Cost::control("effort", 2.0 * r, DVector::zeros(nu))];
    let activation = DVector::from_iterator(2 * nv, w_q.iter().chain(w_v.iter()).copied());
    let goal = Cost::state("upright", 2.0, 0, DVector::from_column_slice(q_target), DVector::zeros(nv))
        .with_activation(activation);
    (running, vec![goal])
}

impl ControlProblem {
    /// A swing-up: `robot` hanging at rest, driven on `actuated` to `q_target` at rest in `steps` steps of 20 ms.
    #[allow(clippy::too_many_arguments)]
    fn swing_up(
        name: &str,
        robot: Multibody<f64>,
        steps: usize,
        actuated: Vec<usize>,
        target: &[f64],
        w: [f64; 3],
    ) -> Self {
        let nv = target.len();
        let angles =
            robot.joints.iter().filter(|j| matches!(j.kind, JointKind::Revolute { .. })).map(|j| j.v_index).collect();
        let (running, terminal) = swing_up_costs(actuated.len(), w[2], target, &vec![w[0]; nv], &vec![w[1]; nv]);
        ControlProblem {
            name: name.into(),
            model: world(robot, 0.02, steps).expect("the sample robots are valid"),
            steps,
            actuated,
            running,
            terminal,
            bounds: None,
            angles,
        }
    }

    /// Cart-pole swing-up: from hanging still at the origin to upright (`hinge = π`) and at rest, cart back at
    /// `x = 0`, in 3 s (150 steps of 20 ms); the slider force is the control. Cost
    /// `Σ 0.01 u² dt + 10 x² + 100 (θ − π)² + 10 (ẋ² + θ̇²)`.
    pub fn cartpole() -> Self {
        let mut p = Self::swing_up("cartpole", sample::cartpole(), 150, vec![0], &[0.0, PI], [100.0, 10.0, 0.01]);
        p.terminal[0].activation = Some(DVector::from_vec(vec![10.0, 100.0, 10.0, 10.0]));
        p
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
        Self::swing_up("pendulum", robot, 100, vec![0], &[PI], [100.0, 10.0, 0.01])
    }

    /// Acrobot swing-up: two unit rods, only the elbow actuated, from hanging to upright in 4 s.
    pub fn acrobot() -> Self {
        Self::swing_up("acrobot", sample::acrobot(), 200, vec![1], &[PI, 0.0], [100.0, 10.0, 0.005])
    }

    /// The reaching offset of `../shared/peers/croc_reach.py`: 0.2 m along `(−1, 1, −1)/√3` (m), the default of
    /// `diffphys optimize --problem reach`.
    ///
    /// ```
    /// let offset = diffphys::control::ControlProblem::crocoddyl_reach_offset();
    /// assert!((offset.norm() - 0.2).abs() < 1e-15 && offset.x < 0.0 && offset.y > 0.0);
    /// ```
    pub fn crocoddyl_reach_offset() -> Vector3<f64> {
        Vector3::new(-1.0, 1.0, -1.0) * (0.2 / 3f64.sqrt())
    }

    /// A fixed-base reaching task, the problem of `../shared/peers/croc_reach.py` (Crocoddyl): from the neutral
    /// configuration at rest, bring frame `frame` to its initial position plus `offset` (m). `knots` steps of
    /// `dt` (semi-implicit Euler, every joint actuated), costs (each `½ weight |r|²`): the frame's translation error
    /// 1 per second and 1e3 at the end, the state's distance from the start 1e-2 per second and at the end, the
    /// torques 1e-4 per second. The robot is Crocoddyl's: rigid-body dynamics only, so the joints' limits, damping
    /// and friction from the URDF are removed (Panda starts outside its elbow's range, which a soft limit would
    /// push against); bound the torques with [`ControlProblem::bounds`], for example from the URDF's efforts
    /// ([`ControlProblem::effort_bounds`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a robot with a floating base, a frame it does not have, `knots == 0`, or a
    /// time step that is not positive; the model's validation errors.
    pub fn reach(mut robot: Multibody<f64>, frame: &str, offset: Vector3<f64>, knots: usize, dt: f64) -> Result<Self> {
        for joint in &mut robot.joints {
            joint.limits = None;
            joint.damping = 0.0;
            joint.friction = 0.0;
        }
        if robot.nq() != robot.nv() {
            return Err(Error::InvalidArgument(format!("reach: robot `{}` must have a fixed base", robot.name)));
        }
        if knots == 0 || !(dt.is_finite() && dt > 0.0) || offset.iter().any(|x| !x.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "reach: knots > 0, dt > 0 and a finite offset are needed (knots {knots}, dt {dt}, offset {offset:?})"
            )));
        }
        let (nq, nv) = (robot.nq(), robot.nv());
        let q0 = robot.neutral();
        let mut ws = crate::multibody::MultibodyWorkspace::new(&robot);
        crate::multibody::forward_kinematics(&robot, &mut ws, &q0, &DVector::zeros(nv));
        let start = crate::multibody::frame_pose_world(&robot, &ws, frame)?.translation;
        let target = start + offset;
        let angles =
            robot.joints.iter().filter(|j| matches!(j.kind, JointKind::Revolute { .. })).map(|j| j.v_index).collect();
        let name = format!("reach {} {frame}", robot.name);
        let model = world(robot, dt, knots)?;
        let x_reg = |w| Cost::state("state", w, 0, q0.clone(), DVector::zeros(nq));
        let goal = |w| Cost::frame_translation("goal", w, 0, frame, target);
        let problem = ControlProblem {
            name,
            model,
            steps: knots,
            actuated: (0..nv).collect(),
            running: vec![goal(1.0), x_reg(1e-2), Cost::control("control", 1e-4, DVector::zeros(nv))],
            terminal: vec![goal(1e3), x_reg(1e-2)],
            bounds: None,
            angles,
        };
        problem.validate()?;
        Ok(problem)
    }

    /// Unloading a foot: a legged robot on a floating base, standing on the ground under its own controller (the
    /// model's, for example PD to a posture), takes its weight off link `frame` (a foot) in `knots` steps of the
    /// model's `dt`. It starts where it stands after 0.5 s of its controller (joint velocities set to zero); the
    /// controls are torques added to the controller's on every joint but the floating base. Costs: per second,
    /// `10⁻² |u|²` and `|v|²` (stay still); at the end, `½ |F_ground(frame)|²` (N², [`Cost::ground_force`]),
    /// `½ |[Σ F + m g; Σ (p − c) × F]|²` ([`Cost::balance`]: in static balance, not dropping or tipping its body
    /// to lighten the foot for an instant) and `50 |[q ⊖ q_stand, v]|²` (stay where it stood). Only the contact
    /// forces ask for the foot to be unloaded: the solver finds how to shift the load onto the other feet (the
    /// Go1 stands on the opposite diagonal).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a model whose single robot does not hang from a free joint, without a ground,
    /// a `frame` without colliders, `knots == 0`, or a standing phase of more than the model's `max_steps`; the
    /// model's validation errors; a standing phase that fails (as [`crate::sim::step`]).
    pub fn unload(model: Model<f64>, frame: &str, knots: usize) -> Result<Self> {
        let (model, q_stand) = standing(model, knots, &format!("unload `{frame}`"))?;
        let nv = model.robots[0].multibody.nv();
        let stand = |w: f64| Cost::state("stand", w, 0, q_stand.clone(), DVector::zeros(nv));
        let problem = ControlProblem {
            name: format!("unload {} {frame}", model.robots[0].name()),
            steps: knots,
            actuated: (6..nv).collect(),
            running: standing_running_costs(&q_stand, nv),
            terminal: vec![
                Cost::ground_force("unload", 1.0, 0, frame, Vector3::zeros()),
                Cost::balance("balance", 1.0, 0),
                stand(1e2),
            ],
            bounds: None,
            angles: vec![],
            model,
        };
        problem.validate()?;
        Ok(problem)
    }

    /// Shifting the base while standing: a legged robot on a floating base, standing on the ground under its own
    /// controller as for [`ControlProblem::unload`], moves its base by `offset` (m, world axes) in `knots` steps of
    /// the model's `dt`, keeping its orientation, and ends at rest; the feet stay where they stand only because
    /// their friction holds them. Costs: per second `10⁻² |u|²` and `|v|²`, at the end
    /// `10⁵ |[p ⊖ (p_stand + offset), θ ⊖ θ_stand, v]|²` on the base's pose and every velocity (the joint angles
    /// are free: the solver finds the posture). The horizon needs room: a 2 cm shift in 300 steps of 1 ms ends
    /// 0.5 mm off after 200 iLQR iterations, in 200 steps 2 mm off.
    ///
    /// # Errors
    /// As [`ControlProblem::unload`], and an `offset` that is not finite.
    pub fn shift(model: Model<f64>, offset: Vector3<f64>, knots: usize) -> Result<Self> {
        let what = format!("shift by ({}, {}, {}) m", offset.x, offset.y, offset.z);
        if !offset.iter().all(|x| x.is_finite()) {
            return Err(Error::InvalidArgument(format!("{what}: the offset must be finite")));
        }
        let (model, q_stand) = standing(model, knots, &what)?;
        let nv = model.robots[0].multibody.nv();
        let mut target = q_stand.clone();
        for k in 0..3 {
            target[k] += offset[k];
        }
        let base_and_velocities = DVector::from_fn(2 * nv, |i, _| if i < 6 || i >= nv { 1.0 } else { 0.0 });
        let problem = ControlProblem {
            name: format!("shift {}", model.robots[0].name()),
            steps: knots,
            actuated: (6..nv).collect(),
            running: standing_running_costs(&q_stand, nv),
            terminal: vec![
                Cost::state("shift", 2e5, 0, target, DVector::zeros(nv)).with_activation(base_and_velocities)
            ],
            bounds: None,
            angles: vec![],
            model,
        };
        problem.validate()?;
        Ok(problem)
    }

    /// Pushing a free body to a target: a robot under its own controller (for example PD to a posture) rests its
    /// links against free body `body` on the ground; the controls, torques on the robot's revolute joints, push
    /// the body by `offset` (m, world axes) in `knots` steps of the model's `dt`. The world starts where it
    /// settles after 0.5 s of the controller, at rest: the robot must then touch the body (contact from the start
    /// gives the goal a gradient; the scene's PD targets can press the link on the body, below what friction
    /// holds). The controls then replace the controller on those joints (its gains there are set to zero; it keeps
    /// the others, such as a gripper's fingers), starting from the torques it applied at rest, `u_hold`
    /// ([`ControlProblem::initial_guess`]). Costs: per second `5·10⁻³ |u − u_hold|²` (N·m) and `½ |v|²` (the
    /// robot's joint speeds: a push, not a flail of the light wrist joints), at the end `10⁴ |p − p*|²` on the
    /// body's centre (m). Where the body slides, how it turns, and whether the robot stays on it are left to the
    /// solver. The dynamics run through both contacts (link–body and body–ground, friction anchors included),
    /// which only the whole world's adjoint sees: solve it with [`super::shooting_lbfgs`] (iLQR refuses it,
    /// [`ControlProblem::check_local_model`]). `scenes/panda_push_target.toml` is such a scene.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a model that does not hold one robot, a free body named `body` and a ground
    /// (and no particles), a robot without revolute joints, `knots == 0`, an offset that is not finite, a settling
    /// phase of more than `max_steps`, or a robot that does not touch the body once settled; the model's
    /// validation errors; a settling phase that fails (as [`crate::sim::step`]).
    pub fn push(mut model: Model<f64>, body: &str, offset: Vector3<f64>, knots: usize) -> Result<Self> {
        let what = format!("push `{body}` by ({}, {}, {}) m", offset.x, offset.y, offset.z);
        let bad = |m: String| Err(Error::InvalidArgument(format!("{what}: {m}")));
        if model.robots.len() != 1 || !model.particles.is_empty() || model.ground.is_none() {
            return bad("the model must hold one robot, free bodies and a ground, and no particles".into());
        }
        let Some(b) = model.bodies.iter().position(|x| x.name == body) else {
            let names: Vec<&str> = model.bodies.iter().map(|x| x.name.as_str()).collect();
            return bad(format!("no free body `{body}` (free bodies: {})", names.join(", ")));
        };
        if !offset.iter().all(|x| x.is_finite()) {
            return bad("the offset must be finite".into());
        }
        if knots == 0 {
            return bad("knots must be > 0".into());
        }
        // (q index, v index) of each revolute joint
        let revolute: Vec<(usize, usize)> = model.robots[0]
            .multibody
            .joints
            .iter()
            .filter(|j| matches!(j.kind, JointKind::Revolute { .. }))
            .map(|j| (j.q_index, j.v_index))
            .collect();
        if revolute.is_empty() {
            return bad(format!("robot `{}` has no revolute joint to push with", model.robots[0].name()));
        }
        model.validate()?;
        let (state, ws) = settle(&model, &what)?;
        if !ws.link_contacts.iter().any(|c| c.partner == crate::contact::Partner::Body(b)) {
            return bad(format!(
                "robot `{}` does not touch `{body}` after settling 0.5 s under its controller: without contact \
                 the goal has no gradient; place the body against a link (or the controller's targets into it)",
                model.robots[0].name()
            ));
        }
        // the controls take over the controller's torques on the actuated joints, starting from what it applied
        // at rest (so the initial guess, `hold`, holds the settled posture and keeps pressing on the body)
        let mut hold = DVector::zeros(revolute.len());
        if let Control::Pd(pd) = &mut model.robots[0].control {
            if pd.schedule.is_some() {
                return bad("the robot's PD follows a target schedule: its targets must not depend on time".into());
            }
            for (k, &(iq, iv)) in revolute.iter().enumerate() {
                hold[k] = pd.kp[iv] * (pd.target[iv] - state.robots[0].q[iq]);
                pd.kp[iv] = 0.0;
                pd.kd[iv] = 0.0;
            }
        }
        start_at_rest(&mut model, &state, knots);
        let nv = model.robots[0].multibody.nv();
        let target = state.bodies[b].position + offset;
        let problem = ControlProblem {
            name: format!("push {body}"),
            steps: knots,
            actuated: revolute.iter().map(|&(_, iv)| iv).collect(),
            running: vec![Cost::control("effort", 1e-2, hold), joint_speeds("still", 1.0, &state.robots[0].q, nv)],
            terminal: vec![Cost::body_position("goal", 2e4, b, target)],
            bounds: None,
            angles: vec![],
            model,
        };
        problem.validate()?;
        Ok(problem)
    }

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

    /// The base's distance from where [`ControlProblem::shift`] asks it to be, at the state `x` (coordinates;
    /// `None` for other problems).
    pub fn shift_distance(&self, x: &DVector<f64>) -> Option<f64> {
        self.terminal.iter().find_map(|c| match (&c.residual, c.name.as_str()) {
            (Residual::State { robot: 0, q, .. }, "shift") => {
                Some((x.fixed_rows::<3>(0) - q.fixed_rows::<3>(0)).norm())
            }
            _ => None,
        })
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
                    .flat_map(|j| std::iter::repeat(j.effort_limit.unwrap_or(f64::INFINITY)).take(j.kind.nv()))
            })
            .collect();
        let upper = DVector::from_iterator(self.nu(), self.actuated.iter().map(|&i| efforts[i]));
        ControlBounds { lower: -&upper, upper }
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
            other => Err(Error::InvalidArgument(format!(
                "unknown problem `{other}` (cartpole, pendulum, acrobot; reach needs --urdf and --frame)"
            ))),
        }
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
