//! Named parameters: every physical number of a scene, addressable by a dotted name.
//!
//! | name | meaning | unit |
//! |---|---|---|
//! | `world.gravity.x` / `.y` / `.z` | gravity | m/s² |
//! | `ground.stiffness`, `ground.damping` | contact spring and damper | N/m, N·s/m |
//! | `ground.friction` | Coulomb coefficient μ | – |
//! | `ground.ramp_depth`, `ground.slip_velocity` | contact smoothing | m, m/s |
//! | `<particle>.mass`, `.radius` | | kg, m |
//! | `<particle>.drag`, `.quadratic_drag` | drag coefficients | N·s/m, N·s²/m² |
//! | `<particle>.position.x` … `.velocity.z` | initial state | m, m/s |
//! | `<spring>.stiffness`, `.damping`, `.rest_length` | | N/m, N·s/m, m |
//! | `<spring>.anchor.x` / `.y` / `.z` | fixed end (anchored springs only) | m |
//! | `ground.restitution` | for rigid bodies | – |
//! | `contact.stiffness`, `contact.ramp_depth`, `contact.slip_velocity` | compliant rigid contact | N/m, m, m/s |
//! | `<body>.mass`, `.friction`, `.restitution` | | kg, –, – |
//! | `<body>.radius` (sphere, capsule), `.length` (capsule), `.size.x` … `.size.z` (box) | shape | m |
//! | `<body>.inertia.x` … `.z` | principal moments, when given explicitly | kg·m² |
//! | `<body>.position.x` … `.z`, `.velocity.x` … `.z`, `.angular_velocity.x` … `.z` | initial state (world axes) | m, m/s, rad/s |
//! | `<robot>.<link>.mass`, `.com.x` … `.z`, `.inertia.ixx` … `.iyz` | link inertials (merged links included) | kg, m, kg·m² |
//! | `<robot>.<joint>.damping`, `.friction`, `.armature` | passive joint properties | N·m·s/rad, N·m, kg·m² |
//! | `<robot>.<joint>.position`, `.velocity` | initial joint state (one-degree-of-freedom joints) | rad or m, rad/s or m/s |
//! | `<robot>.<joint>.kp`, `.kd`, `.target` | PD controller (robots with `Control::Pd`) | N·m/rad, N·m·s/rad, rad |
//! | `<robot>.base.position.x` … `.z` | floating base: initial position | m |
//! | `<robot>.base.velocity.x` … `.z`, `.angular_velocity.x` … `.z` | floating base: initial twist, base axes | m/s, rad/s |
//!
//! Names are resolved once into [`ParamId`]s, so gradient loops never compare strings.

use super::{Control, Model, MultibodyParam, SpringEnd};
use crate::geometry::Shape;
use crate::{Error, Result, Scalar};
use std::collections::{HashMap, HashSet};

/// A resolved parameter: which number of the scene it is. Indices refer to `Model::particles` / `springs`;
/// `axis` is 0, 1, 2 for x, y, z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[allow(missing_docs)]
pub enum ParamId {
    Gravity {
        axis: usize,
    },
    GroundStiffness,
    GroundDamping,
    GroundFriction,
    GroundRampDepth,
    GroundSlipVelocity,
    Mass {
        particle: usize,
    },
    Radius {
        particle: usize,
    },
    Drag {
        particle: usize,
    },
    QuadraticDrag {
        particle: usize,
    },
    Position {
        particle: usize,
        axis: usize,
    },
    Velocity {
        particle: usize,
        axis: usize,
    },
    SpringStiffness {
        spring: usize,
    },
    SpringDamping {
        spring: usize,
    },
    SpringRestLength {
        spring: usize,
    },
    SpringAnchor {
        spring: usize,
        axis: usize,
    },
    GroundRestitution,
    ContactStiffness,
    ContactRampDepth,
    ContactSlipVelocity,
    BodyMass {
        body: usize,
    },
    BodyFriction {
        body: usize,
    },
    BodyRestitution {
        body: usize,
    },
    BodyRadius {
        body: usize,
    },
    BodyLength {
        body: usize,
    },
    BodySize {
        body: usize,
        axis: usize,
    },
    BodyInertia {
        body: usize,
        axis: usize,
    },
    BodyPosition {
        body: usize,
        axis: usize,
    },
    BodyVelocity {
        body: usize,
        axis: usize,
    },
    BodyAngularVelocity {
        body: usize,
        axis: usize,
    },
    /// A parameter of robot `robot` (index into `Model::robots`).
    Robot {
        robot: usize,
        param: RobotParam,
    },
}

