//! Compliant contact on robot links: the colliders of a [`Robot`] against the ground and against free rigid
//! bodies, as wrenches on the links (the `fext` of [`aba`](crate::multibody::aba)) and forces on the bodies.
//!
//! The law is the one of free bodies, [`point_contact_force`](super::point_contact_force): a C¹ spring–damper
//! normal force with implicit damping and regularised Coulomb friction, whose masses come from the contact
//! point's inverse inertia `G`. What an articulated body changes is that `G`: a foot at the end of a leg is not a
//! free particle. On a link, `G = J M⁻¹ Jᵀ` (`J` the point's velocity Jacobian, `M` the joint-space mass matrix from
//! [`crba`](crate::multibody::crba), factored once per evaluation by LDLᵀ); a free body partner adds its own
//! ([`free_body_point_inverse_inertia`](super::free_body_point_inverse_inertia)), a link of another robot its
//! `J M⁻¹ Jᵀ`, the ground nothing. The law's normal mass `1 / (nᵀ G n)` sets the damping, so the restitution of a
//! link's bounce is what its material says; the damping is implicit because a foot's normal mass is small
//! (0.17 kg for a standing Go1) and explicit critical damping at `k = 1e5 N/m`, 1 ms, would be at its stability
//! limit (it chattered in a two-step cycle, the ground force alternating between 0.45 and 1.55 times the weight).
//! The sideways mass `1 / (tr G − nᵀ G n)` regularises friction so that one explicit step never reverses sliding.
//! A one-body robot on a free joint therefore touches the ground as the same free body does
//! (`tests/engine/one_body_robot_vs_free_body.rs`).
//!
//! # Gradients
//! As for free bodies: which colliders touch is decided on the real part; the force and its first derivative are
//! continuous at contact onset, so dual numbers give exact derivatives with respect to `q`, `v`, `τ`, link
//! inertias (through `M`), friction, restitution and contact stiffness.

use super::{combined_friction, combined_restitution, free_body_point_inverse_inertia, point_contact_force};
use super::{onset_speed, ContactMemory};
use super::{AnchorBook, AnchorPair, FrictionAnchor};
use crate::geometry::narrow_phase::{collide, shape_ground};
use crate::geometry::ContactGeometry;
use crate::model::{bounding_radius, Model, Robot};
use crate::multibody::ldlt::{ltdl_factor, ltdl_solve_on_path};
use crate::multibody::MultibodyWorkspace;
use crate::multibody::{crba, forward_kinematics, inverse_inertia_world, point_jacobian, BodyState};
use crate::scalar::{mat_mul, re, recip};
use crate::spatial::{Force, Transform};
use crate::{Result, Scalar};
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// What a robot's collider touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Partner {
    /// The ground plane.
    Ground,
    /// Free rigid body `i` of the model.
    Body(usize),
    /// Collider `collider` of robot `robot` (the same robot for self-collision).
    Link {
        /// Index of the robot in the model.
        robot: usize,
        /// Index of its collider.
        collider: usize,
    },
}

/// One contact point of a robot link, as the last step found it.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkContact<T: Scalar> {
    /// Index of the robot in the model.
    pub robot: usize,
    /// Index of the collider in the robot's [`Multibody::colliders`](crate::model::Multibody::colliders).
    pub collider: usize,
    /// What it touches.
    pub partner: Partner,
    /// Point, normal (from the partner to the link) and signed distance.
    pub geometry: ContactGeometry<T>,
    /// The contact force on the link, world axes (N); the partner gets the opposite.
    pub force: Vector3<T>,
}

/// The world placement of every collider of `robot`, from the placements of the last kinematics pass in `ws`.
pub fn collider_poses<T: Scalar>(robot: &Robot<T>, ws: &MultibodyWorkspace<T>) -> Vec<Transform<T>> {
    let colliders = &robot.multibody.colliders;
    colliders
        .iter()
        .map(|c| match c.body {
            Some(b) => &(&robot.base * ws.pose_world(b)) * &c.placement,
            None => &robot.base * &c.placement,
        })
        .collect()
}

/// The joint-space mass matrix of a robot at one configuration, factored, for the inverse inertia of contact
/// points.
struct JointSpaceMass<T: Scalar> {
    factor: DMatrix<T>,
}

impl<T: Scalar> JointSpaceMass<T> {
    fn new(robot: &Robot<T>, ws: &mut MultibodyWorkspace<T>, q: &DVector<T>) -> Result<Self> {
        let mut factor = crba(&robot.multibody, ws, q);
        ltdl_factor(&mut factor, ws.mass_sparsity())?;
        Ok(JointSpaceMass { factor })
    }

