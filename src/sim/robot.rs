//! Stepping articulated robots: passive joint torques (damping, smooth Coulomb friction, soft limits), torque
//! inputs, semi-implicit Euler or RK4 on the configuration manifold. [`crate::sim::step`] uses these for the
//! robots of a [`Model`](crate::model::Model); rollouts and trajectories are the world's ([`crate::sim::rollout`]).

use super::RobotState;
use crate::model::{Integrator, Multibody, Robot};
use crate::multibody::{aba, MultibodyWorkspace};
use crate::scalar::{c, re, smoothstep, tanh};
use crate::{Error, Result, Scalar};
use nalgebra::DVector;

/// Numerical settings of a robot simulation. Every default has a unit and a reason.
#[derive(Clone, Debug, PartialEq)]
pub struct RobotSettings {
    /// Time step (s). Default 1 ms: stiff soft limits (below) need ≥ 20 steps per limit contact.
    pub dt: f64,
    /// `SemiImplicitEuler` or `Rk4` (`VelocityVerlet` is for particles and is rejected here).
    pub integrator: Integrator,
    /// Stiffness of the soft joint limits (N·m/rad or N/m). Default 1000: a 1 kg·m² link driven into its limit
    /// at 1 rad/s stops within about 0.03 rad.
    pub limit_stiffness: f64,
    /// Damping of the soft joint limits (N·m·s/rad or N·s/m). Default 20, near critical for the default stiffness
    /// and unit inertia; only acts inside the limit.
    pub limit_damping: f64,
    /// Depth over which the limit force ramps up smoothly (rad or m). Default 0.01: keeps the force C¹.
    pub limit_ramp: f64,
    /// Velocity scale of the smoothed Coulomb friction `−μ tanh(v / v_s)` (rad/s or m/s). Default 0.01.
    pub friction_velocity: f64,
}

impl Default for RobotSettings {
    fn default() -> Self {
        RobotSettings {
            dt: 1e-3,
            integrator: Integrator::SemiImplicitEuler,
            limit_stiffness: 1e3,
            limit_damping: 20.0,
            limit_ramp: 0.01,
            friction_velocity: 0.01,
        }
    }
}

/// Passive joint torques: viscous damping `−d v`, smooth Coulomb friction `−μ tanh(v / v_s)` and the soft limit
/// springs `(k e − c v) · s(e / δ)` with `e` the depth past a limit and `s` a C¹ smoothstep.
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
    for joint in &model.joints {
        for k in 0..joint.kind.nv() {
            let i = joint.v_index + k;
            let vi = v[i];
            let friction = tanh(&(vi * (1.0 / settings.friction_velocity)));
            tau[i] = -(joint.damping * vi) - joint.friction * friction;
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

/// One time step from `(q, v)` with control torques `tau` held over the step; returns the new `(q, v)`.
///
/// Semi-implicit Euler: `v' = v + dt · a(q, v)`, `q' = q ⊕ dt · v'`. RK4: the classical four stages, with every
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
    let dt = c::<T>(settings.dt);
    let mut accelerations = |q: &DVector<T>, v: &DVector<T>| robot_accelerations(model, ws, q, v, &tau(q, v), settings);
    match settings.integrator {
        Integrator::SemiImplicitEuler => {
            let a = accelerations(q, v)?;
            let v_next = v + a * dt;
            let q_next = model.integrate(q, &v_next, &dt);
            Ok((q_next, v_next))
        }
        Integrator::Rk4 => {
            let half = c::<T>(0.5 * settings.dt);
            let a1 = accelerations(q, v)?;
            let (q2, v2) = (model.integrate(q, v, &half), v + &a1 * half);
            let a2 = accelerations(&q2, &v2)?;
            let (q3, v3) = (model.integrate(q, &v2, &half), v + &a2 * half);
            let a3 = accelerations(&q3, &v3)?;
            let (q4, v4) = (model.integrate(q, &v3, &dt), v + &a3 * dt);
            let a4 = accelerations(&q4, &v4)?;
            let sixth = c::<T>(1.0 / 6.0);
            let v_mean = (v + (v2 + v3) * c::<T>(2.0) + v4) * sixth;
            let a_mean = (a1 + (a2 + a3) * c::<T>(2.0) + a4) * sixth;
            Ok((model.integrate(q, &v_mean, &dt), v + a_mean * dt))
        }
        Integrator::VelocityVerlet => Err(Error::InvalidArgument(
            "robot simulation supports semi-implicit-euler and rk4, not velocity-verlet".into(),
        )),
    }
}

/// Advances a scene's robot by one step from time `t` (s): its controller's torques ([`Robot::control_torques`])
/// plus `extra` joint torques held over the step (if any) plus the passive joint torques, with the scene's `dt`
/// and integrator.
///
/// # Errors
/// As [`robot_step`].
pub(crate) fn step_robot<T: Scalar>(
    robot: &Robot<T>,
    ws: &mut MultibodyWorkspace<T>,
    state: &mut RobotState<T>,
    t: f64,
    extra: Option<&DVector<T>>,
    settings: &RobotSettings,
) -> Result<()> {
    let model = &robot.multibody;
    let (q, v) = robot_step_with(model, ws, &state.q, &state.v, settings, |q, v| {
        match (robot.control_torques(t, q, v), extra) {
            (Some(tau), Some(held)) => tau + held,
            (Some(tau), None) => tau,
            (None, Some(held)) => held.clone(),
            (None, None) => DVector::zeros(model.nv()),
        }
    })?;
    state.q = q;
    state.v = v;
    Ok(())
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
