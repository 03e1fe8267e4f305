//! Fuzzing of every input format and of the command line: no input, however broken, may panic, hang, allocate
//! beyond the stated bounds, or end in anything but success or one `error: ` line naming the culprit.
//!
//! Inputs come from two kinds of proptest strategies. *Structured mutations* take a shipped valid file (the scenes
//! in `scenes/`, the URDFs in `tests/data/` and `scenes/robots/`, the observations in `scenes/measured/`, the
//! states files in `tests/data/`) and apply one to three edits at the level of its format ([`Edit`]): a number
//! replaced by an extreme or odd value (NaN, infinities, −0, 1e308, 1e-320, huge integers, negatives, empty,
//! strings, arrays), a string or name replaced (empty, reserved, duplicated, with control characters or escapes,
//! paths), a key renamed, a line deleted, duplicated or swapped, the file truncated at a random byte, random
//! unicode and control characters inserted, structural tokens inserted or deleted (brackets, quotes, tags, commas,
//! entities), an array made longer or shorter, a block (a TOML table, an XML element, a CSV row, a JSON object)
//! duplicated — duplicate names — or deleted. *Random inputs* are random bytes, random printable text, and soups
//! of each format's tokens, keys, strings and numbers.
//!
//! **The library parsers** (`io::parse_scene_in_dir`; `io::parse_urdf`, `io::parse_urdf_floating` and
//! `io::parse_urdf_with` with collision geometry loaded or meshes skipped; `io::parse_observations`) must return `Ok`,
//! or an `Err` whose message is one line without control characters (what it quotes of the input is escaped). What they
//! accept is used further within a fixed budget: [`LIBRARY_STEPS`] steps of a scene (a state that a step accepts must
//! be finite), its parameters (finite) and trajectory columns; a robot's dynamics at its neutral state and at a state
//! of odd numbers, as `diffphys dynamics` evaluates them (where its accelerations at rest are not finite, a step of the
//! robot from rest must be an error); observations planned on the scene they were measured on. Each case must end
//! within [`CASE_TIME`].
//!
//! **The command line** runs end to end on mutated files written to a temporary folder beside copies of the
//! shipped robots and data: `simulate`, `params`, `gradcheck` and `bench` on scenes (shortened to 20 steps, with
//! `max_steps = 5000` and `max_memory_mb = 64` added to `[world]`, so that a mutated duration is refused rather
//! than run), `fit` on mutated observations or scenes (`--max-iterations 2`), `dynamics` on mutated URDFs and on
//! mutated states files, and odd command-line values (paths such as `/dev/zero`, names with line breaks, NaN
//! steps). Each run is killed after [`CLI_TIMEOUT`] (a failure: a hang) and runs under an address-space limit of
//! [`CLI_MEMORY_KIB`] KiB (`ulimit -v`: an allocation beyond it is an abort or an `out of memory` error, a
//! failure). It must exit with 0, or with 1 and exactly one stderr line starting with `error: ` whose message is
//! one line; no `panicked`, no backtrace note; no NaN, infinity or `null` in what it writes (but the documented
//! `"std_err": null` of `fit` for a parameter the observations do not determine); clap's own usage errors exit
//! with 2.
//!
//! **Runs.** The default run uses fixed seeds, so CI sees the same cases every time: [`DEFAULT_CASES`], 11 000
//! library cases and 730 command-line runs, about 10 s on two cores:
//!
//! ```text
//! cargo test --release --test engine -- input_fuzzing::
//! ```
//!
//! The long run (`#[ignore]`d) draws new cases every time, [`long_scale`] times as many (50 by default: 550 000
//! library cases and 36 500 command-line runs, about 3.5 minutes on two cores once built):
//!
//! ```text
//! cargo test --release --test engine -- --ignored input_fuzzing::
//! DIFFPHYS_FUZZ_SCALE=500 cargo test --release --test engine -- --ignored input_fuzzing::   # ten times longer
//! ```
//!
//! A failure prints the shrunk input (the file, the edits and the error or the run); each bug found this way has
//! a focused regression test beside the tests of the code it fixed (`src/error.rs`, `src/io/`,
//! `tests/engine/cli.rs`).

use diffphys::io::{self, CollisionGeometry, UrdfOptions};
use diffphys::model::{Multibody, Robot};
use diffphys::multibody::MultibodyWorkspace;
use diffphys::multibody::{aba_derivatives, crba, kinetic_energy_multibody, potential_energy_multibody, rnea};
use diffphys::sim::{step, State, Workspace};
use nalgebra::DVector;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestCaseResult, TestRunner};
use std::io::Read as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The longest one library case may take (parsing and the short use of what was parsed).
const CASE_TIME: Duration = Duration::from_secs(10);
/// The longest one command-line run may take before it is killed and reported as a hang.
const CLI_TIMEOUT: Duration = Duration::from_secs(20);
/// The address-space limit of each command-line run, in KiB (1 GiB).
const CLI_MEMORY_KIB: u64 = 1 << 20;
/// Steps of a parsed scene taken by the library cases.
const LIBRARY_STEPS: usize = 20;

/// Cases of each target in the default run.
const DEFAULT_CASES: Cases = Cases {
    scene_mutations: 3000,
    scene_random: 1000,
    urdf_mutations: 3000,
    urdf_random: 1000,
    csv_mutations: 2000,
    csv_random: 1000,
    cli_scenes: 300,
    cli_fit: 100,
    cli_urdf: 100,
    cli_states: 150,
    cli_arguments: 80,
};

/// How many cases each target runs.
struct Cases {
    scene_mutations: u32,
    scene_random: u32,
    urdf_mutations: u32,
    urdf_random: u32,
    csv_mutations: u32,
    csv_random: u32,
    cli_scenes: u32,
    cli_fit: u32,
    cli_urdf: u32,
    cli_states: u32,
    cli_arguments: u32,
}

/// The long run's multiple of the default counts: `DIFFPHYS_FUZZ_SCALE`, 50 if unset.
fn long_scale() -> u32 {
    std::env::var("DIFFPHYS_FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(50)
}

/// A proptest runner: fixed seed (the default run) or a random one (the long run, `long == true`). Failures are
/// shrunk and reported, not persisted (a found case becomes a focused regression test).
fn runner(cases: u32, seed: u64, long: bool) -> TestRunner {
    let (cases, rng_seed) = if long { (cases * long_scale(), RngSeed::Random) } else { (cases, RngSeed::Fixed(seed)) };
    TestRunner::new(Config {
        cases,
        rng_seed,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        max_shrink_time: 60_000,
        ..Config::default()
    })
}

/// Runs `test` on `cases` inputs of `strategy`; a failing input is shrunk and reported as a panic.
fn fuzz<S: Strategy>(name: &str, mut runner: TestRunner, strategy: S, test: impl Fn(S::Value) -> TestCaseResult)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name}: {e}");
    }
}

// ------------------------------------------------------------------------------------------------------------
// The shipped valid files

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A valid file: its name and text.
#[derive(Clone, Debug)]
struct Seed {
    name: String,
    text: String,
}

fn read_seeds(dir: &Path, extension: &str) -> Vec<Seed> {
    let mut seeds: Vec<Seed> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .map(|p| Seed {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    seeds.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!seeds.is_empty(), "no .{extension} files in {}", dir.display());
    seeds
}

fn scene_seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| read_seeds(&root().join("scenes"), "toml"))
}

