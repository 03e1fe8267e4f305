//! Warm starting the impulse solver: the impulses a contact carried at the end of one step are remembered in
//! the [`State`](crate::sim::State) and handed back to the same contact at the next step as the solver's
//! starting point (Catto 2005). Projected Gauss–Seidel then only has to correct the change from one step to
//! the next, which is what lets a stack of boxes stand: a cold start has to rebuild each box's weight down the
//! stack from zero every step, and twenty sweeps are not enough for that.

use super::{ImpulseRow, PositionCorrection};
use crate::scalar::re;
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::Vector3;

/// The accumulated impulse of one contact at the end of a step of the impulse model, kept in
/// [`State::contact_impulses`](crate::sim::State::contact_impulses) to warm-start the next step.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ContactImpulse<T: Scalar> {
    /// First participant ([`ImpulseRow::a`]: a free body, or a robot after the bodies).
    pub a: usize,
    /// Second participant, or `None` for the ground.
    pub b: Option<usize>,
    /// The robot collider at the contact ([`ImpulseRow::collider`]), `None` between free bodies.
    pub collider: Option<usize>,
    /// The contact point in the body axes of `a`, relative to its centre of mass (m); for a robot link, in the
    /// axes of the collider's body ([`LinkPoint::local_point`](super::LinkPoint::local_point)). Only the real part
    /// is kept: it identifies the contact and carries no derivative.
    pub local_point: Vector3<f64>,
    /// Normal impulse (N·s).
    pub normal: T,
    /// Friction impulse in world axes (N·s).
    pub friction: Vector3<T>,
}

/// `true` for a row whose impulse carries over to the next step: resting and sliding contacts. An impact
/// (a contact with a collision impulse, or one placed at its time of impact) is one step's event; its impulse
/// is not remembered. (Rows are warm-started before the impacts are known; an impacting row that found an
/// impulse keeps it as the starting point of its resting part.)
pub fn is_persistent<T: Scalar>(row: &ImpulseRow<T>) -> bool {
    re(&row.collision) == 0.0 && row.correction != PositionCorrection::TimeOfImpact
}

/// The contact point of `row` in the body axes of `a`, relative to its centre of mass (real part), `poses`
/// being the free bodies' poses; for a robot link, the point in its collider's body axes.
pub fn local_point<T: Scalar>(row: &ImpulseRow<T>, poses: &[Transform<T>]) -> Vector3<f64> {
    match &row.links[0] {
        Some(link) => link.local_point,
        None => (poses[row.a].rotation.transpose() * row.ra).map(|x| re(&x)),
    }
}

/// What identifies the contacts of one pair in [`State::contact_impulses`](crate::sim::State::contact_impulses):
/// participants `a`, `b` and the robot collider, if any.
pub type PairKey = (usize, Option<usize>, Option<usize>);

/// Finds the remembered impulse of a contact of pair `key` at `local_point`: the nearest entry of `previous`
/// (sorted by pair, as [`remember`] leaves it) of the same pair within `radius` (m) that no other contact of this
/// step has taken (`taken`, one flag per entry, is updated).
pub fn recall<T: Scalar>(
    previous: &[ContactImpulse<T>],
    taken: &mut [bool],
    key: PairKey,
    local_point: &Vector3<f64>,
    radius: f64,
) -> Option<usize> {
    let start = previous.partition_point(|c| c.key() < key);
    let end = start + previous[start..].partition_point(|c| c.key() == key);
    let found =
        nearest_unclaimed(&previous[start..end], &mut taken[start..end], |c| &c.local_point, local_point, radius);
    found.map(|i| start + i)
}

/// The index of the entry of `entries` nearest to `point` (by `point_of`) within `radius` that is not `taken`
/// yet, marked taken: how a contact finds what it carried at the last step (an impulse, a friction anchor).
pub(crate) fn nearest_unclaimed<E>(
    entries: &[E],
    taken: &mut [bool],
    point_of: impl Fn(&E) -> &Vector3<f64>,
    point: &Vector3<f64>,
    radius: f64,
) -> Option<usize> {
    let mut best = None;
    let mut best_distance = radius * radius;
    for (i, entry) in entries.iter().enumerate() {
        let d = (point_of(entry) - point).norm_squared();
        if !taken[i] && d <= best_distance {
            best = Some(i);
            best_distance = d;
        }
    }
    if let Some(i) = best {
        taken[i] = true;
    }
    best
}

