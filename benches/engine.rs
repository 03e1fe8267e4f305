//! Cost of a step, of a 2-second rollout and of a gradient, on `f64` and on dual numbers, for the demo scene
//! (one bouncing ball, 20,000 steps) and a 100-particle spring net (2,000 steps).
//!
//! Batches (`batch/...`, 16 rollouts serial and with `sim::rollout_batch`): `one_world_16x400`, `go1_stand_16x400`
//! and `cartpole_16x1000` (the free-swinging `sample::cartpole()` at dt 10 ms); the last two have MuJoCo's `rollout`
//! beside them in `benches/peers/mujoco_rollout.py` (`--model go1`, `--model cartpole`).
//!
//! `cargo bench --bench engine -- --noplot`; the README's performance table quotes ratios from one run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use diffphys::grad::{self, FinalPositions};
use diffphys::model::multibody::sample as multibody_sample;
use diffphys::model::{sample, Model, ParamId, Robot};
use diffphys::sim::{rollout_with, step, State, Workspace};
use diffphys::Scalar;
use num_dual::{Dual64, DualSVec64};
use std::hint::black_box;
use std::time::Duration;

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// The scenes benchmarked, with parameters to seed as dual variables (16 each).
fn scenes() -> Vec<(&'static str, Model<f64>, Vec<String>)> {
    let demo = sample::bouncing_ball();
    let demo_params: Vec<String> = demo.param_ids().iter().map(|id| demo.param_name(*id)).take(16).collect();
    let net = sample::spring_net(10, 0.5);
    let net_params: Vec<String> = (0..4)
        .flat_map(|j| {
            [
                format!("p{j}_{j}.mass"),
                format!("p{j}_{j}.position.z"),
                format!("p{j}_{j}.velocity.x"),
                format!("s{j}_{j}_x.stiffness"),
            ]
        })
        .collect();
    vec![("demo", demo, demo_params), ("net100", net, net_params)]
}

/// Parameters `0..n` seeded as directions `0..n` of an N-direction dual number.
fn seeded<const N: usize>(scene: &Model<f64>, ids: &[ParamId]) -> Model<DualSVec64<N>> {
    let values: Vec<DualSVec64<N>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let value = *scene.param(*id);
            if i < N {
                DualSVec64::<N>::from_re(value).derivative(i)
            } else {
                DualSVec64::<N>::constant(value)
            }
        })
        .collect();
    scene.with_params(ids, &values)
}

fn bench_step<T: Scalar>(c: &mut Group<'_>, label: &str, scene: &Model<T>) {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    let steps = scene.settings.n_steps();
    c.bench_function(label, |b| {
        b.iter(|| {
            if state.step >= steps {
                state = State::initial(scene);
            }
            step(black_box(scene), &mut state, &mut ws).expect("benchmark scenes stay finite");
        })
    });
}

fn bench_rollout<T: Scalar>(c: &mut Group<'_>, label: &str, scene: &Model<T>) {
    c.bench_function(label, |b| {
        b.iter(|| rollout_with(black_box(scene), scene.settings.n_steps(), |_| {}).expect("finite"))
    });
}

fn steps_and_rollouts(c: &mut Criterion) {
    for (name, scene, params) in scenes() {
        let ids = scene.resolve_params(&params).expect("benchmark parameters exist");
        let dual1 = {
            let mut v: Vec<Dual64> = scene.param_values(&ids).into_iter().map(Dual64::from).collect();
            v[0] = v[0].derivative();
            scene.with_params(&ids, &v)
        };
        for (group_name, rollout) in [("step", false), ("rollout", true)] {
            let mut group = c.benchmark_group(format!("{group_name}/{name}"));
            group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
            if rollout {
                bench_rollout(&mut group, "f64", &scene);
                bench_rollout(&mut group, "Dual64", &dual1);
                bench_rollout(&mut group, "DualSVec64<1>", &seeded::<1>(&scene, &ids));
                bench_rollout(&mut group, "DualSVec64<4>", &seeded::<4>(&scene, &ids));
                bench_rollout(&mut group, "DualSVec64<16>", &seeded::<16>(&scene, &ids));
            } else {
                bench_step(&mut group, "f64", &scene);
                bench_step(&mut group, "Dual64", &dual1);
                bench_step(&mut group, "DualSVec64<1>", &seeded::<1>(&scene, &ids));
                bench_step(&mut group, "DualSVec64<4>", &seeded::<4>(&scene, &ids));
                bench_step(&mut group, "DualSVec64<16>", &seeded::<16>(&scene, &ids));
            }
            group.finish();
        }
    }
}

