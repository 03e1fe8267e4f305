//! Joints: how a body moves relative to its parent.

use crate::scalar::re;
use crate::spatial::{
    axis_angle_matrix, quaternion_conjugate, quaternion_exp, quaternion_log, quaternion_matrix, quaternion_normalized,
    quaternion_product, Force, Motion, Transform,
};
use crate::Scalar;
use nalgebra::{DVectorView, DVectorViewMut, Vector3};

/// The kind of a joint and its constant geometry (axes are unit vectors in the joint frame).
///
/// | kind | `nq` | `nv` | configuration | velocity |
/// |---|---|---|---|---|
/// | `Revolute` | 1 | 1 | angle (rad) | rate (rad/s) |
/// | `Prismatic` | 1 | 1 | displacement (m) | rate (m/s) |
/// | `Free` | 7 | 6 | `[x, y, z, qx, qy, qz, qw]`: position in the parent frame (m), unit quaternion | `[v; ω]` in the body frame (m/s, rad/s), Pinocchio's order |
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
            _ => 1,
        }
    }

    /// Number of velocity coordinates.
    pub fn nv(&self) -> usize {
        match self {
            JointKind::Free => 6,
            _ => 1,
        }
    }

    /// The kind's name as in URDF (`revolute`, `prismatic`, `floating`).
    pub fn name(&self) -> &'static str {
        match self {
            JointKind::Revolute { .. } => "revolute",
            JointKind::Prismatic { .. } => "prismatic",
            JointKind::Free => "floating",
        }
    }

    /// The motion subspace column of a one-degree-of-freedom joint (`None` for the free joint, whose subspace is
    /// the identity).
    #[inline]
    pub fn axis_motion(&self) -> Option<Motion<T>> {
        match self {
            JointKind::Revolute { axis } => Some(Motion::new(*axis, Vector3::zeros())),
            JointKind::Prismatic { axis } => Some(Motion::new(Vector3::zeros(), *axis)),
            JointKind::Free => None,
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
            _ => self.axis_motion().expect("one-dof joint"),
        }
    }

    /// The placement of the body frame in the joint frame at configuration `q` (the joint's `nq` coordinates).
    #[inline]
    pub fn joint_transform(&self, q: DVectorView<'_, T>) -> Transform<T> {
        match self {
            JointKind::Revolute { axis } => Transform::new(axis_angle_matrix(axis, &q[0]), Vector3::zeros()),
            JointKind::Prismatic { axis } => Transform::from_translation(axis * q[0]),
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
            _ => self.axis_motion().expect("one-dof joint") * v[0],
        }
    }

    /// The projection `Sᵀ f` of a body-frame wrench on the joint's velocity coordinates, written to `out` (`nv`).
    #[inline]
    pub fn project_force(&self, f: &Force<T>, mut out: DVectorViewMut<'_, T>) {
        match self {
            JointKind::Revolute { axis } => out[0] = axis.dot(&f.angular),
            JointKind::Prismatic { axis } => out[0] = axis.dot(&f.linear),
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
        if let JointKind::Free = self {
            q[6] = T::one();
        }
    }

    /// `q ⊕ v·dt`: move the configuration along the velocity for a time `dt`, on the joint's manifold.
    ///
    /// For the free joint the position moves by `R v dt` (the body-frame velocity rotated to the parent frame) and
    /// the quaternion by the exponential map `q ⊗ exp(ω dt / 2)`, then it is renormalised. The exponential uses
    /// its Taylor series for small angles, so its derivative at `v = 0` is exact (no `0/0`).
    pub fn integrate(&self, mut q: DVectorViewMut<'_, T>, v: DVectorView<'_, T>, dt: &T) {
        match self {
            JointKind::Free => {
                let rotation = quaternion_matrix(&q[3], &q[4], &q[5], &q[6]);
                let linear = Vector3::new(v[0], v[1], v[2]);
                let dp = rotation * linear * *dt;
                for k in 0..3 {
                    q[k] += dp[k];
                }
                let w = Vector3::new(v[3], v[4], v[5]) * *dt;
                let dq = quaternion_exp(&w);
                let current = (q[3], q[4], q[5], q[6]);
                let (x, y, z, w) = quaternion_normalized(quaternion_product(&current, &dq));
                q[3] = x;
                q[4] = y;
                q[5] = z;
                q[6] = w;
            }
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
    /// at its end, `Eᵀ w`, `E = exp(ω dt)` with `ω` the angular part of `w` (which the rotation leaves unchanged).
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
    /// that step Jacobians of floating bases are expressed in.
    pub fn difference(&self, q0: DVectorView<'_, T>, q1: DVectorView<'_, T>, mut out: DVectorViewMut<'_, T>) {
        match self {
            JointKind::Free => {
                let rotation = quaternion_matrix(&q0[3], &q0[4], &q0[5], &q0[6]);
                let dp = rotation.tr_mul(&Vector3::new(q1[0] - q0[0], q1[1] - q0[1], q1[2] - q0[2]));
                let relative = quaternion_product(
                    &quaternion_conjugate(&(q0[3], q0[4], q0[5], q0[6])),
                    &(q1[3], q1[4], q1[5], q1[6]),
                );
                let dw = quaternion_log(&relative);
                for k in 0..3 {
                    out[k] = dp[k];
                    out[k + 3] = dw[k];
                }
            }
            _ => out[0] = q1[0] - q0[0],
        }
    }

    /// The same kind over another scalar type.
    pub fn lift<D: Scalar>(&self) -> JointKind<D> {
        let lift = |a: &Vector3<T>| a.map(|x| D::constant(re(&x)));
        match self {
            JointKind::Revolute { axis } => JointKind::Revolute { axis: lift(axis) },
            JointKind::Prismatic { axis } => JointKind::Prismatic { axis: lift(axis) },
            JointKind::Free => JointKind::Free,
        }
    }
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
    fn quaternion_matrix_is_a_rotation() {
        let (x, y, z, w) = (0.1_f64, -0.5, 0.3, 0.0);
        let n = (x * x + y * y + z * z + w * w).sqrt();
        let r = quaternion_matrix(&(x / n), &(y / n), &(z / n), &(w / n));
        assert_relative_eq!(r * r.transpose(), nalgebra::Matrix3::identity(), epsilon = 1e-14);
        assert_relative_eq!(r.determinant(), 1.0, epsilon = 1e-14);
    }
}
