//! Issue 3 — invariants of the multibody algorithms over random trees and states (proptest, seeded):
//! - inverse and forward dynamics are inverse to each other: `RNEA(q, v, ABA(q, v, τ)) = τ`;
//! - the CRBA mass matrix is symmetric positive definite, `M · ABA(q, v, τ) + RNEA(q, v, 0) = τ`, and its column
//!   `k` is `RNEA(q, v, e_k) − RNEA(q, v, 0)` (`∂τ/∂a = M`);
//! - gravity torques are the gradient of the potential energy, `RNEA(q, 0, 0) = ∂V/∂q`;
//! - without damping, friction and torques, RK4 conserves energy (bounded drift);
//! - derivatives: analytic RNEA/ABA derivatives == dual numbers == central differences (along the manifold for
//!   free joints), and derivatives with respect to inertial parameters == central differences;
//! - frame Jacobians: `J v` equals the velocity of the frame from kinematics;
//! - the f64 run and the real part of a dual run agree to the last bit; a second call on the same workspace gives
//!   the same answer.

use diffphys::grad::{aba_derivatives_duals, DualDerivativesWorkspace};
use diffphys::model::multibody::{random_state, sample};
use diffphys::model::{Integrator, Model, Multibody, Robot};
use diffphys::multibody::{
    aba, aba_derivatives, crba, forward_kinematics, frame_jacobian, frame_pose_world, kinetic_energy_multibody,
    potential_energy_multibody, rnea, rnea_derivatives, MultibodyWorkspace,
};
use diffphys::sim::robot::{robot_step, RobotSettings};
use diffphys::sim::rollout;
use nalgebra::{DMatrix, DVector};
use num_dual::{Dual64, DualSVec64, DualStruct};
use proptest::prelude::*;
use rand::SeedableRng;

fn tree(seed: u64, n: usize, floating: bool) -> (Multibody<f64>, DVector<f64>, DVector<f64>, DVector<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let model = sample::random_tree(&mut rng, n, floating);
    let (q, v, tau) = random_state(&model, &mut rng);
    (model, q, v, tau)
}

fn rel(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    (a - b).amax() / b.amax().max(1.0)
}

fn col(x: &DVector<f64>) -> DMatrix<f64> {
    DMatrix::from_column_slice(x.len(), 1, x.as_slice())
}