/// A parameter of one robot of a scene. Indices are into the robot's `q`, `v` or model arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RobotParam {
    /// A parameter of the articulated model (inertials, passive joint properties; not its gravity, which is the
    /// world's).
    Model(MultibodyParam),
    /// Initial configuration entry `index` of `q`.
    Position {
        /// Index into `q`.
        index: usize,
    },
    /// Initial velocity entry `index` of `v`.
    Velocity {
        /// Index into `v`.
        index: usize,
    },
    /// PD stiffness of velocity coordinate `index`.
    Kp {
        /// Index into `v`.
        index: usize,
    },
    /// PD damping of velocity coordinate `index`.
    Kd {
        /// Index into `v`.
        index: usize,
    },
    /// PD target of velocity coordinate `index`.
    Target {
        /// Index into `v`.
        index: usize,
    },
    /// Friction coefficient of collider `collider` (`go1.FL_foot.friction`; `go1.FL_hip.collision1.friction` when
    /// the link has several colliders).
    ColliderFriction {
        /// Index into the robot's [`Multibody::colliders`](super::Multibody::colliders).
        collider: usize,
    },
    /// Restitution of collider `collider` (`go1.FL_foot.restitution`).
    ColliderRestitution {
        /// Index into the robot's colliders.
        collider: usize,
    },
}

/// The admissible range of a parameter, used by fitting to choose a parametrisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ParamKind {
    /// Any real number (positions, velocities, gravity).
    Free,
    /// Must stay ≥ 0 (stiffness, damping, friction, drag, radius, rest length) or > 0 (mass, slip velocity).
    Positive,
}

const NO_SHAPE: &str = "a shape parameter the body's shape does not have (ids from `resolve_params` are valid)";

const NO_GROUND: &str = "a ground parameter of a scene without ground (ids from `resolve_params` are valid)";

