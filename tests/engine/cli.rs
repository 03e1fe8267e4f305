//! The `diffphys` command line on the shipped scenes: every command works on every scene in `scenes/`, `fit`
//! recovers a parameter that was changed to make the observations, and user errors end in a message and a
//! non-zero exit code, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn diffphys(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diffphys")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn scene(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes").join(name).display().to_string()
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should have failed");
    assert!(stderr.lines().any(|l| l.starts_with("error: ")), "no error line: {stderr}");
    assert!(stderr.contains(needle), "the message does not mention `{needle}`: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// (scene file, parameter to fit, text in the file, replacement that makes the "true" scene, true value)
const FIT_CASES: [(&str, &str, &str, &str, f64); 12] = [
    ("bouncing_ball.toml", "ground.friction", "friction = 0.1 ", "friction = 0.12 ", 0.12),
    ("sliding_puck.toml", "ground.friction", "friction = 0.25", "friction = 0.3", 0.3),
    ("pendulum_on_a_spring.toml", "spring1.stiffness", "stiffness = 40.0", "stiffness = 44.0", 44.0),
    ("mass_spring_chain.toml", "m2.mass", "mass = 0.2", "mass = 0.22", 0.22),
    ("projectile_drag.toml", "ball.quadratic_drag", "quadratic_drag = 0.0013", "quadratic_drag = 0.0016", 0.0016),
    ("sliding_box.toml", "box.friction", "friction = 0.25", "friction = 0.4", 0.4),
    ("bouncing_ball_restitution.toml", "ball.restitution", "restitution = 0.6", "restitution = 0.8", 0.8),
    ("throw_into_box.toml", "ball.velocity.x", "velocity = [1.5,", "velocity = [1.6,", 1.6),
    ("one_world.toml", "arm.shoulder.position", "shoulder = 1.0,", "shoulder = 1.1,", 1.1),
    ("panda_push.toml", "cube.mass", "mass = 0.5 ", "mass = 0.55 ", 0.55),
    ("panda_push_target.toml", "cube.mass", "mass = 0.5 ", "mass = 0.55 ", 0.55),
    ("go1_stand.toml", "go1.base.position.z", "position = [0.0, 0.0, 0.284806]", "position = [0.0, 0.0, 0.286]", 0.286),
];

#[test]
fn every_scene_is_covered_by_the_fit_cases() {
    let mut shipped: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    shipped.sort();
    let mut covered: Vec<String> = FIT_CASES.iter().map(|c| c.0.to_string()).collect();
    covered.sort();
    assert_eq!(shipped, covered);
}

#[test]
fn simulate_params_gradcheck_and_fit_work_on_every_scene() {
    let dir = tempfile::tempdir().unwrap();
    // the changed scenes are written beside a copy of the robot models and target files they name (paths relative
    // to the scene)
    for file in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes")).unwrap() {
        let file = file.unwrap().path();
        if file.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&file, dir.path().join(file.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir(dir.path().join("robots")).unwrap();
    for urdf in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/robots")).unwrap() {
        let urdf = urdf.unwrap().path();
        std::fs::copy(&urdf, dir.path().join("robots").join(urdf.file_name().unwrap())).unwrap();
    }
    for (file, param, from, to, truth) in FIT_CASES {
        let path = scene(file);
        // params: every listed name has a value, and the parameter we fit is among them
        let listing = ok(&diffphys(&["params", &path], dir.path()));
        assert!(listing.lines().any(|l| l.split_whitespace().next() == Some(param)), "{file}: {listing}");

        // simulate: the CSV has the documented header
        let traj = dir.path().join(format!("{file}.csv"));
        ok(&diffphys(&["simulate", &path, "--out", traj.to_str().unwrap(), "--every", "20"], dir.path()));
        let text = std::fs::read_to_string(&traj).unwrap();
        assert!(text.starts_with("t,"), "{file}");

        // gradcheck: JSON with one Jacobian row per output, duals agreeing with central differences
        let json_path = dir.path().join(format!("{file}.grad.json"));
        ok(&diffphys(&["gradcheck", &path, "--params", param, "--json", json_path.to_str().unwrap()], dir.path()));
        let g: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
        let outputs = g["outputs"].as_array().unwrap().len();
        assert_eq!(g["jacobian"].as_array().unwrap().len(), outputs);
        assert_eq!(g["fd_jacobian"].as_array().unwrap().len(), outputs);
        assert_eq!(g["params"][0], param);
        let err = g["max_rel_err"].as_f64().unwrap();
        assert!(err < 1e-2, "{file}: dual vs central differences differ by {err}");

        // fit: observations from the scene with one value changed; fitting the original recovers it
        let true_scene = dir.path().join(format!("true_{file}"));
        let original = std::fs::read_to_string(&path).unwrap();
        assert!(original.contains(from), "{file} lacks `{from}`");
        std::fs::write(&true_scene, original.replacen(from, to, 1)).unwrap();
        let observed = dir.path().join(format!("observed_{file}.csv"));
        ok(&diffphys(
            &["simulate", true_scene.to_str().unwrap(), "--out", observed.to_str().unwrap(), "--every", "10"],
            dir.path(),
        ));
        let report = dir.path().join(format!("{file}.fit.json"));
        let args = [
            "fit",
            &path,
            "--observed",
            observed.to_str().unwrap(),
            "--params",
            param,
            "--json",
            report.to_str().unwrap(),
        ];
        ok(&diffphys(&args, dir.path()));
        let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let fitted = r["params"][param]["value"].as_f64().unwrap();
        assert!((fitted - truth).abs() < 1e-6 * truth, "{file}: fitted {param} = {fitted}, true {truth}");
        assert!(r["converged"].as_bool().unwrap(), "{file}");
        assert!(r["params"][param]["initial"].as_f64().unwrap() != truth);
        assert!(r["params"][param]["std_err"].is_number());
        assert!(r["cost"].as_f64().unwrap() < 1e-12, "{file}: noise-free data should fit exactly");
        assert!(r["iterations"].as_u64().unwrap() > 0);
    }
}

#[test]
fn demo_is_the_default_and_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = ok(&diffphys(&[], dir.path()));
    assert!(stdout.contains("all 4 true parameters recovered within 3 standard errors"), "{stdout}");
    let plot: PathBuf = dir.path().join("demo_fit.png");
    assert!(std::fs::metadata(plot).unwrap().len() > 10_000, "the plot is written");
}

