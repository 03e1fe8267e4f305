//! First derivatives of a robot's ground contact in joint space, analytically: the generalised force
//! `τ_c(q, v) = Σ J_cᵀ f_c` of [`robot_ground_contacts`](super::robot_ground_contacts) and its Jacobians with
//! respect to `q` (tangent space, as [`Multibody::integrate`](crate::model::Multibody::integrate) moves it) and `v`.
//! The step Jacobians of a robot in contact ([`crate::grad::step_jacobians`]) are built on it.
//!
//! # How
//! Everything is expressed in world axes at the world origin (Featherstone's convention): `S_k` the motion of
//! velocity coordinate `k`'s body per unit of that coordinate, `V_i` body `i`'s twist, `W = (p × f, f)` a contact's
//! wrench. A perturbation `δq_k` moves every body below joint `k` by the screw `S_k δq_k`, so
//! - a body's pose moves by the twist `ξ = J_b δq` (its Jacobian's columns are the `S_k` of its path),
//! - its twist changes by `S_k × (V_b − V_λ)` (`λ` the parent of `k`'s body; the joint axes below `k` turn with it),
//! - a path axis `S_j` below `k` changes by `S_k × S_j`, so `τ_j = S_j · W` gains `(S_k × S_j) · W`.
//!
//! The contact law needs, besides the contact point's geometry and velocity, its normal and sideways inverse
//! masses, scalars `s_e = eᵀ G e` of `G = J_p M⁻¹ J_pᵀ` (`J_p` the point's Jacobian) along the normal and two
//! tangents. With `w = M⁻¹ J_pᵀ e`,
//! `∂s_e/∂q_k = 2 eᵀ (∂J_p/∂q_k) w − wᵀ (∂M/∂q_k) w`, and `½ wᵀ (∂M/∂q_k) w` is the derivative of the kinetic
//! energy at joint velocities `w`, which is `−h_k(w) · (S_k × V_λ(w))` with `h_k(w)` the momentum of the subtree
//! below joint `k` (the inertias and axes of that subtree turn with it; the rest cancels). One solve with the
//! factored `M`, one pass down and one up the tree per scalar.
//!
//! The few numbers the law itself takes — the collider's pose (through the narrow phase: depth and contact
//! point), the body's twist and the three scalars — are differentiated by dual numbers of fifteen directions on
//! that contact alone, so the law is written once ([`link_force`]) and this file only chains.

use super::articulated::{ground_contact_points, link_force, PartnerMass};
use super::combined_friction;
use super::combined_restitution;
use crate::geometry::narrow_phase::shape_ground;
use crate::model::Model;
use crate::multibody::ldlt::{ldlt_factor, ldlt_solve};
use crate::multibody::{crba, MultibodyWorkspace};
use crate::spatial::{Force, Motion, Transform};
use crate::Result;
use nalgebra::{DMatrix, DVector, Matrix3, Matrix6, SMatrix, Vector3, Vector6};
use num_dual::{Derivative, DualSVec64};

/// The generalised ground-contact force of a robot and its first derivatives.
#[derive(Clone, Debug, PartialEq)]
pub struct GroundContactDerivatives {
    /// `τ_c = Σ J_cᵀ f_c` (`nv`): the joint-space force of the contacts.
    pub tau: DVector<f64>,
    /// `∂τ_c/∂q` (`nv × nv`), columns the tangent directions `q ⊕ δ e_k`.
    pub dtau_dq: DMatrix<f64>,
    /// `∂τ_c/∂v` (`nv × nv`).
    pub dtau_dv: DMatrix<f64>,
    /// How many contact points were active.
    pub contacts: usize,
}

/// The dual numbers the contact law is differentiated with: six directions of the collider's pose (a world twist,
/// angular then linear), six of the body's twist, three of the inverse-mass scalars.
type Local = DualSVec64<15>;

