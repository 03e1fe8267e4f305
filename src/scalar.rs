//! The one scalar trait of the engine, and the smooth primitives used where physics has kinks.
//!
//! Every quantity that can carry a derivative has type `T: Scalar`: `f64`, [`num_dual::Dual64`],
//! [`num_dual::DualSVec64`], [`num_dual::Dual2_64`], [`num_dual::Dual3_64`] and [`num_dual::HyperDual64`]
//! implement it (its one method, [`Scalar::constant`], makes constants that are cheap to compute with).
//!
//! `Scalar` requires `Copy`: every scalar lives on the stack, so engine code passes numbers by value without
//! `.clone()`. num-dual's `DualDVec64` (run-time number of directions, heap-allocated) is therefore not a
//! scalar; chunks of `DualSVec64<N>` cover any number of directions ([`crate::grad::jacobian`]).
//!
//! Comparisons (`<`, `>`, `max`, `min`) look at the real part only. Every branch in the engine is taken on the
//! real part, so the `f64` run and the real part of any dual run execute the same operations and agree to the
//! last bit.

use nalgebra::RealField;
use num_dual::{DualNum, DualStruct};

/// A number the engine can run on: `f64` or any of num-dual's dual numbers over `f64`.
///
/// ```
/// use diffphys::Scalar;
/// fn energy<T: Scalar>(m: T, v: T) -> T {
///     m * v * v * 0.5
/// }
/// assert_eq!(energy(2.0, 3.0), 9.0);
/// let d = energy(num_dual::Dual64::from(2.0), num_dual::Dual64::from(3.0).derivative());
/// assert_eq!(d.eps, 6.0); // dE/dv = m v
/// ```
pub trait Scalar: DualNum<Primitive = f64> + DualStruct<Real = f64> + RealField + Copy {
    /// `x` as a constant: its derivative part is zero. Every number a model is lifted to (`Model::lift`) and
    /// every unseeded parameter goes through here.
    ///
    /// For `DualSVec64<N>` with `N ≤ 2` the zero derivative is stored explicitly. num-dual keeps a constant's
    /// derivative as `None`, whose payload bytes are whatever the memory held before; for such narrow derivatives
    /// its arithmetic is branch-free, so it multiplies those stale bytes (often subnormal numbers, ~100 cycles
    /// each) and then discards the product. Measured on the 100-particle net with one direction: a step cost
    /// 48–52 µs with `None` constants and 7.8 µs with explicit zeros; wider derivatives branch on `None` and skip
    /// the work (explicit zeros there cost 3–7% more), so they keep `None`.
    ///
    /// ```
    /// use diffphys::Scalar;
    /// use num_dual::DualSVec64;
    /// let m = <DualSVec64<1> as Scalar>::constant(2.0);
    /// assert_eq!((m.re, m.eps.0.map(|e| e[0])), (2.0, Some(0.0)));
    /// assert_eq!(<DualSVec64<8> as Scalar>::constant(2.0).eps.0, None);
    /// ```
    #[inline]
    fn constant(x: f64) -> Self {
        Self::from(x)
    }
}

impl Scalar for f64 {}
impl Scalar for num_dual::Dual64 {}
impl Scalar for num_dual::Dual2_64 {}
impl Scalar for num_dual::HyperDual64 {}
impl Scalar for num_dual::Dual3_64 {}
impl<const M: usize, const N: usize> Scalar for num_dual::HyperDualSVec64<M, N> {}
impl<const N: usize> Scalar for num_dual::DualSVec64<N> {
    #[inline]
    fn constant(x: f64) -> Self {
        if N <= 2 {
            num_dual::DualSVec64::new(x, num_dual::Derivative::some(nalgebra::SVector::zeros()))
        } else {
            Self::from(x)
        }
    }
}

/// A constant as a scalar (its derivative part is zero): [`Scalar::constant`].
#[inline]
pub fn c<T: Scalar>(x: f64) -> T {
    T::constant(x)
}

/// The real (value) part of a scalar.
#[inline]
pub fn re<T: Scalar>(x: &T) -> f64 {
    DualStruct::re(x)
}

/// Square root, through num-dual's implementation (unambiguous for every scalar).
#[inline]
pub fn sqrt<T: Scalar>(x: &T) -> T {
    DualNum::sqrt(x)
}

/// `1 / x`. Engine code divides by a scalar only as `a * recip(&b)`: num-dual computes the real part of
/// `a / b` as `a · (1/b)`, so writing the `f64` division the same way keeps the `f64` run and the real part of
/// every dual run identical to the last bit.
#[inline]
pub fn recip<T: Scalar>(x: &T) -> T {
    DualNum::recip(x)
}

