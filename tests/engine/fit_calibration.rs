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

/// One parameter set explains many experiments (`fit_experiments`): the demo ball thrown and measured with 1 mm
/// noise; the ground's damping and friction and the ball's drag fitted from wrong guesses. Eight repeats of one
/// throw (new noise each) shrink the standard errors of one throw by `1/√8 ≈ 0.354`, as eight times the data
/// should; eight throws at eight speeds (1 to 2.75 m/s, known) give a fit that agrees with the first throw's
/// within their standard errors, both covering the truth.
#[test]
fn eight_experiments_agree_with_one_and_shrink_its_standard_errors() {
    use diffphys::fit::{fit_experiments, Experiment};
    let mut base = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    base.settings.duration = 1.0;
    let names = ["ground.damping", "ground.friction", "ball.drag"];
    let ids = base.resolve_params(&names).unwrap();
    let truth = base.param_values(&ids);
    let speed = base.resolve_params(&["ball.velocity.x"]).unwrap()[0];
    let noise = Normal::new(0.0, 1e-3).unwrap();
    let throw = |v: f64, seed: u64| {
        let mut scene = base.clone();
        scene.set_param(speed, v);
        let mut obs =
            Observations::from_trajectory(&sim::rollout(&scene).unwrap(), &["ball.x", "ball.z"], 100).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        obs.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));
        Experiment { scene: scene.with_params(&ids, &[45.0, 0.15, 0.04]), observations: obs }
    };
    let solve = |e: &[Experiment]| {
        let report = fit_experiments(e, &names, &FitOptions::default(), |_| {}).unwrap();
        assert!(report.converged);
        report
    };

    let repeats: Vec<Experiment> = (0..8).map(|i| throw(2.0, 100 + i)).collect();
    let (one, eight) = (solve(&repeats[..1]), solve(&repeats));
    assert_eq!(eight.n_residuals, 8 * one.n_residuals);
    for (j, name) in names.iter().enumerate() {
        let ratio = eight.std_errs[j].unwrap() / one.std_errs[j].unwrap();
        assert!((0.30..0.41).contains(&ratio), "{name}: σ₈/σ₁ = {ratio}, expected about 1/√8 = 0.354");
    }

    let speeds: Vec<Experiment> = (0..8).map(|i| throw(1.0 + 0.25 * i as f64, 200 + i)).collect();
    let (one, eight) = (solve(&speeds[..1]), solve(&speeds));
    for (j, (name, truth)) in names.iter().zip(&truth).enumerate() {
        let (s1, s8) = (one.std_errs[j].unwrap(), eight.std_errs[j].unwrap());
        let (v1, v8) = (one.values[j], eight.values[j]);
        assert!((v1 - v8).abs() <= 3.0 * s1.hypot(s8), "{name}: {v1} ± {s1} vs {v8} ± {s8}");
        assert!((v1 - truth).abs() <= 3.0 * s1, "{name}: {v1} ± {s1}, truth {truth}");
        assert!((v8 - truth).abs() <= 3.0 * s8, "{name}: {v8} ± {s8}, truth {truth}");
        assert!(s8 < 0.6 * s1, "{name}: eight throws, σ {s8}; one, {s1}");
    }

    // a bad experiment is named by its index
    let mut bad = speeds.clone();
    bad[5].observations.columns[1] = "ball.height".into();
    let msg = fit_experiments(&bad, &names, &FitOptions::default(), |_| {}).unwrap_err().to_string();
    assert!(msg.starts_with("batch item 5: ") && msg.contains("ball.height"), "{msg}");
}
