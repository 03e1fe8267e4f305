//! Properties of robots in ground contact over random trees (proptest): a floating base with 1–5 links on
//! revolute and prismatic joints (random axes, lengths, masses, inertias, joint damping), a sphere, capsule or box
//! collider on every body, dropped onto a compliant ground (`contact.stiffness` 5e3–3e4 N/m, 1 ms steps, 0.3 s).
//!
//! - the step never fails and nothing in the state becomes NaN or infinite;
//! - without actuation the energy never grows beyond the step's discretisation error (contact and joint damping
//!   only dissipate), and without dissipation that error falls with the step as a first-order error should;
//! - the `f64` run is the real part of the dual run, bit for bit, at every step;
//! - away from contact switches, dual-number gradients of the final configuration equal central differences: in
//!   free flight (no contact at all: the contact parameters have exactly zero derivative), and on a heavy box
//!   base that stays on its four bottom corners throughout, sliding and rocking while a tree swings on it.
//!
//! Each property states what was measured over thousands of cases and the bound it asserts.

use diffphys::geometry::narrow_phase::shape_ground;
use diffphys::geometry::Shape;
use diffphys::grad::{self, FinalPositions};
use diffphys::model::{Collider, Ground, Joint, JointKind, Model, Multibody, Robot};
use diffphys::multibody::{
    forward_kinematics, kinetic_energy_multibody, potential_energy_multibody, MultibodyWorkspace,
};
use diffphys::sim::{step, State, Workspace};
use diffphys::spatial::{Inertia, Transform};
use nalgebra::{DVector, Matrix3, Vector3};
use num_dual::DualSVec64;
use proptest::prelude::*;

/// The robot's name: parameters are `tree.b2.mass`, `tree.j2.velocity`, ...
const ROBOT: &str = "tree";

/// The collider a link carries.
#[derive(Clone, Copy, Debug)]
enum LinkShape {
    /// A ball of radius `width` at the link's tip.
    Sphere,
    /// A capsule of radius `width` along the link.
    Capsule,
    /// A `2 width × 2 width × length` box along the link.
    Box,
}

/// One link of a random tree: a rod of `length` from its joint along the direction (`polar`, `azimuth`) of its
/// own frame, its children attached at its tip.
#[derive(Clone, Debug)]
struct Link {
    /// Parent body: 0 is the base, `k` the link `k − 1` of the list (always an earlier body).
    parent: usize,
    prismatic: bool,
    /// Joint axis, spherical angles (rad).
    axis: (f64, f64),
    /// Direction of the rod, spherical angles (rad).
    direction: (f64, f64),
    /// Where a link on the base is attached, in the base frame (m); links on links attach at the parent's tip.
    anchor: Vector3<f64>,
    length: f64,
    width: f64,
    mass: f64,
    shape: LinkShape,
    damping: f64,
    q0: f64,
    v0: f64,
}

/// A random tree on a floating base, and where and how it starts.
#[derive(Clone, Debug)]
struct Tree {
    base_shape: Shape<f64>,
    base_mass: f64,
    /// Base orientation: a (not yet normalised) quaternion `[x, y, z, w]`.
    base_orientation: [f64; 4],
    /// Base twist in base axes, `[v; ω]`.
    base_velocity: [f64; 6],
    links: Vec<Link>,
    /// Height of the lowest point of any collider above the ground at the start (m).
    clearance: f64,
    stiffness: f64,
    ground_friction: f64,
    restitution: f64,
}

fn unit(polar: f64, azimuth: f64) -> Vector3<f64> {
    Vector3::new(polar.sin() * azimuth.cos(), polar.sin() * azimuth.sin(), polar.cos())
}

/// The rotation that takes the z axis to `unit(polar, azimuth)`.
fn z_to(polar: f64, azimuth: f64) -> Matrix3<f64> {
    Transform::from_xyz_rpy(Vector3::zeros(), &Vector3::new(0.0, polar, azimuth)).rotation
}

fn angles() -> impl Strategy<Value = (f64, f64)> {
    (0.0..std::f64::consts::PI, -std::f64::consts::PI..std::f64::consts::PI)
}

