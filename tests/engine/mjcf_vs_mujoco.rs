//! MJCF models read by `io::load_mjcf` against MuJoCo 4.0 itself (`tests/data/mjcf/`, values written by its
//! `make_reference.py`): at five seeded states per model, the mass matrix equals `mj_fullM` and the accelerations
//! under the stored applied, actuator and passive forces equal `qacc` from `mj_forward` (contacts, limits and
//! friction loss off), to 1e-9 relative. Models: four written by MuJoCo's URDF importer from the URDFs we ship
//! (UR5, Panda, Go2 on a free joint, a double pendulum) and hand-written ones for body frames (quat, euler with
//! three Euler sequences, axisangle, degrees and radians, welded bodies), inertia from geoms (sphere, box,
//! capsule, cylinder, `fromto`, density and mass, `inertiafromgeom` auto and true, `fullinertia`), default classes
//! and `childclass`, every joint type (ball included) with damping and armature, joint anchors, motor and position
//! actuators (their joint forces equal `qfrc_actuator`) and several free bodies. The bodies' named frames are where MuJoCo puts them (`body_xpos`,
//! `body_xquat`), joint anchors included.
//!
//! The coordinates differ for free joints and are converted: MuJoCo's `qpos` quaternion is `w x y z` (ours
//! `x y z w`), its `qvel` linear part is in the world frame (ours in the body frame), so `qvel = T v` with
//! `T = R` on those three rows, `M_ours = Tᵀ M T`, `τ_ours = Tᵀ τ`, and MuJoCo's linear acceleration is
//! `R (a + ω × v)` of ours. A ball joint's quaternion is reordered the same way; its `qvel` is ours.

use diffphys::io::load_mjcf;
use diffphys::model::{JointKind, Multibody};
use diffphys::multibody::{aba, crba, forward_kinematics, frame_pose_world, MultibodyWorkspace};
use nalgebra::{DMatrix, DVector, Matrix3, Quaternion, UnitQuaternion, Vector3};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mjcf")
}

