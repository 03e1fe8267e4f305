//! Classic fourth-order Runge–Kutta.

use super::Workspace;
use crate::model::Model;
use crate::particles::accelerations_with;
use crate::Scalar;
use nalgebra::Vector3;

/// RK4 step of `ẋ = v, v̇ = a(x, v)` with the classic weights `(1, 2, 2, 1)/6`.
///
/// Fourth order, four force evaluations per step. Contact makes the right-hand side only piecewise smooth, so
/// near touch-down the order drops; it still converges. Ground friction is regularised here;
/// [`crate::sim::step`] anchors it when the scene asks
/// ([`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored)).
pub fn rk4<T: Scalar>(scene: &Model<T>, x: &mut [Vector3<T>], v: &mut [Vector3<T>], ws: &mut Workspace<T>) {
    rk4_with(scene, x, v, ws, false);
}

/// [`rk4`], with the ground contacts' friction anchors from `ws`'s book when `anchored` (the world's step has opened
/// it): the first force evaluation advances them and keeps them, the later ones
/// [hold](crate::contact::AnchorBook::hold) them.
// `&x * s`, not `x * s`: nalgebra's by-value operators copy wide dual numbers through memory first (the
// 100-particle net's step at N = 16 is twice as fast by reference), which clippy's `op_ref` does not know.
#[allow(clippy::op_ref)]
pub(crate) fn rk4_with<T: Scalar>(
    scene: &Model<T>,
    x: &mut [Vector3<T>],
    v: &mut [Vector3<T>],
    ws: &mut Workspace<T>,
    anchored: bool,
) {
    let n = x.len();
    let dt = T::from(scene.settings.dt);
    let half = T::from(0.5 * scene.settings.dt);
    let sixth = T::from(scene.settings.dt / 6.0);
    let Workspace { a, x_stage, v_stage, anchors, .. } = ws;
    // Stage 1 at (x, v); stages 2 and 3 at half steps; stage 4 at the full step. The velocity of stage k is
    // v + (previous stage's acceleration) · h, so it is rebuilt from `a` rather than stored.
    accelerations_with(scene, x, v, &mut a[0], anchored.then_some(&mut *anchors));
    for (stage, h) in [(1, &half), (2, &half), (3, &dt)] {
        for i in 0..n {
            let v_prev = if stage == 1 { v[i] } else { &v[i] + &a[stage - 2][i] * half };
            x_stage[i] = &x[i] + &v_prev * *h;
            v_stage[i] = &v[i] + &a[stage - 1][i] * *h;
        }
        if anchored {
            anchors.hold();
        }
        accelerations_with(scene, x_stage, v_stage, &mut a[stage], anchored.then_some(&mut *anchors));
    }
    if anchored {
        anchors.advance();
    }
    for i in 0..n {
        // Stage velocities: k1 = v, k2 = v + a1 h/2, k3 = v + a2 h/2, k4 = v + a3 h.
        let v2 = &v[i] + &a[0][i] * half;
        let v3 = &v[i] + &a[1][i] * half;
        let v4 = &v[i] + &a[2][i] * dt;
        let dx = &v[i] + &v2 * T::from(2.0) + &v3 * T::from(2.0) + v4;
        let dv = &a[0][i] + &a[1][i] * T::from(2.0) + &a[2][i] * T::from(2.0) + &a[3][i];
        x[i] += &dx * sixth;
        v[i] += &dv * sixth;
    }
}
