//! Identify a friction coefficient from a measured slide: a puck pushed at 3 m/s on the ground, observed
//! every 10 ms with 0.5 mm noise, fitted from a wrong guess with standard errors.
//!
//! Run with `cargo run --release --example fit_sliding_friction`.

use diffphys::fit::{fit, FitOptions, Observations};
use diffphys::{io, sim};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

fn main() -> diffphys::Result<()> {
    let truth = io::load_scene(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/sliding_puck.toml"))?;
    let mu_true = truth.ground.as_ref().map_or(0.0, |g| g.friction);

    let mut obs = Observations::from_trajectory(&sim::rollout(&truth)?, &["puck.x"], 10)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let noise = Normal::new(0.0, 5e-4).expect("positive σ");
    obs.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));

    let mut guess = truth.clone();
    if let Some(g) = guess.ground.as_mut() {
        g.friction = 0.15;
    }
    let report = fit(&guess, &["ground.friction"], &obs, &FitOptions::default(), |it| {
        println!("stage {} iter {:>2}  cost {:.3e}  μ = {:.6}", it.stage, it.iteration, it.cost, it.params[0]);
    })?;
    let (mu, se) = (report.values[0], report.std_errs[0].unwrap_or(f64::NAN));
    println!("μ = {mu:.5} ± {se:.5} (true {mu_true}); residual std {:.2e} m", report.residual_std);

    assert!(report.converged);
    assert!((mu - mu_true).abs() < 0.02 * mu_true, "within 2% of the truth");
    assert!((mu - mu_true).abs() < 4.0 * se, "the standard error covers the truth");
    assert!((report.residual_std - 5e-4).abs() < 1e-4, "the residual std estimates the noise");
    Ok(())
}
