//! Writes the "measured" trajectories of the identification scenes: each scene simulated with its true
//! parameter, sampled every 10 ms, with 1 mm Gaussian noise (seeded), into `scenes/measured/`.
//!
//! `cargo run --release --example synthesize_measurements`

use diffphys::{fit::Observations, io, sim, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

fn main() -> Result<()> {
    let cases = [
        ("sliding_box", "box.friction", 0.4, vec!["box.x", "box.y"]),
        ("bouncing_ball_restitution", "ball.restitution", 0.8, vec!["ball.x", "ball.z"]),
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let noise = Normal::new(0.0, 1e-3).expect("valid normal");
    for (name, param, truth, columns) in cases {
        let scene = io::load_scene(format!("scenes/{name}.toml"))?;
        let ids = scene.resolve_params(&[param])?;
        let truth_scene = scene.with_params::<f64>(&ids, &[truth]);
        let traj = sim::rollout(&truth_scene)?;
        let mut obs = Observations::from_trajectory(&traj, &columns, 10)?;
        obs.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));
        let mut text = format!("t,{}\n", columns.join(","));
        for (i, t) in obs.times.iter().enumerate() {
            let row: Vec<String> = obs.values.row(i).iter().map(|v| format!("{v:.6}")).collect();
            text.push_str(&format!("{},{}\n", (t * 1e9).round() / 1e9, row.join(",")));
        }
        let path = format!("scenes/measured/{name}.csv");
        std::fs::write(&path, text).map_err(|e| diffphys::Error::io(&path, e))?;
        println!("wrote {path}: {} samples of {} ({param} = {truth})", obs.times.len(), columns.join(", "));
    }
    Ok(())
}
