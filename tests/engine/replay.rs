//! The HTML replay (`io::Replay`, `io::replay_html`, `diffphys view`) without a browser: the page is self-contained
//! (three.js inlined byte for byte, nothing fetched), its data are the run's states, contact forces balance what
//! they hold up, a trajectory CSV replays as the simulation it came from, and a CSV that does not fit the scene
//! is an error naming what is wrong. `replay_in_browser` renders the page in Chromium.

use diffphys::io::{self, Replay, ReplayContact, ReplayKind, ReplayOptions};
use diffphys::{sim, Error};
use std::path::Path;
use std::process::{Command, Stdio};

/// A particle thrown along x, a box sliding along y, a particle hanging from an anchor by a spring, and the ground.
pub const SCENE: &str = r#"
[world]
dt = 0.001
duration = 1.0

[ground]
friction = 0.1
damping = 100.0 # N s/m: about critical for the ball, which comes to rest

[[particles]]
name = "ball"
mass = 0.5
radius = 0.1
position = [-0.6, -0.3, 0.1]
velocity = [1.2, 0.0, 0.0]

[[particles]]
name = "bob"
mass = 0.2
radius = 0.05
position = [0.8, 0.6, 1.0]

[[springs]]
name = "cord"
a = "bob"
b = [0.8, 0.6, 1.5]
stiffness = 50.0
rest_length = 0.3
damping = 0.5

[[bodies]]
name = "cube"
shape = { type = "box", size = [0.3, 0.3, 0.3] }
mass = 2.0
position = [0.4, -0.5, 0.15]
velocity = [0.0, 1.5, 0.0]
friction = 0.3
"#;

/// The JSON data of a replay page.
pub fn page_data(html: &str) -> serde_json::Value {
    let start = html.find(r#"<script type="application/json" id="replay-data">"#).expect("the data element") + 49;
    let end = start + html[start..].find("</script>").expect("the data element ends");
    serde_json::from_str(&html[start..end]).expect("the data are JSON")
}

/// The text of the `<script type="text/plain" id=...>` element `id`, base64-decoded and inflated (zlib).
fn inlined_script(html: &str, id: &str) -> Vec<u8> {
    let open = format!(r#"<script type="text/plain" id="{id}">"#);
    let start = html.find(&open).unwrap_or_else(|| panic!("no element {id}")) + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    let mut bits = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    for c in html[start..end].trim().bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        };
        acc = (acc << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            bits.push((acc >> n) as u8);
        }
    }
    miniz_oxide::inflate::decompress_to_vec_zlib(&bits).expect("zlib data")
}

fn demo_replay(options: &ReplayOptions) -> (diffphys::model::Model<f64>, Replay) {
    let scene = io::parse_scene(SCENE, "replay.toml").unwrap();
    let replay = Replay::simulate(&scene, options).unwrap();
    (scene, replay)
}

