//! One time step of the rigid bodies, with either contact model.

use crate::contact::warm_start::{is_persistent, local_point, recall, remember, starting_impulse};
use crate::contact::{
    box_box_penalty, combined_friction, combined_restitution, detect_contacts, free_body_point_inverse_inertia,
    link_impulse_rows, onset_speed, point_contact_force, resolve_collisions, resting_targets, solve_impulses,
    tangent_frame, AnchorBook, AnchorPair, BodyVelocities, BoxBody, BoxPairs, CollisionPass, CollisionReport,
    ContactImpulse, ContactMemory, FrictionAnchor, ImpulseRow, JointSpaceStep, LinkContact, SLOWEST_IMPACT,
};
use crate::geometry::{Aabb, BroadPhase, Contact, Shape};
use crate::model::{bounding_radius, ContactModel, Model};
use crate::multibody::BodyState;
use crate::multibody::{free_rotation_step, inverse_inertia_world};
use crate::scalar::{re, recip};
use crate::spatial::integrate_orientation;
use crate::spatial::Transform;
use crate::{Result, Scalar};
use nalgebra::{DVector, Matrix3, Vector3};

/// Scratch space of the rigid-body step; grows to the scene's size on first use and is then reused.
#[derive(Debug, Clone)]
pub struct RigidWorkspace<T: Scalar> {
    poses: Vec<Transform<T>>,
    margins: Vec<f64>,
    boxes: Vec<Aabb>,
    broad: BroadPhase,
    /// The contacts found in the last step (for inspection and tests); with the compliant model a box–box pair
    /// lists the deepest point of each penetrating edge.
    pub contacts: Vec<Contact<T>>,
    /// Impulse model: how far the last step's solver was from converged ([`solve_impulses`]'s return).
    pub(crate) last_sweep_change: f64,
    /// Impulse model: the pairs that met in the last step at an approach speed within [`NEAR_THRESHOLD`] of
    /// the bounce threshold, where the outcome switches between a bounce and none, and those placed at a grazing
    /// time of impact.
    pub(crate) collisions: CollisionReport,
    /// Impulse model: the last step's impacts had not settled when the passes of [`resolve_collisions`] ran out.
    pub(crate) unresolved_impacts: bool,
    /// Compliant model: the sub-steps the last step took ([`crate::integrate`], "Sub-steps").
    pub substeps: usize,
    rows: Vec<ImpulseRow<T>>,
    previous_impulses: Vec<ContactImpulse<T>>,
    taken: Vec<bool>,
    inverse_mass: Vec<T>,
    inverse_inertia: Vec<Matrix3<T>>,
    force: Vec<Vector3<T>>,
    torque: Vec<Vector3<T>>,
    linear: Vec<Vector3<T>>,
    angular: Vec<Vector3<T>>,
    pseudo_linear: Vec<Vector3<T>>,
    pseudo_angular: Vec<Vector3<T>>,
    /// Impulse model with robots: each robot's joint velocities, the free step's on entry to
    /// [`rigid_body_step`] and after contact on return (the velocity its configuration moves along).
    pub(crate) joints: Vec<DVector<T>>,
    /// Impulse model with robots: each robot's joint pseudo-velocities of the position pass.
    pub(crate) pseudo_joints: Vec<DVector<T>>,
    /// Impulse model with robots: the contacts of robot links in the last step, with the force of their impulses.
    pub(crate) link_contacts: Vec<LinkContact<T>>,
}

impl<T: Scalar> Default for RigidWorkspace<T> {
    fn default() -> Self {
        RigidWorkspace {
            poses: Vec::new(),
            margins: Vec::new(),
            boxes: Vec::new(),
            broad: BroadPhase::new(),
            contacts: Vec::new(),
            last_sweep_change: 0.0,
            collisions: CollisionReport::default(),
            unresolved_impacts: false,
            substeps: 1,
            rows: Vec::new(),
            previous_impulses: Vec::new(),
            taken: Vec::new(),
            inverse_mass: Vec::new(),
            inverse_inertia: Vec::new(),
            force: Vec::new(),
            torque: Vec::new(),
            linear: Vec::new(),
            angular: Vec::new(),
            pseudo_linear: Vec::new(),
            pseudo_angular: Vec::new(),
            joints: Vec::new(),
            pseudo_joints: Vec::new(),
            link_contacts: Vec::new(),
        }
    }
}

