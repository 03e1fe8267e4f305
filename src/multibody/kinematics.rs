//! Forward kinematics: placements and velocities of every body.

use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::spatial::{Motion, Transform};
use crate::Scalar;
use nalgebra::{DVector, Vector3};

/// Forward kinematics: the placement of every body in the root frame and its twist in its own frame.
///
/// `pose_world[i] = pose_world[parent] · placement_i · X_J(q_i)`, `v_i = X⁻¹ v_parent + S_i q̇_i`. The results
/// stay in `ws` ([`MultibodyWorkspace::pose_world`], [`MultibodyWorkspace::velocity_body`]).
///
/// # Arguments
/// - `q`: configuration (`nq`), `v`: joint velocities (`nv`), in joint order.
///
/// # Panics
/// If `q` or `v` have the wrong length.
///
/// Reference: Featherstone 2008, §4.
///
/// ```
/// use diffphys::multibody::{forward_kinematics, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let q = DVector::from_vec(vec![std::f64::consts::FRAC_PI_2, 0.0]);
/// forward_kinematics(&model, &mut ws, &q, &DVector::zeros(2));
/// // The shoulder turned the arm by 90° about y: the elbow (1 m down the upper rod) is now at x = −1.
/// let elbow = ws.pose_world(1).translation;
/// assert!((elbow.x + 1.0).abs() < 1e-12 && elbow.z.abs() < 1e-12);
/// ```
pub fn forward_kinematics<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
) {
    assert_eq!((q.len(), v.len()), (model.nq(), model.nv()), "forward_kinematics: q needs nq entries, v nv");
    for i in 0..model.n_bodies() {
        let joint = &model.joints[i];
        let pose = joint_pose(model, i, q);
        let v_joint = joint.kind.motion(v.rows(joint.v_index, joint.kind.nv()));
        let (pose_world, velocity) = match model.parent[i] {
            Some(p) => (&ws.pose_world[p] * &pose, pose.inv_act_motion(&ws.velocity[p]) + v_joint),
            None => (pose.clone(), v_joint),
        };
        ws.pose_parent[i] = pose;
        ws.pose_world[i] = pose_world;
        ws.velocity[i] = velocity;
    }
}

/// `placement_i · X_J(q_i)`: the placement of body `i` in its parent's frame.
#[inline]
pub(crate) fn joint_pose<T: Scalar>(model: &Multibody<T>, i: usize, q: &DVector<T>) -> Transform<T> {
    let joint = &model.joints[i];
    &joint.placement * &joint.kind.joint_transform(q.rows(joint.q_index, joint.kind.nq()))
}

/// The base acceleration that stands for gravity: the root accelerates upwards at `−g`.
#[inline]
pub(crate) fn gravity_as_base_acceleration<T: Scalar>(model: &Multibody<T>) -> Motion<T> {
    Motion::new(Vector3::zeros(), -model.gravity)
}

/// The placement of the named frame in the root frame, from the last kinematics pass in `ws`.
///
/// # Errors
/// [`crate::Error::InvalidArgument`] if the model has no frame of that name.
pub fn frame_pose_world<T: Scalar>(
    model: &Multibody<T>,
    ws: &MultibodyWorkspace<T>,
    frame: &str,
) -> crate::Result<Transform<T>> {
    let f = model
        .frame(frame)
        .ok_or_else(|| crate::Error::InvalidArgument(format!("model `{}` has no frame `{frame}`", model.name)))?;
    Ok(match f.body {
        Some(b) => &ws.pose_world[b] * &f.placement,
        None => f.placement.clone(),
    })
}
