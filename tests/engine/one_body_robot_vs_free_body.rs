//! A floating-base robot made of one body with a box collider behaves as the same free box of the rigid-body code
//! on the ground: both feed the one compliant law ([`diffphys::contact::point_contact_force`]) with the contact
//! point's inverse inertia `G`, `J M⁻¹ Jᵀ` for the link and `(1/m) 1 + [r]ₓ I⁻¹ [r]ₓᵀ` for the free body
//! ([`diffphys::contact::free_body_point_inverse_inertia`]). The box is 0.3 × 0.2 × 0.1 m, 2 kg, friction 0.5 on a
//! ground of friction 0.5, stepped at 1 ms (without the free bodies' sub-steps, which robot links do not take:
//! `contact.max_substeps = 1`); compared are position, orientation, and linear and angular velocity in
//! world axes (the free joint's `v` is `[v; ω]` in the body frame, a free body's velocities are in world axes).
//!
//! - Bounce (dropped with its bottom 0.5 m above the ground, restitution 0.5), rest (set down touching, 1 s) and
//!   slide (from rest on the ground at 1 m/s, pitching slightly as friction acts below the centre of mass): the
//!   same trajectory to rounding.
//! - Thrown spinning about its vertical axis: the same straight flight to rounding. The free joint steps its
//!   origin's velocity in fixed axes as the free body does ([`diffphys::model::Multibody::semi_implicit_euler`]);
//!   stepping the body-frame velocity `v_b + dt v̇_b` instead (as it did before) differs by `dt ω × v` per step,
//!   which made the slide differ by 4.4e-5 m/s and bends this flight.
//!
//! The free body's gyroscopic term is implicit midpoint and the articulated one explicit: they agree for rotation
//! about a principal axis (all the motions here), not for a tumbling body, where the two differ at first order in
//! `dt`.
//!
//! Before the law was one, free bodies took the damping from the translational mass, explicitly (four corners
//! gave a cube's vertical motion twice the damping ratio its restitution asks for), and robot links' sideways mass
//! was `1 / tr G`: in the bounce below the free box's centre rose to 0.098 m and the robot's to 0.265 m, and the
//! slides stopped 0.1 mm apart.

use diffphys::contact::free_body_point_inverse_inertia;
use diffphys::geometry::Shape;
use diffphys::model::{multibody::sample, Ground, Model, RigidBody, Robot};
use diffphys::sim::{step, State, Workspace};
use nalgebra::{Matrix3, Quaternion, UnitQuaternion, Vector3};

const SIZE: [f64; 3] = [0.3, 0.2, 0.1];
const MASS: f64 = 2.0;
const FRICTION: f64 = 0.5;
const G: f64 = 9.81;

fn shape() -> Shape<f64> {
    Shape::Box { size: Vector3::from(SIZE) }
}

fn half_height() -> f64 {
    SIZE[2] / 2.0
}

/// The free box alone on the ground, and the one-body robot of the same box alone on the ground, with
/// `restitution` (the ground's is 0, a pair takes the larger) and time step `dt`.
fn worlds(restitution: f64, dt: f64) -> (Model<f64>, Model<f64>) {
    let mut free = Model::<f64>::empty(dt, 1.0);
    free.ground = Some(Ground::new(1e5, 0.0, FRICTION));
    // robot links are not sub-stepped: the free box takes the same steps without them
    free.settings.contact.max_substeps = 1;
    let mut with_robot = free.clone();
    let mut body = RigidBody::new("box", shape(), MASS, Vector3::zeros());
    body.friction = FRICTION;
    body.restitution = restitution;
    free.bodies.push(body);
    let mut multibody = sample::solid_on_free_joint("robot", "box", shape(), MASS).unwrap();
    multibody.colliders[0].friction = FRICTION;
    multibody.colliders[0].restitution = restitution;
    with_robot.add_robot(Robot::new(multibody)).unwrap();
    (free, with_robot)
}

/// The state of the box, world axes.
#[derive(Clone, Copy, Debug)]
struct Motion {
    position: Vector3<f64>,
    orientation: UnitQuaternion<f64>,
    velocity: Vector3<f64>,
    angular_velocity: Vector3<f64>,
}

impl Motion {
    fn at_rest(position: Vector3<f64>) -> Self {
        Motion {
            position,
            orientation: UnitQuaternion::identity(),
            velocity: Vector3::zeros(),
            angular_velocity: Vector3::zeros(),
        }
    }

    fn of_free_box(state: &State<f64>) -> Self {
        let b = &state.bodies[0];
        Motion {
            position: b.position,
            orientation: UnitQuaternion::from_quaternion(b.orientation),
            velocity: b.velocity,
            angular_velocity: b.angular_velocity,
        }
    }

