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

const AXES: [&str; 3] = ["x", "y", "z"];
const INERTIA: [(&str, usize, usize); 6] =
    [("ixx", 0, 0), ("iyy", 1, 1), ("izz", 2, 2), ("ixy", 0, 1), ("ixz", 0, 2), ("iyz", 1, 2)];

impl<T: Scalar> Multibody<T> {
    /// Every parameter with its name, in a stable order.
    pub fn params(&self) -> Vec<(String, MultibodyParam)> {
        let mut out = Vec::new();
        let robot = &self.name;
        for (body, name) in self.body_names.iter().enumerate() {
            out.push((format!("{robot}.{name}.mass"), MultibodyParam::Mass { body }));
            for (axis, a) in AXES.iter().enumerate() {
                out.push((format!("{robot}.{name}.com.{a}"), MultibodyParam::Com { body, axis }));
            }
            for (label, row, col) in INERTIA {
                out.push((format!("{robot}.{name}.inertia.{label}"), MultibodyParam::Inertia { body, row, col }));
            }
        }
        for (joint, j) in self.joints.iter().enumerate() {
            let name = &j.name;
            out.push((format!("{robot}.{name}.damping"), MultibodyParam::Damping { joint }));
            out.push((format!("{robot}.{name}.friction"), MultibodyParam::Friction { joint }));
            out.push((format!("{robot}.{name}.armature"), MultibodyParam::Armature { joint }));
        }
        for (axis, a) in AXES.iter().enumerate() {
            out.push((format!("{robot}.gravity.{a}"), MultibodyParam::Gravity { axis }));
        }
        out
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
            MultibodyParam::Mass { body } => self.inertias[body].mass.clone(),
            MultibodyParam::Com { body, axis } => self.inertias[body].com[axis].clone(),
            MultibodyParam::Inertia { body, row, col } => self.inertias[body].rotational[(row, col)].clone(),
            MultibodyParam::Damping { joint } => self.joints[joint].damping.clone(),
            MultibodyParam::Friction { joint } => self.joints[joint].friction.clone(),
            MultibodyParam::Armature { joint } => self.joints[joint].armature.clone(),
            MultibodyParam::Gravity { axis } => self.gravity[axis].clone(),
        }
    }

    /// Sets a parameter (an off-diagonal inertia entry sets its symmetric partner too).
    pub fn set_param(&mut self, p: MultibodyParam, value: T) {
        match p {
            MultibodyParam::Mass { body } => self.inertias[body].mass = value,
            MultibodyParam::Com { body, axis } => self.inertias[body].com[axis] = value,
            MultibodyParam::Inertia { body, row, col } => {
                self.inertias[body].rotational[(row, col)] = value.clone();
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
            out.set_param(*p, v.clone());
        }
        out
    }

    /// The current values of the listed parameters.
    pub fn param_values(&self, params: &[MultibodyParam]) -> Vec<f64> {
        params.iter().map(|p| self.param(*p)).collect()
    }
}
