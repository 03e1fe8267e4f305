//! Cylinder colliders against boxes, capsules and cylinders, through the whole engine (compliant link contact).
//!
//! - A 2 kg cylinder on a free joint, dropped 5 cm onto a 5 kg crate resting on the ground, standing on its cap and
//!   lying on its side: it comes to rest on top (crate top + half its length, or + its radius, within the
//!   compliant sink), upright or lying as it fell, neither sliding off nor tipping; the crate stays on the ground
//!   (no tunnelling), nothing is NaN, and the mechanical energy never rises above its start.
//! - A crate and a capsule resting on the cap of an upright cylinder robot standing on the ground (a table): the
//!   four corners and the line across the cap carry them at the cap's height.

use diffphys::geometry::Shape;
use diffphys::model::{multibody::sample, Ground, Model, RigidBody, Robot};
use diffphys::multibody::{kinetic_energy_multibody, potential_energy_multibody, MultibodyWorkspace};
use diffphys::sim::{step, State, Workspace};
use diffphys::spatial::rotation_matrix;
use nalgebra::Vector3;

const RADIUS: f64 = 0.1;
const LENGTH: f64 = 0.3;
const MASS: f64 = 2.0;

/// A cylinder robot at `height`, its axis tilted by `tilt` about x, over the ground.
fn scene_with_cylinder(tilt: f64, height: f64) -> Model<f64> {
    let mut scene = Model::empty(1e-3, 2.0);
    scene.ground = Some(Ground::new(1e5, 50.0, 0.8));
    let shape = Shape::Cylinder { radius: RADIUS, length: LENGTH };
    let mut robot = Robot::new(sample::solid_on_free_joint("can", "body", shape, MASS).unwrap());
    robot.q0[2] = height;
    (robot.q0[3], robot.q0[6]) = ((tilt / 2.0).sin(), (tilt / 2.0).cos());
    scene.add_robot(robot).unwrap();
    scene
}

/// Kinetic plus gravitational energy of the robots and the free bodies (J).
fn energy(scene: &Model<f64>, state: &State<f64>) -> f64 {
    let g = -scene.settings.gravity.z;
    let mut e = 0.0;
    for (robot, rs) in scene.robots.iter().zip(&state.robots) {
        let mut ws = MultibodyWorkspace::new(&robot.multibody);
        e += kinetic_energy_multibody(&robot.multibody, &mut ws, &rs.q, &rs.v);
        e += potential_energy_multibody(&robot.multibody, &mut ws, &rs.q);
    }
    for (body, bs) in scene.bodies.iter().zip(&state.bodies) {
        let r = rotation_matrix(&bs.orientation);
        let w = r.transpose() * bs.angular_velocity;
        e += 0.5 * body.mass * bs.velocity.norm_squared() + 0.5 * w.dot(&(body.inertia_body() * w));
        e += body.mass * g * bs.position.z;
    }
    e
}

/// Steps `scene` for `seconds`, calling `each(state)` after every step.
fn run(scene: &Model<f64>, seconds: f64, mut each: impl FnMut(&State<f64>)) -> State<f64> {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    for _ in 0..(seconds / scene.settings.dt).round() as usize {
        step(scene, &mut state, &mut ws).unwrap();
        each(&state);
    }
    state
}

