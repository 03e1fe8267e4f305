//! MJCF models in scene files (`mjcf = "model.xml"` in `[[robots]]`): they load with their geoms as colliders,
//! free bodies start where the file puts them and fall onto the ground, ball joints swing, and a section that
//! names no model, two models or a base the file contradicts is an error naming the field.

use diffphys::io;
use diffphys::model::{Coordinate, Model};
use diffphys::sim::rollout;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn mjcf(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mjcf").join(name).display().to_string()
}

fn scene(robot: &str, duration: f64) -> String {
    format!(
        "[world]\ndt = 0.001\nduration = {duration}\n[ground]\nstiffness = 1e5\ndamping = 50.0\nfriction = 1.0\n\
         [contact]\nmodel = \"compliant\"\nstiffness = 1e5\n[[robots]]\n{robot}\n"
    )
}

fn load(text: &str) -> diffphys::Result<Model<f64>> {
    // one file per call: the tests run in parallel
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("diffphys-mjcf-scenes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("scene{}.toml", CALLS.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, text).unwrap();
    io::load_scene(&path)
}

#[test]
fn free_bodies_of_an_mjcf_file_fall_onto_the_ground_and_rest_there() {
    let model = load(&scene(&format!("name = \"things\"\nmjcf = \"{}\"", mjcf("contact.xml")), 1.5)).unwrap();
    let robot = &model.robots[0];
    assert!(robot.is_floating());
    assert_eq!(robot.multibody.colliders.len(), 4, "ball, crate, pill and wheel; the visual sphere is none");
    // the ball starts where <body pos> puts it
    let columns = model.coordinates();
    let at = |name: &str| columns.iter().position(|(n, _)| n == name).unwrap_or_else(|| panic!("{name}"));
    let traj = rollout(&model).unwrap();
    let z = |step: usize, name: &str| match columns[at(name)].1 {
        Coordinate::RobotQ { index, .. } => traj.states[step].robots[0].q[index],
        _ => unreachable!(),
    };
    assert_eq!(z(0, "things.base.z"), 0.3);
    let last = traj.states.len() - 1;
    // the ball (radius 0.1) rests on the ground within the compliant contact's sag (m g / k per point, ~0.1 mm)
    assert!((z(last, "things.base.z") - 0.1).abs() < 2e-3, "ball at {}", z(last, "things.base.z"));
    // the crate (half height 0.05 once flat, but it lands tilted and may settle on an edge) and the pill
    // (radius 0.04) are down on the ground too
    assert!(z(last, "things.crate_free.z") < 0.2, "crate at {}", z(last, "things.crate_free.z"));
    assert!((z(last, "things.pill_free.z") - 0.04).abs() < 0.03, "pill at {}", z(last, "things.pill_free.z"));
    let v = &traj.states[last].robots[0].v;
    assert!(v.rows(0, 3).amax() < 0.05, "the ball is at rest: {}", v.rows(0, 6));
}

#[test]
fn a_ball_joint_pendulum_swings_and_keeps_its_energy() {
    // a spherical pendulum from MJCF, started off vertical and spinning: with RK4 and no damping its energy
    // stays constant, and its columns are the ball joint's quaternion
    let xml = r#"<mujoco model="spherical"><worldbody><body name="bob" pos="0 0 1">
        <joint name="ball" type="ball"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.03" mass="1"/></body></worldbody></mujoco>"#;
    let dir = std::env::temp_dir().join(format!("diffphys-mjcf-ball-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ball.xml"), xml).unwrap();
    let text = format!(
        "[world]\ndt = 0.001\nduration = 2.0\nintegrator = \"rk4\"\n[[robots]]\nname = \"pendulum\"\nmjcf = \"{}\"\n",
        dir.join("ball.xml").display()
    );
    let mut model = load(&text).unwrap();
    let robot = &mut model.robots[0];
    robot.q0.copy_from_slice(&[0.3f64.sin(), 0.0, 0.0, 0.3f64.cos()]); // 0.6 rad about x
    robot.v0.copy_from_slice(&[0.0, 0.0, 2.0]); // spinning about its own axis
    let names: Vec<String> = model.coordinates().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["pendulum.ball.qw", "pendulum.ball.qx", "pendulum.ball.qy", "pendulum.ball.qz"]);
    let traj = rollout(&model).unwrap();
    let mb = &model.robots[0].multibody;
    let mut ws = diffphys::multibody::MultibodyWorkspace::new(mb);
    let mut energy = |s: &diffphys::sim::State<f64>| {
        let (q, v) = (&s.robots[0].q, &s.robots[0].v);
        diffphys::multibody::kinetic_energy_multibody(mb, &mut ws, q, v)
            + diffphys::multibody::potential_energy_multibody(mb, &mut ws, q)
    };
    let e0 = energy(&traj.states[0]);
    let drift = traj.states.iter().map(|s| (energy(s) - e0).abs()).fold(0.0, f64::max);
    assert!(drift < 1e-9, "energy drift {drift:e} J of {e0} J");
    // it swings: the rotation leaves the x axis (the spin carries the bob around)
    let q_end = &traj.states.last().unwrap().robots[0].q;
    assert!(q_end[1].abs() > 0.05 && (q_end[0].abs() + q_end[2].abs()) > 0.05, "{q_end}");
    // its CSV reads back (the quaternion checked and renormalised): the same configurations to the printed digits
    let back = io::parse_trajectory_csv(&io::trajectory_csv(&traj), &model, "ball.csv").unwrap();
    for (a, b) in traj.states.iter().zip(&back.states) {
        assert!((&a.robots[0].q - &b.robots[0].q).amax() < 1e-15);
    }
    // the first row's qw, 0.955…, made 20.955…
    let broken = io::trajectory_csv(&traj).replacen("\n0,", "\n0,2", 1);
    let e = io::parse_trajectory_csv(&broken, &model, "ball.csv").unwrap_err().to_string();
    assert!(e.contains("pendulum.ball") && e.contains("norm"), "{e}");
}

#[test]
fn a_robot_section_names_one_model_file_and_a_base_the_file_agrees_with() {
    let e = load(&scene("name = \"x\"", 1.0)).unwrap_err().to_string();
    assert!(e.contains("robots[x].urdf") && e.contains("mjcf"), "{e}");
    let both = format!("name = \"x\"\nurdf = \"a.urdf\"\nmjcf = \"{}\"", mjcf("joints.xml"));
    let e = load(&scene(&both, 1.0)).unwrap_err().to_string();
    assert!(e.contains("not both"), "{e}");
    let fixed = format!("name = \"x\"\nmjcf = \"{}\"\nbase = \"fixed\"", mjcf("contact.xml"));
    let e = load(&scene(&fixed, 1.0)).unwrap_err().to_string();
    assert!(e.contains("robots[x].base") && e.contains("has a free joint"), "{e}");
    let missing = "name = \"x\"\nmjcf = \"no/such/model.xml\"";
    let e = load(&scene(missing, 1.0)).unwrap_err().to_string();
    assert!(e.contains("robots[x].mjcf") && e.contains("no/such/model.xml"), "{e}");
    let broken = format!("name = \"x\"\nmjcf = \"{}\"", mjcf("multi_joint.xml"));
    let e = load(&scene(&broken, 1.0)).unwrap_err().to_string();
    assert!(e.contains("multi_joint.xml") && e.contains("several joints"), "{e}");
}
