//! Robots under the impulse model (`[contact] model = "impulse"`): their links' contacts are rows of the same
//! projected Gauss–Seidel solve as the free bodies', in joint space (`J` of the contact point, `M̃⁻¹ Jᵀ` from the LDLᵀ
//! of the step's joint-space inertia, [`diffphys::contact::link_impulse_rows`]), with restitution at the time of
//! impact and warm starting.
//!
//! - A one-body robot (a box on a free joint) dropped flat bounces as the same free box does, to rounding, and its
//!   apex is `e² h` within 1% (the bounce is placed at its time of impact; the rest is the flight's semi-implicit
//!   Euler): the joint-space Delassus operator of a free joint is the free body's `1/m + [r]ₓ I⁻¹ [r]ₓᵀ`.
//! - Closed forms of impacts between links and free bodies: two ball robots meeting head-on swap velocities when
//!   elastic and leave together when plastic, conserving momentum to rounding; a rod on a hinge striking a free
//!   ball conserves angular momentum about the hinge and, elastic and frictionless, kinetic energy, and sends the
//!   ball off at the two-body closed form with the tip's effective mass `I / l²`.
//! - Go1 stands on its four feet (the ground carries its weight, the feet rest within the allowed penetration) and,
//!   dropped, lands on its feet at the free-fall time and settles; the Panda sweeps the cube as it does with the
//!   compliant model, touching it with its hand only.
//! - Gradients: dual numbers through a standing Go1 agree with central differences, and the `f64` run is the dual
//!   run's real part bit for bit.

use super::robot_contact::{
    ball_robot, bat_and_ball, go1, gradients_match_central_differences, momentum_and_energy, panda_push, run,
    the_panda_sweeps_the_cube,
};
use diffphys::contact::Partner;
use diffphys::geometry::Shape;
use diffphys::model::{multibody::sample, ContactModel, Ground, Model, RigidBody, Robot};
use diffphys::sim::{step, State, Workspace};
use nalgebra::Vector3;
use std::collections::BTreeSet;

fn on_impulses(mut scene: Model<f64>) -> Model<f64> {
    scene.settings.contact.model = ContactModel::Impulse;
    scene
}

/// A 0.3 × 0.2 × 0.1 m, 2 kg box dropped flat from `drop` m (its bottom above the ground) with restitution `e`:
/// as a free body, and as a one-body robot on a free joint.
fn dropped_boxes(drop: f64, e: f64) -> (Model<f64>, Model<f64>) {
    let shape = Shape::Box { size: Vector3::new(0.3, 0.2, 0.1) };
    let mut free = on_impulses(Model::<f64>::empty(1e-3, 1.0));
    free.ground = Some(Ground::new(1e5, 0.0, 0.5));
    let mut with_robot = free.clone();
    let mut body = RigidBody::new("box", shape.clone(), 2.0, Vector3::new(0.0, 0.0, 0.05 + drop));
    body.restitution = e;
    body.friction = 0.5;
    free.bodies.push(body);
    let mut multibody = sample::solid_on_free_joint("robot", "box", shape, 2.0).unwrap();
    multibody.colliders[0].restitution = e;
    multibody.colliders[0].friction = 0.5;
    let mut robot = Robot::new(multibody);
    robot.q0[2] = 0.05 + drop;
    with_robot.add_robot(robot).unwrap();
    (free, with_robot)
}

