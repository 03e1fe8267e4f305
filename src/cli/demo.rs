//! `diffphys demo` (also `diffphys` with no arguments): identify a bouncing ball from a noisy measurement.
//!
//! The embedded scene (`scenes/bouncing_ball.toml`) plays the truth. Its trajectory, sampled every 10 ms with
//! 1 mm Gaussian noise on x and z, is the "measurement". The fit starts from wrong guesses for four
//! parameters and must recover the truth within three standard errors.

use super::output::Out;
use super::report;
use diffphys::fit::{fit, FitOptions, Observations};
use diffphys::{io, sim, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use std::path::Path;
use std::time::Instant;

/// Parameters fitted by the demo, with their deliberately wrong starting guesses.
const GUESSES: [(&str, f64); 4] =
    [("ground.damping", 45.0), ("ground.friction", 0.15), ("ball.drag", 0.04), ("ball.velocity.x", 1.8)];
/// Measurement noise (standard deviation) in m.
const NOISE: f64 = 1e-3;
/// Sampling interval of the measurement in steps (10 ms at dt = 0.1 ms).
const EVERY: usize = 100;

pub fn run(plot: &Path, json: Option<&Path>, seed: u64) -> Result<()> {
    let started = Instant::now();
    let truth_scene = io::parse_scene(io::DEMO_SCENE, "embedded demo scene")?;
    let names: Vec<String> = GUESSES.iter().map(|(n, _)| n.to_string()).collect();
    let ids = truth_scene.resolve_params(&names)?;
    let truth = truth_scene.param_values(&ids);

    note!("diffphys demo: a 0.5 kg ball thrown at 2 m/s from 1 m bounces and slides for 2 s (dt = 0.1 ms)");
    let clean = sim::rollout(&truth_scene)?;
    let mut obs = Observations::from_trajectory(&clean, &["ball.x", "ball.z"], EVERY)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, NOISE).expect("a positive standard deviation");
    obs.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));
    note!(
        "measured: {} samples of ball.x and ball.z every {} ms with {} mm noise (seed {seed})",
        obs.times.len(),
        EVERY as f64 * truth_scene.settings.dt * 1e3,
        NOISE * 1e3
    );

    let guesses: Vec<f64> = GUESSES.iter().map(|(_, g)| *g).collect();
    let start_scene = truth_scene.with_params(&ids, &guesses);
    note!("fitting {} from wrong guesses (Levenberg–Marquardt, exact Jacobians from dual numbers):", names.join(", "));
    let report = fit(&start_scene, &names, &obs, &FitOptions::default(), report::progress_line(&names))?;
    let mut stdout = Out::new("the demo report");
    writeln!(stdout)?;
    report::print_table(&mut stdout, &report, Some(&truth))?;

    let fitted_scene = truth_scene.with_params(&ids, &report.values);
    report::plot(
        plot,
        "diffphys demo: measured vs fitted bouncing ball",
        &obs,
        &[("initial guess", &start_scene), ("fitted", &fitted_scene)],
    )?;
    writeln!(stdout, "plot of measured vs fitted trajectory: {}", plot.display())?;
    if let Some(path) = json {
        report::write_json(path, &report.to_json())?;
        writeln!(stdout, "report: {}", path.display())?;
    }
    let recovered =
        (0..truth.len()).all(|i| report.std_errs[i].is_some_and(|s| (report.values[i] - truth[i]).abs() <= 3.0 * s));
    if recovered {
        writeln!(stdout, "all {} true parameters recovered within 3 standard errors", truth.len())?;
    } else {
        writeln!(stdout, "warning: not every true parameter lies within 3 standard errors of its fit")?;
    }
    writeln!(stdout, "done in {:.1} s", started.elapsed().as_secs_f64())?;
    stdout.flush()
}