fn link(index: usize) -> impl Strategy<Value = Link> {
    let parent = 0..index + 1;
    let shape = prop_oneof![Just(LinkShape::Sphere), Just(LinkShape::Capsule), Just(LinkShape::Box)];
    let anchor = (-0.1..0.1, -0.1..0.1, -0.1..0.1).prop_map(|(x, y, z)| Vector3::new(x, y, z));
    (
        (parent, prop::bool::weighted(0.25), angles(), angles(), anchor),
        (0.1..0.3, 0.02..0.05, 0.3..1.5, shape, 0.01..0.5, -1.0..1.0, -2.0..2.0),
    )
        .prop_map(
            |((parent, prismatic, axis, direction, anchor), (length, width, mass, shape, damping, q0, v0))| Link {
                parent,
                prismatic,
                axis,
                direction,
                anchor,
                length,
                width,
                mass,
                shape,
                damping,
                // a prismatic joint starts within 5 cm and moves at most 0.3 m/s
                q0: if prismatic { 0.05 * q0 } else { q0 },
                v0: if prismatic { 0.15 * v0 } else { v0 },
            },
        )
}

fn base_shape() -> impl Strategy<Value = Shape<f64>> {
    prop_oneof![
        (0.06..0.12).prop_map(|radius| Shape::Sphere { radius }),
        (0.1..0.3, 0.1..0.3, 0.05..0.2).prop_map(|(x, y, z)| Shape::Box { size: Vector3::new(x, y, z) }),
        (0.05..0.1, 0.1..0.3).prop_map(|(radius, length)| Shape::Capsule { radius, length }),
    ]
}

/// Random trees of 2–6 bodies dropped from up to 10 cm onto the ground.
fn tree() -> impl Strategy<Value = Tree> {
    (1usize..=5)
        .prop_flat_map(|n| {
            let links: Vec<_> = (0..n).map(link).collect();
            let quaternion = (-1.0..1.0, -1.0..1.0, -1.0..1.0, -1.0..1.0)
                .prop_filter("non-zero", |(x, y, z, w): &(f64, f64, f64, f64)| x * x + y * y + z * z + w * w > 0.1)
                .prop_map(|(x, y, z, w)| [x, y, z, w]);
            let twist = (-0.5..0.5, -0.5..0.5, -0.5..0.5, -2.0..2.0, -2.0..2.0, -2.0..2.0)
                .prop_map(|(a, b, c, d, e, f)| [a, b, c, d, e, f]);
            ((base_shape(), 1.0..4.0, quaternion, twist, links), (0.005..0.1, 5e3..3e4, 0.2..1.0, 0.0..0.8))
        })
        .prop_map(|((base_shape, base_mass, base_orientation, base_velocity, links), (clearance, stiffness, mu, e))| {
            Tree {
                base_shape,
                base_mass,
                base_orientation,
                base_velocity,
                links,
                clearance,
                stiffness,
                ground_friction: mu,
                restitution: e,
            }
        })
}

/// The multibody of `tree`: body `b0` on the free joint `root_joint`, bodies `b1`… on joints `j1`….
fn multibody(tree: &Tree) -> Multibody<f64> {
    let mut mb = Multibody::new(ROBOT, "world");
    let base_inertia = Inertia::new(tree.base_mass, Vector3::zeros(), tree.base_shape.inertia(&tree.base_mass));
    mb.add_body(None, "b0", Joint::new("root_joint", JointKind::Free, Transform::identity()), base_inertia).unwrap();
    let mut base_collider = Collider::new("b0", Some(0), tree.base_shape.clone(), Transform::identity());
    base_collider.restitution = tree.restitution;
    mb.colliders.push(base_collider);
    for (k, link) in tree.links.iter().enumerate() {
        let i = k + 1;
        let anchor = if link.parent == 0 {
            link.anchor
        } else {
            let p = &tree.links[link.parent - 1];
            unit(p.direction.0, p.direction.1) * p.length
        };
        let axis = unit(link.axis.0, link.axis.1);
        let kind = if link.prismatic { JointKind::Prismatic { axis } } else { JointKind::Revolute { axis } };
        let mut joint = Joint::new(&format!("j{i}"), kind, Transform::from_translation(anchor));
        joint.damping = link.damping;
        let rotation = z_to(link.direction.0, link.direction.1);
        let dir = unit(link.direction.0, link.direction.1);
        let rod = Shape::Box { size: Vector3::new(2.0 * link.width, 2.0 * link.width, link.length) };
        let inertia = Inertia::new(
            link.mass,
            dir * (link.length / 2.0),
            rotation * rod.inertia(&link.mass) * rotation.transpose(),
        );
        mb.add_body(Some(link.parent), &format!("b{i}"), joint, inertia).unwrap();
        let (shape, centre) = match link.shape {
            LinkShape::Sphere => (Shape::Sphere { radius: link.width }, dir * link.length),
            LinkShape::Capsule => {
                (Shape::Capsule { radius: link.width, length: link.length }, dir * (link.length / 2.0))
            }
            LinkShape::Box => (rod, dir * (link.length / 2.0)),
        };
        let mut collider = Collider::new(&format!("b{i}"), Some(i), shape, Transform::new(rotation, centre));
        collider.restitution = tree.restitution;
        mb.colliders.push(collider);
    }
    mb
}

