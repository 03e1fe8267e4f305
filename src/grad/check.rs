//! Comparing dual-number derivatives with finite differences.

use super::{jacobian, jacobian_central_difference, Outcome};
use crate::{Error, Result};
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

/// The relative step at which central differences balance truncation and rounding, `ε^(1/3)`; [`check`] judges
/// whether a step is too small for a parameter against it.
pub const DEFAULT_REL_STEP: f64 = 6e-6;

/// Dual-number and central-difference Jacobians of `f` at `p`, and their largest relative difference.
///
/// `check` refuses to compare rather than report a meaningless agreement: the step `h_j = rel_step · |p_j|`
/// (`rel_step` where `p_j = 0`) is too small for parameter `j` when it moves the outputs by less than ten times
/// their rounding, `max_i |J_ij| h_j < 10 ε max(|f|, 1)`, although [`DEFAULT_REL_STEP`] would move them by more
/// than a thousand times it (the differences are then zero or rounding noise, which the error floor of
/// [`GradCheck::max_rel_err`] would silently forgive); and any step is refused whose differences are not
/// finite.
///
/// ```
/// use diffphys::{grad, io};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let mut smooth = scene.clone();
/// smooth.ground = None; // a smooth scene: drag and gravity only
/// let f = grad::FinalPositions::new(&smooth, &["ball.drag", "ball.velocity.z"]).unwrap();
/// let c = grad::check(&f, &f.initial_values(), 6e-6).unwrap();
/// assert!(c.max_rel_err < 1e-6, "{}", c.max_rel_err);
/// // a step that cannot move the drag is refused, naming the parameter
/// let e = grad::check(&f, &f.initial_values(), 1e-300).unwrap_err().to_string();
/// assert!(e.contains("too small for `ball.drag`"), "{e}");
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for `rel_step` outside `(0, 1)` or a step too small or too large for a parameter
/// (naming it, see above); [`Error::Numerical`] for a non-finite outcome or dual-number derivative; whatever
/// `f` reports at `p` or on the forward side.
pub fn check(f: &impl Outcome, p: &[f64], rel_step: f64) -> Result<GradCheck> {
    if !(rel_step > 0.0 && rel_step < 1.0) {
        return Err(Error::InvalidArgument(format!("the relative step must be in (0, 1), got {rel_step}")));
    }
    let (value, jac) = jacobian(f, p)?;
    if value.iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical("the outcome is not finite at the parameters".into()));
    }
    let fd = jacobian_central_difference(f, p, rel_step)?;
    let scale = value.amax().max(1.0);
    let rounding = f64::EPSILON * scale;
    let step = |rel: f64, pj: f64| if pj == 0.0 { rel } else { rel * pj.abs() };
    for (j, &pj) in p.iter().enumerate() {
        let (h, name) = (step(rel_step, pj), || format!("`{}` (= {pj})", f.param_name(j)));
        if jac.column(j).iter().any(|d| !d.is_finite()) {
            return Err(Error::Numerical(format!(
                "the dual-number derivative with respect to {} is not finite",
                name()
            )));
        }
        if fd.column(j).iter().any(|d| !d.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "the step {rel_step:e} is too small or too large for {}: its central differences are not finite",
                name()
            )));
        }
        let slope = jac.column(j).amax();
        if slope * h < 10.0 * rounding && slope * step(DEFAULT_REL_STEP, pj) > 1e3 * rounding {
            let zero = if fd.column(j).iter().all(|d| *d == 0.0) { "all zero" } else { "rounding noise" };
            return Err(Error::InvalidArgument(format!(
                "the step {rel_step:e} is too small for {}: it moves the outputs by about {:.1e}, below their \
                 rounding ({rounding:.1e}), so the central differences are {zero} (try {DEFAULT_REL_STEP:e})",
                name(),
                slope * h
            )));
        }
    }
    let floors: Vec<f64> = p.iter().map(|pj| 1e6 * rounding / step(rel_step, *pj)).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;

    /// `f(p) = (p₀, 2 p₁)`, with an infinite cliff for `p₁ > 1`.
    struct Cliff;
    impl Outcome for Cliff {
        fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
            let cliff = if crate::scalar::re(&p[1]) > 1.0 { f64::INFINITY } else { 2.0 };
            Ok(DVector::from_vec(vec![p[0], p[1] * cliff]))
        }
    }

    #[test]
    fn a_step_that_cannot_move_a_parameter_is_refused_naming_it() {
        assert!(check(&Cliff, &[3.0, 0.5], DEFAULT_REL_STEP).unwrap().max_rel_err < 1e-9);
        for step in [1e-300, 1e-17] {
            let e = check(&Cliff, &[3.0, 0.5], step).unwrap_err().to_string();
            assert!(e.contains(&format!("the step {step:e} is too small for `parameter 0` (= 3)")), "{e}");
            assert!(e.contains("all zero"), "{e}");
        }
        // a step that rounds the differences to noise, not to zero
        let e = check(&Cliff, &[3.0, 0.5], 1e-16).unwrap_err().to_string();
        assert!(e.contains("too small") && e.contains("rounding noise"), "{e}");
        // a step near the resolution limit but still above it is compared, not refused
        assert!(check(&Cliff, &[3.0, 0.5], 1e-12).is_ok());
    }

    #[test]
    fn non_finite_differences_and_bad_steps_are_refused() {
        let e = check(&Cliff, &[3.0, 1.0], DEFAULT_REL_STEP).unwrap_err().to_string();
        assert!(e.contains("too small or too large for `parameter 1` (= 1)") && e.contains("not finite"), "{e}");
        for step in [0.0, -1e-6, 1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(check(&Cliff, &[3.0, 0.5], step), Err(Error::InvalidArgument(_))), "{step}");
        }
    }
}
