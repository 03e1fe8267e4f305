//! Files: TOML scene files, CSV trajectories and observations, JSON reports, HTML replays ([`Replay`]) and (with
//! the `cli` feature, on by default) PNG plots.

mod mjcf;
mod observations_csv;
#[cfg(feature = "cli")]
mod plot;
mod replay;
mod scene_file;
mod scene_robots;
mod trajectory_csv;
mod urdf;

pub use mjcf::{load_mjcf, parse_mjcf, Mjcf, MjcfActuator, MjcfActuatorKind, MjcfFloor};
pub use observations_csv::{parse_observations, read_observations};
#[cfg(feature = "cli")]
pub use plot::{plot_fit, plot_optimization, PlotSeries};
pub use replay::{
    replay_html, replay_notebook_html, write_replay, Replay, ReplayContact, ReplayKind, ReplayObject, ReplayOptions,
};
pub use scene_file::{load_scene, parse_scene, parse_scene_in_dir, DEMO_SCENE};
pub use trajectory_csv::{
    parse_trajectory_csv, read_trajectory_csv, trajectory_csv, trajectory_csv_header, trajectory_csv_row,
    trajectory_csv_time, write_trajectory_csv,
};
pub use urdf::{
    load_urdf, load_urdf_floating, load_urdf_with, parse_urdf, parse_urdf_floating, parse_urdf_with, CollisionGeometry,
    Mimic, Urdf, UrdfOptions,
};

use crate::model::Multibody;
use crate::{Error, Result};
use std::path::Path;

/// A CSV field of `column` on line `line` as a finite number, or the message naming both (the field and the
/// column quoted short: a quoted field can hold the rest of the file): how the trajectory and observation readers
/// read their numbers.
fn csv_number(field: &str, column: &str, line: u64) -> std::result::Result<f64, String> {
    let at = format!("line {line}, column `{}`", quoted(column));
    let v: f64 = field.parse().map_err(|_| format!("{at}: `{}` is not a number", quoted(field)))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{at}: {v} is not finite"))
    }
}

/// A field as an error message quotes it: at most 40 characters (a quoted field can hold the rest of the file).
fn quoted(field: &str) -> String {
    const MAX: usize = 40;
    match field.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &field[..end]),
        None => field.to_string(),
    }
}

/// A robot model read by [`load_robot_file`]: the tree and what the reader ignored.
#[derive(Debug, Clone)]
pub struct RobotFile {
    /// The kinematic tree (URDF: fixed base, gravity `[0, 0, −9.81]`; MJCF: the file's joints, free ones
    /// included, and its `<option gravity>`).
    pub multibody: Multibody<f64>,
    /// What the MJCF reader ignored ([`Mjcf::ignored`]); empty for URDF.
    pub ignored: Vec<String>,
}

/// Reads a robot from a URDF or an MJCF (MuJoCo XML) file, told apart by the root element (`<robot>` or
/// `<mujoco>`), whatever the file's extension: what the command line's `dynamics` and `bench` take.
///
/// ```
/// let path = std::env::temp_dir().join("diffphys_doc_pendulum.xml");
/// std::fs::write(&path, r#"<mujoco><worldbody><body><joint axis="0 1 0"/>
///     <geom size="0.1" pos="0 0 -1" mass="2"/></body></worldbody></mujoco>"#).unwrap();
/// let robot = diffphys::io::load_robot_file(&path).unwrap();
/// assert_eq!((robot.multibody.nv(), robot.multibody.inertias[0].mass), (1, 2.0));
/// ```
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; the errors of [`load_urdf`] or [`load_mjcf`]; an [`Error::Urdf`]
/// naming the root element if it is neither.
pub fn load_robot_file(path: &Path) -> Result<RobotFile> {
    let text = read_text(path)?;
    let root = roxmltree::Document::parse(&text).ok().map(|d| d.root_element().tag_name().name().to_string());
    match root.as_deref() {
        Some("mujoco") => {
            let mjcf = load_mjcf(path)?;
            Ok(RobotFile { multibody: mjcf.multibody, ignored: mjcf.ignored })
        }
        // URDF, or XML that does not parse: the URDF reader names what is wrong
        Some("robot") | None => Ok(RobotFile { multibody: load_urdf(path)?, ignored: Vec::new() }),
        Some(other) => Err(Error::Urdf {
            element: format!("{}: <{other}>", path.display()),
            message: "is neither a URDF <robot> nor an MJCF <mujoco> file".into(),
        }),
    }
}

/// The largest input file diffphys reads, in bytes: 256 MiB (a scene, a URDF, observations, a torque or target file,
/// a states file). A larger file, or one that does not end (`/dev/zero`), is an error naming it, not memory without
/// bound.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Reads a UTF-8 text file of at most [`MAX_INPUT_BYTES`]: how every input file is read.
///
/// ```
/// let err = diffphys::io::read_text("no_such_file.toml").unwrap_err();
/// assert!(err.to_string().starts_with("no_such_file.toml: "));
/// ```
///
/// # Errors
/// [`Error::Io`] naming the file if it cannot be read, is larger than [`MAX_INPUT_BYTES`] or is not UTF-8.
pub fn read_text(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    read_bounded(path).map_err(|e| Error::io(path, e))
}

/// [`read_text`] with the plain I/O error.
pub(crate) fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let too_large = || {
        let message = format!("larger than {} MiB, the most diffphys reads from one file", MAX_INPUT_BYTES >> 20);
        Error::new(ErrorKind::InvalidData, message)
    };
    let file = std::fs::File::open(path)?;
    // devices and pipes have no size: the limit is checked as they are read
    let size = file.metadata()?.len();
    if size > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that does not end, or is larger than the limit, is one error naming it: reading `/dev/zero` (as a
    /// scene, or as the URDF a scene names) used to take memory until there was none.
    #[cfg(target_os = "linux")]
    #[test]
    fn input_files_are_read_up_to_the_limit() {
        let e = load_scene("/dev/zero").unwrap_err().to_string();
        assert_eq!(e, "/dev/zero: larger than 256 MiB, the most diffphys reads from one file");
        let robot = "[world]\ndt = 0.001\nduration = 1.0\n[[robots]]\nname = \"r\"\nurdf = \"/dev/zero\"\n";
        let e = parse_scene(robot, "s.toml").unwrap_err().to_string();
        assert!(e.contains("robots[r].urdf") && e.contains("larger than 256 MiB"), "{e}");
        // a (sparse) file one byte over the limit is refused before it is read; at the limit it is read
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.csv");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_INPUT_BYTES + 1).unwrap();
        let e = read_observations(&big).unwrap_err().to_string();
        assert!(e.contains("big.csv") && e.contains("larger than 256 MiB"), "{e}");
        let small = dir.path().join("small.csv");
        std::fs::write(&small, "t,ball.z\n0,1\n").unwrap();
        assert_eq!(read_text(&small).unwrap(), "t,ball.z\n0,1\n");
        std::fs::write(&small, b"t,ball.z\n0,\xff\n").unwrap();
        assert!(read_text(&small).unwrap_err().to_string().contains("valid UTF-8"));
    }
}
