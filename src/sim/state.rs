//! The state of all particles at one instant.

use crate::contact::{ContactImpulse, FrictionAnchor};
use crate::model::Model;
use crate::multibody::BodyState;
use crate::scalar::re;
use crate::Scalar;
use nalgebra::{DVector, Vector3};

/// The joint state of one robot.
#[derive(Debug, Clone, PartialEq)]
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

    /// The simulated time in s: `step · dt`.
    pub fn time(&self, dt: f64) -> f64 {
        self.step as f64 * dt
    }
}
