//! Issue 4, identification demos: the shipped scenes and measurements recover the true parameter within 2%.

use diffphys::fit::{fit, FitOptions};
use diffphys::io;

fn recovers(scene: &str, measured: &str, param: &str, truth: f64) {
    let scene = io::load_scene(scene).unwrap();
    let obs = io::read_observations(measured).unwrap();
    let start = scene.param_values(&scene.resolve_params(&[param]).unwrap())[0];
    assert!((start - truth).abs() > 0.1 * truth, "the scene's guess must start away from the truth");
    let report = fit(&scene, &[param], &obs, &FitOptions::default(), |_| {}).unwrap();
    let got = report.values[0];
    assert!((got - truth).abs() < 0.02 * truth, "{param}: fitted {got}, truth {truth}");
    // the residuals are the 1 mm measurement noise
    assert!(report.residual_std > 0.5e-3 && report.residual_std < 1.5e-3, "residual std {}", report.residual_std);
}

#[test]
fn fits_a_box_friction_from_a_measured_slide() {
    recovers("scenes/sliding_box.toml", "scenes/measured/sliding_box.csv", "box.friction", 0.4);
}

#[test]
fn fits_a_ball_restitution_from_a_measured_bounce_sequence() {
    recovers(
        "scenes/bouncing_ball_restitution.toml",
        "scenes/measured/bouncing_ball_restitution.csv",
        "ball.restitution",
        0.8,
    );
}
