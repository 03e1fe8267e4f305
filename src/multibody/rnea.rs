//! The Recursive Newton–Euler Algorithm.

use super::kinematics::{gravity_as_base_acceleration, joint_pose};
use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::spatial::{Force, Motion};
use crate::Scalar;
use nalgebra::DVector;

/// Recursive Newton–Euler Algorithm: inverse dynamics, the joint torques that produce the accelerations `a`.
///
/// `τ = M(q) a + b(q, v) − Σ Jᵢᵀ fext_i`, with `b` the Coriolis, centrifugal and gravity terms. Joint armature
/// contributes `armature · a`; damping and friction are not part of the rigid-body dynamics (see
/// [`crate::sim::robot`]).
///
/// # Arguments
/// - `q`: configuration (`nq`); `v`: velocities (`nv`, rad/s or m/s); `a`: accelerations (`nv`).
/// - `fext`: external wrenches on the bodies, one per body in the body's own frame (N·m, N), or an empty slice.
///
/// # Returns
/// `τ` (`nv`, N·m or N).
///
/// # Panics
/// If a vector has the wrong length or `fext` is neither empty nor one per body.
///
/// Reference: Featherstone 2008, §5.3 (Table 5.1).
///
/// ```
/// use diffphys::multibody::{rnea, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// // Holding both rods horizontal (q = 90°, 0) costs m g (l/2 + l + l/2) = 2 · 9.81 N·m at the shoulder.
/// let q = DVector::from_vec(vec![std::f64::consts::FRAC_PI_2, 0.0]);
/// let tau = rnea(&model, &mut ws, &q, &DVector::zeros(2), &DVector::zeros(2), &[]);
/// assert!((tau[0].abs() - 2.0 * 9.81).abs() < 1e-12);
/// ```
#[doc(alias = "inverse_dynamics")]
pub fn rnea<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    a: &DVector<T>,
    fext: &[Force<T>],
) -> DVector<T> {
    assert_eq!((q.len(), v.len(), a.len()), (model.nq(), model.nv(), model.nv()), "rnea: q needs nq, v and a nv");
    assert!(fext.is_empty() || fext.len() == model.n_bodies(), "rnea: fext needs one wrench per body or none");
    forward_pass(model, ws, q, v, a, fext);
    backward_pass(model, ws, a)
}

/// Velocities, accelerations and the net force of each body, root to leaves.
fn forward_pass<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    a: &DVector<T>,
    fext: &[Force<T>],
) {
    let base = gravity_as_base_acceleration(model);
    for i in 0..model.n_bodies() {
        let joint = &model.joints[i];
        let nv = joint.kind.nv();
        let pose = joint_pose(model, i, q);
        let v_joint = joint.kind.motion(v.rows(joint.v_index, nv));
        let a_joint = joint.kind.motion(a.rows(joint.v_index, nv));
        let (v_parent, a_parent) = match model.parent[i] {
            Some(p) => (pose.inv_act_motion(&ws.velocity[p]), pose.inv_act_motion(&ws.acceleration[p])),
            None => (Motion::zero(), pose.inv_act_motion(&base)),
        };
        let velocity = v_parent + v_joint.clone();
        let acceleration = a_parent + a_joint + velocity.cross_motion(&v_joint);
        let inertia = &model.inertias[i];
        let mut force = inertia.apply(&acceleration) + velocity.cross_force(&inertia.apply(&velocity));
        if let Some(f) = fext.get(i) {
            force -= f;
        }
        ws.pose_parent[i] = pose;
        ws.velocity[i] = velocity;
        ws.acceleration[i] = acceleration;
        ws.force[i] = force;
    }
}

/// Joint torques and the forces handed to the parents, leaves to root.
fn backward_pass<T: Scalar>(model: &Multibody<T>, ws: &mut MultibodyWorkspace<T>, a: &DVector<T>) -> DVector<T> {
    let mut tau = DVector::zeros(model.nv());
    for i in (0..model.n_bodies()).rev() {
        let joint = &model.joints[i];
        let nv = joint.kind.nv();
        joint.kind.project_force(&ws.force[i], tau.rows_mut(joint.v_index, nv));
        for k in joint.v_index..joint.v_index + nv {
            tau[k] += joint.armature * a[k];
        }
        if let Some(p) = model.parent[i] {
            let to_parent = ws.pose_parent[i].act_force(&ws.force[i]);
            ws.force[p] += &to_parent;
        }
    }
    tau
}
