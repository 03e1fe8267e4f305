//! Articulated multibody systems in reduced (joint) coordinates: the immutable model.
//!
//! A [`Multibody`] is a tree of moving bodies, each attached to its parent (or to the fixed root) by one
//! [`Joint`]. Bodies are numbered so that a parent comes before its children (`parent[i] < i`), depth first from
//! the root with children in the order they were added: for a URDF file that is Pinocchio's joint order. Fixed
//! joints are merged into the parent body; the merged links stay addressable as [`Frame`]s.

mod joint;
mod params;
pub mod sample;
pub use sample::random_state;
mod validate;

pub use crate::spatial::quaternion_matrix;
pub use joint::{Joint, JointKind, JointLimits};
pub use params::MultibodyParam;

use crate::spatial::{Inertia, Transform};
use crate::{Error, Result, Scalar};
use nalgebra::{DVector, Vector3};

/// A named frame rigidly attached to a body (or to the root): a URDF link merged by a fixed joint, or a body's own
/// frame.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Frame<T: Scalar> {
    /// Name (the URDF link name).
    pub name: String,
    /// The body it is attached to; `None` for the fixed root.
    pub body: Option<usize>,
    /// Its placement in that body's frame.
    pub placement: Transform<T>,
}

/// An articulated rigid-body tree: bodies, joints, inertias and gravity. Immutable once built; algorithms take
/// it by reference together with a [`MultibodyWorkspace`](crate::multibody::MultibodyWorkspace).
///
/// ```
/// use diffphys::model::multibody::sample;
/// let pendulum = sample::double_pendulum();
/// assert_eq!((pendulum.nq(), pendulum.nv()), (2, 2));
/// assert_eq!(pendulum.joint_names(), vec!["shoulder", "elbow"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Multibody<T: Scalar> {
    /// Name of the robot (prefix of its parameter names).
    pub name: String,
    /// Name of the fixed root link.
    pub root_name: String,
    /// Body names (the URDF child link of each joint).
    pub body_names: Vec<String>,
    /// `parent[i]`: the parent body of body `i`, `None` for a body attached to the root. Always `parent[i] < i`.
    pub parent: Vec<Option<usize>>,
    /// `joints[i]` attaches body `i` to its parent.
    pub joints: Vec<Joint<T>>,
    /// `inertias[i]`: body `i`'s inertia in its own frame (merged links included).
    pub inertias: Vec<Inertia<T>>,
    /// Named frames (every link, merged or not).
    pub frames: Vec<Frame<T>>,
    /// Collision shapes on the bodies (empty unless loaded from URDF `<collision>` or added).
    pub colliders: Vec<super::Collider<T>>,
    /// Gravity in the root frame (m/s²).
    pub gravity: Vector3<T>,
    nq: usize,
    nv: usize,
}

impl<T: Scalar> Multibody<T> {
    /// An empty tree with the given robot and root names and standard gravity `[0, 0, −9.81]` m/s².
    pub fn new(name: &str, root_name: &str) -> Self {
        Multibody {
            name: name.to_string(),
            root_name: root_name.to_string(),
            body_names: Vec::new(),
            parent: Vec::new(),
            joints: Vec::new(),
            inertias: Vec::new(),
            frames: vec![Frame { name: root_name.to_string(), body: None, placement: Transform::identity() }],
            colliders: Vec::new(),
            gravity: Vector3::new(T::constant(0.0), T::constant(0.0), T::constant(-9.81)),
            nq: 0,
            nv: 0,
        }
    }

