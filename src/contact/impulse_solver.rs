//! Hard contact: velocity-level impulses with restitution and a Coulomb friction cone. Impacts first, pair by
//! pair in sequence ([`resolve_collisions`]: a strike passes along a row of touching balls), then the resting
//! and sliding contacts by projected Gauss–Seidel ([`solve_impulses`]).
//!
//! The rows act on the velocities of *participants* ([`BodyVelocities`]): free bodies (six velocities each, an
//! impulse `p` at lever arm `r` changes them by `p / m` and `I⁻¹ (r × p)`) and robots (their joint velocities; a
//! point of a link moves at `J v`, and an impulse `p` there changes `v` by `M̃⁻¹ Jᵀ p`, [`LinkPoint`]). Each row's
//! Delassus operator `W = Σ J M⁻¹ Jᵀ` over its two sides gives its effective masses, so one Gauss–Seidel sweep
//! couples a robot's feet through its joint-space inertia exactly as it couples a stack's boxes.

use crate::scalar::{re, recip, sqrt};
use crate::Scalar;
use nalgebra::{DVector, Matrix3, Matrix3xX, MatrixXx3, Vector3};

/// One side of an impulse row that is a point of a robot link: how the point moves with the robot's joint
/// velocities and how an impulse there changes them.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPoint<T: Scalar> {
    /// Index of the robot in the model.
    pub robot: usize,
    /// `J` (3 × nv): the point's world velocity is `J v` (m/s), `v` the robot's joint velocities.
    pub jacobian: Matrix3xX<T>,
    /// `M̃⁻¹ Jᵀ` (nv × 3): the change of `v` per unit impulse at the point (world axes), `M̃` the joint-space
    /// inertia the step solves with (`M + dt D`, [`implicit_mass_matrix`](crate::sim::robot::implicit_mass_matrix)).
    pub response: MatrixXx3<T>,
    /// The contact point in the axes of the collider's body (real part): identifies the contact for warm starting.
    pub local_point: Vector3<f64>,
}

impl<T: Scalar> LinkPoint<T> {
    /// The point's inverse inertia `J M̃⁻¹ Jᵀ` (1/kg, world axes).
    pub fn inverse_inertia(&self) -> Matrix3<T> {
        crate::scalar::mat_mul(&self.jacobian, &self.response)
    }
}

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

/// One contact point as the impulse solver sees it: the participants, lever arms, contact frame, effective
/// masses, targets and accumulated impulses.
#[derive(Debug, Clone)]
pub struct ImpulseRow<T: Scalar> {
    /// First participant ([`BodyVelocities`]): free body `a`, or robot `a − n_bodies`.
    pub a: usize,
    /// Second participant, or `None` for the ground (or anything else that does not move).
    pub b: Option<usize>,
    /// Contact point relative to the centre of mass of `a`, and of `b` (m); zero for a robot side.
    pub ra: Vector3<T>,
    /// See `ra`.
    pub rb: Vector3<T>,
    /// The link points of robot sides (`[a, b]`); `None` for free bodies and the ground. Two links of one robot
    /// (self-collision) are one side `a` whose Jacobian is the difference of the two points', with `b = None`.
    /// Boxed, so that the rows of free bodies stay small (the sweeps of a stack of boxes run over them).
    pub links: [Option<Box<LinkPoint<T>>>; 2],
    /// The robot collider at this contact, for warm starting: side `a`'s (a link of a fixed robot root touching
    /// free body `a` is the row's static side); `None` between free bodies and the ground.
    pub collider: Option<usize>,
    /// Unit normal from `b` to `a`, and two unit tangents completing an orthonormal frame.
    pub frame: [Vector3<T>; 3],
    /// Effective masses `1 / (J M⁻¹ Jᵀ)` along the normal and the two tangents (kg).
    pub mass: [T; 3],
    /// Friction coefficient of the pair.
    pub friction: T,
    /// The pair's coefficient of restitution.
    pub restitution: T,
    /// The contact's distance at the start of the step (m): positive for a speculative contact still apart.
    pub gap: T,
    /// The normal relative acceleration of the free motion over the step (m/s²): gravity against the ground.
    pub accel: T,
    /// The normal relative velocity after [`solve_impulses`] must be at least this (m/s): 0 for touching
    /// contacts, `−gap / dt` for contacts still apart (they may close their gap, not more).
    pub target: T,
    /// The normal pseudo-velocity target of the position pass (m/s) and what kind of correction it is.
    pub position_target: T,
    /// See `position_target`.
    pub correction: PositionCorrection,
    /// Accumulated impulses: normal, two tangential, position pass (N·s). The first three may start from a
    /// warm start; the position pass always starts from zero.
    pub impulse: [T; 4],
    /// The normal impulse of this step's impacts at the contact (N·s, [`resolve_collisions`]); the friction
    /// of [`solve_impulses`] may use it (`|λ_t| ≤ μ (λ_n + collision)`). Zero when the contact did not bounce.
    pub collision: T,
    /// Scratch of [`resolve_collisions`]: the normal velocity a contact taking part in the impact being
    /// resolved must reach (m/s); `None` otherwise.
    pub bounce: Option<T>,
}