    /// From the free joint's `q = [x, y, z, qx, qy, qz, qw]` and body-frame `v = [v; ω]`.
    fn of_robot(state: &State<f64>) -> Self {
        let (q, v) = (&state.robots[0].q, &state.robots[0].v);
        let orientation = UnitQuaternion::from_quaternion(Quaternion::new(q[6], q[3], q[4], q[5]));
        Motion {
            position: Vector3::new(q[0], q[1], q[2]),
            orientation,
            velocity: orientation * Vector3::new(v[0], v[1], v[2]),
            angular_velocity: orientation * Vector3::new(v[3], v[4], v[5]),
        }
    }

    fn set_free_box(&self, state: &mut State<f64>) {
        let b = &mut state.bodies[0];
        b.position = self.position;
        b.orientation = *self.orientation.quaternion();
        b.velocity = self.velocity;
        b.angular_velocity = self.angular_velocity;
    }

    fn set_robot(&self, state: &mut State<f64>) {
        let (p, r) = (&self.position, self.orientation.quaternion());
        let body = |w: &Vector3<f64>| self.orientation.inverse_transform_vector(w);
        let (v, w) = (body(&self.velocity), body(&self.angular_velocity));
        state.robots[0].q.copy_from_slice(&[p.x, p.y, p.z, r.i, r.j, r.k, r.w]);
        state.robots[0].v.copy_from_slice(&[v.x, v.y, v.z, w.x, w.y, w.z]);
    }

    /// The differences to `other`: position (m), orientation (rad), velocity (m/s), angular velocity (rad/s).
    fn difference(&self, other: &Motion) -> [f64; 4] {
        [
            (self.position - other.position).norm(),
            self.orientation.angle_to(&other.orientation),
            (self.velocity - other.velocity).norm(),
            (self.angular_velocity - other.angular_velocity).norm(),
        ]
    }
}

/// Both runs of one scenario, step by step.
struct Runs {
    free: Vec<Motion>,
    robot: Vec<Motion>,
    /// The vertical force of the ground on the robot (N), summed over its contacts, after each step.
    robot_support: Vec<f64>,
}

impl Runs {
    /// The largest difference over the runs, per quantity of [`Motion::difference`].
    fn worst(&self) -> [f64; 4] {
        self.free.iter().zip(&self.robot).fold([0.0; 4], |worst, (a, b)| {
            let d = a.difference(b);
            [0, 1, 2, 3].map(|i| worst[i].max(d[i]))
        })
    }
}

/// Starts the free box and the robot from `start` and steps both for `seconds`.
fn run(restitution: f64, dt: f64, start: Motion, seconds: f64) -> Runs {
    let (free, with_robot) = worlds(restitution, dt);
    let (mut free_state, mut robot_state) = (State::initial(&free), State::initial(&with_robot));
    start.set_free_box(&mut free_state);
    start.set_robot(&mut robot_state);
    let (mut free_ws, mut robot_ws) = (Workspace::new(0), Workspace::new(0));
    let mut runs = Runs { free: vec![start], robot: vec![start], robot_support: vec![0.0] };
    for _ in 0..(seconds / dt).round() as usize {
        step(&free, &mut free_state, &mut free_ws).unwrap();
        step(&with_robot, &mut robot_state, &mut robot_ws).unwrap();
        runs.free.push(Motion::of_free_box(&free_state));
        runs.robot.push(Motion::of_robot(&robot_state));
        runs.robot_support.push(robot_ws.link_contacts.iter().map(|c| c.force.z).sum());
    }
    runs
}

/// The box set down touching the ground and left for `seconds`: where the free box comes to rest.
fn settled(dt: f64, seconds: f64) -> Motion {
    *run(0.0, dt, Motion::at_rest(Vector3::new(0.0, 0.0, half_height())), seconds).free.last().unwrap()
}

fn print_worst(name: &str, worst: &[f64; 4]) {
    println!(
        "{name}: worst |Δx| {:.2e} m, |Δθ| {:.2e} rad, |Δv| {:.2e} m/s, |Δω| {:.2e} rad/s",
        worst[0], worst[1], worst[2], worst[3]
    );
}

