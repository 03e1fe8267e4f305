//! Static friction for compliant contact: an anchor spring (an elasto-plastic bristle) per contact, kept in the
//! [`State`](crate::sim::State) from step to step ([`FrictionAnchor`]), and its law ([`anchored_friction`]).
//!
//! Regularised Coulomb friction has no memory: at zero sliding speed it has zero force, so a body that friction
//! should hold on a slope creeps at about the regularisation speed. An anchor remembers where the contact stuck:
//! its spring holds any load up to [`EXACT_UP_TO`] (99%) of the friction cone with no creep (the contact only
//! deflects elastically, by micrometres); between that and the cone the anchor slides slowly (a box on a 30°
//! slope: 0.08 mm in 2 s at 99.5%, 0.8 mm at 99.8%, 3.4 mm at 99.9%), and beyond it sliding meets Coulomb's force
//! `μ F_n`. It is the default law ([`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)).

use super::warm_start::nearest_unclaimed;
use super::Partner;
use crate::scalar::{exp, re, recip, sqrt};
use crate::Scalar;
use nalgebra::Vector3;

/// What a friction anchor belongs to: the pair of things in contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AnchorPair {
    /// Free body `a` on free body `b`, or on the ground.
    Bodies {
        /// First body.
        a: usize,
        /// Second body, or `None` for the ground.
        b: Option<usize>,
    },
    /// Particle `index` on the ground.
    Particle {
        /// Index of the particle in the model.
        index: usize,
    },
    /// Collider `collider` of robot `robot` on its partner.
    Link {
        /// Index of the robot in the model.
        robot: usize,
        /// Index of its collider.
        collider: usize,
        /// What it touches.
        partner: Partner,
    },
}

/// What one contact of the compliant model remembers from step to step, kept in
/// [`State::friction_anchors`](crate::sim::State::friction_anchors): the approach speed it began with (every
/// contact of free bodies and robot links) and, with [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored),
/// its friction anchor's stretch (particles on the ground keep only that).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FrictionAnchor<T: Scalar> {
    /// The contact's pair.
    pub pair: AnchorPair,
    /// The contact point in the axes of the pair's first side (m): a free body's, relative to its centre of mass; a
    /// robot link's, relative to the link's frame; zero for a particle. Only the real part is kept: it identifies
    /// the contact from one step to the next and carries no derivative.
    pub local_point: Vector3<f64>,
    /// The stretch of the anchor spring (m, world axes, in the contact's tangent plane): how far the contact
    /// point of `a` has moved, relative to `b`, since it stuck. Carries derivatives like the rest of the state.
    /// Zero with regularised friction.
    pub stretch: Vector3<T>,
    /// The normal approach speed in m/s at which the contact began
    /// ([`ContactMemory::onset_speed`](super::ContactMemory::onset_speed)); zero for a particle. Carries
    /// derivatives.
    pub onset_speed: T,
    /// How long the contact has touched, in s (real only): the steps or sub-steps it has been kept through. A free
    /// body's contact is sub-stepped while it is young ([`crate::integrate::SUBSTEP_AGE`]).
    pub age: f64,
}

/// The fraction of the friction cone up to which [`anchored_friction`] is exact: below it a contact holds any
/// load; above it [`saturate`] bends the force smoothly onto the cone (its second derivative there is
/// `1/(1 − a) = 100` per unit of the ratio: the bend is sharp, but C¹).
pub const EXACT_UP_TO: f64 = 0.99;

/// `ω_t dt` of an anchor spring on its contact point's sideways mass: the spring's stiffness is
/// `k_t = m_t (ω_t dt)² / dt²`, a nominal 12.6 steps per period at any `dt` (`m_t` is a lower bound of the point's
/// mass, so the real period is longer), well inside semi-implicit Euler's stability bound (`ω dt < √2` with the
/// implicit damper), and stiffer the smaller the step.
pub const ANCHOR_OMEGA_DT: f64 = 0.5;

/// The C¹ saturation of a magnitude ratio `x ≥ 0` onto the friction cone: `x` up to [`EXACT_UP_TO`] (`a`), then
/// `1 − (1 − a) exp(−(x − a)/(1 − a))`, which has slope 1 at `a` and tends to 1. Monotonic, never above 1.
pub fn saturate<T: Scalar>(x: T) -> T {
    let a = EXACT_UP_TO;
    if re(&x) <= a {
        return x;
    }
    T::one() - exp(&((x - a) * (-1.0 / (1.0 - a)))) * (1.0 - a)
}