    /// `G = J M⁻¹ Jᵀ` (world axes, 1/kg) of the point `p` (world, m) fixed to `body`.
    fn point_inverse_mass(
        &self,
        robot: &Robot<T>,
        ws: &MultibodyWorkspace<T>,
        body: usize,
        p: &Vector3<T>,
    ) -> Matrix3<T> {
        let in_root = robot.base.inverse_transform_point(p);
        let j = mat_mul(&robot.base.rotation, &point_jacobian(&robot.multibody, ws, body, &in_root));
        let mut m_inv_jt = j.transpose();
        let last = robot.multibody.joints[body].v_index + robot.multibody.joints[body].kind.nv() - 1;
        ltdl_solve_on_path(&self.factor, ws.mass_sparsity(), &mut m_inv_jt, last);
        mat_mul(&j, &m_inv_jt)
    }
}

/// The height above the ground (m, real part) of the origin of `collider`, on `body` of `robot`, from the last
/// kinematics pass.
pub(super) fn height_of_origin<T: Scalar>(
    robot: &Robot<T>,
    ws: &MultibodyWorkspace<T>,
    body: usize,
    collider: &crate::model::Collider<T>,
) -> f64 {
    let real = |v: &Vector3<T>| v.map(|x| re(&x));
    let pose = ws.pose_world(body);
    let in_root = pose.rotation.map(|x| re(&x)) * real(&collider.placement.translation) + real(&pose.translation);
    let base = &robot.base;
    (0..3).map(|j| re(&base.rotation[(2, j)]) * in_root[j]).sum::<f64>() + re(&base.translation.z)
}

/// The world velocity (m/s) of the point `p` (world) fixed to `body`, from the last kinematics pass.
fn point_velocity<T: Scalar>(robot: &Robot<T>, ws: &MultibodyWorkspace<T>, body: usize, p: &Vector3<T>) -> Vector3<T> {
    let pose = &robot.base * ws.pose_world(body);
    let twist = ws.velocity_body(body);
    pose.rotation * (twist.linear + twist.angular.cross(&pose.inverse_transform_point(p)))
}

/// Adds the force `f` (world axes, N) acting at the world point `p` to `fext[body]`, as a wrench in the body's
/// frame.
fn add_wrench<T: Scalar>(
    robot: &Robot<T>,
    ws: &MultibodyWorkspace<T>,
    body: usize,
    p: &Vector3<T>,
    f: &Vector3<T>,
    fext: &mut [Force<T>],
) {
    let pose = &robot.base * ws.pose_world(body);
    let local_point = pose.inverse_transform_point(p);
    let local_force = pose.rotation.tr_mul(f);
    fext[body] += &Force::new(local_point.cross(&local_force), local_force);
}

/// The compliant force on the link at one contact ([`point_contact_force`]): relative velocity of the link's point
/// to the partner's, and `g`, the point's inverse inertia summed over the link and its partner. `memory` is the
/// contact's ([`link_memory`]); its stretch is used with anchored friction.
#[allow(clippy::too_many_arguments)]
fn link_force<T: Scalar>(
    scene: &Model<T>,
    geometry: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    g: &Matrix3<T>,
    friction: &T,
    restitution: &T,
    memory: &mut FrictionAnchor<T>,
    anchored: bool,
) -> Vector3<T> {
    let settings = &scene.settings;
    let memory = ContactMemory { onset_speed: memory.onset_speed, stretch: anchored.then_some(&mut memory.stretch) };
    point_contact_force(&settings.contact, geometry, relative_velocity, g, friction, restitution, settings.dt, memory)
}

/// What the contact of collider `collider` of robot `r` of `scene` with `partner` at the world point `p` remembers
/// ([`FrictionAnchor`]): recalled from `anchors` by the contact point in the axes of the collider's body (the
/// robot's root frame for a collider on the root), within half the collider's bounding radius; for a new contact
/// (or without a book) its onset speed from the relative velocity `u` ([`onset_speed`], with gravity for a contact
/// with the ground) and no stretch.
fn link_memory<T: Scalar>(
    anchors: Option<&mut AnchorBook<T>>,
    scene: &Model<T>,
    ws: &MultibodyWorkspace<T>,
    (r, collider, partner): (usize, usize, Partner),
    geometry: &ContactGeometry<T>,
    u: &Vector3<T>,
) -> FrictionAnchor<T> {
    let robot = &scene.robots[r];
    let pair = AnchorPair::Link { robot: r, collider, partner };
    let frame = match robot.multibody.colliders[collider].body {
        Some(b) => &robot.base * ws.pose_world(b),
        None => robot.base.clone(),
    };
    let local_point = frame.inverse_transform_point(&geometry.point).map(|x| re(&x));
    let radius = 0.5 * bounding_radius(&robot.multibody.colliders[collider].shape);
    let recalled = anchors.and_then(|book| book.recall(pair, &local_point, radius));
    let dt = scene.settings.dt;
    let (stretch, onset_speed, age) = match recalled {
        Some((stretch, onset, age)) => (stretch, onset, age + dt),
        None => {
            let gravity = if partner == Partner::Ground { scene.settings.gravity } else { Vector3::zeros() };
            (Vector3::zeros(), onset_speed(geometry, u, &gravity, dt), 0.0)
        }
    };
    FrictionAnchor { pair, local_point, stretch, onset_speed, age }
}

