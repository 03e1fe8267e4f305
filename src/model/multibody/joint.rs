//! Joints: how a body moves relative to its parent.

use crate::scalar::{c, re, recip, sqrt};
use crate::spatial::{
    axis_angle_matrix, quaternion_conjugate, quaternion_exp, quaternion_log, quaternion_matrix, quaternion_normalized,
    quaternion_product, skew, Force, Motion, Transform,
};
use crate::Scalar;
use nalgebra::{DVectorView, DVectorViewMut, Matrix3, Vector3};

/// The kind of a joint and its constant geometry (axes are unit vectors in the joint frame).
///
/// | kind | `nq` | `nv` | configuration | velocity |
/// |---|---|---|---|---|
/// | `Revolute` | 1 | 1 | angle (rad) | rate (rad/s) |
/// | `Prismatic` | 1 | 1 | displacement (m) | rate (m/s) |
/// | `Spherical` | 4 | 3 | `[qx, qy, qz, qw]`: unit quaternion | `ω` in the body frame (rad/s) |
/// | `Free` | 7 | 6 | `[x, y, z, qx, qy, qz, qw]`: position in the parent frame (m), unit quaternion | `[v; ω]` in the body frame (m/s, rad/s), Pinocchio's order |
///
/// The spherical joint (MJCF's `ball`, Pinocchio's `JointModelSpherical`) is the free joint's rotation alone:
/// both integrate their quaternion on SO(3) by the exponential map and take derivatives with respect to the
/// body-frame rotation vector `q ⊕ δ = q ⊗ exp(δ / 2)`.
///
/// URDF's `continuous` is a revolute joint without limits; `fixed` joints are merged into their parent at load
/// time (their links become [`Frame`](super::Frame)s).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum JointKind<T: Scalar> {
    /// Rotation about `axis` through the joint origin.
    Revolute {
        /// Unit axis in the joint frame.
        axis: Vector3<T>,
    },
    /// Translation along `axis`.
    Prismatic {
        /// Unit axis in the joint frame.
        axis: Vector3<T>,
    },
    /// Three rotational degrees of freedom about the joint origin (a ball joint), integrated on SO(3) with a
    /// unit quaternion.
    Spherical,
    /// Six degrees of freedom (a floating base), integrated on SE(3) with a unit quaternion.
    Free,
}

/// Position limits of a joint with the soft-limit spring that enforces them in simulation.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JointLimits<T: Scalar> {
    /// Lower bound (rad or m).
    pub lower: T,
    /// Upper bound (rad or m).
    pub upper: T,
}

/// One joint of a [`Multibody`](super::Multibody) with its placement and passive properties.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Joint<T: Scalar> {
    /// Name (the URDF joint name).
    pub name: String,
    /// Kind and axis.
    pub kind: JointKind<T>,
    /// The joint frame in the parent body's frame (URDF `<origin>`).
    pub placement: Transform<T>,
    /// Viscous damping (N·m·s/rad or N·s/m), a passive torque `−damping · v` in simulation.
    pub damping: T,
    /// Coulomb friction (N·m or N), smoothed in simulation: `−friction · tanh(v / v_s)`.
    pub friction: T,
    /// Rotor inertia added to the diagonal of the mass matrix (kg·m² or kg).
    pub armature: T,
    /// Position limits, if any (enforced by a soft spring in simulation, not by the dynamics algorithms).
    pub limits: Option<JointLimits<T>>,
    /// Effort limit (N·m or N), if any; informational.
    pub effort_limit: Option<f64>,
    /// Index of the joint's first coordinate in `q`.
    pub q_index: usize,
    /// Index of the joint's first coordinate in `v`.
    pub v_index: usize,
}

impl<T: Scalar> JointKind<T> {
    /// Number of configuration coordinates.
    pub fn nq(&self) -> usize {
        match self {
            JointKind::Free => 7,
            JointKind::Spherical => 4,
            _ => 1,
        }
    }

    /// Number of velocity coordinates.
    pub fn nv(&self) -> usize {
        match self {
            JointKind::Free => 6,
            JointKind::Spherical => 3,
            _ => 1,
        }
    }

