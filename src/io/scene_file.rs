//! TOML scene files (the format is documented in the README and in `scenes/`).

use super::scene_robots::{build_robot, RobotSection};
use crate::geometry::Shape;
use crate::model::{
    ContactModel, ContactSettings, FrictionLaw, Ground, Integrator, Model, Particle, RigidBody, Spring, SpringEnd,
};
use crate::{Error, Result};
use nalgebra::{Quaternion, Vector3};
use serde::Deserialize;
use std::path::Path;

/// A fixed-length array of numbers (`[x, y, z]`, a quaternion `[w, x, y, z]`) that must have exactly `N` entries:
/// serde's arrays stop reading after `N` entries, so a TOML array of four positions would lose its last number
/// silently. Use with `#[serde(deserialize_with = "exact")]`.
pub(super) fn exact<'de, D: serde::Deserializer<'de>, const N: usize>(d: D) -> std::result::Result<[f64; N], D::Error> {
    let values = Vec::<f64>::deserialize(d)?;
    let len = values.len();
    values.try_into().map_err(|_| serde::de::Error::custom(format!("expected an array of {N} numbers, got {len}")))
}

/// [`exact`] for an optional array.
fn exact_option<'de, D: serde::Deserializer<'de>, const N: usize>(
    d: D,
) -> std::result::Result<Option<[f64; N]>, D::Error> {
    exact(d).map(Some)
}