/// The points where the colliders of robot `r` of `scene` touch the ground at `(q, v)`: runs the kinematics into
/// `ws`, and returns for each point the collider's index, the point's index among those the narrow phase reported
/// for that collider, and its geometry. Colliders on the root and colliders whose bounding sphere is clear of the
/// ground (on real parts) are skipped.
pub(crate) fn ground_contact_points<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
) -> Vec<(usize, usize, ContactGeometry<T>)> {
    let robot = &scene.robots[r];
    let colliders = &robot.multibody.colliders;
    let mut found = Vec::new();
    if scene.ground.is_none() || colliders.is_empty() {
        return found;
    }
    forward_kinematics(&robot.multibody, ws, q, v);
    for (k, collider) in colliders.iter().enumerate() {
        let Some(b) = collider.body else { continue };
        // colliders whose bounding sphere is clear of the ground cannot touch it: skipped on real parts before
        // their placement is composed over `T` (most links of a standing robot)
        if height_of_origin(robot, ws, b, collider) - collider.shape.bounding_radius() > 1e-9 {
            continue;
        }
        let pose = &(&robot.base * ws.pose_world(b)) * &collider.placement;
        let mut index = 0;
        shape_ground(&collider.shape, &pose, 0.0, &mut |g| {
            found.push((k, index, g));
            index += 1;
        });
    }
    found
}

/// The ground contact of robot `r` of `scene` at `(q, v)`: runs the kinematics into `ws`, finds each collider's
/// points below the ground, and adds the contact wrenches to `fext` (one per body, body frames, as
/// [`aba`](crate::multibody::aba) takes them). Contacts are appended to `contacts` if given. With an open
/// `anchors` book ([`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)) each contact recalls its
/// friction anchor and keeps the new one.
///
/// Colliders on the root of a fixed-base robot do not move and are skipped.
///
/// # Errors
/// [`crate::Error::Numerical`] if the mass matrix is not positive definite.
///
/// # Panics
/// If `r` is not a robot of `scene` or `fext` does not have one entry per body.
#[allow(clippy::too_many_arguments)]
pub fn robot_ground_contacts<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    fext: &mut [Force<T>],
    mut contacts: Option<&mut Vec<LinkContact<T>>>,
    mut anchors: Option<&mut AnchorBook<T>>,
) -> Result<()> {
    let robot = &scene.robots[r];
    let colliders = &robot.multibody.colliders;
    let Some(ground) = &scene.ground else { return Ok(()) };
    if colliders.is_empty() {
        return Ok(());
    }
    assert_eq!(fext.len(), robot.multibody.n_bodies(), "robot_ground_contacts: one wrench per body");
    let found = ground_contact_points(scene, r, ws, q, v);
    if found.is_empty() {
        return Ok(());
    }
    let anchored = anchors.as_deref().is_some_and(AnchorBook::is_anchored);
    let mass = JointSpaceMass::new(robot, ws, q)?;
    for (k, _, geometry) in found {
        let collider = &colliders[k];
        let body = collider.body.expect("root colliders were skipped");
        let p = &geometry.point;
        let g = mass.point_inverse_mass(robot, ws, body, p);
        let u = point_velocity(robot, ws, body, p);
        let mu = combined_friction(&collider.friction, &ground.friction);
        let e = combined_restitution(&collider.restitution, &ground.restitution);
        let mut memory = link_memory(anchors.as_deref_mut(), scene, ws, (r, k, Partner::Ground), &geometry, &u);
        let force = link_force(scene, &geometry, &u, &g, &mu, &e, &mut memory, anchored);
        if let Some(book) = anchors.as_deref_mut() {
            book.keep(memory);
        }
        add_wrench(robot, ws, body, p, &force, fext);
        if let Some(list) = contacts.as_deref_mut() {
            list.push(LinkContact { robot: r, collider: k, partner: Partner::Ground, geometry, force });
        }
    }
    Ok(())
}

