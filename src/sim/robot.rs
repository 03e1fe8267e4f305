//! Stepping articulated robots: passive joint torques (damping, regularised Coulomb friction, soft limits), torque
//! inputs, semi-implicit Euler or RK4 on the configuration manifold. [`crate::sim::step`] uses these for the
//! robots of a [`Model`]; rollouts and trajectories are the world's ([`crate::sim::rollout`]).

use super::RobotState;
use crate::contact::{robot_ground_contacts, AnchorBook, LinkContact};
use crate::model::{Integrator, JointKind, JointSettings, Model, Multibody};
use crate::multibody::{aba, aba_with_armature, MultibodyWorkspace};
use crate::scalar::{c, re, recip, smoothstep, sqrt};
use crate::spatial::Force;
use crate::{Error, Result, Scalar};
use nalgebra::DVector;

/// Numerical settings of a robot simulation: the step and the joints' limit and friction numbers. A robot of a
/// [`Model`] is stepped with [`RobotSettings::of`] the model (its `world.dt`, `world.integrator` and
/// `settings.joints`); the defaults are those of [`JointSettings::default`] at 1 ms.
#[derive(Clone, Debug, PartialEq)]
pub struct RobotSettings {
    /// Time step (s). Default 1 ms: stiff soft limits need ≥ 20 steps per limit contact.
    pub dt: f64,
    /// `SemiImplicitEuler` or `Rk4` (`VelocityVerlet` is for particles and is rejected here).
    pub integrator: Integrator,
    /// Stiffness of the soft joint limits (N·m/rad or N/m), [`JointSettings::limit_stiffness`].
    pub limit_stiffness: f64,
    /// Damping of the soft joint limits (N·m·s/rad or N·s/m), [`JointSettings::limit_damping`].
    pub limit_damping: f64,
    /// Depth over which the limit force ramps up smoothly (rad or m), [`JointSettings::limit_ramp`].
    pub limit_ramp: f64,
    /// Velocity scale `v_s` of the regularised Coulomb joint friction (rad/s or m/s),
    /// [`JointSettings::friction_velocity`].
    pub friction_velocity: f64,
}

impl Default for RobotSettings {
    fn default() -> Self {
        RobotSettings::with(1e-3, Integrator::SemiImplicitEuler, &JointSettings::default())
    }
}

impl RobotSettings {
    /// The settings a model's robots are stepped with.
    pub fn of<T: Scalar>(model: &Model<T>) -> Self {
        RobotSettings::with(model.settings.dt, model.settings.integrator, &model.settings.joints)
    }

    fn with(dt: f64, integrator: Integrator, joints: &JointSettings) -> Self {
        RobotSettings {
            dt,
            integrator,
            limit_stiffness: joints.limit_stiffness,
            limit_damping: joints.limit_damping,
            limit_ramp: joints.limit_ramp,
            friction_velocity: joints.friction_velocity,
        }
    }
}

/// Passive joint torques: viscous damping `−d v`, regularised Coulomb friction `−μ v / √(v² + v_s²)` and the
/// soft limit springs `(k e − c v) · s(e / δ)` with `e` the depth past a limit and `s` a C¹ smoothstep.
///
/// Semi-implicit Euler takes the velocity-linear part of these torques implicitly ([`passive_damping`]): the
/// friction's slope at rest, `μ / v_s`, would otherwise make an explicit step chatter on a light link (a Go1
/// leg in free fall did, and its trajectory became a rough function of the parameters).
///
/// The limit branch is taken on the real part of `q`; at the limit the force and its derivative are zero on both
/// sides, so gradients are continuous through limit contact.
pub fn passive_torques<T: Scalar>(
    model: &Multibody<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    settings: &RobotSettings,
) -> DVector<T> {
    let mut tau = DVector::zeros(model.nv());
    let vs2 = settings.friction_velocity * settings.friction_velocity;
    for joint in &model.joints {
        for k in 0..joint.kind.nv() {
            let i = joint.v_index + k;
            let vi = v[i];
            tau[i] = -(joint.damping * vi) - joint.friction * vi * recip(&sqrt(&(vi * vi + vs2)));
        }
        if let (Some(limits), 1) = (&joint.limits, joint.kind.nq()) {
            let (qi, vi) = (&q[joint.q_index], v[joint.v_index]);
            let below = limits.lower - *qi;
            let above = *qi - limits.upper;
            let spring = |depth: T, sign: f64| -> T {
                let ramp = smoothstep(depth * (1.0 / settings.limit_ramp));
                (depth * settings.limit_stiffness * sign - vi * settings.limit_damping) * ramp
            };
            if re(&below) > 0.0 {
                tau[joint.v_index] += spring(below, 1.0);
            } else if re(&above) > 0.0 {
                tau[joint.v_index] += spring(above, -1.0);
            }
        }
    }
    tau
}

