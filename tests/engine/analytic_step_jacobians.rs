//! The analytic route to a robot step's Jacobians, checked against dual numbers pushed through the step itself:
//!
//! - the joint-space ground-contact force `τ_c = Σ Jᵀ f` and its derivatives with respect to the configuration
//!   (tangent space) and the velocities ([`robot_ground_contact_derivatives`]), on single bodies of every collider
//!   shape tilted, sliding and spinning into the ground, and on a standing and a trotting Go1;
//! - the step Jacobians `A`, `B` in the tangent space ([`grad::step_jacobians`]) against duals of the step with the
//!   configuration perturbed on its manifold, and against central differences.

use diffphys::contact::{robot_ground_contact_derivatives, robot_ground_contacts};
use diffphys::geometry::narrow_phase::shape_ground;
use diffphys::geometry::Shape;
use diffphys::grad::{self, JacobianRoute, Outcome, TangentStep};
use diffphys::io;
use diffphys::model::{multibody::sample, Ground, Model, Robot};
use diffphys::multibody::{rnea, MultibodyWorkspace};
use diffphys::sim::{step, State, Workspace};
use diffphys::spatial::{Force, Transform};
use diffphys::{Result, Scalar};
use nalgebra::{DVector, Vector3};
use std::path::Path;

/// `τ_c(q₀ ⊕ δq, v)` of robot 0 as a function of `[δq, v]`, by the engine's own contact code: the joint torques
/// that the contact wrenches of [`robot_ground_contacts`] balance, `RNEA(q, v, 0) − RNEA(q, v, 0, fext)`.
struct ContactTorques<'a> {
    scene: &'a Model<f64>,
    q0: DVector<f64>,
}

impl Outcome for ContactTorques<'_> {
    fn eval<T: Scalar>(&self, p: &[T]) -> Result<DVector<T>> {
        let scene: Model<T> = self.scene.lift();
        let model = &scene.robots[0].multibody;
        let nv = model.nv();
        let dq = DVector::from_column_slice(&p[..nv]);
        let v = DVector::from_column_slice(&p[nv..]);
        let q = model.integrate(&self.q0.map(T::constant), &dq, &T::one());
        let mut ws = MultibodyWorkspace::new(model);
        let mut fext = vec![Force::zero(); model.n_bodies()];
        robot_ground_contacts(&scene, 0, &mut ws, &q, &v, &mut fext, None, None)?;
        let a = DVector::zeros(nv);
        Ok(rnea(model, &mut ws, &q, &v, &a, &[]) - rnea(model, &mut ws, &q, &v, &a, &fext))
    }
}

/// The analytic contact derivatives of robot 0 at `(q, v)` equal the dual ones; returns how many points touched.
fn contact_derivatives_match_duals(scene: &Model<f64>, q: &DVector<f64>, v: &DVector<f64>) -> usize {
    let model = &scene.robots[0].multibody;
    let nv = model.nv();
    let mut ws = MultibodyWorkspace::new(model);
    let analytic = robot_ground_contact_derivatives(scene, 0, &mut ws, q, v, &[]).unwrap();
    let f = ContactTorques { scene, q0: q.clone() };
    let mut point = vec![0.0; nv];
    point.extend(v.iter());
    let (tau, jac) = grad::jacobian(&f, &point).unwrap();
    let scale = jac.abs().max().max(1e-300);
    let tau_error = (&analytic.tau - &tau).abs().max();
    assert!(tau_error <= 1e-12 * tau.abs().max().max(1.0), "τ_c: {tau_error:e}");
    let dq_error = (&analytic.dtau_dq - jac.columns(0, nv)).abs().max();
    let dv_error = (&analytic.dtau_dv - jac.columns(nv, nv)).abs().max();
    assert!(
        dq_error <= 1e-10 * scale,
        "∂τ_c/∂q: {dq_error:e} of {scale:e}\n{}\n{}",
        analytic.dtau_dq,
        jac.columns(0, nv)
    );
    assert!(dv_error <= 1e-10 * scale, "∂τ_c/∂v: {dv_error:e} of {scale:e}");
    analytic.contacts
}

/// A one-body robot of `shape` (1.3 kg) at the rotation vector `rotation`, with its lowest point `depth` into the
/// ground at horizontal position `(x, y)`, moving with `twist` (body frame, `[v; ω]`).
fn solid(
    shape: Shape<f64>,
    (x, y): (f64, f64),
    rotation: Vector3<f64>,
    depth: f64,
    twist: [f64; 6],
) -> (Model<f64>, DVector<f64>, DVector<f64>) {
    let mut scene = Model::<f64>::empty(1e-3, 1.0);
    // the regularised law, a function of (q, v) alone; anchored friction has its own test below
    scene.settings.contact.friction_law = diffphys::model::FrictionLaw::Regularised;
    scene.ground = Some(Ground { restitution: 0.3, ..Ground::new(1e5, 0.0, 0.9) });
    let mut robot = Robot::new(sample::solid_on_free_joint("solid", "body", shape.clone(), 1.3).unwrap());
    robot.multibody.colliders[0].friction = 0.8;
    robot.multibody.colliders[0].restitution = 0.4;
    let tilted = robot.multibody.integrate(
        &robot.q0,
        &DVector::from_vec(vec![0.0, 0.0, 0.0, rotation.x, rotation.y, rotation.z]),
        &1.0,
    );
    let orientation = &tilted.rows(3, 4);
    let pose = Transform::from_position_orientation(
        Vector3::zeros(),
        &nalgebra::Quaternion::new(orientation[3], orientation[0], orientation[1], orientation[2]),
    );
    let mut lowest = f64::INFINITY;
    shape_ground(&shape, &pose, 10.0, &mut |c| lowest = lowest.min(c.distance));
    robot.q0 = tilted;
    robot.q0[0] = x;
    robot.q0[1] = y;
    robot.q0[2] = -lowest - depth;
    robot.v0 = DVector::from_row_slice(&twist);
    let (q, v) = (robot.q0.clone(), robot.v0.clone());
    scene.add_robot(robot).unwrap();
    (scene, q, v)
}