fn urdf_seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut seeds = read_seeds(&root().join("tests/data"), "urdf");
        seeds.extend(read_seeds(&root().join("scenes/robots"), "urdf"));
        seeds
    })
}

/// Observations with the scene they were measured on and a parameter of that scene.
fn csv_seeds() -> &'static [(Seed, &'static str, &'static str)] {
    static SEEDS: OnceLock<Vec<(Seed, &str, &str)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let measured = read_seeds(&root().join("scenes/measured"), "csv");
        let param = |name: &str| match name {
            "bouncing_ball_restitution.csv" => "ball.restitution",
            "sliding_box.csv" => "box.friction",
            other => panic!("no fit parameter known for {other}"),
        };
        let mut seeds: Vec<(Seed, &str, &str)> = measured
            .into_iter()
            .map(|s| {
                let scene =
                    if s.name == "sliding_box.csv" { "sliding_box.toml" } else { "bouncing_ball_restitution.toml" };
                let p = param(&s.name);
                (s, scene, p)
            })
            .collect();
        // a short one, whose rows are all on the grid of the sliding puck
        let puck =
            Seed { name: "puck.csv".into(), text: "t,puck.x,puck.z\n0,0,0.02\n0.1,0.19,0.02\n0.2,0.36,0.02\n".into() };
        seeds.push((puck, "sliding_puck.toml", "ground.friction"));
        seeds
    })
}

/// States files with the URDF (in `tests/data/`) whose joint order they follow.
fn states_seeds() -> &'static [(Seed, &'static str)] {
    static SEEDS: OnceLock<Vec<(Seed, &str)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let data = root().join("tests/data");
        let read = |name: &str| Seed { name: name.into(), text: std::fs::read_to_string(data.join(name)).unwrap() };
        let mut seeds =
            vec![(read("double_pendulum.json"), "double_pendulum.urdf"), (read("chain7.json"), "chain7.urdf")];
        let small = r#"{"states": [{"q": [0.1, 0.2], "v": [0.3, 0.4], "tau": [0.5, 0.6]},
  {"q": [-1.0, 2.0], "v": [0.0, -0.5], "tau": [1.0, 0.0]}]}"#;
        seeds.push((Seed { name: "small.json".into(), text: small.into() }, "double_pendulum.urdf"));
        seeds
    })
}

// ------------------------------------------------------------------------------------------------------------
// Structured mutations

/// The four text formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Toml,
    Urdf,
    Csv,
    Json,
}

impl Format {
    /// Odd replacements of a number.
    fn numbers(self) -> Vec<&'static str> {
        let common = "-0|0|-1|1e308|-1e308|1e-320|5e-324|1e999|-1e999|99999999999999999999|1e-9|1e9|2.5|1e";
        let own = match self {
            Format::Toml => {
                "nan|+inf|-inf|-0.0|18446744073709551615|9223372036854775807|-9223372036854775808|\"\"|\"1.0\"|true|\
                 []|[1.0, 2.0]|{}|0x10|1_000.5|01|.5|1.|--1|0.0.0|1979-05-27"
            }
            Format::Urdf => "NaN|nan|inf|-inf|| |abc|1 2|0x10|1,5|+1|\u{2212}1|&#49;|&amp;|1e-300 1e300 0",
            Format::Csv => "NaN|inf|-inf|| |abc|1;2|\"1.0\"|\"1,0\"|0x1|1,2|\"",
            Format::Json => {
                "NaN|Infinity|18446744073709551616|null|true|\"1\"|[]|{}|[1]|1.|.5|01|[1e308, 1e308]|[0.1, 0.2, 0.3]"
            }
        };
        own.split('|').chain(common.split('|')).collect()
    }

    /// Odd replacements of the inside of a quoted string (a name, a path, a choice).
    fn strings(self) -> Vec<&'static str> {
        match self {
            Format::Toml => {
                "| |a.b|world|ground|contact|ball|box|a\\nerror: b|\\u0000|tab\\there|ünïcödé|\u{202e}rtl|\
                 ../scenes/robots/two_link_arm.urdf|/|/dev/null|.|robots/two_link_arm.urdf|robots/go1.urdf|\
                 robots/panda_collision.urdf|panda_push_targets.csv|measured/sliding_box.csv|nope.urdf|floating|fixed|\
                 impulse|compliant|rk4|velocity-verlet|skip|error|pd|torques|sphere|box|capsule|cylinder|shoulder|\
                 elbow|FR_hip_joint|panda_joint1|base"
            }
            Format::Urdf => {
                "| |a.b|world|base|a&#10;error: b|&#9;|ünïcödé|\u{202e}rtl|revolute|continuous|prismatic|fixed|\
                 floating|planar|screw|shoulder|elbow|upper_arm|forearm|0 0 0|1 0 0|0 0 1e308|package://x.stl|a b"
            }
            Format::Csv => "| |t|ball.z|ball.x|box.x|puck.x|ball|ball.w|nope.x|ball.z.z",
            Format::Json => "|q|v|tau|states|ddq|a\\nerror: b|\\u0000|ünï",
        }
        .split('|')
        .collect()
    }

    /// Replacement keys (TOML keys, XML attribute and tag names, CSV columns, JSON keys).
    fn keys(self) -> Vec<&'static str> {
        match self {
            Format::Toml => {
                "wind|Mass|dt|duration|name|mass|position|type|urdf|max_steps|max_memory_mb|iterations|\"a b\"|a.b|\
                 radius|velocity|stiffness|base|targets_file|file|collision|meshes|joint_positions"
            }
            Format::Urdf => {
                "name|link|type|xyz|rpy|value|lower|upper|joint|robot|child|parent|origin|axis|x:y|inertial|mass|\
                 collision|geometry|mesh|sphere|radius"
            }
            Format::Csv => "t||ball.z|ball.x|box.x|box.y|puck.x|t |ball|nope.x|a;b",
            Format::Json => "q|v|tau|states||Q|ddq",
        }
        .split('|')
        .collect()
    }

    /// Structural tokens to insert, or whose occurrences to delete.
    fn tokens(self) -> Vec<&'static str> {
        match self {
            Format::Toml => {
                "[|]|[[|]]|=|,|\"|'|{|}|\n|#|.|\"\"\"|[world]\n|[[particles]]\n|[[robots]]\n|[[bodies]]\n|[ground]\n|\
                 [contact]\n|\\"
            }
            Format::Urdf => {
                "<|>|/>|</link>|</joint>|<link name=\"x\">|<joint>|\"|'|&|&#0;|<!--|-->|<![CDATA[|\
                 <!DOCTYPE robot [<!ENTITY a \"aaaa\">]>|=|<robot name=\"r\">|&a;|<?xml version=\"1.0\"?>"
            }
            Format::Csv => ",|\"|\n|\r|\r\n|;|\t|#|\u{feff}",
            Format::Json => "[|]|{|}|,|:|\"|null|\\|\n",
        }
        .split('|')
        .collect()
    }
}