/// The lowest point of any collider of robot 0 at configuration `q` (m above the ground).
fn lowest_point(robot: &Robot<f64>, q: &DVector<f64>) -> f64 {
    let mut ws = MultibodyWorkspace::new(&robot.multibody);
    forward_kinematics(&robot.multibody, &mut ws, q, &DVector::zeros(robot.multibody.nv()));
    let poses = diffphys::contact::collider_poses(robot, &ws);
    robot
        .multibody
        .colliders
        .iter()
        .zip(&poses)
        .map(|(c, pose)| pose.translation.z - c.shape.aabb_half_extents(&pose.rotation)[2])
        .fold(f64::INFINITY, f64::min)
}

/// The scene of `tree`: 0.3 s at 1 ms, its lowest point `tree.clearance` above a ground with the tree's friction,
/// plus `lift` m.
fn scene(tree: &Tree, lift: f64) -> Model<f64> {
    let mut scene = Model::empty(1e-3, 0.3);
    scene.ground = Some(Ground::new(1e5, 0.0, tree.ground_friction));
    scene.settings.contact.stiffness = tree.stiffness;
    let mut robot = Robot::new(multibody(tree));
    let o = nalgebra::Vector4::from(tree.base_orientation).normalize();
    for k in 0..4 {
        robot.q0[3 + k] = o[k];
    }
    for (k, link) in tree.links.iter().enumerate() {
        robot.q0[7 + k] = link.q0;
        robot.v0[6 + k] = link.v0;
    }
    for k in 0..6 {
        robot.v0[k] = tree.base_velocity[k];
    }
    robot.q0[2] = tree.clearance + lift - lowest_point(&robot, &robot.q0);
    scene.add_robot(robot).unwrap();
    scene
}

/// Elastic energy stored in the ground contacts of robot 0 at `q` (J): `k ∫₀^d s(x/δ) x dx` per contact point of
/// penetration `d`, the potential of the law's spring part (`s` the smoothstep ramp over `δ`).
fn contact_energy(scene: &Model<f64>, q: &DVector<f64>) -> f64 {
    let robot = &scene.robots[0];
    let mut ws = MultibodyWorkspace::new(&robot.multibody);
    forward_kinematics(&robot.multibody, &mut ws, q, &DVector::zeros(robot.multibody.nv()));
    let poses = diffphys::contact::collider_poses(robot, &ws);
    let (k, delta) = (scene.settings.contact.stiffness, scene.settings.contact.ramp_depth);
    let mut energy = 0.0;
    for (c, pose) in robot.multibody.colliders.iter().zip(&poses) {
        shape_ground(&c.shape, pose, 0.0, &mut |g| {
            let d = -g.distance;
            energy += if d <= 0.0 {
                0.0
            } else if d < delta {
                k * (0.75 * d.powi(4) / (delta * delta) - 0.4 * d.powi(5) / delta.powi(3))
            } else {
                k * (0.35 * delta * delta + 0.5 * (d * d - delta * delta))
            };
        });
    }
    energy
}

/// Kinetic plus gravitational potential energy of robot 0 (J), the potential zero at the ground.
fn mechanical_energy(scene: &Model<f64>, q: &DVector<f64>, v: &DVector<f64>) -> f64 {
    let mb = &scene.robots[0].multibody;
    let mut ws = MultibodyWorkspace::new(mb);
    kinetic_energy_multibody(mb, &mut ws, q, v) + potential_energy_multibody(mb, &mut ws, q)
}

