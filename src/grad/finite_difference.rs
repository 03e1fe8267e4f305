//! Central finite differences, the independent check of the dual-number derivatives.

use super::Outcome;
use crate::Result;
use nalgebra::{DMatrix, DVector};

/// Jacobian of `f` at `p` by central differences `(f(p + h e_j) − f(p − h e_j)) / 2h`, with
/// `h = rel_step · |p_j|` (`rel_step` itself where `p_j = 0`). `2k` evaluations in `f64`; truncation error
/// `O(h²)`, rounding error `O(ε/h)`, so `rel_step ≈ ε^(1/3) ≈ 6e-6` balances the two.
///
/// Where `f` fails at `p − h e_j` (a parameter at the edge of its range, like a drag of zero), the column uses
/// the one-sided second-order formula `(−3 f(p) + 4 f(p + h e_j) − f(p + 2h e_j)) / 2h` instead.
///
/// # Errors
/// Whatever `f` reports at `p` or on the forward side.
pub fn jacobian_central_difference(f: &impl Outcome, p: &[f64], rel_step: f64) -> Result<DMatrix<f64>> {
    let mut columns: Vec<DVector<f64>> = Vec::with_capacity(p.len());
    let mut x = p.to_vec();
    let mut at = |j: usize, offset: f64| {
        x[j] = p[j] + offset;
        let y = f.eval(&x);
        x[j] = p[j];
        y
    };
    for (j, &pj) in p.iter().enumerate() {
        let h = if pj == 0.0 { rel_step } else { rel_step * pj.abs() };
        let plus = at(j, h)?;
        let column = match at(j, -h) {
            Ok(minus) => (plus - minus) / (2.0 * h),
            Err(_) => {
                let centre = at(j, 0.0)?;
                let plus2 = at(j, 2.0 * h)?;
                (plus * 4.0 - centre * 3.0 - plus2) / (2.0 * h)
            }
        };
        columns.push(column);
    }
    let rows = columns.first().map_or(0, |c| c.len());
    Ok(DMatrix::from_fn(rows, p.len(), |i, j| columns[j][i]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, Scalar};

    /// `f(p) = p²` defined only for `p ≥ 0`.
    struct Square;
    impl Outcome for Square {
        fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
            if crate::scalar::re(&p[0]) < 0.0 {
                return Err(Error::InvalidArgument("negative".into()));
            }
            Ok(DVector::from_vec(vec![p[0] * p[0] + p[0]]))
        }
    }

    #[test]
    fn central_inside_and_one_sided_at_the_edge() {
        let inside = jacobian_central_difference(&Square, &[2.0], 1e-5).unwrap();
        assert!((inside[(0, 0)] - 5.0).abs() < 1e-8);
        // at p = 0 the minus side fails: the one-sided formula is exact for a quadratic
        let edge = jacobian_central_difference(&Square, &[0.0], 1e-5).unwrap();
        assert!((edge[(0, 0)] - 1.0).abs() < 1e-9, "{}", edge[(0, 0)]);
    }
}
