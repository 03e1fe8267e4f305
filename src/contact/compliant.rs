//! Compliant (penalty) contact, one law for free rigid bodies and robot links: the force at a contact point from
//! the point's inverse inertia ([`point_contact_force`], the law itself in [`compliant_contact_force`]), that
//! inverse inertia on a free body ([`free_body_point_inverse_inertia`]), and how two materials combine.

use crate::geometry::ContactGeometry;
use crate::model::ContactSettings;
use crate::scalar::never_pull;
use crate::scalar::{ln, re, recip, smoothstep, sqrt};
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
/// Free rigid bodies and robot links all use this one entry point. With an `anchor` (the stretch of the
/// contact's friction anchor, updated in place) friction follows [`anchored_friction`](super::anchored_friction)
/// instead of the regularised law.
///
/// ```
/// use diffphys::contact::{free_body_point_inverse_inertia, point_contact_force};
/// use diffphys::geometry::ContactGeometry;
/// use diffphys::model::ContactSettings;
/// use nalgebra::{Matrix3, Vector3};
/// let settings = ContactSettings::<f64>::default(); // k = 1e5 N/m
/// let touch = ContactGeometry { normal: Vector3::z(), point: Vector3::zeros(), distance: -0.01 };
/// let ball = free_body_point_inverse_inertia(&1.0, &(Matrix3::identity() * 250.0), &Vector3::new(0.0, 0.0, -0.1));
/// let f = point_contact_force(&settings, &touch, &Vector3::zeros(), &ball, &0.5, &0.0, 1e-3, None);
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
    anchor: Option<&mut Vector3<T>>,
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
        anchor,
    )
}

/// The force in N on side `a` at one contact point of the compliant model, given the point's normal mass
/// `normal_mass` and sideways mass `sliding_mass` (kg); side `b` gets the opposite force at the same point.
/// [`point_contact_force`] computes both masses from the point's inverse inertia and is what the engine calls.
///
/// # Model
/// With penetration `d = −distance`, normal `n` (from `b` to `a`), relative velocity `u = v_a(p) − v_b(p)` of the
/// two sides at the contact point, its normal part `u_n = u·n` and tangential part `u_t`:
///
/// * **Normal force** `F_n = s(d/δ) · P(k d − c̃ u_n, k d/2)` for `d > 0`, else 0: a linear spring–damper of
///   stiffness `k` ([`ContactSettings::stiffness`]) ramped in over the first `δ` ([`ContactSettings::ramp_depth`])
///   of penetration by the C¹ smoothstep `s`, and clamped by the C¹ never-pull `P` (the same law as the particle
///   ground contact, [`crate::particles::ground_contact_force`]). The damping is set from the pair's restitution
///   `e` and the normal mass `m_n`: `c = 2 ζ(e) √(k m_n)` with [`damping_ratio_for_restitution`], so that a
///   head-on bounce of two point masses (`m_n` their reduced mass) has restitution close to `e`; rotation and
///   several simultaneous contact points make it approximate (a cube on its face: each corner has
///   `m_n = m/4`, and the four dampers in parallel give its vertical motion the ratio `ζ(e)`, before the implicit
///   correction below; a flatter box's corners are lighter and it bounces higher). The damper is taken
///   implicitly along the normal: it acts on the normal velocity at the end of the step as far as the contact's
///   own normal mass sees it, which gives the coefficient `c̃ = c / (1 + c dt / m_n)`. It then removes at most
///   the whole normal velocity in one step, and semi-implicit Euler stays stable for `√(k / m_n) dt < √2`
///   whatever the damping (explicitly, a critically damped contact needs `√(k / m_n) dt < 0.83`): a robot's foot
///   at the end of a leg has a normal mass of a few hundred grams.
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
/// Contact on/off (`d = 0`), the ramp's ends and the never-pull clamp are branches on the real part across
/// which the force and its first derivative are continuous, so dual numbers give exact derivatives of the
/// discrete trajectory everywhere, switches included. Which features touch (a box's corner or face) is
/// decided by the narrow phase on the real part: at a change of feature the derivatives of the contact geometry
/// jump, but the force is zero at zero penetration, so the trajectory stays C¹ as long as features change only
/// while out of contact or at equal depth.
///
/// ```
/// use diffphys::contact::compliant_contact_force;
/// use diffphys::geometry::ContactGeometry;
/// use diffphys::model::ContactSettings;
/// use nalgebra::Vector3;
/// let settings = ContactSettings::<f64>::default(); // k = 1e5 N/m
/// let touch = ContactGeometry { normal: Vector3::z(), point: Vector3::zeros(), distance: -0.01 };
/// let f = compliant_contact_force(&settings, &touch, &Vector3::zeros(), &0.5, &0.0, &1.0, &1.0, 1e-3, None);
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
    anchor: Option<&mut Vector3<T>>,
) -> Vector3<T> {
    let depth = -contact.distance;
    if re(&depth) <= 0.0 {
        if let Some(stretch) = anchor {
            *stretch = Vector3::zeros();
        }
        return Vector3::zeros();
    }
    let k = settings.stiffness;
    let ramp = if re(&settings.ramp_depth) > 0.0 { smoothstep(depth * recip(&settings.ramp_depth)) } else { T::one() };
    let explicit = damping_ratio_for_restitution(restitution) * sqrt(&(k * *normal_mass)) * 2.0;
    let damping = explicit * recip(&(T::one() + explicit * dt * recip(normal_mass)));
    let law = PenaltyLaw { spring: k * depth, ramp, damping };
    law.force(&contact.normal, relative_velocity, friction, sliding_mass, &settings.slip_velocity, dt, anchor)
}

/// The three numbers that set a penalty contact's normal force `s · P(F − c u_n, F/2)`: the elastic `spring`
/// force `F` (N), the `ramp` factor `s ∈ [0, 1]` and the damping coefficient `c` (N s/m). See
/// [`compliant_contact_force`] for the law; the box–box penalty feeds it with its own `F`, `s` and `c`.
pub(crate) struct PenaltyLaw<T: Scalar> {
    pub spring: T,
    pub ramp: T,
    pub damping: T,
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
        let magnitude = never_pull(spring - self.damping * un, spring * 0.5) * self.ramp;
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
            None,
        );
        let ft = Vector3::new(f.x, f.y, 0.0);
        assert!((ft.norm() - 0.5 * f.z).abs() < 1e-3 * f.z, "{f}");
        assert!((ft.normalize() - Vector3::new(-0.6, 0.8, 0.0)).norm() < 1e-12);
    }
}
