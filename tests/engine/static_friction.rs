//! Static friction of compliant contact with anchored friction (`contact.friction_law = "anchored"`), against
//! closed forms: a box that friction should hold on a slope stays put, one that it cannot hold slides down at
//! `g sin θ − μ g cos θ`, a pushed box decelerates and stops where Coulomb says, a sliding sphere turns to rolling
//! at `t* = 2 v0 / (7 μ g)` with `v = 5/7 v0`, and gradients through stick and slip match finite differences.
//! A slope is the flat ground under tilted gravity.

use diffphys::geometry::Shape;
use diffphys::model::{FrictionLaw, Ground, Integrator, Model, Particle, RigidBody};
use diffphys::sim::{rollout_with, State};
use nalgebra::Vector3;
use num_dual::Dual64;

const G: f64 = 9.81;

/// A scene with gravity tilted by `theta` (rad) about y: "downhill" is +x, the ground is the slope.
fn slope(theta: f64, mu: f64, law: FrictionLaw, duration: f64) -> Model<f64> {
    let mut s = Model::empty(1e-3, duration);
    s.ground = Some(Ground::new(1e5, 0.0, mu));
    s.settings.gravity = Vector3::new(G * theta.sin(), 0.0, -G * theta.cos());
    s.settings.contact.friction_law = law;
    s
}

/// A 1 kg box, 20 × 20 × 10 cm, resting on the ground (at its static penetration).
fn resting_box(mu: f64) -> RigidBody<f64> {
    let mut b =
        RigidBody::new("box", Shape::Box { size: Vector3::new(0.2, 0.2, 0.1) }, 1.0, Vector3::new(0.0, 0.0, 0.0499));
    b.friction = mu;
    b
}

/// How far (m) the box moves along the slope in `duration` s, after 0.5 s of settling.
fn creep(theta: f64, mu: f64, law: FrictionLaw, duration: f64) -> f64 {
    let mut s = slope(theta, mu, law, duration + 0.5);
    s.bodies.push(resting_box(mu));
    let settle = 500;
    let mut x0 = f64::NAN;
    let last = rollout_with(&s, settle + (duration / 1e-3).round() as usize, |st: &State<f64>| {
        if st.step == settle {
            x0 = st.bodies[0].position.x;
        }
    })
    .unwrap();
    assert!((last.bodies[0].orientation.w - 1.0).abs() < 1e-6, "the box tipped");
    last.bodies[0].position.x - x0
}

/// The case (μ = 0.5 on 20°): the regularised law creeps centimetres. At the default settings (anchored
/// friction) a box held by friction on any slope up to 30° does not move (elastic deflection aside) up to 99% of
/// the friction angle's tangent, where the saturation begins, and creeps less than a millimetre in 2 s up to
/// 99.8% (measured at 30°: 0.08 mm at 99.5%, 0.78 mm at 99.8%, 3.4 mm at 99.9%).
#[test]
fn a_box_that_friction_can_hold_stays_on_the_slope() {
    let mu = 0.5;
    let regularised = creep(20f64.to_radians(), mu, FrictionLaw::Regularised, 2.0);
    assert!(regularised > 0.01, "the regularised law creeps ({regularised} m): the test would not see a fix");
    assert_eq!(FrictionLaw::default(), FrictionLaw::Anchored);
    for degrees in [5.0f64, 20.0, 30.0] {
        let theta = degrees.to_radians();
        for ratio in [0.2, 0.728, 0.9, 0.99, 0.998] {
            let x = creep(theta, theta.tan() / ratio, FrictionLaw::default(), 2.0);
            let bound = if ratio <= 0.99 { 1e-8 } else { 1e-3 };
            assert!(x.abs() < bound, "{degrees}°, tan θ = {ratio} μ: crept {x} m in 2 s");
        }
    }
}

