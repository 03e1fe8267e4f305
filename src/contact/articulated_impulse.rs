//! Robot links under the impulse model: the rows that [`resolve_collisions`](super::resolve_collisions) and
//! [`solve_impulses`](super::solve_impulses) solve for the contacts of robot colliders with the ground, with free
//! bodies and with links (of other robots, or of their own robot with self-collision on), in joint space.
//!
//! A point `p` of a link moves at `J v` (`J` its 3 × nv velocity Jacobian, `v` the robot's joint velocities); an
//! impulse `λ` there changes `v` by `M̃⁻¹ Jᵀ λ`, with `M̃ = M + dt D` the joint-space inertia a semi-implicit Euler
//! step solves with (the passive and controller damping it takes implicitly), factored once per step by LDLᵀ
//! along the kinematic tree. A row keeps `J` and `M̃⁻¹ Jᵀ` ([`LinkPoint`]); its Delassus operator
//! `W = J M̃⁻¹ Jᵀ` (plus its partner's, [`BodyVelocities::delassus`]) gives its effective masses. Projected
//! Gauss–Seidel on these rows is the joint-space contact solve of MuJoCo's PGS and of Drake's and Bullet's
//! multibody solvers; the robot's feet are coupled through `M̃⁻¹` exactly, one row update at a time.
//!
//! Contacts are speculative, as for free bodies: a collider is tested against what it could reach within the step
//! (its speed along the free step's velocity times `dt`, plus the allowed penetration), so that a foot falling
//! fast is stopped at the ground, and its bounce placed at its time of impact, instead of found a step late.

use super::articulated::{collider_poses, groups_agree, height_of_origin, self_pair_allowed};
use super::{combined_friction, combined_restitution, resting_targets, tangent_frame};
use super::{BodyVelocities, ImpulseRow, LinkContact, LinkPoint, Partner};
use crate::geometry::narrow_phase::{collide, shape_ground};
use crate::geometry::ContactGeometry;
use crate::model::Robot;
use crate::model::{bounding_radius, Model};
use crate::multibody::ldlt::{ltdl_factor, ltdl_solve_on_path};
use crate::multibody::{crba, forward_kinematics, point_jacobian, MultibodyWorkspace};
use crate::scalar::{mat_mul, re, recip};
use crate::spatial::Transform;
use crate::{Result, Scalar};
use nalgebra::{DMatrix, DVector, Vector3};

/// A robot's part in one step of the impulse model.
#[derive(Debug)]
pub struct JointSpaceStep<'a, T: Scalar> {
    /// Configuration at the start of the step.
    pub q: &'a DVector<T>,
    /// Joint velocities at the start of the step.
    pub v: &'a DVector<T>,
    /// `dt D` per velocity coordinate: the damping the step takes implicitly (zero on a free joint), so that the
    /// step solves with `M̃ = M(q) + diag(dt D)`.
    pub implicit_damping: DVector<T>,
    /// The robot's workspace; [`link_impulse_rows`] runs the kinematics at `q` into it.
    pub ws: &'a mut MultibodyWorkspace<T>,
    /// The LDLᵀ factor of `M̃` ([`ltdl_factor`]), made by [`link_impulse_rows`] when the robot has a contact.
    pub factor: Option<DMatrix<T>>,
}

impl<T: Scalar> JointSpaceStep<'_, T> {
    /// Factors `M̃` (CRBA, the implicit damping on the diagonal, LDLᵀ along the tree) unless done.
    fn ensure_factored(&mut self, robot: &Robot<T>) -> Result<()> {
        if self.factor.is_none() {
            let mut m = crba(&robot.multibody, self.ws, self.q);
            for i in 0..m.nrows() {
                m[(i, i)] += self.implicit_damping[i];
            }
            ltdl_factor(&mut m, self.ws.mass_sparsity())?;
            self.factor = Some(m);
        }
        Ok(())
    }
}

/// One end of a contact found by [`link_impulse_rows`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    /// Collider `collider` of robot `robot`, on its moving body `body`.
    Link { robot: usize, collider: usize, body: usize },
    /// Free body `i`.
    Body(usize),
}

/// A contact found by [`link_impulse_rows`]: side `a`, side `b` (`None`: the ground or a static collider), the
/// robot collider it is reported under and what that collider touches.
struct Found<T: Scalar> {
    a: End,
    b: Option<End>,
    owner: (usize, usize),
    partner: Partner,
    geometry: ContactGeometry<T>,
}

