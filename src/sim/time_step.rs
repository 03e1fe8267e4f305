//! Whether the time step can resolve a scene's contacts and springs, decided before a run starts.
//!
//! Every compliant contact and spring is, over one step, a damped oscillator of some effective mass `m`,
//! stiffness `k` and damping `c`; a fixed-step integrator is stable for it only while `ω dt = √(k/m) dt` stays
//! below a bound, and resolves its motion only with several steps per period `2π √(m/k)`. [`time_step_checks`]
//! lists one such oscillator per element with the largest stable `dt` of the scene's integrator:
//!
//! | element | mass | stiffness, damping | damping taken |
//! |---|---|---|---|
//! | particle on the ground | the particle's | `ground.stiffness`, `ground.damping` | explicitly |
//! | spring | reduced mass of its ends (the particle's, to an anchor) | its own | explicitly |
//! | particle in several springs | Gershgorin's bound: `m / 2` against the sum of its springs | theirs | explicitly |
//! | rigid body on the ground | its normal mass at a contact point, between `1/(1/m + R²/I_min)` and `m` | `contact.stiffness`, from restitution | implicitly along the normal |
//! | rigid body on the lightest other body | the two bodies' lowest normal masses in series | as above | as above |
//! | robot collider on the ground | the normal mass of `J M⁻¹ Jᵀ` at its origin, at `q0` | as above | as above |
//! | robot joint under a PD controller or in its soft limit | `1 / (M⁻¹)ᵢᵢ` at `q0` | `kp`, `kd`; `joints.limit_*` | implicitly (semi-implicit Euler) |
//!
//! The stability bounds are those of the linear oscillator: semi-implicit Euler with an
//! explicit damper is stable for `k dt²/m + 2 c dt/m < 4`; with the contact's damper taken along the normal
//! ([`crate::contact::compliant_contact_force`]: `c̃ = c / (1 + c dt/m)`) the same with `c̃`, at worst
//! `√(k/m) dt < √2`; with the damping in the joint inertia (`(M + dt D) v' = …`) for `k dt²/m < 4 + 2 c dt/m`.
//! Velocity Verlet takes a velocity-dependent force at a predicted velocity: its step is linear in `(x, v)` and
//! stable while that 2 × 2 matrix's eigenvalues stay inside the unit circle (`√(k/m) dt < 2` undamped).
//! RK4 is stable while its amplification `R(z) = 1 + z + z²/2 + z³/6 + z⁴/24` has `|R(λ dt)| < 1` at both
//! eigenvalues `λ` of the oscillator (for an undamped one, `√(k/m) dt < 2√2`).
//!
//! An entry is [`Bound::Certain`] when instability follows from the scene alone (the heaviest mass the element
//! can have is unstable), and [`Bound::Estimate`] when it depends on where a contact happens or on the
//! configuration. Rollouts ([`crate::sim::rollout_with`] and all that use it) refuse a scene with a certainly
//! unstable element ([`check_time_step`]); the command line also prints [`time_step_warnings`].

use crate::contact::damping_ratio_for_restitution;
use crate::model::{Control, Integrator, Model};
use crate::multibody::{crba, forward_kinematics, point_jacobian, MultibodyWorkspace};
use crate::scalar::re;
use crate::{Error, Result, Scalar};
use nalgebra::{Complex, DMatrix, DVector};

/// How sure a [`TimeStepCheck`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The mass is the largest the element can have: above [`TimeStepCheck::stable_dt`] the step is unstable
    /// whenever the element acts (a contact that touches, a spring).
    Certain,
    /// The mass depends on where the contact happens or on the configuration (taken at the initial one): a
    /// warning, not a refusal.
    Estimate,
}

/// How an oscillator's damping enters the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Damping {
    /// `F = −c v` at the start of the step.
    Explicit,
    /// The compliant contact's damper, implicit along the normal: `c̃ = c / (1 + c dt / m)`, then explicit.
    Contact,
    /// Added to the inertia: `(m + c dt) v' = m v − dt k x`.
    Implicit,
}

