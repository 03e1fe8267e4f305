//! Colliders: a shape placed on a body, with a material.

use crate::geometry::Shape;
use crate::scalar::re;
use crate::spatial::Transform;
use crate::Scalar;

/// A collision shape attached to a body of a robot ([`super::Multibody::colliders`]): the shape, its placement in
/// the body's frame and its material. Colliders come from URDF `<collision>` elements
/// ([`crate::io::UrdfOptions`]) or are pushed in code.
///
/// Two materials combine as for free bodies: friction by the geometric mean
/// ([`crate::contact::combined_friction`]), restitution by the larger one.
///
/// ```
/// use diffphys::geometry::Shape;
/// use diffphys::model::{multibody::sample, Collider};
/// use diffphys::spatial::Transform;
/// let mut model = sample::double_pendulum();
/// // a 5 cm ball at the tip of the lower rod (1 m down its body frame)
/// let tip = Transform::from_position_orientation(
///     nalgebra::Vector3::new(0.0, 0.0, -1.0),
///     &nalgebra::UnitQuaternion::identity().into_inner(),
/// );
/// model.colliders.push(Collider::new("lower", Some(1), Shape::Sphere { radius: 0.05 }, tip));
/// assert_eq!(model.colliders[0].friction, 0.5);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Collider<T: Scalar> {
    /// The link the collider belongs to (a URDF link name, merged links included): its name in error messages and
    /// contact reports.
    pub link: String,
    /// The body it moves with, or `None` for the root (fixed in the world with the robot's base).
    pub body: Option<usize>,
    /// Shape in its own frame.
    pub shape: Shape<T>,
    /// Placement of the shape's frame in the body's frame.
    pub placement: Transform<T>,
    /// Coulomb friction coefficient (default 0.5).
    pub friction: T,
    /// Coefficient of restitution in `[0, 1]` (default 0).
    pub restitution: T,
    /// Collision group bits (default 1). Two colliders can touch when each one's `group` shares a bit with the
    /// other's `mask`.
    pub group: u32,
    /// The groups this collider touches (default: all).
    pub mask: u32,
}

impl<T: Scalar> Collider<T> {
    /// A collider with the default material (friction 0.5, restitution 0).
    pub fn new(link: &str, body: Option<usize>, shape: Shape<T>, placement: Transform<T>) -> Self {
        Collider {
            link: link.to_string(),
            body,
            shape,
            placement,
            friction: T::constant(0.5),
            restitution: T::constant(0.0),
            group: 1,
            mask: u32::MAX,
        }
    }

    /// The same collider over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> Collider<D> {
        Collider {
            link: self.link.clone(),
            body: self.body,
            shape: self.shape.lift(),
            placement: self.placement.lift(),
            friction: D::constant(re(&self.friction)),
            restitution: D::constant(re(&self.restitution)),
            group: self.group,
            mask: self.mask,
        }
    }
}