/// The starting impulses of a row from its remembered impulse: the normal impulse, and the friction impulse
/// projected onto the row's tangents.
pub fn starting_impulse<T: Scalar>(row: &ImpulseRow<T>, remembered: &ContactImpulse<T>) -> [T; 4] {
    [remembered.normal, remembered.friction.dot(&row.frame[1]), remembered.friction.dot(&row.frame[2]), T::zero()]
}

/// Writes the impulses of the persistent rows ([`is_persistent`]) to `out`, sorted by pair for [`recall`].
/// `poses` are the free bodies' poses the rows were built at.
pub fn remember<T: Scalar>(rows: &[ImpulseRow<T>], poses: &[Transform<T>], out: &mut Vec<ContactImpulse<T>>) {
    out.clear();
    for row in rows.iter().filter(|r| is_persistent(r)) {
        let [_, t1, t2] = &row.frame;
        out.push(ContactImpulse {
            a: row.a,
            b: row.b,
            collider: row.collider,
            local_point: local_point(row, poses),
            normal: row.impulse[0],
            friction: t1 * row.impulse[1] + t2 * row.impulse[2],
        });
    }
    out.sort_by_key(ContactImpulse::key);
}

impl<T: Scalar> ContactImpulse<T> {
    /// The pair this impulse belongs to, as [`recall`] looks it up.
    pub fn key(&self) -> PairKey {
        (self.a, self.b, self.collider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Matrix3;

    fn entry(a: usize, b: Option<usize>, x: f64, normal: f64) -> ContactImpulse<f64> {
        ContactImpulse {
            a,
            b,
            collider: None,
            local_point: Vector3::new(x, 0.0, 0.0),
            normal,
            friction: Vector3::zeros(),
        }
    }

    #[test]
    fn recall_takes_the_nearest_of_the_same_pair_once() {
        let previous = vec![
            entry(0, None, 0.0, 1.0),
            entry(0, None, 0.1, 2.0),
            entry(0, Some(1), 0.0, 3.0),
            entry(1, None, 0.0, 4.0),
        ];
        let mut taken = vec![false; previous.len()];
        // nearest of pair (0, ground): the one at 0.1
        assert_eq!(recall(&previous, &mut taken, (0, None, None), &Vector3::new(0.09, 0.0, 0.0), 0.05), Some(1));
        // taken now: the next nearest within the radius is none (0.0 is 0.09 away)
        assert_eq!(recall(&previous, &mut taken, (0, None, None), &Vector3::new(0.09, 0.0, 0.0), 0.05), None);
        // another pair never matches, however close
        assert_eq!(recall(&previous, &mut taken, (1, Some(0), None), &Vector3::zeros(), 0.05), None);
        assert_eq!(recall(&previous, &mut taken, (0, Some(1), None), &Vector3::zeros(), 0.05), Some(2));
        assert_eq!(recall(&previous, &mut taken, (1, None, None), &Vector3::new(0.0, 0.04, 0.0), 0.05), Some(3));
    }

    #[test]
    fn remembered_friction_comes_back_in_the_new_tangents() {
        let n = Vector3::new(0.0, 0.0, 1.0);
        let frame = super::super::tangent_frame(&n);
        let row: ImpulseRow<f64> = ImpulseRow {
            a: 0,
            b: None,
            ra: Vector3::new(0.1, 0.0, -0.05),
            rb: Vector3::zeros(),
            links: [None, None],
            collider: None,
            frame,
            mass: [1.0; 3],
            friction: 0.5,
            restitution: 0.5,
            gap: 0.0,
            accel: 0.0,
            target: 0.0,
            position_target: 0.0,
            correction: PositionCorrection::None,
            impulse: [2.0, 0.3, -0.4, 0.0],
            collision: 0.0,
            bounce: None,
        };
        // a body rotated by 90° about z: the point (0.1, 0, −0.05) in world axes is (0, −0.1, −0.05) in body axes
        let pose = Transform {
            translation: Vector3::zeros(),
            rotation: Matrix3::new(0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        };
        let mut out = Vec::new();
        remember(std::slice::from_ref(&row), &[pose], &mut out);
        assert!((out[0].local_point - Vector3::new(0.0, -0.1, -0.05)).norm() < 1e-15);
        assert!((out[0].friction.norm() - 0.5).abs() < 1e-15);
        let back = starting_impulse(&row, &out[0]);
        assert!((back[0] - 2.0).abs() < 1e-15 && (back[1] - 0.3).abs() < 1e-15 && (back[2] + 0.4).abs() < 1e-15);
        // an impact is not remembered
        let bounce = ImpulseRow { collision: 0.7, ..row };
        remember(&[bounce], &[Transform { translation: Vector3::zeros(), rotation: Matrix3::identity() }], &mut out);
        assert!(out.is_empty());
    }
}
