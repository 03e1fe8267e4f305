//! Derivative diagnostics (`sim::derivative_warnings`): they speak exactly when the derivative of the discrete
//! simulation is far from the physical one. A compliant bounce resolved in a few steps, with its onset inside a
//! step, makes the apex a rippled function of the drop height: the dual derivative is exact for the steps taken but
//! far from the secant and from the physical slope `e²`; the warnings name the ball and the time. Resolved (short
//! step), the derivative is the physical one and nothing is reported.

use diffphys::geometry::Shape;
use diffphys::model::{ContactModel, Ground, Model, RigidBody};
use diffphys::sim::{derivative_warnings, rollout_with, DerivativeIssue};
use nalgebra::Vector3;
use num_dual::Dual64;

/// A 0.2 kg ball (r = 5 cm) dropped from `h0` (m, lowest point) onto the compliant ground (ramp depth `ramp`, m)
/// with restitution 0.7, stepped at `dt` without sub-steps; runs past the apex after the first bounce (from drops up to 0.51 m).
fn drop(h0: f64, dt: f64, ramp: f64) -> Model<f64> {
    let mut s = Model::empty(dt, 0.35 + 1.4 * (2.0 * h0.max(0.1) / 9.81).sqrt());
    s.settings.contact.ramp_depth = ramp;
    // the steps as they are, without the sub-steps that resolve a free body's contact (`smooth_bounces.rs`)
    s.settings.contact.max_substeps = 1;
    s.ground = Some(Ground { restitution: 0.7, ..Ground::new(1e5, 0.0, 0.0) });
    let mut ball = RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 0.2, Vector3::new(0.0, 0.0, 0.05 + h0));
    ball.restitution = 0.7;
    s.bodies.push(ball);
    s
}

