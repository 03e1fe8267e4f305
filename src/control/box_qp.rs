//! Box-constrained quadratic programs by projected Newton: the control step of box-DDP.

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};

/// The solution of [`box_qp`].
#[derive(Debug)]
pub(crate) struct BoxQp {
    /// The minimiser.
    pub x: DVector<f64>,
    /// Which entries are free (not held at a bound with the gradient pushing outwards).
    pub free: Vec<bool>,
    /// The Cholesky factor of the Hessian's free block (`None` when nothing is free).
    pub free_factor: Option<Cholesky<f64, Dyn>>,
}

/// Minimise `½ xᵀ H x + gᵀ x` subject to `lower ≤ x ≤ upper` by projected Newton (Bertsekas 1982; the variant
/// of Tassa, Mansard & Todorov, "Control-limited differential dynamic programming", ICRA 2014): from `x0`
/// clamped into the box, repeat: the entries at a bound whose gradient points out of the box are clamped, a
/// Newton step on the free ones, a projected backtracking line search with the Armijo condition. `H` must be
/// positive definite on the free entries; `None` if a free block cannot be factored.
pub(crate) fn box_qp(
    h: &DMatrix<f64>,
    g: &DVector<f64>,
    lower: &DVector<f64>,
    upper: &DVector<f64>,
    x0: &DVector<f64>,
) -> Option<BoxQp> {
    let n = g.len();
    let clamp = |x: &DVector<f64>| DVector::from_fn(n, |i, _| x[i].clamp(lower[i], upper[i]));
    let value = |x: &DVector<f64>| 0.5 * x.dot(&(h * x)) + g.dot(x);
    let mut x = clamp(x0);
    let mut f = value(&x);
    let mut free = vec![true; n];
    let mut factor = None;
    for _ in 0..100 {
        let grad = g + h * &x;
        let new_free: Vec<bool> =
            (0..n).map(|i| !((x[i] <= lower[i] && grad[i] > 0.0) || (x[i] >= upper[i] && grad[i] < 0.0))).collect();
        let idx: Vec<usize> = (0..n).filter(|&i| new_free[i]).collect();
        if idx.is_empty() {
            free = new_free;
            factor = None;
            break;
        }
        if factor.is_none() || new_free != free {
            let block = DMatrix::from_fn(idx.len(), idx.len(), |a, b| h[(idx[a], idx[b])]);
            factor = Some(block.cholesky()?);
        }
        free = new_free;
        let grad_free = DVector::from_fn(idx.len(), |a, _| grad[idx[a]]);
        if grad_free.norm() < 1e-10 * (1.0 + g.norm()) {
            break;
        }
        let step_free = -factor.as_ref().expect("factored above").solve(&grad_free);
        let mut direction = DVector::zeros(n);
        for (a, &i) in idx.iter().enumerate() {
            direction[i] = step_free[a];
        }
        // projected Armijo line search
        let mut alpha = 1.0;
        let accepted = loop {
            let candidate = clamp(&(&x + &direction * alpha));
            let fc = value(&candidate);
            if fc - f <= 0.1 * grad.dot(&(&candidate - &x)) {
                break Some((candidate, fc));
            }
            alpha *= 0.5;
            if alpha < 1e-10 {
                break None;
            }
        };
        let Some((candidate, fc)) = accepted else { break };
        let improvement = f - fc;
        x = candidate;
        f = fc;
        if improvement < 1e-14 * (1.0 + f.abs()) {
            break;
        }
    }
    // the free set and its factor at the solution
    let grad = g + h * &x;
    let final_free: Vec<bool> =
        (0..n).map(|i| !((x[i] <= lower[i] && grad[i] > 0.0) || (x[i] >= upper[i] && grad[i] < 0.0))).collect();
    if final_free != free || (factor.is_none() && final_free.iter().any(|&b| b)) {
        let idx: Vec<usize> = (0..n).filter(|&i| final_free[i]).collect();
        factor = if idx.is_empty() {
            None
        } else {
            Some(DMatrix::from_fn(idx.len(), idx.len(), |a, b| h[(idx[a], idx[b])]).cholesky()?)
        };
    }
    Some(BoxQp { x, free: final_free, free_factor: factor })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-D problem whose unconstrained minimum lies outside the box: the solution is on the face, where the
    /// free coordinate minimises the restricted quadratic (closed form).
    #[test]
    fn minimum_on_a_face_of_the_box() {
        let h = DMatrix::from_row_slice(2, 2, &[2.0, 0.5, 0.5, 1.0]);
        let g = DVector::from_vec(vec![-10.0, 0.2]);
        let (lower, upper) = (DVector::from_vec(vec![-1.0, -1.0]), DVector::from_vec(vec![1.0, 1.0]));
        let s = box_qp(&h, &g, &lower, &upper, &DVector::zeros(2)).unwrap();
        // x₀ = 1 (clamped: the gradient −10 + 2 + 0.5 x₁ < 0 pushes it up); x₁ minimises ½ x₁² + (0.2 + 0.5) x₁
        assert_eq!(s.free, vec![false, true]);
        assert!((s.x[0] - 1.0).abs() < 1e-12 && (s.x[1] + 0.7).abs() < 1e-12, "{}", s.x);
        // inside the box, the unconstrained minimiser
        let g = DVector::from_vec(vec![0.3, -0.2]);
        let s = box_qp(&h, &g, &lower, &upper, &DVector::from_vec(vec![0.9, 0.9])).unwrap();
        let exact = -h.clone().lu().solve(&g).unwrap();
        assert!((s.x - exact).amax() < 1e-10);
        assert_eq!(s.free, vec![true, true]);
    }
}
