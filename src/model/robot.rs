//! Robots in a scene: an articulated [`Multibody`] placed in the world, with its initial state and controller.

use super::Multibody;
use crate::scalar::re;
use crate::spatial::Transform;
use crate::{Error, Result, Scalar};
use nalgebra::{DVector, Vector3};

/// A robot of a [`Model`](super::Model): its articulated model, where its root sits in the world, its initial
/// joint state and its controller.
///
/// For a fixed base, `base` places the root link in the world and the robot's gravity is the world's, expressed
/// in the root frame. For a floating base (the model's first joint is `Free`, as from
/// [`crate::io::parse_urdf_floating`]) `base` is normally the identity and the base pose lives in `q0[0..7]`.
/// Build robots with [`Robot::new`] and add them with [`Model::add_robot`](super::Model::add_robot), which keeps
/// the robot's gravity equal to the world's.
///
/// ```
/// use diffphys::model::{multibody::sample, Robot, Model};
/// let mut scene = Model::<f64>::empty(1e-3, 0.5);
/// let arm = Robot::new(sample::double_pendulum());
/// scene.add_robot(arm).unwrap();
/// let traj = diffphys::sim::rollout(&scene).unwrap();
/// assert_eq!(traj.states[500].robots[0].q.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Robot<T: Scalar> {
    /// The articulated model; its `name` is the robot's name (the prefix of its parameters and columns).
    pub multibody: Multibody<T>,
    /// The placement of the root frame in the world (m, rotation matrix).
    pub base: Transform<T>,
    /// Initial configuration (`nq`).
    pub q0: DVector<T>,
    /// Initial velocity (`nv`).
    pub v0: DVector<T>,
    /// Joint torques from a controller.
    pub control: Control<T>,
    /// Whether the robot's links collide with each other (default off; a link never touches its parent or
    /// children, and [`Collider`](super::Collider) groups and masks filter further).
    pub self_collision: bool,
}

/// How a robot's joints are driven.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Control<T: Scalar> {
    /// No actuation: only gravity, contact and the passive joint torques act.
    None,
    /// Joint-space PD: `τ = kp (q* − q) − kd v` on one-degree-of-freedom joints, evaluated at every force
    /// evaluation (every stage of RK4), like a position actuator.
    Pd(PdControl<T>),
    /// Torques given per time, held constant over each step.
    Torques(TorqueSchedule<T>),
}

/// Gains and targets of a joint-space PD controller, one entry per velocity coordinate (zero gains leave a
/// coordinate, such as those of a floating base, undriven).
///
/// With a `schedule`, the target of a step is the schedule's, linearly interpolated at the step's start, plus
/// `target` (then an offset, zero unless set: the parameter `arm.elbow.target` shifts the whole trajectory).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PdControl<T: Scalar> {
    /// Target positions `q*` (rad or m), or offsets added to the `schedule`.
    pub target: DVector<T>,
    /// Stiffness (N·m/rad or N/m).
    pub kp: DVector<T>,
    /// Damping (N·m·s/rad or N·s/m).
    pub kd: DVector<T>,
    /// Target positions by time (a joint-space trajectory), if any.
    pub schedule: Option<TargetSchedule<T>>,
}

/// Target positions by time: row `k` (`nv` entries, rad or m) is the target at `times[k]` (s); between rows the
/// target is interpolated linearly, before the first row it is the first, after the last the last.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TargetSchedule<T: Scalar> {
    /// Increasing times in s.
    pub times: Vec<f64>,
    /// The targets, one vector of `nv` entries per time.
    pub targets: Vec<DVector<T>>,
}

impl<T: Scalar> TargetSchedule<T> {
    /// The target of velocity coordinate `k` at time `t` (s).
    ///
    /// ```
    /// use diffphys::model::TargetSchedule;
    /// use nalgebra::DVector;
    /// let s = TargetSchedule { times: vec![0.0, 1.0], targets: vec![DVector::from_vec(vec![0.0]), DVector::from_vec(vec![2.0])] };
    /// assert_eq!(s.at(0.25, 0), 0.5);
    /// assert_eq!((s.at(-1.0, 0), s.at(5.0, 0)), (0.0, 2.0));
    /// ```
    pub fn at(&self, t: f64, k: usize) -> T {
        let i = self.times.partition_point(|&s| s <= t);
        if i == 0 {
            return self.targets[0][k];
        }
        if i == self.times.len() {
            return self.targets[i - 1][k];
        }
        let (t0, t1) = (self.times[i - 1], self.times[i]);
        let w = (t - t0) / (t1 - t0);
        self.targets[i - 1][k] * (1.0 - w) + self.targets[i][k] * w
    }
}

