//! First derivatives of forward dynamics.

use super::ldlt::{ltdl_factor, ltdl_inverse, ltdl_solve, TreeSparsity};
use super::rnea_derivatives::{sweep_first_round, sweep_second_round, FirstRound};
use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::{Error, Result, Scalar};
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
/// `∂a/∂x = −M⁻¹ ∂RNEA/∂x` for `x ∈ {q, v}` and `∂a/∂τ = M⁻¹`. One root-frame sweep of Carpentier and
/// Mansard's recursion (that of [`rnea_derivatives`](super::rnea_derivatives)) does it all: its first round
/// forms `M` from the composite inertias and the bias `b = RNEA(q, v, 0)`, `q̈ = M⁻¹ (τ − b)` comes from the sparse
/// `LᵀDL` factorisation (no separate [`aba`](super::aba) or [`crba`](super::crba) pass), its second round the
/// partials of RNEA at `q̈`; `M⁻¹` comes from the same factor. `q̈` agrees with [`aba`](super::aba) to rounding
/// (1e-13 relative on the test robots, checked against Pinocchio). Generic over the scalar:
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
    let FirstRound { mass, bias, dtau_dv } = sweep_first_round(model, ws, q, v);
    let mut factor = mass.clone();
    ltdl_factor(&mut factor, ws.mass_sparsity()).map_err(|e| not_positive_definite(model, &mass, e))?;
    let mut ddq = tau - bias;
    ltdl_solve(&factor, ws.mass_sparsity(), &mut ddq);
    let dtau_dq = sweep_second_round(model, ws, &ddq);
    let (dddq_dq, dddq_dv, dddq_dtau) = solve_with_factor(&factor, ws.mass_sparsity(), &dtau_dq, &dtau_dv);
    Ok(AbaDerivatives { ddq, dddq_dq, dddq_dv, dddq_dtau, mass_matrix: mass })
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
    let (dddq_dq, dddq_dv, m_inv) = solve_with_factor(&factor, tree, &dtau_dq, &dtau_dv);
    Ok((dddq_dq, dddq_dv, m_inv))
}

/// [`solve_with_mass_matrix`] from `M`'s `LᵀDL` factor.
fn solve_with_factor<T: Scalar>(
    factor: &DMatrix<T>,
    tree: &TreeSparsity,
    dtau_dq: &DMatrix<T>,
    dtau_dv: &DMatrix<T>,
) -> (DMatrix<T>, DMatrix<T>, DMatrix<T>) {
    let m_inv = ltdl_inverse(factor, tree);
    let n = m_inv.nrows();
    let (mut dddq_dq, mut dddq_dv) = (DMatrix::zeros(n, n), DMatrix::zeros(n, n));
    let minus_one = -T::one();
    dddq_dq.gemm(minus_one, &m_inv, dtau_dq, T::zero());
    dddq_dv.gemm(minus_one, &m_inv, dtau_dv, T::zero());
    (dddq_dq, dddq_dv, m_inv)
}

/// The error for a mass matrix that cannot be factored, naming the joints that move no inertia at all (a zero
/// diagonal entry: a massless subtree on a joint without armature), if any.
fn not_positive_definite<T: Scalar>(model: &Multibody<T>, mass: &DMatrix<T>, e: Error) -> Error {
    let joints: Vec<&str> = model
        .joints
        .iter()
        .filter(|j| (j.v_index..j.v_index + j.kind.nv()).any(|k| crate::scalar::re(&mass[(k, k)]) <= 0.0))
        .map(|j| j.name.as_str())
        .collect();
    let culprit = if joints.is_empty() {
        "(a massless subtree?)".to_string()
    } else {
        format!("(joint(s) `{}` move no mass and have no armature)", joints.join("`, `"))
    };
    Error::Numerical(format!("the mass matrix of `{}` cannot be factored {culprit}: {e}", model.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::multibody::sample;
    use crate::spatial::Inertia;

    /// A massless lower rod on a joint without armature: `M` is singular, and the error names that joint.
    #[test]
    fn a_massless_subtree_is_named_in_the_error() {
        let mut model = sample::double_pendulum();
        model.inertias[1] = Inertia::zero();
        let elbow = model.joints[1].name.clone();
        let mut ws = MultibodyWorkspace::new(&model);
        let (q, v, tau) = (DVector::from_vec(vec![0.3, 0.2]), DVector::zeros(2), DVector::zeros(2));
        let err = aba_derivatives(&model, &mut ws, &q, &v, &tau).unwrap_err().to_string();
        assert!(err.contains(&format!("`{elbow}`")) && err.contains("no mass"), "{err}");
        // the healthy model factors
        let model = sample::double_pendulum();
        assert!(aba_derivatives(&model, &mut MultibodyWorkspace::new(&model), &q, &v, &tau).is_ok());
    }
}
