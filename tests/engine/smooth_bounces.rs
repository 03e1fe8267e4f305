//! Smooth compliant bounces: a free body's contact is sub-stepped while it is made (`diffphys::integrate`,
//! "Sub-steps"), so the apex after a bounce is a smooth function of the drop height and its dual derivative is
//! the physical slope. Without sub-steps (`contact.max_substeps = 1`) the same bounce at 1 ms ripples with the
//! drop height and the exact derivative of the discrete run is far from the secant.

use diffphys::geometry::Shape;
use diffphys::model::{Ground, Model, RigidBody};
use diffphys::sim::{derivative_warnings, rollout_with, step, State, Workspace};
use nalgebra::Vector3;
use num_dual::Dual64;

const RESTITUTION: f64 = 0.7;

/// A 0.2 kg ball (r = 5 cm) dropped from `h0` (m, lowest point) onto the default compliant ground (k = 1e5 N/m,
/// 1 mm ramp) with restitution 0.7, stepped at `dt` with at most `max_substeps` sub-steps; runs past the apex
/// after the first bounce (drops up to 0.51 m).
pub(crate) fn ball_drop(h0: f64, dt: f64, max_substeps: usize) -> Model<f64> {
    let mut s = Model::empty(dt, 0.35 + 1.4 * (2.0 * h0.max(0.1) / 9.81).sqrt());
    s.settings.contact.max_substeps = max_substeps;
    s.ground = Some(Ground { restitution: RESTITUTION, ..Ground::new(1e5, 0.0, 0.0) });
    let mut ball = RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 0.2, Vector3::new(0.0, 0.0, 0.05 + h0));
    ball.restitution = RESTITUTION;
    s.bodies.push(ball);
    s
}

/// The apex (m, lowest point, the highest sample after the first bounce) as a function of the drop height, with
/// its dual derivative.
fn apex(h0: Dual64, dt: f64, max_substeps: usize) -> Dual64 {
    // the duration is the same for every h0 near a given one: the apex is a maximum over a fixed time
    let mut s: Model<Dual64> = ball_drop((h0.re * 10.0).round() / 10.0, dt, max_substeps).lift();
    s.bodies[0].position.z = h0 + 0.05;
    let mut best = Dual64::from(f64::NEG_INFINITY);
    let mut bounced = false;
    rollout_with(&s, s.settings.n_steps(), |st| {
        let b = &st.bodies[0];
        bounced |= b.velocity.z.re > 0.0;
        if bounced && b.position.z.re - 0.05 > best.re {
            best = b.position.z - 0.05;
        }
    })
    .unwrap();
    best
}

/// d(apex)/d(h0) by duals and by the secant over ±1 mm.
pub(crate) fn apex_slopes(h0: f64, dt: f64, max_substeps: usize) -> (f64, f64) {
    let dual = apex(Dual64::from(h0).derivative(), dt, max_substeps).eps;
    let up = apex(Dual64::from(h0 + 1e-3), dt, max_substeps).re;
    let down = apex(Dual64::from(h0 - 1e-3), dt, max_substeps).re;
    (dual, (up - down) / 2e-3)
}

/// Drop heights spread over one step's travel at impact (3.1 mm at 1 ms), so every phase of the onset within a
/// step is met.
fn heights() -> impl Iterator<Item = f64> {
    (0..8).map(|k| 0.5 + 0.39e-3 * k as f64)
}

#[test]
fn at_one_millisecond_the_dual_slope_of_the_apex_is_its_secant() {
    let mut worst: f64 = 0.0;
    for h0 in heights() {
        let (dual, secant) = apex_slopes(h0, 1e-3, 128);
        worst = worst.max(((dual - secant) / secant).abs());
        assert!((dual - secant).abs() < 0.01 * secant, "h0 = {h0}: dual {dual}, secant {secant}");
    }
    // the same bounces without sub-steps: the contact lasts four steps and the slope ripples by far more
    let coarse = heights()
        .map(|h0| {
            let (dual, secant) = apex_slopes(h0, 1e-3, 1);
            ((dual - secant) / secant).abs()
        })
        .fold(0.0, f64::max);
    assert!(coarse > 0.5, "without sub-steps the slope was within {coarse} of the secant: the test shows nothing");
    eprintln!("dual vs secant at 1 ms: {worst:.2e} with sub-steps, {coarse:.2e} without");
}

#[test]
fn at_half_a_millisecond_the_dual_slope_of_the_apex_is_e_squared() {
    let e2 = RESTITUTION * RESTITUTION;
    for h0 in heights() {
        let (dual, secant) = apex_slopes(h0, 5e-4, 128);
        assert!((dual - e2).abs() < 0.02 * e2, "h0 = {h0}: dual {dual}, e² {e2}");
        assert!((dual - secant).abs() < 0.01 * secant, "h0 = {h0}: dual {dual}, secant {secant}");
    }
}

/// The states of a run, with the sub-steps each step took.
fn run(scene: &Model<f64>) -> Vec<State<f64>> {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    let mut states = vec![state.clone()];
    for _ in 0..scene.settings.n_steps() {
        step(scene, &mut state, &mut ws).unwrap();
        states.push(state.clone());
    }
    states
}

