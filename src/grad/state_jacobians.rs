//! The step's Jacobians with respect to everything in the state that carries derivatives, analytically, for a
//! world of robots on the ground: the robots' joint state and the ground contacts' memories (each friction
//! anchor's stretch and onset speed). The adjoint's backward pass ([`super::adjoint`]) and iLQR's local model
//! (`control::IlqrOptions::contact_memory`) run on them.
//!
//! The state is taken in its tangent layout `z = [m₀, m₁, …, δq₀, v₀, δq₁, v₁, …]`: every anchor's four numbers in
//! the state's order ([`State::values`]), then every robot's tangent configuration and velocity (a floating base's
//! quaternion is three rotation directions, as in [`super::StepJacobians`]). [`TangentMaps`] converts gradients
//! between it and the coordinates of [`State::values`].

use super::step_jacobians::{analytic_robot, JointLocal, StepLinearizer};
use crate::model::{Integrator, JointKind, Model};
use crate::sim::{links_may_touch_bodies_or_links, links_touch_by_impulses, State};
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector, DVectorView, SVector};
use num_dual::{Derivative, DualSVec64};

/// Numbers per friction anchor in the state: the stretch's three, the onset speed.
const PER_ANCHOR: usize = 4;

/// Whether [`StepLinearizer::state_jacobians`] covers every number of the state: robots (at least one) and no
/// particles or free bodies, semi-implicit Euler, compliant contact, and no link that can touch another link.
pub(crate) fn covers_whole_state(model: &Model<f64>) -> bool {
    !model.robots.is_empty()
        && model.particles.is_empty()
        && model.bodies.is_empty()
        && model.settings.integrator == Integrator::SemiImplicitEuler
        && !links_touch_by_impulses(model)
        && !links_may_touch_bodies_or_links(model)
}

/// The step's Jacobians in the tangent layout (module docs): `∂z'/∂z` and `∂z'/∂u`.
#[derive(Debug, Clone)]
pub(crate) struct StateJacobians {
    pub(crate) dz: DMatrix<f64>,
    pub(crate) du: DMatrix<f64>,
}

/// The length of a state's tangent layout.
pub(crate) fn tangent_len(state: &State<f64>) -> usize {
    PER_ANCHOR * state.friction_anchors.len() + state.robots.iter().map(|r| 2 * r.v.len()).sum::<usize>()
}

impl StepLinearizer<'_> {
    /// The step from `state` with extra joint torques `torques` (one vector of `nv` per robot), which reached
    /// `next`: its Jacobians with respect to the whole state, contact memories included, for a model that
    /// [`covers_whole_state`] says it can take.
    ///
    /// # Errors
    /// A mass matrix that cannot be factored, and [`Error::Numerical`] when the contacts found here are not the
    /// ones `next` kept.
    pub(crate) fn state_jacobians(
        &mut self,
        state: &State<f64>,
        torques: &[DVector<f64>],
        next: &State<f64>,
    ) -> Result<StateJacobians> {
        let model = self.model;
        let (n, n_next) = (tangent_len(state), tangent_len(next));
        let nu: usize = model.robots.iter().map(|r| r.multibody.nv()).sum();
        let mut dz = DMatrix::zeros(n_next, n);
        let mut du = DMatrix::zeros(n_next, nu);
        let (mut col, mut row, mut u_col) =
            (PER_ANCHOR * state.friction_anchors.len(), PER_ANCHOR * next.friction_anchors.len(), 0);
        let mut kept = vec![false; next.friction_anchors.len()];
        for r in 0..model.robots.len() {
            let nv = model.robots[r].multibody.nv();
            let mut local = JointLocal::new(model, &self.joint_local[r], state, r);
            if let Some(extra) = torques.get(r) {
                local.tau += extra;
            }
            let robot = analytic_robot(model, state, r, &local, &mut self.robots[r], true)?;
            dz.view_mut((row, col), (2 * nv, 2 * nv)).copy_from(&robot.a);
            du.view_mut((row, u_col), (2 * nv, nv)).copy_from(&robot.b);
            for (memory, through) in robot.memory.iter().zip(&robot.through_memory) {
                let j = next
                    .friction_anchors
                    .iter()
                    .position(|a| a.pair == memory.pair && a.local_point == memory.local_point)
                    .filter(|&j| !kept[j])
                    .ok_or_else(|| {
                        Error::Numerical(format!(
                            "step {}: a contact of robot `{}` is not among the anchors the step kept",
                            state.step,
                            model.robots[r].name()
                        ))
                    })?;
                kept[j] = true;
                let at = PER_ANCHOR * j;
                dz.view_mut((at, col), (PER_ANCHOR, nv)).copy_from(&memory.dmemory_dq);
                dz.view_mut((at, col + nv), (PER_ANCHOR, nv)).copy_from(&memory.dmemory_dv);
                if let Some(i) = memory.recalled {
                    let from = PER_ANCHOR * i;
                    dz.fixed_view_mut::<PER_ANCHOR, PER_ANCHOR>(at, from).copy_from(&memory.dmemory_drecalled);
                    dz.view_mut((row, from), (2 * nv, PER_ANCHOR)).copy_from(through);
                }
            }
            col += 2 * nv;
            row += 2 * nv;
            u_col += nv;
        }
        if let Some(j) = kept.iter().position(|&k| !k) {
            return Err(Error::Numerical(format!(
                "step {}: the step kept an anchor ({:?}) that no ground contact of the linearisation has",
                state.step, next.friction_anchors[j].pair
            )));
        }
        Ok(StateJacobians { dz, du })
    }
}

