//! Symmetric positive-definite solves with a joint-space mass matrix by Featherstone's `LᵀDL` factorisation
//! (*Rigid Body Dynamics Algorithms*, §6.5): `M = Lᵀ D L`, `L` unit lower triangular with the sparsity of the
//! tree. `L[i][j]` can be non-zero only where coordinate `j` is an ancestor of coordinate `i` (their
//! [`velocity parents`](crate::model::Multibody::velocity_parents), `λ`), so factoring from the leaves to the root
//! creates no fill-in and a solve costs the sum of the coordinates' depths instead of `n²`. A dense matrix is the
//! case `λ(k) = k − 1` ([`TreeSparsity::dense`], for the 6 × 6 of a free joint).
//!
//! Written with [`recip`] so that the `f64` run and the real part of a dual run agree to the last bit (nalgebra's
//! Cholesky divides, which num-dual rounds differently).

use crate::scalar::{re, recip};
use crate::{Error, Result, Scalar};
use nalgebra::{DMatrix, Dim, IsContiguous, Matrix, Storage, StorageMut};

/// The sparsity of a joint-space mass matrix: every coordinate's ancestors in the tree, nearest first, stored
/// flat so that the factorisation and the solves walk them without chasing parents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeSparsity {
    ancestors: Vec<usize>,
    start: Vec<usize>,
}

impl TreeSparsity {
    /// From the parents `λ` of the coordinates (`λ(k) < k`, `None` at a root), e.g.
    /// [`Multibody::velocity_parents`](crate::model::Multibody::velocity_parents).
    ///
    /// # Panics
    /// If some `λ(k) ≥ k`.
    pub fn new(parent: &[Option<usize>]) -> Self {
        let mut ancestors = Vec::new();
        let mut start = Vec::with_capacity(parent.len() + 1);
        for (k, p) in parent.iter().enumerate() {
            start.push(ancestors.len());
            if let Some(p) = *p {
                assert!(p < k, "TreeSparsity: the parent of coordinate {k} must come before it, not at {p}");
                ancestors.push(p);
                let (from, to) = (start[p], start[p + 1]);
                ancestors.extend_from_within(from..to);
            }
        }
        start.push(ancestors.len());
        TreeSparsity { ancestors, start }
    }

    /// A dense `n × n` matrix: every coordinate an ancestor of the next (`λ(k) = k − 1`).
    pub fn dense(n: usize) -> Self {
        let parent: Vec<Option<usize>> = (0..n).map(|k| k.checked_sub(1)).collect();
        TreeSparsity::new(&parent)
    }

    /// The number of coordinates.
    pub fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Whether there are no coordinates.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ancestors of coordinate `k`, nearest first.
    #[inline]
    pub fn ancestors(&self, k: usize) -> &[usize] {
        &self.ancestors[self.start[k]..self.start[k + 1]]
    }
}

/// Whether `d` can be a pivot of a positive-definite factorisation in `f64`: positive, and not so small (subnormal)
/// that its reciprocal overflows. Shared by [`ltdl_factor`] and the articulated-body algorithm.
pub(crate) fn usable_pivot(d: f64) -> bool {
    d > 0.0 && (1.0 / d).is_finite()
}

/// Factors the symmetric positive-definite `m` in place as `Lᵀ D L` for the tree `sparsity` (entries of `m`
/// between coordinates neither of which is an ancestor of the other must be zero, as in a joint-space mass
/// matrix): the strict lower triangle receives `L` (unit diagonal implied), the diagonal receives `D`. Only the
/// lower triangle of the input is read, and only its entries on ancestor pairs.
///
/// # Errors
/// [`Error::Numerical`] if a pivot is not positive, or so small that its reciprocal overflows (the matrix is not
/// positive definite in `f64`).
///
/// # Panics
/// If `sparsity` is not of the size of `m`.
///
/// ```
/// use diffphys::multibody::ldlt::{ltdl_factor, ltdl_solve, TreeSparsity};
/// use nalgebra::{DMatrix, DVector};
/// // a root coordinate with two children: [[4, 1, 2], [1, 3, 0], [2, 0, 5]]
/// let tree = TreeSparsity::new(&[None, Some(0), Some(0)]);
/// let m = DMatrix::from_row_slice(3, 3, &[4.0, 1.0, 2.0, 1.0, 3.0, 0.0, 2.0, 0.0, 5.0]);
/// let mut factor = m.clone();
/// ltdl_factor(&mut factor, &tree).unwrap();
/// let mut x = DVector::from_vec(vec![1.0, 2.0, 3.0]);
/// ltdl_solve(&factor, &tree, &mut x);
/// assert!((&m * x - DVector::from_vec(vec![1.0, 2.0, 3.0])).norm() < 1e-14);
/// ```
pub fn ltdl_factor<T: Scalar, D: Dim, S: StorageMut<T, D, D>>(
    m: &mut Matrix<T, D, D, S>,
    sparsity: &TreeSparsity,
) -> Result<()> {
    let n = m.nrows();
    assert_eq!(sparsity.len(), n, "ltdl_factor: the sparsity must have one entry per coordinate");
    for k in (0..n).rev() {
        let d = m[(k, k)];
        if !usable_pivot(re(&d)) {
            return Err(Error::Numerical(format!("matrix is not positive definite (pivot {k} is {})", re(&d))));
        }
        let d_inv = recip(&d);
        let ancestors = sparsity.ancestors(k);
        // the ancestors of ancestors[idx] are ancestors[idx + 1..]
        for (idx, &i) in ancestors.iter().enumerate() {
            let a = m[(k, i)] * d_inv;
            for &j in &ancestors[idx..] {
                let update = a * m[(k, j)];
                m[(i, j)] -= update;
            }
            m[(k, i)] = a;
        }
    }
    Ok(())
}

