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
//! The law itself ([`point_contact_force`]) is differentiated by dual numbers of six directions on that contact alone
//! (depth, the point's velocity, the normal and the sideways inverse mass — the law sees `G` only through `nᵀ G n`
//! and its trace), and the narrow phase by dual numbers of the collider pose's six directions, so both are written
//! once and this file only chains.

use super::articulated::ground_contact_points;
use super::combined_friction;
use super::combined_restitution;
use super::{onset_speed, point_contact_force, ContactMemory};
use super::{recall_anchor_index, AnchorPair, FrictionAnchor, Partner};
use crate::geometry::narrow_phase::shape_ground;
use crate::geometry::{ContactGeometry, Shape};
use crate::model::Model;
use crate::model::{bounding_radius, FrictionLaw};
use crate::multibody::ldlt::{ltdl_factor, ltdl_inverse};
use crate::multibody::{crba, MultibodyWorkspace};
use crate::spatial::{skew, Force, Motion, Transform};
use crate::Result;
use nalgebra::{Const, DMatrix, DVector, Matrix3, Matrix4, Matrix6, SMatrix, SVector, Vector3, Vector4, Vector6};
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
    /// The contacts' memories and their derivatives, one entry per contact in the order the step keeps them
    /// (before it sorts them by pair); empty unless asked for.
    pub memory: Vec<MemoryDerivatives>,
}

/// What one contact remembers after the step (its anchor's stretch and its onset speed, [`FrictionAnchor`]) and
/// the first derivatives of that memory and of the contact's joint-space force with respect to the state: `q`
/// (tangent directions), `v`, and the memory the contact recalled from the state.
///
/// The memory's four numbers are laid out as [`State::values`](crate::sim::State::values) lays out an anchor's:
/// the stretch's three components (m), then the onset speed (m/s).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryDerivatives {
    /// The contact's pair.
    pub pair: AnchorPair,
    /// The contact point in the axes of its link's body (m), as the step keeps it.
    pub local_point: Vector3<f64>,
    /// The index in the state's anchors of the anchor the contact recalled; `None` for a new contact.
    pub recalled: Option<usize>,
    /// The memory after the step: stretch, onset speed.
    pub value: Vector4<f64>,
    /// `∂memory/∂q` (`4 × nv`, tangent directions).
    pub dmemory_dq: DMatrix<f64>,
    /// `∂memory/∂v` (`4 × nv`).
    pub dmemory_dv: DMatrix<f64>,
    /// `∂memory/∂(recalled memory)` (zero for a new contact).
    pub dmemory_drecalled: Matrix4<f64>,
    /// `∂τ_c/∂(recalled memory)` (`nv × 4`, zero for a new contact).
    pub dtau_drecalled: DMatrix<f64>,
}

/// The directions the contact law is differentiated along: the depth, the three components of the point's
/// velocity, the normal and the sideways inverse-mass scalars and, when the memory's derivatives are asked for, the
/// recalled anchor's stretch (three) and onset speed.
const LAW_DIRECTIONS: usize = 10;

/// Derivatives along the law's directions (the memory's columns zero when they were not asked for).
type LawJacobian<const R: usize> = SMatrix<f64, R, LAW_DIRECTIONS>;

/// The dual numbers of a collider's pose: a world twist, angular then linear.
type Pose = DualSVec64<6>;

/// `x` varying along direction `i` of `N` (constant when `i ≥ N`).
fn along<const N: usize>(x: f64, i: usize) -> DualSVec64<N> {
    DualSVec64::new(x, Derivative::some(SVector::<f64, N>::from_fn(|j, _| f64::from(i == j))))
}

/// The derivatives of the dual number `x` along its `N` directions, as a row of [`LawJacobian`].
fn law_row<const N: usize>(x: &DualSVec64<N>) -> LawJacobian<1> {
    let eps = x.eps.unwrap_generic(Const::<N>, Const::<1>);
    LawJacobian::<1>::from_fn(|_, j| if j < N { eps[j] } else { 0.0 })
}

