//! One time step of the whole scene.

use super::robot::{non_finite_joint, step_robot, RobotSettings};
use super::{RobotState, State};
use crate::integrate::{rigid_body_step, rk4, semi_implicit_euler, velocity_verlet, Workspace};
use crate::model::{Integrator, Model};
use crate::multibody::MultibodyWorkspace;
use crate::scalar::is_finite;
use crate::{Error, Result, Scalar};
use nalgebra::DVector;

/// Advances `state` by one `dt`: particles with the scene's integrator, rigid bodies with semi-implicit Euler
/// and the scene's contact model ([`crate::model::ContactModel`]), robots with the scene's integrator under their
/// controllers and passive joint torques ([`crate::sim::robot`]).
///
/// # Errors
/// [`Error::NonFinite`] naming the first particle, body or robot joint (`robot.joint`) whose position or velocity is
/// no longer finite (the state is left as computed, for inspection); [`Error::Numerical`] if a robot's dynamics
/// fail.
///
/// # Panics
/// If `state` or `ws` were made for a scene with a different number of particles.
///
/// ```
/// use diffphys::model::{Particle, Model};
/// use diffphys::sim::{step, State, Workspace};
/// let mut scene = Model::<f64>::empty(0.01, 1.0);
/// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 1.0)));
/// let mut state = State::initial(&scene);
/// let mut ws = Workspace::new(1);
/// step(&scene, &mut state, &mut ws).unwrap();
/// assert!((state.v[0].z + 0.0981).abs() < 1e-12); // v = g dt
/// ```
pub fn step<T: Scalar>(scene: &Model<T>, state: &mut State<T>, ws: &mut Workspace<T>) -> Result<()> {
    step_with_torques(scene, state, ws, &[])
}

/// [`step`] with extra joint torques on the robots, held over the step: `torques[i]` (`nv` entries, N·m or N)
/// adds to robot `i`'s controller. An empty slice adds nothing. This is the input of trajectory optimisation
/// ([`crate::control`]).
///
/// # Errors
/// As [`step`], and [`Error::InvalidArgument`] if `torques` is neither empty nor one `nv`-vector per robot.
///
/// # Panics
/// As [`step`].
pub fn step_with_torques<T: Scalar>(
    scene: &Model<T>,
    state: &mut State<T>,
    ws: &mut Workspace<T>,
    torques: &[DVector<T>],
) -> Result<()> {
    assert_eq!(ws.len(), scene.particles.len(), "workspace sized for another scene");
    if !torques.is_empty()
        && (torques.len() != scene.robots.len()
            || torques.iter().zip(&scene.robots).any(|(t, r)| t.len() != r.multibody.nv()))
    {
        return Err(Error::InvalidArgument(format!(
            "step_with_torques needs one torque vector of nv entries per robot ({} robots)",
            scene.robots.len()
        )));
    }
    let State { x, v, bodies, contact_impulses, .. } = state;
    if !x.is_empty() {
        match scene.world.integrator {
            Integrator::SemiImplicitEuler => semi_implicit_euler(scene, x, v, ws),
            Integrator::VelocityVerlet => velocity_verlet(scene, x, v, ws),
            Integrator::Rk4 => rk4(scene, x, v, ws),
        }
    }
    rigid_body_step(scene, bodies, contact_impulses, &mut ws.rigid);
    let robot_failure = step_robots(scene, &mut state.robots, state.step, torques, ws);
    state.step += 1;
    let blown_up =
        (0..state.x.len()).find(|&i| !(state.x[i].iter().all(is_finite) && state.v[i].iter().all(is_finite)));
    let body_blown_up = || {
        state.bodies.iter().position(|b| {
            !(b.position.iter().chain(b.velocity.iter()).chain(b.angular_velocity.iter()).all(is_finite)
                && is_finite(&b.orientation.w))
        })
    };
    let name = match blown_up {
        Some(i) => scene.particles[i].name.clone(),
        None => match body_blown_up() {
            Some(i) => scene.bodies[i].name.clone(),
            None => match robot_failure {
                Some(RobotFailure::NonFinite(joint)) => joint,
                Some(RobotFailure::Error(e)) => return Err(e),
                None => return Ok(()),
            },
        },
    };
    Err(Error::NonFinite { body: name, step: state.step, time: state.time(scene.world.dt) })
}

/// Why a robot could not be stepped.
enum RobotFailure {
    /// The named joint (`robot.joint`) has a non-finite state.
    NonFinite(String),
    /// The dynamics failed (a singular mass matrix, ...).
    Error(Error),
}

/// Steps every robot of the scene from step `k`; the first failure, if any.
fn step_robots<T: Scalar>(
    scene: &Model<T>,
    robots: &mut [RobotState<T>],
    k: usize,
    torques: &[DVector<T>],
    ws: &mut Workspace<T>,
) -> Option<RobotFailure> {
    if scene.robots.is_empty() {
        return None;
    }
    let sized_for = |w: &MultibodyWorkspace<T>, r: &crate::model::Robot<T>| w.n_bodies() == r.multibody.n_bodies();
    if ws.robots.len() != scene.robots.len() || !ws.robots.iter().zip(&scene.robots).all(|(w, r)| sized_for(w, r)) {
        ws.robots = scene.robots.iter().map(|r| MultibodyWorkspace::new(&r.multibody)).collect();
    }
    let settings = RobotSettings { dt: scene.world.dt, integrator: scene.world.integrator, ..RobotSettings::default() };
    let t = k as f64 * scene.world.dt;
    for (i, ((robot, state), rws)) in scene.robots.iter().zip(robots.iter_mut()).zip(ws.robots.iter_mut()).enumerate() {
        if let Err(e) = step_robot(robot, rws, state, t, torques.get(i), &settings) {
            return Some(RobotFailure::Error(e));
        }
        if let Some(joint) = non_finite_joint(&robot.multibody, &state.q, &state.v) {
            return Some(RobotFailure::NonFinite(joint));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Particle, Spring, SpringEnd};
    use nalgebra::Vector3;

    #[test]
    fn a_blow_up_is_an_error_naming_body_and_step() {
        // ω dt = √(1e12) · 0.01 = 1e4 ≫ 2: explicit Euler diverges geometrically
        let mut scene = Model::<f64>::empty(0.01, 10.0);
        scene.particles.push(Particle::new("bob", 1.0, 0.0, Vector3::new(0.0, 0.0, -1.1)));
        scene.springs.push(Spring {
            name: "stiff".into(),
            a: 0,
            b: SpringEnd::Anchor(Vector3::zeros()),
            stiffness: 1e12,
            damping: 0.0,
            rest_length: 1.0,
        });
        let err = crate::sim::rollout(&scene).unwrap_err();
        match err {
            Error::NonFinite { ref body, step, .. } => {
                assert_eq!(body, "bob");
                assert!(step > 1 && step < 1000, "{step}");
            }
            other => panic!("unexpected {other}"),
        }
        assert!(err.to_string().contains("`bob`"));
    }
}
