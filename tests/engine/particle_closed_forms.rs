//! Closed-form physics the particle engine must reproduce (issue #2):
//!
//! - a projectile with linear drag follows `v(t) = v∞ + (v0 − v∞) e^(−t/τ)`, `τ = m/b`, `v∞ = g τ`;
//! - a particle resting on the ground sinks to the penetration `m g / k`;
//! - a particle sliding on the ground decelerates at `μ g` and stops after `v0² / (2 μ g)`;
//! - one bounce off a spring–damper ground returns the speed times `e = exp(−π ζ / √(1 − ζ²))`,
//!   `ζ = c / (2√(k m))`;
//! - and the exact derivative of the drag projectile's position with respect to the drag coefficient matches
//!   the derivative of the closed form.

use diffphys::model::{Ground, Integrator, Model, ParamId, Particle};
use diffphys::sim::{rollout, rollout_with};
use nalgebra::Vector3;
use num_dual::{Dual64, DualNum};

const G: f64 = 9.81;

fn ground(stiffness: f64, damping: f64, friction: f64, ramp_depth: f64) -> Ground<f64> {
    Ground { stiffness, damping, friction, ramp_depth, slip_velocity: 0.01, restitution: 0.0 }
}

/// x(t) of a particle with linear drag b and mass m under gravity g (vector), from x0 with v0.
fn drag_closed_form(m: f64, b: f64, x0: Vector3<f64>, v0: Vector3<f64>, t: f64) -> Vector3<f64> {
    let tau = m / b;
    let v_inf = Vector3::new(0.0, 0.0, -G) * tau;
    x0 + v_inf * t + (v0 - v_inf) * (tau * (1.0 - (-t / tau).exp()))
}

fn drag_scene() -> Model<f64> {
    let mut scene = Model::empty(1e-3, 2.0);
    scene.settings.integrator = Integrator::Rk4;
    let mut p = Particle::new("shot", 0.3, 0.0, Vector3::new(0.0, 0.0, 10.0));
    p.velocity = Vector3::new(12.0, -3.0, 9.0);
    p.drag = 0.15;
    scene.particles.push(p);
    scene
}

/// RK4's global error is O(dt⁴): with dt/τ = 5e-4 it is far below the 1e-9 m asserted.
#[test]
fn projectile_with_linear_drag_follows_the_closed_form() {
    let scene = drag_scene();
    let p = &scene.particles[0];
    let traj = rollout(&scene).unwrap();
    for state in traj.states.iter().step_by(100) {
        let t = state.time(scene.settings.dt);
        let expected = drag_closed_form(p.mass, p.drag, p.position, p.velocity, t);
        assert!((state.x[0] - expected).norm() < 1e-9, "t = {t}: {} vs {expected}", state.x[0]);
    }
}

/// d x(T)/d b by a dual number through the simulation, against the derivative of the closed form (itself by a
/// dual number through the formula).
#[test]
fn drag_derivative_matches_the_closed_form_derivative() {
    let scene = drag_scene();
    let p = scene.particles[0].clone();
    let b = Dual64::from(p.drag).derivative();
    let simulated = scene.with_params(&[ParamId::Drag { particle: 0 }], &[b]);
    let last = rollout_with(&simulated, simulated.settings.n_steps(), |_| {}).unwrap();
    // closed form in duals: x(T) = x0 + v∞ T + (v0 − v∞) τ (1 − e^(−T/τ)), τ = m/b
    let t = 2.0;
    let tau = Dual64::from(p.mass) / b;
    let decay = (-(Dual64::from(t) / tau)).exp();
    for axis in 0..3 {
        let v_inf = if axis == 2 { -tau * G } else { Dual64::from(0.0) };
        let x = v_inf * t + (v_inf * -1.0 + p.velocity[axis]) * tau * (-decay + 1.0) + p.position[axis];
        assert!((last.x[0][axis].eps - x.eps).abs() < 1e-8 * x.eps.abs().max(1.0), "axis {axis}");
    }
}