/// What touches a robot link at the start of a step: a free body, or a collider of a robot (the same robot for
/// self-collision).
#[derive(Clone, Copy, Debug)]
enum Other {
    Body(usize),
    Link { robot: usize, collider: usize },
}

/// Whether colliders `a` and `b` of `robot` may touch each other: self-collision on, different bodies that are not
/// parent and child (a joint's two links always overlap at the joint), and their groups and masks agree.
pub(super) fn self_pair_allowed<T: Scalar>(robot: &Robot<T>, a: usize, b: usize) -> bool {
    let model = &robot.multibody;
    let (ca, cb) = (&model.colliders[a], &model.colliders[b]);
    // the parent of a collider's body (`Some(None)`: the root), `None` for a collider on the root itself
    let parent_of = |body: Option<usize>| body.map(|i| model.parent[i]);
    let adjacent = parent_of(ca.body) == Some(cb.body) || parent_of(cb.body) == Some(ca.body);
    robot.self_collision && ca.body != cb.body && !adjacent && groups_agree(ca, cb)
}

/// Collision groups: `a` and `b` may touch when each one's group is in the other's mask.
pub(super) fn groups_agree<T: Scalar>(a: &crate::model::Collider<T>, b: &crate::model::Collider<T>) -> bool {
    a.group & b.mask != 0 && b.group & a.mask != 0
}