#[test]
fn bench_times_a_scene_step_and_its_jacobians() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let stdout = ok(&diffphys(&["bench", &scene("go1_stand.toml"), "--json", json.to_str().unwrap()], dir.path()));
    assert!(stdout.contains("step Jacobians A, B (36 + 18, analytic)"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in ["step_ns", "dual_step_ns", "step_jacobians_ns"] {
        assert!(v[key].as_f64().unwrap() > 0.0, "{key}: {v}");
    }
    // the tangent space: the floating base's quaternion counts three directions
    assert_eq!((v["nx"].as_u64(), v["nu"].as_u64(), v["route"].as_str()), (Some(36), Some(18), Some("analytic")));
}

/// `bench SCENE` simulates 1 s before it times a step: at a `dt` that makes 1 s more than `world.max_steps`
/// steps it stops at once naming the limit (at dt = 1e-300 s it took 2⁶⁴ − 1 steps, a hang, though the scene's own
/// duration of ten steps is within the limit).
#[test]
fn bench_refuses_more_steps_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (dt, steps) in [("1e-300", "1.000e300"), ("1e-9", "1.000e9")] {
        let path = d.join("tiny.toml");
        let text = format!(
            "[world]\ndt = {dt}\nduration = {dt}\n[[particles]]\nname = \"b\"\nmass = 1.0\nposition = [0.0, 0.0, 1.0]\n"
        );
        std::fs::write(&path, text).unwrap();
        let start = std::time::Instant::now();
        let out = diffphys(&["bench", path.to_str().unwrap()], d);
        fails(&out, "world.max_steps = 100000000");
        fails(&out, &format!("{steps} steps of world.dt = {dt} s"));
        assert!(start.elapsed().as_secs() < 10, "{dt}: {:?}", start.elapsed());
    }
}

/// Notes quote paths and names with their control characters escaped: a `--json` path with a line break printed
/// `wrote a` and then `error: b.json` as a line of its own, a second `error:` line beside the command's own.
#[test]
fn notes_are_one_line_whatever_path_they_quote() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = ["gradcheck", &scene("sliding_puck.toml"), "--params", "ground.friction", "--json", "a\nerror: b.json"];
    let stderr = String::from_utf8_lossy(&diffphys(&args, d).stderr).into_owned();
    assert_eq!(stderr, "wrote a\\nerror: b.json\n");
    assert!(d.join("a\nerror: b.json").exists());
    // a note, then the command's error
    let observed = d.join("a\nerror: b.csv");
    std::fs::write(&observed, "t,puck.x\n0.00005,1.0\n0.1,0.95\n").unwrap();
    let fit =
        ["fit", &scene("sliding_puck.toml"), "--observed", observed.to_str().unwrap(), "--params", "ground.friction"];
    let out = diffphys(&fit, d);
    fails(&out, "time grid");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("fitting 1 parameters") && stderr.contains("a\\nerror: b.csv\n"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error: ")).count(), 1, "{stderr}");
}