/// The joint-space damping of the passive torques, `D_i = −∂τ_i/∂v_i` (N·m·s/rad or N·s/m): viscous `d`, the
/// friction's slope `μ v_s² / (v² + v_s²)^{3/2}` and, inside a limit, its ramped damping. Semi-implicit Euler
/// adds `dt · D` to the joint inertia ([`aba_with_armature`]), which takes these terms implicitly:
/// `M (v' − v) / dt = f(q, v) − D (v' − v)`. The step stays first order and stable however stiff the damping.
pub fn passive_damping<T: Scalar>(
    model: &Multibody<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    settings: &RobotSettings,
) -> DVector<T> {
    let mut d = DVector::zeros(model.nv());
    let vs2 = settings.friction_velocity * settings.friction_velocity;
    for joint in model.joints.iter().filter(|j| takes_implicit_damping(&j.kind)) {
        for k in 0..joint.kind.nv() {
            let i = joint.v_index + k;
            let vi = v[i];
            let r2 = vi * vi + vs2;
            d[i] = joint.damping + joint.friction * vs2 * recip(&(r2 * sqrt(&r2)));
        }
        let i = joint.v_index;
        if let Some(limits) = &joint.limits {
            let qi = &q[joint.q_index];
            let depth = if re(qi) < re(&limits.lower) {
                limits.lower - *qi
            } else if re(qi) > re(&limits.upper) {
                *qi - limits.upper
            } else {
                continue;
            };
            d[i] += smoothstep(depth * (1.0 / settings.limit_ramp)) * settings.limit_damping;
        }
    }
    d
}

/// The damping a semi-implicit Euler step takes implicitly (N·m·s/rad or N·s/m per velocity coordinate): the
/// passive joint damping ([`passive_damping`]) plus a controller's velocity gains `actuator_damping` (a PD's `kd`).
fn implicit_damping<T: Scalar>(
    model: &Multibody<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    settings: &RobotSettings,
    actuator_damping: Option<&DVector<T>>,
) -> DVector<T> {
    let mut damping = passive_damping(model, q, v, settings);
    if let Some(kd) = actuator_damping {
        // the PD controller acts on one-degree-of-freedom joints only ([`Robot::control_torques`])
        for joint in model.joints.iter().filter(|j| j.kind.nq() == 1) {
            damping[joint.v_index] += kd[joint.v_index];
        }
    }
    damping
}

/// Whether the step takes a joint's damping implicitly: one-degree-of-freedom and spherical joints (through the
/// armature of [`aba_with_armature`]); a free joint's ABA block takes no armature, so its damping, if any, is
/// explicit.
fn takes_implicit_damping<T: Scalar>(kind: &JointKind<T>) -> bool {
    !matches!(kind, JointKind::Free)
}

/// Joint accelerations under control torques `tau` plus the passive torques.
pub fn robot_accelerations<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    tau: &DVector<T>,
    settings: &RobotSettings,
) -> Result<DVector<T>> {
    let total = tau + passive_torques(model, q, v, settings);
    aba(model, ws, q, v, &total, &[])
}

/// The acceleration a step uses: [`aba`] under `tau` plus the passive torques and `fext`, with the passive damping
/// and the controller's velocity gains `actuator_damping` (a PD's `kd`) taken implicitly over `implicit_dt`
/// seconds (0 for explicit, as RK4's stages are).
#[allow(clippy::too_many_arguments)]
fn step_accelerations<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    tau: DVector<T>,
    fext: &[Force<T>],
    settings: &RobotSettings,
    implicit_dt: f64,
    actuator_damping: Option<&DVector<T>>,
) -> Result<DVector<T>> {
    let total = tau + passive_torques(model, q, v, settings);
    if implicit_dt > 0.0 {
        let extra = implicit_damping(model, q, v, settings, actuator_damping) * c::<T>(implicit_dt);
        aba_with_armature(model, ws, q, v, &total, fext, extra.as_slice())
    } else {
        aba(model, ws, q, v, &total, fext)
    }
}

