//! Scratch buffers for the multibody algorithms.

use super::ldlt::TreeSparsity;
use super::rnea_derivatives::VelocityProduct;
use crate::model::Multibody;
use crate::spatial::{Force, Inertia, Motion, Transform};
use crate::Scalar;
use nalgebra::{Matrix3, Matrix6, Matrix6x3, Vector3, Vector6};

/// Per-body scratch space for [`forward_kinematics`](super::forward_kinematics), [`rnea`](super::rnea),
/// [`crba`](super::crba), [`aba`](super::aba) and the energies. Create it once per model and scalar type and
/// reuse it: the algorithms overwrite every entry they read, so a second call gives the same answer, and none of
/// them allocates except for the vector or matrix it returns.
///
/// After [`forward_kinematics`](super::forward_kinematics) (or any algorithm that runs it), the placements and
/// velocities of the bodies can be read with [`MultibodyWorkspace::pose_world`] and
/// [`MultibodyWorkspace::velocity_body`].
#[derive(Clone, Debug)]
pub struct MultibodyWorkspace<T: Scalar> {
    /// Placement of body `i` in its parent's frame.
    pub(crate) pose_parent: Vec<Transform<T>>,
    /// Placement of body `i` in the root frame.
    pub(crate) pose_world: Vec<Transform<T>>,
    /// Twist of body `i`, in its own frame.
    pub(crate) velocity: Vec<Motion<T>>,
    /// Spatial acceleration of body `i` (gravity included as a base acceleration), in its own frame.
    pub(crate) acceleration: Vec<Motion<T>>,
    /// Velocity-product acceleration `v_i × S q̇_i`.
    pub(crate) bias_acceleration: Vec<Motion<T>>,
    /// Net force on body `i` (RNEA) or articulated bias force (ABA), in its own frame.
    pub(crate) force: Vec<Force<T>>,
    /// Articulated-body inertia of body `i` (ABA), `[angular; linear]` order.
    pub(crate) articulated: Vec<Matrix6<T>>,
    /// `U = I^A S` of body `i` (one column; the free joint keeps its factor in `free_factor`).
    pub(crate) u_column: Vec<Vector6<T>>,
    /// `1 / D` with `D = Sᵀ U + armature` (one-degree-of-freedom joints).
    pub(crate) d_inv: Vec<T>,
    /// `u = τ − Sᵀ p^A` (one-degree-of-freedom joints).
    pub(crate) u_torque: Vec<T>,
    /// LDLᵀ factor of a free joint's articulated inertia and its `u`, indexed by body.
    pub(crate) free_factor: Vec<Matrix6<T>>,
    pub(crate) free_u: Vec<Vector6<T>>,
    /// A spherical joint's `U = I^A S` (the angular columns), the `LᵀDL` factor of `D = Sᵀ U + armature` and
    /// `u = τ − Sᵀ p^A`, indexed by body.
    pub(crate) ball_u: Vec<Matrix6x3<T>>,
    pub(crate) ball_factor: Vec<Matrix3<T>>,
    pub(crate) ball_torque: Vec<Vector3<T>>,
    /// Composite rigid-body inertia of the subtree of body `i` (CRBA).
    pub(crate) composite: Vec<Inertia<T>>,
    /// The sparsity of the model's mass matrix, and of a dense 6 × 6 (a free joint's articulated inertia).
    pub(crate) mass_sparsity: TreeSparsity,
    pub(crate) dense_6: TreeSparsity,
    pub(crate) dense_3: TreeSparsity,
    /// The velocity coordinates of every body's subtree, its own included (RNEA derivatives).
    pub(crate) subtree_coordinates: Vec<Vec<usize>>,
    /// Root-frame quantities of the derivative sweep (RNEA and ABA derivatives).
    pub(crate) sweep: SweepScratch<T>,
}

/// Root-frame buffers of the RNEA-derivative sweep: per body its inertia, the composite inertia and
/// velocity-product map of its subtree, its twist, acceleration, force, bias force (composite in the first round)
/// and acceleration offset `Σ S q̈` along its path; per velocity coordinate its axis and the changes of velocity,
/// acceleration and force a perturbation of it causes. Sized once, overwritten by every sweep.
#[derive(Clone, Debug)]
pub(crate) struct SweepScratch<T: Scalar> {
    pub(crate) bodies: Vec<Inertia<T>>,
    pub(crate) composite: Vec<Matrix6<T>>,
    pub(crate) variation: Vec<VelocityProduct<T>>,
    pub(crate) twist: Vec<Motion<T>>,
    pub(crate) accel: Vec<Motion<T>>,
    pub(crate) force: Vec<Force<T>>,
    pub(crate) bias_force: Vec<Force<T>>,
    pub(crate) offset: Vec<Motion<T>>,
    pub(crate) axis: Vec<Motion<T>>,
    pub(crate) dv_dq: Vec<Motion<T>>,
    pub(crate) da_dq: Vec<Motion<T>>,
    pub(crate) da_dv: Vec<Motion<T>>,
    pub(crate) df_da: Vec<Force<T>>,
    pub(crate) dyt_j: Vec<Force<T>>,
    pub(crate) df_dq: Vec<Force<T>>,
    pub(crate) df_dv: Vec<Force<T>>,
}

