//! Replays as HTML: a run of a scene in 3D in one self-contained page ([`Replay`], [`replay_html`],
//! [`write_replay`]).
//!
//! The page draws the ground, the particles, the springs, the free bodies with their shapes, the robots' links
//! with their collision shapes (and a skeleton through the robots' joints), and the contact points with their
//! force arrows (a toggle), with a time slider, play/pause and speed, an orbit camera and the name of what is
//! under the pointer. three.js (vendored in `src/io/replay/three/`, MIT licence) is inlined, compressed
//! (zlib, base64, inflated by the browser's `DecompressionStream`): the page needs no network and opens from
//! disk.
//!
//! The page reads query parameters, for links and for tests: `t=1.5` (start at this time, s), `paused=1`,
//! `speed=0.25`, `contacts=0`, `camera=top|side|front` (an orthographic camera looking down `−z`, along `+y` or
//! along `−x`: screen right and up are world `(x, y)`, `(x, z)` or `(y, z)`), `box=h0,h1,v0,v1` (the world
//! ranges, m, that such a camera shows across and up the page; by default the run's bounds) and `bare=1` (no
//! panels). It reports errors (`window.onerror`, unhandled rejections, `console.error`) in the element
//! `#errors`, and sets `data-state="ready"` (with `data-frame` and `data-time`) on `<body>` once it has drawn.

use crate::contact::{collider_poses, detect_contacts, AnchorPair, BoxPairs};
use crate::geometry::narrow_phase::{collide, shape_ground};
use crate::geometry::{BroadPhase, Shape};
use crate::model::{ContactModel, FrictionLaw, Model, SpringEnd};
use crate::multibody::{forward_kinematics, MultibodyWorkspace};
use crate::particles::ground_contact_force;
use crate::sim::{State, Trajectory, Workspace};
use crate::spatial::Transform;
use crate::{Error, Result};
use nalgebra::{Rotation3, UnitQuaternion, Vector3};
use serde::Serialize;
use std::path::Path;
use std::sync::OnceLock;

/// How a [`Replay`] is recorded and shown.
///
/// ```
/// let options = diffphys::io::ReplayOptions { fps: 30.0, ..Default::default() };
/// assert_eq!(options.every, None);
/// assert!(options.contacts);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOptions {
    /// Keep every N-th step as a frame (the first and the last state are always kept). `None`: as many as
    /// [`ReplayOptions::fps`] asks for.
    pub every: Option<usize>,
    /// Frames per simulated second when `every` is `None` (default 60): every `round(1 / (fps · dt))`-th step.
    pub fps: f64,
    /// The most frames a replay holds (default 5000): without `every`, fewer frames per second are kept for a
    /// longer run; with `every`, more frames than this is an error. It bounds the page's size.
    pub max_frames: usize,
    /// Record and show contact points and forces (default `true`).
    pub contacts: bool,
    /// The page's title (default "diffphys replay").
    pub title: String,
    /// The length of a force arrow per newton (m/N); `None` (default): the largest force is drawn about a
    /// quarter of the scene's size, rounded to 1, 2 or 5 times a power of ten.
    pub force_scale: Option<f64>,
    /// The height in pixels of the frame [`replay_notebook_html`] shows the page in (default 480).
    pub notebook_height: u32,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            every: None,
            fps: 60.0,
            max_frames: 5000,
            contacts: true,
            title: "diffphys replay".into(),
            force_scale: None,
            notebook_height: 480,
        }
    }
}

/// What a [`ReplayObject`] is in the scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayKind {
    /// A particle (drawn as a ball of its contact radius).
    Particle,
    /// A free rigid body.
    Body,
    /// A collider of robot `robot`'s links.
    Link {
        /// The robot's index in the scene.
        robot: usize,
    },
}

/// One drawn object of a [`Replay`]: a particle, a free body or a robot link's collider.
///
/// ```
/// use diffphys::io::{Replay, ReplayKind, ReplayOptions};
/// let scene = diffphys::io::parse_scene(diffphys::io::DEMO_SCENE, "demo").unwrap();
/// let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
/// let ball = &replay.objects()[0];
/// assert_eq!((ball.name.as_str(), ball.kind), ("ball", ReplayKind::Particle));
/// assert_eq!(ball.color, [0xe6, 0x19, 0x4b]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayObject {
    /// Its name: the particle's or body's, or `<robot>.<link>` for a link's collider.
    pub name: String,
    /// What it is.
    pub kind: ReplayKind,
    /// Its shape (a particle: a sphere of its radius), centred on the pose the replay records.
    pub shape: Shape<f64>,
    /// Its colour (sRGB): particles and bodies each their own, all colliders of a robot the robot's.
    pub color: [u8; 3],
}

