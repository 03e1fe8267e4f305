//! Derivative diagnostics: where the exact derivative of the discrete simulation is not the physical one.
//!
//! Dual numbers differentiate exactly what the step computes. Where the step does not resolve the physics, that
//! derivative is exact and still misleading: a compliant bounce resolved in a handful of steps makes the end state
//! a rippled function of the drop height (the ripple's period is the distance moved in one step), so the
//! derivative of an apex with respect to the height can be tens of percent off the physical slope. No engine we
//! know of says so. [`derivative_warnings`] runs a scene on `f64` and reports, with the names of what touched and
//! the time:
//!
//! - **[`DerivativeIssue::ShortContact`]**: a compliant contact that lasted fewer than [`MIN_CONTACT_STEPS`]
//!   steps (the README's rule for resolving a contact); a free body's contacts count their sub-steps
//!   ([`crate::integrate`], "Sub-steps"), so only a capped sub-step count or `contact.max_substeps = 1` leaves
//!   one short;
//! - **[`DerivativeIssue::UnresolvedOnset`]**: a compliant contact whose penetration advanced, in its first step,
//!   by more than [`ONSET_RAMP_FRACTION`] of the ramp over which the force sets in (a free body's contact: per
//!   sub-step, by more than [`SUBSTEP_RAMP_FRACTION`]): the onset falls inside one step without being resolved
//!   there, and outcomes ripple with the initial positions and velocities;
//! - **[`DerivativeIssue::Unconverged`]**: the impulse model's Gauss–Seidel sweeps stopped while the last sweep
//!   still changed an impulse by more than [`UNCONVERGED_CHANGE`] of the largest: the derivative is that of the
//!   truncated iteration;
//! - **[`DerivativeIssue::UnresolvedImpacts`]**: the impulse model's impacts were still passing from pair to pair
//!   when its passes ran out ([`crate::contact::resolve_collisions`]); the rest were stopped without a bounce;
//! - **[`DerivativeIssue::NearBounceThreshold`]**: an impulse-model contact whose approach speed was within 10%
//!   of `bounce_threshold`, where the outcome switches between a bounce and none: the derivative holds only on
//!   one side of that switch;
//! - **[`DerivativeIssue::IllConditionedImpact`]**: an impulse-model contact placed at a time of impact whose
//!   condition number `|u₀ / u_c|` exceeded [`GRAZING_CONDITION`](crate::contact::GRAZING_CONDITION): a graze,
//!   met at a small fraction of the speed it approached with, where the derivatives of the impact's time and
//!   speed (`−1/u_c`, `−a/u_c` per unit of gap) are large and hold only very near the trajectory.
//!
//! Each (issue, contact) is reported once, with how many times it happened and when it first did.
//! [`crate::grad::FinalPositions::derivative_warnings`], [`crate::fit::fit`] (in its report), and the command
//! line's `gradcheck` and `fit` report them.

use super::{step, State, Workspace};
use crate::contact::{AnchorPair, Partner};
use crate::integrate::SUBSTEP_RAMP_FRACTION;
use crate::model::{ContactModel, Model};
use crate::Result;
use std::collections::BTreeMap;
use std::fmt;

/// Fewer steps than this per compliant contact do not resolve it (README, "Rigid bodies and contact").
pub const MIN_CONTACT_STEPS: usize = 20;

/// A compliant contact whose penetration advances by more than this fraction of the ramp depth in its first step
/// has an unresolved onset. Measured on a ball dropped from 0.5 m onto the 1 mm ramp, the dual derivative of its
/// apex with respect to the drop height ripples about the secant by ±3% at an advance of 0.03 of the ramp per
/// step, ±14% at 0.06 and ±41% at 0.16 (with 90 steps per contact); onto a 5 mm ramp by ±1.1% at 0.03 and ±0.4%
/// at 0.016 (`tests/engine/derivative_diagnostics.rs`).
pub const ONSET_RAMP_FRACTION: f64 = 0.03;

/// The impulse solver is unconverged when its last sweep changed an impulse by more than this fraction of the
/// largest impulse of the step.
pub const UNCONVERGED_CHANGE: f64 = 1e-3;

