//! Multibody dynamics on real robots: rnea, crba, aba and the ABA derivatives (analytic tangent sweeps, and the
//! dual-number oracle) on the UR5 (nv = 6), the Panda arm (nv = 9) and the Go2 legs (nv = 12), at the same seeded
//! random state as `diffphys bench`.
//!
//! `cargo bench --bench multibody -- --noplot`; run `shared/peers/pin_bench MODEL.urdf` beside it for Pinocchio's
//! times and quote the ratios of one sitting (README, "Performance").

use criterion::{criterion_group, criterion_main, Criterion};
use diffphys::grad::{aba_derivatives_duals, DualDerivativesWorkspace};
use diffphys::model::multibody::random_state;
use diffphys::multibody::{aba, aba_derivatives, crba, rnea, MultibodyWorkspace};
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

criterion_group!(benches, robots);
criterion_main!(benches);
