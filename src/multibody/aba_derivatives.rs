//! First derivatives of forward dynamics.

use super::ldlt::{ltdl_factor, ltdl_inverse, TreeSparsity};
use super::{aba, crba, rnea_derivatives, MultibodyWorkspace};
use crate::model::Multibody;
use crate::{Result, Scalar};
use nalgebra::{DMatrix, DVector};

/// Forward dynamics and its first derivatives at one state.
#[derive(Clone, Debug, PartialEq)]
pub struct AbaDerivatives<T: Scalar> {
    /// `q̈ = ABA(q, v, τ)` (`nv`).
    pub ddq: DVector<T>,
    /// `∂q̈/∂q` (`nv × nv`); for free joints, with respect to the tangent-space perturbation `q ⊕ δ`.
    pub dddq_dq: DMatrix<T>,
    /// `∂q̈/∂v` (`nv × nv`).
    pub dddq_dv: DMatrix<T>,
    /// `∂q̈/∂τ = M(q)⁻¹` (`nv × nv`).
    pub dddq_dtau: DMatrix<T>,
    /// The mass matrix `M(q)` (`nv × nv`).
    pub mass_matrix: DMatrix<T>,
}

/// Derivatives of the Articulated-Body Algorithm: `q̈` and its Jacobians with respect to `q`, `v` and `τ`.
///
/// At the solution `a = ABA(q, v, τ)` the identity `RNEA(q, v, a) = τ` holds; differentiating it gives
/// `∂a/∂x = −M⁻¹ ∂RNEA/∂x` for `x ∈ {q, v}` and `∂a/∂τ = M⁻¹`. The partials of RNEA come from
/// [`rnea_derivatives`], `M` from [`crba`], its inverse from an LDLᵀ factorisation. Generic over the scalar:
/// on dual numbers this gives second derivatives of the dynamics.
///
/// # Arguments
/// - `q`: configuration (`nq`); `v`: velocities (`nv`); `tau`: joint torques (`nv`). No external forces.
///
/// # Returns
/// [`AbaDerivatives`]: every matrix `nv × nv`, row `i` the derivative of `q̈_i`, derivatives with respect to `q`
/// in the tangent space.
///
/// # Errors
/// [`crate::Error::InvalidArgument`] for wrong dimensions, [`crate::Error::Numerical`] for a singular mass
/// matrix.
///
/// Reference: Carpentier & Mansard, "Analytical derivatives of rigid body dynamics algorithms", RSS 2018.
///
/// ```
/// use diffphys::multibody::{aba_derivatives, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let (q, v, tau) = (DVector::from_vec(vec![0.3, 0.2]), DVector::zeros(2), DVector::zeros(2));
/// let d = aba_derivatives(&model, &mut ws, &q, &v, &tau).unwrap();
/// // At rest, q̈ does not depend on v to first order (Coriolis terms are quadratic in v).
/// assert!(d.dddq_dv.norm() < 1e-12);
/// // ∂q̈/∂τ is the inverse mass matrix.
/// assert!((&d.dddq_dtau * &d.mass_matrix - nalgebra::DMatrix::identity(2, 2)).norm() < 1e-12);
/// ```
pub fn aba_derivatives<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    tau: &DVector<T>,
) -> Result<AbaDerivatives<T>> {
    model.check_dimensions(q, v, Some(tau))?;
    let ddq = aba(model, ws, q, v, tau, &[])?;
    let mass_matrix = crba(model, ws, q);
    let (dtau_dq, dtau_dv) = rnea_derivatives(model, ws, q, v, &ddq);
    let (dddq_dq, dddq_dv, dddq_dtau) = solve_with_mass_matrix(&mass_matrix, ws.mass_sparsity(), dtau_dq, dtau_dv)?;
    Ok(AbaDerivatives { ddq, dddq_dq, dddq_dv, dddq_dtau, mass_matrix })
}

/// `(−M⁻¹ ∂τ/∂q, −M⁻¹ ∂τ/∂v, M⁻¹)`: one `LᵀDL` solve for `M⁻¹`, then two matrix products.
pub(crate) fn solve_with_mass_matrix<T: Scalar>(
    mass_matrix: &DMatrix<T>,
    tree: &TreeSparsity,
    dtau_dq: DMatrix<T>,
    dtau_dv: DMatrix<T>,
) -> Result<(DMatrix<T>, DMatrix<T>, DMatrix<T>)> {
    let mut factor = mass_matrix.clone();
    ltdl_factor(&mut factor, tree)?;
    let m_inv = ltdl_inverse(&factor, tree);
    let minus_m_inv = -&m_inv;
    Ok((&minus_m_inv * dtau_dq, &minus_m_inv * dtau_dv, m_inv))
}