/// The matrix `M̃ = M(q) + dt · diag(D)` that a semi-implicit Euler step of robot `r` of `scene` solves with at
/// `(q, v)`: the joint-space inertia plus `dt` times the damping it takes implicitly ([`passive_damping`] and a PD
/// controller's `kd`, on one-degree-of-freedom joints, as [`aba_with_armature`] adds them). A torque `u` held over
/// the step changes the velocity by `dt · M̃⁻¹ u`, nothing else in the step depending on it: this is the control
/// Jacobian `∂v'/∂u = dt · M̃⁻¹` ([`crate::grad::step_jacobians`]).
///
/// ```
/// use diffphys::model::{multibody::sample, Model, Robot};
/// use diffphys::sim::robot::implicit_mass_matrix;
/// use nalgebra::DVector;
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.add_robot(Robot::new(sample::double_pendulum())).unwrap();
/// let m = implicit_mass_matrix(&scene, 0, &DVector::zeros(2), &DVector::zeros(2));
/// assert!(m[(0, 0)] > m[(1, 1)] && (m[(0, 1)] - m[(1, 0)]).abs() < 1e-12);
/// ```
///
/// # Panics
/// If `r` is not a robot of `scene` or `q`, `v` do not fit it.
pub fn implicit_mass_matrix<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    q: &DVector<T>,
    v: &DVector<T>,
) -> nalgebra::DMatrix<T> {
    let robot = &scene.robots[r];
    let model = &robot.multibody;
    let settings = RobotSettings::of(scene);
    let mut ws = MultibodyWorkspace::new(model);
    let mut m = crate::multibody::crba(model, &mut ws, q);
    let damping = implicit_damping(model, q, v, &settings, pd_damping(robot));
    add_implicit_damping(model, &mut m, &damping, settings.dt);
    m
}

/// Adds `dt · D` to the diagonal of a joint-space inertia `m` where the step's ABA takes the damping `D`
/// implicitly ([`aba_with_armature`]): on one-degree-of-freedom and spherical joints (a free joint gets no
/// armature).
pub(crate) fn add_implicit_damping<T: Scalar>(
    model: &Multibody<T>,
    m: &mut nalgebra::DMatrix<T>,
    damping: &DVector<T>,
    dt: f64,
) {
    for joint in model.joints.iter().filter(|j| takes_implicit_damping(&j.kind)) {
        for i in joint.v_index..joint.v_index + joint.kind.nv() {
            m[(i, i)] += damping[i] * dt;
        }
    }
}

/// One time step from `(q, v)` with control torques `tau` held over the step; returns the new `(q, v)`.
///
/// Semi-implicit Euler ([`Multibody::semi_implicit_euler`]): `v' = v + dt · a(q, v)`, `q' = q ⊕ dt · v'` (a free
/// joint steps its origin's velocity in fixed axes, as a free rigid body does), with the passive joint damping `D`
/// ([`passive_damping`]) taken implicitly, `(M + dt D) a = τ − b + …` ([`aba_with_armature`]); a scene's step
/// does the same with its PD controllers' `kd`. RK4: the classical four stages (explicit), with every
/// configuration update done by [`Multibody::integrate`] (fourth order for revolute and prismatic joints; for a
/// free joint the stages compose on SE(3) and the order drops where rotations do not commute).
///
/// # Errors
/// [`Error::InvalidArgument`] for wrong sizes or an unsupported integrator, [`Error::Numerical`] from [`aba`].
pub fn robot_step<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    tau: &DVector<T>,
    settings: &RobotSettings,
) -> Result<(DVector<T>, DVector<T>)> {
    model.check_dimensions(q, v, Some(tau))?;
    robot_step_with(model, ws, q, v, settings, |_, _| tau.clone())
}

/// [`robot_step`] with the control torques a function of the state, evaluated at every force evaluation (once
/// for semi-implicit Euler, at each of RK4's four stages): a state-feedback controller such as PD.
///
/// # Errors
/// As [`robot_step`].
pub fn robot_step_with<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    settings: &RobotSettings,
    tau: impl Fn(&DVector<T>, &DVector<T>) -> DVector<T>,
) -> Result<(DVector<T>, DVector<T>)> {
    integrate_robot(model, ws, q, v, settings, |ws, q, v, implicit_dt| {
        step_accelerations(model, ws, q, v, tau(q, v), &[], settings, implicit_dt, None)
    })
}

