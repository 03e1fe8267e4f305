//! The Composite Rigid-Body Algorithm.

use super::kinematics::joint_pose;
use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::Scalar;
use nalgebra::{DMatrix, DVector};

/// Composite Rigid-Body Algorithm: the joint-space mass matrix `M(q)`.
///
/// `M(q)` is the matrix of the kinetic energy `T = ½ vᵀ M v`; joint armature is added to its diagonal. The full
/// symmetric matrix is returned (both triangles filled).
///
/// # Arguments
/// - `q`: configuration (`nq`).
///
/// # Returns
/// `M` (`nv × nv`, kg·m², kg·m or kg), symmetric positive definite for a physical model.
///
/// # Panics
/// If `q` has the wrong length.
///
/// Reference: Featherstone 2008, §6.2 (Table 6.2).
///
/// ```
/// use diffphys::multibody::{crba, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let m = crba(&model, &mut ws, &DVector::zeros(2));
/// // Straight down, unit rods of 1 kg: M₁₁ = 1/3 + (1/12 + 1.5²) = 8/3.
/// assert!((m[(0, 0)] - 8.0 / 3.0).abs() < 1e-5);
/// assert_eq!(m[(0, 1)], m[(1, 0)]);
/// ```
pub fn crba<T: Scalar>(model: &Multibody<T>, ws: &mut MultibodyWorkspace<T>, q: &DVector<T>) -> DMatrix<T> {
    assert_eq!(q.len(), model.nq(), "crba: q needs nq entries");
    composite_pass(model, ws, q);
    mass_matrix_pass(model, ws)
}

/// Composite inertias of every subtree, each in its own body frame, leaves to root.
fn composite_pass<T: Scalar>(model: &Multibody<T>, ws: &mut MultibodyWorkspace<T>, q: &DVector<T>) {
    for i in 0..model.n_bodies() {
        ws.pose_parent[i] = joint_pose(model, i, q);
        ws.composite[i] = model.inertias[i].clone();
    }
    for i in (0..model.n_bodies()).rev() {
        if let Some(p) = model.parent[i] {
            let moved = ws.composite[i].transformed(&ws.pose_parent[i]);
            ws.composite[p] = ws.composite[p].combined(&moved);
        }
    }
}

/// `M_ij = S_iᵀ X* I^c_j S_j` along the path from each body to the root.
fn mass_matrix_pass<T: Scalar>(model: &Multibody<T>, ws: &MultibodyWorkspace<T>) -> DMatrix<T> {
    let nv = model.nv();
    let mut m = DMatrix::zeros(nv, nv);
    for i in 0..model.n_bodies() {
        let joint = &model.joints[i];
        for k in 0..joint.kind.nv() {
            let row = joint.v_index + k;
            // F: the force needed to accelerate subtree i along column k of S_i, moved towards the root.
            let mut force = ws.composite[i].apply(&joint.kind.subspace_column(k));
            for kk in 0..=k {
                let value = joint.kind.subspace_column(kk).dot(&force);
                m[(joint.v_index + kk, row)] = value;
                m[(row, joint.v_index + kk)] = value;
            }
            m[(row, row)] += joint.armature;
            let mut j = i;
            while let Some(p) = model.parent[j] {
                force = ws.pose_parent[j].act_force(&force);
                j = p;
                let other = &model.joints[j];
                for kk in 0..other.kind.nv() {
                    let col = other.v_index + kk;
                    let value = other.kind.subspace_column(kk).dot(&force);
                    m[(col, row)] = value;
                    m[(row, col)] = value;
                }
            }
        }
    }
    m
}
