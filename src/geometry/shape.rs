//! Collision shapes and their mass properties.

use crate::scalar::re;
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};
use std::f64::consts::PI;

/// The shape of a rigid body, in its own frame, centred on its centre of mass.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Shape<T: Scalar> {
    /// A ball of radius `radius` (m).
    Sphere {
        /// Radius in m.
        radius: T,
    },
    /// A box with edge lengths `size` (m) along the body's `x`, `y`, `z` axes (full lengths, not half).
    Box {
        /// Edge lengths in m.
        size: Vector3<T>,
    },
    /// A segment of length `length` along the body's `z` axis, swept by a ball of radius `radius`: total
    /// height `length + 2 radius`.
    Capsule {
        /// Radius in m.
        radius: T,
        /// Length of the axis segment in m (without the caps).
        length: T,
    },
    /// A solid circular cylinder of radius `radius` and height `length` along the body's `z` axis (URDF's
    /// `<cylinder>`), centred on the origin.
    Cylinder {
        /// Radius in m.
        radius: T,
        /// Height in m (between the two flat caps).
        length: T,
    },
}

impl<T: Scalar> Shape<T> {
    /// The name used in scene files and URDF: `sphere`, `box`, `capsule` or `cylinder`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Shape::Sphere { .. } => "sphere",
            Shape::Box { .. } => "box",
            Shape::Capsule { .. } => "capsule",
            Shape::Cylinder { .. } => "cylinder",
        }
    }

    /// Volume in m³.
    ///
    /// ```
    /// use diffphys::geometry::Shape;
    /// let ball = Shape::Sphere { radius: 1.0 };
    /// assert!((ball.volume() - 4.0 / 3.0 * std::f64::consts::PI).abs() < 1e-15);
    /// ```
    pub fn volume(&self) -> T {
        match self {
            Shape::Sphere { radius } => *radius * *radius * *radius * (4.0 / 3.0 * PI),
            Shape::Box { size } => size.x * size.y * size.z,
            Shape::Capsule { radius, length } => {
                let r2 = *radius * *radius;
                r2 * *length * PI + r2 * *radius * (4.0 / 3.0 * PI)
            }
            Shape::Cylinder { radius, length } => *radius * *radius * *length * PI,
        }
    }

    /// The rotational inertia about the centre of mass, in the body frame (kg·m²), of a solid of uniform density
    /// and mass `mass` (kg). Diagonal: the body axes are principal axes for every shape.
    ///
    /// ```
    /// use diffphys::geometry::Shape;
    /// use nalgebra::Vector3;
    /// let cube = Shape::Box { size: Vector3::new(1.0f64, 1.0, 1.0) };
    /// assert!((cube.inertia(&6.0)[(0, 0)] - 1.0).abs() < 1e-15); // m (b² + c²) / 12
    /// ```
    pub fn inertia(&self, mass: &T) -> Matrix3<T> {
        let diag = match self {
            Shape::Sphere { radius } => {
                let i = *mass * *radius * *radius * 0.4;
                Vector3::new(i, i, i)
            }
            Shape::Box { size } => {
                let sq = size.map(|s| s * s);
                let k = *mass * (1.0 / 12.0);
                Vector3::new((sq.y + sq.z) * k, (sq.x + sq.z) * k, (sq.x + sq.y) * k)
            }
            Shape::Capsule { radius, length } => capsule_inertia(mass, radius, length),
            Shape::Cylinder { radius, length } => {
                let (r2, l2) = (*radius * *radius, *length * *length);
                let transverse = *mass * (r2 * 0.25 + l2 * (1.0 / 12.0));
                Vector3::new(transverse, transverse, *mass * r2 * 0.5)
            }
        };
        Matrix3::from_diagonal(&diag)
    }

    /// Radius (m) of a sphere about the shape's origin that contains it, as a plain number (real part): a cheap
    /// test that a shape cannot touch something farther away.
    ///
    /// ```
    /// use diffphys::geometry::Shape;
    /// let can = Shape::Cylinder { radius: 0.3f64, length: 0.8 };
    /// assert!((can.bounding_radius() - 0.5).abs() < 1e-15); // √(0.3² + 0.4²)
    /// ```
    pub fn bounding_radius(&self) -> f64 {
        match self {
            Shape::Sphere { radius } => re(radius),
            Shape::Box { size } => 0.5 * size.map(|s| re(&s)).norm(),
            Shape::Capsule { radius, length } => re(radius) + 0.5 * re(length),
            Shape::Cylinder { radius, length } => re(radius).hypot(0.5 * re(length)),
        }
    }

    /// Half extents (m) of the world-axis-aligned box that bounds the shape when its body has rotation
    /// `rotation`, as plain numbers (for the broad phase).
    pub fn aabb_half_extents(&self, rotation: &Matrix3<T>) -> [f64; 3] {
        match self {
            Shape::Sphere { radius } => [re(radius); 3],
            Shape::Box { size } => {
                let mut h = [0.0; 3];
                for (i, hi) in h.iter_mut().enumerate() {
                    *hi = (0..3).map(|j| re(&rotation[(i, j)]).abs() * 0.5 * re(&size[j])).sum();
                }
                h
            }
            Shape::Capsule { radius, length } => {
                let (r, l) = (re(radius), re(length));
                [0, 1, 2].map(|i| 0.5 * l * re(&rotation[(i, 2)]).abs() + r)
            }
            Shape::Cylinder { radius, length } => {
                // axis half-length along world axis i, plus the disc's extent r √(1 − a_i²)
                let (r, l) = (re(radius), re(length));
                [0, 1, 2].map(|i| {
                    let a = re(&rotation[(i, 2)]);
                    0.5 * l * a.abs() + r * (1.0 - a * a).max(0.0).sqrt()
                })
            }
        }
    }

    /// The same shape over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> Shape<D> {
        let d = |x: &T| D::constant(re(x));
        match self {
            Shape::Sphere { radius } => Shape::Sphere { radius: d(radius) },
            Shape::Box { size } => Shape::Box { size: size.map(|s| d(&s)) },
            Shape::Capsule { radius, length } => Shape::Capsule { radius: d(radius), length: d(length) },
            Shape::Cylinder { radius, length } => Shape::Cylinder { radius: d(radius), length: d(length) },
        }
    }
}

