//! Per-step Jacobians of the robots' joint state: the linearisation that iLQR, DDP and MPC use, through contact.

use super::{jacobian, Outcome};
use crate::contact::{ground_contact_derivatives_with_mass, MemoryDerivatives};
use crate::model::{Control, Integrator, JointKind, Model, Robot};
use crate::multibody::ldlt::{ltdl_factor, ltdl_inverse, TreeSparsity};
use crate::multibody::{sweep_first_round, sweep_second_round, MultibodyWorkspace};
use crate::sim::robot::{add_implicit_damping, implicit_mass_matrix, passive_damping, passive_torques, RobotSettings};
use crate::sim::{links_may_touch_bodies_or_links, links_touch_by_impulses, step_with_torques, State, Workspace};
use crate::spatial::{quaternion_exp, quaternion_matrix, skew};
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector, Matrix3, Vector2, Vector3};
use num_dual::{Derivative, DualSVec64};
use std::ops::AddAssign;

/// One step of a model from a given state, as a function of the robots' joint state `x` and extra joint torques
/// `u`: `x' = f(x, u)`. `x` stacks every robot's `q` then `v` (robot after robot: `[q₀, v₀, q₁, v₁, …]`, a floating
/// base's pose in coordinates, quaternion included), `u` every robot's `nv` torques; everything else in the state
/// (particles, free bodies, warm-start impulses, friction anchors, time) is held as it is. The contacts' memories
/// are state that `x` leaves out: `A` and `B` are the step's Jacobians at fixed anchor stretches and onset speeds
/// (a held foot's anchor spring enters through the stretch the step adds, `u_t dt`, not through its memory; a
/// contact that begins in this step has its onset speed from `x`, and that is differentiated).
#[derive(Debug, Clone)]
pub struct RobotStep {
    model: Model<f64>,
    state: State<f64>,
    nx: usize,
}

impl RobotStep {
    /// The step of `model` from `state`.
    ///
    /// # Errors
    /// An invalid model, a state that does not fit it, or a model without robots.
    pub fn new(model: &Model<f64>, state: &State<f64>) -> Result<Self> {
        model.validate()?;
        check_robot_state(model, state)?;
        let nx = model.robots.iter().map(|r| r.multibody.nq() + r.multibody.nv()).sum();
        Ok(RobotStep { model: model.clone(), state: state.clone(), nx })
    }

    /// The length of `x`.
    pub fn nx(&self) -> usize {
        self.nx
    }

    /// The length of `u`.
    pub fn nu(&self) -> usize {
        self.model.robots.iter().map(|r| r.multibody.nv()).sum()
    }

    /// `x` and `u = 0` at the step's state: the point to linearise at.
    pub fn point(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.nx + self.nu());
        for r in &self.state.robots {
            p.extend(r.q.iter().chain(r.v.iter()));
        }
        p.resize(self.nx + self.nu(), 0.0);
        p
    }
}

impl Outcome for RobotStep {
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
        if p.len() != self.nx + self.nu() {
            return Err(Error::InvalidArgument(format!("a robot step takes {} inputs", self.nx + self.nu())));
        }
        let model: Model<T> = self.model.lift();
        let mut state: State<T> = self.state.lift();
        let mut k = self.nx;
        let mut torques = Vec::with_capacity(model.robots.len());
        let mut i = 0;
        for (r, s) in model.robots.iter().zip(state.robots.iter_mut()) {
            let (nq, nv) = (r.multibody.nq(), r.multibody.nv());
            s.q = DVector::from_column_slice(&p[i..i + nq]);
            s.v = DVector::from_column_slice(&p[i + nq..i + nq + nv]);
            i += nq + nv;
            torques.push(DVector::from_column_slice(&p[k..k + nv]));
            k += nv;
        }
        let mut ws = Workspace::new(model.particles.len());
        step_with_torques(&model, &mut state, &mut ws, &torques)?;
        Ok(DVector::from_iterator(self.nx, state.robots.iter().flat_map(|r| r.q.iter().chain(r.v.iter()).copied())))
    }
}

/// A model with robots and a state that fits them, or one clear error.
fn check_robot_state(model: &Model<f64>, state: &State<f64>) -> Result<()> {
    if model.robots.is_empty() {
        return Err(Error::InvalidArgument("step Jacobians need a model with robots".into()));
    }
    let fits = state.robots.len() == model.robots.len()
        && state
            .robots
            .iter()
            .zip(&model.robots)
            .all(|(s, r)| s.q.len() == r.multibody.nq() && s.v.len() == r.multibody.nv());
    if !fits {
        return Err(Error::InvalidArgument("the state does not fit the model's robots".into()));
    }
    Ok(())
}

