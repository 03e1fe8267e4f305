//! The Articulated-Body Algorithm.

use super::kinematics::{gravity_as_base_acceleration, joint_pose};
use super::ldlt::{ltdl_factor, ltdl_solve};
use super::MultibodyWorkspace;
use crate::model::{JointKind, Multibody};
use crate::scalar::{mat_mul, recip};
use crate::spatial::{Force, Motion};
use crate::{Result, Scalar};
use nalgebra::{DVector, Matrix3, Matrix6x3, Vector3, Vector6};

/// Articulated-Body Algorithm: forward dynamics, the joint accelerations produced by the torques `tau`.
///
/// Solves `M(q) a + b(q, v) = τ + Σ Jᵢᵀ fext_i` for `a` in O(n), without forming `M`. Joint armature is
/// included (as in [`rnea`](super::rnea) and [`crba`](super::crba)); damping, friction and limits are not (see
/// [`crate::sim::robot`]).
///
/// # Arguments
/// - `q`: configuration (`nq`); `v`: velocities (`nv`); `tau`: joint torques/forces (`nv`, N·m or N).
/// - `fext`: external wrenches, one per body in the body's own frame, or an empty slice.
///
/// # Returns
/// `a = q̈` (`nv`, rad/s² or m/s²).
///
/// # Errors
/// [`crate::Error::Numerical`] if an articulated inertia is not positive definite (a massless subtree on a
/// joint with no armature).
///
/// # Panics
/// If a vector has the wrong length or `fext` is neither empty nor one per body.
///
/// Reference: Featherstone 2008, §7.3 (Table 7.1).
///
/// ```
/// use diffphys::multibody::{aba, rnea, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let (q, v) = (DVector::from_vec(vec![0.3, -0.5]), DVector::from_vec(vec![1.0, 2.0]));
/// let tau = DVector::from_vec(vec![0.7, -0.2]);
/// let a = aba(&model, &mut ws, &q, &v, &tau, &[]).unwrap();
/// let back = rnea(&model, &mut ws, &q, &v, &a, &[]);
/// assert!((back - tau).norm() < 1e-12);
/// ```
#[doc(alias = "forward_dynamics")]
pub fn aba<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    tau: &DVector<T>,
    fext: &[Force<T>],
) -> Result<DVector<T>> {
    aba_with_armature(model, ws, q, v, tau, fext, &[])
}

/// [`aba`] with `extra_armature[i]` added to the joint armature of velocity coordinate `i` of every
/// one-degree-of-freedom and spherical joint (ignored on free joints; an empty slice adds nothing): solves
/// `(M(q) + diag(extra)) a = τ − b(q, v) + Σ Jᵢᵀ fext_i`.
///
/// With `extra = dt · D`, `D` the joint-space damping (`−∂τ/∂v` of the passive torques), this is the acceleration
/// of a step that takes the damping implicitly: `M (v' − v) / dt = f(q, v) − D (v' − v)` — what
/// [`crate::sim::robot`] does for semi-implicit Euler, so that stiff joint damping and friction on light links
/// stay stable.
///
/// # Errors
/// As [`aba`].
///
/// # Panics
/// As [`aba`], and if `extra_armature` is neither empty nor `nv` long.
pub fn aba_with_armature<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    tau: &DVector<T>,
    fext: &[Force<T>],
    extra_armature: &[T],
) -> Result<DVector<T>> {
    assert_eq!((q.len(), v.len(), tau.len()), (model.nq(), model.nv(), model.nv()), "aba: q needs nq, v and tau nv");
    assert!(fext.is_empty() || fext.len() == model.n_bodies(), "aba: fext needs one wrench per body or none");
    assert!(extra_armature.is_empty() || extra_armature.len() == model.nv(), "aba: extra armature needs nv entries");
    velocity_pass(model, ws, q, v, fext);
    inertia_pass(model, ws, tau, extra_armature)?;
    Ok(acceleration_pass(model, ws))
}

/// Body velocities, velocity-product accelerations, rigid-body inertias and bias forces, root to leaves.
fn velocity_pass<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    fext: &[Force<T>],
) {
    for i in 0..model.n_bodies() {
        let joint = &model.joints[i];
        let pose = joint_pose(model, i, q);
        let v_joint = joint.kind.motion(v.rows(joint.v_index, joint.kind.nv()));
        let velocity = match model.parent[i] {
            Some(p) => pose.inv_act_motion(&ws.velocity[p]) + v_joint.clone(),
            None => v_joint.clone(),
        };
        let inertia = &model.inertias[i];
        let mut bias = velocity.cross_force(&inertia.apply(&velocity));
        if let Some(f) = fext.get(i) {
            bias -= f;
        }
        ws.bias_acceleration[i] = velocity.cross_motion(&v_joint);
        ws.pose_parent[i] = pose;
        ws.velocity[i] = velocity;
        ws.articulated[i] = inertia.to_matrix();
        ws.force[i] = bias;
    }
}

