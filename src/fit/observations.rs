//! Observed trajectories and how they map onto a scene's time grid.

use crate::model::Scene;
use crate::sim::Trajectory;
use crate::{Error, Result};
use nalgebra::DMatrix;

/// A measured trajectory: `values[(i, j)]` is column `columns[j]` (like `ball.z`, in m) at time `times[i]` (s).
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    /// Sample times in s; each must lie on the scene's `dt` grid.
    pub times: Vec<f64>,
    /// Observed coordinates, `<particle>.x`, `.y` or `.z`.
    pub columns: Vec<String>,
    /// One row per time, one column per observed coordinate.
    pub values: DMatrix<f64>,
}

/// Where each observation falls in a rollout: the step of each row and the (particle, axis) of each column.
#[derive(Debug, Clone)]
pub(crate) struct ObservationPlan {
    /// `(step, row)` pairs sorted by step.
    pub by_step: Vec<(usize, usize)>,
    /// `(particle index, axis)` per column.
    pub columns: Vec<(usize, usize)>,
    /// The number of steps needed to reach the last observation.
    pub n_steps: usize,
}

impl Observations {
    /// Samples columns of a simulated trajectory every `every` steps (for synthetic data and tests).
    ///
    /// # Errors
    /// [`Error::Observation`] for a column that is not `<particle>.x|y|z` of the trajectory or `every == 0`.
    pub fn from_trajectory<S: AsRef<str>>(traj: &Trajectory<f64>, columns: &[S], every: usize) -> Result<Self> {
        if every == 0 {
            return Err(Error::Observation("sampling interval must be at least one step".into()));
        }
        let resolved: Vec<(usize, usize)> = columns
            .iter()
            .map(|c| resolve_column(c.as_ref(), |name| traj.names.iter().position(|n| n == name)))
            .collect::<Result<_>>()?;
        let rows: Vec<&crate::sim::State<f64>> = traj.states.iter().step_by(every).collect();
        Ok(Observations {
            times: rows.iter().map(|s| s.time(traj.dt)).collect(),
            columns: columns.iter().map(|c| c.as_ref().to_string()).collect(),
            values: DMatrix::from_fn(rows.len(), resolved.len(), |i, j| {
                let (p, axis) = resolved[j];
                rows[i].x[p][axis]
            }),
        })
    }

    /// The observations at times `t ≤ horizon` (s).
    pub fn up_to(&self, horizon: f64) -> Observations {
        let rows: Vec<usize> = (0..self.times.len()).filter(|&i| self.times[i] <= horizon).collect();
        Observations {
            times: rows.iter().map(|&i| self.times[i]).collect(),
            columns: self.columns.clone(),
            values: self.values.select_rows(rows.iter()),
        }
    }

    /// Maps the observations onto `scene`'s particles and time grid.
    pub(crate) fn plan(&self, scene: &Scene<f64>) -> Result<ObservationPlan> {
        let columns = self
            .columns
            .iter()
            .map(|c| resolve_column(c, |name| scene.particle_index(name)))
            .collect::<Result<Vec<_>>>()?;
        let dt = scene.world.dt;
        let mut by_step = Vec::with_capacity(self.times.len());
        for (row, &t) in self.times.iter().enumerate() {
            let k = (t / dt).round();
            if t < 0.0 || (k * dt - t).abs() > 1e-9 * t.abs().max(1.0) {
                return Err(Error::Observation(format!(
                    "time t = {t} s (data row {}) is not on the scene's time grid (a multiple of dt = {dt} s)",
                    row + 1
                )));
            }
            by_step.push((k as usize, row));
        }
        by_step.sort_unstable();
        let n_steps = by_step.last().map_or(0, |(k, _)| *k);
        Ok(ObservationPlan { by_step, columns, n_steps })
    }
}

fn resolve_column(column: &str, find: impl Fn(&str) -> Option<usize>) -> Result<(usize, usize)> {
    let bad = |why: &str| Error::Observation(format!("column `{column}`: {why}"));
    let (name, axis) = column.rsplit_once('.').ok_or_else(|| bad("expected `<particle>.x`, `.y` or `.z`"))?;
    let axis = match axis {
        "x" => 0,
        "y" => 1,
        "z" => 2,
        _ => return Err(bad("the coordinate must be x, y or z")),
    };
    let particle = find(name).ok_or_else(|| bad(&format!("the scene has no particle `{name}`")))?;
    Ok((particle, axis))
}

#[cfg(test)]
mod tests {
    use crate::io::{parse_observations, parse_scene, DEMO_SCENE};

    #[test]
    fn times_off_the_grid_and_unknown_columns_are_errors() {
        let scene = parse_scene(DEMO_SCENE, "demo").unwrap();
        let off = parse_observations("t,ball.z\n0.01005,1\n", "o").unwrap();
        assert!(off.plan(&scene).unwrap_err().to_string().contains("not on the scene's time grid"));
        let unknown = parse_observations("t,box.z\n0.01,1\n", "o").unwrap();
        assert!(unknown.plan(&scene).unwrap_err().to_string().contains("no particle `box`"));
        let axis = parse_observations("t,ball.w\n0.01,1\n", "o").unwrap();
        assert!(axis.plan(&scene).is_err());
        let ok = parse_observations("t,ball.z\n0.02,1\n0.01,1\n", "o").unwrap();
        let plan = ok.plan(&scene).unwrap();
        assert_eq!(plan.by_step, vec![(100, 1), (200, 0)]);
        assert_eq!(plan.n_steps, 200);
    }
}