#[test]
fn a_one_body_robot_bounces_by_impulses_as_the_free_box_and_to_the_exact_apex() {
    let (drop, e) = (0.5, 0.5);
    let (free, with_robot) = dropped_boxes(drop, e);
    let (mut a, mut b) = (State::initial(&free), State::initial(&with_robot));
    let (mut wa, mut wb) = (Workspace::new(0), Workspace::new(0));
    let (mut worst_z, mut worst_v): (f64, f64) = (0.0, 0.0);
    let (mut apex, mut risen) = (0.0f64, false);
    for _ in 0..700 {
        step(&free, &mut a, &mut wa).unwrap();
        step(&with_robot, &mut b, &mut wb).unwrap();
        let (body, robot) = (&a.bodies[0], &b.robots[0]);
        worst_z = worst_z.max((body.position.z - robot.q[2]).abs());
        worst_v = worst_v.max((body.velocity.z - robot.v[2]).abs());
        risen |= body.velocity.z > 0.0;
        if risen {
            apex = apex.max(robot.q[2] - 0.05);
        }
        assert!(robot.v.rows(3, 3).norm() < 1e-9, "the robot turned: {}", robot.v);
    }
    println!("robot vs free box: |Δz| {worst_z:.2e} m, |Δv| {worst_v:.2e} m/s; apex {apex:.6} m");
    assert!(worst_z < 1e-9 && worst_v < 1e-9, "{worst_z} {worst_v}");
    // the bounce at its time of impact: e² h, to the semi-implicit Euler flight's O(g dt / v) (measured −0.9%,
    // as for a free ball, `contact_closed_forms.rs`)
    assert!((apex - e * e * drop).abs() < 0.01 * e * e * drop, "apex {apex} vs {}", e * e * drop);
}

#[test]
fn two_ball_robots_meeting_head_on_swap_velocities_or_stick_by_impulses() {
    for e in [0.0, 1.0] {
        let mut scene = on_impulses(Model::empty(1e-3, 0.5));
        scene.settings.gravity = Vector3::zeros();
        scene.add_robot(ball_robot("a", -0.3, 1.0, e)).unwrap();
        scene.add_robot(ball_robot("b", 0.3, -0.5, e)).unwrap();
        let end = run(&scene, 0.5, |_, _, _| {});
        let (va, vb) = (end.robots[0].v[0], end.robots[1].v[0]);
        println!("e {e}: velocities {va} {vb}");
        assert!((va + vb - 0.5).abs() < 1e-12, "momentum {}", va + vb);
        if e == 1.0 {
            assert!((va + 0.5).abs() < 1e-12 && (vb - 1.0).abs() < 1e-12, "elastic: {va} {vb}");
        } else {
            assert!((va - 0.25).abs() < 1e-12 && (vb - 0.25).abs() < 1e-12, "plastic: {va} {vb}");
        }
    }
}

#[test]
fn a_bat_striking_a_free_ball_by_impulses_keeps_momentum_and_an_elastic_strike_keeps_energy() {
    for restitution in [0.0, 0.5, 1.0] {
        let mut scene = on_impulses(bat_and_ball(restitution, -2.0));
        scene.settings.dt = 1e-3;
        scene.robots[0].multibody.colliders[0].friction = 0.0;
        scene.bodies[0].friction = 0.0;
        let start = State::initial(&scene);
        let (l0, e0) = momentum_and_energy(&scene, &start);
        let mut struck = 0;
        let end =
            run(&scene, 0.6, |_, _, ws| struck += ws.link_contacts.iter().filter(|c| c.force.norm() > 0.0).count());
        let (l1, e1) = momentum_and_energy(&scene, &end);
        let ball_speed = end.bodies[0].velocity.norm();
        println!(
            "e {restitution}: {struck} steps with an impulse, L {l0} -> {l1}, E {e0} -> {e1}, ball {ball_speed} m/s"
        );
        assert!(struck >= 1, "they must touch");
        assert!((l1 - l0).abs() < 1e-12 * l0.abs(), "L {l0} -> {l1}");
        assert!(e1 <= e0 * (1.0 + 1e-12), "energy rose: {e0} -> {e1}");
        if restitution == 1.0 {
            assert!((e1 - e0).abs() < 1e-12 * e0, "an elastic frictionless strike keeps energy: {e0} -> {e1}");
            // head-on to 0.2 rad: the tip's effective mass I / l² = 2/3 kg sends the ball off at
            // 2 m_tip / (m_tip + m_ball) · ω l = 1.6 m/s
            assert!((ball_speed - 1.6).abs() < 0.01 * 1.6, "{ball_speed} m/s");
        } else {
            assert!(e1 < 0.95 * e0, "an inelastic strike loses energy: {e0} -> {e1}");
        }
    }
}