    /// Adds a body attached to `parent` (`None`: the root) by `joint`, with inertia `inertia` in its own frame,
    /// and returns its index. `joint.q_index`/`v_index` are assigned here.
    ///
    /// # Errors
    /// [`Error::InvalidScene`] if `parent` is not an existing body, or the body or joint name is taken.
    pub fn add_body(
        &mut self,
        parent: Option<usize>,
        name: &str,
        mut joint: Joint<T>,
        inertia: Inertia<T>,
    ) -> Result<usize> {
        if let Some(p) = parent {
            if p >= self.joints.len() {
                return Err(Error::InvalidScene {
                    field: format!("{}.{}", self.name, name),
                    reason: format!("has parent body {p}, but only {} bodies exist", self.joints.len()),
                });
            }
        }
        if self.frames.iter().any(|f| f.name == name) {
            return Err(Error::InvalidScene {
                field: format!("{}.{}", self.name, name),
                reason: "is defined twice".into(),
            });
        }
        if self.joints.iter().any(|j| j.name == joint.name) {
            return Err(Error::InvalidScene {
                field: format!("{}.{}", self.name, joint.name),
                reason: "is a joint name used twice (parameter and column names would be ambiguous)".into(),
            });
        }
        joint.q_index = self.nq;
        joint.v_index = self.nv;
        self.nq += joint.kind.nq();
        self.nv += joint.kind.nv();
        let index = self.joints.len();
        self.body_names.push(name.to_string());
        self.parent.push(parent);
        self.joints.push(joint);
        self.inertias.push(inertia);
        self.frames.push(Frame { name: name.to_string(), body: Some(index), placement: Transform::identity() });
        Ok(index)
    }

    /// Number of moving bodies (= number of joints).
    pub fn n_bodies(&self) -> usize {
        self.joints.len()
    }

    /// Dimension of the configuration `q`.
    pub fn nq(&self) -> usize {
        self.nq
    }

    /// Dimension of the velocity `v` (and of `tau`, `a`).
    pub fn nv(&self) -> usize {
        self.nv
    }

    /// Joint names in model order.
    pub fn joint_names(&self) -> Vec<&str> {
        self.joints.iter().map(|j| j.name.as_str()).collect()
    }

    /// The index of the body called `name`.
    pub fn body_index(&self, name: &str) -> Option<usize> {
        self.body_names.iter().position(|n| n == name)
    }

    /// The index of the joint called `name`.
    pub fn joint_index(&self, name: &str) -> Option<usize> {
        self.joints.iter().position(|j| j.name == name)
    }

    /// The frame called `name`.
    pub fn frame(&self, name: &str) -> Option<&Frame<T>> {
        self.frames.iter().find(|f| f.name == name)
    }

    /// The parent of every velocity coordinate in the tree (Featherstone's `λ`): the previous coordinate of the same
    /// joint, else the last coordinate of the parent body's joint, `None` for the first coordinate of a joint on
    /// the root. Always `λ(k) < k`; the mass matrix `M[i][j]` can be non-zero only where one of `i`, `j` is an
    /// ancestor of the other, which [`ltdl_factor`](crate::multibody::ldlt::ltdl_factor) exploits.
    pub fn velocity_parents(&self) -> Vec<Option<usize>> {
        let mut out = Vec::with_capacity(self.nv);
        for (i, joint) in self.joints.iter().enumerate() {
            let first = self.parent[i].map(|p| {
                let j = &self.joints[p];
                j.v_index + j.kind.nv() - 1
            });
            out.push(first);
            out.extend((1..joint.kind.nv()).map(|k| Some(joint.v_index + k - 1)));
        }
        out
    }

    /// The neutral configuration (all joints at zero, free joints at the identity pose).
    pub fn neutral(&self) -> DVector<T> {
        let mut q = DVector::zeros(self.nq);
        for joint in &self.joints {
            joint.kind.neutral(q.rows_mut(joint.q_index, joint.kind.nq()));
        }
        q
    }

    /// `q ⊕ v·dt` joint by joint (see [`JointKind::integrate`]); returns the new configuration.
    ///
    /// # Panics
    /// If `q` or `v` have the wrong length.
    pub fn integrate(&self, q: &DVector<T>, v: &DVector<T>, dt: &T) -> DVector<T> {
        assert_eq!((q.len(), v.len()), (self.nq, self.nv), "integrate: q must have nq entries and v nv");
        let mut out = q.clone();
        for joint in &self.joints {
            let (nq, nv) = (joint.kind.nq(), joint.kind.nv());
            joint.kind.integrate(out.rows_mut(joint.q_index, nq), v.rows(joint.v_index, nv), dt);
        }
        out
    }