/// One step of a model from a given state as a function of the robots' joint state in the tangent space and extra
/// joint torques: `x = [δq₀, v₀, δq₁, v₁, …]` (`2 nv` per robot), the configuration `q = q_s ⊕ δq` moved on its
/// manifold from the state's `q_s` ([`Multibody::integrate`](crate::model::Multibody::integrate) over one second),
/// then `u` (`nv` per robot). The result is `[q' ⊖ q'_s, v', …]`
/// ([`Multibody::difference`](crate::model::Multibody::difference)) with `q'_s` the configuration the step reaches
/// from the state itself,
/// so `x = 0, u = 0` maps to `[0, v'_s, …]`. For robots without a floating base this is `RobotStep` shifted by
/// constants; with one, the quaternion's four coordinates become three rotation directions, as in MuJoCo's,
/// Pinocchio's and Crocoddyl's state differences, and `A` is what iLQR and DDP can use on a manifold.
#[derive(Debug, Clone)]
pub struct TangentStep {
    step: RobotStep,
    /// The configurations the step reaches from the state (`q'_s`).
    reached: Vec<DVector<f64>>,
    /// The f64 step's result, coordinates, `[q'₀, v'₀, …]`.
    next: DVector<f64>,
    /// The extra joint torques `u` to linearise at (every robot's `nv`, concatenated).
    torques: Vec<f64>,
}

impl TangentStep {
    /// The step of `model` from `state`, taken once on `f64` to find `q'_s`.
    ///
    /// # Errors
    /// As [`RobotStep::new`], and a step that fails.
    pub fn new(model: &Model<f64>, state: &State<f64>) -> Result<Self> {
        Self::with_torques(model, state, &[])
    }

    /// The step of `model` from `state` with extra joint torques `torques` (one vector of `nv` per robot, or none
    /// for zero): `u = torques` is the point [`TangentStep::point`] linearises at.
    ///
    /// # Errors
    /// As [`TangentStep::new`], and torques that do not fit the robots.
    pub fn with_torques(model: &Model<f64>, state: &State<f64>, torques: &[DVector<f64>]) -> Result<Self> {
        let step = RobotStep::new(model, state)?;
        let mut after = state.clone();
        let mut ws = Workspace::new(model.particles.len());
        step_with_torques(model, &mut after, &mut ws, torques)?;
        let reached = after.robots.iter().map(|r| r.q.clone()).collect();
        let next =
            DVector::from_iterator(step.nx, after.robots.iter().flat_map(|r| r.q.iter().chain(r.v.iter()).copied()));
        let mut flat: Vec<f64> = torques.iter().flat_map(|t| t.iter().copied()).collect();
        flat.resize(step.nu(), 0.0);
        Ok(TangentStep { step, reached, next, torques: flat })
    }

    /// The length of `x`: `2 nv` summed over the robots.
    pub fn nx(&self) -> usize {
        2 * self.nu()
    }

    /// The length of `u`.
    pub fn nu(&self) -> usize {
        self.step.nu()
    }

    /// The robots' joint state the step reaches from the state (coordinates, `[q'₀, v'₀, …]`).
    pub fn next(&self) -> &DVector<f64> {
        &self.next
    }

    /// `x = 0` (with the state's velocities) and `u` the step's torques (zero from [`TangentStep::new`]): the
    /// point to linearise at.
    pub fn point(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.nx() + self.nu());
        for r in &self.step.state.robots {
            p.extend(std::iter::repeat_n(0.0, r.v.len()).chain(r.v.iter().copied()));
        }
        p.extend_from_slice(&self.torques);
        p
    }
}

impl Outcome for TangentStep {
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
        if p.len() != self.nx() + self.nu() {
            return Err(Error::InvalidArgument(format!("a robot step takes {} inputs", self.nx() + self.nu())));
        }
        let mut coordinates = Vec::with_capacity(self.step.nx + self.nu());
        let mut i = 0;
        for (robot, s) in self.step.model.robots.iter().zip(&self.step.state.robots) {
            let model = robot.multibody.lift::<T>();
            let nv = model.nv();
            let dq = DVector::from_column_slice(&p[i..i + nv]);
            coordinates.extend(model.integrate(&s.q.map(T::constant), &dq, &T::one()).iter().copied());
            coordinates.extend_from_slice(&p[i + nv..i + 2 * nv]);
            i += 2 * nv;
        }
        coordinates.extend_from_slice(&p[i..]);
        let next = self.step.eval(&coordinates)?;
        let mut out = DVector::zeros(self.nx());
        let (mut row, mut k) = (0, 0);
        for (robot, reached) in self.step.model.robots.iter().zip(&self.reached) {
            let model = robot.multibody.lift::<T>();
            let (nq, nv) = (model.nq(), model.nv());
            let q = next.rows(k, nq).into_owned();
            out.rows_mut(row, nv).copy_from(&model.difference(&reached.map(T::constant), &q));
            out.rows_mut(row + nv, nv).copy_from(&next.rows(k + nq, nv));
            row += 2 * nv;
            k += nq + nv;
        }
        Ok(out)
    }
}

