//! Robots in contact: colliders on links (from URDF `<collision>`) touching the ground and free bodies with the
//! compliant law, wrenches into ABA, effective masses from `J M⁻¹ Jᵀ`.
//!
//! - Go1 stands on its feet under PD (`scenes/go1_stand.toml`): base height drift < 1 mm over the last 4 s of 5 s,
//!   settled height within 5 mm of MuJoCo's 0.2635 m for the same model and controller, only the feet touch, and
//!   the ground reaction forces carry its weight within 0.5%.
//! - Dropped from 0.3 m above standing it lands on its feet and settles within 1 s of touchdown.
//! - A rod swinging on a hinge strikes a free ball (no gravity): angular momentum about the hinge is conserved to
//!   rounding (the link and the ball get equal and opposite forces at one point), energy never rises, a plastic
//!   impact loses energy and an elastic one sends the ball off at the two-body closed form `2 m_tip / (m_tip + m)`
//!   times the tip speed, with the tip's effective mass `I / l²` that `J M⁻¹ Jᵀ` gives.
//! - Exact gradients through link contact: duals w.r.t. friction, link mass, PD gain and contact stiffness agree with
//!   central differences, and the `f64` run is the dual run's real part bit for bit.

use diffphys::contact::Partner;
use diffphys::io;
use diffphys::model::Model;
use diffphys::sim::{step, State, Workspace};
use std::path::{Path, PathBuf};

pub(crate) fn scenes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes")
}

pub(crate) fn go1(height_above_standing: f64) -> Model<f64> {
    let mut scene: Model<f64> = io::load_scene(scenes().join("go1_stand.toml")).unwrap();
    scene.robots[0].q0[2] += height_above_standing;
    scene
}

/// Steps `scene` for `seconds`, calling `each(step, state, ws)` after every step.
pub(crate) fn run(
    scene: &Model<f64>,
    seconds: f64,
    mut each: impl FnMut(usize, &State<f64>, &Workspace<f64>),
) -> State<f64> {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    for k in 0..(seconds / scene.settings.dt).round() as usize {
        step(scene, &mut state, &mut ws).unwrap();
        each(k + 1, &state, &ws);
    }
    state
}

#[test]
fn go1_stands_on_its_feet_and_the_ground_carries_its_weight() {
    let scene = go1(0.0);
    let robot = &scene.robots[0];
    let weight = robot.multibody.inertias.iter().map(|i| i.mass).sum::<f64>() * 9.81;
    let mut heights = Vec::new();
    let mut touching = std::collections::BTreeSet::new();
    let mut support = 0.0;
    run(&scene, 5.0, |k, state, ws| {
        heights.push(state.robots[0].q[2]);
        for c in &ws.link_contacts {
            assert_eq!(c.partner, Partner::Ground);
            touching.insert(robot.multibody.colliders[c.collider].link.clone());
        }
        if k == 5000 {
            support = ws.link_contacts.iter().map(|c| c.force.z).sum::<f64>();
        }
    });
    let last4 = &heights[1000..];
    let (lo, hi) = last4.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &z| (a.min(z), b.max(z)));
    let settled = *heights.last().unwrap();
    println!(
        "settled {settled} m, drift {} mm, support {support} N of {weight} N, touching {touching:?}",
        (hi - lo) * 1e3
    );
    assert!(hi - lo < 1e-3, "drift {} m", hi - lo);
    assert!((settled - 0.2635).abs() < 5e-3, "settled at {settled} m");
    let feet: std::collections::BTreeSet<String> =
        ["FL_foot", "FR_foot", "RL_foot", "RR_foot"].iter().map(|s| s.to_string()).collect();
    assert_eq!(touching, feet);
    assert!((support - weight).abs() < 5e-3 * weight, "{support} N vs {weight} N");
}

