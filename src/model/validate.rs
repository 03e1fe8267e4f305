//! Physical-range checks of a scene, with errors that name the field.

use super::{Model, SpringEnd};
use crate::geometry::Shape;
use crate::scalar::re;
use crate::{Error, Result, Scalar};
use nalgebra::Vector3;
use std::collections::HashSet;

/// Names a body may not take, because parameter names starting with them mean something else.
const RESERVED: [&str; 3] = ["world", "ground", "contact"];

/// Whether `name` is a valid scene name: one or more ASCII letters, digits, `_` and `-` (see [`Model::validate`]).
fn is_scene_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether a parameter or column name made from a robot's name and its URDF link and joint names is valid: one or
/// more ASCII letters, digits, `_`, `-` and `.` (see [`Model::validate`]).
fn is_robot_derived_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn finite<T: Scalar>(field: &str, x: &T) -> Result<f64> {
    let v = re(x);
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::invalid(field, format!("must be a finite number, got {v}")))
    }
}

fn non_negative<T: Scalar>(field: &str, x: &T) -> Result<()> {
    let v = finite(field, x)?;
    if v < 0.0 {
        return Err(Error::invalid(field, format!("must be ≥ 0, got {v}")));
    }
    Ok(())
}

fn positive<T: Scalar>(field: &str, x: &T) -> Result<()> {
    let v = finite(field, x)?;
    if v <= 0.0 {
        return Err(Error::invalid(field, format!("must be > 0, got {v}")));
    }
    Ok(())
}

fn unit_interval<T: Scalar>(field: &str, x: &T) -> Result<()> {
    let v = finite(field, x)?;
    if !(0.0..=1.0).contains(&v) {
        return Err(Error::invalid(field, format!("must be in [0, 1], got {v}")));
    }
    Ok(())
}

fn finite_vec<T: Scalar>(field: &str, x: &Vector3<T>) -> Result<()> {
    for (i, c) in x.iter().enumerate() {
        finite(&format!("{field}[{i}]"), c)?;
    }
    Ok(())
}

/// The most sweeps the impulse solver may be asked for per step (`contact.iterations`): a bound on the work of one
/// step (the default is 20; more than a few hundred buys nothing a smaller `dt` would not).
pub const MAX_CONTACT_ITERATIONS: usize = 10_000;

/// The most sub-steps a step may be allowed (`contact.max_substeps`): a bound on the work of one step.
pub const MAX_SUBSTEPS: usize = 4096;