/// Joint torques by time: row `k` (`nv` entries, N·m or N) acts from `times[k]` (s) until the next row's time;
/// before the first row the torque is zero. A step uses the row in force at its start.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TorqueSchedule<T: Scalar> {
    /// Increasing times in s.
    pub times: Vec<f64>,
    /// The torques, one vector of `nv` entries per time.
    pub torques: Vec<DVector<T>>,
}

impl<T: Scalar> TorqueSchedule<T> {
    /// The torque row in force at time `t` (s), if any.
    pub fn at(&self, t: f64) -> Option<&DVector<T>> {
        // Rows are in force from their time on; the tolerance keeps `k · dt` from missing a row at `k · dt`.
        let k = self.times.partition_point(|&s| s <= t + 1e-9);
        k.checked_sub(1).map(|k| &self.torques[k])
    }
}

impl<T: Scalar> Robot<T> {
    /// A robot with its root at the world origin, at its neutral configuration, at rest, without control.
    pub fn new(multibody: Multibody<T>) -> Self {
        let q0 = multibody.neutral();
        let v0 = DVector::zeros(multibody.nv());
        Robot { multibody, base: Transform::identity(), q0, v0, control: Control::None, self_collision: false }
    }

    /// The robot's name.
    pub fn name(&self) -> &str {
        &self.multibody.name
    }

    /// `true` if the first joint is a free joint (a floating base).
    pub fn is_floating(&self) -> bool {
        matches!(self.multibody.joints.first().map(|j| &j.kind), Some(super::JointKind::Free))
    }

    /// World gravity `g` expressed in the robot's root frame: `Rᵀ g`.
    pub fn gravity_in_root(&self, world_gravity: &Vector3<T>) -> Vector3<T> {
        self.base.rotation.transpose() * world_gravity
    }

    /// The control torques at time `t` (s) and state `(q, v)`, or `None` without control.
    pub fn control_torques(&self, t: f64, q: &DVector<T>, v: &DVector<T>) -> Option<DVector<T>> {
        match &self.control {
            Control::None => None,
            Control::Pd(pd) => {
                let mut tau = DVector::zeros(self.multibody.nv());
                for joint in self.multibody.joints.iter().filter(|j| j.kind.nq() == 1) {
                    let (i, k) = (joint.q_index, joint.v_index);
                    let target = match &pd.schedule {
                        Some(schedule) => schedule.at(t, k) + pd.target[k],
                        None => pd.target[k],
                    };
                    tau[k] = pd.kp[k] * (target - q[i]) - pd.kd[k] * v[k];
                }
                Some(tau)
            }
            Control::Torques(schedule) => schedule.at(t).cloned(),
        }
    }

