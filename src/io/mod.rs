//! Files: TOML scene files, CSV trajectories and observations, JSON reports and plots.

mod observations_csv;
mod plot;
mod scene_file;
mod scene_robots;
mod trajectory_csv;
mod urdf;

pub use observations_csv::{parse_observations, read_observations};
pub use plot::{plot_fit, plot_optimization, PlotSeries};
pub use scene_file::{load_scene, parse_scene, parse_scene_in_dir, DEMO_SCENE};
pub use trajectory_csv::{trajectory_csv, trajectory_csv_header, trajectory_csv_row, write_trajectory_csv};
pub use urdf::{
    load_urdf, load_urdf_floating, load_urdf_with, parse_urdf, parse_urdf_floating, parse_urdf_with, CollisionGeometry,
    Mimic, Urdf, UrdfOptions,
};