#[test]
fn contact_derivatives_of_single_bodies_equal_dual_numbers() {
    let twist = [0.4, -0.3, -0.2, 0.7, -1.1, 0.5];
    let tilt = Vector3::new(0.3, -0.2, 0.4);
    let cases = [
        Shape::Box { size: Vector3::new(0.2, 0.3, 0.1) },
        Shape::Sphere { radius: 0.1 },
        Shape::Capsule { radius: 0.05, length: 0.3 },
        Shape::Cylinder { radius: 0.08, length: 0.2 },
    ];
    for shape in cases {
        for (tilt, depth) in [(tilt, 0.002), (tilt * 2.0, 0.0004), (Vector3::new(0.0, 0.0, 0.3), 0.003)] {
            let (scene, q, v) = solid(shape.clone(), (0.1, -0.2), tilt, depth, twist);
            let touching = contact_derivatives_match_duals(&scene, &q, &v);
            assert!(touching >= 1, "{shape:?} does not touch the ground");
        }
    }
    // resting flat on a face: four corners, sticking
    let cuboid = Shape::Box { size: Vector3::new(0.2, 0.3, 0.1) };
    let (scene, q, v) = solid(cuboid, (0.0, 0.0), Vector3::zeros(), 0.001, [0.0; 6]);
    assert_eq!(contact_derivatives_match_duals(&scene, &q, &v), 4);
}

/// Go1 after `seconds` of standing, with `kick` added to every velocity.
fn go1_state(seconds: f64, kick: f64) -> (Model<f64>, DVector<f64>, DVector<f64>) {
    let mut scene: Model<f64> =
        io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    // the regularised law, a function of (q, v) alone; anchored feet have their own test below
    scene.settings.contact.friction_law = diffphys::model::FrictionLaw::Regularised;
    let mut state = State::initial(&scene);
    let mut ws = Workspace::new(0);
    for _ in 0..(seconds / scene.settings.dt).round() as usize {
        step(&scene, &mut state, &mut ws).unwrap();
    }
    let q = state.robots[0].q.clone();
    let v = state.robots[0].v.map_with_location(|i, _, x| x + kick * ((i as f64 * 1.7).sin()));
    (scene, q, v)
}

#[test]
fn contact_derivatives_of_a_standing_and_a_stumbling_go1_equal_dual_numbers() {
    let (scene, q, v) = go1_state(0.3, 0.0);
    assert_eq!(contact_derivatives_match_duals(&scene, &q, &v), 4);
    let (scene, q, v) = go1_state(0.3, 0.5);
    assert!(contact_derivatives_match_duals(&scene, &q, &v) >= 4);
}

/// The analytic step Jacobians of `scene` at `state` equal dual numbers through the step (tangent space) to
/// `tolerance` of the largest entry; returns the largest entry of `A`.
fn step_jacobians_match_duals(scene: &Model<f64>, state: &State<f64>, tolerance: f64) -> f64 {
    let j = grad::step_jacobians(scene, state).unwrap();
    assert_eq!(j.route, JacobianRoute::Analytic);
    let f = TangentStep::new(scene, state).unwrap();
    let (next, full) = grad::jacobian(&f, &f.point()).unwrap();
    let (nx, nu) = (f.nx(), f.nu());
    // the analytic route takes the step by the same equations as `step`: the same state to rounding
    let step_error = (&j.next - f.next()).abs().max();
    assert!(step_error < 1e-13 * f.next().abs().max(), "next state: {step_error:e}");
    // the tangent step at x = 0 reaches q'_s itself (to the rounding of the quaternion's logarithm)
    assert!(next.rows(0, nx / 2).abs().max() < 1e-15);
    let scale = full.abs().max();
    let a_error = (&j.a - full.columns(0, nx)).abs().max();
    let b_error = (&j.b - full.columns(nx, nu)).abs().max();
    assert!(a_error <= tolerance * scale, "A: {a_error:e} of {scale:e}");
    assert!(b_error <= tolerance * scale, "B: {b_error:e} of {scale:e}");
    j.a.abs().max()
}

