//! Velocity Verlet.

use super::Workspace;
use crate::model::Model;
use crate::particles::accelerations;
use crate::Scalar;
use nalgebra::Vector3;

/// Velocity Verlet step: `x₁ = x + v dt + ½ a₀ dt²`, `v₁ = v + ½ (a₀ + a₁) dt` with `a₀ = a(x, v)` and
/// `a₁ = a(x₁, v + a₀ dt)`.
///
/// Second order and symplectic when forces depend on position only (springs, gravity); velocity-dependent
/// forces (dampers, drag, friction) are evaluated at the predicted velocity `v + a₀ dt`. Two force
/// evaluations per step.
// `&x * s`, not `x * s`: nalgebra's by-value operators copy wide dual numbers through memory first (the
// 100-particle net's step at N = 16 is twice as fast by reference), which clippy's `op_ref` does not know.
#[allow(clippy::op_ref)]
pub fn velocity_verlet<T: Scalar>(scene: &Model<T>, x: &mut [Vector3<T>], v: &mut [Vector3<T>], ws: &mut Workspace<T>) {
    let dt = T::from(scene.settings.dt);
    let half_dt = T::from(0.5 * scene.settings.dt);
    let [a0, a1, ..] = &mut ws.a;
    accelerations(scene, x, v, a0);
    for i in 0..x.len() {
        x[i] += &v[i] * dt + &a0[i] * (half_dt * dt);
        ws.v_stage[i] = &v[i] + &a0[i] * dt;
    }
    accelerations(scene, x, &ws.v_stage, a1);
    for i in 0..x.len() {
        v[i] += (&a0[i] + &a1[i]) * half_dt;
    }
}