#[test]
fn user_errors_are_messages_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails(&diffphys(&["simulate", "no_such_scene.toml"], d), "no_such_scene.toml");
    fails(&diffphys(&["gradcheck", &scene("bouncing_ball.toml"), "--params", "ball.colour"], d), "ball.colour");
    fails(&diffphys(&["gradcheck", &scene("bouncing_ball.toml"), "--params", "ball.mass,ball.mass"], d), "twice");
    let bad = d.join("bad.toml");
    std::fs::write(&bad, "[world]\ndt = 0.001\nduration = 1.0\nwind = 3.0\n").unwrap();
    fails(&diffphys(&["params", bad.to_str().unwrap()], d), "wind");
    let zero_mass =
        "[world]\ndt = 0.001\nduration = 1.0\n[[particles]]\nname = \"b\"\nmass = 0.0\nposition = [0.0, 0.0, 1.0]\n";
    std::fs::write(&bad, zero_mass).unwrap();
    fails(&diffphys(&["simulate", bad.to_str().unwrap()], d), "particles[b].mass");
    let off_grid = d.join("off.csv");
    std::fs::write(&off_grid, "t,ball.z\n0.00005,1.0\n0.1,0.95\n0.2,0.8\n").unwrap();
    let args = ["fit", &scene("bouncing_ball.toml"), "--observed", off_grid.to_str().unwrap(), "--params", "ball.drag"];
    fails(&diffphys(&args, d), "time grid");
    fails(&diffphys(&["simulate", &scene("bouncing_ball.toml"), "--every", "0"], d), "--every");
}

#[test]
fn dynamics_works_on_every_shipped_urdf_and_reproduces_the_reference() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let dir = tempfile::tempdir().unwrap();
    let mut urdfs: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "urdf"))
        .collect();
    urdfs.sort();
    assert!(urdfs.len() >= 5);
    for urdf in &urdfs {
        let reference = urdf.with_extension("json");
        let states = if reference.exists() {
            reference.clone()
        } else {
            let model = diffphys::io::load_urdf(urdf).unwrap();
            let states = serde_json::json!({"states": [{"q": vec![0.1; model.nq()], "v": vec![0.2; model.nv()], "tau": vec![0.3; model.nv()]}]});
            let path = dir.path().join("states.json");
            std::fs::write(&path, states.to_string()).unwrap();
            path
        };
        let out = dir.path().join("out.json");
        ok(&diffphys(
            &[
                "dynamics",
                &urdf.display().to_string(),
                "--states",
                &states.display().to_string(),
                "--json",
                &out.display().to_string(),
            ],
            dir.path(),
        ));
        let ours: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert!(!ours["joint_order"].as_array().unwrap().is_empty());
        if reference.exists() {
            let theirs: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&reference).unwrap()).unwrap();
            assert_eq!(ours["joint_order"], theirs["joint_order"]);
            let a = ours["states"][0]["ddq"][0].as_f64().unwrap();
            let b = theirs["states"][0]["ddq"][0].as_f64().unwrap();
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{}: ddq {a} vs {b}", urdf.display());
        }
    }
    let out = diffphys(
        &[
            "dynamics",
            &data.join("ur5.urdf").display().to_string(),
            "--states",
            &data.join("chain7.json").display().to_string(),
        ],
        dir.path(),
    );
    fails(&out, "q has 7 entries");
    let bad = dir.path().join("bad.urdf");
    std::fs::write(&bad, "<robot name='x'><link name='a'/><joint name='j' type='screw'/></robot>").unwrap();
    fails(
        &diffphys(
            &["dynamics", &bad.display().to_string(), "--states", &data.join("ur5.json").display().to_string()],
            dir.path(),
        ),
        "joint \"j\"",
    );
}

#[test]
fn bench_and_optimize_run() {
    let dir = tempfile::tempdir().unwrap();
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/double_pendulum.urdf");
    let json = dir.path().join("bench.json");
    ok(&diffphys(&["bench", &urdf.display().to_string(), "--json", &json.display().to_string()], dir.path()));
    let timings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in ["rnea_ns", "crba_ns", "aba_ns", "aba_derivatives_ns"] {
        assert!(timings[key].as_f64().unwrap() > 0.0, "{key}");
    }
    assert_eq!(timings["nv"], 2);
    let stdout = ok(&diffphys(&["optimize", "--problem", "pendulum", "--plot", "swing.svg"], dir.path()));
    assert!(stdout.contains("upright"), "{stdout}");
    assert!(dir.path().join("swing.svg").exists());
    let stdout =
        ok(&diffphys(&["optimize", "--problem", "pendulum", "--method", "ddp", "--plot", "d.svg"], dir.path()));
    assert!(stdout.contains("pendulum ddp") && stdout.contains("upright"), "{stdout}");
    fails(&diffphys(&["optimize", "--problem", "pendulum", "--method", "newton"], dir.path()), "newton");
}

#[test]
fn optimize_unloads_a_foot_of_a_standing_robot() {
    let dir = tempfile::tempdir().unwrap();
    let go1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml").display().to_string();
    let unload = ["optimize", "--problem", "unload", "--scene", &go1, "--frame", "FR_foot"];
    let json = dir.path().join("unload.json").display().to_string();
    let stdout = ok(&diffphys(&[&unload[..], &["--json", &json]].concat(), dir.path()));
    assert!(stdout.contains("unloaded") && !stdout.contains("NOT"), "{stdout}");
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (after, before) = (result["final_force_n"].as_f64().unwrap(), result["standing_force_n"].as_f64().unwrap());
    assert!(after < 0.01 * before && before > 20.0, "{after} N of {before} N");
    fails(&diffphys(&["optimize", "--problem", "unload", "--scene", &go1], dir.path()), "--frame");
    fails(&diffphys(&["optimize", "--problem", "unload", "--scene", &go1, "--frame", "toe"], dir.path()), "toe");
    fails(&diffphys(&["optimize", "--problem", "pendulum", "--scene", &go1], dir.path()), "--scene");
}