/// Steps `scene` to its end, calling `each(state, ws)` after every step; the first error fails the property.
fn run(
    scene: &Model<f64>,
    mut each: impl FnMut(&State<f64>, &Workspace<f64>) -> Result<(), TestCaseError>,
) -> Result<State<f64>, TestCaseError> {
    let mut state = State::initial(scene);
    let mut ws = Workspace::new(0);
    for _ in 0..scene.settings.n_steps() {
        let result = step(scene, &mut state, &mut ws);
        prop_assert!(result.is_ok(), "step {} failed: {:?}", state.step, result);
        each(&state, &ws)?;
    }
    Ok(state)
}

/// The largest rise of `total` energy above its running minimum, and the largest change of `potential` energy in
/// one step, over a run.
#[derive(Default)]
struct EnergyWatch {
    low: f64,
    rise: f64,
    last_potential: Option<f64>,
    step_work: f64,
}

impl EnergyWatch {
    fn observe(&mut self, total: f64, potential: f64) {
        if let Some(last) = self.last_potential {
            self.step_work = self.step_work.max((potential - last).abs());
            self.low = self.low.min(total);
        } else {
            self.low = total;
        }
        self.rise = self.rise.max(total - self.low);
        self.last_potential = Some(potential);
    }
}

/// The energy of robot 0 over a run of `scene`: the watch over `E = KE + PE + U` (`U` the elastic energy of the
/// contact springs) at every state, the end's `KE + PE` minus the start's, and whether anything touched the ground.
fn energy_run(scene: &Model<f64>) -> Result<(EnergyWatch, f64, bool), TestCaseError> {
    let mb = &scene.robots[0].multibody;
    let mut mws = MultibodyWorkspace::new(mb);
    let mut watch = EnergyWatch::default();
    let mut observe = |q: &DVector<f64>, v: &DVector<f64>| {
        let potential = potential_energy_multibody(mb, &mut mws, q) + contact_energy(scene, q);
        watch.observe(kinetic_energy_multibody(mb, &mut mws, q, v) + potential, potential);
    };
    let start = State::initial(scene);
    observe(&start.robots[0].q, &start.robots[0].v);
    let mut touched = false;
    let last = run(scene, |s, ws| {
        observe(&s.robots[0].q, &s.robots[0].v);
        touched |= !ws.link_contacts.is_empty();
        Ok(())
    })?;
    let gain = mechanical_energy(scene, &last.robots[0].q, &last.robots[0].v)
        - mechanical_energy(scene, &start.robots[0].q, &start.robots[0].v);
    Ok((watch, gain, touched))
}

/// `tree` with nothing that dissipates: elastic contacts (restitution 1, no contact damping), no friction, no joint
/// damping.
fn elastic(mut tree: Tree) -> Tree {
    tree.restitution = 1.0;
    tree.ground_friction = 0.0;
    tree.links.iter_mut().for_each(|l| l.damping = 0.0);
    tree
}

/// `tree` made to stand still on the ground: its base a heavy (15–30 kg) flat box resting on its face at its static
/// sinking depth, yawed and sliding along the ground, with the tree on a mast above it, high enough that no link
/// reaches the ground. `base` = (size x, size y, size z, mass), `slide` = (vx, vy, ωz).
fn standing(mut tree: Tree, base: (f64, f64, f64, f64), yaw: f64, slide: (f64, f64, f64)) -> Tree {
    let (x, y, z, mass) = base;
    tree.base_shape = Shape::Box { size: Vector3::new(x, y, z) };
    tree.base_mass = mass;
    tree.base_orientation = [0.0, 0.0, (yaw / 2.0).sin(), (yaw / 2.0).cos()];
    tree.base_velocity = [slide.0, slide.1, 0.0, 0.0, 0.0, slide.2];
    tree.restitution = tree.restitution.min(0.5);
    // a light tree (0.09–0.45 kg a link) whose swinging does not tip the base onto an edge
    tree.links.iter_mut().for_each(|l| l.mass *= 0.3);
    // the chain hanging from the mast reaches at most Σ (length + 2 width), a prismatic joint slides at most
    // 0.05 m + 0.3 m/s · 0.3 s + g (0.3 s)² / 2 < 0.6 m
    let reach: f64 = tree.links.iter().map(|l| l.length + 2.0 * l.width + if l.prismatic { 0.6 } else { 0.0 }).sum();
    for link in tree.links.iter_mut().filter(|l| l.parent == 0) {
        link.anchor.z = z / 2.0 + reach + 0.05;
    }
    // static sinking: the weight on four corners, s(d/δ) k d = m g / 4 (s the ramp over δ = 1 mm), by bisection
    let weight = (mass + tree.links.iter().map(|l| l.mass).sum::<f64>()) * 9.81;
    let force = |d: f64| {
        let s = (d / 1e-3).min(1.0);
        s * s * (3.0 - 2.0 * s) * tree.stiffness * d
    };
    let (mut lo, mut hi) = (0.0, 0.1);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if force(mid) < weight / 4.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    tree.clearance = -lo;
    tree
}

