//! Issue 4, stacking: with the impulse model random stacks and a pyramid of boxes stand still, and a step
//! depends on the state alone (the warm-start impulses travel in the `State`, not in the workspace); with the
//! compliant model exactly aligned boxes hold each other up.

use diffphys::geometry::Shape;
use diffphys::model::{ContactModel, Ground, Model, RigidBody};
use diffphys::sim::{rollout_with, step, State, Workspace};
use nalgebra::{Quaternion, Vector3};
use proptest::prelude::*;

fn impulse_scene(duration: f64) -> Model<f64> {
    let mut s = Model::empty(1e-3, duration);
    s.ground = Some(Ground::new(1e5, 0.0, 0.6));
    s.settings.contact.model = ContactModel::Impulse;
    s
}

fn yawed(yaw: f64) -> Quaternion<f64> {
    Quaternion::new((yaw / 2.0).cos(), 0.0, 0.0, (yaw / 2.0).sin())
}

/// A box of a stack: size (m), mass (kg), offset in x and y from the box below (m), yaw (rad).
#[derive(Debug, Clone)]
struct StackedBox {
    size: Vector3<f64>,
    mass: f64,
    offset: (f64, f64),
    yaw: f64,
}

/// The boxes bottom to top, each put down exactly touching the one below.
fn stack(boxes: &[StackedBox], friction: f64) -> Model<f64> {
    let mut s = impulse_scene(5.0);
    let (mut x, mut y, mut z) = (0.0, 0.0, 0.0);
    for (i, StackedBox { size, mass, offset: (dx, dy), yaw }) in boxes.iter().enumerate() {
        x += dx;
        y += dy;
        let mut b =
            RigidBody::new(&format!("box{i}"), Shape::Box { size: *size }, *mass, Vector3::new(x, y, z + size.z / 2.0));
        b.orientation = yawed(*yaw);
        b.friction = friction;
        z += size.z;
        s.bodies.push(b);
    }
    s
}

/// The largest displacement of any body from its initial position over the whole run (m).
fn worst_drift(s: &Model<f64>) -> f64 {
    let start = State::initial(s);
    let mut worst = 0.0f64;
    rollout_with(s, s.settings.n_steps(), |st| {
        for (b, b0) in st.bodies.iter().zip(&start.bodies) {
            worst = worst.max((b.position - b0.position).norm());
        }
    })
    .unwrap();
    worst
}

fn stacked_box() -> impl Strategy<Value = StackedBox> {
    (0.15..0.25, 0.15..0.25, 0.05..0.15, 0.5..2.0, -0.005..0.005, -0.005..0.005, 0.0..std::f64::consts::PI).prop_map(
        |(sx, sy, sz, mass, dx, dy, yaw)| StackedBox { size: Vector3::new(sx, sy, sz), mass, offset: (dx, dy), yaw },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..crate::common::fixed_seed() })]

    /// Stacks of 2–6 boxes of random sizes, masses (up to 4:1, heavy on light included), offsets and yaws, put
    /// down at rest, stay put: no box moves more than 1 mm in 5 s. (Without warm starting, three equal boxes
    /// drift 9 mm and five 9 cm at the default 20 iterations: see the README.)
    #[test]
    fn stacks_of_boxes_stand_still_for_five_seconds(
        boxes in proptest::collection::vec(stacked_box(), 2..=6), friction in 0.3..1.0,
    ) {
        let s = stack(&boxes, friction);
        let drift = worst_drift(&s);
        prop_assert!(drift < 1e-3, "a box of the stack of {} moved {drift} m", boxes.len());
    }
}

/// A pyramid of boxes, three on the ground, two on those (each resting on two), one on top: every box bears on
/// several others, so the solver's impulses have to split the load correctly across contacts. Stands within
/// 1 mm for 5 s.
#[test]
fn a_pyramid_of_six_boxes_stands_still() {
    let mut s = impulse_scene(5.0);
    let size = Vector3::new(0.2, 0.2, 0.1);
    let mut k = 0;
    for (row, count) in [3, 2, 1].into_iter().enumerate() {
        for i in 0..count {
            // 1 cm gaps between neighbours, each row centred over the one below
            let x = (i as f64 - (count - 1) as f64 / 2.0) * 0.21;
            let z = 0.05 + 0.1 * row as f64;
            let mut b = RigidBody::new(&format!("box{k}"), Shape::Box { size }, 1.0, Vector3::new(x, 0.0, z));
            b.friction = 0.6;
            s.bodies.push(b);
            k += 1;
        }
    }
    let drift = worst_drift(&s);
    assert!(drift < 1e-3, "a box of the pyramid moved {drift} m");
}

/// The warm start lives in the state: stepping on from a copy of the state with a fresh workspace gives the
/// same trajectory bit for bit as stepping on without interruption.
#[test]
fn a_step_depends_on_the_state_alone() {
    let s = stack(
        &[
            StackedBox { size: Vector3::new(0.2, 0.2, 0.1), mass: 1.0, offset: (0.0, 0.0), yaw: 0.0 },
            StackedBox { size: Vector3::new(0.2, 0.2, 0.1), mass: 1.0, offset: (0.01, 0.0), yaw: 0.3 },
            StackedBox { size: Vector3::new(0.2, 0.2, 0.1), mass: 1.0, offset: (0.0, 0.01), yaw: 0.6 },
        ],
        0.5,
    );
    let mut state = State::initial(&s);
    let mut ws = Workspace::new(0);
    for _ in 0..200 {
        step(&s, &mut state, &mut ws).unwrap();
    }
    assert!(!state.contact_impulses.is_empty(), "resting contacts are remembered");
    let mut copy = state.clone();
    let mut fresh = Workspace::new(0);
    for _ in 0..200 {
        step(&s, &mut state, &mut ws).unwrap();
        step(&s, &mut copy, &mut fresh).unwrap();
    }
    assert_eq!(state, copy);
    // and the remembered impulses carry the stack's weight: the ground's normal impulses per step sum to
    // (total mass) g dt
    let ground: f64 = state.contact_impulses.iter().filter(|c| c.b.is_none()).map(|c| c.normal).sum();
    assert!((ground - 3.0 * 9.81 * 1e-3).abs() < 1e-3 * ground, "ground impulse {ground} N·s per step");
}

/// Compliant model: boxes stacked exactly aligned, where every edge of one box lies in a face plane of the
/// other and so has zero depth, are held by the overlap-volume term of the box–box penalty and do not sink into
/// each other (without it they fell through).
#[test]
fn exactly_aligned_boxes_stack_in_the_compliant_model() {
    let mut s = Model::empty(2.5e-4, 2.0);
    s.ground = Some(Ground::new(1e5, 0.0, 0.6));
    s.settings.contact.model = ContactModel::Compliant;
    for i in 0..3 {
        let z = 0.05 + 0.1 * i as f64;
        let mut b = RigidBody::new(
            &format!("box{i}"),
            Shape::Box { size: Vector3::new(0.2, 0.2, 0.1) },
            1.0,
            Vector3::new(0.0, 0.0, z),
        );
        b.friction = 0.6;
        s.bodies.push(b);
    }
    // measured: the top box settles 0.9 mm lower (ground and two contacts in series) and moves 0.2 mm sideways
    let drift = worst_drift(&s);
    assert!(drift < 2e-3, "a box moved {drift} m");
}