/// Central differences of `f` along each velocity coordinate, moving `q` on its manifold (`q ⊕ h e_k`).
fn fd_along_q(model: &Multibody<f64>, q: &DVector<f64>, f: impl Fn(&DVector<f64>) -> DVector<f64>) -> DMatrix<f64> {
    let h = 1e-6;
    let nv = model.nv();
    let mut out = DMatrix::zeros(f(q).len(), nv);
    for k in 0..nv {
        let mut e = DVector::zeros(nv);
        e[k] = 1.0;
        let plus = f(&model.integrate(q, &e, &h));
        let minus = f(&model.integrate(q, &e, &-h));
        out.set_column(k, &((plus - minus) / (2.0 * h)));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..crate::common::fixed_seed() })]

    #[test]
    fn forward_and_inverse_dynamics_are_inverse(seed in 0u64..1_000_000, n in 1usize..9, floating in any::<bool>()) {
        let (model, q, v, tau) = tree(seed, n, floating);
        let mut ws = MultibodyWorkspace::new(&model);
        let a = aba(&model, &mut ws, &q, &v, &tau, &[]).unwrap();
        let back = rnea(&model, &mut ws, &q, &v, &a, &[]);
        prop_assert!(rel(&col(&back), &col(&tau)) < 1e-10, "RNEA(ABA(τ)) = {back} vs τ = {tau}");
    }

    #[test]
    fn mass_matrix_is_spd_and_consistent(seed in 0u64..1_000_000, n in 1usize..9, floating in any::<bool>()) {
        let (model, q, v, tau) = tree(seed, n, floating);
        let mut ws = MultibodyWorkspace::new(&model);
        let m = crba(&model, &mut ws, &q);
        prop_assert_eq!(&m, &m.transpose());
        prop_assert!(m.clone().cholesky().is_some(), "M not positive definite: {}", m);
        let a = aba(&model, &mut ws, &q, &v, &tau, &[]).unwrap();
        let bias = rnea(&model, &mut ws, &q, &v, &DVector::zeros(model.nv()), &[]);
        prop_assert!(rel(&col(&(&m * &a + &bias)), &col(&tau)) < 1e-10);
        for k in 0..model.nv() {
            let mut e = DVector::zeros(model.nv());
            e[k] = 1.0;
            let column = rnea(&model, &mut ws, &q, &v, &e, &[]) - &bias;
            prop_assert!(rel(&col(&column), &col(&m.column(k).into_owned())) < 1e-10);
        }
    }

    #[test]
    fn gravity_torque_is_the_gradient_of_potential_energy(seed in 0u64..1_000_000, n in 1usize..7, floating in any::<bool>()) {
        let (model, q, _, _) = tree(seed, n, floating);
        let mut ws = MultibodyWorkspace::new(&model);
        let zero = DVector::zeros(model.nv());
        let g = rnea(&model, &mut ws, &q, &zero, &zero, &[]);
        let dv = fd_along_q(&model, &q, |q| {
            let mut ws = MultibodyWorkspace::new(&model);
            DVector::from_element(1, potential_energy_multibody(&model, &mut ws, q))
        });
        prop_assert!(rel(&col(&g).transpose(), &dv) < 1e-6, "g = {g}, dV/dq = {dv}");
    }

    #[test]
    fn derivatives_agree_analytic_duals_and_finite_differences(seed in 0u64..1_000_000, n in 1usize..8, floating in any::<bool>()) {
        let (model, q, v, tau) = tree(seed, n, floating);
        let mut ws = MultibodyWorkspace::new(&model);
        let analytic = aba_derivatives(&model, &mut ws, &q, &v, &tau).unwrap();
        let duals = aba_derivatives_duals(&model, &mut DualDerivativesWorkspace::new(&model), &q, &v, &tau).unwrap();
        prop_assert!(rel(&analytic.dddq_dq, &duals.dddq_dq) < 1e-10);
        prop_assert!(rel(&analytic.dddq_dv, &duals.dddq_dv) < 1e-10);
        let fd_q = fd_along_q(&model, &q, |q| aba(&model, &mut MultibodyWorkspace::new(&model), q, &v, &tau, &[]).unwrap());
        prop_assert!(rel(&analytic.dddq_dq, &fd_q) < 1e-5, "dq: {} vs {}", analytic.dddq_dq, fd_q);
        let h = 1e-6;
        let mut fd_v = DMatrix::zeros(model.nv(), model.nv());
        for k in 0..model.nv() {
            let (mut vp, mut vm) = (v.clone(), v.clone());
            vp[k] += h;
            vm[k] -= h;
            let d = (aba(&model, &mut ws, &q, &vp, &tau, &[]).unwrap() - aba(&model, &mut ws, &q, &vm, &tau, &[]).unwrap()) / (2.0 * h);
            fd_v.set_column(k, &d);
        }
        prop_assert!(rel(&analytic.dddq_dv, &fd_v) < 1e-5);
        // Analytic RNEA derivatives run on duals too (second derivatives): their real part is the f64 result.
        let dual_model = model.lift::<Dual64>();
        let lift = |x: &DVector<f64>| x.map(Dual64::from);
        let (dq_dual, _) = rnea_derivatives(&dual_model, &mut MultibodyWorkspace::new(&dual_model), &lift(&q), &lift(&v), &lift(&analytic.ddq));
        let (dq_f64, _) = rnea_derivatives(&model, &mut ws, &q, &v, &analytic.ddq);
        prop_assert_eq!(dq_dual.map(|x| x.re), dq_f64);
    }

    #[test]
    fn frame_jacobian_maps_joint_velocities_to_frame_velocities(seed in 0u64..1_000_000, n in 1usize..8, floating in any::<bool>()) {
        let (model, q, v, _) = tree(seed, n, floating);
        let mut ws = MultibodyWorkspace::new(&model);
        let frame = model.body_names[n - 1].clone();
        let j = frame_jacobian(&model, &mut ws, &q, &frame).unwrap();
        let jv = &j * &v;
        // Origin velocity by central differences of the placement along q̇; angular velocity from kinematics.
        let h = 1e-6;
        let position = |q: &DVector<f64>| {
            let mut ws = MultibodyWorkspace::new(&model);
            forward_kinematics(&model, &mut ws, q, &DVector::zeros(model.nv()));
            frame_pose_world(&model, &ws, &frame).unwrap().translation
        };
        let fd = (position(&model.integrate(&q, &v, &h)) - position(&model.integrate(&q, &v, &-h))) / (2.0 * h);
        prop_assert!((jv.fixed_rows::<3>(3) - fd).amax() < 1e-6 * (1.0 + fd.amax()));
        forward_kinematics(&model, &mut ws, &q, &v);
        let body = model.n_bodies() - 1;
        let omega_world = ws.pose_world(body).rotation * ws.velocity_body(body).angular;
        prop_assert!((jv.fixed_rows::<3>(0) - omega_world).amax() < 1e-12 * (1.0 + omega_world.amax()));
    }

    /// Without damping or torques RK4 conserves energy up to its truncation error, which shrinks at fourth
    /// order: halving the step over the same 0.5 s divides the worst energy drift by ~16 (asserted ≥ 8, unless
    /// both are at round-off) — with free and spherical joints too, whose stages RK4 combines in one chart, and at 0.5 ms it stays below 1e-5 of the kinetic energy + 1 J. (A fixed bound
    /// alone was flaky: a random fast-spinning tree drifted 1.4e-5 at 1 ms and 9.5e-7 at 0.5 ms.)
    #[test]
    fn rk4_conserves_energy_without_damping_or_torques(seed in 0u64..1_000_000, n in 1usize..5, floating in any::<bool>()) {
        let (model, q, v, _) = tree(seed, n, floating);
        let mut ws = MultibodyWorkspace::new(&model);
        let scale = kinetic_energy_multibody(&model, &mut ws, &q, &v).abs() + 1.0;
        let mut worst_drift = |dt: f64| {
            // the tree as the one robot of a world, stepped by the world's RK4
            let mut world = Model::empty(dt, 0.5);
            world.settings.integrator = Integrator::Rk4;
            let mut robot = Robot::new(model.clone());
            (robot.q0, robot.v0) = (q.clone(), v.clone());
            world.add_robot(robot).unwrap();
            let traj = rollout(&world).unwrap();
            let mut energy = |q: &DVector<f64>, v: &DVector<f64>| {
                kinetic_energy_multibody(&model, &mut ws, q, v) + potential_energy_multibody(&model, &mut ws, q)
            };
            let e0 = energy(&q, &v);
            traj.states.iter().map(|s| (energy(&s.robots[0].q, &s.robots[0].v) - e0).abs() / scale).fold(0.0, f64::max)
        };
        let (coarse, fine) = (worst_drift(1e-3), worst_drift(5e-4));
        prop_assert!(fine < 1e-5, "energy drift {fine:e} at 0.5 ms");
        prop_assert!(coarse < 1e-11 || fine < coarse / 8.0, "drift {coarse:e} at 1 ms, {fine:e} at 0.5 ms: not fourth order");
    }

    #[test]
    fn f64_and_dual_steps_agree_bit_for_bit(seed in 0u64..1_000_000, n in 1usize..6, floating in any::<bool>(), rk4 in any::<bool>()) {
        let (mut model, q, v, tau) = tree(seed, n, floating);
        for joint in model.joints.iter_mut() {
            joint.damping = 0.1;
            joint.friction = 0.05;
        }
        let integrator = if rk4 { Integrator::Rk4 } else { Integrator::SemiImplicitEuler };
        let settings = RobotSettings { integrator, ..RobotSettings::default() };
        let mut ws = MultibodyWorkspace::new(&model);
        let (q1, v1) = robot_step(&model, &mut ws, &q, &v, &tau, &settings).unwrap();
        let (q1b, v1b) = robot_step(&model, &mut ws, &q, &v, &tau, &settings).unwrap();
        prop_assert_eq!((&q1, &v1), (&q1b, &v1b), "a second call on the same workspace differs");
        type D = DualSVec64<3>;
        let dual_model = model.lift::<D>();
        let seeded = |x: &DVector<f64>, dir: usize| x.map(|a| D::from_re(a).derivative(dir));
        let (qd, vd) = robot_step(&dual_model, &mut MultibodyWorkspace::new(&dual_model), &seeded(&q, 0), &seeded(&v, 1), &seeded(&tau, 2), &settings).unwrap();
        prop_assert_eq!(qd.map(|x| x.re()), q1);
        prop_assert_eq!(vd.map(|x| x.re()), v1);
    }
}

