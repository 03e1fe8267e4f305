//! The model: settings, optional ground, particles, springs, rigid bodies and robots.

use super::{Ground, Particle, RigidBody, Robot, Settings, Spring};
use crate::Result;
use crate::Scalar;

/// An immutable description of everything that is simulated, generic over the scalar.
///
/// Build it in code or load it with [`crate::io::load_scene`]; call [`Model::validate`] after building in code
/// (the simulation functions validate too). Use [`Model::lift`] to turn an `f64` scene into one over a dual
/// number type, and [`Model::with_params`] to set named parameters to dual values.
///
/// ```
/// use diffphys::model::{Particle, Model};
/// use nalgebra::Vector3;
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.particles.push(Particle::new("ball", 1.0, 0.1, Vector3::new(0.0, 0.0, 2.0)));
/// scene.validate().unwrap();
/// assert_eq!(scene.settings.n_steps(), 1000);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Model<T: Scalar> {
    /// Time step, duration, gravity, integrator, contact and joint settings: the one settings struct.
    pub settings: Settings<T>,
    /// The ground half-space `z ≥ 0`; `None` means no contact at all.
    pub ground: Option<Ground<T>>,
    /// The point masses.
    pub particles: Vec<Particle<T>>,
    /// Springs between particles or to anchors.
    pub springs: Vec<Spring<T>>,
    /// Free rigid bodies with shapes, colliding with each other and the ground.
    pub bodies: Vec<RigidBody<T>>,
    /// Articulated robots (add them with [`Model::add_robot`]).
    pub robots: Vec<Robot<T>>,
}

impl<T: Scalar> Model<T> {
    /// A scene with no bodies and no ground, standard gravity `[0, 0, −9.81]` m/s² and semi-implicit Euler.
    pub fn empty(dt: f64, duration: f64) -> Self {
        Model {
            settings: Settings::new(dt, duration),
            ground: None,
            particles: Vec::new(),
            springs: Vec::new(),
            bodies: Vec::new(),
            robots: Vec::new(),
        }
    }

    /// Adds a robot, setting its gravity to the world's expressed in its root frame, and returns its index.
    ///
    /// # Errors
    /// An invalid robot ([`Robot::validate`]) or a name the scene already uses.
    pub fn add_robot(&mut self, mut robot: Robot<T>) -> Result<usize> {
        robot.multibody.gravity = robot.gravity_in_root(&self.settings.gravity);
        robot.validate()?;
        let name = robot.name();
        if self.particle_index(name).is_some() || self.body_index(name).is_some() || self.robot_index(name).is_some() {
            return Err(crate::Error::invalid(format!("robots[{name}].name"), format!("duplicate name `{name}`")));
        }
        self.robots.push(robot);
        Ok(self.robots.len() - 1)
    }

    /// Sets every robot's gravity to the world's, in its root frame (after `world.gravity` or a base changed).
    pub fn sync_robot_gravity(&mut self) {
        let g = self.settings.gravity;
        for robot in &mut self.robots {
            robot.multibody.gravity = robot.gravity_in_root(&g);
        }
    }

    /// The index of the robot called `name`.
    pub fn robot_index(&self, name: &str) -> Option<usize> {
        self.robots.iter().position(|r| r.name() == name)
    }

    /// The index of the rigid body called `name`.
    pub fn body_index(&self, name: &str) -> Option<usize> {
        self.bodies.iter().position(|b| b.name == name)
    }

    /// The index of the particle called `name`.
    pub fn particle_index(&self, name: &str) -> Option<usize> {
        self.particles.iter().position(|p| p.name == name)
    }
}

impl Model<f64> {
    /// The same scene over another scalar type; every number becomes a constant (zero derivative).
    pub fn lift<D: Scalar>(&self) -> Model<D> {
        Model {
            settings: self.settings.lift(),
            ground: self.ground.as_ref().map(Ground::lift),
            particles: self.particles.iter().map(Particle::lift).collect(),
            springs: self.springs.iter().map(Spring::lift).collect(),
            bodies: self.bodies.iter().map(RigidBody::lift).collect(),
            robots: self.robots.iter().map(Robot::lift).collect(),
        }
    }
}