    /// The rate of the chart coordinate `δ` while `q ⊕ δ` moves with the velocity `v`, joint by joint (see
    /// [`JointKind::chart_rate`]); `v` itself on a model without free or spherical joints.
    ///
    /// # Panics
    /// If `delta` or `v` do not have `nv` entries.
    pub fn chart_rate(&self, delta: &DVector<T>, v: &DVector<T>) -> DVector<T> {
        assert_eq!((delta.len(), v.len()), (self.nv, self.nv), "chart_rate: delta and v must have nv entries");
        let mut out = v.clone();
        for joint in self.joints.iter().filter(|j| j.kind.quaternion_offset().is_some()) {
            let (i, nv) = (joint.v_index, joint.kind.nv());
            joint.kind.chart_rate(delta.rows(i, nv), v.rows(i, nv), out.rows_mut(i, nv));
        }
        out
    }

    /// One semi-implicit Euler step of `dt` under the joint accelerations `a`: `(q', v')`. One-degree-of-freedom
    /// joints take `v' = v + dt a`, `q' = q + dt v'`. A free joint steps its origin's velocity in fixed axes,
    /// exactly as a free rigid body of the rigid-body step does in world axes: `w = v + dt (a + ω × v)` on the
    /// linear part ([`JointKind::euler_velocity`]), `q' = q ⊕ dt w` (so the origin moves by `R w dt`, the new
    /// velocity in world axes times `dt`), and `v'` is `w` re-expressed in the new body axes
    /// ([`JointKind::velocity_after_step`]). Stepping the body-frame velocity `v + dt a` instead would differ by
    /// `dt ω × v` per step, a first-order frame effect on any turning floating base.
    ///
    /// # Panics
    /// If `q`, `v` or `a` have the wrong length.
    pub fn semi_implicit_euler(
        &self,
        q: &DVector<T>,
        v: &DVector<T>,
        a: &DVector<T>,
        dt: &T,
    ) -> (DVector<T>, DVector<T>) {
        let w = self.euler_velocity(v, a, dt);
        (self.integrate(q, &w, dt), self.velocity_after_step(&w, dt))
    }

    /// [`JointKind::euler_velocity`] joint by joint: the velocity `w` along which a semi-implicit Euler step moves
    /// the configuration.
    ///
    /// # Panics
    /// If `v` or `a` have the wrong length.
    pub fn euler_velocity(&self, v: &DVector<T>, a: &DVector<T>, dt: &T) -> DVector<T> {
        assert_eq!((v.len(), a.len()), (self.nv, self.nv), "euler_velocity: v and a must have nv entries");
        let mut out = DVector::zeros(self.nv);
        for joint in &self.joints {
            let (i, nv) = (joint.v_index, joint.kind.nv());
            joint.kind.euler_velocity(v.rows(i, nv), a.rows(i, nv), dt, out.rows_mut(i, nv));
        }
        out
    }

    /// [`JointKind::velocity_after_step`] joint by joint: the velocity at the end of a step along `w`.
    ///
    /// # Panics
    /// If `w` has the wrong length.
    pub fn velocity_after_step(&self, w: &DVector<T>, dt: &T) -> DVector<T> {
        assert_eq!(w.len(), self.nv, "velocity_after_step: w must have nv entries");
        let mut out = DVector::zeros(self.nv);
        for joint in &self.joints {
            let (i, nv) = (joint.v_index, joint.kind.nv());
            joint.kind.velocity_after_step(w.rows(i, nv), dt, out.rows_mut(i, nv));
        }
        out
    }

    /// `q1 ⊖ q0` joint by joint (see [`JointKind::difference`]): the velocity (`nv`) that [`Multibody::integrate`]
    /// over one second turns `q0` into `q1`.
    ///
    /// # Panics
    /// If `q0` or `q1` have the wrong length.
    pub fn difference(&self, q0: &DVector<T>, q1: &DVector<T>) -> DVector<T> {
        assert_eq!((q0.len(), q1.len()), (self.nq, self.nq), "difference: q0 and q1 must have nq entries");
        let mut out = DVector::zeros(self.nv);
        for joint in &self.joints {
            let (i, nq, nv) = (joint.q_index, joint.kind.nq(), joint.kind.nv());
            joint.kind.difference(q0.rows(i, nq), q1.rows(i, nq), out.rows_mut(joint.v_index, nv));
        }
        out
    }

