//! Central finite differences, the independent check of the dual-number derivatives.

use super::Outcome;
use crate::Result;
use nalgebra::DMatrix;

/// Jacobian of `f` at `p` by central differences `(f(p + h e_j) − f(p − h e_j)) / 2h`, with
/// `h = rel_step · |p_j|` (`rel_step` itself where `p_j = 0`). `2k` evaluations in `f64`; truncation error `O(h²)`, rounding error
/// `O(ε/h)`, so `rel_step ≈ ε^(1/3) ≈ 6e-6` balances the two.
///
/// # Errors
/// Whatever `f` reports at a perturbed point.
pub fn jacobian_central_difference(f: &impl Outcome, p: &[f64], rel_step: f64) -> Result<DMatrix<f64>> {
    let mut columns = Vec::with_capacity(p.len());
    let mut x = p.to_vec();
    for j in 0..p.len() {
        let h = if p[j] == 0.0 { rel_step } else { rel_step * p[j].abs() };
        x[j] = p[j] + h;
        let plus = f.eval(&x)?;
        x[j] = p[j] - h;
        let minus = f.eval(&x)?;
        x[j] = p[j];
        columns.push((plus - minus) / (2.0 * h));
    }
    let rows = columns.first().map_or(0, |c| c.len());
    Ok(DMatrix::from_fn(rows, p.len(), |i, j| columns[j][i]))
}
