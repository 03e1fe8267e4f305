//! One time step of the whole scene.

use super::robot::{finish_step, free_step, non_finite_joint, step_robot, RobotSettings};
use super::{RobotState, State};
use crate::contact::{held_link_contacts, JointSpaceStep};
use crate::integrate::{
    rigid_body_step, rk4_with, semi_implicit_euler_with, velocity_verlet_with, FreeBodies, Workspace,
};
use crate::model::{ContactModel, FrictionLaw, Integrator, Model};
use crate::multibody::MultibodyWorkspace;
use crate::scalar::is_finite;
use crate::{Error, Result, Scalar};
use nalgebra::DVector;

/// Advances `state` by one `dt`: particles with the scene's integrator, rigid bodies with semi-implicit Euler
/// and the scene's contact model ([`crate::model::ContactModel`]), robots with the scene's integrator under their
/// controllers and passive joint torques ([`crate::sim::robot`]).
///
/// # Errors
/// [`Error::NonFinite`] naming the first particle, body or robot joint (`robot.joint`) whose position or velocity is
/// no longer finite (the state is left as computed, for inspection); [`Error::Numerical`] if a robot's dynamics
/// fail.
///
/// # Panics
/// If `state` or `ws` were made for a scene with a different number of particles.
///
/// ```
/// use diffphys::model::{Particle, Model};
/// use diffphys::sim::{step, State, Workspace};
/// let mut scene = Model::<f64>::empty(0.01, 1.0);
/// scene.particles.push(Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 1.0)));
/// let mut state = State::initial(&scene);
/// let mut ws = Workspace::new(1);
/// step(&scene, &mut state, &mut ws).unwrap();
/// assert!((state.v[0].z + 0.0981).abs() < 1e-12); // v = g dt
/// ```
pub fn step<T: Scalar>(scene: &Model<T>, state: &mut State<T>, ws: &mut Workspace<T>) -> Result<()> {
    step_with_torques(scene, state, ws, &[])
}

/// [`step`] with extra joint torques on the robots, held over the step: `torques[i]` (`nv` entries, N·m or N)
/// adds to robot `i`'s controller. An empty slice adds nothing. This is the input of trajectory optimisation
/// ([`crate::control`]).
///
/// # Errors
/// As [`step`], and [`Error::InvalidArgument`] if `torques` is neither empty nor one `nv`-vector per robot.
///
/// # Panics
/// As [`step`].
pub fn step_with_torques<T: Scalar>(
    scene: &Model<T>,
    state: &mut State<T>,
    ws: &mut Workspace<T>,
    torques: &[DVector<T>],
) -> Result<()> {
    assert_eq!(ws.len(), scene.particles.len(), "workspace sized for another scene");
    if !torques.is_empty()
        && (torques.len() != scene.robots.len()
            || torques.iter().zip(&scene.robots).any(|(t, r)| t.len() != r.multibody.nv()))
    {
        return Err(Error::InvalidArgument(format!(
            "step_with_torques needs one torque vector of nv entries per robot ({} robots)",
            scene.robots.len()
        )));
    }
    let State { x, v, bodies, contact_impulses, friction_anchors, body_substeps, .. } = state;
    // last step's friction anchors are recalled by this step's contacts (particles, links, bodies), which keep theirs
    let anchored = scene.settings.contact.friction_law == FrictionLaw::Anchored;
    ws.anchors.begin_step(anchored, friction_anchors);
    if !x.is_empty() {
        match scene.settings.integrator {
            Integrator::SemiImplicitEuler => semi_implicit_euler_with(scene, x, v, ws, true),
            Integrator::VelocityVerlet => velocity_verlet_with(scene, x, v, ws, true),
            Integrator::Rk4 => rk4_with(scene, x, v, ws, true),
        }
    }
    ws.link_contacts.clear();
    let robot_failure = if links_touch_by_impulses(scene) {
        ws.body_loads.force.clear();
        ws.body_loads.torque.clear();
        step_with_joint_space_impulses(scene, bodies, contact_impulses, &mut state.robots, state.step, torques, ws)
    } else {
        match robot_body_loads(scene, &state.robots, bodies, ws) {
            Ok(()) => {
                let Workspace { anchors, rigid, body_loads, .. } = ws;
                let free = FreeBodies { bodies, contact_impulses, substeps: body_substeps };
                match rigid_body_step(scene, free, anchors, rigid, body_loads, &mut []) {
                    Ok(()) => step_robots(scene, &mut state.robots, state.step, torques, ws),
                    Err(e) => Some(RobotFailure::Error(e)),
                }
            }
            Err(e) => Some(RobotFailure::Error(e)),
        }
    };
    ws.anchors.end_step(&mut state.friction_anchors);
    state.step += 1;
    let blown_up =
        (0..state.x.len()).find(|&i| !(state.x[i].iter().all(is_finite) && state.v[i].iter().all(is_finite)));
    let body_blown_up = || {
        state.bodies.iter().position(|b| {
            !(b.position.iter().chain(b.velocity.iter()).chain(b.angular_velocity.iter()).all(is_finite)
                && is_finite(&b.orientation.w))
        })
    };
    let name = match blown_up {
        Some(i) => scene.particles[i].name.clone(),
        None => match body_blown_up() {
            Some(i) => scene.bodies[i].name.clone(),
            None => match robot_failure {
                Some(RobotFailure::NonFinite(joint)) => joint,
                Some(RobotFailure::Error(e)) => return Err(e),
                None => return Ok(()),
            },
        },
    };
    Err(Error::NonFinite { body: name, step: state.step, time: state.time(scene.settings.dt) })
}

