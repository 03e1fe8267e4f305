//! Compliant contact with the ground half-space `z ≥ 0`, with regularised Coulomb friction.

use crate::contact::anchored_friction;
use crate::model::Ground;
use crate::scalar::{never_pull, re, recip, smoothstep, sqrt};
use crate::Scalar;
use nalgebra::Vector3;

/// Contact force in N of the ground on a particle of radius `radius` at `x` moving at `v`.
///
/// # Model
/// With penetration `d = r − z` (positive when the sphere dips below `z = 0`):
///
/// * **Normal force** (along `+z`): `F_n = s(d/δ) · P(k d − c ż, k d/2)` for `d > 0`, else `0`. `k` is
///   [`Ground::stiffness`], `c` [`Ground::damping`], `δ` [`Ground::ramp_depth`]; `s` is the C¹ smoothstep that
///   ramps the spring–damper in over the first `δ` of penetration, and `P(f, w)` a C¹ "never pull" clamp: `0` for
///   `f ≤ −w`, `f` for `f ≥ w`, the quadratic `(f + w)²/4w` between. Beyond the ramp and away from the clamp the
///   force is exactly the linear spring–damper `k d − c ż`. Both smoothings make the force C¹ in the state, which
///   is what makes the discrete trajectory a smooth function of the parameters: with a force that merely
///   stays continuous (a kink at touch-down or at the clamp), where within a step the kink falls changes the
///   integration error from step to step, and derivatives of the trajectory become rough on the scale of a step.
/// * **Friction** (tangential): `F_t = −μ F_n v_t / √(|v_t|² + v_s² + (μ F_n dt / m)²)`, with `μ`
///   [`Ground::friction`], `v_s` [`Ground::slip_velocity`], `m` the particle's mass and `dt` the time step:
///   Coulomb's law `|F_t| = μ F_n` once sliding is faster than the regularisation, and smooth (viscous-like)
///   through `v_t = 0`. The `μ F_n dt / m` term is the speed change friction can cause in one step: with it,
///   `|F_t| dt / m ≤ |v_t|`, so an explicit step can stop a sliding particle but never reverse it, however hard
///   the impact (without it, a 2 kN impact with `v_s = 1 cm/s` makes friction a viscous damper of rate
///   `μ F_n / (m v_s) ≈ 10⁵ s⁻¹` that explodes at `dt = 1 ms`). It vanishes as `dt → 0`.
///
/// **Restitution.** Away from the ramp and clamp, a particle of mass `m` bounces like a damped oscillator with
/// `ω = √(k/m)`, damping ratio `ζ = c / (2√(k m))`, and coefficient of restitution `e ≈ exp(−π ζ / √(1 − ζ²))`;
/// the ramp and the clamp make it approximate (a few percent when `δ` is a small part of the deepest
/// penetration `v √(m/k)`). To aim for `e`, use `c = 2√(k m) · (−ln e) / √(π² + ln² e)`. At rest the particle
/// sinks to `d = m g / k` when that is deeper than `δ` (shallower rests solve `s(d/δ) k d = m g`).
///
/// **Choosing `δ` and `dt`.** A contact lasts about `π √(m/k)`: resolve it in 20 or more steps, and make `δ`
/// at least about five times the distance the body falls in one step (`v dt`), so that each smoothing spans
/// several steps.
///
/// **Static friction.** With an `anchor` (the scene asks for
/// [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)), the friction is the anchor spring of
/// [`anchored_friction`] on the particle's mass instead: it holds the particle anywhere inside the friction cone
/// without creep and slides with `μ F_n`; `anchor` is the anchor's stretch, read and updated (zeroed when the
/// particle leaves the ground).
///
/// # Gradients at the switches
/// The branches (`d ≤ 0`: no contact; the pieces of the smoothstep and of the clamp) are taken on the real part.
/// The force and its first derivative are continuous across all of them, so a dual number gives the exact
/// derivative everywhere, at the switches included; only second derivatives (`Dual2_64`, `HyperDual64`) jump
/// there.
///
/// # Arguments
/// * `radius` (m) and `mass` (kg) of the particle, `x` (m) and `v` (m/s) its position and velocity;
/// * `dt` (s), the time step, which bounds the friction impulse of one step (see above);
/// * `anchor`: the stretch (m) of the contact's friction anchor, `None` for regularised friction.
pub fn ground_contact_force<T: Scalar>(
    ground: &Ground<T>,
    radius: &T,
    mass: &T,
    dt: f64,
    x: &Vector3<T>,
    v: &Vector3<T>,
    anchor: Option<&mut Vector3<T>>,
) -> Vector3<T> {
    let depth = *radius - x.z;
    let forget = |anchor: Option<&mut Vector3<T>>| {
        if let Some(stretch) = anchor {
            *stretch = Vector3::zeros();
        }
    };
    if re(&depth) <= 0.0 {
        forget(anchor);
        return Vector3::zeros();
    }
    let ramp = if re(&ground.ramp_depth) > 0.0 { smoothstep(depth * recip(&ground.ramp_depth)) } else { T::one() };
    let spring = ground.stiffness * depth;
    let unclamped = spring - ground.damping * v.z;
    let normal = never_pull(unclamped, spring * NEVER_PULL_BLEND) * ramp;
    if re(&normal) <= 0.0 {
        forget(anchor);
        return Vector3::zeros();
    }
    let friction_limit = ground.friction * normal;
    if let Some(stretch) = anchor {
        let tangential = Vector3::new(v.x, v.y, T::zero());
        let (friction, next) = anchored_friction(&Vector3::z(), &tangential, &friction_limit, mass, dt, stretch);
        *stretch = next;
        return Vector3::new(friction.x, friction.y, normal);
    }
    let slip_sq = v.x * v.x + v.y * v.y;
    let vs = ground.slip_velocity;
    let step_change = friction_limit * dt * recip(mass);
    let scale = friction_limit * recip(&sqrt(&(slip_sq + vs * vs + step_change * step_change)));
    Vector3::new(-(v.x * scale), -(v.y * scale), normal)
}

