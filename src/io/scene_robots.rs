//! The `[[robots]]` sections of a scene file: a URDF or MJCF model placed in the world with its initial state and
//! controller.

use super::scene_file::exact;
use super::urdf::{load_urdf_with, CollisionGeometry, UrdfOptions};
use crate::model::{Control, JointKind, PdControl, Robot, TargetSchedule, TorqueSchedule};
use crate::spatial::{rotation_matrix, Transform};
use crate::{Error, Result};
use nalgebra::{DVector, Quaternion, Vector3};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RobotSection {
    name: String,
    /// Path of the URDF file, relative to the scene file.
    urdf: Option<String>,
    /// Path of an MJCF (MuJoCo XML) file, relative to the scene file, instead of `urdf`.
    mjcf: Option<String>,
    /// "fixed" or "floating"; for MJCF, what the file says (a `<freejoint>` on the root body floats).
    base: Option<String>,
    #[serde(default, deserialize_with = "exact")]
    position: [f64; 3],
    #[serde(default = "identity_quaternion", deserialize_with = "exact")]
    orientation: [f64; 4],
    /// Floating base only: initial velocity of the base (m/s, base axes).
    #[serde(default, deserialize_with = "exact")]
    base_velocity: [f64; 3],
    /// Floating base only: initial angular velocity of the base (rad/s, base axes).
    #[serde(default, deserialize_with = "exact")]
    base_angular_velocity: [f64; 3],
    #[serde(default)]
    joint_positions: BTreeMap<String, f64>,
    #[serde(default)]
    joint_velocities: BTreeMap<String, f64>,
    joint_damping: Option<f64>,
    /// Read the URDF's `<collision>` geometry (default true).
    #[serde(default = "yes")]
    collision: bool,
    /// What to do with collision meshes: "error" (default) or "skip" (with a warning listing their links).
    #[serde(default = "error")]
    meshes: String,
    /// Links whose colliders are dropped (a base that rests on the ground, links that overlap by design).
    #[serde(default)]
    no_collision: Vec<String>,
    /// Friction and restitution of every collider of the robot (defaults 0.5 and 0).
    friction: Option<f64>,
    restitution: Option<f64>,
    /// Whether the robot's links collide with each other (default false; parent and child links never do).
    #[serde(default)]
    self_collision: bool,
    /// Per-link friction and restitution, overriding the robot's.
    #[serde(default)]
    link_friction: BTreeMap<String, f64>,
    #[serde(default)]
    link_restitution: BTreeMap<String, f64>,
    control: Option<ControlSection>,
}

fn yes() -> bool {
    true
}