/// One edit of a file; the numbers pick occurrences and replacements modulo their counts.
#[derive(Clone, Debug)]
enum Edit {
    /// Replace a number with an odd value.
    Number(usize, usize),
    /// Replace the inside of a quoted string.
    Text(usize, usize),
    /// Rename a key (TOML key, XML attribute or tag, CSV column, JSON key).
    Key(usize, usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Cut the file at a byte (the nearest character boundary before it).
    Truncate(usize),
    /// Insert random characters (unicode, control characters) at a byte.
    Insert(usize, String),
    /// Insert a structural token at a byte.
    InsertToken(usize, usize),
    /// Delete an occurrence of a structural token.
    DeleteToken(usize, usize),
    /// Make an array (a TOML or JSON array, an XML vector attribute, a CSV row) one longer (`true`) or shorter.
    Resize(usize, bool),
    /// Duplicate a block (TOML table, XML element, CSV row, JSON object): duplicate names, repeated rows.
    DuplicateBlock(usize),
    DeleteBlock(usize),
}

fn odd_char() -> impl Strategy<Value = char> {
    prop_oneof![
        any::<char>(),
        (0u8..32).prop_map(char::from),
        prop::sample::select(vec!['\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', '\u{fffd}', '\u{10ffff}']),
        prop::sample::select(vec!['"', '\'', '<', '>', '&', '[', ']', '{', '}', '=', ',', '#', '\\', '\n', '\r']),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let n = || any::<usize>();
    prop_oneof![
        8 => (n(), n()).prop_map(|(a, b)| Edit::Number(a, b)),
        3 => (n(), n()).prop_map(|(a, b)| Edit::Text(a, b)),
        1 => (n(), n()).prop_map(|(a, b)| Edit::Key(a, b)),
        1 => n().prop_map(Edit::DeleteLine),
        1 => n().prop_map(Edit::DuplicateLine),
        1 => (n(), n()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => n().prop_map(Edit::Truncate),
        1 => (n(), prop::collection::vec(odd_char(), 1..5)).prop_map(|(a, s)| Edit::Insert(a, s.into_iter().collect())),
        1 => (n(), n()).prop_map(|(a, b)| Edit::InsertToken(a, b)),
        1 => (n(), n()).prop_map(|(a, b)| Edit::DeleteToken(a, b)),
        3 => (n(), any::<bool>()).prop_map(|(a, b)| Edit::Resize(a, b)),
        2 => n().prop_map(Edit::DuplicateBlock),
        1 => n().prop_map(Edit::DeleteBlock),
    ]
}

/// A seed index and one to three edits.
fn mutations() -> impl Strategy<Value = (usize, Vec<Edit>)> {
    (any::<usize>(), prop::collection::vec(edit(), 1..=3))
}

fn pick<T: Copy>(items: &[T], k: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[k % items.len()])
}

fn replace(text: &str, range: Range<usize>, with: &str) -> String {
    format!("{}{with}{}", &text[..range.start], &text[range.end..])
}

/// The largest character boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Number tokens outside comments: a digit (or a sign or point before one) not inside a name, and what follows of
/// digits, points, exponents and signs.
fn numbers(format: Format, text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // not in comments
        let skip_to = |end: &[u8]| b[i..].windows(end.len()).position(|w| w == end).unwrap_or(b.len() - i);
        if format == Format::Toml && b[i] == b'#' {
            i += skip_to(b"\n");
            continue;
        }
        if format == Format::Urdf && b[i..].starts_with(b"<!--") {
            i += skip_to(b"-->");
            continue;
        }
        let digit_next = b.get(i + 1).is_some_and(u8::is_ascii_digit);
        let starts = (b[i].is_ascii_digit() || (matches!(b[i], b'-' | b'+' | b'.') && digit_next))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'.')));
        if starts {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E' | b'+' | b'-' | b'_')) {
                i += 1;
            }
            out.push(start..i);
        } else {
            i += 1;
        }
    }
    out
}

/// The insides of quoted strings (`"..."`, and `'...'` in XML), or the header cells of a CSV file.
fn strings(format: Format, text: &str) -> Vec<Range<usize>> {
    if format == Format::Csv {
        let header = text.find('\n').unwrap_or(text.len());
        return cells(text, 0..header);
    }
    let mut out = Vec::new();
    let mut open: Option<(u8, usize)> = None;
    for (i, &c) in text.as_bytes().iter().enumerate() {
        match open {
            Some((q, start)) if c == q => {
                out.push(start..i);
                open = None;
            }
            Some(_) => {}
            None if c == b'"' || (format == Format::Urdf && c == b'\'') => open = Some((c, i + 1)),
            None => {}
        }
    }
    out
}

/// The comma-separated cells of `line`.
fn cells(text: &str, line: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = line.start;
    for (i, c) in text[line.clone()].char_indices() {
        if c == ',' {
            out.push(start..line.start + i);
            start = line.start + i + 1;
        }
    }
    out.push(start..line.end);
    out
}

/// Keys: TOML `key =` at a line's start, XML attribute and tag names, CSV header cells, JSON object keys.
fn keys(format: Format, text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let word = |mut i: usize| {
        while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b':')) {
            i += 1;
        }
        i
    };
    let mut out = Vec::new();
    match format {
        Format::Toml => {
            let mut start = 0;
            for line in text.split_inclusive('\n') {
                let indent = line.bytes().take_while(|c| *c == b' ' || *c == b'\t').count();
                let end = word(start + indent).min(start + line.len());
                if end > start + indent && line[end - start..].trim_start().starts_with('=') {
                    out.push(start + indent..end);
                }
                start += line.len();
            }
        }
        Format::Urdf => {
            for i in 0..b.len() {
                let after_space = b[i].is_ascii_whitespace() && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic);
                if b[i] == b'<' || after_space {
                    let end = word(i + 1);
                    let attribute = after_space && b.get(end) == Some(&b'=');
                    if end > i + 1 && (b[i] == b'<' || attribute) {
                        out.push(i + 1..end);
                    }
                }
            }
        }
        Format::Csv => out = strings(format, text),
        Format::Json => {
            out = strings(format, text).into_iter().filter(|r| b.get(r.end + 1) == Some(&b':')).collect();
        }
    }
    out
}

/// Line ranges (without their line break).
fn lines(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        out.push(start..start + line.trim_end_matches('\n').len());
        start += line.len();
    }
    out
}

/// Arrays whose length can change: innermost `[...]` (TOML, JSON), vector attributes `"a b c"` (URDF), rows
/// (CSV).
fn arrays(format: Format, text: &str) -> Vec<Range<usize>> {
    match format {
        Format::Csv => lines(text),
        Format::Urdf => strings(format, text).into_iter().filter(|r| text[r.clone()].trim().contains(' ')).collect(),
        Format::Toml | Format::Json => {
            let mut out = Vec::new();
            let mut open = None;
            for (i, c) in text.bytes().enumerate() {
                match c {
                    b'[' => {
                        // a value, not a TOML table header: after `=`, `,` (or `:` and `[` in JSON)
                        let before = text[..i].trim_end().bytes().last();
                        let value = matches!(before, Some(b'=' | b','))
                            || (format == Format::Json && matches!(before, Some(b':' | b'[')));
                        open = value.then_some(i + 1);
                    }
                    b']' => {
                        if let Some(start) = open.take() {
                            out.push(start..i);
                        }
                    }
                    b'{' | b'}' | b'\n' if format == Format::Toml => open = None,
                    _ => {}
                }
            }
            out
        }
    }
}

