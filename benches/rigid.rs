//! Rigid-body step time: piles of 100 and 1,000 spheres and of 100 boxes settling on the ground, ours on `f64`
//! and on `Dual64` (impulse contact), beside rapier3d-f64 on the same scene with the same `dt`; and 20 stacks of
//! 5 boxes (80 box–box contacts) at a compliant model's step, with the impulse model, the compliant model (whose
//! box–box contact is the edge-depth and overlap-volume penalty) and rapier3d-f64.
//!
//! And the cost of smooth bounces: a 0.2 kg ball dropped 0.5 m onto the compliant ground at 1 ms, 0.8 s with two
//! bounces, with the sub-steps that resolve its contacts (the default) and without (`contact.max_substeps = 1`).
//!
//! `cargo bench --bench rigid -- --noplot`; the README's performance table quotes ratios from one run.

use criterion::{criterion_group, criterion_main, Criterion};
use diffphys::geometry::Shape;
use diffphys::model::{ContactModel, Ground, Model, RigidBody};
use diffphys::sim::{step, State, Workspace};
use diffphys::Scalar;
use nalgebra::Vector3;
use num_dual::Dual64;
use rapier3d_f64::prelude as rp;
use std::hint::black_box;
use std::time::Duration;

const DT: f64 = 1.0 / 120.0;
const SETTLE: usize = 60;

/// `n` bodies on a jittered grid, `side × side` per layer, 0.25 m apart, starting just above the ground.
fn pile(n: usize, boxes: bool) -> Model<f64> {
    let mut s = Model::empty(DT, 1.0);
    s.ground = Some(Ground::new(1e5, 0.0, 0.5));
    s.settings.contact.model = ContactModel::Impulse;
    s.settings.contact.iterations = 4;
    let side = (n as f64).sqrt().ceil() as usize;
    for k in 0..n {
        let (i, j, layer) = (k % side, (k / side) % side, k / (side * side));
        let jitter = 0.01 * ((k * 7919) % 13) as f64 / 13.0;
        let position = Vector3::new(0.25 * i as f64 + jitter, 0.25 * j as f64, 0.1 + 0.25 * layer as f64);
        let shape =
            if boxes { Shape::Box { size: Vector3::new(0.2, 0.2, 0.2) } } else { Shape::Sphere { radius: 0.1 } };
        s.bodies.push(RigidBody::new(&format!("b{k}"), shape, 1.0, position));
    }
    s
}

/// 20 stacks of 5 boxes 0.2 × 0.2 × 0.1 m, each box shifted 1 cm and turned 0.1 rad from the one below, at
/// `dt = 0.25 ms` (the compliant model's step for 1 kg boxes at `k = 1e5` N/m).
fn stacks(model: ContactModel) -> Model<f64> {
    let mut s = Model::empty(2.5e-4, 1.0);
    s.ground = Some(Ground::new(1e5, 0.0, 0.5));
    s.settings.contact.model = model;
    s.settings.contact.iterations = 4;
    for k in 0..100 {
        let (stack, level) = (k / 5, k % 5);
        let (x, y) = (0.5 * (stack % 5) as f64 + 0.01 * level as f64, 0.5 * (stack / 5) as f64);
        let size = Vector3::new(0.2, 0.2, 0.1);
        let mut b =
            RigidBody::new(&format!("b{k}"), Shape::Box { size }, 1.0, Vector3::new(x, y, 0.05 + 0.1 * level as f64));
        let yaw = 0.1 * level as f64;
        b.orientation = nalgebra::Quaternion::new((yaw / 2.0).cos(), 0.0, 0.0, (yaw / 2.0).sin());
        s.bodies.push(b);
    }
    s
}

/// `scene` with regularised friction (`contact.friction_law = "regularised"`), to weigh the default anchored law
/// (box–ground contacts anchored, box–box pairs regularised) against it.
fn regularised(mut scene: Model<f64>) -> Model<f64> {
    scene.settings.contact.friction_law = diffphys::model::FrictionLaw::Regularised;
    scene
}

fn settled<T: Scalar>(scene: &Model<T>) -> (State<T>, Workspace<T>) {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(0);
    for _ in 0..SETTLE {
        step(scene, &mut state, &mut ws).expect("the pile steps");
    }
    (state, ws)
}

/// The same pile in rapier3d-f64: dynamic bodies with ball or cuboid colliders, a fixed ground slab. Sleeping
/// is switched off (we do not sleep bodies either), so both engines really step every body.
struct RapierWorld {
    pipeline: rp::PhysicsPipeline,
    params: rp::IntegrationParameters,
    islands: rp::IslandManager,
    broad: rp::BroadPhaseBvh,
    narrow: rp::NarrowPhase,
    bodies: rp::RigidBodySet,
    colliders: rp::ColliderSet,
    joints: rp::ImpulseJointSet,
    multibody: rp::MultibodyJointSet,
    soft: rp::SoftBodySet,
    ccd: rp::CCDSolver,
}