/// Scales `v` so that its magnitude relative to `limit` is [`saturate`]d: unchanged up to [`EXACT_UP_TO`] of the
/// limit, never beyond it.
fn onto_cone<T: Scalar>(v: Vector3<T>, limit: &T) -> Vector3<T> {
    let x = sqrt(&v.norm_squared()) * recip(limit);
    if re(&x) <= EXACT_UP_TO {
        return v;
    }
    v * (saturate(x) * recip(&x))
}

/// The tangential force (N, on side `a`, world axes) of a compliant contact with an anchor, and the anchor's new
/// stretch.
///
/// # Model
/// With unit `normal` `n`, the relative tangential velocity `u_t` of the two sides at the contact (start of the
/// step), the friction limit `L = μ F_n` (N), the point's sideways mass `m_t` (kg; see
/// [`compliant_contact_force`](super::compliant_contact_force)) and the anchor's `previous` stretch `s₀` (zero for
/// a new contact):
///
/// 1. the stretch follows the contact: `s = s₀ − n (n·s₀) + u_t dt` (projected onto the current tangent plane);
///    since `u_t` at the start of this step is the velocity the last step moved the positions with, `s` is the
///    tangential displacement of the contact since it stuck;
/// 2. the anchor slides when the spring alone would leave the cone: `s ← s · sat(y)/y` with `y = k_t |s| / L`
///    ([`saturate`]);
/// 3. the force is the spring and a damper, `F = −k_t s − c̃ u_t`, with `k_t = m_t (ω_t dt)²/dt²`
///    ([`ANCHOR_OMEGA_DT`]) and `c = 2 √(k_t m_t)` (critical for the continuous oscillator) taken implicitly in
///    the point's own mass, `c̃ = c / (1 + c dt/m_t) = c/2`: one contact's discrete map then has eigenvalues of
///    modulus `√0.5` per step (a damping ratio of about 0.58). Stability is per contact: contacts in parallel on
///    one body add stiffness, and a mode whose summed sideways masses exceed about 3.2 times its own mass would
///    chatter (bounded by the cone); a box's modes are at 1.9–2.4;
/// 4. the force is kept inside the cone: `F ← F · sat(x)/x` with `x = |F| / L`.
///
/// Below [`EXACT_UP_TO`] of the cone nothing is saturated: a contact that holds a load does not move (its
/// spring's elastic deflection is `|F| dt² / (m_t (ω_t dt)²)`, micrometres); a sliding contact meets
/// `|F| → μ F_n`. A contact with no normal force (`L ≤ 0`) has no friction and forgets its stretch.
///
/// # Gradients
/// The force and the new stretch are C¹ in `u_t`, `s₀`, `L` and `m_t` (the saturations join with matching
/// slopes; the branches are on the real part), so dual numbers give the exact derivative of the discrete
/// trajectory through sticking, sliding and the switches between them. The stretch carries derivatives from one
/// step to the next in the state.
///
/// ```
/// use diffphys::contact::anchored_friction;
/// use nalgebra::Vector3;
/// let (n, mass, dt) = (Vector3::z(), 0.25, 1e-3);
/// // at rest, a load inside the cone is held by a small stretch, with no creep
/// let stretch = Vector3::new(1e-6, 0.0, 0.0);
/// let (f, s) = anchored_friction(&n, &Vector3::zeros(), &5.0, &mass, dt, &stretch);
/// assert_eq!(s, stretch);
/// assert!((f.x + 0.25 * 0.25 / 1e-6 * 1e-6).abs() < 1e-12); // k_t s, k_t = m_t (0.5)² / dt²
/// // sliding fast: Coulomb's force μ F_n against the motion
/// let (f, _) = anchored_friction(&n, &Vector3::new(-2.0, 0.0, 0.0), &5.0, &mass, dt, &Vector3::zeros());
/// assert!((f.x - 5.0).abs() < 1e-6 && f.y == 0.0);
/// ```
pub fn anchored_friction<T: Scalar>(
    normal: &Vector3<T>,
    tangential_velocity: &Vector3<T>,
    limit: &T,
    sliding_mass: &T,
    dt: f64,
    previous: &Vector3<T>,
) -> (Vector3<T>, Vector3<T>) {
    if re(limit) <= 0.0 {
        return (Vector3::zeros(), Vector3::zeros());
    }
    let n = normal;
    let u_t = tangential_velocity - n * n.dot(tangential_velocity);
    let stiffness = *sliding_mass * (ANCHOR_OMEGA_DT * ANCHOR_OMEGA_DT / (dt * dt));
    let stretch = previous - n * n.dot(previous) + u_t * T::from(dt);
    // the anchor slides once the spring alone reaches the cone
    let stretch = onto_cone(stretch * stiffness, limit) * recip(&stiffness);
    // c = 2 √(k_t m_t) = 2 m_t ω_t, implicit in the point's own mass: c̃ = c / (1 + c dt/m_t) = c / (1 + 2 ω_t dt)
    let damping = *sliding_mass * (2.0 * ANCHOR_OMEGA_DT / (dt * (1.0 + 2.0 * ANCHOR_OMEGA_DT)));
    let force = -(stretch * stiffness) - u_t * damping;
    (onto_cone(force, limit), stretch)
}