/// A contact point of one frame of a [`Replay`].
///
/// ```
/// let c = diffphys::io::ReplayContact { point: [0.0, 0.0, 0.0], force: Some([0.0, 0.0, 4.9]), net: false };
/// assert_eq!(c.force.unwrap()[2], 4.9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayContact {
    /// The point (m, world).
    pub point: [f64; 3],
    /// The force (N, world axes) if known: on the particle, on the robot link (the partner gets the opposite),
    /// or with `net`, on the free body. A replay of a trajectory file knows no forces (the file has no
    /// velocities).
    pub force: Option<[f64; 3]>,
    /// The force is the net contact force on a free body over the step that ended at this frame
    /// (`m Δv / Δt − m g`, everything that touched it: the ground, bodies, links), at the mean of its contact
    /// points; the points themselves are listed without force.
    pub net: bool,
}

/// A recorded run of a scene, ready to be written as an HTML page ([`replay_html`], [`write_replay`]): the
/// pose of every particle, body and robot collider, the robots' joint positions and the contacts, at each
/// kept step.
///
/// ```
/// use diffphys::io::{self, Replay, ReplayOptions};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
/// assert_eq!(replay.frames(), 121); // 2 s at 60 frames per second, and the initial state
/// assert_eq!(replay.times()[1], 0.0167); // every 167th step of 0.1 ms
/// let [x, _, z, ..] = replay.pose(0, 0);
/// assert_eq!((x, z), (0.0, 1.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    title: String,
    dt: f64,
    every: usize,
    ground: bool,
    objects: Vec<ReplayObject>,
    springs: Vec<SpringJson>,
    skeletons: Vec<SkeletonJson>,
    times: Vec<f64>,
    poses: Vec<Vec<[f64; 7]>>,
    joints: Vec<Vec<[f64; 3]>>,
    contacts: Vec<Vec<ReplayContact>>,
    forces: bool,
    force_scale: f64,
    notebook_height: u32,
}

const PALETTE: [[u8; 3]; 9] = [
    [0xe6, 0x19, 0x4b], // red
    [0x43, 0x63, 0xd8], // blue
    [0x3c, 0xb4, 0x4b], // green
    [0xf5, 0x82, 0x31], // orange
    [0x91, 0x1e, 0xb4], // purple
    [0x42, 0xd4, 0xf4], // cyan
    [0xf0, 0x32, 0xe6], // magenta
    [0x9a, 0x63, 0x24], // brown
    [0x46, 0x99, 0x90], // teal
];

impl Replay {
    /// Simulates `scene` for its duration, as `diffphys simulate` does (the same steps, checks and errors as
    /// [`crate::sim::rollout`]), and records the frames `options` asks for. Contact forces come from the steps:
    /// a particle's is the ground's force at the state the step began from
    /// ([`ground_contact_force`](crate::particles::ground_contact_force)), a robot link's is the step's
    /// ([`crate::sim::Workspace::link_contacts`]), and a free body's is its net contact force over the step (see
    /// [`ReplayContact::net`]).
    ///
    /// ```
    /// use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let replay = Replay::simulate(&scene, &ReplayOptions { every: Some(100), ..Default::default() }).unwrap();
    /// assert_eq!(replay.frames(), 201);
    /// // the ball is on the ground at some frames, with an upward force
    /// let touching = (0..replay.frames()).flat_map(|k| replay.contacts(k).to_vec()).collect::<Vec<_>>();
    /// assert!(!touching.is_empty() && touching.iter().all(|c| c.force.unwrap()[2] > 0.0));
    /// ```
    ///
    /// # Errors
    /// As [`crate::sim::rollout`]; [`Error::InvalidArgument`] if `options` asks for no frames per second, for
    /// `every = 0`, or for more than `max_frames` frames.
    pub fn simulate(scene: &Model<f64>, options: &ReplayOptions) -> Result<Replay> {
        scene.validate()?;
        let n = scene.settings.n_steps();
        let every = frame_spacing(options, scene.settings.dt, n)?;
        let mut recorder = Recorder::new(scene, options, every);
        let before = std::cell::RefCell::new(None::<State<f64>>);
        let next_due = std::cell::Cell::new(0);
        let due = |step: usize| step == 0 || step >= next_due.get() || step == n;
        let mut ws = Workspace::new(scene.particles.len());
        crate::sim::rollout_watching(
            scene,
            n,
            &mut ws,
            |state| {
                if due(state.step + 1) {
                    *before.borrow_mut() = Some(state.clone());
                }
                Ok(())
            },
            |state, ws| {
                if due(state.step) {
                    let before = before.borrow_mut().take();
                    recorder.record(state, before.as_ref().map(|b| (b, ws)));
                    next_due.set(state.step + every);
                }
                Ok(())
            },
        )?;
        Ok(recorder.finish(options))
    }

