//! Multibody dynamics on real robots: rnea, crba, aba and the ABA derivatives (analytic tangent sweeps, and the
//! dual-number oracle) on the UR5 (nv = 6), the Panda arm (nv = 9) and the Go2 legs (nv = 12), at the same seeded
//! random state as `diffphys bench`.
//!
//! `cargo bench --bench multibody -- --noplot`; run `shared/peers/pin_bench MODEL.urdf` beside it for Pinocchio's
//! times and quote the ratios of one sitting (README, "Performance").
//!
//! The group `adjoint` times the gradient of a quadratic loss with respect to all `T·m` controls of a `T`-step
//! rollout (`grad::adjoint`) beside one `f64` rollout of the same steps, for the cart-pole and the Go1 standing:
//! `cargo bench --bench multibody -- --noplot adjoint`.
//!
//! The group `optimal_control` times whole solves from zero controls: UR5 and Panda reaching (the problem of
//! `shared/peers/croc_reach.py`, to compare with Crocoddyl's FDDP), the cart-pole swing-up by iLQR and by full
//! DDP, the Go1 taking its weight off a foot (`ControlProblem::unload`, through contact), plus one iLQR iteration's
//! linearisation (per-step Jacobians and cost quadratics) on the UR5:
//! `cargo bench --bench multibody -- --noplot optimal_control`.

use criterion::{criterion_group, criterion_main, Criterion};
use diffphys::control::{ilqr, ControlProblem, IlqrOptions};
use diffphys::grad::{aba_derivatives_duals, adjoint, DualDerivativesWorkspace, Rollout, TrajectoryLoss};
use diffphys::model::multibody::random_state;
use diffphys::model::{multibody::sample, Model, Robot};
use diffphys::multibody::{aba, aba_derivatives, crba, rnea, MultibodyWorkspace};
use diffphys::sim::State;
use diffphys::Scalar;
use nalgebra::DVector;
use rand::SeedableRng;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn robots(c: &mut Criterion) {
    for name in ["ur5", "panda", "go2", "g1"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(format!("{name}.urdf"));
        let model = diffphys::io::load_urdf(&path).expect("shipped URDF loads");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (q, v, tau) = random_state(&model, &mut rng);
        let mut ws = MultibodyWorkspace::new(&model);
        let mut dws = DualDerivativesWorkspace::new(&model);
        let a = aba(&model, &mut ws, &q, &v, &tau, &[]).expect("aba");
        let mut group = c.benchmark_group(format!("{name}_nv{}", model.nv()));
        group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
        group.bench_function("rnea", |b| b.iter(|| black_box(rnea(&model, &mut ws, &q, &v, &a, &[]))));
        group.bench_function("crba", |b| b.iter(|| black_box(crba(&model, &mut ws, &q))));
        group.bench_function("aba", |b| b.iter(|| black_box(aba(&model, &mut ws, &q, &v, &tau, &[]))));
        group.bench_function("aba_derivatives", |b| {
            b.iter(|| black_box(aba_derivatives(&model, &mut ws, &q, &v, &tau)))
        });
        group.bench_function("aba_derivatives_duals", |b| {
            b.iter(|| black_box(aba_derivatives_duals(&model, &mut dws, &q, &v, &tau)))
        });
        group.finish();
    }
}

/// `Σ_t (|q_t|² + |v_t|² + 10⁻² |u_t|²) + 10 (|q_T|² + |v_T|²)` over every robot.
struct Quadratic;

impl TrajectoryLoss for Quadratic {
    fn running<T: Scalar>(&self, _t: usize, s: &State<T>, u: &[T]) -> T {
        let x = s.robots.iter().fold(T::zero(), |l, r| l + r.q.norm_squared() + r.v.norm_squared());
        u.iter().fold(x, |l, &ui| l + ui * ui * T::from(1e-2))
    }
    fn terminal<T: Scalar>(&self, s: &State<T>) -> T {
        s.robots.iter().fold(T::zero(), |l, r| l + r.q.norm_squared() + r.v.norm_squared()) * T::from(10.0)
    }
}

fn adjoint_gradients(c: &mut Criterion) {
    let mut cartpole = Model::<f64>::empty(0.01, 1.0);
    cartpole.add_robot(Robot::new(sample::cartpole())).expect("cart-pole");
    let go1 = diffphys::io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml"))
        .expect("shipped scene loads");
    let mut group = c.benchmark_group("adjoint");
    group.sample_size(10).warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_secs(2));
    for (name, model, lengths) in
        [("cartpole", &cartpole, &[100, 1000, 10_000][..]), ("go1", &go1, &[100, 1000, 10_000][..])]
    {
        for &steps in lengths {
            let rollout = Rollout::new(model, &[] as &[&str], steps).expect("rollout");
            let controls = vec![DVector::from_element(rollout.nu(), 0.1); steps];
            group.bench_function(format!("{name}_T{steps}_f64_rollout"), |b| {
                b.iter(|| black_box(rollout.loss(&[], &controls, &Quadratic).expect("rollout")))
            });
            group.bench_function(format!("{name}_T{steps}_adjoint"), |b| {
                b.iter(|| black_box(adjoint(&rollout, &[], &controls, &Quadratic).expect("adjoint")))
            });
        }
    }
    group.finish();
}

fn optimal_control(c: &mut Criterion) {
    let offset = ControlProblem::crocoddyl_reach_offset();
    let reach = |file: &str, frame: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file);
        let robot = diffphys::io::load_urdf(&path).expect("shipped URDF loads");
        ControlProblem::reach(robot, frame, offset, 100, 0.01).expect("reach problem")
    };
    let mut group = c.benchmark_group("optimal_control");
    group.sample_size(10).warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_secs(3));
    let problems = [
        ("ur5_reach", reach("ur5.urdf", "tool0")),
        ("panda_reach", reach("panda.urdf", "panda_hand")),
        ("cartpole_swing_up", ControlProblem::cartpole()),
    ];
    for (name, problem) in &problems {
        let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
        let options = IlqrOptions::default();
        group.bench_function(format!("{name}_ilqr"), |b| {
            b.iter(|| black_box(ilqr(problem, &zeros, &options, |_, _| {}).expect("solve")))
        });
    }
    // full DDP on the cart-pole (second derivatives by hyper-duals), and the Go1 taking its weight off a foot
    let go1 = diffphys::io::load_scene(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml"))
        .expect("the shipped scenes load");
    let unload = ControlProblem::unload(go1, "FR_foot", 100).expect("unload problem");
    let ddp = IlqrOptions { second_order: true, ..IlqrOptions::default() };
    for (name, problem, options) in
        [("cartpole_swing_up_ddp", &problems[2].1, ddp), ("go1_unload_ilqr", &unload, IlqrOptions::default())]
    {
        let zeros = vec![DVector::zeros(problem.nu()); problem.steps];
        group
            .bench_function(name, |b| b.iter(|| black_box(ilqr(problem, &zeros, &options, |_, _| {}).expect("solve"))));
    }
    let ur5 = &problems[0].1;
    let controls = vec![DVector::from_element(ur5.nu(), 0.5); ur5.steps];
    let states = ur5.rollout(&controls).expect("rollout");
    group.bench_function("ur5_step_jacobians_100_knots", |b| {
        b.iter(|| {
            for (x, u) in states.iter().zip(&controls) {
                black_box(ur5.step_jacobians(x, u).expect("jacobians"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, robots, adjoint_gradients, optimal_control);
criterion_main!(benches);
