//! Compliant (penalty) contact, one law for free rigid bodies and robot links: the force at a contact point from
//! the point's inverse inertia ([`point_contact_force`], the law itself in [`compliant_contact_force`]), that
//! inverse inertia on a free body ([`free_body_point_inverse_inertia`]), and how two materials combine.

use crate::geometry::ContactGeometry;
use crate::model::ContactSettings;
use crate::scalar::never_pull;
use crate::scalar::{ln, re, recip, smootherstep, sqrt};
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// The friction coefficient of a pair: the geometric mean `√(μ_a μ_b)` (as in Box2D and ODE), so a pair with
/// one frictionless surface is frictionless and two equal materials keep their coefficient. At `μ_a μ_b = 0`
/// it returns 0 with a zero derivative (the true one is infinite there).
pub fn combined_friction<T: Scalar>(a: &T, b: &T) -> T {
    let product = *a * *b;
    if re(&product) > 0.0 {
        sqrt(&product)
    } else {
        T::zero()
    }
}

/// The restitution of a pair: the larger of the two (as in Box2D), so a bouncy ball bounces on any floor. The
/// derivative is that of the larger one (on a tie, of `a`), taken on the real part.
pub fn combined_restitution<T: Scalar>(a: &T, b: &T) -> T {
    if re(a) >= re(b) {
        *a
    } else {
        *b
    }
}

/// The damping ratio `ζ` of a linear spring–damper whose bounce has coefficient of restitution `e`:
/// `ζ = −ln e / √(π² + ln² e)` (1 at `e = 0`, 0 at `e = 1`).
pub fn damping_ratio_for_restitution<T: Scalar>(e: &T) -> T {
    if re(e) <= 1e-12 {
        return T::one();
    }
    let l = ln(e);
    -l * recip(&sqrt(&(l * l + std::f64::consts::PI * std::f64::consts::PI)))
}

/// The smallest inverse mass (1/kg) a contact point is given along the normal or sideways: 1e-12, a 1e12 kg
/// point. A point that cannot move along the normal (a link turning about the normal, on a fixed partner) has an
/// infinite normal mass; its contact force does no work, so the bound keeps the law finite. It is a branch on the
/// real part: where it is active the masses' derivatives are zero.
pub(crate) const MIN_INVERSE_MASS: f64 = 1e-12;

/// The inverse inertia `G` (1/kg, world axes) of the material point at `arm` (m, world axes, from the centre of
/// mass) of a free rigid body of inverse mass `inverse_mass` (1/kg) and world inverse inertia `inverse_inertia`
/// (1/(kg m²), [`inverse_inertia_world`](crate::multibody::inverse_inertia_world)): the change of that point's
/// velocity per unit impulse applied there, `Δu = G J`,
///
/// `G = (1/m) 1 + [r]ₓ I_w⁻¹ [r]ₓᵀ`
///
/// (`Δv = J/m`, `Δω = I_w⁻¹ (r × J)`, `Δu = Δv + Δω × r`). It is what `J M⁻¹ Jᵀ` of the point gives for a body on a
/// free joint, and what [`point_contact_force`] takes (summed over the two sides of a contact).
///
/// ```
/// use diffphys::contact::free_body_point_inverse_inertia;
/// use nalgebra::{Matrix3, Vector3};
/// // a 1 kg, 10 cm cube (I = m a²/6) touching the ground at a bottom corner
/// let inverse_inertia = Matrix3::identity() * (6.0 / 0.01);
/// let g = free_body_point_inverse_inertia(&1.0, &inverse_inertia, &Vector3::new(0.05, 0.05, -0.05));
/// let n = Vector3::z();
/// assert!((n.dot(&(g * n)) - 4.0).abs() < 1e-12); // the corner's normal mass is a quarter of the cube
/// assert!((g - g.transpose()).norm() < 1e-15);
/// ```
pub fn free_body_point_inverse_inertia<T: Scalar>(
    inverse_mass: &T,
    inverse_inertia: &Matrix3<T>,
    arm: &Vector3<T>,
) -> Matrix3<T> {
    let r = arm.cross_matrix();
    r * inverse_inertia * r.transpose() + Matrix3::identity() * *inverse_mass
}

