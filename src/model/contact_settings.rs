//! How rigid bodies touch: the contact model and its settings.

use crate::Scalar;

/// The contact model for rigid bodies (particles always use the ground's compliant contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ContactModel {
    /// Penalty contact: a spring per contact point, ramped in smoothly, with a Hunt–Crossley damper that bounces
    /// with the pair's restitution, and Coulomb friction (anchored or regularised, [`FrictionLaw`]). Forces and
    /// their first derivatives are continuous in the state, so gradients are smooth: the default, and the model
    /// for fitting. Documented in [`crate::contact::compliant_contact_force`].
    #[default]
    Compliant,
    /// Hard contact: velocity-level impulses with restitution and an exact Coulomb friction cone: impacts pair
    /// by pair in sequence, each bounce placed at its time of impact inside the step
    /// ([`crate::contact::resolve_collisions`]), then resting and sliding contact by projected Gauss–Seidel with
    /// speculative contacts against tunnelling ([`crate::contact::solve_impulses`]).
    Impulse,
}

impl ContactModel {
    /// The name used in scene files: `compliant` or `impulse`.
    pub fn name(self) -> &'static str {
        match self {
            ContactModel::Compliant => "compliant",
            ContactModel::Impulse => "impulse",
        }
    }

    /// Parses a scene-file name.
    pub fn from_name(name: &str) -> Option<Self> {
        [ContactModel::Compliant, ContactModel::Impulse].into_iter().find(|m| m.name() == name)
    }
}

/// The tangential law of compliant contact (`[contact] friction_law` in a scene file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FrictionLaw {
    /// Regularised Coulomb friction: `−μ F_n u_t / √(|u_t|² + v_s² + …)`, no memory; a body that friction should
    /// hold creeps at about the slip velocity `v_s`. Kept for comparison and for particles whose trajectories must
    /// depend on positions and velocities alone (contacts of free bodies and robot links remember their onset
    /// speed under either law).
    Regularised,
    /// Static friction by an anchor spring (an elasto-plastic bristle) kept in the state
    /// ([`State::friction_anchors`](crate::sim::State::friction_anchors)): a contact holds until its spring
    /// reaches the friction cone, then slides with Coulomb's force `μ F_n` (the default). Documented in
    /// [`crate::contact::anchored_friction`]. Every compliant contact with friction uses it: particles on the
    /// ground, free bodies on the ground and on each other, robot links on the ground, on free bodies and on links
    /// (box–box pairs keep the regularised law of their penalty). The anchors advance once per step, at the
    /// step's first force evaluation; RK4's and velocity Verlet's later stages hold them
    /// ([`AnchorBook::hold`](crate::contact::AnchorBook::hold)). The impulse model's contacts have an exact
    /// friction cone of their own; under it the law applies to particles on the ground.
    #[default]
    Anchored,
}

impl FrictionLaw {
    /// The name used in scene files: `regularised` or `anchored`.
    pub fn name(self) -> &'static str {
        match self {
            FrictionLaw::Regularised => "regularised",
            FrictionLaw::Anchored => "anchored",
        }
    }

    /// Parses a scene-file name.
    pub fn from_name(name: &str) -> Option<Self> {
        [FrictionLaw::Regularised, FrictionLaw::Anchored].into_iter().find(|m| m.name() == name)
    }
}

/// Contact settings for rigid bodies (`[contact]` in a scene file).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ContactSettings<T: Scalar> {
    /// The model.
    pub model: ContactModel,
    /// Compliant: normal stiffness `k` per contact point in N/m (default 1e5). The damping of each contact
    /// follows from the pair's restitution and the speed at which the contact began, so that it bounces with
    /// that restitution.
    pub stiffness: T,
    /// Compliant: penetration depth in m over which the force ramps in (C², the smootherstep), default 1e-3 m.
    pub ramp_depth: T,
    /// Compliant: slip speed in m/s below which friction is regularised, default 0.01 m/s.
    pub slip_velocity: T,
    /// Compliant: the tangential law of every compliant contact with friction (default [`FrictionLaw::Anchored`]).
    pub friction_law: FrictionLaw,
    /// Compliant: the most sub-steps a step of the free bodies may take while a contact is being made (default
    /// 128; 1 turns sub-stepping off). A contact that begins faster than
    /// [`SLOWEST_IMPACT`](crate::contact::SLOWEST_IMPACT) is stepped finely enough to resolve its ramp and its
    /// duration ([`crate::integrate`], "Sub-steps"), so a bounce is a smooth function of the initial state.
    pub max_substeps: usize,
    /// Impulse: projected Gauss–Seidel sweeps per step (default 20).
    pub iterations: usize,
    /// Impulse: start each step's solve from the impulses its contacts carried at the end of the previous step
    /// (default `true`), remembered in [`State::contact_impulses`](crate::sim::State::contact_impulses). Needed
    /// for stacks: a cold start rebuilds every box's weight down the stack from zero each step, and the stack
    /// creeps. With `false` a step depends on positions and velocities only.
    pub warm_start: bool,
    /// Impulse: closing speed in m/s below which a contact does not bounce (default 0.1 m/s), so that resting
    /// contact stays at rest.
    pub bounce_threshold: f64,
    /// Impulse: penetration in m tolerated without correction (default 1e-4 m).
    pub allowed_penetration: f64,
    /// Impulse: fraction of the remaining penetration removed per step by position correction (default 0.2).
    pub position_correction: f64,
}

impl<T: Scalar> Default for ContactSettings<T> {
    fn default() -> Self {
        ContactSettings {
            model: ContactModel::Compliant,
            stiffness: T::constant(1e5),
            ramp_depth: T::constant(1e-3),
            slip_velocity: T::constant(1e-2),
            friction_law: FrictionLaw::Anchored,
            max_substeps: 128,
            iterations: 20,
            warm_start: true,
            bounce_threshold: 0.1,
            allowed_penetration: 1e-4,
            position_correction: 0.2,
        }
    }
}

impl ContactSettings<f64> {
    /// The same settings over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> ContactSettings<D> {
        ContactSettings {
            model: self.model,
            stiffness: D::constant(self.stiffness),
            ramp_depth: D::constant(self.ramp_depth),
            slip_velocity: D::constant(self.slip_velocity),
            friction_law: self.friction_law,
            max_substeps: self.max_substeps,
            iterations: self.iterations,
            warm_start: self.warm_start,
            bounce_threshold: self.bounce_threshold,
            allowed_penetration: self.allowed_penetration,
            position_correction: self.position_correction,
        }
    }
}