/// Critically damped (c = 2√(k m)) and with m g / k = 0.98 mm deeper than the 0.1 mm contact ramp, the particle
/// settles where k d = m g exactly.
#[test]
fn resting_particle_settles_at_m_g_over_k() {
    let (m, k) = (1.0, 1e4);
    let mut scene = Model::empty(1e-3, 1.0);
    scene.ground = Some(ground(k, 2.0 * (k * m).sqrt(), 0.5, 1e-4));
    scene.particles.push(Particle::new("block", m, 0.05, Vector3::new(0.0, 0.0, 0.05)));
    let last = rollout_with(&scene, scene.settings.n_steps(), |_| {}).unwrap();
    let penetration = 0.05 - last.x[0].z;
    assert!((penetration - m * G / k).abs() < 1e-9 * (m * G / k) + 1e-12, "{penetration} vs {}", m * G / k);
    assert!(last.v[0].norm() < 1e-9);
}

/// Sliding at 2 m/s with μ = 0.3, the speed falls as v0 − μ g t (the friction regularisation below 1 cm/s
/// only matters in the last millimetres) and the block stops after v0² / (2 μ g) = 0.680 m.
#[test]
fn sliding_particle_decelerates_at_mu_g() {
    let (m, k, mu, v0) = (1.0, 1e4, 0.3, 2.0);
    let rest = m * G / k;
    let mut scene = Model::empty(1e-4, 1.0);
    scene.ground = Some(ground(k, 2.0 * (k * m).sqrt(), mu, 1e-4));
    let mut block = Particle::new("block", m, 0.05, Vector3::new(0.0, 0.0, 0.05 - rest));
    block.velocity = Vector3::new(v0, 0.0, 0.0);
    scene.particles.push(block);
    let traj = rollout(&scene).unwrap();
    for t in [0.1, 0.3, 0.5] {
        let state = &traj.states[(t / scene.settings.dt).round() as usize];
        let expected = v0 - mu * G * t;
        assert!((state.v[0].x - expected).abs() < 1e-4, "t = {t}: {} vs {expected}", state.v[0].x);
    }
    let stop = traj.last().unwrap().x[0].x;
    let expected = v0 * v0 / (2.0 * mu * G);
    assert!((stop - expected).abs() < 1e-3, "stopped at {stop}, expected {expected}");
    assert!(traj.last().unwrap().v[0].x.abs() < 1e-6);
}

/// With the contact ramp off and 2,000 steps per contact, one bounce returns the speed times e within 2%.
/// (The C¹ never-pull blend near separation adds a little to the restitution of the linear model.)
#[test]
fn one_bounce_returns_the_restitution_of_the_spring_damper() {
    let (m, k, zeta): (f64, f64, f64) = (0.2, 1e4, 0.1);
    let c = 2.0 * zeta * (k * m).sqrt();
    let e = (-std::f64::consts::PI * zeta / (1.0 - zeta * zeta).sqrt()).exp();
    let mut scene = Model::empty(2e-6, 0.4);
    scene.ground = Some(ground(k, c, 0.0, 0.0));
    scene.particles.push(Particle::new("ball", m, 0.05, Vector3::new(0.0, 0.0, 0.3)));
    // speed just before touching and the largest upward speed after leaving the ground
    let (mut v_in, mut v_out, mut left) = (0.0_f64, 0.0_f64, false);
    rollout_with(&scene, scene.settings.n_steps(), |s| {
        let above = s.x[0].z > 0.05;
        if above && s.v[0].z < 0.0 && !left {
            v_in = v_in.max(-s.v[0].z);
        }
        if above && s.v[0].z > 0.0 {
            left = true;
            v_out = v_out.max(s.v[0].z);
        }
    })
    .unwrap();
    let measured = v_out / v_in;
    assert!(left, "the ball bounced");
    assert!((measured - e).abs() < 0.02 * e, "restitution {measured}, expected {e}");
}