/// The compliant contact force (N, world axes) on side `a` of a contact whose point has the inverse inertia
/// `inverse_inertia` `G` (1/kg, world axes: the sum of both sides', [`free_body_point_inverse_inertia`] for a free
/// body, `J M⁻¹ Jᵀ` for a robot link, zero for the ground): [`compliant_contact_force`] with the normal mass
/// `m_n = 1 / (nᵀ G n)` and the sideways mass `m_t = 1 / (tr G − nᵀ G n)`, each inverse mass bounded below by
/// 1e-12 1/kg (a point that cannot move stays finite). Side `b` gets the opposite force at the same point.
/// Free rigid bodies and robot links all use this one entry point. `memory` is what the contact remembers: the
/// approach speed it began with, and with anchored friction its anchor's stretch (updated in place).
///
/// ```
/// use diffphys::contact::{free_body_point_inverse_inertia, point_contact_force, ContactMemory};
/// use diffphys::geometry::ContactGeometry;
/// use diffphys::model::ContactSettings;
/// use nalgebra::{Matrix3, Vector3};
/// let settings = ContactSettings::<f64>::default(); // k = 1e5 N/m
/// let touch = ContactGeometry { normal: Vector3::z(), point: Vector3::zeros(), distance: -0.01 };
/// let ball = free_body_point_inverse_inertia(&1.0, &(Matrix3::identity() * 250.0), &Vector3::new(0.0, 0.0, -0.1));
/// let memory = ContactMemory { onset_speed: 1.0, stretch: None };
/// let f = point_contact_force(&settings, &touch, &Vector3::zeros(), &ball, &0.5, &0.0, 1e-3, memory);
/// assert!((f.z - 1e3).abs() < 1e-9 && f.x == 0.0); // k d at rest, no friction
/// ```
#[allow(clippy::too_many_arguments)]
pub fn point_contact_force<T: Scalar>(
    settings: &ContactSettings<T>,
    contact: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    inverse_inertia: &Matrix3<T>,
    friction: &T,
    restitution: &T,
    dt: f64,
    memory: ContactMemory<T>,
) -> Vector3<T> {
    let n = &contact.normal;
    let bounded = |inverse: T| if re(&inverse) < MIN_INVERSE_MASS { T::from(MIN_INVERSE_MASS) } else { inverse };
    let along_normal = n.dot(&(inverse_inertia * n));
    let normal_mass = recip(&bounded(along_normal));
    let sideways_mass = recip(&bounded(inverse_inertia.trace() - along_normal));
    compliant_contact_force(
        settings,
        contact,
        relative_velocity,
        friction,
        restitution,
        &normal_mass,
        &sideways_mass,
        dt,
        memory,
    )
}

/// What a compliant contact remembers from the steps before this one ([`compliant_contact_force`]), kept in the
/// [`State`](crate::sim::State) ([`FrictionAnchor`](super::FrictionAnchor)).
#[derive(Debug)]
pub struct ContactMemory<'a, T: Scalar> {
    /// The normal approach speed in m/s at which the contact began ([`onset_speed`], at its first step): it sets
    /// the contact's damping, so that it bounces with its restitution.
    pub onset_speed: T,
    /// With anchored friction, the stretch in m of the contact's friction anchor, read and updated; `None` for
    /// regularised friction.
    pub stretch: Option<&'a mut Vector3<T>>,
}