/// The step's value and Jacobians at a state.
#[derive(Debug, Clone)]
pub struct StepJacobians {
    /// The robots' joint state after the step, in coordinates: `[q'₀, v'₀, q'₁, v'₁, …]` (`nq + nv` per robot).
    pub next: DVector<f64>,
    /// `A = ∂x'/∂x` (`2 nv × 2 nv` summed over robots) in the tangent space of [`TangentStep`]: rows and columns
    /// `[δq₀, v₀, δq₁, v₁, …]`.
    pub a: DMatrix<f64>,
    /// `B = ∂x'/∂u` (`2 nv × nv`, summed over robots).
    pub b: DMatrix<f64>,
    /// How they were computed.
    pub route: JacobianRoute,
}

/// The route [`step_jacobians`] took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JacobianRoute {
    /// Analytic: RNEA derivatives, the ground contacts' analytic derivatives, one solve with `M + dt D`.
    Analytic,
    /// Dual numbers over the state directions; `B` built from `M + dt D` (semi-implicit Euler with robot links
    /// touching free bodies or other links).
    DualState,
    /// Dual numbers over every direction (RK4; and robot links under the impulse model, whose contact impulses
    /// depend on the torques too).
    Dual,
}

/// The Jacobians `A = ∂x'/∂x`, `B = ∂x'/∂u` of one step of `model` from `state`, in the tangent space of
/// [`TangentStep`], exact (contact included: the compliant law is C¹).
///
/// With semi-implicit Euler the step is `M̃ a = τ(q, v) + τ_c(q, v) − b(q, v)`, `w = v + dt a`, `q' = q ⊕ dt w`,
/// `v' = w` ([`Multibody::semi_implicit_euler`](crate::model::Multibody::semi_implicit_euler): a free joint adds
/// `dt ω × v` to `w`'s linear part and re-expresses it in the new body axes), with `M̃ = M + dt D` ([`implicit_mass_matrix`]), `τ` the controller's and the passive joint
/// torques, `τ_c` the ground contacts'. Differentiating the identity `RNEA(q, v, a) + dt D a = τ + τ_c` gives
/// `∂a/∂x = M̃⁻¹ (∂τ/∂x + ∂τ_c/∂x − ∂RNEA/∂x − dt (∂D/∂x) a)`: [`rnea_derivatives`](crate::multibody::rnea_derivatives) for the rigid-body part,
/// [`robot_ground_contact_derivatives`](crate::contact::robot_ground_contact_derivatives) for the contacts, dual numbers of two directions for the joint-local
/// torques and damping (each joint's depend on its own `q`, `v` only, so all joints share the two directions);
/// `∂w/∂u = dt M̃⁻¹`, and the Jacobians of `q'` and `v'` with respect to `w` close the chain. This is the
/// [`JacobianRoute::Analytic`] route. When a robot link touches a free body or another link (their contacts are
/// held over the step and couple the subsystems), `A` comes from dual numbers over the state directions of
/// [`TangentStep`] instead; with RK4, and with robot links touching things by impulses
/// ([`ContactModel::Impulse`](crate::model::ContactModel::Impulse)), everything does ([`JacobianRoute`]).
///
/// ```
/// use diffphys::model::{multibody::sample, Model, Robot};
/// use diffphys::sim::State;
/// let mut model = Model::<f64>::empty(1e-3, 1.0);
/// model.add_robot(Robot::new(sample::double_pendulum())).unwrap();
/// let j = diffphys::grad::step_jacobians(&model, &State::initial(&model)).unwrap();
/// assert_eq!((j.a.shape(), j.b.shape()), ((4, 4), (4, 2)));
/// assert!((j.a[(0, 0)] - 1.0).abs() < 1e-3); // q' ≈ q + dt v'
/// assert!(j.b[(2, 0)] > 0.0); // a shoulder torque speeds the shoulder up
/// ```
///
/// # Errors
/// As [`StepLinearizer::new`] and [`StepLinearizer::jacobians`].
pub fn step_jacobians(model: &Model<f64>, state: &State<f64>) -> Result<StepJacobians> {
    StepLinearizer::new(model)?.jacobians(state)
}

/// [`step_jacobians`] at many states of one model (a trajectory, for iLQR, DDP or MPC): validates the model once
/// and keeps its workspaces between calls.
///
/// ```
/// use diffphys::grad::StepLinearizer;
/// use diffphys::model::{multibody::sample, Model, Robot};
/// use diffphys::sim::{step, State, Workspace};
/// let mut model = Model::<f64>::empty(1e-3, 1.0);
/// model.add_robot(Robot::new(sample::double_pendulum())).unwrap();
/// let mut linearizer = StepLinearizer::new(&model).unwrap();
/// let (mut state, mut ws) = (State::initial(&model), Workspace::new(0));
/// for _ in 0..3 {
///     let j = linearizer.jacobians(&state).unwrap();
///     assert_eq!(j.a.shape(), (4, 4));
///     step(&model, &mut state, &mut ws).unwrap();
/// }
/// ```
#[derive(Debug)]
pub struct StepLinearizer<'a> {
    pub(super) model: &'a Model<f64>,
    /// The robots over dual numbers of two directions, for their joint-local torques ([`JointLocal`]).
    pub(super) joint_local: Vec<Robot<DualSVec64<2>>>,
    pub(super) robots: Vec<MultibodyWorkspace<f64>>,
    step: Workspace<f64>,
}

