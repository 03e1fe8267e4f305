//! Kinetic and potential energy of a multibody system.

use super::{forward_kinematics, MultibodyWorkspace};
use crate::model::Multibody;
use crate::scalar::c;
use crate::Scalar;
use nalgebra::DVector;

/// Kinetic energy `T = ½ Σ vᵢᵀ Iᵢ vᵢ = ½ q̇ᵀ M(q) q̇` (J), armature included (`½ armature v²`).
///
/// # Panics
/// If `q` or `v` have the wrong length.
///
/// ```
/// use diffphys::multibody::{kinetic_energy_multibody, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// // Only the shoulder turns, at 1 rad/s, with the arm straight: T = ½ · (8/3) · 1².
/// let t = kinetic_energy_multibody(&model, &mut ws, &DVector::zeros(2), &DVector::from_vec(vec![1.0, 0.0]));
/// assert!((t - 4.0 / 3.0).abs() < 1e-5);
/// ```
pub fn kinetic_energy_multibody<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
) -> T {
    forward_kinematics(model, ws, q, v);
    let mut energy = T::zero();
    for i in 0..model.n_bodies() {
        energy += model.inertias[i].kinetic_energy(&ws.velocity[i]);
        let joint = &model.joints[i];
        for k in joint.v_index..joint.v_index + joint.kind.nv() {
            energy += joint.armature * v[k] * v[k] * c::<T>(0.5);
        }
    }
    energy
}

/// Potential energy in gravity `V = −Σ mᵢ g · cᵢ` (J), with `cᵢ` the centre of mass of body `i` in the root
/// frame: zero when every centre of mass is at the root origin's height (for `g = (0, 0, −g)`, `V = Σ m g z`).
///
/// # Panics
/// If `q` has the wrong length.
pub fn potential_energy_multibody<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
) -> T {
    forward_kinematics(model, ws, q, &DVector::zeros(model.nv()));
    let mut energy = T::zero();
    for i in 0..model.n_bodies() {
        let inertia = &model.inertias[i];
        let com_world = ws.pose_world[i].transform_point(&inertia.com);
        energy -= inertia.mass * model.gravity.dot(&com_world);
    }
    energy
}
