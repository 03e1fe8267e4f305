//! `diffphys simulate SCENE [--out traj.csv] [--every N]`.

use diffphys::sim::Trajectory;
use diffphys::{io, sim, Error, Result};
use std::io::Write;
use std::path::Path;

pub fn run(scene: &Path, out: Option<&Path>, every: usize) -> Result<()> {
    if every == 0 {
        return Err(Error::InvalidArgument("--every must be at least 1".into()));
    }
    let scene = io::load_scene(scene)?;
    let mut traj = sim::rollout(&scene)?;
    traj = Trajectory { states: traj.states.into_iter().step_by(every).collect(), ..traj };
    match out {
        Some(path) => {
            io::write_trajectory_csv(path, &traj)?;
            eprintln!(
                "wrote {} samples of {} coordinates to {}",
                traj.states.len(),
                traj.coordinates.len(),
                path.display()
            );
        }
        None => {
            std::io::stdout().write_all(io::trajectory_csv(&traj).as_bytes()).map_err(|e| Error::io("<stdout>", e))?
        }
    }
    Ok(())
}
