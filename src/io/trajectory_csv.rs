//! Trajectories as CSV: header `t,<particle>.x,<particle>.y,<particle>.z,…,<body>.x,<body>.y,<body>.z,<body>.qw,<body>.qx,<body>.qy,<body>.qz,…,<robot>.<joint>,…`,
//! one row per step (the columns are [`crate::sim::Coordinate`]s). [`trajectory_csv`] writes a stored
//! [`Trajectory`]; [`trajectory_csv_header`] and [`trajectory_csv_row`] write the same text one state at a time,
//! for a rollout that is not stored ([`crate::sim::try_rollout_with`]).

use crate::model::Model;
use crate::sim::{Coordinate, State, Trajectory};
use crate::{Error, Result};
use std::path::Path;

/// The trajectory as CSV text: particle positions, then rigid-body positions and orientation quaternions
/// (`w, x, y, z`), then robot joint positions (and floating-base poses); numbers in shortest round-trip form.
/// The same as [`trajectory_csv_header`] followed by [`trajectory_csv_row`] of each state.
///
/// ```
/// # use diffphys::{io, sim};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let text = io::trajectory_csv(&sim::rollout(&scene).unwrap());
/// assert!(text.starts_with("t,ball.x,ball.y,ball.z\n0,0,0,1\n"));
/// ```
pub fn trajectory_csv(traj: &Trajectory<f64>) -> String {
    let mut out = trajectory_csv_header(&traj.coordinates);
    for state in &traj.states {
        out.push_str(&trajectory_csv_row(&traj.coordinates, traj.dt, state));
    }
    out
}

/// The header line of [`trajectory_csv`] for these columns (a scene's [`crate::model::Model::coordinates`]):
/// `t` and the coordinates' names, comma-separated, ending in a newline.
///
/// ```
/// # use diffphys::io;
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// assert_eq!(io::trajectory_csv_header(&scene.coordinates()), "t,ball.x,ball.y,ball.z\n");
/// ```
pub fn trajectory_csv_header(coordinates: &[(String, Coordinate)]) -> String {
    let mut out = String::from("t");
    for (name, _) in coordinates {
        out.push(',');
        out.push_str(name);
    }
    out.push('\n');
    out
}

/// One row of [`trajectory_csv`]: the time of `state` (its step · `dt` in s, rounded to 1e-12 s) and the value of
/// each coordinate in `state`, comma-separated, ending in a newline. Writing [`trajectory_csv_header`] and then
/// this row for each state as a rollout makes it ([`crate::sim::try_rollout_with`]) gives the text of
/// [`trajectory_csv`] without storing the trajectory.
///
/// ```
/// # use diffphys::{io, sim};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let columns = scene.coordinates();
/// let mut text = io::trajectory_csv_header(&columns);
/// sim::try_rollout_with(&scene, scene.settings.n_steps(), |state| {
///     text.push_str(&io::trajectory_csv_row(&columns, scene.settings.dt, state));
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(text, io::trajectory_csv(&sim::rollout(&scene).unwrap()));
/// ```
pub fn trajectory_csv_row(coordinates: &[(String, Coordinate)], dt: f64, state: &State<f64>) -> String {
    let mut out = format!("{}", trajectory_csv_time(dt, state));
    for (_, coordinate) in coordinates {
        out.push_str(&format!(",{}", coordinate.value(state)));
    }
    out.push('\n');
    out
}

/// The time a trajectory CSV gives `state` (s): `step · dt` rounded to 1e-12 s, so that `0.1 · 3` prints as `0.3`.
///
/// ```
/// use diffphys::{io, model::Model, sim::State};
/// let scene = Model::<f64>::empty(0.1, 1.0);
/// let mut state = State::initial(&scene);
/// state.step = 3;
/// assert_eq!(io::trajectory_csv_time(0.1, &state), 0.3);
/// assert_ne!(state.time(0.1), 0.3); // 0.30000000000000004
/// ```
pub fn trajectory_csv_time(dt: f64, state: &State<f64>) -> f64 {
    (state.time(dt) * 1e12).round() / 1e12
}

/// Writes [`trajectory_csv`] to `path`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn write_trajectory_csv(path: impl AsRef<Path>, traj: &Trajectory<f64>) -> Result<()> {
    std::fs::write(path.as_ref(), trajectory_csv(traj)).map_err(|e| Error::io(path.as_ref(), e))
}

/// Reads a trajectory CSV written by [`trajectory_csv`] (or `diffphys simulate`, with any `--every`) for `scene`:
/// [`parse_trajectory_csv`] of the file's text.
///
/// ```
/// # use diffphys::{io, sim};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let dir = std::env::temp_dir().join(format!("diffphys-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("ball.csv");
/// io::write_trajectory_csv(&path, &sim::rollout(&scene).unwrap()).unwrap();
/// let read = io::read_trajectory_csv(&path, &scene).unwrap();
/// assert_eq!(read.states.len(), scene.settings.n_steps() + 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
///
/// # Errors
/// [`Error::Io`] naming the file if it cannot be read; [`Error::Trajectory`] naming it as
/// [`parse_trajectory_csv`] says.
pub fn read_trajectory_csv(path: impl AsRef<Path>, scene: &Model<f64>) -> Result<Trajectory<f64>> {
    let path = path.as_ref();
    let text = super::read_bounded(path).map_err(|e| Error::io(path, e))?;
    parse_trajectory_csv(&text, scene, &path.display().to_string())
}

