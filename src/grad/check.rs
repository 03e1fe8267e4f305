//! Comparing dual-number derivatives with finite differences.

use super::{jacobian, jacobian_central_difference, Outcome};
use crate::Result;
use nalgebra::{DMatrix, DVector};

/// The result of [`check`].
#[derive(Debug, Clone)]
pub struct GradCheck {
    /// The outcome's value at the parameters.
    pub value: DVector<f64>,
    /// Exact Jacobian from dual numbers.
    pub jacobian: DMatrix<f64>,
    /// Central-difference Jacobian.
    pub fd_jacobian: DMatrix<f64>,
    /// The largest [`relative_error`] over all entries.
    pub max_rel_err: f64,
}

/// Dual-number and central-difference Jacobians of `f` at `p`, and their largest relative difference.
///
/// ```
/// use diffphys::{grad, io};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let mut smooth = scene.clone();
/// smooth.ground = None; // a smooth scene: drag and gravity only
/// let f = grad::FinalPositions::new(&smooth, &["ball.drag", "ball.velocity.z"]).unwrap();
/// let c = grad::check(&f, &f.initial_values(), 6e-6).unwrap();
/// assert!(c.max_rel_err < 1e-6, "{}", c.max_rel_err);
/// ```
pub fn check(f: &impl Outcome, p: &[f64], rel_step: f64) -> Result<GradCheck> {
    let (value, jac) = jacobian(f, p)?;
    let fd = jacobian_central_difference(f, p, rel_step)?;
    let max_rel_err = relative_error(&jac, &fd);
    Ok(GradCheck { value, jacobian: jac, fd_jacobian: fd, max_rel_err })
}

/// The largest entry-wise relative difference `|a − b| / max(|a|, |b|, floor)` of two matrices, where
/// `floor = 1e-8 · max(max|a|, 1e-300)` keeps entries that are zero in both from dividing zero by zero and
/// entries far below the Jacobian's scale from counting rounding noise as error.
pub fn relative_error(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    let floor = 1e-8 * a.amax().max(1e-300);
    a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs() / x.abs().max(y.abs()).max(floor)).fold(0.0, f64::max)
}