/// The force in N on side `a` at one contact point of the compliant model, given the point's normal mass
/// `normal_mass` and sideways mass `sliding_mass` (kg); side `b` gets the opposite force at the same point.
/// [`point_contact_force`] computes both masses from the point's inverse inertia and is what the engine calls.
///
/// # Model
/// With penetration `d = −distance`, normal `n` (from `b` to `a`), relative velocity `u = v_a(p) − v_b(p)` of the
/// two sides at the contact point, its normal part `u_n = u·n` and tangential part `u_t`:
///
/// * **Normal force** `F_n = f(d) − c u_n` for `d > 0`, else 0 (Hunt and Crossley's law, with an elastic force
///   of any shape): the elastic force `f(d) = s(d/δ) k d` of stiffness `k` ([`ContactSettings::stiffness`]),
///   ramped in over the first `δ` ([`ContactSettings::ramp_depth`]) of penetration by the C² smootherstep `s`
///   ([`smootherstep`](crate::scalar::smootherstep): a step's samples inside the ramp then sum to its work with
///   the least dependence on where they fall, which is what keeps bounces smooth in the initial state), and
///   a damper proportional to it, `c = α f(d)`. The damping rate `α = a(e) / v₀` is set from the pair's
///   restitution `e` ([`hunt_crossley_rate`]) and the approach speed `v₀` at which this contact began
///   ([`ContactMemory::onset_speed`], [`onset_speed`]; at least [`SLOWEST_IMPACT`]). Along the normal,
///   `m_n ḋ dḋ / (1 + α ḋ) = −f(d) dd` separates, so a body meeting the surface at `v₀` leaves it at exactly
///   `e v₀`, whatever its mass, the stiffness, the ramp and the speed: the restitution is the one asked for
///   (measured: within 1% for `e ≥ 0.2` when the contact lasts 25 steps or more, `π √(m_n/k) ≥ 25 dt`, and for
///   `e ≥ 0.1` at 40 steps; at 20 steps the cap below binds and a bounce can come out up to 11% low at `e = 0.2`,
///   4% at 0.7; `tests/engine/compliant_restitution.rs`). It also holds for a box landing flat, whose
///   corners share `v₀` and `α`. At rest the damper is still there (`c = α m g` for a body of weight `m g`), and
///   the body rests where `f(d)` carries it.
///
///   Two bounds keep explicit steps stable. `c` is capped smoothly at [`DAMPING_CAP`]` · m_n / dt` (half of
///   what stops the contact's own normal velocity in one step); the cap binds at restitutions below about 0.2
///   and on resting contacts, where it is the damping, and slows the capped contacts' bounce below `e`'s
///   exactness. A never-pull blend `P(·, f/100)` (C¹) keeps `F_n ≥ 0` where a slow onset (`v₀` below
///   [`SLOWEST_IMPACT`]) or the cap would let the damper pull: a clean impact never reaches it.
///
///   At `e = 0` the damping is capped from the first step, and a body stops with a rebound of a few percent
///   (under 4% at 40 steps per contact, up to 15% at 10), where the critically damped spring of earlier
///   versions bounced at 0.18–0.24 (in a 1-D replica; [`damping_ratio_for_restitution`] is kept for the box–box
///   penalty).
/// * **Friction** `F_t = −μ F_n u_t / √(|u_t|² + v_s² + (μ F_n dt / m_t)²)`: Coulomb's law once sliding faster
///   than `v_s` ([`ContactSettings::slip_velocity`]), smooth through `u_t = 0`, and never able to reverse the
///   sliding within one explicit step. `m_t` is a lower bound of the mass the contact point has when pushed in
///   any direction of the tangent plane, rotation included: with `G` its inverse inertia, `1/m_t = tr G − nᵀ G n`,
///   the trace of `G`'s tangential block, bounds that block's largest eigenvalue from above. With the
///   translational mass instead, a push at a box's corner overshoots and friction can inject energy.
///
/// # Masses
/// `m_n = 1 / (nᵀ G n)` and `m_t = 1 / (tr G − nᵀ G n)` from the inverse inertia `G` of the contact point, the sum
/// of both sides' (the relative velocity change per unit impulse): `(1/m) 1 + [r]ₓ I⁻¹ [r]ₓᵀ` for a free body
/// ([`free_body_point_inverse_inertia`]), `J M⁻¹ Jᵀ` for a robot link, zero for the ground. Free bodies and robot
/// links thus see one law: a one-body robot on a free joint gets the same contact forces as the same free body
/// in the same state (`tests/engine/one_body_robot_vs_free_body.rs`).
///
/// # Gradients at the switches
/// Contact on/off (`d = 0`), the ramp's ends and the never-pull clamp are branches on the real part across which
/// the force and its first derivative are continuous (the elastic force `s(d/δ) k d` is C³ at `d = 0` and C² at
/// `d = δ`; the damping cap is smooth), so dual numbers give exact
/// derivatives of the discrete trajectory everywhere, switches included. (At [`SLOWEST_IMPACT`] the force is continuous in
/// the onset speed but its derivative jumps; the onset speed is set once per contact.) Which features touch (a box's corner or face) is
/// decided by the narrow phase on the real part: at a change of feature the derivatives of the contact geometry
/// jump, but the force is zero at zero penetration, so the trajectory stays C¹ as long as features change only
/// while out of contact or at equal depth.
///
/// ```
/// use diffphys::contact::{compliant_contact_force, ContactMemory};
/// use diffphys::geometry::ContactGeometry;
/// use diffphys::model::ContactSettings;
/// use nalgebra::Vector3;
/// let settings = ContactSettings::<f64>::default(); // k = 1e5 N/m
/// let touch = ContactGeometry { normal: Vector3::z(), point: Vector3::zeros(), distance: -0.01 };
/// let memory = ContactMemory { onset_speed: 1.0, stretch: None };
/// let f = compliant_contact_force(&settings, &touch, &Vector3::zeros(), &0.5, &0.0, &1.0, &1.0, 1e-3, memory);
/// assert!((f.z - 1e3).abs() < 1e-9 && f.x == 0.0); // k d at rest, no friction
/// ```
#[allow(clippy::too_many_arguments)]
pub fn compliant_contact_force<T: Scalar>(
    settings: &ContactSettings<T>,
    contact: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    friction: &T,
    restitution: &T,
    normal_mass: &T,
    sliding_mass: &T,
    dt: f64,
    memory: ContactMemory<T>,
) -> Vector3<T> {
    let ContactMemory { onset_speed, stretch: anchor } = memory;
    let onset_speed = &onset_speed;
    let depth = -contact.distance;
    if re(&depth) <= 0.0 {
        if let Some(stretch) = anchor {
            *stretch = Vector3::zeros();
        }
        return Vector3::zeros();
    }
    let ramp =
        if re(&settings.ramp_depth) > 0.0 { smootherstep(depth * recip(&settings.ramp_depth)) } else { T::one() };
    let spring = settings.stiffness * depth * ramp;
    let rate = hunt_crossley_rate(restitution) * recip(&slowest_impact(onset_speed));
    let damping = capped_damping(rate * spring, normal_mass, dt);
    let law = PenaltyLaw { spring, ramp: T::one(), damping, clamp: HUNT_CROSSLEY_CLAMP };
    law.force(&contact.normal, relative_velocity, friction, sliding_mass, &settings.slip_velocity, dt, anchor)
}