/// One match for both [`Model::param`] and [`Model::param_mut`]: `$($m)?` is empty or `mut`.
macro_rules! param_place {
    ($scene:expr, $id:expr, $($m:tt)?) => {{
        let ground = match & $($m)? $scene.ground {
            Some(g) => Some(g),
            None => None,
        };
        match $id {
            ParamId::Gravity { axis } => & $($m)? $scene.settings.gravity[axis],
            ParamId::GroundStiffness => & $($m)? ground.expect(NO_GROUND).stiffness,
            ParamId::GroundDamping => & $($m)? ground.expect(NO_GROUND).damping,
            ParamId::GroundFriction => & $($m)? ground.expect(NO_GROUND).friction,
            ParamId::GroundRampDepth => & $($m)? ground.expect(NO_GROUND).ramp_depth,
            ParamId::GroundSlipVelocity => & $($m)? ground.expect(NO_GROUND).slip_velocity,
            ParamId::Mass { particle } => & $($m)? $scene.particles[particle].mass,
            ParamId::Radius { particle } => & $($m)? $scene.particles[particle].radius,
            ParamId::Drag { particle } => & $($m)? $scene.particles[particle].drag,
            ParamId::QuadraticDrag { particle } => & $($m)? $scene.particles[particle].quadratic_drag,
            ParamId::Position { particle, axis } => & $($m)? $scene.particles[particle].position[axis],
            ParamId::Velocity { particle, axis } => & $($m)? $scene.particles[particle].velocity[axis],
            ParamId::SpringStiffness { spring } => & $($m)? $scene.springs[spring].stiffness,
            ParamId::SpringDamping { spring } => & $($m)? $scene.springs[spring].damping,
            ParamId::SpringRestLength { spring } => & $($m)? $scene.springs[spring].rest_length,
            ParamId::SpringAnchor { spring, axis } => match & $($m)? $scene.springs[spring].b {
                SpringEnd::Anchor(p) => & $($m)? p[axis],
                SpringEnd::Particle(_) => panic!("spring {spring} has no anchor"),
            },
            ParamId::GroundRestitution => & $($m)? ground.expect(NO_GROUND).restitution,
            ParamId::ContactStiffness => & $($m)? $scene.settings.contact.stiffness,
            ParamId::ContactRampDepth => & $($m)? $scene.settings.contact.ramp_depth,
            ParamId::ContactSlipVelocity => & $($m)? $scene.settings.contact.slip_velocity,
            ParamId::BodyMass { body } => & $($m)? $scene.bodies[body].mass,
            ParamId::BodyFriction { body } => & $($m)? $scene.bodies[body].friction,
            ParamId::BodyRestitution { body } => & $($m)? $scene.bodies[body].restitution,
            ParamId::BodyRadius { body } => match & $($m)? $scene.bodies[body].shape {
                Shape::Sphere { radius } | Shape::Capsule { radius, .. } | Shape::Cylinder { radius, .. } => radius,
                Shape::Box { .. } => panic!("{NO_SHAPE}"),
            },
            ParamId::BodyLength { body } => match & $($m)? $scene.bodies[body].shape {
                Shape::Capsule { length, .. } | Shape::Cylinder { length, .. } => length,
                _ => panic!("{NO_SHAPE}"),
            },
            ParamId::BodySize { body, axis } => match & $($m)? $scene.bodies[body].shape {
                Shape::Box { size } => & $($m)? size[axis],
                _ => panic!("{NO_SHAPE}"),
            },
            ParamId::BodyInertia { body, axis } => match & $($m)? $scene.bodies[body].inertia {
                Some(i) => & $($m)? i[axis],
                None => panic!("body {body} has no explicit inertia"),
            },
            ParamId::BodyPosition { body, axis } => & $($m)? $scene.bodies[body].position[axis],
            ParamId::BodyVelocity { body, axis } => & $($m)? $scene.bodies[body].velocity[axis],
            ParamId::BodyAngularVelocity { body, axis } => & $($m)? $scene.bodies[body].angular_velocity[axis],
            ParamId::Robot { robot, param } => {
                let r = & $($m)? $scene.robots[robot];
                match param {
                    RobotParam::Model(p) => match p {
                        MultibodyParam::Mass { body } => & $($m)? r.multibody.inertias[body].mass,
                        MultibodyParam::Com { body, axis } => & $($m)? r.multibody.inertias[body].com[axis],
                        MultibodyParam::Inertia { body, row, col } => {
                            & $($m)? r.multibody.inertias[body].rotational[(row, col)]
                        }
                        MultibodyParam::Damping { joint } => & $($m)? r.multibody.joints[joint].damping,
                        MultibodyParam::Friction { joint } => & $($m)? r.multibody.joints[joint].friction,
                        MultibodyParam::Armature { joint } => & $($m)? r.multibody.joints[joint].armature,
                        MultibodyParam::Gravity { .. } => panic!("a robot's gravity is the world's (world.gravity)"),
                    },
                    RobotParam::Position { index } => & $($m)? r.q0[index],
                    RobotParam::Velocity { index } => & $($m)? r.v0[index],
                    RobotParam::ColliderFriction { collider } => & $($m)? r.multibody.colliders[collider].friction,
                    RobotParam::ColliderRestitution { collider } => {
                        & $($m)? r.multibody.colliders[collider].restitution
                    }
                    RobotParam::Kp { index } | RobotParam::Kd { index } | RobotParam::Target { index } => {
                        match & $($m)? r.control {
                            Control::Pd(pd) => match param {
                                RobotParam::Kp { .. } => & $($m)? pd.kp[index],
                                RobotParam::Kd { .. } => & $($m)? pd.kd[index],
                                _ => & $($m)? pd.target[index],
                            },
                            _ => panic!("robot {robot} has no PD controller"),
                        }
                    }
                }
            }
        }
    }};
}

const AXES: [&str; 3] = ["x", "y", "z"];

/// `robot.link` for a link's only collider, `robot.link.collision<k>` (k counted within the link) otherwise.
fn collider_name<T: Scalar>(robot: &super::Robot<T>, collider: usize) -> String {
    let colliders = &robot.multibody.colliders;
    let link = &colliders[collider].link;
    let same_link = |c: &&super::Collider<T>| &c.link == link;
    if colliders.iter().filter(same_link).count() == 1 {
        format!("{}.{link}", robot.name())
    } else {
        let k = colliders[..collider].iter().filter(same_link).count();
        format!("{}.{link}.collision{k}", robot.name())
    }
}