/// Contacts of robot links with free bodies and with links (of other robots, or of the same robot when its
/// [`Robot::self_collision`] is on) at the start of a step, from the kinematics last run into `ws[r]` at
/// configuration `qs[r]` for every robot: adds the wrenches on the links to `link_loads[r]` (body frames), the
/// forces and torques on the free bodies (world axes, about their centres of mass) to `body_force` and
/// `body_torque`, and appends the contacts to `contacts`. Both sides of a link–link contact get `G = J M⁻¹ Jᵀ`
/// of their own robot, summed in the law's masses. With an open `anchors` book each contact recalls its friction
/// anchor and keeps the new one.
///
/// # Errors
/// [`crate::Error::Numerical`] if a mass matrix is not positive definite.
///
/// # Panics
/// If a slice has the wrong length.
#[allow(clippy::too_many_arguments)]
pub fn held_link_contacts<T: Scalar>(
    scene: &Model<T>,
    qs: &[&DVector<T>],
    ws: &mut [MultibodyWorkspace<T>],
    bodies: &[BodyState<T>],
    link_loads: &mut [Vec<Force<T>>],
    body_force: &mut [Vector3<T>],
    body_torque: &mut [Vector3<T>],
    contacts: &mut Vec<LinkContact<T>>,
    mut anchors: Option<&mut AnchorBook<T>>,
) -> Result<()> {
    let n = scene.robots.len();
    assert_eq!((qs.len(), ws.len(), link_loads.len()), (n, n, n), "one configuration, workspace and load per robot");
    assert_eq!((body_force.len(), body_torque.len()), (bodies.len(), bodies.len()), "one load per body");
    let poses: Vec<Vec<Transform<T>>> = scene.robots.iter().zip(ws.iter()).map(|(r, w)| collider_poses(r, w)).collect();
    let body_poses: Vec<Transform<T>> =
        bodies.iter().map(|b| Transform::from_position_orientation(b.position, &b.orientation)).collect();
    let near = |pa: &Transform<T>, ra: f64, pb: &Transform<T>, rb: f64| {
        re(&(pa.translation - pb.translation).norm_squared()).sqrt() <= ra + rb
    };
    let anchored = anchors.as_deref().is_some_and(AnchorBook::is_anchored);
    let mut found = Vec::new();
    for (r, robot) in scene.robots.iter().enumerate() {
        for (k, collider) in robot.multibody.colliders.iter().enumerate() {
            let (pose, reach) = (&poses[r][k], bounding_radius(&collider.shape));
            for (i, body) in scene.bodies.iter().enumerate() {
                if near(pose, reach, &body_poses[i], bounding_radius(&body.shape)) {
                    let other = Other::Body(i);
                    collide(&collider.shape, pose, &body.shape, &body_poses[i], 0.0, &mut |g| {
                        found.push((r, k, other, g))
                    });
                }
            }
            for (r2, robot2) in scene.robots.iter().enumerate().skip(r) {
                for (k2, c2) in robot2.multibody.colliders.iter().enumerate() {
                    let allowed =
                        if r2 == r { k2 > k && self_pair_allowed(robot, k, k2) } else { groups_agree(collider, c2) };
                    let static_pair = collider.body.is_none() && c2.body.is_none();
                    if allowed && !static_pair && near(pose, reach, &poses[r2][k2], bounding_radius(&c2.shape)) {
                        let other = Other::Link { robot: r2, collider: k2 };
                        collide(&collider.shape, pose, &c2.shape, &poses[r2][k2], 0.0, &mut |g| {
                            found.push((r, k, other, g))
                        });
                    }
                }
            }
        }
    }
    found.retain(|(_, _, _, g)| re(&g.distance) < 0.0);
    if found.is_empty() {
        return Ok(());
    }
    // the mass matrix of every robot that has a moving collider in contact
    let mut masses: Vec<Option<JointSpaceMass<T>>> = (0..n).map(|_| None).collect();
    for &(r, k, other, _) in &found {
        let mut involve = |r: usize, k: usize| -> Result<()> {
            if masses[r].is_none() && scene.robots[r].multibody.colliders[k].body.is_some() {
                masses[r] = Some(JointSpaceMass::new(&scene.robots[r], &mut ws[r], qs[r])?);
            }
            Ok(())
        };
        involve(r, k)?;
        if let Other::Link { robot, collider } = other {
            involve(robot, collider)?;
        }
    }
    // the point's inverse inertia and velocity on a link (zero for a collider on a fixed root)
    let link_point = |r: usize, k: usize, p: &Vector3<T>| -> (Matrix3<T>, Vector3<T>) {
        let robot = &scene.robots[r];
        match (robot.multibody.colliders[k].body, &masses[r]) {
            (Some(b), Some(mass)) => {
                (mass.point_inverse_mass(robot, &ws[r], b, p), point_velocity(robot, &ws[r], b, p))
            }
            _ => (Matrix3::zeros(), Vector3::zeros()),
        }
    };
    let mut applied = Vec::with_capacity(found.len());
    for (r, k, other, geometry) in found {
        let collider = &scene.robots[r].multibody.colliders[k];
        let p = &geometry.point;
        let (g, u_link) = link_point(r, k, p);
        let partner = match other {
            Other::Body(i) => Partner::Body(i),
            Other::Link { robot, collider } => Partner::Link { robot, collider },
        };
        let (g_other, u_other, mu_other, e_other) = match other {
            Other::Body(i) => {
                let (body, state) = (&scene.bodies[i], &bodies[i]);
                let inverse_inertia = inverse_inertia_world(&body.principal_inertia(), &body_poses[i].rotation);
                let arm = p - state.position;
                let g_body = free_body_point_inverse_inertia(&recip(&body.mass), &inverse_inertia, &arm);
                (g_body, state.velocity + state.angular_velocity.cross(&arm), body.friction, body.restitution)
            }
            Other::Link { robot, collider: k2 } => {
                let (g2, u2) = link_point(robot, k2, p);
                let c2 = &scene.robots[robot].multibody.colliders[k2];
                (g2, u2, c2.friction, c2.restitution)
            }
        };
        let mu = combined_friction(&collider.friction, &mu_other);
        let e = combined_restitution(&collider.restitution, &e_other);
        let u = u_link - u_other;
        let mut memory = link_memory(anchors.as_deref_mut(), scene, &ws[r], (r, k, partner), &geometry, &u);
        let force = link_force(scene, &geometry, &u, &(g + g_other), &mu, &e, &mut memory, anchored);
        if let Some(book) = anchors.as_deref_mut() {
            book.keep(memory);
        }
        applied.push((r, k, other, geometry, force));
    }
    for (r, k, other, geometry, force) in applied {
        let p = geometry.point;
        if let Some(b) = scene.robots[r].multibody.colliders[k].body {
            add_wrench(&scene.robots[r], &ws[r], b, &p, &force, &mut link_loads[r]);
        }
        let partner = match other {
            Other::Body(i) => {
                body_force[i] -= force;
                body_torque[i] -= (p - bodies[i].position).cross(&force);
                Partner::Body(i)
            }
            Other::Link { robot, collider } => {
                if let Some(b) = scene.robots[robot].multibody.colliders[collider].body {
                    add_wrench(&scene.robots[robot], &ws[robot], b, &p, &(-force), &mut link_loads[robot]);
                }
                Partner::Link { robot, collider }
            }
        };
        contacts.push(LinkContact { robot: r, collider: k, partner, geometry, force });
    }
    Ok(())
}
