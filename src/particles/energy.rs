//! Kinetic and potential energy of a scene's particles.

use crate::model::{Model, SpringEnd};
use crate::scalar::{norm, re};
use crate::Scalar;
use nalgebra::Vector3;

/// Kinetic energy `Σ ½ m |v|²` in J.
pub fn kinetic_energy<T: Scalar>(scene: &Model<T>, v: &[Vector3<T>]) -> T {
    scene.particles.iter().zip(v).fold(T::zero(), |e, (p, vi)| e + p.mass * vi.norm_squared() * 0.5)
}

/// Potential energy in J: gravity `−Σ m g·x`, springs `Σ ½ k (L − L₀)²`, and the ground's elastic part
/// `Σ ½ k d²` for penetrating particles. Dampers, drag and friction only dissipate.
pub fn potential_energy<T: Scalar>(scene: &Model<T>, x: &[Vector3<T>]) -> T {
    let mut e = T::zero();
    for (p, xi) in scene.particles.iter().zip(x) {
        e -= p.mass * scene.settings.gravity.dot(xi);
        if let Some(g) = &scene.ground {
            let d = p.radius - xi.z;
            if re(&d) > 0.0 {
                e += g.stiffness * d * d * 0.5;
            }
        }
    }
    for s in &scene.springs {
        let xb = match &s.b {
            SpringEnd::Particle(j) => &x[*j],
            SpringEnd::Anchor(p) => p,
        };
        let stretch = norm(&(x[s.a] - xb)) - s.rest_length;
        e += s.stiffness * stretch * stretch * 0.5;
    }
    e
}

/// Kinetic plus potential energy in J.
pub fn total_energy<T: Scalar>(scene: &Model<T>, x: &[Vector3<T>], v: &[Vector3<T>]) -> T {
    kinetic_energy(scene, v) + potential_energy(scene, x)
}