/// Euclidean norm `√(v·v)` of a 3-vector, the same operations for every scalar type.
#[inline]
pub fn norm<T: Scalar>(v: &nalgebra::Vector3<T>) -> T {
    sqrt(&v.norm_squared())
}

/// Exponential.
#[inline]
pub fn exp<T: Scalar>(x: &T) -> T {
    DualNum::exp(x)
}

/// Natural logarithm.
#[inline]
pub fn ln<T: Scalar>(x: &T) -> T {
    DualNum::ln(x)
}

/// Hyperbolic tangent, computed as `±(1 − e^{−2|x|}) / (1 + e^{−2|x|})` so that it never overflows: num-dual's
/// own `tanh` divides `sinh` by `cosh`, which gives `inf / inf = NaN` for `|x| > ~710`. The branch on the sign
/// of the real part is exact (both sides agree in value and derivative at 0).
#[inline]
pub fn tanh<T: Scalar>(x: &T) -> T {
    let negative = re(x) < 0.0;
    let magnitude = if negative { -*x } else { *x };
    let e = exp(&(magnitude * -2.0));
    let t = (T::one() - e) * recip(&(T::one() + e));
    if negative {
        -t
    } else {
        t
    }
}

/// C¹ smoothstep on `[0, 1]`: `0` below, `1` above, `3s² − 2s³` between.
///
/// Its value and first derivative are continuous everywhere, so a force ramped with it has continuous
/// gradients. The branch is on the real part; at `s = 0` and `s = 1` both one-sided derivatives are zero.
#[inline]
pub fn smoothstep<T: Scalar>(s: T) -> T {
    if re(&s) <= 0.0 {
        T::zero()
    } else if re(&s) >= 1.0 {
        T::one()
    } else {
        s * s * (c::<T>(3.0) - s * 2.0)
    }
}

/// C² smootherstep on `[0, 1]`: `0` below, `1` above, `6s⁵ − 15s⁴ + 10s³` between.
///
/// Its value and first two derivatives are continuous everywhere. A force ramped with it is what explicit
/// steps integrate with the least dependence on where their samples fall within the ramp: the compliant contact
/// law uses it ([`crate::contact::compliant_contact_force`]). The branch is on the real part; at `s = 0` and
/// `s = 1` the first and second one-sided derivatives are zero.
///
/// ```
/// use diffphys::scalar::smootherstep;
/// assert_eq!(smootherstep(0.5_f64), 0.5);
/// assert_eq!((smootherstep(-1.0_f64), smootherstep(2.0_f64)), (0.0, 1.0));
/// ```
#[inline]
pub fn smootherstep<T: Scalar>(s: T) -> T {
    if re(&s) <= 0.0 {
        T::zero()
    } else if re(&s) >= 1.0 {
        T::one()
    } else {
        s * s * s * (s * (s * 6.0 - c::<T>(15.0)) + c::<T>(10.0))
    }
}

/// Euclidean norm of a 3-vector whose derivative is defined everywhere: at the zero vector it returns zero with
/// a zero derivative instead of the `0/0 = NaN` that `sqrt(v·v)` would give.
///
/// Use it only where the quantity it feeds (like `|v| v`) has a zero derivative at the origin anyway.
#[inline]
pub fn safe_norm<T: Scalar>(v: &nalgebra::Vector3<T>) -> T {
    let n2 = v.norm_squared();
    if re(&n2) > 0.0 {
        sqrt(&n2)
    } else {
        T::zero()
    }
}

/// `true` if the real part is finite (derivative parts are checked by [`all_finite`]).
#[inline]
pub fn is_finite<T: Scalar>(x: &T) -> bool {
    re(x).is_finite()
}

/// `true` if every component of every vector has a finite real part.
pub fn all_finite<T: Scalar>(vs: &[nalgebra::Vector3<T>]) -> bool {
    vs.iter().all(|v| v.iter().all(is_finite))
}

/// C¹ version of `max(0, f)`: `0` for `f ≤ −w`, `f` for `f ≥ w`, and the quadratic `(f + w)² / 4w` between,
/// which matches value and slope at both ends (also in `w`). Branches on the real part.
pub fn never_pull<T: Scalar>(f: T, w: T) -> T {
    if re(&f) <= -re(&w) {
        T::zero()
    } else if re(&f) >= re(&w) {
        f
    } else {
        let sum = f + w;
        sum * sum * recip(&(w * 4.0))
    }
}

