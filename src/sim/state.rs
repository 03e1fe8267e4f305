//! The state of all particles at one instant.

use crate::contact::{ContactImpulse, FrictionAnchor};
use crate::model::Model;
use crate::multibody::BodyState;
use crate::scalar::re;
use crate::Scalar;
use nalgebra::{DVector, Vector3};

/// The joint state of one robot.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RobotState<T: Scalar> {
    /// Configuration (`nq`): joint angles (rad) and displacements (m); a floating base's
    /// `[x, y, z, qx, qy, qz, qw]` first.
    pub q: DVector<T>,
    /// Velocity (`nv`): joint rates (rad/s, m/s); a floating base's body-frame `[v; ω]` first.
    pub v: DVector<T>,
}

/// Positions (m) and velocities (m/s) of all particles, the states of all rigid bodies and the joint states of
/// all robots, in scene order, after `step` steps of `dt`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct State<T: Scalar> {
    /// Positions in m.
    pub x: Vec<Vector3<T>>,
    /// Velocities in m/s.
    pub v: Vec<Vector3<T>>,
    /// Rigid bodies.
    pub bodies: Vec<BodyState<T>>,
    /// Impulse model with warm starting: the contact impulses at the end of the last step, the next step's
    /// starting point ([`crate::contact::warm_start`]). Empty initially and for the compliant model. Part of
    /// the state because the next step depends on it; with duals it carries derivatives like the rest.
    pub contact_impulses: Vec<ContactImpulse<T>>,
    /// Compliant model with [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored): the anchor of each
    /// contact that touched at the last step ([`crate::contact::anchored_friction`]), sorted by pair. Empty
    /// initially and for the other laws; part of the state (the next step's friction depends on it), and with
    /// duals it carries derivatives like the rest.
    pub friction_anchors: Vec<FrictionAnchor<T>>,
    /// Robots.
    pub robots: Vec<RobotState<T>>,
    /// Number of steps taken since the initial state.
    pub step: usize,
    /// How many sub-steps the free bodies took in the last step (1 initially): compliant contacts that are being
    /// made are sub-stepped ([`crate::integrate`], "Sub-steps"). Semi-implicit Euler's velocities belong to
    /// its step: those of `bodies` are the sub-steps' (`dt / body_substeps`), and the next step converts them if it
    /// takes another number.
    pub body_substeps: usize,
}