    /// Checks sizes and numbers: the model itself ([`Multibody::validate`]), `q0`/`v0` of the right lengths and
    /// finite, a floating base's quaternion of unit length, and the controller's vectors of length `nv`, finite,
    /// gains ≥ 0.
    ///
    /// # Errors
    /// [`Error::InvalidScene`] naming the robot field (`robots[arm].joint_positions`) and the joint.
    pub fn validate(&self) -> Result<()> {
        self.multibody.validate()?;
        let name = self.name();
        let fail = |field: &str, reason: String| Err(Error::invalid(format!("robots[{name}].{field}"), reason));
        let model = &self.multibody;
        let (nq, nv) = (model.nq(), model.nv());
        // the joint owning entry `i` of q (`in_q`) or of v
        let joint_of = |i: usize, in_q: bool| {
            let j = model.joints.iter().find(|j| {
                let (start, len) = if in_q { (j.q_index, j.kind.nq()) } else { (j.v_index, j.kind.nv()) };
                (start..start + len).contains(&i)
            });
            j.map_or("?", |j| j.name.as_str())
        };
        let first_bad = |v: &DVector<T>| v.iter().position(|x| !re(x).is_finite());
        if self.q0.len() != nq {
            return fail("joint_positions", format!("q0 has {} entries, the robot needs {nq}", self.q0.len()));
        }
        if let Some(i) = first_bad(&self.q0) {
            return fail("joint_positions", format!("the position of `{}` is not finite", joint_of(i, true)));
        }
        if self.v0.len() != nv {
            return fail("joint_velocities", format!("v0 has {} entries, the robot needs {nv}", self.v0.len()));
        }
        if let Some(i) = first_bad(&self.v0) {
            return fail("joint_velocities", format!("the velocity of `{}` is not finite", joint_of(i, false)));
        }
        if self.is_floating() {
            let norm = self.q0.rows(3, 4).iter().map(|x| re(x) * re(x)).sum::<f64>().sqrt();
            if (norm - 1.0).abs() > 1e-9 {
                return fail("orientation", format!("must be a unit quaternion, its norm is {norm}"));
            }
        }
        if !(self.base.rotation.iter().chain(self.base.translation.iter())).all(|x| re(x).is_finite()) {
            return fail("position", "the base placement must be finite".into());
        }
        match &self.control {
            Control::None => {}
            Control::Pd(pd) => {
                for (label, v) in [("targets", &pd.target), ("kp", &pd.kp), ("kd", &pd.kd)] {
                    if v.len() != nv {
                        return fail(&format!("control.{label}"), format!("needs {nv} entries, has {}", v.len()));
                    }
                    if let Some(i) = first_bad(v) {
                        return fail(
                            &format!("control.{label}"),
                            format!("is not finite for `{}`", joint_of(i, false)),
                        );
                    }
                }
                if let Some(i) = pd.kp.iter().chain(pd.kd.iter()).position(|x| re(x) < 0.0) {
                    return fail("control", format!("gains kp and kd must be ≥ 0 (`{}`)", joint_of(i % nv, false)));
                }
                if let Some(s) = &pd.schedule {
                    if s.times.is_empty()
                        || s.times.len() != s.targets.len()
                        || s.times.iter().any(|t| !t.is_finite())
                        || s.times.windows(2).any(|w| w[1] <= w[0])
                    {
                        return fail(
                            "control.targets_file",
                            "needs one row per time, times strictly increasing".into(),
                        );
                    }
                    if let Some(k) = s.targets.iter().position(|t| t.len() != nv || first_bad(t).is_some()) {
                        return fail("control.targets_file", format!("row {} must be {nv} finite targets", k + 1));
                    }
                }
            }
            Control::Torques(s) => {
                if s.times.len() != s.torques.len()
                    || s.times.iter().any(|t| !t.is_finite())
                    || s.times.windows(2).any(|w| w[1] <= w[0])
                {
                    return fail("control.torques", "needs one row per time, times strictly increasing".into());
                }
                if let Some(k) = s.torques.iter().position(|t| t.len() != nv || first_bad(t).is_some()) {
                    return fail("control.torques", format!("row {} must be {nv} finite torques", k + 1));
                }
            }
        }
        Ok(())
    }
}

impl Robot<f64> {
    /// The same robot over another scalar type; every number becomes a constant.
    pub fn lift<D: Scalar>(&self) -> Robot<D> {
        let lift = |v: &DVector<f64>| v.map(D::constant);
        Robot {
            multibody: self.multibody.lift(),
            base: self.base.lift(),
            q0: lift(&self.q0),
            v0: lift(&self.v0),
            self_collision: self.self_collision,
            control: match &self.control {
                Control::None => Control::None,
                Control::Pd(pd) => Control::Pd(PdControl {
                    target: lift(&pd.target),
                    kp: lift(&pd.kp),
                    kd: lift(&pd.kd),
                    schedule: pd.schedule.as_ref().map(|s| TargetSchedule {
                        times: s.times.clone(),
                        targets: s.targets.iter().map(lift).collect(),
                    }),
                }),
                Control::Torques(s) => Control::Torques(TorqueSchedule {
                    times: s.times.clone(),
                    torques: s.torques.iter().map(lift).collect(),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torque_row_holds_from_its_time_until_the_next() {
        let row = |x: f64| DVector::from_vec(vec![x]);
        let s = TorqueSchedule { times: vec![0.1, 0.2], torques: vec![row(1.0), row(2.0)] };
        assert_eq!(s.at(0.05), None);
        assert_eq!(s.at(0.1).unwrap()[0], 1.0);
        assert_eq!(s.at(3.0 * 0.1 - 0.1).unwrap()[0], 2.0); // 0.20000000000000004 and 0.19999999999999998 alike
        assert_eq!(s.at(0.2 - 1e-15).unwrap()[0], 2.0);
        assert_eq!(s.at(0.19).unwrap()[0], 1.0);
    }
}