impl<T: Scalar> Model<T> {
    /// Checks every number for its physical range and every name for its characters and uniqueness.
    ///
    /// Rejects: `dt ≤ 0` or `duration < 0`, non-finite numbers, non-positive masses, negative radius, drag,
    /// stiffness, damping, friction or rest length, a non-positive slip velocity, springs whose ends are unknown
    /// or the same particle, invalid, reserved (`world`, `ground`, `contact`) or duplicate names (particles,
    /// springs, bodies and robots share one namespace); for rigid bodies non-positive sizes or moments of inertia,
    /// moments that break the triangle inequality, restitution outside `[0, 1]` and non-unit orientations; for
    /// contact settings a non-positive stiffness or slip velocity, iterations outside
    /// `1..=`[`MAX_CONTACT_ITERATIONS`] and sub-steps outside `1..=`[`MAX_SUBSTEPS`]; a duration of more than `max_steps` steps; a
    /// `max_speed` that is not > 0 or a `max_energy_gain` that is not ≥ 0 (`inf` is allowed for both).
    ///
    /// **Names.** Names become parts of parameter names (`ball.mass`) and trajectory CSV column names
    /// (`ball.x`), joined by `.`, so the characters they may use are restricted. A particle, spring, body or
    /// robot name is one or more ASCII letters, digits, `_` and `-` (no `.`, spaces, commas, quotes or control
    /// characters). A robot's URDF link and joint names may also contain `.`: every parameter and column name
    /// they give (`arm.elbow_joint.position`, `arm.forearm.mass`, `arm.elbow`) must consist of ASCII letters,
    /// digits, `_`, `-` and `.` and be distinct from the others.
    pub fn validate(&self) -> Result<()> {
        let w = &self.settings;
        if !(w.dt.is_finite() && w.dt > 0.0) {
            return Err(Error::invalid("world.dt", format!("must be a finite number > 0, got {}", w.dt)));
        }
        if !(w.duration.is_finite() && w.duration >= 0.0) {
            return Err(Error::invalid("world.duration", format!("must be finite and ≥ 0, got {}", w.duration)));
        }
        let steps = (w.duration / w.dt).round();
        if steps > w.max_steps as f64 {
            return Err(Error::invalid(
                "world.duration",
                format!(
                    "{:e} s at world.dt = {:e} s is {steps:.3e} steps, more than world.max_steps = {}; raise \
                     world.max_steps (scene key [world] max_steps) if the run really needs them",
                    w.duration, w.dt, w.max_steps
                ),
            ));
        }
        finite_vec("world.gravity", &w.gravity)?;
        if w.max_speed.is_nan() || w.max_speed <= 0.0 {
            return Err(Error::invalid(
                "world.max_speed",
                format!("must be > 0 (inf for no limit), got {}", w.max_speed),
            ));
        }
        if w.max_energy_gain.is_nan() || w.max_energy_gain < 0.0 {
            return Err(Error::invalid(
                "world.max_energy_gain",
                format!("must be ≥ 0 (inf for no limit), got {}", w.max_energy_gain),
            ));
        }
        if let Some(g) = &self.ground {
            non_negative("ground.stiffness", &g.stiffness)?;
            non_negative("ground.damping", &g.damping)?;
            non_negative("ground.friction", &g.friction)?;
            non_negative("ground.ramp_depth", &g.ramp_depth)?;
            if finite("ground.slip_velocity", &g.slip_velocity)? <= 0.0 {
                return Err(Error::invalid("ground.slip_velocity", "must be > 0"));
            }
            unit_interval("ground.restitution", &g.restitution)?;
        }
        let c = &self.settings.contact;
        positive("contact.stiffness", &c.stiffness)?;
        non_negative("contact.ramp_depth", &c.ramp_depth)?;
        positive("contact.slip_velocity", &c.slip_velocity)?;
        if c.iterations == 0 || c.iterations > MAX_CONTACT_ITERATIONS {
            return Err(Error::invalid(
                "contact.iterations",
                format!("must be between 1 and {MAX_CONTACT_ITERATIONS}, got {}", c.iterations),
            ));
        }
        if c.max_substeps == 0 || c.max_substeps > MAX_SUBSTEPS {
            return Err(Error::invalid(
                "contact.max_substeps",
                format!("must be between 1 and {MAX_SUBSTEPS}, got {}", c.max_substeps),
            ));
        }
        non_negative("contact.bounce_threshold", &c.bounce_threshold)?;
        non_negative("contact.allowed_penetration", &c.allowed_penetration)?;
        unit_interval("contact.position_correction", &c.position_correction)?;
        let mut names = HashSet::new();
        let mut check_name = |kind: &str, name: &str| -> Result<()> {
            let field = format!("{kind}[{}].name", name.escape_debug());
            if !is_scene_name(name) {
                return Err(Error::invalid(
                    field,
                    "must be one or more ASCII letters, digits, '_' and '-' (it becomes part of parameter and column \
                     names)",
                ));
            }
            if RESERVED.contains(&name) {
                return Err(Error::invalid(field, format!("`{name}` is reserved")));
            }
            if !names.insert(name.to_string()) {
                return Err(Error::invalid(field, format!("duplicate name `{name}`")));
            }
            Ok(())
        };
        for p in &self.particles {
            check_name("particles", &p.name)?;
            let f = |k: &str| format!("particles[{}].{k}", p.name);
            if finite(&f("mass"), &p.mass)? <= 0.0 {
                return Err(Error::invalid(f("mass"), format!("must be > 0, got {}", re(&p.mass))));
            }
            non_negative(&f("radius"), &p.radius)?;
            non_negative(&f("drag"), &p.drag)?;
            non_negative(&f("quadratic_drag"), &p.quadratic_drag)?;
            finite_vec(&f("position"), &p.position)?;
            finite_vec(&f("velocity"), &p.velocity)?;
        }
        for s in &self.springs {
            check_name("springs", &s.name)?;
            let f = |k: &str| format!("springs[{}].{k}", s.name);
            if s.a >= self.particles.len() {
                return Err(Error::invalid(f("a"), "does not name a particle"));
            }
            match &s.b {
                SpringEnd::Particle(j) if *j >= self.particles.len() => {
                    return Err(Error::invalid(f("b"), "does not name a particle"))
                }
                SpringEnd::Particle(j) if *j == s.a => {
                    return Err(Error::invalid(f("b"), "is the same particle as `a`"))
                }
                SpringEnd::Anchor(p) => finite_vec(&f("b"), p)?,
                SpringEnd::Particle(_) => {}
            }
            non_negative(&f("stiffness"), &s.stiffness)?;
            non_negative(&f("damping"), &s.damping)?;
            non_negative(&f("rest_length"), &s.rest_length)?;
        }
        for b in &self.bodies {
            check_name("bodies", &b.name)?;
            let f = |k: &str| format!("bodies[{}].{k}", b.name);
            positive(&f("mass"), &b.mass)?;
            match &b.shape {
                Shape::Sphere { radius } => positive(&f("shape.radius"), radius)?,
                Shape::Box { size } => (0..3).try_for_each(|k| positive(&f(&format!("shape.size[{k}]")), &size[k]))?,
                Shape::Capsule { radius, length } => {
                    positive(&f("shape.radius"), radius)?;
                    non_negative(&f("shape.length"), length)?;
                }
                Shape::Cylinder { .. } => {
                    return Err(Error::invalid(
                        f("shape"),
                        "is a cylinder: cylinders are robot-link colliders only; a free body is a sphere, box or \
                         capsule",
                    ))
                }
            }
            if let Some(i) = &b.inertia {
                (0..3).try_for_each(|k| positive(&f(&format!("inertia[{k}]")), &i[k]))?;
                let (x, y, z) = (re(&i.x), re(&i.y), re(&i.z));
                if x > y + z || y > x + z || z > x + y {
                    return Err(Error::invalid(f("inertia"), "principal moments must satisfy the triangle inequality"));
                }
            }
            non_negative(&f("friction"), &b.friction)?;
            unit_interval(&f("restitution"), &b.restitution)?;
            finite_vec(&f("position"), &b.position)?;
            finite_vec(&f("velocity"), &b.velocity)?;
            finite_vec(&f("angular_velocity"), &b.angular_velocity)?;
            let q = &b.orientation;
            let norm2 = re(&q.w).powi(2) + re(&q.i).powi(2) + re(&q.j).powi(2) + re(&q.k).powi(2);
            if (norm2 - 1.0).abs() >= 1e-9 || norm2.is_nan() {
                return Err(Error::invalid(f("orientation"), format!("must be a unit quaternion, |q|² = {norm2}")));
            }
        }
        self.validate_robots(&mut check_name)
    }