/// The apex (m, lowest point) after the first bounce, as a function of the drop height, and its dual derivative.
fn apex(h0: Dual64, dt: f64, ramp: f64) -> Dual64 {
    // (the duration is the same for every h0 near a given one: the apex is a maximum over a fixed time)
    let mut s: Model<Dual64> = drop((h0.re * 10.0).round() / 10.0, dt, ramp).lift();
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
fn slopes(h0: f64, dt: f64, ramp: f64) -> (f64, f64) {
    let dual = apex(Dual64::from(h0).derivative(), dt, ramp).eps;
    let secant = (apex(Dual64::from(h0 + 1e-3), dt, ramp).re - apex(Dual64::from(h0 - 1e-3), dt, ramp).re) / 2e-3;
    (dual, secant)
}

#[test]
fn a_bounce_the_step_does_not_resolve_is_reported_and_its_derivative_is_far_from_the_secant() {
    // 1 ms: the contact lasts about 4 steps and its onset advances 3 mm per step against a 1 mm ramp
    let coarse = derivative_warnings(&drop(0.5, 1e-3, 1e-3)).unwrap();
    let kinds: Vec<_> = coarse.iter().map(|w| w.issue).collect();
    assert!(kinds.iter().any(|k| matches!(k, DerivativeIssue::ShortContact { steps } if *steps < 10)), "{kinds:?}");
    assert!(kinds.iter().any(|k| matches!(k, DerivativeIssue::UnresolvedOnset { .. })), "{kinds:?}");
    let text = coarse[0].to_string();
    assert!(text.contains("`ball` on the ground") && text.contains("t = 0.3"), "{text}");
    // and indeed: somewhere near h0 = 0.5 m the dual slope is off the secant by more than 5%
    let worst = (0..8)
        .map(|k| {
            let (dual, secant) = slopes(0.5 + 0.37e-3 * k as f64, 1e-3, 1e-3);
            ((dual - secant) / secant).abs()
        })
        .fold(0.0, f64::max);
    assert!(worst > 0.05, "the coarse derivative agreed with the secant to {worst}: the warning would be wrong");
}

/// How fine is fine: from 0.5 m onto the 1 mm ramp, the dual slope of the apex ripples about its secant by ±41%
/// at 0.05 ms (an onset advance of 0.16 of the ramp per step, with 90 steps per contact), ±14% at 0.02 ms (0.06)
/// and ±3% at 0.01 ms (0.03); onto a 5 mm ramp, ±1.1% at 0.03 and ±0.4% at 0.016. Hence the onset criterion of
/// 0.03 of the ramp. A resolved case: from 0.1 m onto a 5 mm ramp at 0.05 ms (advance 0.014 of the ramp).
#[test]
fn a_resolved_bounce_is_not_reported_and_its_derivative_is_the_secant() {
    let fine = derivative_warnings(&drop(0.1, 5e-5, 5e-3)).unwrap();
    assert!(fine.is_empty(), "{:?}", fine.iter().map(|w| w.to_string()).collect::<Vec<_>>());
    for k in 0..4 {
        let (dual, secant) = slopes(0.1 + 0.37e-3 * k as f64, 5e-5, 5e-3);
        assert!((dual - secant).abs() < 0.01 * secant, "h0 + {k}: dual {dual}, secant {secant}");
    }
    // the same bounce onto the 1 mm ramp at 0.05 ms: 90 steps per contact, and still reported (advance 0.16)
    let ripples = derivative_warnings(&drop(0.5, 5e-5, 1e-3)).unwrap();
    assert!(ripples.iter().any(|w| matches!(w.issue, DerivativeIssue::UnresolvedOnset { .. })), "{ripples:?}");
    assert!(!ripples.iter().any(|w| matches!(w.issue, DerivativeIssue::ShortContact { .. })), "{ripples:?}");
}

/// The impulse model's Gauss–Seidel sweeps: one sweep on a stack leaves it unconverged, and that is reported;
/// the default twenty on a single resting box do converge.
#[test]
fn an_unconverged_impulse_solve_is_reported() {
    let stack = |iterations: usize, boxes: usize| {
        let mut s = Model::empty(1e-3, 0.3);
        s.ground = Some(Ground::new(1e5, 0.0, 0.5));
        s.settings.contact.model = ContactModel::Impulse;
        s.settings.contact.iterations = iterations;
        for k in 0..boxes {
            let size = Vector3::new(0.2, 0.2, 0.1);
            s.bodies.push(RigidBody::new(
                &format!("box{k}"),
                Shape::Box { size },
                1.0,
                Vector3::new(0.0, 0.0, 0.05 + 0.1 * k as f64),
            ));
        }
        derivative_warnings(&s).unwrap()
    };
    let one = stack(1, 3);
    assert!(
        one.iter().any(|w| matches!(w.issue, DerivativeIssue::Unconverged { .. }) && w.contact == "the impulse solver"),
        "{one:?}"
    );
    let converged = stack(20, 1);
    assert!(!converged.iter().any(|w| matches!(w.issue, DerivativeIssue::Unconverged { .. })), "{converged:?}");
}

/// A ball dropped so that it meets the ground at the bounce threshold (0.1 m/s): whether it bounces switches there.
#[test]
fn an_impact_at_the_bounce_threshold_is_reported() {
    let mut s = Model::empty(1e-3, 0.2);
    s.ground = Some(Ground { restitution: 0.5, ..Ground::new(1e5, 0.0, 0.5) });
    s.settings.contact.model = ContactModel::Impulse;
    // falling 0.5 mm reaches 0.099 m/s
    let mut ball = RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 0.2, Vector3::new(0.0, 0.0, 0.0505));
    ball.restitution = 0.5;
    s.bodies.push(ball);
    let warnings = derivative_warnings(&s).unwrap();
    assert!(warnings.iter().any(|w| w.issue == DerivativeIssue::NearBounceThreshold), "{warnings:?}");
    // from 5 cm it meets the ground at 1 m/s: far from the threshold
    s.bodies[0].position.z = 0.1;
    let warnings = derivative_warnings(&s).unwrap();
    assert!(!warnings.iter().any(|w| w.issue == DerivativeIssue::NearBounceThreshold), "{warnings:?}");
}