fn error() -> String {
    "error".into()
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum ControlSection {
    Pd {
        #[serde(default)]
        targets: BTreeMap<String, f64>,
        /// A joint-space target trajectory: columns `t,<joint>,…`, interpolated linearly.
        targets_file: Option<String>,
        kp: f64,
        kd: f64,
    },
    Torques {
        file: String,
    },
}

fn identity_quaternion() -> [f64; 4] {
    [1.0, 0.0, 0.0, 0.0]
}

/// Builds a robot from its section; relative paths are resolved against `dir` (the scene file's folder).
pub(super) fn build_robot(r: RobotSection, dir: &Path) -> Result<Robot<f64>> {
    let field = |k: &str| format!("robots[{}].{k}", r.name);
    let (mut multibody, floating, initial) = match (&r.urdf, &r.mjcf) {
        (Some(urdf), None) => (load_urdf_section(&r, urdf, dir)?, r.base.as_deref() == Some("floating"), None),
        (None, Some(mjcf)) => {
            let (multibody, q0) = load_mjcf_section(&r, mjcf, dir)?;
            let floating = floats(&multibody);
            (multibody, floating, Some(q0))
        }
        (Some(_), Some(_)) => return Err(Error::invalid(field("urdf"), "give urdf or mjcf, not both")),
        (None, None) => {
            return Err(Error::invalid(field("urdf"), "is missing: a robot needs a model file, urdf = or mjcf ="))
        }
    };
    for link in &r.no_collision {
        let before = multibody.colliders.len();
        multibody.colliders.retain(|c| &c.link != link);
        if multibody.colliders.len() == before {
            return Err(Error::invalid(field("no_collision"), format!("`{link}` is no link with collision geometry")));
        }
    }
    set_materials(&mut multibody, &r, &field)?;
    multibody.name = r.name.clone();
    if let Some(d) = r.joint_damping {
        if !(d.is_finite() && d >= 0.0) {
            return Err(Error::invalid(field("joint_damping"), format!("must be ≥ 0, got {d}")));
        }
        // A non-zero URDF <dynamics damping> wins: the default reaches the joints the file leaves undamped.
        multibody.joints.iter_mut().filter(|j| j.damping == 0.0 && j.kind.nq() == 1).for_each(|j| j.damping = d);
    }
    let [w, x, y, z] = r.orientation;
    let norm = (w * w + x * x + y * y + z * z).sqrt();
    if !(norm.is_finite() && norm > 1e-9) {
        return Err(Error::invalid(field("orientation"), "must be a non-zero quaternion [w, x, y, z]"));
    }
    let quaternion = Quaternion::new(w / norm, x / norm, y / norm, z / norm);
    let mut robot = Robot::new(multibody);
    let from_file = initial.is_some();
    if let Some(q0) = initial {
        robot.q0 = q0;
    }
    let placed = r.position != [0.0; 3] || r.orientation != identity_quaternion();
    if floating && (!from_file || placed) {
        let q = &mut robot.q0;
        q.rows_mut(0, 3).copy_from(&Vector3::from(r.position));
        (q[3], q[4], q[5], q[6]) = (quaternion.i, quaternion.j, quaternion.k, quaternion.w);
    }
    if floating {
        robot.v0.rows_mut(0, 3).copy_from(&Vector3::from(r.base_velocity));
        robot.v0.rows_mut(3, 3).copy_from(&Vector3::from(r.base_angular_velocity));
    } else {
        if r.base_velocity != [0.0; 3] || r.base_angular_velocity != [0.0; 3] {
            return Err(Error::invalid(field("base_velocity"), "only a floating base can move"));
        }
        robot.base = Transform::new(rotation_matrix(&quaternion), Vector3::from(r.position));
    }
    let joint = |name: &str, what: &str| {
        robot
            .multibody
            .joints
            .iter()
            .find(|j| j.name == name && j.kind.nq() == 1)
            .map(|j| (j.q_index, j.v_index))
            .ok_or_else(|| {
                let known: Vec<&str> =
                    robot.multibody.joints.iter().filter(|j| j.kind.nq() == 1).map(|j| j.name.as_str()).collect();
                Error::invalid(
                    field(what),
                    format!(
                        "`{name}` is not a one-degree-of-freedom joint of the robot (its joints: {})",
                        known.join(", ")
                    ),
                )
            })
    };
    let mut q0 = robot.q0.clone();
    for (name, value) in &r.joint_positions {
        q0[joint(name, "joint_positions")?.0] = *value;
    }
    let mut v0 = robot.v0.clone();
    for (name, value) in &r.joint_velocities {
        v0[joint(name, "joint_velocities")?.1] = *value;
    }
    let nv = robot.multibody.nv();
    let control = match r.control {
        None => Control::None,
        Some(ControlSection::Pd { targets, targets_file, kp, kd }) => {
            let mut pd = PdControl {
                target: DVector::zeros(nv),
                kp: DVector::zeros(nv),
                kd: DVector::zeros(nv),
                schedule: None,
            };
            if let Some(file) = targets_file {
                if !targets.is_empty() {
                    return Err(Error::invalid(
                        field("control.targets"),
                        "give targets or targets_file, not both (with a file, the targets are its columns)",
                    ));
                }
                let path = dir.join(&file);
                let text = super::read_bounded(&path).map_err(|e| {
                    Error::invalid(field("control.targets_file"), format!("cannot read `{}`: {e}", path.display()))
                })?;
                let columns = |name: &str| joint(name, "control.targets_file").map(|(_, k)| k);
                let rows = parse_torques(&text, nv, columns)
                    .map_err(|message| Error::SceneFile { path: path.clone(), message })?;
                let header = text.lines().next().unwrap_or_default();
                for name in header.split(',').skip(1) {
                    let (_, k) = joint(name.trim(), "control.targets_file")?;
                    (pd.kp[k], pd.kd[k]) = (kp, kd);
                }
                pd.schedule = Some(TargetSchedule { times: rows.times, targets: rows.torques });
            }
            for (name, value) in &targets {
                let (_, k) = joint(name, "control.targets")?;
                (pd.target[k], pd.kp[k], pd.kd[k]) = (*value, kp, kd);
            }
            Control::Pd(pd)
        }
        Some(ControlSection::Torques { file }) => {
            let path = dir.join(&file);
            let text = super::read_bounded(&path)
                .map_err(|e| Error::invalid(field("control.file"), format!("cannot read `{}`: {e}", path.display())))?;
            let columns = |name: &str| joint(name, "control.file").map(|(_, k)| k);
            Control::Torques(
                parse_torques(&text, nv, columns)
                    .map_err(|message| Error::SceneFile { path: path.clone(), message })?,
            )
        }
    };
    robot.q0 = q0;
    robot.v0 = v0;
    robot.control = control;
    robot.self_collision = r.self_collision;
    Ok(robot)
}

/// Whether a model's first joint is free (a floating base).
fn floats(m: &crate::model::Multibody<f64>) -> bool {
    matches!(m.joints.first().map(|j| &j.kind), Some(JointKind::Free))
}

/// The URDF of a robot section, loaded as its `base`, `collision` and `meshes` say.
fn load_urdf_section(r: &RobotSection, file: &str, dir: &Path) -> Result<crate::model::Multibody<f64>> {
    let field = |k: &str| format!("robots[{}].{k}", r.name);
    let floating = match r.base.as_deref().unwrap_or("fixed") {
        "fixed" => false,
        "floating" => true,
        other => {
            return Err(Error::invalid(field("base"), format!("must be \"fixed\" or \"floating\", got `{other}`")))
        }
    };
    let path = dir.join(file);
    let unreadable = |e: Error| match e {
        Error::Io { path, source } => {
            Error::invalid(field("urdf"), format!("cannot read `{}`: {source}", path.display()))
        }
        e => e,
    };
    let collision = match (r.collision, r.meshes.as_str()) {
        (false, _) => CollisionGeometry::Ignore,
        (true, "error") => CollisionGeometry::Load,
        (true, "skip") => CollisionGeometry::SkipMeshes,
        (true, other) => {
            return Err(Error::invalid(field("meshes"), format!("must be \"error\" or \"skip\", got `{other}`")))
        }
    };
    let load = |floating| load_urdf_with(&path, &UrdfOptions { floating, collision }).map_err(unreadable);
    // A URDF whose root joint already floats is used as it is with base = "floating".
    let urdf = if floating {
        match load(false) {
            Ok(u) if floats(&u.multibody) => u,
            _ => {
                let u = load(true)?;
                let inertia = &u.multibody.inertias[0];
                if !(inertia.mass > 0.0 && inertia.rotational.symmetric_eigenvalues().min() > 0.0) {
                    return Err(Error::invalid(
                        field("base"),
                        format!(
                            "a floating base needs mass and inertia, but the root link `{}` (with the links fixed to \
                             it) has none",
                            u.multibody.body_names[0]
                        ),
                    ));
                }
                u
            }
        }
    } else {
        let u = load(false)?;
        if floats(&u.multibody) {
            return Err(Error::invalid(
                field("base"),
                format!("the URDF's joint `{}` is floating: write base = \"floating\"", u.multibody.joints[0].name),
            ));
        }
        u
    };
    if !urdf.skipped_meshes.is_empty() {
        // A note to the user: a closed standard error must neither panic (as `eprintln!` would) nor stop the load.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "warning: robots[{}]: skipped the collision meshes of {} link(s): {}",
            crate::error::escaped(&r.name),
            urdf.skipped_meshes.len(),
            crate::error::escaped(&urdf.skipped_meshes.join(", "))
        );
    }
    for m in &urdf.mimics {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "warning: robots[{}]: joint `{}` mimics `{}` in the URDF (q = {} q_{} + {}); diffphys simulates it as an \
             independent joint: drive both to the same target to keep them coupled",
            crate::error::escaped(&r.name),
            crate::error::escaped(&m.joint),
            crate::error::escaped(&m.leader),
            m.multiplier,
            crate::error::escaped(&m.leader),
            m.offset
        );
    }
    Ok(urdf.multibody)
}