/// Parses a trajectory CSV of `scene` (the text of [`trajectory_csv`], any subset of its rows, such as
/// `diffphys simulate --every N` writes) back into states. `origin` names the text in error messages (a path).
///
/// The header must hold `t` and every column of the scene's [`Model::coordinates`], each once, in any order.
/// Each row is one state: its step is `t / dt`, which must be a whole number (within 1e-6), and rows must go
/// forward in time. A CSV holds positions only: the states' positions and orientations are the file's (body and
/// floating-base quaternions normalised; they must have a norm within 1e-3 of 1), their velocities are zero and
/// they carry no contact memory.
///
/// ```
/// # use diffphys::{io, sim};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let traj = io::parse_trajectory_csv("t,ball.x,ball.y,ball.z\n0,0,0,1\n0.5,1,0,0.2\n", &scene, "b.csv").unwrap();
/// assert_eq!(traj.states[1].step, 5000); // dt = 0.1 ms
/// assert_eq!(traj.states[1].x[0].x, 1.0);
/// let e = io::parse_trajectory_csv("t,ball.x,ball.y\n0,0,0\n", &scene, "b.csv").unwrap_err();
/// assert_eq!(e.to_string(), "trajectory b.csv: no column `ball.z` (the scene's columns: t,ball.x,ball.y,ball.z)");
/// ```
///
/// # Errors
/// [`Error::Trajectory`] naming `origin` and the column, line or body at fault: a missing, unknown or repeated
/// column, a row of the wrong length, a field that is not a finite number, a time that is negative, off the
/// `dt` grid or not after the row before, a quaternion far from unit length, or no rows.
pub fn parse_trajectory_csv(text: &str, scene: &Model<f64>, origin: &str) -> Result<Trajectory<f64>> {
    let err = |m: String| Error::Trajectory(format!("{origin}: {m}"));
    let coordinates = scene.coordinates();
    let dt = scene.settings.dt;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| err(e.to_string()))?.clone();
    let expected = trajectory_csv_header(&coordinates);
    let expected = expected.trim_end();
    if header.get(0) != Some("t") {
        return Err(err(format!("the first column must be `t` (time in s); the scene's columns: {expected}")));
    }
    // the file's column of each coordinate
    let mut column_of = vec![usize::MAX; coordinates.len()];
    for (col, name) in header.iter().enumerate().skip(1) {
        let Some(k) = coordinates.iter().position(|(n, _)| n == name) else {
            return Err(err(format!(
                "column `{}` is not a coordinate of the scene (its columns: {expected})",
                super::quoted(name)
            )));
        };
        if column_of[k] != usize::MAX {
            return Err(err(format!("column `{}` appears twice", super::quoted(name))));
        }
        column_of[k] = col;
    }
    if let Some(k) = column_of.iter().position(|&c| c == usize::MAX) {
        return Err(err(format!("no column `{}` (the scene's columns: {expected})", coordinates[k].0)));
    }
    let initial = State::initial(scene);
    let mut states: Vec<State<f64>> = Vec::new();
    let mut values = vec![0.0; header.len()];
    for record in reader.records() {
        let record = record.map_err(|e| err(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        for (col, field) in record.iter().enumerate() {
            let v = super::csv_number(field, &header[col], line).map_err(err)?;
            values[col] = v;
        }
        let t = values[0];
        let steps = t / dt;
        if t < 0.0 || (steps - steps.round()).abs() > 1e-6 * steps.abs().max(1.0) {
            return Err(err(format!("line {line}: t = {t} s is not a step of the scene (dt = {dt} s)")));
        }
        let step = steps.round() as usize;
        if let Some(last) = states.last() {
            if step <= last.step {
                return Err(err(format!("line {line}: t = {t} s is not after the row before")));
            }
        }
        let mut state = initial.clone();
        state.step = step;
        state.x.iter_mut().for_each(|v| *v = nalgebra::Vector3::zeros());
        state.v.iter_mut().for_each(|v| *v = nalgebra::Vector3::zeros());
        for b in &mut state.bodies {
            b.velocity = nalgebra::Vector3::zeros();
            b.angular_velocity = nalgebra::Vector3::zeros();
        }
        for r in &mut state.robots {
            r.v.fill(0.0);
        }
        for ((_, coordinate), &col) in coordinates.iter().zip(&column_of) {
            let v = values[col];
            match *coordinate {
                Coordinate::Particle { index, axis } => state.x[index][axis] = v,
                Coordinate::BodyPosition { index, axis } => state.bodies[index].position[axis] = v,
                Coordinate::BodyOrientation { index, component } => {
                    // stored as [i, j, k, w]; the columns are w, x, y, z
                    state.bodies[index].orientation.coords[(component + 3) % 4] = v;
                }
                Coordinate::RobotQ { robot, index } => state.robots[robot].q[index] = v,
            }
        }
        for (b, body) in state.bodies.iter_mut().zip(&scene.bodies) {
            let norm = b.orientation.norm();
            if (norm - 1.0).abs() > 1e-3 {
                let name = &body.name;
                return Err(err(format!("line {line}: the orientation of `{name}` has norm {norm}, not 1")));
            }
            b.orientation /= norm;
        }
        for (r, robot) in state.robots.iter_mut().zip(&scene.robots) {
            for joint in &robot.multibody.joints {
                // free and spherical joints: their unit quaternion
                let Some(offset) = joint.kind.quaternion_offset() else { continue };
                let mut q = r.q.rows_mut(joint.q_index + offset, 4);
                let norm = q.norm();
                if (norm - 1.0).abs() > 1e-3 {
                    let name = format!("{}.{}", robot.name(), joint.name);
                    return Err(err(format!("line {line}: the orientation of `{name}` has norm {norm}, not 1")));
                }
                q.unscale_mut(norm);
            }
        }
        states.push(state);
    }
    if states.is_empty() {
        return Err(err("no rows".into()));
    }
    Ok(Trajectory { coordinates, dt, states })
}
