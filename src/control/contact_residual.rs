//! The contact residuals of [`Cost`](super::Cost)s: the ground's forces on a robot at a state, as the next step
//! computes them, summed on a link or balanced against gravity.

use super::Residual;
use crate::contact::{robot_ground_contacts, AnchorBook, LinkContact};
use crate::model::{FrictionLaw, Model, Multibody};
use crate::multibody::MultibodyWorkspace;
use crate::sim::State;
use crate::spatial::Force;
use crate::{Error, Result, Scalar};
use nalgebra::{DVector, Vector3};

/// The body that link `link` of `mb` belongs to (links merged by fixed joints are one body), which must carry a
/// collider (the error lists the bodies that do); `None` (every body) for no link, if any body has a collider.
pub(super) fn contact_link<T: Scalar>(
    mb: &Multibody<T>,
    link: Option<&str>,
) -> std::result::Result<Option<usize>, String> {
    let with_colliders = |b: usize| mb.colliders.iter().any(|c| c.body == Some(b));
    let Some(link) = link else {
        return match mb.colliders.iter().any(|c| c.body.is_some()) {
            true => Ok(None),
            false => Err(format!("robot `{}` has no colliders on its moving bodies", mb.name)),
        };
    };
    match mb.frame(link).map(|f| f.body) {
        Some(Some(b)) if with_colliders(b) => Ok(Some(b)),
        found => {
            let mut bodies: Vec<usize> = mb.colliders.iter().filter_map(|c| c.body).collect();
            bodies.sort_unstable();
            bodies.dedup();
            let names: Vec<&str> = bodies.iter().map(|&b| mb.body_names[b].as_str()).collect();
            let what = if found.is_some() { "is on a body without colliders" } else { "does not exist" };
            Err(format!("robot `{}`: link `{link}` {what} (bodies with colliders: {})", mb.name, names.join(", ")))
        }
    }
}

/// The ground's contact forces on robot `r` at `state` (world axes, N), one per contact point with its point:
/// the compliant law's forces as the step's first force evaluation computes them, with the state's friction
/// anchors recalled in a dry run (read, not advanced). Runs the kinematics into `ws`.
fn ground_contacts<T: Scalar>(
    model: &Model<T>,
    r: usize,
    state: &State<T>,
    ws: &mut MultibodyWorkspace<T>,
) -> Result<Vec<LinkContact<T>>> {
    let mb = &model.robots[r].multibody;
    let mut fext = vec![Force::zero(); mb.n_bodies()];
    let mut contacts = Vec::new();
    let mut anchors = state.friction_anchors.clone();
    let mut book = AnchorBook::default();
    book.begin_step(model.settings.contact.friction_law == FrictionLaw::Anchored, &mut anchors);
    book.dry_run(true);
    let s = &state.robots[r];
    robot_ground_contacts(model, r, ws, &s.q, &s.v, &mut fext, Some(&mut contacts), Some(&mut book))?;
    Ok(contacts)
}

/// The residual of a [`Residual::GroundForce`] or [`Residual::Balance`] cost at `state`, on any scalar (`model`
/// lifted to it). Runs the kinematics into `ws` (the robot's).
pub(super) fn contact_residual<T: Scalar>(
    residual: &Residual,
    model: &Model<T>,
    state: &State<T>,
    ws: &mut MultibodyWorkspace<T>,
) -> Result<DVector<T>> {
    match residual {
        Residual::GroundForce { robot, link, target } => {
            let mb = &model.robots[*robot].multibody;
            let body = contact_link(mb, link.as_deref()).map_err(Error::InvalidArgument)?;
            let on_body = |c: &&LinkContact<T>| body.is_none() || mb.colliders[c.collider].body == body;
            let contacts = ground_contacts(model, *robot, state, ws)?;
            let f = contacts.iter().filter(on_body).fold(Vector3::zeros(), |f, c| f + c.force) - target.map(T::from);
            Ok(DVector::from_iterator(3, f.iter().copied()))
        }
        Residual::Balance { robot } => {
            let contacts = ground_contacts(model, *robot, state, ws)?;
            // the centre of mass from the kinematics the contacts just ran
            let robot = &model.robots[*robot];
            let mb = &robot.multibody;
            let (mut mass, mut moment) = (T::zero(), Vector3::zeros());
            for (b, inertia) in mb.inertias.iter().enumerate() {
                let pose = &robot.base * ws.pose_world(b);
                mass += inertia.mass;
                moment += pose.transform_point(&inertia.com) * inertia.mass;
            }
            let c = moment / mass;
            let mut r = DVector::zeros(6);
            let (mut force, mut torque) = (mb.gravity * mass, Vector3::zeros());
            for contact in &contacts {
                force += contact.force;
                torque += (contact.geometry.point - c).cross(&contact.force);
            }
            r.rows_mut(0, 3).copy_from(&force);
            r.rows_mut(3, 3).copy_from(&torque);
            Ok(r)
        }
        _ => Err(Error::InvalidArgument("contact_residual: not a contact cost".into())),
    }
}
