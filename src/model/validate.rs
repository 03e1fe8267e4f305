//! Physical-range checks of a scene, with errors that name the field.

use super::{Scene, SpringEnd};
use crate::scalar::re;
use crate::{Error, Result, Scalar};
use nalgebra::Vector3;
use std::collections::HashSet;

/// Names a body may not take, because parameter names starting with them mean something else.
const RESERVED: [&str; 2] = ["world", "ground"];

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

fn finite_vec<T: Scalar>(field: &str, x: &Vector3<T>) -> Result<()> {
    for (i, c) in x.iter().enumerate() {
        finite(&format!("{field}[{i}]"), c)?;
    }
    Ok(())
}

impl<T: Scalar> Scene<T> {
    /// Checks every number for its physical range and every name for uniqueness.
    ///
    /// Rejects: `dt ≤ 0` or `duration < 0`, non-finite numbers, non-positive masses, negative radius, drag,
    /// stiffness, damping, friction or rest length, a non-positive slip velocity, springs whose ends are unknown
    /// or the same particle, empty, reserved (`world`, `ground`) or duplicate names.
    pub fn validate(&self) -> Result<()> {
        let w = &self.world;
        if !(w.dt.is_finite() && w.dt > 0.0) {
            return Err(Error::invalid("world.dt", format!("must be a finite number > 0, got {}", w.dt)));
        }
        if !(w.duration.is_finite() && w.duration >= 0.0) {
            return Err(Error::invalid("world.duration", format!("must be finite and ≥ 0, got {}", w.duration)));
        }
        finite_vec("world.gravity", &w.gravity)?;
        if let Some(g) = &self.ground {
            non_negative("ground.stiffness", &g.stiffness)?;
            non_negative("ground.damping", &g.damping)?;
            non_negative("ground.friction", &g.friction)?;
            non_negative("ground.ramp_depth", &g.ramp_depth)?;
            if finite("ground.slip_velocity", &g.slip_velocity)? <= 0.0 {
                return Err(Error::invalid("ground.slip_velocity", "must be > 0"));
            }
        }
        let mut names = HashSet::new();
        let mut check_name = |kind: &str, name: &str| -> Result<()> {
            let field = format!("{kind}[{name}].name");
            if name.is_empty() || name.contains(['.', ',', ' ']) {
                return Err(Error::invalid(field, "must be non-empty, without '.', ',' or spaces"));
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Particle, Scene};
    use nalgebra::Vector3;

    fn one_ball() -> Scene<f64> {
        let mut s = Scene::empty(1e-3, 1.0);
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
        s.world.dt = 0.0;
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
}