/// A gradient of the final positions with respect to k parameters: by duals (`grad::jacobian`, ⌈k/8⌉ rollouts
/// on `DualSVec64` chunks) and by central differences (2k `f64` rollouts).
fn gradients(c: &mut Criterion) {
    for (name, scene, params) in scenes() {
        let mut group = c.benchmark_group(format!("gradient/{name}"));
        group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(3));
        for k in [1usize, 4, 16] {
            let outcome = FinalPositions::new(&scene, &params[..k]).expect("parameters exist");
            let p = outcome.initial_values();
            group.bench_with_input(BenchmarkId::new("duals", k), &k, |b, _| {
                b.iter(|| grad::jacobian(black_box(&outcome), &p).expect("finite"))
            });
            group.bench_with_input(BenchmarkId::new("central-differences", k), &k, |b, _| {
                b.iter(|| grad::jacobian_central_difference(black_box(&outcome), &p, 6e-6).expect("finite"))
            });
        }
        group.finish();
    }
}

/// The design question "particles as bodies on three prismatic joints, or a subsystem?": one step of the
/// 100-particle spring net (gravity, 180 springs, ground contact, semi-implicit Euler) against the articulated-body
/// algorithm alone (no forces at all) on the same 100 point masses as bodies on x, y, z slider chains.
fn particles_as_bodies(c: &mut Criterion) {
    use diffphys::model::{Joint, JointKind, Multibody};
    use diffphys::multibody::{aba, MultibodyWorkspace};
    use diffphys::spatial::{Inertia, Transform};
    use nalgebra::{DVector, Matrix3, Vector3};
    let net = sample::spring_net(10, 0.5);
    let mut bodies = Multibody::<f64>::new("net", "world");
    for (k, p) in net.particles.iter().enumerate() {
        let mut parent = None;
        for (axis, name) in [(Vector3::x(), "x"), (Vector3::y(), "y"), (Vector3::z(), "z")] {
            let mass = if name == "z" { p.mass } else { 0.0 };
            let inertia = Inertia::new(mass, Vector3::zeros(), Matrix3::identity() * (mass * 1e-4));
            let joint = Joint::new(&format!("{k}_{name}"), JointKind::Prismatic { axis }, Transform::identity());
            parent = Some(bodies.add_body(parent, &format!("{k}_{name}_body"), joint, inertia).unwrap());
        }
    }
    let mut group = c.benchmark_group("particles-as-bodies/net100");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    bench_step(&mut group, "particle step (forces + integration)", &net);
    let mut ws = MultibodyWorkspace::new(&bodies);
    let (q, v, tau) = (DVector::zeros(bodies.nq()), DVector::zeros(bodies.nv()), DVector::zeros(bodies.nv()));
    group.bench_function("aba alone, 300 prismatic joints", |b| {
        b.iter(|| black_box(aba(&bodies, &mut ws, black_box(&q), &v, &tau, &[]).unwrap()))
    });
    group.finish();
}