/// Why a robot could not be stepped.
enum RobotFailure {
    /// The named joint (`robot.joint`) has a non-finite state.
    NonFinite(String),
    /// The dynamics failed (a singular mass matrix, ...).
    Error(Error),
}

/// Steps every robot of the scene from step `k`; the first failure, if any.
fn step_robots<T: Scalar>(
    scene: &Model<T>,
    robots: &mut [RobotState<T>],
    k: usize,
    torques: &[DVector<T>],
    ws: &mut Workspace<T>,
) -> Option<RobotFailure> {
    if scene.robots.is_empty() {
        return None;
    }
    size_robot_workspaces(scene, ws);
    let settings = RobotSettings::of(scene);
    let t = k as f64 * scene.settings.dt;
    let Workspace { robots: robot_ws, link_loads, link_contacts, anchors, .. } = ws;
    for (i, ((robot, state), rws)) in scene.robots.iter().zip(robots.iter_mut()).zip(robot_ws.iter_mut()).enumerate() {
        let held = link_loads.get(i).map_or(&[][..], |l| l.as_slice());
        let book = Some(&mut *anchors);
        if let Err(e) = step_robot(scene, i, rws, state, t, torques.get(i), held, link_contacts, &settings, book) {
            return Some(RobotFailure::Error(e));
        }
        if let Some(joint) = non_finite_joint(&robot.multibody, &state.q, &state.v) {
            return Some(RobotFailure::NonFinite(joint));
        }
    }
    None
}

/// Whether robot links touch things by impulses: the impulse model and a robot with collision geometry. Robots
/// and free bodies then step together ([`step_with_joint_space_impulses`]).
pub(crate) fn links_touch_by_impulses<T: Scalar>(scene: &Model<T>) -> bool {
    scene.settings.contact.model == ContactModel::Impulse
        && scene.robots.iter().any(|r| !r.multibody.colliders.is_empty())
}

/// One step of free bodies and robots under the impulse model: each robot's free step ([`free_step`]), then one
/// impulse solve over the bodies' and the links' contacts ([`rigid_body_step`] with the robots' joint velocities
/// and link rows, [`crate::contact::link_impulse_rows`]), then the robots' configurations move along their
/// velocities after contact ([`finish_step`]). The first failure, if any.
fn step_with_joint_space_impulses<T: Scalar>(
    scene: &Model<T>,
    bodies: &mut [crate::multibody::BodyState<T>],
    contact_impulses: &mut Vec<crate::contact::ContactImpulse<T>>,
    robots: &mut [RobotState<T>],
    k: usize,
    torques: &[DVector<T>],
    ws: &mut Workspace<T>,
) -> Option<RobotFailure> {
    size_robot_workspaces(scene, ws);
    let t = k as f64 * scene.settings.dt;
    let mut implicit = Vec::with_capacity(robots.len());
    ws.rigid.joints.clear();
    for (i, state) in robots.iter().enumerate() {
        match free_step(scene, i, &mut ws.robots[i], state, t, torques.get(i)) {
            Ok((w, damping)) => {
                ws.rigid.joints.push(w);
                implicit.push(damping);
            }
            Err(e) => return Some(RobotFailure::Error(e)),
        }
    }
    let Workspace { robots: robot_ws, rigid, anchors, body_loads, link_contacts, .. } = ws;
    let mut steps: Vec<JointSpaceStep<'_, T>> = (robots.iter().zip(robot_ws.iter_mut()).zip(implicit))
        .map(|((state, ws), implicit_damping)| JointSpaceStep {
            q: &state.q,
            v: &state.v,
            implicit_damping,
            ws,
            factor: None,
        })
        .collect();
    let mut substeps = 1;
    let free = FreeBodies { bodies, contact_impulses, substeps: &mut substeps };
    let solved = rigid_body_step(scene, free, anchors, rigid, body_loads, &mut steps);
    drop(steps);
    if let Err(e) = solved {
        return Some(RobotFailure::Error(e));
    }
    link_contacts.append(&mut rigid.link_contacts);
    for (i, (robot, state)) in scene.robots.iter().zip(robots.iter_mut()).enumerate() {
        finish_step(&robot.multibody, state, &rigid.joints[i], rigid.pseudo_joints.get(i), scene.settings.dt);
        if let Some(joint) = non_finite_joint(&robot.multibody, &state.q, &state.v) {
            return Some(RobotFailure::NonFinite(joint));
        }
    }
    None
}