/// The velocities of the participants of an impulse solve, and the inverse mass properties of the free bodies,
/// which the solver reads and updates. Participants `0..n` are the free bodies (`n = inverse_mass.len()`),
/// participant `n + r` is robot `r`, whose joint velocities are `joints[r]` (the velocity a semi-implicit Euler
/// step moves the configuration along; empty without robots).
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
    /// The robots' joint velocities (rad/s, m/s; a free joint's as the robot's model orders them).
    pub joints: &'a mut [DVector<T>],
}

impl<T: Scalar> BodyVelocities<'_, T> {
    /// The velocity of the contact point on side `k` (0: `a`, 1: `b`) of `row`, participant `i`.
    fn side_velocity(&self, row: &ImpulseRow<T>, k: usize, i: usize) -> Vector3<T> {
        match &row.links[k] {
            Some(link) => &link.jacobian * &self.joints[link.robot],
            None => self.linear[i] + self.angular[i].cross(if k == 0 { &row.ra } else { &row.rb }),
        }
    }

    /// Applies impulse `p` to side `k` of `row`, participant `i`.
    fn push(&mut self, row: &ImpulseRow<T>, k: usize, i: usize, p: &Vector3<T>) {
        match &row.links[k] {
            // in place: M̃⁻¹ Jᵀ p added without a temporary
            Some(link) => self.joints[link.robot].gemv(T::one(), &link.response, p, T::one()),
            None => {
                self.linear[i] += p * self.inverse_mass[i];
                self.angular[i] += self.inverse_inertia[i] * (if k == 0 { &row.ra } else { &row.rb }).cross(p);
            }
        }
    }

    /// The velocity of `a`'s point of the row minus that of `b`'s.
    fn relative(&self, row: &ImpulseRow<T>) -> Vector3<T> {
        let va = self.side_velocity(row, 0, row.a);
        match row.b {
            Some(b) => va - self.side_velocity(row, 1, b),
            None => va,
        }
    }

    /// Applies impulse `p` to `a` at its point and `−p` to `b` at its.
    fn apply(&mut self, row: &ImpulseRow<T>, p: &Vector3<T>) {
        self.push(row, 0, row.a, p);
        if let Some(b) = row.b {
            self.push(row, 1, b, &-p);
        }
    }

    /// The row's Delassus operator `W = Σ J M⁻¹ Jᵀ` over its two sides (1/kg, world axes): the relative velocity
    /// change per unit impulse. A robot side's is [`LinkPoint::inverse_inertia`], a free body's
    /// `1/m + [r]ₓᵀ I⁻¹ [r]ₓ`, the ground's zero.
    pub fn delassus(&self, row: &ImpulseRow<T>) -> Matrix3<T> {
        let side = |k: usize, i: usize| match &row.links[k] {
            Some(link) => link.inverse_inertia(),
            None => {
                let r = if k == 0 { &row.ra } else { &row.rb };
                super::free_body_point_inverse_inertia(&self.inverse_mass[i], &self.inverse_inertia[i], r)
            }
        };
        let mut w = side(0, row.a);
        if let Some(b) = row.b {
            w += side(1, b);
        }
        w
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

/// When a contact `gap` (m) apart, whose normal velocity at the end of the step would be `un` (m/s) under a
/// constant normal acceleration `accel` (m/s²), closes within the step: the time of impact `t_c ∈ [0, dt]` and
/// the normal velocity `u_c` at that time, from the ballistic motion `gap + u₀ t + ½ a t² = 0` with
/// `u₀ = un − a dt`. The root is taken in the stable form `t_c = 2 gap / (−u₀ + √(u₀² − 2 a gap))`.
pub fn time_of_impact<T: Scalar>(gap: &T, un: &T, accel: &T, dt: f64) -> Option<(T, T)> {
    let u0 = *un - *accel * dt;
    let end_gap = re(gap) + re(&u0) * dt + 0.5 * re(accel) * dt * dt;
    let discriminant = u0 * u0 - *accel * *gap * 2.0;
    if end_gap >= 0.0 || re(&discriminant) < 0.0 {
        return None;
    }
    let t_c = *gap * 2.0 * recip(&(-u0 + sqrt(&discriminant)));
    let u_c = u0 + *accel * t_c;
    Some((t_c, u_c))
}

/// The targets of a contact `gap` (m) apart at the start of a step, for [`solve_impulses`] (impacts are
/// [`resolve_collisions`]' business): a contact still apart may close its gap and not more (normal velocity
/// target `−gap / dt`); one deeper than `allowed_penetration` is pushed out by the position pass at the fraction
/// `position_correction` of the excess per step ([`PositionCorrection::PushOut`]); one within it is held at zero
/// normal velocity. Returns `(target, position_target, correction)`; the branches are taken on the real part.
pub fn resting_targets<T: Scalar>(
    gap: &T,
    allowed_penetration: f64,
    position_correction: f64,
    dt: f64,
) -> (T, T, PositionCorrection) {
    if re(gap) > 0.0 {
        (-*gap * (1.0 / dt), T::zero(), PositionCorrection::None)
    } else if -re(gap) - allowed_penetration > 0.0 {
        let push = (-*gap - allowed_penetration) * (position_correction / dt);
        (T::zero(), push, PositionCorrection::PushOut)
    } else {
        (T::zero(), T::zero(), PositionCorrection::None)
    }
}

/// Approaches slower than this (m/s) are never impacts, whatever the bounce threshold: with a threshold of 0,
/// bodies pressed together by several contacts (a stack with `e > 0`) would otherwise trade ever smaller
/// impacts without end.
pub const MIN_IMPACT_SPEED: f64 = 1e-6;

/// A time of impact is reported as ill-conditioned ([`CollisionReport::grazing`]) when its condition number
/// `|u₀ / u_c|` exceeds this: the speed at impact `u_c` is less than a tenth of the approach speed `u₀` at the
/// start of the step. The impact time's derivative with respect to the gap is `−1/u_c`, and the impact speed's
/// `−a/u_c`: a graze, whose derivatives hold only very near the trajectory (a little less approach and there is
/// no impact at all).
pub const GRAZING_CONDITION: f64 = 10.0;

/// What [`resolve_collisions`] noticed that bears on derivatives, for
/// [`DerivativeDiagnostics`](crate::sim::DerivativeDiagnostics). Pairs are (body `a`, body `b` or `None` for the
/// ground).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollisionReport {
    /// Pairs that met at an approach speed within `near_fraction` of the bounce threshold.
    pub near_threshold: Vec<(usize, Option<usize>)>,
    /// Pairs placed at a time of impact whose condition number `|u₀ / u_c|` exceeded [`GRAZING_CONDITION`], with
    /// the largest of the step.
    pub grazing: Vec<((usize, Option<usize>), f64)>,
}