impl<T: Scalar> SweepScratch<T> {
    fn new(n_bodies: usize, nv: usize) -> Self {
        let (bodies_m, bodies_f) = (vec![Motion::zero(); n_bodies], vec![Force::zero(); n_bodies]);
        let (coords_m, coords_f) = (vec![Motion::zero(); nv], vec![Force::zero(); nv]);
        SweepScratch {
            bodies: vec![Inertia::zero(); n_bodies],
            composite: vec![Matrix6::zeros(); n_bodies],
            variation: vec![VelocityProduct::zero(); n_bodies],
            twist: bodies_m.clone(),
            accel: bodies_m.clone(),
            force: bodies_f.clone(),
            bias_force: bodies_f,
            offset: bodies_m,
            axis: coords_m.clone(),
            dv_dq: coords_m.clone(),
            da_dq: coords_m.clone(),
            da_dv: coords_m,
            df_da: coords_f.clone(),
            dyt_j: coords_f.clone(),
            df_dq: coords_f.clone(),
            df_dv: coords_f,
        }
    }
}

impl<T: Scalar> MultibodyWorkspace<T> {
    /// The number of bodies the buffers are sized for.
    pub fn n_bodies(&self) -> usize {
        self.pose_parent.len()
    }

    /// Buffers sized for `model`.
    pub fn new(model: &Multibody<T>) -> Self {
        let n = model.n_bodies();
        MultibodyWorkspace {
            pose_parent: vec![Transform::identity(); n],
            pose_world: vec![Transform::identity(); n],
            velocity: vec![Motion::zero(); n],
            acceleration: vec![Motion::zero(); n],
            bias_acceleration: vec![Motion::zero(); n],
            force: vec![Force::zero(); n],
            articulated: vec![Matrix6::zeros(); n],
            u_column: vec![Vector6::zeros(); n],
            d_inv: vec![T::zero(); n],
            u_torque: vec![T::zero(); n],
            free_factor: vec![Matrix6::zeros(); n],
            free_u: vec![Vector6::zeros(); n],
            ball_u: vec![Matrix6x3::zeros(); n],
            ball_factor: vec![Matrix3::zeros(); n],
            ball_torque: vec![Vector3::zeros(); n],
            composite: vec![Inertia::zero(); n],
            mass_sparsity: TreeSparsity::new(&model.velocity_parents()),
            dense_6: TreeSparsity::dense(6),
            dense_3: TreeSparsity::dense(3),
            subtree_coordinates: subtree_coordinates(model),
            sweep: SweepScratch::new(n, model.nv()),
        }
    }

    /// The sparsity of the model's joint-space mass matrix, for [`ltdl_factor`](super::ldlt::ltdl_factor).
    pub fn mass_sparsity(&self) -> &TreeSparsity {
        &self.mass_sparsity
    }

    /// Placement of body `i` in the root frame, as of the last kinematics pass.
    pub fn pose_world(&self, i: usize) -> &Transform<T> {
        &self.pose_world[i]
    }

    /// Twist of body `i` in its own frame, as of the last kinematics pass.
    pub fn velocity_body(&self, i: usize) -> &Motion<T> {
        &self.velocity[i]
    }

    /// Spatial acceleration of body `i` in its own frame, as of the last [`rnea`](super::rnea) or
    /// [`aba`](super::aba). Gravity enters as an upward acceleration of the root, so at rest this is `−g`
    /// expressed in the body.
    pub fn acceleration_body(&self, i: usize) -> &Motion<T> {
        &self.acceleration[i]
    }
}

/// The velocity coordinates of every body's subtree (its own included), by body.
fn subtree_coordinates<T: Scalar>(model: &Multibody<T>) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); model.n_bodies()];
    for (b, joint) in model.joints.iter().enumerate() {
        for c in joint.v_index..joint.v_index + joint.kind.nv() {
            let mut up = Some(b);
            while let Some(i) = up {
                out[i].push(c);
                up = model.parent[i];
            }
        }
    }
    out
}
