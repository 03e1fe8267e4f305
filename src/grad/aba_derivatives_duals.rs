//! Derivatives of forward dynamics, `∂q̈/∂q`, `∂q̈/∂v`, `∂q̈/∂τ`, from dual numbers pushed through [`rnea`].
//!
//! The same identity as [`crate::multibody::aba_derivatives`] (`∂a/∂x = −M⁻¹ ∂RNEA/∂x`), with the partials of
//! RNEA from `DualSVec64<N>` passes (`N` directions each) instead of the analytic tangent sweep. It is the
//! independent oracle for the analytic derivatives and the "from duals" entry of the benchmarks.

use crate::model::Multibody;
use crate::multibody::aba_derivatives::solve_with_mass_matrix;
use crate::multibody::{aba, crba, rnea, AbaDerivatives, MultibodyWorkspace};
use crate::Result;
use nalgebra::{Const, DMatrix, DVector, U1};
use num_dual::DualSVec64;

/// Number of dual directions per pass of RNEA (see the benchmarks in the README).
pub const ABA_DERIVATIVE_CHUNK: usize = 6;

type ChunkDual = DualSVec64<ABA_DERIVATIVE_CHUNK>;

/// Scratch space for [`aba_derivatives_duals`]: the model over the dual type and workspaces for both scalars. Build
/// it once per model; it does not change the model.
#[derive(Clone, Debug)]
pub struct DualDerivativesWorkspace {
    dual_model: Multibody<ChunkDual>,
    dual_ws: MultibodyWorkspace<ChunkDual>,
    ws: MultibodyWorkspace<f64>,
}

impl DualDerivativesWorkspace {
    /// Buffers for `model`.
    pub fn new(model: &Multibody<f64>) -> Self {
        let dual_model = model.lift::<ChunkDual>();
        let dual_ws = MultibodyWorkspace::new(&dual_model);
        DualDerivativesWorkspace { dual_model, dual_ws, ws: MultibodyWorkspace::new(model) }
    }
}

/// Derivatives of the Articulated-Body Algorithm from dual numbers: `q̈` and its Jacobians with respect to `q`,
/// `v` and `τ` (see the module documentation).
///
/// # Arguments
/// - `q`: configuration (`nq`); `v`: velocities (`nv`); `tau`: joint torques (`nv`). No external forces.
/// - `ws`: built by [`DualDerivativesWorkspace::new`] for this `model`.
///
/// # Returns
/// [`AbaDerivatives`]: every matrix `nv × nv`, row `i` the derivative of `q̈_i`, derivatives with respect to
/// `q` in the tangent space.
///
/// # Errors
/// [`crate::Error::InvalidArgument`] for wrong dimensions, [`crate::Error::Numerical`] for a singular mass
/// matrix.
///
///
/// ```
/// use diffphys::grad::{aba_derivatives_duals, DualDerivativesWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = DualDerivativesWorkspace::new(&model);
/// let (q, v, tau) = (DVector::from_vec(vec![0.3, 0.2]), DVector::zeros(2), DVector::zeros(2));
/// let d = aba_derivatives_duals(&model, &mut ws, &q, &v, &tau).unwrap();
/// // At rest, q̈ does not depend on v to first order (Coriolis terms are quadratic in v).
/// assert!(d.dddq_dv.norm() < 1e-12);
/// ```
pub fn aba_derivatives_duals(
    model: &Multibody<f64>,
    ws: &mut DualDerivativesWorkspace,
    q: &DVector<f64>,
    v: &DVector<f64>,
    tau: &DVector<f64>,
) -> Result<AbaDerivatives<f64>> {
    model.check_dimensions(q, v, Some(tau))?;
    let nv = model.nv();
    let ddq = aba(model, &mut ws.ws, q, v, tau, &[])?;
    let mass_matrix = crba(model, &mut ws.ws, q);
    let partials = rnea_partials(ws, q, v, &ddq);
    let (dtau_dq, dtau_dv) = (partials.columns(0, nv).into_owned(), partials.columns(nv, nv).into_owned());
    let (dddq_dq, dddq_dv, dddq_dtau) = solve_with_mass_matrix(&mass_matrix, ws.ws.mass_sparsity(), dtau_dq, dtau_dv)?;
    Ok(AbaDerivatives { ddq, dddq_dq, dddq_dv, dddq_dtau, mass_matrix })
}

/// `[∂RNEA/∂q, ∂RNEA/∂v]` at `(q, v, a)` (`nv × 2nv`), `ABA_DERIVATIVE_CHUNK` directions per dual pass.
fn rnea_partials(
    ws: &mut DualDerivativesWorkspace,
    q: &DVector<f64>,
    v: &DVector<f64>,
    a: &DVector<f64>,
) -> DMatrix<f64> {
    const N: usize = ABA_DERIVATIVE_CHUNK;
    let model = &ws.dual_model;
    let nv = model.nv();
    let mut out = DMatrix::zeros(nv, 2 * nv);
    let q_dual: DVector<ChunkDual> = q.map(ChunkDual::from_re);
    let a_dual: DVector<ChunkDual> = a.map(ChunkDual::from_re);
    let one = ChunkDual::from_re(1.0);
    for start in (0..2 * nv).step_by(N) {
        let width = N.min(2 * nv - start);
        let mut delta_q = DVector::from_element(nv, ChunkDual::from_re(0.0));
        let mut v_dual: DVector<ChunkDual> = v.map(ChunkDual::from_re);
        for k in 0..width {
            let direction = start + k;
            if direction < nv {
                delta_q[direction] = ChunkDual::from_re(0.0).derivative(k);
            } else {
                v_dual[direction - nv] = ChunkDual::from_re(v[direction - nv]).derivative(k);
            }
        }
        let q_moved = if start < nv { model.integrate(&q_dual, &delta_q, &one) } else { q_dual.clone() };
        let tau = rnea(model, &mut ws.dual_ws, &q_moved, &v_dual, &a_dual, &[]);
        for (row, t) in tau.iter().enumerate() {
            let eps = t.eps.unwrap_generic(Const::<N>, U1);
            for k in 0..width {
                out[(row, start + k)] = eps[k];
            }
        }
    }
    out
}