/// Sub-steps take the step in which the ball touches, and in flight they move a body exactly as one step does:
/// a second ball thrown far away flies the same path whether or not the first one's bounce sub-steps the world.
/// They end with the bounce, and the ball leaves at `e` times its impact speed (0.4% off, where the four steps
/// of the contact at 1 ms without sub-steps leave 2% off).
#[test]
fn sub_steps_change_nothing_in_flight_and_resolve_the_bounce() {
    let (fine, coarse) = (run(&ball_drop(0.5, 1e-3, 128)), run(&ball_drop(0.5, 1e-3, 1)));
    let thrown = |with_drop: bool| {
        let mut s = ball_drop(0.5, 1e-3, 128);
        if !with_drop {
            s.bodies.clear();
        }
        let mut other = RigidBody::new("other", Shape::Sphere { radius: 0.05 }, 0.5, Vector3::new(5.0, 0.0, 3.0));
        other.velocity = Vector3::new(1.0, 0.5, 2.0);
        other.angular_velocity = Vector3::new(3.0, -1.0, 2.0);
        s.bodies.push(other);
        let last = s.bodies.len() - 1;
        run(&s).into_iter().map(|st| st.bodies[last].clone()).collect::<Vec<_>>()
    };
    let (alone, beside) = (thrown(false), thrown(true));
    assert!(fine.iter().filter(|s| s.body_substeps > 1).count() > 3);
    for (k, (a, b)) in alone.iter().zip(&beside).enumerate() {
        // (the velocities of sub-steps are those of their middle, a (dt − h)/2 apart: compare positions)
        let turned = (a.orientation.coords - b.orientation.coords).norm();
        assert!((a.position - b.position).norm() < 1e-12 && turned < 1e-12, "step {k}: {a:?} vs {b:?}");
    }
    let most = fine.iter().map(|s| s.body_substeps).max().unwrap();
    // 3.13 m/s at 1 ms over 0.04 of the 1 mm ramp: 79 sub-steps
    assert_eq!(most, 79);
    let sub_stepped = fine.iter().filter(|s| s.body_substeps > 1).count();
    // two bounces in the run, each sub-stepped from the step it touches in to the one it leaves in (4.4 ms)
    assert!(sub_stepped <= 14, "{sub_stepped} steps were sub-stepped");
    let leave = |states: &[State<f64>]| {
        let k = states.iter().position(|s| s.bodies[0].velocity.z > 0.0 && s.bodies[0].position.z > 0.05).unwrap();
        // speed where the ball leaves the surface, from the free flight after it (parabola through the sample)
        let b = &states[k].bodies[0];
        let h = 1e-3 / states[k].body_substeps as f64;
        let v = b.velocity.z - 9.81 * h / 2.0;
        (v * v + 2.0 * 9.81 * (b.position.z - 0.05)).sqrt()
    };
    let impact = (2.0_f64 * 9.81 * 0.5).sqrt();
    let (e_fine, e_coarse) = (leave(&fine) / impact, leave(&coarse) / impact);
    eprintln!("restitution at 1 ms: {e_fine} with sub-steps, {e_coarse} without");
    assert!((e_fine - RESTITUTION).abs() < 0.01 * RESTITUTION, "with sub-steps e = {e_fine}");
    assert!((e_fine - RESTITUTION).abs() < (e_coarse - RESTITUTION).abs(), "{e_fine} vs {e_coarse}");
    // and the diagnostics, which count sub-steps, have nothing to say about it
    let warnings = derivative_warnings(&ball_drop(0.5, 1e-3, 128)).unwrap();
    assert!(warnings.is_empty(), "{:?}", warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>());
}

/// A box resting on the ground while a ball bounces beside it: the box steps in the ball's sub-steps, and their
/// change of velocity convention (`a (h₀ − h)/2`, with the box's whole acceleration, zero at rest) does not
/// kick it.
#[test]
fn a_resting_box_is_not_kicked_when_a_bounce_elsewhere_sub_steps_the_world() {
    let with_ball = |ball: bool| {
        let mut s = ball_drop(0.3, 1e-3, 128);
        s.settings.duration = 1.2;
        if !ball {
            s.bodies.clear();
        }
        let size = Vector3::new(0.2, 0.2, 0.1);
        // resting where the ground carries its weight (1 kg on four corners)
        let mut block = RigidBody::new("block", Shape::Box { size }, 1.0, Vector3::new(1.0, 0.0, 0.05 - 2.0e-4));
        block.restitution = 0.0;
        s.bodies.push(block);
        let states = run(&s);
        let k = s.bodies.len() - 1;
        (states.iter().map(|st| st.bodies[k].position.z).collect::<Vec<_>>(), states)
    };
    let ((alone, _), (beside, states)) = (with_ball(false), with_ball(true));
    assert!(states.iter().filter(|s| s.body_substeps > 1).count() > 5, "the ball's bounces were not sub-stepped");
    let moved = alone.iter().zip(&beside).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(moved < 1e-7, "the box moved {moved} m differently beside the bouncing ball");
}
