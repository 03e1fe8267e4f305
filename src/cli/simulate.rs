//! `diffphys simulate SCENE [--out traj.csv] [--every N]`.

use super::output::Out;
use diffphys::sim::Trajectory;
use diffphys::{io, sim, Error, Result};
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
            note!(
                "wrote {} samples of {} coordinates to {}",
                traj.states.len(),
                traj.coordinates.len(),
                path.display()
            );
        }
        None => {
            let mut stdout = Out::new("the trajectory");
            stdout.write_all(io::trajectory_csv(&traj).as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(())
}
