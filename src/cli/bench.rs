//! `diffphys bench ROBOT.urdf [--json out.json]`: median time per call of the dynamics algorithms.

use super::report;
use diffphys::grad::{aba_derivatives_duals, DualDerivativesWorkspace};
use diffphys::model::multibody::random_state;
use diffphys::multibody::{aba, aba_derivatives, crba, rnea, MultibodyWorkspace};
use diffphys::{io, Result};
use rand::SeedableRng;
use serde_json::json;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

pub fn run(urdf: &Path, json_out: Option<&Path>, seed: u64) -> Result<()> {
    let model = io::load_urdf(urdf)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (q, v, tau) = random_state(&model, &mut rng);
    let mut ws = MultibodyWorkspace::new(&model);
    let mut dws = DualDerivativesWorkspace::new(&model);
    let a = aba(&model, &mut ws, &q, &v, &tau, &[])?;
    eprintln!("{}: nv = {}, {} bodies; timing (median of 9 samples)…", model.name, model.nv(), model.n_bodies());
    let rnea_ns = median_ns(|| drop(black_box(rnea(&model, &mut ws, &q, &v, &a, &[]))));
    let crba_ns = median_ns(|| drop(black_box(crba(&model, &mut ws, &q))));
    let aba_ns = median_ns(|| drop(black_box(aba(&model, &mut ws, &q, &v, &tau, &[]))));
    let derivatives_ns = median_ns(|| drop(black_box(aba_derivatives(&model, &mut ws, &q, &v, &tau))));
    let duals_ns = median_ns(|| drop(black_box(aba_derivatives_duals(&model, &mut dws, &q, &v, &tau))));
    println!("{:<22}{:>12}", "algorithm", "ns/call");
    for (name, ns) in [
        ("rnea", rnea_ns),
        ("crba", crba_ns),
        ("aba", aba_ns),
        ("aba_derivatives", derivatives_ns),
        ("aba_derivatives_duals", duals_ns),
    ] {
        println!("{name:<22}{ns:>12.1}");
    }
    if let Some(path) = json_out {
        let value = json!({
            "model": model.name, "nv": model.nv(),
            "rnea_ns": rnea_ns, "crba_ns": crba_ns, "aba_ns": aba_ns, "aba_derivatives_ns": derivatives_ns,
            "aba_derivatives_duals_ns": duals_ns,
        });
        report::write_json(path, &value)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Median over 9 samples of the mean time per call, each sample about 20 ms long.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed().as_secs_f64() < 0.02 {
        f();
        calls += 1;
    }
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / calls as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
