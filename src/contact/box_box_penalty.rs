//! The compliant model's box–box contact: a penalty that derives from a potential of the two poses, so that
//! contact between boxes can only remove energy.

use super::compliant::{damping_ratio_for_restitution, PenaltyLaw};
use crate::geometry::narrow_phase::{box_overlap, edge_penetrations};
use crate::geometry::ContactGeometry;
use crate::model::ContactSettings;
use crate::scalar::{re, recip, smoothstep, sqrt};
use crate::spatial::Force;
use crate::spatial::Transform;
use crate::Scalar;
use nalgebra::{Matrix3, Vector3};

/// Each edge of a box inside the other box is a spring of this share of [`ContactSettings::stiffness`]: a box
/// lying on a face has four bottom edges and four upright edges ending in it, `8 × ½ = 4` springs' worth, as
/// many as the four corners of the separating-axis manifold.
pub const EDGE_SHARE: f64 = 0.5;

/// The overlap-volume term is as stiff as this many contact springs when a face of area `A_ref` lies on a face
/// (`A_ref`: the larger face of the smaller box). It alone holds boxes whose faces are exactly aligned, where
/// every edge sits on a face plane at zero depth.
pub const VOLUME_SHARE: f64 = 2.0;

/// One box of a pair: where it is, how it moves, how it resists being pushed.
#[derive(Debug, Clone, Copy)]
pub struct BoxBody<'a, T: Scalar> {
    /// Pose of the centre of mass (the box's centre).
    pub pose: &'a Transform<T>,
    /// Half extents along the body axes, m.
    pub half: &'a Vector3<T>,
    /// Velocity of the centre, m/s.
    pub velocity: &'a Vector3<T>,
    /// Angular velocity, world axes, rad/s.
    pub angular_velocity: &'a Vector3<T>,
    /// Mass, kg.
    pub mass: &'a T,
    /// Inverse inertia in world axes, 1/(kg m²).
    pub inverse_inertia: &'a Matrix3<T>,
}

/// Adds the force `f` (N) acting at `arm` (m) from the centre of mass to `wrench` (a [`Force`] about the centre
/// of mass: `angular` is the torque, `linear` the force).
fn add_at<T: Scalar>(wrench: &mut Force<T>, f: &Vector3<T>, arm: &Vector3<T>) {
    wrench.angular += arm.cross(f);
    wrench.linear += f;
}

/// The velocity of `a`'s material point at `p` relative to `b`'s, the arms from both centres, and the mass the
/// point has when pushed sideways (a lower bound, as in the other compliant contacts).
struct PointMotion<T: Scalar> {
    arm_a: Vector3<T>,
    arm_b: Vector3<T>,
    relative_velocity: Vector3<T>,
    sliding_mass: T,
}

fn point_motion<T: Scalar>(a: &BoxBody<'_, T>, b: &BoxBody<'_, T>, p: &Vector3<T>) -> PointMotion<T> {
    let arm_a = p - a.pose.translation;
    let arm_b = p - b.pose.translation;
    let relative_velocity =
        a.velocity + a.angular_velocity.cross(&arm_a) - b.velocity - b.angular_velocity.cross(&arm_b);
    let sideways = recip(a.mass)
        + arm_a.norm_squared() * a.inverse_inertia.trace()
        + recip(b.mass)
        + arm_b.norm_squared() * b.inverse_inertia.trace();
    PointMotion { arm_a, arm_b, relative_velocity, sliding_mass: recip(&sideways) }
}

/// The area of the largest face of a box with half extents `half`, m².
fn largest_face<T: Scalar>(half: &Vector3<T>) -> T {
    let faces = [(0, 1), (1, 2), (0, 2)].map(|(i, j)| half[i] * half[j] * 4.0);
    faces.into_iter().fold(T::zero(), |best, f| if re(&f) > re(&best) { f } else { best })
}