/// The design question "free rigid bodies as bodies on free joints of the robots' tree, or a subsystem?": one
/// compliant step of four boxes resting on the ground side by side (0.4 kg, 10 cm cubes), as free rigid bodies and
/// as four one-body robots on free joints with a box collider each (the robots' path: kinematics, `J M⁻¹ Jᵀ`,
/// ABA with the contact wrenches).
fn free_bodies_as_robots(c: &mut Criterion) {
    use diffphys::geometry::Shape;
    use diffphys::model::multibody::sample::solid_on_free_joint;
    use diffphys::model::{Ground, RigidBody, Robot};
    use nalgebra::Vector3;
    let shape = Shape::Box { size: Vector3::new(0.1, 0.1, 0.1) };
    let mut free = Model::<f64>::empty(1e-3, 1.0);
    free.ground = Some(Ground::new(1e5, 0.0, 0.5));
    let mut robots = free.clone();
    for k in 0..4 {
        let position = Vector3::new(0.3 * k as f64, 0.0, 0.05);
        free.bodies.push(RigidBody::new(&format!("box{k}"), shape.clone(), 0.4, position));
        let mut robot = Robot::new(solid_on_free_joint(&format!("box{k}"), "box", shape.clone(), 0.4).unwrap());
        robot.q0.fixed_rows_mut::<3>(0).copy_from(&position);
        robots.add_robot(robot).unwrap();
    }
    let mut group = c.benchmark_group("free-bodies-as-robots/4boxes");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    bench_step(&mut group, "free rigid bodies", &free);
    bench_step(&mut group, "one-body robots on free joints", &robots);
    group.finish();
}

/// The cost of static friction: one step of the Go1 standing under PD (`scenes/go1_stand.toml`), and a 2 s
/// rollout of the 100-particle spring net falling onto the ground and lying on it, with the regularised and the
/// anchored friction law, on `f64` and on `Dual64` (one direction: the arithmetic of a derivative).
fn friction_laws(c: &mut Criterion) {
    use diffphys::model::FrictionLaw;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml");
    let scene: Model<f64> = diffphys::io::load_scene(&path).expect("the shipped Go1 scene loads");
    let mut group = c.benchmark_group("friction-laws/go1_stand");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    for law in [FrictionLaw::Regularised, FrictionLaw::Anchored] {
        let mut scene = scene.clone();
        scene.settings.contact.friction_law = law;
        let dual: Model<Dual64> = scene.lift();
        bench_step(&mut group, &format!("{}/f64", law.name()), &scene);
        bench_step(&mut group, &format!("{}/Dual64", law.name()), &dual);
    }
    group.finish();
    let mut group = c.benchmark_group("friction-laws/net100_rollout");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(3));
    for law in [FrictionLaw::Regularised, FrictionLaw::Anchored] {
        let mut net = sample::spring_net(10, 0.5);
        net.settings.contact.friction_law = law;
        let dual: Model<Dual64> = net.lift();
        bench_rollout(&mut group, &format!("{}/f64", law.name()), &net);
        bench_rollout(&mut group, &format!("{}/Dual64", law.name()), &dual);
    }
    group.finish();
}

/// The cost of joint-space impulses: one step of the Go1 standing under PD (`scenes/go1_stand.toml`) with the
/// compliant and the impulse model, on `f64` and `Dual64`; and the Panda's 5 s push of the cube
/// (`scenes/panda_push.toml`, 10,000 steps) with each model, on `f64`.
fn robot_contact_models(c: &mut Criterion) {
    use diffphys::model::ContactModel;
    let load = |name: &str| -> Model<f64> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes").join(name);
        diffphys::io::load_scene(&path).expect("the shipped scenes load")
    };
    let (go1, push) = (load("go1_stand.toml"), load("panda_push.toml"));
    let mut group = c.benchmark_group("contact-models/go1_stand");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    for model in [ContactModel::Compliant, ContactModel::Impulse] {
        let mut scene = go1.clone();
        scene.settings.contact.model = model;
        let dual: Model<Dual64> = scene.lift();
        bench_step(&mut group, &format!("{}/f64", model.name()), &scene);
        bench_step(&mut group, &format!("{}/Dual64", model.name()), &dual);
    }
    group.finish();
    let mut group = c.benchmark_group("contact-models/panda_push_rollout");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(3));
    for model in [ContactModel::Compliant, ContactModel::Impulse] {
        let mut scene = push.clone();
        scene.settings.contact.model = model;
        bench_rollout(&mut group, &format!("{}/f64", model.name()), &scene);
    }
    group.finish();
}

