//! Costs of optimal-control problems: weighted squared residuals of the robots' state, the controls and frames.
//!
//! A [`Cost`] is `½ · weight · Σ_i a_i r_i²` of a [`Residual`] `r(x, u)` with activation weights `a` (all ones by
//! default), Crocoddyl's `CostModelResidual` with a (weighted) quadratic activation. A running cost is charged per
//! second of the horizon (multiplied by the time step), a terminal cost once. The solvers take the cost's value,
//! its gradient and its Gauss–Newton Hessian `weight · r_xᵀ diag(a) r_x`, all from the residual's analytic
//! Jacobian; [`Cost::residual_value`] evaluates the residual on any scalar type for the adjoint.

use super::contact_residual::{contact_link, contact_residual};
use crate::model::{Model, Multibody};
use crate::multibody::{forward_kinematics, frame_jacobian, frame_pose_world, MultibodyWorkspace};
use crate::sim::State;
use crate::spatial::Motion;
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector, Matrix6xX, Vector3, Vector6};
use num_dual::{Derivative, DualSVec64};

/// What a [`Cost`] measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Residual {
    /// A robot's joint state from a reference, `[q ⊖ q*, v − v*]` (`2 nv`: a floating base's rotation as a
    /// rotation vector, as [`Multibody::difference`]).
    State {
        /// Index of the robot in the model.
        robot: usize,
        /// Reference configuration `q*` (`nq`).
        q: DVector<f64>,
        /// Reference velocities `v*` (`nv`).
        v: DVector<f64>,
    },
    /// The controls from a reference, `u − u*` (`nu`: N·m or N).
    Control {
        /// Reference controls `u*`.
        reference: DVector<f64>,
    },
    /// The position of a named frame's origin minus a target, in the root frame's axes (m, 3 numbers).
    FrameTranslation {
        /// Index of the robot in the model.
        robot: usize,
        /// Frame name (a URDF link).
        frame: String,
        /// Target position (m).
        target: Vector3<f64>,
    },
    /// The velocity of a named frame minus a target, `[ω; ṗ] − [ω*; ṗ*]`: its angular velocity (rad/s) and the
    /// velocity of its origin (m/s), both in the root frame's axes (Pinocchio's `LOCAL_WORLD_ALIGNED`), 6 numbers.
    FrameVelocity {
        /// Index of the robot in the model.
        robot: usize,
        /// Frame name (a URDF link).
        frame: String,
        /// Target `[ω*; ṗ*]` (rad/s, m/s).
        target: Vector6<f64>,
    },
    /// The ground's contact force on a link, or on the whole robot, minus a target, world axes (N, 3 numbers): the
    /// sum over the colliders of the link's body (links merged by fixed joints are one body), or of every body, of the compliant law's forces at the state, as the next step's first force evaluation computes
    /// them (with [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored), from the state's anchors, which it reads and does not advance). Zero
    /// while the link is clear of the ground. Its Jacobian comes from dual numbers over the robot's tangent state.
    GroundForce {
        /// Index of the robot in the model.
        robot: usize,
        /// Link name (on a body with colliders), or `None` for the whole robot.
        link: Option<String>,
        /// Target force (N).
        target: Vector3<f64>,
    },
    /// Static balance of a robot on the ground: the rate of change of its centroidal momentum from gravity and the
    /// ground's contact forces at the state, `[Σ F + m g; Σ (p − c) × F]` (N and N·m, world axes, moments about
    /// the centre of mass `c`; 6 numbers). Zero when the ground carries the weight with its centre of pressure under
    /// the centre of mass: the body neither accelerates nor starts to turn. Forces as in
    /// [`Residual::GroundForce`]; Jacobian from dual numbers.
    Balance {
        /// Index of the robot in the model.
        robot: usize,
    },
    /// The position of a free body's centre of mass minus a target (m, world axes, 3 numbers): where a pushed
    /// object ends up. The solvers' tangent state holds the robots only, so this cost is for
    /// [`super::shooting_lbfgs`], whose exact gradient runs through the whole world's state (free bodies and
    /// contacts included); [`super::ilqr`] refuses it.
    BodyPosition {
        /// Index of the free body in the model ([`Model::bodies`]).
        body: usize,
        /// Target position (m).
        target: Vector3<f64>,
    },
}

/// A weighted squared residual: `½ · weight · Σ_i a_i r_i²`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// Name (for reports).
    pub name: String,
    /// Weight (≥ 0).
    pub weight: f64,
    /// Activation weights `a` (one per residual entry, ≥ 0); `None` for all ones.
    pub activation: Option<DVector<f64>>,
    /// What is measured.
    pub residual: Residual,
    /// A running cost is charged on the steps `t ≥ from_step` of the horizon only (0: every step; see
    /// [`Cost::from_step`]). Terminal costs are always charged.
    pub from_step: usize,
}

impl Cost {
    /// `½ weight |[q ⊖ q*, v − v*]|²` on robot `robot`.
    pub fn state(name: &str, weight: f64, robot: usize, q: DVector<f64>, v: DVector<f64>) -> Self {
        Cost { name: name.into(), weight, activation: None, residual: Residual::State { robot, q, v }, from_step: 0 }
    }

    /// `½ weight |u − u*|²`.
    pub fn control(name: &str, weight: f64, reference: DVector<f64>) -> Self {
        Cost { name: name.into(), weight, activation: None, residual: Residual::Control { reference }, from_step: 0 }
    }

    /// `½ weight |p_frame − target|²` on robot `robot`.
    pub fn frame_translation(name: &str, weight: f64, robot: usize, frame: &str, target: Vector3<f64>) -> Self {
        let residual = Residual::FrameTranslation { robot, frame: frame.into(), target };
        Cost { name: name.into(), weight, activation: None, residual, from_step: 0 }
    }