/// What [`contact_law`] needs of one contact, in `f64`.
struct LawInput<'a> {
    geometry: &'a ContactGeometry<f64>,
    /// The point's velocity.
    u: Vector3<f64>,
    /// `G` in world axes.
    g: Matrix3<f64>,
    /// Normal, first tangent.
    normal: Vector3<f64>,
    tangent: Vector3<f64>,
    friction: f64,
    restitution: f64,
    /// The recalled stretch and onset speed, `None` for a new contact.
    recalled: Option<(Vector3<f64>, f64)>,
}

/// The contact law's force, and the memory it keeps, with their derivatives along the law's directions.
struct LawOutput {
    force: Vector3<f64>,
    dforce: LawJacobian<3>,
    memory: Vector4<f64>,
    dmemory: LawJacobian<4>,
}

/// The contact law ([`point_contact_force`]) at one contact on dual numbers of `N` directions (6, or 10 with the
/// memory's): the law is written once, and this is how its derivatives are read.
fn contact_law<const N: usize>(scene: &Model<f64>, x: &LawInput<'_>) -> LawOutput {
    type D<const N: usize> = DualSVec64<N>;
    let settings = scene.settings.contact.lift::<D<N>>();
    let anchored = scene.settings.contact.friction_law == FrictionLaw::Anchored;
    let local = ContactGeometry {
        normal: x.geometry.normal.map(D::<N>::from),
        point: x.geometry.point.map(D::<N>::from),
        distance: along::<N>(x.geometry.distance, 0),
    };
    let u_local = Vector3::from_fn(|i, _| along::<N>(x.u[i], 1 + i));
    // along one tangent: the law sees G through nᵀ G n and tr G, so the other tangent's derivative is the same
    let (normal_part, tangential_part) = (x.normal * x.normal.transpose(), x.tangent * x.tangent.transpose());
    let g_local = x.g.map(D::<N>::from)
        + normal_part.map(D::<N>::from) * along::<N>(0.0, 4)
        + tangential_part.map(D::<N>::from) * along::<N>(0.0, 5);
    let (mu, e) = (D::<N>::from(x.friction), D::<N>::from(x.restitution));
    // what the contact remembers, recalled as the step does and seeded; a new contact's onset speed follows from
    // its depth and velocity, and is differentiated
    let (mut stretch, onset) = match x.recalled {
        Some((stretch, onset)) => (Vector3::from_fn(|i, _| along::<N>(stretch[i], 6 + i)), along::<N>(onset, 9)),
        None => {
            let gravity = scene.settings.gravity.map(D::<N>::from);
            (Vector3::zeros(), onset_speed(&local, &u_local, &gravity, scene.settings.dt))
        }
    };
    let memory = ContactMemory { onset_speed: onset, stretch: anchored.then_some(&mut stretch) };
    let f = point_contact_force(&settings, &local, &u_local, &g_local, &mu, &e, scene.settings.dt, memory);
    let kept = [stretch.x, stretch.y, stretch.z, onset];
    LawOutput {
        force: f.map(|x| x.re),
        dforce: LawJacobian::<3>::from_rows(&[law_row(&f.x), law_row(&f.y), law_row(&f.z)]),
        memory: Vector4::from_fn(|i, _| kept[i].re),
        dmemory: LawJacobian::<4>::from_rows(&[
            law_row(&kept[0]),
            law_row(&kept[1]),
            law_row(&kept[2]),
            law_row(&kept[3]),
        ]),
    }
}

/// `∂p/∂ξ` and `∂d/∂ξ` of the `index`-th ground contact point of `shape` at `pose` (its point and signed distance)
/// for the pose moved by the world twist `ξ`.
fn geometry_derivatives(
    shape: &Shape<f64>,
    pose: &Transform<f64>,
    index: usize,
) -> (SMatrix<f64, 3, 6>, SMatrix<f64, 1, 6>) {
    let angular = Vector3::from_fn(|i, _| along::<6>(0.0, i));
    let linear = Vector3::from_fn(|i, _| along::<6>(0.0, 3 + i));
    // to first order, exp(ξ) moves a point x to x + ω × x + v
    let rotation = pose.rotation.map(Pose::from);
    let translation = pose.translation.map(Pose::from);
    let perturbed = Transform {
        rotation: rotation + skew(&angular) * rotation,
        translation: translation + angular.cross(&translation) + linear,
    };
    let mut found = None;
    let mut counter = 0;
    shape_ground(&shape.lift::<Pose>(), &perturbed, 0.0, &mut |c| {
        if counter == index {
            found = Some(c);
        }
        counter += 1;
    });
    let c = found.expect("the narrow phase reports the same points on dual numbers as on real ones");
    let part = |x: &Pose| x.eps.unwrap_generic(Const::<6>, Const::<1>);
    (
        SMatrix::<f64, 3, 6>::from_fn(|i, j| part(&c.point[i])[j]),
        SMatrix::<f64, 1, 6>::from_fn(|_, j| part(&c.distance)[j]),
    )
}