/// Half-width of the never-pull blend, as a fraction of the spring force `k d`.
const NEVER_PULL_BLEND: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    fn ground() -> Ground<f64> {
        Ground { stiffness: 1e4, damping: 10.0, friction: 0.5, ramp_depth: 1e-3, slip_velocity: 1e-2, restitution: 0.0 }
    }

    #[test]
    fn no_force_above_ground() {
        let f = ground_contact_force(
            &ground(),
            &0.1,
            &1.0,
            1e-4,
            &Vector3::new(0.0, 0.0, 0.2),
            &Vector3::new(0.0, 0.0, -1.0),
            None,
        );
        assert_eq!(f, Vector3::zeros());
    }

    #[test]
    fn spring_force_at_rest_and_coulomb_when_sliding() {
        let g = ground();
        // 1 cm penetration at rest: k d = 100 N up, no friction
        let f = ground_contact_force(&g, &0.1, &1.0, 1e-4, &Vector3::new(0.0, 0.0, 0.09), &Vector3::zeros(), None);
        assert!((f.z - 100.0).abs() < 1e-9 && f.x == 0.0);
        // sliding fast along x: friction ≈ μ F_n against the motion
        let f = ground_contact_force(
            &g,
            &0.1,
            &1.0,
            1e-4,
            &Vector3::new(0.0, 0.0, 0.09),
            &Vector3::new(10.0, 0.0, 0.0),
            None,
        );
        assert!((f.x + 0.5 * 100.0).abs() < 1e-3, "{f}");
    }

    #[test]
    fn friction_cannot_reverse_sliding_in_one_step() {
        let g = ground();
        let (m, dt) = (0.5, 1e-3);
        // a hard impact (5 cm deep: 500 N) while sliding slowly at 1 cm/s
        let v = Vector3::new(0.01, 0.0, 0.0);
        let f = ground_contact_force(&g, &0.1, &m, dt, &Vector3::new(0.0, 0.0, 0.05), &v, None);
        assert!(f.x < 0.0 && -f.x * dt / m <= 0.01, "{f}");
    }

    /// The normal force and its derivative in `ż` are continuous where the never-pull clamp switches pieces
    /// (`k d − c ż = ±k d/2`) and the force vanishes smoothly below.
    #[test]
    fn normal_force_is_c1_across_the_clamp() {
        let g = ground().lift::<Dual64>();
        let (k, c, d) = (1e4, 10.0, 0.01);
        let at = |vz: f64| {
            let x = Vector3::new(Dual64::from(0.0), Dual64::from(0.0), Dual64::from(0.1 - d));
            let v = Vector3::new(Dual64::from(0.0), Dual64::from(0.0), Dual64::from(vz).derivative());
            let f = ground_contact_force(&g, &Dual64::from(0.1), &Dual64::from(1.0), 1e-4, &x, &v, None).z;
            (f.re, f.eps)
        };
        for edge in [0.5, 1.5] {
            // k d − c ż = k d (1 − edge·…): ż where the unclamped force is +k d/2 (edge 0.5) or −k d/2 (edge 1.5)
            let vz = edge * k * d / c;
            let (below, above) = (at(vz - 1e-9), at(vz + 1e-9));
            assert!((below.0 - above.0).abs() < 1e-6, "value jumps at {vz}: {below:?} {above:?}");
            assert!((below.1 - above.1).abs() < 1e-4, "slope jumps at {vz}: {below:?} {above:?}");
        }
        assert_eq!(at(2.0 * k * d / c), (0.0, 0.0));
        assert!((at(0.0).1 + c).abs() < 1e-9, "plain damper −c ż away from the clamp");
    }

    #[test]
    fn never_pulls() {
        let f = ground_contact_force(
            &ground(),
            &0.1,
            &1.0,
            1e-4,
            &Vector3::new(0.0, 0.0, 0.099),
            &Vector3::new(0.0, 0.0, 100.0),
            None,
        );
        assert_eq!(f, Vector3::zeros());
    }

    #[test]
    fn normal_force_is_continuous_at_touch_down() {
        // approaching fast: at d → 0 the force must go to 0 despite the damper
        let g = ground();
        let v = Vector3::new(0.0, 0.0, -5.0);
        let f = ground_contact_force(&g, &0.1, &1.0, 1e-4, &Vector3::new(0.0, 0.0, 0.1 - 1e-9), &v, None);
        assert!(f.z < 1e-4, "{f}");
    }

    #[test]
    fn derivative_in_depth_is_stiffness_at_rest() {
        let g = ground().lift::<Dual64>();
        let z = Dual64::from(0.09).derivative();
        let f = ground_contact_force(
            &g,
            &Dual64::from(0.1),
            &Dual64::from(1.0),
            1e-4,
            &Vector3::new(Dual64::from(0.0), Dual64::from(0.0), z),
            &Vector3::zeros(),
            None,
        );
        assert!((f.z.eps + 1e4).abs() < 1e-6);
    }
}
