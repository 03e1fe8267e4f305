//! A recorded rollout.

use super::State;
use crate::Scalar;

/// The states of a rollout, from the initial state to the last, one per step.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Trajectory<T: Scalar> {
    /// The named coordinates of each state, in column order ([`crate::model::Model::coordinates`]).
    pub coordinates: Vec<(String, super::Coordinate)>,
    /// The time step in s.
    pub dt: f64,
    /// `states[k]` is the state after `k` steps, at time `k · dt`.
    pub states: Vec<State<T>>,
}

impl<T: Scalar> Trajectory<T> {
    /// Sample times in s.
    pub fn times(&self) -> Vec<f64> {
        self.states.iter().map(|s| s.time(self.dt)).collect()
    }

    /// The last state (`None` only for a trajectory built by hand with no states; [`crate::sim::rollout`]
    /// always records at least the initial state).
    pub fn last(&self) -> Option<&State<T>> {
        self.states.last()
    }
}