/// Blocks: TOML tables (from a `[` line to the next), XML elements, CSV rows, JSON objects.
fn blocks(format: Format, text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    match format {
        Format::Csv => lines(text).into_iter().skip(1).map(|r| r.start..(r.end + 1).min(text.len())).collect(),
        Format::Toml => {
            let starts: Vec<usize> =
                lines(text).into_iter().filter(|r| text[r.clone()].starts_with('[')).map(|r| r.start).collect();
            starts.iter().enumerate().map(|(k, &s)| s..starts.get(k + 1).copied().unwrap_or(text.len())).collect()
        }
        Format::Json => {
            let mut out = Vec::new();
            let mut stack = Vec::new();
            for (i, &c) in b.iter().enumerate() {
                match c {
                    b'{' => stack.push(i),
                    b'}' => {
                        if let Some(s) = stack.pop() {
                            out.push(s..i + 1);
                        }
                    }
                    _ => {}
                }
            }
            out
        }
        Format::Urdf => {
            let mut out = Vec::new();
            for i in 0..b.len() {
                if b[i] != b'<' || !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
                    continue;
                }
                let mut end = i + 1;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                let tag = &text[i + 1..end];
                let Some(close) = text[i..].find('>').map(|k| i + k) else { continue };
                if b[close - 1] == b'/' {
                    out.push(i..close + 1);
                    continue;
                }
                // the matching end tag, counting nested elements of the same name
                let (open, shut) = (format!("<{tag}"), format!("</{tag}>"));
                let mut depth = 0usize;
                let mut k = close + 1;
                while k < b.len() {
                    if b[k..].starts_with(shut.as_bytes()) {
                        if depth == 0 {
                            out.push(i..k + shut.len());
                            break;
                        }
                        depth -= 1;
                        k += shut.len();
                    } else if b[k..].starts_with(open.as_bytes())
                        && b.get(k + open.len()).is_some_and(|c| c.is_ascii_whitespace() || *c == b'>')
                    {
                        depth += 1;
                        k += open.len();
                    } else {
                        k += 1;
                    }
                }
            }
            out
        }
    }
}

/// Applies one edit; an edit that finds nothing to act on leaves the text as it is.
fn apply(format: Format, text: &str, edit: &Edit) -> String {
    let at = |ranges: Vec<Range<usize>>, k: usize| (!ranges.is_empty()).then(|| ranges[k % ranges.len()].clone());
    let unchanged = || text.to_string();
    match edit {
        Edit::Number(k, v) => at(numbers(format, text), *k)
            .map_or_else(unchanged, |r| replace(text, r, pick(&format.numbers(), *v).unwrap())),
        Edit::Text(k, v) => at(strings(format, text), *k)
            .map_or_else(unchanged, |r| replace(text, r, pick(&format.strings(), *v).unwrap())),
        Edit::Key(k, v) => {
            at(keys(format, text), *k).map_or_else(unchanged, |r| replace(text, r, pick(&format.keys(), *v).unwrap()))
        }
        Edit::DeleteLine(k) => at(lines(text), *k).map_or_else(unchanged, |r| replace(text, r, "")),
        Edit::DuplicateLine(k) => at(lines(text), *k).map_or_else(unchanged, |r| {
            let line = format!("{}\n", &text[r.clone()]);
            replace(text, r.start..r.start, &line)
        }),
        Edit::SwapLines(a, b) => {
            let mut all: Vec<&str> = text.split('\n').collect();
            let n = all.len();
            all.swap(a % n, b % n);
            all.join("\n")
        }
        Edit::Truncate(k) => text[..boundary(text, *k)].to_string(),
        Edit::Insert(k, s) => {
            let k = boundary(text, *k);
            replace(text, k..k, s)
        }
        Edit::InsertToken(k, t) => {
            let k = boundary(text, *k);
            replace(text, k..k, pick(&format.tokens(), *t).unwrap())
        }
        Edit::DeleteToken(k, t) => {
            let token = pick(&format.tokens(), *t).unwrap();
            let found: Vec<Range<usize>> = text.match_indices(token).map(|(i, m)| i..i + m.len()).collect();
            at(found, *k).map_or_else(unchanged, |r| replace(text, r, ""))
        }
        Edit::Resize(k, grow) => at(arrays(format, text), *k).map_or_else(unchanged, |r| {
            let inside = &text[r.clone()];
            let separator = if format == Format::Urdf { " " } else { "," };
            if *grow {
                let extra = if inside.trim().is_empty() { "0.5".to_string() } else { format!("{separator}0.5") };
                replace(text, r.end..r.end, &extra)
            } else {
                match inside.trim_end().rfind(separator) {
                    Some(i) => replace(text, r.start + i..r.end, ""),
                    None => replace(text, r, ""),
                }
            }
        }),
        Edit::DuplicateBlock(k) => at(blocks(format, text), *k).map_or_else(unchanged, |r| {
            let block = text[r.clone()].to_string();
            let glue = if format == Format::Json { "," } else { "" };
            replace(text, r.end..r.end, &format!("{glue}{block}"))
        }),
        Edit::DeleteBlock(k) => at(blocks(format, text), *k).map_or_else(unchanged, |r| replace(text, r, "")),
    }
}

fn mutate(format: Format, text: &str, edits: &[Edit]) -> String {
    edits.iter().fold(text.to_string(), |t, e| apply(format, &t, e))
}

/// Random bytes (read as UTF-8 with replacement characters), random printable text, or a soup of the format's
/// tokens, keys, strings and numbers.
fn random_text(format: Format) -> impl Strategy<Value = String> {
    let soup = prop::collection::vec(
        prop_oneof![
            prop::sample::select(format.tokens()).prop_map(str::to_string),
            prop::sample::select(format.keys()).prop_map(str::to_string),
            prop::sample::select(format.numbers()).prop_map(str::to_string),
            prop::sample::select(format.strings()).prop_map(|s| format!("\"{s}\"")),
            prop::sample::select(vec![" ", "\n", " = ", ", ", "\"", "<", ">", "/>", "="]).prop_map(str::to_string),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat());
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[ -~\n\t]{0,400}",
        soup,
    ]
}

// ------------------------------------------------------------------------------------------------------------
// What every error must look like

/// An error message is non-empty, one line, and has no control characters (what it quotes of the input is escaped).
fn check_message(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.trim().is_empty(), "an empty error message");
    prop_assert!(
        !message.chars().any(char::is_control),
        "a line break or control character in the error message: {message:?}"
    );
    Ok(())
}

fn timed<T>(what: &str, f: impl FnOnce() -> Result<T, TestCaseError>) -> Result<T, TestCaseError> {
    let start = Instant::now();
    let out = f()?;
    prop_assert!(start.elapsed() < CASE_TIME, "{what} took {:?}", start.elapsed());
    Ok(out)
}

// ------------------------------------------------------------------------------------------------------------
// The library parsers