/// The slowest approach speed in m/s the compliant law's damping is set for ([`compliant_contact_force`]): a
/// contact that begins slower (a body set down, or one that comes to rest in contact) is damped as if it had
/// begun at 0.1 m/s. It bounds the damping of resting contacts; such slow impacts bounce a little more than asked.
pub const SLOWEST_IMPACT: f64 = 0.1;

/// The most damping one compliant contact gets per step, as a fraction of its normal mass over the step: the
/// damping coefficient `c` is bounded smoothly by `0.5 m_n / dt` ([`compliant_contact_force`]), which keeps
/// semi-implicit Euler stable however large `c` asks to be (a contact of restitution near 0, or one resting).
pub const DAMPING_CAP: f64 = 0.5;

/// The restitution below which [`hunt_crossley_rate`] follows its asymptote `a ∝ 1/e` (there `1 − a e` is below
/// 1e-8 and the equation has no precision left); it stops growing at `e = 0.01` (`a ≈ 100`), where the damping
/// is capped by [`DAMPING_CAP`] anyway.
pub const LEAST_RESTITUTION: f64 = 0.05;

/// Half-width of the never-pull blend of the compliant law, as a fraction of the elastic force: the law itself
/// never pulls in a clean impact; the blend only acts where the capped damping or a slow onset would let it.
const HUNT_CROSSLEY_CLAMP: f64 = 0.01;