/// The compliant contact between two boxes: the wrenches on `a` and on `b`, with `friction` and `restitution`
/// the pair's combined coefficients. The deepest point of every penetrating edge is passed to `report` (for
/// inspection; the normal, point and signed depth of [`EdgePenetration`](crate::geometry::narrow_phase::EdgePenetration)).
///
/// # Model
/// The elastic part is the exact gradient of the potential
///
/// `U = Σ_edges ½ k_e R(D_e) + κ W(V)`,
///
/// * `D_e`, the depth of each edge of either box inside the other ([`edge_penetrations`]), with
///   `k_e = EDGE_SHARE · k` and `R(D) = 2 ∫₀^D x s(x/δ) dx` (the contact ramp `s` over `ramp_depth δ`);
/// * `V`, the volume of the overlap ([`box_overlap`]), with `κ = VOLUME_SHARE · k / A_ref²` and
///   `W(V) = ∫₀^V v s(v / (A_ref δ)) dv`, so that a face of area `A_ref` pressed `d` deep pushes back with
///   `VOLUME_SHARE · k · d`.
///
/// Both terms are continuous functions of the two poses and their forces are exact gradients (torques
/// included), so in continuous time the boxes' energy plus `U` never grows: the separating-axis manifold used
/// by the impulse model is not a potential (its points and normals jump while penetrating) and could gain up
/// to 17% of the energy in near-elastic impacts. Damping and friction are added per edge point and at the
/// overlap's centroid with the law of [`compliant_contact_force`](super::compliant_contact_force): a damping
/// force along the normal that never pulls (it can only cancel the spring) and regularised Coulomb friction,
/// both of which only remove energy. Damping coefficients follow each term's stiffness along its normal
/// (`k_e slope²` for an edge, `κ |∂V/∂x|²` for the volume) and the pair's reduced mass.
///
/// # Gradients at the switches
/// Which end or kink of an edge is deepest and which faces clip the overlap are decided on the real parts;
/// inside each piece dual numbers differentiate the exact formulas. The potential is continuous across every
/// switch and its gradient jumps only where the deepest point of an edge changes face (a kink of the depth) or
/// where faces are exactly coplanar; with the ramp, forces start from zero with zero slope at first contact.
pub fn box_box_penalty<T: Scalar>(
    settings: &ContactSettings<T>,
    a: &BoxBody<'_, T>,
    b: &BoxBody<'_, T>,
    friction: &T,
    restitution: &T,
    dt: f64,
    report: &mut impl FnMut(ContactGeometry<T>),
) -> (Force<T>, Force<T>) {
    let (mut on_a, mut on_b) = (Force::zero(), Force::zero());
    let k = settings.stiffness;
    let zeta = damping_ratio_for_restitution(restitution);
    let reduced = *a.mass * *b.mass * recip(&(*a.mass + *b.mass));
    let ramp_of = |depth: T, scale: &T| {
        if re(&settings.ramp_depth) > 0.0 {
            smoothstep(depth * recip(&(settings.ramp_depth * *scale)))
        } else {
            T::one()
        }
    };
    let apply = |on_a: &mut Force<T>,
                 on_b: &mut Force<T>,
                 law: PenaltyLaw<T>,
                 normal: &Vector3<T>,
                 p: &Vector3<T>,
                 elastic: Option<Vector3<T>>| {
        let motion = point_motion(a, b, p);
        let mut f = law.force(
            normal,
            &motion.relative_velocity,
            friction,
            &motion.sliding_mass,
            &settings.slip_velocity,
            dt,
            None,
        );
        if let Some(elastic) = elastic {
            f -= elastic; // applied exactly elsewhere: only damping and friction act at this point
        }
        add_at(on_a, &f, &motion.arm_a);
        add_at(on_b, &-f, &motion.arm_b);
    };
    let k_edge = k * EDGE_SHARE;
    let edge_damping = zeta * sqrt(&(k_edge * reduced)) * 2.0;
    edge_penetrations(a.pose, a.half, b.pose, b.half, &mut |edge| {
        let depth = -edge.geometry.distance;
        let law = PenaltyLaw {
            spring: k_edge * depth * edge.slope,
            ramp: ramp_of(depth, &T::one()),
            damping: edge_damping * edge.slope,
            clamp: 0.5,
        };
        apply(&mut on_a, &mut on_b, law, &edge.geometry.normal, &edge.geometry.point, None);
        report(edge.geometry);
    });
    if let Some(overlap) = box_overlap(a.pose, a.half, b.pose, b.half) {
        let gradient = sqrt(&overlap.area.norm_squared());
        if re(&gradient) > 0.0 {
            let reference = {
                let (fa, fb) = (largest_face(a.half), largest_face(b.half));
                if re(&fa) < re(&fb) {
                    fa
                } else {
                    fb
                }
            };
            let kappa = k * VOLUME_SHARE * recip(&(reference * reference));
            let ramp = ramp_of(overlap.volume, &reference);
            // elastic: −κ W'(V) ∂V/∂(x, θ) on a; on b the opposite force and the torque that balances it
            let pressure = kappa * overlap.volume * ramp;
            let force = -&overlap.area * pressure;
            let torque = -&overlap.moment * pressure;
            on_b.angular -= torque + (a.pose.translation - b.pose.translation).cross(&force);
            on_b.linear -= &force;
            on_a.linear += &force;
            on_a.angular += torque;
            let normal = -&overlap.area * recip(&gradient);
            let law = PenaltyLaw {
                spring: kappa * overlap.volume * gradient,
                ramp,
                damping: zeta * sqrt(&(kappa * reduced)) * gradient * 2.0,
                clamp: 0.5,
            };
            let elastic = normal * (pressure * gradient);
            apply(&mut on_a, &mut on_b, law, &normal, &overlap.centroid, Some(elastic));
        }
    }
    (on_a, on_b)
}