/// Parses a scene; if it is valid, takes a few steps, lists its parameters and columns.
fn check_scene(text: &str) -> TestCaseResult {
    timed("the scene", || {
        let scene = match io::parse_scene_in_dir(text, "fuzz.toml", &root().join("scenes")) {
            Ok(scene) => scene,
            Err(e) => return check_message(&e.to_string()),
        };
        let ids = scene.param_ids();
        for (id, value) in ids.iter().zip(scene.param_values(&ids)) {
            prop_assert!(value.is_finite(), "parameter {} = {value} of a valid scene", scene.param_name(*id));
        }
        let columns = scene.coordinates();
        let header = io::trajectory_csv_header(&columns);
        prop_assert_eq!(header.lines().count(), 1, "the trajectory header: {:?}", header);
        let mut state = State::initial(&scene);
        let mut ws = Workspace::new(scene.particles.len());
        for _ in 0..LIBRARY_STEPS.min(scene.settings.n_steps()) {
            if let Err(e) = step(&scene, &mut state, &mut ws) {
                return check_message(&e.to_string());
            }
            let row = io::trajectory_csv_row(&columns, scene.settings.dt, &state);
            prop_assert!(
                !row.contains("NaN") && !row.contains("inf"),
                "a step succeeded with a non-finite state: {row}"
            );
        }
        Ok(())
    })
}

/// The URDF readers, by index: fixed, floating, and `parse_urdf_with` with collision geometry loaded or with
/// meshes skipped, fixed or floating.
fn read_urdf(text: &str, how: usize) -> diffphys::Result<Multibody<f64>> {
    let with =
        |floating, collision| io::parse_urdf_with(text, &UrdfOptions { floating, collision }).map(|u| u.multibody);
    match how % 6 {
        0 => io::parse_urdf(text),
        1 => io::parse_urdf_floating(text),
        2 => with(false, CollisionGeometry::Load),
        3 => with(true, CollisionGeometry::Load),
        4 => with(false, CollisionGeometry::SkipMeshes),
        _ => with(true, CollisionGeometry::SkipMeshes),
    }
}

/// Parses a URDF; if it is valid, evaluates its dynamics as `diffphys dynamics` does at the neutral state and at
/// a state of odd numbers: errors must be messages, and results of accepted states finite.
fn check_urdf(text: &str, how: usize, odd: f64) -> TestCaseResult {
    timed("the URDF", || {
        let model = match read_urdf(text, how) {
            Ok(model) => model,
            Err(e) => return check_message(&e.to_string()),
        };
        prop_assert!(model.nv() > 0 && model.nq() >= model.nv());
        let mut ws = MultibodyWorkspace::new(&model);
        let neutral = model.neutral();
        let mut odd_q = neutral.clone();
        if let Some(k) = model.joints.iter().find(|j| j.kind.nq() == 1).map(|j| j.q_index) {
            odd_q[k] = odd;
        }
        let states = [
            (neutral.clone(), DVector::zeros(model.nv()), DVector::zeros(model.nv())),
            (odd_q, DVector::from_element(model.nv(), odd), DVector::from_element(model.nv(), odd)),
        ];
        for (k, (q, v, tau)) in states.into_iter().enumerate() {
            let checked = model.check_dimensions(&q, &v, Some(&tau)).and_then(|()| model.check_quaternions(&q));
            if let Err(e) = checked {
                check_message(&e.to_string())?;
                continue;
            }
            match aba_derivatives(&model, &mut ws, &q, &v, &tau) {
                Ok(d) => {
                    let _ = rnea(&model, &mut ws, &q, &v, &d.ddq, &[]);
                    let _ = crba(&model, &mut ws, &q);
                    let _ = (
                        kinetic_energy_multibody(&model, &mut ws, &q, &v),
                        potential_energy_multibody(&model, &mut ws, &q),
                    );
                    if k == 0 && !d.ddq.iter().all(|x| x.is_finite()) {
                        // Finite numbers whose products overflow (a centre of mass at 1e308 m) give non-finite
                        // dynamics at rest: a simulation of the robot must say so at its first step.
                        at_rest_not_finite(&model, &d.ddq)?;
                    }
                }
                Err(e) => check_message(&e.to_string())?,
            }
        }
        Ok(())
    })
}

/// One step of `model` alone in a world from rest is an error (a message), as its accelerations `ddq` at rest are
/// not finite.
fn at_rest_not_finite(model: &Multibody<f64>, ddq: &DVector<f64>) -> TestCaseResult {
    let mut world = diffphys::model::Model::empty(1e-3, 1e-3);
    let added = world.add_robot(Robot::new(model.clone())).and_then(|_| world.validate());
    if let Err(e) = added {
        return check_message(&e.to_string());
    }
    let mut state = State::initial(&world);
    let stepped = step(&world, &mut state, &mut Workspace::new(0));
    prop_assert!(stepped.is_err(), "a step from rest succeeds though ddq = {} at rest", ddq);
    check_message(&stepped.unwrap_err().to_string())
}

fn scene_of(name: &str) -> &'static diffphys::model::Model<f64> {
    static SCENES: OnceLock<Vec<(String, diffphys::model::Model<f64>)>> = OnceLock::new();
    let scenes = SCENES.get_or_init(|| {
        csv_seeds()
            .iter()
            .map(|(_, scene, _)| (scene.to_string(), io::load_scene(root().join("scenes").join(scene)).unwrap()))
            .collect()
    });
    &scenes.iter().find(|(n, _)| n == name).unwrap().1
}

/// Parses observations; if they parse, the table is consistent and finite, and planning them on the scene they
/// were measured on is `Ok` or an error message.
fn check_observations(text: &str, scene: &str, param: &str) -> TestCaseResult {
    timed("the observations", || {
        let obs = match io::parse_observations(text, "fuzz.csv") {
            Ok(obs) => obs,
            Err(e) => return check_message(&e.to_string()),
        };
        prop_assert_eq!(obs.values.nrows(), obs.times.len());
        prop_assert_eq!(obs.values.ncols(), obs.columns.len());
        prop_assert!(!obs.times.is_empty() && !obs.columns.is_empty());
        prop_assert!(obs.times.iter().chain(obs.values.iter()).all(|x| x.is_finite()));
        let scene = scene_of(scene);
        let ids = scene.resolve_params(&[param]).unwrap();
        if let Err(e) = diffphys::fit::TrajectoryResiduals::new(scene, &ids, &[false], &obs) {
            check_message(&e.to_string())?;
        }
        Ok(())
    })
}

fn odd_state_value() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![0.0, -0.0, 1.0, -3.5, 1e3, 1e154, 1e308, -1e308, 5e-324, f64::NAN, f64::INFINITY])
}

