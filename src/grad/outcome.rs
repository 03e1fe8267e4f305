//! Outcomes: functions of a parameter vector that can be evaluated on any scalar.

use crate::model::{Model, ParamId};
use crate::sim::{rollout_with, Coordinate};
use crate::{Result, Scalar};
use nalgebra::DVector;

/// A differentiable function of parameters `p` (a vector of numbers) to a vector of results.
///
/// Implement [`Outcome::eval`] once, generically; [`crate::grad::jacobian`] runs it on dual numbers and
/// [`crate::grad::check`] on `f64`.
///
/// ```
/// use diffphys::{grad::{self, Outcome}, Result, Scalar};
/// use nalgebra::DVector;
/// /// Height of a projectile after 1 s: z0 + vz − g/2.
/// struct Height;
/// impl Outcome for Height {
///     fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
///         Ok(DVector::from_vec(vec![p[0] + p[1] - 4.905]))
///     }
/// }
/// let (z, jac) = grad::jacobian(&Height, &[1.0, 2.0]).unwrap();
/// assert_eq!(jac[(0, 0)], 1.0);
/// assert_eq!(jac[(0, 1)], 1.0);
/// ```
pub trait Outcome {
    /// The results at parameters `p`.
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>>;

    /// The value and exact Jacobian at `p`: forward-mode duals ([`crate::grad::jacobian`]) unless the outcome
    /// knows a better way (the residuals of several experiments take each experiment's on its own core). What
    /// [`crate::fit::levenberg_marquardt`] calls.
    ///
    /// # Errors
    /// As [`crate::grad::jacobian`].
    fn value_and_jacobian(&self, p: &[f64]) -> Result<(DVector<f64>, nalgebra::DMatrix<f64>)>
    where
        Self: Sized,
    {
        crate::grad::jacobian(self, p)
    }

    /// What to call parameter `j` in messages ([`crate::grad::check`]'s refusals): `parameter j` unless the
    /// outcome knows better ([`FinalPositions`] gives the scene's parameter names).
    fn param_name(&self, j: usize) -> String {
        format!("parameter {j}")
    }
}

/// The final positions `[p0.x, p0.y, p0.z, p1.x, …]` of all particles, then those of all rigid bodies (centre of
/// mass), then every robot's configuration (joint positions, floating-base poses), after a full rollout, as a
/// function of named parameters of a scene.
#[derive(Debug, Clone)]
pub struct FinalPositions {
    scene: Model<f64>,
    params: Vec<ParamId>,
    outputs: Vec<(String, Coordinate)>,
}

impl FinalPositions {
    /// The outcome for `scene` and parameter names `params`.
    ///
    /// # Errors
    /// An invalid scene, or an unknown or repeated parameter name.
    pub fn new<S: AsRef<str>>(scene: &Model<f64>, params: &[S]) -> Result<Self> {
        scene.validate()?;
        let params = scene.resolve_params(params)?;
        let outputs =
            scene.coordinates().into_iter().filter(|(_, c)| !matches!(c, Coordinate::BodyOrientation { .. })).collect();
        Ok(FinalPositions { scene: scene.clone(), params, outputs })
    }

    /// The scene's current values of the parameters.
    pub fn initial_values(&self) -> Vec<f64> {
        self.scene.param_values(&self.params)
    }

    /// Output names: `<particle>.x`, `.y`, `.z` for each particle, then `<body>.x`, `.y`, `.z` for each body,
    /// then `<robot>.<joint>` (and `<robot>.base.x` … `.qz`) for each robot.
    pub fn output_names(&self) -> Vec<String> {
        self.outputs.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Where the derivatives at parameter values `p` are not the physical ones: contacts that the step does not
    /// resolve, an unconverged solver, ill-conditioned times of impact ([`crate::sim::derivative_warnings`] on the
    /// scene at `p`, one more `f64` rollout).
    ///
    /// # Errors
    /// `p` of the wrong length, or a rollout that fails.
    pub fn derivative_warnings(&self, p: &[f64]) -> Result<Vec<crate::sim::DerivativeWarning>> {
        if p.len() != self.params.len() {
            return Err(crate::Error::InvalidArgument(format!("{} parameter values expected", self.params.len())));
        }
        crate::sim::derivative_warnings(&self.scene.with_params(&self.params, p))
    }
}

impl Outcome for FinalPositions {
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
        let scene = self.scene.with_params(&self.params, p);
        let last = rollout_with(&scene, scene.settings.n_steps(), |_| {})?;
        Ok(DVector::from_iterator(self.outputs.len(), self.outputs.iter().map(|(_, c)| c.value(&last))))
    }

    fn param_name(&self, j: usize) -> String {
        self.params.get(j).map_or_else(|| format!("parameter {j}"), |id| self.scene.param_name(*id))
    }
}