#[test]
fn go1_stands_on_impulses_and_the_ground_carries_its_weight() {
    let scene = on_impulses(go1(0.0));
    let robot = &scene.robots[0];
    let weight = robot.multibody.inertias.iter().map(|i| i.mass).sum::<f64>() * 9.81;
    let mut heights = Vec::new();
    let mut touching = BTreeSet::new();
    let (mut support, mut deepest) = (0.0, 0.0f64);
    run(&scene, 5.0, |k, state, ws| {
        heights.push(state.robots[0].q[2]);
        for c in ws.link_contacts.iter().filter(|c| c.force.norm() > 0.0) {
            assert_eq!(c.partner, Partner::Ground);
            touching.insert(robot.multibody.colliders[c.collider].link.clone());
        }
        if k == 5000 {
            support = ws.link_contacts.iter().map(|c| c.force.z).sum::<f64>();
            deepest = ws.link_contacts.iter().map(|c| -c.geometry.distance).fold(f64::NEG_INFINITY, f64::max);
        }
    });
    let last4 = &heights[1000..];
    let (lo, hi) = last4.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &z| (a.min(z), b.max(z)));
    println!(
        "settled {} m, drift {:.3} mm, support {support} N of {weight} N, deepest foot {deepest:.2e} m, touching {touching:?}",
        heights.last().unwrap(),
        (hi - lo) * 1e3
    );
    assert!(hi - lo < 1e-3, "drift {} m", hi - lo);
    let feet: BTreeSet<String> = ["FL_foot", "FR_foot", "RL_foot", "RR_foot"].iter().map(|s| s.to_string()).collect();
    assert_eq!(touching, feet);
    assert!((support - weight).abs() < 5e-3 * weight, "{support} N vs {weight} N");
    assert!(deepest <= scene.settings.contact.allowed_penetration * 1.01, "a foot sank {deepest} m");
}

#[test]
fn go1_dropped_on_impulses_lands_on_its_feet_and_settles() {
    let scene = on_impulses(go1(0.3));
    let mut touchdown = None;
    let mut heights = Vec::new();
    let mut others = BTreeSet::new();
    run(&scene, 2.0, |k, state, ws| {
        heights.push(state.robots[0].q[2]);
        let pressed: Vec<_> = ws.link_contacts.iter().filter(|c| c.force.norm() > 0.0).collect();
        if touchdown.is_none() && !pressed.is_empty() {
            touchdown = Some(k);
        }
        for c in pressed {
            let link = &scene.robots[0].multibody.colliders[c.collider].link;
            if !link.ends_with("_foot") {
                others.insert(link.clone());
            }
        }
    });
    let t0 = touchdown.expect("it lands");
    // free fall of 0.3 m takes √(2 · 0.3 / 9.81) = 0.247 s
    assert!((t0 as f64 * 1e-3 - 0.247).abs() < 0.01, "touchdown at step {t0}");
    let after = &heights[t0 + 1000..];
    let (lo, hi) = after.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &z| (a.min(z), b.max(z)));
    println!("touchdown {t0}, then {lo}..{hi}, other links {others:?}");
    assert!(hi - lo < 1e-3, "still moving 1 s after touchdown: {lo}..{hi}");
    assert!((hi - 0.2635).abs() < 1e-2, "{hi}");
    assert!(others.is_empty(), "{others:?}");
}

#[test]
fn the_panda_sweeps_the_cube_by_impulses_with_its_hand() {
    // rigid contact: the cube stays on the ground within the allowed penetration
    the_panda_sweeps_the_cube(&on_impulses(panda_push()), 2e-4);
}