/// The matrix product `a · b`, summed in plain loops (`Σₖ aᵢₖ bₖⱼ`, `k` ascending).
///
/// nalgebra's generic product goes through `gemm`/`gemv`, which computes `c = α a b + β c` and, for dual numbers,
/// multiplies every entry by `α = 1` and `β = 0` in full dual arithmetic: on the engine's small matrices (3×3,
/// 6×6, 3×nv) this loop is the same arithmetic without those products. Use it on hot paths over `T`.
///
/// ```
/// use diffphys::scalar::mat_mul;
/// use nalgebra::{Matrix2, Vector2};
/// let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
/// assert_eq!(mat_mul(&a, &a), a * a);
/// assert_eq!(mat_mul(&a, &Vector2::new(1.0, -1.0)), Vector2::new(-1.0, -1.0));
/// ```
///
/// # Panics
/// If the inner dimensions differ.
#[inline]
pub fn mat_mul<T, R1, C1, C2, S1, S2>(
    a: &nalgebra::Matrix<T, R1, C1, S1>,
    b: &nalgebra::Matrix<T, C1, C2, S2>,
) -> nalgebra::OMatrix<T, R1, C2>
where
    T: Scalar,
    R1: nalgebra::Dim,
    C1: nalgebra::Dim,
    C2: nalgebra::Dim,
    S1: nalgebra::Storage<T, R1, C1>,
    S2: nalgebra::Storage<T, C1, C2>,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R1, C2>,
{
    assert_eq!(a.ncols(), b.nrows(), "mat_mul: inner dimensions differ");
    let inner = a.ncols();
    nalgebra::OMatrix::from_fn_generic(a.shape_generic().0, b.shape_generic().1, |i, j| {
        if inner == 0 {
            return T::zero();
        }
        let mut sum = a[(i, 0)] * b[(0, j)];
        for k in 1..inner {
            sum += a[(i, k)] * b[(k, j)];
        }
        sum
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    #[test]
    fn tanh_is_finite_for_large_arguments_and_matches_std() {
        for x in [-800.0, -3.0, -1e-3, 0.0, 0.4, 2.0, 750.0] {
            let d = tanh(&Dual64::from(x).derivative());
            assert!((d.re - f64::tanh(x)).abs() < 1e-15, "tanh({x})");
            assert!((d.eps - (1.0 - f64::tanh(x).powi(2))).abs() < 1e-14, "tanh'({x})");
        }
    }

    #[test]
    fn smoothstep_is_c1() {
        let at = |x: f64| {
            let d = smoothstep(Dual64::from(x).derivative());
            (d.re, d.eps)
        };
        assert_eq!(at(-0.1), (0.0, 0.0));
        assert_eq!(at(1.1), (1.0, 0.0));
        let (v, d) = at(0.5);
        assert!((v - 0.5).abs() < 1e-15 && (d - 1.5).abs() < 1e-15);
        // derivative continuous at the ends
        assert!(at(1e-9).1 < 1e-8 && at(1.0 - 1e-9).1 < 1e-8);
    }

    #[test]
    fn smootherstep_is_c2() {
        use num_dual::{Dual2_64, Dual64 as D};
        let at = |x: f64| {
            let d = smootherstep(Dual2_64::from(x).derivative());
            (d.re, d.v1, d.v2)
        };
        assert_eq!(at(-0.1), (0.0, 0.0, 0.0));
        assert_eq!(at(1.1), (1.0, 0.0, 0.0));
        let (v, d, _) = at(0.5);
        assert!((v - 0.5).abs() < 1e-15 && (d - 1.875).abs() < 1e-14);
        // first and second derivatives continuous at the ends
        for x in [1e-7, 1.0 - 1e-7] {
            let (_, d, dd) = at(x);
            assert!(d.abs() < 1e-12 && dd.abs() < 1e-5, "{x}: {d} {dd}");
        }
        // the first derivative matches central differences inside
        let h = 1e-6;
        let fd = (smootherstep(0.3 + h) - smootherstep(0.3 - h)) / (2.0 * h);
        assert!((smootherstep(D::from(0.3).derivative()).eps - fd).abs() < 1e-8);
    }

    #[test]
    fn safe_norm_has_zero_derivative_at_origin() {
        let v = nalgebra::Vector3::new(Dual64::from(0.0).derivative(), Dual64::from(0.0), Dual64::from(0.0));
        let n = safe_norm(&v);
        assert_eq!((n.re, n.eps), (0.0, 0.0));
        let w = nalgebra::Vector3::new(Dual64::from(3.0).derivative(), Dual64::from(4.0), Dual64::from(0.0));
        let n = safe_norm(&w);
        assert_eq!(n.re, 5.0);
        assert!((n.eps - 0.6).abs() < 1e-15);
    }
}