/// The parts of the [`State`](crate::sim::State) the rigid-body step advances.
pub(crate) struct FreeBodies<'a, T: Scalar> {
    /// The bodies.
    pub bodies: &'a mut [BodyState<T>],
    /// Impulse model: the warm-start impulses.
    pub contact_impulses: &'a mut Vec<ContactImpulse<T>>,
    /// Compliant model: the sub-steps of the last step ([`State::body_substeps`](crate::sim::State::body_substeps)).
    pub substeps: &'a mut usize,
}

/// Forces (N) and torques about the centre of mass (N·m), world axes, on each free body from outside the rigid-body
/// contacts (robot links touching them), held over a step; empty vectors for none.
#[derive(Debug, Clone)]
pub struct BodyLoads<T: Scalar> {
    /// Force on body `i`.
    pub force: Vec<Vector3<T>>,
    /// Torque on body `i`.
    pub torque: Vec<Vector3<T>>,
}

impl<T: Scalar> Default for BodyLoads<T> {
    fn default() -> Self {
        BodyLoads { force: Vec::new(), torque: Vec::new() }
    }
}

/// The friction and restitution of body `a` against body `b`, or against the ground when `b` is `None` (pair
/// rules of [`combined_friction`], [`combined_restitution`]).
fn pair_material<T: Scalar>(scene: &Model<T>, a: usize, b: Option<usize>) -> (T, T) {
    let a = &scene.bodies[a];
    let (mu_b, e_b) = match b {
        Some(b) => (&scene.bodies[b].friction, &scene.bodies[b].restitution),
        None => {
            let g = scene.ground.as_ref().expect("ground contacts exist only with a ground");
            (&g.friction, &g.restitution)
        }
    };
    (combined_friction(&a.friction, mu_b), combined_restitution(&a.restitution, e_b))
}

