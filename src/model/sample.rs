//! Sample scenes built in code, for examples, tests and benchmarks.

use super::{Ground, Integrator, Model, Particle, Spring, SpringEnd};
use nalgebra::Vector3;

/// A ball of 0.5 kg and 5 cm radius thrown at 2 m/s from 1 m onto a ground with `k = 1e5` N/m, `c = 60` N·s/m,
/// `μ = 0.1`, a 3 mm contact ramp; `dt = 1e-4` s for 2 s. The same scene as `scenes/bouncing_ball.toml` ([`crate::io::DEMO_SCENE`]).
pub fn bouncing_ball() -> Model<f64> {
    let mut scene = Model::empty(1e-4, 2.0);
    scene.ground = Some(Ground {
        stiffness: 1e5,
        damping: 60.0,
        friction: 0.1,
        ramp_depth: 3e-3,
        slip_velocity: Ground::<f64>::DEFAULT_SLIP_VELOCITY,
        restitution: 0.0,
    });
    let mut ball = Particle::new("ball", 0.5, 0.05, Vector3::new(0.0, 0.0, 1.0));
    ball.velocity = Vector3::new(2.0, 0.0, 0.0);
    ball.drag = 0.02;
    scene.particles.push(ball);
    scene
}

/// A square net of `side × side` particles (0.1 kg, 1 cm radius, 10 cm apart) in the plane `z = height`, joined
/// to their right and upper neighbours by springs (`k = 200` N/m, `c = 0.5` N·s/m, relaxed), with its four
/// corners hung from anchors directly above them, falling onto a ground (`k = 1e4`, `c = 10`, `μ = 0.5`).
/// `dt = 1e-3` s for 2 s, semi-implicit Euler.
///
/// ```
/// let net = diffphys::model::sample::spring_net(10, 0.5);
/// assert_eq!(net.particles.len(), 100);
/// net.validate().unwrap();
/// ```
pub fn spring_net(side: usize, height: f64) -> Model<f64> {
    let mut scene = Model::empty(1e-3, 2.0);
    scene.settings.integrator = Integrator::SemiImplicitEuler;
    scene.ground = Some(Ground::new(1e4, 10.0, 0.5));
    let spacing = 0.1;
    let index = |i: usize, j: usize| i * side + j;
    for i in 0..side {
        for j in 0..side {
            let x = Vector3::new(i as f64 * spacing, j as f64 * spacing, height);
            scene.particles.push(Particle::new(&format!("p{i}_{j}"), 0.1, 0.01, x));
        }
    }
    let mut link = |a: usize, b: SpringEnd<f64>, name: String| {
        scene.springs.push(Spring { name, a, b, stiffness: 200.0, damping: 0.5, rest_length: spacing });
    };
    for i in 0..side {
        for j in 0..side {
            if i + 1 < side {
                link(index(i, j), SpringEnd::Particle(index(i + 1, j)), format!("s{i}_{j}_x"));
            }
            if j + 1 < side {
                link(index(i, j), SpringEnd::Particle(index(i, j + 1)), format!("s{i}_{j}_y"));
            }
        }
    }
    let last = side.saturating_sub(1);
    for (i, j) in [(0, 0), (0, last), (last, 0), (last, last)] {
        let above = Vector3::new(i as f64 * spacing, j as f64 * spacing, height + spacing);
        link(index(i, j), SpringEnd::Anchor(above), format!("hang{i}_{j}"));
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{parse_scene, DEMO_SCENE};

    #[test]
    fn bouncing_ball_matches_the_demo_file() {
        assert_eq!(bouncing_ball(), parse_scene(DEMO_SCENE, "demo").unwrap());
    }
}