/// What makes a derivative unlike the physical one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DerivativeIssue {
    /// A compliant contact lasted `steps` steps (or sub-steps), fewer than [`MIN_CONTACT_STEPS`].
    ShortContact {
        /// Its duration in steps (sub-steps for a free body's contact).
        steps: usize,
    },
    /// A compliant contact's penetration advanced by `advance` (m) in its first step (per sub-step for a free
    /// body's contact), more than [`ONSET_RAMP_FRACTION`] (a free body's: [`SUBSTEP_RAMP_FRACTION`]) of the ramp
    /// depth `ramp` (m).
    UnresolvedOnset {
        /// The first step's advance (m), per sub-step.
        advance: f64,
        /// The law's ramp depth (m).
        ramp: f64,
    },
    /// The impulse solver's last sweep changed an impulse by `change` of the largest.
    Unconverged {
        /// The relative change of the last sweep.
        change: f64,
    },
    /// An impulse-model contact met at an approach speed within 10% of the bounce threshold.
    NearBounceThreshold,
    /// The impulse model's sequential impacts had not settled when its passes ran out.
    UnresolvedImpacts,
    /// An impulse-model contact was placed at a time of impact whose condition number `|u₀ / u_c|` (the approach
    /// speed at the start of the step over that at impact) exceeded
    /// [`GRAZING_CONDITION`](crate::contact::GRAZING_CONDITION).
    IllConditionedImpact {
        /// The largest condition number of the contact's first such step.
        condition: f64,
    },
}

impl DerivativeIssue {
    fn order(&self) -> u8 {
        match self {
            DerivativeIssue::ShortContact { .. } => 0,
            DerivativeIssue::UnresolvedOnset { .. } => 1,
            DerivativeIssue::Unconverged { .. } => 2,
            DerivativeIssue::NearBounceThreshold => 3,
            DerivativeIssue::UnresolvedImpacts => 4,
            DerivativeIssue::IllConditionedImpact { .. } => 5,
        }
    }
}

/// One issue of one contact (or of the impulse solver), over a run.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivativeWarning {
    /// The issue, as it first happened.
    pub issue: DerivativeIssue,
    /// What touched: "`ball` on the ground", "`go1.FL_foot` on `box`", or "the impulse solver".
    pub contact: String,
    /// When it first happened (s).
    pub time: f64,
    /// How many times it happened in the run.
    pub count: usize,
}

impl fmt::Display for DerivativeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let times = if self.count > 1 { format!(" ({} times)", self.count) } else { String::new() };
        write!(f, "{} at t = {:.4} s{times}: ", self.contact, self.time)?;
        match self.issue {
            DerivativeIssue::ShortContact { steps } => write!(
                f,
                "the contact lasted {steps} steps (or sub-steps), fewer than {MIN_CONTACT_STEPS}: derivatives \
                 through it follow the discrete step, not the physics (reduce world.dt, soften the contact, or \
                 for free bodies raise contact.max_substeps)"
            ),
            DerivativeIssue::UnresolvedOnset { advance, ramp } => write!(
                f,
                "the contact set in {advance:.3e} m deep in one step (or sub-step), more than the ramp allows \
                 ({ramp:.3e} m): its onset is not resolved within the step, so outcomes ripple with initial \
                 positions and velocities and their derivatives can be far from the physical slope (reduce \
                 world.dt, raise ramp_depth, or for free bodies raise contact.max_substeps)"
            ),
            DerivativeIssue::Unconverged { change } => write!(
                f,
                "the last Gauss-Seidel sweep still changed an impulse by {change:.1e} of the largest: derivatives \
                 are those of the truncated iteration (raise contact.iterations)"
            ),
            DerivativeIssue::NearBounceThreshold => write!(
                f,
                "the contact met at nearly the bounce threshold, where the outcome switches between a bounce and \
                 none: the derivative holds on one side of that switch only"
            ),
            DerivativeIssue::UnresolvedImpacts => write!(
                f,
                "impacts were still passing from pair to pair when the passes ran out, and the rest were stopped \
                 without a bounce: energy was lost and derivatives are those of the truncated sequence (raise \
                 contact.iterations)"
            ),
            DerivativeIssue::IllConditionedImpact { condition } => write!(
                f,
                "a grazing impact: the contact met at 1/{condition:.1} of the speed it approached with at the start \
                 of the step, so its time of impact is {condition:.1} times as sensitive to the gap as a straight \
                 approach's; derivatives hold only very near this trajectory (a little less approach and there is \
                 no impact), and finite differences across it switch between impact and none"
            ),
        }
    }
}

/// A compliant contact in progress.
#[derive(Debug, Clone, Copy)]
struct Episode {
    start: usize,
    /// The sub-steps it has lasted (steps, for all but free bodies' contacts).
    substeps: usize,
    /// The sub-steps of its first step, and the advance allowed per sub-step as a fraction of the ramp.
    first_substeps: usize,
    allowed: f64,
    first_depth: f64,
    judged_onset: bool,
}