#[test]
fn scene_mutations() {
    scene_mutations_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_scene_mutations() {
    scene_mutations_run(true);
}

fn scene_mutations_run(long: bool) {
    let seeds = scene_seeds();
    fuzz("scene mutations", runner(DEFAULT_CASES.scene_mutations, 1, long), mutations(), |(seed, edits)| {
        let text = mutate(Format::Toml, &seeds[seed % seeds.len()].text, &edits);
        check_scene(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- {}:\n{text}", seeds[seed % seeds.len()].name)))
    });
}

#[test]
fn scene_random_text() {
    fuzz("random scenes", runner(DEFAULT_CASES.scene_random, 2, false), random_text(Format::Toml), |t| check_scene(&t));
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_scene_random_text() {
    fuzz("random scenes", runner(DEFAULT_CASES.scene_random, 2, true), random_text(Format::Toml), |t| check_scene(&t));
}

fn urdf_mutations_run(long: bool) {
    let seeds = urdf_seeds();
    let strategy = (mutations(), any::<usize>(), odd_state_value());
    fuzz("URDF mutations", runner(DEFAULT_CASES.urdf_mutations, 3, long), strategy, |((seed, edits), how, odd)| {
        let text = mutate(Format::Urdf, &seeds[seed % seeds.len()].text, &edits);
        check_urdf(&text, how, odd)
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- {}:\n{text}", seeds[seed % seeds.len()].name)))
    });
}

#[test]
fn urdf_mutations() {
    urdf_mutations_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_urdf_mutations() {
    urdf_mutations_run(true);
}

fn urdf_random_run(long: bool) {
    let strategy = (random_text(Format::Urdf), any::<usize>(), odd_state_value());
    fuzz("random URDFs", runner(DEFAULT_CASES.urdf_random, 4, long), strategy, |(text, how, odd)| {
        check_urdf(&text, how, odd)
    });
}

#[test]
fn urdf_random_text() {
    urdf_random_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_urdf_random_text() {
    urdf_random_run(true);
}

fn csv_mutations_run(long: bool) {
    let seeds = csv_seeds();
    fuzz("observation mutations", runner(DEFAULT_CASES.csv_mutations, 5, long), mutations(), |(seed, edits)| {
        let (csv, scene, param) = &seeds[seed % seeds.len()];
        let text = mutate(Format::Csv, &csv.text, &edits);
        check_observations(&text, scene, param)
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- {}:\n{text}", csv.name)))
    });
}

#[test]
fn csv_mutations() {
    csv_mutations_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_csv_mutations() {
    csv_mutations_run(true);
}

fn csv_random_run(long: bool) {
    let strategy = (random_text(Format::Csv), any::<usize>());
    fuzz("random observations", runner(DEFAULT_CASES.csv_random, 6, long), strategy, |(text, k)| {
        let (_, scene, param) = &csv_seeds()[k % csv_seeds().len()];
        check_observations(&text, scene, param)
    });
}

#[test]
fn csv_random_text() {
    csv_random_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_csv_random_text() {
    csv_random_run(true);
}

// ------------------------------------------------------------------------------------------------------------
// The command line, end to end

/// What a run of the binary did.
struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "diffphys {:?}: exit {:?}\nstderr:\n{}", self.args, self.code, self.stderr)?;
        let shown: String = self.stdout.chars().take(2000).collect();
        write!(f, "stdout (start):\n{shown}")
    }
}

/// Runs `diffphys args` in `dir` under the address-space limit, standard output and error to files, killing it
/// after [`CLI_TIMEOUT`]; `Err` if it had to be killed, quoting `input` (the mutated file).
fn run_cli(dir: &Path, args: &[String], input: &str) -> Result<Run, TestCaseError> {
    let (out_path, err_path) = (dir.join("stdout.txt"), dir.join("stderr.txt"));
    let script = format!("ulimit -v {CLI_MEMORY_KIB} && exec \"$0\" \"$@\"");
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_diffphys"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("/bin/sh runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > CLI_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TestCaseError::fail(format!(
                "diffphys {args:?} did not end within {CLI_TIMEOUT:?}: a hang\n--- input:\n{input}"
            )));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let read = |p: &Path| {
        let mut bytes = Vec::new();
        std::fs::File::open(p).unwrap().take(1 << 20).read_to_end(&mut bytes).unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Ok(Run { args: args.to_vec(), code: status.code(), stdout: read(&out_path), stderr: read(&err_path) })
}

/// Exit 0, or 1 with exactly one `error: ` line; no panic, no abort, no backtrace note; no non-finite number or
/// `null` in standard output or in the written `files`.
fn check_run(run: &Run, files: &[PathBuf]) -> TestCaseResult {
    prop_assert!(!run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"), "a panic: {run}");
    prop_assert!(
        !run.stderr.contains("memory allocation of") && !run.stderr.contains("out of memory"),
        "beyond the memory limit: {run}"
    );
    match run.code {
        Some(0) => {
            prop_assert!(!run.stderr.lines().any(|l| l.starts_with("error")), "an error line with exit 0: {run}");
            let mut outputs = vec![run.stdout.clone()];
            outputs.extend(files.iter().filter_map(|f| std::fs::read_to_string(f).ok()));
            for text in outputs {
                // `fit` documents a null standard error: the observations do not determine that parameter
                let text = text.replace("\"std_err\": null", "");
                let odd = text
                    .split(|c: char| c == ',' || c == ':' || c == '[' || c == ']' || c.is_whitespace())
                    .find(|t| *t == "null" || t.parse::<f64>().is_ok_and(|x| !x.is_finite()));
                prop_assert!(odd.is_none(), "`{}` in the results: {run}", odd.unwrap_or_default());
            }
        }
        Some(1) => {
            let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
            prop_assert_eq!(errors.len(), 1, "not exactly one error line: {}", run);
            prop_assert!(errors[0].len() > "error: ".len() + 5, "an empty error: {run}");
            // the error is the last line: notes come before it, nothing after
            prop_assert_eq!(run.stderr.lines().last(), Some(errors[0]), "lines after the error: {}", run);
            check_message(&errors[0]["error: ".len()..]).map_err(|e| TestCaseError::fail(format!("{e}\n{run}")))?;
        }
        other => prop_assert!(false, "exit status {other:?} (killed by a signal: a crash or an abort): {run}"),
    }
    Ok(())
}

/// A folder with the shipped scenes' robots and data files, for the mutated files to be written beside.
fn cli_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for file in std::fs::read_dir(from).unwrap() {
            let file = file.unwrap().path();
            if file.is_file() {
                std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
            }
        }
    };
    copy(&root().join("scenes"), dir.path());
    copy(&root().join("scenes/robots"), &dir.path().join("robots"));
    copy(&root().join("scenes/measured"), &dir.path().join("measured"));
    copy(&root().join("tests/data"), &dir.path().join("data"));
    dir
}

/// A shipped scene made cheap for the command line: 20 steps.
fn shortened(text: &str) -> String {
    let value = |l: &str| l.split(['=', '#']).nth(1).and_then(|v| v.trim().parse::<f64>().ok());
    let dt = text.lines().find(|l| l.trim_start().starts_with("dt =")).and_then(value).expect("a dt line");
    let duration = format!("duration = {:e}", 20.0 * dt);
    let lines: Vec<&str> =
        text.lines().map(|l| if l.trim_start().starts_with("duration =") { &duration } else { l }).collect();
    lines.join("\n")
}

/// Bounds the run of a mutated scene: `max_steps` and `max_memory_mb` right after its `[world]` line, so a
/// mutated duration is refused rather than run (a mutation that removed the line leaves no valid scene).
fn bounded(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut done = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        let bare: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if !done && bare == "[world]" {
            out.push_str(if line.ends_with('\n') { "" } else { "\n" });
            out.push_str("max_steps = 5000\nmax_memory_mb = 64\n");
            done = true;
        }
    }
    out
}

/// A parameter of each shipped scene, for `gradcheck`.
fn scene_param(name: &str) -> &'static str {
    match name {
        "bouncing_ball.toml" | "sliding_puck.toml" => "ground.friction",
        "bouncing_ball_restitution.toml" => "ball.restitution",
        "go1_stand.toml" => "go1.base.position.z",
        "mass_spring_chain.toml" => "m2.mass",
        "one_world.toml" => "arm.shoulder.position",
        "panda_push.toml" | "panda_push_target.toml" => "cube.mass",
        "pendulum_on_a_spring.toml" => "spring1.stiffness",
        "projectile_drag.toml" => "ball.quadratic_drag",
        "sliding_box.toml" => "box.friction",
        "throw_into_box.toml" => "ball.velocity.x",
        other => panic!("no parameter known for {other}"),
    }
}

fn cli_scenes_run(long: bool) {
    let dir = cli_folder();
    let seeds = scene_seeds();
    // simulate, params, gradcheck and (a slow command: 1 s of simulation, then timings) bench
    let strategy = (mutations(), prop_oneof![5 => Just(0), 3 => Just(1), 3 => Just(2), 1 => Just(3)]);
    fuzz("command line on scenes", runner(DEFAULT_CASES.cli_scenes, 7, long), strategy, |((seed, edits), command)| {
        let seed = &seeds[seed % seeds.len()];
        let text = bounded(&mutate(Format::Toml, &shortened(&seed.text), &edits));
        let path = dir.path().join("fuzz.toml");
        std::fs::write(&path, &text).unwrap();
        let out = dir.path().join("out.csv");
        let _ = std::fs::remove_file(&out);
        let p = path.display().to_string();
        let args: Vec<String> = match command {
            0 => vec!["simulate".into(), p, "--out".into(), out.display().to_string(), "--every".into(), "5".into()],
            1 => vec!["params".into(), p],
            2 => vec!["gradcheck".into(), p, "--params".into(), scene_param(&seed.name).into()],
            _ => vec!["bench".into(), p],
        };
        let run = run_cli(dir.path(), &args, &text)?;
        check_run(&run, &[out]).map_err(|e| TestCaseError::fail(format!("{e}\n--- {} mutated:\n{text}", seed.name)))
    });
}

#[test]
fn cli_scenes() {
    cli_scenes_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_cli_scenes() {
    cli_scenes_run(true);
}

fn cli_fit_run(long: bool) {
    let dir = cli_folder();
    let seeds = csv_seeds();
    let strategy = (mutations(), any::<bool>());
    fuzz("command line fit", runner(DEFAULT_CASES.cli_fit, 8, long), strategy, |((seed, edits), mutate_scene)| {
        let (csv, scene, param) = &seeds[seed % seeds.len()];
        let scene_text = std::fs::read_to_string(root().join("scenes").join(scene)).unwrap();
        let (csv_text, scene_text) = if mutate_scene {
            (csv.text.clone(), bounded(&mutate(Format::Toml, &scene_text, &edits)))
        } else {
            (mutate(Format::Csv, &csv.text, &edits), scene_text)
        };
        let (csv_path, scene_path) = (dir.path().join("fuzz.csv"), dir.path().join("fuzz_scene.toml"));
        std::fs::write(&csv_path, &csv_text).unwrap();
        std::fs::write(&scene_path, &scene_text).unwrap();
        let json = dir.path().join("fit.json");
        let _ = std::fs::remove_file(&json);
        let args: Vec<String> = [
            "fit",
            &scene_path.display().to_string(),
            "--observed",
            &csv_path.display().to_string(),
            "--params",
            param,
            "--max-iterations",
            "2",
            "--json",
            &json.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let run = run_cli(dir.path(), &args, &format!("{csv_text}\n--- scene:\n{scene_text}"))?;
        check_run(&run, &[json]).map_err(|e| {
            TestCaseError::fail(format!("{e}\n--- {} with {scene}:\n{csv_text}\n--- scene:\n{scene_text}", csv.name))
        })
    });
}

#[test]
fn cli_fit() {
    cli_fit_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_cli_fit() {
    cli_fit_run(true);
}

fn cli_dynamics_run(long: bool, mutate_urdf: bool) {
    let dir = cli_folder();
    let (cases, seed) = if mutate_urdf { (DEFAULT_CASES.cli_urdf, 9) } else { (DEFAULT_CASES.cli_states, 10) };
    let strategy = (mutations(), any::<usize>());
    fuzz("command line dynamics", runner(cases, seed, long), strategy, |((seed, edits), k)| {
        let (states, urdf) = &states_seeds()[k % states_seeds().len()];
        let urdf_text = std::fs::read_to_string(root().join("tests/data").join(urdf)).unwrap();
        let (urdf_text, states_text) = if mutate_urdf {
            let urdfs = urdf_seeds();
            let base = if seed % 2 == 0 { urdf_text } else { urdfs[seed % urdfs.len()].text.clone() };
            (mutate(Format::Urdf, &base, &edits), states.text.clone())
        } else {
            (urdf_text, mutate(Format::Json, &states.text, &edits))
        };
        let (urdf_path, states_path) = (dir.path().join("fuzz.urdf"), dir.path().join("fuzz_states.json"));
        std::fs::write(&urdf_path, &urdf_text).unwrap();
        std::fs::write(&states_path, &states_text).unwrap();
        let args: Vec<String> = vec![
            "dynamics".into(),
            urdf_path.display().to_string(),
            "--states".into(),
            states_path.display().to_string(),
        ];
        let shown = if mutate_urdf { &urdf_text } else { &states_text };
        let run = run_cli(dir.path(), &args, shown)?;
        check_run(&run, &[]).map_err(|e| TestCaseError::fail(format!("{e}\n--- mutated input:\n{shown}")))
    });
}

#[test]
fn cli_urdf() {
    cli_dynamics_run(false, true);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_cli_urdf() {
    cli_dynamics_run(true, true);
}

#[test]
fn cli_states() {
    cli_dynamics_run(false, false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_cli_states() {
    cli_dynamics_run(true, false);
}

/// Odd command-line values: the files are valid, the arguments are not.
fn cli_arguments_run(long: bool) {
    let dir = cli_folder();
    let values = vec![
        "",
        "0",
        "-1",
        "nan",
        "inf",
        "-0",
        "1e308",
        "1e-320",
        "18446744073709551615",
        "99999999999999999999999",
        "ball.mass",
        "ball.mass,ball.mass",
        ",",
        "ground.friction,",
        "x",
        "a\nerror: b",
        "/dev/null",
        "/",
        "no_such_file",
        "/dev/zero",
        "fuzz.toml",
        "data/ur5.json",
        "data/ur5.urdf",
        "sliding_puck.toml",
        "ilqr",
        "lbfgs",
        "pendulum",
        "acrobot",
        "cartpole",
        "out.json",
        "no_such_folder/out.svg",
        "plot.bmp",
    ];
    let strategy = (0..7usize, prop::sample::select(values.clone()), prop::sample::select(values));
    fuzz("command line arguments", runner(DEFAULT_CASES.cli_arguments, 11, long), strategy, |(command, a, b)| {
        let puck = bounded(&shortened(&scene_seeds().iter().find(|s| s.name == "sliding_puck.toml").unwrap().text));
        std::fs::write(dir.path().join("fuzz.toml"), puck).unwrap();
        let args: Vec<&str> = match command {
            0 => vec!["simulate", "fuzz.toml", "--every", a, "--out", b],
            1 => vec!["gradcheck", "fuzz.toml", "--params", a, "--step", b],
            2 => vec!["gradcheck", "fuzz.toml", "--params", "ground.friction", "--max-rel-err", a, "--json", b],
            3 => vec!["dynamics", a, "--states", b],
            4 => vec!["params", a],
            5 => vec!["optimize", "--problem", a, "--method", b, "--max-iterations", "1", "--plot", "o.svg"],
            _ => vec![
                "optimize",
                "--problem",
                "reach",
                "--urdf",
                "data/ur5.urdf",
                "--frame",
                "tool0",
                "--knots",
                a,
                "--dt",
                b,
                "--max-iterations",
                "1",
                "--plot",
                "o.svg",
            ],
        };
        let args: Vec<String> = args.into_iter().map(str::to_string).collect();
        let run = run_cli(dir.path(), &args, "(the files are valid; the arguments are odd)")?;
        if run.code == Some(2) {
            // clap's own usage errors
            prop_assert!(run.stderr.starts_with("error: ") && !run.stderr.contains("panicked"), "{run}");
            return Ok(());
        }
        check_run(&run, &[])
    });
}

#[test]
fn cli_arguments() {
    cli_arguments_run(false);
}

#[test]
#[ignore = "the long run: see the module documentation"]
fn long_cli_arguments() {
    cli_arguments_run(true);
}

// ------------------------------------------------------------------------------------------------------------
// The mutators themselves

/// The edits do what they say on the shipped files: numbers are found (and not inside names), strings, keys,
/// arrays and blocks are found, and applying an edit changes the text.
#[test]
fn the_mutators_find_what_they_edit() {
    let toml =
        "[world]\ndt = 1e-3\nduration = 2.0\n[[particles]]\nname = \"m2\"\nmass = 0.2\nposition = [0.0, -1.5, 3]\n";
    let found: Vec<&str> = numbers(Format::Toml, toml).into_iter().map(|r| &toml[r]).collect();
    assert_eq!(found, ["1e-3", "2.0", "0.2", "0.0", "-1.5", "3"]);
    let found: Vec<&str> = strings(Format::Toml, toml).into_iter().map(|r| &toml[r]).collect();
    assert_eq!(found, ["m2"]);
    let found: Vec<&str> = keys(Format::Toml, toml).into_iter().map(|r| &toml[r]).collect();
    assert_eq!(found, ["dt", "duration", "name", "mass", "position"]);
    assert_eq!(arrays(Format::Toml, toml).into_iter().map(|r| &toml[r]).collect::<Vec<_>>(), ["0.0, -1.5, 3"]);
    assert_eq!(blocks(Format::Toml, toml).len(), 2);
    assert!(apply(Format::Toml, toml, &Edit::Resize(0, true)).contains("[0.0, -1.5, 3,0.5]"));
    assert!(apply(Format::Toml, toml, &Edit::Resize(0, false)).contains("[0.0, -1.5]"));
    assert!(apply(Format::Toml, toml, &Edit::Number(2, 0)).contains("mass = nan"));

    let urdf = &urdf_seeds().iter().find(|s| s.name == "two_link_arm.urdf").unwrap().text;
    let elements: Vec<&str> = blocks(Format::Urdf, urdf).into_iter().map(|r| &urdf[r]).collect();
    assert!(elements.iter().any(|e| e.starts_with("<joint name=\"elbow\"") && e.ends_with("</joint>")), "{elements:?}");
    assert!(elements.contains(&"<link name=\"base\"/>"));
    let attributes: Vec<&str> = keys(Format::Urdf, urdf).into_iter().map(|r| &urdf[r]).collect();
    assert!(
        attributes.contains(&"xyz") && attributes.contains(&"joint") && attributes.contains(&"ixx"),
        "{attributes:?}"
    );
    let twice = apply(
        Format::Urdf,
        urdf,
        &Edit::DuplicateBlock(elements.iter().position(|e| e.starts_with("<joint")).unwrap()),
    );
    assert!(io::parse_urdf(&twice).unwrap_err().to_string().contains("defined twice"));

    let csv = "t,ball.x,ball.z\n0,0.1,1.0\n0.01,0.2,0.9\n";
    assert_eq!(strings(Format::Csv, csv).into_iter().map(|r| &csv[r]).collect::<Vec<_>>(), ["t", "ball.x", "ball.z"]);
    assert_eq!(apply(Format::Csv, csv, &Edit::Resize(1, false)), "t,ball.x,ball.z\n0,0.1\n0.01,0.2,0.9\n");
    assert_eq!(blocks(Format::Csv, csv).len(), 2);

    let json = r#"{"states": [{"q": [0.1, 0.2], "v": [0.3, 0.4], "tau": [0.5, 0.6]}]}"#;
    assert_eq!(keys(Format::Json, json).into_iter().map(|r| &json[r]).collect::<Vec<_>>(), ["states", "q", "v", "tau"]);
    let more = apply(Format::Json, json, &Edit::DuplicateBlock(0));
    let parsed: serde_json::Value = serde_json::from_str(&more).unwrap();
    assert_eq!(parsed["states"].as_array().unwrap().len(), 2);

    // the shortened, bounded scenes are still valid
    for seed in scene_seeds() {
        let text = bounded(&shortened(&seed.text));
        assert!(text.contains("max_steps = 5000"), "{}", seed.name);
        let scene = io::parse_scene_in_dir(&text, &seed.name, &root().join("scenes")).unwrap();
        assert_eq!(scene.settings.n_steps(), 20, "{}", seed.name);
    }
}

/// What the fuzzer found about finite numbers whose products overflow: a URDF with a centre of mass at 1e308 m is
/// valid (every number is finite), its accelerations at rest are NaN, and a simulation says so at its first step,
/// naming the joint; `diffphys dynamics` refuses to write them (`ddq` is not finite).
#[test]
fn overflowing_dynamics_at_rest_are_an_error_at_the_first_step() {
    let arm = &urdf_seeds().iter().find(|s| s.name == "two_link_arm.urdf").unwrap().text;
    // (about the arm's own y axes the articulated inertia is NaN, an error of the dynamics; about a tilted one the
    // accelerations are NaN)
    let text = arm.replace("<origin xyz=\"0 0 -0.25\"", "<origin xyz=\"1e308 0 -0.25\"").replacen(
        "<axis xyz=\"0 1 0\"/>",
        "<axis xyz=\"0 1 -1\"/>",
        1,
    );
    assert_ne!(&text, arm);
    let model = io::parse_urdf(&text).unwrap();
    let mut ws = MultibodyWorkspace::new(&model);
    let zero = DVector::zeros(model.nv());
    let d = aba_derivatives(&model, &mut ws, &model.neutral(), &zero, &zero).unwrap();
    assert!(d.ddq.iter().any(|x| x.is_nan()), "{}", d.ddq);
    let mut world = diffphys::model::Model::empty(1e-3, 1e-3);
    world.add_robot(Robot::new(model.clone())).unwrap();
    let e = step(&world, &mut State::initial(&world), &mut Workspace::new(0)).unwrap_err().to_string();
    assert!(e.contains("two_link_arm.") && e.contains("non-finite at step 1"), "{e}");
    assert!(at_rest_not_finite(&model, &d.ddq).is_ok());
}