/// The page carries three.js exactly as vendored, loads nothing from elsewhere, and its data are the replay's.
#[test]
fn the_page_is_self_contained() {
    let (_, replay) = demo_replay(&ReplayOptions::default());
    let html = io::replay_html(&replay);
    let vendored = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/io/replay/three");
    for (id, file) in [
        ("three-core", "three.core.min.js"),
        ("three-module", "three.module.min.js"),
        ("orbit-controls", "OrbitControls.js"),
    ] {
        assert!(inlined_script(&html, id) == std::fs::read(vendored.join(file)).unwrap(), "{file} is inlined as it is");
    }
    for remote in ["http://", "https://", "src=\"", "src='", "<link", "@import"] {
        assert!(!html.contains(remote), "the page refers to something outside it: {remote}");
    }
    // 750 kB of three.js compress to about a third
    assert!(html.len() < 400_000, "{} bytes", html.len());
    let data = page_data(&html);
    assert_eq!(data["format"], "diffphys-replay-1");
    assert_eq!(data["units"], "m, s, N");
    assert_eq!(data["frames"].as_array().unwrap().len(), replay.frames());
    let names: Vec<&str> = data["objects"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ball", "bob", "cube"]);
    assert_eq!(data["objects"][2]["shape"], serde_json::json!({"type": "box", "size": [0.3, 0.3, 0.3]}));
    assert_eq!(data["objects"][0]["color"], "#e6194b");
    assert_eq!(data["springs"][0], serde_json::json!({"name": "cord", "a": 1, "b": null, "anchor": [0.8, 0.6, 1.5]}));
    // the notebook form holds the same page, escaped into an iframe's srcdoc
    let framed = io::replay_notebook_html(&replay);
    assert!(framed.starts_with("<iframe") && framed.ends_with("</iframe>"));
    assert!(!framed.contains("<script") && framed.contains("&lt;script type=&quot;module&quot;&gt;"));
}

/// The title is data, never markup: one that closes the data element is escaped, in the page's title and in its
/// data. (Scene names cannot hold `<`: they are letters, digits, `_` and `-`.)
#[test]
fn a_title_cannot_break_out_of_the_page() {
    let hostile = "</script><script>alert(1)</script>";
    let scene = io::parse_scene(SCENE, "replay.toml").unwrap();
    let replay = Replay::simulate(&scene, &ReplayOptions { title: hostile.into(), ..Default::default() }).unwrap();
    let html = io::replay_html(&replay);
    assert!(!html.contains(hostile));
    assert_eq!(page_data(&html)["title"], hostile);
    assert!(html.contains("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
}

/// Each frame's poses are the rollout's states at that frame's step, frames are spaced as asked, and the first
/// and last states are always there.
#[test]
fn frames_are_the_rollouts_states() {
    let (scene, replay) = demo_replay(&ReplayOptions { every: Some(70), ..Default::default() });
    let traj = sim::rollout(&scene).unwrap();
    let steps: Vec<usize> = replay.times().iter().map(|t| (t / scene.settings.dt).round() as usize).collect();
    let mut expected: Vec<usize> = (0..=1000).step_by(70).collect();
    expected.push(1000);
    assert_eq!(steps, expected);
    for (k, &step) in steps.iter().enumerate() {
        let state = &traj.states[step];
        for (i, x) in state.x.iter().enumerate() {
            let p = replay.pose(k, i);
            assert!((0..3).all(|a| (p[a] - x[a]).abs() <= 5e-6), "frame {k} particle {i}: {p:?} vs {x:?}");
        }
        let b = &state.bodies[0];
        let p = replay.pose(k, 2);
        assert!((0..3).all(|a| (p[a] - b.position[a]).abs() <= 5e-6));
        let q = b.orientation.normalize();
        assert!([q.i, q.j, q.k, q.w].iter().zip(&p[3..]).all(|(a, b)| (a - b).abs() <= 5e-6), "{p:?} vs {q:?}");
    }
    // the ball moved along x and the cube along y, as thrown
    let end = replay.frames() - 1;
    assert!(replay.pose(end, 0)[0] > replay.pose(0, 0)[0] + 0.5);
    assert!(replay.pose(end, 2)[1] > replay.pose(0, 2)[1] + 0.2);
    assert_eq!(replay.objects()[2].kind, ReplayKind::Body);
}

/// Contact forces hold up what rests: the resting ball's ground force is its weight, the cube's net contact
/// force after it stopped is its weight, at the ground, and without contacts there are none.
#[test]
fn contact_forces_carry_the_weight_at_rest() {
    let scene = SCENE.replace("duration = 1.0", "duration = 3.0");
    let scene = io::parse_scene(&scene, "replay.toml").unwrap();
    let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
    let end = replay.frames() - 1;
    let g = 9.81;
    let contacts = replay.contacts(end);
    let ball = contacts.iter().find(|c| !c.net && c.force.is_some()).expect("the ball touches the ground");
    let f = ball.force.unwrap();
    assert!((f[2] - 0.5 * g).abs() < 0.01 * 0.5 * g && f[0].abs() < 0.05, "{f:?}");
    assert_eq!(ball.point[2], 0.0);
    let cube = contacts.iter().find(|c| c.net).expect("the cube's net contact force");
    let f = cube.force.unwrap();
    assert!((f[2] - 2.0 * g).abs() < 0.02 * 2.0 * g && f[0].abs() < 0.1 && f[1].abs() < 0.1, "{f:?}");
    assert!(cube.point[2].abs() < 1e-3, "at the cube's bottom face: {:?}", cube.point);
    // the cube's four corners are contact points without forces of their own
    assert_eq!(contacts.iter().filter(|c| c.force.is_none()).count(), 4);
    // the arrows' scale draws the largest force about a quarter of the scene's size
    assert!(replay.force_scale() > 0.0);
    // the bob hangs in the air: two contacts in all, and none before the ball lands
    assert_eq!(contacts.len(), 6);
    let off = Replay::simulate(&scene, &ReplayOptions { contacts: false, ..Default::default() }).unwrap();
    assert!((0..off.frames()).all(|k| off.contacts(k).is_empty()));
}

/// Robot links: each foot of the standing Go1 has a contact with a force, and at rest they carry its weight.
#[test]
fn robot_link_contacts_carry_a_standing_robots_weight() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml");
    let mut scene = io::load_scene(&path).unwrap();
    scene.settings.duration = 1.5;
    let replay = Replay::simulate(&scene, &ReplayOptions { fps: 10.0, ..Default::default() }).unwrap();
    let links = replay.objects().iter().filter(|o| o.kind == ReplayKind::Link { robot: 0 }).count();
    assert_eq!(links, scene.robots[0].multibody.colliders.len());
    let end = replay.frames() - 1;
    let weight: f64 = scene.robots[0].multibody.inertias.iter().map(|i| i.mass).sum::<f64>() * 9.81;
    let feet: Vec<&ReplayContact> = replay.contacts(end).iter().filter(|c| c.force.is_some()).collect();
    assert_eq!(feet.len(), 4);
    let carried: f64 = feet.iter().map(|c| c.force.unwrap()[2]).sum();
    assert!((carried - weight).abs() < 0.01 * weight, "{carried} N vs {weight} N");
    // the feet's colliders sit where their contacts are
    for c in &feet {
        let nearest = (0..replay.objects().len())
            .map(|i| {
                let p = replay.pose(end, i);
                ((p[0] - c.point[0]).powi(2) + (p[1] - c.point[1]).powi(2)).sqrt()
            })
            .fold(f64::INFINITY, f64::min);
        assert!(nearest < 1e-3, "a foot above each contact ({nearest} m)");
    }
}

/// A trajectory CSV written by `simulate` replays with the same poses as the simulation, with contact points
/// found from positions and no forces.
#[test]
fn a_trajectory_csv_replays_as_the_simulation() {
    let (scene, simulated) = demo_replay(&ReplayOptions { every: Some(50), ..Default::default() });
    let csv = io::trajectory_csv(&sim::rollout(&scene).unwrap());
    let traj = io::parse_trajectory_csv(&csv, &scene, "run.csv").unwrap();
    let replayed =
        Replay::from_trajectory(&scene, &traj, &ReplayOptions { every: Some(50), ..Default::default() }).unwrap();
    assert_eq!(replayed.times(), simulated.times());
    for k in 0..replayed.frames() {
        for i in 0..3 {
            assert_eq!(replayed.pose(k, i), simulated.pose(k, i), "frame {k} object {i}");
        }
        assert!(replayed.contacts(k).iter().all(|c| c.force.is_none()));
    }
    // the ball rolls on the ground and the cube slides on it: contact points at z = 0 at the end
    let end = replayed.frames() - 1;
    let points = replayed.contacts(end);
    assert!(points.len() >= 5 && points.iter().all(|c| c.point[2].abs() < 2e-3), "{points:?}");
    // a sparser CSV (simulate --every 100) keeps its rows
    let rows: Vec<&str> = csv.lines().collect();
    let sparse: String =
        rows.iter().enumerate().filter(|(i, _)| *i == 0 || (i - 1) % 100 == 0).map(|(_, l)| format!("{l}\n")).collect();
    let traj = io::parse_trajectory_csv(&sparse, &scene, "sparse.csv").unwrap();
    let replayed = Replay::from_trajectory(&scene, &traj, &ReplayOptions::default()).unwrap();
    assert_eq!(replayed.times(), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
}

/// A CSV that does not fit the scene is an error naming the file and what is wrong.
#[test]
fn a_csv_that_does_not_fit_is_an_error_naming_the_culprit() {
    let scene = io::parse_scene(SCENE, "replay.toml").unwrap();
    let csv = io::trajectory_csv(&sim::rollout(&scene).unwrap());
    let (header, rows) = csv.split_once('\n').unwrap();
    let error = |text: &str| match io::parse_trajectory_csv(text, &scene, "run.csv") {
        Err(Error::Trajectory(message)) => message,
        other => panic!("expected Error::Trajectory, got {other:?}"),
    };
    let missing = error(&csv.replace("cube.qz", "cube.q_z"));
    assert!(missing.starts_with("run.csv: column `cube.q_z` is not a coordinate of the scene"), "{missing}");
    let dropped = header.rsplit_once(',').unwrap().0;
    let rows_dropped: String = rows.lines().map(|l| format!("{}\n", l.rsplit_once(',').unwrap().0)).collect();
    let missing = error(&format!("{dropped}\n{rows_dropped}"));
    assert!(missing.starts_with("run.csv: no column `cube.qz`"), "{missing}");
    let twice = error(&format!("{header},ball.x\n"));
    assert!(twice.contains("`ball.x` appears twice"), "{twice}");
    let short = error(&format!("{header}\n0,1,2\n"));
    assert!(short.starts_with("run.csv:") && short.contains("fields"), "{short}");
    let second = rows.lines().nth(1).unwrap();
    let fields: Vec<&str> = second.split(',').collect();
    let with = |i: usize, value: &str| {
        let mut row = fields.clone();
        row[i] = value;
        format!("{header}\n{}\n", row.join(","))
    };
    let nan = error(&with(1, "NaN"));
    assert!(nan.contains("line 2, column `ball.x`: NaN is not finite"), "{nan}");
    let word = error(&format!("{header}\n{}\n", second.replacen(",", ",abc", 1)));
    assert!(word.contains("`abc") && word.contains("is not a number"), "{word}");
    let off_grid = error(&format!("{header}\n{}\n", second.replacen("0.001", "0.0015", 1)));
    assert!(off_grid.contains("line 2: t = 0.0015 s is not a step of the scene (dt = 0.001 s)"), "{off_grid}");
    let backwards = error(&format!("{header}\n{second}\n{second}\n"));
    assert!(backwards.contains("line 3: t = 0.001 s is not after the row before"), "{backwards}");
    // the cube's qw is field 10 (after t, 2 × 3 particle columns, cube.x, .y, .z)
    let quaternion = error(&with(10, "0.5"));
    assert!(quaternion.contains("the orientation of `cube` has norm"), "{quaternion}");
    assert_eq!(error(&format!("{header}\n")), "run.csv: no rows");
    let e = io::read_trajectory_csv("no/such.csv", &scene).unwrap_err().to_string();
    assert!(e.starts_with("no/such.csv: "), "{e}");
}

fn diffphys(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_diffphys")).args(args).current_dir(dir).output().expect("the binary runs")
}

/// `diffphys view`: simulates or replays a CSV, says what it wrote, names a CSV's culprit, and ends quietly when
/// its standard output closes.
#[test]
fn the_view_command_writes_the_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENE).unwrap();
    let out = diffphys(&["view", "s.toml", "--out", "replay.html"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // 60 frames: every 17th of 1000 steps (0 to 986), and the last
    assert!(stderr.contains("wrote 60 frames (3 objects, 1 s, every 17 steps; contact points and forces)"), "{stderr}");
    assert!(stderr.contains("to replay.html"), "{stderr}");
    let html = std::fs::read_to_string(dir.path().join("replay.html")).unwrap();
    assert_eq!(page_data(&html)["frames"].as_array().unwrap().len(), 60);

    let out = diffphys(&["simulate", "s.toml", "--out", "run.csv", "--every", "10"], dir.path());
    assert!(out.status.success());
    let out =
        diffphys(&["view", "s.toml", "--trajectory", "run.csv", "--out", "csv.html", "--every", "100"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("wrote 11 frames") && stderr.contains("no forces"), "{stderr}");

    let csv = std::fs::read_to_string(dir.path().join("run.csv")).unwrap();
    std::fs::write(dir.path().join("bad.csv"), csv.replace("bob.z", "bob.w")).unwrap();
    let out = diffphys(&["view", "s.toml", "--trajectory", "bad.csv", "--out", "bad.html"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.starts_with("error: trajectory bad.csv: column `bob.w` is not a coordinate of the scene"),
        "{stderr}"
    );
    assert!(!dir.path().join("bad.html").exists());

    // to standard output, read only in part
    let mut child = Command::new(env!("CARGO_BIN_EXE_diffphys"))
        .args(["view", "s.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 15];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert_eq!(&first, b"<!doctype html>");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
