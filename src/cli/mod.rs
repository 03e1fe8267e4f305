//! Argument parsing and dispatch of the `diffphys` subcommands.

mod bench;
mod demo;
mod dynamics;
mod fit;
mod gradcheck;
mod optimize;
mod output;
mod params;
mod report;
mod simulate;
mod view;

use clap::{Parser, Subcommand};
use diffphys::Result;
use std::path::PathBuf;

pub use output::is_closed_pipe;

/// diffphys: a differentiable physics engine with exact gradients from dual numbers.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Fit a bouncing ball's parameters to a noisy synthetic measurement (the default command).
    Demo {
        /// Where to write the plot of measured vs fitted trajectories (.png or .svg).
        #[arg(long, default_value = "demo_fit.png")]
        plot: PathBuf,
        /// Also write the fit report as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Seed of the measurement noise.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Simulate a scene and write its trajectory as CSV (`t,<particle>.x,...,<body>.qz,...,<robot>.<joint>,...`).
    Simulate {
        /// The scene file (TOML).
        scene: PathBuf,
        /// Output CSV file; standard output if omitted.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write every N-th step only.
        #[arg(long, default_value_t = 1)]
        every: usize,
    },
    /// Replay a scene in 3D: one self-contained HTML page (three.js inlined, opens from disk) with the ground,
    /// particles, springs, bodies, robot links, contact points and forces, a time slider and an orbit camera.
    View {
        /// The scene file (TOML).
        scene: PathBuf,
        /// Replay this trajectory CSV (as `diffphys simulate` writes for the scene) instead of simulating.
        #[arg(long)]
        trajectory: Option<PathBuf>,
        /// Output HTML file; standard output if omitted.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep every N-th step as a frame (default: as many as --fps asks for).
        #[arg(long, conflicts_with = "fps")]
        every: Option<usize>,
        /// Frames per simulated second (at most 5000 frames in all: a longer run keeps fewer per second).
        #[arg(long, default_value_t = 60.0)]
        fps: f64,
        /// Leave out contact points and forces.
        #[arg(long)]
        no_contacts: bool,
    },
    /// List every parameter name of a scene with its value.
    Params {
        /// The scene file (TOML).
        scene: PathBuf,
    },
    /// Fit scene parameters to an observed trajectory (least squares, Levenberg–Marquardt, exact Jacobians).
    Fit {
        /// The scene file (TOML); its values are the starting guesses.
        scene: PathBuf,
        /// CSV with a `t` column and any of the trajectory's columns (`<body>.z`, `<robot>.<joint>`, ...); times must lie
        /// on the scene's dt grid.
        #[arg(long)]
        observed: PathBuf,
        /// Comma-separated parameter names, e.g. `ball.mass,ground.friction`.
        #[arg(long, value_delimiter = ',', required = true)]
        params: Vec<String>,
        /// Write the report as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Plot observed vs fitted trajectories (.png or .svg).
        #[arg(long)]
        plot: Option<PathBuf>,
        /// Maximum Levenberg–Marquardt iterations.
        #[arg(long, default_value_t = 100)]
        max_iterations: usize,
    },
    /// Robot dynamics at given states: ABA, CRBA, RNEA, ABA derivatives and energies (Pinocchio's reference format).
    Dynamics {
        /// The robot: URDF (fixed base, gravity (0, 0, −9.81)) or MJCF (joints, free and ball included, and gravity
        /// as the file gives them), told apart by the root element.
        model: PathBuf,
        /// JSON `{"states": [{"q": [...], "v": [...], "tau": [...]}]}` in the model's joint order (a free or ball
        /// joint's quaternion `[x, y, z, w]`, its velocities in the body frame).
        #[arg(long)]
        states: PathBuf,
        /// Write the results to this JSON file instead of standard output.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Median ns per call of rnea, crba, aba and the ABA derivatives on a robot (URDF or MJCF) at a seeded random state;
    /// or, for a scene (.toml), of one step at the scene's state after 1 s, one step in duals (8 directions) and
    /// the robots' step Jacobians A = ∂x'/∂x, B = ∂x'/∂u.
    Bench {
        /// The robot (URDF or MJCF) or the scene (TOML).
        model: PathBuf,
        /// Also write the timings as JSON (URDF: `rnea_ns`, `crba_ns`, `aba_ns`, `aba_derivatives_ns`, `nv`; scene:
        /// `step_ns`, `dual_step_ns`, `step_jacobians_ns`, `nx`, `nu`).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Seed of the random state.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Optimal control: swing a robot up (cart-pole, pendulum, acrobot) or reach a target with a URDF arm's
    /// frame (Crocoddyl's reaching problem), by iLQR / box-DDP or L-BFGS shooting on exact gradients.
    Optimize(optimize::Args),
    /// Jacobian of the final positions w.r.t. parameters: dual numbers vs central differences.
    Gradcheck {
        /// The scene file (TOML).
        scene: PathBuf,
        /// Comma-separated parameter names.
        #[arg(long, value_delimiter = ',', required = true)]
        params: Vec<String>,
        /// Write the result as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Relative step of the central differences.
        #[arg(long, default_value_t = 6e-6)]
        step: f64,
        /// Exit with an error if the largest relative error exceeds this.
        #[arg(long)]
        max_rel_err: Option<f64>,
    },
}

/// A robot from a URDF or MJCF file ([`diffphys::io::load_robot_file`]), with what the MJCF reader ignored
/// noted on standard error.
fn load_robot(path: &std::path::Path) -> Result<diffphys::model::Multibody<f64>> {
    let robot = diffphys::io::load_robot_file(path)?;
    if !robot.ignored.is_empty() {
        note!("warning: ignored in {}: {}", path.display(), robot.ignored.join(", "));
    }
    Ok(robot.multibody)
}

/// Parses the command line and runs the chosen command.
pub fn run() -> Result<()> {
    match Cli::parse().command.unwrap_or(Command::Demo { plot: "demo_fit.png".into(), json: None, seed: 7 }) {
        Command::Demo { plot, json, seed } => demo::run(&plot, json.as_deref(), seed),
        Command::Simulate { scene, out, every } => simulate::run(&scene, out.as_deref(), every),
        Command::View { scene, trajectory, out, every, fps, no_contacts } => view::run(&view::Args {
            scene: &scene,
            trajectory: trajectory.as_deref(),
            out: out.as_deref(),
            every,
            fps,
            contacts: !no_contacts,
        }),
        Command::Params { scene } => params::run(&scene),
        Command::Fit { scene, observed, params, json, plot, max_iterations } => {
            fit::run(&scene, &observed, &params, json.as_deref(), plot.as_deref(), max_iterations)
        }
        Command::Optimize(args) => optimize::run(&args),
        Command::Dynamics { model, states, json } => dynamics::run(&model, &states, json.as_deref()),
        Command::Bench { model, json, seed } if model.extension().is_some_and(|e| e == "toml") => {
            let _ = seed;
            bench::run_scene(&model, json.as_deref())
        }
        Command::Bench { model, json, seed } => bench::run(&model, json.as_deref(), seed),
        Command::Gradcheck { scene, params, json, step, max_rel_err } => {
            gradcheck::run(&scene, &params, json.as_deref(), step, max_rel_err)
        }
    }
}

/// Loads the scene at `path` and prints a `warning:` line to standard error for each element the time step may
/// not resolve ([`diffphys::sim::time_step_warnings`]); a certainly unstable step is refused when the scene runs.
fn load_scene(path: &std::path::Path) -> Result<diffphys::model::Model<f64>> {
    let scene = diffphys::io::load_scene(path)?;
    for warning in diffphys::sim::time_step_warnings(&scene) {
        note!("warning: {}: {warning}", path.display());
    }
    Ok(scene)
}
