//! Contact between rigid bodies, robot links and the ground: [`detect_contacts`] (broad phase, narrow phase), the
//! compliant law ([`point_contact_force`], for free bodies and robot links alike; the box–box potential
//! [`box_box_penalty`]), robot links' contacts ([`robot_ground_contacts`], [`held_link_contacts`]; the ground
//! contacts' exact derivatives in joint space, [`robot_ground_contact_derivatives`]) and hard contact by impulses
//! (impacts in sequence, [`resolve_collisions`]; resting and sliding contact, [`solve_impulses`], projected
//! Gauss–Seidel, with [`warm_start`]ing); static friction for compliant
//! contact by [`anchored_friction`].

mod articulated;
mod articulated_derivatives;
mod articulated_impulse;
mod box_box_penalty;
mod compliant;
mod detect;
mod friction_anchor;
mod impulse_solver;
pub mod warm_start;

pub use articulated::{collider_poses, held_link_contacts, robot_ground_contacts, LinkContact, Partner};
pub(crate) use articulated_derivatives::ground_contact_derivatives_with_mass;
pub use articulated_derivatives::{robot_ground_contact_derivatives, GroundContactDerivatives, MemoryDerivatives};
pub use articulated_impulse::{link_impulse_rows, JointSpaceStep};
pub use box_box_penalty::{box_box_penalty, BoxBody, EDGE_SHARE, VOLUME_SHARE};
pub use compliant::{
    combined_friction, combined_restitution, compliant_contact_force, damping_ratio_for_restitution,
    free_body_point_inverse_inertia, hunt_crossley_rate, onset_speed, point_contact_force, ContactMemory, DAMPING_CAP,
    LEAST_RESTITUTION, SLOWEST_IMPACT,
};
pub use detect::{detect_contacts, BoxPairs};
pub use friction_anchor::{
    anchored_friction, recall_anchor, recall_anchor_index, saturate, store_anchors, AnchorBook, AnchorPair,
    FrictionAnchor, ANCHOR_OMEGA_DT, EXACT_UP_TO,
};
pub use impulse_solver::{
    resolve_collisions, resting_targets, solve_impulses, tangent_frame, time_of_impact, BodyVelocities, CollisionPass,
    CollisionReport, ImpulseRow, LinkPoint, PositionCorrection, GRAZING_CONDITION, MIN_IMPACT_SPEED,
};
pub use warm_start::ContactImpulse;
