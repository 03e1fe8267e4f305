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

use criterion::{criterion_group, criterion_main, Criterion};
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
    for name in ["ur5", "panda", "go2"] {
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
    for (name, model, lengths) in [("cartpole", &cartpole, &[100, 1000, 10_000][..]), ("go1", &go1, &[100, 1000][..])] {
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

criterion_group!(benches, robots, adjoint_gradients);
criterion_main!(benches);
