//! `diffphys view SCENE [--trajectory traj.csv] [--out replay.html] [--every N | --fps F] [--no-contacts]`.
//!
//! Writes one self-contained HTML page that replays the run in 3D ([`io::replay_html`]): the scene simulated
//! here ([`io::Replay::simulate`]), or the trajectory CSV that `diffphys simulate` wrote for it
//! ([`io::read_trajectory_csv`], [`io::Replay::from_trajectory`]).

use super::output::Out;
use diffphys::io::{self, Replay, ReplayOptions};
use diffphys::Result;
use std::path::Path;

/// What to record and where to write it.
pub struct Args<'a> {
    pub scene: &'a Path,
    pub trajectory: Option<&'a Path>,
    pub out: Option<&'a Path>,
    pub every: Option<usize>,
    pub fps: f64,
    pub contacts: bool,
}

pub fn run(args: &Args<'_>) -> Result<()> {
    let scene = super::load_scene(args.scene)?;
    let title = match args.trajectory {
        Some(csv) => format!("diffphys replay: {} ({})", args.scene.display(), csv.display()),
        None => format!("diffphys replay: {}", args.scene.display()),
    };
    let options =
        ReplayOptions { every: args.every, fps: args.fps, contacts: args.contacts, title, ..Default::default() };
    let replay = match args.trajectory {
        Some(csv) => Replay::from_trajectory(&scene, &io::read_trajectory_csv(csv, &scene)?, &options)?,
        None => Replay::simulate(&scene, &options)?,
    };
    let html = io::replay_html(&replay);
    match args.out {
        Some(path) => std::fs::write(path, &html).map_err(|e| diffphys::Error::io(path, e))?,
        None => {
            let mut out = Out::new("the replay");
            out.write_all(html.as_bytes())?;
            out.flush()?;
        }
    }
    let times = replay.times();
    let span = times.last().unwrap_or(&0.0) - times.first().unwrap_or(&0.0);
    let contacts = if !args.contacts {
        "no contacts"
    } else if args.trajectory.is_some() {
        "contact points (no forces: the CSV has no velocities)"
    } else {
        "contact points and forces"
    };
    let to = args.out.map_or("standard output".to_string(), |p| p.display().to_string());
    note!(
        "wrote {} frames ({} objects, {span} s, every {} steps; {contacts}) as {} kB of HTML to {to}",
        replay.frames(),
        replay.objects().len(),
        replay.every(),
        html.len().div_ceil(1000)
    );
    Ok(())
}