impl RapierWorld {
    fn new(scene: &Model<f64>) -> Self {
        let mut bodies = rp::RigidBodySet::new();
        let mut colliders = rp::ColliderSet::new();
        colliders.insert(
            rp::ColliderBuilder::cuboid(100.0, 100.0, 0.5).translation(rp::Vector::new(0.0, 0.0, -0.5)).friction(0.5),
        );
        for b in &scene.bodies {
            let (p, r) = (b.position, nalgebra::UnitQuaternion::from_quaternion(b.orientation).scaled_axis());
            let builder = rp::RigidBodyBuilder::dynamic()
                .translation(rp::Vector::new(p.x, p.y, p.z))
                .rotation(rp::Vector::new(r.x, r.y, r.z))
                .can_sleep(false);
            let handle = bodies.insert(builder);
            let collider = match &b.shape {
                Shape::Sphere { radius } => rp::ColliderBuilder::ball(*radius),
                Shape::Box { size } => rp::ColliderBuilder::cuboid(size.x / 2.0, size.y / 2.0, size.z / 2.0),
                Shape::Capsule { radius, length } => rp::ColliderBuilder::capsule_z(length / 2.0, *radius),
                Shape::Cylinder { .. } => unreachable!("free bodies are never cylinders (Model::validate)"),
            };
            colliders.insert_with_parent(collider.mass(b.mass).friction(0.5), handle, &mut bodies);
        }
        let params = rp::IntegrationParameters { dt: scene.settings.dt, ..Default::default() };
        RapierWorld {
            pipeline: rp::PhysicsPipeline::new(),
            params,
            islands: rp::IslandManager::new(),
            broad: rp::BroadPhaseBvh::new(),
            narrow: rp::NarrowPhase::new(),
            bodies,
            colliders,
            joints: rp::ImpulseJointSet::new(),
            multibody: rp::MultibodyJointSet::new(),
            soft: rp::SoftBodySet::new(),
            ccd: rp::CCDSolver::new(),
        }
    }

    fn step(&mut self) {
        self.pipeline.step(
            rp::Vector::new(0.0, 0.0, -9.81),
            &self.params,
            &mut self.islands,
            &mut self.broad,
            &mut self.narrow,
            &mut self.bodies,
            &mut self.colliders,
            &mut self.joints,
            &mut self.multibody,
            &mut self.soft,
            &mut self.ccd,
            &(),
            &(),
        );
    }
}

fn rigid(c: &mut Criterion) {
    let mut group = c.benchmark_group("rigid_step");
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(20);
    let scenes = [
        ("spheres100", pile(100, false), true),
        ("spheres1000", pile(1000, false), true),
        ("boxes100", pile(100, true), true),
        ("stacks100_impulse", stacks(ContactModel::Impulse), true),
        ("stacks100_compliant", stacks(ContactModel::Compliant), false),
        ("stacks100_compliant_regularised", regularised(stacks(ContactModel::Compliant)), false),
    ];
    for (name, scene, with_rapier) in scenes {
        let (mut state, mut ws) = settled(&scene);
        group.bench_function(format!("{name}/f64"), |b| {
            b.iter(|| step(black_box(&scene), &mut state, &mut ws).expect("steps"))
        });
        let dual = scene.lift::<Dual64>();
        let (mut dstate, mut dws) = settled(&dual);
        group.bench_function(format!("{name}/dual64"), |b| {
            b.iter(|| step(black_box(&dual), &mut dstate, &mut dws).expect("steps"))
        });
        if with_rapier {
            let mut world = RapierWorld::new(&scene);
            (0..SETTLE).for_each(|_| world.step());
            group.bench_function(format!("{name}/rapier3d-f64"), |b| b.iter(|| world.step()));
        }
    }
    group.finish();
}

/// The ball drop of `tests/engine/smooth_bounces.rs`, with at most `max_substeps` sub-steps per step.
fn ball_drop(max_substeps: usize) -> Model<f64> {
    let mut s = Model::empty(1e-3, 0.8);
    s.settings.contact.max_substeps = max_substeps;
    s.ground = Some(Ground { restitution: 0.7, ..Ground::new(1e5, 0.0, 0.0) });
    let mut ball = RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 0.2, Vector3::new(0.0, 0.0, 0.55));
    ball.restitution = 0.7;
    s.bodies.push(ball);
    s
}

fn smooth_bounces(c: &mut Criterion) {
    let mut group = c.benchmark_group("smooth-bounces");
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(20);
    for (name, max_substeps) in [("sub-stepped", 128), ("single-step", 1)] {
        let scene = ball_drop(max_substeps);
        let steps = scene.settings.n_steps();
        group.bench_function(format!("ball_drop_rollout/{name}/f64"), |b| {
            b.iter(|| diffphys::sim::rollout_with(black_box(&scene), steps, |_| {}).expect("runs"))
        });
        let dual = scene.lift::<Dual64>();
        group.bench_function(format!("ball_drop_rollout/{name}/dual64"), |b| {
            b.iter(|| diffphys::sim::rollout_with(black_box(&dual), steps, |_| {}).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, rigid, smooth_bounces);
criterion_main!(benches);
