//! Runaways caught while a rollout runs: a passive scene that gains energy, or anything faster than
//! `world.max_speed`. A run that blows up to NaN is caught by [`crate::sim::step`] itself; these catch the runs
//! that stay finite but leave physics (a box bouncing ever higher off a too-stiff contact).
//!
//! **Energy.** A scene is passive when no robot has a controller: gravity, springs, contact, friction, drag and
//! joint damping can only keep or lose mechanical energy. The guard follows `E = Σ (kinetic + gravitational) +
//! spring + particles' ground elastic energy` (robot links included; the rigid bodies' contact elastic energy
//! `½ k d²` at the start is added to `E₀`, so bodies placed overlapping may push apart; the elastic energy of rigid contacts and
//! joint limits is left out, which can only make `E` look lower while they are compressed) and stops the run
//! when `E − E₀ > max_energy_gain · S + ε`, where `S` is the energy the scene starts with to spend (kinetic,
//! spring, and gravitational above the ground `z = 0`, or none without a ground) and `ε` the energy of lifting
//! every mass by 1 cm or moving it at 0.1 m/s, so that a scene at rest does not trip on rounding. The body named
//! is the one whose own energy rose the most.
//!
//! **Speed.** In every scene, active ones included, a particle, rigid body or floating robot base faster than
//! `world.max_speed` stops the run.
//!
//! Both are checked every [`CHECK_EVERY`] steps and on the last state; the error names the likely cause from
//! [`time_step_checks`](super::time_step_checks).

use super::{time_step_checks, Bound, State};
use crate::model::{Control, Model, SpringEnd};
use crate::multibody::{kinetic_energy_multibody, potential_energy_multibody, MultibodyWorkspace};
use crate::scalar::re;
use crate::{Error, Result, Scalar};
use nalgebra::Vector3;

/// The guard looks every this many steps (and at the last state).
pub const CHECK_EVERY: usize = 10;

/// Follows a rollout's energy and speeds; see the module documentation.
pub(crate) struct RunawayGuard<T: Scalar> {
    /// Each particle's, body's and robot's own energy at the start (J), in that order.
    initial: Vec<f64>,
    /// The scene's energy at the start (J).
    total: f64,
    /// The gain that stops the run (J); infinite for an active scene.
    allowed_gain: f64,
    /// Each one's energy at the last check (J), reused from check to check.
    current: Vec<f64>,
    robot_ws: Vec<MultibodyWorkspace<T>>,
}

impl<T: Scalar> RunawayGuard<T> {
    /// A guard for a rollout of `scene` driven from outside (extra joint torques, [`crate::sim::step_with_torques`]):
    /// its energy may rise, so only speeds are checked.
    pub(crate) fn driven(mut self) -> Self {
        self.allowed_gain = f64::INFINITY;
        self
    }

    /// A guard for a rollout of `scene` from `state`.
    pub(crate) fn new(scene: &Model<T>, state: &State<T>) -> Self {
        let passive = scene.robots.iter().all(|r| matches!(r.control, Control::None));
        let mut guard = RunawayGuard {
            initial: Vec::new(),
            total: 0.0,
            allowed_gain: f64::INFINITY,
            current: Vec::new(),
            robot_ws: scene.robots.iter().map(|r| MultibodyWorkspace::new(&r.multibody)).collect(),
        };
        if !passive || !scene.settings.max_energy_gain.is_finite() {
            return guard;
        }
        let total = guard.energies(scene, state);
        let energies = guard.current.clone();
        let g = re(&scene.settings.gravity.norm());
        let height = |z: f64| if scene.ground.is_some() { z.max(0.0) } else { 0.0 };
        let (mut budget, mut floor) = (total - energies.iter().sum::<f64>(), 0.0);
        let mut count = |m: f64, speed2: f64, z: f64| {
            budget += 0.5 * m * speed2 + m * g * height(z);
            floor += m * (g * 0.01 + 0.5 * 0.1 * 0.1);
        };
        for (p, (x, v)) in scene.particles.iter().zip(state.x.iter().zip(&state.v)) {
            count(re(&p.mass), re(&v.norm_squared()), re(&x.z));
        }
        for (b, s) in scene.bodies.iter().zip(&state.bodies) {
            let spin = re(&(s.angular_velocity.norm_squared() * b.principal_inertia().max()));
            count(re(&b.mass), re(&s.velocity.norm_squared()) + spin / re(&b.mass), re(&s.position.z));
        }
        for (i, r) in scene.robots.iter().enumerate() {
            let mass: f64 = r.multibody.inertias.iter().map(|b| re(&b.mass)).sum();
            let kinetic = re(&kinetic_energy_multibody(
                &r.multibody,
                &mut guard.robot_ws[i],
                &state.robots[i].q,
                &state.robots[i].v,
            ));
            // the links' mean height above the root origin, from the potential energy in the root frame
            let above_root = re(&potential_energy_multibody(&r.multibody, &mut guard.robot_ws[i], &state.robots[i].q))
                / (mass * g).max(f64::MIN_POSITIVE);
            count(mass, 2.0 * kinetic / mass.max(f64::MIN_POSITIVE), above_root + re(&r.base.translation.z));
        }
        // elastic energy stored in rigid contacts at the start (bodies placed overlapping) is spent like the rest
        let stored = initial_contact_energy(scene, state);
        budget += stored;
        guard.initial = energies;
        guard.total = total + stored;
        guard.allowed_gain = scene.settings.max_energy_gain * budget.max(0.0) + floor;
        guard
    }

