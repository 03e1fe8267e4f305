//! Shared proptest strategies: random, physically tame scenes.
#![allow(dead_code)] // each test file uses a different subset

use diffphys::model::{Ground, Integrator, Model, Particle, Spring, SpringEnd};
use nalgebra::Vector3;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The proptest configuration of every property in this crate, before its case count: a fixed seed, so that
/// `cargo test` and CI see the same cases every run (as the input fuzzing does). Random seeds explore further and
/// meet rarer cases: `PROPTEST_RNG_SEED=<n> PROPTEST_CASES=2000 cargo test --release --test engine` (README,
/// "Tests"); a failure found so is kept in `tests/proptest-regressions/` where the property persists them.
pub fn fixed_seed() -> ProptestConfig {
    ProptestConfig { rng_seed: RngSeed::Fixed(0x5eed_d1ff), ..ProptestConfig::default() }
}

/// What a random scene may contain.
#[derive(Debug, Clone, Copy)]
pub struct Features {
    pub ground: bool,
    pub gravity: bool,
    pub drag: bool,
    pub spring_damping: bool,
    /// Springs may end at fixed anchors (external forces).
    pub anchors: bool,
}

pub const SMOOTH: Features = Features { ground: false, gravity: true, drag: true, spring_damping: true, anchors: true };
pub const ANYTHING: Features =
    Features { ground: true, gravity: true, drag: true, spring_damping: true, anchors: true };

fn vec3(lo: f64, hi: f64) -> impl Strategy<Value = Vector3<f64>> {
    (lo..hi, lo..hi, lo..hi).prop_map(|(x, y, z)| Vector3::new(x, y, z))
}

fn particle(i: usize, f: Features) -> impl Strategy<Value = Particle<f64>> {
    let drag = if f.drag { 0.2 } else { 0.0 };
    (0.1..2.0, 0.01..0.1, 0.0..=drag, 0.0..=drag / 4.0, vec3(-1.0, 1.0), 0.2..2.0, vec3(-2.0, 2.0)).prop_map(
        move |(mass, radius, drag, quadratic_drag, xy, z, velocity)| Particle {
            name: format!("p{i}"),
            mass,
            radius,
            drag,
            quadratic_drag,
            position: Vector3::new(xy.x, xy.y, z),
            velocity,
        },
    )
}

fn spring(i: usize, n: usize, f: Features) -> impl Strategy<Value = Spring<f64>> {
    let damping = if f.spring_damping { 1.0 } else { 0.0 };
    (0..n, 0..n, any::<bool>(), vec3(-1.0, 1.0), 1.0..50.0, 0.0..=damping, 0.2..1.0).prop_map(
        move |(a, b, to_anchor, anchor, stiffness, damping, rest_length)| {
            let b = if f.anchors && (to_anchor || n == 1) {
                SpringEnd::Anchor(anchor + Vector3::new(0.0, 0.0, 2.0))
            } else if b != a {
                SpringEnd::Particle(b)
            } else {
                SpringEnd::Particle((a + 1) % n)
            };
            Spring { name: format!("s{i}"), a, b, stiffness, damping, rest_length }
        },
    )
}

fn ground() -> impl Strategy<Value = Ground<f64>> {
    (1e3..1e4, 5.0..30.0, 0.0..0.5, 1e-3..5e-3).prop_map(|(stiffness, damping, friction, ramp_depth)| Ground {
        stiffness,
        damping,
        friction,
        ramp_depth,
        slip_velocity: 0.01,
        restitution: 0.0,
    })
}

fn integrator() -> impl Strategy<Value = Integrator> {
    prop_oneof![Just(Integrator::SemiImplicitEuler), Just(Integrator::VelocityVerlet), Just(Integrator::Rk4)]
}

/// A valid random scene of 1–4 particles, some springs, 500 steps of 1 ms.
pub fn scene(f: Features) -> impl Strategy<Value = Model<f64>> {
    (1usize..=4)
        .prop_flat_map(move |n| {
            let springs = if n == 1 && !f.anchors { 0 } else { n + 1 };
            let particles: Vec<_> = (0..n).map(|i| particle(i, f)).collect();
            let springs: Vec<_> = (0..springs).map(|i| spring(i, n, f)).collect();
            let count = springs.len();
            (particles, springs, 0..=count, proptest::option::of(ground()), integrator())
        })
        .prop_map(move |(particles, mut springs, keep, ground, integrator)| {
            springs.truncate(keep);
            let mut scene = Model::empty(1e-3, 0.5);
            scene.settings.integrator = integrator;
            if !f.gravity {
                scene.settings.gravity = Vector3::zeros();
            }
            scene.ground = if f.ground { ground } else { None };
            scene.particles = particles;
            scene.springs =
                springs.into_iter().filter(|s| f.anchors || matches!(s.b, SpringEnd::Particle(_))).collect();
            scene
        })
}