    /// `½ weight |[ω; ṗ]_frame − target|²` on robot `robot` (`target = [ω*; ṗ*]`, rad/s and m/s, root axes).
    ///
    /// ```
    /// use diffphys::control::{Cost, Residual};
    /// use nalgebra::Vector6;
    /// // the tool at rest: zero angular velocity and zero speed of its origin
    /// let cost = Cost::frame_velocity("still", 10.0, 0, "tool0", Vector6::zeros());
    /// assert!(matches!(cost.residual, Residual::FrameVelocity { .. }));
    /// ```
    pub fn frame_velocity(name: &str, weight: f64, robot: usize, frame: &str, target: Vector6<f64>) -> Self {
        let residual = Residual::FrameVelocity { robot, frame: frame.into(), target };
        Cost { name: name.into(), weight, activation: None, residual, from_step: 0 }
    }

    /// `½ weight |F_ground(link) − target|²` on robot `robot`: the ground's contact force on a link (N, world axes;
    /// see [`Residual::GroundForce`]). With activation weights `[1, 1, 0]` it penalises the tangential force alone.
    ///
    /// ```
    /// use diffphys::control::{Cost, Residual};
    /// use nalgebra::Vector3;
    /// // unload a foot: no force from the ground on it
    /// let cost = Cost::ground_force("lift FR", 1e-2, 0, "FR_foot", Vector3::zeros());
    /// assert!(matches!(cost.residual, Residual::GroundForce { .. }));
    /// ```
    pub fn ground_force(name: &str, weight: f64, robot: usize, link: &str, target: Vector3<f64>) -> Self {
        let residual = Residual::GroundForce { robot, link: Some(link.into()), target };
        Cost { name: name.into(), weight, activation: None, residual, from_step: 0 }
    }

    /// `½ weight |F_ground − target|²`: the ground's contact force on the whole of robot `robot` (N, world axes).
    /// With the target `[0, 0, m g]` and the robot at rest it asks for static balance: the ground carries the
    /// weight, the body does not accelerate.
    pub fn total_ground_force(name: &str, weight: f64, robot: usize, target: Vector3<f64>) -> Self {
        let residual = Residual::GroundForce { robot, link: None, target };
        Cost { name: name.into(), weight, activation: None, residual, from_step: 0 }
    }

    /// `½ weight |[Σ F + m g; Σ (p − c) × F]|²` on robot `robot` (see [`Residual::Balance`]): standing still in
    /// balance on the ground.
    ///
    /// ```
    /// use diffphys::control::{Cost, Residual};
    /// let cost = Cost::balance("balance", 1.0, 0);
    /// assert!(matches!(cost.residual, Residual::Balance { robot: 0 }));
    /// ```
    pub fn balance(name: &str, weight: f64, robot: usize) -> Self {
        Cost { name: name.into(), weight, activation: None, residual: Residual::Balance { robot }, from_step: 0 }
    }

    /// `½ weight |p_body − target|²`: a free body's centre of mass at a target (m, world axes; see
    /// [`Residual::BodyPosition`]).
    ///
    /// ```
    /// use diffphys::control::{Cost, Residual};
    /// use nalgebra::Vector3;
    /// // push body 0 to x = 0.55 m on the ground
    /// let cost = Cost::body_position("goal", 1e3, 0, Vector3::new(0.55, 0.0, 0.05));
    /// assert!(matches!(cost.residual, Residual::BodyPosition { body: 0, .. }));
    /// ```
    pub fn body_position(name: &str, weight: f64, body: usize, target: Vector3<f64>) -> Self {
        let residual = Residual::BodyPosition { body, target };
        Cost { name: name.into(), weight, activation: None, residual, from_step: 0 }
    }

    /// The same cost charged only from step `t` of the horizon on, when it is a running cost: a goal to hold over
    /// the horizon's end rather than reach at its last instant.
    pub fn from_step(mut self, t: usize) -> Self {
        self.from_step = t;
        self
    }

    /// Whether the cost is charged at step `t` (as a running cost; `t = usize::MAX` for the terminal state).
    pub fn is_active(&self, t: usize) -> bool {
        t >= self.from_step
    }

    /// The same cost with activation weights `a`.
    pub fn with_activation(mut self, activation: DVector<f64>) -> Self {
        self.activation = Some(activation);
        self
    }

    /// The residual's length.
    pub fn dim(&self, model: &Model<f64>) -> usize {
        match &self.residual {
            Residual::State { robot, .. } => model.robots.get(*robot).map_or(0, |r| 2 * r.multibody.nv()),
            Residual::Control { reference } => reference.len(),
            Residual::FrameTranslation { .. } => 3,
            Residual::FrameVelocity { .. } => 6,
            Residual::GroundForce { .. } => 3,
            Residual::Balance { .. } => 6,
            Residual::BodyPosition { .. } => 3,
        }
    }