#[test]
fn optimize_shifts_the_base_of_a_standing_robot() {
    let dir = tempfile::tempdir().unwrap();
    let go1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml").display().to_string();
    let shift = ["optimize", "--problem", "shift", "--scene", &go1];
    let args = [&shift[..], &["--offset", "0", "0.005", "0", "--knots", "150", "--json", "s.json"]].concat();
    let stdout = ok(&diffphys(&args, dir.path()));
    assert!(stdout.contains("shifted") && !stdout.contains("NOT"), "{stdout}");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let distance = result["final_distance_m"].as_f64().unwrap();
    assert!(distance < 1e-3 && result["shifted"].as_bool() == Some(true), "{distance}");
    assert!(dir.path().join("shift.png").exists());
    fails(&diffphys(&shift, dir.path()), "--offset");
    let bad = [&shift[..], &["--offset", "0", "nan", "0"]].concat();
    fails(&diffphys(&bad, dir.path()), "finite");
    let framed = [&shift[..], &["--offset", "0", "0.01", "0", "--frame", "FR_foot"]].concat();
    fails(&diffphys(&framed, dir.path()), "--frame");
}

#[test]
fn optimize_pushes_a_free_body_with_a_robot() {
    let dir = tempfile::tempdir().unwrap();
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/panda_push_target.toml").display().to_string();
    let push = ["optimize", "--problem", "push", "--scene", &scene];
    let args =
        [&push[..], &["--body", "cube", "--offset", "0.01", "0", "0", "--knots", "120", "--json", "p.json"]].concat();
    let stdout = ok(&diffphys(&args, dir.path()));
    assert!(stdout.contains("lbfgs") && stdout.contains("pushed") && !stdout.contains("NOT"), "{stdout}");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    let distance = result["final_distance_m"].as_f64().unwrap();
    assert!(distance < 5e-3 && result["body"] == "cube", "{distance}");
    assert!(dir.path().join("push.png").exists());
    fails(&diffphys(&[&push[..], &["--offset", "0.01", "0", "0"]].concat(), dir.path()), "--body");
    fails(&diffphys(&[&push[..], &["--body", "lid", "--offset", "0.01", "0", "0"]].concat(), dir.path()), "lid");
    let ilqr = [&push[..], &["--body", "cube", "--offset", "0.01", "0", "0", "--method", "ilqr"]].concat();
    fails(&diffphys(&ilqr, dir.path()), "L-BFGS");
    fails(&diffphys(&["optimize", "--problem", "cartpole", "--body", "cube"], dir.path()), "--body");
}

