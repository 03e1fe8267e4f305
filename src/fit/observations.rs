//! Observed trajectories and how they map onto a scene's time grid.

use crate::model::Model;
use crate::sim::{Coordinate, Trajectory};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// A measured trajectory: `values[(i, j)]` is column `columns[j]` (like `ball.z`, in m) at time `times[i]` (s).
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    /// Sample times in s; each must lie on the scene's `dt` grid.
    pub times: Vec<f64>,
    /// Observed coordinates, named as trajectory columns ([`Coordinate`]): `<particle>.x`, `<body>.z`,
    /// `<body>.qw` (a rigid body's orientation quaternion; give it with the sign continuous in time, as the
    /// simulation keeps it), `<robot>.<joint>`, `<robot>.base.z`, ...
    pub columns: Vec<String>,
    /// One row per time, one column per observed coordinate.
    pub values: DMatrix<f64>,
}

/// Where each observation falls in a rollout: the step of each row and the (particle, axis) of each column.
#[derive(Debug, Clone)]
pub(crate) struct ObservationPlan {
    /// `(step, row)` pairs sorted by step.
    pub by_step: Vec<(usize, usize)>,
    /// What each column observes.
    pub columns: Vec<Coordinate>,
    /// The number of steps needed to reach the last observation.
    pub n_steps: usize,
}

impl Observations {
    /// Samples columns of a simulated trajectory every `every` steps (for synthetic data and tests).
    ///
    /// # Errors
    /// [`Error::Observation`] for a column that is not a coordinate of the trajectory (see
    /// [`Observations::columns`]) or `every == 0`.
    pub fn from_trajectory<S: AsRef<str>>(traj: &Trajectory<f64>, columns: &[S], every: usize) -> Result<Self> {
        if every == 0 {
            return Err(Error::Observation("sampling interval must be at least one step".into()));
        }
        let resolved: Vec<Coordinate> =
            columns.iter().map(|c| resolve_column(c.as_ref(), &traj.coordinates)).collect::<Result<_>>()?;
        let rows: Vec<&crate::sim::State<f64>> = traj.states.iter().step_by(every).collect();
        Ok(Observations {
            times: rows.iter().map(|s| s.time(traj.dt)).collect(),
            columns: columns.iter().map(|c| c.as_ref().to_string()).collect(),
            values: DMatrix::from_fn(rows.len(), resolved.len(), |i, j| resolved[j].value(rows[i])),
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
    pub(crate) fn plan(&self, scene: &Model<f64>) -> Result<ObservationPlan> {
        let coordinates = scene.coordinates();
        let columns = self.columns.iter().map(|c| resolve_column(c, &coordinates)).collect::<Result<Vec<_>>>()?;
        let dt = scene.settings.dt;
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
        if let Some(&(k, row)) = by_step.last().filter(|(k, _)| *k > scene.settings.n_steps()) {
            return Err(Error::Observation(format!(
                "time t = {} s (data row {}) is past the scene's duration {} s ({k} steps of dt = {dt} s, the \
                 scene has {})",
                self.times[row],
                row + 1,
                scene.settings.duration,
                scene.settings.n_steps()
            )));
        }
        Ok(ObservationPlan { by_step, columns, n_steps })
    }
}

fn resolve_column(column: &str, coordinates: &[(String, Coordinate)]) -> Result<Coordinate> {
    if let Some((_, c)) = coordinates.iter().find(|(name, _)| name == column) {
        return Ok(*c);
    }
    let owner = column.rsplit_once('.').map_or(column, |(owner, _)| owner);
    let owner = owner.split('.').next().unwrap_or(owner);
    let of_owner: Vec<&str> =
        coordinates.iter().map(|(n, _)| n.as_str()).filter(|n| n.split('.').next() == Some(owner)).collect();
    Err(Error::Observation(if of_owner.is_empty() {
        format!("column `{column}`: the scene has no particle, body or robot `{owner}`")
    } else {
        format!("column `{column}` is not a coordinate of `{owner}`, whose coordinates are {}", of_owner.join(", "))
    }))
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
        assert!(unknown.plan(&scene).unwrap_err().to_string().contains("no particle, body or robot `box`"));
        let axis = parse_observations("t,ball.w\n0.01,1\n", "o").unwrap();
        assert!(axis.plan(&scene).is_err());
        let late = parse_observations("t,ball.z\n0.01,1\n2.5,1\n", "o").unwrap();
        let e = late.plan(&scene).unwrap_err().to_string();
        assert!(e.contains("t = 2.5 s (data row 2) is past the scene's duration 2 s"), "{e}");
        let ok = parse_observations("t,ball.z\n0.02,1\n0.01,1\n", "o").unwrap();
        let plan = ok.plan(&scene).unwrap();
        assert_eq!(plan.by_step, vec![(100, 1), (200, 0)]);
        assert_eq!(plan.n_steps, 200);
    }
}
