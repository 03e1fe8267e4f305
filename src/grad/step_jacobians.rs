//! Per-step Jacobians of the robots' joint state: the linearisation that iLQR, DDP and MPC use, through contact.

use super::{jacobian, Outcome};
use crate::model::{Integrator, Model};
use crate::multibody::ldlt::{ldlt_factor, ldlt_solve};
use crate::sim::robot::implicit_mass_matrix;
use crate::sim::{step_with_torques, State, Workspace};
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector};

/// One step of a model from a given state, as a function of the robots' joint state `x` and extra joint torques
/// `u`: `x' = f(x, u)`. `x` stacks every robot's `q` then `v` (robot after robot: `[q₀, v₀, q₁, v₁, …]`, a floating
/// base's pose in coordinates, quaternion included), `u` every robot's `nv` torques; everything else in the state
/// (particles, free bodies, warm-start impulses, time) is held as it is.
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

/// The step's value and Jacobians at a state.
#[derive(Debug, Clone)]
pub struct StepJacobians {
    /// `x'` (the robots' joint state after the step).
    pub next: DVector<f64>,
    /// `A = ∂x'/∂x` (`nx × nx`).
    pub a: DMatrix<f64>,
    /// `B = ∂x'/∂u` (`nx × nu`).
    pub b: DMatrix<f64>,
}

/// The Jacobians `A = ∂x'/∂x`, `B = ∂x'/∂u` of one step of `model` from `state` ([`RobotStep`]), exact (contact
/// included: the compliant law is C¹).
///
/// `A` comes from dual numbers over the `nx` state directions, in chunks of eight. With semi-implicit Euler, `B`
/// is not differentiated but built: the torques enter the step only through `v' = v + dt · M̃⁻¹ (u + …)`, with
/// `M̃` the inertia plus the implicitly taken damping ([`implicit_mass_matrix`]), so `∂v'/∂u = dt · M̃⁻¹` and
/// `∂q'/∂u = (∂q'/∂v') · dt · M̃⁻¹`, block-diagonal over the robots (a robot's torques reach others only in the
/// next step). That saves `nu` of the `nx + nu` directions; with RK4 all of them are differentiated.
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
/// As [`RobotStep::new`], and a step that fails.
pub fn step_jacobians(model: &Model<f64>, state: &State<f64>) -> Result<StepJacobians> {
    let f = RobotStep::new(model, state)?;
    let nx = f.nx();
    if model.settings.integrator != Integrator::SemiImplicitEuler {
        let (next, jac) = jacobian(&f, &f.point())?;
        return Ok(StepJacobians { next, a: jac.columns(0, nx).into_owned(), b: jac.columns(nx, f.nu()).into_owned() });
    }
    let (next, a) = jacobian(&StateOnly(&f), &f.point()[..nx])?;
    let b = control_jacobian(model, state, &next, f.nu())?;
    Ok(StepJacobians { next, a, b })
}

/// A [`RobotStep`] with `u = 0`, as a function of `x` alone.
struct StateOnly<'a>(&'a RobotStep);

impl Outcome for StateOnly<'_> {
    fn eval<T: Scalar>(&self, x: &[T]) -> Result<DVector<T>> {
        let mut p = x.to_vec();
        p.resize(self.0.nx + self.0.nu(), T::zero());
        self.0.eval(&p)
    }
}

/// `B = ∂x'/∂u` of a semi-implicit Euler step from `state` whose result is `next`: per robot, `∂v'/∂u = dt · M̃⁻¹`
/// and `∂q'/∂u = (∂q'/∂v') ∂v'/∂u`, with `∂q'/∂v'` of `q' = q ⊕ dt · v'` by dual numbers.
fn control_jacobian(model: &Model<f64>, state: &State<f64>, next: &DVector<f64>, nu: usize) -> Result<DMatrix<f64>> {
    let dt = model.settings.dt;
    let mut b = DMatrix::zeros(next.len(), nu);
    let (mut row, mut col) = (0, 0);
    for (r, (robot, s)) in model.robots.iter().zip(&state.robots).enumerate() {
        let mb = &robot.multibody;
        let (nq, nv) = (mb.nq(), mb.nv());
        let mut m = implicit_mass_matrix(model, r, &s.q, &s.v);
        ldlt_factor(&mut m).map_err(|e| {
            Error::Numerical(format!("robot `{}`: the step's mass matrix cannot be factored: {e}", robot.name()))
        })?;
        let mut dv_du = DMatrix::identity(nv, nv) * dt;
        ldlt_solve(&m, &mut dv_du);
        let v_next = next.rows(row + nq, nv).into_owned();
        let (_, dq_dv) = jacobian(&Integration { model: mb, q: &s.q, dt }, v_next.as_slice())?;
        b.view_mut((row, col), (nq, nv)).copy_from(&(dq_dv * &dv_du));
        b.view_mut((row + nq, col), (nv, nv)).copy_from(&dv_du);
        row += nq + nv;
        col += nv;
    }
    Ok(b)
}

/// `q ⊕ dt · w` as a function of `w`.
struct Integration<'a> {
    model: &'a crate::model::Multibody<f64>,
    q: &'a DVector<f64>,
    dt: f64,
}

impl Outcome for Integration<'_> {
    fn eval<T: Scalar>(&self, w: &[T]) -> Result<DVector<T>> {
        let model = self.model.lift::<T>();
        Ok(model.integrate(&self.q.map(T::constant), &DVector::from_column_slice(w), &T::constant(self.dt)))
    }
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
    fn the_control_jacobian_from_the_mass_matrix_equals_the_dual_one_for_several_robots() {
        let (model, state) = two_robots(Integrator::SemiImplicitEuler);
        let f = RobotStep::new(&model, &state).unwrap();
        let j = step_jacobians(&model, &state).unwrap();
        let (next, full) = jacobian(&f, &f.point()).unwrap();
        assert_eq!(j.next, next);
        assert_eq!(j.a, full.columns(0, f.nx()));
        let error = (&j.b - full.columns(f.nx(), f.nu())).abs().max();
        assert!(error < 1e-15, "{error:e}");
        // block-diagonal: the first robot's torques do not move the second robot within the step
        assert_eq!(j.b.view((4, 0), (4, 2)).abs().max(), 0.0);
        assert!(j.b[(2, 0)] > 0.0 && j.b[(6, 2)] > 0.0);
    }

    #[test]
    fn rk4_steps_differentiate_the_torques_too() {
        let (model, state) = two_robots(Integrator::Rk4);
        let f = RobotStep::new(&model, &state).unwrap();
        let j = step_jacobians(&model, &state).unwrap();
        let (_, full) = jacobian(&f, &f.point()).unwrap();
        assert_eq!(j.b, full.columns(f.nx(), f.nu()));
        let check = crate::grad::check(&f, &f.point(), 1e-6).unwrap();
        let fd_b = check.fd_jacobian.columns(f.nx(), f.nu());
        let error = (&j.b - fd_b).abs().max();
        assert!(error < 1e-7 * j.b.abs().max(), "{error:e}");
    }
}
