//! Analytic first derivatives of the Recursive Newton–Euler Algorithm.

use super::kinematics::{gravity_as_base_acceleration, joint_pose};
use super::workspace::SweepScratch;
use super::MultibodyWorkspace;
use crate::model::Multibody;
use crate::scalar::mat_mul;
use crate::spatial::{skew, Force, Motion};
use crate::Scalar;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// Derivatives of inverse dynamics: `∂τ/∂q` and `∂τ/∂v` of `τ = RNEA(q, v, a)` (no external forces).
///
/// Carpentier and Mansard's recursion, in the root frame: one forward pass collects every body's twist `V`,
/// acceleration `A` (gravity as an upward base acceleration), inertia `Y`, momentum `h = Y V`, net force
/// `F = Y A + V ×* h`, and for every velocity coordinate its axis `S` with `Ṡ = V × S`, the change of the
/// subtree's velocity relative to the moving joint `∂V = V_λ × S` and acceleration `∂A = A_λ × S + V_λ × ∂V`.
/// A perturbation of coordinate `k` rotates the subtree of `k` rigidly by `S_k` (which leaves the torques of the
/// subtree's joints unchanged, axes and forces turning together, and turns the force handed to the ancestors by
/// `S_k ×* F`) and changes its velocities and accelerations uniformly by `∂V`, `∂A`, which enter every body's
/// force through `Y` and through the velocity product, `B(V) δV = δV ×* h + V ×* Y δV − Y (V × δV)`. Backward
/// passes accumulate the subtree's composite `Y`, `B` and `F`; each entry of `∂τ/∂q`, `∂τ/∂v` is then one
/// 6-vector product, O(n · depth) in all. For one rigid body `B` has only three non-zero columns,
/// `B = [[X, 0], [−2 [f]×, 0]]` with `f` the linear momentum, and so has every composite. Generic over the scalar: run on dual numbers it gives second
/// derivatives. The test suite checks it against dual numbers pushed through [`rnea`](super::rnea).
///
/// # Arguments
/// - `q`: configuration (`nq`); `v`: velocities (`nv`); `a`: accelerations (`nv`).
///
/// # Returns
/// `(∂τ/∂q, ∂τ/∂v)`, both `nv × nv`; column `k` is the derivative along velocity coordinate `k` (for a free
/// joint, `q ⊕ δ e_k` in the tangent space, as [`Multibody::integrate`] moves it).
///
/// # Panics
/// If a vector has the wrong length.
///
/// Reference: Carpentier & Mansard, "Analytical derivatives of rigid body dynamics algorithms", RSS 2018.
///
/// ```
/// use diffphys::multibody::{rnea_derivatives, MultibodyWorkspace};
/// use diffphys::model::multibody::sample;
/// use nalgebra::DVector;
/// let model = sample::double_pendulum();
/// let mut ws = MultibodyWorkspace::new(&model);
/// let (dtau_dq, dtau_dv) = rnea_derivatives(&model, &mut ws, &DVector::zeros(2), &DVector::zeros(2), &DVector::zeros(2));
/// // Hanging straight down the gravity torque has slope m g ℓ_c summed over what each joint carries.
/// assert!((dtau_dq[(0, 0)] - 9.81 * (0.5 + 1.5)).abs() < 1e-12);
/// assert!(dtau_dv.norm() < 1e-15); // at rest, no velocity dependence to first order
/// ```
pub fn rnea_derivatives<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
    a: &DVector<T>,
) -> (DMatrix<T>, DMatrix<T>) {
    assert_eq!(
        (q.len(), v.len(), a.len()),
        (model.nq(), model.nv(), model.nv()),
        "rnea_derivatives: q needs nq, v and a nv"
    );
    let FirstRound { dtau_dv, .. } = sweep_first_round(model, ws, q, v);
    (sweep_second_round(model, ws, a), dtau_dv)
}