/// Dropped with its bottom 0.5 m above the ground, restitution 0.5, for 1.5 s (bouncing lower and lower):
/// robot and free box agree to rounding (1e-12 of the drop height, 2e-12 of the impact speed; measured 7e-15 m
/// and 3.8e-12 m/s, 1.2e-12 of the 3.1 m/s impact, summed over the bounces), and neither turns.
///
/// The rebound: restitution 0.5 brings the bottom back to `e² · 0.5 = 0.125` m. Each of the four corners has
/// the normal mass `m_n = 1 / (nᵀ G n)` (0.33 kg: a flat box tips easily about a corner, so `m_n < m/4`), but the
/// law's damping does not depend on it: the corners share the onset speed, and the box leaves at `e` times it.
/// The measured effective restitution `√(rise / drop)` is 0.516, within 5% of 0.5: the landing lasts 7 ms, 7 steps
/// (the law is exact to 1% from 25), and gravity acts throughout it (`g t_c / v` = 2%).
#[test]
fn a_one_body_robot_bounces_as_the_free_box_to_rounding() {
    let (dt, drop, restitution) = (1e-3, 0.5, 0.5);
    let start = Motion::at_rest(Vector3::new(0.0, 0.0, half_height() + drop));
    let runs = run(restitution, dt, start, 1.5);
    let worst = runs.worst();
    print_worst("bounce", &worst);
    let impact_speed = (2.0 * G * drop).sqrt();
    assert!(worst[0] < 1e-12 * drop && worst[2] < 2e-12 * impact_speed, "{worst:?}");
    assert!(worst[1] < 1e-12 && worst[3] < 1e-12, "the box turned: {worst:?}");
    assert!(runs.free.iter().all(|m| m.angular_velocity == Vector3::zeros()), "the free box turned");

    // the first apex after the first bounce
    let up = runs.free.iter().position(|m| m.velocity.z > 0.0).unwrap();
    let apex = runs.free[up..].iter().take_while(|m| m.velocity.z > 0.0).last().unwrap().position.z;
    let robot_apex = runs.robot[up..].iter().map(|m| m.position.z).fold(0.0, f64::max);
    let rise = apex - half_height();
    let effective = (rise / drop).sqrt();

    let inertia: Matrix3<f64> = shape().inertia(&MASS);
    let corner = Vector3::new(SIZE[0] / 2.0, SIZE[1] / 2.0, -SIZE[2] / 2.0);
    let g = free_body_point_inverse_inertia(&(1.0 / MASS), &inertia.try_inverse().unwrap(), &corner);
    let normal_mass = 1.0 / g[(2, 2)];
    println!(
        "apex {apex:.5} m (robot {robot_apex:.5} m), rise {rise:.4} m (ideal {:.4} m): effective restitution \
         {effective:.4} (corner normal mass {normal_mass:.4} kg)",
        restitution * restitution * drop
    );
    assert!((robot_apex - apex).abs() < 1e-12, "{robot_apex} vs {apex}");
    assert!((normal_mass - 0.3279).abs() < 1e-4, "{normal_mass}");
    assert!((effective - restitution).abs() < 0.05 * restitution, "effective restitution {effective}");
}

