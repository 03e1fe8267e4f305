//! Semi-implicit (symplectic) Euler.

use super::Workspace;
use crate::model::Model;
use crate::particles::accelerations_with;
use crate::Scalar;
use nalgebra::Vector3;

/// Semi-implicit Euler step: `v ← v + a(x, v) dt`, then `x ← x + v dt` with the new velocity.
///
/// First order, symplectic for conservative forces (bounded energy error), one force evaluation per step. Ground
/// friction is regularised here; [`crate::sim::step`] anchors it when the scene asks
/// ([`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)).
pub fn semi_implicit_euler<T: Scalar>(
    scene: &Model<T>,
    x: &mut [Vector3<T>],
    v: &mut [Vector3<T>],
    ws: &mut Workspace<T>,
) {
    semi_implicit_euler_with(scene, x, v, ws, false);
}

/// [`semi_implicit_euler`], with the ground contacts' friction anchors from `ws`'s book when `anchored` (the world's
/// step has opened it): the first force evaluation advances them and keeps them.
// `&x * s`, not `x * s`: nalgebra's by-value operators copy wide dual numbers through memory first (the
// 100-particle net's step at N = 16 is twice as fast by reference), which clippy's `op_ref` does not know.
#[allow(clippy::op_ref)]
pub(crate) fn semi_implicit_euler_with<T: Scalar>(
    scene: &Model<T>,
    x: &mut [Vector3<T>],
    v: &mut [Vector3<T>],
    ws: &mut Workspace<T>,
    anchored: bool,
) {
    let dt = T::from(scene.settings.dt);
    let a = &mut ws.a[0];
    accelerations_with(scene, x, v, a, anchored.then_some(&mut ws.anchors));
    for i in 0..x.len() {
        v[i] += &a[i] * dt;
        x[i] += &v[i] * dt;
    }
}