/// (Re)makes the robots' workspaces if they were not made for this scene's robots.
fn size_robot_workspaces<T: Scalar>(scene: &Model<T>, ws: &mut Workspace<T>) {
    let sized_for = |w: &MultibodyWorkspace<T>, r: &crate::model::Robot<T>| w.n_bodies() == r.multibody.n_bodies();
    if ws.robots.len() != scene.robots.len() || !ws.robots.iter().zip(&scene.robots).all(|(w, r)| sized_for(w, r)) {
        ws.robots = scene.robots.iter().map(|r| MultibodyWorkspace::new(&r.multibody)).collect();
    }
}

/// Contact of robot links with free bodies and with each other at the start of the step
/// ([`held_link_contacts`]): the forces on the bodies into `ws.body_loads`, the wrenches on the links into
/// `ws.link_loads` (both held over the step), the contacts into `ws.link_contacts`. Leaves both empty when no
/// robot has colliders, or when nothing could touch a robot link but the ground.
/// Whether robot links of `scene` can touch free bodies or links (of other robots, or of their own robot with
/// self-collision on): the contacts held over a step. Otherwise robot links touch only the ground.
pub(crate) fn links_may_touch_bodies_or_links<T: Scalar>(scene: &Model<T>) -> bool {
    let with_colliders = scene.robots.iter().filter(|r| !r.multibody.colliders.is_empty()).count();
    let self_colliding = scene.robots.iter().any(|r| r.self_collision && r.multibody.colliders.len() > 1);
    with_colliders > 0 && (!scene.bodies.is_empty() || with_colliders >= 2 || self_colliding)
}

fn robot_body_loads<T: Scalar>(
    scene: &Model<T>,
    robots: &[RobotState<T>],
    bodies: &[crate::multibody::BodyState<T>],
    ws: &mut Workspace<T>,
) -> Result<()> {
    ws.body_loads.force.clear();
    ws.body_loads.torque.clear();
    ws.link_loads.clear();
    if !links_may_touch_bodies_or_links(scene) {
        return Ok(());
    }
    size_robot_workspaces(scene, ws);
    ws.body_loads.force.resize(bodies.len(), nalgebra::Vector3::zeros());
    ws.body_loads.torque.resize(bodies.len(), nalgebra::Vector3::zeros());
    for ((robot, state), rws) in scene.robots.iter().zip(robots).zip(ws.robots.iter_mut()) {
        crate::multibody::forward_kinematics(&robot.multibody, rws, &state.q, &state.v);
        ws.link_loads.push(vec![crate::spatial::Force::zero(); robot.multibody.n_bodies()]);
    }
    let qs: Vec<&DVector<T>> = robots.iter().map(|s| &s.q).collect();
    let Workspace { robots: robot_ws, link_loads, link_contacts, body_loads, anchors, .. } = ws;
    held_link_contacts(
        scene,
        &qs,
        robot_ws,
        bodies,
        link_loads,
        &mut body_loads.force,
        &mut body_loads.torque,
        link_contacts,
        Some(anchors),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Particle, Spring, SpringEnd};
    use crate::sim::State;
    use nalgebra::Vector3;

    #[test]
    fn a_blow_up_is_an_error_naming_body_and_step() {
        // ω dt = √(1e12) · 0.01 = 1e4 ≫ 2: explicit Euler diverges geometrically
        let mut scene = Model::<f64>::empty(0.01, 10.0);
        scene.particles.push(Particle::new("bob", 1.0, 0.0, Vector3::new(0.0, 0.0, -1.1)));
        scene.springs.push(Spring {
            name: "stiff".into(),
            a: 0,
            b: SpringEnd::Anchor(Vector3::zeros()),
            stiffness: 1e12,
            damping: 0.0,
            rest_length: 1.0,
        });
        // (a rollout refuses this scene before it starts: `check_time_step`)
        let mut state = State::initial(&scene);
        let mut ws = Workspace::new(1);
        let err = (0..1000).find_map(|_| step(&scene, &mut state, &mut ws).err()).expect("it blows up");
        match err {
            Error::NonFinite { ref body, step, .. } => {
                assert_eq!(body, "bob");
                assert!(step > 1 && step < 1000, "{step}");
            }
            other => panic!("unexpected {other}"),
        }
        assert!(err.to_string().contains("`bob`"));
    }
}
