//! The ground: the solid half-space `z ≤ 0` with compliant contact and regularised Coulomb friction.
//!
//! The force law itself is in [`crate::particles::ground_contact_force`], which documents it in full.

use crate::Scalar;

/// Material of the ground half-space `z ≤ 0` (the surface is the plane `z = 0`, normal `+z`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ground<T: Scalar> {
    /// Contact stiffness `k` in N/m: the normal force per metre of penetration.
    pub stiffness: T,
    /// Contact damping `c` in N·s/m. For a particle of mass `m` the damping ratio is `ζ = c / (2√(k m))` and the
    /// coefficient of restitution of a bounce is about `e = exp(−π ζ / √(1 − ζ²))`.
    pub damping: T,
    /// Coulomb friction coefficient `μ` (dimensionless).
    pub friction: T,
    /// Penetration depth `δ` in m over which the contact force ramps in (C¹ smoothstep), so that it is smooth at
    /// touch-down. Default `1e-3` m; make it at least ~5 × (impact speed × `dt`). Zero switches the ramp off.
    pub ramp_depth: T,
    /// Slip velocity in m/s below which friction is regularised (behaves like viscous friction of coefficient
    /// `μ F_n / v_s`). Default `0.01` m/s. Semi-implicit Euler stays stable at rest while `μ g dt / v_s < 2`.
    pub slip_velocity: T,
    /// Coefficient of restitution of the ground for rigid bodies, in `[0, 1]` (default 0); a body–ground
    /// contact uses `max(e_body, e_ground)`. Particles bounce as the stiffness and damping say.
    pub restitution: T,
}

impl<T: Scalar> Ground<T> {
    /// Default contact ramp depth in m (suits impacts of a few m/s at `dt = 1e-4` s).
    pub const DEFAULT_RAMP_DEPTH: f64 = 1e-3;
    /// Default friction regularisation velocity in m/s.
    pub const DEFAULT_SLIP_VELOCITY: f64 = 1e-2;

    /// A ground of the given stiffness (N/m), damping (N·s/m) and friction coefficient, with the default ramp
    /// depth and slip velocity and no restitution (the defaults of a scene file's `[ground]`).
    ///
    /// ```
    /// use diffphys::model::Ground;
    /// let bouncy = Ground { restitution: 0.5, ..Ground::new(1e5, 0.0, 0.4) };
    /// assert_eq!((bouncy.ramp_depth, bouncy.slip_velocity, bouncy.restitution), (1e-3, 1e-2, 0.5));
    /// ```
    pub fn new(stiffness: T, damping: T, friction: T) -> Self {
        Ground {
            stiffness,
            damping,
            friction,
            ramp_depth: T::constant(Self::DEFAULT_RAMP_DEPTH),
            slip_velocity: T::constant(Self::DEFAULT_SLIP_VELOCITY),
            restitution: T::constant(0.0),
        }
    }
}

impl Ground<f64> {
    /// The same ground over scalar `D` (constants).
    pub fn lift<D: Scalar>(&self) -> Ground<D> {
        Ground {
            stiffness: D::constant(self.stiffness),
            damping: D::constant(self.damping),
            friction: D::constant(self.friction),
            ramp_depth: D::constant(self.ramp_depth),
            slip_velocity: D::constant(self.slip_velocity),
            restitution: D::constant(self.restitution),
        }
    }
}