/// What the first round of the sweep gives: `M(q)` (armature on the diagonal), `b = RNEA(q, v, 0)` and `∂τ/∂v`
/// (which does not depend on the accelerations).
pub(crate) struct FirstRound<T: Scalar> {
    pub mass: DMatrix<T>,
    pub bias: DVector<T>,
    pub dtau_dv: DMatrix<T>,
}

/// The first round of Carpentier and Mansard's sweep in the root frame: kinematics, each body's inertia, momentum
/// and bias force at `q̈ = 0`, every coordinate's axis; then, leaves to root, the composites `Y_c`, `B_c`, the mass
/// matrix `M_rc = S_rᵀ Y_c S_c`, the bias `b = RNEA(q, v, 0)` and `∂τ/∂v`. So the derivatives of ABA need neither
/// [`aba`](super::aba) nor [`crba`](super::crba): `q̈ = M⁻¹ (τ − b)` from these. Leaves in `ws` what
/// [`sweep_second_round`] needs, and every body's placement ([`MultibodyWorkspace::pose_world`]); allocates only
/// the returned matrices. Any algorithm may
/// run on `ws` in between: the sweep's buffers are its own.
pub(crate) fn sweep_first_round<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    q: &DVector<T>,
    v: &DVector<T>,
) -> FirstRound<T> {
    let (n, nv) = (model.n_bodies(), model.nv());
    let base = gravity_as_base_acceleration(model);
    let MultibodyWorkspace { pose_parent, pose_world, subtree_coordinates, sweep, .. } = ws;
    let SweepScratch {
        bodies,
        composite,
        variation,
        twist,
        accel,
        force,
        bias_force,
        axis,
        dv_dq,
        da_dv,
        df_da,
        dyt_j,
        df_dv,
        ..
    } = sweep;
    // round 1, forward: root-frame kinematics at q̈ = 0 (gravity as a base acceleration)
    for i in 0..n {
        let joint = &model.joints[i];
        pose_parent[i] = joint_pose(model, i, q);
        let x = match model.parent[i] {
            Some(p) => &pose_world[p] * &pose_parent[i],
            None => pose_parent[i].clone(),
        };
        let joint_twist = x.act_motion(&joint.kind.motion(v.rows(joint.v_index, joint.kind.nv())));
        let (parent_twist, parent_accel) = match model.parent[i] {
            Some(p) => (twist[p].clone(), accel[p].clone()),
            None => (Motion::zero(), base.clone()),
        };
        let ov = parent_twist.clone() + joint_twist.clone();
        // Ṡ q̇ = V × S q̇
        let oa = parent_accel + ov.cross_motion(&joint_twist);
        let body = model.inertias[i].transformed(&x);
        let h = body.apply(&ov);
        let f = body.apply(&oa) + ov.cross_force(&h);
        variation[i] = VelocityProduct::new(&body, &ov, &h);
        composite[i] = body.to_matrix();
        for k in 0..joint.kind.nv() {
            let c = joint.v_index + k;
            let s = x.act_motion(&joint.kind.subspace_column(k));
            let dv = parent_twist.cross_motion(&s);
            da_dv[c] = ov.cross_motion(&s) + dv.clone();
            dv_dq[c] = dv;
            axis[c] = s;
        }
        pose_world[i] = x;
        bodies[i] = body;
        twist[i] = ov;
        accel[i] = oa;
        bias_force[i] = f.clone();
        force[i] = f;
    }
    // round 1, backward: composites, M, b and ∂τ/∂v
    let mut dtau_dv = DMatrix::zeros(nv, nv);
    let mut mass = DMatrix::zeros(nv, nv);
    let mut bias = DVector::zeros(nv);
    for i in (0..n).rev() {
        let joint = &model.joints[i];
        let own = joint.v_index..joint.v_index + joint.kind.nv();
        let (y, b) = (&composite[i], &variation[i]);
        for c in own.clone() {
            let s = &axis[c];
            df_da[c] = Force::from_vector(&mat_mul(y, &s.to_vector()));
            dyt_j[c] = b.transpose_apply(s);
            df_dv[c] = b.apply(s) + Force::from_vector(&mat_mul(y, &da_dv[c].to_vector()));
        }
        for r in own.clone() {
            for &c in &subtree_coordinates[i] {
                let m = axis[r].dot(&df_da[c]);
                mass[(r, c)] = m;
                mass[(c, r)] = m;
                dtau_dv[(r, c)] = axis[r].dot(&df_dv[c]);
            }
            mass[(r, r)] += joint.armature;
            bias[r] = axis[r].dot(&bias_force[i]);
        }
        for &r in subtree_coordinates[i].iter().filter(|&&r| !own.contains(&r)) {
            for c in own.clone() {
                dtau_dv[(r, c)] = da_dv[c].dot(&df_da[r]) + axis[c].dot(&dyt_j[r]);
            }
        }
        if let Some(p) = model.parent[i] {
            let (yi, bi, fi) = (composite[i], variation[i].clone(), bias_force[i].clone());
            composite[p] += yi;
            variation[p].add(&bi);
            bias_force[p] += &fi;
        }
    }
    FirstRound { mass, bias, dtau_dv }
}