#[test]
fn derivatives_with_respect_to_inertial_parameters_match_central_differences() {
    let model = diffphys::io::parse_urdf(include_str!("../data/ur5.urdf")).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let (q, v, tau) = random_state(&model, &mut rng);
    let names = [
        "ur5.forearm_link.mass",
        "ur5.forearm_link.com.x",
        "ur5.wrist_1_link.inertia.ixx",
        "ur5.shoulder_link.inertia.ixy",
    ];
    let names: Vec<String> = names.iter().map(|n| n.replace("ur5", &model.name)).collect();
    let params = model.resolve_params(&names).unwrap();
    let p0 = model.param_values(&params);
    for (k, _) in params.iter().enumerate() {
        let seeded: Vec<Dual64> = p0
            .iter()
            .enumerate()
            .map(|(i, &x)| if i == k { Dual64::from(x).derivative() } else { Dual64::from(x) })
            .collect();
        let dual_model = model.with_params(&params, &seeded);
        let lift = |x: &DVector<f64>| x.map(Dual64::from);
        let a = aba(&dual_model, &mut MultibodyWorkspace::new(&dual_model), &lift(&q), &lift(&v), &lift(&tau), &[])
            .unwrap();
        let exact = a.map(|x| x.eps);
        let h = 1e-6 * p0[k].abs().max(1e-3);
        let eval = |x: f64| {
            let mut values = p0.clone();
            values[k] = x;
            let m = model.with_params::<f64>(&params, &values);
            aba(&m, &mut MultibodyWorkspace::new(&m), &q, &v, &tau, &[]).unwrap()
        };
        let fd = (eval(p0[k] + h) - eval(p0[k] - h)) / (2.0 * h);
        let err = (&exact - &fd).amax() / fd.amax().max(1e-6);
        assert!(err < 1e-5, "{}: dual {exact} vs fd {fd}", names[k]);
    }
}