/// The MJCF of a robot section (`collision = false` drops its colliders; `base`, if given, must be what the file
/// says) and its initial configuration; what the loader ignored is listed on standard error.
fn load_mjcf_section(r: &RobotSection, file: &str, dir: &Path) -> Result<(crate::model::Multibody<f64>, DVector<f64>)> {
    let field = |k: &str| format!("robots[{}].{k}", r.name);
    let path = dir.join(file);
    let mjcf = super::load_mjcf(&path).map_err(|e| match e {
        Error::Io { path, source } => {
            Error::invalid(field("mjcf"), format!("cannot read `{}`: {source}", path.display()))
        }
        e => e,
    })?;
    let floating = floats(&mjcf.multibody);
    match (r.base.as_deref(), floating) {
        (None, _) | (Some("floating"), true) | (Some("fixed"), false) => {}
        (Some(other), _) => {
            return Err(Error::invalid(
                field("base"),
                format!(
                "is `{other}`, but the MJCF's root body {} a free joint: an MJCF model's base is what the file says",
                if floating { "has" } else { "has no" }
            ),
            ))
        }
    }
    if r.meshes != "error" {
        return Err(Error::invalid(field("meshes"), "is for URDF collision meshes; MJCF meshes are never colliders"));
    }
    if !mjcf.ignored.is_empty() {
        // a note to the user; a closed standard error must neither panic nor stop the load
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "warning: robots[{}]: ignored in {}: {}",
            crate::error::escaped(&r.name),
            crate::error::escaped(&path.display().to_string()),
            crate::error::escaped(&mjcf.ignored.join(", "))
        );
    }
    let mut multibody = mjcf.multibody;
    if !r.collision {
        multibody.colliders.clear();
    }
    Ok((multibody, mjcf.q0))
}

