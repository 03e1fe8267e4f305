//! Frame Jacobians.

use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::{Error, Result, Scalar};
use nalgebra::{DVector, Matrix6xX};

/// The Jacobian of a frame: `[ω; ṗ] = J(q) v`, with `ω` the frame's angular velocity and `ṗ` the velocity of the
/// frame's origin, both in the root frame's axes (Pinocchio's `LOCAL_WORLD_ALIGNED`).
///
/// Runs [`forward_kinematics`](super::forward_kinematics) (with zero velocity) into `ws` first.
///
/// # Returns
/// `J` (`6 × nv`): rows `[ω; ṗ]`, columns in joint order; columns of joints off the frame's path to the root are
/// zero.
///
/// # Errors
/// [`Error::InvalidArgument`] if the model has no frame called `frame`.
///
/// # Panics
/// If `q` has the wrong length.
///
/// ```
/// use diffphys::multibody::{frame_jacobian, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let j = frame_jacobian(&model, &mut ws, &DVector::zeros(2), "lower").unwrap();
/// // Turning the shoulder at 1 rad/s about y moves the elbow, 1 m below it, at ŷ × (−ẑ) = −x̂ m/s.
/// assert!((j[(3, 0)] + 1.0).abs() < 1e-12);
/// assert_eq!(j[(3, 1)], 0.0); // the elbow's own joint does not move its origin
/// ```
pub fn frame_jacobian<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    frame: &str,
) -> Result<Matrix6xX<T>> {
    let f = model
        .frame(frame)
        .ok_or_else(|| Error::InvalidArgument(format!("model `{}` has no frame `{frame}`", model.name)))?;
    super::forward_kinematics(model, ws, q, &DVector::zeros(model.nv()));
    let mut jac = Matrix6xX::zeros(model.nv());
    let Some(body) = f.body else { return Ok(jac) };
    let origin = (&ws.pose_world[body] * &f.placement).translation;
    let mut j = Some(body);
    while let Some(b) = j {
        let joint = &model.joints[b];
        for k in 0..joint.kind.nv() {
            // Column k of S_b as a twist at the root origin, then as the velocity of the frame's origin.
            let twist = ws.pose_world[b].act_motion(&joint.kind.subspace_column(k));
            let point_velocity = twist.linear + twist.angular.cross(&origin);
            let col = joint.v_index + k;
            jac.fixed_view_mut::<3, 1>(0, col).copy_from(&twist.angular);
            jac.fixed_view_mut::<3, 1>(3, col).copy_from(&point_velocity);
        }
        j = model.parent[b];
    }
    Ok(jac)
}