    /// Checks the cost against a model with `nu` controls: robot indices, frame names, sizes, finite
    /// non-negative weights.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the cost and what does not fit.
    pub fn validate(&self, model: &Model<f64>, nu: usize) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidArgument(format!("cost `{}`: {what}", self.name)));
        if !(self.weight.is_finite() && self.weight >= 0.0) {
            return bad(format!("weight {} must be finite and ≥ 0", self.weight));
        }
        let robot = |r: usize| -> Result<&Multibody<f64>> {
            model.robots.get(r).map(|r| &r.multibody).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "cost `{}`: robot {r} does not exist (the model has {})",
                    self.name,
                    model.robots.len()
                ))
            })
        };
        match &self.residual {
            Residual::State { robot: r, q, v } => {
                let mb = robot(*r)?;
                if q.len() != mb.nq() || v.len() != mb.nv() {
                    return bad(format!("the reference needs q of {} and v of {} numbers", mb.nq(), mb.nv()));
                }
                if q.iter().chain(v.iter()).any(|x| !x.is_finite()) {
                    return bad("the reference state is not finite".into());
                }
                mb.check_quaternions(q).or_else(|e| bad(e.to_string()))?;
            }
            Residual::Control { reference } => {
                if reference.len() != nu {
                    return bad(format!("the reference needs {nu} controls, not {}", reference.len()));
                }
                if reference.iter().any(|x| !x.is_finite()) {
                    return bad("the reference controls are not finite".into());
                }
            }
            Residual::FrameTranslation { robot: r, frame, target } => {
                frame_exists(robot(*r)?, frame).or_else(bad)?;
                if target.iter().any(|x| !x.is_finite()) {
                    return bad("the target is not finite".into());
                }
            }
            Residual::FrameVelocity { robot: r, frame, target } => {
                frame_exists(robot(*r)?, frame).or_else(bad)?;
                if target.iter().any(|x| !x.is_finite()) {
                    return bad("the target velocity is not finite".into());
                }
            }
            Residual::GroundForce { robot: r, link, target } => {
                if model.ground.is_none() {
                    return bad("the model has no ground".into());
                }
                if let Err(e) = contact_link(robot(*r)?, link.as_deref()) {
                    return bad(e);
                }
                if target.iter().any(|x| !x.is_finite()) {
                    return bad("the target force is not finite".into());
                }
            }
            Residual::Balance { robot: r } => {
                if model.ground.is_none() {
                    return bad("the model has no ground".into());
                }
                if let Err(e) = contact_link(robot(*r)?, None) {
                    return bad(e);
                }
            }
            Residual::BodyPosition { body, target } => {
                if *body >= model.bodies.len() {
                    return bad(format!("free body {body} does not exist (the model has {})", model.bodies.len()));
                }
                if target.iter().any(|x| !x.is_finite()) {
                    return bad("the target is not finite".into());
                }
            }
        }
        if let Some(a) = &self.activation {
            if a.len() != self.dim(model) || a.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                return bad(format!("activation weights: {} finite numbers ≥ 0 are needed", self.dim(model)));
            }
        }
        Ok(())
    }

    /// The cost's value, `½ weight Σ a_i r_i²`, on any scalar type (the state and controls of `T`; `u` as the
    /// problem's controls). Frame residuals run forward kinematics on the robot over `T`.
    ///
    /// # Errors
    /// A frame that does not exist (see [`Cost::validate`]).
    pub fn value<T: Scalar>(&self, model: &Model<f64>, state: &State<T>, u: &[T]) -> Result<T> {
        let r = self.residual_value(model, state, u)?;
        let a = |i: usize| self.activation.as_ref().map_or(1.0, |a| a[i]);
        let sum = r.iter().enumerate().fold(T::zero(), |s, (i, &ri)| s + ri * ri * T::from(a(i)));
        Ok(sum * T::from(0.5 * self.weight))
    }

    /// The residual `r(x, u)` on any scalar type.
    ///
    /// # Errors
    /// A frame that does not exist (see [`Cost::validate`]).
    pub fn residual_value<T: Scalar>(&self, model: &Model<f64>, state: &State<T>, u: &[T]) -> Result<DVector<T>> {
        match &self.residual {
            Residual::State { robot, q, v } => {
                let mb = model.robots[*robot].multibody.lift::<T>();
                let s = &state.robots[*robot];
                let nv = mb.nv();
                let mut r = DVector::zeros(2 * nv);
                r.rows_mut(0, nv).copy_from(&mb.difference(&q.map(T::from), &s.q));
                r.rows_mut(nv, nv).copy_from(&(&s.v - v.map(T::from)));
                Ok(r)
            }
            Residual::Control { reference } => {
                Ok(DVector::from_iterator(u.len(), u.iter().zip(reference.iter()).map(|(&ui, &ri)| ui - T::from(ri))))
            }
            Residual::FrameTranslation { robot, frame, target } => {
                let mb = model.robots[*robot].multibody.lift::<T>();
                let mut ws = MultibodyWorkspace::new(&mb);
                let s = &state.robots[*robot];
                forward_kinematics(&mb, &mut ws, &s.q, &s.v);
                let p = frame_pose_world(&mb, &ws, frame)?.translation;
                Ok(DVector::from_iterator(3, (p - target.map(T::from)).iter().copied()))
            }
            Residual::FrameVelocity { robot, frame, target } => {
                let mb = model.robots[*robot].multibody.lift::<T>();
                let mut ws = MultibodyWorkspace::new(&mb);
                let s = &state.robots[*robot];
                forward_kinematics(&mb, &mut ws, &s.q, &s.v);
                let pose = frame_pose_world(&mb, &ws, frame)?;
                let body = mb.frame(frame).and_then(|f| f.body);
                // the body's twist in root axes at the root's origin, then the velocity of the frame's origin
                let twist = body.map_or_else(Motion::zero, |b| ws.pose_world(b).act_motion(ws.velocity_body(b)));
                let point = twist.linear + twist.angular.cross(&pose.translation);
                let t = target.map(T::from);
                Ok(DVector::from_iterator(
                    6,
                    (0..3).map(|i| twist.angular[i] - t[i]).chain((0..3).map(|i| point[i] - t[3 + i])),
                ))
            }
            Residual::GroundForce { robot, .. } | Residual::Balance { robot } => {
                let lifted = model.lift::<T>();
                let mut ws = MultibodyWorkspace::new(&lifted.robots[*robot].multibody);
                contact_residual(&self.residual, &lifted, state, &mut ws)
            }
            Residual::BodyPosition { body, target } => {
                let p = &state.bodies[*body].position;
                Ok(DVector::from_fn(3, |i, _| p[i] - T::from(target[i])))
            }
        }
    }
}

