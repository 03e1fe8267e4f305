//! The exact gradient of where a thrown ball is after 1 s with respect to its launch velocity and drag, from
//! dual numbers, checked against central finite differences.
//!
//! Run with `cargo run --release --example gradient_of_a_throw`.

use diffphys::grad::{self, FinalPositions};
use diffphys::model::{Model, Particle};
use nalgebra::Vector3;

fn main() -> diffphys::Result<()> {
    let mut scene = Model::<f64>::empty(1e-3, 1.0);
    let mut ball = Particle::new("ball", 0.2, 0.03, Vector3::new(0.0, 0.0, 1.0));
    ball.velocity = Vector3::new(5.0, 0.0, 5.0);
    ball.drag = 0.05;
    scene.particles.push(ball);

    let names = ["ball.velocity.x", "ball.velocity.z", "ball.drag"];
    let outcome = FinalPositions::new(&scene, &names)?;
    let check = grad::check(&outcome, &outcome.initial_values(), 6e-6)?;
    println!("final position {:?}", check.value.as_slice());
    for (j, name) in names.iter().enumerate() {
        println!(
            "d(x, z)/d{name:<16} = ({:+.6}, {:+.6})   central differences: ({:+.6}, {:+.6})",
            check.jacobian[(0, j)],
            check.jacobian[(2, j)],
            check.fd_jacobian[(0, j)],
            check.fd_jacobian[(2, j)]
        );
    }
    println!("largest relative difference: {:.2e}", check.max_rel_err);

    // With linear drag b and mass m, x(t) = vx0 τ (1 − e^(−t/τ)), τ = m/b: dx/dvx0 = τ (1 − e^(−t/τ)) exactly
    // in continuous time; semi-implicit Euler at dt = 1 ms agrees to O(dt).
    let tau: f64 = 0.2 / 0.05;
    let expected = tau * (1.0 - (-1.0 / tau).exp());
    assert!((check.jacobian[(0, 0)] - expected).abs() < 1e-3 * expected, "{}", check.jacobian[(0, 0)]);
    assert!(check.jacobian[(0, 2)] < 0.0, "more drag, shorter throw");
    assert!(check.max_rel_err < 1e-6);
    Ok(())
}
