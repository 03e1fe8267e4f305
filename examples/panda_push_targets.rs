//! Writes `scenes/panda_push_targets.csv`, the joint-space PD targets of the Panda push (`scenes/panda_push.toml`):
//! the hand's centre point (`panda_hand_tcp`) follows straight segments, fingers down, through Cartesian waypoints:
//! up from the ready pose, down behind the cube, a 0.29 m sweep along +x at 0.41 m/s that stops short, so that the
//! cube slides on by itself (how far shows its friction), and a hold. Joint angles come from damped least squares
//! on the TCP's frame Jacobian, every 50 ms.
//!
//! ```sh
//! cargo run --release --example panda_push_targets
//! ```

use diffphys::io::load_urdf;
use diffphys::multibody::{frame_jacobian, frame_pose_world, MultibodyWorkspace};
use nalgebra::{DVector, Matrix3, Vector3, Vector6};
use std::fmt::Write;
use std::path::Path;

/// Damped least squares from `q`: the joint angles that put `panda_hand_tcp` at `target`, fingers down.
fn inverse_kinematics(
    model: &diffphys::model::Multibody<f64>,
    ws: &mut MultibodyWorkspace<f64>,
    mut q: DVector<f64>,
    target: &Vector3<f64>,
) -> diffphys::Result<DVector<f64>> {
    let down = Matrix3::new(1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, -1.0);
    for _ in 0..200 {
        let jac = frame_jacobian(model, ws, &q, "panda_hand_tcp")?;
        let pose = frame_pose_world(model, ws, "panda_hand_tcp")?;
        let mut rotation_error = Vector3::zeros();
        for k in 0..3 {
            rotation_error += 0.5 * pose.rotation.column(k).cross(&down.column(k));
        }
        let error = Vector6::new(
            rotation_error.x,
            rotation_error.y,
            rotation_error.z,
            target.x - pose.translation.x,
            target.y - pose.translation.y,
            target.z - pose.translation.z,
        );
        if error.norm() < 1e-10 {
            return Ok(q);
        }
        // only the seven arm joints move; the fingers keep their opening
        let arm = jac.columns(0, 7).into_owned();
        let damped = &arm * arm.transpose() + nalgebra::Matrix6::identity() * 1e-6;
        let step = arm.transpose() * damped.try_inverse().expect("damped: invertible") * error;
        for k in 0..7 {
            q[k] += step[k];
        }
    }
    Err(diffphys::Error::Numerical(format!("IK did not converge for {target}")))
}

fn main() -> diffphys::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = load_urdf(&root.join("scenes/robots/panda_collision.urdf"))?;
    let mut ws = MultibodyWorkspace::new(&model);
    let ready = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785, 0.02, 0.02];
    let mut q = DVector::from_row_slice(&ready);
    diffphys::multibody::forward_kinematics(&model, &mut ws, &q, &DVector::zeros(9));
    let tcp0 = frame_pose_world(&model, &ws, "panda_hand_tcp")?.translation;
    // (time in s, TCP position in m): the cube (0.1 m) sits at x = 0.5 on the ground
    let waypoints = [
        (0.0, tcp0),
        (1.0, Vector3::new(0.33, 0.0, 0.25)),
        (2.0, Vector3::new(0.33, 0.0, 0.06)),
        (2.45, Vector3::new(0.62, 0.0, 0.06)),
        (2.7, Vector3::new(0.52, 0.0, 0.06)),
        (3.1, Vector3::new(0.52, 0.0, 0.3)),
        (4.5, Vector3::new(0.52, 0.0, 0.3)),
    ];
    let names: Vec<&str> = model.joints.iter().map(|j| j.name.as_str()).collect();
    let mut csv = format!("t,{}\n", names.join(","));
    let dt = 0.05;
    let mut t: f64 = 0.0;
    while t <= waypoints.last().unwrap().0 + 1e-9 {
        let k = waypoints.iter().rposition(|w| w.0 <= t + 1e-9).unwrap().min(waypoints.len() - 2);
        let ((t0, p0), (t1, p1)) = (waypoints[k], waypoints[k + 1]);
        let s = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
        let target = p0 + (p1 - p0) * s;
        q = inverse_kinematics(&model, &mut ws, q, &target)?;
        write!(csv, "{t:.3}").unwrap();
        for v in q.iter() {
            write!(csv, ",{v:.6}").unwrap();
        }
        csv.push('\n');
        t += dt;
    }
    let out = root.join("scenes/panda_push_targets.csv");
    std::fs::write(&out, csv).map_err(|source| diffphys::Error::Io { path: out.clone(), source })?;
    println!("wrote {}", out.display());
    Ok(())
}
