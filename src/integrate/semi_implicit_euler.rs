//! Semi-implicit (symplectic) Euler.

use super::Workspace;
use crate::model::Model;
use crate::particles::accelerations;
use crate::Scalar;
use nalgebra::Vector3;

/// Semi-implicit Euler step: `v ← v + a(x, v) dt`, then `x ← x + v dt` with the new velocity.
///
/// First order, symplectic for conservative forces (bounded energy error), one force evaluation per step.
pub fn semi_implicit_euler<T: Scalar>(
    scene: &Model<T>,
    x: &mut [Vector3<T>],
    v: &mut [Vector3<T>],
    ws: &mut Workspace<T>,
) {
    let dt = T::from(scene.settings.dt);
    let a = &mut ws.a[0];
    accelerations(scene, x, v, a);
    for i in 0..x.len() {
        v[i] += &a[i] * dt;
        x[i] += &v[i] * dt;
    }
}