/// The maps between a state's coordinates ([`State::values`]) and its tangent layout (module docs), for gradients:
/// `G = ∂q/∂δq` (coordinates moved by `q ⊕ δq`) and `P = ∂(q_c ⊖ q)/∂q_c`, block-diagonal over the joints
/// (ones for one-degree-of-freedom joints).
pub(crate) struct TangentMaps {
    anchors: usize,
    /// Per robot: `nq`, `nv` and its joints' maps.
    robots: Vec<(usize, usize, Vec<JointMap>)>,
}

/// One joint's part of [`TangentMaps`]: where its coordinates and velocities sit, and the blocks of a joint
/// with a quaternion (free or spherical).
enum JointMap {
    One { q: usize, v: usize },
    Manifold { q: usize, v: usize, g: DMatrix<f64>, p: DMatrix<f64> },
}

impl TangentMaps {
    /// The maps at `state` of `model`.
    pub(crate) fn new(model: &Model<f64>, state: &State<f64>) -> Self {
        let robots = model
            .robots
            .iter()
            .zip(&state.robots)
            .map(|(robot, s)| {
                let mb = &robot.multibody;
                let joints = mb
                    .joints
                    .iter()
                    .map(|j| {
                        if j.kind.nq() == 1 {
                            return JointMap::One { q: j.q_index, v: j.v_index };
                        }
                        let (g, p) = manifold_blocks(&j.kind, s.q.rows(j.q_index, j.kind.nq()));
                        JointMap::Manifold { q: j.q_index, v: j.v_index, g, p }
                    })
                    .collect();
                (mb.nq(), mb.nv(), joints)
            })
            .collect();
        TangentMaps { anchors: PER_ANCHOR * state.friction_anchors.len(), robots }
    }

    /// A gradient with respect to the coordinates (`∂ℓ/∂z_c`, [`State::values`]' layout) as one with respect to
    /// the tangent layout: `Gᵀ ∂ℓ/∂q` on each robot's configuration.
    pub(crate) fn to_tangent(&self, coordinates: &DVector<f64>) -> DVector<f64> {
        let n = self.anchors + self.robots.iter().map(|(_, nv, _)| 2 * nv).sum::<usize>();
        let mut out = DVector::zeros(n);
        out.rows_mut(0, self.anchors).copy_from(&coordinates.rows(0, self.anchors));
        let (mut c, mut t) = (self.anchors, self.anchors);
        for (nq, nv, joints) in &self.robots {
            for joint in joints {
                match joint {
                    JointMap::One { q, v } => out[t + v] = coordinates[c + q],
                    JointMap::Manifold { q, v, g, .. } => {
                        let x = coordinates.rows(c + q, g.nrows());
                        out.rows_mut(t + v, g.ncols()).copy_from(&g.tr_mul(&x));
                    }
                }
            }
            out.rows_mut(t + nv, *nv).copy_from(&coordinates.rows(c + nq, *nv));
            c += nq + nv;
            t += 2 * nv;
        }
        out
    }

    /// A gradient with respect to the tangent layout as one with respect to the coordinates, for perturbations
    /// that stay on the configuration manifold: `Pᵀ λ` on each robot's configuration.
    pub(crate) fn to_coordinates(&self, tangent: &DVector<f64>) -> DVector<f64> {
        let n = self.anchors + self.robots.iter().map(|(nq, nv, _)| nq + nv).sum::<usize>();
        let mut out = DVector::zeros(n);
        out.rows_mut(0, self.anchors).copy_from(&tangent.rows(0, self.anchors));
        let (mut c, mut t) = (self.anchors, self.anchors);
        for (nq, nv, joints) in &self.robots {
            for joint in joints {
                match joint {
                    JointMap::One { q, v } => out[c + q] = tangent[t + v],
                    JointMap::Manifold { q, v, p, .. } => {
                        let x = tangent.rows(t + v, p.nrows());
                        out.rows_mut(c + q, p.ncols()).copy_from(&p.tr_mul(&x));
                    }
                }
            }
            out.rows_mut(c + nq, *nv).copy_from(&tangent.rows(t + nv, *nv));
            c += nq + nv;
            t += 2 * nv;
        }
        out
    }
}