#[test]
fn go1_dropped_lands_on_its_feet_and_settles() {
    let scene = go1(0.3);
    let mut touchdown = None;
    let mut heights = Vec::new();
    let mut others = std::collections::BTreeSet::new();
    run(&scene, 2.0, |k, state, ws| {
        heights.push(state.robots[0].q[2]);
        if touchdown.is_none() && !ws.link_contacts.is_empty() {
            touchdown = Some(k);
        }
        for c in &ws.link_contacts {
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
    assert!((hi - 0.2635).abs() < 5e-3, "{hi}");
    assert!(others.is_empty(), "{others:?}");
}

/// A 1 m, 2 kg rod hinged at the origin about y, with a 5 cm ball collider at its tip, swinging at `omega` rad/s
/// (negative: the tip moves towards +x) in a world without gravity, and a free 1 kg ball of 5 cm radius resting on
/// the tip's circle 0.4 rad ahead.
pub(crate) fn bat_and_ball(restitution: f64, omega: f64) -> Model<f64> {
    use diffphys::geometry::Shape;
    use diffphys::model::{multibody::sample, Collider, Joint, JointKind, Multibody, RigidBody, Robot};
    use diffphys::spatial::Transform;
    use nalgebra::Vector3;
    let mut scene = Model::empty(1e-4, 0.6);
    scene.settings.gravity = Vector3::zeros();
    let mut bat = Multibody::new("bat", "base");
    let hinge = Joint::new("shoulder", JointKind::Revolute { axis: Vector3::y() }, Transform::identity());
    bat.add_body(None, "rod", hinge, sample::rod(2.0, 1.0)).unwrap();
    let mut tip =
        Collider::new("rod", Some(0), Shape::Sphere { radius: 0.05 }, Transform::from_translation(-Vector3::z()));
    tip.restitution = restitution;
    bat.colliders.push(tip);
    let mut robot = Robot::new(bat);
    robot.v0[0] = omega;
    scene.add_robot(robot).unwrap();
    let at = 0.4f64;
    // 0.1 m further along the circle than the contact distance, so they start apart
    let centre = Vector3::new(at.sin(), 0.0, -at.cos());
    let mut ball = RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 1.0, centre);
    ball.restitution = restitution;
    scene.bodies.push(ball);
    scene
}

/// The angular momentum about the hinge axis (y) of bat and ball, and their kinetic energy.
pub(crate) fn momentum_and_energy(scene: &Model<f64>, state: &State<f64>) -> (f64, f64) {
    let robot = &scene.robots[0];
    let mut ws = diffphys::multibody::MultibodyWorkspace::new(&robot.multibody);
    let (q, v) = (&state.robots[0].q, &state.robots[0].v);
    let m = diffphys::multibody::crba(&robot.multibody, &mut ws, q);
    let bat_momentum = (&m * v)[0];
    let bat_energy = 0.5 * v.dot(&(&m * v));
    let b = &state.bodies[0];
    let ball = &scene.bodies[0];
    let inertia = ball.principal_inertia();
    let ball_momentum = ball.mass * b.position.cross(&b.velocity).y + inertia.y * b.angular_velocity.y;
    let ball_energy = 0.5 * ball.mass * b.velocity.norm_squared()
        + 0.5 * b.angular_velocity.dot(&inertia.component_mul(&b.angular_velocity));
    (bat_momentum + ball_momentum, bat_energy + ball_energy)
}

#[test]
fn a_bat_hitting_a_free_ball_conserves_angular_momentum_and_creates_no_energy() {
    for restitution in [0.0, 0.5, 1.0] {
        let scene = bat_and_ball(restitution, -2.0);
        let start = State::initial(&scene);
        let (l0, e0) = momentum_and_energy(&scene, &start);
        let mut touched = 0;
        let end = run(&scene, 0.6, |_, _, ws| touched += ws.link_contacts.len());
        let (l1, e1) = momentum_and_energy(&scene, &end);
        let ball_speed = end.bodies[0].velocity.norm();
        println!("e {restitution}: {touched} contact steps, L {l0} -> {l1}, E {e0} -> {e1}, ball {ball_speed} m/s");
        assert!(touched > 5, "they must touch");
        assert!(ball_speed > 0.5, "the ball is struck: {ball_speed} m/s");
        // equal and opposite forces at the same point: the hinge axis sees no net angular impulse
        assert!((l1 - l0).abs() < 1e-10 * l0.abs(), "L {l0} -> {l1}");
        assert!(e1 <= e0 * (1.0 + 1e-3), "energy rose: {e0} -> {e1}");
        if restitution == 0.0 {
            assert!(e1 < 0.95 * e0, "a plastic impact loses energy: {e0} -> {e1}");
        }
        if restitution == 1.0 {
            // elastic, head-on: the tip has effective mass I / l² = 2/3 kg, so the ball leaves at
            // 2 m_tip / (m_tip + m_ball) · ω l = 1.6 m/s
            assert!((ball_speed - 1.6).abs() < 0.01 * 1.6, "{ball_speed} m/s");
        }
    }
}

/// Checks that the exact derivatives of the final `outputs` with respect to `names` agree with central differences
/// (relative step 1e-6) to 1e-5; returns the outcome and the check.
pub(crate) fn gradients_match_central_differences(
    scene: &Model<f64>,
    names: &[&str],
    outputs: &[&str],
) -> (diffphys::grad::FinalPositions, diffphys::grad::GradCheck) {
    use diffphys::grad::{self, FinalPositions};
    let outcome = FinalPositions::new(scene, names).unwrap();
    let rows: Vec<usize> = outputs
        .iter()
        .map(|o| outcome.output_names().iter().position(|n| n == o).expect("an output of the scene"))
        .collect();
    let check = grad::check(&outcome, &outcome.initial_values(), 1e-6).unwrap();
    for (&i, output) in rows.iter().zip(outputs) {
        for (j, name) in names.iter().enumerate() {
            let (d, fd) = (check.jacobian[(i, j)], check.fd_jacobian[(i, j)]);
            println!("d {output} / d {name}: {d:.6e} vs {fd:.6e}");
            assert!((d - fd).abs() <= 1e-5 * (1.0 + d.abs()), "d {output} / d {name}: {d} vs {fd}");
        }
    }
    (outcome, check)
}

#[test]
fn gradients_through_foot_contact_equal_central_differences() {
    use diffphys::grad::Outcome;
    use num_dual::DualSVec64;
    // dropped 2 cm with a sideways push: lands at ~64 ms, slides and settles on its feet in the 0.2 s
    let mut scene = go1(0.02);
    scene.settings.duration = 0.2;
    scene.robots[0].v0[0] = 0.3;
    // regularised friction, whose coefficient acts on every sliding foot; anchored feet that stick do not feel
    // it (d/dμ = 0 exactly) and have their own checks (static_friction.rs, analytic_step_jacobians.rs)
    scene.settings.contact.friction_law = diffphys::model::FrictionLaw::Regularised;
    let names = [
        "go1.FL_foot.friction",
        "go1.FR_calf.mass",
        "go1.RL_thigh_joint.kp",
        "contact.stiffness",
        "go1.base.velocity.x",
    ];
    let (outcome, check) =
        gradients_match_central_differences(&scene, &names, &["go1.base.x", "go1.base.z", "go1.FL_calf_joint"]);
    // the contact parameters matter: friction moves the base sideways, stiffness its height
    let row = |name: &str| outcome.output_names().iter().position(|n| n == name).unwrap();
    assert!(check.jacobian[(row("go1.base.x"), 0)].abs() > 1e-6);
    assert!(check.jacobian[(row("go1.base.z"), 3)].abs() > 1e-9);
    // f64 == real part of the dual run, bit for bit
    let p = outcome.initial_values();
    let duals: Vec<DualSVec64<5>> = p.iter().enumerate().map(|(i, &x)| DualSVec64::from_re(x).derivative(i)).collect();
    let real: Vec<f64> = outcome.eval(&duals).unwrap().iter().map(|d| d.re).collect();
    assert_eq!(real, outcome.eval(&p).unwrap().as_slice());
}

#[test]
fn urdf_collision_geometry_becomes_colliders_and_meshes_are_named() {
    use diffphys::geometry::Shape;
    use diffphys::io::{parse_urdf_with, CollisionGeometry, UrdfOptions};
    let go1 = include_str!("../data/go1.urdf");
    let load = UrdfOptions { floating: true, collision: CollisionGeometry::Load };
    let model = parse_urdf_with(go1, &load).unwrap().multibody;
    // every <collision> element is a collider of its kind (the file's <visual> elements are not)
    let collisions: Vec<&str> =
        go1.split("<collision").skip(1).map(|rest| rest.split("</collision>").next().unwrap()).collect();
    let count = |kind: &str| model.colliders.iter().filter(|c| c.shape.kind_name() == kind).count();
    let in_file = |kind: &str| collisions.iter().filter(|c| c.contains(&format!("<{kind} "))).count();
    assert_eq!(model.colliders.len(), collisions.len());
    for kind in ["sphere", "cylinder", "box"] {
        assert_eq!(count(kind), in_file(kind), "{kind}");
    }
    // a foot is merged into its calf: its sphere rides on the calf's body, 0.213 m down the calf
    let foot = model.colliders.iter().find(|c| c.link == "FL_foot").unwrap();
    assert_eq!(model.body_names[foot.body.unwrap()], "FL_calf");
    assert!((foot.placement.translation - nalgebra::Vector3::new(0.0, 0.0, -0.213)).norm() < 1e-12);
    assert_eq!(foot.shape, Shape::Sphere { radius: 0.02 });
    // dynamics-only loading ignores them
    assert!(diffphys::io::parse_urdf_floating(go1).unwrap().colliders.is_empty());

    // meshes: an error naming the link, or skipped and listed
    let ur5 = include_str!("../data/ur5.urdf");
    let err = parse_urdf_with(ur5, &UrdfOptions { floating: false, collision: CollisionGeometry::Load })
        .unwrap_err()
        .to_string();
    assert!(err.contains("link \"base_link\" <collision> <mesh>") && err.contains("skip"), "{err}");
    let skipped =
        parse_urdf_with(ur5, &UrdfOptions { floating: false, collision: CollisionGeometry::SkipMeshes }).unwrap();
    // the UR5's one primitive (a 1 cm box on its end effector) stays; every mesh is listed once per link
    assert_eq!(skipped.multibody.colliders.len(), 1);
    assert_eq!(skipped.skipped_meshes.len(), ur5.matches("<mesh").count() / 2); // visual + collision per link
    assert_eq!(skipped.skipped_meshes[0], "base_link");

    // malformed geometry is named
    let bad = go1.replacen("<sphere radius=\"0.02\"/>", "<sphere radius=\"-0.02\"/>", 1);
    let err = parse_urdf_with(&bad, &load).unwrap_err().to_string();
    assert!(err.contains("<sphere>") && err.contains("radius"), "{err}");
}

#[test]
fn scene_mistakes_about_contact_geometry_are_one_clear_error() {
    let text = std::fs::read_to_string(scenes().join("go1_stand.toml")).unwrap();
    let parse = |t: &str| io::parse_scene_in_dir(t, "go1.toml", &scenes()).map(|_| ()).unwrap_err().to_string();
    let e =
        parse(&text.replace("friction = 1.0\njoint_positions", "link_friction = { FL_knee = 0.8 }\njoint_positions"));
    assert!(e.contains("robots[go1].link_friction.FL_knee") && e.contains("no link"), "{e}");
    let e = parse(&text.replace("base = \"floating\"", "base = \"floating\"\nmeshes = \"maybe\""));
    assert!(e.contains("robots[go1].meshes"), "{e}");
    // links touch by impulses with semi-implicit Euler only
    let e = parse(
        &text
            .replace("model = \"compliant\"", "model = \"impulse\"")
            .replace("integrator = \"semi-implicit-euler\"", "integrator = \"rk4\""),
    );
    assert!(e.contains("world.integrator") && e.contains("go1.") && e.contains("semi-implicit-euler"), "{e}");
    let with_box = format!(
        "{text}\n[[bodies]]\nname = \"crate\"\nshape = {{ type = \"box\", size = [0.2, 0.2, 0.2] }}\nmass = 1.0\nposition = [1.0, 0.0, 0.1]\n"
    );
    // the Go1's cylinder colliders meet boxes (and capsules and cylinders) too
    let scene = io::parse_scene_in_dir(&with_box, "go1.toml", &scenes()).unwrap();
    assert_eq!(scene.bodies[0].name, "crate");
    let e = parse(&text.replace("[[robots]]", "[joints]\nfriction_velocity = 0.0\n\n[[robots]]"));
    assert!(e.contains("joints.friction_velocity"), "{e}");
    // without collision geometry the robot touches nothing and the impulse model is fine
    let ghost = text.replace("base = \"floating\"", "base = \"floating\"\ncollision = false");
    let scene =
        io::parse_scene_in_dir(&ghost.replace("model = \"compliant\"", "model = \"impulse\""), "g.toml", &scenes());
    assert!(scene.unwrap().robots[0].multibody.colliders.is_empty());
}

/// A 0.1 m-radius, 0.3 m-tall, 2 kg cylinder on a free joint, as a one-body robot, started `height` above the
/// ground with its axis tilted by `tilt` about x.
fn cylinder_robot(tilt: f64, height: f64) -> Model<f64> {
    use diffphys::geometry::Shape;
    use diffphys::model::{multibody::sample, Robot};
    let mut scene = Model::empty(1e-3, 1.0);
    scene.ground = Some(diffphys::model::Ground::new(1e5, 50.0, 0.8));
    let shape = Shape::Cylinder { radius: 0.1, length: 0.3 };
    let mut robot = Robot::new(sample::solid_on_free_joint("can", "body", shape, 2.0).unwrap());
    robot.q0[2] = height;
    (robot.q0[3], robot.q0[6]) = ((tilt / 2.0).sin(), (tilt / 2.0).cos());
    scene.add_robot(robot).unwrap();
    scene
}

#[test]
fn a_cylinder_rests_upright_on_a_cap_and_lying_on_its_side() {
    for (tilt, height) in [(0.0, 0.15), (std::f64::consts::FRAC_PI_2, 0.1)] {
        let scene = cylinder_robot(tilt, height);
        let mut support = 0.0;
        let mut points = 0;
        let end = run(&scene, 1.0, |_, _, ws| {
            support = ws.link_contacts.iter().map(|c| c.force.z).sum();
            points = ws.link_contacts.len();
        });
        let q = &end.robots[0].q;
        println!("tilt {tilt}: z {} q {:?} support {support} on {points} points", q[2], q.as_slice());
        // it carries its weight, sinks by about 2g/k split over its points, and does not topple or roll away
        assert!((support - 2.0 * 9.81).abs() < 1e-3 * 2.0 * 9.81, "{support}");
        assert!((q[2] - height).abs() < 2e-3, "{}", q[2]);
        assert!((q[3] - (tilt / 2.0).sin()).abs() < 1e-3 && q.rows(0, 2).norm() < 1e-3, "{q}");
        assert_eq!(points, if tilt == 0.0 { 3 } else { 2 });
    }
}

/// A free ball as a one-body floating robot (`name`, 1 kg, radius 0.1 m, restitution `e`) at `x` moving at `vx`.
pub(crate) fn ball_robot(name: &str, x: f64, vx: f64, e: f64) -> diffphys::model::Robot<f64> {
    use diffphys::geometry::Shape;
    use diffphys::model::{multibody::sample, Robot};
    let mut mb = sample::solid_on_free_joint(name, "ball", Shape::Sphere { radius: 0.1 }, 1.0).unwrap();
    mb.colliders[0].restitution = e;
    let mut robot = Robot::new(mb);
    robot.q0[0] = x;
    robot.v0[0] = vx;
    robot
}

#[test]
fn two_robots_collide_conserving_momentum_and_an_elastic_pair_swaps_velocities() {
    for e in [0.0, 1.0] {
        let mut scene = Model::empty(1e-4, 0.5);
        scene.settings.gravity = nalgebra::Vector3::zeros();
        scene.add_robot(ball_robot("a", -0.3, 1.0, e)).unwrap();
        scene.add_robot(ball_robot("b", 0.3, -0.5, e)).unwrap();
        let mut touched = 0;
        let end = run(&scene, 0.5, |_, _, ws| touched += ws.link_contacts.len());
        // the floating base's linear velocity is in its body axes; the balls do not turn in a head-on impact
        let (va, vb) = (end.robots[0].v[0], end.robots[1].v[0]);
        println!("e {e}: {touched} contact steps, velocities {va} {vb}");
        assert!(touched > 5);
        assert!((va + vb - 0.5).abs() < 1e-12, "momentum {}", va + vb);
        if e == 1.0 {
            assert!((va + 0.5).abs() < 0.01 && (vb - 1.0).abs() < 0.01, "elastic: {va} {vb}");
        } else {
            assert!(va < vb && (va - vb).abs() < 0.6, "plastic: they separate slowly, {va} {vb}");
        }
    }
}

#[test]
fn self_collision_keeps_a_folding_arm_out_of_itself_only_when_on() {
    use diffphys::geometry::Shape;
    use diffphys::model::{Collider, Joint, JointKind, Multibody, Robot};
    use diffphys::spatial::{Inertia, Transform};
    use nalgebra::{Matrix3, Vector3};
    // three 0.3 m links hinged about z, link 2 folded back by 1.8 rad, a 4 cm ball on link 1 (0.164 m out) and at
    // the tip of link 3, which swings round at 5 rad/s through the ball's place on link 1; links 1 and 2 are heavy,
    // so the tip's circle barely moves (no gravity)
    let closest = |self_collision: bool| {
        let mut mb = Multibody::new("arm", "base");
        let link = |m: f64| {
            Inertia::new(m, Vector3::new(0.15, 0.0, 0.0), Matrix3::from_diagonal(&(Vector3::new(1e-4, 4e-3, 4e-3) * m)))
        };
        let hinge = |name: &str, x: f64| {
            Joint::new(
                name,
                JointKind::Revolute { axis: Vector3::z() },
                Transform::from_translation(Vector3::new(x, 0.0, 0.0)),
            )
        };
        let l1 = mb.add_body(None, "l1", hinge("j1", 0.0), link(50.0)).unwrap();
        let l2 = mb.add_body(Some(l1), "l2", hinge("j2", 0.3), link(50.0)).unwrap();
        let l3 = mb.add_body(Some(l2), "l3", hinge("j3", 0.3), link(0.5)).unwrap();
        let tip = Transform::from_translation(Vector3::new(0.3, 0.0, 0.0));
        mb.colliders.push(Collider::new(
            "l1",
            Some(l1),
            Shape::Sphere { radius: 0.04 },
            Transform::from_translation(Vector3::new(0.164, 0.0, 0.0)),
        ));
        mb.colliders.push(Collider::new("l3", Some(l3), Shape::Sphere { radius: 0.04 }, tip));
        let mut robot = Robot::new(mb);
        robot.q0[1] = 1.8;
        robot.v0[2] = 5.0;
        robot.self_collision = self_collision;
        let mut scene = Model::empty(1e-4, 0.8);
        scene.settings.gravity = Vector3::zeros();
        scene.add_robot(robot).unwrap();
        let mut ws = diffphys::multibody::MultibodyWorkspace::new(&scene.robots[0].multibody);
        let mut closest = f64::INFINITY;
        run(&scene, 0.8, |_, state, _| {
            let r = &scene.robots[0];
            diffphys::multibody::forward_kinematics(&r.multibody, &mut ws, &state.robots[0].q, &state.robots[0].v);
            let poses = diffphys::contact::collider_poses(r, &ws);
            closest = closest.min((poses[0].translation - poses[1].translation).norm());
        });
        closest
    };
    let (on, off) = (closest(true), closest(false));
    println!("closest approach of the two balls: {on} m with self-collision, {off} m without");
    assert!(off < 0.02, "without self-collision the balls pass through each other: {off}");
    assert!(on > 0.08 - 0.005, "with it they touch but do not pass: {on}");
}

#[test]
fn the_pandas_capped_cylinders_load_as_capsules() {
    use diffphys::geometry::Shape;
    use diffphys::io::{parse_urdf_with, CollisionGeometry, UrdfOptions};
    let text = include_str!("../data/panda_collision.urdf");
    let urdf = parse_urdf_with(text, &UrdfOptions { floating: false, collision: CollisionGeometry::Load }).unwrap();
    let colliders = &urdf.multibody.colliders;
    // every collision cylinder of the file has a sphere of its radius on each cap: one capsule each
    let cylinders = text
        .split("<collision")
        .skip(1)
        .filter(|c| c.split("</collision>").next().unwrap().contains("<cylinder"))
        .count();
    assert_eq!(colliders.len(), cylinders);
    assert!(colliders.iter().all(|c| matches!(c.shape, Shape::Capsule { .. })));
    // link 1: a 0.283 m cylinder of radius 0.09 centred 0.1915 m below the joint, caps at −0.05 and −0.333
    let link1 = colliders.iter().find(|c| c.link == "panda_link1").unwrap();
    assert_eq!(link1.shape, Shape::Capsule { radius: 0.09, length: 0.283 });
    assert!((link1.placement.translation.z + 0.1915).abs() < 1e-12);
}

pub(crate) fn panda_push() -> Model<f64> {
    io::load_scene(scenes().join("panda_push.toml")).unwrap()
}

#[test]
fn the_panda_sweeps_the_cube_two_decimetres_with_its_hand() {
    the_panda_sweeps_the_cube(&panda_push(), 1e-3);
}

/// Runs the push of `scene` and checks that the cube ends about 0.2 m along +x, on the ground within `sink` (m),
/// touched only by the hand and the fingers.
pub(crate) fn the_panda_sweeps_the_cube(scene: &Model<f64>, sink: f64) {
    let mut partners = std::collections::BTreeSet::new();
    let end = run(scene, scene.settings.duration, |_, _, ws| {
        for c in ws.link_contacts.iter().filter(|c| c.force.norm() > 0.0) {
            partners.insert((scene.robots[0].multibody.colliders[c.collider].link.clone(), c.partner));
        }
    });
    let cube = &end.bodies[0];
    println!("cube at {} after the push, touched by {partners:?}", cube.position);
    assert!((cube.position.x - 0.7).abs() < 0.02 && cube.position.y.abs() < 0.01, "{}", cube.position);
    assert!((cube.position.z - 0.05).abs() < sink, "the cube slides, it is not lifted: {}", cube.position);
    // only the hand touches, and only the cube: nothing scrapes the ground
    let pushers = ["panda_hand", "panda_leftfinger", "panda_rightfinger"];
    assert!(
        partners.iter().all(|(link, p)| *p == Partner::Body(0) && pushers.contains(&link.as_str())),
        "{partners:?}"
    );
}

#[test]
fn the_cube_friction_is_identified_from_the_pushed_cube_path() {
    use diffphys::fit::{fit, FitOptions, Observations};
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    // the measurement: the cube's path every 25 ms with 1 mm noise, made with friction 0.5
    let scene = panda_push();
    let names = ["cube.friction"];
    let path = diffphys::sim::rollout(&scene).unwrap();
    let mut measured = Observations::from_trajectory(&path, &["cube.x", "cube.y", "cube.z"], 50).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    let noise = Normal::new(0.0, 1e-3).unwrap();
    measured.values.iter_mut().for_each(|v| *v += noise.sample(&mut rng));
    let ids = scene.resolve_params(&names).unwrap();
    let start = scene.with_params(&ids, &[0.35]);
    let report = fit(&start, &names, &measured, &FitOptions::default(), |_| {}).unwrap();
    let (value, se) = (report.values[0], report.std_errs[0].expect("a standard error"));
    println!("cube.friction: fitted {value:.5} ± {se:.1e}, truth 0.5, residual std {:.2e}", report.residual_std);
    assert!((value - 0.5).abs() < 0.02 * 0.5, "{value}");
    assert!(se > 0.0 && (value - 0.5).abs() < 4.0 * se, "error {} vs std err {se}", value - 0.5);
    assert!(report.residual_std < 1.5e-3, "{}", report.residual_std);
}

#[test]
fn gradients_through_the_push_equal_central_differences() {
    // the whole push: contact from 2.2 s, release and slide, rest (the hand's capsule lies along the cube's edge: a
    // line contact, see `capsule_box`)
    let scene = panda_push();
    let names = ["cube.friction", "cube.mass", "arm.panda_joint1.kp", "arm.panda_joint4.kd", "contact.stiffness"];
    let (outcome, check) =
        gradients_match_central_differences(&scene, &names, &["cube.x", "cube.y", "arm.panda_joint2"]);
    let x = outcome.output_names().iter().position(|n| n == "cube.x").unwrap();
    // more friction between cube and ground: the cube slides less far once released
    assert!(check.jacobian[(x, 0)] < 0.0, "{}", check.jacobian[(x, 0)]);
}

#[test]
fn step_jacobians_of_a_standing_go1_equal_central_differences() {
    use diffphys::grad::{self, JacobianRoute, TangentStep};
    let scene = go1(0.0);
    let standing = run(&scene, 0.5, |_, _, _| {});
    let f = TangentStep::new(&scene, &standing).unwrap();
    let j = grad::step_jacobians(&scene, &standing).unwrap();
    assert_eq!((j.a.shape(), j.b.shape(), j.route), ((36, 36), (36, 18), JacobianRoute::Analytic));
    let check = grad::check(&f, &f.point(), 1e-6).unwrap();
    let exact = nalgebra::DMatrix::from_fn(36, 54, |i, k| if k < 36 { j.a[(i, k)] } else { j.b[(i, k - 36)] });
    // analytic (RNEA derivatives, the contacts' analytic derivatives) vs dual numbers through the whole step
    let dual_error = (&exact - &check.jacobian).abs().max();
    assert!(dual_error < 1e-11 * check.jacobian.abs().max(), "analytic vs duals: {dual_error:e}");
    let worst = (exact - &check.fd_jacobian).abs().max();
    println!(
        "step Jacobians vs central differences: worst difference {worst:e}, largest entry {}",
        check.jacobian.abs().max()
    );
    assert!(worst < 1e-5 * check.jacobian.abs().max(), "{worst}");
    // a calf torque speeds up its own joint within the step: ∂v'/∂τ ≈ dt (M + dt D)⁻¹ on the diagonal, positive
    let calf = scene.robots[0].multibody.joints.iter().find(|jt| jt.name == "FR_calf_joint").unwrap().v_index;
    assert!(j.b[(18 + calf, calf)] > 0.0, "{}", j.b[(18 + calf, calf)]);
}

#[test]
fn the_push_is_steered_through_contact_so_the_cube_stops_at_a_goal() {
    use diffphys::fit::{fit, FitOptions, Observations};
    // the goal 0.2 m from the cube's start (the scripted push takes it 0.213 m), as an observation of its final
    // position; the control is the wrist's (panda_joint6) PD target offset, added to its whole trajectory: it pitches
    // the hand, which changes where and how hard it meets the cube; Gauss–Newton on exact gradients through the
    // contacts. The cube's end is a rough function of the offset beyond about −0.15 rad (x = 0.713, 0.697, 0.664,
    // 0.659, 0.671 m at 0, −0.1, −0.2, −0.3, −0.5 rad, with the default anchored friction: the cube sticks and
    // slips as the hand meets it), so the goal lies on the smooth side
    let scene = panda_push();
    let goal = Observations {
        times: vec![scene.settings.duration],
        columns: vec!["cube.x".into(), "cube.y".into()],
        values: nalgebra::DMatrix::from_row_slice(1, 2, &[0.70, 0.0]),
    };
    let names = ["arm.panda_joint6.target"];
    let report = fit(&scene, &names, &goal, &FitOptions { stages: 1, ..FitOptions::default() }, |_| {}).unwrap();
    let tuned = scene.with_params(&scene.resolve_params(&names).unwrap(), &report.values);
    let mut ground = std::collections::BTreeSet::new();
    let end = run(&tuned, tuned.settings.duration, |_, _, ws| {
        for c in ws.link_contacts.iter().filter(|c| c.partner == Partner::Ground) {
            ground.insert(tuned.robots[0].multibody.colliders[c.collider].link.clone());
        }
    });
    let cube = end.bodies[0].position;
    let miss = ((cube.x - 0.70).powi(2) + cube.y.powi(2)).sqrt();
    println!(
        "wrist offset {:+.5} rad after {} iterations: cube at {cube}, {:.2} mm from the goal",
        report.values[0],
        report.iterations,
        miss * 1e3
    );
    assert!(miss < 5e-3, "{miss}");
    assert!(report.values[0].abs() > 0.01, "the push had to change");
    assert!(ground.is_empty(), "the arm does not touch the ground on the way: {ground:?}");
}