/// A sum of costs' value, gradient and Gauss–Newton Hessian at one knot, in the solvers' tangent coordinates:
/// `x = [δq₀, v₀, δq₁, v₁, …]` (`2 nv` per robot) and the controls `u`.
#[derive(Clone, Debug)]
pub(crate) struct Quadratic {
    pub value: f64,
    pub l_x: DVector<f64>,
    pub l_u: DVector<f64>,
    pub l_xx: DMatrix<f64>,
    pub l_uu: DMatrix<f64>,
    pub l_ux: DMatrix<f64>,
}

impl Quadratic {
    /// The same quadratic over a state with `memory` more numbers before the robots' (the contacts' memories,
    /// on which the costs do not depend).
    pub(crate) fn embedded(self, memory: usize) -> Self {
        if memory == 0 {
            return self;
        }
        let (nx, nu) = (self.l_x.len(), self.l_u.len());
        let n = memory + nx;
        let mut l_x = DVector::zeros(n);
        l_x.rows_mut(memory, nx).copy_from(&self.l_x);
        let mut l_xx = DMatrix::zeros(n, n);
        l_xx.view_mut((memory, memory), (nx, nx)).copy_from(&self.l_xx);
        let mut l_ux = DMatrix::zeros(nu, n);
        l_ux.columns_mut(memory, nx).copy_from(&self.l_ux);
        Quadratic { value: self.value, l_x, l_u: self.l_u, l_xx, l_uu: self.l_uu, l_ux }
    }

    /// Adds the Gauss–Newton terms `Jᵀ W r` and `Jᵀ W J` of a residual `r` whose Jacobian `jac(i, c)` covers the
    /// `n` coordinates of `x` from `offset` (`W = diag(wa(i))`).
    fn add_gauss_newton(
        &mut self,
        offset: usize,
        n: usize,
        r: &[f64],
        jac: impl Fn(usize, usize) -> f64,
        wa: impl Fn(usize) -> f64,
    ) {
        let rows = 0..r.len();
        for c in 0..n {
            self.l_x[offset + c] += rows.clone().map(|i| jac(i, c) * wa(i) * r[i]).sum::<f64>();
            for d in c..n {
                let h = rows.clone().map(|i| jac(i, c) * wa(i) * jac(i, d)).sum::<f64>();
                self.l_xx[(offset + c, offset + d)] += h;
                if d != c {
                    self.l_xx[(offset + d, offset + c)] += h;
                }
            }
        }
    }

    pub fn zeros(nx: usize, nu: usize) -> Self {
        Quadratic {
            value: 0.0,
            l_x: DVector::zeros(nx),
            l_u: DVector::zeros(nu),
            l_xx: DMatrix::zeros(nx, nx),
            l_uu: DMatrix::zeros(nu, nu),
            l_ux: DMatrix::zeros(nu, nx),
        }
    }
}

/// Kinematics buffers and the robots' offsets in `x`, for evaluating costs on `f64` with their derivatives.
#[derive(Clone, Debug)]
pub(crate) struct CostEvaluator {
    workspaces: Vec<MultibodyWorkspace<f64>>,
    /// Start of each robot's block in `x`.
    offsets: Vec<usize>,
    nx: usize,
    nu: usize,
    /// The model over duals of 8 directions, lifted on first use (ground-force Jacobians).
    dual_model: Option<Box<Model<DualSVec64<8>>>>,
}

impl CostEvaluator {
    pub fn new(model: &Model<f64>, nu: usize) -> Self {
        let mut offsets = Vec::with_capacity(model.robots.len());
        let mut nx = 0;
        for r in &model.robots {
            offsets.push(nx);
            nx += 2 * r.multibody.nv();
        }
        CostEvaluator {
            workspaces: model.robots.iter().map(|r| MultibodyWorkspace::new(&r.multibody)).collect(),
            offsets,
            nx,
            nu,
            dual_model: None,
        }
    }

    /// `∂r/∂[δq, v]` (`dim × 2 nv`) of a contact residual ([`contact_residual`]) on robot `r`, from dual numbers
    /// over 8 tangent directions at a time (the compliant law and its friction memory have no closed-form
    /// derivative here).
    fn contact_jacobian(
        &mut self,
        model: &Model<f64>,
        residual: &Residual,
        r: usize,
        state: &State<f64>,
    ) -> Result<DMatrix<f64>> {
        type D8 = DualSVec64<8>;
        let lifted = self.dual_model.get_or_insert_with(|| Box::new(model.lift()));
        let mb = &lifted.robots[r].multibody;
        let nv = mb.nv();
        let mut ws = MultibodyWorkspace::new(mb);
        let base = state.lift::<D8>();
        let mut jac = DMatrix::zeros(0, 2 * nv);
        for start in (0..2 * nv).step_by(8) {
            let seed = |i: usize| match i.checked_sub(start) {
                Some(j) if j < 8 => D8::from_re(0.0).derivative(j),
                _ => D8::constant(0.0),
            };
            let mut s = base.clone();
            let dq = DVector::from_fn(nv, |i, _| seed(i));
            s.robots[r].q = mb.integrate(&base.robots[r].q, &dq, &D8::constant(1.0));
            for i in 0..nv {
                s.robots[r].v[i] += seed(nv + i);
            }
            let f = contact_residual(residual, lifted, &s, &mut ws)?;
            if jac.nrows() != f.len() {
                jac = DMatrix::zeros(f.len(), 2 * nv);
            }
            for row in 0..f.len() {
                let eps = f[row].eps.unwrap_generic(nalgebra::Const::<8>, nalgebra::U1);
                for c in 0..8.min(2 * nv - start) {
                    jac[(row, start + c)] = eps[c];
                }
            }
        }
        Ok(jac)
    }