/// The generalised ground-contact force `τ_c` of robot `r` of `scene` at `(q, v)` and its exact derivatives with
/// respect to `q` and `v` (see the module documentation). Runs the kinematics into `ws`.
///
/// ```
/// use diffphys::contact::robot_ground_contact_derivatives;
/// use diffphys::model::{multibody::sample, Ground, Model, Robot};
/// use diffphys::multibody::MultibodyWorkspace;
/// let mut scene = Model::<f64>::empty(1e-3, 1.0);
/// scene.ground = Some(Ground { restitution: 0.3, ..Ground::new(1e5, 0.0, 0.9) });
/// let cube = diffphys::geometry::Shape::Box { size: nalgebra::Vector3::new(0.2, 0.2, 0.2) };
/// let mut robot = Robot::new(sample::solid_on_free_joint("cube", "body", cube, 1.0).unwrap());
/// robot.q0[2] = 0.099; // 1 mm into the ground
/// scene.add_robot(robot).unwrap();
/// let (q, v) = (scene.robots[0].q0.clone(), scene.robots[0].v0.clone());
/// let mut ws = MultibodyWorkspace::new(&scene.robots[0].multibody);
/// let d = robot_ground_contact_derivatives(&scene, 0, &mut ws, &q, &v).unwrap();
/// assert_eq!(d.contacts, 4);
/// assert!(d.tau[2] > 0.0); // the ground pushes the box up
/// assert!(d.dtau_dq[(2, 2)] < 0.0); // and pushes less the higher it stands
/// ```
///
/// # Errors
/// [`crate::Error::Numerical`] if the mass matrix is not positive definite.
///
/// # Panics
/// If `r` is not a robot of `scene` or `q`, `v` do not fit it.
pub fn robot_ground_contact_derivatives(
    scene: &Model<f64>,
    r: usize,
    ws: &mut MultibodyWorkspace<f64>,
    q: &DVector<f64>,
    v: &DVector<f64>,
) -> Result<GroundContactDerivatives> {
    let robot = &scene.robots[r];
    let model = &robot.multibody;
    let nv = model.nv();
    let mut out = GroundContactDerivatives {
        tau: DVector::zeros(nv),
        dtau_dq: DMatrix::zeros(nv, nv),
        dtau_dv: DMatrix::zeros(nv, nv),
        contacts: 0,
    };
    let found = ground_contact_points(scene, r, ws, q, v);
    let Some(ground) = &scene.ground else { return Ok(out) };
    if found.is_empty() {
        return Ok(out);
    }
    out.contacts = found.len();
    let tree = Tree::new(scene, r, ws);
    let mut factor = crba(model, ws, q);
    ldlt_factor(&mut factor)?;
    let settings = scene.settings.contact.lift::<Local>();
    let mut w = DMatrix::zeros(nv, 3);
    for (k, index, geometry) in found {
        let collider = &model.colliders[k];
        let b = collider.body.expect("ground contacts are on moving bodies");
        let path = tree.path(b);
        let (p, n) = (geometry.point, geometry.normal);
        let t1 = if n.x.abs() < 0.9 { n.cross(&Vector3::x()) } else { n.cross(&Vector3::y()) }.normalize();
        let basis = [n, t1, n.cross(&t1)];
        // w_e = M⁻¹ J_pᵀ e for the three axes, and G in world axes
        let point_column = |col: usize| tree.axes[col].linear + tree.axes[col].angular.cross(&p);
        w.fill(0.0);
        for &col in &path {
            let jp = point_column(col);
            for (m, e) in basis.iter().enumerate() {
                w[(col, m)] = jp.dot(e);
            }
        }
        let jpt_e = w.clone();
        ldlt_solve(&factor, &mut w);
        let g_basis = Matrix3::from_fn(|i, j| (0..nv).map(|c| jpt_e[(c, i)] * w[(c, j)]).sum::<f64>());
        let e_matrix = Matrix3::from_columns(&basis);
        let g = e_matrix * g_basis * e_matrix.transpose();

        // the law on this contact in local dual numbers
        let mu = combined_friction(&collider.friction, &ground.friction);
        let e = combined_restitution(&collider.restitution, &ground.restitution);
        let pose = &tree.poses[b] * &collider.placement;
        let seed = |x: f64, i: usize| {
            let mut d = SMatrix::<f64, 15, 1>::zeros();
            d[i] = 1.0;
            Local::new(x, Derivative::some(d))
        };
        let xi_angular = Vector3::from_fn(|i, _| seed(0.0, i));
        let xi_linear = Vector3::from_fn(|i, _| seed(0.0, 3 + i));
        let perturbed = Transform {
            rotation: pose.rotation.map(Local::from) + skew(&xi_angular) * pose.rotation.map(Local::from),
            translation: pose.translation.map(Local::from)
                + xi_angular.cross(&pose.translation.map(Local::from))
                + xi_linear,
        };
        let mut local = None;
        let mut counter = 0;
        shape_ground(&collider.shape.lift::<Local>(), &perturbed, 0.0, &mut |c| {
            if counter == index {
                local = Some(c);
            }
            counter += 1;
        });
        let local = local.expect("the narrow phase reports the same points on dual numbers as on real ones");
        let twist = &tree.velocity[b];
        let angular = Vector3::from_fn(|i, _| seed(twist.angular[i], 6 + i));
        let linear = Vector3::from_fn(|i, _| seed(twist.linear[i], 9 + i));
        let u = linear + angular.cross(&local.point);
        let mut g_local = g.map(Local::from);
        for (m, axis) in basis.iter().enumerate() {
            g_local += (axis * axis.transpose()).map(Local::from) * seed(0.0, 12 + m);
        }
        let none = PartnerMass { normal: Local::from(0.0), sideways: Local::from(0.0) };
        let (mu, e) = (Local::from(mu), Local::from(e));
        let f = link_force(&settings, scene.settings.dt, &local, &u, &g_local, &none, &mu, &e);
        let torque = local.point.cross(&f);
        let wrench = Vector6::new(torque.x, torque.y, torque.z, f.x, f.y, f.z);
        let w0 = Force::from_vector(&wrench.map(|x| x.re));
        let jac = SMatrix::<f64, 6, 15>::from_fn(|i, j| {
            wrench[i].eps.unwrap_generic(nalgebra::Const::<15>, nalgebra::Const::<1>)[j]
        });
        let dp_dxi = SMatrix::<f64, 3, 6>::from_fn(|i, j| {
            local.point[i].eps.unwrap_generic(nalgebra::Const::<15>, nalgebra::Const::<1>)[j]
        });
        let dw_dxi: Matrix6<f64> = jac.fixed_view::<6, 6>(0, 0).into_owned();
        let dw_dv: Matrix6<f64> = jac.fixed_view::<6, 6>(0, 6).into_owned();
        let dw_ds: SMatrix<f64, 6, 3> = jac.fixed_view::<6, 3>(0, 12).into_owned();

        // ∂s/∂q (3 × nv)
        let mut ds_dq = DMatrix::<f64>::zeros(3, nv);
        for m in 0..3 {
            let velocities = tree.velocities(&w.column(m));
            let momenta = tree.subtree_momenta(&velocities);
            for col in 0..nv {
                let c = tree.body_of[col];
                let parent = tree.parent_velocity(&velocities, c);
                ds_dq[(m, col)] = 2.0 * tree.axes[col].cross_motion(&parent).dot(&momenta[c]);
            }
            let vb = &velocities[b];
            for &col in &path {
                let c = tree.body_of[col];
                let d = tree.axes[col].cross_motion(&(vb.clone() - tree.parent_velocity(&velocities, c)));
                let dp = dp_dxi * tree.axes[col].to_vector();
                let d_point_velocity = d.linear + d.angular.cross(&p) + vb.angular.cross(&dp);
                ds_dq[(m, col)] += 2.0 * basis[m].dot(&d_point_velocity);
            }
        }
        let mut dw_dq = DMatrix::<f64>::zeros(6, nv);
        dw_dq += DMatrix::from_iterator(6, 3, dw_ds.iter().copied()) * &ds_dq;
        let mut dw_dvel = DMatrix::<f64>::zeros(6, nv);
        for &col in &path {
            let s = tree.axes[col].to_vector();
            let c = tree.body_of[col];
            let moved = tree.axes[col].cross_motion(&(twist.clone() - tree.parent_velocity(&tree.velocity, c)));
            let column = dw_dxi * s + dw_dv * moved.to_vector();
            for i in 0..6 {
                dw_dq[(i, col)] += column[i];
            }
            dw_dvel.set_column(col, &(dw_dv * s));
        }
        // τ_j = S_j · W on the path
        for &j in &path {
            let sj = tree.axes[j].to_vector();
            out.tau[j] += sj.dot(&w0.to_vector());
            for col in 0..nv {
                out.dtau_dq[(j, col)] += (0..6).map(|i| sj[i] * dw_dq[(i, col)]).sum::<f64>();
            }
            for &col in &path {
                out.dtau_dv[(j, col)] += (0..6).map(|i| sj[i] * dw_dvel[(i, col)]).sum::<f64>();
                if tree.body_of[col] <= tree.body_of[j] {
                    out.dtau_dq[(j, col)] += tree.axes[col].cross_motion(&tree.axes[j]).dot(&w0);
                }
            }
        }
    }
    Ok(out)
}