    /// Robots: names in the scene's namespace, each robot valid ([`super::Robot::validate`]), its gravity the
    /// world's (in its root frame), and an integrator that robots support.
    fn validate_robots(&self, check_name: &mut impl FnMut(&str, &str) -> Result<()>) -> Result<()> {
        let j = &self.settings.joints;
        for (key, value, zero_ok) in [
            ("limit_stiffness", j.limit_stiffness, true),
            ("limit_damping", j.limit_damping, true),
            ("limit_ramp", j.limit_ramp, false),
            ("friction_velocity", j.friction_velocity, false),
        ] {
            if !(value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0))) {
                let bound = if zero_ok { "≥ 0" } else { "> 0" };
                return Err(Error::invalid(
                    format!("joints.{key}"),
                    format!("must be finite and {bound}, got {value}"),
                ));
            }
        }
        if !self.robots.is_empty() && self.settings.integrator == super::Integrator::VelocityVerlet {
            return Err(Error::invalid(
                "world.integrator",
                "robots are stepped with semi-implicit-euler or rk4, not velocity-verlet",
            ));
        }
        let colliders = || self.robots.iter().flat_map(|r| r.multibody.colliders.iter().map(move |c| (r, c)));
        if let Some((robot, c)) = colliders().next() {
            if self.settings.contact.model == super::ContactModel::Impulse
                && self.settings.integrator != super::Integrator::SemiImplicitEuler
            {
                return Err(Error::invalid(
                    "world.integrator",
                    format!(
                        "robot links touch things by impulses with semi-implicit-euler only, and `{}.{}` has \
                         collision geometry: use world.integrator = \"semi-implicit-euler\", contact.model = \
                         \"compliant\", or collision = false for the robot",
                        robot.name(),
                        c.link
                    ),
                ));
            }
        }
        let coordinates = if self.robots.is_empty() { Vec::new() } else { self.coordinates() };
        for (index, robot) in self.robots.iter().enumerate() {
            check_name("robots", robot.name())?;
            robot.validate()?;
            // URDF names become parts of parameter and column names: they must stay unambiguous
            let mut seen = HashSet::new();
            let columns = coordinates
                .iter()
                .filter(|(_, c)| matches!(c, super::Coordinate::RobotQ { robot, .. } if *robot == index))
                .map(|(n, _)| n.clone());
            let colliders = (0..robot.multibody.colliders.len()).map(|collider| {
                self.param_name(super::ParamId::Robot {
                    robot: index,
                    param: super::RobotParam::ColliderFriction { collider },
                })
            });
            for name in robot.multibody.params().into_iter().map(|(n, _)| n).chain(columns).chain(colliders) {
                if !is_robot_derived_name(&name) {
                    return Err(Error::invalid(
                        format!("robots[{}]", robot.name()),
                        format!(
                            "its link and joint names give the parameter or column name {name:?}, which has characters \
                             other than ASCII letters, digits, '_', '-' and '.'"
                        ),
                    ));
                }
                if !seen.insert(name.clone()) {
                    return Err(Error::invalid(
                        format!("robots[{}]", robot.name()),
                        format!("its link and joint names give the name `{name}` twice"),
                    ));
                }
            }
            let want = robot.gravity_in_root(&self.settings.gravity).map(|x| re(&x));
            let got = robot.multibody.gravity.map(|x| re(&x));
            if (want - got).norm() > 1e-12 * (1.0 + want.norm()) {
                return Err(Error::invalid(
                    format!("robots[{}].gravity", robot.name()),
                    format!(
                        "is {got:?} in the root frame but the world's gravity there is {want:?} (add robots with \
                         Model::add_robot, which sets it)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Model, Particle};
    use nalgebra::Vector3;

    fn one_ball() -> Model<f64> {
        let mut s = Model::empty(1e-3, 1.0);
        s.particles.push(Particle::new("ball", 1.0, 0.1, Vector3::new(0.0, 0.0, 1.0)));
        s
    }

    #[test]
    fn rejects_bad_values_naming_the_field() {
        let mut s = one_ball();
        s.particles[0].mass = 0.0;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("particles[ball].mass"), "{e}");
        let mut s = one_ball();
        s.particles[0].velocity.z = f64::NAN;
        assert!(s.validate().unwrap_err().to_string().contains("particles[ball].velocity[2]"));
        let mut s = one_ball();
        s.settings.dt = 0.0;
        assert!(s.validate().unwrap_err().to_string().contains("world.dt"));
        let mut s = one_ball();
        s.particles.push(s.particles[0].clone());
        assert!(s.validate().unwrap_err().to_string().contains("duplicate"));
        let mut s = one_ball();
        s.particles[0].name = "ground".into();
        assert!(s.validate().unwrap_err().to_string().contains("reserved"));
    }

    #[test]
    fn accepts_a_valid_scene() {
        assert!(one_ball().validate().is_ok());
    }

    #[test]
    fn names_that_would_corrupt_parameter_or_column_names_are_rejected() {
        for bad in ["", "ba\nll", "ba\tll", "ba\"ll", "ba,ll", "ba.ll", "ba ll", "ba'll", "bäll", "ba\rll", "ba;ll"] {
            let mut s = one_ball();
            s.particles[0].name = bad.into();
            let e = s.validate().unwrap_err().to_string();
            assert!(e.contains("ASCII letters, digits, '_' and '-'"), "{bad:?}: {e}");
            assert!(!e.contains('\n') && !e.contains('\t') && !e.contains('\r'), "one line: {e}");
        }
        let mut s = one_ball();
        s.particles[0].name = "Ball-2_b".into();
        assert!(s.validate().is_ok());
    }

    #[test]
    fn urdf_names_that_would_corrupt_parameter_or_column_names_are_rejected() {
        let urdf = |joint: &str, link: &str| {
            format!(
                r#"<robot name="r"><link name="base"/><link name="{link}"><inertial><mass value="1"/>
                   <inertia ixx="1" iyy="1" izz="1"/></inertial></link>
                   <joint name="{joint}" type="continuous"><parent link="base"/><child link="{link}"/></joint></robot>"#
            )
        };
        let scene = |joint: &str, link: &str| {
            let mut s = one_ball();
            let multibody = crate::io::parse_urdf(&urdf(joint, link)).unwrap();
            s.add_robot(crate::model::Robot::new(multibody)).unwrap();
            s
        };
        assert!(scene("elbow.joint_1-a", "fore.arm").validate().is_ok());
        for (joint, link) in [("el,bow", "arm"), ("el&#10;bow", "arm"), ("elbow", "a&quot;rm"), ("el bow", "arm")] {
            let e = scene(joint, link).validate().unwrap_err().to_string();
            assert!(e.contains("robots[r]") && e.contains("other than ASCII letters, digits, '_', '-' and '.'"), "{e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}
