//! Trajectories as CSV: header `t,<particle>.x,<particle>.y,<particle>.z,…,<body>.x,<body>.y,<body>.z,<body>.qw,<body>.qx,<body>.qy,<body>.qz,…,<robot>.<joint>,…`,
//! one row per step (the columns are [`crate::sim::Coordinate`]s). [`trajectory_csv`] writes a stored
//! [`Trajectory`]; [`trajectory_csv_header`] and [`trajectory_csv_row`] write the same text one state at a time,
//! for a rollout that is not stored ([`crate::sim::try_rollout_with`]).

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
