//! The one settings struct of a model: time step, duration, gravity, integrator, contact and joint settings.

use super::ContactSettings;
use crate::Scalar;
use nalgebra::Vector3;

/// The time-stepping scheme of a rollout. All are fixed-step and explicit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Integrator {
    /// Semi-implicit (symplectic) Euler: `v += a(x, v) dt; x += v dt`. One force evaluation per step, first order,
    /// good long-term energy behaviour. The default: cheapest per gradient.
    #[default]
    SemiImplicitEuler,
    /// Velocity Verlet: second order and symplectic for position-only forces. Velocity-dependent forces use a
    /// predicted velocity. Two force evaluations per step.
    VelocityVerlet,
    /// Classic fourth-order Runge–Kutta. Four force evaluations per step; not symplectic.
    Rk4,
}

impl Integrator {
    /// The name used in scene files: `semi-implicit-euler`, `velocity-verlet` or `rk4`.
    pub fn name(self) -> &'static str {
        match self {
            Integrator::SemiImplicitEuler => "semi-implicit-euler",
            Integrator::VelocityVerlet => "velocity-verlet",
            Integrator::Rk4 => "rk4",
        }
    }

    /// Parses a scene-file name; `None` if it is not one of [`Integrator::name`]'s.
    pub fn from_name(name: &str) -> Option<Self> {
        [Integrator::SemiImplicitEuler, Integrator::VelocityVerlet, Integrator::Rk4]
            .into_iter()
            .find(|i| i.name() == name)
    }
}

/// The settings of a model, all in one place: time step, duration, gravity, integrator, and the numbers of
/// contact ([`ContactSettings`], a scene file's `[contact]`) and of robot joints ([`JointSettings`], `[joints]`).
/// A scene file's `[world]` section fills the first four.
///
/// ```
/// use diffphys::model::{ContactModel, Integrator, Model};
/// let mut model = Model::<f64>::empty(1e-3, 2.0);
/// model.settings.integrator = Integrator::Rk4;
/// model.settings.contact.model = ContactModel::Impulse;
/// model.settings.joints.friction_velocity = 0.02;
/// assert_eq!(model.settings.n_steps(), 2000);
/// assert_eq!(model.settings.gravity.z, -9.81);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Settings<T: Scalar> {
    /// Time step in s (fixed; not differentiable).
    pub dt: f64,
    /// Simulated duration in s; a rollout takes `round(duration / dt)` steps.
    pub duration: f64,
    /// Gravitational acceleration in m/s² (default `[0, 0, -9.81]`).
    pub gravity: Vector3<T>,
    /// The integrator.
    pub integrator: Integrator,
    /// How rigid bodies and robot links touch.
    pub contact: ContactSettings<T>,
    /// How robot joints behave at their limits and in friction.
    pub joints: JointSettings,
    /// The most steps a rollout of the full duration may take ([`Model::validate`](super::Model::validate)
    /// refuses more; default [`Settings::DEFAULT_MAX_STEPS`]). A bound on work decided before a run starts: raise
    /// it (scene key `[world] max_steps`) for a run that really needs more.
    pub max_steps: usize,
    /// The most memory, in bytes, a stored trajectory ([`crate::sim::rollout`]) may take (default
    /// [`Settings::DEFAULT_MAX_MEMORY`], scene key `[world] max_memory_mb`); streaming rollouts store nothing.
    pub max_memory: usize,
    /// The fastest, in m/s, any particle, body or floating robot base may move before a rollout stops as a
    /// runaway ([`crate::sim::rollout_with`]; default [`Settings::DEFAULT_MAX_SPEED`], scene key
    /// `[world] max_speed`; `inf` switches the check off).
    pub max_speed: f64,
    /// The most mechanical energy a passive scene (no robot controllers) may gain, as a fraction of the energy it
    /// has to spend (its kinetic, spring and gravitational energy above the ground at the start), before a rollout
    /// stops as a runaway (default [`Settings::DEFAULT_MAX_ENERGY_GAIN`], scene key `[world] max_energy_gain`;
    /// `inf` switches the check off). Nothing passive gains energy; the integrators' errors stay well below it.
    pub max_energy_gain: f64,
}