/// Batches on all cores: 16 rollouts one after another and with `sim::rollout_batch` (rayon, `RAYON_NUM_THREADS` or
/// all cores); the ratio is the speed-up. The one world (`scenes/one_world.toml`, 16 parameter sets, 400 steps), the
/// Go1 standing (`scenes/go1_stand.toml`, set i: base i mm higher, `FR_thigh_joint` at 0.05 i rad/s, 400 steps) and
/// the cart-pole (`sample::cartpole()`, dt 10 ms, no contact, no torques: set i starts at rest with the pole at
/// 0.1 + 0.05 i rad and swings freely for 1000 steps), the last two beside MuJoCo's `rollout` on the same batches
/// (`benches/peers/mujoco_rollout.py`, `--model go1` and `--model cartpole`).
fn batches(c: &mut Criterion) {
    let one_world: Vec<Vec<f64>> = (0..16).map(|i| vec![0.2 + 0.05 * i as f64, 0.1 * i as f64]).collect();
    let go1: Vec<Vec<f64>> = (0..16).map(|i| vec![0.284806 + 0.001 * i as f64, 0.05 * i as f64]).collect();
    for (file, params, sets) in [
        ("one_world", ["ball.position.z", "box.velocity.x"], one_world),
        ("go1_stand", ["go1.base.position.z", "go1.FR_thigh_joint.velocity"], go1),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenes/{file}.toml"));
        let scene = diffphys::io::load_scene(&path).expect("the shipped scenes load");
        let ids = scene.resolve_params(&params).expect("parameters");
        bench_batch(c, &format!("batch/{file}_16x400"), &scene, &ids, &sets, 400);
    }
    let mut cartpole = Model::<f64>::empty(0.01, 10.0);
    cartpole.add_robot(Robot::new(multibody_sample::cartpole())).expect("cart-pole");
    let ids = cartpole.resolve_params(&["cartpole.hinge.position"]).expect("parameters");
    let sets: Vec<Vec<f64>> = (0..16).map(|i| vec![0.1 + 0.05 * i as f64]).collect();
    // the physics check against MuJoCo (`mujoco_rollout.py --model cartpole` prints its `hinge_after_1000.set0`)
    let last = rollout_with(&cartpole.with_params(&ids, &sets[0]), 1000, |_| {}).expect("rollout");
    eprintln!(
        "batch/cartpole_16x1000: set 0 after 1000 steps: hinge {:.12} rad, slider {:.12} m",
        last.robots[0].q[1], last.robots[0].q[0]
    );
    bench_batch(c, "batch/cartpole_16x1000", &cartpole, &ids, &sets, 1000);
}

/// One batch group: the `sets` one after another (`serial`) and with `sim::rollout_batch`.
fn bench_batch(c: &mut Criterion, name: &str, scene: &Model<f64>, ids: &[ParamId], sets: &[Vec<f64>], steps: usize) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(3));
    group.bench_function("serial", |b| {
        b.iter(|| {
            for p in sets {
                black_box(rollout_with(&scene.with_params(ids, p), steps, |_| {}).expect("rollout"));
            }
        })
    });
    group.bench_function("rollout_batch", |b| {
        b.iter(|| black_box(diffphys::sim::rollout_batch(scene, ids, sets, steps).expect("batch")))
    });
    group.finish();
}

criterion_group!(
    benches,
    batches,
    steps_and_rollouts,
    gradients,
    particles_as_bodies,
    free_bodies_as_robots,
    friction_laws,
    robot_contact_models
);
criterion_main!(benches);
