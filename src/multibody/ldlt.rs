//! Dense symmetric positive-definite solves by LDLᵀ, written with [`recip`] so that the `f64` run and the real
//! part of a dual run agree to the last bit (nalgebra's Cholesky divides, which num-dual rounds differently).

use crate::scalar::{re, recip};
use crate::{Error, Result, Scalar};
use nalgebra::{Dim, Matrix, StorageMut};

/// Factors a symmetric positive-definite matrix in place as `L D Lᵀ`: the strict lower triangle receives `L`
/// (unit diagonal implied), the diagonal receives `D`. Only the lower triangle of the input is read.
///
/// # Errors
/// [`Error::Numerical`] if a pivot is not positive (the matrix is not positive definite).
pub fn ldlt_factor<T: Scalar, D: Dim, S: StorageMut<T, D, D>>(m: &mut Matrix<T, D, D, S>) -> Result<()> {
    let n = m.nrows();
    for j in 0..n {
        let mut d = m[(j, j)];
        for k in 0..j {
            d -= m[(j, k)] * m[(j, k)] * m[(k, k)];
        }
        if re(&d).is_nan() || re(&d) <= 0.0 {
            return Err(Error::Numerical(format!("matrix is not positive definite (pivot {j} is {})", re(&d))));
        }
        let d_inv = recip(&d);
        for i in j + 1..n {
            let mut l = m[(i, j)];
            for k in 0..j {
                l -= m[(i, k)] * m[(j, k)] * m[(k, k)];
            }
            m[(i, j)] = l * d_inv;
        }
        m[(j, j)] = d;
    }
    Ok(())
}

/// Solves `A X = B` in place (every column of `b`) given the factor from [`ldlt_factor`].
pub fn ldlt_solve<T: Scalar, D: Dim, S: StorageMut<T, D, D>, R: Dim, SB: StorageMut<T, D, R>>(
    factor: &Matrix<T, D, D, S>,
    b: &mut Matrix<T, D, R, SB>,
) {
    let n = factor.nrows();
    let d_inv: Vec<T> = (0..n).map(|i| recip(&factor[(i, i)])).collect();
    for col in 0..b.ncols() {
        for i in 0..n {
            let mut s = b[(i, col)];
            for k in 0..i {
                s -= factor[(i, k)] * b[(k, col)];
            }
            b[(i, col)] = s;
        }
        for i in 0..n {
            b[(i, col)] *= d_inv[i];
        }
        for i in (0..n).rev() {
            let mut s = b[(i, col)];
            for k in i + 1..n {
                s -= factor[(k, i)] * b[(k, col)];
            }
            b[(i, col)] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use nalgebra::{DMatrix, DVector};

    #[test]
    fn solves_a_random_spd_system_and_rejects_an_indefinite_one() {
        let a = DMatrix::from_fn(5, 5, |i, j| ((i * 3 + j * 5) % 7) as f64 - 3.0);
        let spd = &a * a.transpose() + DMatrix::identity(5, 5);
        let b = DVector::from_fn(5, |i, _| i as f64 - 1.5);
        let mut f = spd.clone();
        ldlt_factor(&mut f).unwrap();
        let mut x = b.clone();
        ldlt_solve(&f, &mut x);
        assert_relative_eq!(&spd * x, b, epsilon = 1e-12);
        let mut bad = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, -1.0]));
        assert!(ldlt_factor(&mut bad).is_err());
    }
}