fn reference(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data().join(format!("{name}.json"))).unwrap()).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn matrix(v: &Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(numbers).collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// A state in our coordinates, and `T` (MuJoCo's `qvel = T v`).
struct Converted {
    q: DVector<f64>,
    v: DVector<f64>,
    t: DMatrix<f64>,
    /// (our v index, MuJoCo dof index, R) of each free joint.
    free: Vec<(usize, usize, Matrix3<f64>)>,
    /// MuJoCo dof index of each of our velocity coordinates.
    dof: Vec<usize>,
}

fn convert(model: &Multibody<f64>, joints: &[Value], qpos: &[f64], qvel: &[f64]) -> Converted {
    let (nq, nv) = (model.nq(), model.nv());
    let mut c = Converted {
        q: DVector::zeros(nq),
        v: DVector::zeros(nv),
        t: DMatrix::zeros(nv, nv),
        free: Vec::new(),
        dof: vec![usize::MAX; nv],
    };
    for joint in &model.joints {
        let r = joints.iter().find(|j| j["name"] == joint.name.as_str()).unwrap_or_else(|| panic!("{}", joint.name));
        let (qa, da) = (r["qposadr"].as_u64().unwrap() as usize, r["dofadr"].as_u64().unwrap() as usize);
        let (qi, vi) = (joint.q_index, joint.v_index);
        match joint.kind {
            JointKind::Free => {
                let p = &qpos[qa..qa + 7];
                let rot = UnitQuaternion::from_quaternion(Quaternion::new(p[3], p[4], p[5], p[6]));
                let rm = *rot.to_rotation_matrix().matrix();
                c.q.rows_mut(qi, 7).copy_from_slice(&[p[0], p[1], p[2], rot.i, rot.j, rot.k, rot.w]);
                let v_world = Vector3::new(qvel[da], qvel[da + 1], qvel[da + 2]);
                let v_body = rm.transpose() * v_world;
                c.v.rows_mut(vi, 3).copy_from(&v_body);
                c.v.rows_mut(vi + 3, 3).copy_from_slice(&qvel[da + 3..da + 6]);
                c.t.view_mut((da, vi), (3, 3)).copy_from(&rm);
                for k in 0..3 {
                    c.t[(da + 3 + k, vi + 3 + k)] = 1.0;
                }
                for k in 0..6 {
                    c.dof[vi + k] = da + k;
                }
                c.free.push((vi, da, rm));
            }
            JointKind::Spherical => {
                // qpos w x y z → ours x y z w; qvel is the body-frame ω in both
                let p = &qpos[qa..qa + 4];
                c.q.rows_mut(qi, 4).copy_from_slice(&[p[1], p[2], p[3], p[0]]);
                c.v.rows_mut(vi, 3).copy_from_slice(&qvel[da..da + 3]);
                for k in 0..3 {
                    c.t[(da + k, vi + k)] = 1.0;
                    c.dof[vi + k] = da + k;
                }
            }
            _ => {
                c.q[qi] = qpos[qa];
                c.v[vi] = qvel[da];
                c.t[(da, vi)] = 1.0;
                c.dof[vi] = da;
            }
        }
    }
    assert!(c.dof.iter().all(|&d| d < nv), "every velocity coordinate maps to a MuJoCo dof");
    c
}

fn relative(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    (a - b).abs().max() / b.abs().max().max(1.0)
}

fn check_model(name: &str) {
    let mjcf = load_mjcf(&data().join(format!("{name}.xml"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let model = &mjcf.multibody;
    let r = reference(name);
    assert_eq!(model.nv(), r["nv"].as_u64().unwrap() as usize, "{name}: nv");
    let free = model.joints.iter().filter(|j| matches!(j.kind, JointKind::Free)).count();
    assert_eq!(model.nq(), r["nq"].as_u64().unwrap() as usize, "{name}: nq ({free} free joints)");
    let gravity = numbers(&r["gravity"]);
    assert_eq!(model.gravity, Vector3::new(gravity[0], gravity[1], gravity[2]), "{name}: gravity");
    let joints = r["joints"].as_array().unwrap();
    let mut ws = MultibodyWorkspace::new(model);
    for (s, state) in r["states"].as_array().unwrap().iter().enumerate() {
        let c = convert(model, joints, &numbers(&state["qpos"]), &numbers(&state["qvel"]));
        let m_ref = matrix(&state["M"]);
        let m = crba(model, &mut ws, &c.q);
        let expected = c.t.transpose() * &m_ref * &c.t;
        let e = relative(&m, &expected);
        assert!(e < 1e-9, "{name} state {s}: mass matrix differs by {e:e} (relative)\nours {m}\nMuJoCo's {expected}");
        let force: Vec<f64> = ["qfrc_applied", "qfrc_actuator", "qfrc_passive"]
            .iter()
            .map(|k| numbers(&state[*k]))
            .fold(vec![0.0; model.nv()], |acc, f| acc.iter().zip(&f).map(|(a, b)| a + b).collect());
        let tau = c.t.transpose() * DVector::from_vec(force);
        let a = aba(model, &mut ws, &c.q, &c.v, &tau, &[]).unwrap();
        // ours in MuJoCo's coordinates
        let mut qacc = DVector::zeros(model.nv());
        for (i, &d) in c.dof.iter().enumerate() {
            qacc[d] = a[i];
        }
        for &(vi, da, rm) in &c.free {
            let (lin, w, v) = (a.fixed_rows::<3>(vi), c.v.fixed_rows::<3>(vi + 3), c.v.fixed_rows::<3>(vi));
            qacc.rows_mut(da, 3).copy_from(&(rm * (lin + w.cross(&v))));
        }
        let qacc_ref = DVector::from_vec(numbers(&state["qacc"]));
        let e = (&qacc - &qacc_ref).abs().max() / qacc_ref.abs().max().max(1.0);
        assert!(
            e < 1e-9,
            "{name} state {s}: accelerations differ by {e:e} (relative)\nours {qacc}\nMuJoCo's {qacc_ref}"
        );
    }
}

#[test]
fn models_written_by_mujoco_from_our_urdfs_have_its_mass_matrix_and_accelerations() {
    for name in ["double_pendulum", "ur5", "panda", "go2"] {
        check_model(name);
    }
}

#[test]
fn body_frames_euler_sequences_and_angle_units_are_read_as_mujoco_reads_them() {
    for name in ["frames", "frames_radian", "frames_eulerseq"] {
        check_model(name);
    }
}

#[test]
fn inertias_from_geoms_are_mujocos() {
    for name in ["geoms_inertia", "geoms_inertia_true"] {
        check_model(name);
    }
}

#[test]
fn default_classes_actuated_models_and_free_bodies_read_as_mujoco_reads_them() {
    for name in ["defaults", "actuators", "contact"] {
        check_model(name);
    }
    // a free body's pos and orientation are its initial pose, MuJoCo's qpos0 (not a placement: `q` is the pose)
    let mjcf = load_mjcf(&data().join("contact.xml")).unwrap();
    let r = reference("contact");
    for joint in mjcf.multibody.joints.iter().filter(|j| matches!(j.kind, JointKind::Free)) {
        let rj = r["joints"].as_array().unwrap().iter().find(|j| j["name"] == joint.name.as_str()).unwrap();
        let body = r["bodies"].as_array().unwrap().iter().find(|b| b["name"] == rj["body"]).unwrap();
        let (pos, quat) = (numbers(&body["pos"]), numbers(&body["quat"]));
        let expected = [pos[0], pos[1], pos[2], quat[1], quat[2], quat[3], quat[0]];
        let got = mjcf.q0.rows(joint.q_index, 7);
        let sign = if got[6] * expected[6] < 0.0 { -1.0 } else { 1.0 };
        for k in 0..7 {
            let e = if k < 3 { expected[k] } else { sign * expected[k] };
            assert!((got[k] - e).abs() < 1e-12, "{}: q0 {got} against MuJoCo's body pose {expected:?}", joint.name);
        }
    }
}

#[test]
fn motor_and_position_actuators_give_mujocos_actuator_forces() {
    // gears (a negative one), kp with and without kv, clamped controls, two actuators on one joint
    let mjcf = load_mjcf(&data().join("actuators.xml")).unwrap();
    assert_eq!(mjcf.actuators.len(), 5);
    assert!(!mjcf.ignored.iter().any(|i| i.starts_with("actuator")), "{:?}", mjcf.ignored);
    let model = &mjcf.multibody;
    let r = reference("actuators");
    for (s, state) in r["states"].as_array().unwrap().iter().enumerate() {
        let c = convert(model, r["joints"].as_array().unwrap(), &numbers(&state["qpos"]), &numbers(&state["qvel"]));
        // MuJoCo's ctrl, and the same pushed outside every range (clamped back by both)
        for scale in [1.0, 3.0] {
            let ctrl: Vec<f64> = numbers(&state["ctrl"]).iter().map(|u| u * scale).collect();
            let tau = mjcf.actuator_forces(&ctrl, &c.q, &c.v).unwrap();
            if scale == 1.0 {
                let expected = DVector::from_vec(numbers(&state["qfrc_actuator"]));
                let e = (&tau - &expected).amax() / expected.amax().max(1.0);
                assert!(e < 1e-12, "state {s}: {tau} against MuJoCo's {expected}");
            } else {
                let unclamped = DVector::from_vec(numbers(&state["qfrc_actuator"]));
                // the motor on the unlimited shoulder scales, the clamped ones do not grow past their range
                assert!((tau[1] - 3.0 * unclamped[1]).abs() < 1e-9 * unclamped[1].abs().max(1.0));
                assert!(tau[0].abs() <= 50.0 + 1e-9, "slider motor clamped to |ctrl| ≤ 1 (gear 50): {}", tau[0]);
            }
        }
    }
    let e = mjcf.actuator_forces(&[0.0; 4], &mjcf.q0, &DVector::zeros(model.nv())).unwrap_err().to_string();
    assert!(e.contains("5 actuators"), "{e}");
    let bad = "<mujoco><worldbody><body><joint name='j'/><geom size='.1'/></body></worldbody>\
               <actuator><motor joint='k'/></actuator></mujoco>";
    let e = diffphys::io::parse_mjcf(bad).unwrap_err().to_string();
    assert!(e.contains("<motor>") && e.contains("`k`"), "{e}");
}

#[test]
fn every_joint_type_with_anchors_armature_and_damping_is_mujocos() {
    check_model("joints");
    let mjcf = load_mjcf(&data().join("joints.xml")).unwrap();
    let spherical = mjcf.multibody.joints.iter().filter(|j| matches!(j.kind, JointKind::Spherical)).count();
    assert_eq!(spherical, 2);
    assert!(mjcf.ignored.iter().any(|i| i.contains("cone limit")), "a ball's range is listed: {:?}", mjcf.ignored);
    let free_armature =
        "<mujoco><worldbody><body><freejoint armature='0.1'/><geom size='0.1'/></body></worldbody></mujoco>";
    let listed = diffphys::io::parse_mjcf(free_armature).unwrap().ignored;
    assert!(listed.iter().any(|i| i == "joint@armature (on a free joint)"), "{listed:?}");
    // the bodies' named frames at MuJoCo's body poses: joint anchors (`pos`) put the model's body frame at the
    // anchor, and the body's name at the MJCF body origin
    let model = &mjcf.multibody;
    let r = reference("joints");
    let mut ws = MultibodyWorkspace::new(model);
    for state in r["states"].as_array().unwrap() {
        let c = convert(model, r["joints"].as_array().unwrap(), &numbers(&state["qpos"]), &numbers(&state["qvel"]));
        forward_kinematics(model, &mut ws, &c.q, &c.v);
        let (xpos, xquat) = (state["body_xpos"].as_array().unwrap(), state["body_xquat"].as_array().unwrap());
        for (b, body) in r["bodies"].as_array().unwrap().iter().enumerate().skip(1) {
            let name = body["name"].as_str().unwrap();
            let pose = frame_pose_world(model, &ws, name).unwrap();
            let (p, q) = (numbers(&xpos[b]), numbers(&xquat[b]));
            let rotation = UnitQuaternion::from_quaternion(Quaternion::new(q[0], q[1], q[2], q[3]));
            assert!((pose.translation - Vector3::new(p[0], p[1], p[2])).amax() < 1e-12, "{name}: {p:?}");
            assert!((pose.rotation - rotation.to_rotation_matrix().matrix()).amax() < 1e-12, "{name}");
        }
    }
}

#[test]
fn what_the_subset_lacks_is_an_error_naming_the_element() {
    let e = load_mjcf(&data().join("multi_joint.xml")).unwrap_err().to_string();
    assert!(e.contains("several joints") && e.contains("multi_joint.xml"), "{e}");
    for (text, culprit) in [
        ("<robot/>", "root element"),
        ("<mujoco><worldbody><body><joint type='hinge' axis='0 0 0'/></body></worldbody></mujoco>", "zero axis"),
        ("<mujoco><worldbody><body pos='1 2'><joint/></body></worldbody></mujoco>", "pos=\"1 2\""),
        ("<mujoco><worldbody><body zaxis='0 0 1'><joint/></body></worldbody></mujoco>", "zaxis"),
        ("<mujoco><worldbody><body><joint range='1 0'/></body></worldbody></mujoco>", "range"),
        ("<mujoco><worldbody><body><geom type='mesh'/><joint/></body></worldbody></mujoco>", "mesh"),
        ("<mujoco><worldbody><body><joint class='nope'/></body></worldbody></mujoco>", "nope"),
        ("<mujoco><worldbody><body/></worldbody></mujoco>", "nothing moves"),
        (
            "<mujoco><worldbody><body><inertial mass='-1' diaginertia='1 1 1'/><joint/></body></worldbody></mujoco>",
            "mass",
        ),
    ] {
        let e = diffphys::io::parse_mjcf(text).unwrap_err().to_string();
        assert!(e.starts_with("MJCF ") && e.contains(culprit), "{text}: {e}");
    }
}

#[test]
fn geoms_become_colliders_with_mujocos_sizes_poses_and_friction() {
    use diffphys::geometry::Shape;
    let mjcf = load_mjcf(&data().join("contact.xml")).unwrap();
    let model = &mjcf.multibody;
    let r = reference("contact");
    assert_eq!(mjcf.floor, Some(diffphys::io::MjcfFloor { height: 0.0, friction: 0.8 }));
    let mut ws = MultibodyWorkspace::new(model);
    let mut rng_state = mjcf.q0.clone();
    // a moved state, so that placements are checked away from the initial pose
    for joint in model.joints.iter().filter(|j| j.kind.nq() == 1) {
        rng_state[joint.q_index] = 0.7;
    }
    forward_kinematics(model, &mut ws, &rng_state, &DVector::zeros(model.nv()));
    let geoms: Vec<&Value> = r["geoms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["body"] != "world" && (g["contype"] != 0 || g["conaffinity"] != 0))
        .collect();
    assert_eq!(model.colliders.len(), geoms.len(), "one collider per colliding geom of a moving body");
    for (collider, g) in model.colliders.iter().zip(&geoms) {
        let body = g["body"].as_str().unwrap();
        assert_eq!(collider.link, body);
        let size = numbers(&g["size"]);
        let expected = match g["type"].as_str().unwrap() {
            "sphere" => Shape::Sphere { radius: size[0] },
            "box" => Shape::Box { size: Vector3::new(size[0], size[1], size[2]) * 2.0 },
            "capsule" => Shape::Capsule { radius: size[0], length: 2.0 * size[1] },
            "cylinder" => Shape::Cylinder { radius: size[0], length: 2.0 * size[1] },
            other => panic!("{other}"),
        };
        assert_eq!(format!("{:?}", collider.shape), format!("{expected:?}"), "{body}");
        assert_eq!(collider.friction, numbers(&g["friction"])[0], "{body}");
        // the collider's pose in the world is MuJoCo's geom pose on the body's MJCF frame
        let (pos, quat) = (numbers(&g["pos"]), numbers(&g["quat"]));
        let local = diffphys::spatial::Transform::new(
            *UnitQuaternion::from_quaternion(Quaternion::new(quat[0], quat[1], quat[2], quat[3]))
                .to_rotation_matrix()
                .matrix(),
            Vector3::new(pos[0], pos[1], pos[2]),
        );
        let expected = &frame_pose_world(model, &ws, body).unwrap() * &local;
        let got = &ws.pose_world(collider.body.unwrap()).clone() * &collider.placement;
        assert!((got.translation - expected.translation).amax() < 1e-12, "{body}");
        // a shape symmetric about its z axis and its middle may differ by a turn about z or a flip of it (fromto);
        // compare the z axes up to sign then
        let z = |t: &diffphys::spatial::Transform<f64>| t.rotation.column(2).into_owned();
        match collider.shape {
            Shape::Box { .. } => assert!((got.rotation - expected.rotation).amax() < 1e-12, "{body}"),
            _ => assert!((z(&got).dot(&z(&expected)).abs() - 1.0).abs() < 1e-12, "{body}"),
        }
    }
}