/// Articulated inertias and bias forces, leaves to root.
fn inertia_pass<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    tau: &DVector<T>,
    extra_armature: &[T],
) -> Result<()> {
    for i in (0..model.n_bodies()).rev() {
        let joint = &model.joints[i];
        let bias = ws.force[i].to_vector();
        // What body i hands to its parent: the articulated inertia and bias force seen through the joint.
        let (handed_inertia, handed_bias) = match &joint.kind {
            JointKind::Free => {
                let mut factor = ws.articulated[i];
                ltdl_factor(&mut factor, &ws.dense_6).map_err(|e| massless(model, i, e))?;
                // Spatial order [angular; linear]; the joint's torque vector is [linear; angular].
                let v0 = joint.v_index;
                let tau_spatial = Vector6::from_fn(|k, _| tau[v0 + (k + 3) % 6]);
                ws.free_u[i] = tau_spatial - bias;
                ws.free_factor[i] = factor;
                // With S = 1, the articulated inertia passed on is zero and the bias is the joint wrench itself.
                (None, tau_spatial)
            }
            JointKind::Spherical => {
                // S = [1₃; 0]: U = I^A S is the angular columns, D = Sᵀ U + armature its upper block
                let v0 = joint.v_index;
                let u_block: Matrix6x3<T> = ws.articulated[i].fixed_columns::<3>(0).into_owned();
                let mut d: Matrix3<T> = u_block.fixed_rows::<3>(0).into_owned();
                for k in 0..3 {
                    d[(k, k)] += joint.armature;
                    if let Some(extra) = extra_armature.get(v0 + k) {
                        d[(k, k)] += *extra;
                    }
                }
                ltdl_factor(&mut d, &ws.dense_3).map_err(|e| massless(model, i, e))?;
                let u = Vector3::new(tau[v0], tau[v0 + 1], tau[v0 + 2]) - bias.fixed_rows::<3>(0);
                // D⁻¹ Uᵀ and D⁻¹ u from the factor
                let mut d_inv_ut = u_block.transpose();
                ltdl_solve(&d, &ws.dense_3, &mut d_inv_ut);
                let mut d_inv_u = u;
                ltdl_solve(&d, &ws.dense_3, &mut d_inv_u);
                let reduced = ws.articulated[i] - mat_mul(&u_block, &d_inv_ut);
                let c = ws.bias_acceleration[i].to_vector();
                let handed = bias + mat_mul(&reduced, &c) + mat_mul(&u_block, &d_inv_u);
                ws.ball_u[i] = u_block;
                ws.ball_factor[i] = d;
                ws.ball_torque[i] = u;
                (Some(reduced), handed)
            }
            _ => {
                let s = joint.kind.axis_motion().expect("one-dof joint").to_vector();
                let u_column = mat_mul(&ws.articulated[i], &s);
                let mut d = s.dot(&u_column) + joint.armature;
                if let Some(extra) = extra_armature.get(joint.v_index) {
                    d += *extra;
                }
                let pivot = crate::scalar::re(&d);
                if !super::ldlt::usable_pivot(pivot) {
                    return Err(massless(model, i, crate::Error::Numerical(format!("D = {pivot}"))));
                }
                let d_inv = recip(&d);
                let u = tau[joint.v_index] - s.dot(&bias);
                let reduced = ws.articulated[i] - mat_mul(&u_column, &(u_column * d_inv).transpose());
                let c = ws.bias_acceleration[i].to_vector();
                let handed = bias + mat_mul(&reduced, &c) + u_column * (d_inv * u);
                ws.u_column[i] = u_column;
                ws.d_inv[i] = d_inv;
                ws.u_torque[i] = u;
                (Some(reduced), handed)
            }
        };
        if let Some(p) = model.parent[i] {
            let pose = &ws.pose_parent[i];
            if let Some(reduced) = handed_inertia {
                let moved = pose.act_inertia_matrix(&reduced);
                ws.articulated[p] += moved;
            }
            let moved = pose.act_force(&Force::from_vector(&handed_bias));
            ws.force[p] += &moved;
        }
    }
    Ok(())
}

/// Joint and body accelerations, root to leaves.
fn acceleration_pass<T: Scalar>(model: &Multibody<T>, ws: &mut MultibodyWorkspace<T>) -> DVector<T> {
    let base = gravity_as_base_acceleration(model);
    let mut ddq = DVector::zeros(model.nv());
    for i in 0..model.n_bodies() {
        let joint = &model.joints[i];
        let parent_acceleration = match model.parent[i] {
            Some(p) => &ws.acceleration[p],
            None => &base,
        };
        let a_prime = ws.pose_parent[i].inv_act_motion(parent_acceleration) + ws.bias_acceleration[i].clone();
        let acceleration = match &joint.kind {
            JointKind::Free => {
                let mut a = ws.free_u[i];
                ltdl_solve(&ws.free_factor[i], &ws.dense_6, &mut a);
                let qdd = a - a_prime.to_vector();
                for k in 0..6 {
                    ddq[joint.v_index + (k + 3) % 6] = qdd[k];
                }
                Motion::from_vector(&a)
            }
            JointKind::Spherical => {
                let mut qdd = ws.ball_torque[i] - mat_mul(&ws.ball_u[i].transpose(), &a_prime.to_vector());
                ltdl_solve(&ws.ball_factor[i], &ws.dense_3, &mut qdd);
                for k in 0..3 {
                    ddq[joint.v_index + k] = qdd[k];
                }
                a_prime + Motion::new(qdd, nalgebra::Vector3::zeros())
            }
            _ => {
                let s = joint.kind.axis_motion().expect("one-dof joint");
                let qdd = (ws.u_torque[i] - ws.u_column[i].dot(&a_prime.to_vector())) * ws.d_inv[i];
                ddq[joint.v_index] = qdd;
                a_prime + s * qdd
            }
        };
        ws.acceleration[i] = acceleration;
    }
    ddq
}

fn massless<T: Scalar>(model: &Multibody<T>, body: usize, e: crate::Error) -> crate::Error {
    crate::Error::Numerical(format!(
        "articulated inertia of `{}.{}` is singular (massless subtree?): {e}",
        model.name, model.body_names[body]
    ))
}