/// The generalised ground-contact force `τ_c` of robot `r` of `scene` at `(q, v)` and its exact derivatives with
/// respect to `q` and `v` (see the module documentation). Runs the kinematics into `ws`.
///
/// `anchors` are the state's ([`State::friction_anchors`](crate::sim::State::friction_anchors)): each contact
/// recalls what it remembers as the step does, its onset speed and, with
/// [`FrictionLaw::Anchored`](crate::model::FrictionLaw::Anchored), its anchor's stretch. The derivatives are taken
/// with those held (they are state of their own; the stretch moves with the contact's tangential velocity within
/// the step, and that is differentiated). A contact not in `anchors` is new: its onset speed follows from its
/// depth and velocity ([`onset_speed`](super::onset_speed)), and that is differentiated too. `&[]` treats every
/// contact as new.
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
/// let d = robot_ground_contact_derivatives(&scene, 0, &mut ws, &q, &v, &[]).unwrap();
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
    anchors: &[FrictionAnchor<f64>],
) -> Result<GroundContactDerivatives> {
    let mut factor = crba(&scene.robots[r].multibody, ws, q);
    ltdl_factor(&mut factor, ws.mass_sparsity())?;
    let mass_inverse = ltdl_inverse(&factor, ws.mass_sparsity());
    Ok(ground_contact_derivatives_with_mass(scene, r, ws, q, v, &mass_inverse, anchors, false))
}