    /// Each particle's, body's and robot's energy (J) into `self.current`; returns the scene's total (springs
    /// included).
    fn energies(&mut self, scene: &Model<T>, state: &State<T>) -> f64 {
        let gravity = scene.settings.gravity;
        let mut each = std::mem::take(&mut self.current);
        each.clear();
        for (p, (x, v)) in scene.particles.iter().zip(state.x.iter().zip(&state.v)) {
            let mut e = p.mass * v.norm_squared() * 0.5 - p.mass * gravity.dot(x);
            if let Some(ground) = &scene.ground {
                let depth = p.radius - x.z;
                if re(&depth) > 0.0 {
                    e += ground.stiffness * depth * depth * 0.5;
                }
            }
            each.push(re(&e));
        }
        let mut springs = 0.0;
        for s in &scene.springs {
            let other = match &s.b {
                SpringEnd::Particle(j) => state.x[*j],
                SpringEnd::Anchor(p) => *p,
            };
            let stretch = re(&(state.x[s.a] - other).norm()) - re(&s.rest_length);
            springs += 0.5 * re(&s.stiffness) * stretch * stretch;
        }
        for (b, s) in scene.bodies.iter().zip(&state.bodies) {
            let rotation = crate::spatial::rotation_matrix(&s.orientation);
            let inertia = crate::multibody::inertia_world(&b.principal_inertia(), &rotation);
            let e = b.mass * s.velocity.norm_squared() * 0.5
                + s.angular_velocity.dot(&(inertia * s.angular_velocity)) * 0.5
                - b.mass * gravity.dot(&s.position);
            each.push(re(&e));
        }
        for (i, r) in scene.robots.iter().enumerate() {
            let (q, v) = (&state.robots[i].q, &state.robots[i].v);
            let e = kinetic_energy_multibody(&r.multibody, &mut self.robot_ws[i], q, v)
                + potential_energy_multibody(&r.multibody, &mut self.robot_ws[i], q);
            each.push(re(&e));
        }
        let total = each.iter().sum::<f64>() + springs;
        self.current = each;
        total
    }