#[test]
fn optimize_reaches_with_a_urdf_arm_and_reports_the_distance() {
    let dir = tempfile::tempdir().unwrap();
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ur5.urdf").display().to_string();
    let reach = ["optimize", "--problem", "reach", "--urdf", &urdf, "--frame", "tool0"];
    let args =
        [&reach[..], &["--offset", "0.1", "-0.05", "0.1", "--knots", "60", "--json", "r.json", "--plot", "r.svg"]];
    let stdout = ok(&diffphys(&args.concat(), dir.path()));
    assert!(stdout.contains("reached"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let distance = report["final_distance_m"].as_f64().unwrap();
    assert!(distance < 1e-3, "{distance}");
    assert!(report["iterations"].as_u64().unwrap() >= 2 && report["solve_ms"].as_f64().unwrap() > 0.0);
    assert_eq!((report["knots"].as_u64(), report["states"].as_array().unwrap().len()), (Some(60), 61));
    assert!(report["final_cost"].as_f64().unwrap() < report["initial_cost"].as_f64().unwrap());
    assert!(dir.path().join("r.svg").exists());
    // the bounded problem: every control within the URDF's efforts (UR5: 150 N·m on the first three joints, 28 on
    // the wrist's)
    let bounded = [&reach[..], &["--bounds", "effort", "--json", "b.json", "--plot", "b.svg"]].concat();
    ok(&diffphys(&bounded, dir.path()));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(report["method"], "box-ddp");
    let limits = [150.0, 150.0, 150.0, 28.0, 28.0, 28.0];
    for u in report["controls"].as_array().unwrap() {
        for (x, limit) in u.as_array().unwrap().iter().zip(limits) {
            assert!(x.as_f64().unwrap().abs() <= limit, "{x} beyond {limit}");
        }
    }
    fails(&diffphys(&["optimize", "--problem", "reach", "--urdf", &urdf, "--frame", "nope"], dir.path()), "nope");
    fails(&diffphys(&["optimize", "--problem", "reach", "--urdf", &urdf], dir.path()), "--frame");
    fails(&diffphys(&["optimize", "--problem", "pendulum", "--tolerance", "-1"], dir.path()), "--tolerance");
    fails(&diffphys(&["optimize", "--problem", "pendulum", "--urdf", &urdf], dir.path()), "--urdf");
    fails(&diffphys(&[&reach[..], &["--bounds", "tight"]].concat(), dir.path()), "tight");
    fails(&diffphys(&[&reach[..], &["--bounds", "effort", "--method", "lbfgs"]].concat(), dir.path()), "bounds");
    fails(&diffphys(&[&reach[..], &["--dt", "-0.01"]].concat(), dir.path()), "dt");
}

/// One invocation of every command, each writing its results to standard output, with the files they read made in
/// `dir` (observations of the sliding puck, a state of the double pendulum) and the files they write put there.
fn every_command(dir: &Path) -> Vec<Vec<String>> {
    let observed = dir.join("observed.csv");
    ok(&diffphys(
        &["simulate", &scene("sliding_puck.toml"), "--out", observed.to_str().unwrap(), "--every", "10"],
        dir,
    ));
    let states = dir.join("states.json");
    std::fs::write(&states, r#"{"states": [{"q": [0.1, 0.2], "v": [0.3, 0.4], "tau": [0.5, 0.6]}]}"#).unwrap();
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/double_pendulum.urdf");
    let (observed, states, urdf) =
        (observed.display().to_string(), states.display().to_string(), urdf.display().to_string());
    let puck = scene("sliding_puck.toml");
    [
        vec!["params", &puck],
        vec!["simulate", &puck],
        vec!["dynamics", &urdf, "--states", &states],
        vec!["gradcheck", &puck, "--params", "ground.friction"],
        vec!["fit", &puck, "--observed", &observed, "--params", "ground.friction"],
        vec!["bench", &urdf],
        vec!["optimize", "--problem", "pendulum", "--plot", "swing.svg"],
        vec!["demo", "--plot", "demo.svg"],
    ]
    .iter()
    .map(|args| args.iter().map(|a| a.to_string()).collect())
    .collect()
}

/// Runs `diffphys args` with standard output (`stderr == false`) or standard error a pipe whose reader is gone
/// before the command writes anything (it is dropped as soon as the process starts, and every command reads a
/// file or computes first); the other stream is captured.
fn with_closed_pipe(args: &[String], dir: &Path, stderr: bool) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_diffphys"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if stderr {
        drop(child.stderr.take());
    } else {
        drop(child.stdout.take());
    }
    child.wait_with_output().expect("the binary ends")
}

#[test]
fn a_closed_standard_output_ends_every_command_quietly_and_successfully() {
    let dir = tempfile::tempdir().unwrap();
    for args in every_command(dir.path()) {
        let out = with_closed_pipe(&args, dir.path(), false);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.lines().any(|l| l.starts_with("error")), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_on_standard_output_is_one_error_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for args in every_command(dir.path()) {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full exists");
        let out = Command::new(env!("CARGO_BIN_EXE_diffphys"))
            .args(&args)
            .current_dir(dir.path())
            .stdout(Stdio::from(full))
            .output()
            .expect("the binary runs");
        fails(&out, "standard output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().filter(|l| l.starts_with("error: ")).count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("No space left on device"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_standard_error_neither_panics_nor_stops_a_command() {
    let dir = tempfile::tempdir().unwrap();
    for args in every_command(dir.path()) {
        if args[0] == "optimize" || args[0] == "demo" || args[0] == "bench" {
            continue; // slow, and their notes go through the same `note!` as fit's progress lines
        }
        let out = with_closed_pipe(&args, dir.path(), true);
        assert!(out.status.success(), "{args:?}: {:?}", out.status);
        assert!(!out.stdout.is_empty(), "{args:?}: the results are written");
    }
}

#[test]
fn unwritable_output_files_are_errors_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = d.join("no_such_folder").join("out");
    let bad = bad.to_str().unwrap();
    let observed = d.join("observed.csv");
    ok(&diffphys(&["simulate", &scene("sliding_puck.toml"), "--out", observed.to_str().unwrap(), "--every", "10"], d));
    let puck = scene("sliding_puck.toml");
    let fit = ["fit", &puck, "--observed", observed.to_str().unwrap(), "--params", "ground.friction"];
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/double_pendulum.urdf");
    let urdf = urdf.to_str().unwrap();
    let states = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/double_pendulum.json");
    let states = states.to_str().unwrap();
    let (png, svg) = (format!("{bad}.png"), format!("{bad}.svg"));
    let cases: Vec<Vec<&str>> = vec![
        vec!["simulate", &puck, "--out", bad],
        vec!["gradcheck", &puck, "--params", "ground.friction", "--json", bad],
        [&fit[..], &["--json", bad]].concat(),
        [&fit[..], &["--plot", &png]].concat(),
        [&fit[..], &["--plot", &svg]].concat(),
        vec!["dynamics", urdf, "--states", states, "--json", bad],
        vec!["bench", urdf, "--json", bad],
        vec!["optimize", "--problem", "pendulum", "--plot", bad],
    ];
    for args in cases {
        let out = diffphys(&args, d);
        fails(&out, "no_such_folder");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}

#[test]
fn non_finite_or_unresolvable_results_are_errors_not_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // dynamics: a velocity whose square overflows would be written as JSON `null`
    let states = d.join("states.json");
    std::fs::write(&states, r#"{"states": [{"q": [0.1, 0.2], "v": [1e200, 0.4], "tau": [0.5, 0.6]}]}"#).unwrap();
    let urdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/double_pendulum.urdf");
    let out = diffphys(&["dynamics", urdf.to_str().unwrap(), "--states", states.to_str().unwrap()], d);
    fails(&out, "`ddq` is not finite");
    fails(&out, "states.json: states[0]");
    assert!(out.stdout.is_empty());
    // fit: residuals whose squares overflow give an infinite cost, which is no convergence
    let observed = d.join("huge.csv");
    std::fs::write(&observed, "t,puck.x\n0.1,1e300\n0.2,1e300\n0.3,1e300\n").unwrap();
    let json = d.join("fit.json");
    let fit = [
        "fit",
        &scene("sliding_puck.toml"),
        "--observed",
        observed.to_str().unwrap(),
        "--params",
        "ground.friction",
        "--json",
        json.to_str().unwrap(),
    ];
    let out = diffphys(&fit, d);
    fails(&out, "the cost Σr² at the starting point is inf");
    assert!(out.stdout.is_empty() && !json.exists());
    // gradcheck: a step too small to move the parameter has all-zero differences, which passed any threshold
    let puck = scene("sliding_puck.toml");
    let out =
        diffphys(&["gradcheck", &puck, "--params", "ground.friction", "--step", "1e-300", "--max-rel-err", "1e-3"], d);
    fails(&out, "the step 1e-300 is too small for `ground.friction` (= 0.25)");
    assert!(out.stdout.is_empty());
    fails(&diffphys(&["gradcheck", &puck, "--params", "ground.friction", "--max-rel-err", "NaN"], d), "--max-rel-err");
}

#[test]
fn scene_states_and_observation_holes_are_errors_naming_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ball =
        "[world]\ndt = 0.001\nduration = 0.5\n[[particles]]\nname = \"ball\"\nmass = 1.0\nposition = [0.0, 0.0, 1.0]\n";
    let path = d.join("s.toml");
    // an array longer than three is not cut short
    std::fs::write(&path, ball.replace("[0.0, 0.0, 1.0]", "[0.0, 1.0, 2.0, 3.0]")).unwrap();
    let out = diffphys(&["params", path.to_str().unwrap()], d);
    fails(&out, "position");
    fails(&out, "expected an array of 3 numbers, got 4");
    // a name that would break the CSV header
    std::fs::write(&path, ball.replace("\"ball\"", "\"ba,ll\"")).unwrap();
    fails(&diffphys(&["simulate", path.to_str().unwrap()], d), "particles[ba,ll].name");
    std::fs::write(&path, ball.replace("\"ball\"", "\"ba\\nll\"")).unwrap();
    let out = diffphys(&["simulate", path.to_str().unwrap()], d);
    fails(&out, "particles[ba\\nll].name");
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1, "one line");
    // observations after the scene's end do not extend the simulation
    std::fs::write(&path, ball).unwrap();
    let observed = d.join("late.csv");
    std::fs::write(&observed, "t,ball.z\n0.1,0.95\n0.75,0.1\n").unwrap();
    let out = diffphys(
        &["fit", path.to_str().unwrap(), "--observed", observed.to_str().unwrap(), "--params", "ball.mass"],
        d,
    );
    fails(&out, "t = 0.75 s (data row 2) is past the scene's duration 0.5 s");
    // a floating base's orientation in a states file must be a unit quaternion
    let urdf = d.join("puck.urdf");
    std::fs::write(
        &urdf,
        r#"<robot name="puck"><link name="world"/><link name="disc"><inertial><mass value="2"/>
           <inertia ixx="0.1" iyy="0.1" izz="0.2"/></inertial></link>
           <joint name="free" type="floating"><parent link="world"/><child link="disc"/></joint></robot>"#,
    )
    .unwrap();
    let states = d.join("states.json");
    for (quaternion, ok_) in [("0, 0, 0, 1", true), ("0, 0, 0, 0", false), ("0, 0, 0, 2", false)] {
        let json = format!(
            r#"{{"states": [{{"q": [0, 0, 1, {quaternion}], "v": [0, 0, 0, 0, 0, 0], "tau": [0, 0, 0, 0, 0, 0]}}]}}"#
        );
        std::fs::write(&states, json).unwrap();
        let out = diffphys(&["dynamics", urdf.to_str().unwrap(), "--states", states.to_str().unwrap()], d);
        if ok_ {
            ok(&out);
        } else {
            fails(&out, "states[0]: q[3..7] (the orientation [x, y, z, w] of the free joint `free`)");
            fails(&out, "unit quaternion");
        }
    }
}

/// `simulate --every N` gives, byte for byte, [`diffphys::io::trajectory_csv`] of the stored rollout's states
/// 0, N, 2N, … ([`diffphys::sim::rollout`]), on standard output (more than one 64 KiB chunk here) and in an `--out`
/// file, with the note naming the number of samples and coordinates; for a scene with a particle, a rigid body
/// and a fixed-base robot, and one with a floating base.
#[test]
fn simulate_streams_the_stored_trajectorys_csv() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["one_world.toml", "go1_stand.toml"] {
        let path = scene(file);
        let model = diffphys::io::load_scene(&path).unwrap();
        let stored = diffphys::sim::rollout(&model).unwrap();
        assert_eq!(stored.states.len(), model.settings.n_steps() + 1);
        for every in [1, 7] {
            let kept = diffphys::sim::Trajectory {
                states: stored.states.iter().step_by(every).cloned().collect(),
                ..stored.clone()
            };
            let expected = diffphys::io::trajectory_csv(&kept);
            assert_eq!(expected.lines().count(), kept.states.len() + 1);
            if every == 1 {
                assert!(expected.len() > 1 << 16, "{file}: {} bytes fit in one chunk", expected.len());
            }
            let every = every.to_string();
            let stdout = ok(&diffphys(&["simulate", &path, "--every", &every], dir.path()));
            assert!(stdout == expected, "{file} --every {every}: standard output differs from the stored CSV");
            let csv = dir.path().join(format!("{file}.{every}.csv"));
            let out = diffphys(&["simulate", &path, "--every", &every, "--out", csv.to_str().unwrap()], dir.path());
            ok(&out);
            assert!(std::fs::read_to_string(&csv).unwrap() == expected, "{file} --every {every}: the file differs");
            let note = format!(
                "wrote {} samples of {} coordinates to {}\n",
                kept.states.len(),
                stored.coordinates.len(),
                csv.display()
            );
            assert_eq!(String::from_utf8_lossy(&out.stderr), note);
        }
    }
}

/// A long run streams: one particle for 2·10⁶ steps writing every 10⁶-th state runs under an address-space limit
/// of 128 MiB (`ulimit -v`, set by `/bin/sh` before it execs the binary), which storing the trajectory cannot
/// meet: its 2·10⁶ + 1 states take 128 B each for the state and 64 B more on the heap. Measured with
/// `/usr/bin/time -v` when this test was written: a peak resident set of 382 MB storing the trajectory (the
/// binary before streaming) and 6.6 MB streaming, to standard output or a file.
#[cfg(target_os = "linux")]
#[test]
fn a_long_simulation_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = d.join("long.toml");
    // 2000 s of free fall ends at 2e4 m/s: the speed limit is lifted for this test of memory
    let ball = "[world]\ndt = 0.001\nduration = 2000.0\nmax_speed = inf\n[[particles]]\nname = \"ball\"\nmass = 1.0\n\
                position = [0.0, 0.0, 1.0]\n";
    std::fs::write(&path, ball).unwrap();
    let csv = d.join("long.csv");
    let limited = |extra: &[&str]| {
        let script = "ulimit -v 131072 && exec \"$0\" \"$@\"";
        let mut args = vec!["-c", script, env!("CARGO_BIN_EXE_diffphys"), "simulate", path.to_str().unwrap()];
        args.extend_from_slice(&["--every", "1000000"]);
        args.extend_from_slice(extra);
        Command::new("/bin/sh").args(&args).current_dir(d).output().expect("/bin/sh runs")
    };
    let stdout = ok(&limited(&[]));
    let out = limited(&["--out", csv.to_str().unwrap()]);
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("wrote 3 samples of 3 coordinates to {}\n", csv.display())
    );
    let file = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(stdout, file);
    let rows: Vec<&str> = file.lines().collect();
    assert_eq!(rows.len(), 4, "{file}");
    assert_eq!(rows[0], "t,ball.x,ball.y,ball.z");
    let times: Vec<&str> = rows[1..].iter().map(|r| r.split(',').next().unwrap()).collect();
    assert_eq!(times, ["0", "1000", "2000"]);
    // every step was taken: semi-implicit Euler's fall from rest is z_n = 1 − g·dt²·n(n + 1)/2 (10 m below the
    // exact 1 − g·t²/2 after n = 2·10⁶ steps); rounding over the run moves it by about 1e-3 m
    let z: f64 = rows[3].rsplit(',').next().unwrap().parse().unwrap();
    let n = 2e6;
    let discrete = 1.0 - 9.81 * 1e-6 * n * (n + 1.0) / 2.0;
    assert!((z - discrete).abs() < 1e-9 * discrete.abs(), "z = {z}, semi-implicit Euler gives {discrete}");
}

