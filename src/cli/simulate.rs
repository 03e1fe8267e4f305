//! `diffphys simulate SCENE [--out traj.csv] [--every N]`.
//!
//! The trajectory is written while it is simulated: the header, then the row of every N-th state (0, N, 2N, …)
//! as the rollout makes it ([`sim::try_rollout_with`]), so memory does not grow with the number of steps. The text
//! is that of [`io::trajectory_csv`] of the stored trajectory's every N-th state.

use super::output::Out;
use diffphys::{io, sim, Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Rows for standard output are gathered up to about this many bytes before they are written (standard output is
/// line-buffered: one write per row would be one system call per row).
const STDOUT_CHUNK: usize = 1 << 16;

pub fn run(scene: &Path, out: Option<&Path>, every: usize) -> Result<()> {
    if every == 0 {
        return Err(Error::InvalidArgument("--every must be at least 1".into()));
    }
    let scene = super::load_scene(scene)?;
    let coordinates = scene.coordinates();
    let dt = scene.settings.dt;
    let mut sink = match out {
        Some(path) => Sink::File { path, file: BufWriter::new(File::create(path).map_err(|e| Error::io(path, e))?) },
        None => Sink::Stdout { out: Out::new("the trajectory"), pending: String::new() },
    };
    let mut index = 0;
    let mut samples = 0;
    let written = sink.write(&io::trajectory_csv_header(&coordinates)).and_then(|()| {
        sim::try_rollout_with(&scene, scene.settings.n_steps(), |state| {
            if index % every == 0 {
                sink.write(&io::trajectory_csv_row(&coordinates, dt, state))?;
                samples += 1;
            }
            index += 1;
            Ok(())
        })?;
        sink.flush()
    });
    if let Err(e) = written {
        if let Some(path) = out {
            // no partial file that looks like a result: a failed run leaves none, as before the output streamed
            drop(sink);
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    if let Some(path) = out {
        note!("wrote {} samples of {} coordinates to {}", samples, coordinates.len(), path.display());
    }
    Ok(())
}

/// Where the CSV goes: standard output, checked by [`Out`] (a closed pipe ends the run quietly, a full disk is one
/// error), or the `--out` file, whose write errors name it.
enum Sink<'a> {
    Stdout { out: Out, pending: String },
    File { path: &'a Path, file: BufWriter<File> },
}

impl Sink<'_> {
    fn write(&mut self, text: &str) -> Result<()> {
        match self {
            Sink::Stdout { out, pending } => {
                pending.push_str(text);
                if pending.len() >= STDOUT_CHUNK {
                    out.write_all(pending.as_bytes())?;
                    pending.clear();
                }
                Ok(())
            }
            Sink::File { path, file } => file.write_all(text.as_bytes()).map_err(|e| Error::io(*path, e)),
        }
    }

    /// Writes out everything still buffered: a write error of the last rows is reported here, not lost on drop.
    fn flush(&mut self) -> Result<()> {
        match self {
            Sink::Stdout { out, pending } => {
                out.write_all(pending.as_bytes())?;
                pending.clear();
                out.flush()
            }
            Sink::File { path, file } => file.flush().map_err(|e| Error::io(*path, e)),
        }
    }
}