impl<'a> StepLinearizer<'a> {
    /// A linearizer for `model`.
    ///
    /// # Errors
    /// An invalid model, or one without robots.
    pub fn new(model: &'a Model<f64>) -> Result<Self> {
        model.validate()?;
        if model.robots.is_empty() {
            return Err(Error::InvalidArgument("step Jacobians need a model with robots".into()));
        }
        Ok(StepLinearizer {
            model,
            joint_local: model.robots.iter().map(|r| r.lift()).collect(),
            robots: model.robots.iter().map(|r| MultibodyWorkspace::new(&r.multibody)).collect(),
            step: Workspace::new(model.particles.len()),
        })
    }

    /// `A`, `B` of one step from `state` (see [`step_jacobians`]).
    ///
    /// # Errors
    /// A state that does not fit the model's robots, and a step that fails.
    pub fn jacobians(&mut self, state: &State<f64>) -> Result<StepJacobians> {
        self.jacobians_with_torques(state, &[])
    }

    /// `A`, `B` of one step from `state` with extra joint torques `torques` (one vector of `nv` per robot, as
    /// [`step_with_torques`] takes them; none for zero): the linearisation at `(x, u)` that iLQR and DDP need
    /// along a trajectory.
    ///
    /// # Errors
    /// As [`StepLinearizer::jacobians`], and torques that do not fit the robots.
    pub fn jacobians_with_torques(&mut self, state: &State<f64>, torques: &[DVector<f64>]) -> Result<StepJacobians> {
        let model = self.model;
        check_robot_state(model, state)?;
        let fits = torques.is_empty()
            || (torques.len() == model.robots.len()
                && torques.iter().zip(&model.robots).all(|(t, r)| t.len() == r.multibody.nv()));
        if !fits {
            return Err(Error::InvalidArgument("step Jacobians: one torque vector of nv entries per robot".into()));
        }
        if model.settings.integrator != Integrator::SemiImplicitEuler || links_touch_by_impulses(model) {
            let f = TangentStep::with_torques(model, state, torques)?;
            let (nx, nu) = (f.nx(), f.nu());
            let (_, jac) = jacobian(&f, &f.point())?;
            let (a, b) = (jac.columns(0, nx).into_owned(), jac.columns(nx, nu).into_owned());
            return Ok(StepJacobians { next: f.next().clone(), a, b, route: JacobianRoute::Dual });
        }
        // contacts of links with free bodies or other links are held over the step and couple the subsystems:
        // where the model allows them, one step finds out whether there are any
        let held_contacts = links_may_touch_bodies_or_links(model) && {
            let mut after = state.clone();
            step_with_torques(model, &mut after, &mut self.step, torques)?;
            self.step.link_contacts.iter().any(|c| c.partner != crate::contact::Partner::Ground)
        };
        let nv_total: usize = model.robots.iter().map(|r| r.multibody.nv()).sum();
        let nq_total: usize = model.robots.iter().map(|r| r.multibody.nq()).sum();
        let (nx, nu) = (2 * nv_total, nv_total);
        if held_contacts {
            let f = TangentStep::with_torques(model, state, torques)?;
            let (_, a) = jacobian(&StateOnly(&f), &f.point()[..nx])?;
            let mut b = DMatrix::zeros(nx, nu);
            let (mut offset, mut k) = (0, 0);
            for r in 0..model.robots.len() {
                let (nq, nv) = (model.robots[r].multibody.nq(), model.robots[r].multibody.nv());
                let v_next = f.next().rows(k + nq, nv).into_owned();
                let blocks = RobotBlocks::new(model, state, r, &v_next, self.robots[r].mass_sparsity())?;
                b.view_mut((offset, offset / 2), (2 * nv, nv)).copy_from(&blocks.control_jacobian());
                offset += 2 * nv;
                k += nq + nv;
            }
            return Ok(StepJacobians { next: f.next().clone(), a, b, route: JacobianRoute::DualState });
        }
        let mut next = DVector::zeros(nq_total + nv_total);
        let mut a = DMatrix::zeros(nx, nx);
        let mut b = DMatrix::zeros(nx, nu);
        let (mut offset, mut k) = (0, 0);
        for r in 0..model.robots.len() {
            let (nq, nv) = (model.robots[r].multibody.nq(), model.robots[r].multibody.nv());
            let mut local = JointLocal::new(model, &self.joint_local[r], state, r);
            if let Some(extra) = torques.get(r) {
                local.tau += extra;
            }
            let robot = analytic_robot(model, state, r, &local, &mut self.robots[r], false)?;
            next.rows_mut(k, nq).copy_from(&robot.q_next);
            next.rows_mut(k + nq, nv).copy_from(&robot.v_next);
            a.view_mut((offset, offset), (2 * nv, 2 * nv)).copy_from(&robot.a);
            b.view_mut((offset, offset / 2), (2 * nv, nv)).copy_from(&robot.b);
            offset += 2 * nv;
            k += nq + nv;
        }
        Ok(StepJacobians { next, a, b, route: JacobianRoute::Analytic })
    }
}