/// The second round of the sweep, after [`sweep_first_round`] on the same `ws`: every body's acceleration and
/// force at the joint accelerations `ddq` and every coordinate's `∂A/∂q`; then, leaves to root, `∂τ/∂q`.
pub(crate) fn sweep_second_round<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    ddq: &DVector<T>,
) -> DMatrix<T> {
    let (n, nv) = (model.n_bodies(), model.nv());
    let base = gravity_as_base_acceleration(model);
    let MultibodyWorkspace { subtree_coordinates, sweep, .. } = ws;
    let SweepScratch {
        bodies,
        composite,
        variation,
        twist,
        accel,
        force,
        offset,
        axis,
        dv_dq,
        da_dq,
        df_da,
        dyt_j,
        df_dq,
        ..
    } = sweep;
    let mut dtau_dq = DMatrix::zeros(nv, nv);
    // round 2, forward: accelerations and forces at q̈, ∂A/∂q
    for i in 0..n {
        let joint = &model.joints[i];
        let mut delta = match model.parent[i] {
            Some(p) => offset[p].clone(),
            None => Motion::zero(),
        };
        for k in 0..joint.kind.nv() {
            let c = joint.v_index + k;
            delta += &(axis[c].clone() * ddq[c]);
        }
        let (parent_twist, parent_accel) = match model.parent[i] {
            Some(p) => (&twist[p], &accel[p]),
            None => (&Motion::zero(), &base),
        };
        for c in joint.v_index..joint.v_index + joint.kind.nv() {
            da_dq[c] = parent_accel.cross_motion(&axis[c]) + parent_twist.cross_motion(&dv_dq[c]);
        }
        force[i] += &bodies[i].apply(&delta);
        accel[i] += &delta;
        offset[i] = delta;
    }
    // round 2, backward: ∂τ/∂q
    for i in (0..n).rev() {
        let joint = &model.joints[i];
        let own = joint.v_index..joint.v_index + joint.kind.nv();
        let (y, b) = (&composite[i], &variation[i]);
        for c in own.clone() {
            df_dq[c] = b.apply(&dv_dq[c]) + Force::from_vector(&mat_mul(y, &da_dq[c].to_vector()));
        }
        for r in own.clone() {
            for &c in &subtree_coordinates[i] {
                dtau_dq[(r, c)] = axis[r].dot(&df_dq[c]);
            }
        }
        for &r in subtree_coordinates[i].iter().filter(|&&r| !own.contains(&r)) {
            for c in own.clone() {
                dtau_dq[(r, c)] = da_dq[c].dot(&df_da[r]) + dv_dq[c].dot(&dyt_j[r]);
            }
        }
        // what the ancestors see: the subtree's force turning with the coordinate
        for c in own {
            df_dq[c] += &axis[c].cross_force(&force[i]);
        }
        if let Some(p) = model.parent[i] {
            let fi = force[i].clone();
            force[p] += &fi;
        }
    }
    dtau_dq
}

