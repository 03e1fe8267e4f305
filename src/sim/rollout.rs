//! Rollouts: many steps from the scene's initial state.

use super::{step, State, Trajectory};
use crate::integrate::Workspace;
use crate::model::Model;
use crate::{Result, Scalar};

/// Simulates `n_steps` steps from the scene's initial state, calling `observe` on the initial state and after
/// every step, and returns the final state. Nothing is stored, so memory stays constant however long the run.
///
/// # Errors
/// An invalid scene ([`Model::validate`]) or a non-finite state ([`crate::Error::NonFinite`]).
///
/// ```
/// use diffphys::model::{Particle, Model};
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 10.0)));
/// let mut lowest = f64::INFINITY;
/// let last = diffphys::sim::rollout_with(&scene, 1000, |s| lowest = lowest.min(s.x[0].z)).unwrap();
/// assert_eq!(last.step, 1000);
/// assert!(lowest < 5.2 && lowest > 5.0); // fell about g/2 = 4.9 m in 1 s
/// ```
pub fn rollout_with<T: Scalar, F: FnMut(&State<T>)>(
    scene: &Model<T>,
    n_steps: usize,
    mut observe: F,
) -> Result<State<T>> {
    scene.validate()?;
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    observe(&state);
    for _ in 0..n_steps {
        step(scene, &mut state, &mut ws)?;
        observe(&state);
    }
    Ok(state)
}

/// Simulates the scene for its full duration (`world.n_steps()` steps) and records every state.
///
/// # Errors
/// As [`rollout_with`].
pub fn rollout<T: Scalar>(scene: &Model<T>) -> Result<Trajectory<T>> {
    // validated first: the step count is then bounded by `max_steps`
    scene.validate()?;
    let n = scene.settings.n_steps();
    State::initial(scene).check_stored(n + 1, &scene.settings)?;
    let mut states = Vec::with_capacity(n + 1);
    rollout_with(scene, n, |s| states.push(s.clone()))?;
    Ok(Trajectory { coordinates: scene.coordinates(), dt: scene.settings.dt, states })
}