/// A light ball (e = 1) rattling between two heavy balls it touches: within one step it bounces from one to the
/// other more times than the passes allow, so the rest of its approach is stopped without a bounce (energy is
/// lost) and the impulse solver says so. With a gap of 5 mm on either side the impacts are a step apart and
/// nothing is reported.
#[test]
fn impacts_that_do_not_settle_within_the_passes_are_reported() {
    let rattle = |gap: f64| {
        let mut s = Model::empty(1e-3, 0.05);
        s.settings.gravity = Vector3::zeros();
        s.settings.contact.model = ContactModel::Impulse;
        for (k, (x, mass)) in [(-0.1 - gap, 1e4), (0.0, 0.1), (0.1 + gap, 1e4)].into_iter().enumerate() {
            let mut b =
                RigidBody::new(&format!("ball{k}"), Shape::Sphere { radius: 0.05 }, mass, Vector3::new(x, 0.0, 0.0));
            b.restitution = 1.0;
            b.friction = 0.0;
            if k == 1 {
                b.velocity.x = 1.0;
            }
            s.bodies.push(b);
        }
        s
    };
    let warnings = derivative_warnings(&rattle(0.0)).unwrap();
    assert!(
        warnings.iter().any(|w| w.issue == DerivativeIssue::UnresolvedImpacts && w.contact == "the impulse solver"),
        "{warnings:?}"
    );
    let warnings = derivative_warnings(&rattle(5e-3)).unwrap();
    assert!(!warnings.iter().any(|w| w.issue == DerivativeIssue::UnresolvedImpacts), "{warnings:?}");
}

/// The ground as a ceiling (gravity up): a ball 5.03 µm below it, rising at 1 cm/s against `g`, reaches it after
/// `t_c = 0.95 ms` at `u_c = 1 cm/s − g t_c = 0.68 mm/s`. The time of impact's derivative with respect to the gap
/// is `−1/u_c`, `|u₀/u_c| = 14.7` times that of a straight approach at the step's start speed `u₀`: a graze, whose
/// derivatives hold only within micrometres of this trajectory. Reported with that condition number; a ball that
/// meets the ceiling at 1 m/s is not.
#[test]
fn a_grazing_impact_is_reported_with_the_condition_of_its_time_of_impact() {
    let (g, u0, t_c) = (9.81, 0.01, 0.95e-3);
    let gap = u0 * t_c - 0.5 * g * t_c * t_c;
    let graze = |gap: f64, u0: f64| {
        let mut s = Model::empty(1e-3, 0.01);
        s.settings.gravity = Vector3::new(0.0, 0.0, g);
        s.ground = Some(Ground { restitution: 1.0, ..Ground::new(1e5, 0.0, 0.0) });
        s.settings.contact.model = ContactModel::Impulse;
        s.settings.contact.bounce_threshold = 0.0;
        let mut ball = RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 0.2, Vector3::new(0.0, 0.0, 0.05 + gap));
        (ball.restitution, ball.friction, ball.velocity.z) = (1.0, 0.0, -u0);
        s.bodies.push(ball);
        s
    };
    let warnings = derivative_warnings(&graze(gap, u0)).unwrap();
    let condition = warnings.iter().find_map(|w| match w.issue {
        DerivativeIssue::IllConditionedImpact { condition } => Some(condition),
        _ => None,
    });
    let expected = u0 / (u0 - g * t_c);
    let condition = condition.unwrap_or_else(|| panic!("not reported: {warnings:?}"));
    assert!((condition - expected).abs() < 1e-6 * expected, "condition {condition}, closed form {expected}");
    let text = warnings.iter().find(|w| matches!(w.issue, DerivativeIssue::IllConditionedImpact { .. })).unwrap();
    assert!(text.to_string().contains("`ball` on the ground") && text.time <= 1e-3 + 1e-12, "{text}");
    // head-on at 1 m/s, the same distance away: u_c ≈ u₀
    let warnings = derivative_warnings(&graze(gap, 1.0)).unwrap();
    assert!(!warnings.iter().any(|w| matches!(w.issue, DerivativeIssue::IllConditionedImpact { .. })), "{warnings:?}");
}