    /// Where the joint's unit quaternion `[qx, qy, qz, qw]` starts among its configuration coordinates (`3` for
    /// the free joint, `0` for the spherical one), or `None` for a joint without one.
    pub fn quaternion_offset(&self) -> Option<usize> {
        match self {
            JointKind::Free => Some(3),
            JointKind::Spherical => Some(0),
            _ => None,
        }
    }

    /// The kind's name as in URDF (`revolute`, `prismatic`, `floating`; `spherical`, which URDF lacks).
    pub fn name(&self) -> &'static str {
        match self {
            JointKind::Revolute { .. } => "revolute",
            JointKind::Prismatic { .. } => "prismatic",
            JointKind::Spherical => "spherical",
            JointKind::Free => "floating",
        }
    }

    /// The motion subspace column of a one-degree-of-freedom joint (`None` for the free and spherical joints,
    /// whose subspaces are the identity and its angular half).
    #[inline]
    pub fn axis_motion(&self) -> Option<Motion<T>> {
        match self {
            JointKind::Revolute { axis } => Some(Motion::new(*axis, Vector3::zeros())),
            JointKind::Prismatic { axis } => Some(Motion::new(Vector3::zeros(), *axis)),
            JointKind::Spherical | JointKind::Free => None,
        }
    }

    /// Column `k` (`< nv`) of the motion subspace `S`, a twist in the body frame.
    #[inline]
    pub fn subspace_column(&self, k: usize) -> Motion<T> {
        match self {
            JointKind::Free if k < 3 => {
                let mut linear = Vector3::zeros();
                linear[k] = T::one();
                Motion::new(Vector3::zeros(), linear)
            }
            JointKind::Free => {
                let mut angular = Vector3::zeros();
                angular[k - 3] = T::one();
                Motion::new(angular, Vector3::zeros())
            }
            JointKind::Spherical => {
                let mut angular = Vector3::zeros();
                angular[k] = T::one();
                Motion::new(angular, Vector3::zeros())
            }
            _ => self.axis_motion().expect("one-dof joint"),
        }
    }

    /// The placement of the body frame in the joint frame at configuration `q` (the joint's `nq` coordinates).
    #[inline]
    pub fn joint_transform(&self, q: DVectorView<'_, T>) -> Transform<T> {
        match self {
            JointKind::Revolute { axis } => Transform::new(axis_angle_matrix(axis, &q[0]), Vector3::zeros()),
            JointKind::Prismatic { axis } => Transform::from_translation(axis * q[0]),
            JointKind::Spherical => Transform::new(quaternion_matrix(&q[0], &q[1], &q[2], &q[3]), Vector3::zeros()),
            JointKind::Free => {
                Transform::new(quaternion_matrix(&q[3], &q[4], &q[5], &q[6]), Vector3::new(q[0], q[1], q[2]))
            }
        }
    }

    /// The joint velocity `S · v` as a twist in the body frame.
    #[inline]
    pub fn motion(&self, v: DVectorView<'_, T>) -> Motion<T> {
        match self {
            JointKind::Free => Motion::new(Vector3::new(v[3], v[4], v[5]), Vector3::new(v[0], v[1], v[2])),
            JointKind::Spherical => Motion::new(Vector3::new(v[0], v[1], v[2]), Vector3::zeros()),
            _ => self.axis_motion().expect("one-dof joint") * v[0],
        }
    }

    /// The projection `Sᵀ f` of a body-frame wrench on the joint's velocity coordinates, written to `out` (`nv`).
    #[inline]
    pub fn project_force(&self, f: &Force<T>, mut out: DVectorViewMut<'_, T>) {
        match self {
            JointKind::Revolute { axis } => out[0] = axis.dot(&f.angular),
            JointKind::Prismatic { axis } => out[0] = axis.dot(&f.linear),
            JointKind::Spherical => out.copy_from(&f.angular),
            JointKind::Free => {
                for k in 0..3 {
                    out[k] = f.linear[k];
                    out[k + 3] = f.angular[k];
                }
            }
        }
    }

    /// The neutral configuration (zero angle or displacement, identity pose) written to `q` (`nq`).
    pub fn neutral(&self, mut q: DVectorViewMut<'_, T>) {
        q.fill(T::zero());
        if let Some(k) = self.quaternion_offset() {
            q[k + 3] = T::one();
        }
    }

    /// `q ⊕ v·dt`: move the configuration along the velocity for a time `dt`, on the joint's manifold.
    ///
    /// For the free joint the position moves by `R v dt` (the body-frame velocity rotated to the parent frame) and
    /// the quaternion by the exponential map `q ⊗ exp(ω dt / 2)`, then it is renormalised; the spherical joint's
    /// quaternion moves the same way. The exponential uses its Taylor series for small angles, so its derivative
    /// at `v = 0` is exact (no `0/0`).
    pub fn integrate(&self, mut q: DVectorViewMut<'_, T>, v: DVectorView<'_, T>, dt: &T) {
        match self {
            JointKind::Free => {
                let rotation = quaternion_matrix(&q[3], &q[4], &q[5], &q[6]);
                let linear = Vector3::new(v[0], v[1], v[2]);
                let dp = rotation * linear * *dt;
                for k in 0..3 {
                    q[k] += dp[k];
                }
                rotate_quaternion(q.rows_mut(3, 4), Vector3::new(v[3], v[4], v[5]) * *dt);
            }
            JointKind::Spherical => rotate_quaternion(q, Vector3::new(v[0], v[1], v[2]) * *dt),
            _ => q[0] += v[0] * *dt,
        }
    }

    /// Semi-implicit Euler's velocity over a step of `dt` under the joint acceleration `a` (`v`, `a` at the start of
    /// the step), written to `out` (`nv`): the velocity [`JointKind::integrate`] then moves the configuration
    /// with. `v + dt a` for one-degree-of-freedom joints. For the free joint the origin's velocity is stepped as a
    /// free rigid body's is, in fixed axes: the origin's acceleration is `v̇ + ω × v` in body axes (`v̇` the joint
    /// acceleration's linear part), so the linear part is `v + dt (v̇ + ω × v)`, the origin's velocity at the end
    /// of the step in the body axes at its start; the angular part is `ω + dt ω̇`.
    #[inline]
    pub fn euler_velocity(&self, v: DVectorView<'_, T>, a: DVectorView<'_, T>, dt: &T, mut out: DVectorViewMut<'_, T>) {
        for k in 0..out.len() {
            out[k] = v[k] + a[k] * *dt;
        }
        if let JointKind::Free = self {
            let linear = Vector3::new(v[0], v[1], v[2]);
            let omega = Vector3::new(v[3], v[4], v[5]);
            let carried = omega.cross(&linear) * *dt;
            for k in 0..3 {
                out[k] += carried[k];
            }
        }
    }

    /// The joint velocity at the end of a step that moved the configuration along `w` for `dt`
    /// ([`JointKind::euler_velocity`], [`JointKind::integrate`]), written to `out` (`nv`): `w` itself, except that
    /// the free joint's linear part, in the body axes at the start of the step, is re-expressed in the body axes
    /// at its end, `Eᵀ w`, `E = exp(ω dt)` with `ω` the angular part of `w` (which the rotation leaves unchanged;
    /// a spherical joint's velocity is that angular part alone).
    #[inline]
    pub fn velocity_after_step(&self, w: DVectorView<'_, T>, dt: &T, mut out: DVectorViewMut<'_, T>) {
        out.copy_from(&w);
        if let JointKind::Free = self {
            let (x, y, z, s) = quaternion_exp(&(Vector3::new(w[3], w[4], w[5]) * *dt));
            let linear = quaternion_matrix(&x, &y, &z, &s).tr_mul(&Vector3::new(w[0], w[1], w[2]));
            for k in 0..3 {
                out[k] = linear[k];
            }
        }
    }

    /// `q₁ ⊖ q₀`: the velocity that [`JointKind::integrate`] over one second turns `q0` into `q1` (written to
    /// `out`, `nv`). For the free joint, `R₀ᵀ (p₁ − p₀)` and the rotation vector of `q₀⁻¹ ⊗ q₁`; the tangent space
    /// that step Jacobians of floating bases are expressed in. For the spherical joint, the rotation vector alone.
    pub fn difference(&self, q0: DVectorView<'_, T>, q1: DVectorView<'_, T>, mut out: DVectorViewMut<'_, T>) {
        match self {
            JointKind::Free => {
                let rotation = quaternion_matrix(&q0[3], &q0[4], &q0[5], &q0[6]);
                let dp = rotation.tr_mul(&Vector3::new(q1[0] - q0[0], q1[1] - q0[1], q1[2] - q0[2]));
                let dw = rotation_difference(q0.rows(3, 4), q1.rows(3, 4));
                for k in 0..3 {
                    out[k] = dp[k];
                    out[k + 3] = dw[k];
                }
            }
            JointKind::Spherical => out.copy_from(&rotation_difference(q0, q1)),
            _ => out[0] = q1[0] - q0[0],
        }
    }

    /// The rate `δ̇` of the chart coordinate `δ` while the configuration `q ⊕ δ` ([`JointKind::integrate`] over
    /// one second) moves with the joint velocity `v`, written to `out` (`nv`): `v` itself for one-degree-of-freedom
    /// joints; for a rotation `δ̇ = J_r(δ)⁻¹ ω`, with `J_r` the right Jacobian of SO(3) (`R = R₀ Exp(δ)` turns
    /// at `ω` in its own axes when `ω = J_r(δ) δ̇`); the free joint's position part is `Exp(δ_ω) v`, its velocity
    /// in the axes of the chart's origin.
    ///
    /// Runge–Kutta on a manifold needs it (Munthe-Kaas's RKMK): stage velocities taken at different
    /// configurations live in different tangent spaces, and averaging them as they are is only second order
    /// for a turning body. Mapped through this rate into the one chart at the start of the step, they average
    /// to the method's full order.
    pub fn chart_rate(&self, delta: DVectorView<'_, T>, v: DVectorView<'_, T>, mut out: DVectorViewMut<'_, T>) {
        let vector = |x: &DVectorView<'_, T>, k: usize| Vector3::new(x[k], x[k + 1], x[k + 2]);
        match self {
            JointKind::Free => {
                let phi = vector(&delta, 3);
                let (x, y, z, w) = quaternion_exp(&phi);
                let linear = quaternion_matrix(&x, &y, &z, &w) * vector(&v, 0);
                let angular = right_jacobian_inverse(&phi) * vector(&v, 3);
                for k in 0..3 {
                    out[k] = linear[k];
                    out[k + 3] = angular[k];
                }
            }
            JointKind::Spherical => out.copy_from(&(right_jacobian_inverse(&vector(&delta, 0)) * vector(&v, 0))),
            _ => out[0] = v[0],
        }
    }

    /// The same kind over another scalar type.
    pub fn lift<D: Scalar>(&self) -> JointKind<D> {
        let lift = |a: &Vector3<T>| a.map(|x| D::constant(re(&x)));
        match self {
            JointKind::Revolute { axis } => JointKind::Revolute { axis: lift(axis) },
            JointKind::Prismatic { axis } => JointKind::Prismatic { axis: lift(axis) },
            JointKind::Spherical => JointKind::Spherical,
            JointKind::Free => JointKind::Free,
        }
    }
}