/// Beyond the friction angle the box slides down at `a = g sin θ − μ g cos θ`; a box pushed uphill first
/// decelerates at `g sin θ + μ g cos θ`, stops, and stays (the slope is within the friction angle).
#[test]
fn a_box_that_friction_cannot_hold_slides_at_the_coulomb_acceleration() {
    let (mu, theta) = (0.3, 25f64.to_radians());
    let a = G * theta.sin() - mu * G * theta.cos();
    let mut s = slope(theta, mu, FrictionLaw::Anchored, 1.5);
    s.bodies.push(resting_box(mu));
    let (mut v_half, mut v_one) = (f64::NAN, f64::NAN);
    rollout_with(&s, 1500, |st: &State<f64>| match st.step {
        500 => v_half = st.bodies[0].velocity.x,
        1000 => v_one = st.bodies[0].velocity.x,
        _ => {}
    })
    .unwrap();
    let measured = (v_one - v_half) / 0.5;
    assert!((measured - a).abs() < 0.01 * a, "slides at {measured} m/s², Coulomb says {a}");

    let (mu, theta, v0) = (0.6, 15f64.to_radians(), -2.0);
    let decel = G * theta.sin() + mu * G * theta.cos();
    let mut s = slope(theta, mu, FrictionLaw::Anchored, 2.0);
    let mut b = resting_box(mu);
    b.velocity.x = v0;
    s.bodies.push(b);
    let mut v_tenth = f64::NAN;
    let last = rollout_with(&s, 2000, |st: &State<f64>| {
        if st.step == 100 {
            v_tenth = st.bodies[0].velocity.x;
        }
    })
    .unwrap();
    let expected = v0 + decel * 0.1;
    assert!((v_tenth - expected).abs() < 0.01 * v0.abs(), "v(0.1 s) = {v_tenth}, closed form {expected}");
    let stop = -v0 * v0 / (2.0 * decel);
    let x = last.bodies[0].position.x;
    assert!((x - stop).abs() < 0.01 * stop.abs(), "stopped at {x} m, closed form {stop} m");
    assert!(last.bodies[0].velocity.norm() < 1e-4, "still moving at {}", last.bodies[0].velocity);
}

/// A solid sphere thrown sliding without spin: friction slows it at `μ g` and spins it up until it rolls, at
/// `t* = 2 v0 / (7 μ g)` with `v = 5/7 v0`, then rolls on (no rolling resistance in the model).
#[test]
fn a_sliding_sphere_turns_to_rolling_at_the_closed_form_time_and_speed() {
    let (mu, v0, r) = (0.2, 3.0, 0.1);
    let mut s = slope(0.0, mu, FrictionLaw::Anchored, 1.0);
    let mut ball = RigidBody::new("ball", Shape::Sphere { radius: r }, 1.0, Vector3::new(0.0, 0.0, r - 1e-4));
    ball.friction = mu;
    ball.velocity.x = v0;
    s.bodies.push(ball);
    let t_star = 2.0 * v0 / (7.0 * mu * G);
    let (half, after) = ((t_star / 2e-3).round() as usize, (t_star / 1e-3).round() as usize + 150);
    let (mut v_half, mut v_after) = (f64::NAN, f64::NAN);
    let last = rollout_with(&s, 1000, |st: &State<f64>| {
        if st.step == half {
            v_half = st.bodies[0].velocity.x;
        } else if st.step == after {
            v_after = st.bodies[0].velocity.x;
        }
    })
    .unwrap();
    // sliding: Coulomb's deceleration; 150 ms after t*: rolling at 5/7 v0, and still at the end
    let sliding = v0 - mu * G * half as f64 * 1e-3;
    assert!((v_half - sliding).abs() < 0.002 * v0, "v(t*/2) = {v_half}, closed form {sliding}");
    for v in [v_after, last.bodies[0].velocity.x] {
        assert!((v - 5.0 / 7.0 * v0).abs() < 0.002 * v0, "rolls at {v} m/s, closed form {}", 5.0 / 7.0 * v0);
    }
    // rolling on the contact point (half-way down the static penetration), friction has no more work to do
    let change = (last.bodies[0].velocity.x - v_after).abs();
    assert!(
        change < 1e-6,
        "the rolling speed still changes: by {change} m/s in the last {} s",
        1.0 - after as f64 * 1e-3
    );
}