    /// Records the states of `trajectory`, a run of `scene` (as [`crate::sim::rollout`] makes, or as
    /// [`crate::io::read_trajectory_csv`] reads from `diffphys simulate`'s CSV), keeping the frames `options`
    /// asks for. Contact points are found from the positions ([`detect_contacts`] for free bodies, the ground
    /// and free bodies against robot links, a particle below its radius); their forces are not known (a
    /// trajectory file has no velocities) and are not drawn.
    ///
    /// ```
    /// use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let csv = "t,ball.x,ball.y,ball.z\n0,0,0,1\n1,2,0,0.04\n";
    /// let traj = io::parse_trajectory_csv(csv, &scene, "ball.csv").unwrap();
    /// let replay = Replay::from_trajectory(&scene, &traj, &ReplayOptions::default()).unwrap();
    /// assert_eq!(replay.times(), [0.0, 1.0]);
    /// assert_eq!(replay.contacts(1), [io::ReplayContact { point: [2.0, 0.0, 0.0], force: None, net: false }]);
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the trajectory's states do not fit the scene (another number of particles,
    /// bodies, robots or coordinates), if it has no states, or as [`Replay::simulate`] for `options`.
    pub fn from_trajectory(
        scene: &Model<f64>,
        trajectory: &Trajectory<f64>,
        options: &ReplayOptions,
    ) -> Result<Replay> {
        scene.validate()?;
        let mismatch = |what: String| Error::InvalidArgument(format!("the trajectory does not fit the scene: {what}"));
        let Some(last) = trajectory.states.last() else { return Err(mismatch("it has no states".into())) };
        for (k, s) in trajectory.states.iter().enumerate() {
            let fits = s.x.len() == scene.particles.len()
                && s.bodies.len() == scene.bodies.len()
                && s.robots.len() == scene.robots.len()
                && s.robots.iter().zip(&scene.robots).all(|(r, m)| r.q.len() == m.multibody.nq());
            if !fits {
                return Err(mismatch(format!("state {k} has other particles, bodies or robots")));
            }
        }
        if trajectory.coordinates.len() != scene.coordinates().len() {
            return Err(mismatch("another number of coordinates".into()));
        }
        let (first, last) = (trajectory.states[0].step, last.step);
        let every = frame_spacing(options, scene.settings.dt, last - first)?;
        let mut recorder = Recorder::new(scene, options, every);
        let mut next_due = first;
        for s in &trajectory.states {
            if s.step >= next_due || s.step == last {
                recorder.record(s, None);
                next_due = s.step + every;
            }
        }
        Ok(recorder.finish(options))
    }

    /// The number of frames.
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let options = ReplayOptions { fps: 10.0, ..Default::default() };
    /// assert_eq!(Replay::simulate(&scene, &options).unwrap().frames(), 21);
    /// ```
    pub fn frames(&self) -> usize {
        self.times.len()
    }

    /// The steps between frames (the last frame may be closer to the one before).
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let options = ReplayOptions { fps: 10.0, ..Default::default() };
    /// assert_eq!(Replay::simulate(&scene, &options).unwrap().every(), 1000); // dt = 0.1 ms
    /// ```
    pub fn every(&self) -> usize {
        self.every
    }

    /// The time of each frame (s).
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let options = ReplayOptions { fps: 1.0, ..Default::default() };
    /// assert_eq!(Replay::simulate(&scene, &options).unwrap().times(), [0.0, 1.0, 2.0]);
    /// ```
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// The drawn objects: particles, then free bodies, then each robot's colliders, in scene order.
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// assert_eq!(Replay::simulate(&scene, &ReplayOptions::default()).unwrap().objects().len(), 1);
    /// ```
    pub fn objects(&self) -> &[ReplayObject] {
        &self.objects
    }

    /// The pose of object `object` at frame `frame`: position (m) and orientation quaternion, as
    /// `[x, y, z, qx, qy, qz, qw]` (rounded to 1e-5).
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
    /// assert_eq!(replay.pose(0, 0), [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// If there is no such frame or object.
    pub fn pose(&self, frame: usize, object: usize) -> [f64; 7] {
        self.poses[frame][object]
    }

    /// The contacts of frame `frame` (empty when the replay records none).
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
    /// assert!(replay.contacts(0).is_empty()); // the ball starts 1 m up
    /// ```
    ///
    /// # Panics
    /// If there is no such frame.
    pub fn contacts(&self, frame: usize) -> &[ReplayContact] {
        &self.contacts[frame]
    }

    /// The length of a force arrow per newton (m/N).
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let options = ReplayOptions { force_scale: Some(0.01), ..Default::default() };
    /// assert_eq!(Replay::simulate(&scene, &options).unwrap().force_scale(), 0.01);
    /// ```
    pub fn force_scale(&self) -> f64 {
        self.force_scale
    }