impl<T: Scalar> Settings<T> {
    /// Default [`Settings::max_steps`]: 10⁸ steps (about 100 s of work per microsecond a step takes).
    pub const DEFAULT_MAX_STEPS: usize = 100_000_000;
    /// Default [`Settings::max_memory`]: 4 GiB.
    pub const DEFAULT_MAX_MEMORY: usize = 4 << 30;
    /// Default [`Settings::max_speed`]: 10 km/s, faster than anything a rigid-body scene is meant to model.
    pub const DEFAULT_MAX_SPEED: f64 = 1e4;
    /// Default [`Settings::max_energy_gain`]: a quarter of the energy the scene starts with (compliant contact's
    /// worst known gain, a box on a capsule, is about 12%).
    pub const DEFAULT_MAX_ENERGY_GAIN: f64 = 0.25;

    /// Time step `dt` and `duration` in s, standard gravity `[0, 0, −9.81]` m/s², semi-implicit Euler, default
    /// contact and joint settings.
    pub fn new(dt: f64, duration: f64) -> Self {
        Settings {
            dt,
            duration,
            gravity: Vector3::new(T::constant(0.0), T::constant(0.0), T::constant(-9.81)),
            integrator: Integrator::default(),
            contact: ContactSettings::default(),
            joints: JointSettings::default(),
            max_steps: Self::DEFAULT_MAX_STEPS,
            max_memory: Self::DEFAULT_MAX_MEMORY,
            max_speed: Self::DEFAULT_MAX_SPEED,
            max_energy_gain: Self::DEFAULT_MAX_ENERGY_GAIN,
        }
    }

    /// Checks that storing `n` states of `bytes_each` bytes stays within [`Settings::max_memory`], before they
    /// are allocated; `advice` ends the message (how to store less).
    ///
    /// # Errors
    /// [`crate::Error::InvalidScene`] naming `world.max_memory_mb`, the estimate and the limit.
    pub fn check_memory(&self, n: usize, bytes_each: usize, advice: &str) -> crate::Result<()> {
        let bytes = n as f64 * bytes_each as f64;
        if bytes > self.max_memory as f64 {
            return Err(crate::Error::invalid(
                "world.max_memory_mb",
                format!(
                    "storing {n} states of {bytes_each} bytes takes {:.3e} MB, more than the limit of {} MB; {advice}",
                    bytes / (1 << 20) as f64,
                    self.max_memory >> 20
                ),
            ));
        }
        Ok(())
    }

    /// The number of steps of a full rollout: `round(duration / dt)`.
    pub fn n_steps(&self) -> usize {
        (self.duration / self.dt).round() as usize
    }
}

impl Settings<f64> {
    /// The same settings over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> Settings<D> {
        Settings {
            dt: self.dt,
            duration: self.duration,
            gravity: self.gravity.map(D::constant),
            integrator: self.integrator,
            contact: self.contact.lift(),
            joints: self.joints,
            max_steps: self.max_steps,
            max_memory: self.max_memory,
            max_speed: self.max_speed,
            max_energy_gain: self.max_energy_gain,
        }
    }
}

/// How robot joints behave at their position limits and in friction: the numbers of the passive joint torques
/// ([`crate::sim::robot::passive_torques`]). Every default has a unit and a reason.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JointSettings {
    /// Stiffness of the soft joint limits (N·m/rad or N/m). Default 1000: a 1 kg·m² link driven into its limit
    /// at 1 rad/s stops within about 0.03 rad.
    pub limit_stiffness: f64,
    /// Damping of the soft joint limits (N·m·s/rad or N·s/m). Default 20, near critical for the default stiffness
    /// and unit inertia; only acts inside the limit.
    pub limit_damping: f64,
    /// Depth over which the limit force ramps up smoothly (rad or m). Default 0.01: keeps the force C¹.
    pub limit_ramp: f64,
    /// Velocity scale `v_s` of the regularised Coulomb joint friction (rad/s or m/s). Default 0.01.
    pub friction_velocity: f64,
}

impl Default for JointSettings {
    fn default() -> Self {
        JointSettings { limit_stiffness: 1e3, limit_damping: 20.0, limit_ramp: 0.01, friction_velocity: 0.01 }
    }
}