impl ParamId {
    /// The admissible range of this parameter.
    pub fn kind(self) -> ParamKind {
        match self {
            ParamId::Gravity { .. }
            | ParamId::Position { .. }
            | ParamId::Velocity { .. }
            | ParamId::SpringAnchor { .. }
            | ParamId::BodyPosition { .. }
            | ParamId::BodyVelocity { .. }
            | ParamId::BodyAngularVelocity { .. } => ParamKind::Free,
            ParamId::Robot { param, .. } => match param {
                RobotParam::Model(p) if !p.is_signed() => ParamKind::Positive,
                RobotParam::Kp { .. } | RobotParam::Kd { .. } => ParamKind::Positive,
                _ => ParamKind::Free,
            },
            _ => ParamKind::Positive,
        }
    }
}

impl<T: Scalar> Model<T> {
    /// Every parameter of the scene, in a fixed order: world, ground, particles, springs.
    pub fn param_ids(&self) -> Vec<ParamId> {
        let mut ids: Vec<ParamId> = (0..3).map(|axis| ParamId::Gravity { axis }).collect();
        if self.ground.is_some() {
            ids.extend([
                ParamId::GroundStiffness,
                ParamId::GroundDamping,
                ParamId::GroundFriction,
                ParamId::GroundRampDepth,
                ParamId::GroundSlipVelocity,
                ParamId::GroundRestitution,
            ]);
        }
        if !self.bodies.is_empty() || self.robots.iter().any(|r| !r.multibody.colliders.is_empty()) {
            ids.extend([ParamId::ContactStiffness, ParamId::ContactRampDepth, ParamId::ContactSlipVelocity]);
        }
        for particle in 0..self.particles.len() {
            ids.extend([
                ParamId::Mass { particle },
                ParamId::Radius { particle },
                ParamId::Drag { particle },
                ParamId::QuadraticDrag { particle },
            ]);
            ids.extend((0..3).map(|axis| ParamId::Position { particle, axis }));
            ids.extend((0..3).map(|axis| ParamId::Velocity { particle, axis }));
        }
        for (spring, s) in self.springs.iter().enumerate() {
            ids.extend([
                ParamId::SpringStiffness { spring },
                ParamId::SpringDamping { spring },
                ParamId::SpringRestLength { spring },
            ]);
            if matches!(s.b, SpringEnd::Anchor(_)) {
                ids.extend((0..3).map(|axis| ParamId::SpringAnchor { spring, axis }));
            }
        }
        for (body, b) in self.bodies.iter().enumerate() {
            ids.extend([ParamId::BodyMass { body }, ParamId::BodyFriction { body }, ParamId::BodyRestitution { body }]);
            match b.shape {
                Shape::Sphere { .. } => ids.push(ParamId::BodyRadius { body }),
                Shape::Capsule { .. } | Shape::Cylinder { .. } => {
                    ids.extend([ParamId::BodyRadius { body }, ParamId::BodyLength { body }])
                }
                Shape::Box { .. } => ids.extend((0..3).map(|axis| ParamId::BodySize { body, axis })),
            }
            if b.inertia.is_some() {
                ids.extend((0..3).map(|axis| ParamId::BodyInertia { body, axis }));
            }
            ids.extend((0..3).map(|axis| ParamId::BodyPosition { body, axis }));
            ids.extend((0..3).map(|axis| ParamId::BodyVelocity { body, axis }));
            ids.extend((0..3).map(|axis| ParamId::BodyAngularVelocity { body, axis }));
        }
        for (robot, r) in self.robots.iter().enumerate() {
            let mut add = |param| ids.push(ParamId::Robot { robot, param });
            for (_, p) in r.multibody.params() {
                let free_joint = |joint: usize| r.multibody.joints[joint].kind.nq() != 1;
                match p {
                    // gravity is the world's; a free joint has no damping, friction or armature
                    MultibodyParam::Gravity { .. } => {}
                    MultibodyParam::Damping { joint }
                    | MultibodyParam::Friction { joint }
                    | MultibodyParam::Armature { joint }
                        if free_joint(joint) => {}
                    _ => add(RobotParam::Model(p)),
                }
            }
            let pd = matches!(r.control, Control::Pd(_));
            for joint in &r.multibody.joints {
                if joint.kind.nq() == 1 {
                    let index = joint.v_index;
                    add(RobotParam::Position { index: joint.q_index });
                    add(RobotParam::Velocity { index });
                    if pd {
                        add(RobotParam::Kp { index });
                        add(RobotParam::Kd { index });
                        add(RobotParam::Target { index });
                    }
                }
            }
            // a fixed base's placement is not a parameter yet
            if r.is_floating() {
                (0..3).for_each(|index| add(RobotParam::Position { index }));
                (0..6).for_each(|index| add(RobotParam::Velocity { index }));
            }
            for collider in 0..r.multibody.colliders.len() {
                add(RobotParam::ColliderFriction { collider });
                add(RobotParam::ColliderRestitution { collider });
            }
        }
        ids
    }

