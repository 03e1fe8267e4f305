//! Physical checks of a multibody model.

use super::{JointKind, Multibody};
use crate::scalar::re;
use crate::{Error, Result, Scalar};

impl<T: Scalar> Multibody<T> {
    /// Checks every number of the model: finite values, masses ≥ 0, rotational inertias symmetric with
    /// non-negative principal moments that satisfy the triangle inequality, unit joint axes, non-negative damping,
    /// friction and armature, `lower ≤ upper` limits, colliders with positive lengths and a valid material, and that
    /// the tree has at least one joint.
    ///
    /// # Errors
    /// [`Error::InvalidScene`] naming the offending body or joint field.
    pub fn validate(&self) -> Result<()> {
        let fail = |field: String, reason: &str| Err(Error::InvalidScene { field, reason: reason.to_string() });
        if self.joints.is_empty() {
            return fail(self.name.clone(), "has no moving joint");
        }
        for (i, inertia) in self.inertias.iter().enumerate() {
            let field = |what: &str| format!("{}.{}.{what}", self.name, self.body_names[i]);
            let m = re(&inertia.mass);
            if !m.is_finite() || m < 0.0 {
                return fail(field("mass"), "must be finite and ≥ 0");
            }
            if !inertia.com.iter().all(|x| re(x).is_finite()) {
                return fail(field("com"), "must be finite");
            }
            let r = inertia.rotational.map(|x| re(&x));
            if !r.iter().all(|x| x.is_finite()) || (r - r.transpose()).abs().max() > 1e-9 * (1.0 + r.abs().max()) {
                return fail(field("inertia"), "must be finite and symmetric");
            }
            let eig = r.symmetric_eigenvalues();
            let tol = 1e-12 * (1.0 + r.abs().max());
            let (a, b, c) = (eig[0], eig[1], eig[2]);
            if eig.min() < -tol || a + b < c - tol || a + c < b - tol || b + c < a - tol {
                return fail(
                    field("inertia"),
                    "is not a physical inertia (principal moments ≥ 0, triangle inequality)",
                );
            }
        }
        for joint in &self.joints {
            let field = |what: &str| format!("{}.{}.{what}", self.name, joint.name);
            if let JointKind::Revolute { axis } | JointKind::Prismatic { axis } = &joint.kind {
                let n = axis.map(|x| re(&x)).norm();
                if (n - 1.0).abs() > 1e-9 {
                    return fail(field("axis"), "must be a unit vector");
                }
            }
            for (what, x) in [("damping", &joint.damping), ("friction", &joint.friction), ("armature", &joint.armature)]
            {
                if !re(x).is_finite() || re(x) < 0.0 {
                    return fail(field(what), "must be finite and ≥ 0");
                }
            }
            if matches!(joint.kind, JointKind::Free) && re(&joint.armature) != 0.0 {
                return fail(field("armature"), "must be 0 on a free joint");
            }
            if let Some(l) = &joint.limits {
                if joint.kind.nq() != 1 {
                    return fail(field("limit"), "only one-degree-of-freedom joints take position limits");
                }
                if re(&l.lower).is_nan() || re(&l.upper).is_nan() || re(&l.lower) > re(&l.upper) {
                    return fail(field("limit"), "needs lower ≤ upper");
                }
            }
            let p = &joint.placement;
            if !p.rotation.iter().chain(p.translation.iter()).all(|x| re(x).is_finite()) {
                return fail(field("origin"), "must be finite");
            }
        }
        if !self.gravity.iter().all(|x| re(x).is_finite()) {
            return fail(format!("{}.gravity", self.name), "must be finite");
        }
        for c in &self.colliders {
            let field = |what: &str| format!("{}.{}.collision.{what}", self.name, c.link);
            if c.body.is_some_and(|b| b >= self.n_bodies()) {
                return fail(field("body"), "is not a body of the robot");
            }
            let lengths: Vec<&T> = match &c.shape {
                crate::geometry::Shape::Sphere { radius } => vec![radius],
                crate::geometry::Shape::Box { size } => size.iter().collect(),
                crate::geometry::Shape::Capsule { radius, length }
                | crate::geometry::Shape::Cylinder { radius, length } => vec![radius, length],
            };
            if !lengths.iter().all(|x| re(*x).is_finite() && re(*x) > 0.0) {
                return fail(field(c.shape.kind_name()), "needs finite, positive lengths");
            }
            let p = &c.placement;
            if !p.rotation.iter().chain(p.translation.iter()).all(|x| re(x).is_finite()) {
                return fail(field("origin"), "must be finite");
            }
            if !(re(&c.friction).is_finite() && re(&c.friction) >= 0.0) {
                return fail(field("friction"), "must be finite and ≥ 0");
            }
            if !(0.0..=1.0).contains(&re(&c.restitution)) {
                return fail(field("restitution"), "must be in [0, 1]");
            }
        }
        Ok(())
    }
}
