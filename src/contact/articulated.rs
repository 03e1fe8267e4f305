//! Compliant contact on robot links: the colliders of a [`Robot`] against the ground and against free rigid
//! bodies, as wrenches on the links (the `fext` of [`aba`](crate::multibody::aba)) and forces on the bodies.
//!
//! The law is the free bodies' ([`compliant_contact_force`](super::compliant_contact_force)): a C¹ spring–damper normal force with regularised
//! Coulomb friction. What an articulated body changes is the mass a contact point has: a foot at the end of a leg
//! is not a free particle. Both masses the law needs come from the contact point's inverse inertia in joint space,
//! `G = J M⁻¹ Jᵀ` (`J` the point's velocity Jacobian, `M` the joint-space mass matrix from
//! [`crba`](crate::multibody::crba), factored once per evaluation by LDLᵀ):
//! - the damping uses the normal mass `m* = 1 / (nᵀ G n)` (plus the partner body's inverse mass along `n`), so
//!   the restitution of a link's bounce is what its material says; it is taken implicitly along the normal,
//!   `c / (1 + c dt / m*)`, because a foot's normal mass is small (0.17 kg for a standing
//!   Go1) and explicit critical damping at `k = 1e5 N/m`, 1 ms, would be at its stability limit (it chattered in a
//!   two-step cycle, the ground force alternating between 0.45 and 1.55 times the weight); with it the damper
//!   removes at most the whole normal velocity in a step and the step is stable for `√(k / m*) dt < √2`;
//! - the friction regularisation uses the sideways mass `1 / tr G` (a lower bound of the mass the point has in any
//!   direction, plus the partner's bound), so one explicit step never reverses sliding.
//!
//! # Gradients
//! As for free bodies: which colliders touch is decided on the real part; the force and its first derivative are
//! continuous at contact onset, so dual numbers give exact derivatives with respect to `q`, `v`, `τ`, link
//! inertias (through `M`), friction, restitution and contact stiffness.

use super::compliant::compliant_force;
use super::{combined_friction, combined_restitution};
use crate::geometry::narrow_phase::{collide, shape_ground};
use crate::geometry::ContactGeometry;
use crate::model::{bounding_radius, Model, Robot};
use crate::multibody::ldlt::{ldlt_factor, ldlt_solve};
use crate::multibody::MultibodyWorkspace;
use crate::multibody::{crba, forward_kinematics, inverse_inertia_world, point_jacobian, BodyState};
use crate::scalar::{re, recip};
use crate::spatial::{Force, Transform};
use crate::{Result, Scalar};
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// What a robot's collider touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partner {
    /// The ground plane.
    Ground,
    /// Free rigid body `i` of the model.
    Body(usize),
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
        ldlt_factor(&mut factor)?;
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
        let j = robot.base.rotation * point_jacobian(&robot.multibody, ws, body, &in_root);
        let mut m_inv_jt = j.transpose();
        ldlt_solve(&self.factor, &mut m_inv_jt);
        j * m_inv_jt
    }
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

/// The inverse masses of a contact's partner along the normal and sideways (1/kg), zero for the ground.
struct PartnerMass<T: Scalar> {
    normal: T,
    sideways: T,
}

/// The compliant force on the link at one contact: link point velocity `u_link`, partner point velocity
/// `u_partner`, the link point's `G` and the partner's inverse masses.
#[allow(clippy::too_many_arguments)]
fn link_force<T: Scalar>(
    scene: &Model<T>,
    geometry: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    g: &Matrix3<T>,
    partner: &PartnerMass<T>,
    friction: &T,
    restitution: &T,
) -> Vector3<T> {
    let n = &geometry.normal;
    let normal_mass = recip(&(n.dot(&(g * n)) + partner.normal));
    let sideways_mass = recip(&(g.trace() + partner.sideways));
    let dt = scene.world.dt;
    compliant_force(
        &scene.contact,
        geometry,
        relative_velocity,
        friction,
        restitution,
        &normal_mass,
        &sideways_mass,
        dt,
        true,
    )
}