/// `J_r(φ)⁻¹ = 1 + [φ]×/2 + (1/θ² − (1 + cos θ)/(2 θ sin θ)) [φ]×²`, `θ = |φ|`; the last coefficient by its
/// series `1/12 + θ²/720` for small angles (branch on the real part), so its derivative at `φ = 0` is exact.
fn right_jacobian_inverse<T: Scalar>(phi: &Vector3<T>) -> Matrix3<T> {
    let theta2 = phi.norm_squared();
    let coefficient = if re(&theta2) < 1e-6 {
        c::<T>(1.0 / 12.0) + theta2 * (1.0 / 720.0)
    } else {
        let theta = sqrt(&theta2);
        recip(&theta2) - (T::one() + theta.cos()) * recip(&(theta * theta.sin() * 2.0))
    };
    let k = skew(phi);
    Matrix3::identity() + k * c::<T>(0.5) + k * k * coefficient
}

/// `q ← normalise(q ⊗ exp(φ / 2))` on a quaternion stored `[x, y, z, w]`.
fn rotate_quaternion<T: Scalar>(mut q: DVectorViewMut<'_, T>, phi: Vector3<T>) {
    let current = (q[0], q[1], q[2], q[3]);
    let (x, y, z, w) = quaternion_normalized(quaternion_product(&current, &quaternion_exp(&phi)));
    q[0] = x;
    q[1] = y;
    q[2] = z;
    q[3] = w;
}