/// Dual numbers through anchors that stick and slide give the derivative of the end position with respect to
/// the friction coefficient and the initial speed that central differences give.
#[test]
fn gradients_through_stick_and_slip_match_finite_differences() {
    let theta = 15f64.to_radians();
    let end_on = |theta: f64, mu: Dual64, v0: Dual64| {
        let mut s: Model<Dual64> = slope(theta, 0.5, FrictionLaw::Anchored, 0.6).lift();
        s.ground.as_mut().unwrap().friction = mu;
        let mut b = resting_box(0.5).lift();
        b.friction = mu;
        b.velocity.x = v0;
        s.bodies.push(b);
        rollout_with(&s, 600, |_| {}).unwrap().bodies[0].position.x
    };
    let end = |mu, v0| end_on(theta, mu, v0);
    let (mu, v0) = (0.5, -1.0);
    let d_mu = end(Dual64::from(mu).derivative(), Dual64::from(v0)).eps;
    let d_v0 = end(Dual64::from(mu), Dual64::from(v0).derivative()).eps;
    let h = 1e-6;
    let fd_mu =
        (end(Dual64::from(mu + h), Dual64::from(v0)).re - end(Dual64::from(mu - h), Dual64::from(v0)).re) / (2.0 * h);
    let fd_v0 =
        (end(Dual64::from(mu), Dual64::from(v0 + h)).re - end(Dual64::from(mu), Dual64::from(v0 - h)).re) / (2.0 * h);
    assert!(d_mu.abs() > 1e-3 && d_v0.abs() > 1e-3, "{d_mu} {d_v0}");
    assert!((d_mu - fd_mu).abs() < 1e-4 * fd_mu.abs(), "d/dμ: duals {d_mu}, differences {fd_mu}");
    assert!((d_v0 - fd_v0).abs() < 1e-4 * fd_v0.abs(), "d/dv0: duals {d_v0}, differences {fd_v0}");
    // held on the slope from rest (v0 = 0), where a push of 1 mm/s already makes corners slip (central differences
    // with ±1 mm/s are 17% off, with ±1 µm/s they agree to 1e-7): duals through the held anchors
    let d_rest = end(Dual64::from(mu), Dual64::from(0.0).derivative()).eps;
    let h = 1e-6;
    let fd_rest = (end(Dual64::from(mu), Dual64::from(h)).re - end(Dual64::from(mu), Dual64::from(-h)).re) / (2.0 * h);
    assert!(
        (d_rest - fd_rest).abs() < 1e-6 + 1e-3 * fd_rest.abs(),
        "d/dv0 at rest: duals {d_rest}, differences {fd_rest}"
    );
}

/// Anchors advance at a step's first force evaluation and are held through the later stages of RK4 and velocity
/// Verlet ([`diffphys::contact::AnchorBook::hold`]): with every integrator a particle is held on the slope
/// (where the regularised law creeps centimetres) and slides at `g sin θ − μ g cos θ` beyond the friction angle,
/// and a Go1 standing on a 20° slope under RK4 holds as under semi-implicit Euler.
#[test]
fn anchors_hold_and_slide_under_every_integrator() {
    let (mass, radius) = (0.5, 0.05);
    // (crept in 1.5 s after 0.5 s of settling, acceleration between 0.5 s and 1 s)
    let run = |theta: f64, mu: f64, integrator: Integrator| -> (f64, f64) {
        let mut s = slope(theta, mu, FrictionLaw::Anchored, 2.0);
        s.settings.integrator = integrator;
        s.ground.as_mut().unwrap().damping = 100.0;
        let rest = radius - mass * G * theta.cos() / 1e5;
        s.particles.push(Particle::new("p", mass, radius, Vector3::new(0.0, 0.0, rest)));
        let (mut x_settled, mut v_half) = (f64::NAN, f64::NAN);
        let mut v_one = f64::NAN;
        let last = rollout_with(&s, 2000, |st: &State<f64>| match st.step {
            500 => {
                x_settled = st.x[0].x;
                v_half = st.v[0].x;
            }
            1000 => v_one = st.v[0].x,
            _ => {}
        })
        .unwrap();
        (last.x[0].x - x_settled, (v_one - v_half) / 0.5)
    };
    for integrator in [Integrator::SemiImplicitEuler, Integrator::VelocityVerlet, Integrator::Rk4] {
        let mu = 0.5f64;
        for ratio in [0.5, 0.9] {
            let (crept, _) = run((ratio * mu).atan(), mu, integrator);
            assert!(crept.abs() < 1e-9, "{integrator:?}, tan θ = {ratio} μ: crept {crept} m in 1.5 s");
        }
        let (mu, theta) = (0.3, 25f64.to_radians());
        let a = G * theta.sin() - mu * G * theta.cos();
        let (_, measured) = run(theta, mu, integrator);
        assert!((measured - a).abs() < 0.01 * a, "{integrator:?}: slides at {measured} m/s², Coulomb says {a}");
    }
    let (crept, height, anchors) = go1_on_a_slope(20f64.to_radians(), FrictionLaw::Anchored, Integrator::Rk4, 2000);
    assert!(crept.abs() < 1e-3, "rk4: the base crept {crept} m in 1 s");
    assert!(height > 0.2 && anchors >= 4, "the Go1 stands on its anchored feet");
}

