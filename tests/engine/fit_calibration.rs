//! The fit's standard errors are calibrated (issue #2): on the demo problem (a bouncing ball measured every 10 ms
//! with 1 mm noise, four parameters fitted from wrong guesses), the errors `(fitted − true) / std_err` over many
//! noise draws behave like standard normal numbers — almost all within 3, with a mean absolute value near
//! `E|N(0,1)| = √(2/π) ≈ 0.80`. Standard errors that were too small (an optimiser stuck in a local minimum, or
//! a rough objective) or too large would fail this.

use diffphys::fit::{fit, FitOptions, Observations};
use diffphys::{io, sim};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

const NAMES: [&str; 4] = ["ground.damping", "ground.friction", "ball.drag", "ball.velocity.x"];
const GUESSES: [f64; 4] = [45.0, 0.15, 0.04, 1.8];

#[test]
fn standard_errors_cover_the_truth_like_a_normal_distribution() {
    let truth_scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    let ids = truth_scene.resolve_params(&NAMES).unwrap();
    let truth = truth_scene.param_values(&ids);
    let clean =
        Observations::from_trajectory(&sim::rollout(&truth_scene).unwrap(), &["ball.x", "ball.z"], 100).unwrap();
    let start = truth_scene.with_params(&ids, &GUESSES);
    let noise = Normal::new(0.0, 1e-3).unwrap();

    let seeds = 20;
    let (mut covered, mut deviations) = (0, Vec::new());
    for seed in 0..seeds {
        let mut obs = clean.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        obs.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));
        let report = fit(&start, &NAMES, &obs, &FitOptions::default(), |_| {}).unwrap();
        assert!(report.converged, "seed {seed}");
        assert!((report.residual_std - 1e-3).abs() < 2e-4, "seed {seed}: residual std {}", report.residual_std);
        let z: Vec<f64> = (0..4).map(|i| (report.values[i] - truth[i]).abs() / report.std_errs[i].unwrap()).collect();
        if z.iter().all(|&zi| zi <= 3.0) {
            covered += 1;
        }
        deviations.extend(z);
    }
    // If calibrated, a draw has all four within 3σ with probability ≈ 0.989; ≥ 18 of 20 then fails with
    // probability < 2%.
    assert!(covered >= 18, "only {covered} of {seeds} fits cover the truth within 3 standard errors");
    let mean = deviations.iter().sum::<f64>() / deviations.len() as f64;
    assert!((0.5..1.1).contains(&mean), "mean |err|/σ = {mean}, expected about 0.8");
}