/// `[a]×`, the matrix of `a × ·`.
fn skew<T: crate::Scalar>(a: &Vector3<T>) -> Matrix3<T> {
    Matrix3::new(T::zero(), -a.z, a.y, a.z, T::zero(), -a.x, -a.y, a.x, T::zero())
}

/// A robot's kinematics in world axes at the world origin, from the last kinematics pass.
struct Tree<'a> {
    parent: &'a [Option<usize>],
    /// World placement of every body.
    poses: Vec<Transform<f64>>,
    /// `S_k` of every velocity coordinate.
    axes: Vec<Motion<f64>>,
    /// The body each velocity coordinate moves.
    body_of: Vec<usize>,
    /// Every body's twist.
    velocity: Vec<Motion<f64>>,
    /// Every body's spatial inertia in world axes, `[angular; linear]`.
    inertia: Vec<Matrix6<f64>>,
}

impl<'a> Tree<'a> {
    fn new(scene: &'a Model<f64>, r: usize, ws: &MultibodyWorkspace<f64>) -> Self {
        let robot = &scene.robots[r];
        let model = &robot.multibody;
        let poses: Vec<Transform<f64>> = (0..model.n_bodies()).map(|i| &robot.base * ws.pose_world(i)).collect();
        let mut axes = vec![Motion::zero(); model.nv()];
        let mut body_of = vec![0; model.nv()];
        for (i, joint) in model.joints.iter().enumerate() {
            for k in 0..joint.kind.nv() {
                axes[joint.v_index + k] = poses[i].act_motion(&joint.kind.subspace_column(k));
                body_of[joint.v_index + k] = i;
            }
        }
        let velocity = (0..model.n_bodies()).map(|i| poses[i].act_motion(ws.velocity_body(i))).collect();
        let inertia =
            (0..model.n_bodies()).map(|i| poses[i].act_inertia_matrix(&model.inertias[i].to_matrix())).collect();
        Tree { parent: &model.parent, poses, axes, body_of, velocity, inertia }
    }