/// One robot's step and its blocks of `A` and `B` (see [`analytic_robot`]).
pub(super) struct RobotLinearization {
    pub(super) q_next: DVector<f64>,
    pub(super) v_next: DVector<f64>,
    /// `∂(δq', v')/∂(δq, v)` (`2 nv × 2 nv`) at the contacts' recalled memories.
    pub(super) a: DMatrix<f64>,
    /// `∂(δq', v')/∂u` (`2 nv × nv`).
    pub(super) b: DMatrix<f64>,
    /// When asked for: each ground contact's memory after the step and its derivatives.
    pub(super) memory: Vec<MemoryDerivatives>,
    /// When asked for: `∂(δq', v')/∂(recalled memory)` (`2 nv × 4`) of each contact of `memory`.
    pub(super) through_memory: Vec<DMatrix<f64>>,
}

/// One robot's step and its blocks of `A` and `B`, analytically (see [`step_jacobians`]); `with_memory` adds the
/// contacts' memories and the derivatives with respect to them.
pub(super) fn analytic_robot(
    model: &Model<f64>,
    state: &State<f64>,
    r: usize,
    local: &JointLocal,
    ws: &mut MultibodyWorkspace<f64>,
    with_memory: bool,
) -> Result<RobotLinearization> {
    let robot = &model.robots[r];
    let mb = &robot.multibody;
    let (q, v) = (&state.robots[r].q, &state.robots[r].v);
    let (nv, dt) = (mb.nv(), model.settings.dt);
    let singular =
        |e: Error| Error::Numerical(format!("robot `{}`: the mass matrix cannot be factored: {e}", robot.name()));
    // the first round of the RNEA-derivative sweep gives M, the bias RNEA(q, v, 0) and ∂RNEA/∂v (no CRBA or RNEA
    // pass); the second, once the step's acceleration is known, ∂RNEA/∂q
    let first = sweep_first_round(mb, ws, q, v);
    let mut implicit = first.mass;
    let mut mass = implicit.clone();
    ltdl_factor(&mut mass, ws.mass_sparsity()).map_err(singular)?;
    let mass_inverse = ltdl_inverse(&mass, ws.mass_sparsity());
    let contact =
        ground_contact_derivatives_with_mass(model, r, ws, q, v, &mass_inverse, &state.friction_anchors, with_memory);
    // M̃ = M + dt D, as the step's ABA takes D
    add_implicit_damping(mb, &mut implicit, &local.damping, dt);
    ltdl_factor(&mut implicit, ws.mass_sparsity()).map_err(singular)?;
    let inverse = ltdl_inverse(&implicit, ws.mass_sparsity());
    let accel = &inverse * (&local.tau + &contact.tau - &first.bias);
    let (q_next, v_next) = mb.semi_implicit_euler(q, v, &accel, &dt);
    let (dq_dq, dq_dw, dv_dw) = integration_jacobians(mb, &v_next, dt);
    // RNEA(q, v, a) + dt D a = τ + τ_c, differentiated
    let (drnea_dq, drnea_dv) = (sweep_second_round(mb, ws, &accel), first.dtau_dv);
    let mut da_dq = contact.dtau_dq - drnea_dq;
    let mut da_dv = contact.dtau_dv - drnea_dv;
    for i in 0..nv {
        da_dq[(i, i)] += local.dtau_dq[i] - dt * local.ddamping_dq[i] * accel[i];
        da_dv[(i, i)] += local.dtau_dv[i] - dt * local.ddamping_dv[i] * accel[i];
    }
    // the step's velocity w = v + dt a (+ dt ω × v on a free joint's linear part, see
    // `Multibody::semi_implicit_euler`); δq' = (∂δq'/∂δq) δq + (∂δq'/∂w) δw and δv' = (∂v'/∂w) δw, the last two
    // block-diagonal over the joints
    let mut dw_dx = DMatrix::zeros(nv, 2 * nv);
    dw_dx.columns_mut(0, nv).copy_from(&da_dq);
    dw_dx.columns_mut(nv, nv).copy_from(&da_dv);
    let mut dw_dx = &inverse * dw_dx * dt;
    for i in 0..nv {
        dw_dx[(i, nv + i)] += 1.0;
    }
    for joint in mb.joints.iter().filter(|j| j.kind.nv() == 6) {
        let i = joint.v_index;
        let linear = Vector3::new(v[i], v[i + 1], v[i + 2]);
        let omega = Vector3::new(v[i + 3], v[i + 4], v[i + 5]);
        dw_dx.fixed_view_mut::<3, 3>(i, nv + i).add_assign(&(skew(&omega) * dt));
        dw_dx.fixed_view_mut::<3, 3>(i, nv + i + 3).add_assign(&(-skew(&linear) * dt));
    }
    let through_w = |dw: &DMatrix<f64>| rows_through_w(mb, &dq_dw, &dv_dw, dt, dw);
    let mut a = through_w(&dw_dx);
    a.view_mut((0, 0), (nv, nv)).add_assign(&dq_dq);
    let b = through_w(&(&inverse * dt));
    // a contact's recalled memory acts on the step through its force: δw = dt M̃⁻¹ (∂τ_c/∂memory) δmemory
    let through_memory = contact.memory.iter().map(|m| through_w(&(&inverse * &m.dtau_drecalled * dt))).collect();
    Ok(RobotLinearization { q_next, v_next, a, b, memory: contact.memory, through_memory })
}