/// The anchor of a contact of `pair` at `local_point` (m, axes of the pair's first side) from `previous` (sorted
/// by pair, as [`store_anchors`] leaves them): the nearest entry of the same pair within `radius` (m) that no other
/// contact of this step has taken (`taken`, one flag per entry, is updated); its stretch, onset speed and age, or
/// `None` for a new contact.
pub fn recall_anchor<T: Scalar>(
    previous: &[FrictionAnchor<T>],
    taken: &mut [bool],
    pair: AnchorPair,
    local_point: &Vector3<f64>,
    radius: f64,
) -> Option<(Vector3<T>, T, f64)> {
    recall_anchor_index(previous, taken, pair, local_point, radius).map(|i| {
        let c = &previous[i];
        (c.stretch, c.onset_speed, c.age)
    })
}

/// [`recall_anchor`]'s entry of `previous` as an index: where the recalled anchor's numbers sit in the state
/// (what a derivative with respect to them needs).
pub fn recall_anchor_index<T: Scalar>(
    previous: &[FrictionAnchor<T>],
    taken: &mut [bool],
    pair: AnchorPair,
    local_point: &Vector3<f64>,
    radius: f64,
) -> Option<usize> {
    let start = previous.partition_point(|c| c.pair < pair);
    let end = start + previous[start..].partition_point(|c| c.pair == pair);
    nearest_unclaimed(&previous[start..end], &mut taken[start..end], |c| &c.local_point, local_point, radius)
        .map(|i| start + i)
}

/// Sorts this step's anchors by pair, for [`recall_anchor`] at the next step.
pub fn store_anchors<T: Scalar>(anchors: &mut [FrictionAnchor<T>]) {
    anchors.sort_unstable_by_key(|c| c.pair);
}

/// The friction anchors of one step of the whole world: last step's, which this step's contacts recall
/// ([`AnchorBook::recall`]), and this step's, which they keep ([`AnchorBook::keep`]). Particles, free bodies and
/// robot links all use the one book within a step ([`crate::sim::step`]); its buffers are reused from step to step.
///
/// An anchor advances once per step, at the step's first force evaluation. Integrators with more stages (RK4,
/// velocity Verlet) [`hold`](AnchorBook::hold) the book after their first: their later stages recall the
/// stretches this step has kept so far and keep nothing, then [`advance`](AnchorBook::advance) reopens it. A
/// later stage's law adds its own `u_t dt` to the recalled stretch, as the first stage did to last step's, so
/// its spring stands where the contact would be one step on at that stage's velocity; only the first stage's
/// stretch is kept.
#[derive(Debug, Clone)]
pub struct AnchorBook<T: Scalar> {
    anchored: bool,
    held: bool,
    /// A dry run ([`AnchorBook::dry_run`]): recalls leave `taken` alone and nothing is kept.
    dry: bool,
    dry_taken: Vec<bool>,
    /// Sub-steps ([`AnchorBook::next_substep`]): contacts recall what the last sub-step kept (`substep`).
    in_substeps: bool,
    substep: Vec<FrictionAnchor<T>>,
    substep_taken: Vec<bool>,
    previous: Vec<FrictionAnchor<T>>,
    taken: Vec<bool>,
    next: Vec<FrictionAnchor<T>>,
    /// Which of `next` a held stage's contacts have taken.
    held_taken: Vec<bool>,
}