/// The robot's and the links' friction and restitution onto its colliders; a link without colliders is an error.
fn set_materials(
    multibody: &mut crate::model::Multibody<f64>,
    r: &RobotSection,
    field: &impl Fn(&str) -> String,
) -> Result<()> {
    let check = |key: &str, value: f64, upper: f64| {
        if value.is_finite() && (0.0..=upper).contains(&value) {
            Ok(value)
        } else {
            Err(Error::invalid(field(key), format!("must be in [0, {upper}], got {value}")))
        }
    };
    /// A material: its key, the robot's value, the per-link values, its upper bound and where it lives.
    type Material<'a> = (&'a str, Option<f64>, &'a BTreeMap<String, f64>, f64, Slot);
    type Slot = fn(&mut crate::model::Collider<f64>) -> &mut f64;
    let materials: [Material; 2] = [
        ("friction", r.friction, &r.link_friction, f64::MAX, |c| &mut c.friction),
        ("restitution", r.restitution, &r.link_restitution, 1.0, |c| &mut c.restitution),
    ];
    for (key, robot_value, per_link, upper, slot) in materials {
        if let Some(value) = robot_value {
            let value = check(key, value, upper)?;
            multibody.colliders.iter_mut().for_each(|c| *slot(c) = value);
        }
        for (link, &value) in per_link {
            let at = format!("link_{key}.{link}");
            let value = check(&at, value, upper)?;
            let mut on_link = multibody.colliders.iter_mut().filter(|c| &c.link == link).peekable();
            if on_link.peek().is_none() {
                return Err(Error::invalid(field(&at), "names no link with collision geometry"));
            }
            on_link.for_each(|c| *slot(c) = value);
        }
    }
    Ok(())
}

/// Parses a torque file: header `t,<joint>,…`, one row per time (s), torques in N·m or N; joints not listed get
/// zero torque.
fn parse_torques(
    text: &str,
    nv: usize,
    column_of: impl Fn(&str) -> Result<usize>,
) -> std::result::Result<TorqueSchedule<f64>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    if header.get(0) != Some("t") {
        return Err("the first column must be `t` (time in s)".into());
    }
    let indices: Vec<usize> =
        header.iter().skip(1).map(|name| column_of(name).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    if let Some(k) = (1..indices.len()).find(|&k| indices[..k].contains(&indices[k])) {
        return Err(format!("column {} repeats the joint `{}`", k + 2, &header[k + 1]));
    }
    let mut schedule = TorqueSchedule { times: Vec::new(), torques: Vec::new() };
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", row + 2))?;
        let number = |k: usize| -> std::result::Result<f64, String> {
            let cell = record.get(k).unwrap_or("");
            cell.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("row {}, column {}: `{cell}` is not a finite number", row + 2, k + 1))
        };
        let t = number(0)?;
        if schedule.times.last().is_some_and(|&last| t <= last) {
            return Err(format!("row {}: times must increase, {t} s follows {} s", row + 2, schedule.times[row - 1]));
        }
        let mut tau = DVector::zeros(nv);
        for (k, &index) in indices.iter().enumerate() {
            tau[index] = number(k + 1)?;
        }
        schedule.times.push(t);
        schedule.torques.push(tau);
    }
    if schedule.times.is_empty() {
        return Err("has no rows".into());
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torque_files_name_the_bad_row_and_column() {
        let col = |name: &str| match name {
            "elbow" => Ok(1),
            other => Err(Error::invalid("control.file", format!("no joint `{other}`"))),
        };
        let s = parse_torques("t,elbow\n0,1.5\n0.1,-2\n", 2, col).unwrap();
        assert_eq!(s.times, vec![0.0, 0.1]);
        assert_eq!(s.torques[1].as_slice(), &[0.0, -2.0]);
        assert!(parse_torques("t,elbow\n0,x\n", 2, col).unwrap_err().contains("row 2, column 2"));
        assert!(parse_torques("t,knee\n0,1\n", 2, col).unwrap_err().contains("knee"));
        assert!(parse_torques("t,elbow\n0.1,1\n0.1,2\n", 2, col).unwrap_err().contains("times must increase"));
        assert!(parse_torques("time,elbow\n0,1\n", 2, col).unwrap_err().contains("first column"));
        assert!(parse_torques("t,elbow\n", 2, col).unwrap_err().contains("no rows"));
        assert!(parse_torques("t,elbow,elbow\n0,1,2\n", 2, col).unwrap_err().contains("repeats the joint `elbow`"));
    }
}