    /// The dotted name of a parameter, e.g. `ball.velocity.x`.
    pub fn param_name(&self, id: ParamId) -> String {
        let p = |i: usize| &self.particles[i].name;
        let s = |i: usize| &self.springs[i].name;
        let b = |i: usize| &self.bodies[i].name;
        match id {
            ParamId::Gravity { axis } => format!("world.gravity.{}", AXES[axis]),
            ParamId::GroundStiffness => "ground.stiffness".into(),
            ParamId::GroundDamping => "ground.damping".into(),
            ParamId::GroundFriction => "ground.friction".into(),
            ParamId::GroundRampDepth => "ground.ramp_depth".into(),
            ParamId::GroundSlipVelocity => "ground.slip_velocity".into(),
            ParamId::Mass { particle } => format!("{}.mass", p(particle)),
            ParamId::Radius { particle } => format!("{}.radius", p(particle)),
            ParamId::Drag { particle } => format!("{}.drag", p(particle)),
            ParamId::QuadraticDrag { particle } => format!("{}.quadratic_drag", p(particle)),
            ParamId::Position { particle, axis } => {
                format!("{}.position.{}", p(particle), AXES[axis])
            }
            ParamId::Velocity { particle, axis } => {
                format!("{}.velocity.{}", p(particle), AXES[axis])
            }
            ParamId::SpringStiffness { spring } => format!("{}.stiffness", s(spring)),
            ParamId::SpringDamping { spring } => format!("{}.damping", s(spring)),
            ParamId::SpringRestLength { spring } => format!("{}.rest_length", s(spring)),
            ParamId::SpringAnchor { spring, axis } => {
                format!("{}.anchor.{}", s(spring), AXES[axis])
            }
            ParamId::GroundRestitution => "ground.restitution".into(),
            ParamId::ContactStiffness => "contact.stiffness".into(),
            ParamId::ContactRampDepth => "contact.ramp_depth".into(),
            ParamId::ContactSlipVelocity => "contact.slip_velocity".into(),
            ParamId::BodyMass { body } => format!("{}.mass", b(body)),
            ParamId::BodyFriction { body } => format!("{}.friction", b(body)),
            ParamId::BodyRestitution { body } => format!("{}.restitution", b(body)),
            ParamId::BodyRadius { body } => format!("{}.radius", b(body)),
            ParamId::BodyLength { body } => format!("{}.length", b(body)),
            ParamId::BodySize { body, axis } => format!("{}.size.{}", b(body), AXES[axis]),
            ParamId::BodyInertia { body, axis } => format!("{}.inertia.{}", b(body), AXES[axis]),
            ParamId::BodyPosition { body, axis } => format!("{}.position.{}", b(body), AXES[axis]),
            ParamId::BodyVelocity { body, axis } => format!("{}.velocity.{}", b(body), AXES[axis]),
            ParamId::BodyAngularVelocity { body, axis } => {
                format!("{}.angular_velocity.{}", b(body), AXES[axis])
            }
            ParamId::Robot { robot, param } => self.robot_param_name(robot, param),
        }
    }

