//! Many rollouts at once, on all cores.

use super::{check_time_step, State};
use crate::integrate::Workspace;
use crate::model::{Model, ParamId};
use crate::{Error, Result};
use rayon::prelude::*;

/// The final states of `n_steps`-step rollouts of `scene` with its parameters `ids` set to each of `values` (one
/// parameter set per rollout: masses, friction, initial positions and velocities, joint positions, ...), run in
/// parallel on all cores with rayon, in the order of `values`.
///
/// Each rollout is the serial one, bit for bit: a step is a function of the model and the state alone, so the
/// rollouts do not depend on which thread runs them or on what ran before. A workspace is made per rayon job and
/// reused across its rollouts; a step allocates nothing on `f64`. The thread count is rayon's: all cores, or
/// `RAYON_NUM_THREADS`.
///
/// ```
/// use diffphys::model::{Model, Particle};
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 10.0)));
/// let ids = scene.resolve_params(&["ball.velocity.z"]).unwrap();
/// let throws: Vec<Vec<f64>> = (0..8).map(|i| vec![i as f64]).collect();
/// let finals = diffphys::sim::rollout_batch(&scene, &ids, &throws, 1000).unwrap();
/// // thrown up at v, a ball rises v · 1 s more in 1 s
/// assert!((finals[5].x[0].z - finals[0].x[0].z - 5.0).abs() < 1e-9);
/// ```
///
/// # Errors
/// An invalid scene or time step; then, for the first failing parameter set, [`Error::InBatch`] with its index
/// around its error (a value of the wrong count, a value the scene refuses, a rollout that blows up).
pub fn rollout_batch(
    scene: &Model<f64>,
    ids: &[ParamId],
    values: &[Vec<f64>],
    n_steps: usize,
) -> Result<Vec<State<f64>>> {
    scene.validate()?;
    check_time_step(scene)?;
    values
        .par_iter()
        .enumerate()
        .map_init(
            || Workspace::new(scene.particles.len()),
            |ws, (i, p)| rollout_one(scene, ids, p, n_steps, ws).map_err(|e| e.in_batch(i)),
        )
        .collect()
}

/// One rollout of the batch.
fn rollout_one(
    scene: &Model<f64>,
    ids: &[ParamId],
    p: &[f64],
    n_steps: usize,
    ws: &mut Workspace<f64>,
) -> Result<State<f64>> {
    if p.len() != ids.len() {
        return Err(Error::InvalidArgument(format!("{} values for {} parameters", p.len(), ids.len())));
    }
    super::rollout::rollout_in(&scene.with_params(ids, p), n_steps, ws, |_| Ok(()))
}