/// Watches the steps of one run and collects its [`DerivativeWarning`]s: call [`observe`](Self::observe) after
/// every step, then [`finish`](Self::finish). [`derivative_warnings`] does both.
#[derive(Debug, Clone, Default)]
pub struct DerivativeDiagnostics {
    open: BTreeMap<AnchorPair, Episode>,
    touching: BTreeMap<AnchorPair, (f64, f64, usize, f64)>,
    found: BTreeMap<(u8, Option<AnchorPair>), DerivativeWarning>,
}

impl DerivativeDiagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at the step that led to `state` (its contacts are those `ws` found).
    pub fn observe(&mut self, scene: &Model<f64>, state: &State<f64>, ws: &Workspace<f64>) {
        let time = state.time(scene.settings.dt);
        let (k, ramp) = (state.step, scene.settings.contact.ramp_depth);
        let mut touching = std::mem::take(&mut self.touching);
        touching.clear();
        // free bodies' contacts are sub-stepped so that their penetration advances by at most
        // SUBSTEP_RAMP_FRACTION of the ramp per sub-step: only a capped number falls short
        let (body_substeps, body_allowed) = (ws.rigid.substeps.max(1), SUBSTEP_RAMP_FRACTION.max(ONSET_RAMP_FRACTION));
        let mut touch = |pair: AnchorPair, depth: f64, ramp: f64| {
            let (substeps, allowed) = match pair {
                AnchorPair::Bodies { .. } => (body_substeps, body_allowed),
                _ => (1, ONSET_RAMP_FRACTION),
            };
            let entry = touching.entry(pair).or_insert((0.0, ramp, substeps, allowed));
            entry.0 = entry.0.max(depth);
        };
        if let Some(ground) = &scene.ground {
            for (i, (p, x)) in scene.particles.iter().zip(&state.x).enumerate() {
                if p.radius - x.z > 0.0 {
                    touch(AnchorPair::Particle { index: i }, p.radius - x.z, ground.ramp_depth);
                }
            }
        }
        if scene.settings.contact.model == ContactModel::Compliant {
            for c in ws.rigid.contacts.iter().filter(|c| c.geometry.distance < 0.0) {
                touch(AnchorPair::Bodies { a: c.a, b: c.b }, -c.geometry.distance, ramp);
            }
        } else {
            let change = ws.rigid.last_sweep_change;
            if change > UNCONVERGED_CHANGE {
                self.report(None, DerivativeIssue::Unconverged { change }, "the impulse solver".into(), time);
            }
            if ws.rigid.unresolved_impacts {
                self.report(None, DerivativeIssue::UnresolvedImpacts, "the impulse solver".into(), time);
            }
            // the solver's pairs are of participants: free bodies, then robots
            for &(a, b) in &ws.rigid.collisions.near_threshold {
                let pair = AnchorPair::Bodies { a, b };
                self.report(Some(pair), DerivativeIssue::NearBounceThreshold, participants(scene, a, b), time);
            }
            for &((a, b), condition) in &ws.rigid.collisions.grazing {
                let pair = AnchorPair::Bodies { a, b };
                let issue = DerivativeIssue::IllConditionedImpact { condition };
                self.report(Some(pair), issue, participants(scene, a, b), time);
            }
        }
        // (the impulse model's link contacts are impacts and resting contacts: their length in steps does not
        // bear on derivatives)
        let compliant_links = scene.settings.contact.model == ContactModel::Compliant;
        for c in ws.link_contacts.iter().filter(|c| compliant_links && c.geometry.distance < 0.0) {
            let pair = AnchorPair::Link { robot: c.robot, collider: c.collider, partner: c.partner };
            touch(pair, -c.geometry.distance, ramp);
        }
        // episodes that ended in this step
        let ended: Vec<(AnchorPair, Episode)> =
            self.open.iter().filter(|(pair, _)| !touching.contains_key(pair)).map(|(p, e)| (*p, *e)).collect();
        for (pair, episode) in ended {
            self.open.remove(&pair);
            // the step in which it ended counts too, as the one in which it began does
            let steps = episode.substeps + if matches!(pair, AnchorPair::Bodies { .. }) { body_substeps } else { 1 };
            if steps < MIN_CONTACT_STEPS {
                let started = episode.start as f64 * scene.settings.dt;
                self.report(Some(pair), DerivativeIssue::ShortContact { steps }, name(scene, pair), started);
            }
        }
        for (&pair, &(depth, ramp, substeps, allowed)) in &touching {
            match self.open.get_mut(&pair) {
                None => {
                    let episode = Episode {
                        start: k - 1,
                        substeps,
                        first_substeps: substeps,
                        allowed,
                        first_depth: depth,
                        judged_onset: false,
                    };
                    self.open.insert(pair, episode);
                }
                Some(episode) if !episode.judged_onset => {
                    episode.judged_onset = true;
                    episode.substeps += substeps;
                    let advance = (depth - episode.first_depth) / episode.first_substeps as f64;
                    if advance > episode.allowed * (1.0 + 1e-6) * ramp {
                        let started = episode.start as f64 * scene.settings.dt;
                        let issue = DerivativeIssue::UnresolvedOnset { advance, ramp };
                        self.report(Some(pair), issue, name(scene, pair), started);
                    }
                }
                Some(episode) => episode.substeps += substeps,
            }
        }
        self.touching = touching;
    }

    fn report(&mut self, pair: Option<AnchorPair>, issue: DerivativeIssue, contact: String, time: f64) {
        self.found.entry((issue.order(), pair)).and_modify(|w| w.count += 1).or_insert(DerivativeWarning {
            issue,
            contact,
            time,
            count: 1,
        });
    }

    /// The warnings of the run, by issue and then by contact. Contacts still open at the end are not judged for
    /// their duration.
    pub fn finish(self) -> Vec<DerivativeWarning> {
        self.found.into_values().collect()
    }
}

