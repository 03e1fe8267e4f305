//! Frame Jacobians.

use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::spatial::Motion;
use crate::{Error, Result, Scalar};
use nalgebra::{DVector, Matrix3xX, Matrix6xX, Vector3};

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
    for_each_column(model, ws, body, |col, twist| {
        let point_velocity = twist.linear + twist.angular.cross(&origin);
        jac.fixed_view_mut::<3, 1>(0, col).copy_from(&twist.angular);
        jac.fixed_view_mut::<3, 1>(3, col).copy_from(&point_velocity);
    });
    Ok(jac)
}

/// The Jacobian of the velocity of a point attached to `body`, at `point` (root frame, m): `ṗ = J v`, in the
/// root frame's axes (`3 × nv`). Uses the placements of the last kinematics pass in `ws`.
///
/// # Panics
/// If `body` is not a body of `model`.
///
/// ```
/// use diffphys::multibody::{forward_kinematics, point_jacobian, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::{DVector, Vector3};
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// forward_kinematics(&model, &mut ws, &DVector::zeros(2), &DVector::zeros(2));
/// // the lower rod's tip, 2 m below the shoulder: both hinges (about y) move it along −x
/// let j = point_jacobian(&model, &ws, 1, &Vector3::new(0.0, 0.0, -2.0));
/// assert!((j[(0, 0)] + 2.0).abs() < 1e-12 && (j[(0, 1)] + 1.0).abs() < 1e-12);
/// ```
pub fn point_jacobian<T: Scalar>(
    model: &Multibody<T>,
    ws: &MultibodyWorkspace<T>,
    body: usize,
    point: &Vector3<T>,
) -> Matrix3xX<T> {
    let mut jac = Matrix3xX::zeros(model.nv());
    for_each_column(model, ws, body, |col, twist| {
        jac.set_column(col, &(twist.linear + twist.angular.cross(point)));
    });
    jac
}

/// Calls `f(column, twist)` for every velocity coordinate on the path from `body` to the root: the twist that a
/// unit velocity of that coordinate gives the body, at the root origin in root axes.
fn for_each_column<T: Scalar>(
    model: &Multibody<T>,
    ws: &MultibodyWorkspace<T>,
    body: usize,
    mut f: impl FnMut(usize, Motion<T>),
) {
    let mut j = Some(body);
    while let Some(b) = j {
        let joint = &model.joints[b];
        for k in 0..joint.kind.nv() {
            f(joint.v_index + k, ws.pose_world[b].act_motion(&joint.kind.subspace_column(k)));
        }
        j = model.parent[b];
    }
}