impl<T: Scalar> Default for AnchorBook<T> {
    fn default() -> Self {
        AnchorBook {
            anchored: false,
            held: false,
            dry: false,
            dry_taken: Vec::new(),
            in_substeps: false,
            substep: Vec::new(),
            substep_taken: Vec::new(),
            previous: Vec::new(),
            taken: Vec::new(),
            next: Vec::new(),
            held_taken: Vec::new(),
        }
    }
}

impl<T: Scalar> AnchorBook<T> {
    /// Starts a step: the state's `anchors` (last step's, sorted) move into the book. Contacts of free bodies and
    /// robot links always recall and keep theirs (their onset speed); friction uses the stretches when `anchored`
    /// (the scene asks for [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)), and particles keep
    /// anchors only then.
    pub fn begin_step(&mut self, anchored: bool, anchors: &mut Vec<FrictionAnchor<T>>) {
        self.anchored = anchored;
        self.held = false;
        std::mem::swap(&mut self.previous, anchors);
        anchors.clear();
        self.next.clear();
        self.taken.clear();
        self.taken.resize(self.previous.len(), false);
    }

    /// Whether friction is anchored in this step.
    pub fn is_anchored(&self) -> bool {
        self.anchored
    }

    /// The stretch and onset speed of a contact of `pair` at `local_point` ([`recall_anchor`]), `None` for a new
    /// one: from last step's anchors, or, while the book is [held](AnchorBook::hold), from those this step has kept.
    pub fn recall(
        &mut self,
        pair: AnchorPair,
        local_point: &Vector3<f64>,
        radius: f64,
    ) -> Option<(Vector3<T>, T, f64)> {
        if self.in_substeps {
            return recall_anchor(&self.substep, &mut self.substep_taken, pair, local_point, radius);
        }
        if self.dry {
            return recall_anchor(&self.previous, &mut self.dry_taken, pair, local_point, radius);
        }
        if self.held {
            return recall_anchor(&self.next, &mut self.held_taken, pair, local_point, radius);
        }
        recall_anchor(&self.previous, &mut self.taken, pair, local_point, radius)
    }

    /// Keeps this step's anchor of one contact (nothing while the book is [held](AnchorBook::hold)).
    pub fn keep(&mut self, anchor: FrictionAnchor<T>) {
        if !self.held && !self.dry {
            self.next.push(anchor);
        }
    }

    /// Holds the anchors this step has kept so far for the later stages of an integrator: until
    /// [`advance`](AnchorBook::advance), contacts recall them (each once per stage: call `hold` before every
    /// stage) and keep nothing.
    pub fn hold(&mut self) {
        if !self.held {
            store_anchors(&mut self.next);
        }
        self.held = true;
        self.held_taken.clear();
        self.held_taken.resize(self.next.len(), false);
    }

    /// Reopens a [held](AnchorBook::hold) book: contacts recall last step's anchors (those not taken yet) and keep
    /// their own again.
    pub fn advance(&mut self) {
        self.held = false;
    }

    /// Starts (`true`) or ends (`false`) a dry run: a force evaluation that looks at the contacts' memories and
    /// changes nothing. Recalls between the two calls take nothing from later ones, and nothing is kept.
    pub fn dry_run(&mut self, on: bool) {
        if on && !self.dry {
            self.dry_taken.clone_from(&self.taken);
        }
        self.dry = on;
    }

    /// Where the anchors kept from now on begin: pass it to [`next_substep`](AnchorBook::next_substep).
    pub fn mark(&self) -> usize {
        self.next.len()
    }

    /// Between two sub-steps of one step: the anchors kept since `mark` (the last sub-step's) are what the next
    /// sub-step's contacts recall, and that sub-step keeps its own in their place.
    /// [`end_substeps`](AnchorBook::end_substeps) returns to last step's anchors.
    pub fn next_substep(&mut self, mark: usize) {
        self.substep.clear();
        self.substep.extend(self.next.drain(mark..));
        store_anchors(&mut self.substep);
        self.substep_taken.clear();
        self.substep_taken.resize(self.substep.len(), false);
        self.in_substeps = true;
    }