/// Set down touching the ground and left for 1 s: robot and free box settle identically (to 1e-12 m and
/// 1e-12 m/s; measured 1.4e-17 m and 6e-15 m/s), the ground carries the weight (robot: the sum of its contact
/// forces; free box: `m (Δv/dt + g)`, both to 1e-9), at the height where the four ramped corner springs carry it,
/// `4 s(d/δ) k d = m g`.
#[test]
fn a_one_body_robot_rests_as_the_free_box_and_the_ground_carries_its_weight() {
    let dt = 1e-3;
    let runs = run(0.0, dt, Motion::at_rest(Vector3::new(0.0, 0.0, half_height())), 1.0);
    let worst = runs.worst();
    print_worst("rest", &worst);
    assert!(worst[0] < 1e-12 && worst[2] < 1e-12, "{worst:?}");
    assert!(worst[1] < 1e-12 && worst[3] < 1e-12, "the box turned: {worst:?}");

    let weight = MASS * G;
    let n = runs.free.len();
    let free_support = MASS * ((runs.free[n - 1].velocity.z - runs.free[n - 2].velocity.z) / dt + G);
    let robot_support = runs.robot_support[n - 1];
    println!("support: free box {free_support} N, robot {robot_support} N, weight {weight} N");
    assert!((free_support - weight).abs() < 1e-9 * weight, "{free_support}");
    assert!((robot_support - weight).abs() < 1e-9 * weight, "{robot_support}");

    // the depth d at which 4 s(d/δ) k d = m g, by bisection (the left side grows with d)
    let (k, ramp) = (1e5, 1e-3);
    let carried = |d: f64| 4.0 * diffphys::scalar::smootherstep(d / ramp) * k * d;
    let (mut lo, mut hi) = (0.0, 1e-2);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if carried(mid) < weight {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let height = runs.free[n - 1].position.z;
    println!("rests at {height} m, spring balance {} m", half_height() - lo);
    assert!((height - (half_height() - lo)).abs() < 1e-9, "{height} vs {}", half_height() - lo);
}

/// `max dt |ω × v|` along a run: the velocity term by which stepping the free joint's body-frame velocity would
/// differ from the free body's step.
fn largest_frame_term(motions: &[Motion], dt: f64) -> f64 {
    motions.iter().map(|m| dt * m.angular_velocity.cross(&m.velocity).norm()).fold(0.0, f64::max)
}

/// From rest on the ground at 1 m/s along x, friction 0.5, for 1 s: the box pitches (friction acts below its
/// centre of mass; up to 1e-4 rad while it slides), and the robot follows the free box to
/// rounding (1e-12 m, rad, m/s and rad/s; measured 8e-17 m, 4e-17 rad, 4e-15 m/s, 2e-14 rad/s) although
/// stepping the body-frame velocity would differ by up to `dt |ω × v|` = 4.7e-5 m/s in a step.
///
/// Physics: the box stops after `v²/(2 μ g)` = 0.1019 m, to 1% (measured 0.1015 m: semi-implicit Euler moves
/// `v dt / 2` = 0.5 mm less, the regularised friction slightly more).
#[test]
fn a_one_body_robot_slides_as_the_free_box_to_rounding() {
    let dt = 1e-3;
    let mut start = settled(dt, 0.5);
    start.velocity = Vector3::new(1.0, 0.0, 0.0);
    let runs = run(0.0, dt, start, 1.0);
    let worst = runs.worst();
    print_worst("slide", &worst);
    let term = largest_frame_term(&runs.free, dt);
    let pitch = runs.free.iter().map(|m| m.orientation.angle()).fold(0.0, f64::max);
    println!("largest frame term dt|ω×v| {term:.2e} m/s, largest pitch {pitch:.2e} rad");
    assert!(term > 1e-5 && pitch > 5e-5, "the box must pitch for this to test the frames: {term}, {pitch}");
    assert!(worst.iter().all(|&d| d < 1e-12), "{worst:?}");

    let expected = 1.0 / (2.0 * FRICTION * G);
    for (name, motions) in [("free box", &runs.free), ("robot", &runs.robot)] {
        let last = motions.last().unwrap();
        let distance = last.position.x - start.position.x;
        println!("{name} slides {distance:.5} m (v²/(2 μ g) = {expected:.5} m)");
        assert!((distance - expected).abs() < 0.01 * expected, "{name}: {distance}");
        assert!(last.velocity.norm() < 1e-6 && last.angular_velocity.norm() < 1e-6, "{name} still moves");
    }
}

/// Thrown from 1 m at (1, 0.5, 2) m/s spinning at 20 rad/s about its vertical axis (a principal axis), for 0.5 s of
/// free flight: the robot follows the free box to rounding, and both fly the parabola of the centre of mass with
/// the horizontal velocity unchanged and the spin unchanged to 1e-12 (measured in the output). The body-frame
/// velocity turns 10 rad under the box; stepping it as `v_b + dt v̇_b` (with `v̇_b = −ω × v_b` here) would make the
/// horizontal speed grow by the factor `√(1 + dt² ω²)` per step, 10% over this flight.
#[test]
fn a_one_body_robot_thrown_spinning_flies_the_free_boxs_straight_parabola() {
    let dt = 1e-3;
    let start = Motion {
        position: Vector3::new(0.0, 0.0, 1.0),
        orientation: UnitQuaternion::identity(),
        velocity: Vector3::new(1.0, 0.5, 2.0),
        angular_velocity: Vector3::new(0.0, 0.0, 20.0),
    };
    let seconds = 0.5;
    let runs = run(0.0, dt, start, seconds);
    let worst = runs.worst();
    print_worst("spinning flight", &worst);
    assert!(worst.iter().all(|&d| d < 1e-12), "{worst:?}");
    assert!(runs.robot.iter().all(|m| m.position.z > 0.5), "the flight must stay clear of the ground");

    let mut drift = [0.0f64; 3];
    for m in &runs.robot {
        drift[0] = drift[0].max((m.velocity.xy() - start.velocity.xy()).norm());
        drift[1] = drift[1].max((m.angular_velocity - start.angular_velocity).norm());
    }
    // semi-implicit Euler's parabola: after n steps z = z0 + n dt vz − g dt² n(n+1)/2
    let last = runs.robot.last().unwrap();
    let n = (seconds / dt).round();
    let z = start.position.z + n * dt * start.velocity.z - G * dt * dt * n * (n + 1.0) / 2.0;
    let horizontal = start.position.xy() + start.velocity.xy() * (n * dt);
    drift[2] = (last.position - Vector3::new(horizontal.x, horizontal.y, z)).norm();
    println!(
        "horizontal velocity drift {:.2e} m/s, spin drift {:.2e} rad/s, end position vs the parabola {:.2e} m",
        drift[0], drift[1], drift[2]
    );
    assert!(drift.iter().all(|&d| d < 1e-12), "{drift:?}");
}
