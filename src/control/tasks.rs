//! The built-in optimal-control problems: the swing-ups, Crocoddyl's reaching task, and the contact tasks
//! (a legged robot unloading a foot or shifting its base, a robot pushing a free body), as [`ControlProblem`]s.

use super::{ControlProblem, Cost, Residual};
use crate::model::multibody::sample;
use crate::model::{Control, Integrator, JointKind, Model, Multibody, Robot};
use crate::sim::{State, Workspace};
use crate::{Error, Result};
use nalgebra::{DVector, Vector3};
use std::f64::consts::PI;

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
}