/// Solves `M X = B` in place (every column of `b`) given the factor of `M` from [`ltdl_factor`] with the same
/// `sparsity`. The columns are swept together (each entry of `L` is applied to all of them before the next), so
/// many right-hand sides cost little more than one.
///
/// # Panics
/// If `sparsity` is not of the size of the factor.
pub fn ltdl_solve<T, D, S, R, SB>(factor: &Matrix<T, D, D, S>, sparsity: &TreeSparsity, b: &mut Matrix<T, D, R, SB>)
where
    T: Scalar,
    D: Dim,
    R: Dim,
    S: Storage<T, D, D> + IsContiguous,
    SB: StorageMut<T, D, R> + IsContiguous,
{
    solve(factor, sparsity, b, None);
}

/// [`ltdl_solve`] for right-hand sides that vanish outside coordinate `k` and its ancestors (the transpose of a
/// point Jacobian of the body whose last coordinate is `k`, a column of the identity): the first sweep then
/// visits only `k` and its ancestors.
///
/// # Panics
/// If `sparsity` is not of the size of the factor or `k` is not a coordinate.
pub fn ltdl_solve_on_path<T, D, S, R, SB>(
    factor: &Matrix<T, D, D, S>,
    sparsity: &TreeSparsity,
    b: &mut Matrix<T, D, R, SB>,
    k: usize,
) where
    T: Scalar,
    D: Dim,
    R: Dim,
    S: Storage<T, D, D> + IsContiguous,
    SB: StorageMut<T, D, R> + IsContiguous,
{
    assert!(k < sparsity.len(), "ltdl_solve_on_path: coordinate {k} out of range");
    solve(factor, sparsity, b, Some(k));
}

/// `M⁻¹` from the factor of `M` ([`ltdl_factor`]). The sweeps of [`ltdl_solve`] on the identity combine rows;
/// since `M⁻¹` is symmetric they are done on its transpose, where they combine contiguous columns.
///
/// # Panics
/// If `sparsity` is not of the size of the factor.
pub fn ltdl_inverse<T: Scalar>(factor: &DMatrix<T>, sparsity: &TreeSparsity) -> DMatrix<T> {
    let n = factor.nrows();
    assert_eq!(sparsity.len(), n, "ltdl_inverse: the sparsity must have one entry per coordinate");
    let mut out = DMatrix::identity(n, n);
    let l = factor.as_slice();
    let t = out.as_mut_slice();
    for i in (0..n).rev() {
        for &j in sparsity.ancestors(i) {
            subtract_column(t, n, j, i, l[j * n + i]);
        }
    }
    for i in 0..n {
        let d_inv = recip(&l[i * n + i]);
        for x in &mut t[i * n..(i + 1) * n] {
            *x *= d_inv;
        }
    }
    for i in 0..n {
        for &j in sparsity.ancestors(i) {
            subtract_column(t, n, i, j, l[j * n + i]);
        }
    }
    out
}

/// Column `dst` −= `l` · column `src` of the column-major `n`-row matrix `t` (`dst ≠ src`).
fn subtract_column<T: Scalar>(t: &mut [T], n: usize, dst: usize, src: usize, l: T) {
    let (low, high) = (dst.min(src), dst.max(src));
    let (before, from_high) = t.split_at_mut(high * n);
    let (low_column, high_column) = (&mut before[low * n..(low + 1) * n], &mut from_high[..n]);
    let (to, from) = if dst < src { (low_column, &*high_column) } else { (high_column, &*low_column) };
    for (x, y) in to.iter_mut().zip(from) {
        *x -= l * *y;
    }
}

