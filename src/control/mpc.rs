//! Receding-horizon control (MPC) on top of iLQR / box-DDP.

use super::ilqr::Solver;
use super::problem::coordinates;
use super::{ControlProblem, IlqrOptions};
use crate::model::Model;
use crate::sim::{step_with_torques, State, Workspace};
use crate::{Error, Result};
use nalgebra::DVector;

/// Settings of [`mpc`].
#[derive(Clone, Debug, PartialEq)]
pub struct MpcOptions {
    /// Steps of the plan re-optimised at every control step (the problem's `steps` is ignored). Default 50.
    pub horizon: usize,
    /// Closed-loop steps to run. Default 100.
    pub steps: usize,
    /// Settings of each re-plan; its `max_iterations` bounds the work per control step. Default: 200 iterations
    /// for the first plan (from the problem's initial guess), then [`MpcOptions::iterations_per_step`].
    pub ilqr: IlqrOptions,
    /// iLQR iterations per re-plan after the first. Default 3.
    pub iterations_per_step: usize,
}

impl Default for MpcOptions {
    fn default() -> Self {
        MpcOptions { horizon: 50, steps: 100, ilqr: IlqrOptions::default(), iterations_per_step: 3 }
    }
}

/// What [`mpc`] returns.
#[derive(Clone, Debug)]
pub struct MpcReport {
    /// The plant's robots' joint states (coordinates), `steps + 1`.
    pub states: Vec<DVector<f64>>,
    /// The controls applied, `steps`.
    pub controls: Vec<DVector<f64>>,
    /// The cost of the plan chosen at each control step.
    pub planned_costs: Vec<f64>,
}

/// Model-predictive control: at every control step, optimise the problem's costs over `horizon` steps from the
/// plant's current state with [`super::ilqr`] (box-DDP with bounds), warm-started from the previous plan shifted
/// by one step (its last control repeated), apply the first control to the plant for one step, repeat.
///
/// `plant` is the world the controls act on; `None` for the problem's own model. A different plant (a heavier
/// link, a changed friction) shows what feedback through re-planning buys; it must hold robots of the same
/// sizes. `progress` is called after every control step with `(step, planned cost)`.
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid problem, `horizon == 0`, or a plant whose robots do not match; errors
/// of the solver and of the plant's step.
pub fn mpc(
    problem: &ControlProblem,
    options: &MpcOptions,
    plant: Option<&Model<f64>>,
    mut progress: impl FnMut(usize, f64),
) -> Result<MpcReport> {
    if options.horizon == 0 {
        return Err(Error::InvalidArgument("mpc: the horizon must be at least one step".into()));
    }
    let mut planner = problem.clone();
    planner.steps = options.horizon;
    let plant = plant.unwrap_or(&problem.model);
    let fits = plant.robots.len() == problem.model.robots.len()
        && plant
            .robots
            .iter()
            .zip(&problem.model.robots)
            .all(|(a, b)| (a.multibody.nq(), a.multibody.nv()) == (b.multibody.nq(), b.multibody.nv()));
    if !fits {
        return Err(Error::InvalidArgument("mpc: the plant's robots must have the problem's sizes".into()));
    }
    plant.validate()?;
    let nu = planner.nu();
    let mut plan = vec![DVector::zeros(nu); options.horizon];
    let solver = Solver::new(&planner, &plan)?;
    let mut state: State<f64> = State::initial(plant);
    let mut ws = Workspace::new(plant.particles.len());
    let mut report = MpcReport { states: vec![coordinates(&state)], controls: Vec::new(), planned_costs: Vec::new() };
    for k in 0..options.steps {
        let iterations = if k == 0 { options.ilqr.max_iterations } else { options.iterations_per_step };
        // the first plan starts as the options say; later ones from the shifted plan, rolled out
        let multiple_shooting = k == 0 && options.ilqr.multiple_shooting;
        let settings = IlqrOptions { max_iterations: iterations, multiple_shooting, ..options.ilqr.clone() };
        let mut planning_state = planner.initial_state();
        for (s, plant_s) in planning_state.robots.iter_mut().zip(&state.robots) {
            s.clone_from(plant_s);
        }
        planning_state.friction_anchors.clone_from(&state.friction_anchors);
        let result = solver.solve_from(&planning_state, &plan, &settings, |_, _| {})?;
        let u = result.controls[0].clone();
        step_with_torques(plant, &mut state, &mut ws, &planner.torques(u.as_slice())).map_err(|e| match e {
            Error::NonFinite { body, .. } => {
                Error::NonFinite { body, step: k + 1, time: (k + 1) as f64 * plant.settings.dt }
            }
            e => e,
        })?;
        progress(k, result.cost);
        report.planned_costs.push(result.cost);
        report.controls.push(u);
        report.states.push(coordinates(&state));
        plan = result.controls[1..].to_vec();
        plan.push(result.controls[options.horizon - 1].clone());
    }
    Ok(report)
}
