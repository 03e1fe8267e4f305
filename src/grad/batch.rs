//! Gradients of many points at once, on all cores.

use super::{adjoint, jacobian, AdjointGradient, Outcome, Rollout, TrajectoryLoss};
use crate::Result;
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// [`jacobian`] of `f` at every point of `points` (parameter sets, initial states, ...), in parallel on all cores
/// with rayon, in order; each equal to the serial [`jacobian`] bit for bit.
///
/// ```
/// use diffphys::grad::{self, FinalPositions};
/// use diffphys::{io, model::Model};
/// let scene: Model<f64> = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let outcome = FinalPositions::new(&scene, &["ball.velocity.x"]).unwrap();
/// let points: Vec<Vec<f64>> = [1.5, 2.0, 2.5].iter().map(|&v| vec![v]).collect();
/// let batch = grad::jacobian_batch(&outcome, &points).unwrap();
/// assert_eq!(batch[1], grad::jacobian(&outcome, &points[1]).unwrap());
/// ```
///
/// # Errors
/// [`crate::Error::InBatch`] with the index and error of the first point that fails.
pub fn jacobian_batch<F: Outcome + Sync>(f: &F, points: &[Vec<f64>]) -> Result<Vec<(DVector<f64>, DMatrix<f64>)>> {
    points.par_iter().enumerate().map(|(i, p)| jacobian(f, p).map_err(|e| e.in_batch(i))).collect()
}

/// The inputs of one [`adjoint`] gradient: parameter values and controls (one vector per step, or none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdjointInput {
    /// Values of the [`Rollout`]'s parameters.
    pub params: Vec<f64>,
    /// One control vector per step, or none for zero controls.
    pub controls: Vec<DVector<f64>>,
}

/// [`adjoint`] of `rollout` and `loss` at every input of `inputs`, in parallel on all cores with rayon, in order;
/// each equal to the serial [`adjoint`] bit for bit.
///
/// # Errors
/// [`crate::Error::InBatch`] with the index and error of the first input that fails.
pub fn adjoint_batch<L: TrajectoryLoss + Sync>(
    rollout: &Rollout,
    inputs: &[AdjointInput],
    loss: &L,
) -> Result<Vec<AdjointGradient>> {
    inputs
        .par_iter()
        .enumerate()
        .map(|(i, x)| adjoint(rollout, &x.params, &x.controls, loss).map_err(|e| e.in_batch(i)))
        .collect()
}