/// What a contact pair touched, by name.
/// The name of a pair of the impulse solver's participants ([`crate::contact::BodyVelocities`]): free bodies,
/// then robots; `None` for the ground.
fn participants(scene: &Model<f64>, a: usize, b: Option<usize>) -> String {
    let nb = scene.bodies.len();
    let one = |i: usize| match i.checked_sub(nb) {
        None => format!("`{}`", scene.bodies[i].name),
        Some(r) => format!("robot `{}`", scene.robots[r].name()),
    };
    match b {
        None => format!("{} on the ground", one(a)),
        Some(b) => format!("{} on {}", one(a), one(b)),
    }
}

fn name(scene: &Model<f64>, pair: AnchorPair) -> String {
    let link = |robot: usize, collider: usize| {
        let r = &scene.robots[robot];
        format!("`{}.{}`", r.name(), r.multibody.colliders[collider].link)
    };
    match pair {
        AnchorPair::Particle { index } => format!("`{}` on the ground", scene.particles[index].name),
        AnchorPair::Bodies { a, b: None } => format!("`{}` on the ground", scene.bodies[a].name),
        AnchorPair::Bodies { a, b: Some(b) } => format!("`{}` on `{}`", scene.bodies[a].name, scene.bodies[b].name),
        AnchorPair::Link { robot, collider, partner } => {
            let other = match partner {
                Partner::Ground => "the ground".to_string(),
                Partner::Body(i) => format!("`{}`", scene.bodies[i].name),
                Partner::Link { robot, collider } => link(robot, collider),
            };
            format!("{} on {other}", link(robot, collider))
        }
    }
}

/// Runs `scene` over its duration on `f64` and returns where derivatives of its outcomes are not the physical
/// ones (see the module documentation); empty when nothing was found.
///
/// ```
/// use diffphys::model::{Ground, Model, Particle};
/// use diffphys::sim::{derivative_warnings, DerivativeIssue};
/// use nalgebra::Vector3;
/// // a ball dropped from 1 m onto a stiff ground at 1 ms: the bounce lasts about 3 steps
/// let mut scene = Model::<f64>::empty(1e-3, 0.6);
/// scene.ground = Some(Ground::new(1e6, 20.0, 0.0));
/// scene.particles.push(Particle::new("ball", 0.1, 0.05, Vector3::new(0.0, 0.0, 1.0)));
/// let warnings = derivative_warnings(&scene).unwrap();
/// assert!(warnings.iter().any(|w| matches!(w.issue, DerivativeIssue::ShortContact { .. })));
/// assert!(warnings[0].to_string().contains("`ball` on the ground"));
/// ```
///
/// # Errors
/// As [`crate::sim::step`] on the scene.
pub fn derivative_warnings(scene: &Model<f64>) -> Result<Vec<DerivativeWarning>> {
    scene.validate()?;
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(scene.particles.len());
    let mut diagnostics = DerivativeDiagnostics::new();
    for _ in 0..scene.settings.n_steps() {
        step(scene, &mut state, &mut ws)?;
        diagnostics.observe(scene, &state, &ws);
    }
    Ok(diagnostics.finish())
}
