//! Identify a robot arm from its joint angles, in a world that also holds a box and a ball: the PD-driven arm of
//! `scenes/one_world.toml` is "measured" (joint angles every 10 ms with 0.1 mrad encoder noise, simulated at a
//! quarter of the step with RK4), then the forearm's mass and the elbow's damping are fitted from wrong guesses,
//! with standard errors.
//!
//! Run with `cargo run --release --example identify_arm`.

use diffphys::fit::{fit, FitOptions, Observations};
use diffphys::model::Integrator;
use diffphys::{io, sim};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

fn main() -> diffphys::Result<()> {
    let mut model = io::load_scene(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/one_world.toml"))?;
    model.settings.integrator = Integrator::Rk4;
    let names = ["arm.forearm.mass", "arm.elbow.damping"];
    let ids = model.resolve_params(&names)?;
    let truth = model.param_values(&ids);

    // the measurement: the same world at a quarter of the step
    let mut fine = model.clone();
    fine.settings.dt /= 4.0;
    let mut obs = Observations::from_trajectory(&sim::rollout(&fine)?, &["arm.shoulder", "arm.elbow"], 40)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let noise = Normal::new(0.0, 1e-4).expect("positive σ");
    obs.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));

    let guess = model.with_params(&ids, &[truth[0] * 1.5, truth[1] * 0.4]);
    let report = fit(&guess, &names, &obs, &FitOptions::default(), |it| {
        println!("stage {} iter {:>2}  cost {:.3e}  {:?}", it.stage, it.iteration, it.cost, it.params);
    })?;
    for (k, name) in names.iter().enumerate() {
        let (value, se) = (report.values[k], report.std_errs[k].unwrap_or(f64::NAN));
        println!("{name:<20} {value:.6} ± {se:.1e}   (true {})", truth[k]);
        assert!((value - truth[k]).abs() < 0.01 * truth[k], "{name} within 1% of the truth");
        assert!((value - truth[k]).abs() < 4.0 * se + 1e-6 * truth[k], "{name}: the standard error covers the truth");
    }
    println!("residual std {:.2e} rad over {} values", report.residual_std, report.n_residuals);
    assert!(report.converged);
    assert!(report.residual_std < 1.5e-4, "the residuals are the encoder noise");
    Ok(())
}
