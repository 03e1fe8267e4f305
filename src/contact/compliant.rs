//! Compliant (penalty) contact between rigid bodies, and how two materials combine.

use crate::geometry::ContactGeometry;
use crate::model::ContactSettings;
use crate::scalar::never_pull;
use crate::scalar::{ln, re, recip, smoothstep, sqrt};
use crate::Scalar;
use nalgebra::Vector3;

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

/// The force in N on body `a` at one contact point of the compliant model (body `b` gets the opposite force at
/// the same point).
///
/// # Model
/// With penetration `d = −distance`, normal `n` (from `b` to `a`), relative velocity `u = v_a(p) − v_b(p)` of the
/// two bodies at the contact point, its normal part `u_n = u·n` and tangential part `u_t`:
///
/// * **Normal force** `F_n = s(d/δ) · P(k d − c u_n, k d/2)` for `d > 0`, else 0: a linear spring–damper of
///   stiffness `k` ([`ContactSettings::stiffness`]) ramped in over the first `δ` ([`ContactSettings::ramp_depth`])
///   of penetration by the C¹ smoothstep `s`, and clamped by the C¹ never-pull `P` (the same law as the particle
///   ground contact, [`crate::particles::ground_contact_force`]). The damping is set from the pair's restitution
///   `e` and the reduced mass `m* = m_a m_b / (m_a + m_b)` (`m_a` against the ground):
///   `c = 2 ζ(e) √(k m*)` with [`damping_ratio_for_restitution`], so that a head-on bounce of two point masses
///   has restitution close to `e` (rotation and several simultaneous contact points make it approximate).
/// * **Friction** `F_t = −μ F_n u_t / √(|u_t|² + v_s² + (μ F_n dt / m_t)²)`: Coulomb's law once sliding faster
///   than `v_s` ([`ContactSettings::slip_velocity`]), smooth through `u_t = 0`, and never able to reverse the
///   sliding within one explicit step. `m_t` (`sliding_mass`) is a lower bound of the mass the contact point
///   has when pushed sideways, rotation included (the caller's `1 / (1/m_a + |r_a|² tr I_a⁻¹ + …)`): with the
///   translational reduced mass instead, a push at a box's corner overshoots and friction can inject energy.
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
/// let f = compliant_contact_force(&settings, &touch, &Vector3::zeros(), &0.5, &0.0, &1.0, &1.0, 1e-3);
/// assert!((f.z - 1e3).abs() < 1e-9 && f.x == 0.0); // k d at rest, no friction
/// ```
#[allow(clippy::too_many_arguments)]
pub fn compliant_contact_force<T: Scalar>(
    settings: &ContactSettings<T>,
    contact: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    friction: &T,
    restitution: &T,
    reduced_mass: &T,
    sliding_mass: &T,
    dt: f64,
) -> Vector3<T> {
    compliant_force(settings, contact, relative_velocity, friction, restitution, reduced_mass, sliding_mass, dt, false)
}

/// [`compliant_contact_force`], with the damping taken implicitly along the normal when `implicit_damping`: the
/// damper acts on the normal velocity at the end of the step, as far as the contact's own normal mass `m*`
/// (`reduced_mass`) sees it, which gives the coefficient `c / (1 + c dt / m*)`. The damper then removes at most
/// the whole normal velocity in one step, and semi-implicit Euler stays stable for `√(k / m*) dt < √2` whatever
/// the damping (explicitly, a critically damped contact needs `√(k / m*) dt < 0.83`). Robot links need this: a
/// foot at the end of a leg has a normal mass of a few hundred grams.
#[allow(clippy::too_many_arguments)]
pub(crate) fn compliant_force<T: Scalar>(
    settings: &ContactSettings<T>,
    contact: &ContactGeometry<T>,
    relative_velocity: &Vector3<T>,
    friction: &T,
    restitution: &T,
    reduced_mass: &T,
    sliding_mass: &T,
    dt: f64,
    implicit_damping: bool,
) -> Vector3<T> {
    let depth = -contact.distance;
    if re(&depth) <= 0.0 {
        return Vector3::zeros();
    }
    let k = settings.stiffness;
    let ramp = if re(&settings.ramp_depth) > 0.0 { smoothstep(depth * recip(&settings.ramp_depth)) } else { T::one() };
    let mut damping = damping_ratio_for_restitution(restitution) * sqrt(&(k * *reduced_mass)) * 2.0;
    if implicit_damping {
        damping = damping * recip(&(T::one() + damping * dt * recip(reduced_mass)));
    }
    let law = PenaltyLaw { spring: k * depth, ramp, damping };
    law.force(&contact.normal, relative_velocity, friction, sliding_mass, &settings.slip_velocity, dt)
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
    /// The force on body `a` along unit `normal` (from b to a), with regularised Coulomb friction.
    pub fn force(
        self,
        normal: &Vector3<T>,
        relative_velocity: &Vector3<T>,
        friction: &T,
        sliding_mass: &T,
        slip_velocity: &T,
        dt: f64,
    ) -> Vector3<T> {
        let un = relative_velocity.dot(normal);
        let spring = self.spring;
        let magnitude = never_pull(spring - self.damping * un, spring * 0.5) * self.ramp;
        if re(&magnitude) <= 0.0 {
            return Vector3::zeros();
        }
        let ut = relative_velocity - normal * un;
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
        let f = compliant_contact_force(&settings, &touch, &Vector3::new(3.0, -4.0, 0.0), &0.5, &0.0, &1.0, &1.0, 1e-4);
        let ft = Vector3::new(f.x, f.y, 0.0);
        assert!((ft.norm() - 0.5 * f.z).abs() < 1e-3 * f.z, "{f}");
        assert!((ft.normalize() - Vector3::new(-0.6, 0.8, 0.0)).norm() < 1e-12);
    }
}