/// One element of a scene seen as an oscillator, and the largest time step that integrates it stably.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeStepCheck {
    /// What it is, e.g. ``ground contact of `ball` ``.
    pub element: String,
    /// The scene key that sets its stiffness, e.g. `ground.stiffness`.
    pub stiffness_key: String,
    /// Effective mass in kg (or kg·m² for a hinge).
    pub mass: f64,
    /// Stiffness in N/m (or N·m/rad).
    pub stiffness: f64,
    /// The undamped period `2π √(m/k)` in s.
    pub period: f64,
    /// The largest `dt` in s for which the scene's integrator is stable on this oscillator.
    pub stable_dt: f64,
    /// Whether exceeding [`TimeStepCheck::stable_dt`] is certain to be unstable.
    pub bound: Bound,
}

/// Below this many steps per period an element is under-resolved: stable, but its motion (a bounce's
/// restitution, a spring's frequency) is off by tens of percent. [`time_step_warnings`] warns under it.
pub const MIN_STEPS_PER_PERIOD: f64 = 5.0;

/// An eigenvalue of modulus up to this is on the unit circle: undamped velocity Verlet's are exactly there, and
/// RK4's are within rounding of it at small steps.
const ON_THE_CIRCLE: f64 = 1.0 + 1e-9;

/// Whether one step of `integrator` is stable on the oscillator `(m, k, c)` at `dt`.
fn stable(integrator: Integrator, damping: Damping, m: f64, k: f64, c: f64, dt: f64) -> bool {
    let c = match damping {
        Damping::Contact => c / (1.0 + c * dt / m),
        _ => c,
    };
    let h2 = k * dt * dt / m;
    let a = c * dt / m;
    match (integrator, damping) {
        (Integrator::Rk4, _) => {
            // the eigenvalues of ẍ = −(k/m) x − (c/m) ẋ, and RK4's amplification R(z) = Σ zⁿ/n! (n ≤ 4) at λ dt
            let disc = Complex::new(c * c - 4.0 * k * m, 0.0).sqrt();
            [(-c + disc) / (2.0 * m), (-c - disc) / (2.0 * m)].iter().all(|lambda| {
                let z = lambda * dt;
                (Complex::new(1.0, 0.0) + z + z * z / 2.0 + z * z * z / 6.0 + z * z * z * z / 24.0).norm()
                    <= ON_THE_CIRCLE
            })
        }
        (Integrator::VelocityVerlet, _) => {
            // one step of velocity Verlet (the velocity-dependent force at the predicted velocity) is linear in
            // (x, v): stable while the spectral radius of its matrix stays below 1
            let accel = |x: f64, v: f64| -(k * x + c * v) / m;
            let step = |x: f64, v: f64| {
                let a0 = accel(x, v);
                let x1 = x + dt * v + 0.5 * dt * dt * a0;
                let a1 = accel(x1, v + dt * a0);
                (x1, v + 0.5 * dt * (a0 + a1))
            };
            let ((p, r), (q, s)) = (step(1.0, 0.0), step(0.0, 1.0));
            let (trace, det) = (p + s, p * s - q * r);
            let root = Complex::new(trace * trace - 4.0 * det, 0.0).sqrt();
            [(trace + root) / 2.0, (trace - root) / 2.0].iter().all(|l| l.norm() <= ON_THE_CIRCLE)
        }
        (_, Damping::Implicit) => h2 < 4.0 + 2.0 * a,
        _ => h2 + 2.0 * a < 4.0,
    }
}