/// Advances the rigid bodies by one `dt` with semi-implicit Euler: velocities first (gravity, the gyroscopic
/// term, contact), then positions and orientations with the new velocities (orientation by the exponential map,
/// so it stays a unit quaternion).
///
/// * [`ContactModel::Compliant`]: contact forces at the current pose ([`point_contact_force`]) enter the
///   velocity update like any force.
/// * [`ContactModel::Impulse`]: gravity and the free rotation give predicted velocities; contacts are detected
///   with a speculative margin of the distance each body can travel in the step. Impacts (pairs meeting faster
///   than `bounce_threshold`) are resolved first, in sequence, by [`resolve_collisions`]: each gets `−e u_c`
///   from the velocities earlier impacts left, so a strike passes along a row of touching balls. A bounce whose
///   contact is still apart at the start of the step is placed at its time of impact: the pair moves by the gap
///   before the impact plus `e` times the approach after it, so the position after the step is the exact
///   reflection `e (−u_n dt − distance)`, a smooth function of the drop height and the restitution (see
///   `tests/engine/contact_closed_forms.rs`). Then [`solve_impulses`] makes every contact's normal velocity
///   non-negative with friction; speculative contacts still apart only may not close more than their gap
///   (`u_n ≥ −distance / dt`), so nothing tunnels. With
///   [`ContactSettings::warm_start`](crate::model::ContactSettings::warm_start) each resting or sliding
///   contact starts from the impulse it carried at the end of the previous step (`contact_impulses`, matched
///   by body pair and the nearest contact point in the body axes of `a` within a tenth of its bounding
///   radius), and this step's impulses replace them.
///
/// # Gradients at the switches (impulse model)
/// The decisions — which contacts exist, whether one bounces (closing speed above `bounce_threshold`), whether it
/// is hit within this step, whether a clamp of the solver is active — are taken on the real part. Between
/// decisions the step is smooth and dual numbers give its exact derivative. At a decision the trajectory jumps
/// by `O(g dt²)` (the step in which a bounce is resolved changes): derivatives stay right on each side, finite
/// differences across the switch do not. With warm starting, whether a contact finds its remembered impulse
/// is one more decision; since twenty sweeps do not converge exactly, the result depends slightly on the
/// starting impulses, and dual numbers carry that dependence through `contact_impulses` like any other state.
///
/// # Errors
/// [`crate::Error::Numerical`] if the joint-space inertia of a robot in impulse contact is not positive definite.
pub(crate) fn rigid_body_step<T: Scalar>(
    scene: &Model<T>,
    state: FreeBodies<'_, T>,
    anchors: &mut AnchorBook<T>,
    ws: &mut RigidWorkspace<T>,
    loads: &BodyLoads<T>,
    robots: &mut [JointSpaceStep<'_, T>],
) -> Result<()> {
    let FreeBodies { bodies, contact_impulses, substeps } = state;
    let n = bodies.len();
    // last step's impulses become this step's starting point; this step's are written back below
    std::mem::swap(&mut ws.previous_impulses, contact_impulses);
    contact_impulses.clear();
    ws.link_contacts.clear();
    if n == 0 && robots.is_empty() {
        *substeps = 1;
        return Ok(());
    }
    if scene.settings.contact.model == ContactModel::Compliant {
        compliant_step(scene, bodies, anchors, ws, loads, substeps);
        return Ok(());
    }
    *substeps = 1;
    let dt = scene.settings.dt;
    free_motion(scene, bodies, ws, loads, dt);
    impulse_velocities(scene, bodies, ws, robots)?;
    if scene.settings.contact.warm_start {
        remember(&ws.rows, &ws.poses, contact_impulses);
    }
    let dt_t = T::from(dt);
    for (i, state) in bodies.iter_mut().enumerate() {
        let (v, w) = (&ws.linear[i], &ws.angular[i]);
        state.position += (v + ws.pseudo_linear[i]) * dt_t;
        state.orientation = integrate_orientation(&state.orientation, &(w + ws.pseudo_angular[i]), dt);
        state.velocity = *v;
        state.angular_velocity = *w;
    }
    Ok(())
}

/// The poses, inverse masses and world inverse inertias of the bodies, and their free velocities after a step of
/// `h` (s): gravity, the gyroscopic term and the loads from outside the bodies' own contacts.
fn free_motion<T: Scalar>(
    scene: &Model<T>,
    bodies: &[BodyState<T>],
    ws: &mut RigidWorkspace<T>,
    loads: &BodyLoads<T>,
    h: f64,
) {
    let h_t = T::from(h);
    ws.poses.clear();
    ws.inverse_mass.clear();
    ws.inverse_inertia.clear();
    ws.linear.clear();
    ws.angular.clear();
    for (body, state) in scene.bodies.iter().zip(bodies.iter()) {
        let pose = Transform::from_position_orientation(state.position, &state.orientation);
        let principal = body.principal_inertia();
        ws.inverse_inertia.push(inverse_inertia_world(&principal, &pose.rotation));
        ws.inverse_mass.push(recip(&body.mass));
        // free motion: gravity and the gyroscopic term
        ws.linear.push(state.velocity + scene.settings.gravity * h_t);
        ws.angular.push(free_rotation_step(&principal, &pose.rotation, &state.angular_velocity, h));
        ws.poses.push(pose);
    }
    // forces from outside the bodies' own contacts (robot links), held over the step
    for (i, (force, torque)) in loads.force.iter().zip(&loads.torque).enumerate() {
        ws.linear[i] += force * (ws.inverse_mass[i] * h_t);
        ws.angular[i] += ws.inverse_inertia[i] * torque * h_t;
    }
}

/// A contact that begins slower than [`SLOWEST_IMPACT`] never asks for sub-steps; one that begins faster asks
/// for enough that its penetration advances by at most this fraction of the ramp depth per sub-step. Measured on
/// a 0.2 kg ball dropped 0.5 m (3.1 m/s) onto the 1 mm ramp at `dt` = 1 ms in a one-dimensional replica of the
/// step: the dual slope of the apex over the drop height stays within 0.4% of its secant over ±1 mm at 0.04 of
/// the ramp (79 sub-steps while the contact is made), 1.1% at 0.08; with the C¹ smoothstep ramp instead of the
/// smootherstep, 4% at 0.04.
pub const SUBSTEP_RAMP_FRACTION: f64 = 0.04;

/// A contact that begins faster than [`SLOWEST_IMPACT`] is also given at least this many sub-steps over its
/// duration `π √(m / k)` (`m` the translational mass of the pair, reduced for two bodies; `k` the contact
/// stiffness), so that its bounce is integrated finely however short it is.
pub const SUBSTEPS_PER_CONTACT: f64 = 40.0;

/// A contact is sub-stepped while it is younger than this many durations `π √(m / k)`: long enough for any
/// bounce to end, after which a body that stayed (restitution near zero) rests at the step's own size.
pub const SUBSTEP_AGE: f64 = 3.0;

/// Compliant model: one step of the free bodies, in sub-steps while contacts are being made.
///
/// The number of sub-steps `M` comes from [`compliant_substeps`]; each sub-step is a semi-implicit Euler step
/// of `h = dt / M`: free velocities, the contact forces at the sub-step's pose ([`compliant_velocities`]), then
/// positions with the new velocities. The velocity semi-implicit Euler carries is that of the middle of the step
/// it takes, so when `M` changes from the last step's `M₀` (`substeps`, from the state) the velocities are first
/// moved from the middle of a step of `h₀ = dt / M₀` to that of one of `h`: `v += a (h₀ − h) / 2`, with the
/// acceleration `a` of the whole start of the step (gravity, loads and contacts, from a dry evaluation that
/// changes no contact memory). Along a free fall, `M` sub-steps then move a body exactly as one step does; `M`
/// changes while bodies fly or rest, and stays fixed while a bounce lasts.
fn compliant_step<T: Scalar>(
    scene: &Model<T>,
    bodies: &mut [BodyState<T>],
    anchors: &mut AnchorBook<T>,
    ws: &mut RigidWorkspace<T>,
    loads: &BodyLoads<T>,
    substeps: &mut usize,
) {
    let dt = scene.settings.dt;
    let previous = (*substeps).max(1);
    let m = compliant_substeps(scene, bodies, anchors, ws, previous);
    let h = dt / m as f64;
    if m != previous {
        let h_before = dt / previous as f64;
        anchors.dry_run(true);
        free_motion(scene, bodies, ws, loads, h_before);
        compliant_velocities(scene, bodies, anchors, ws, h_before);
        anchors.dry_run(false);
        // v + a (h₀ − h)/2 with a = (v' − v) / h₀
        let shift = T::from(0.5 * (h_before - h) / h_before);
        for (i, state) in bodies.iter_mut().enumerate() {
            state.velocity += (ws.linear[i] - state.velocity) * shift;
            state.angular_velocity += (ws.angular[i] - state.angular_velocity) * shift;
        }
    }
    let mark = anchors.mark();
    let h_t = T::from(h);
    for j in 0..m {
        if j > 0 {
            anchors.next_substep(mark);
        }
        free_motion(scene, bodies, ws, loads, h);
        compliant_velocities(scene, bodies, anchors, ws, h);
        for (i, state) in bodies.iter_mut().enumerate() {
            let (v, w) = (&ws.linear[i], &ws.angular[i]);
            state.position += v * h_t;
            state.orientation = integrate_orientation(&state.orientation, w, h);
            state.velocity = *v;
            state.angular_velocity = *w;
        }
    }
    if m > 1 {
        anchors.end_substeps();
    }
    ws.substeps = m;
    *substeps = m;
}

/// How many sub-steps the free bodies take in this step under the compliant model (at least 1, at most
/// [`ContactSettings::max_substeps`](crate::model::ContactSettings::max_substeps)), from the state at its start
/// and the sub-steps of the last step (`previous`). See [`crate::integrate`], "Sub-steps".
///
/// Every contact of a free body that is touching, or that the pair's speed can close within the step, has an
/// onset speed `w₀`: remembered if it touches already, else where the pair's fall meets the surface
/// ([`onset_speed`]). One that begins faster than [`SLOWEST_IMPACT`] and is younger than [`SUBSTEP_AGE`] of its
/// durations asks for `w₀ dt / (`[`SUBSTEP_RAMP_FRACTION`]` δ)` sub-steps and for [`SUBSTEPS_PER_CONTACT`] over
/// its duration; the step takes the most any contact asks for. All of these are constant over a contact (its
/// onset speed, the masses, the settings), so a bounce keeps one `M` from before it touches until after it
/// leaves. Box–box pairs (the penalty of [`box_box_penalty`]) and robot links are not counted.
pub(crate) fn compliant_substeps<T: Scalar>(
    scene: &Model<T>,
    bodies: &[BodyState<T>],
    anchors: &mut AnchorBook<T>,
    ws: &mut RigidWorkspace<T>,
    previous: usize,
) -> usize {
    let settings = &scene.settings.contact;
    if settings.max_substeps <= 1 || bodies.is_empty() {
        return 1;
    }
    let dt = scene.settings.dt;
    let h_before = dt / previous as f64;
    let gravity = scene.settings.gravity;
    let fall = re(&gravity.norm_squared()).sqrt();
    // how fast each body's points can move in this step (m/s), gravity's gain included
    ws.margins.clear();
    for (body, state) in scene.bodies.iter().zip(bodies) {
        let speed = re(&state.velocity.norm_squared()).sqrt()
            + re(&state.angular_velocity.norm_squared()).sqrt() * bounding_radius(&body.shape)
            + 2.0 * fall * dt;
        ws.margins.push(speed);
    }
    // bodies too slow to begin a contact faster than the slowest impact need nothing, unless a bounce is on
    if previous == 1 && ws.margins.iter().all(|&speed| speed <= SLOWEST_IMPACT) {
        return 1;
    }
    for margin in ws.margins.iter_mut() {
        *margin *= dt;
    }
    ws.poses.clear();
    for state in bodies {
        ws.poses.push(Transform::from_position_orientation(state.position, &state.orientation));
    }
    detect_contacts(scene, &ws.poses, &ws.margins, &mut ws.boxes, &mut ws.broad, BoxPairs::Skip, &mut ws.contacts);
    let (ramp, stiffness) = (re(&settings.ramp_depth), re(&settings.stiffness));
    let mut asked = 1.0_f64;
    anchors.dry_run(true);
    for c in &ws.contacts {
        let p = &c.geometry.point;
        let ra = p - bodies[c.a].position;
        let mut u = bodies[c.a].velocity + bodies[c.a].angular_velocity.cross(&ra);
        let mut mass = re(&scene.bodies[c.a].mass);
        if let Some(b) = c.b {
            let rb = p - bodies[b].position;
            u -= bodies[b].velocity + bodies[b].angular_velocity.cross(&rb);
            let other = re(&scene.bodies[b].mass);
            mass = mass * other / (mass + other);
        }
        let relative_gravity = if c.b.is_some() { Vector3::zeros() } else { gravity };
        let distance = re(&c.geometry.distance);
        let remembered = if distance < 0.0 {
            let local = (ws.poses[c.a].rotation.transpose() * ra).map(|x| re(&x));
            let radius = 0.5 * bounding_radius(&scene.bodies[c.a].shape);
            anchors.recall(AnchorPair::Bodies { a: c.a, b: c.b }, &local, radius)
        } else {
            None
        };
        let (w0, age) = match remembered {
            Some((_, onset, age)) => (re(&onset), age),
            None => {
                // apart: can the pair close the gap within the step?
                let n = &c.geometry.normal;
                let w = -re(&(u + relative_gravity * T::from(0.5 * h_before)).dot(n));
                let pull = (-re(&relative_gravity.dot(n))).max(0.0);
                if distance >= 0.0 && (w <= 0.0 || w * dt + 1.5 * pull * dt * dt < distance) {
                    continue;
                }
                (re(&onset_speed(&c.geometry, &u, &relative_gravity, h_before)), 0.0)
            }
        };
        let duration = std::f64::consts::PI * (mass / stiffness).sqrt();
        if w0 <= SLOWEST_IMPACT * (1.0 + 1e-9) || age > SUBSTEP_AGE * duration {
            continue;
        }
        if ramp > 0.0 {
            asked = asked.max(w0 * dt / (SUBSTEP_RAMP_FRACTION * ramp));
        }
        asked = asked.max(SUBSTEPS_PER_CONTACT * dt / duration);
    }
    anchors.dry_run(false);
    asked.min(settings.max_substeps as f64).ceil() as usize
}

/// Compliant model: add `h ·` the contact forces (and torques) at the current pose to the free velocities of a
/// (sub-)step of `h` (s).
/// Box–box pairs use the penalty that derives from a potential ([`box_box_penalty`], with regularised friction);
/// every other pair and the ground use the contact points of the narrow phase. With
/// [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored) each such contact finds its anchor of the last step (same pair, the nearest contact
/// point in the body axes of `a` within half its bounding radius) in `anchors` and keeps its new one there.
fn compliant_velocities<T: Scalar>(
    scene: &Model<T>,
    bodies: &[BodyState<T>],
    anchors: &mut AnchorBook<T>,
    ws: &mut RigidWorkspace<T>,
    dt: f64,
) {
    let anchored = anchors.is_anchored();
    let gravity = scene.settings.gravity;
    let n = bodies.len();
    ws.margins.clear();
    ws.margins.resize(n, 0.0);
    detect_contacts(scene, &ws.poses, &ws.margins, &mut ws.boxes, &mut ws.broad, BoxPairs::Skip, &mut ws.contacts);
    ws.force.clear();
    ws.force.resize(n, Vector3::zeros());
    ws.torque.clear();
    ws.torque.resize(n, Vector3::zeros());
    for c in &ws.contacts {
        if re(&c.geometry.distance) >= 0.0 {
            continue;
        }
        let p = &c.geometry.point;
        let ra = p - bodies[c.a].position;
        let mut u = bodies[c.a].velocity + bodies[c.a].angular_velocity.cross(&ra);
        // the contact point's inverse inertia, both sides summed
        let mut g = free_body_point_inverse_inertia(&ws.inverse_mass[c.a], &ws.inverse_inertia[c.a], &ra);
        let rb = c.b.map(|b| p - bodies[b].position);
        if let (Some(b), Some(rb)) = (c.b, &rb) {
            u -= bodies[b].velocity + bodies[b].angular_velocity.cross(rb);
            g += free_body_point_inverse_inertia(&ws.inverse_mass[b], &ws.inverse_inertia[b], rb);
        }
        let (mu, e) = pair_material(scene, c.a, c.b);
        // what the contact remembers: its onset speed, and its anchor's stretch
        let pair = AnchorPair::Bodies { a: c.a, b: c.b };
        let local = (ws.poses[c.a].rotation.transpose() * ra).map(|x| re(&x));
        let radius = 0.5 * bounding_radius(&scene.bodies[c.a].shape);
        let (mut stretch, onset_speed, age) = match anchors.recall(pair, &local, radius) {
            Some((stretch, onset, age)) => (stretch, onset, age + dt),
            None => {
                let relative_gravity = if c.b.is_some() { Vector3::zeros() } else { gravity };
                (Vector3::zeros(), onset_speed(&c.geometry, &u, &relative_gravity, dt), 0.0)
            }
        };
        let memory = ContactMemory { onset_speed, stretch: anchored.then_some(&mut stretch) };
        let f = point_contact_force(&scene.settings.contact, &c.geometry, &u, &g, &mu, &e, dt, memory);
        // every touching contact keeps its memory, even at a zero real stretch: its derivative may not be zero
        anchors.keep(FrictionAnchor { pair, local_point: local, stretch, onset_speed, age });
        ws.torque[c.a] += ra.cross(&f);
        ws.force[c.a] += &f;
        if let (Some(b), Some(rb)) = (c.b, rb) {
            ws.torque[b] -= rb.cross(&f);
            ws.force[b] -= f;
        }
    }
    for &(i, j) in &ws.broad.pairs {
        let (Shape::Box { size: size_i }, Shape::Box { size: size_j }) =
            (&scene.bodies[i].shape, &scene.bodies[j].shape)
        else {
            continue;
        };
        let (half_i, half_j) = (size_i * T::from(0.5), size_j * T::from(0.5));
        let body = |k: usize, half| BoxBody {
            pose: &ws.poses[k],
            half,
            velocity: &bodies[k].velocity,
            angular_velocity: &bodies[k].angular_velocity,
            mass: &scene.bodies[k].mass,
            inverse_inertia: &ws.inverse_inertia[k],
        };
        let (mu, e) = pair_material(scene, i, Some(j));
        let contacts = &mut ws.contacts;
        let (on_i, on_j) = box_box_penalty(
            &scene.settings.contact,
            &body(i, &half_i),
            &body(j, &half_j),
            &mu,
            &e,
            dt,
            &mut |geometry| contacts.push(Contact { a: i, b: Some(j), geometry }),
        );
        ws.force[i] += on_i.linear;
        ws.torque[i] += on_i.angular;
        ws.force[j] += on_j.linear;
        ws.torque[j] += on_j.angular;
    }
    let dt_t = T::from(dt);
    for i in 0..n {
        ws.linear[i] += ws.force[i] * (ws.inverse_mass[i] * dt_t);
        ws.angular[i] += ws.inverse_inertia[i] * ws.torque[i] * dt_t;
    }
}

/// An approach speed within this fraction of the bounce threshold is reported as near it
/// ([`crate::sim::DerivativeIssue::NearBounceThreshold`]).
pub(crate) const NEAR_THRESHOLD: f64 = 0.1;

/// Impulse model: speculative contacts, impacts in sequence ([`resolve_collisions`]: restitution, time of impact),
/// then resting and sliding contact ([`solve_impulses`]). Robots take part with their joint velocities
/// (`ws.joints`) and the rows of their links' contacts ([`link_impulse_rows`]), solved in the same sweeps.
fn impulse_velocities<T: Scalar>(
    scene: &Model<T>,
    bodies: &[BodyState<T>],
    ws: &mut RigidWorkspace<T>,
    robots: &mut [JointSpaceStep<'_, T>],
) -> Result<()> {
    let n = bodies.len();
    let dt = scene.settings.dt;
    let settings = &scene.settings.contact;
    ws.margins.clear();
    for (i, body) in scene.bodies.iter().enumerate() {
        let speed = re(&ws.linear[i].norm_squared()).sqrt()
            + re(&ws.angular[i].norm_squared()).sqrt() * bounding_radius(&body.shape);
        ws.margins.push(speed * dt + settings.allowed_penetration);
    }
    detect_contacts(scene, &ws.poses, &ws.margins, &mut ws.boxes, &mut ws.broad, BoxPairs::Manifold, &mut ws.contacts);
    ws.rows.clear();
    ws.collisions.clear();
    ws.last_sweep_change = 0.0;
    for c in &ws.contacts {
        let p = &c.geometry.point;
        let ra = p - bodies[c.a].position;
        let rb = match c.b {
            Some(b) => p - bodies[b].position,
            None => Vector3::zeros(),
        };
        let frame = tangent_frame(&c.geometry.normal);
        let velocities = BodyVelocities {
            linear: &mut ws.linear,
            angular: &mut ws.angular,
            inverse_mass: &ws.inverse_mass,
            inverse_inertia: &ws.inverse_inertia,
            joints: &mut [],
        };
        let mass = [0, 1, 2].map(|k| velocities.effective_mass(c.a, c.b, &ra, &rb, &frame[k]));
        // normal relative acceleration of the free motion: gravity, against the ground only
        let accel = match c.b {
            Some(_) => T::zero(),
            None => scene.settings.gravity.dot(&frame[0]),
        };
        let (mu, e) = pair_material(scene, c.a, c.b);
        let gap = c.geometry.distance;
        // impacts (restitution, time of impact) are resolved by `resolve_collisions`; what is left is
        // non-penetration: a contact still apart may close its gap, one too deep is pushed out
        let (target, position_target, correction) =
            resting_targets(&gap, settings.allowed_penetration, settings.position_correction, dt);
        ws.rows.push(ImpulseRow {
            a: c.a,
            b: c.b,
            ra,
            rb,
            links: [None, None],
            collider: None,
            frame,
            mass,
            friction: mu,
            restitution: e,
            gap,
            accel,
            target,
            position_target,
            correction,
            impulse: [T::zero(), T::zero(), T::zero(), T::zero()],
            collision: T::zero(),
            bounce: None,
        });
    }
    let body_rows = ws.rows.len();
    if !robots.is_empty() {
        let velocities = BodyVelocities {
            linear: &mut ws.linear,
            angular: &mut ws.angular,
            inverse_mass: &ws.inverse_mass,
            inverse_inertia: &ws.inverse_inertia,
            joints: &mut ws.joints,
        };
        link_impulse_rows(scene, robots, &ws.poses, &velocities, &mut ws.rows, &mut ws.link_contacts)?;
    }
    // warm start: each resting or sliding contact from what it carried at the end of the last step
    ws.taken.clear();
    ws.taken.resize(ws.previous_impulses.len(), false);
    if settings.warm_start {
        for (j, row) in ws.rows.iter_mut().enumerate() {
            if !is_persistent(row) {
                continue;
            }
            let radius = 0.1
                * match j.checked_sub(body_rows) {
                    None => bounding_radius(&scene.bodies[row.a].shape),
                    Some(l) => {
                        let c = &ws.link_contacts[l];
                        bounding_radius(&scene.robots[c.robot].multibody.colliders[c.collider].shape)
                    }
                };
            let point = local_point(row, &ws.poses);
            let key = (row.a, row.b, row.collider);
            if let Some(i) = recall(&ws.previous_impulses, &mut ws.taken, key, &point, radius) {
                row.impulse = starting_impulse(row, &ws.previous_impulses[i]);
            }
        }
    }
    ws.pseudo_linear.clear();
    ws.pseudo_linear.resize(n, Vector3::zeros());
    ws.pseudo_angular.clear();
    ws.pseudo_angular.resize(n, Vector3::zeros());
    ws.pseudo_joints.resize(ws.joints.len(), DVector::zeros(0));
    for (pseudo, v) in ws.pseudo_joints.iter_mut().zip(&ws.joints) {
        if pseudo.len() != v.len() {
            *pseudo = DVector::zeros(v.len());
        }
    }
    let mut velocities = BodyVelocities {
        linear: &mut ws.linear,
        angular: &mut ws.angular,
        inverse_mass: &ws.inverse_mass,
        inverse_inertia: &ws.inverse_inertia,
        joints: &mut ws.joints,
    };
    let pass = CollisionPass {
        dt,
        bounce_threshold: settings.bounce_threshold,
        near_fraction: NEAR_THRESHOLD,
        iterations: settings.iterations,
        passes: settings.iterations.max(ws.rows.len()),
    };
    ws.unresolved_impacts = !resolve_collisions(&mut ws.rows, &mut velocities, &pass, &mut ws.collisions);
    ws.last_sweep_change = solve_impulses(
        &mut ws.rows,
        &mut velocities,
        &mut ws.pseudo_linear,
        &mut ws.pseudo_angular,
        &mut ws.pseudo_joints,
        settings.iterations,
    );
    // the links' contact forces: each row's impulse over the step (on the link; a free body against a static
    // collider is side `a`, and the collider gets the opposite)
    for (row, contact) in ws.rows[body_rows..].iter().zip(ws.link_contacts.iter_mut()) {
        let [normal, t1, t2] = &row.frame;
        let impulse = normal * (row.impulse[0] + row.collision) + t1 * row.impulse[1] + t2 * row.impulse[2];
        let sign = if row.links[0].is_some() { 1.0 / dt } else { -1.0 / dt };
        contact.force = impulse * T::from(sign);
    }
    Ok(())
}