    /// `Σ scale · cost` over the `costs` active at step `t` ([`Cost::is_active`]; `usize::MAX` for all), with
    /// derivatives when `derivatives` (otherwise only `value` is filled).
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &mut self,
        model: &Model<f64>,
        costs: &[Cost],
        t: usize,
        state: &State<f64>,
        u: &DVector<f64>,
        scale: f64,
        derivatives: bool,
    ) -> Result<Quadratic> {
        let mut out = Quadratic::zeros(if derivatives { self.nx } else { 0 }, if derivatives { self.nu } else { 0 });
        for cost in costs.iter().filter(|c| c.is_active(t)) {
            let w = scale * cost.weight;
            let a = |i: usize| cost.activation.as_ref().map_or(1.0, |a| a[i]);
            match &cost.residual {
                Residual::Control { reference } => {
                    let r = u - reference;
                    out.value += 0.5 * w * r.iter().enumerate().map(|(i, ri)| a(i) * ri * ri).sum::<f64>();
                    if derivatives {
                        for i in 0..self.nu {
                            out.l_u[i] += w * a(i) * r[i];
                            out.l_uu[(i, i)] += w * a(i);
                        }
                    }
                }
                Residual::State { robot, q, v } => {
                    let mb = &model.robots[*robot].multibody;
                    let s = &state.robots[*robot];
                    let nv = mb.nv();
                    let mut r = DVector::zeros(2 * nv);
                    r.rows_mut(0, nv).copy_from(&mb.difference(q, &s.q));
                    r.rows_mut(nv, nv).copy_from(&(&s.v - v));
                    out.value += 0.5 * w * r.iter().enumerate().map(|(i, ri)| a(i) * ri * ri).sum::<f64>();
                    if derivatives {
                        // ∂r/∂x is block-diagonal: ∂(q* ⊖ (q ⊕ δ))/∂δ per joint (1 for one-dof joints), then 1;
                        // the Gauss–Newton terms Jᵀ W r and Jᵀ W J block by block
                        let o = self.offsets[*robot];
                        let jq = difference_jacobian(mb, q, &s.q);
                        let wa = |i: usize| w * a(i);
                        for joint in &mb.joints {
                            let (iv, n) = (joint.v_index, joint.kind.nv());
                            if n == 1 {
                                out.l_x[o + iv] += wa(iv) * r[iv];
                                out.l_xx[(o + iv, o + iv)] += wa(iv);
                                continue;
                            }
                            let jb = jq.view((iv, iv), (n, n));
                            for c in 0..n {
                                out.l_x[o + iv + c] += (0..n).map(|k| jb[(k, c)] * wa(iv + k) * r[iv + k]).sum::<f64>();
                                for d in 0..n {
                                    out.l_xx[(o + iv + c, o + iv + d)] +=
                                        (0..n).map(|k| jb[(k, c)] * wa(iv + k) * jb[(k, d)]).sum::<f64>();
                                }
                            }
                        }
                        for i in nv..2 * nv {
                            out.l_x[o + i] += wa(i) * r[i];
                            out.l_xx[(o + i, o + i)] += wa(i);
                        }
                    }
                }
                Residual::FrameTranslation { robot, frame, target } => {
                    let mb = &model.robots[*robot].multibody;
                    let s = &state.robots[*robot];
                    let ws = &mut self.workspaces[*robot];
                    let nv = mb.nv();
                    if derivatives {
                        // frame_jacobian runs the kinematics (at zero velocity) that the position needs too
                        let jac = frame_jacobian(mb, ws, &s.q, frame)?;
                        let r = frame_pose_world(mb, ws, frame)?.translation - target;
                        out.value += 0.5 * w * (0..3).map(|i| a(i) * r[i] * r[i]).sum::<f64>();
                        let j = jac.fixed_rows::<3>(3);
                        out.add_gauss_newton(self.offsets[*robot], nv, r.as_slice(), |i, c| j[(i, c)], |i| w * a(i));
                    } else {
                        forward_kinematics(mb, ws, &s.q, &s.v);
                        let r = frame_pose_world(mb, ws, frame)?.translation - target;
                        out.value += 0.5 * w * (0..3).map(|i| a(i) * r[i] * r[i]).sum::<f64>();
                    }
                }
                Residual::FrameVelocity { robot, frame, target } => {
                    let mb = &model.robots[*robot].multibody;
                    let s = &state.robots[*robot];
                    let ws = &mut self.workspaces[*robot];
                    let nv = mb.nv();
                    let velocity = frame_velocity_and_derivatives(mb, ws, &s.q, &s.v, frame, derivatives)?;
                    let r = velocity.value - target;
                    out.value += 0.5 * w * (0..6).map(|i| a(i) * r[i] * r[i]).sum::<f64>();
                    if derivatives {
                        // r_x = [∂r/∂δq, ∂r/∂v = J] over the robot's 2 nv coordinates
                        let jac = |i: usize, c: usize| {
                            if c < nv {
                                velocity.d_dq[(i, c)]
                            } else {
                                velocity.d_dv[(i, c - nv)]
                            }
                        };
                        out.add_gauss_newton(self.offsets[*robot], 2 * nv, r.as_slice(), jac, |i| w * a(i));
                    }
                }
                Residual::GroundForce { robot, .. } | Residual::Balance { robot } => {
                    let r = contact_residual(&cost.residual, model, state, &mut self.workspaces[*robot])?;
                    out.value += 0.5 * w * (0..r.len()).map(|i| a(i) * r[i] * r[i]).sum::<f64>();
                    if derivatives {
                        let jac = self.contact_jacobian(model, &cost.residual, *robot, state)?;
                        let n = jac.ncols();
                        out.add_gauss_newton(self.offsets[*robot], n, r.as_slice(), |i, c| jac[(i, c)], |i| w * a(i));
                    }
                }
                Residual::BodyPosition { body, target } => {
                    if derivatives {
                        return Err(Error::InvalidArgument(format!(
                            "cost `{}` is on a free body, which the solvers' local model (the robots' tangent \
                             state) does not hold: use L-BFGS shooting",
                            cost.name
                        )));
                    }
                    let r = state.bodies[*body].position - target;
                    out.value += 0.5 * w * (0..3).map(|i| a(i) * r[i] * r[i]).sum::<f64>();
                }
            }
        }
        Ok(out)
    }
}

