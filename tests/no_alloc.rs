//! A step allocates nothing on the fixed-size scalar types (`f64`, `Dual64`, `DualSVec64<N>`): all scratch
//! space lives in the reusable `Workspace`, so a long rollout or a gradient loop never touches the heap per step.
//!
//! The counting allocator below wraps the system allocator for this test binary only (the library itself is
//! `#![forbid(unsafe_code)]`; implementing `GlobalAlloc` needs an `unsafe impl`).

use diffphys::geometry::Shape;
use diffphys::model::{sample, ContactModel, Ground, Integrator, Model, ParamId, RigidBody};
use diffphys::sim::{step, State, Workspace};
use diffphys::Scalar;
use nalgebra::Vector3;
use num_dual::{Dual64, DualSVec64};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations made by this thread (the test harness runs other tests on other threads meanwhile).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

fn count() {
    ALLOCATIONS.with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by 200 steps after one warm-up step.
fn allocations_per_200_steps<T: Scalar>(scene: &Model<T>) -> usize {
    allocations_per_200_steps_after(scene, 1)
}

/// Allocations made by 200 steps after `warm_up` steps.
fn allocations_per_200_steps_after<T: Scalar>(scene: &Model<T>, warm_up: usize) -> usize {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    for _ in 0..warm_up {
        step(scene, &mut state, &mut ws).unwrap();
    }
    let before = allocations();
    for _ in 0..200 {
        step(scene, &mut state, &mut ws).unwrap();
    }
    allocations() - before
}

fn check_all_scalars(scene: &Model<f64>, what: &str) {
    let ids = [ParamId::Mass { particle: 0 }, ParamId::Velocity { particle: 0, axis: 0 }];
    let p = scene.param_values(&ids);
    let dual = scene.with_params(&ids, &[Dual64::from(p[0]).derivative(), Dual64::from(p[1])]);
    let svec: Vec<DualSVec64<4>> = p.iter().enumerate().map(|(i, &x)| DualSVec64::from_re(x).derivative(i)).collect();
    let svec = scene.with_params(&ids, &svec);
    assert_eq!(allocations_per_200_steps(scene), 0, "{what}, f64");
    assert_eq!(allocations_per_200_steps(&dual), 0, "{what}, Dual64");
    assert_eq!(allocations_per_200_steps(&svec), 0, "{what}, DualSVec64<4>");
}

#[test]
fn steps_do_not_allocate() {
    for integrator in [Integrator::SemiImplicitEuler, Integrator::VelocityVerlet, Integrator::Rk4] {
        let mut ball = sample::bouncing_ball();
        ball.settings.integrator = integrator;
        check_all_scalars(&ball, &format!("bouncing ball, {integrator:?}"));
        let mut net = sample::spring_net(5, 0.5);
        net.settings.integrator = integrator;
        check_all_scalars(&net, &format!("spring net, {integrator:?}"));
    }
}

/// Rigid bodies in both contact models, with the impulse model's warm start (remembered impulses live in the
/// state and are swapped with the workspace's copy, so their buffers are reused): a resting stack of three boxes
/// on the ground, after 100 steps in which it settles (the compliant stack sinks in over the first steps, and
/// its contact list grows once as more corners touch).
#[test]
fn rigid_body_steps_do_not_allocate() {
    for model in [ContactModel::Compliant, ContactModel::Impulse] {
        let mut s = Model::empty(1e-3, 1.0);
        s.ground = Some(Ground::new(1e5, 0.0, 0.5));
        s.settings.contact.model = model;
        for i in 0..3 {
            let position = Vector3::new(0.01 * i as f64, 0.0, 0.05 + 0.1 * i as f64);
            s.bodies.push(RigidBody::new(
                &format!("box{i}"),
                Shape::Box { size: Vector3::new(0.2, 0.2, 0.1) },
                1.0,
                position,
            ));
        }
        assert_eq!(allocations_per_200_steps_after(&s, 100), 0, "{model:?}, f64");
        assert_eq!(allocations_per_200_steps_after(&s.lift::<Dual64>(), 100), 0, "{model:?}, Dual64");
        assert_eq!(allocations_per_200_steps_after(&s.lift::<DualSVec64<4>>(), 100), 0, "{model:?}, DualSVec64<4>");
    }
}

/// The counter sees allocations: a recorded rollout keeps every state, and each state owns its vectors, so 200
/// steps allocate at least 200 times (without this, a broken counter would pass the tests above).
#[test]
fn the_counter_sees_allocations_in_a_recorded_rollout() {
    let mut scene = sample::bouncing_ball();
    scene.settings.duration = 200.0 * scene.settings.dt;
    let before = allocations();
    let trajectory = diffphys::sim::rollout(&scene).unwrap();
    assert_eq!(trajectory.states.len(), 201);
    assert!(allocations() - before >= 200);
}