    /// The replay's data as the page reads it (JSON): the scene's objects, springs and robot skeletons, and per
    /// frame the poses, joint positions and contacts.
    ///
    /// ```
    /// # use diffphys::io::{self, Replay, ReplayOptions};
    /// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
    /// let json = Replay::simulate(&scene, &ReplayOptions::default()).unwrap().to_json();
    /// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// assert_eq!(value["objects"][0]["name"], "ball");
    /// assert_eq!(value["frames"].as_array().unwrap().len(), 121);
    /// ```
    pub fn to_json(&self) -> String {
        let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        let objects = self
            .objects
            .iter()
            .map(|o| ObjectJson {
                name: o.name.clone(),
                kind: match o.kind {
                    ReplayKind::Particle => "particle",
                    ReplayKind::Body => "body",
                    ReplayKind::Link { .. } => "link",
                },
                shape: ShapeJson::of(&o.shape),
                color: hex(o.color),
            })
            .collect();
        let frames = (0..self.frames())
            .map(|k| FrameJson {
                t: self.times[k],
                pose: self.poses[k].iter().flatten().copied().collect(),
                joints: self.joints[k].iter().flatten().copied().collect(),
                contacts: self.contacts[k]
                    .iter()
                    .flat_map(|c| {
                        let f = c.force.unwrap_or([0.0; 3]);
                        let kind = if c.force.is_none() {
                            0.0
                        } else if c.net {
                            2.0
                        } else {
                            1.0
                        };
                        [c.point[0], c.point[1], c.point[2], f[0], f[1], f[2], kind]
                    })
                    .collect(),
            })
            .collect();
        let (lower, upper) = self.bounds();
        let json = ReplayJson {
            format: "diffphys-replay-1",
            title: self.title.clone(),
            units: "m, s, N",
            dt: self.dt,
            every: self.every,
            ground: self.ground,
            forces: self.forces,
            force_scale: self.force_scale,
            bounds: [lower, upper],
            objects,
            springs: self.springs.clone(),
            skeletons: self.skeletons.clone(),
            frames,
        };
        serde_json::to_string(&json).expect("replay data serialises")
    }

    /// The box (m) that holds every object, joint, anchor and contact point over the run, and the ground
    /// surface `z = 0` if there is one.
    fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        let mut add = |p: [f64; 3], r: f64| {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k] - r);
                hi[k] = hi[k].max(p[k] + r);
            }
        };
        for k in 0..self.frames() {
            for (pose, o) in self.poses[k].iter().zip(&self.objects) {
                add([pose[0], pose[1], pose[2]], o.shape.bounding_radius());
            }
            self.joints[k].iter().for_each(|&p| add(p, 0.0));
            self.contacts[k].iter().for_each(|c| add(c.point, 0.0));
        }
        self.springs.iter().filter_map(|s| s.anchor).for_each(|p| add(p, 0.0));
        if self.ground && lo[2].is_finite() {
            lo[2] = lo[2].min(0.0);
            hi[2] = hi[2].max(0.0);
        }
        if !lo[0].is_finite() {
            return ([-0.5; 3], [0.5; 3]);
        }
        (lo.map(round5), hi.map(round5))
    }
}

/// The steps between frames: `options.every`, or what `options.fps` asks for, bounded by `options.max_frames`
/// over `steps` steps.
fn frame_spacing(options: &ReplayOptions, dt: f64, steps: usize) -> Result<usize> {
    let frames = |every: usize| steps.div_ceil(every) + 1;
    match options.every {
        Some(0) => Err(Error::InvalidArgument("replay: every must be at least 1".into())),
        Some(every) if frames(every) > options.max_frames => Err(Error::InvalidArgument(format!(
            "replay: every {every} steps of {steps} make {} frames, more than the {} allowed: keep fewer (a larger \
             every, or frames per second instead)",
            frames(every),
            options.max_frames
        ))),
        Some(every) => Ok(every),
        None if !(options.fps > 0.0 && options.fps.is_finite()) => {
            Err(Error::InvalidArgument(format!("replay: fps must be positive and finite, not {}", options.fps)))
        }
        None if options.max_frames < 2 => {
            Err(Error::InvalidArgument("replay: max_frames must be at least 2 (the first and last states)".into()))
        }
        None => {
            let mut every = ((1.0 / (options.fps * dt)).round() as usize).max(1);
            if frames(every) > options.max_frames {
                every = steps.div_ceil(options.max_frames - 1).max(1);
            }
            Ok(every)
        }
    }
}

/// Builds a [`Replay`] frame by frame.
struct Recorder<'a> {
    scene: &'a Model<f64>,
    contacts_on: bool,
    every: usize,
    kinematics: Vec<MultibodyWorkspace<f64>>,
    broad: BroadPhase,
    replay: Replay,
}

