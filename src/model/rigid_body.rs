//! Free rigid bodies with a collision shape and a material.

use crate::geometry::Shape;
use crate::scalar::re;
use crate::Scalar;
use nalgebra::{Matrix3, Quaternion, Vector3};

/// A free rigid body: shape, mass properties, material and initial state.
///
/// The body frame has its origin at the centre of mass; the shape is centred there (a capsule's axis is the body
/// `z` axis). `orientation` maps body to world axes.
///
/// ```
/// use diffphys::geometry::Shape;
/// use diffphys::model::RigidBody;
/// use nalgebra::Vector3;
/// let ball = RigidBody::new("ball", Shape::Sphere { radius: 0.1f64 }, 0.5, Vector3::new(0.0, 0.0, 1.0));
/// assert!((ball.inertia_body()[(0, 0)] - 0.4 * 0.5 * 0.01).abs() < 1e-15); // 2/5 m r²
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RigidBody<T: Scalar> {
    /// Unique name; parameters are `<name>.mass`, `<name>.friction`, ...
    pub name: String,
    /// The collision shape (also gives the inertia unless [`RigidBody::inertia`] is set).
    pub shape: Shape<T>,
    /// Mass in kg (> 0).
    pub mass: T,
    /// Principal moments of inertia about the body axes in kg·m², or `None` for a solid of uniform density
    /// ([`Shape::inertia`]), which then follows the mass and the size when they change.
    pub inertia: Option<Vector3<T>>,
    /// Coulomb friction coefficient (≥ 0); combined with the other body's as `√(μ_a μ_b)`.
    pub friction: T,
    /// Coefficient of restitution in `[0, 1]`; combined with the other body's as `max(e_a, e_b)`.
    pub restitution: T,
    /// Initial position of the centre of mass in m.
    pub position: Vector3<T>,
    /// Initial orientation, a unit quaternion (body to world).
    pub orientation: Quaternion<T>,
    /// Initial velocity of the centre of mass in m/s.
    pub velocity: Vector3<T>,
    /// Initial angular velocity in rad/s, in world axes.
    pub angular_velocity: Vector3<T>,
}

impl<T: Scalar> RigidBody<T> {
    /// A body at rest at `position`, upright, with inertia from its shape, friction 0.5 and restitution 0.
    pub fn new(name: &str, shape: Shape<T>, mass: T, position: Vector3<T>) -> Self {
        RigidBody {
            name: name.to_string(),
            shape,
            mass,
            inertia: None,
            friction: T::constant(0.5),
            restitution: T::constant(0.0),
            position,
            orientation: Quaternion::identity(),
            velocity: Vector3::zeros(),
            angular_velocity: Vector3::zeros(),
        }
    }

    /// The principal moments of inertia about the body axes (kg·m²).
    pub fn principal_inertia(&self) -> Vector3<T> {
        match &self.inertia {
            Some(moments) => *moments,
            None => self.shape.inertia(&self.mass).diagonal(),
        }
    }

    /// The rotational inertia about the centre of mass in body axes (kg·m²), a diagonal matrix.
    pub fn inertia_body(&self) -> Matrix3<T> {
        Matrix3::from_diagonal(&self.principal_inertia())
    }
}

impl RigidBody<f64> {
    /// The same body over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> RigidBody<D> {
        let v = |x: &Vector3<f64>| x.map(D::constant);
        let q = &self.orientation;
        RigidBody {
            name: self.name.clone(),
            shape: self.shape.lift(),
            mass: D::constant(self.mass),
            inertia: self.inertia.as_ref().map(v),
            friction: D::constant(self.friction),
            restitution: D::constant(self.restitution),
            position: v(&self.position),
            orientation: Quaternion::new(D::constant(q.w), D::constant(q.i), D::constant(q.j), D::constant(q.k)),
            velocity: v(&self.velocity),
            angular_velocity: v(&self.angular_velocity),
        }
    }
}

/// The radius (m) of a ball around the centre of mass that contains the shape, as a plain number.
pub(crate) fn bounding_radius<T: Scalar>(shape: &Shape<T>) -> f64 {
    match shape {
        Shape::Sphere { radius } => re(radius),
        Shape::Box { size } => 0.5 * (re(&size.x).powi(2) + re(&size.y).powi(2) + re(&size.z).powi(2)).sqrt(),
        Shape::Capsule { radius, length } => re(radius) + 0.5 * re(length),
        Shape::Cylinder { radius, length } => (re(radius).powi(2) + 0.25 * re(length).powi(2)).sqrt(),
    }
}