/// `max(v, SLOWEST_IMPACT)` on the real part.
fn slowest_impact<T: Scalar>(v: &T) -> T {
    if re(v) < SLOWEST_IMPACT {
        T::from(SLOWEST_IMPACT)
    } else {
        *v
    }
}

/// The damping coefficient `c` (N s/m) bounded smoothly by `DAMPING_CAP · m_n / dt`:
/// `c / (1 + (c / cap)⁸)^(1/8)`, within 0.05% of `c` up to half the cap.
fn capped_damping<T: Scalar>(c: T, normal_mass: &T, dt: f64) -> T {
    let x = c * recip(&(*normal_mass * (DAMPING_CAP / dt)));
    let x2 = x * x;
    let x4 = x2 * x2;
    c * recip(&sqrt(&sqrt(&sqrt(&(T::one() + x4 * x4)))))
}

/// The approach speed (m/s) at which a contact began, from its state at the first step it touches (or, ahead of
/// the touch, while still apart): signed distance `distance` (negative when touching), relative velocity `u` of
/// side `a` to side `b` at the contact point, `relative_gravity` (m/s², side `a`'s free-fall acceleration minus side
/// `b`'s: gravity for a body on the ground, zero for two falling bodies) and the step `h` (s) that produced `u`.
///
/// A semi-implicit Euler step moves positions with the velocity at its end, so along a free fall the sampled
/// positions lie exactly on the parabola whose velocity is `u + g_rel h / 2`, not `u`. The approach speed along
/// the normal `w̃ = −(u + g_rel h/2)·n` grew by free fall over the distance the pair has already gone:
/// `w₀ = √(w̃² + 2 (−g_rel·n) distance)`. That is the parabola's speed where it meets the surface, the same at
/// every sample of the fall: `w₀` is a smooth function of the initial state, whichever sample is the first in
/// contact (with `u` alone it would saw-tooth by `g h` from one drop height to the next, and so would the
/// bounce). At least [`SLOWEST_IMPACT`] (with a zero derivative there), which is also what a pair moving apart
/// gets.
///
/// ```
/// use diffphys::contact::onset_speed;
/// use diffphys::geometry::ContactGeometry;
/// use nalgebra::Vector3;
/// // a ball on the ground 0.5 mm deep, moving down at 2 m/s after a 1 ms step: it met the ground at
/// // √((2 + 9.81 · 5e-4)² − 2 · 9.81 · 5e-4) m/s
/// let g = Vector3::new(0.0, 0.0, -9.81);
/// let touch = ContactGeometry { normal: Vector3::z(), point: Vector3::zeros(), distance: -5e-4 };
/// let w0 = onset_speed(&touch, &Vector3::new(0.0, 0.0, -2.0), &g, 1e-3);
/// let w = 2.0_f64 + 9.81 * 5e-4;
/// assert!((w0 - (w * w - 2.0 * 9.81 * 5e-4).sqrt()).abs() < 1e-15);
/// // the same fall sampled 1 mm before the touch, 9.81 mm/s slower: the same onset speed
/// let ahead = ContactGeometry { distance: 1e-3, ..touch };
/// let w_ahead = (w * w - 2.0 * 9.81 * 1.5e-3).sqrt() - 9.81 * 5e-4;
/// let again = onset_speed(&ahead, &Vector3::new(0.0, 0.0, -w_ahead), &g, 1e-3);
/// assert!((again - w0).abs() < 1e-12);
/// ```
pub fn onset_speed<T: Scalar>(
    contact: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    relative_gravity: &Vector3<T>,
    h: f64,
) -> T {
    let w = -(relative_velocity + relative_gravity * T::from(0.5 * h)).dot(&contact.normal);
    let square = w * w - relative_gravity.dot(&contact.normal) * contact.distance * 2.0;
    if re(&square) < SLOWEST_IMPACT * SLOWEST_IMPACT || re(&w) <= 0.0 {
        return T::from(SLOWEST_IMPACT);
    }
    sqrt(&square)
}