impl CollisionReport {
    /// Empties the report for the next step (keeping its buffers).
    pub fn clear(&mut self) {
        self.near_threshold.clear();
        self.grazing.clear();
    }

    fn near(&mut self, pair: (usize, Option<usize>)) {
        if !self.near_threshold.contains(&pair) {
            self.near_threshold.push(pair);
        }
    }

    fn graze(&mut self, pair: (usize, Option<usize>), condition: f64) {
        match self.grazing.iter_mut().find(|(p, _)| *p == pair) {
            Some((_, worst)) => *worst = worst.max(condition),
            None => self.grazing.push((pair, condition)),
        }
    }
}

/// The settings of [`resolve_collisions`].
#[derive(Debug, Clone, Copy)]
pub struct CollisionPass {
    /// The time step (s).
    pub dt: f64,
    /// A contact bounces when the pair meets faster than this (m/s).
    pub bounce_threshold: f64,
    /// Approach speeds within this fraction of `bounce_threshold` are reported as near it.
    pub near_fraction: f64,
    /// Sweeps of an impact with several contact points between one pair (a box landing on its face).
    pub iterations: usize,
    /// At most this many passes over the pairs.
    pub passes: usize,
}

/// Resolves this step's impacts one pair of bodies at a time, in sequence, before [`solve_impulses`] handles
/// resting and sliding contact.
///
/// A contact *impacts* when its pair meets faster than `bounce_threshold` (and at least [`MIN_IMPACT_SPEED`]):
/// a touching contact with restitution `e > 0` whose normal velocity at the end of the step is below
/// `−bounce_threshold`, or a contact still apart (`gap > 0`, any `e`) that closes within the step
/// ([`time_of_impact`]) at such a speed. (A touching contact with `e = 0` is left to [`solve_impulses`], which
/// stops it as a resting contact and warm-starts it.) Each pass visits the pairs (runs of rows with the same
/// bodies) in order; a pair with impacting contacts gets normal impulses, solved jointly over its impacting
/// contacts by `iterations` sweeps of projected Gauss–Seidel, that make each contact's normal velocity `−e u_c`
/// (plus the free motion after the impact, `accel (dt − t_c)`, for a contact placed at its time of impact), with
/// `u_c` the approach velocity at that moment, and friction impulses within the cone `μ (λ_n + λ_c)` of all the
/// normal impulse the contact has had. A contact still apart that impacts for the first time is placed at its
/// time of impact as [`PositionCorrection::TimeOfImpact`] (see [`solve_impulses`]); should it impact again in a
/// later pass, it is treated as touching and its position target is kept. Passes repeat until no pair impacts,
/// at most `passes` times, and one more pass checks that none is left.
///
/// This is the sequential treatment of impacts (Guendelman, Bridson and Fedkiw 2003; the pairwise impulses of a
/// Newton's cradle): velocities change at each impact, so the ball a strike reaches next sees the new
/// approach speed. A resting row of touching balls thus passes a strike through, and with `e = 1` every
/// single-point frictionless impact conserves kinetic energy exactly, however close in time the impacts are.
/// Solving all contacts at once with restitution targets instead lets touching balls act as one block.
///
/// The normal impulses of the impacts are kept in [`ImpulseRow::collision`], which widens the friction cone of
/// [`solve_impulses`] (the friction impulses accumulate in `impulse[1..3]` as that solve's do). All decisions
/// branch on the real part. Approach speeds within `near_fraction` of the threshold, and impacts placed at an
/// ill-conditioned time of impact ([`GRAZING_CONDITION`]), are noted in `report`.
///
/// Returns `true` when a pass found nothing left to resolve; `false` when the passes ran out first (the
/// remaining approaches are then stopped without a bounce by [`solve_impulses`]).
pub fn resolve_collisions<T: Scalar>(
    rows: &mut [ImpulseRow<T>],
    bodies: &mut BodyVelocities<'_, T>,
    pass: &CollisionPass,
    report: &mut CollisionReport,
) -> bool {
    let dt = pass.dt;
    let slowest = pass.bounce_threshold.max(MIN_IMPACT_SPEED);
    // the last pass only looks: an impact found there is one the passes did not resolve
    for sweep in 0..=pass.passes {
        let mut any = false;
        let mut start = 0;
        while start < rows.len() {
            let pair = (rows[start].a, rows[start].b);
            let end = start + rows[start..].iter().take_while(|r| (r.a, r.b) == pair).count();
            let group = &mut rows[start..end];
            start = end;
            let mut impacting = 0;
            for row in group.iter_mut() {
                let apart = re(&row.gap) > 0.0 && row.correction != PositionCorrection::TimeOfImpact;
                // a touching contact without restitution is a resting contact's business (solve_impulses)
                if !apart && re(&row.restitution) <= 0.0 {
                    continue;
                }
                let un = bodies.relative(row).dot(&row.frame[0]);
                let (approach, placed) = if apart {
                    match time_of_impact(&row.gap, &un, &row.accel, dt) {
                        Some((t_c, u_c)) => (u_c, Some(t_c)),
                        None => continue,
                    }
                } else {
                    (un, None)
                };
                let speed = -re(&approach);
                if (speed - pass.bounce_threshold).abs() < pass.near_fraction * pass.bounce_threshold {
                    report.near(pair);
                }
                if speed <= slowest {
                    continue;
                }
                if sweep == pass.passes {
                    return false;
                }
                impacting += 1;
                let e = row.restitution;
                row.bounce = Some(match placed {
                    Some(t_c) => {
                        // the approach speed at the step's start over that at impact
                        let condition = re(&(un - row.accel * dt)).abs() / speed;
                        if condition > GRAZING_CONDITION {
                            report.graze(pair, condition);
                        }
                        // bounce at the time of impact: reflect u_c, then fly ballistically for the rest of the
                        // step; the position pass adds what the end velocity alone does not cover
                        let rest = T::from(dt) - t_c;
                        let u_end = -e * approach + row.accel * rest;
                        let gap_end = -e * approach * rest + row.accel * rest * rest * 0.5;
                        row.position_target = (gap_end - row.gap) * (1.0 / dt) - u_end;
                        row.correction = PositionCorrection::TimeOfImpact;
                        u_end
                    }
                    None => -e * approach,
                });
            }
            if impacting == 0 {
                continue;
            }
            any = true;
            let sweeps = if impacting == 1 { 1 } else { pass.iterations.max(1) };
            for _ in 0..sweeps {
                for row in group.iter_mut() {
                    let Some(target) = row.bounce else { continue };
                    let n = row.frame[0];
                    let u = bodies.relative(row).dot(&n);
                    // impulse[3] (the position pass's: zero when rows are built, and given back zeroed below)
                    // holds this impact's normal impulse
                    let old = row.impulse[3];
                    let mut new = old + row.mass[0] * (target - u);
                    if re(&new) < 0.0 {
                        new = T::zero();
                    }
                    row.impulse[3] = new;
                    bodies.apply(row, &(n * (new - old)));
                    // friction in the impact, within the cone of everything pressing the contact so far
                    let limit = row.friction * (row.impulse[0] + row.collision + row.impulse[3]);
                    friction_update(row, bodies, &limit);
                }
            }
            for row in group.iter_mut() {
                if row.bounce.take().is_some() {
                    row.collision += row.impulse[3];
                    row.impulse[3] = T::zero();
                }
            }
        }
        if !any {
            return true;
        }
    }
    false
}