/// [`robot_ground_contact_derivatives`] with the inverse of the robot's mass matrix at `q` given; `with_memory`
/// asks for the contacts' memories and their derivatives ([`GroundContactDerivatives::memory`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn ground_contact_derivatives_with_mass(
    scene: &Model<f64>,
    r: usize,
    ws: &mut MultibodyWorkspace<f64>,
    q: &DVector<f64>,
    v: &DVector<f64>,
    mass_inverse: &DMatrix<f64>,
    anchors: &[FrictionAnchor<f64>],
    with_memory: bool,
) -> GroundContactDerivatives {
    let robot = &scene.robots[r];
    let model = &robot.multibody;
    let nv = model.nv();
    let mut out = GroundContactDerivatives {
        tau: DVector::zeros(nv),
        dtau_dq: DMatrix::zeros(nv, nv),
        dtau_dv: DMatrix::zeros(nv, nv),
        contacts: 0,
        memory: Vec::new(),
    };
    let found = ground_contact_points(scene, r, ws, q, v);
    let Some(ground) = &scene.ground else { return out };
    if found.is_empty() {
        return out;
    }
    out.contacts = found.len();
    let tree = Tree::new(scene, r, ws);
    let mut w = DMatrix::zeros(nv, 3);
    let mut ds_dq = DMatrix::<f64>::zeros(3, nv);
    let (mut velocities, mut momenta) = (Vec::new(), Vec::new());
    let mut taken = vec![false; anchors.len()];
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
        let mut g_basis = Matrix3::zeros();
        let jpt_e: Vec<Vector3<f64>> =
            path.iter().map(|&col| Vector3::from_fn(|m, _| point_column(col).dot(&basis[m]))).collect();
        for (&col, je) in path.iter().zip(&jpt_e) {
            let column = mass_inverse.column(col);
            for m in 0..3 {
                w.column_mut(m).axpy(je[m], &column, 1.0);
            }
        }
        for (&col, je) in path.iter().zip(&jpt_e) {
            g_basis += je * Vector3::new(w[(col, 0)], w[(col, 1)], w[(col, 2)]).transpose();
        }
        let e_matrix = Matrix3::from_columns(&basis);
        let g = e_matrix * g_basis * e_matrix.transpose();

        // the contact geometry as a function of the collider's pose, in dual numbers of its six directions
        let pose = &tree.poses[b] * &collider.placement;
        let (dp_dxi, dd_dxi) = geometry_derivatives(&collider.shape, &pose, index);
        // the law as a function of depth, point velocity and the two inverse-mass scalars (and the recalled
        // memory, when asked for); what the contact remembers is recalled as the step does (same pair, same order
        // of contacts)
        let twist = &tree.velocity[b];
        let u = twist.linear + twist.angular.cross(&p);
        let pair = AnchorPair::Link { robot: r, collider: k, partner: Partner::Ground };
        let local_point = tree.poses[b].inverse_transform_point(&p);
        let radius = 0.5 * bounding_radius(&collider.shape);
        let recalled = recall_anchor_index(anchors, &mut taken, pair, &local_point, radius);
        let input = LawInput {
            geometry: &geometry,
            u,
            g,
            normal: n,
            tangent: basis[1],
            friction: combined_friction(&collider.friction, &ground.friction),
            restitution: combined_restitution(&collider.restitution, &ground.restitution),
            recalled: recalled.map(|i| (anchors[i].stretch, anchors[i].onset_speed)),
        };
        let law =
            if with_memory { contact_law::<LAW_DIRECTIONS>(scene, &input) } else { contact_law::<6>(scene, &input) };
        let f = law.force;
        let df = law.dforce.fixed_columns::<6>(0).into_owned();
        let (df_dd, df_du) = (df.fixed_view::<3, 1>(0, 0), df.fixed_view::<3, 3>(0, 1));
        // u = V_lin + V_ang × p: through the point's motion and the twist
        let du_dxi = skew(&twist.angular) * dp_dxi;
        let mut du_dv = SMatrix::<f64, 3, 6>::zeros();
        du_dv.fixed_view_mut::<3, 3>(0, 0).copy_from(&(-skew(&p)));
        du_dv.fixed_view_mut::<3, 3>(0, 3).copy_from(&Matrix3::identity());
        let df_dxi = df_dd * dd_dxi + df_du * du_dxi;
        let df_dv = df_du * du_dv;
        // W = (p × f, f)
        let wrench = |dp: &SMatrix<f64, 3, 6>, df: &SMatrix<f64, 3, 6>| {
            let mut out = Matrix6::zeros();
            out.fixed_view_mut::<3, 6>(0, 0).copy_from(&(skew(&p) * df - skew(&f) * dp));
            out.fixed_view_mut::<3, 6>(3, 0).copy_from(df);
            out
        };
        let w0 = Force::new(p.cross(&f), f);
        let dw_dxi = wrench(&dp_dxi, &df_dxi);
        let dw_dv = wrench(&SMatrix::zeros(), &df_dv);
        let mut dw_ds = SMatrix::<f64, 6, 3>::zeros();
        for (m, column) in [(0, 4), (1, 5), (2, 5)] {
            let dfs = df.column(column);
            dw_ds.fixed_view_mut::<3, 1>(0, m).copy_from(&(skew(&p) * dfs));
            dw_ds.fixed_view_mut::<3, 1>(3, m).copy_from(&dfs);
        }

        // ∂s/∂q (3 × nv)
        for m in 0..3 {
            tree.velocities_into(&w.column(m), &mut velocities);
            tree.subtree_momenta_into(&velocities, &mut momenta);
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
        // τ_j = S_j · W on the path; its derivatives through W (the inverse masses along every column, the pose
        // and twist along the path's) and through the turning axes S_j
        let axes: Vec<Vector6<f64>> = path.iter().map(|&j| tree.axes[j].to_vector()).collect();
        let through_pose: Vec<(Vector6<f64>, Vector6<f64>)> = path
            .iter()
            .zip(&axes)
            .map(|(&col, s)| {
                let c = tree.body_of[col];
                let moved = tree.axes[col].cross_motion(&(twist.clone() - tree.parent_velocity(&tree.velocity, c)));
                (dw_dxi * s + dw_dv * moved.to_vector(), dw_dv * s)
            })
            .collect();
        for (&j, sj) in path.iter().zip(&axes) {
            out.tau[j] += sj.dot(&w0.to_vector());
            let through_masses = dw_ds.tr_mul(sj);
            for col in 0..nv {
                out.dtau_dq[(j, col)] += through_masses.x * ds_dq[(0, col)]
                    + through_masses.y * ds_dq[(1, col)]
                    + through_masses.z * ds_dq[(2, col)];
            }
            for (&col, (dq_column, dv_column)) in path.iter().zip(&through_pose) {
                out.dtau_dv[(j, col)] += sj.dot(dv_column);
                out.dtau_dq[(j, col)] += sj.dot(dq_column);
                if tree.body_of[col] <= tree.body_of[j] {
                    out.dtau_dq[(j, col)] += tree.axes[col].cross_motion(&tree.axes[j]).dot(&w0);
                }
            }
        }
        if with_memory {
            // the memory the step keeps goes through the same chain as the force; the force's dependence on the
            // recalled memory reaches τ through the path's axes
            let dm = &law.dmemory;
            let dm_dxi = dm.fixed_view::<4, 1>(0, 0) * dd_dxi + dm.fixed_view::<4, 3>(0, 1) * du_dxi;
            let dm_dv = dm.fixed_view::<4, 3>(0, 1) * du_dv;
            let mut dmemory_dq = DMatrix::zeros(4, nv);
            let mut dmemory_dv = DMatrix::zeros(4, nv);
            for col in 0..nv {
                let through_masses =
                    dm.column(4) * ds_dq[(0, col)] + dm.column(5) * (ds_dq[(1, col)] + ds_dq[(2, col)]);
                dmemory_dq.column_mut(col).copy_from(&through_masses);
            }
            for (&col, s) in path.iter().zip(&axes) {
                let c = tree.body_of[col];
                let moved = tree.axes[col].cross_motion(&(twist.clone() - tree.parent_velocity(&tree.velocity, c)));
                let mut column = dmemory_dq.column_mut(col);
                column += dm_dxi * s + dm_dv * moved.to_vector();
                dmemory_dv.column_mut(col).copy_from(&(dm_dv * s));
            }
            let mut dtau_drecalled = DMatrix::zeros(nv, 4);
            for i in 0..4 {
                let dfi = law.dforce.column(6 + i);
                let dw = Vector6::from_iterator((skew(&p) * dfi).iter().chain(dfi.iter()).copied());
                for (&j, sj) in path.iter().zip(&axes) {
                    dtau_drecalled[(j, i)] = sj.dot(&dw);
                }
            }
            out.memory.push(MemoryDerivatives {
                pair,
                local_point,
                recalled,
                value: law.memory,
                dmemory_dq,
                dmemory_dv,
                dmemory_drecalled: dm.fixed_columns::<4>(6).into_owned(),
                dtau_drecalled,
            });
        }
    }
    out
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

    /// Every body's twist under joint velocities `w`, into `out`.
    fn velocities_into(&self, w: &nalgebra::DVectorView<'_, f64>, out: &mut Vec<Motion<f64>>) {
        out.clear();
        out.resize(self.poses.len(), Motion::zero());
        for (col, axis) in self.axes.iter().enumerate() {
            out[self.body_of[col]] += &(axis.clone() * w[col]);
        }
        for i in 0..out.len() {
            if let Some(p) = self.parent[i] {
                let parent = out[p].clone();
                out[i] += &parent;
            }
        }
    }

    /// The momentum of the subtree below (and including) every body under the given body twists, into `out`.
    fn subtree_momenta_into(&self, velocities: &[Motion<f64>], out: &mut Vec<Force<f64>>) {
        out.clear();
        out.extend(velocities.iter().zip(&self.inertia).map(|(v, i)| Force::from_vector(&(i * v.to_vector()))));
        for i in (0..out.len()).rev() {
            if let Some(p) = self.parent[i] {
                let hi = out[i].clone();
                out[p] += &hi;
            }
        }
    }
}