/// A run that blows up fails naming the step, and leaves no partial `--out` file (a file that was there before is
/// removed, not left looking like this run's result).
#[test]
fn a_simulation_that_blows_up_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // pushed at 1000 m/s² along x, the particle passes world.max_speed = 1e4 m/s after 10 s: the guard, which
    // looks every 10 steps, stops the run at step 1010 (a certainly unstable step would be refused before any row)
    let path = d.join("unstable.toml");
    let spring = "[world]\ndt = 0.01\nduration = 20.0\ngravity = [1000.0, 0.0, 0.0]\n[[particles]]\nname = \"m\"\n\
                  mass = 1.0\nposition = [1.0, 0.0, 0.0]\n";
    std::fs::write(&path, spring).unwrap();
    let csv = d.join("unstable.csv");
    std::fs::write(&csv, "an older result\n").unwrap();
    let out = diffphys(&["simulate", path.to_str().unwrap(), "--out", csv.to_str().unwrap()], d);
    fails(&out, "ran away at step 1010");
    assert!(!csv.exists(), "a partial file is left");
    let out = diffphys(&["simulate", path.to_str().unwrap()], d);
    fails(&out, "ran away at step 1010");
}

/// `gradcheck` says where its derivatives are not the physical ones: the demo ball's bounces set in deeper than
/// their ramp resolves (one warning line naming the ball, the time and the count); a sliding puck gets none. The
/// JSON report carries the same lines.
#[test]
fn gradcheck_warns_where_derivatives_are_not_the_physical_ones() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("g.json");
    let out = diffphys(
        &["gradcheck", &scene("bouncing_ball.toml"), "--params", "ball.velocity.x", "--json", json.to_str().unwrap()],
        dir.path(),
    );
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning: derivative: ")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("`ball` on the ground at t = 0.44") && warnings[0].contains("times)"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["derivative_warnings"].as_array().unwrap().len(), 1);
    let out = diffphys(&["gradcheck", &scene("sliding_puck.toml"), "--params", "ground.friction"], dir.path());
    ok(&out);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning: derivative"));
}

