//! Analytic first derivatives of the Recursive Newton–Euler Algorithm.

use super::kinematics::gravity_as_base_acceleration;
use super::{rnea, MultibodyWorkspace};
use crate::model::Multibody;
use crate::spatial::{skew, Force, Motion, Transform};
use crate::Scalar;
use nalgebra::{DMatrix, DVector, Matrix3, Matrix6, Vector6};
use std::ops::AddAssign;

/// Derivatives of inverse dynamics: `∂τ/∂q` and `∂τ/∂v` of `τ = RNEA(q, v, a)` (no external forces).
///
/// Carpentier and Mansard's recursion, in the root frame: one forward pass collects every body's twist `V`,
/// acceleration `A` (gravity as an upward base acceleration), inertia `Y`, momentum `h = Y V`, net force
/// `F = Y A + V ×* h`, and for every velocity coordinate its axis `S` with `Ṡ = V × S`, the change of the
/// subtree's velocity relative to the moving joint `∂V = V_λ × S` and acceleration `∂A = A_λ × S + V_λ × ∂V`.
/// A perturbation of coordinate `k` rotates the subtree of `k` rigidly by `S_k` (which leaves the torques of the
/// subtree's joints unchanged, axes and forces turning together, and turns the force handed to the ancestors by
/// `S_k ×* F`) and changes its velocities and accelerations uniformly by `∂V`, `∂A`, which enter every body's
/// force through `Y` and through the velocity product, `B(V) δV = δV ×* h + V ×* Y δV − Y (V × δV)`. One backward
/// pass accumulates the subtree's composite `Y`, `B` and `F`; each entry of `∂τ/∂q`, `∂τ/∂v` is then one
/// 6-vector product, O(n · depth) in all. Generic over the scalar: run on dual numbers it gives second
/// derivatives. The test suite checks it against dual numbers pushed through [`rnea`].
///
/// # Arguments
/// - `q`: configuration (`nq`); `v`: velocities (`nv`); `a`: accelerations (`nv`).
///
/// # Returns
/// `(∂τ/∂q, ∂τ/∂v)`, both `nv × nv`; column `k` is the derivative along velocity coordinate `k` (for a free
/// joint, `q ⊕ δ e_k` in the tangent space, as [`Multibody::integrate`] moves it).
///
/// # Panics
/// If a vector has the wrong length.
///
/// Reference: Carpentier & Mansard, "Analytical derivatives of rigid body dynamics algorithms", RSS 2018.
///
/// ```
/// use diffphys::multibody::{rnea_derivatives, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let (dtau_dq, dtau_dv) = rnea_derivatives(&model, &mut ws, &DVector::zeros(2), &DVector::zeros(2), &DVector::zeros(2));
/// // Hanging straight down the gravity torque has slope m g ℓ_c summed over what each joint carries.
/// assert!((dtau_dq[(0, 0)] - 9.81 * (0.5 + 1.5)).abs() < 1e-12);
/// assert!(dtau_dv.norm() < 1e-15); // at rest, no velocity dependence to first order
/// ```
pub fn rnea_derivatives<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    a: &DVector<T>,
) -> (DMatrix<T>, DMatrix<T>) {
    rnea(model, ws, q, v, a, &[]);
    let (n, nv) = (model.n_bodies(), model.nv());
    let base = gravity_as_base_acceleration(model);
    // forward: root-frame quantities of every body and every coordinate
    let mut pose: Vec<Transform<T>> = Vec::with_capacity(n);
    let mut twist: Vec<Motion<T>> = Vec::with_capacity(n);
    let mut accel: Vec<Motion<T>> = Vec::with_capacity(n);
    let mut inertia: Vec<Matrix6<T>> = Vec::with_capacity(n);
    let mut variation: Vec<Matrix6<T>> = Vec::with_capacity(n);
    let mut force: Vec<Force<T>> = Vec::with_capacity(n);
    let mut axis = vec![Motion::<T>::zero(); nv];
    let mut dv_dq = vec![Motion::<T>::zero(); nv];
    let mut da_dq = vec![Motion::<T>::zero(); nv];
    let mut da_dv = vec![Motion::<T>::zero(); nv];
    for i in 0..n {
        let x = match model.parent[i] {
            Some(p) => &pose[p] * &ws.pose_parent[i],
            None => ws.pose_parent[i].clone(),
        };
        let ov = x.act_motion(&ws.velocity[i]);
        let oa = x.act_motion(&ws.acceleration[i]);
        let y = x.act_inertia_matrix(&model.inertias[i].to_matrix());
        let h = Force::from_vector(&(y * ov.to_vector()));
        force.push(Force::from_vector(&(y * oa.to_vector())) + ov.cross_force(&h));
        variation.push(velocity_product_matrix(&y, &ov, &h));
        let (parent_twist, parent_accel) = match model.parent[i] {
            Some(p) => (twist[p].clone(), accel[p].clone()),
            None => (Motion::zero(), base.clone()),
        };
        let joint = &model.joints[i];
        for k in 0..joint.kind.nv() {
            let c = joint.v_index + k;
            let s = x.act_motion(&joint.kind.subspace_column(k));
            let dv = parent_twist.cross_motion(&s);
            da_dq[c] = parent_accel.cross_motion(&s) + parent_twist.cross_motion(&dv);
            da_dv[c] = ov.cross_motion(&s) + dv.clone();
            dv_dq[c] = dv;
            axis[c] = s;
        }
        pose.push(x);
        twist.push(ov);
        accel.push(oa);
        inertia.push(y);
    }
    // backward: composites of the subtrees and the entries
    let mut df_da = vec![Vector6::<T>::zeros(); nv];
    let mut dyt_j = vec![Vector6::<T>::zeros(); nv];
    let mut df_dq = vec![Force::<T>::zero(); nv];
    let mut df_dv = vec![Force::<T>::zero(); nv];
    let mut dtau_dq = DMatrix::zeros(nv, nv);
    let mut dtau_dv = DMatrix::zeros(nv, nv);
    for i in (0..n).rev() {
        let joint = &model.joints[i];
        let own = joint.v_index..joint.v_index + joint.kind.nv();
        let (y, b) = (&inertia[i], &variation[i]);
        for c in own.clone() {
            let s = axis[c].to_vector();
            df_da[c] = y * s;
            dyt_j[c] = b.tr_mul(&s);
            df_dq[c] = Force::from_vector(&(b * dv_dq[c].to_vector() + y * da_dq[c].to_vector()));
            df_dv[c] = Force::from_vector(&(b * s + y * da_dv[c].to_vector()));
        }
        for r in own.clone() {
            for &c in &ws.subtree_coordinates[i] {
                dtau_dq[(r, c)] = axis[r].dot(&df_dq[c]);
                dtau_dv[(r, c)] = axis[r].dot(&df_dv[c]);
            }
        }
        for &r in ws.subtree_coordinates[i].iter().filter(|&&r| !own.contains(&r)) {
            for c in own.clone() {
                let pair = |m: &Motion<T>| -> T { df_da[r].dot(&m.to_vector()) };
                dtau_dq[(r, c)] = pair(&da_dq[c]) + dyt_j[r].dot(&dv_dq[c].to_vector());
                dtau_dv[(r, c)] = pair(&da_dv[c]) + dyt_j[r].dot(&axis[c].to_vector());
            }
        }
        // what the ancestors see: the subtree's force turning with the coordinate
        for c in own {
            df_dq[c] += &axis[c].cross_force(&force[i]);
        }
        if let Some(p) = model.parent[i] {
            let (yi, bi, fi) = (inertia[i], variation[i], force[i].clone());
            inertia[p] += yi;
            variation[p] += bi;
            force[p] += &fi;
        }
    }
    (dtau_dq, dtau_dv)
}

