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
    /// The largest relative difference over all entries, `|a − b| / max(|a|, |b|, floor_j)`. The floor of column
    /// `j` is `10⁶` times the rounding noise of its central difference, `ε max(|f|, 1) / h_j` (about `4e-5 |f|/|p_j|`
    /// at the default step): entries smaller than that cannot be resolved by finite differences, so they are
    /// compared against the floor, and rounding noise contributes at most `1e-6` to this number.
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
    let scale = value.amax().max(1.0);
    let floors: Vec<f64> = p
        .iter()
        .map(|pj| {
            let h = if *pj == 0.0 { rel_step } else { rel_step * pj.abs() };
            1e6 * f64::EPSILON * scale / h
        })
        .collect();
    let max_rel_err = worst_relative_difference(&jac, &fd, &floors);
    Ok(GradCheck { value, jacobian: jac, fd_jacobian: fd, max_rel_err })
}

/// The largest entry-wise relative difference `|a − b| / max(|a|, |b|, floor)` of two matrices, where
/// `floor = 1e-8 · max(max|a|, 1e-300)` keeps entries that are zero in both from dividing zero by zero and
/// entries far below the Jacobian's scale from counting rounding noise as error.
pub fn relative_error(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    let floor = 1e-8 * a.amax().max(1e-300);
    worst_relative_difference(a, b, &vec![floor; a.ncols()])
}

fn worst_relative_difference(a: &DMatrix<f64>, b: &DMatrix<f64>, column_floors: &[f64]) -> f64 {
    let mut worst: f64 = 0.0;
    for (j, floor) in column_floors.iter().enumerate() {
        for (x, y) in a.column(j).iter().zip(b.column(j).iter()) {
            worst = worst.max((x - y).abs() / x.abs().max(y.abs()).max(floor.max(1e-300)));
        }
    }
    worst
}