/// The largest stable `dt` (s) of [`stable`], by bisection (stability is lost once, as `dt` grows). Every loop is
/// bounded: an oscillator whose period does not fit in an `f64` (a stiffness of 1e-320 N/m) is stable at any
/// step, one that is unstable at every representable step has a stable `dt` of 0.
fn largest_stable_dt(integrator: Integrator, damping: Damping, m: f64, k: f64, c: f64) -> f64 {
    if !(m > 0.0 && k > 0.0) {
        return f64::INFINITY;
    }
    let mut lo = 0.5 * (m / k).sqrt();
    if !lo.is_finite() {
        return f64::INFINITY;
    }
    // at most 2 100 halvings reach 0 from the largest f64, and as many doublings reach infinity
    for _ in 0..2100 {
        if stable(integrator, damping, m, k, c, lo) || lo == 0.0 {
            break;
        }
        lo *= 0.5;
    }
    if lo == 0.0 {
        return 0.0;
    }
    let mut hi = lo * 2.0;
    for _ in 0..2100 {
        if !stable(integrator, damping, m, k, c, hi) {
            break;
        }
        hi *= 2.0;
        if hi > 1e300 {
            return f64::INFINITY;
        }
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if stable(integrator, damping, m, k, c, mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

struct Oscillator<'a> {
    element: String,
    stiffness_key: &'a str,
    mass: f64,
    stiffness: f64,
    damping: f64,
    how: Damping,
    bound: Bound,
}

impl Oscillator<'_> {
    fn check(self, integrator: Integrator) -> TimeStepCheck {
        TimeStepCheck {
            period: 2.0 * std::f64::consts::PI * (self.mass / self.stiffness).sqrt(),
            stable_dt: largest_stable_dt(integrator, self.how, self.mass, self.stiffness, self.damping),
            element: self.element,
            stiffness_key: self.stiffness_key.to_string(),
            mass: self.mass,
            stiffness: self.stiffness,
            bound: self.bound,
        }
    }
}

/// One [`TimeStepCheck`] per compliant contact and spring of `scene` (see the module documentation for how each
/// is modelled), robots' included when `robots` is set (they need a mass matrix at the initial configuration).
/// Elements with no stiffness, and rigid contact under the impulse model, are left out.
///
/// ```
/// use diffphys::model::{Ground, Particle, Model};
/// use diffphys::sim::{time_step_checks, Bound};
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.ground = Some(Ground::new(1e5, 0.0, 0.5));
/// scene.particles.push(Particle::new("ball", 0.1, 0.05, nalgebra::Vector3::new(0.0, 0.0, 1.0)));
/// let checks = time_step_checks(&scene, true);
/// assert_eq!(checks.len(), 1);
/// let c = &checks[0];
/// assert_eq!((c.element.as_str(), c.bound), ("ground contact of particle `ball`", Bound::Certain));
/// // undamped semi-implicit Euler: stable while √(k/m) dt < 2
/// assert!((c.stable_dt - 2.0 * (0.1f64 / 1e5).sqrt()).abs() < 1e-12);
/// ```
pub fn time_step_checks<T: Scalar>(scene: &Model<T>, robots: bool) -> Vec<TimeStepCheck> {
    let integrator = scene.settings.integrator;
    let mut out = Vec::new();
    let mut add = |o: Oscillator, integrator| {
        if o.stiffness > 0.0 && o.mass > 0.0 && o.stiffness.is_finite() && o.mass.is_finite() {
            out.push(o.check(integrator));
        }
    };
    if let Some(ground) = &scene.ground {
        for p in &scene.particles {
            add(
                Oscillator {
                    element: format!("ground contact of particle `{}`", p.name),
                    stiffness_key: "ground.stiffness",
                    mass: re(&p.mass),
                    stiffness: re(&ground.stiffness),
                    damping: re(&ground.damping),
                    how: Damping::Explicit,
                    bound: Bound::Certain,
                },
                integrator,
            );
        }
    }
    let mut spring_sum = vec![(0.0, 0.0, 0usize); scene.particles.len()];
    for s in &scene.springs {
        let ma = re(&scene.particles[s.a].mass);
        let mass = match &s.b {
            crate::model::SpringEnd::Particle(j) => {
                let mb = re(&scene.particles[*j].mass);
                spring_sum[*j].0 += re(&s.stiffness);
                spring_sum[*j].1 += re(&s.damping);
                spring_sum[*j].2 += 1;
                ma * mb / (ma + mb)
            }
            crate::model::SpringEnd::Anchor(_) => ma,
        };
        spring_sum[s.a].0 += re(&s.stiffness);
        spring_sum[s.a].1 += re(&s.damping);
        spring_sum[s.a].2 += 1;
        add(
            Oscillator {
                element: format!("spring `{}`", s.name),
                stiffness_key: "springs.stiffness",
                mass,
                stiffness: re(&s.stiffness),
                damping: re(&s.damping),
                how: Damping::Explicit,
                bound: Bound::Certain,
            },
            integrator,
        );
    }
    for (p, (k, c, n)) in scene.particles.iter().zip(spring_sum) {
        if n >= 2 {
            add(
                Oscillator {
                    element: format!("the {n} springs on particle `{}`", p.name),
                    stiffness_key: "springs.stiffness",
                    mass: 0.5 * re(&p.mass),
                    stiffness: k,
                    damping: c,
                    how: Damping::Explicit,
                    bound: Bound::Estimate,
                },
                integrator,
            );
        }
    }
    let contact = &scene.settings.contact;
    let compliant = contact.model == crate::model::ContactModel::Compliant;
    let k = re(&contact.stiffness);
    // rigid bodies are always stepped with semi-implicit Euler
    let body_integrator = Integrator::SemiImplicitEuler;
    // a compliant contact point of normal mass `mass` and restitution `e`
    let contact = |element: String, mass: f64, e: f64, bound: Bound| Oscillator {
        element,
        stiffness_key: "contact.stiffness",
        mass,
        stiffness: k,
        damping: 2.0 * damping_ratio_for_restitution(&e) * (k * mass).sqrt(),
        how: Damping::Contact,
        bound,
    };
    let lightest_normal_mass = |b: &crate::model::RigidBody<T>| {
        let m = re(&b.mass);
        let i_min = b.principal_inertia().iter().map(re).fold(f64::INFINITY, f64::min);
        let r = b.shape.bounding_radius();
        1.0 / (1.0 / m + r * r / i_min)
    };
    if compliant {
        if let Some(ground) = &scene.ground {
            for b in &scene.bodies {
                let e = re(&b.restitution).max(re(&ground.restitution));
                let m = re(&b.mass);
                for (mass, bound) in [(m, Bound::Certain), (lightest_normal_mass(b), Bound::Estimate)] {
                    add(contact(format!("ground contact of body `{}`", b.name), mass, e, bound), body_integrator);
                }
            }
        }
        let masses: Vec<f64> = scene.bodies.iter().map(lightest_normal_mass).collect();
        for (i, b) in scene.bodies.iter().enumerate() {
            let other = (0..masses.len()).filter(|&j| j != i).min_by(|&x, &y| masses[x].total_cmp(&masses[y]));
            if let Some(j) = other {
                let mass = masses[i] * masses[j] / (masses[i] + masses[j]);
                let e = re(&b.restitution).max(re(&scene.bodies[j].restitution));
                let element = format!("contact of body `{}` with body `{}`", b.name, scene.bodies[j].name);
                add(contact(element, mass, e, Bound::Estimate), body_integrator);
            }
        }
    }
    if robots {
        for robot in &scene.robots {
            let model = &robot.multibody;
            let mut ws = MultibodyWorkspace::new(model);
            let Some(inverse) = robot_mass_inverse(robot, &mut ws) else { continue };
            forward_kinematics(model, &mut ws, &robot.q0, &DVector::zeros(model.nv()));
            let how = if integrator == Integrator::Rk4 { Damping::Explicit } else { Damping::Implicit };
            if compliant && scene.ground.is_some() {
                let ground_e = scene.ground.as_ref().map_or(0.0, |g| re(&g.restitution));
                for c in &model.colliders {
                    let Some(body) = c.body else { continue };
                    let point = ws.pose_world(body).transform_point(&c.placement.translation);
                    let j = point_jacobian(model, &ws, body, &point).map(|x| re(&x));
                    let g = &j * &inverse * j.transpose();
                    let largest = g.symmetric_eigenvalues().max();
                    if largest.is_nan() || largest <= 0.0 {
                        continue;
                    }
                    let mass = 1.0 / largest;
                    let e = re(&c.restitution).max(ground_e);
                    let element = format!("ground contact of `{}.{}`", robot.name(), c.link);
                    add(contact(element, mass, e, Bound::Estimate), integrator);
                }
            }
            let joints = &scene.settings.joints;
            for joint in &model.joints {
                if joint.kind.nv() != 1 {
                    continue;
                }
                let i = joint.v_index;
                let mass = 1.0 / inverse[(i, i)];
                if let Control::Pd(pd) = &robot.control {
                    add(
                        Oscillator {
                            element: format!("the PD controller of `{}.{}`", robot.name(), joint.name),
                            stiffness_key: "controller kp",
                            mass,
                            stiffness: re(&pd.kp[i]),
                            damping: re(&pd.kd[i]) + re(&joint.damping),
                            how,
                            bound: Bound::Estimate,
                        },
                        integrator,
                    );
                }
                if joint.limits.is_some() {
                    add(
                        Oscillator {
                            element: format!("the soft limit of `{}.{}`", robot.name(), joint.name),
                            stiffness_key: "joints.limit_stiffness",
                            mass,
                            stiffness: joints.limit_stiffness,
                            damping: joints.limit_damping + re(&joint.damping),
                            how,
                            bound: Bound::Estimate,
                        },
                        integrator,
                    );
                }
            }
        }
    }
    out
}

/// `M(q0)⁻¹` of a robot, in `f64`; `None` if the mass matrix is not positive definite.
fn robot_mass_inverse<T: Scalar>(
    robot: &crate::model::Robot<T>,
    ws: &mut MultibodyWorkspace<T>,
) -> Option<DMatrix<f64>> {
    let mass = crba(&robot.multibody, ws, &robot.q0).map(|x| re(&x));
    mass.cholesky().map(|c| c.inverse())
}

/// Refuses a scene whose time step is certainly unstable for one of its elements ([`Bound::Certain`] entries of
/// [`time_step_checks`]), naming the element, the key that sets its stiffness and the largest stable `dt`.
///
/// # Errors
/// [`Error::InvalidScene`] for `world.dt`.
///
/// ```
/// use diffphys::model::{Ground, Particle, Model};
/// let mut scene = Model::<f64>::empty(0.01, 1.0);
/// scene.ground = Some(Ground::new(1e12, 0.0, 0.5)); // a period of 2 µs, at dt = 10 ms
/// scene.particles.push(Particle::new("ball", 1.0, 0.05, nalgebra::Vector3::new(0.0, 0.0, 1.0)));
/// let e = diffphys::sim::check_time_step(&scene).unwrap_err().to_string();
/// assert!(e.contains("world.dt") && e.contains("ground contact of particle `ball`") && e.contains("2.000e-6 s"), "{e}");
/// ```
pub fn check_time_step<T: Scalar>(scene: &Model<T>) -> Result<()> {
    let dt = scene.settings.dt;
    let worst = time_step_checks(scene, false)
        .into_iter()
        .filter(|c| c.bound == Bound::Certain && dt > c.stable_dt)
        .min_by(|a, b| a.stable_dt.total_cmp(&b.stable_dt));
    match worst {
        Some(c) => Err(Error::invalid("world.dt", unstable_message(dt, &c, scene.settings.integrator))),
        None => Ok(()),
    }
}

fn unstable_message(dt: f64, c: &TimeStepCheck, integrator: Integrator) -> String {
    format!(
        "is {dt} s, but the step is unstable above {:.3e} s for the {} ({} = {:.3e} on {:.3e} kg: a period of \
         {:.3e} s, {:.2} steps) with {}; lower world.dt below {:.3e} s or soften {}",
        c.stable_dt,
        c.element,
        c.stiffness_key,
        c.stiffness,
        c.mass,
        c.period,
        c.period / dt,
        integrator.name(),
        c.stable_dt,
        c.stiffness_key
    )
}

/// Warnings about the time step of `scene`, one line each: elements that may be unstable ([`Bound::Estimate`]
/// entries of [`time_step_checks`] above their stable `dt`) and elements resolved in fewer than
/// [`MIN_STEPS_PER_PERIOD`] steps per period. Empty for a well-resolved scene.
///
/// ```
/// use diffphys::model::{Ground, Particle, Model};
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.ground = Some(Ground::new(1e5, 0.0, 0.5));
/// scene.particles.push(Particle::new("ball", 1.0, 0.05, nalgebra::Vector3::new(0.0, 0.0, 1.0)));
/// assert!(diffphys::sim::time_step_warnings(&scene).is_empty()); // 20 steps per period
/// scene.particles[0].mass = 0.05; // stable (√(k/m) dt = 1.41 < 2), but 4.4 steps per period
/// let w = diffphys::sim::time_step_warnings(&scene);
/// assert!(w.len() == 1 && w[0].contains("under-resolved"), "{w:?}");
/// ```
pub fn time_step_warnings<T: Scalar>(scene: &Model<T>) -> Vec<String> {
    let dt = scene.settings.dt;
    let mut out = Vec::new();
    for c in time_step_checks(scene, true) {
        if dt > c.stable_dt {
            let certainty = if c.bound == Bound::Certain { "is" } else { "may be" };
            out.push(format!(
                "the step {certainty} unstable for the {}: world.dt = {dt} s, stable below about {:.3e} s \
                 ({} = {:.3e} on an effective {:.3e} kg, a period of {:.3e} s)",
                c.element, c.stable_dt, c.stiffness_key, c.stiffness, c.mass, c.period
            ));
        } else if c.period / dt < MIN_STEPS_PER_PERIOD && c.bound == Bound::Certain {
            out.push(format!(
                "the {} is under-resolved: {:.2} steps per period ({:.3e} s) at world.dt = {dt} s, fewer than \
                 {MIN_STEPS_PER_PERIOD}; bounces and oscillations will be inaccurate (lower world.dt or soften {})",
                c.element,
                c.period / dt,
                c.period,
                c.stiffness_key
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_oscillators_end_the_search() {
        // a period beyond f64 (found by fuzzing: stiffness = 5e-324 N/m hung the search), and the reverse
        for i in [Integrator::SemiImplicitEuler, Integrator::VelocityVerlet, Integrator::Rk4] {
            for d in [Damping::Explicit, Damping::Contact, Damping::Implicit] {
                assert_eq!(largest_stable_dt(i, d, 0.2, 5e-324, 1.0), f64::INFINITY);
                assert_eq!(largest_stable_dt(i, d, 1e300, 1e-300, 0.0), f64::INFINITY);
                let t = largest_stable_dt(i, d, 1e-300, 1e300, 0.0);
                assert!(t < 1e-290, "{i:?} {d:?}: {t}");
            }
        }
    }

    #[test]
    fn stability_bounds_match_the_closed_forms() {
        let (m, k) = (2.0, 8e4); // ω = 200 rad/s
        let dt = |i, d, c| largest_stable_dt(i, d, m, k, c);
        let se = Integrator::SemiImplicitEuler;
        // undamped: ω dt < 2 for semi-implicit Euler whatever the damping treatment
        for d in [Damping::Explicit, Damping::Contact, Damping::Implicit] {
            assert!((dt(se, d, 0.0) - 0.01).abs() < 1e-12);
        }
        // explicit damping c: k dt²/m + 2 c dt/m = 4
        let c = 400.0;
        let t = dt(se, Damping::Explicit, c);
        assert!((k * t * t / m + 2.0 * c * t / m - 4.0).abs() < 1e-9, "{t}");
        // implicit in the inertia: k dt²/m − 2 c dt/m = 4
        let t = dt(se, Damping::Implicit, c);
        assert!((k * t * t / m - 2.0 * c * t / m - 4.0).abs() < 1e-9, "{t}");
        // the contact's damper: between √2/ω (infinite damping) and 2/ω
        let t = dt(se, Damping::Contact, 1e9);
        assert!((t * 200.0 - 2f64.sqrt()).abs() < 1e-4, "{t}");
        // RK4, undamped: 2√2/ω; overdamped with c → ∞ the fast real eigenvalue −c/m sets it: 2.785/(c/m)
        assert!((dt(Integrator::Rk4, Damping::Explicit, 0.0) - 8f64.sqrt() / 200.0).abs() < 1e-9);
        let t = dt(Integrator::Rk4, Damping::Explicit, 1e7);
        assert!((t * 1e7 / m - 2.785).abs() < 1e-3, "{}", t * 1e7 / m);
    }

    #[test]
    fn the_bound_is_where_the_linear_step_starts_to_grow() {
        // step x'' = −ω² x − 2ζω x' with semi-implicit Euler just below and just above the stable dt
        let (m, k, c) = (0.5, 2e4, 3.0);
        let limit = largest_stable_dt(Integrator::SemiImplicitEuler, Damping::Explicit, m, k, c);
        let run = |dt: f64| {
            let (mut x, mut v) = (1e-3, 0.0);
            for _ in 0..20_000 {
                v += dt * (-k * x - c * v) / m;
                x += dt * v;
            }
            x.abs()
        };
        // below, bounded (near the bound the orbit is a long ellipse: x grows by 1/√(1 − ω²dt²/4), not forever)
        assert!(run(0.95 * limit) < 1e-2, "{}", run(0.95 * limit));
        let above = run(1.01 * limit);
        assert!(above.is_nan() || above > 1.0, "{above}"); // grows to overflow
    }
}
