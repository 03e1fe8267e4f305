//! Per-step Jacobians of the robots' joint state: the linearisation that iLQR, DDP and MPC use, through contact.

use super::{jacobian, Outcome};
use crate::model::Model;
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

/// The Jacobians `A = ∂x'/∂x`, `B = ∂x'/∂u` of one step of `model` from `state` ([`RobotStep`]), exact, by dual
/// numbers in chunks of eight directions (contact included: the compliant law is C¹).
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
    let (next, jac) = jacobian(&f, &f.point())?;
    let nx = f.nx();
    Ok(StepJacobians { next, a: jac.columns(0, nx).into_owned(), b: jac.columns(nx, f.nu()).into_owned() })
}