/// `∂(δq', v')/∂y` from `∂w/∂y` (`nv × n`) and the configuration update's Jacobians: `dt` and `1` for
/// one-degree-of-freedom joints, the blocks of [`integration_jacobians`] for free joints.
fn rows_through_w(
    mb: &crate::model::Multibody<f64>,
    dq_dw: &DMatrix<f64>,
    dv_dw: &DMatrix<f64>,
    dt: f64,
    dw: &DMatrix<f64>,
) -> DMatrix<f64> {
    let nv = mb.nv();
    let mut out = DMatrix::zeros(2 * nv, dw.ncols());
    for joint in &mb.joints {
        let (i, n) = (joint.v_index, joint.kind.nv());
        if n == 1 {
            // q' = q + dt w, v' = w
            for (row, scale) in [(i, dt), (nv + i, 1.0)] {
                out.row_mut(row).zip_apply(&dw.row(i), |o, x| *o = x * scale);
            }
            continue;
        }
        for (row, block) in [(i, dq_dw.view((i, i), (n, n))), (nv + i, dv_dw.view((i, i), (n, n)))] {
            out.view_mut((row, 0), (n, dw.ncols())).gemm(1.0, &block, &dw.rows(i, n), 0.0);
        }
    }
    out
}

/// A [`TangentStep`] at its torques, as a function of `x` alone.
struct StateOnly<'a>(&'a TangentStep);

impl Outcome for StateOnly<'_> {
    fn eval<T: Scalar>(&self, x: &[T]) -> Result<DVector<T>> {
        let mut p = x.to_vec();
        p.extend(self.0.torques.iter().map(|&u| T::from(u)));
        self.0.eval(&p)
    }
}

/// What a robot's block of `B` needs: `M̃⁻¹` (`M̃ = M + dt D`) and the Jacobians of the configuration update
/// `q' = q ⊕ dt w` and of `v'` with respect to the step's velocity `w` (the route through dual numbers for `A`).
struct RobotBlocks {
    nv: usize,
    dt: f64,
    /// `M̃⁻¹`.
    inverse: DMatrix<f64>,
    /// `∂(q' ⊖ q'_s)/∂w`.
    dq_dw: DMatrix<f64>,
    /// `∂v'/∂w`.
    dv_dw: DMatrix<f64>,
}

impl RobotBlocks {
    fn new(
        model: &Model<f64>,
        state: &State<f64>,
        r: usize,
        v_next: &DVector<f64>,
        tree: &TreeSparsity,
    ) -> Result<Self> {
        let robot = &model.robots[r];
        let s = &state.robots[r];
        let mut factor = implicit_mass_matrix(model, r, &s.q, &s.v);
        ltdl_factor(&mut factor, tree).map_err(|e| {
            Error::Numerical(format!("robot `{}`: the step's mass matrix cannot be factored: {e}", robot.name()))
        })?;
        let dt = model.settings.dt;
        let nv = robot.multibody.nv();
        let inverse = ltdl_inverse(&factor, tree);
        let (_, dq_dw, dv_dw) = integration_jacobians(&robot.multibody, v_next, dt);
        Ok(RobotBlocks { nv, dt, inverse, dq_dw, dv_dw })
    }

    /// `B` of this robot: `∂w/∂u = dt M̃⁻¹`, `∂δq'/∂u = (∂δq'/∂w) ∂w/∂u`, `∂v'/∂u = (∂v'/∂w) ∂w/∂u`.
    fn control_jacobian(&self) -> DMatrix<f64> {
        let nv = self.nv;
        let dw_du = &self.inverse * self.dt;
        let mut b = DMatrix::zeros(2 * nv, nv);
        b.view_mut((0, 0), (nv, nv)).copy_from(&(&self.dq_dw * &dw_du));
        b.view_mut((nv, 0), (nv, nv)).copy_from(&(&self.dv_dw * &dw_du));
        b
    }
}