/// A particle (its ground has its own law, with the same anchors): held on the slope without creep where
/// the regularised law creeps, and sliding at `g sin θ − μ g cos θ` beyond the friction angle.
#[test]
fn a_particle_is_held_below_the_friction_angle_and_slides_at_the_coulomb_acceleration_above() {
    let (mass, radius) = (0.5, 0.05);
    let run = |theta: f64, mu: f64, law: FrictionLaw| -> (f64, f64, f64) {
        let mut s = slope(theta, mu, law, 2.5);
        s.ground.as_mut().unwrap().damping = 100.0;
        let rest = radius - mass * G * theta.cos() / 1e5;
        s.particles.push(Particle::new("p", mass, radius, Vector3::new(0.0, 0.0, rest)));
        let (mut x_settled, mut v_one, mut v_two) = (f64::NAN, f64::NAN, f64::NAN);
        let last = rollout_with(&s, 2500, |st: &State<f64>| match st.step {
            500 => x_settled = st.x[0].x,
            1000 => v_one = st.x[0].x - x_settled,
            1500 => v_two = st.v[0].x,
            _ => {}
        })
        .unwrap();
        let _ = v_one;
        (last.x[0].x - x_settled, v_two, last.v[0].x)
    };
    let mu = 0.5;
    let (regularised, _, _) = run(20f64.to_radians(), mu, FrictionLaw::Regularised);
    assert!(regularised > 0.01, "the regularised law creeps ({regularised} m): the test would not see a fix");
    for ratio in [0.5, 0.728, 0.9] {
        let (crept, _, _) = run((ratio * mu).atan(), mu, FrictionLaw::Anchored);
        assert!(crept.abs() < 1e-9, "tan θ = {ratio} μ: crept {crept} m in 2 s");
    }
    let (mu, theta) = (0.3, 25f64.to_radians());
    let a = G * theta.sin() - mu * G * theta.cos();
    let mut s = slope(theta, mu, FrictionLaw::Anchored, 1.0);
    s.ground.as_mut().unwrap().damping = 100.0;
    s.particles.push(Particle::new("p", mass, radius, Vector3::new(0.0, 0.0, radius - 4e-5)));
    let mut v_half = f64::NAN;
    let last = rollout_with(&s, 1000, |st: &State<f64>| {
        if st.step == 500 {
            v_half = st.v[0].x;
        }
    })
    .unwrap();
    let measured = (last.v[0].x - v_half) / 0.5;
    assert!((measured - a).abs() < 0.01 * a, "slides at {measured} m/s², Coulomb says {a}");
}

