//! Trajectory optimisation of the swing-ups: the per-step Jacobians and the adjoint gradient of the cost agree with
//! central differences, and so do the step's second derivatives (full DDP's) with differences of the Jacobians;
//! iLQR and full DDP swing the pendulum and the cart-pole up (final angle error < 0.05 rad, small velocities), DDP
//! to a lower cost in fewer iterations, and the solvers decrease the cost monotonically.

use diffphys::control::{ilqr, shooting_lbfgs, ControlProblem, IlqrOptions, ShootingOptions};
use diffphys::grad::StepCurvature;
use nalgebra::{DMatrix, DVector};

#[test]
fn step_jacobians_match_central_differences() {
    let problem = ControlProblem::cartpole();
    let x = DVector::from_vec(vec![0.3, 2.0, -0.4, 1.5]);
    let u = DVector::from_element(1, 3.0);
    let j = problem.step_jacobians(&x, &u).unwrap();
    let model = &problem.model;
    let mut ws = diffphys::sim::Workspace::new(0);
    let mut step = |x: &DVector<f64>, u: &DVector<f64>| problem.step(model, &mut ws, x, u).unwrap();
    assert!((&j.next - step(&x, &u)).amax() < 1e-14, "the analytic route steps in its own order");
    let h = 1e-6;
    let mut fd_a = DMatrix::zeros(4, 4);
    for k in 0..4 {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[k] += h;
        xm[k] -= h;
        fd_a.set_column(k, &((step(&xp, &u) - step(&xm, &u)) / (2.0 * h)));
    }
    let fd_b = (step(&x, &u.add_scalar(h)) - step(&x, &u.add_scalar(-h))) / (2.0 * h);
    assert!((&j.a - &fd_a).amax() < 1e-7, "A = {} vs {}", j.a, fd_a);
    assert!((j.b.column(0) - fd_b).amax() < 1e-7);
}

#[test]
fn adjoint_gradient_matches_central_differences() {
    let mut problem = ControlProblem::pendulum();
    problem.steps = 30;
    let controls: Vec<DVector<f64>> = (0..30).map(|t| DVector::from_element(1, (t as f64 * 0.3).sin() * 2.0)).collect();
    let (cost, gradient) = problem.cost_and_gradient(&controls).unwrap();
    let plain = problem.cost(&controls).unwrap();
    assert!((cost - plain).abs() <= 1e-13 * plain, "{cost} vs {plain} (sums in a different order)");
    let h = 1e-6;
    for t in [0, 7, 29] {
        let mut plus = controls.clone();
        let mut minus = controls.clone();
        plus[t][0] += h;
        minus[t][0] -= h;
        let fd = (problem.cost(&plus).unwrap() - problem.cost(&minus).unwrap()) / (2.0 * h);
        assert!((gradient[t][0] - fd).abs() < 1e-6 * (1.0 + fd.abs()), "t = {t}: {} vs {fd}", gradient[t][0]);
    }
}

/// `[A B]` of the problem's step at `z = [x; u]` (`x` in coordinates: every joint here is revolute or prismatic,
/// so the tangent step `δx` is a step of `x`).
fn step_jacobian(problem: &ControlProblem, z: &DVector<f64>) -> DMatrix<f64> {
    let nx = problem.nx();
    let j = problem.step_jacobians(&z.rows(0, nx).into_owned(), &z.rows(nx, problem.nu()).into_owned()).unwrap();
    let mut ab = DMatrix::zeros(nx, nx + problem.nu());
    ab.columns_mut(0, nx).copy_from(&j.a);
    ab.columns_mut(nx, problem.nu()).copy_from(&j.b);
    ab
}