/// One step of `settings.integrator` for accelerations `accelerations(ws, q, v, implicit_dt)` (`implicit_dt`:
/// the time over which to take the passive damping implicitly, `dt` for semi-implicit Euler, 0 for RK4's stages).
fn integrate_robot<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    settings: &RobotSettings,
    mut accelerations: impl FnMut(&mut MultibodyWorkspace<T>, &DVector<T>, &DVector<T>, f64) -> Result<DVector<T>>,
) -> Result<(DVector<T>, DVector<T>)> {
    let dt = c::<T>(settings.dt);
    match settings.integrator {
        Integrator::SemiImplicitEuler => {
            let a = accelerations(ws, q, v, settings.dt)?;
            Ok(model.semi_implicit_euler(q, v, &a, &dt))
        }
        Integrator::Rk4 => {
            let mut accelerations = |q: &DVector<T>, v: &DVector<T>| accelerations(ws, q, v, 0.0);
            let half = c::<T>(0.5 * settings.dt);
            // Runge–Kutta–Munthe-Kaas: every stage's velocity is mapped into the one chart `q ⊕ δ` at the start
            // of the step (`r = δ̇`, [`Multibody::chart_rate`]) before the stages are combined; on a model without
            // free or spherical joints `r` is the velocity and this is classic RK4
            let a1 = accelerations(q, v)?;
            let (q2, v2) = (model.integrate(q, v, &half), v + &a1 * half);
            let r2 = model.chart_rate(&(v * half), &v2);
            let a2 = accelerations(&q2, &v2)?;
            let (q3, v3) = (model.integrate(q, &r2, &half), v + &a2 * half);
            let r3 = model.chart_rate(&(&r2 * half), &v3);
            let a3 = accelerations(&q3, &v3)?;
            let (q4, v4) = (model.integrate(q, &r3, &dt), v + &a3 * dt);
            let r4 = model.chart_rate(&(&r3 * dt), &v4);
            let a4 = accelerations(&q4, &v4)?;
            let sixth = c::<T>(1.0 / 6.0);
            let r_mean = (v + (r2 + r3) * c::<T>(2.0) + r4) * sixth;
            let a_mean = (a1 + (a2 + a3) * c::<T>(2.0) + a4) * sixth;
            Ok((model.integrate(q, &r_mean, &dt), v + a_mean * dt))
        }
        Integrator::VelocityVerlet => Err(Error::InvalidArgument(
            "robot simulation supports semi-implicit-euler and rk4, not velocity-verlet".into(),
        )),
    }
}

/// A PD controller's velocity gains `kd`, which a step takes implicitly with the passive damping; `None` for
/// other controllers.
fn pd_damping<T: Scalar>(robot: &crate::model::Robot<T>) -> Option<&DVector<T>> {
    match &robot.control {
        crate::model::Control::Pd(pd) => Some(&pd.kd),
        _ => None,
    }
}

/// The joint torques on `robot` at time `t` and `(q, v)`: its controller's plus `extra`, or zero.
fn held_torques<T: Scalar>(
    robot: &crate::model::Robot<T>,
    t: f64,
    q: &DVector<T>,
    v: &DVector<T>,
    extra: Option<&DVector<T>>,
) -> DVector<T> {
    match (robot.control_torques(t, q, v), extra) {
        (Some(tau), Some(extra)) => tau + extra,
        (Some(tau), None) => tau,
        (None, Some(extra)) => extra.clone(),
        (None, None) => DVector::zeros(robot.multibody.nv()),
    }
}

/// Advances robot `r` of `scene` by one step from time `t` (s): its controller's torques
/// ([`Robot::control_torques`](crate::model::Robot::control_torques)) plus `extra` joint torques held over the step (if any) plus the passive joint
/// torques; its colliders' ground contact at every force evaluation ([`robot_ground_contacts`], recorded into
/// `contacts` at the first); and `held` wrenches on its bodies (contact with free bodies, computed at the start
/// of the step), with the scene's `dt` and integrator. The ground contacts recall and keep their friction anchors
/// in `anchors` at the first force evaluation; RK4's later stages [hold](AnchorBook::hold) them.
///
/// # Errors
/// As [`robot_step`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn step_robot<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    ws: &mut MultibodyWorkspace<T>,
    state: &mut RobotState<T>,
    t: f64,
    extra: Option<&DVector<T>>,
    held: &[Force<T>],
    contacts: &mut Vec<LinkContact<T>>,
    settings: &RobotSettings,
    mut anchors: Option<&mut AnchorBook<T>>,
) -> Result<()> {
    let robot = &scene.robots[r];
    let model = &robot.multibody;
    let touches_ground = scene.ground.is_some() && !model.colliders.is_empty();
    // a PD controller's damping is taken implicitly with the passive damping (as a position actuator's is)
    let kd = pd_damping(robot);
    let mut first = true;
    let mut fext = Vec::with_capacity(if touches_ground { model.n_bodies() } else { 0 });
    let (q, v) = integrate_robot(model, ws, &state.q, &state.v, settings, |ws, q, v, implicit_dt| {
        let tau = held_torques(robot, t, q, v, extra);
        if !touches_ground {
            return step_accelerations(model, ws, q, v, tau, held, settings, implicit_dt, kd);
        }
        // the held wrenches, or zero, plus this evaluation's ground contact (one buffer for all stages)
        fext.clear();
        match held {
            [] => fext.resize(model.n_bodies(), Force::zero()),
            held => fext.extend_from_slice(held),
        }
        // the first evaluation advances the anchors and keeps them; RK4's later stages hold them
        let record = if first { Some(&mut *contacts) } else { None };
        let mut book = anchors.as_deref_mut();
        if let (false, Some(book)) = (first, book.as_deref_mut()) {
            book.hold();
        }
        first = false;
        robot_ground_contacts(scene, r, ws, q, v, &mut fext, record, book)?;
        step_accelerations(model, ws, q, v, tau, &fext, settings, implicit_dt, kd)
    })?;
    if let Some(book) = anchors {
        book.advance();
    }
    state.q = q;
    state.v = v;
    Ok(())
}