    fn robot_param_name(&self, robot: usize, param: RobotParam) -> String {
        let r = &self.robots[robot];
        let name = r.name();
        let model = &r.multibody;
        let floating = r.is_floating();
        let joint_with = |pick: &dyn Fn(&super::Joint<T>) -> bool| {
            model.joints.iter().find(|j| j.kind.nq() == 1 && pick(j)).map_or("?", |j| j.name.as_str())
        };
        match param {
            RobotParam::Model(p) => model.param_name(p),
            RobotParam::Position { index } if floating && index < 3 => format!("{name}.base.position.{}", AXES[index]),
            RobotParam::Velocity { index } if floating && index < 3 => format!("{name}.base.velocity.{}", AXES[index]),
            RobotParam::Velocity { index } if floating && index < 6 => {
                format!("{name}.base.angular_velocity.{}", AXES[index - 3])
            }
            RobotParam::Position { index } => format!("{name}.{}.position", joint_with(&|j| j.q_index == index)),
            RobotParam::Velocity { index } => format!("{name}.{}.velocity", joint_with(&|j| j.v_index == index)),
            RobotParam::Kp { index } => format!("{name}.{}.kp", joint_with(&|j| j.v_index == index)),
            RobotParam::Kd { index } => format!("{name}.{}.kd", joint_with(&|j| j.v_index == index)),
            RobotParam::Target { index } => format!("{name}.{}.target", joint_with(&|j| j.v_index == index)),
            RobotParam::ColliderFriction { collider } => format!("{}.friction", collider_name(r, collider)),
            RobotParam::ColliderRestitution { collider } => format!("{}.restitution", collider_name(r, collider)),
        }
    }

    /// Sets the number behind `id` to `value`; an off-diagonal robot inertia sets its symmetric partner too, and a
    /// change of gravity or of a robot's base reaches the robots' gravity.
    ///
    /// # Panics
    /// As [`Model::param_mut`].
    pub fn set_param(&mut self, id: ParamId, value: T) {
        *self.param_mut(id) = value;
        if let ParamId::Robot { robot, param: RobotParam::Model(MultibodyParam::Inertia { body, row, col }) } = id {
            self.robots[robot].multibody.inertias[body].rotational[(col, row)] = value;
        }
        if matches!(id, ParamId::Gravity { .. }) {
            self.sync_robot_gravity();
        }
    }

    /// Resolves names into ids; an unknown or repeated name is an error.
    ///
    /// ```
    /// # use diffphys::model::{Particle, Model, ParamId};
    /// let mut scene = Model::<f64>::empty(1e-3, 1.0);
    /// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::zeros()));
    /// let ids = scene.resolve_params(&["ball.mass", "world.gravity.z"]).unwrap();
    /// assert_eq!(ids[0], ParamId::Mass { particle: 0 });
    /// assert!(scene.resolve_params(&["ball.colour"]).is_err());
    /// ```
    pub fn resolve_params<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<ParamId>> {
        let all: HashMap<String, ParamId> = self.param_ids().into_iter().map(|id| (self.param_name(id), id)).collect();
        let mut seen = HashSet::new();
        names
            .iter()
            .map(|n| {
                let n = n.as_ref().trim();
                if !seen.insert(n.to_string()) {
                    return Err(Error::DuplicateParameter { name: n.to_string() });
                }
                all.get(n).copied().ok_or_else(|| Error::UnknownParameter { name: n.to_string() })
            })
            .collect()
    }

    /// A mutable reference to the number behind `id`.
    ///
    /// # Panics
    /// If `id` refers to a particle, spring or ground this scene does not have (ids from
    /// [`Model::resolve_params`] on the same scene are always valid).
    pub fn param_mut(&mut self, id: ParamId) -> &mut T {
        param_place!(self, id, mut)
    }

    /// The number behind `id` (panics as [`Model::param_mut`] does).
    pub fn param(&self, id: ParamId) -> &T {
        param_place!(self, id,)
    }
}

impl Model<f64> {
    /// The scene over scalar `D`, with parameters `ids` set to `values` (e.g. dual numbers seeded for
    /// differentiation) and every other number a constant.
    ///
    /// # Panics
    /// If `ids` and `values` differ in length.
    pub fn with_params<D: Scalar>(&self, ids: &[ParamId], values: &[D]) -> Model<D> {
        assert_eq!(ids.len(), values.len(), "one value per parameter");
        let mut scene = self.lift::<D>();
        for (id, v) in ids.iter().zip(values) {
            scene.set_param(*id, *v);
        }
        scene
    }

    /// The current values of parameters `ids`.
    pub fn param_values(&self, ids: &[ParamId]) -> Vec<f64> {
        ids.iter().map(|id| *self.param(*id)).collect()
    }
}
