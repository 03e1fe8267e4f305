//! Sample multibody models: closed-form classics for tests and control, and seeded random trees.

use super::{Joint, JointKind, JointLimits, Multibody};
use crate::geometry::Shape;
use crate::model::Collider;
use crate::spatial::{Inertia, Transform};
use nalgebra::{Matrix3, Vector3};
use rand::Rng;

/// A uniform rod of mass `m` (kg) and length `l` (m) along the body's −z axis from the origin: centre of mass at
/// `(0, 0, −l/2)`, inertia `m l²/12` about the two transverse axes and a small axial inertia (a thin cylinder of
/// radius `l/50`).
pub fn rod(m: f64, l: f64) -> Inertia<f64> {
    let transverse = m * l * l / 12.0;
    let axial = 0.5 * m * (l / 50.0).powi(2);
    Inertia::new(
        m,
        Vector3::new(0.0, 0.0, -l / 2.0),
        Matrix3::from_diagonal(&Vector3::new(transverse, transverse, axial)),
    )
}

/// A planar double pendulum swinging about the y axis: bodies `upper` (1 kg, 1 m) and `lower` (1 kg, 1 m) on
/// revolute joints `shoulder` and `elbow`; both rods hang along −z at `q = 0`.
pub fn double_pendulum() -> Multibody<f64> {
    let mut model = Multibody::new("double_pendulum", "world");
    let axis = JointKind::Revolute { axis: Vector3::y() };
    let shoulder = Joint::new("shoulder", axis.clone(), Transform::identity());
    let upper = model.add_body(None, "upper", shoulder, rod(1.0, 1.0)).expect("valid");
    let elbow = Joint::new("elbow", axis, Transform::from_translation(Vector3::new(0.0, 0.0, -1.0)));
    model.add_body(Some(upper), "lower", elbow, rod(1.0, 1.0)).expect("valid");
    model
}

/// The acrobot: a double pendulum with unit rods whose shoulder is passive (only the elbow is actuated in
/// [`crate::control`] problems). Joint damping 0.
pub fn acrobot() -> Multibody<f64> {
    let mut model = double_pendulum();
    model.name = "acrobot".into();
    model
}

/// A cart-pole: a 1 kg cart on the prismatic joint `slider` (x axis, soft limits ±2.5 m), and a 0.3 kg, 0.6 m pole
/// on the revolute joint `hinge` (y axis), hanging down at `q = 0` and upright at `hinge = π`.
pub fn cartpole() -> Multibody<f64> {
    let mut model = Multibody::new("cartpole", "world");
    let mut slider = Joint::new("slider", JointKind::Prismatic { axis: Vector3::x() }, Transform::identity());
    slider.limits = Some(JointLimits { lower: -2.5, upper: 2.5 });
    let cart_inertia = Inertia::new(1.0, Vector3::zeros(), Matrix3::from_diagonal(&Vector3::new(0.01, 0.02, 0.02)));
    let cart = model.add_body(None, "cart", slider, cart_inertia).expect("valid");
    let hinge = Joint::new("hinge", JointKind::Revolute { axis: Vector3::y() }, Transform::identity());
    model.add_body(Some(cart), "pole", hinge, rod(0.3, 0.6)).expect("valid");
    model
}

/// A single free-floating box (1.5 kg, sides 0.1 × 0.2 × 0.3 m) on a free joint: a floating-base test body.
pub fn floating_box() -> Multibody<f64> {
    let mut model = Multibody::new("floating_box", "world");
    let joint = Joint::new("base", JointKind::Free, Transform::identity());
    let (a, b, c, m) = (0.1_f64, 0.2_f64, 0.3_f64, 1.5);
    let inertia = Matrix3::from_diagonal(&Vector3::new(b * b + c * c, a * a + c * c, a * a + b * b)) * (m / 12.0);
    model.add_body(None, "box", joint, Inertia::new(m, Vector3::new(0.01, -0.02, 0.03), inertia)).expect("valid");
    model
}

/// A solid `shape` of uniform density and mass `mass` (kg) as a one-body robot called `name`: body `link` on the
/// free joint `root_joint` (Pinocchio's free-flyer convention), centre of mass at its origin, one collider of that
/// shape with the default material. Starts at the origin, at rest; set `q0`/`v0` on the `Robot` that wraps it.
///
/// # Errors
/// A mass, or a size of the shape, that is not a finite number > 0, naming it (`<name>.<link>.mass`, `...size`).
///
/// ```
/// use diffphys::geometry::Shape;
/// use diffphys::model::multibody::sample;
/// let ball = sample::solid_on_free_joint("ball", "body", Shape::Sphere { radius: 0.1 }, 1.0).unwrap();
/// assert_eq!((ball.nq(), ball.nv(), ball.colliders.len()), (7, 6, 1));
/// assert!(sample::solid_on_free_joint("ball", "body", Shape::Sphere { radius: 0.1 }, -1.0).is_err());
/// ```
pub fn solid_on_free_joint(name: &str, link: &str, shape: Shape<f64>, mass: f64) -> crate::Result<Multibody<f64>> {
    let field = |what: &str| format!("{name}.{link}.{what}");
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(mass) {
        return Err(crate::Error::invalid(field("mass"), format!("must be a finite number > 0, got {mass}")));
    }
    let sizes: Vec<f64> = match &shape {
        Shape::Sphere { radius } => vec![*radius],
        Shape::Box { size } => size.iter().copied().collect(),
        Shape::Capsule { radius, length } | Shape::Cylinder { radius, length } => vec![*radius, *length],
    };
    if let Some(bad) = sizes.iter().find(|x| !positive(**x)) {
        return Err(crate::Error::invalid(field("size"), format!("must be finite numbers > 0, got {bad}")));
    }
    let mut model = Multibody::new(name, "universe");
    let joint = Joint::new("root_joint", JointKind::Free, Transform::identity());
    let inertia = Inertia::new(mass, Vector3::zeros(), shape.inertia(&mass));
    model.add_body(None, link, joint, inertia)?;
    model.colliders.push(Collider::new(link, Some(0), shape, Transform::identity()));
    Ok(model)
}