/// The Hunt–Crossley rate `a(e)` of restitution `e`: the law `F = f(d) (1 + α ḋ)` with `α = a / v₀` bounces a
/// body that met it at `v₀` with exactly `e v₀`, for any elastic force `f` (ramp included), mass and stiffness
/// ([`compliant_contact_force`]). It is the root in `(0, 1/e)` of
///
/// `a − ln(1 + a) = −a e − ln(1 − a e)`,
///
/// the first integral `m ḋ dḋ / (1 + α ḋ) = −f(d) dd` evaluated between touching down at `v₀` and leaving at
/// `−e v₀`. `a(1) = 0` (no damping), `a → 1/e` as `e → 0`; below [`LEAST_RESTITUTION`] it is held at that value.
/// Found in `f64` by safeguarded Newton iterations, then carried to the scalar by two Newton steps, so dual numbers
/// get its exact derivatives (first and second order).
///
/// ```
/// use diffphys::contact::hunt_crossley_rate;
/// let a: f64 = hunt_crossley_rate(&0.5);
/// let e: f64 = 0.5;
/// assert!((a - (1.0 + a).ln() + a * e + (1.0 - a * e).ln()).abs() < 1e-12);
/// assert!((a - 1.43275).abs() < 1e-5);
/// assert_eq!(hunt_crossley_rate(&1.0_f64), 0.0);
/// ```
pub fn hunt_crossley_rate<T: Scalar>(restitution: &T) -> T {
    if re(restitution) < LEAST_RESTITUTION {
        // a ≈ 1/e below: continued from a(LEAST_RESTITUTION), bounded at e = 0.01
        let e = if re(restitution) < 0.01 { T::from(0.01) } else { *restitution };
        return hunt_crossley_rate(&T::from(LEAST_RESTITUTION)) * recip(&e) * LEAST_RESTITUTION;
    }
    let e = *restitution;
    let e_re = re(&e);
    if e_re >= 1.0 {
        return T::zero();
    }
    if 1.0 - e_re < 1e-6 {
        // the two roots merge at e = 1: the leading terms of the series, a = 3(1 − e²) / (2(1 + e³))
        return (T::one() - e * e) * recip(&((T::one() + e * e * e) * 2.0)) * 3.0;
    }
    // g(b) with b = a e ∈ (0, 1): positive below the root (≈ a²(1 − e²)/2), falling to −∞ as b → 1. Newton's
    // method from a ≈ r(e) (1 − e)/e (r from 1 at e → 0 to 3/2 at e → 1), or the asymptote at small e, kept inside
    // the bracket by bisection: five or six iterations
    let g = |b: f64| {
        let a = b / e_re;
        a - a.ln_1p() + b + (-b).ln_1p()
    };
    let slope = |b: f64| b / (e_re * (e_re + b)) - b / (1.0 - b);
    let (mut lo, mut hi) = (0.0, 1.0);
    let mut b = if e_re < 0.25 {
        // a → 1/e: 1 − b ≈ (1 + a) e^(−a − 1)
        1.0 - (1.0 + 1.0 / e_re) * (-1.0 / e_re - 1.0).exp()
    } else {
        ((1.0 + 0.5 * e_re.sqrt()) * (1.0 - e_re)).clamp(1e-3, 1.0 - 1e-3)
    };
    for _ in 0..100 {
        let value = g(b);
        if value == 0.0 {
            break;
        }
        if value > 0.0 {
            lo = b;
        } else {
            hi = b;
        }
        let newton = b - value / slope(b);
        if (newton - b).abs() <= 1e-13 * b {
            b = newton;
            break;
        }
        b = if newton > lo && newton < hi { newton } else { 0.5 * (lo + hi) };
    }
    let root = b / e_re;
    let mut a = T::from(root);
    for _ in 0..2 {
        let ae = a * e;
        let value = a - ln(&(T::one() + a)) + ae + ln(&(T::one() - ae));
        let slope = a * recip(&(T::one() + a)) - a * e * e * recip(&(T::one() - ae));
        a -= value * recip(&slope);
    }
    // the steps carry the derivatives; the value is the f64 root's (`ln(1 + a)` rounds where `ln_1p` does not)
    a + (root - re(&a))
}