/// Whether `mb` has a frame `frame`; the error lists the frames it has.
fn frame_exists(mb: &Multibody<f64>, frame: &str) -> std::result::Result<(), String> {
    if mb.frame(frame).is_some() {
        return Ok(());
    }
    let names: Vec<&str> = mb.frames.iter().map(|f| f.name.as_str()).collect();
    Err(format!("robot `{}` has no frame `{frame}` (frames: {})", mb.name, names.join(", ")))
}

/// A frame's velocity `[ω; ṗ]` (root axes) and, if asked, its derivatives.
struct FrameVelocity {
    value: Vector6<f64>,
    /// `∂[ω; ṗ]/∂δq` (`6 × nv`, tangent space).
    d_dq: Matrix6xX<f64>,
    /// `∂[ω; ṗ]/∂v = J(q)` (`6 × nv`).
    d_dv: Matrix6xX<f64>,
}

/// `[ω; ṗ] = J(q) v` of `frame`, and its derivatives in closed form. With `S_k` the root-frame axis of coordinate
/// `k` on the frame's path, `V` the frame body's twist and `V_λ(k)` the twist of the body that `k`'s joint hangs
/// from (both root axes, at the root's origin): perturbing `q ⊕ δ e_k` moves everything from `k`'s joint down
/// rigidly by `S_k`, so `∂V/∂δ_k = S_k × (V − V_λ(k))` and the frame's origin `p` moves at `S_k`'s point velocity;
/// `ṗ = v + ω × p` then gives `∂ṗ = ∂v + ∂ω × p + ω × ∂p`. The test suite checks it against dual numbers.
fn frame_velocity_and_derivatives(
    mb: &Multibody<f64>,
    ws: &mut MultibodyWorkspace<f64>,
    q: &DVector<f64>,
    v: &DVector<f64>,
    frame: &str,
    derivatives: bool,
) -> Result<FrameVelocity> {
    forward_kinematics(mb, ws, q, v);
    let nv = mb.nv();
    let f =
        mb.frame(frame).ok_or_else(|| Error::InvalidArgument(format!("model `{}` has no frame `{frame}`", mb.name)))?;
    let mut out = FrameVelocity { value: Vector6::zeros(), d_dq: Matrix6xX::zeros(nv), d_dv: Matrix6xX::zeros(nv) };
    let Some(body) = f.body else { return Ok(out) };
    let p = (ws.pose_world(body) * &f.placement).translation;
    let world_twist = |b: usize| ws.pose_world(b).act_motion(ws.velocity_body(b));
    let twist = world_twist(body);
    let omega = twist.angular;
    let point = twist.linear + omega.cross(&p);
    out.value.fixed_rows_mut::<3>(0).copy_from(&omega);
    out.value.fixed_rows_mut::<3>(3).copy_from(&point);
    if !derivatives {
        return Ok(out);
    }
    let mut j = Some(body);
    while let Some(b) = j {
        let joint = &mb.joints[b];
        let above = mb.parent[b].map_or_else(Motion::zero, world_twist);
        let relative = twist.clone() - above;
        for k in 0..joint.kind.nv() {
            let c = joint.v_index + k;
            let s = ws.pose_world(b).act_motion(&joint.kind.subspace_column(k));
            let s_point = s.linear + s.angular.cross(&p);
            out.d_dv.fixed_view_mut::<3, 1>(0, c).copy_from(&s.angular);
            out.d_dv.fixed_view_mut::<3, 1>(3, c).copy_from(&s_point);
            let dv = s.cross_motion(&relative);
            let d_point = dv.linear + dv.angular.cross(&p) + omega.cross(&s_point);
            out.d_dq.fixed_view_mut::<3, 1>(0, c).copy_from(&dv.angular);
            out.d_dq.fixed_view_mut::<3, 1>(3, c).copy_from(&d_point);
        }
        j = mb.parent[b];
    }
    Ok(out)
}

/// `∂(q* ⊖ (q ⊕ δ))/∂δ` at `δ = 0` (`nv × nv`, block-diagonal over the joints): 1 for a one-degree-of-freedom
/// joint; for a free joint, six dual directions through the joint's own `integrate` and `difference`.
pub(crate) fn difference_jacobian(mb: &Multibody<f64>, reference: &DVector<f64>, q: &DVector<f64>) -> DMatrix<f64> {
    type D6 = DualSVec64<6>;
    let nv = mb.nv();
    let mut jac = DMatrix::zeros(nv, nv);
    for joint in &mb.joints {
        let (iq, iv, nq, n) = (joint.q_index, joint.v_index, joint.kind.nq(), joint.kind.nv());
        if n == 1 {
            jac[(iv, iv)] = 1.0;
            continue;
        }
        let kind = joint.kind.lift::<D6>();
        let mut qd = DVector::from_fn(nq, |i, _| D6::from(q[iq + i]));
        let delta = DVector::from_fn(n, |k, _| {
            D6::new(0.0, Derivative::some(nalgebra::SVector::<f64, 6>::from_fn(|i, _| f64::from(u8::from(i == k)))))
        });
        kind.integrate(qd.rows_mut(0, nq), delta.rows(0, n), &D6::from(1.0));
        let r0 = DVector::from_fn(nq, |i, _| D6::from(reference[iq + i]));
        let mut out = DVector::from_element(n, D6::from(0.0));
        kind.difference(r0.rows(0, nq), qd.rows(0, nq), out.rows_mut(0, n));
        for (row, d) in out.iter().enumerate() {
            let eps = d.eps.unwrap_generic(nalgebra::Const::<6>, nalgebra::Const::<1>);
            for col in 0..n {
                jac[(iv + row, iv + col)] = eps[col];
            }
        }
    }
    jac
}