impl<'a> Recorder<'a> {
    fn new(scene: &'a Model<f64>, options: &ReplayOptions, every: usize) -> Self {
        let mut objects = Vec::new();
        let mut color = PALETTE.iter().copied().cycle();
        for p in &scene.particles {
            let shape = Shape::Sphere { radius: p.radius };
            objects.push(ReplayObject {
                name: p.name.clone(),
                kind: ReplayKind::Particle,
                shape,
                color: color.next().unwrap(),
            });
        }
        for b in &scene.bodies {
            objects.push(ReplayObject {
                name: b.name.clone(),
                kind: ReplayKind::Body,
                shape: b.shape.clone(),
                color: color.next().unwrap(),
            });
        }
        let mut skeletons = Vec::new();
        let mut joint_points = 0;
        for (r, robot) in scene.robots.iter().enumerate() {
            let c = color.next().unwrap();
            for collider in &robot.multibody.colliders {
                objects.push(ReplayObject {
                    name: format!("{}.{}", robot.name(), collider.link),
                    kind: ReplayKind::Link { robot: r },
                    shape: collider.shape.clone(),
                    color: c,
                });
            }
            // the root's origin, then each body's: a segment from each body's parent (or the root) to it
            let root = joint_points;
            let segments = (0..robot.multibody.n_bodies())
                .map(|i| [robot.multibody.parent[i].map_or(root, |p| root + 1 + p), root + 1 + i])
                .collect();
            skeletons.push(SkeletonJson {
                robot: robot.name().to_string(),
                color: format!("#{:02x}{:02x}{:02x}", c[0] / 2, c[1] / 2, c[2] / 2),
                segments,
            });
            joint_points += 1 + robot.multibody.n_bodies();
        }
        let particle_object = |i: usize| i;
        let springs = scene
            .springs
            .iter()
            .map(|s| SpringJson {
                name: s.name.clone(),
                a: particle_object(s.a),
                b: match s.b {
                    SpringEnd::Particle(j) => Some(particle_object(j)),
                    SpringEnd::Anchor(_) => None,
                },
                anchor: match s.b {
                    SpringEnd::Particle(_) => None,
                    SpringEnd::Anchor(p) => Some([p.x, p.y, p.z].map(round5)),
                },
            })
            .collect();
        Recorder {
            scene,
            contacts_on: options.contacts,
            every,
            kinematics: scene.robots.iter().map(|r| MultibodyWorkspace::new(&r.multibody)).collect(),
            broad: BroadPhase::new(),
            replay: Replay {
                title: options.title.clone(),
                dt: scene.settings.dt,
                every,
                ground: scene.ground.is_some(),
                objects,
                springs,
                skeletons,
                times: Vec::new(),
                poses: Vec::new(),
                joints: Vec::new(),
                contacts: Vec::new(),
                forces: false,
                force_scale: options.force_scale.unwrap_or(0.0),
                notebook_height: options.notebook_height,
            },
        }
    }

    /// Records `state`; with `step`, the state the step to it began from and the workspace after it: the
    /// contacts and forces of that step. Without, contact points from the positions.
    fn record(&mut self, state: &State<f64>, step: Option<(&State<f64>, &Workspace<f64>)>) {
        let scene = self.scene;
        let mut poses = Vec::with_capacity(self.replay.objects.len());
        let mut joints = Vec::new();
        for x in &state.x {
            poses.push(pose_of(x, &UnitQuaternion::identity()));
        }
        let body_poses: Vec<Transform<f64>> = state
            .bodies
            .iter()
            .map(|b| Transform::from_position_orientation(b.position, &b.orientation.normalize()))
            .collect();
        for b in &state.bodies {
            poses.push(pose_of(&b.position, &UnitQuaternion::from_quaternion(b.orientation)));
        }
        let mut link_poses = Vec::with_capacity(scene.robots.len());
        for ((robot, ws), r) in scene.robots.iter().zip(&mut self.kinematics).zip(&state.robots) {
            forward_kinematics(&robot.multibody, ws, &r.q, &r.v);
            let colliders = collider_poses(robot, ws);
            for c in &colliders {
                let rotation = UnitQuaternion::from_rotation_matrix(&Rotation3::from_matrix_unchecked(c.rotation));
                poses.push(pose_of(&c.translation, &rotation));
            }
            link_poses.push(colliders);
            joints.push(robot.base.translation.map(round5).into());
            for i in 0..robot.multibody.n_bodies() {
                joints.push((&robot.base * ws.pose_world(i)).translation.map(round5).into());
            }
        }
        let contacts = match (self.contacts_on, step) {
            (false, _) => Vec::new(),
            (true, Some((before, ws))) => {
                self.replay.forces = true;
                self.step_contacts(before, state, ws)
            }
            (true, None) => self.position_contacts(state, &body_poses, &link_poses),
        };
        self.replay.times.push(crate::io::trajectory_csv_time(scene.settings.dt, state));
        self.replay.poses.push(poses);
        self.replay.joints.push(joints);
        self.replay.contacts.push(contacts);
    }