#[test]
fn a_cylinder_dropped_on_a_crate_comes_to_rest_on_top_upright_or_lying() {
    let crate_top = 0.2;
    for (tilt, rest_height, name) in
        [(0.0, crate_top + LENGTH / 2.0, "upright"), (std::f64::consts::FRAC_PI_2, crate_top + RADIUS, "lying")]
    {
        let mut scene = scene_with_cylinder(tilt, rest_height + 0.05);
        let crate_ = RigidBody::new("crate", Shape::Box { size: Vector3::new(0.6, 0.5, 0.2) }, 5.0, Vector3::z() * 0.1);
        scene.bodies.push(crate_);
        scene.validate().unwrap();
        let start = energy(&scene, &State::initial(&scene));
        let (mut highest_energy, mut lowest_can, mut lowest_crate) = (f64::NEG_INFINITY, f64::INFINITY, f64::INFINITY);
        let end = run(&scene, 2.0, |s| {
            let q = &s.robots[0].q;
            assert!(q.iter().chain(s.robots[0].v.iter()).all(|x| x.is_finite()), "{name}: NaN");
            highest_energy = highest_energy.max(energy(&scene, s));
            lowest_can = lowest_can.min(q[2]);
            lowest_crate = lowest_crate.min(s.bodies[0].position.z);
        });
        let (q, v, b) = (&end.robots[0].q, &end.robots[0].v, &end.bodies[0]);
        println!(
            "{name}: can at {:.5} (rest {rest_height}), lowest {lowest_can:.5}; crate at {:.5}, lowest {lowest_crate:.5}; \
             energy {start:.4} J -> {:.4} J, highest {highest_energy:.4} J",
            q[2],
            b.position.z,
            energy(&scene, &end)
        );
        // on top, at the right height (the compliant contacts sink ~0.1 mm under these loads), at rest
        assert!((q[2] - rest_height).abs() < 1e-3, "{name}: rests at {} instead of {rest_height}", q[2]);
        assert!(lowest_can > rest_height - 3e-3, "{name}: sank to {lowest_can}");
        assert!(v.norm() < 1e-2, "{name}: still moving, {v}");
        // as it fell: no toppling, no sliding off the crate
        assert!((q[3] - (tilt / 2.0).sin()).abs() < 1e-2 && q.rows(0, 2).norm() < 1e-2, "{name}: {q}");
        // the crate stays on the ground
        assert!((b.position.z - 0.1).abs() < 1e-3 && lowest_crate > 0.098, "{name}: crate at {}", b.position.z);
        assert!(b.position.xy().norm() < 1e-2, "{name}: crate pushed to {}", b.position);
        assert!(highest_energy <= start + 1e-6 * start.abs().max(1.0), "{name}: energy rose to {highest_energy}");
    }
}

#[test]
fn a_crate_and_a_capsule_rest_on_an_upright_cylinders_cap() {
    let top = LENGTH;
    for (shape, half_height, name) in [
        (Shape::Box { size: Vector3::new(0.12, 0.1, 0.06) }, 0.03, "crate"),
        (Shape::Capsule { radius: 0.02, length: 0.12 }, 0.02, "capsule"),
    ] {
        let mut scene = scene_with_cylinder(0.0, LENGTH / 2.0);
        let mut body = RigidBody::new(name, shape, 0.5, Vector3::new(0.01, 0.0, top + half_height + 0.01));
        if name == "capsule" {
            // lying across the cap along y
            body.orientation = nalgebra::Quaternion::new(0.5f64.sqrt(), 0.5f64.sqrt(), 0.0, 0.0);
        }
        scene.bodies.push(body);
        scene.validate().unwrap();
        let end = run(&scene, 1.5, |s| assert!(s.bodies[0].position.iter().all(|x| x.is_finite()), "{name}: NaN"));
        let (b, q) = (&end.bodies[0], &end.robots[0].q);
        println!("{name}: at {} on a cap at {}", b.position, q[2] + LENGTH / 2.0);
        assert!((b.position.z - (top + half_height)).abs() < 1.5e-3, "{name}: rests at {}", b.position.z);
        assert!(b.velocity.norm() < 1e-2 && b.angular_velocity.norm() < 0.1, "{name}: still moving");
        assert!((b.position.x - 0.01).abs() < 5e-3 && b.position.y.abs() < 5e-3, "{name}: slid to {}", b.position);
        assert!((q[2] - LENGTH / 2.0).abs() < 1e-3 && q.rows(3, 2).norm() < 1e-2, "the table stands: {q}");
    }
}