#[test]
fn gradients_through_a_go1_standing_on_impulses_equal_central_differences() {
    use diffphys::grad::Outcome;
    use num_dual::DualSVec64;
    // set down with a small sideways push: the feet hold (inside the friction cone), the joints give. (The initial
    // height is not among the parameters: which foot's normal impulse is clamped at zero in the first steps
    // switches with it, and the outcome has kinks there; derivatives hold on each side, differences across.)
    let mut scene = on_impulses(go1(0.0));
    scene.settings.duration = 0.2;
    scene.robots[0].v0[0] = 0.05;
    let names = ["go1.FR_calf.mass", "go1.RL_thigh_joint.kp", "go1.base.velocity.x", "go1.FL_foot.friction"];
    let (outcome, check) =
        gradients_match_central_differences(&scene, &names, &["go1.base.x", "go1.base.z", "go1.FL_calf_joint"]);
    let row = |name: &str| outcome.output_names().iter().position(|n| n == name).unwrap();
    // the push moves the base, the gain holds the thigh
    assert!(check.jacobian[(row("go1.base.x"), 2)].abs() > 1e-6);
    assert!(check.jacobian[(row("go1.FL_calf_joint"), 1)].abs() > 1e-9);
    let p = outcome.initial_values();
    let duals: Vec<DualSVec64<4>> = p.iter().enumerate().map(|(i, &x)| DualSVec64::from_re(x).derivative(i)).collect();
    let real: Vec<f64> = outcome.eval(&duals).unwrap().iter().map(|d| d.re).collect();
    assert_eq!(real, outcome.eval(&p).unwrap().as_slice());
}

#[test]
fn step_jacobians_of_a_go1_standing_on_impulses_see_the_ground_push_back() {
    use diffphys::grad::{step_jacobians, JacobianRoute};
    use diffphys::sim::{robot::implicit_mass_matrix, step_with_torques};
    use nalgebra::DVector;
    let scene = on_impulses(go1(0.0));
    let state = run(&scene, 0.3, |_, _, _| {});
    let j = step_jacobians(&scene, &state).unwrap();
    assert_eq!(j.route, JacobianRoute::Dual);
    let nv = scene.robots[0].multibody.nv();
    // ∂v'/∂u by central differences of the step, column by column
    let h = 1e-3;
    let v_after = |u: &DVector<f64>| {
        let mut s = state.clone();
        step_with_torques(&scene, &mut s, &mut Workspace::new(0), std::slice::from_ref(u)).unwrap();
        s.robots[0].v.clone()
    };
    let mut worst: f64 = 0.0;
    for i in 0..nv {
        let mut du = DVector::zeros(nv);
        du[i] = h;
        let fd = (v_after(&du) - v_after(&-&du)) / (2.0 * h);
        worst = worst.max((j.b.view((nv, i), (nv, 1)) - &fd).amax());
    }
    // without the ground, a torque would only accelerate the joints through dt M̃⁻¹; the feet's impulses take most
    // of a knee torque's push into the ground and lift the base instead
    let r = &state.robots[0];
    let free = implicit_mass_matrix(&scene, 0, &r.q, &r.v).try_inverse().unwrap() * scene.settings.dt;
    let knee = scene.robots[0].multibody.joints.iter().find(|j| j.name == "FL_calf_joint").unwrap().v_index;
    let (with_ground, without) = (j.b[(nv + 2, knee)], free[(2, knee)]);
    println!("|B − central differences| {worst:.2e}; ∂v_z/∂τ_knee {with_ground:.4e} (free {without:.4e})");
    assert!(worst < 1e-6, "{worst}");
    assert!((with_ground - without).abs() > 0.5 * without.abs().max(1e-4), "{with_ground} vs {without}");
}

#[test]
fn derivative_warnings_name_the_robot_whose_feet_meet_the_ground_near_the_bounce_threshold() {
    use diffphys::sim::{derivative_warnings, DerivativeIssue};
    // dropped 0.5 mm: the feet meet the ground at √(2 g h) ≈ 0.099 m/s, within 10% of the 0.1 m/s threshold
    // where a bounce switches on or off
    let mut scene = on_impulses(go1(0.0005));
    scene.settings.duration = 0.1;
    let warnings = derivative_warnings(&scene).unwrap();
    for w in &warnings {
        println!("{w}");
    }
    assert!(
        warnings
            .iter()
            .any(|w| w.issue == DerivativeIssue::NearBounceThreshold && w.contact == "robot `go1` on the ground"),
        "{warnings:?}"
    );
}