#[test]
fn step_jacobians_of_bodies_sliding_and_spinning_on_the_ground_equal_dual_numbers() {
    let twist = [0.4, -0.3, -0.2, 0.7, -1.1, 0.5];
    for shape in [
        Shape::Box { size: Vector3::new(0.2, 0.3, 0.1) },
        Shape::Sphere { radius: 0.1 },
        Shape::Capsule { radius: 0.05, length: 0.3 },
        Shape::Cylinder { radius: 0.08, length: 0.2 },
    ] {
        let (scene, _, _) = solid(shape, (0.1, -0.2), Vector3::new(0.3, -0.2, 0.4), 0.002, twist);
        step_jacobians_match_duals(&scene, &State::initial(&scene), 1e-12);
    }
}

#[test]
fn step_jacobians_of_a_go1_standing_and_stumbling_equal_dual_numbers_and_central_differences() {
    for kick in [0.0, 0.5] {
        let (scene, q, v) = go1_state(0.3, kick);
        let mut state = State::initial(&scene);
        state.robots[0].q = q;
        state.robots[0].v = v;
        state.step = 300;
        step_jacobians_match_duals(&scene, &state, 1e-11);
        let f = TangentStep::new(&scene, &state).unwrap();
        let check = grad::check(&f, &f.point(), 1e-6).unwrap();
        let worst = (&check.jacobian - &check.fd_jacobian).abs().max();
        assert!(worst < 1e-5 * check.jacobian.abs().max(), "duals vs central differences: {worst:e}");
    }
}

#[test]
fn a_robot_touching_a_free_body_takes_the_dual_route_with_the_same_jacobians() {
    use diffphys::model::RigidBody;
    // the cuboid robot resting on the ground with a 0.4 kg ball sitting 1 mm into its top face
    let cuboid = Shape::Box { size: Vector3::new(0.2, 0.3, 0.1) };
    let (mut scene, _, _) =
        solid(cuboid, (0.0, 0.0), Vector3::new(0.05, 0.0, 0.0), 0.001, [0.1, 0.0, 0.0, 0.0, 0.0, 0.3]);
    let top = scene.robots[0].q0[2] + 0.05;
    scene.bodies.push(RigidBody::new("ball", Shape::Sphere { radius: 0.05 }, 0.4, Vector3::new(0.0, 0.0, top + 0.049)));
    let state = State::initial(&scene);
    let j = grad::step_jacobians(&scene, &state).unwrap();
    assert_eq!(j.route, JacobianRoute::DualState);
    let f = TangentStep::new(&scene, &state).unwrap();
    let (_, full) = grad::jacobian(&f, &f.point()).unwrap();
    assert_eq!(j.a, full.columns(0, f.nx()));
    let b_error = (&j.b - full.columns(f.nx(), f.nu())).abs().max();
    assert!(b_error < 1e-14 * j.b.abs().max(), "B: {b_error:e}");
    // the ball's weight on the top face: the robot's vertical velocity after the step depends on its height
    assert!(j.a[(8, 2)] < 0.0, "{}", j.a[(8, 2)]);
}

/// With anchored friction the feet's anchors are state the step reads: the analytic route recalls them as the step
/// does and differentiates the contact law with their stretches held, as the dual numbers through the step do.
#[test]
fn step_jacobians_of_a_go1_on_anchored_feet_equal_dual_numbers() {
    let mut scene: Model<f64> =
        io::load_scene(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/go1_stand.toml")).unwrap();
    scene.settings.contact.friction_law = diffphys::model::FrictionLaw::Anchored;
    // on a 15° slope, so that the anchors carry load
    let theta = 15f64.to_radians();
    scene.settings.gravity = Vector3::new(9.81 * theta.sin(), 0.0, -9.81 * theta.cos());
    scene.sync_robot_gravity();
    let mut state = State::initial(&scene);
    let mut ws = Workspace::new(0);
    for _ in 0..300 {
        step(&scene, &mut state, &mut ws).unwrap();
    }
    assert_eq!(state.friction_anchors.len(), 4);
    assert!(state.friction_anchors.iter().all(|a| a.stretch.norm() > 1e-7), "the anchors carry load");
    step_jacobians_match_duals(&scene, &state, 1e-11);
    // stumbling: the feet slide on their anchors
    state.robots[0].v = state.robots[0].v.map_with_location(|i, _, x| x + 0.5 * ((i as f64 * 1.7).sin()));
    step_jacobians_match_duals(&scene, &state, 1e-11);
}

#[test]
fn step_jacobians_of_ball_free_slide_and_hinge_joints_with_damping_equal_dual_numbers() {
    use rand::SeedableRng;
    // MJCF's every joint type (two ball joints among them), with damping and friction taken implicitly
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mjcf/joints.xml");
    let mjcf = io::load_mjcf(&path).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let (q, v, _) = diffphys::model::multibody::random_state(&mjcf.multibody, &mut rng);
    let mut scene = Model::<f64>::empty(2e-3, 1.0);
    let mut robot = Robot::new(mjcf.multibody);
    (robot.q0, robot.v0) = (q, v * 3.0);
    scene.add_robot(robot).unwrap();
    step_jacobians_match_duals(&scene, &State::initial(&scene), 1e-12);
}