/// The problem's costs as the adjoint's [`crate::grad::TrajectoryLoss`]-to-be: running costs charged `dt` per step,
/// the terminal ones once; `u` mapped from the world's torques by `actuated`.
pub(crate) fn total_value<T: Scalar>(
    model: &Model<f64>,
    costs: &[Cost],
    t: usize,
    state: &State<T>,
    u: &[T],
    scale: f64,
) -> Result<T> {
    let mut total = T::zero();
    for cost in costs.iter().filter(|c| c.is_active(t)) {
        total += cost.value(model, state, u)? * T::from(scale);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::multibody::sample;
    use crate::model::Robot;

    /// A 2 kg box on a free joint on the ground (anchored friction): settled, the ground's force on it carries its
    /// weight and balances gravity about the centre of mass; pushed sideways and tilted, the ground-force and
    /// balance costs' gradients (`Jᵀ W r` from the dual Jacobian) equal central differences of their values over
    /// the tangent state, and the generic values agree with the evaluator's.
    #[test]
    fn ground_force_cost_carries_the_weight_and_its_gradient_matches_differences() {
        use crate::geometry::Shape;
        use crate::model::{FrictionLaw, Ground};
        let shape = Shape::Box { size: Vector3::new(0.3, 0.2, 0.1) };
        let mut robot = Robot::new(sample::solid_on_free_joint("box", "body", shape, 2.0).unwrap());
        robot.q0[2] = 0.0495;
        let mut model = Model::<f64>::empty(1e-3, 1.0);
        model.ground = Some(Ground::new(1e5, 300.0, 0.6));
        model.settings.contact.friction_law = FrictionLaw::Anchored;
        model.add_robot(robot).unwrap();
        let (mut state, mut ws) = (State::initial(&model), crate::sim::Workspace::new(0));
        for _ in 0..1500 {
            crate::sim::step(&model, &mut state, &mut ws).unwrap();
        }
        assert!(!state.friction_anchors.is_empty(), "the corners hold anchors");
        let mut eval = CostEvaluator::new(&model, 0);
        let weight = Cost::ground_force("w", 1.0, 0, "body", Vector3::zeros());
        let quad = eval
            .evaluate(&model, std::slice::from_ref(&weight), usize::MAX, &state, &DVector::zeros(0), 1.0, false)
            .unwrap();
        let force_z = (2.0 * quad.value).sqrt();
        assert!((force_z - 2.0 * 9.81).abs() < 1e-3 * 2.0 * 9.81, "settled: the ground carries {force_z} N");
        // in static balance: the ground's wrench cancels gravity's about the centre of mass
        let balance = Cost::balance("b", 1.0, 0).residual_value(&model, &state, &[] as &[f64]).unwrap();
        assert!(balance.rows(0, 3).norm() < 1e-3 * 19.62, "net force {}", balance.rows(0, 3));
        assert!(balance.rows(3, 3).norm() < 1e-3 * 19.62 * 0.1, "net moment {}", balance.rows(3, 3));
        // pushed sideways and tilted: friction and normal forces vary with every coordinate
        state.robots[0].v[0] = 0.004;
        state.robots[0].v[4] = 0.05;
        state.robots[0].q[2] -= 2e-4;
        let force = Cost::ground_force("f", 2.0, 0, "body", Vector3::new(1.0, -2.0, 30.0))
            .with_activation(DVector::from_vec(vec![3.0, 1.0, 0.5]));
        for cost in [force, Cost::balance("b", 0.5, 0)] {
            let costs = std::slice::from_ref(&cost);
            let quad = eval.evaluate(&model, costs, usize::MAX, &state, &DVector::zeros(0), 1.0, true).unwrap();
            let generic: f64 = cost.value(&model, &state, &[] as &[f64]).unwrap();
            assert!((quad.value - generic).abs() < 1e-12 * generic.abs());
            let value_at = |dx: &DVector<f64>| {
                let mut s = state.clone();
                let mb = &model.robots[0].multibody;
                s.robots[0].q = mb.integrate(&state.robots[0].q, &dx.rows(0, 6).into_owned(), &1.0);
                s.robots[0].v += dx.rows(6, 6);
                cost.value::<f64>(&model, &s, &[]).unwrap()
            };
            let mut largest = 0.0_f64;
            for k in 0..12 {
                let h = if k < 6 { 1e-7 } else { 1e-6 };
                let e = DVector::from_fn(12, |i, _| if i == k { h } else { 0.0 });
                let fd = (value_at(&e) - value_at(&-&e)) / (2.0 * h);
                largest = largest.max(fd.abs());
                let exact = quad.l_x[k];
                assert!((exact - fd).abs() < 1e-5 * (1.0 + fd.abs()), "{}: ∂/∂x_{k}: {exact} vs {fd}", cost.name);
            }
            assert!(largest > 1.0, "{}: the residual depends on the state ({largest})", cost.name);
            assert!(quad.l_xx.iter().all(|x| x.is_finite()) && (&quad.l_xx - quad.l_xx.transpose()).amax() < 1e-9);
        }
    }

    /// The analytic gradient and Gauss–Newton Hessian of a state cost on a floating base match the residual's
    /// Jacobian from dual numbers through `integrate` and `difference`.
    #[test]
    fn free_joint_state_cost_derivatives_match_duals() {
        let mb = sample::floating_box();
        let mut model = Model::<f64>::empty(1e-3, 1.0);
        model.add_robot(Robot::new(mb.clone())).unwrap();
        let mut state = State::initial(&model);
        let mut q = mb.neutral();
        q[0] = 0.3;
        q[2] = 1.2;
        let axis = Vector3::new(0.3, -0.5, 0.8).normalize() * 0.7;
        let (x, y, z, w) = crate::spatial::quaternion_exp(&axis);
        q.rows_mut(3, 4).copy_from_slice(&[x, y, z, w]);
        state.robots[0].q = q.clone();
        state.robots[0].v = DVector::from_fn(mb.nv(), |i, _| 0.1 * i as f64 - 0.2);
        let reference = mb.neutral();
        let cost = Cost::state("x", 2.0, 0, reference.clone(), DVector::zeros(mb.nv()));
        let mut eval = CostEvaluator::new(&model, 0);
        let quad = eval
            .evaluate(&model, std::slice::from_ref(&cost), usize::MAX, &state, &DVector::zeros(0), 1.0, true)
            .unwrap();
        // the rotation residual by duals, one direction at a time through q ⊕ δ
        for k in 0..6 {
            type D = num_dual::Dual64;
            let mbd = mb.lift::<D>();
            let delta = DVector::from_fn(6, |i, _| if i == k { D::new(0.0, 1.0) } else { D::from(0.0) });
            let qd = mbd.integrate(&q.map(D::from), &delta, &D::from(1.0));
            let r = mbd.difference(&reference.map(D::from), &qd);
            let grad_k: f64 = (0..6).map(|i| 2.0 * r[i].re * r[i].eps).sum();
            assert!((quad.l_x[k] - grad_k).abs() < 1e-12, "∂/∂δq_{k}: {} vs {grad_k}", quad.l_x[k]);
        }
        let value: f64 = cost.value(&model, &state, &[] as &[f64]).unwrap();
        assert!((quad.value - value).abs() < 1e-14);
    }

    /// The closed-form Jacobian of a frame's velocity (through the gradient and the Gauss–Newton Hessian of its
    /// cost) matches dual numbers pushed through forward kinematics along `q ⊕ δ` and `v`, on random trees with a
    /// floating base.
    #[test]
    fn frame_velocity_cost_derivatives_match_duals() {
        use rand::SeedableRng;
        type D = num_dual::Dual64;
        for seed in 0..6 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mb = sample::random_tree(&mut rng, 6, seed % 2 == 0);
            let (q, v, _) = sample::random_state(&mb, &mut rng);
            let mut model = Model::<f64>::empty(1e-3, 1.0);
            model.add_robot(Robot::new(mb.clone())).unwrap();
            let mut state = State::initial(&model);
            state.robots[0].q = q.clone();
            state.robots[0].v = v.clone();
            let target = Vector6::new(0.1, -0.2, 0.3, 0.5, -0.4, 0.2);
            let activation = DVector::from_vec(vec![1.0, 2.0, 0.5, 3.0, 1.0, 0.25]);
            let cost = Cost::frame_velocity("v", 2.0, 0, "b5", target).with_activation(activation.clone());
            let mut eval = CostEvaluator::new(&model, 0);
            let quad = eval
                .evaluate(&model, std::slice::from_ref(&cost), usize::MAX, &state, &DVector::zeros(0), 1.0, true)
                .unwrap();
            let nv = mb.nv();
            // the residual's Jacobian by duals, one tangent direction at a time
            let mbd = mb.lift::<D>();
            let mut jac = DMatrix::zeros(6, 2 * nv);
            for c in 0..2 * nv {
                let mut sd = state.lift::<D>();
                if c < nv {
                    let delta = DVector::from_fn(nv, |i, _| if i == c { D::new(0.0, 1.0) } else { D::from(0.0) });
                    sd.robots[0].q = mbd.integrate(&q.map(D::from), &delta, &D::from(1.0));
                } else {
                    sd.robots[0].v[c - nv] = D::new(v[c - nv], 1.0);
                }
                let r = cost.residual_value(&model, &sd, &[] as &[D]).unwrap();
                for i in 0..6 {
                    jac[(i, c)] = r[i].eps;
                }
            }
            let r = cost.residual_value(&model, &state, &[] as &[f64]).unwrap();
            let weighted = DVector::from_fn(6, |i, _| 2.0 * activation[i] * r[i]);
            let gradient = jac.transpose() * &weighted;
            let hessian = jac.transpose() * DMatrix::from_diagonal(&(&activation * 2.0)) * &jac;
            let scale = 1.0 + gradient.amax();
            assert!((&quad.l_x - &gradient).amax() < 1e-12 * scale, "seed {seed}: {} vs {}", quad.l_x, gradient);
            let scale = 1.0 + hessian.amax();
            assert!((&quad.l_xx - &hessian).amax() < 1e-12 * scale, "seed {seed}: Gauss–Newton Hessian");
            let value: f64 = cost.value(&model, &state, &[] as &[f64]).unwrap();
            assert!((quad.value - value).abs() < 1e-13 * (1.0 + value), "seed {seed}: value");
            assert!(jac.amax() > 0.1, "seed {seed}: the frame moves with the joints");
        }
    }
}
