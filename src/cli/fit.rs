//! `diffphys fit SCENE --observed traj.csv --params a,b,c [--json out.json] [--plot out.png]`.

use super::output::Out;
use super::report;
use diffphys::fit::{fit, FitOptions, LmOptions};
use diffphys::{io, Result};
use std::path::Path;

pub fn run(
    scene_path: &Path,
    observed: &Path,
    params: &[String],
    json: Option<&Path>,
    plot: Option<&Path>,
    max_iterations: usize,
) -> Result<()> {
    let scene = super::load_scene(scene_path)?;
    let obs = io::read_observations(observed)?;
    let options = FitOptions { lm: LmOptions { max_iterations, ..LmOptions::default() }, ..FitOptions::default() };
    let names: Vec<String> = params.iter().map(|p| p.trim().to_string()).collect();
    note!(
        "fitting {} parameters to {} samples × {} columns of {}",
        names.len(),
        obs.times.len(),
        obs.columns.len(),
        observed.display()
    );
    let report = fit(&scene, &names, &obs, &options, report::progress_line(&names))?;
    let mut stdout = Out::new("the fit report");
    report::print_table(&mut stdout, &report, None)?;
    stdout.flush()?;
    if !report.converged {
        note!("warning: the iteration limit was reached before convergence (raise --max-iterations)");
    }
    report::print_derivative_warnings(&report.derivative_warnings);
    if let Some(path) = json {
        report::write_json(path, &report.to_json())?;
        note!("wrote {}", path.display());
    }
    if let Some(path) = plot {
        let ids = scene.resolve_params(&names)?;
        let fitted = scene.with_params(&ids, &report.values);
        report::plot(path, "diffphys fit: observed vs fitted", &obs, &[("initial", &scene), ("fitted", &fitted)])?;
        note!("wrote {}", path.display());
    }
    Ok(())
}