/// `B(V)`, the map `δV ↦ δV ×* h + V ×* Y δV − Y (V × δV)` (`h = Y V`): the change of a body's force
/// `Y A + V ×* Y V` when its twist changes by `δV` and its acceleration by `δV × V` (the part of `δA` that varies
/// along a subtree moved by one coordinate).
///
/// For one rigid body of mass `m`, centre of mass `c` and `Y = [[A, m [c]×], [−m [c]×, m 1]]` (root frame,
/// `[angular; linear]`), writing `V = (ω, v)`, `h = (n, f)` with `f = m (v + ω × c)`, the blocks reduce by
/// `[a]× [b]× − [b]× [a]× = [a × b]×` to
/// `B = [[X, 0], [−2 [f]×, 0]]`, `X = [ω]× A − A [ω]× − m ([v]× [c]× + [c]× [v]×) − [n]×`:
/// a linear change of twist changes no force. Sums of such maps keep the form, so a composite is `(ΣX, Σf)`.
#[derive(Clone, Debug)]
pub(crate) struct VelocityProduct<T: Scalar> {
    x: Matrix3<T>,
    momentum: Vector3<T>,
}

impl<T: Scalar> VelocityProduct<T> {
    /// The zero map.
    pub(crate) fn zero() -> Self {
        VelocityProduct { x: Matrix3::zeros(), momentum: Vector3::zeros() }
    }

    /// `B(V)` of one body with root-frame inertia `body`, twist `twist` and momentum `h`.
    fn new(body: &crate::spatial::Inertia<T>, twist: &Motion<T>, h: &Force<T>) -> Self {
        let (w, v, c, m) = (&twist.angular, &twist.linear, &body.com, body.mass);
        let cx = skew(c);
        let a = body.rotational - mat_mul(&cx, &cx) * m;
        let vx = skew(v);
        let x = skew_times(w, &a) - times_skew(&a, w) - (mat_mul(&vx, &cx) + mat_mul(&cx, &vx)) * m - skew(&h.angular);
        VelocityProduct { x, momentum: h.linear }
    }

    fn add(&mut self, other: &Self) {
        self.x += other.x;
        self.momentum += other.momentum;
    }

    /// `B δV`.
    fn apply(&self, dv: &Motion<T>) -> Force<T> {
        let w = &dv.angular;
        Force::new(mat_mul(&self.x, w), -self.momentum.cross(w) * T::from(2.0))
    }

    /// `Bᵀ s`, as a force (it pairs with motions).
    fn transpose_apply(&self, s: &Motion<T>) -> Force<T> {
        let angular = self.x.tr_mul(&s.angular) + self.momentum.cross(&s.linear) * T::from(2.0);
        Force::new(angular, Vector3::zeros())
    }
}

/// `[w]× m`: every column crossed with `w` from the left.
#[inline]
fn skew_times<T: Scalar>(w: &Vector3<T>, m: &Matrix3<T>) -> Matrix3<T> {
    let columns = [0, 1, 2].map(|j| w.cross(&m.column(j).into_owned()));
    Matrix3::from_columns(&columns)
}

/// `m [w]×`: row `i` is `m_i × w` (as `m_iᵀ [w]× = (m_i × w)ᵀ`).
#[inline]
fn times_skew<T: Scalar>(m: &Matrix3<T>, w: &Vector3<T>) -> Matrix3<T> {
    let rows = [0, 1, 2].map(|i| m.row(i).transpose().cross(w).transpose());
    Matrix3::from_rows(&rows)
}