/// The joint-local parts of a robot's step at `(q, v)`: the controller's plus the passive joint torques `τ` and the
/// implicitly taken damping `D` (passive and a PD's `kd`), with the diagonals of their derivatives. Every joint's
/// entries depend on its own `q` and `v` only (PD, torque schedules, damping, friction, limits), so dual numbers of
/// two directions — every joint's `q` along the first, its `v` along the second — give all of them at once.
pub(super) struct JointLocal {
    pub(super) tau: DVector<f64>,
    damping: DVector<f64>,
    dtau_dq: DVector<f64>,
    dtau_dv: DVector<f64>,
    ddamping_dq: DVector<f64>,
    ddamping_dv: DVector<f64>,
}

impl JointLocal {
    pub(super) fn new(model: &Model<f64>, robot: &Robot<DualSVec64<2>>, state: &State<f64>, r: usize) -> Self {
        type D2 = DualSVec64<2>;
        let mb = &robot.multibody;
        let (q, v) = (&state.robots[r].q, &state.robots[r].v);
        let t = state.step as f64 * model.settings.dt;
        let settings = RobotSettings::of(model);
        let along =
            |x: f64, k: usize| D2::new(x, Derivative::some(Vector2::from_fn(|i, _| if i == k { 1.0 } else { 0.0 })));
        let mut qd = q.map(D2::from);
        for joint in mb.joints.iter().filter(|j| j.kind.nq() == 1) {
            qd[joint.q_index] = along(q[joint.q_index], 0);
        }
        let vd = v.map(|x| along(x, 1));
        // every control law is joint-local (a new one must say whether it is before it lands here)
        match &robot.control {
            Control::None | Control::Pd(_) | Control::Torques(_) => {}
        }
        let mut tau = passive_torques(mb, &qd, &vd, &settings);
        if let Some(control) = robot.control_torques(t, &qd, &vd) {
            tau += control;
        }
        let mut damping = passive_damping(mb, &qd, &vd, &settings);
        if let Control::Pd(pd) = &robot.control {
            damping += &pd.kd;
        }
        // a free joint's torques depend on no configuration coordinate: its q was not seeded
        let part =
            |x: &DVector<D2>, k: usize| x.map(|d| d.eps.unwrap_generic(nalgebra::Const::<2>, nalgebra::Const::<1>)[k]);
        JointLocal {
            tau: tau.map(|d| d.re),
            damping: damping.map(|d| d.re),
            dtau_dq: part(&tau, 0),
            dtau_dv: part(&tau, 1),
            ddamping_dq: part(&damping, 0),
            ddamping_dv: part(&damping, 1),
        }
    }
}