fn solve<T, D, S, R, SB>(
    factor: &Matrix<T, D, D, S>,
    sparsity: &TreeSparsity,
    b: &mut Matrix<T, D, R, SB>,
    top: Option<usize>,
) where
    T: Scalar,
    D: Dim,
    R: Dim,
    S: Storage<T, D, D> + IsContiguous,
    SB: StorageMut<T, D, R> + IsContiguous,
{
    let n = factor.nrows();
    assert_eq!(sparsity.len(), n, "ltdl_solve: the sparsity must have one entry per coordinate");
    let l = factor.as_slice();
    let columns = b.ncols();
    let x = b.as_mut_slice();
    // Lᵀ y = b, from the leaves to the root (over `top` and its ancestors only, when the rest is zero)
    let path: &mut dyn Iterator<Item = usize> = match top {
        Some(k) => &mut std::iter::once(k).chain(sparsity.ancestors(k).iter().copied()),
        None => &mut (0..n).rev(),
    };
    for i in path {
        for &j in sparsity.ancestors(i) {
            let lij = l[j * n + i];
            for c in 0..columns {
                let update = lij * x[c * n + i];
                x[c * n + j] -= update;
            }
        }
    }
    for i in 0..n {
        let d_inv = recip(&l[i * n + i]);
        for c in 0..columns {
            x[c * n + i] *= d_inv;
        }
    }
    // L x = y, from the root to the leaves
    for i in 0..n {
        for &j in sparsity.ancestors(i) {
            let lij = l[j * n + i];
            for c in 0..columns {
                let update = lij * x[c * n + j];
                x[c * n + i] -= update;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use nalgebra::{DMatrix, DVector};

    #[test]
    fn solves_a_random_dense_spd_system_and_rejects_an_indefinite_one() {
        let a = DMatrix::from_fn(6, 6, |i, j| ((i * 3 + j * 5) % 7) as f64 - 3.0);
        let spd = &a * a.transpose() + DMatrix::identity(6, 6);
        let b = DMatrix::from_fn(6, 2, |i, j| i as f64 - 1.5 + j as f64);
        let mut f = spd.clone();
        let dense = TreeSparsity::dense(6);
        ltdl_factor(&mut f, &dense).unwrap();
        let mut x = b.clone();
        ltdl_solve(&f, &dense, &mut x);
        assert_relative_eq!(&spd * x, b, epsilon = 1e-12);
        let mut bad = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, -1.0]));
        assert!(ltdl_factor(&mut bad, &TreeSparsity::dense(2)).is_err());
        // a subnormal pivot (found by fuzzing: a floating base with ixx = 1e-320) has no finite reciprocal
        let mut tiny = DMatrix::from_diagonal(&DVector::from_vec(vec![1e-320, 1.0]));
        assert!(ltdl_factor(&mut tiny, &TreeSparsity::dense(2)).is_err());
    }

    /// A tree's mass-matrix pattern (root 0 with branches 1–2 and 3), built as `Jᵀ J + 1` with `J` respecting the
    /// tree: the factor keeps the pattern (no fill-in between branches) and solves.
    #[test]
    fn a_tree_pattern_factors_without_fill_in_and_solves() {
        let parent = [None, Some(0), Some(1), Some(0)];
        let ancestor = |a: usize, mut b: usize| loop {
            if a == b {
                return true;
            }
            match parent[b] {
                Some(p) => b = p,
                None => return false,
            }
        };
        let m = DMatrix::from_fn(4, 4, |i, j| {
            if i == j {
                3.0 + i as f64
            } else if ancestor(i, j) || ancestor(j, i) {
                0.5 + 0.1 * (i + j) as f64
            } else {
                0.0
            }
        });
        let tree = TreeSparsity::new(&parent);
        assert_eq!(tree.ancestors(2), &[1, 0]);
        assert_eq!(tree.ancestors(3), &[0]);
        let mut f = m.clone();
        ltdl_factor(&mut f, &tree).unwrap();
        assert_eq!(f[(3, 1)], 0.0);
        assert_eq!(f[(3, 2)], 0.0);
        let b = DVector::from_vec(vec![1.0, -2.0, 0.5, 3.0]);
        let mut x = b.clone();
        ltdl_solve(&f, &tree, &mut x);
        assert_relative_eq!(&m * x, b, epsilon = 1e-13);
        // a right-hand side on the path of coordinate 2 (coordinates 0, 1, 2)
        let on_path = DVector::from_vec(vec![1.0, -2.0, 0.5, 0.0]);
        let mut x = on_path.clone();
        ltdl_solve_on_path(&f, &tree, &mut x, 2);
        assert_relative_eq!(&m * x, on_path, epsilon = 1e-13);
        assert_relative_eq!(ltdl_inverse(&f, &tree) * &m, DMatrix::identity(4, 4), epsilon = 1e-13);
    }
}