/// Appends to `rows` an impulse row for every contact of a robot collider that may close within the step, and to
/// `contacts` the matching [`LinkContact`] (same order, force zero: the caller sets it from the solved impulses,
/// the impulse on side `a` over `dt`, negated for a free body against a static collider, whose contact is reported
/// from the collider's side).
/// `poses` are the free bodies' poses at the start of the step and `velocities` the participants' velocities of
/// the free step (bodies, then `velocities.joints[r]` for robot `r`, the velocity a semi-implicit Euler step moves
/// `robots[r].q` along).
///
/// Rows have the robot link on side `a` (participant `n_bodies + r`) and the ground, a free body or another
/// robot's link on side `b`, the normal pointing from `b` to `a`. Two links of one robot (self-collision) are one
/// side with the difference of their points' Jacobians. A free body touching a collider on a fixed robot root is a
/// row of the body against that static collider (`b = None`). The rows of one pair are contiguous, as
/// [`resolve_collisions`](super::resolve_collisions) groups them. Each row's free-motion normal acceleration
/// ([`ImpulseRow::accel`], for the time of impact) is the one of the free step, `n · (J (w − v) / dt − a_b)`, with
/// `a_b` gravity for a free-body partner, its own `J (w − v) / dt` for a link and zero for the ground. The robots
/// with a contact get their `M̃` factored (into `JointSpaceStep::factor`).
///
/// # Errors
/// [`crate::Error::Numerical`] if a robot's `M̃` is not positive definite.
pub fn link_impulse_rows<T: Scalar>(
    scene: &Model<T>,
    robots: &mut [JointSpaceStep<'_, T>],
    poses: &[Transform<T>],
    velocities: &BodyVelocities<'_, T>,
    rows: &mut Vec<ImpulseRow<T>>,
    contacts: &mut Vec<LinkContact<T>>,
) -> Result<()> {
    let settings = &scene.settings.contact;
    let dt = scene.settings.dt;
    let allowed = settings.allowed_penetration;
    // kinematics along the free step's velocity: placements for the geometry, twists for the margins
    let mut collider_pose = Vec::with_capacity(robots.len());
    let mut margin = Vec::with_capacity(robots.len());
    for (r, step) in robots.iter_mut().enumerate() {
        let robot = &scene.robots[r];
        forward_kinematics(&robot.multibody, step.ws, step.q, &velocities.joints[r]);
        collider_pose.push(collider_poses(robot, step.ws));
        let reach = |c: &crate::model::Collider<T>| match c.body {
            Some(b) => {
                let twist = step.ws.velocity_body(b);
                let arm = re(&c.placement.translation.norm_squared()).sqrt() + bounding_radius(&c.shape);
                let speed = re(&twist.linear.norm_squared()).sqrt() + re(&twist.angular.norm_squared()).sqrt() * arm;
                speed * dt + allowed
            }
            None => allowed,
        };
        margin.push(robot.multibody.colliders.iter().map(reach).collect::<Vec<f64>>());
    }
    let body_margin: Vec<f64> = (scene.bodies.iter().enumerate())
        .map(|(i, body)| {
            let speed = re(&velocities.linear[i].norm_squared()).sqrt()
                + re(&velocities.angular[i].norm_squared()).sqrt() * bounding_radius(&body.shape);
            speed * dt + allowed
        })
        .collect();
    let near = |pa: &Transform<T>, ra: f64, pb: &Transform<T>, rb: f64| {
        re(&(pa.translation - pb.translation).norm_squared()).sqrt() <= ra + rb
    };
    let mut found: Vec<Found<T>> = Vec::new();
    for (r, robot) in scene.robots.iter().enumerate() {
        let colliders = &robot.multibody.colliders;
        let link = |k: usize| colliders[k].body.map(|body| End::Link { robot: r, collider: k, body });
        // the ground
        if scene.ground.is_some() {
            for (k, collider) in colliders.iter().enumerate() {
                let (Some(a), Some(body)) = (link(k), collider.body) else { continue };
                let m = margin[r][k];
                if height_of_origin(robot, robots[r].ws, body, collider) - collider.shape.bounding_radius() > m {
                    continue;
                }
                shape_ground(&collider.shape, &collider_pose[r][k], m, &mut |geometry| {
                    found.push(Found { a, b: None, owner: (r, k), partner: Partner::Ground, geometry })
                });
            }
        }
        // free bodies, pair by pair
        for (i, body) in scene.bodies.iter().enumerate() {
            for (k, collider) in colliders.iter().enumerate() {
                let (pose, m) = (&collider_pose[r][k], margin[r][k] + body_margin[i]);
                if !near(pose, bounding_radius(&collider.shape) + m, &poses[i], bounding_radius(&body.shape)) {
                    continue;
                }
                let partner = Partner::Body(i);
                match link(k) {
                    Some(a) => collide(&collider.shape, pose, &body.shape, &poses[i], m, &mut |geometry| {
                        found.push(Found { a, b: Some(End::Body(i)), owner: (r, k), partner, geometry })
                    }),
                    // a static collider on a fixed root: the body against it, normal towards the body
                    None => collide(&body.shape, &poses[i], &collider.shape, pose, m, &mut |geometry| {
                        found.push(Found { a: End::Body(i), b: None, owner: (r, k), partner, geometry })
                    }),
                }
            }
        }
        // links of this robot (self-collision) and of the robots after it
        for (r2, robot2) in scene.robots.iter().enumerate().skip(r) {
            if r2 == r && !robot.self_collision {
                continue;
            }
            for (k, collider) in colliders.iter().enumerate() {
                for (k2, c2) in robot2.multibody.colliders.iter().enumerate() {
                    let allowed_pair =
                        if r2 == r { k2 > k && self_pair_allowed(robot, k, k2) } else { groups_agree(collider, c2) };
                    let (pa, pb) = (&collider_pose[r][k], &collider_pose[r2][k2]);
                    let m = margin[r][k] + margin[r2][k2];
                    if !allowed_pair || !near(pa, bounding_radius(&collider.shape) + m, pb, bounding_radius(&c2.shape))
                    {
                        continue;
                    }
                    let other = c2.body.map(|body| End::Link { robot: r2, collider: k2, body });
                    let (shape_a, shape_b) = (&collider.shape, &c2.shape);
                    match (link(k), other) {
                        (Some(a), b) => {
                            let partner = Partner::Link { robot: r2, collider: k2 };
                            collide(shape_a, pa, shape_b, pb, m, &mut |geometry| {
                                found.push(Found { a, b, owner: (r, k), partner, geometry })
                            })
                        }
                        (None, Some(a)) => {
                            let partner = Partner::Link { robot: r, collider: k };
                            collide(shape_b, pb, shape_a, pa, m, &mut |geometry| {
                                found.push(Found { a, b: None, owner: (r2, k2), partner, geometry })
                            })
                        }
                        (None, None) => {}
                    }
                }
            }
        }
    }
    // contiguous pairs, in a fixed order
    found.sort_by_key(|f| (participant(f.a, poses.len()), f.b.map(|b| participant(b, poses.len()))));
    // `M̃` of every robot with a moving link in contact
    for f in &found {
        for end in [Some(f.a), f.b].into_iter().flatten() {
            if let End::Link { robot, .. } = end {
                robots[robot].ensure_factored(&scene.robots[robot])?;
            }
        }
    }
    for f in found {
        let row = link_row(scene, robots, poses, velocities, &f);
        let (robot, collider) = f.owner;
        let geometry = match f.a {
            End::Link { .. } => f.geometry,
            // reported from the static collider's side: the normal towards it
            End::Body(_) => ContactGeometry { normal: -f.geometry.normal, ..f.geometry },
        };
        contacts.push(LinkContact { robot, collider, partner: f.partner, geometry, force: Vector3::zeros() });
        rows.push(row);
    }
    Ok(())
}

/// The participant index of an end: a free body's own index, robot `r` after the `n_bodies` bodies.
fn participant(end: End, n_bodies: usize) -> usize {
    match end {
        End::Link { robot, .. } => n_bodies + robot,
        End::Body(i) => i,
    }
}

/// The link point of end `end` at the world point `p`: its Jacobian in world axes, `M̃⁻¹ Jᵀ` and the point in the
/// collider body's axes.
fn link_point<T: Scalar>(
    scene: &Model<T>,
    robots: &[JointSpaceStep<'_, T>],
    (r, body): (usize, usize),
    p: &Vector3<T>,
) -> LinkPoint<T> {
    let robot = &scene.robots[r];
    let step = &robots[r];
    let frame = &robot.base * step.ws.pose_world(body);
    let in_root = robot.base.inverse_transform_point(p);
    let jacobian = mat_mul(&robot.base.rotation, &point_jacobian(&robot.multibody, step.ws, body, &in_root));
    let mut response = jacobian.transpose();
    let joint = &robot.multibody.joints[body];
    let factor = step.factor.as_ref().expect("the robots in contact are factored first");
    ltdl_solve_on_path(factor, step.ws.mass_sparsity(), &mut response, joint.v_index + joint.kind.nv() - 1);
    LinkPoint { robot: r, jacobian, response, local_point: frame.inverse_transform_point(p).map(|x| re(&x)) }
}

/// The impulse row of contact `f`.
fn link_row<T: Scalar>(
    scene: &Model<T>,
    robots: &[JointSpaceStep<'_, T>],
    poses: &[Transform<T>],
    velocities: &BodyVelocities<'_, T>,
    f: &Found<T>,
) -> ImpulseRow<T> {
    let settings = &scene.settings.contact;
    let dt = scene.settings.dt;
    let nb = poses.len();
    let g = &f.geometry;
    let p = &g.point;
    let n = g.normal;
    // the free step's acceleration of an end's point (m/s²): J (w − v) / dt for a link, gravity for a body
    let accel_of = |end: End, link: Option<&LinkPoint<T>>| match (end, link) {
        (End::Link { robot, .. }, Some(link)) => {
            &link.jacobian * (&velocities.joints[robot] - robots[robot].v) * T::from(1.0 / dt)
        }
        _ => scene.settings.gravity,
    };
    let mut links: [Option<Box<LinkPoint<T>>>; 2] = [None, None];
    let (mut ra, mut rb) = (Vector3::zeros(), Vector3::zeros());
    let mut b_index = None;
    let mut accel = Vector3::zeros();
    match f.a {
        End::Link { robot, body, .. } => {
            let point = link_point(scene, robots, (robot, body), p);
            accel += accel_of(f.a, Some(&point));
            links[0] = Some(Box::new(point));
        }
        End::Body(i) => {
            ra = p - poses[i].translation;
            accel += accel_of(f.a, None);
        }
    }
    match f.b {
        None => {}
        Some(End::Body(i)) => {
            rb = p - poses[i].translation;
            accel -= accel_of(End::Body(i), None);
            b_index = Some(i);
        }
        Some(b @ End::Link { robot, body, .. }) => {
            let point = link_point(scene, robots, (robot, body), p);
            accel -= accel_of(b, Some(&point));
            match (f.a, &mut links[0]) {
                // self-collision: one side, the difference of the two points
                (End::Link { robot: ra_robot, .. }, Some(own)) if ra_robot == robot => {
                    own.jacobian -= &point.jacobian;
                    own.response -= &point.response;
                }
                _ => {
                    links[1] = Some(Box::new(point));
                    b_index = Some(nb + robot);
                }
            }
        }
    }
    let (mu, e) = end_material(scene, f);
    let gap = g.distance;
    let (target, position_target, correction) =
        resting_targets(&gap, settings.allowed_penetration, settings.position_correction, dt);
    let mut row = ImpulseRow {
        a: participant(f.a, nb),
        b: b_index,
        ra,
        rb,
        links,
        collider: Some(f.owner.1),
        frame: tangent_frame(&n),
        mass: [T::zero(); 3],
        friction: mu,
        restitution: e,
        gap,
        accel: accel.dot(&n),
        target,
        position_target,
        correction,
        impulse: [T::zero(); 4],
        collision: T::zero(),
        bounce: None,
    };
    let w = velocities.delassus(&row);
    row.mass = row.frame.map(|d| recip(&d.dot(&(w * d))));
    row
}

/// Friction and restitution of contact `f`: the robot collider's combined with its partner's.
fn end_material<T: Scalar>(scene: &Model<T>, f: &Found<T>) -> (T, T) {
    let (r, k) = f.owner;
    let collider = &scene.robots[r].multibody.colliders[k];
    let (mu, e) = match f.partner {
        Partner::Ground => {
            let ground = scene.ground.as_ref().expect("a ground contact has a ground");
            (ground.friction, ground.restitution)
        }
        Partner::Body(i) => (scene.bodies[i].friction, scene.bodies[i].restitution),
        Partner::Link { robot, collider } => {
            let c2 = &scene.robots[robot].multibody.colliders[collider];
            (c2.friction, c2.restitution)
        }
    };
    (combined_friction(&collider.friction, &mu), combined_restitution(&collider.restitution, &e))
}