impl<T: Scalar> State<T> {
    /// The memory this state takes, in bytes, as stored in a trajectory: its vectors' contents and headers
    /// (warm-start impulses and friction anchors as they are now; a stored trajectory can grow by them as contacts
    /// appear: a resting box has four of 72 bytes each, more than its own 104).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let robots: usize =
            self.robots.iter().map(|r| (r.q.len() + r.v.len()) * size_of::<T>() + size_of::<RobotState<T>>()).sum();
        size_of::<Self>()
            + (self.x.len() + self.v.len()) * size_of::<Vector3<T>>()
            + self.bodies.len() * size_of::<BodyState<T>>()
            + self.contact_impulses.len() * size_of::<ContactImpulse<T>>()
            + self.friction_anchors.len() * size_of::<FrictionAnchor<T>>()
            + robots
    }

    /// Checks that storing `n` states like this one stays within `settings.max_memory`
    /// ([`crate::model::Settings::max_memory`]).
    ///
    /// # Errors
    /// [`crate::Error::InvalidScene`] naming `world.max_memory_mb`, the estimate and the way to stream instead.
    pub fn check_stored(&self, n: usize, settings: &crate::model::Settings<T>) -> crate::Result<()> {
        settings.check_memory(
            n,
            self.memory_bytes(),
            "stream the run instead (sim::rollout_with, or `diffphys simulate`), store fewer states, or raise \
             world.max_memory_mb",
        )
    }

    /// The initial state of `scene` (its particles' and bodies' initial positions, orientations and velocities,
    /// its robots' initial joint states).
    pub fn initial(scene: &Model<T>) -> Self {
        State {
            x: scene.particles.iter().map(|p| p.position).collect(),
            v: scene.particles.iter().map(|p| p.velocity).collect(),
            bodies: scene
                .bodies
                .iter()
                .map(|b| BodyState {
                    position: b.position,
                    orientation: b.orientation,
                    velocity: b.velocity,
                    angular_velocity: b.angular_velocity,
                })
                .collect(),
            contact_impulses: Vec::new(),
            friction_anchors: Vec::new(),
            robots: scene.robots.iter().map(|r| RobotState { q: r.q0.clone(), v: r.v0.clone() }).collect(),
            step: 0,
            body_substeps: 1,
        }
    }

    /// The same state over scalar `D` (constants: no derivatives).
    pub fn lift<D: Scalar>(&self) -> State<D> {
        let v3 = |x: &Vector3<T>| x.map(|c| D::constant(re(&c)));
        let dv = |x: &DVector<T>| x.map(|c| D::constant(re(&c)));
        State {
            x: self.x.iter().map(v3).collect(),
            v: self.v.iter().map(v3).collect(),
            bodies: self
                .bodies
                .iter()
                .map(|b| BodyState {
                    position: v3(&b.position),
                    orientation: nalgebra::Quaternion::from_vector(b.orientation.coords.map(|c| D::constant(re(&c)))),
                    velocity: v3(&b.velocity),
                    angular_velocity: v3(&b.angular_velocity),
                })
                .collect(),
            contact_impulses: self
                .contact_impulses
                .iter()
                .map(|c| ContactImpulse {
                    a: c.a,
                    b: c.b,
                    collider: c.collider,
                    local_point: c.local_point,
                    normal: D::constant(re(&c.normal)),
                    friction: v3(&c.friction),
                })
                .collect(),
            friction_anchors: self
                .friction_anchors
                .iter()
                .map(|c| FrictionAnchor {
                    pair: c.pair,
                    local_point: c.local_point,
                    stretch: v3(&c.stretch),
                    onset_speed: D::constant(re(&c.onset_speed)),
                    age: c.age,
                })
                .collect(),
            robots: self.robots.iter().map(|r| RobotState { q: dv(&r.q), v: dv(&r.v) }).collect(),
            step: self.step,
            body_substeps: self.body_substeps,
        }
    }

    /// How many real numbers of this state carry derivatives: the length of [`State::values`].
    pub fn n_values(&self) -> usize {
        6 * self.x.len()
            + 13 * self.bodies.len()
            + 4 * self.contact_impulses.len()
            + 4 * self.friction_anchors.len()
            + self.robots.iter().map(|r| r.q.len() + r.v.len()).sum::<usize>()
    }

    /// Every number of the state that carries derivatives, in one vector, in this order: each particle's position
    /// then velocity (3 + 3); each body's position (3), orientation quaternion coordinates `[i, j, k, w]` (4),
    /// velocity (3) and angular velocity (3); each warm-start impulse's normal (1) and friction (3) parts; each
    /// friction anchor's stretch (3) and onset speed (1); each robot's `q` then `v`. What identifies contacts (pairs,
    /// local points, ages), the step count and [`State::body_substeps`] carry none and are left out.
    ///
    /// This is the state vector of [`crate::grad::adjoint`]: with [`State::with_values`] it maps a state to numbers
    /// and back.
    ///
    /// ```
    /// use diffphys::model::{Particle, Model};
    /// use diffphys::sim::State;
    /// let mut scene = Model::<f64>::empty(0.01, 1.0);
    /// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 2.0)));
    /// let state = State::initial(&scene);
    /// let z = state.values();
    /// assert_eq!(z.as_slice(), &[0.0, 0.0, 2.0, 0.0, 0.0, 0.0]);
    /// assert_eq!(state.with_values(z.as_slice()), state);
    /// ```
    pub fn values(&self) -> DVector<T> {
        let mut z = Vec::with_capacity(self.n_values());
        for (x, v) in self.x.iter().zip(&self.v) {
            z.extend(x.iter().chain(v.iter()).copied());
        }
        for b in &self.bodies {
            z.extend(b.position.iter().chain(b.orientation.coords.iter()).copied());
            z.extend(b.velocity.iter().chain(b.angular_velocity.iter()).copied());
        }
        for c in &self.contact_impulses {
            z.push(c.normal);
            z.extend(c.friction.iter().copied());
        }
        for a in &self.friction_anchors {
            z.extend(a.stretch.iter().copied());
            z.push(a.onset_speed);
        }
        for r in &self.robots {
            z.extend(r.q.iter().chain(r.v.iter()).copied());
        }
        DVector::from_vec(z)
    }

    /// This state's structure (its contacts, step count and sub-steps) with the numbers `z`, laid out as
    /// [`State::values`], over any scalar `D`: seeding `z` with dual numbers differentiates a step with respect to
    /// the state it starts from.
    ///
    /// # Panics
    /// If `z` does not have [`State::n_values`] entries.
    pub fn with_values<D: Scalar>(&self, z: &[D]) -> State<D> {
        assert_eq!(z.len(), self.n_values(), "one value per number of the state");
        let at = |i: &mut usize| {
            *i += 1;
            z[*i - 1]
        };
        let v3 = |i: &mut usize| Vector3::new(at(i), at(i), at(i));
        let i = &mut 0;
        let (mut x, mut v) = (Vec::with_capacity(self.x.len()), Vec::with_capacity(self.v.len()));
        for _ in &self.x {
            x.push(v3(i));
            v.push(v3(i));
        }
        let mut bodies = Vec::with_capacity(self.bodies.len());
        for _ in &self.bodies {
            let position = v3(i);
            let (qi, qj, qk, qw) = (at(i), at(i), at(i), at(i));
            let (velocity, angular_velocity) = (v3(i), v3(i));
            let orientation = nalgebra::Quaternion::new(qw, qi, qj, qk);
            bodies.push(BodyState { position, orientation, velocity, angular_velocity });
        }
        let mut contact_impulses = Vec::with_capacity(self.contact_impulses.len());
        for c in &self.contact_impulses {
            let (normal, friction) = (at(i), v3(i));
            let (a, b, collider, local_point) = (c.a, c.b, c.collider, c.local_point);
            contact_impulses.push(ContactImpulse { a, b, collider, local_point, normal, friction });
        }
        let mut friction_anchors = Vec::with_capacity(self.friction_anchors.len());
        for c in &self.friction_anchors {
            let (stretch, onset_speed) = (v3(i), at(i));
            let (pair, local_point, age) = (c.pair, c.local_point, c.age);
            friction_anchors.push(FrictionAnchor { pair, local_point, stretch, onset_speed, age });
        }
        let mut robots = Vec::with_capacity(self.robots.len());
        for r in &self.robots {
            let q = DVector::from_fn(r.q.len(), |_, _| at(i));
            let v = DVector::from_fn(r.v.len(), |_, _| at(i));
            robots.push(RobotState { q, v });
        }
        State {
            x,
            v,
            bodies,
            contact_impulses,
            friction_anchors,
            robots,
            step: self.step,
            body_substeps: self.body_substeps,
        }
    }

    /// The simulated time in s: `step · dt`.
    pub fn time(&self, dt: f64) -> f64 {
        self.step as f64 * dt
    }
}