    /// The velocity coordinates on the path from body `b` to the root.
    fn path(&self, b: usize) -> Vec<usize> {
        (0..self.axes.len()).filter(|&col| self.is_ancestor_or_self(self.body_of[col], b)).collect()
    }

    fn is_ancestor_or_self(&self, a: usize, mut b: usize) -> bool {
        loop {
            if a == b {
                return true;
            }
            match self.parent[b] {
                Some(p) if p >= a => b = p,
                _ => return false,
            }
        }
    }

    /// The twist of the parent of body `c` (zero for the root's parent).
    fn parent_velocity(&self, velocities: &[Motion<f64>], c: usize) -> Motion<f64> {
        self.parent[c].map_or_else(Motion::zero, |p| velocities[p].clone())
    }

    /// Every body's twist under joint velocities `w`.
    fn velocities(&self, w: &nalgebra::DVectorView<'_, f64>) -> Vec<Motion<f64>> {
        let mut out: Vec<Motion<f64>> = vec![Motion::zero(); self.poses.len()];
        let mut own = vec![Motion::zero(); self.poses.len()];
        for (col, axis) in self.axes.iter().enumerate() {
            own[self.body_of[col]] += &(axis.clone() * w[col]);
        }
        for i in 0..self.poses.len() {
            out[i] = self.parent_velocity(&out, i) + own[i].clone();
        }
        out
    }

    /// The momentum of the subtree below (and including) every body under the given body twists.
    fn subtree_momenta(&self, velocities: &[Motion<f64>]) -> Vec<Force<f64>> {
        let mut h: Vec<Force<f64>> =
            velocities.iter().zip(&self.inertia).map(|(v, i)| Force::from_vector(&(i * v.to_vector()))).collect();
        for i in (0..h.len()).rev() {
            if let Some(p) = self.parent[i] {
                let hi = h[i].clone();
                h[p] += &hi;
            }
        }
        h
    }
}
