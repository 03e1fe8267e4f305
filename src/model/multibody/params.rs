//! Named parameters of a multibody model, for differentiation and identification.
//!
//! | name | meaning | unit |
//! |---|---|---|
//! | `<robot>.<link>.mass` | body mass (merged links included) | kg |
//! | `<robot>.<link>.com.x` / `.y` / `.z` | centre of mass in the body frame | m |
//! | `<robot>.<link>.inertia.ixx` … `.izz`, `.ixy`, `.ixz`, `.iyz` | rotational inertia about the centre of mass | kg·m² |
//! | `<robot>.<joint>.damping` / `.friction` / `.armature` | passive joint properties | N·m·s, N·m, kg·m² |
//! | `<robot>.gravity.x` / `.y` / `.z` | gravity | m/s² |
//!
//! `<link>` is a moving body's name (the child link of a non-fixed joint).

use super::Multibody;
use crate::{Error, Result, Scalar};

/// A resolved multibody parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[allow(missing_docs)]
pub enum MultibodyParam {
    Mass {
        body: usize,
    },
    Com {
        body: usize,
        axis: usize,
    },
    /// Entry `(row, col)` of the rotational inertia (the symmetric partner is set with it).
    Inertia {
        body: usize,
        row: usize,
        col: usize,
    },
    Damping {
        joint: usize,
    },
    Friction {
        joint: usize,
    },
    Armature {
        joint: usize,
    },
    Gravity {
        axis: usize,
    },
}

impl MultibodyParam {
    /// `true` for parameters that may take any sign (centre of mass, off-diagonal inertia, gravity); the others
    /// must stay ≥ 0.
    pub fn is_signed(self) -> bool {
        match self {
            MultibodyParam::Com { .. } | MultibodyParam::Gravity { .. } => true,
            MultibodyParam::Inertia { row, col, .. } => row != col,
            _ => false,
        }
    }
}

const AXES: [&str; 3] = ["x", "y", "z"];
const INERTIA: [(&str, usize, usize); 6] =
    [("ixx", 0, 0), ("iyy", 1, 1), ("izz", 2, 2), ("ixy", 0, 1), ("ixz", 0, 2), ("iyz", 1, 2)];

impl<T: Scalar> Multibody<T> {
    /// Every parameter with its name, in a stable order.
    pub fn params(&self) -> Vec<(String, MultibodyParam)> {
        let mut ids = Vec::new();
        for body in 0..self.body_names.len() {
            ids.push(MultibodyParam::Mass { body });
            ids.extend((0..3).map(|axis| MultibodyParam::Com { body, axis }));
            ids.extend(INERTIA.iter().map(|&(_, row, col)| MultibodyParam::Inertia { body, row, col }));
        }
        for joint in 0..self.joints.len() {
            ids.extend([
                MultibodyParam::Damping { joint },
                MultibodyParam::Friction { joint },
                MultibodyParam::Armature { joint },
            ]);
        }
        ids.extend((0..3).map(|axis| MultibodyParam::Gravity { axis }));
        ids.into_iter().map(|p| (self.param_name(p), p)).collect()
    }

    /// The dotted name of a parameter, e.g. `arm.forearm_link.mass` or `arm.elbow_joint.damping`.
    pub fn param_name(&self, p: MultibodyParam) -> String {
        let robot = &self.name;
        match p {
            MultibodyParam::Mass { body } => format!("{robot}.{}.mass", self.body_names[body]),
            MultibodyParam::Com { body, axis } => format!("{robot}.{}.com.{}", self.body_names[body], AXES[axis]),
            MultibodyParam::Inertia { body, row, col } => {
                let label =
                    INERTIA.iter().find(|&&(_, r, c)| (r, c) == (row.min(col), row.max(col))).map_or("", |e| e.0);
                format!("{robot}.{}.inertia.{label}", self.body_names[body])
            }
            MultibodyParam::Damping { joint } => format!("{robot}.{}.damping", self.joints[joint].name),
            MultibodyParam::Friction { joint } => format!("{robot}.{}.friction", self.joints[joint].name),
            MultibodyParam::Armature { joint } => format!("{robot}.{}.armature", self.joints[joint].name),
            MultibodyParam::Gravity { axis } => format!("{robot}.gravity.{}", AXES[axis]),
        }
    }

    /// Resolves parameter names.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] for a name the model does not have.
    pub fn resolve_params(&self, names: &[impl AsRef<str>]) -> Result<Vec<MultibodyParam>> {
        let table = self.params();
        names
            .iter()
            .map(|n| {
                let n = n.as_ref();
                table
                    .iter()
                    .find(|(name, _)| name == n)
                    .map(|(_, p)| *p)
                    .ok_or_else(|| Error::UnknownParameter { name: n.to_string() })
            })
            .collect()
    }

    /// The current value of a parameter.
    pub fn param(&self, p: MultibodyParam) -> T {
        match p {
            MultibodyParam::Mass { body } => self.inertias[body].mass,
            MultibodyParam::Com { body, axis } => self.inertias[body].com[axis],
            MultibodyParam::Inertia { body, row, col } => self.inertias[body].rotational[(row, col)],
            MultibodyParam::Damping { joint } => self.joints[joint].damping,
            MultibodyParam::Friction { joint } => self.joints[joint].friction,
            MultibodyParam::Armature { joint } => self.joints[joint].armature,
            MultibodyParam::Gravity { axis } => self.gravity[axis],
        }
    }

    /// Sets a parameter (an off-diagonal inertia entry sets its symmetric partner too).
    pub fn set_param(&mut self, p: MultibodyParam, value: T) {
        match p {
            MultibodyParam::Mass { body } => self.inertias[body].mass = value,
            MultibodyParam::Com { body, axis } => self.inertias[body].com[axis] = value,
            MultibodyParam::Inertia { body, row, col } => {
                self.inertias[body].rotational[(row, col)] = value;
                self.inertias[body].rotational[(col, row)] = value;
            }
            MultibodyParam::Damping { joint } => self.joints[joint].damping = value,
            MultibodyParam::Friction { joint } => self.joints[joint].friction = value,
            MultibodyParam::Armature { joint } => self.joints[joint].armature = value,
            MultibodyParam::Gravity { axis } => self.gravity[axis] = value,
        }
    }
}

impl Multibody<f64> {
    /// This model over the scalar `D` with the listed parameters set to `values` (typically dual numbers seeded
    /// for differentiation).
    ///
    /// ```
    /// use diffphys::model::multibody::sample;
    /// use num_dual::Dual64;
    /// let arm = sample::double_pendulum();
    /// let p = arm.resolve_params(&["double_pendulum.upper.mass"]).unwrap();
    /// let lifted = arm.with_params::<Dual64>(&p, &[Dual64::from(1.0).derivative()]);
    /// assert_eq!(lifted.inertias[0].mass.eps, 1.0);
    /// ```
    ///
    /// # Panics
    /// If `params` and `values` differ in length.
    pub fn with_params<D: Scalar>(&self, params: &[MultibodyParam], values: &[D]) -> Multibody<D> {
        assert_eq!(params.len(), values.len(), "with_params: one value per parameter");
        let mut out = self.lift::<D>();
        for (p, v) in params.iter().zip(values) {
            out.set_param(*p, *v);
        }
        out
    }

    /// The current values of the listed parameters.
    pub fn param_values(&self, params: &[MultibodyParam]) -> Vec<f64> {
        params.iter().map(|p| self.param(*p)).collect()
    }
}
