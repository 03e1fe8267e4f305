//! Hard contact: velocity-level impulses with restitution and a Coulomb friction cone, solved by projected
//! Gauss–Seidel (sequential impulses).

use crate::scalar::{re, recip, sqrt};
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// What the position pass does at a contact (see [`solve_impulses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionCorrection {
    /// Nothing: the contact is apart or within the allowed penetration.
    None,
    /// Push the bodies apart (impulse ≥ 0) to remove part of a penetration.
    PushOut,
    /// Move the bodies towards each other (impulse ≤ 0) by the distance they were apart before the impact, so
    /// that the bounce happens at the time of impact inside the step instead of at its end.
    TimeOfImpact,
}

/// One contact point as the impulse solver sees it: the bodies, lever arms, contact frame, effective masses,
/// targets and accumulated impulses.
#[derive(Debug, Clone)]
pub struct ImpulseRow<T: Scalar> {
    /// First body.
    pub a: usize,
    /// Second body, or `None` for the ground.
    pub b: Option<usize>,
    /// Contact point relative to the centre of mass of `a`, and of `b` (m).
    pub ra: Vector3<T>,
    /// See `ra`.
    pub rb: Vector3<T>,
    /// Unit normal from `b` to `a`, and two unit tangents completing an orthonormal frame.
    pub frame: [Vector3<T>; 3],
    /// Effective masses `1 / (J M⁻¹ Jᵀ)` along the normal and the two tangents (kg).
    pub mass: [T; 3],
    /// Friction coefficient of the pair.
    pub friction: T,
    /// The normal relative velocity after the solve must be at least this (m/s).
    pub target: T,
    /// The normal pseudo-velocity target of the position pass (m/s) and what kind of correction it is.
    pub position_target: T,
    /// See `position_target`.
    pub correction: PositionCorrection,
    /// Accumulated impulses: normal, two tangential, position pass (N·s). The first three may start from a
    /// warm start; the position pass always starts from zero.
    pub impulse: [T; 4],
}

/// Velocities and inverse mass properties of the bodies, which the solver reads and updates.
#[derive(Debug)]
pub struct BodyVelocities<'a, T: Scalar> {
    /// Linear velocities (m/s).
    pub linear: &'a mut [Vector3<T>],
    /// Angular velocities, world axes (rad/s).
    pub angular: &'a mut [Vector3<T>],
    /// Inverse masses (1/kg).
    pub inverse_mass: &'a [T],
    /// Inverse rotational inertias in world axes.
    pub inverse_inertia: &'a [Matrix3<T>],
}

impl<T: Scalar> BodyVelocities<'_, T> {
    /// The velocity of body `a`'s material point at lever arm `ra`, minus that of `b`'s at `rb`.
    fn relative(&self, row: &ImpulseRow<T>) -> Vector3<T> {
        let va = self.linear[row.a] + self.angular[row.a].cross(&row.ra);
        match row.b {
            Some(b) => va - self.linear[b] - self.angular[b].cross(&row.rb),
            None => va,
        }
    }

    /// Applies impulse `p` to `a` at `ra` and `−p` to `b` at `rb`.
    fn apply(&mut self, row: &ImpulseRow<T>, p: &Vector3<T>) {
        self.linear[row.a] += p * self.inverse_mass[row.a];
        self.angular[row.a] += self.inverse_inertia[row.a] * row.ra.cross(p);
        if let Some(b) = row.b {
            self.linear[b] -= p * self.inverse_mass[b];
            self.angular[b] -= self.inverse_inertia[b] * row.rb.cross(p);
        }
    }

    /// `1 / (J M⁻¹ Jᵀ)` for a unit impulse direction `d` at the row's contact point.
    pub fn effective_mass(&self, a: usize, b: Option<usize>, ra: &Vector3<T>, rb: &Vector3<T>, d: &Vector3<T>) -> T {
        let arm = |i: usize, r: &Vector3<T>| {
            let rd = r.cross(d);
            self.inverse_mass[i] + rd.dot(&(self.inverse_inertia[i] * rd))
        };
        let mut k = arm(a, ra);
        if let Some(b) = b {
            k += arm(b, rb);
        }
        recip(&k)
    }
}

/// Two unit tangents completing the unit normal `n` to a right-handed orthonormal frame (branch on the real
/// part of the smallest normal component).
pub fn tangent_frame<T: Scalar>(n: &Vector3<T>) -> [Vector3<T>; 3] {
    let helper = if re(&n.x).abs() < 0.57 { Vector3::x() } else { Vector3::y() };
    let t1 = n.cross(&helper);
    let t1 = t1 * recip(&sqrt(&t1.norm_squared()));
    let t2 = n.cross(&t1);
    [*n, t1, t2]
}

