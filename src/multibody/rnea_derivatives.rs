//! Analytic first derivatives of the Recursive Newton–Euler Algorithm.

use super::{rnea, MultibodyWorkspace};
use crate::model::Multibody;
use crate::spatial::{Force, Motion};
use crate::Scalar;
use nalgebra::{DMatrix, DVector};

/// Which input a derivative direction perturbs.
#[derive(Clone, Copy, PartialEq)]
enum Direction {
    /// `q ⊕ δ e_k`: the configuration, in the tangent space.
    Position,
    /// `v + δ e_k`.
    Velocity,
}

/// Derivatives of inverse dynamics: `∂τ/∂q` and `∂τ/∂v` of `τ = RNEA(q, v, a)` (no external forces).
///
/// One tangent (forward-mode) sweep of RNEA per input direction, written out analytically: perturbing joint `j`
/// by `δ` turns its transform into `X_j exp(S_j δ)`, so a motion seen through it changes by `−δ S_j × (X_j⁻¹ m)`
/// and a transmitted force by `δ X_j* (S_j ×* f)`. Only the subtree of `j` moves in the forward sweep and only
/// its ancestors receive force changes in the backward sweep, so the cost is O(n · depth) rather than O(n²) per
/// matrix. Generic over the scalar: run on dual numbers it gives second derivatives. The test suite checks it
/// against dual numbers pushed through [`rnea`].
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
/// Reference: Carpentier & Mansard, "Analytical derivatives of rigid body dynamics algorithms", RSS 2018
/// (a tangent sweep here, not their O(n) recursion).
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
    rnea(model, ws, q, v, a, &[]);
    for i in 0..model.n_bodies() {
        let joint = &model.joints[i];
        ws.joint_velocity[i] = joint.kind.motion(v.rows(joint.v_index, joint.kind.nv()));
        ws.momentum[i] = model.inertias[i].apply(&ws.velocity[i]);
    }
    let nv = model.nv();
    let mut dtau_dq = DMatrix::zeros(nv, nv);
    let mut dtau_dv = DMatrix::zeros(nv, nv);
    for j in 0..model.n_bodies() {
        let joint = &model.joints[j];
        for k in 0..joint.kind.nv() {
            let col = joint.v_index + k;
            // translating a floating root moves nothing RNEA sees (gravity is uniform): its columns are zero
            let root_translation = model.parent[j].is_none() && joint.kind.nv() == 6 && k < 3;
            if !root_translation {
                tangent_forward_sweep(model, ws, a, j, k, Direction::Position);
                tangent_backward_sweep(model, ws, j, k, Direction::Position, &mut dtau_dq, col);
            }
            tangent_forward_sweep(model, ws, a, j, k, Direction::Velocity);
            tangent_backward_sweep(model, ws, j, k, Direction::Velocity, &mut dtau_dv, col);
        }
    }
    (dtau_dq, dtau_dv)
}

/// Tangents of the velocities, accelerations and net forces of the subtree of body `j`.
fn tangent_forward_sweep<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    a: &DVector<T>,
    j: usize,
    k: usize,
    direction: Direction,
) {
    for i in 0..model.n_bodies() {
        let in_subtree = i == j || model.parent[i].is_some_and(|p| p >= j && ws.touched[p]);
        ws.touched[i] = in_subtree;
        if !in_subtree {
            continue;
        }
        let joint = &model.joints[i];
        let v_joint = &ws.joint_velocity[i];
        let (d_velocity, d_parent_acceleration) = if i == j {
            let s = joint.kind.subspace_column(k);
            match direction {
                Direction::Position => {
                    // X⁻¹ v_parent and X⁻¹ a_parent, recovered from the body's own quantities.
                    let v_parent = ws.velocity[i].clone() - v_joint.clone();
                    let a_parent = ws.acceleration[i].clone()
                        - joint.kind.motion(a.rows(joint.v_index, joint.kind.nv()))
                        - ws.velocity[i].cross_motion(v_joint);
                    (-s.cross_motion(&v_parent), -s.cross_motion(&a_parent))
                }
                Direction::Velocity => {
                    let extra = ws.velocity[i].cross_motion(&s);
                    (s, extra)
                }
            }
        } else {
            let p = model.parent[i].expect("a subtree body below j has a parent");
            let pose = &ws.pose_parent[i];
            (pose.inv_act_motion(&ws.d_velocity[p]), pose.inv_act_motion(&ws.d_acceleration[p]))
        };
        let d_acceleration = d_parent_acceleration + d_velocity.cross_motion(v_joint);
        let inertia = &model.inertias[i];
        let d_force = inertia.apply(&d_acceleration)
            + d_velocity.cross_force(&ws.momentum[i])
            + ws.velocity[i].cross_force(&inertia.apply(&d_velocity));
        ws.d_velocity[i] = d_velocity;
        ws.d_acceleration[i] = d_acceleration;
        ws.d_force[i] = d_force;
    }
}

/// Accumulates force tangents towards the root and projects them on the joints: column `col` of `out`.
fn tangent_backward_sweep<T: Scalar>(
    model: &Multibody<T>,
    ws: &mut MultibodyWorkspace<T>,
    j: usize,
    k: usize,
    direction: Direction,
    out: &mut DMatrix<T>,
    col: usize,
) {
    // Bodies outside the subtree of j start with zero force tangent; ancestors of j are marked as they receive one.
    for i in 0..model.n_bodies() {
        if !ws.touched[i] {
            ws.d_force[i] = Force::zero();
        }
    }
    for i in (0..model.n_bodies()).rev() {
        if !ws.touched[i] {
            continue;
        }
        let joint = &model.joints[i];
        let nv = joint.kind.nv();
        joint.kind.project_force(&ws.d_force[i], out.view_mut((joint.v_index, col), (nv, 1)).column_mut(0));
        if let Some(p) = model.parent[i] {
            let pose = &ws.pose_parent[i];
            let mut handed = pose.act_force(&ws.d_force[i]);
            if i == j && direction == Direction::Position {
                let s: Motion<T> = joint.kind.subspace_column(k);
                handed += &pose.act_force(&s.cross_force(&ws.force[i]));
            }
            ws.d_force[p] += &handed;
            ws.touched[p] = true;
        }
    }
}
