use diffphys::dynamics::{aba_derivatives, MultibodyWorkspace};
use rand::SeedableRng;
fn main() {
    let model = diffphys::io::load_urdf(std::path::Path::new("tests/data/panda.urdf")).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (q, v, tau) = diffphys::model::multibody::random_state(&model, &mut rng);
    let mut ws = MultibodyWorkspace::new(&model);
    let t = std::time::Instant::now();
    for _ in 0..100000 { std::hint::black_box(aba_derivatives(&model, &mut ws, &q, &v, &tau).unwrap()); }
    println!("{:.2} us", t.elapsed().as_secs_f64() * 1e6 / 100000.0);
}