/// A one-body robot (a box on a free joint) and the same free body, side by side on a slope with anchored
/// friction: the same contact law and the same anchors give the same trajectory, held or sliding.
#[test]
fn a_one_body_robot_is_held_and_slides_as_the_same_free_body_does() {
    use diffphys::model::{multibody::sample, Robot};
    for (theta, mu) in [(20f64.to_radians(), 0.5), (25f64.to_radians(), 0.3)] {
        let mut free = slope(theta, mu, FrictionLaw::Anchored, 1.0);
        free.bodies.push(resting_box(mu));
        let mut robotic = slope(theta, mu, FrictionLaw::Anchored, 1.0);
        let shape = Shape::Box { size: Vector3::new(0.2, 0.2, 0.1) };
        let mut robot = Robot::new(sample::solid_on_free_joint("box", "body", shape, 1.0).unwrap());
        robot.multibody.colliders[0].friction = mu;
        robot.q0[2] = 0.0499;
        robotic.add_robot(robot).unwrap();
        let mut settled = f64::NAN;
        let a = rollout_with(&free, 1000, |_| {}).unwrap();
        let b = rollout_with(&robotic, 1000, |st: &State<f64>| {
            if st.step == 500 {
                settled = st.robots[0].q[0];
            }
        })
        .unwrap();
        let (x_free, x_robot) = (a.bodies[0].position, b.robots[0].q.fixed_rows::<3>(0).into_owned());
        assert!((x_free - x_robot).norm() < 1e-9, "θ = {theta}: free body at {x_free}, robot at {x_robot}");
        assert_eq!(a.friction_anchors.len(), b.friction_anchors.len());
        if mu > theta.tan() {
            // (before 0.5 s the anchors take up the load: an elastic deflection of 50 µm)
            let crept = x_robot.x - settled;
            assert!(crept.abs() < 1e-9, "held: the robot crept {crept} m in 0.5 s");
        } else {
            assert!(x_robot.x > 0.1, "slides: the robot moved {} m", x_robot.x);
        }
    }
}

/// The Go1 standing under PD on a 20° slope (feet μ = 1): with anchored friction its feet stay where they stood
/// and the base does not creep; with regularised friction it walks downhill at about the slip velocity.
#[test]
fn a_standing_go1_holds_on_a_slope() {
    let creep = |law: FrictionLaw| go1_on_a_slope(20f64.to_radians(), law, Integrator::SemiImplicitEuler, 3000);
    let (regularised, _, _) = creep(FrictionLaw::Regularised);
    let (anchored, height, anchors) = creep(FrictionLaw::Anchored);
    eprintln!(
        "go1 on 20°: regularised {regularised} m, anchored {anchored} m in 2 s, base at {height} m, {anchors} anchors"
    );
    assert!(regularised > 5e-3, "the regularised law creeps ({regularised} m): the test would not see a fix");
    assert!(anchored.abs() < 1e-3, "anchored: the base crept {anchored} m in 2 s");
    assert!(height > 0.2, "the Go1 fell: its base is at {height} m");
    assert!(anchors >= 4, "{anchors} anchors: the feet are not all anchored");
}

/// The Go1 of `scenes/go1_stand.toml` standing on a slope of `theta` (rad) with `law` and `integrator` for `steps`
/// steps of 1 ms: how far its base moved down the slope after step 1000, its final height (m) and how many
/// anchors it ends with.
fn go1_on_a_slope(theta: f64, law: FrictionLaw, integrator: Integrator, steps: usize) -> (f64, f64, usize) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml");
    let mut scene: Model<f64> = diffphys::io::load_scene(&path).unwrap();
    scene.settings.gravity = Vector3::new(G * theta.sin(), 0.0, -G * theta.cos());
    scene.sync_robot_gravity();
    scene.settings.contact.friction_law = law;
    scene.settings.integrator = integrator;
    scene.settings.duration = steps as f64 * scene.settings.dt;
    let mut x_settled = f64::NAN;
    let last = rollout_with(&scene, steps, |st: &State<f64>| {
        if st.step == 1000 {
            x_settled = st.robots[0].q[0];
        }
    })
    .unwrap();
    (last.robots[0].q[0] - x_settled, last.robots[0].q[2], last.friction_anchors.len())
}
