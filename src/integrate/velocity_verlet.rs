//! Velocity Verlet.

use super::Workspace;
use crate::model::Model;
use crate::particles::accelerations_with;
use crate::Scalar;
use nalgebra::Vector3;

/// Velocity Verlet step: `x₁ = x + v dt + ½ a₀ dt²`, `v₁ = v + ½ (a₀ + a₁) dt` with `a₀ = a(x, v)` and
/// `a₁ = a(x₁, v + a₀ dt)`.
///
/// Second order and symplectic when forces depend on position only (springs, gravity); velocity-dependent
/// forces (dampers, drag, friction) are evaluated at the predicted velocity `v + a₀ dt`. Two force
/// evaluations per step. Ground friction is regularised here; [`crate::sim::step`] anchors it when the scene
/// asks ([`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)).
pub fn velocity_verlet<T: Scalar>(scene: &Model<T>, x: &mut [Vector3<T>], v: &mut [Vector3<T>], ws: &mut Workspace<T>) {
    velocity_verlet_with(scene, x, v, ws, false);
}

/// [`velocity_verlet`], with the ground contacts' friction anchors from `ws`'s book when `anchored` (the world's
/// step has opened it): the first force evaluation advances them and keeps them, the later ones
/// [hold](crate::contact::AnchorBook::hold) them.
// `&x * s`, not `x * s`: nalgebra's by-value operators copy wide dual numbers through memory first (the
// 100-particle net's step at N = 16 is twice as fast by reference), which clippy's `op_ref` does not know.
#[allow(clippy::op_ref)]
pub(crate) fn velocity_verlet_with<T: Scalar>(
    scene: &Model<T>,
    x: &mut [Vector3<T>],
    v: &mut [Vector3<T>],
    ws: &mut Workspace<T>,
    anchored: bool,
) {
    let dt = T::from(scene.settings.dt);
    let half_dt = T::from(0.5 * scene.settings.dt);
    let Workspace { a, v_stage, anchors, .. } = ws;
    let [a0, a1, ..] = a;
    accelerations_with(scene, x, v, a0, anchored.then_some(&mut *anchors));
    for i in 0..x.len() {
        x[i] += &v[i] * dt + &a0[i] * (half_dt * dt);
        v_stage[i] = &v[i] + &a0[i] * dt;
    }
    if anchored {
        anchors.hold();
    }
    accelerations_with(scene, x, v_stage, a1, anchored.then_some(&mut *anchors));
    if anchored {
        anchors.advance();
    }
    for i in 0..x.len() {
        v[i] += (&a0[i] + &a1[i]) * half_dt;
    }
}
