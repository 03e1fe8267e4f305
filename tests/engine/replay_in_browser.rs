//! The replay page in a real browser: headless Chromium renders `io::replay_html` of a scene from a fixed
//! orthographic top-down camera at two times, and each body's colour must cover the disk or square the trajectory
//! puts it in, and not where it was at the other time; the page must log no error and report itself drawn.
//!
//! Ignored by `cargo test` (it needs `/usr/bin/chromium`, Debian's `chromium` package); `.ci/run` installs it and
//! runs `cargo test --release --test engine -- --ignored replay_in_browser`.

use super::replay::SCENE;
use diffphys::io::{self, Replay, ReplayOptions};
use diffphys::sim;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const W: u32 = 800;
const H: u32 = 600;

/// Runs headless Chromium on `url` with `extra` arguments and returns its standard output; fails the test after
/// two minutes.
fn chromium(url: &str, extra: &[&str]) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run this test"
    );
    let profile = tempfile::tempdir().unwrap();
    let window = format!("--window-size={W},{H}");
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let mut args = vec![
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-unsafe-swiftshader",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--virtual-time-budget=10000",
        &window,
        &user_data,
    ];
    args.extend_from_slice(extra);
    args.push(url);
    let out_file = profile.path().join("stdout");
    let mut child = Command::new(CHROMIUM)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} failed: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than two minutes on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(out_file).unwrap()
}