/// One Gauss–Seidel update of a row's friction impulse (`impulse[1..3]`): the impulse that stops the sliding at
/// the contact point, accumulated and clamped to the disc of radius `limit` (N·s).
fn friction_update<T: Scalar>(row: &mut ImpulseRow<T>, bodies: &mut BodyVelocities<'_, T>, limit: &T) {
    let [_, t1, t2] = &row.frame;
    let u = bodies.relative(row);
    let (o1, o2) = (row.impulse[1], row.impulse[2]);
    let mut n1 = o1 - row.mass[1] * u.dot(t1);
    let mut n2 = o2 - row.mass[2] * u.dot(t2);
    let len2 = n1 * n1 + n2 * n2;
    if re(&len2) > re(limit) * re(limit) {
        let scale = *limit * recip(&sqrt(&len2));
        n1 *= scale;
        n2 *= scale;
    }
    let p = t1 * (n1 - o1) + t2 * (n2 - o2);
    row.impulse[1] = n1;
    row.impulse[2] = n2;
    bodies.apply(row, &p);
}

/// Solves the contact impulses of one step by projected Gauss–Seidel (sequential impulses, Catto 2005), then
/// the position pass.
///
/// **Warm start**: the rows' accumulated impulses on entry (`impulse[0..3]`, e.g. from the previous step, see
/// [`crate::contact::warm_start`]) are applied first and the sweeps correct them; zeros give a cold start.
///
/// **Velocity pass**, `iterations` sweeps over the rows in order. Each row gets a normal impulse `λ_n ≥ 0` that
/// makes the normal relative velocity at least `target`, and a friction impulse in the contact plane clamped
/// to the disc `|λ_t| ≤ μ (λ_n + λ_c)` (an exact Coulomb cone, not a pyramid; `λ_c` is the impulse of this step's
/// impacts at the contact, [`ImpulseRow::collision`]). Momentum is exchanged in equal and
/// opposite impulses, so the bodies' total linear and angular momentum is conserved exactly.
///
/// **Position pass**, the same sweeps on pseudo-velocities `pseudo_linear`, `pseudo_angular` and, for robots,
/// `pseudo_joints` (zeroed first):
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
    pseudo_joints: &mut [DVector<T>],
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
            let [n, _, _] = &row.frame;
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
            // friction, clamped to the disc of radius μ (λ_n + λ_c)
            let limit = row.friction * (row.impulse[0] + row.collision);
            friction_update(row, bodies, &limit);
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
    pseudo_joints.iter_mut().for_each(|v| v.fill(T::zero()));
    if rows.iter().all(|r| r.correction == PositionCorrection::None) {
        return unconverged;
    }
    let mut pseudo = BodyVelocities {
        linear: pseudo_linear,
        angular: pseudo_angular,
        inverse_mass: bodies.inverse_mass,
        inverse_inertia: bodies.inverse_inertia,
        joints: pseudo_joints,
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
