//! Total forces and accelerations of all particles.

use super::{drag_force, ground_contact_force, spring_force};
use crate::model::{Model, SpringEnd};
use crate::scalar::recip;
use crate::Scalar;
use nalgebra::Vector3;

/// Total force in N on every particle at positions `x` (m) and velocities `v` (m/s), written into `f`:
/// gravity `m g`, drag, ground contact and springs.
///
/// # Panics
/// If `x`, `v` or `f` do not have one entry per particle.
// `&x * s`, not `x * s`: nalgebra's by-value operators copy wide dual numbers through memory first (the
// 100-particle net's step at N = 16 is twice as fast by reference), which clippy's `op_ref` does not know.
#[allow(clippy::op_ref)]
pub fn forces<T: Scalar>(scene: &Model<T>, x: &[Vector3<T>], v: &[Vector3<T>], f: &mut [Vector3<T>]) {
    let n = scene.particles.len();
    assert!(x.len() == n && v.len() == n && f.len() == n, "one position, velocity and force per particle");
    for (i, p) in scene.particles.iter().enumerate() {
        f[i] = &scene.settings.gravity * p.mass + drag_force(&p.drag, &p.quadratic_drag, &v[i]);
        if let Some(ground) = &scene.ground {
            f[i] += ground_contact_force(ground, &p.radius, &p.mass, scene.settings.dt, &x[i], &v[i]);
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
    forces(scene, x, v, a);
    for (ai, p) in a.iter_mut().zip(&scene.particles) {
        *ai *= recip(&p.mass);
    }
}
