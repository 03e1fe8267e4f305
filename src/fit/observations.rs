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
    /// Observed coordinates: `<particle>.x`, `.y`, `.z`, or `<body>.x`, `.y`, `.z`, `.qw`, `.qx`, `.qy`, `.qz`
    /// (a rigid body's orientation quaternion; give it with the sign continuous in time, as the simulation
    /// keeps it).
    pub columns: Vec<String>,
    /// One row per time, one column per observed coordinate.
    pub values: DMatrix<f64>,
}

/// One observable coordinate of a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Observable {
    /// Coordinate `axis` of particle `index`.
    Particle { index: usize, axis: usize },
    /// Coordinate `axis` of rigid body `index`'s centre of mass.
    BodyPosition { index: usize, axis: usize },
    /// Component `w, x, y, z` (0..4) of rigid body `index`'s orientation.
    BodyOrientation { index: usize, component: usize },
}

impl Observable {
    /// The value of this coordinate in `state`.
    pub fn value<T: crate::Scalar>(self, state: &crate::sim::State<T>) -> T {
        match self {
            Observable::Particle { index, axis } => state.x[index][axis].clone(),
            Observable::BodyPosition { index, axis } => state.bodies[index].position[axis].clone(),
            Observable::BodyOrientation { index, component } => {
                let q = &state.bodies[index].orientation;
                [&q.w, &q.i, &q.j, &q.k][component].clone()
            }
        }
    }
}

/// Where each observation falls in a rollout: the step of each row and the (particle, axis) of each column.
#[derive(Debug, Clone)]
pub(crate) struct ObservationPlan {
    /// `(step, row)` pairs sorted by step.
    pub by_step: Vec<(usize, usize)>,
    /// What each column observes.
    pub columns: Vec<Observable>,
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
        let resolved: Vec<Observable> = columns
            .iter()
            .map(|c| {
                resolve_column(
                    c.as_ref(),
                    |name| traj.names.iter().position(|n| n == name),
                    |name| traj.body_names.iter().position(|n| n == name),
                )
            })
            .collect::<Result<_>>()?;
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
    pub(crate) fn plan(&self, scene: &Scene<f64>) -> Result<ObservationPlan> {
        let columns = self
            .columns
            .iter()
            .map(|c| resolve_column(c, |name| scene.particle_index(name), |name| scene.body_index(name)))
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

fn resolve_column(
    column: &str,
    find_particle: impl Fn(&str) -> Option<usize>,
    find_body: impl Fn(&str) -> Option<usize>,
) -> Result<Observable> {
    let bad = |why: &str| Error::Observation(format!("column `{column}`: {why}"));
    let (name, coordinate) =
        column.rsplit_once('.').ok_or_else(|| bad("expected `<particle>.x|y|z` or `<body>.x|y|z|qw|qx|qy|qz`"))?;
    let axis = ["x", "y", "z"].iter().position(|a| *a == coordinate);
    let component = ["qw", "qx", "qy", "qz"].iter().position(|a| *a == coordinate);
    if let Some(index) = find_particle(name) {
        let axis = axis.ok_or_else(|| bad("a particle's coordinate must be x, y or z"))?;
        return Ok(Observable::Particle { index, axis });
    }
    if let Some(index) = find_body(name) {
        return match (axis, component) {
            (Some(axis), _) => Ok(Observable::BodyPosition { index, axis }),
            (_, Some(component)) => Ok(Observable::BodyOrientation { index, component }),
            _ => Err(bad("a body's coordinate must be x, y, z, qw, qx, qy or qz")),
        };
    }
    Err(bad(&format!("the scene has no particle or body `{name}`")))
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
        assert!(unknown.plan(&scene).unwrap_err().to_string().contains("no particle or body `box`"));
        let axis = parse_observations("t,ball.w\n0.01,1\n", "o").unwrap();
        assert!(axis.plan(&scene).is_err());
        let ok = parse_observations("t,ball.z\n0.02,1\n0.01,1\n", "o").unwrap();
        let plan = ok.plan(&scene).unwrap();
        assert_eq!(plan.by_step, vec![(100, 1), (200, 0)]);
        assert_eq!(plan.n_steps, 200);
    }
}
