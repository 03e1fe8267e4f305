//! Seeding dual numbers with unit directions and reading their derivative parts back.

use crate::Scalar;
use nalgebra::{Const, U1};
use num_dual::{Dual64, DualSVec64};

/// A dual number type that carries several directional derivatives at once.
pub(crate) trait Directions: Scalar {
    /// A variable with value `re`, seeded with unit direction `j` of `n` (`n` is fixed for static sizes and
    /// one for `Dual64`).
    fn seeded(re: f64, n: usize, j: usize) -> Self;
    /// Writes the derivative parts (zeros if none) into `out`, which has one entry per direction.
    fn derivatives_into(&self, out: &mut [f64]);
}

impl<const N: usize> Directions for DualSVec64<N> {
    fn seeded(re: f64, _n: usize, j: usize) -> Self {
        DualSVec64::from_re(re).derivative(j)
    }
    fn derivatives_into(&self, out: &mut [f64]) {
        let eps = self.eps.unwrap_generic(Const::<N>, U1);
        out.copy_from_slice(&eps.as_slice()[..out.len()]);
    }
}

impl Directions for Dual64 {
    fn seeded(re: f64, _n: usize, _j: usize) -> Self {
        Dual64::from(re).derivative()
    }
    fn derivatives_into(&self, out: &mut [f64]) {
        out[0] = self.eps;
    }
}