    /// Checks that `q`, `v` (and optionally `tau`) have the model's dimensions.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the vector and both lengths.
    pub fn check_dimensions(&self, q: &DVector<T>, v: &DVector<T>, tau: Option<&DVector<T>>) -> Result<()> {
        let check = |what: &str, got: usize, want: usize| {
            if got == want {
                Ok(())
            } else {
                Err(Error::InvalidArgument(format!("{what} has {got} entries, the model `{}` needs {want}", self.name)))
            }
        };
        check("q", q.len(), self.nq)?;
        check("v", v.len(), self.nv)?;
        if let Some(tau) = tau {
            check("tau", tau.len(), self.nv)?;
        }
        Ok(())
    }

    /// Checks that the orientation of every free joint in `q` (entries `q_index + 3 ..= q_index + 6`,
    /// `[x, y, z, w]`) and of every spherical joint (`q_index ..= q_index + 3`) is a unit quaternion to within
    /// `1e-6`: the kinematics would read a zero quaternion as the identity and a scaled one as a scaled rotation,
    /// silently.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the joint, the entries of `q` and their norm; `q` must have the model's
    /// dimension ([`Multibody::check_dimensions`]).
    pub fn check_quaternions(&self, q: &DVector<T>) -> Result<()> {
        for joint in &self.joints {
            let Some(offset) = joint.kind.quaternion_offset() else { continue };
            let i = joint.q_index + offset;
            let norm = (i..i + 4).map(|k| crate::scalar::re(&q[k]).powi(2)).sum::<f64>().sqrt();
            if norm.is_nan() || (norm - 1.0).abs() > 1e-6 {
                return Err(Error::InvalidArgument(format!(
                    "q[{i}..{}] (the orientation [x, y, z, w] of the {} joint `{}`) has norm {norm}, but must be a \
                     unit quaternion",
                    i + 4,
                    if offset == 3 { "free" } else { "spherical" },
                    joint.name
                )));
            }
        }
        Ok(())
    }

    /// The same model over another scalar type; every number becomes a constant.
    pub fn lift<D: Scalar>(&self) -> Multibody<D> {
        let lift = |x: &T| D::constant(crate::scalar::re(x));
        Multibody {
            name: self.name.clone(),
            root_name: self.root_name.clone(),
            body_names: self.body_names.clone(),
            parent: self.parent.clone(),
            joints: self
                .joints
                .iter()
                .map(|j| Joint {
                    name: j.name.clone(),
                    kind: j.kind.lift(),
                    placement: j.placement.lift(),
                    damping: lift(&j.damping),
                    friction: lift(&j.friction),
                    armature: lift(&j.armature),
                    limits: j.limits.as_ref().map(|l| JointLimits { lower: lift(&l.lower), upper: lift(&l.upper) }),
                    effort_limit: j.effort_limit,
                    q_index: j.q_index,
                    v_index: j.v_index,
                })
                .collect(),
            inertias: self.inertias.iter().map(Inertia::lift).collect(),
            frames: self
                .frames
                .iter()
                .map(|f| Frame { name: f.name.clone(), body: f.body, placement: f.placement.lift() })
                .collect(),
            colliders: self.colliders.iter().map(super::Collider::lift).collect(),
            gravity: self.gravity.map(|x| lift(&x)),
            nq: self.nq,
            nv: self.nv,
        }
    }
}

impl<T: Scalar> Joint<T> {
    /// A joint of the given kind at `placement`, without damping, friction, armature or limits.
    pub fn new(name: &str, kind: JointKind<T>, placement: Transform<T>) -> Self {
        Joint {
            name: name.to_string(),
            kind,
            placement,
            damping: T::constant(0.0),
            friction: T::constant(0.0),
            armature: T::constant(0.0),
            limits: None,
            effort_limit: None,
            q_index: 0,
            v_index: 0,
        }
    }
}