    /// Contact points from positions alone: particles below their radius, free bodies on each other and the
    /// ground ([`detect_contacts`]), robot colliders on the ground and on free bodies.
    fn position_contacts(
        &mut self,
        state: &State<f64>,
        body_poses: &[Transform<f64>],
        link_poses: &[Vec<Transform<f64>>],
    ) -> Vec<ReplayContact> {
        let scene = self.scene;
        let mut out = Vec::new();
        let mut point = |p: &Vector3<f64>| out.push(ReplayContact { point: point_of(p), force: None, net: false });
        if scene.ground.is_some() {
            for (p, x) in scene.particles.iter().zip(&state.x) {
                if p.radius - x.z > 0.0 {
                    point(&Vector3::new(x.x, x.y, 0.0));
                }
            }
        }
        let mut found = Vec::new();
        let margins = vec![0.0; scene.bodies.len()];
        detect_contacts(scene, body_poses, &margins, &mut Vec::new(), &mut self.broad, BoxPairs::Manifold, &mut found);
        for c in found.iter().filter(|c| c.geometry.distance < 0.0) {
            point(&c.geometry.point);
        }
        for (robot, poses) in scene.robots.iter().zip(link_poses) {
            for (collider, pose) in robot.multibody.colliders.iter().zip(poses) {
                if collider.body.is_none() {
                    continue;
                }
                let mut touch = |g: crate::geometry::ContactGeometry<f64>| {
                    if g.distance < 0.0 {
                        point(&g.point);
                    }
                };
                if scene.ground.is_some() {
                    shape_ground(&collider.shape, pose, 0.0, &mut touch);
                }
                for (body, body_pose) in scene.bodies.iter().zip(body_poses) {
                    collide(&collider.shape, pose, &body.shape, body_pose, 0.0, &mut touch);
                }
            }
        }
        out
    }

    /// The contacts of the step from `before` to `after`, as the step found them (`ws`), with forces.
    fn step_contacts(&self, before: &State<f64>, after: &State<f64>, ws: &Workspace<f64>) -> Vec<ReplayContact> {
        let scene = self.scene;
        let dt = scene.settings.dt;
        let mut out = Vec::new();
        if let Some(ground) = &scene.ground {
            let anchored = scene.settings.contact.friction_law == FrictionLaw::Anchored;
            for (i, p) in scene.particles.iter().enumerate() {
                let (x, v) = (&before.x[i], &before.v[i]);
                if p.radius - x.z <= 0.0 {
                    continue;
                }
                let mut stretch = before
                    .friction_anchors
                    .iter()
                    .find(|a| a.pair == AnchorPair::Particle { index: i })
                    .map_or_else(Vector3::zeros, |a| a.stretch);
                let anchor = if anchored { Some(&mut stretch) } else { None };
                let f = ground_contact_force(ground, &p.radius, &p.mass, dt, x, v, anchor);
                out.push(ReplayContact {
                    point: point_of(&Vector3::new(x.x, x.y, 0.0)),
                    force: Some(force_of(&f)),
                    net: false,
                });
            }
        }
        // the impulse model keeps contacts within a margin: those closer than 0.1 mm touch and are drawn, and the
        // others may be met inside the step (a bounce at its time of impact): all of them place a body's force
        let impulses = scene.settings.contact.model != ContactModel::Compliant;
        let touching = if impulses { 1e-4 } else { 0.0 };
        let mut body_points: Vec<Vec<Vector3<f64>>> = vec![Vec::new(); scene.bodies.len()];
        for c in ws.rigid.contacts.iter().filter(|c| impulses || c.geometry.distance < touching) {
            if c.geometry.distance < touching {
                out.push(ReplayContact { point: point_of(&c.geometry.point), force: None, net: false });
            }
            body_points[c.a].push(c.geometry.point);
            if let Some(b) = c.b {
                body_points[b].push(c.geometry.point);
            }
        }
        for c in ws.link_contacts.iter().filter(|c| c.geometry.distance < touching) {
            let force = Some(force_of(&c.force));
            out.push(ReplayContact { point: point_of(&c.geometry.point), force, net: false });
            if let crate::contact::Partner::Body(b) = c.partner {
                body_points[b].push(c.geometry.point);
            }
        }
        let g = scene.settings.gravity;
        for (i, body) in scene.bodies.iter().enumerate() {
            if body_points[i].is_empty() {
                continue;
            }
            let mean = body_points[i].iter().sum::<Vector3<f64>>() / body_points[i].len() as f64;
            let dv = after.bodies[i].velocity - before.bodies[i].velocity;
            let f = (dv / dt - g) * body.mass;
            if impulses && f.norm() < 1e-6 * body.mass * g.norm().max(1.0) {
                continue; // a margin's contact not met in this step
            }
            out.push(ReplayContact { point: point_of(&mean), force: Some(force_of(&f)), net: true });
        }
        out
    }

    fn finish(mut self, options: &ReplayOptions) -> Replay {
        let replay = &mut self.replay;
        replay.every = self.every;
        if options.force_scale.is_none() {
            let largest = replay
                .contacts
                .iter()
                .flatten()
                .filter_map(|c| c.force)
                .map(|f| Vector3::from(f).norm())
                .fold(0.0, f64::max);
            let (lo, hi) = replay.bounds();
            let size = (0..3).map(|k| hi[k] - lo[k]).fold(0.1, f64::max);
            replay.force_scale = if largest > 0.0 { nice_below(0.25 * size / largest) } else { 0.0 };
        }
        self.replay
    }
}

fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5 + 0.0 // + 0.0: no "-0"
}

fn point_of(p: &Vector3<f64>) -> [f64; 3] {
    [p.x, p.y, p.z].map(round5)
}

fn force_of(f: &Vector3<f64>) -> [f64; 3] {
    [f.x, f.y, f.z].map(|x| (x * 1e3).round() / 1e3 + 0.0) // + 0.0: no "-0"
}

fn pose_of(p: &Vector3<f64>, q: &UnitQuaternion<f64>) -> [f64; 7] {
    [p.x, p.y, p.z, q.i, q.j, q.k, q.w].map(round5)
}

/// The largest of 1, 2 or 5 times a power of ten that is at most `x > 0`.
fn nice_below(x: f64) -> f64 {
    let decade = 10f64.powf(x.log10().floor());
    let m = x / decade;
    let nice = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    nice * decade
}

#[derive(Serialize)]
struct ReplayJson {
    format: &'static str,
    title: String,
    units: &'static str,
    dt: f64,
    every: usize,
    ground: bool,
    forces: bool,
    force_scale: f64,
    bounds: [[f64; 3]; 2],
    objects: Vec<ObjectJson>,
    springs: Vec<SpringJson>,
    skeletons: Vec<SkeletonJson>,
    frames: Vec<FrameJson>,
}

#[derive(Serialize)]
struct ObjectJson {
    name: String,
    kind: &'static str,
    shape: ShapeJson,
    color: String,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ShapeJson {
    Sphere { radius: f64 },
    Box { size: [f64; 3] },
    Capsule { radius: f64, length: f64 },
    Cylinder { radius: f64, length: f64 },
}

impl ShapeJson {
    fn of(shape: &Shape<f64>) -> Self {
        match shape {
            Shape::Sphere { radius } => ShapeJson::Sphere { radius: *radius },
            Shape::Box { size } => ShapeJson::Box { size: [size.x, size.y, size.z] },
            Shape::Capsule { radius, length } => ShapeJson::Capsule { radius: *radius, length: *length },
            Shape::Cylinder { radius, length } => ShapeJson::Cylinder { radius: *radius, length: *length },
        }
    }
}

#[derive(Serialize, Debug, Clone, PartialEq)]
struct SpringJson {
    name: String,
    a: usize,
    b: Option<usize>,
    anchor: Option<[f64; 3]>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
struct SkeletonJson {
    robot: String,
    color: String,
    segments: Vec<[usize; 2]>,
}

#[derive(Serialize)]
struct FrameJson {
    t: f64,
    pose: Vec<f64>,
    joints: Vec<f64>,
    contacts: Vec<f64>,
}

const TEMPLATE: &str = include_str!("viewer.html");
const THREE_CORE: &str = include_str!("three/three.core.min.js");
const THREE_MODULE: &str = include_str!("three/three.module.min.js");
const ORBIT_CONTROLS: &str = include_str!("three/OrbitControls.js");

/// The vendored three.js files, zlib-compressed and base64-encoded once per process.
fn compressed_scripts() -> &'static [String; 3] {
    static SCRIPTS: OnceLock<[String; 3]> = OnceLock::new();
    SCRIPTS.get_or_init(|| {
        [THREE_CORE, THREE_MODULE, ORBIT_CONTROLS]
            .map(|text| base64(&miniz_oxide::deflate::compress_to_vec_zlib(text.as_bytes(), 9)))
    })
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `text` with `&`, `<`, `>` and `"` written as HTML character references.
fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The replay as one self-contained HTML page (three.js inlined; no network needed): the text [`write_replay`]
/// writes.
///
/// The page draws the ground, the particles, the springs, the free bodies with their shapes, the robots' links
/// with their collision shapes (and a skeleton through the robots' joints), and the contact points with their
/// force arrows (a toggle; the legend gives the scale), with a time slider, play/pause and speed, an orbit camera
/// and the name of what is under the pointer. three.js (vendored in `src/io/replay/three/`, MIT licence) is
/// inlined, zlib-compressed and base64-encoded, inflated by the browser's `DecompressionStream`.
///
/// It reads query parameters, for links and tests: `t=1.5` (start at this time, s), `paused=1`, `speed=0.25`,
/// `contacts=0`, `camera=top|side|front` (an orthographic camera looking down `−z`, along `+y` or along `−x`:
/// across and up the page are world `(x, y)`, `(x, z)` or `(y, z)`), `box=h0,h1,v0,v1` (the world ranges, m,
/// such a camera shows across and up the page; by default the run's bounds) and `bare=1` (no panels). It reports
/// errors (`window.onerror`, unhandled rejections, `console.error`) in the element `#errors`, and sets
/// `data-state="ready"` (with `data-frame` and `data-time`) on `<body>` once it has drawn.
///
/// ```
/// use diffphys::io::{self, Replay, ReplayOptions};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let html = io::replay_html(&Replay::simulate(&scene, &ReplayOptions::default()).unwrap());
/// assert!(html.starts_with("<!doctype html>") && html.contains("<title>diffphys replay</title>"));
/// assert!(!html.contains("https://")); // nothing is loaded from the network
/// ```
pub fn replay_html(replay: &Replay) -> String {
    let [core, module, orbit] = compressed_scripts();
    // `<` only occurs inside JSON strings, where `\u003c` means the same: no `</script>` can close the element
    let data = replay.to_json().replace('<', "\\u003c");
    let title = html_escaped(&replay.title);
    fill(
        TEMPLATE,
        &[
            ("{{TITLE}}", &title),
            ("{{DATA}}", &data),
            ("{{THREE_CORE}}", core),
            ("{{THREE_MODULE}}", module),
            ("{{ORBIT_CONTROLS}}", orbit),
        ],
    )
}

/// The template with each marker replaced by its value, markers found in the template only (never in a value
/// put in before).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some((at, (marker, value))) =
        values.iter().filter_map(|mv| rest.find(mv.0).map(|at| (at, mv))).min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + marker.len()..];
    }
    out.push_str(rest);
    out
}

