//! Rollouts: many steps from the scene's initial state.

use super::runaway::RunawayGuard;
use super::{step, State, Trajectory};
use crate::integrate::Workspace;
use crate::model::Model;
use crate::{Result, Scalar};

/// Simulates `n_steps` steps from the scene's initial state, calling `observe` on the initial state and after
/// every step, and returns the final state. Nothing is stored, so memory stays constant however long the run.
/// [`try_rollout_with`] is the same with an observer that can fail.
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
    try_rollout_with(scene, n_steps, |s| {
        observe(s);
        Ok(())
    })
}

/// [`rollout_with`] with an observer that can fail: simulates `n_steps` steps from the scene's initial state,
/// calling `observe` on the initial state and after every step, and returns the final state; the first error
/// `observe` returns stops the run (no further step is taken) and is returned. Nothing is stored, so memory stays
/// constant however long the run: this is how `diffphys simulate` writes a trajectory of any length row by row.
///
/// # Errors
/// An invalid scene ([`Model::validate`], checked before `observe` is first called), a non-finite state
/// ([`crate::Error::NonFinite`]) or the first error of `observe`.
///
/// ```
/// use diffphys::model::{Particle, Model};
/// use diffphys::Error;
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 10.0)));
/// // stop at the first state below z = 8 m
/// let mut seen = 0;
/// let stopped = diffphys::sim::try_rollout_with(&scene, 1000, |s| {
///     seen += 1;
///     if s.x[0].z < 8.0 {
///         return Err(Error::InvalidArgument(format!("below 8 m at step {}", s.step)));
///     }
///     Ok(())
/// });
/// let Err(Error::InvalidArgument(message)) = stopped else { panic!("the observer's error is returned") };
/// assert_eq!(message, "below 8 m at step 639"); // 2 m takes √(2 · 2 / g) = 0.639 s
/// assert_eq!(seen, 640); // states 0 to 639, and nothing after
/// // an observer that never fails sees every state
/// let last = diffphys::sim::try_rollout_with(&scene, 1000, |_| Ok(())).unwrap();
/// assert_eq!(last.step, 1000);
/// ```
pub fn try_rollout_with<T: Scalar, F: FnMut(&State<T>) -> Result<()>>(
    scene: &Model<T>,
    n_steps: usize,
    observe: F,
) -> Result<State<T>> {
    rollout_in(scene, n_steps, &mut Workspace::new(scene.particles.len()), observe)
}

/// [`try_rollout_with`] in the workspace `ws` (sized for `scene`'s particles), so that many rollouts can share one
/// ([`super::rollout_batch`]): a step is a function of the model and the state, the workspace is scratch.
pub(crate) fn rollout_in<T: Scalar, F: FnMut(&State<T>) -> Result<()>>(
    scene: &Model<T>,
    n_steps: usize,
    ws: &mut Workspace<T>,
    mut observe: F,
) -> Result<State<T>> {
    rollout_watching(scene, n_steps, ws, |_| Ok(()), |state, _| observe(state))
}

/// [`rollout_in`] that also shows `before` each state a step starts from (before it is stepped) and shows `after`
/// the workspace with each new state (its contacts are those of the step that made it; the workspace is shown
/// as it is with the initial state): the replay ([`crate::io::Replay`]) reads the contacts and forces of each
/// step this way.
pub(crate) fn rollout_watching<T, B, A>(
    scene: &Model<T>,
    n_steps: usize,
    ws: &mut Workspace<T>,
    mut before: B,
    mut after: A,
) -> Result<State<T>>
where
    T: Scalar,
    B: FnMut(&State<T>) -> Result<()>,
    A: FnMut(&State<T>, &Workspace<T>) -> Result<()>,
{
    scene.validate()?;
    super::check_time_step(scene)?;
    let mut state = State::initial(scene);
    let mut guard = RunawayGuard::new(scene, &state);
    after(&state, ws)?;
    for k in 0..n_steps {
        before(&state)?;
        step(scene, &mut state, ws)?;
        guard.check(scene, &state, k + 1 == n_steps)?;
        after(&state, ws)?;
    }
    Ok(state)
}

/// Simulates the scene for its full duration (`world.n_steps()` steps) and records every state: the trajectory
/// holds `n_steps + 1` states (the initial one and one per step), so its memory grows with the number of steps.
/// To look at states as they are made without keeping them (a long run, a running minimum, a file written row by
/// row) use [`rollout_with`], or [`try_rollout_with`] when looking can fail.
///
/// # Errors
/// As [`rollout_with`]; [`crate::Error::InvalidArgument`] naming `world.max_memory_mb` when the states would
/// take more than [`Settings::max_memory`](crate::model::Settings::max_memory) ([`State::check_stored`]),
/// checked before anything is allocated.
pub fn rollout<T: Scalar>(scene: &Model<T>) -> Result<Trajectory<T>> {
    // validated first: the step count is then bounded by `max_steps`
    scene.validate()?;
    let n = scene.settings.n_steps();
    State::initial(scene).check_stored(n + 1, &scene.settings)?;
    let mut states = Vec::with_capacity(n + 1);
    rollout_with(scene, n, |s| states.push(s.clone()))?;
    Ok(Trajectory { coordinates: scene.coordinates(), dt: scene.settings.dt, states })
}
