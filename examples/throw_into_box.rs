//! Control through a bounce: choose the initial velocity of a thrown ball so that, after one bounce on the
//! floor, it flies into a target box 3 m away (its opening at 25 cm height) at t = 1 s.
//!
//! The outcome (the ball's position at the final time) is differentiated through the impulse contact with
//! time-of-impact correction, so its Jacobian w.r.t. the throw is exact and smooth; the throw is improved by
//! damped Gauss–Newton steps on `½ |p(T) − target|²` (gradient descent preconditioned by the exact Jacobian).
//!
//! `cargo run --release --example throw_into_box`

use diffphys::grad::{jacobian, FinalPositions, Outcome};
use diffphys::{io, Result};
use nalgebra::{Matrix2, Vector2};

fn main() -> Result<()> {
    let scene = io::load_scene("scenes/throw_into_box.toml")?;
    let target = Vector2::new(3.0, 0.25); // x and z of the box opening (m)
    let params = ["ball.velocity.x", "ball.velocity.z"];
    let outcome = FinalPositions::new(&scene, &params)?;
    let mut throw = outcome.initial_values();
    println!("throw (vx, vz) m/s        final (x, z) m          miss m");
    for iteration in 0..30 {
        let (p, jac) = jacobian(&outcome, &throw)?;
        let miss = Vector2::new(p[0] - target.x, p[2] - target.y);
        println!("{iteration:>2}  ({:.4}, {:.4})  ({:.4}, {:.4})  {:.2e}", throw[0], throw[1], p[0], p[2], miss.norm());
        if miss.norm() < 1e-6 {
            break;
        }
        // rows x and z of d(final position)/d(throw)
        let j = Matrix2::new(jac[(0, 0)], jac[(0, 1)], jac[(2, 0)], jac[(2, 1)]);
        let gradient = j.transpose() * miss;
        let step = (j.transpose() * j + Matrix2::identity() * 1e-6)
            .try_inverse()
            .map(|inv| inv * gradient)
            .unwrap_or(gradient);
        // backtracking: accept the step only if it reduces the miss
        let mut scale = 1.0;
        loop {
            let trial = vec![throw[0] - scale * step[0], throw[1] - scale * step[1]];
            let q = outcome.eval::<f64>(&trial)?;
            if Vector2::new(q[0] - target.x, q[2] - target.y).norm() < miss.norm() || scale < 1e-3 {
                throw = trial;
                break;
            }
            scale *= 0.5;
        }
    }
    let last = outcome.eval::<f64>(&throw)?;
    let bounces = count_bounces(&scene, &throw)?;
    println!(
        "throw at ({:.4}, {:.4}) m/s: lands in the box at ({:.4}, {:.4}) m after {bounces} bounce(s)",
        throw[0], throw[1], last[0], last[2]
    );
    Ok(())
}

/// The number of floor contacts before the final time.
fn count_bounces(scene: &diffphys::model::Model<f64>, throw: &[f64]) -> Result<usize> {
    let ids = scene.resolve_params(&["ball.velocity.x", "ball.velocity.z"])?;
    let s = scene.with_params::<f64>(&ids, throw);
    let (mut bounces, mut falling) = (0, false);
    diffphys::sim::rollout_with(&s, s.settings.n_steps(), |st| {
        let vz = st.bodies[0].velocity.z;
        if falling && vz > 0.0 {
            bounces += 1;
        }
        falling = vz < 0.0;
    })?;
    Ok(bounces)
}