/// Robot `r` of `scene` over one step of the impulse model, before contact: the velocity `w` its configuration
/// would move along ([`Multibody::euler_velocity`] of semi-implicit Euler, with the passive damping and a PD
/// controller's `kd` taken implicitly, as [`robot_step`] does) under its controller's torques at time `t` plus
/// `extra`, and that implicit damping times `dt` per velocity coordinate (zero on a free joint): the step solves
/// with `M̃ = M + diag(dt D)` ([`implicit_mass_matrix`]), and an impulse `λ` at a point with Jacobian `J` changes `w`
/// by `M̃⁻¹ Jᵀ λ` ([`crate::contact::link_impulse_rows`]).
///
/// # Errors
/// [`Error::Numerical`] from [`aba`].
pub(crate) fn free_step<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    ws: &mut MultibodyWorkspace<T>,
    state: &RobotState<T>,
    t: f64,
    extra: Option<&DVector<T>>,
) -> Result<(DVector<T>, DVector<T>)> {
    let robot = &scene.robots[r];
    let model = &robot.multibody;
    let settings = RobotSettings::of(scene);
    let (q, v) = (&state.q, &state.v);
    let kd = pd_damping(robot);
    let tau = held_torques(robot, t, q, v, extra);
    let a = step_accelerations(model, ws, q, v, tau, &[], &settings, settings.dt, kd)?;
    let w = model.euler_velocity(v, &a, &c::<T>(settings.dt));
    let damping = implicit_damping(model, q, v, &settings, kd);
    let mut implicit = DVector::zeros(model.nv());
    for joint in model.joints.iter().filter(|j| takes_implicit_damping(&j.kind)) {
        for i in joint.v_index..joint.v_index + joint.kind.nv() {
            implicit[i] = damping[i] * settings.dt;
        }
    }
    Ok((w, implicit))
}

/// Ends a step of the impulse model for a robot: the configuration moves along the velocity after contact `w`
/// plus the position pass's pseudo-velocity `pseudo` (forgotten after this step), and the velocity becomes `w`
/// at the end of the step ([`Multibody::velocity_after_step`]).
pub(crate) fn finish_step<T: Scalar>(
    model: &Multibody<T>,
    state: &mut RobotState<T>,
    w: &DVector<T>,
    pseudo: Option<&DVector<T>>,
    dt: f64,
) {
    let dt = c::<T>(dt);
    let moved = match pseudo {
        Some(p) if p.len() == w.len() => w + p,
        _ => w.clone(),
    };
    state.q = model.integrate(&state.q, &moved, &dt);
    state.v = model.velocity_after_step(w, &dt);
}

/// The name of the first joint of `model` with a non-finite entry in `v`, if any.
pub(crate) fn non_finite_joint<T: Scalar>(model: &Multibody<T>, q: &DVector<T>, v: &DVector<T>) -> Option<String> {
    let bad = (0..model.nv()).find(|&i| !re(&v[i]).is_finite()).or_else(|| {
        let joint_of_q = (0..model.nq()).find(|&i| !re(&q[i]).is_finite())?;
        model.joints.iter().find(|j| (j.q_index..j.q_index + j.kind.nq()).contains(&joint_of_q)).map(|j| j.v_index)
    })?;
    let joint = model.joints.iter().find(|j| (j.v_index..j.v_index + j.kind.nv()).contains(&bad));
    Some(joint.map_or_else(|| model.name.clone(), |j| format!("{}.{}", model.name, j.name)))
}
