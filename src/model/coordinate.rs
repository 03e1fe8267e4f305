//! Coordinates: the named numbers of a state that trajectories print and observations measure (their values
//! are read by [`Coordinate::value`], in `sim`).

use super::{JointKind, Model};
use crate::Scalar;

/// One named coordinate of a state: what a trajectory column holds and what an observation measures.
///
/// | column | coordinate | unit |
/// |---|---|---|
/// | `<particle>.x` / `.y` / `.z` | particle position | m |
/// | `<body>.x` / `.y` / `.z` | rigid body centre of mass | m |
/// | `<body>.qw` / `.qx` / `.qy` / `.qz` | rigid body orientation (unit quaternion, body to world) | – |
/// | `<robot>.<joint>` | joint angle or displacement | rad or m |
/// | `<robot>.base.x` … `.z`, `.qw` … `.qz` | floating base position (root frame = world) and orientation | m, – |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Coordinate {
    /// Coordinate `axis` of particle `index`.
    Particle {
        /// Particle index.
        index: usize,
        /// 0, 1, 2 for x, y, z.
        axis: usize,
    },
    /// Coordinate `axis` of rigid body `index`'s centre of mass.
    BodyPosition {
        /// Body index.
        index: usize,
        /// 0, 1, 2 for x, y, z.
        axis: usize,
    },
    /// Component `w, x, y, z` (0..4) of rigid body `index`'s orientation.
    BodyOrientation {
        /// Body index.
        index: usize,
        /// 0, 1, 2, 3 for w, x, y, z.
        component: usize,
    },
    /// Entry `index` of robot `robot`'s configuration `q`.
    RobotQ {
        /// Robot index.
        robot: usize,
        /// Index into `q`.
        index: usize,
    },
}

impl<T: Scalar> Model<T> {
    /// Every coordinate of the scene's state with its column name, in trajectory-file order: particles, rigid
    /// bodies, then robots (see [`Coordinate`]).
    ///
    /// ```
    /// let scene = diffphys::io::parse_scene(diffphys::io::DEMO_SCENE, "demo").unwrap();
    /// let names: Vec<String> = scene.coordinates().into_iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["ball.x", "ball.y", "ball.z"]);
    /// ```
    pub fn coordinates(&self) -> Vec<(String, Coordinate)> {
        const XYZ: [&str; 3] = ["x", "y", "z"];
        let mut out = Vec::new();
        for (index, p) in self.particles.iter().enumerate() {
            out.extend((0..3).map(|axis| (format!("{}.{}", p.name, XYZ[axis]), Coordinate::Particle { index, axis })));
        }
        for (index, b) in self.bodies.iter().enumerate() {
            out.extend(
                (0..3).map(|axis| (format!("{}.{}", b.name, XYZ[axis]), Coordinate::BodyPosition { index, axis })),
            );
            out.extend(
                ["qw", "qx", "qy", "qz"].iter().enumerate().map(|(component, c)| {
                    (format!("{}.{c}", b.name), Coordinate::BodyOrientation { index, component })
                }),
            );
        }
        for (robot, r) in self.robots.iter().enumerate() {
            for (k, joint) in r.multibody.joints.iter().enumerate() {
                let at = |offset: usize| Coordinate::RobotQ { robot, index: joint.q_index + offset };
                match joint.kind {
                    JointKind::Free => {
                        let prefix = if k == 0 && r.is_floating() { "base" } else { joint.name.as_str() };
                        // q stores [x, y, z, qx, qy, qz, qw]; columns list the quaternion w first, like bodies.
                        for (label, offset) in
                            [("x", 0), ("y", 1), ("z", 2), ("qw", 6), ("qx", 3), ("qy", 4), ("qz", 5)]
                        {
                            out.push((format!("{}.{prefix}.{label}", r.name()), at(offset)));
                        }
                    }
                    JointKind::Spherical => {
                        for (label, offset) in [("qw", 3), ("qx", 0), ("qy", 1), ("qz", 2)] {
                            out.push((format!("{}.{}.{label}", r.name(), joint.name), at(offset)));
                        }
                    }
                    _ => out.push((format!("{}.{}", r.name(), joint.name), at(0))),
                }
            }
        }
        out
    }
}