/// The ground contact of robot `r` of `scene` at `(q, v)`: runs the kinematics into `ws`, finds each collider's
/// points below the ground, and adds the contact wrenches to `fext` (one per body, body frames, as
/// [`aba`](crate::multibody::aba) takes them). Contacts are appended to `contacts` if given.
///
/// Colliders on the root of a fixed-base robot do not move and are skipped.
///
/// # Errors
/// [`crate::Error::Numerical`] if the mass matrix is not positive definite.
///
/// # Panics
/// If `r` is not a robot of `scene` or `fext` does not have one entry per body.
pub fn robot_ground_contacts<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    fext: &mut [Force<T>],
    mut contacts: Option<&mut Vec<LinkContact<T>>>,
) -> Result<()> {
    let robot = &scene.robots[r];
    let colliders = &robot.multibody.colliders;
    let Some(ground) = &scene.ground else { return Ok(()) };
    if colliders.is_empty() {
        return Ok(());
    }
    assert_eq!(fext.len(), robot.multibody.n_bodies(), "robot_ground_contacts: one wrench per body");
    forward_kinematics(&robot.multibody, ws, q, v);
    let poses = collider_poses(robot, ws);
    let mut found = Vec::new();
    for (k, (collider, pose)) in colliders.iter().zip(&poses).enumerate() {
        if collider.body.is_some() {
            shape_ground(&collider.shape, pose, 0.0, &mut |g| found.push((k, g)));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let mass = JointSpaceMass::new(robot, ws, q)?;
    let none = PartnerMass { normal: T::zero(), sideways: T::zero() };
    for (k, geometry) in found {
        let collider = &colliders[k];
        let body = collider.body.expect("root colliders were skipped");
        let p = &geometry.point;
        let g = mass.point_inverse_mass(robot, ws, body, p);
        let u = point_velocity(robot, ws, body, p);
        let mu = combined_friction(&collider.friction, &ground.friction);
        let e = combined_restitution(&collider.restitution, &ground.restitution);
        let force = link_force(scene, &geometry, &u, &g, &none, &mu, &e);
        add_wrench(robot, ws, body, p, &force, fext);
        if let Some(list) = contacts.as_deref_mut() {
            list.push(LinkContact { robot: r, collider: k, partner: Partner::Ground, geometry, force });
        }
    }
    Ok(())
}

/// Contact between the colliders of robot `r` (at the kinematics last run into `ws`, at configuration `q`) and the
/// free rigid bodies (at `bodies`): adds the wrenches on the links to `fext` (body frames) and the forces and
/// torques on the bodies (world axes, about their centres of mass) to `body_force` and `body_torque`. Contacts
/// are appended to `contacts`.
///
/// # Errors
/// [`crate::Error::Numerical`] if the mass matrix is not positive definite.
///
/// # Panics
/// If a slice has the wrong length.
#[allow(clippy::too_many_arguments)]
pub fn robot_body_contacts<T: Scalar>(
    scene: &Model<T>,
    r: usize,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    bodies: &[BodyState<T>],
    fext: &mut [Force<T>],
    body_force: &mut [Vector3<T>],
    body_torque: &mut [Vector3<T>],
    contacts: &mut Vec<LinkContact<T>>,
) -> Result<()> {
    let robot = &scene.robots[r];
    let colliders = &robot.multibody.colliders;
    if colliders.is_empty() || bodies.is_empty() {
        return Ok(());
    }
    assert_eq!((body_force.len(), body_torque.len()), (bodies.len(), bodies.len()), "one load per body");
    let poses = collider_poses(robot, ws);
    let mut found = Vec::new();
    for (k, (collider, pose)) in colliders.iter().zip(&poses).enumerate() {
        let reach = bounding_radius(&collider.shape);
        for (i, (body, state)) in scene.bodies.iter().zip(bodies).enumerate() {
            let gap = re(&(pose.translation - state.position).norm_squared()).sqrt();
            if gap > reach + bounding_radius(&body.shape) {
                continue;
            }
            let body_pose = Transform::from_position_orientation(state.position, &state.orientation);
            collide(&collider.shape, pose, &body.shape, &body_pose, 0.0, &mut |g| found.push((k, i, g)));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let mass = if colliders.iter().any(|c| c.body.is_some()) { Some(JointSpaceMass::new(robot, ws, q)?) } else { None };
    for (k, i, geometry) in found {
        if re(&geometry.distance) >= 0.0 {
            continue;
        }
        let collider = &colliders[k];
        let (body, state) = (&scene.bodies[i], &bodies[i]);
        let p = &geometry.point;
        let (g, u_link) = match (collider.body, &mass) {
            (Some(b), Some(mass)) => (mass.point_inverse_mass(robot, ws, b, p), point_velocity(robot, ws, b, p)),
            _ => (Matrix3::zeros(), Vector3::zeros()),
        };
        let rotation = Transform::from_position_orientation(state.position, &state.orientation).rotation;
        let inverse_inertia = inverse_inertia_world(&body.principal_inertia(), &rotation);
        let arm = p - state.position;
        let arm_n = arm.cross(&geometry.normal);
        let inverse_mass = recip(&body.mass);
        let partner = PartnerMass {
            normal: inverse_mass + arm_n.dot(&(inverse_inertia * arm_n)),
            sideways: inverse_mass + arm.norm_squared() * inverse_inertia.trace(),
        };
        let u = u_link - (state.velocity + state.angular_velocity.cross(&arm));
        let mu = combined_friction(&collider.friction, &body.friction);
        let e = combined_restitution(&collider.restitution, &body.restitution);
        let force = link_force(scene, &geometry, &u, &g, &partner, &mu, &e);
        if let Some(b) = collider.body {
            add_wrench(robot, ws, b, p, &force, fext);
        }
        body_force[i] -= force;
        body_torque[i] -= arm.cross(&force);
        contacts.push(LinkContact { robot: r, collider: k, partner: Partner::Body(i), geometry, force });
    }
    Ok(())
}