/// A free or spherical joint's `G = ∂(q ⊕ δ)/∂δ` at `δ = 0` (`nq × nv`) and `P = ∂(q_c ⊖ q)/∂q_c` at `q_c = q`
/// (`nv × nq`), from the joint's own `integrate` and `difference` on dual numbers (so the conventions are the
/// step's). Seven directions cover the widest joint (the free joint's `nq`).
fn manifold_blocks(kind: &JointKind<f64>, q: DVectorView<'_, f64>) -> (DMatrix<f64>, DMatrix<f64>) {
    type D7 = DualSVec64<7>;
    let (nq, nv) = (kind.nq(), kind.nv());
    let seeded = |x: f64, i: usize| D7::new(x, Derivative::some(SVector::<f64, 7>::from_fn(|j, _| f64::from(i == j))));
    let eps = |x: &D7| x.eps.unwrap_generic(nalgebra::Const::<7>, nalgebra::Const::<1>);
    let kind = kind.lift::<D7>();
    let mut qd = DVector::from_iterator(nq, q.iter().map(|&x| D7::from(x)));
    let delta = DVector::from_fn(nv, |i, _| seeded(0.0, i));
    kind.integrate(qd.rows_mut(0, nq), delta.rows(0, nv), &D7::from(1.0));
    let g = DMatrix::from_fn(nq, nv, |i, j| eps(&qd[i])[j]);
    let q0 = DVector::from_iterator(nq, q.iter().map(|&x| D7::from(x)));
    let q1 = DVector::from_fn(nq, |i, _| seeded(q[i], i));
    let mut out = DVector::from_element(nv, D7::from(0.0));
    kind.difference(q0.rows(0, nq), q1.rows(0, nq), out.rows_mut(0, nv));
    let p = DMatrix::from_fn(nv, nq, |i, j| eps(&out[i])[j]);
    (g, p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn robots_on_the_ground_are_covered_and_worlds_with_other_things_are_not() {
        let scene = |name: &str| crate::io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap();
        // the Go1 standing: the adjoint tests of a robot on its feet run through `state_jacobians`
        assert!(covers_whole_state(&scene("scenes/go1_stand.toml")));
        let mut cartpole = Model::<f64>::empty(0.01, 1.0);
        cartpole.add_robot(crate::model::Robot::new(crate::model::multibody::sample::cartpole())).unwrap();
        assert!(covers_whole_state(&cartpole));
        // particles and free bodies: the dual route
        assert!(!covers_whole_state(&scene("scenes/one_world.toml")));
        let mut rk4 = cartpole;
        rk4.settings.integrator = Integrator::Rk4;
        assert!(!covers_whole_state(&rk4));
    }

    #[test]
    fn free_and_spherical_joints_maps_are_inverse_on_the_tangent_space() {
        let axis = nalgebra::Vector3::new(0.3, -0.5, 0.8).normalize();
        let rotation = nalgebra::UnitQuaternion::from_axis_angle(&nalgebra::Unit::new_normalize(axis), 0.7);
        let c = rotation.coords;
        let q = DVector::from_column_slice(&[0.1, -0.2, 0.3, c.x, c.y, c.z, c.w]);
        let (g, p) = manifold_blocks(&JointKind::Free, q.rows(0, 7));
        // P G = 1: a tangent step read back is itself
        assert!((&p * &g - DMatrix::<f64>::identity(6, 6)).norm() < 1e-12);
        // the position moves along the body axes: G's first block is the rotation matrix
        let r = rotation.to_rotation_matrix();
        assert!((g.fixed_view::<3, 3>(0, 0) - r.matrix()).norm() < 1e-12);
        // the quaternion moves as q ⊗ (0, δθ/2): orthogonal to q, so a unit quaternion stays unit to first order
        for j in 3..6 {
            let dq = g.fixed_view::<4, 1>(3, j);
            assert!(dq.dot(&c).abs() < 1e-12);
        }
        // the spherical joint's maps are the free joint's rotation blocks
        let (gs, ps) = manifold_blocks(&JointKind::Spherical, q.rows(3, 4));
        assert!((&ps * &gs - DMatrix::<f64>::identity(3, 3)).norm() < 1e-12);
        assert!((&gs - g.view((3, 3), (4, 3))).norm() < 1e-15);
        assert!((&ps - p.view((3, 3), (3, 4))).norm() < 1e-15);
    }
}