/// The three numbers that set a penalty contact's normal force `s · P(F − c u_n, F/2)`: the elastic `spring`
/// force `F` (N), the `ramp` factor `s ∈ [0, 1]` and the damping coefficient `c` (N s/m). See
/// [`compliant_contact_force`] for the law; the box–box penalty feeds it with its own `F`, `s` and `c`.
pub(crate) struct PenaltyLaw<T: Scalar> {
    pub spring: T,
    pub ramp: T,
    pub damping: T,
    /// Half-width of the never-pull blend `P` as a fraction of `F`.
    pub clamp: f64,
}

impl<T: Scalar> PenaltyLaw<T> {
    /// The force on body `a` along unit `normal` (from b to a), with regularised Coulomb friction, or with
    /// [`anchored_friction`](super::anchored_friction) given the stretch of the contact's `anchor` (updated).
    #[allow(clippy::too_many_arguments)]
    pub fn force(
        self,
        normal: &Vector3<T>,
        relative_velocity: &Vector3<T>,
        friction: &T,
        sliding_mass: &T,
        slip_velocity: &T,
        dt: f64,
        anchor: Option<&mut Vector3<T>>,
    ) -> Vector3<T> {
        let un = relative_velocity.dot(normal);
        let spring = self.spring;
        let magnitude = never_pull(spring - self.damping * un, spring * self.clamp) * self.ramp;
        if re(&magnitude) <= 0.0 {
            if let Some(stretch) = anchor {
                *stretch = Vector3::zeros();
            }
            return Vector3::zeros();
        }
        let ut = relative_velocity - normal * un;
        if let Some(stretch) = anchor {
            let (tangential, next) =
                super::anchored_friction(normal, &ut, &(*friction * magnitude), sliding_mass, dt, stretch);
            *stretch = next;
            return normal * magnitude + tangential;
        }
        let vs = *slip_velocity;
        let limit = *friction * magnitude;
        let step_change = limit * dt * recip(sliding_mass);
        let scale = limit * recip(&sqrt(&(ut.norm_squared() + vs * vs + step_change * step_change)));
        normal * magnitude - ut * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    /// The rate solves its equation, its dual derivative matches central differences, and it is continuous where
    /// the series (near `e = 1`) and the asymptote (below `LEAST_RESTITUTION`) take over.
    #[test]
    fn hunt_crossley_rate_solves_its_equation_with_exact_derivatives() {
        let residual = |a: f64, e: f64| a - a.ln_1p() + a * e + (-a * e).ln_1p();
        for e in [0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999] {
            let a: f64 = hunt_crossley_rate(&e);
            assert!(a > 0.0 && a * e < 1.0, "e = {e}: a = {a}");
            // to rounding in `a`: the residual's slope in `a` is steep where 1 − a e is small
            let slope = a / (1.0 + a) - a * e * e / (1.0 - a * e);
            let tolerance = 1e-12 * (slope.abs() * a + 1.0);
            assert!(residual(a, e).abs() < tolerance, "e = {e}: residual {}", residual(a, e));
            let d = hunt_crossley_rate(&Dual64::from(e).derivative());
            let h = 1e-4 * e.min(1.0 - e);
            let fd = (hunt_crossley_rate(&(e + h)) - hunt_crossley_rate(&(e - h))) / (2.0 * h);
            assert!((d.re - a).abs() < 1e-15 * a && (d.eps - fd).abs() < 1e-6 * fd.abs(), "e = {e}: {} vs {fd}", d.eps);
        }
        let (below, above): (f64, f64) =
            (hunt_crossley_rate(&(1.0 - 1.0001e-6)), hunt_crossley_rate(&(1.0 - 0.9999e-6)));
        assert!((below - above).abs() < 1e-9, "{below} {above}");
        let (below, above): (f64, f64) =
            (hunt_crossley_rate(&(LEAST_RESTITUTION - 1e-12)), hunt_crossley_rate(&(LEAST_RESTITUTION + 1e-12)));
        assert!((below - above).abs() < 1e-8 * above, "{below} {above}");
        assert_eq!(hunt_crossley_rate(&0.0), hunt_crossley_rate(&0.01));
        assert!((hunt_crossley_rate(&0.01) * 0.01 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn restitution_maps_to_damping_ratio_and_back() {
        for e in [0.1, 0.5, 0.9] {
            let z: f64 = damping_ratio_for_restitution(&e);
            // e of an underdamped linear oscillator with ratio ζ
            let back = (-std::f64::consts::PI * z / (1.0 - z * z).sqrt()).exp();
            assert!((back - e).abs() < 1e-12, "{e} {back}");
        }
        assert_eq!(damping_ratio_for_restitution(&0.0), 1.0);
        assert_eq!(damping_ratio_for_restitution(&1.0), 0.0);
    }

    #[test]
    fn materials_combine_with_derivatives() {
        let (a, b) = (Dual64::from(0.16).derivative(), Dual64::from(0.25));
        let mu = combined_friction(&a, &b);
        assert!((mu.re - 0.2).abs() < 1e-15 && (mu.eps - 0.25 / (2.0 * 0.2)).abs() < 1e-12);
        assert_eq!(combined_friction(&0.0, &0.5), 0.0);
        assert_eq!(combined_restitution(&Dual64::from(0.3).derivative(), &Dual64::from(0.6)).eps, 0.0);
        assert_eq!(combined_restitution(&Dual64::from(0.7).derivative(), &Dual64::from(0.6)).eps, 1.0);
    }

    #[test]
    fn sliding_contact_gets_coulomb_friction_against_the_motion() {
        let settings = ContactSettings::<f64>::default();
        let touch = ContactGeometry { normal: Vector3::z(), point: Vector3::zeros(), distance: -0.01 };
        let f = compliant_contact_force(
            &settings,
            &touch,
            &Vector3::new(3.0, -4.0, 0.0),
            &0.5,
            &0.0,
            &1.0,
            &1.0,
            1e-4,
            ContactMemory { onset_speed: 1.0, stretch: None },
        );
        let ft = Vector3::new(f.x, f.y, 0.0);
        assert!((ft.norm() - 0.5 * f.z).abs() < 1e-3 * f.z, "{f}");
        assert!((ft.normalize() - Vector3::new(-0.6, 0.8, 0.0)).norm() < 1e-12);
    }
}