/// The Jacobians of the end of a semi-implicit Euler step with respect to its velocity `w`
/// ([`Multibody::semi_implicit_euler`](crate::model::Multibody::semi_implicit_euler)), at the state's new
/// velocity `v'`: `∂(q' ⊖ q'_s)/∂δq` for `q ⊕ δq` and `∂(q' ⊖ q'_s)/∂w` of `q' = q ⊕ dt w`, and `∂v'/∂w`, all
/// block-diagonal over the joints: `1`, `dt` and `1` for one-degree-of-freedom joints. A free joint moves its
/// position by `R w dt` and its rotation to `R E`, `E = exp(ω dt)`, and keeps `v' = Eᵀ w` on the linear part
/// (so `w = E v'`); in the tangent spaces at `q` and `q'` (position along the body axes, rotation on the right)
/// that is `δp' = Eᵀ (δp − dt [w]× δθ + dt δw)`, `δθ' = Eᵀ δθ + dt J_r(ω dt) δω` and
/// `δv' = Eᵀ δw + dt [v']× J_r(ω dt) δω`, with `J_r` the right Jacobian of SO(3) (`δ(Eᵀ) = −[J_r δφ]× Eᵀ`). A
/// spherical joint is the rotation alone: `δθ' = Eᵀ δθ + dt J_r(ω dt) δω`, `δv' = δw`.
fn integration_jacobians(
    model: &crate::model::Multibody<f64>,
    v_next: &DVector<f64>,
    dt: f64,
) -> (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>) {
    let nv = model.nv();
    let (mut dq_dq, mut dq_dw) = (DMatrix::zeros(nv, nv), DMatrix::zeros(nv, nv));
    let mut dv_dw = DMatrix::identity(nv, nv);
    for joint in &model.joints {
        let i = joint.v_index;
        if joint.kind.nv() == 1 {
            dq_dq[(i, i)] = 1.0;
            dq_dw[(i, i)] = dt;
            continue;
        }
        // where the rotation's velocity sits: after the free joint's linear part, or the spherical joint's whole
        let r = if matches!(joint.kind, JointKind::Free) { i + 3 } else { i };
        let phi = Vector3::new(v_next[r], v_next[r + 1], v_next[r + 2]) * dt;
        let (x, y, z, w) = quaternion_exp(&phi);
        let e = quaternion_matrix(&x, &y, &z, &w);
        let et = e.transpose();
        let theta2 = phi.norm_squared();
        // (1 − cos θ)/θ² and (θ − sin θ)/θ³, by their series for small angles
        let (c1, c2) = if theta2 < 1e-8 {
            (0.5 - theta2 / 24.0, 1.0 / 6.0 - theta2 / 120.0)
        } else {
            let theta = theta2.sqrt();
            ((1.0 - theta.cos()) / theta2, (theta - theta.sin()) / (theta2 * theta))
        };
        let right = Matrix3::identity() - skew(&phi) * c1 + skew(&phi) * skew(&phi) * c2;
        dq_dq.fixed_view_mut::<3, 3>(r, r).copy_from(&et);
        dq_dw.fixed_view_mut::<3, 3>(r, r).copy_from(&(right * dt));
        if r == i {
            // a spherical joint: the rotation alone, and v' = w
            continue;
        }
        let after = Vector3::new(v_next[i], v_next[i + 1], v_next[i + 2]);
        let linear = e * after;
        dq_dq.fixed_view_mut::<3, 3>(i, i).copy_from(&et);
        dq_dq.fixed_view_mut::<3, 3>(i, i + 3).copy_from(&(-et * skew(&linear) * dt));
        dq_dw.fixed_view_mut::<3, 3>(i, i).copy_from(&(et * dt));
        dv_dw.fixed_view_mut::<3, 3>(i, i).copy_from(&et);
        dv_dw.fixed_view_mut::<3, 3>(i, i + 3).copy_from(&(skew(&after) * right * dt));
    }
    (dq_dq, dq_dw, dv_dw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{multibody::sample, Control, PdControl, Robot};

    /// Two robots with damping and a PD controller (taken implicitly), at a moving state.
    fn two_robots(integrator: Integrator) -> (Model<f64>, State<f64>) {
        let mut model = Model::<f64>::empty(1e-3, 1.0);
        model.settings.integrator = integrator;
        let mut pendulum = sample::double_pendulum();
        pendulum.joints.iter_mut().for_each(|j| j.damping = 0.3);
        let mut arm = Robot::new(pendulum);
        arm.q0 = DVector::from_vec(vec![0.4, -0.7]);
        arm.v0 = DVector::from_vec(vec![1.5, 0.2]);
        model.add_robot(arm).unwrap();
        let mut cart = Robot::new(sample::cartpole());
        cart.v0 = DVector::from_vec(vec![0.3, -2.0]);
        cart.control = Control::Pd(PdControl {
            target: DVector::from_vec(vec![0.1, 0.2]),
            kp: DVector::from_vec(vec![20.0, 5.0]),
            kd: DVector::from_vec(vec![4.0, 0.5]),
            schedule: None,
        });
        model.add_robot(cart).unwrap();
        let state = State::initial(&model);
        (model, state)
    }

    #[test]
    fn analytic_jacobians_equal_dual_ones_for_several_robots() {
        let (model, state) = two_robots(Integrator::SemiImplicitEuler);
        let f = TangentStep::new(&model, &state).unwrap();
        let j = step_jacobians(&model, &state).unwrap();
        assert_eq!(j.route, JacobianRoute::Analytic);
        let (_, full) = jacobian(&f, &f.point()).unwrap();
        // the analytic route takes the step itself, by the same equations: the same state to rounding
        assert!((&j.next - f.next()).abs().max() < 1e-14);
        let a_error = (&j.a - full.columns(0, f.nx())).abs().max();
        assert!(a_error < 1e-13 * j.a.abs().max(), "A: {a_error:e}");
        let b_error = (&j.b - full.columns(f.nx(), f.nu())).abs().max();
        assert!(b_error < 1e-15, "B: {b_error:e}");
        // block-diagonal: the first robot's torques do not move the second robot within the step
        assert_eq!(j.b.view((4, 0), (4, 2)).abs().max(), 0.0);
        assert!(j.b[(2, 0)] > 0.0 && j.b[(6, 2)] > 0.0);
        // for robots without a floating base the tangent step is the coordinate step
        let g = RobotStep::new(&model, &state).unwrap();
        let (_, coordinates) = jacobian(&g, &g.point()).unwrap();
        assert_eq!(full, coordinates);
    }

    #[test]
    fn rk4_steps_differentiate_the_torques_too() {
        let (model, state) = two_robots(Integrator::Rk4);
        let f = TangentStep::new(&model, &state).unwrap();
        let j = step_jacobians(&model, &state).unwrap();
        assert_eq!(j.route, JacobianRoute::Dual);
        let (_, full) = jacobian(&f, &f.point()).unwrap();
        assert_eq!(j.b, full.columns(f.nx(), f.nu()));
        let check = crate::grad::check(&f, &f.point(), 1e-6).unwrap();
        let fd_b = check.fd_jacobian.columns(f.nx(), f.nu());
        let error = (&j.b - fd_b).abs().max();
        assert!(error < 1e-7 * j.b.abs().max(), "{error:e}");
    }
}