/// Names of parameters of `tree`'s scene: link `link`'s mass (1-based: body `b<link>`), joint `j<joint>`'s field.
fn link_mass(link: usize) -> String {
    format!("{ROBOT}.b{link}.mass")
}

fn joint_param(joint: usize, field: &str) -> String {
    format!("{ROBOT}.j{joint}.{field}")
}

/// How far the dual Jacobian of `outcome` is from central differences: the best over three relative steps `h` of
/// the largest entry-wise `|dual − fd| / max(|dual|, |fd|, floor_j)`. Central differences have their own error,
/// truncation ~h² and rounding ~ε/h, so on a stiff case one step can miss by a little more than the tolerance (as
/// in `particle_properties`). The floor, `floor_j = 10⁷ ε max(max|f|, 1) / (h |p_j|)`, is ten times
/// `grad::check`'s: 300 steps accumulate several roundings in each coordinate, and with `grad::check`'s floor the
/// rounding noise alone counted up to 8e-6 in free flight, against the 1e-6 it aims at (the slope of a 5 m final
/// base height with respect to a joint damping, about 1e-6 m per N·m·s/rad, is below what differences resolve).
/// Returns the check at the middle step and the best error.
fn gradient_error(outcome: &FinalPositions) -> (grad::GradCheck, f64) {
    let p = outcome.initial_values();
    let error = |h: f64| {
        let check = grad::check(outcome, &p, h).unwrap();
        let scale = check.value.amax().max(1.0);
        let mut worst: f64 = 0.0;
        for (j, pj) in p.iter().enumerate() {
            let step = if *pj == 0.0 { h } else { h * pj.abs() };
            let floor = 1e7 * f64::EPSILON * scale / step;
            for (a, b) in check.jacobian.column(j).iter().zip(check.fd_jacobian.column(j).iter()) {
                worst = worst.max((a - b).abs() / a.abs().max(b.abs()).max(floor));
            }
        }
        (check, worst)
    };
    let (check, first) = error(6e-6);
    let best = [2e-6, 2e-5].iter().fold(first, |best, &h| best.min(error(h).1));
    (check, best)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..crate::common::fixed_seed() })]

    /// Every step returns `Ok`; every joint position and velocity and every contact force stays finite, and the
    /// base quaternion of unit length, through the drop, the impacts and the tumble.
    #[test]
    fn dropped_trees_stay_finite(tree in tree()) {
        let scene = scene(&tree, 0.0);
        let mut touched = 0;
        run(&scene, |s, ws| {
            let (q, v) = (&s.robots[0].q, &s.robots[0].v);
            prop_assert!(q.iter().chain(v.iter()).all(|x| x.is_finite()), "step {}: q {} v {}", s.step, q, v);
            let norm = q.rows(3, 4).norm();
            prop_assert!((norm - 1.0).abs() < 1e-12, "step {}: quaternion norm {}", s.step, norm);
            prop_assert!(ws.link_contacts.iter().all(|c| c.force.iter().all(|f| f.is_finite())));
            touched += ws.link_contacts.len();
            Ok(())
        })?;
        // a tree spinning fast enough can keep its low points rising as it falls: one in a few hundred never lands
        prop_assume!(touched > 0, "it never landed");
    }

    /// Without actuation, contact and joint damping only take energy out: in continuous time the total energy
    /// `E = KE + PE + U` (`U` the elastic energy of the contact springs) can only fall. The normal force is the
    /// spring `s k d` plus a damper (taken implicitly, `c / (1 + c dt / m*)`, still a damper) clamped so that the
    /// force is never below the spring's while approaching nor above it while separating; friction opposes slip;
    /// joint damping is `−d v`, implicit too.
    ///
    /// What the step adds: semi-implicit Euler conserves (or here, lets fall) a modified energy that differs from
    /// `E` by `½ dt P` to first order, `P` the power of the conservative forces (gravity and contact springs), so
    /// `E` can swing above its running minimum by about `W = max over steps |ΔPE + ΔU|`, the largest work those
    /// forces do in one step (hundredths to tenths of a joule here), plus higher-order terms, which are not small
    /// on the least resolved contacts (a light link's tip at `k = 3e4` N/m has `√(k / m*) dt` close to 1).
    /// Measured over 100,000 random trees: the largest rise was 1.65 W (the next 1.17 W; at most 0.28 J), and the
    /// one above W that was examined fell to 0.03 W at 0.5 ms and to 0 below; asserted ≤ 2 W. At the end `KE + PE`
    /// was always below its start (by at least 0.68 W: the impacts dissipate), asserted ≤ its start + 2 W. A
    /// contact damper of the wrong sign (rise 9.7 J against 2 W = 0.31 J) or friction that pushes (0.32 J against
    /// 0.008 J) fail it.
    #[test]
    fn energy_never_rises_beyond_the_steps_error(tree in tree()) {
        let scene = scene(&tree, 0.0);
        let (watch, end_gain, _) = energy_run(&scene)?;
        let bound = 2.0 * watch.step_work;
        prop_assert!(watch.step_work > 0.0);
        prop_assert!(watch.rise <= bound, "E rose by {:e} J, more than 2 W = {:e} J", watch.rise, bound);
        prop_assert!(end_gain <= bound, "KE + PE rose by {:e} J from start to end (2 W = {:e} J)", end_gain, bound);
    }

    /// The rise above is the step's error, not energy the contact law makes: with nothing dissipating (elastic
    /// contact, no friction, no joint damping) what remains of it must shrink with `dt` like a first-order error.
    /// Measured over 6,000 trees: at 1 ms rises up to 2.3 J (3.2 W), and the end's `KE + PE` up to 1.2 J above the
    /// start's; at 0.25 ms the rise is 0.34 of that at 1 ms or less (first order: 0.25); asserted ≤ 0.5. (At
    /// 0.5 ms against 1 ms the ratio reached 0.83 once: a chaotic tumble met the ground differently, with more
    /// power, at the two steps.) A rebound spring 5% stiffer than the compression one, energy made at every
    /// bounce whatever the step, fails it (0.85).
    #[test]
    fn without_dissipation_the_energy_error_falls_with_the_step(tree in tree()) {
        let tree = elastic(tree);
        let coarse = scene(&tree, 0.0);
        let mut fine = coarse.clone();
        fine.settings.dt = 2.5e-4;
        let (at_1ms, _, touched) = energy_run(&coarse)?;
        prop_assume!(touched, "it never landed");
        let (at_quarter, _, _) = energy_run(&fine)?;
        prop_assert!(at_1ms.rise > 0.0);
        prop_assert!(
            at_quarter.rise <= 0.5 * at_1ms.rise,
            "rise {:e} J at 1 ms, {:e} J at 0.25 ms", at_1ms.rise, at_quarter.rise
        );
    }

    /// One code path: the dual run (derivatives with respect to the contact stiffness, the ground friction, a link
    /// mass and an initial joint velocity) has the `f64` run as its real part, bit for bit, at every step: joint
    /// state and contact forces.
    #[test]
    fn f64_is_the_real_part_of_the_dual_run_bit_for_bit(tree in tree()) {
        type D = DualSVec64<4>;
        let scene = scene(&tree, 0.0);
        let last = tree.links.len();
        let names = ["contact.stiffness".into(), "ground.friction".into(), link_mass(last), joint_param(1, "velocity")];
        let ids = scene.resolve_params(&names).unwrap();
        let seeded: Vec<D> =
            scene.param_values(&ids).iter().enumerate().map(|(i, &x)| D::from_re(x).derivative(i)).collect();
        let dual_scene = scene.with_params(&ids, &seeded);
        let (mut state, mut dual) = (State::initial(&scene), State::initial(&dual_scene));
        let (mut ws, mut dual_ws) = (Workspace::new(0), Workspace::new(0));
        let mut touched = 0;
        for _ in 0..scene.settings.n_steps() {
            step(&scene, &mut state, &mut ws).unwrap();
            step(&dual_scene, &mut dual, &mut dual_ws).unwrap();
            let (r, d) = (&state.robots[0], &dual.robots[0]);
            prop_assert_eq!(&d.q.map(|x| x.re), &r.q, "q at step {}", state.step);
            prop_assert_eq!(&d.v.map(|x| x.re), &r.v, "v at step {}", state.step);
            prop_assert_eq!(ws.link_contacts.len(), dual_ws.link_contacts.len());
            for (c, dc) in ws.link_contacts.iter().zip(&dual_ws.link_contacts) {
                prop_assert_eq!(dc.force.map(|x| x.re), c.force);
            }
            touched += ws.link_contacts.len();
        }
        prop_assume!(touched > 0, "it never landed");
    }
}