#[test]
fn step_second_derivatives_match_differences_of_the_jacobians() {
    let ur5 = diffphys::io::load_urdf(std::path::Path::new("tests/data/ur5.urdf")).unwrap();
    let reach = ControlProblem::reach(ur5, "tool0", ControlProblem::crocoddyl_reach_offset(), 10, 0.01).unwrap();
    let cases = [
        (ControlProblem::cartpole(), vec![0.3, 2.0, -0.4, 1.5], vec![3.0]),
        (ControlProblem::acrobot(), vec![2.5, -0.7, 1.1, 0.4], vec![-2.0]),
        // n = 18: blocks of 4 that straddle q, v and u
        (
            reach,
            vec![0.1, -1.2, 1.4, -0.5, 0.8, 0.3, 0.5, -0.2, 0.4, 1.0, -0.6, 0.2],
            vec![5.0, -20.0, 8.0, 1.0, -1.0, 0.5],
        ),
    ];
    for (problem, x, u) in cases {
        let (nx, nu) = (problem.nx(), problem.nu());
        let (x, u) = (DVector::from_vec(x), DVector::from_vec(u));
        let z = DVector::from_iterator(nx + nu, x.iter().chain(u.iter()).copied());
        let state = problem.state_at(&x).unwrap();
        let mut curvature = StepCurvature::new(&problem.model).unwrap();
        let second = curvature.second_derivatives(&state, &problem.torques(u.as_slice()), &problem.actuated).unwrap();
        assert_eq!(second.len(), nx);
        let h = 1e-5;
        let mut largest = 0.0_f64;
        for k in 0..nx + nu {
            let (mut plus, mut minus) = (z.clone(), z.clone());
            plus[k] += h;
            minus[k] -= h;
            let column = (step_jacobian(&problem, &plus) - step_jacobian(&problem, &minus)) / (2.0 * h);
            for (i, hi) in second.iter().enumerate() {
                for j in 0..nx + nu {
                    let (exact, fd) = (hi[(j, k)], column[(i, j)]);
                    largest = largest.max(exact.abs());
                    assert!(
                        (exact - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{}: ∂²f_{i}/∂z_{j}∂z_{k} = {exact} vs {fd} from the Jacobians",
                        problem.name
                    );
                }
            }
        }
        assert!(largest > 1e-3, "{}: the step is curved ({largest})", problem.name);
    }
}

#[test]
fn full_ddp_swings_the_cartpole_up_to_a_lower_cost_in_fewer_iterations() {
    let problem = ControlProblem::cartpole();
    let initial = vec![DVector::zeros(problem.nu()); problem.steps];
    let ilqr_report = ilqr(&problem, &initial, &IlqrOptions::default(), |_, _| {}).unwrap();
    let options = IlqrOptions { second_order: true, ..IlqrOptions::default() };
    let ddp = ilqr(&problem, &initial, &options, |_, _| {}).unwrap();
    assert_eq!(ddp.method, "ddp");
    assert!(ddp.costs.windows(2).all(|w| w[1] < w[0]), "DDP accepts only decreasing steps");
    let (angle, speed) = problem.final_errors(ddp.states.last().unwrap());
    assert!(angle < 0.05 && speed < 0.1, "angle error {angle}, speed {speed}");
    let (cost, cost_ilqr) = (*ddp.costs.last().unwrap(), *ilqr_report.costs.last().unwrap());
    let (iterations, iterations_ilqr) = (ddp.costs.len() - 1, ilqr_report.costs.len() - 1);
    assert!(cost < cost_ilqr, "DDP's cost {cost} vs iLQR's {cost_ilqr}");
    assert!(4 * iterations < 3 * iterations_ilqr, "DDP {iterations} vs iLQR {iterations_ilqr} iterations");
}

#[test]
fn ilqr_swings_the_pendulum_and_the_cartpole_up() {
    for problem in [ControlProblem::pendulum(), ControlProblem::cartpole()] {
        let initial = vec![DVector::zeros(problem.nu()); problem.steps];
        let report = ilqr(&problem, &initial, &IlqrOptions::default(), |_, _| {}).unwrap();
        assert!(report.costs.windows(2).all(|w| w[1] < w[0]), "iLQR accepts only decreasing steps");
        let (angle, speed) = problem.final_errors(report.states.last().unwrap());
        assert!(angle < 0.05 && speed < 0.1, "{}: angle error {angle}, speed {speed}", problem.name);
    }
}

#[test]
fn lbfgs_shooting_swings_the_pendulum_up() {
    let problem = ControlProblem::pendulum();
    let initial = vec![DVector::zeros(1); problem.steps];
    let options = ShootingOptions { max_iterations: 300, ..ShootingOptions::default() };
    let report = shooting_lbfgs(&problem, &initial, &options, |_, _| {}).unwrap();
    let (angle, speed) = problem.final_errors(report.states.last().unwrap());
    assert!(angle < 0.05 && speed < 0.1, "angle error {angle}, speed {speed}");
    assert!(report.costs.last().unwrap() < &(report.costs[0] * 1e-2));
}