/// `B(V)`, the matrix of `δV ↦ δV ×* h + V ×* Y δV − Y (V × δV)` (`[angular; linear]` order), with `h = Y V`:
/// the change of a body's force `Y A + V ×* Y V` when its twist changes by `δV` and its acceleration by
/// `δV × V` (the part of `δA` that varies along a subtree moved by one coordinate).
fn velocity_product_matrix<T: Scalar>(y: &Matrix6<T>, twist: &Motion<T>, h: &Force<T>) -> Matrix6<T> {
    let (w, u) = (skew(&twist.angular), skew(&twist.linear));
    let mut motion_cross = Matrix6::zeros();
    motion_cross.fixed_view_mut::<3, 3>(0, 0).copy_from(&w);
    motion_cross.fixed_view_mut::<3, 3>(3, 3).copy_from(&w);
    motion_cross.fixed_view_mut::<3, 3>(3, 0).copy_from(&u);
    // V ×* = −(V ×)ᵀ
    let force_cross = -motion_cross.transpose();
    let mut out = force_cross * y - y * motion_cross;
    let (n, f): (Matrix3<T>, Matrix3<T>) = (skew(&h.angular), skew(&h.linear));
    // δV ×* h = (−[n]× δω − [f]× δv, −[f]× δω)
    out.fixed_view_mut::<3, 3>(0, 0).add_assign(&(-n));
    out.fixed_view_mut::<3, 3>(0, 3).add_assign(&(-f));
    out.fixed_view_mut::<3, 3>(3, 0).add_assign(&(-f));
    out
}