/// The page of [`replay_html`] in an `<iframe srcdoc>` of the options' `notebook_height`, to display inline in a
/// notebook (in evcxr, print it between `EVCXR_BEGIN_CONTENT text/html` and `EVCXR_END_CONTENT` lines): the
/// page's scripts run in the frame, apart from the notebook's.
///
/// ```
/// use diffphys::io::{self, Replay, ReplayOptions};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let replay = Replay::simulate(&scene, &ReplayOptions { notebook_height: 300, ..Default::default() }).unwrap();
/// let html = io::replay_notebook_html(&replay);
/// assert!(html.starts_with("<iframe") && html.contains("height: 300px") && !html.contains("<script"));
/// ```
pub fn replay_notebook_html(replay: &Replay) -> String {
    format!(
        "<iframe title=\"{}\" style=\"width: 100%; height: {}px; border: 1px solid #ccc;\" srcdoc=\"{}\"></iframe>",
        html_escaped(&replay.title),
        replay.notebook_height,
        html_escaped(&replay_html(replay))
    )
}

/// Writes [`replay_html`] to `path`.
///
/// ```
/// use diffphys::io::{self, Replay, ReplayOptions};
/// let scene = io::parse_scene(io::DEMO_SCENE, "demo").unwrap();
/// let replay = Replay::simulate(&scene, &ReplayOptions::default()).unwrap();
/// let path = std::env::temp_dir().join(format!("diffphys-replay-doc-{}.html", std::process::id()));
/// io::write_replay(&path, &replay).unwrap();
/// assert!(std::fs::metadata(&path).unwrap().len() > 100_000); // three.js is in it
/// # std::fs::remove_file(&path).unwrap();
/// ```
///
/// # Errors
/// [`Error::Io`] naming the file if it cannot be written.
pub fn write_replay(path: impl AsRef<Path>, replay: &Replay) -> Result<()> {
    std::fs::write(path.as_ref(), replay_html(replay)).map_err(|e| Error::io(path.as_ref(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn markers_in_values_are_not_replaced() {
        let out = fill("a {{X}} b {{Y}} c", &[("{{X}}", "{{Y}}"), ("{{Y}}", "y")]);
        assert_eq!(out, "a {{Y}} b y c");
    }

    #[test]
    fn nice_scales_are_1_2_5_times_a_power_of_ten() {
        assert_eq!(nice_below(0.0034), 0.002);
        assert_eq!(nice_below(7.0), 5.0);
        assert_eq!(nice_below(1.0), 1.0);
        assert!((nice_below(0.19) - 0.1).abs() < 1e-15);
    }

    /// Frames are spaced as asked, bounded by `max_frames`.
    #[test]
    fn frame_spacing_follows_fps_every_and_the_cap() {
        let o = ReplayOptions::default();
        assert_eq!(frame_spacing(&o, 1e-3, 1000).unwrap(), 17);
        assert_eq!(frame_spacing(&ReplayOptions { fps: 2000.0, ..o.clone() }, 1e-3, 1000).unwrap(), 1);
        // 1e6 steps at 60 fps would be 60 000 frames: spaced out to 5000
        let every = frame_spacing(&o, 1e-3, 1_000_000).unwrap();
        assert!(1_000_000usize.div_ceil(every) < 5000, "{every}");
        assert!(frame_spacing(&ReplayOptions { every: Some(1), ..o.clone() }, 1e-3, 1_000_000).is_err());
        assert!(frame_spacing(&ReplayOptions { every: Some(0), ..o.clone() }, 1e-3, 10).is_err());
        assert!(frame_spacing(&ReplayOptions { fps: f64::NAN, ..o }, 1e-3, 10).is_err());
    }
}