/// A random tree of `n` bodies, for property tests: each body's parent is the root or an earlier body; joints are
/// revolute about a random unit axis (3 in 5), prismatic (1 in 5) or spherical (1 in 5); placements, masses (0.5–2 kg), centres of mass and
/// box-shaped inertias are random. With `floating_base`, body 0 hangs from the root by a free joint. Seed the
/// generator for reproducibility.
pub fn random_tree(rng: &mut impl Rng, n: usize, floating_base: bool) -> Multibody<f64> {
    let mut model = Multibody::new("random", "world");
    for i in 0..n {
        let parent = if i == 0 { None } else { Some(rng.random_range(0..i)).filter(|_| rng.random_bool(0.85)) };
        let parent = if floating_base && i > 0 { parent.or(Some(0)) } else { parent };
        let axis = random_unit(rng);
        let kind = if i == 0 && floating_base {
            JointKind::Free
        } else {
            match rng.random_range(0..5) {
                0..3 => JointKind::Revolute { axis },
                3 => JointKind::Prismatic { axis },
                _ => JointKind::Spherical,
            }
        };
        let xyz = Vector3::from_fn(|_, _| rng.random_range(-0.5..0.5));
        let rpy = Vector3::from_fn(|_, _| rng.random_range(-3.0..3.0));
        let joint = Joint::new(&format!("j{i}"), kind, Transform::from_xyz_rpy(xyz, &rpy));
        let mass = rng.random_range(0.5..2.0);
        let dims = Vector3::from_fn(|_, _| rng.random_range(0.05..0.5_f64));
        let principal = Vector3::new(
            dims.y * dims.y + dims.z * dims.z,
            dims.x * dims.x + dims.z * dims.z,
            dims.x * dims.x + dims.y * dims.y,
        ) * (mass / 12.0);
        let rotation =
            Transform::<f64>::from_xyz_rpy(Vector3::zeros(), &Vector3::from_fn(|_, _| rng.random_range(-3.0..3.0)))
                .rotation;
        let rotational = rotation * Matrix3::from_diagonal(&principal) * rotation.transpose();
        let com = Vector3::from_fn(|_, _| rng.random_range(-0.2..0.2));
        model.add_body(parent, &format!("b{i}"), joint, Inertia::new(mass, com, rotational)).expect("parent exists");
    }
    model
}

fn random_unit(rng: &mut impl Rng) -> Vector3<f64> {
    loop {
        let v = Vector3::from_fn(|_, _| rng.random_range(-1.0..1.0));
        let n = v.norm();
        if n > 0.1 && n <= 1.0 {
            return v / n;
        }
    }
}

/// A seeded random state of `model`: joint positions uniform in ±1.5 (free joints: a uniformly random unit
/// quaternion and a position in ±1 m; spherical joints: a uniformly random unit quaternion), velocities in ±1, torques in ±2 — the ranges of the Pinocchio reference
/// states.
pub fn random_state(
    model: &Multibody<f64>,
    rng: &mut impl Rng,
) -> (nalgebra::DVector<f64>, nalgebra::DVector<f64>, nalgebra::DVector<f64>) {
    let mut q = model.neutral();
    for joint in &model.joints {
        let i = joint.q_index;
        match joint.kind.quaternion_offset() {
            Some(offset) => {
                for k in 0..offset {
                    q[i + k] = rng.random_range(-1.0..1.0);
                }
                let quaternion = loop {
                    let x = nalgebra::Vector4::from_fn(|_, _| rng.random_range(-1.0..1.0_f64));
                    if x.norm() > 0.1 && x.norm() <= 1.0 {
                        break x.normalize();
                    }
                };
                for k in 0..4 {
                    q[i + offset + k] = quaternion[k];
                }
            }
            None => q[i] = rng.random_range(-1.5..1.5),
        }
    }
    let v = nalgebra::DVector::from_fn(model.nv(), |_, _| rng.random_range(-1.0..1.0));
    let tau = nalgebra::DVector::from_fn(model.nv(), |_, _| rng.random_range(-2.0..2.0));
    (q, v, tau)
}