#[test]
fn malformed_urdf_gives_errors_naming_the_element() {
    let good = include_str!("../data/double_pendulum.urdf");
    let cases = [
        (good.replace("type=\"revolute\"", "type=\"planar\""), "joint \"joint1\""),
        (
            good.replace("<mass\n        value=\"0.2\" />", "<mass value=\"heavy\"/>"),
            "link \"link1\" <inertial> <mass>",
        ),
        (good.replace("link=\"link1\" />\n    <axis", "link=\"nowhere\" />\n    <axis"), "<child>"),
        (
            good.replace(
                "xyz=\"1 0 0\" />\n    <limit\n      lower=\"0\"",
                "xyz=\"0 0 0\" />\n    <limit\n      lower=\"0\"",
            ),
            "<axis>",
        ),
        (good.replace("</robot>", ""), "line"),
        (good.replace("ixx=\"0.000177083\"", "ixx=\"-1\""), "inertia"),
    ];
    for (text, element) in &cases {
        assert_ne!(text, good, "the replacement for {element} did not apply");
        let err = diffphys::io::parse_urdf(text).expect_err(element).to_string();
        assert!(err.contains(element), "error `{err}` does not name `{element}`");
    }
    // Truncating a file anywhere gives an error, never a panic.
    for cut in (0..good.len()).step_by(97) {
        if good.is_char_boundary(cut) {
            assert!(diffphys::io::parse_urdf(&good[..cut]).is_err());
        }
    }
}