/// The body-frame rotation vector `log(q₀⁻¹ ⊗ q₁)` between two quaternions stored `[x, y, z, w]`.
fn rotation_difference<T: Scalar>(q0: DVectorView<'_, T>, q1: DVectorView<'_, T>) -> Vector3<T> {
    let relative =
        quaternion_product(&quaternion_conjugate(&(q0[0], q0[1], q0[2], q0[3])), &(q1[0], q1[1], q1[2], q1[3]));
    quaternion_log(&relative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use nalgebra::DVector;

    #[test]
    fn free_joint_integration_matches_the_rotation_exponential() {
        let kind = JointKind::<f64>::Free;
        let mut q = DVector::from_vec(vec![0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 1.0]);
        let v = DVector::from_vec(vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.5]);
        kind.integrate(q.rows_mut(0, 7), v.rows(0, 6), &2.0);
        let r = kind.joint_transform(q.rows(0, 7)).rotation;
        assert_relative_eq!(r, axis_angle_matrix(&Vector3::z(), &1.0), epsilon = 1e-14);
        assert_relative_eq!(q[0], 2.1, epsilon = 1e-14);
        let norm: f64 = q.rows(3, 4).norm();
        assert_relative_eq!(norm, 1.0, epsilon = 1e-15);
    }

    #[test]
    fn free_joint_difference_inverts_integration() {
        let kind = JointKind::<f64>::Free;
        let q0 = DVector::from_vec(vec![0.1, 0.2, 0.3, 0.2, -0.4, 0.1, (1.0f64 - 0.21).sqrt()]);
        let v = DVector::from_vec(vec![0.7, -0.3, 0.2, 0.4, -1.1, 0.6]);
        let mut q1 = q0.clone();
        kind.integrate(q1.rows_mut(0, 7), v.rows(0, 6), &1.0);
        let mut back = DVector::zeros(6);
        kind.difference(q0.rows(0, 7), q1.rows(0, 7), back.rows_mut(0, 6));
        assert_relative_eq!(back, v, epsilon = 1e-14);
        // the negative of a quaternion is the same rotation
        let mut flipped = q1.clone();
        flipped.rows_mut(3, 4).neg_mut();
        kind.difference(q0.rows(0, 7), flipped.rows(0, 7), back.rows_mut(0, 6));
        assert_relative_eq!(back, v, epsilon = 1e-14);
    }

    #[test]
    fn spherical_joint_is_the_free_joints_rotation() {
        let (free, ball) = (JointKind::<f64>::Free, JointKind::<f64>::Spherical);
        let q0 = DVector::from_vec(vec![0.1, 0.2, 0.3, 0.2, -0.4, 0.1, (1.0f64 - 0.21).sqrt()]);
        let v = DVector::from_vec(vec![0.7, -0.3, 0.2, 0.4, -1.1, 0.6]);
        let (mut qf, mut qb) = (q0.clone(), q0.rows(3, 4).into_owned());
        free.integrate(qf.rows_mut(0, 7), v.rows(0, 6), &0.8);
        ball.integrate(qb.rows_mut(0, 4), v.rows(3, 3), &0.8);
        assert_relative_eq!(qb, qf.rows(3, 4).into_owned(), epsilon = 1e-15);
        let (tf, tb) = (free.joint_transform(qf.rows(0, 7)), ball.joint_transform(qb.rows(0, 4)));
        assert_relative_eq!(tb.rotation, tf.rotation, epsilon = 1e-15);
        assert_eq!(tb.translation, Vector3::zeros());
        let mut back = DVector::zeros(3);
        ball.difference(q0.rows(3, 4), qb.rows(0, 4), back.rows_mut(0, 3));
        assert_relative_eq!(back, v.rows(3, 3) * 0.8, epsilon = 1e-14);
        // S is the angular half of the identity: Sᵀ f picks the torque, S v is a pure rotation
        let f = Force::new(Vector3::new(1.0, 2.0, 3.0), Vector3::new(4.0, 5.0, 6.0));
        let mut projected = DVector::zeros(3);
        ball.project_force(&f, projected.rows_mut(0, 3));
        assert_eq!(projected.as_slice(), f.angular.as_slice());
        for k in 0..3 {
            assert_eq!(ball.subspace_column(k).to_vector(), free.subspace_column(k + 3).to_vector());
        }
        let mut neutral = DVector::zeros(4);
        ball.neutral(neutral.rows_mut(0, 4));
        assert_eq!(neutral.as_slice(), &[0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn chart_rate_follows_the_motion_in_the_chart() {
        // q ⊕ δ(t) moving at v: δ(t + h) − δ(t − h) over 2h equals the chart rate, where δ(t ± h) = (q ⊕ δ) ⊕ ±h v
        // read back in the chart at q
        for kind in [JointKind::<f64>::Free, JointKind::Spherical] {
            let (nq, nv) = (kind.nq(), kind.nv());
            let mut q = DVector::zeros(nq);
            kind.neutral(q.rows_mut(0, nq));
            let tilt = DVector::from_vec(vec![0.3, -0.2, 0.5, 0.4, -0.7, 0.2]);
            kind.integrate(q.rows_mut(0, nq), tilt.rows(0, nv), &1.0);
            let delta = DVector::from_vec(vec![0.2, 0.1, -0.3, 0.6, 0.9, -0.4]).rows(6 - nv, nv).into_owned();
            let v = DVector::from_vec(vec![1.0, -0.5, 0.3, -0.8, 0.4, 1.2]).rows(6 - nv, nv).into_owned();
            let mut at = q.clone();
            kind.integrate(at.rows_mut(0, nq), delta.rows(0, nv), &1.0);
            let h = 1e-6;
            let chart = |dt: f64| {
                let mut moved = at.clone();
                kind.integrate(moved.rows_mut(0, nq), v.rows(0, nv), &dt);
                let mut d = DVector::zeros(nv);
                kind.difference(q.rows(0, nq), moved.rows(0, nq), d.rows_mut(0, nv));
                d
            };
            let numeric = (chart(h) - chart(-h)) / (2.0 * h);
            let mut rate = DVector::zeros(nv);
            kind.chart_rate(delta.rows(0, nv), v.rows(0, nv), rate.rows_mut(0, nv));
            assert_relative_eq!(rate, numeric, epsilon = 1e-8);
            // at the chart's origin the rate is the velocity itself
            kind.chart_rate(DVector::zeros(nv).rows(0, nv), v.rows(0, nv), rate.rows_mut(0, nv));
            assert_relative_eq!(rate, v, epsilon = 1e-15);
        }
    }

    #[test]
    fn quaternion_matrix_is_a_rotation() {
        let (x, y, z, w) = (0.1_f64, -0.5, 0.3, 0.0);
        let n = (x * x + y * y + z * z + w * w).sqrt();
        let r = quaternion_matrix(&(x / n), &(y / n), &(z / n), &(w / n));
        assert_relative_eq!(r * r.transpose(), nalgebra::Matrix3::identity(), epsilon = 1e-14);
        assert_relative_eq!(r.determinant(), 1.0, epsilon = 1e-14);
    }
}