/// The default scene of `diffphys demo`: a ball thrown onto the ground, bouncing and sliding.
pub const DEMO_SCENE: &str = include_str!("../../scenes/bouncing_ball.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SceneFile {
    world: WorldSection,
    ground: Option<GroundSection>,
    #[serde(default)]
    particles: Vec<ParticleSection>,
    #[serde(default)]
    springs: Vec<SpringSection>,
    contact: Option<ContactSection>,
    joints: Option<JointsSection>,
    #[serde(default)]
    bodies: Vec<BodySection>,
    #[serde(default)]
    robots: Vec<RobotSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactSection {
    model: Option<String>,
    stiffness: Option<f64>,
    ramp_depth: Option<f64>,
    slip_velocity: Option<f64>,
    friction_law: Option<String>,
    max_substeps: Option<usize>,
    iterations: Option<usize>,
    warm_start: Option<bool>,
    bounce_threshold: Option<f64>,
    allowed_penetration: Option<f64>,
    position_correction: Option<f64>,
}

/// `[joints]`: robots' soft limits and joint friction ([`crate::model::JointSettings`]); each key optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JointsSection {
    limit_stiffness: Option<f64>,
    limit_damping: Option<f64>,
    limit_ramp: Option<f64>,
    friction_velocity: Option<f64>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum ShapeSection {
    Sphere {
        radius: f64,
    },
    Box {
        #[serde(deserialize_with = "exact")]
        size: [f64; 3],
    },
    Capsule {
        radius: f64,
        length: f64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BodySection {
    name: String,
    shape: ShapeSection,
    mass: Option<f64>,
    density: Option<f64>,
    #[serde(default, deserialize_with = "exact_option")]
    inertia: Option<[f64; 3]>,
    #[serde(deserialize_with = "exact")]
    position: [f64; 3],
    #[serde(default = "identity_quaternion", deserialize_with = "exact")]
    orientation: [f64; 4],
    #[serde(default, deserialize_with = "exact")]
    velocity: [f64; 3],
    #[serde(default, deserialize_with = "exact")]
    angular_velocity: [f64; 3],
    #[serde(default = "default_body_friction")]
    friction: f64,
    #[serde(default)]
    restitution: f64,
}

fn identity_quaternion() -> [f64; 4] {
    [1.0, 0.0, 0.0, 0.0]
}

fn default_body_friction() -> f64 {
    0.5
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorldSection {
    dt: f64,
    duration: f64,
    #[serde(default = "standard_gravity", deserialize_with = "exact")]
    gravity: [f64; 3],
    #[serde(default)]
    integrator: Option<String>,
    #[serde(default)]
    max_steps: Option<u64>,
    #[serde(default)]
    max_memory_mb: Option<u64>,
    #[serde(default)]
    max_speed: Option<f64>,
    #[serde(default)]
    max_energy_gain: Option<f64>,
}

fn default_ground_stiffness() -> f64 {
    1e5
}

fn standard_gravity() -> [f64; 3] {
    [0.0, 0.0, -9.81]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroundSection {
    #[serde(default = "default_ground_stiffness")]
    stiffness: f64,
    #[serde(default)]
    damping: f64,
    #[serde(default)]
    friction: f64,
    #[serde(default)]
    restitution: f64,
    ramp_depth: Option<f64>,
    slip_velocity: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticleSection {
    name: String,
    mass: f64,
    #[serde(default)]
    radius: f64,
    #[serde(deserialize_with = "exact")]
    position: [f64; 3],
    #[serde(default, deserialize_with = "exact")]
    velocity: [f64; 3],
    #[serde(default)]
    drag: f64,
    #[serde(default)]
    quadratic_drag: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EndSection {
    Particle(String),
    Anchor(#[serde(deserialize_with = "exact")] [f64; 3]),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpringSection {
    name: String,
    a: String,
    b: EndSection,
    stiffness: f64,
    #[serde(default)]
    damping: f64,
    /// Defaults to the initial distance between the ends (the spring starts relaxed).
    rest_length: Option<f64>,
}

/// Reads and validates a scene file; robots' URDF and torque files are found relative to its folder.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::SceneFile`] naming the file and the field for a syntax
/// error, an unknown key, a missing key, an unknown particle or joint name or an out-of-range value; the URDF
/// loader's errors ([`crate::io::load_urdf`]) naming the URDF file and element.
pub fn load_scene(path: impl AsRef<Path>) -> Result<Model<f64>> {
    let path = path.as_ref();
    let text = super::read_bounded(path).map_err(|e| Error::io(path, e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    parse_scene_in_dir(&text, &path.display().to_string(), dir)
}

/// Parses and validates a scene from TOML text; `origin` names the source in error messages, and robots' files
/// are found relative to the current directory.
///
/// ```
/// let scene = diffphys::io::parse_scene(r#"
///     [world]
///     dt = 0.001
///     duration = 1.0
///     [[particles]]
///     name = "ball"
///     mass = 0.5
///     position = [0.0, 0.0, 1.0]
/// "#, "inline").unwrap();
/// assert_eq!(scene.particles[0].name, "ball");
/// let err = diffphys::io::parse_scene("[world]\ndt = -1.0\nduration = 1.0\n", "bad.toml").unwrap_err();
/// assert!(err.to_string().contains("bad.toml") && err.to_string().contains("world.dt"));
/// ```
pub fn parse_scene(text: &str, origin: &str) -> Result<Model<f64>> {
    parse_scene_in_dir(text, origin, Path::new("."))
}

/// [`parse_scene`] with the paths the scene names (URDF files, torque files) resolved against `dir`, as
/// [`load_scene`] does with the scene file's folder.
///
/// # Errors
/// As [`load_scene`].
pub fn parse_scene_in_dir(text: &str, origin: &str, dir: &Path) -> Result<Model<f64>> {
    let file_error = |message: String| Error::SceneFile { path: origin.into(), message };
    let file: SceneFile = toml::from_str(text).map_err(|e| file_error(toml_message(text, &e)))?;
    let scene = build(file, dir).map_err(|e| match e {
        // errors in the robot's own files already name them
        e @ (Error::Urdf { .. } | Error::Io { .. } | Error::SceneFile { .. }) => e,
        e => file_error(e.to_string()),
    })?;
    scene.validate().map_err(|e| file_error(e.to_string()))?;
    Ok(scene)
}

/// A TOML error on one line: where (line and column, from 1, in characters), what, and the line itself (at most 80
/// characters of it, around the column): `line 4, column 19: unclosed array, expected `]`: `integrator = [1,``.
/// (The `toml` crate's own message spreads an excerpt over several lines.)
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    let Some(span) = e.span() else { return message.to_string() };
    let mut at = span.start.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line_number = text[..at].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    let line: Vec<char> = text[line_start..line_end].chars().collect();
    let from = (column - 1).saturating_sub(40).min(line.len());
    let excerpt: String = line[from..(from + 80).min(line.len())].iter().collect();
    match excerpt.trim() {
        "" => format!("line {line_number}, column {column}: {message}"),
        excerpt => format!("line {line_number}, column {column}: {message}: `{excerpt}`"),
    }
}

fn build(file: SceneFile, dir: &Path) -> Result<Model<f64>> {
    let w = file.world;
    let integrator = match w.integrator.as_deref() {
        None => Integrator::default(),
        Some(name) => Integrator::from_name(name).ok_or_else(|| {
            Error::invalid(
                "world.integrator",
                format!("unknown integrator `{name}` (use semi-implicit-euler, velocity-verlet or rk4)"),
            )
        })?,
    };
    let mut scene = Model::empty(w.dt, w.duration);
    scene.settings.gravity = Vector3::from(w.gravity);
    scene.settings.integrator = integrator;
    if let Some(n) = w.max_steps {
        scene.settings.max_steps = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(mb) = w.max_memory_mb {
        scene.settings.max_memory = usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
    }
    if let Some(v) = w.max_speed {
        scene.settings.max_speed = v;
    }
    if let Some(f) = w.max_energy_gain {
        scene.settings.max_energy_gain = f;
    }
    scene.ground = file.ground.map(|g| Ground {
        stiffness: g.stiffness,
        damping: g.damping,
        friction: g.friction,
        ramp_depth: g.ramp_depth.unwrap_or(Ground::<f64>::DEFAULT_RAMP_DEPTH),
        slip_velocity: g.slip_velocity.unwrap_or(Ground::<f64>::DEFAULT_SLIP_VELOCITY),
        restitution: g.restitution,
    });
    if let Some(c) = file.contact {
        let defaults = ContactSettings::<f64>::default();
        let model = match c.model.as_deref() {
            None => ContactModel::default(),
            Some(name) => ContactModel::from_name(name).ok_or_else(|| {
                Error::invalid("contact.model", format!("unknown contact model `{name}` (use compliant or impulse)"))
            })?,
        };
        let friction_law = match c.friction_law.as_deref() {
            None => FrictionLaw::default(),
            Some(name) => FrictionLaw::from_name(name).ok_or_else(|| {
                Error::invalid(
                    "contact.friction_law",
                    format!("unknown friction law `{}` (use regularised or anchored)", crate::error::escaped(name)),
                )
            })?,
        };
        scene.settings.contact = ContactSettings {
            model,
            friction_law,
            stiffness: c.stiffness.unwrap_or(defaults.stiffness),
            ramp_depth: c.ramp_depth.unwrap_or(defaults.ramp_depth),
            slip_velocity: c.slip_velocity.unwrap_or(defaults.slip_velocity),
            max_substeps: c.max_substeps.unwrap_or(defaults.max_substeps),
            iterations: c.iterations.unwrap_or(defaults.iterations),
            warm_start: c.warm_start.unwrap_or(defaults.warm_start),
            bounce_threshold: c.bounce_threshold.unwrap_or(defaults.bounce_threshold),
            allowed_penetration: c.allowed_penetration.unwrap_or(defaults.allowed_penetration),
            position_correction: c.position_correction.unwrap_or(defaults.position_correction),
        };
    }
    if let Some(j) = file.joints {
        let d = scene.settings.joints;
        scene.settings.joints = crate::model::JointSettings {
            limit_stiffness: j.limit_stiffness.unwrap_or(d.limit_stiffness),
            limit_damping: j.limit_damping.unwrap_or(d.limit_damping),
            limit_ramp: j.limit_ramp.unwrap_or(d.limit_ramp),
            friction_velocity: j.friction_velocity.unwrap_or(d.friction_velocity),
        };
    }
    for b in file.bodies {
        scene.bodies.push(build_body(b)?);
    }
    scene.particles = file
        .particles
        .into_iter()
        .map(|p| Particle {
            name: p.name,
            mass: p.mass,
            radius: p.radius,
            drag: p.drag,
            quadratic_drag: p.quadratic_drag,
            position: Vector3::from(p.position),
            velocity: Vector3::from(p.velocity),
        })
        .collect();
    for s in file.springs {
        let find = |end: &str, name: &str| {
            scene.particle_index(name).ok_or_else(|| {
                Error::invalid(format!("springs[{}].{end}", s.name), format!("no particle is called `{name}`"))
            })
        };
        let a = find("a", &s.a)?;
        let b = match &s.b {
            EndSection::Particle(name) => SpringEnd::Particle(find("b", name)?),
            EndSection::Anchor(p) => SpringEnd::Anchor(Vector3::from(*p)),
        };
        let xb = match &b {
            SpringEnd::Particle(j) => scene.particles[*j].position,
            SpringEnd::Anchor(p) => *p,
        };
        let rest_length = s.rest_length.unwrap_or_else(|| (scene.particles[a].position - xb).norm());
        scene.springs.push(Spring { name: s.name, a, b, stiffness: s.stiffness, damping: s.damping, rest_length });
    }
    for r in file.robots {
        scene.add_robot(build_robot(r, dir)?)?;
    }
    Ok(scene)
}

fn build_body(b: BodySection) -> Result<RigidBody<f64>> {
    let field = |k: &str| format!("bodies[{}].{k}", b.name);
    let shape = match b.shape {
        ShapeSection::Sphere { radius } => Shape::Sphere { radius },
        ShapeSection::Box { size } => Shape::Box { size: Vector3::from(size) },
        ShapeSection::Capsule { radius, length } => Shape::Capsule { radius, length },
    };
    let mass = match (b.mass, b.density) {
        (Some(m), None) => m,
        (None, Some(rho)) => {
            if !(rho.is_finite() && rho > 0.0) {
                return Err(Error::invalid(field("density"), format!("must be > 0, got {rho}")));
            }
            rho * shape.volume()
        }
        _ => return Err(Error::invalid(field("mass"), "give exactly one of `mass` (kg) and `density` (kg/m³)")),
    };
    let [w, x, y, z] = b.orientation;
    let norm = (w * w + x * x + y * y + z * z).sqrt();
    if !(norm.is_finite() && norm > 1e-9) {
        return Err(Error::invalid(field("orientation"), "must be a non-zero quaternion [w, x, y, z]"));
    }
    Ok(RigidBody {
        name: b.name,
        shape,
        mass,
        inertia: b.inertia.map(Vector3::from),
        friction: b.friction,
        restitution: b.restitution,
        position: Vector3::from(b.position),
        orientation: Quaternion::new(w / norm, x / norm, y / norm, z / norm),
        velocity: Vector3::from(b.velocity),
        angular_velocity: Vector3::from(b.angular_velocity),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_scene_parses() {
        let s = parse_scene(DEMO_SCENE, "demo").unwrap();
        assert_eq!(s.particles[0].name, "ball");
        assert!(s.ground.is_some());
    }

    #[test]
    fn unknown_keys_and_names_are_errors_naming_file_and_field() {
        let base = "[world]\ndt = 0.001\nduration = 1.0\n[[particles]]\nname = \"ball\"\nmass = 1.0\nposition = [0.0, 0.0, 1.0]\n";
        let e = parse_scene(&format!("{base}colour = \"red\"\n"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("colour"), "{e}");
        let e = parse_scene(
            &format!("{base}[[springs]]\nname = \"k\"\na = \"bal\"\nb = [0.0, 0.0, 2.0]\nstiffness = 1.0\n"),
            "s.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("springs[k].a") && e.contains("bal"), "{e}");
        let e = parse_scene(&base.replace("mass = 1.0", "mass = -1.0"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("particles[ball].mass"), "{e}");
        let e = parse_scene(&base.replace("dt = 0.001", "dt = 0.001\nintegrator = \"leapfrog\""), "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("world.integrator") && e.contains("leapfrog"), "{e}");
    }

    #[test]
    fn arrays_of_the_wrong_length_are_errors_naming_the_field() {
        let base = "[world]\ndt = 0.001\nduration = 1.0\n[[particles]]\nname = \"ball\"\nmass = 1.0\nposition = [0.0, 0.0, 1.0]\n";
        for (from, to, field) in [
            ("position = [0.0, 0.0, 1.0]", "position = [0.0, 1.0, 2.0, 3.0]", "position"),
            ("position = [0.0, 0.0, 1.0]", "position = [0.0, 1.0]", "position"),
            ("mass = 1.0", "mass = 1.0\nvelocity = [1.0, 2.0, 3.0, 4.0]", "velocity"),
            ("duration = 1.0", "duration = 1.0\ngravity = [0.0, 0.0, -9.81, 0.0]", "gravity"),
        ] {
            let e = parse_scene(&base.replace(from, to), "s.toml").unwrap_err().to_string();
            assert!(e.contains("s.toml") && e.contains(field) && e.contains("expected an array of 3 numbers"), "{e}");
        }
        let body = "[world]\ndt = 0.001\nduration = 1.0\n[[bodies]]\nname = \"box\"\n\
                    shape = { type = \"box\", size = [0.2, 0.2, 0.1] }\nmass = 1.0\nposition = [0.0, 0.0, 0.05]\n";
        assert!(parse_scene(body, "s.toml").is_ok());
        for (from, to, field, n) in [
            ("size = [0.2, 0.2, 0.1]", "size = [0.2, 0.2, 0.1, 0.3]", "size", 3),
            ("mass = 1.0", "mass = 1.0\norientation = [1.0, 0.0, 0.0, 0.0, 0.0]", "orientation", 4),
            ("mass = 1.0", "mass = 1.0\ninertia = [1.0, 1.0, 1.0, 1.0]", "inertia", 3),
            ("mass = 1.0", "mass = 1.0\nangular_velocity = [1.0, 1.0, 1.0, 1.0]", "angular_velocity", 3),
        ] {
            let e = parse_scene(&body.replace(from, to), "s.toml").unwrap_err().to_string();
            assert!(e.contains(field) && e.contains(&format!("expected an array of {n} numbers")), "{e}");
        }
        let spring =
            format!("{base}[[springs]]\nname = \"k\"\na = \"ball\"\nb = [0.0, 0.0, 2.0, 1.0]\nstiffness = 1.0\n");
        assert!(parse_scene(&spring, "s.toml").unwrap_err().to_string().contains("b = [0.0, 0.0, 2.0, 1.0]"));
    }

    #[test]
    fn contact_section_sets_the_solver_and_keeps_defaults_for_the_rest() {
        let base = "[world]\ndt = 0.001\nduration = 1.0\n[[bodies]]\nname = \"box\"\n\
                    shape = { type = \"box\", size = [0.2, 0.2, 0.1] }\nmass = 1.0\nposition = [0.0, 0.0, 0.05]\n";
        let s =
            parse_scene(&format!("{base}[contact]\nmodel = \"impulse\"\niterations = 30\nwarm_start = false\n"), "s")
                .unwrap();
        assert_eq!(s.settings.contact.model, ContactModel::Impulse);
        assert_eq!(s.settings.contact.iterations, 30);
        assert_eq!(s.settings.contact.max_substeps, 128);
        let single = parse_scene(&format!("{base}[contact]\nmax_substeps = 1\n"), "s").unwrap();
        assert_eq!(single.settings.contact.max_substeps, 1);
        assert!(!s.settings.contact.warm_start);
        assert_eq!(s.settings.contact.bounce_threshold, ContactSettings::<f64>::default().bounce_threshold);
        // warm starting is on unless switched off
        assert!(
            parse_scene(&format!("{base}[contact]\nmodel = \"impulse\"\n"), "s").unwrap().settings.contact.warm_start
        );
        let e = parse_scene(&format!("{base}[contact]\nwarm_start = 1\n"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("warm_start"), "{e}");
        // the friction law: anchored unless asked, a misspelt one named
        assert_eq!(s.settings.contact.friction_law, FrictionLaw::Anchored);
        let regularised = parse_scene(&format!("{base}[contact]\nfriction_law = \"regularised\"\n"), "s").unwrap();
        assert_eq!(regularised.settings.contact.friction_law, FrictionLaw::Regularised);
        let e = parse_scene(&format!("{base}[contact]\nfriction_law = \"sticky\"\n"), "s").unwrap_err().to_string();
        assert!(e.contains("contact.friction_law") && e.contains("sticky") && e.contains("anchored"), "{e}");
    }

    /// A TOML error is one line naming line and column and quoting (part of) the line, with the characters that
    /// could break the message (control characters, line breaks in quoted keys or strings) escaped: the `toml`
    /// crate's excerpt spread over several lines and quoted the file's control characters as they were.
    #[test]
    fn toml_errors_are_one_line_naming_line_column_and_text() {
        let e = parse_scene("[world]\ndt = 0.001\nduration = 1.0\n  integrator = [1,\n", "s.toml").unwrap_err();
        assert_eq!(e.to_string(), "s.toml: line 4, column 19: unclosed array, expected `]`: `integrator = [1,`");
        let e = parse_scene("# a\u{1b}[31m comment\n[world]\n", "s.toml").unwrap_err().to_string();
        assert!(e.starts_with("s.toml: line 1, column 4: ") && e.contains("`# a\\u{1b}[31m comment`"), "{e}");
        let e = parse_scene("[world]\ndt = 0.001\rerror: x\nduration = 1.0\n", "s.toml").unwrap_err().to_string();
        assert!(e.contains("line 2, column 12") && e.contains("0.001\\rerror: x"), "{e}");
        // serde's messages quote keys and variants as they are
        let base = "[world]\ndt = 0.001\nduration = 1.0\n";
        let e = parse_scene(&format!("{base}\"a\\nerror: b\" = 1\n"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("unknown field `a\\nerror: b`") && e.lines().count() == 1, "{e}");
        let body =
            "[[bodies]]\nname = \"b\"\nshape = { type = \"a\\nerror: b\" }\nmass = 1.0\nposition = [0.0, 0.0, 1.0]\n";
        let e = parse_scene(&format!("{base}{body}"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("unknown variant `a\\nerror: b`") && e.lines().count() == 1, "{e}");
        // a long line is quoted around the column
        let long = format!("[world]\ndt = 0.001\nduration = 1.0\ngravity = [{}x]\n", "0.0, ".repeat(1000));
        let e = parse_scene(&long, "s.toml").unwrap_err().to_string();
        assert!(e.contains("line 4, column 5012") && e.len() < 300, "{e}");
        // the names and values a scene quotes
        let e = parse_scene(&format!("{base}integrator = \"a\\nerror: b\"\n"), "s.toml").unwrap_err().to_string();
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains("unknown integrator `a\\nerror: b`"), "{e}");
    }

    #[test]
    fn spring_rest_length_defaults_to_initial_distance() {
        let s = parse_scene(
            "[world]\ndt = 0.001\nduration = 1.0\n[[particles]]\nname = \"m\"\nmass = 1.0\nposition = [0.0, 0.0, 1.0]\n\
             [[springs]]\nname = \"k\"\na = \"m\"\nb = [0.0, 0.0, 3.0]\nstiffness = 10.0\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(s.springs[0].rest_length, 2.0);
    }
}
