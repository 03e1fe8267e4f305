//! Trajectories as CSV: header `t,<particle>.x,<particle>.y,<particle>.z,…,<body>.x,<body>.y,<body>.z,<body>.qw,<body>.qx,<body>.qy,<body>.qz,…,<robot>.<joint>,…`,
//! one row per step (the columns are [`crate::sim::Coordinate`]s).

use crate::sim::Trajectory;
use crate::{Error, Result};
use std::path::Path;

/// The trajectory as CSV text: particle positions, then rigid-body positions and orientation quaternions
/// (`w, x, y, z`), then robot joint positions (and floating-base poses); numbers in shortest round-trip form.
///
/// ```
/// # use diffphys::{io, sim};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let text = io::trajectory_csv(&sim::rollout(&scene).unwrap());
/// assert!(text.starts_with("t,ball.x,ball.y,ball.z\n0,0,0,1\n"));
/// ```
pub fn trajectory_csv(traj: &Trajectory<f64>) -> String {
    let mut out = String::from("t");
    for (name, _) in &traj.coordinates {
        out.push(',');
        out.push_str(name);
    }
    out.push('\n');
    for state in &traj.states {
        // Times are step · dt, printed rounded to 1e-12 s so that 0.1 · 3 prints as 0.3.
        out.push_str(&format!("{}", (state.time(traj.dt) * 1e12).round() / 1e12));
        for (_, coordinate) in &traj.coordinates {
            out.push_str(&format!(",{}", coordinate.value(state)));
        }
        out.push('\n');
    }
    out
}

/// Writes [`trajectory_csv`] to `path`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn write_trajectory_csv(path: impl AsRef<Path>, traj: &Trajectory<f64>) -> Result<()> {
    std::fs::write(path.as_ref(), trajectory_csv(traj)).map_err(|e| Error::io(path.as_ref(), e))
}