/// The page at `url` as the browser left it: its errors must be none, and it must have drawn the frame at `t`.
fn check_page_state(url: &str, t: f64) {
    let dom = chromium(url, &["--dump-dom"]);
    let errors_start = dom.find(r#"<pre id="errors">"#).expect("the errors element") + 17;
    let errors = &dom[errors_start..errors_start + dom[errors_start..].find("</pre>").unwrap()];
    assert!(errors.is_empty(), "the page logged errors: {errors}");
    let body = &dom[dom.find("<body").unwrap()..];
    let body = &body[..body.find('>').unwrap()];
    assert!(body.contains(r#"data-state="ready""#), "the page did not draw: {body}");
    assert!(body.contains(&format!(r#"data-time="{t}""#)), "the page shows another time than {t}: {body}");
}

/// An RGB screenshot of the page at `url`.
struct Shot {
    pixels: Vec<u8>,
}

impl Shot {
    fn take(url: &str, png: &Path) -> Shot {
        chromium(url, &[&format!("--screenshot={}", png.display())]);
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (W, H), "the screenshot has the window's size");
        let channels = info.color_type.samples();
        assert!(info.bit_depth == png::BitDepth::Eight && channels >= 3, "{info:?}");
        let pixels = buf[..info.buffer_size()].chunks(channels).flat_map(|p| [p[0], p[1], p[2]]).collect();
        Shot { pixels }
    }

    fn at(&self, x: i64, y: i64) -> Option<[u8; 3]> {
        if x < 0 || y < 0 || x >= W as i64 || y >= H as i64 {
            return None;
        }
        let i = 3 * (y as usize * W as usize + x as usize);
        Some([self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]])
    }

    /// The fraction of the `(2n+1)²` pixels around `(x, y)` that are of colour `c`.
    fn share(&self, (x, y): (f64, f64), n: i64, c: [u8; 3]) -> f64 {
        let (x, y) = (x.round() as i64, y.round() as i64);
        let hits = (-n..=n)
            .flat_map(|dy| (-n..=n).map(move |dx| (dx, dy)))
            .filter(|&(dx, dy)| self.at(x + dx, y + dy).is_some_and(|p| same_colour(p, c)));
        hits.count() as f64 / ((2 * n + 1) * (2 * n + 1)) as f64
    }

    fn count(&self, c: [u8; 3]) -> usize {
        self.pixels.chunks(3).filter(|p| same_colour([p[0], p[1], p[2]], c)).count()
    }
}

/// Whether pixel `p` shows a surface of colour `c` under the page's lights: the same hue (its deviation from grey
/// points the same way) and a good part of its saturation. The ground, grey, and the other bodies' colours fail.
fn same_colour(p: [u8; 3], c: [u8; 3]) -> bool {
    let chroma = |v: [u8; 3]| {
        let m = (f64::from(v[0]) + f64::from(v[1]) + f64::from(v[2])) / 3.0;
        [f64::from(v[0]) - m, f64::from(v[1]) - m, f64::from(v[2]) - m]
    };
    let (a, b) = (chroma(p), chroma(c));
    let norm = |v: [f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let (na, nb) = (norm(a), norm(b));
    na > 0.4 * nb && (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb) > 0.95
}

/// The world ranges the top camera shows across and up the page: 2.8 m by 2.1 m, the window's 4:3.
const BOX: [f64; 4] = [-1.2, 1.6, -1.0, 1.1];

/// Where world `(x, y)` is on the page, in pixels from the top left.
fn pixel(x: f64, y: f64) -> (f64, f64) {
    ((x - BOX[0]) / (BOX[1] - BOX[0]) * f64::from(W), (BOX[3] - y) / (BOX[3] - BOX[2]) * f64::from(H))
}

fn page(dir: &Path) -> (diffphys::model::Model<f64>, Replay, PathBuf) {
    let scene = io::parse_scene(SCENE, "replay.toml").unwrap();
    let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
    let html = dir.join("replay.html");
    io::write_replay(&html, &replay).unwrap();
    (scene, replay, html)
}

/// At two times, each body's colour fills the place the trajectory gives it (a ball's disk, the cube's square
/// top), with about the area its size makes, and is gone from where it was at the other time.
#[test]
#[ignore = "needs /usr/bin/chromium: cargo test --release --test engine -- --ignored replay_in_browser"]
fn replay_in_browser_draws_bodies_where_the_trajectory_puts_them() {
    let dir = tempfile::tempdir().unwrap();
    let (scene, replay, html) = page(dir.path());
    let traj = sim::rollout(&scene).unwrap();
    let px_per_m = f64::from(W) / (BOX[1] - BOX[0]);
    let last = replay.frames() - 1;
    let frames = [0, last];
    // where each object is at each time, from the trajectory: (x, y) of the ball, the bob and the cube
    let at = |frame: usize| {
        let step = (replay.times()[frame] / scene.settings.dt).round() as usize;
        let s = &traj.states[step];
        [(s.x[0].x, s.x[0].y), (s.x[1].x, s.x[1].y), (s.bodies[0].position.x, s.bodies[0].position.y)]
    };
    let (before, after) = (at(frames[0]), at(frames[1]));
    // they moved far enough for the two places to be told apart: the ball by 6 radii, the cube by 2 sizes
    assert!((after[0].0 - before[0].0).abs() > 0.6 && (after[2].1 - before[2].1).abs() > 0.6, "{before:?} {after:?}");
    let areas = [
        std::f64::consts::PI * (0.1 * px_per_m).powi(2),  // the ball, r = 0.1 m
        std::f64::consts::PI * (0.05 * px_per_m).powi(2), // the bob, r = 0.05 m
        (0.3 * px_per_m).powi(2),                         // the cube's top, 0.3 m square
    ];
    // the cube is turned about z by friction no more than a few degrees; its square is checked inside 0.1 m
    let patch = [(0.06 * px_per_m) as i64, (0.03 * px_per_m) as i64, (0.1 * px_per_m) as i64];
    for (shot, &frame) in frames.iter().enumerate() {
        let t = replay.times()[frame];
        let box_ = BOX.map(|v| v.to_string()).join(",");
        let url = format!("file://{}?camera=top&box={box_}&t={t}&paused=1&bare=1&contacts=0", html.display());
        check_page_state(&url, t);
        // kept for a look after a run: target/tmp/replay_in_browser_t<time>.png
        let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("replay_in_browser_t{t}.png"));
        let image = Shot::take(&url, &png);
        let (here, there) = if shot == 0 { (before, after) } else { (after, before) };
        for (i, object) in replay.objects().iter().enumerate() {
            let c = object.color;
            let centre = pixel(here[i].0, here[i].1);
            let share = image.share(centre, patch[i], c);
            assert!(share > 0.9, "t = {t} s: {} at {centre:?} px: {share} of the pixels are its colour", object.name);
            let gone = pixel(there[i].0, there[i].1);
            let moved = ((gone.0 - centre.0).powi(2) + (gone.1 - centre.1).powi(2)).sqrt();
            if moved > 3.0 * patch[i] as f64 {
                let share = image.share(gone, patch[i], c);
                assert!(share < 0.1, "t = {t} s: {} is still drawn where it was ({gone:?} px)", object.name);
            }
            let area = image.count(c) as f64;
            assert!(
                (0.7..1.3).contains(&(area / areas[i])),
                "t = {t} s: {} covers {area} px, its size makes {} px",
                object.name,
                areas[i]
            );
        }
    }
}

/// The default view (a perspective camera, playing, contacts and forces on) of a robot scene draws without errors.
#[test]
#[ignore = "needs /usr/bin/chromium: cargo test --release --test engine -- --ignored replay_in_browser"]
fn replay_in_browser_plays_a_robot_scene_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml");
    let mut scene = io::load_scene(&path).unwrap();
    scene.settings.duration = 1.0;
    let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
    let html = dir.path().join("go1.html");
    io::write_replay(&html, &replay).unwrap();
    let t = replay.times()[replay.frames() / 2];
    let url = format!("file://{}?t={t}&paused=1", html.display());
    check_page_state(&url, t);
    let image = Shot::take(&url, &dir.path().join("go1.png"));
    // the robot's colour is on the page
    assert!(image.count(replay.objects().last().unwrap().color) > 2000);
}