/// Solves the contact impulses of one step by projected Gauss–Seidel (sequential impulses, Catto 2005), then
/// the position pass.
///
/// **Warm start**: the rows' accumulated impulses on entry (`impulse[0..3]`, e.g. from the previous step, see
/// [`crate::contact::warm_start`]) are applied first and the sweeps correct them; zeros give a cold start.
///
/// **Velocity pass**, `iterations` sweeps over the rows in order. Each row gets a normal impulse `λ_n ≥ 0` that
/// makes the normal relative velocity at least `target`, and a friction impulse in the contact plane clamped
/// to the disc `|λ_t| ≤ μ λ_n` (an exact Coulomb cone, not a pyramid). Momentum is exchanged in equal and
/// opposite impulses, so the bodies' total linear and angular momentum is conserved exactly.
///
/// **Position pass**, the same sweeps on pseudo-velocities `pseudo_linear`, `pseudo_angular` (zeroed first):
/// they move the bodies in this step only and are then forgotten, so correcting positions adds no kinetic
/// energy (the "split impulse" of Box2D and Bullet). [`PositionCorrection::PushOut`] rows push penetrating
/// bodies apart; [`PositionCorrection::TimeOfImpact`] rows pull them together by the gap before impact.
///
/// All clamps branch on the real part; the impulses are a fixed number of sweeps of smooth updates between the
/// clamps, so dual numbers carry the derivative of exactly what the `f64` solver computes.
///
/// Returns how far the velocity pass was from converged: the largest change of an impulse in its last sweep,
/// relative to the largest impulse (0 without rows or impulses; real parts).
pub fn solve_impulses<T: Scalar>(
    rows: &mut [ImpulseRow<T>],
    bodies: &mut BodyVelocities<'_, T>,
    pseudo_linear: &mut [Vector3<T>],
    pseudo_angular: &mut [Vector3<T>],
    iterations: usize,
) -> f64 {
    // warm start: the rows' starting impulses act first
    for row in rows.iter() {
        let [n, t1, t2] = &row.frame;
        let p = n * row.impulse[0] + t1 * row.impulse[1] + t2 * row.impulse[2];
        bodies.apply(row, &p);
    }
    let mut last_change: f64 = 0.0;
    for sweep in 0..iterations {
        let last = sweep + 1 == iterations;
        for row in rows.iter_mut() {
            let [n, t1, t2] = &row.frame;
            let before = if last { [re(&row.impulse[0]), re(&row.impulse[1]), re(&row.impulse[2])] } else { [0.0; 3] };
            let u = bodies.relative(row);
            // normal
            let old = row.impulse[0];
            let mut new = old + row.mass[0] * (row.target - u.dot(n));
            if re(&new) < 0.0 {
                new = T::zero();
            }
            let p = n * (new - old);
            row.impulse[0] = new;
            bodies.apply(row, &p);
            // friction, clamped to the disc of radius μ λ_n
            let u = bodies.relative(row);
            let (o1, o2) = (row.impulse[1], row.impulse[2]);
            let mut n1 = o1 - row.mass[1] * u.dot(t1);
            let mut n2 = o2 - row.mass[2] * u.dot(t2);
            let limit = row.friction * row.impulse[0];
            let len2 = n1 * n1 + n2 * n2;
            if re(&len2) > re(&limit) * re(&limit) {
                let scale = limit * recip(&sqrt(&len2));
                n1 *= scale;
                n2 *= scale;
            }
            let p = t1 * (n1 - o1) + t2 * (n2 - o2);
            row.impulse[1] = n1;
            row.impulse[2] = n2;
            bodies.apply(row, &p);
            if last {
                let change = (0..3).map(|k| (re(&row.impulse[k]) - before[k]).abs()).fold(0.0, f64::max);
                last_change = last_change.max(change);
            }
        }
    }
    let largest = rows.iter().flat_map(|r| r.impulse[..3].iter().map(|x| re(x).abs())).fold(0.0, f64::max);
    let unconverged = if largest > 0.0 { last_change / largest } else { 0.0 };
    pseudo_linear.iter_mut().for_each(|v| *v = Vector3::zeros());
    pseudo_angular.iter_mut().for_each(|v| *v = Vector3::zeros());
    if rows.iter().all(|r| r.correction == PositionCorrection::None) {
        return unconverged;
    }
    let mut pseudo = BodyVelocities {
        linear: pseudo_linear,
        angular: pseudo_angular,
        inverse_mass: bodies.inverse_mass,
        inverse_inertia: bodies.inverse_inertia,
    };
    for _ in 0..iterations {
        for row in rows.iter_mut() {
            if row.correction == PositionCorrection::None {
                continue;
            }
            let n = row.frame[0];
            let u = pseudo.relative(row).dot(&n);
            let old = row.impulse[3];
            let mut new = old + row.mass[0] * (row.position_target - u);
            let wrong_sign = match row.correction {
                PositionCorrection::PushOut => re(&new) < 0.0,
                _ => re(&new) > 0.0,
            };
            if wrong_sign {
                new = T::zero();
            }
            let p = n * (new - old);
            row.impulse[3] = new;
            pseudo.apply(row, &p);
        }
    }
    unconverged
}