#[test]
fn dynamics_and_bench_take_mjcf_with_its_joint_order_and_gravity() {
    // MuJoCo's own states of the double pendulum as MuJoCo wrote it (MJCF): the command's accelerations are
    // MuJoCo's with damping off (`qacc_no_passive`), its mass matrix `mj_fullM`, its joint order and gravity
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mjcf");
    let dir = tempfile::tempdir().unwrap();
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("double_pendulum.json")).unwrap()).unwrap();
    let states: Vec<serde_json::Value> = reference["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let tau: Vec<f64> = (0..2)
                .map(|i| s["qfrc_applied"][i].as_f64().unwrap() + s["qfrc_actuator"][i].as_f64().unwrap())
                .collect();
            serde_json::json!({"q": s["qpos"], "v": s["qvel"], "tau": tau})
        })
        .collect();
    let path = dir.path().join("states.json");
    std::fs::write(&path, serde_json::json!({ "states": states }).to_string()).unwrap();
    let model = data.join("double_pendulum.xml").display().to_string();
    let out = diffphys(&["dynamics", &model, "--states", &path.display().to_string()], dir.path());
    ok(&out);
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let order: Vec<&str> =
        reference["joints"].as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(ours["joint_order"], serde_json::json!(order));
    assert_eq!(ours["gravity"], reference["gravity"]);
    for (k, s) in reference["states"].as_array().unwrap().iter().enumerate() {
        for i in 0..2 {
            let (a, b) = (ours["states"][k]["ddq"][i].as_f64().unwrap(), s["qacc_no_passive"][i].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "state {k}: ddq[{i}] {a} vs MuJoCo's {b}");
            for j in 0..2 {
                let (m, n) = (ours["states"][k]["mass_matrix"][i][j].as_f64().unwrap(), s["M"][i][j].as_f64().unwrap());
                assert!((m - n).abs() <= 1e-9 * n.abs().max(1.0), "state {k}: M[{i}][{j}] {m} vs {n}");
            }
        }
    }
    // bench on an MJCF model with free and ball joints runs and reports each algorithm; what the reader ignored is
    // noted on standard error
    let json = dir.path().join("bench.json");
    let joints = data.join("joints.xml").display().to_string();
    let out = diffphys(&["bench", &joints, "--json", &json.display().to_string()], dir.path());
    ok(&out);
    let timings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(timings["nv"], 6 + 3 + 1 + 1 + 1 + 3);
    assert!(timings["aba_ns"].as_f64().unwrap() > 0.0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cone limit"), "{}", String::from_utf8_lossy(&out.stderr));
    // neither URDF nor MJCF: the root element is named
    let other = dir.path().join("other.xml");
    std::fs::write(&other, "<svg/>").unwrap();
    fails(&diffphys(&["bench", &other.display().to_string()], dir.path()), "<svg>");
}