    /// Checks `state` (every [`CHECK_EVERY`] steps, and whenever `last` is set).
    pub(crate) fn check(&mut self, scene: &Model<T>, state: &State<T>, last: bool) -> Result<()> {
        if !(last || state.step.is_multiple_of(CHECK_EVERY)) {
            return Ok(());
        }
        let max = scene.settings.max_speed;
        let speeds = scene
            .particles
            .iter()
            .map(|p| &p.name)
            .zip(state.v.iter().map(|v| re(&v.norm())))
            .chain(scene.bodies.iter().map(|b| &b.name).zip(state.bodies.iter().map(|s| re(&s.velocity.norm()))))
            .chain(
                scene
                    .robots
                    .iter()
                    .zip(&state.robots)
                    .filter(|(r, _)| r.is_floating())
                    .map(|(r, s)| (&r.multibody.name, re(&Vector3::new(s.v[0], s.v[1], s.v[2]).norm()))),
            );
        if let Some((name, speed)) = speeds.filter(|(_, s)| *s > max).max_by(|a, b| a.1.total_cmp(&b.1)) {
            let reason = format!(
                "its speed {speed:.3e} m/s exceeds world.max_speed = {max:e} m/s; likely cause: {}",
                likely_cause(scene)
            );
            return Err(runaway(scene, name, state, reason));
        }
        if !self.allowed_gain.is_finite() {
            return Ok(());
        }
        let total = self.energies(scene, state);
        if total - self.total > self.allowed_gain {
            let (i, _) = self
                .current
                .iter()
                .zip(&self.initial)
                .map(|(e, e0)| e - e0)
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            let names = scene
                .particles
                .iter()
                .map(|p| &p.name)
                .chain(scene.bodies.iter().map(|b| &b.name))
                .chain(scene.robots.iter().map(|r| &r.multibody.name));
            let name = names.clone().nth(i).unwrap_or(&String::new()).clone();
            let reason = format!(
                "the scene is passive (no controllers) but its energy rose from {:.4e} J to {:.4e} J, more than \
                 world.max_energy_gain = {} allows ({:.3e} J); likely cause: {}",
                self.total,
                total,
                scene.settings.max_energy_gain,
                self.allowed_gain,
                likely_cause(scene)
            );
            return Err(runaway(scene, &name, state, reason));
        }
        Ok(())
    }
}

/// `Σ ½ k d²` (J) over the compliant contact points of the rigid bodies in `state` (with the ground and between
/// bodies), an upper bound of the elastic energy their penetrations hold (the ramp only lowers it).
fn initial_contact_energy<T: Scalar>(scene: &Model<T>, state: &State<T>) -> f64 {
    use crate::geometry::narrow_phase::{collide, shape_ground};
    if scene.settings.contact.model != crate::model::ContactModel::Compliant {
        return 0.0;
    }
    let k = re(&scene.settings.contact.stiffness);
    let mut energy = 0.0;
    let mut add = |c: crate::geometry::ContactGeometry<T>| {
        let depth = -re(&c.distance);
        if depth > 0.0 {
            energy += 0.5 * k * depth * depth;
        }
    };
    let poses: Vec<crate::spatial::Transform<T>> = state
        .bodies
        .iter()
        .map(|b| crate::spatial::Transform {
            rotation: crate::spatial::rotation_matrix(&b.orientation),
            translation: b.position,
        })
        .collect();
    for (i, body) in scene.bodies.iter().enumerate() {
        if scene.ground.is_some() {
            shape_ground(&body.shape, &poses[i], 0.0, &mut add);
        }
        for (j, other) in scene.bodies.iter().enumerate().skip(i + 1) {
            let reach = body.shape.bounding_radius() + other.shape.bounding_radius();
            if re(&(poses[i].translation - poses[j].translation).norm()) <= reach {
                collide(&body.shape, &poses[i], &other.shape, &poses[j], 0.0, &mut add);
            }
        }
    }
    energy
}

fn runaway<T: Scalar>(scene: &Model<T>, name: &str, state: &State<T>, reason: String) -> Error {
    Error::Runaway { body: name.to_string(), step: state.step, time: state.time(scene.settings.dt), reason }
}

/// The element of `scene` closest to instability at its `dt`, in words.
fn likely_cause<T: Scalar>(scene: &Model<T>) -> String {
    let dt = scene.settings.dt;
    let worst = time_step_checks(scene, true).into_iter().min_by(|a, b| a.stable_dt.total_cmp(&b.stable_dt));
    match worst {
        Some(c) if dt > c.stable_dt => format!(
            "the step {} unstable for the {} above dt ≈ {:.3e} s (world.dt = {dt} s); lower world.dt or soften {}",
            if c.bound == Bound::Certain { "is" } else { "may be" },
            c.element,
            c.stable_dt,
            c.stiffness_key
        ),
        Some(c) if c.period / dt < 20.0 => format!(
            "the {} has only {:.1} steps per period at world.dt = {dt} s (stable below about {:.3e} s); lower \
             world.dt or soften {}",
            c.element,
            c.period / dt,
            c.stable_dt,
            c.stiffness_key
        ),
        _ => "a contact or spring too stiff for world.dt; lower world.dt or soften the contact".to_string(),
    }
}
