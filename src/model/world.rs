//! World settings: time step, duration, gravity and the integrator.

use crate::Scalar;
use nalgebra::Vector3;

/// The time-stepping scheme of a rollout. All are fixed-step and explicit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// Global settings of a scene.
#[derive(Debug, Clone, PartialEq)]
pub struct World<T: Scalar> {
    /// Time step in s (fixed; not differentiable).
    pub dt: f64,
    /// Simulated duration in s; a rollout takes `round(duration / dt)` steps.
    pub duration: f64,
    /// Gravitational acceleration in m/s² (default `[0, 0, -9.81]`).
    pub gravity: Vector3<T>,
    /// The integrator.
    pub integrator: Integrator,
}

impl<T: Scalar> World<T> {
    /// The number of steps of a full rollout: `round(duration / dt)`.
    pub fn n_steps(&self) -> usize {
        (self.duration / self.dt).round() as usize
    }
}
