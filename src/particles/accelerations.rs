//! Total forces and accelerations of all particles.

use super::{drag_force, ground_contact_force, spring_force};
use crate::contact::{AnchorBook, AnchorPair, FrictionAnchor};
use crate::model::{Model, SpringEnd};
use crate::scalar::{re, recip};
use crate::Scalar;
use nalgebra::Vector3;

/// Total force in N on every particle at positions `x` (m) and velocities `v` (m/s), written into `f`:
/// gravity `m g`, drag, ground contact and springs.
///
/// # Panics
/// If `x`, `v` or `f` do not have one entry per particle.
pub fn forces<T: Scalar>(scene: &Model<T>, x: &[Vector3<T>], v: &[Vector3<T>], f: &mut [Vector3<T>]) {
    forces_with(scene, x, v, f, None);
}

/// [`forces`], with the ground's friction anchored ([`ground_contact_force`] with an anchor) when `anchors` is
/// given and open: each particle on the ground recalls its anchor from the book and keeps its new one.
///
/// # Panics
/// As [`forces`].
// `&x * s`, not `x * s`: nalgebra's by-value operators copy wide dual numbers through memory first (the
// 100-particle net's step at N = 16 is twice as fast by reference), which clippy's `op_ref` does not know.
#[allow(clippy::op_ref)]
pub(crate) fn forces_with<T: Scalar>(
    scene: &Model<T>,
    x: &[Vector3<T>],
    v: &[Vector3<T>],
    f: &mut [Vector3<T>],
    mut anchors: Option<&mut AnchorBook<T>>,
) {
    let n = scene.particles.len();
    assert!(x.len() == n && v.len() == n && f.len() == n, "one position, velocity and force per particle");
    let dt = scene.settings.dt;
    for (i, p) in scene.particles.iter().enumerate() {
        f[i] = &scene.settings.gravity * p.mass + drag_force(&p.drag, &p.quadratic_drag, &v[i]);
        let Some(ground) = &scene.ground else { continue };
        match anchors.as_deref_mut().filter(|book| book.is_anchored()) {
            Some(book) if re(&(p.radius - x[i].z)) > 0.0 => {
                let pair = AnchorPair::Particle { index: i };
                let mut stretch =
                    book.recall(pair, &Vector3::zeros(), f64::INFINITY).map_or_else(Vector3::zeros, |(s, _, _)| s);
                f[i] += ground_contact_force(ground, &p.radius, &p.mass, dt, &x[i], &v[i], Some(&mut stretch));
                // every touching particle keeps its anchor, even at a zero real stretch (its derivative may not be)
                book.keep(FrictionAnchor {
                    pair,
                    local_point: Vector3::zeros(),
                    stretch,
                    onset_speed: T::zero(),
                    age: 0.0,
                });
            }
            _ => f[i] += ground_contact_force(ground, &p.radius, &p.mass, dt, &x[i], &v[i], None),
        }
    }
    for s in &scene.springs {
        let (xb, vb) = match &s.b {
            SpringEnd::Particle(j) => (&x[*j], &v[*j]),
            SpringEnd::Anchor(p) => (p, &Vector3::zeros()),
        };
        let fa = spring_force(&s.stiffness, &s.damping, &s.rest_length, &x[s.a], &v[s.a], xb, vb);
        if let SpringEnd::Particle(j) = s.b {
            f[j] -= &fa;
        }
        f[s.a] += fa;
    }
}

/// Accelerations in m/s² of every particle, written into `a`: [`forces`] divided by each mass.
///
/// # Panics
/// If `x`, `v` or `a` do not have one entry per particle.
pub fn accelerations<T: Scalar>(scene: &Model<T>, x: &[Vector3<T>], v: &[Vector3<T>], a: &mut [Vector3<T>]) {
    accelerations_with(scene, x, v, a, None);
}

/// [`accelerations`] from [`forces_with`] the friction anchors of `anchors`.
pub(crate) fn accelerations_with<T: Scalar>(
    scene: &Model<T>,
    x: &[Vector3<T>],
    v: &[Vector3<T>],
    a: &mut [Vector3<T>],
    anchors: Option<&mut AnchorBook<T>>,
) {
    forces_with(scene, x, v, a, anchors);
    for (ai, p) in a.iter_mut().zip(&scene.particles) {
        *ai *= recip(&p.mass);
    }
}