/// Principal inertia of a solid capsule (cylinder of length `l` plus two hemispherical caps) of total mass
/// `mass`, axis along `z`.
fn capsule_inertia<T: Scalar>(mass: &T, r: &T, l: &T) -> Vector3<T> {
    let r2 = *r * *r;
    let cylinder_volume = r2 * *l * PI;
    let ball_volume = r2 * *r * (4.0 / 3.0 * PI);
    let density = *mass * crate::scalar::recip(&(cylinder_volume + ball_volume));
    let mc = cylinder_volume * density;
    let mb = ball_volume * density; // both caps together
    let l2 = *l * *l;
    let axial = mc * r2 * 0.5 + mb * r2 * 0.4;
    // Each hemisphere: about its own centroid plus the parallel-axis shift to the capsule's centre
    // (standard result: m_b (2r²/5 + l²/4 + 3 l r/8) for both caps together).
    let transverse = mc * (r2 * 0.25 + l2 * (1.0 / 12.0)) + mb * (r2 * 0.4 + l2 * 0.25 + *l * *r * 0.375);
    Vector3::new(transverse, transverse, axial)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Capsule inertia against a Monte-Carlo-free check: numerical integration over a fine grid.
    #[test]
    fn capsule_inertia_matches_numerical_integration() {
        let (r, l) = (0.3, 1.0);
        let shape = Shape::Capsule { radius: r, length: l };
        let n = 120;
        let (hx, hz) = (r, 0.5 * l + r);
        let (mut vol, mut ixx, mut izz) = (0.0, 0.0, 0.0);
        let cell = (2.0 * hx / n as f64) * (2.0 * hx / n as f64) * (2.0 * hz / n as f64);
        for i in 0..n {
            for j in 0..n {
                for k in 0..n {
                    let x = -hx + (i as f64 + 0.5) * 2.0 * hx / n as f64;
                    let y = -hx + (j as f64 + 0.5) * 2.0 * hx / n as f64;
                    let z = -hz + (k as f64 + 0.5) * 2.0 * hz / n as f64;
                    let zc = z.clamp(-0.5 * l, 0.5 * l);
                    if x * x + y * y + (z - zc) * (z - zc) <= r * r {
                        vol += cell;
                        ixx += cell * (y * y + z * z);
                        izz += cell * (x * x + y * y);
                    }
                }
            }
        }
        let mass = 2.0;
        let inertia = shape.inertia(&mass);
        assert!((vol - shape.volume()).abs() / vol < 2e-3, "{vol} {}", shape.volume());
        assert!((mass * ixx / vol - inertia[(0, 0)]).abs() / inertia[(0, 0)] < 5e-3);
        assert!((mass * izz / vol - inertia[(2, 2)]).abs() / inertia[(2, 2)] < 5e-3);
    }

    #[test]
    fn aabb_of_a_rotated_box_and_capsule() {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let rot = Matrix3::new(s, -s, 0.0, s, s, 0.0, 0.0, 0.0, 1.0); // 45° about z
        let b = Shape::Box { size: Vector3::new(2.0, 2.0, 1.0) };
        let h = b.aabb_half_extents(&rot);
        assert!((h[0] - 2.0 * s).abs() < 1e-15 && (h[2] - 0.5).abs() < 1e-15);
        let c = Shape::Capsule { radius: 0.1, length: 1.0 };
        assert_eq!(c.aabb_half_extents(&Matrix3::identity()), [0.1, 0.1, 0.6]);
        // a cylinder lying along x: its disc spans y and z
        let lying = Matrix3::new(0.0, 0.0, 1.0, 0.0, 1.0, 0.0, -1.0, 0.0, 0.0);
        let h = Shape::Cylinder { radius: 0.1, length: 1.0 }.aabb_half_extents(&lying);
        assert!((h[0] - 0.5).abs() < 1e-15 && (h[1] - 0.1).abs() < 1e-15 && (h[2] - 0.1).abs() < 1e-15, "{h:?}");
    }

    #[test]
    fn cylinder_inertia_is_the_textbook_one() {
        let i = Shape::Cylinder { radius: 0.5f64, length: 2.0 }.inertia(&3.0);
        // m (3r² + h²) / 12 across, m r² / 2 along the axis
        assert!((i[(0, 0)] - 3.0 * (0.75 + 4.0) / 12.0).abs() < 1e-15);
        assert!((i[(2, 2)] - 3.0 * 0.25 / 2.0).abs() < 1e-15);
    }
}
