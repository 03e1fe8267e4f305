//! Collision detection for a whole scene: broad phase, then the narrow phase for each candidate pair and for
//! each body against the ground.

use crate::geometry::narrow_phase::{collide, shape_ground};
use crate::geometry::{Aabb, BroadPhase, Contact, Shape};
use crate::model::Model;
use crate::scalar::re;
use crate::spatial::Transform;
use crate::Scalar;

/// How [`detect_contacts`] treats a pair of boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxPairs {
    /// Report the points of the separating-axis manifold ([`box_box`](crate::geometry::narrow_phase::box_box())).
    Manifold,
    /// Report nothing: the caller handles box–box pairs itself (the compliant model's penalty, which needs a
    /// potential rather than points).
    Skip,
}

/// Finds every contact point between the scene's rigid bodies (at `poses`) and with the ground, into
/// `contacts` (cleared first); box–box pairs as `box_pairs` says. Body `i` reports contacts up to `margins[i]`
/// (m) away; a pair uses the sum of its two margins. `boxes` and `broad` are reusable buffers.
///
/// Pairs are visited in increasing `(i, j)` order and each pair's points in the narrow phase's order, so the
/// list is deterministic. A contact between bodies `i < j` has `a = i`, `b = Some(j)`, normal from `j` to `i`.
pub fn detect_contacts<T: Scalar>(
    scene: &Model<T>,
    poses: &[Transform<T>],
    margins: &[f64],
    boxes: &mut Vec<Aabb>,
    broad: &mut BroadPhase,
    box_pairs: BoxPairs,
    contacts: &mut Vec<Contact<T>>,
) {
    contacts.clear();
    boxes.clear();
    for ((body, pose), margin) in scene.bodies.iter().zip(poses).zip(margins) {
        let half = body.shape.aabb_half_extents(&pose.rotation);
        let c = [0, 1, 2].map(|k| re(&pose.translation[k]));
        boxes.push(Aabb {
            lower: [0, 1, 2].map(|k| c[k] - half[k] - margin),
            upper: [0, 1, 2].map(|k| c[k] + half[k] + margin),
        });
    }
    broad.update(boxes);
    for &(i, j) in &broad.pairs {
        let (bi, bj) = (&scene.bodies[i], &scene.bodies[j]);
        if box_pairs == BoxPairs::Skip && matches!((&bi.shape, &bj.shape), (Shape::Box { .. }, Shape::Box { .. })) {
            continue;
        }
        collide(&bi.shape, &poses[i], &bj.shape, &poses[j], margins[i] + margins[j], &mut |geometry| {
            contacts.push(Contact { a: i, b: Some(j), geometry })
        });
    }
    if scene.ground.is_some() {
        for (i, body) in scene.bodies.iter().enumerate() {
            if boxes[i].lower[2] <= 0.0 {
                shape_ground(&body.shape, &poses[i], margins[i], &mut |geometry| {
                    contacts.push(Contact { a: i, b: None, geometry })
                });
            }
        }
    }
}