// Gradients cost about 30 rollouts a case (duals and central differences at three steps): fewer cases.
proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..crate::common::fixed_seed() })]

    /// In free flight (lifted 5 m: nothing touches the ground in 0.3 s), gradients of the final configuration with
    /// respect to a link mass, an initial joint velocity and a joint damping equal central differences, and those
    /// with respect to the contact stiffness and the ground friction are exactly zero. Measured over 2,000 trees:
    /// worst relative difference 7.7e-7; asserted < 1e-5.
    #[test]
    fn gradients_in_free_flight_equal_central_differences(tree in tree(), link in 0usize..5) {
        let scene = scene(&tree, 5.0);
        run(&scene, |s, ws| {
            prop_assert!(ws.link_contacts.is_empty(), "contact at step {}", s.step);
            Ok(())
        })?;
        let k = link % tree.links.len() + 1;
        let names = [
            link_mass(k), joint_param(k, "velocity"), joint_param(k, "damping"), "contact.stiffness".into(),
            "ground.friction".into(),
        ];
        let outcome = FinalPositions::new(&scene, &names).unwrap();
        let (check, best) = gradient_error(&outcome);
        prop_assert!(best < 1e-5, "max relative error {:e}\n{}\n{}", best, check.jacobian, check.fd_jacobian);
        for j in [3, 4] {
            let zero = check.jacobian.column(j).iter().chain(check.fd_jacobian.column(j).iter()).all(|&x| x == 0.0);
            prop_assert!(zero, "{} matters in flight", names[j]);
        }
        // the joint's initial velocity moves the tree
        prop_assert!(check.jacobian.column(1).amax() > 0.0);
    }

    /// In steady contact (a heavy box base on its four bottom corners throughout, sliding and turning while the
    /// tree swings on its mast; nothing else touches), gradients of the final configuration with respect to the
    /// contact stiffness, the ground friction, a link mass, a joint's initial velocity and the base's initial
    /// velocity equal central differences. Measured over 2,000 trees: worst relative difference 6.0e-7 (10 more
    /// were set aside by the steadiness check, the base tipping onto three corners); asserted < 1e-5.
    #[test]
    fn gradients_in_steady_contact_equal_central_differences(
        tree in tree(), link in 0usize..5,
        base in (0.3..0.4, 0.3..0.4, 0.06..0.12, 15.0..30.0), yaw in -3.0..3.0,
        slide in (-0.3..0.3, -0.3..0.3, -1.0..1.0),
    ) {
        let tree = standing(tree, base, yaw, slide);
        let scene = scene(&tree, 0.0);
        let mut steady = true;
        run(&scene, |_, ws| {
            steady &= ws.link_contacts.len() == 4
                && ws.link_contacts.iter().all(|c| c.collider == 0 && c.geometry.distance < 0.0);
            Ok(())
        })?;
        prop_assume!(steady, "the base rocked onto an edge or a link touched the ground");
        let k = link % tree.links.len() + 1;
        let names = [
            "contact.stiffness".into(), "ground.friction".into(), link_mass(k), joint_param(k, "velocity"),
            format!("{ROBOT}.base.velocity.x"),
        ];
        let outcome = FinalPositions::new(&scene, &names).unwrap();
        let (check, best) = gradient_error(&outcome);
        prop_assert!(best < 1e-5, "max relative error {:e}\n{}\n{}", best, check.jacobian, check.fd_jacobian);
        // the contact parameters matter: a stiffer ground holds the base higher, friction changes its slide
        let row = |name: &str| outcome.output_names().iter().position(|n| n == name).unwrap();
        let (x, z) = (row("tree.base.x"), row("tree.base.z"));
        prop_assert!(check.jacobian[(z, 0)] > 0.0, "stiffer contact, higher base: {}", check.jacobian[(z, 0)]);
        prop_assert!(check.jacobian[(x, 1)] != 0.0);
    }
}
