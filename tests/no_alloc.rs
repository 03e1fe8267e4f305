//! A step allocates nothing on the fixed-size scalar types (`f64`, `Dual64`, `DualSVec64<N>`): all scratch
//! space lives in the reusable `Workspace`, so a long rollout or a gradient loop never touches the heap per step.
//!
//! The counting allocator below wraps the system allocator for this test binary only (the library itself is
//! `#![forbid(unsafe_code)]`; implementing `GlobalAlloc` needs an `unsafe impl`).

use diffphys::model::{sample, Integrator, ParamId, Scene};
use diffphys::sim::{step, State, Workspace};
use diffphys::Scalar;
use num_dual::{Dual64, DualDVec64, DualSVec64};
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
fn allocations_per_200_steps<T: Scalar>(scene: &Scene<T>) -> usize {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    step(scene, &mut state, &mut ws).unwrap();
    let before = allocations();
    for _ in 0..200 {
        step(scene, &mut state, &mut ws).unwrap();
    }
    allocations() - before
}

fn check_all_scalars(scene: &Scene<f64>, what: &str) {
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
        ball.world.integrator = integrator;
        check_all_scalars(&ball, &format!("bouncing ball, {integrator:?}"));
        let mut net = sample::spring_net(5, 0.5);
        net.world.integrator = integrator;
        check_all_scalars(&net, &format!("spring net, {integrator:?}"));
    }
}

/// The counter sees allocations inside a step: `DualDVec64` owns its directions on the heap, so stepping on it
/// allocates (which is why the fixed-size types are the fast path).
#[test]
fn the_counter_sees_allocations_in_a_step() {
    let scene = sample::bouncing_ball();
    let ids = [ParamId::Mass { particle: 0 }];
    let dynamic = scene.with_params(&ids, &[DualDVec64::from_re(0.5).derivative(1, 0)]);
    assert!(allocations_per_200_steps(&dynamic) >= 200);
}