    /// Ends the sub-steps of a step ([`next_substep`](AnchorBook::next_substep)).
    pub fn end_substeps(&mut self) {
        self.in_substeps = false;
        self.substep.clear();
    }

    /// Ends a step: this step's anchors, sorted, become the state's `anchors`.
    pub fn end_step(&mut self, anchors: &mut Vec<FrictionAnchor<T>>) {
        self.held = false;
        self.dry = false;
        self.in_substeps = false;
        store_anchors(&mut self.next);
        std::mem::swap(&mut self.next, anchors);
        self.next.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    #[test]
    fn saturation_is_c1_monotonic_and_below_one() {
        let a = EXACT_UP_TO;
        let d = |x: f64| saturate(Dual64::from(x).derivative()).eps;
        assert!((d(a - 1e-12) - 1.0).abs() < 1e-9 && (d(a + 1e-12) - 1.0).abs() < 1e-9);
        let mut last = 0.0;
        for k in 0..400 {
            let x = k as f64 * 0.01;
            let y: f64 = saturate(x);
            assert!(y >= last && y <= 1.0, "{x}: {y}");
            last = y;
        }
        assert!(saturate(3.0f64) > 0.9999);
    }

    #[test]
    fn a_held_contact_keeps_its_anchor_and_a_sliding_one_meets_coulomb() {
        let (n, m, dt, limit) = (Vector3::z(), 0.5, 1e-3, 4.0);
        let k = m * ANCHOR_OMEGA_DT.powi(2) / (dt * dt);
        // a load of 3 N (75% of the cone) is held: the stretch that balances it is kept exactly
        let s0 = Vector3::new(3.0 / k, 0.0, 0.0);
        let (f, s) = anchored_friction(&n, &Vector3::zeros(), &limit, &m, dt, &s0);
        assert!((f.x + 3.0).abs() < 1e-12 && s == s0);
        // a stretch with a normal component (the surface turned) is projected onto the tangent plane
        let (_, s) = anchored_friction(&n, &Vector3::zeros(), &limit, &m, dt, &Vector3::new(1e-6, 0.0, 1e-6));
        assert_eq!(s.z, 0.0);
        // sliding at 1 m/s along y: the force is within 1e-6 of μ F_n, against the motion
        let (f, s) = anchored_friction(&n, &Vector3::new(0.0, 1.0, 0.0), &limit, &m, dt, &Vector3::zeros());
        assert!((f.norm() - limit).abs() < 1e-6 * limit && f.y < 0.0, "{f}");
        assert!(k * s.norm() <= limit * (1.0 + 1e-12), "the anchor slid: the spring stays inside the cone");
        // no normal force: no friction, the anchor is forgotten
        let (f, s) = anchored_friction(&n, &Vector3::new(0.0, 1.0, 0.0), &0.0, &m, dt, &s0);
        assert!(f == Vector3::zeros() && s == Vector3::zeros());
    }

    #[test]
    fn derivatives_match_central_differences_through_stick_and_slip() {
        let (dt, limit) = (1e-3, 4.0);
        let k = 0.5 * ANCHOR_OMEGA_DT.powi(2) / (dt * dt);
        // the force and the new stretch along x as functions of the previous stretch `(x, 0.3 x, 0)`, from deep
        // inside the cone to beyond it
        let eval = |x: Dual64| {
            let c = Dual64::from;
            let previous = Vector3::new(x, x * 0.3, c(0.0));
            let u = Vector3::new(c(0.01), c(0.0), c(0.0));
            let (f, s) = anchored_friction(&Vector3::z(), &u, &c(limit), &c(0.5), dt, &previous);
            (f.x, s.x)
        };
        for scale in [0.2, 0.9, 0.96, 1.3, 3.0] {
            let x0 = scale * limit / k;
            let (f, s) = eval(Dual64::from(x0).derivative());
            let h = 1e-6 * x0;
            let ((fp, sp), (fm, sm)) = (eval(Dual64::from(x0 + h)), eval(Dual64::from(x0 - h)));
            let (fd, sd) = ((fp.re - fm.re) / (2.0 * h), (sp.re - sm.re) / (2.0 * h));
            assert!((f.eps - fd).abs() < 1e-6 * k, "scale {scale}: {} vs {fd}", f.eps);
            assert!((s.eps - sd).abs() < 1e-6, "scale {scale}: {} vs {sd}", s.eps);
        }
    }
}
