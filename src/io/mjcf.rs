//! MJCF (MuJoCo XML) models: a documented subset, read into a [`Multibody`].
//!
//! Read: `<mujoco model>`; `<compiler angle eulerseq autolimits inertiafromgeom>`; `<option gravity>`;
//! `<default>` classes (nested, with `class` and `childclass`) for `joint` and `geom`; `<worldbody>` and nested
//! `<body name pos quat|euler|axisangle childclass>`; in a body at most one `<joint type="hinge|slide|ball|free">`
//! (`axis pos range limited damping armature frictionloss`) or `<freejoint>`; `<inertial pos quat|euler|axisangle
//! mass diaginertia|fullinertia>`; `<geom type="sphere|box|capsule|cylinder|plane" size pos quat|euler|axisangle
//! fromto mass density>`, whose masses and inertias make the body's where it has no `<inertial>` (or where
//! `inertiafromgeom="true"`). A body without a joint is welded to its parent: its inertia joins the parent's and it
//! stays a named frame.
//!
//! A `ball` joint is a [`JointKind::Spherical`]; its `range` (a cone on the rotation angle) is ignored and listed.
//!
//! `<actuator>`: `<motor>` and `<position>` (`joint gear ctrlrange ctrllimited kp kv`) on hinge and slide joints,
//! as [`Mjcf::actuators`] with their joint forces from [`Mjcf::actuator_forces`].
//!
//! Refused, with the element named ([`Error::Urdf`]-style [`Error::Mjcf`]): several joints in one body, `xyaxes`/`zaxis` orientations, a mesh or other geom type used for inertia, malformed numbers. Elements and
//! attributes outside the subset that do not change the dynamics of the tree (other actuators, `contact`, `sensor`,
//! `asset`, visual attributes, ...) are ignored and listed in [`Mjcf::ignored`].
//!
//! Conventions, as MuJoCo's: angles in degrees unless `<compiler angle="radian">`; quaternions `w x y z`; a
//! hinge's `range` in the compiler's angle unit. The model's coordinates are diffphys's: a free joint's `q` is
//! `[x, y, z, qx, qy, qz, qw]` and its `v` the body-frame `[v; ω]` (MuJoCo's `qvel` has the linear part in the
//! world frame); a ball joint's `q` is `[qx, qy, qz, qw]` (MuJoCo's `w x y z`) and its `v` the body-frame `ω`, as
//! MuJoCo's. A body's frame in the model is its joint's frame (at the joint's `pos`); the body's name is a
//! [`Frame`] at the MJCF body origin.

use crate::geometry::Shape;
use crate::model::{Collider, Frame, Joint, JointKind, JointLimits, Multibody};
use crate::spatial::{Inertia, Transform};
use crate::{Error, Result};
use nalgebra::{Matrix3, UnitQuaternion, Vector3};
use roxmltree::{Document, Node};
use std::collections::{BTreeSet, HashMap};
use std::f64::consts::PI;
use std::path::Path;

/// A model read from MJCF: the tree and what was ignored.
#[derive(Debug, Clone)]
pub struct Mjcf {
    /// The kinematic tree, gravity from `<option gravity>`.
    pub multibody: Multibody<f64>,
    /// MuJoCo's initial configuration (`qpos0`) in diffphys's coordinates: joints at zero, each free body at the
    /// pose its `<body pos quat>` gives (`[x, y, z, qx, qy, qz, qw]`).
    pub q0: nalgebra::DVector<f64>,
    /// The world's level floor: a `<geom type="plane">` in `<worldbody>` facing up (`+z`), if any.
    pub floor: Option<MjcfFloor>,
    /// The `<motor>` and `<position>` actuators on one-degree-of-freedom joints, in file order (MuJoCo's `ctrl`
    /// order); [`Mjcf::actuator_forces`] gives their joint forces.
    pub actuators: Vec<MjcfActuator>,
    /// Elements and attributes outside the subset that were ignored, as `element` or `element@attribute`.
    pub ignored: Vec<String>,
}

/// An MJCF actuator on a joint: MuJoCo's `force = gain · ctrl + bias` with the joint's `length = gear · q`,
/// applied as the joint force `gear · force`.
#[derive(Debug, Clone, PartialEq)]
pub struct MjcfActuator {
    /// The actuator's name (`<kind>_<joint>` if the file gives none).
    pub name: String,
    /// Index of its (one-degree-of-freedom) joint in the model's `joints`.
    pub joint: usize,
    /// The transmission's `gear` (its first entry).
    pub gear: f64,
    /// Motor or position servo.
    pub kind: MjcfActuatorKind,
    /// `ctrlrange` where the control is limited (`ctrllimited`, or a range under `autolimits`): MuJoCo clamps
    /// the control into it.
    pub ctrl_range: Option<[f64; 2]>,
}

/// What an [`MjcfActuator`] does with its control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MjcfActuatorKind {
    /// `<motor>`: `force = ctrl`.
    Motor,
    /// `<position>`: `force = kp · (ctrl − length) − kv · length rate`.
    Position {
        /// Position gain (N·m/rad or N/m per unit of length).
        kp: f64,
        /// Velocity gain (`kv`, default 0).
        kv: f64,
    },
}

impl Mjcf {
    /// The joint forces (`nv`, N·m or N) of the actuators at controls `ctrl` (one per actuator, in
    /// [`Mjcf::actuators`]' order) and state `(q, v)`: MuJoCo's `qfrc_actuator`. Controls are clamped into a
    /// limited actuator's `ctrlrange` (on the real part: outside the range the derivative with respect to the
    /// control is zero). Generic over the scalar, so a step driven by it differentiates through it; drive a robot
    /// with it through [`crate::sim::robot::robot_step_with`].
    ///
    /// ```
    /// let mjcf = diffphys::io::parse_mjcf(r#"<mujoco><worldbody><body><joint name="j" axis="0 1 0"/>
    ///     <geom size="0.1" mass="1"/></body></worldbody><actuator><position joint="j" kp="20" kv="2"/>
    ///     <motor joint="j" gear="3" ctrlrange="-1 1"/></actuator></mujoco>"#).unwrap();
    /// let (q, v) = (nalgebra::DVector::from_vec(vec![0.1]), nalgebra::DVector::from_vec(vec![0.5]));
    /// let tau = mjcf.actuator_forces(&[0.3, 5.0], &q, &v).unwrap();
    /// assert!((tau[0] - (20.0 * (0.3 - 0.1) - 2.0 * 0.5 + 3.0 * 1.0)).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `ctrl` does not have one entry per actuator, `q`, `v` do not fit the model, or
    /// an actuator (edited after loading) names no one-degree-of-freedom joint.
    pub fn actuator_forces<T: crate::Scalar>(
        &self,
        ctrl: &[T],
        q: &nalgebra::DVector<T>,
        v: &nalgebra::DVector<T>,
    ) -> Result<nalgebra::DVector<T>> {
        if ctrl.len() != self.actuators.len() {
            return Err(Error::InvalidArgument(format!(
                "ctrl has {} entries, the model has {} actuators",
                ctrl.len(),
                self.actuators.len()
            )));
        }
        let (nq, nv) = (self.multibody.nq(), self.multibody.nv());
        if q.len() != nq || v.len() != nv {
            return Err(Error::InvalidArgument(format!("q needs {nq} entries and v {nv}")));
        }
        let mut tau = nalgebra::DVector::zeros(nv);
        for (a, u) in self.actuators.iter().zip(ctrl) {
            let mut u = *u;
            if let Some([lo, hi]) = a.ctrl_range {
                let x = crate::scalar::re(&u);
                if x < lo {
                    u = T::constant(lo);
                } else if x > hi {
                    u = T::constant(hi);
                }
            }
            let joint = self.multibody.joints.get(a.joint).filter(|j| j.kind.nq() == 1).ok_or_else(|| {
                Error::InvalidArgument(format!("actuator `{}` names no one-degree-of-freedom joint", a.name))
            })?;
            let (length, rate) = (q[joint.q_index] * a.gear, v[joint.v_index] * a.gear);
            let force = match a.kind {
                MjcfActuatorKind::Motor => u,
                MjcfActuatorKind::Position { kp, kv } => (u - length) * kp - rate * kv,
            };
            tau[joint.v_index] += force * a.gear;
        }
        Ok(tau)
    }
}

/// A level floor plane of an MJCF world.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MjcfFloor {
    /// Height of the plane (m).
    pub height: f64,
    /// Its sliding friction (MuJoCo's `friction[0]`).
    pub friction: f64,
}

/// Reads an MJCF file ([`parse_mjcf`]); errors name the file.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::Mjcf`] naming the element for anything malformed or outside
/// the subset.
pub fn load_mjcf(path: &Path) -> Result<Mjcf> {
    let text = super::read_text(path)?;
    parse_mjcf(&text).map_err(|e| match e {
        Error::Mjcf { element, message } => Error::Mjcf { element: format!("{}: {element}", path.display()), message },
        other => other,
    })
}

/// Parses MJCF text.
///
/// ```
/// let mjcf = diffphys::io::parse_mjcf(r#"
///   <mujoco model="pendulum">
///     <worldbody>
///       <body name="rod" pos="0 0 1">
///         <joint name="hinge" axis="0 1 0"/>
///         <geom type="capsule" fromto="0 0 0 0 0 -1" size="0.02" mass="1"/>
///       </body>
///     </worldbody>
///   </mujoco>"#).unwrap();
/// let m = &mjcf.multibody;
/// assert_eq!((m.nq(), m.nv(), m.inertias[0].mass), (1, 1, 1.0));
/// assert!((m.inertias[0].com.z + 0.5).abs() < 1e-15); // the capsule's centre, half-way down
/// ```
///
/// # Errors
/// [`Error::Mjcf`] naming the element for anything malformed or outside the subset.
pub fn parse_mjcf(text: &str) -> Result<Mjcf> {
    let doc = Document::parse(text).map_err(|e| mjcf_error(format!("line {}", e.pos().row), &e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "mujoco" {
        return Err(mjcf_error("<mujoco>".into(), &format!("the root element is <{}>", root.tag_name().name())));
    }
    let name = root.attribute("model").unwrap_or("mjcf");
    let mut reader = Reader {
        free_poses: Vec::new(),
        compiler: Compiler::default(),
        defaults: HashMap::new(),
        ignored: BTreeSet::new(),
    };
    for child in elements(root) {
        match child.tag_name().name() {
            "compiler" => reader.compiler(child)?,
            "default" => reader.default_class(child, None)?,
            "option" | "worldbody" | "actuator" => {}
            other => {
                reader.ignored.insert(other.to_string());
            }
        }
    }
    if !reader.defaults.contains_key("main") {
        reader.defaults.insert("main".into(), DefaultClass::default());
    }
    let mut model = Multibody::new(name, "world");
    let mut floor = None;
    for option in elements(root).filter(|n| n.has_tag_name("option")) {
        if let Some(g) = option.attribute("gravity") {
            model.gravity = vec3(option, "gravity", g)?;
        }
    }
    for world in elements(root).filter(|n| n.has_tag_name("worldbody")) {
        for child in elements(world) {
            match child.tag_name().name() {
                "body" => reader.body(&mut model, child, None, &Transform::identity(), "main")?,
                "geom" => {
                    let geom = reader.geom(child, "main")?;
                    let up = geom.frame.rotation * Vector3::z();
                    match geom.solid {
                        Solid::Plane if (up - Vector3::z()).norm() < 1e-9 && floor.is_none() => {
                            floor = Some(MjcfFloor { height: geom.frame.translation.z, friction: geom.friction });
                        }
                        _ => {
                            reader.ignored.insert("worldbody/geom (static geoms but one level floor plane)".into());
                        }
                    }
                }
                "light" | "camera" | "site" => {}
                other => {
                    reader.ignored.insert(format!("worldbody/{other}"));
                }
            }
        }
    }
    if model.joints.is_empty() {
        return Err(mjcf_error("<worldbody>".into(), "has no body with a joint: nothing moves"));
    }
    let mut actuators = Vec::new();
    for section in elements(root).filter(|n| n.has_tag_name("actuator")) {
        for node in elements(section) {
            if let Some(a) = reader.actuator(&model, node)? {
                actuators.push(a);
            }
        }
    }
    // MuJoCo's qpos0: zero joint values, free bodies where the file puts them
    let mut q0 = model.neutral();
    for (name, pose) in &reader.free_poses {
        let joint = model.joints.iter().find(|j| &j.name == name).expect("a free joint just added");
        let rotation = UnitQuaternion::from_matrix(&pose.rotation);
        let values = [
            pose.translation.x,
            pose.translation.y,
            pose.translation.z,
            rotation.i,
            rotation.j,
            rotation.k,
            rotation.w,
        ];
        q0.rows_mut(joint.q_index, 7).copy_from_slice(&values);
    }
    Ok(Mjcf { multibody: model, q0, floor, actuators, ignored: reader.ignored.into_iter().collect() })
}

/// `<compiler>`'s settings that change numbers.
struct Compiler {
    /// Angles in degrees (MuJoCo's default) rather than radians.
    degrees: bool,
    /// The three Euler axes: `x`, `y`, `z`, lower case rotating with the frame, upper case fixed.
    eulerseq: [char; 3],
    /// A `range` limits its joint unless `limited="false"`.
    autolimits: bool,
    /// `inertiafromgeom`: `Some(true)` always from geoms, `Some(false)` never, `None` (auto) where no `<inertial>`.
    inertia_from_geom: Option<bool>,
}

impl Default for Compiler {
    fn default() -> Self {
        Compiler { degrees: true, eulerseq: ['x', 'y', 'z'], autolimits: true, inertia_from_geom: None }
    }
}

/// A default class's attributes, per element (`joint`, `geom`), its parents' included.
#[derive(Clone, Default)]
struct DefaultClass {
    joint: HashMap<String, String>,
    geom: HashMap<String, String>,
}

struct Reader {
    /// Each free joint's name and its body's initial pose (`pos`, orientation) in the world.
    free_poses: Vec<(String, Transform<f64>)>,
    compiler: Compiler,
    defaults: HashMap<String, DefaultClass>,
    ignored: BTreeSet<String>,
}

/// An element's attributes with its default class's underneath.
struct Attrs<'a, 'input> {
    node: Node<'a, 'input>,
    defaults: Option<&'a HashMap<String, String>>,
}

impl Attrs<'_, '_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.node.attribute(key).or_else(|| self.defaults.and_then(|d| d.get(key).map(String::as_str)))
    }
}

impl Reader {
    fn compiler(&mut self, node: Node) -> Result<()> {
        for attr in node.attributes() {
            let value = attr.value();
            match attr.name() {
                "angle" => {
                    self.compiler.degrees = match value {
                        "degree" => true,
                        "radian" => false,
                        _ => return Err(bad(node, "angle", value, "degree or radian")),
                    }
                }
                "eulerseq" => {
                    let seq: Vec<char> = value.chars().collect();
                    if seq.len() != 3 || !seq.iter().all(|c| "xyzXYZ".contains(*c)) {
                        return Err(bad(node, "eulerseq", value, "three of x, y, z, X, Y, Z"));
                    }
                    self.compiler.eulerseq = [seq[0], seq[1], seq[2]];
                }
                "autolimits" => self.compiler.autolimits = boolean(node, "autolimits", value)?,
                "inertiafromgeom" => {
                    self.compiler.inertia_from_geom = match value {
                        "true" => Some(true),
                        "false" => Some(false),
                        "auto" => None,
                        _ => return Err(bad(node, "inertiafromgeom", value, "true, false or auto")),
                    }
                }
                other => {
                    self.ignored.insert(format!("compiler@{other}"));
                }
            }
        }
        Ok(())
    }

    /// A `<default>` element: class `class` (`main` at the top) inheriting `parent`'s attributes.
    fn default_class(&mut self, node: Node, parent: Option<&str>) -> Result<()> {
        let name = match (node.attribute("class"), parent) {
            (Some(c), _) => c.to_string(),
            (None, None) => "main".to_string(),
            (None, Some(_)) => return Err(mjcf_error(describe(node), "a nested <default> needs a class")),
        };
        if self.defaults.contains_key(&name) {
            return Err(mjcf_error(describe(node), &format!("default class `{name}` is defined twice")));
        }
        let mut class = parent.and_then(|p| self.defaults.get(p)).cloned().unwrap_or_default();
        for child in elements(node) {
            let target = match child.tag_name().name() {
                "joint" => &mut class.joint,
                "geom" => &mut class.geom,
                "default" => continue,
                other => {
                    self.ignored.insert(format!("default/{other}"));
                    continue;
                }
            };
            for attr in child.attributes() {
                target.insert(attr.name().to_string(), attr.value().to_string());
            }
        }
        self.defaults.insert(name.clone(), class);
        for child in elements(node).filter(|n| n.has_tag_name("default")) {
            self.default_class(child, Some(&name))?;
        }
        Ok(())
    }

    /// The class an element uses: its own `class`, else the enclosing `childclass`.
    fn class<'a>(&'a self, node: Node, childclass: &str) -> Result<&'a DefaultClass> {
        let name = node.attribute("class").unwrap_or(childclass);
        self.defaults.get(name).ok_or_else(|| mjcf_error(describe(node), &format!("unknown default class `{name}`")))
    }

    /// A `<body>` and its subtree. `parent` is the moving body it hangs from (`None`: the world) and `offset` the
    /// pose, in that body's frame, of the frame this body's `pos`/`quat` are given in.
    fn body(
        &mut self,
        model: &mut Multibody<f64>,
        node: Node,
        parent: Option<usize>,
        offset: &Transform<f64>,
        childclass: &str,
    ) -> Result<()> {
        let name = node.attribute("name").map(str::to_string).unwrap_or_else(|| format!("body{}", model.frames.len()));
        let childclass = node.attribute("childclass").unwrap_or(childclass).to_string();
        let pose = offset * &self.frame(node)?;
        let inertia = self.body_inertia(node, &childclass)?;
        let joints: Vec<Node> =
            elements(node).filter(|n| n.has_tag_name("joint") || n.has_tag_name("freejoint")).collect();
        for child in elements(node) {
            let tag = child.tag_name().name();
            if !matches!(tag, "joint" | "freejoint" | "inertial" | "geom" | "body" | "site" | "camera" | "light") {
                self.ignored.insert(format!("body/{tag}"));
            }
        }
        let (index, shift) = match joints.as_slice() {
            [] => {
                // welded: its inertia joins the body it hangs from; it stays a named frame
                if let Some(b) = parent {
                    model.inertias[b] = model.inertias[b].combined(&inertia.transformed(&pose));
                }
                model.frames.push(Frame { name: name.clone(), body: parent, placement: pose.clone() });
                (parent, pose)
            }
            [joint] => {
                let defaults = self.class(*joint, &childclass)?.joint.clone();
                let attrs = Attrs { node: *joint, defaults: Some(&defaults) };
                let kind_name =
                    if joint.has_tag_name("freejoint") { "free" } else { attrs.get("type").unwrap_or("hinge") };
                let anchor = match (kind_name, attrs.get("pos")) {
                    ("free", _) | (_, None) => Vector3::zeros(),
                    (_, Some(p)) => vec3(*joint, "pos", p)?,
                };
                let axis = match attrs.get("axis") {
                    Some(a) => unit(*joint, "axis", vec3(*joint, "axis", a)?)?,
                    None => Vector3::z(),
                };
                let joint_name = joint.attribute("name").map(str::to_string).unwrap_or_else(|| format!("{name}_joint"));
                let kind = match kind_name {
                    "hinge" => JointKind::Revolute { axis },
                    "slide" => JointKind::Prismatic { axis },
                    "free" => JointKind::Free,
                    "ball" => JointKind::Spherical,
                    other => return Err(bad(*joint, "type", other, "hinge, slide, ball or free")),
                };
                // the joint frame: the body's axes at the joint's anchor; the model's body frame is that frame. A
                // free joint's `q` is the body's pose in the world (MuJoCo's `qpos`): its pos/quat are only the
                // initial pose (`Mjcf::q0`), not a placement.
                let placement = if kind_name == "free" {
                    if parent.is_some() || node.parent_element().is_some_and(|p| !p.has_tag_name("worldbody")) {
                        return Err(mjcf_error(describe(*joint), "a free joint must be in a child of <worldbody>"));
                    }
                    self.free_poses.push((joint_name.clone(), pose.clone()));
                    Transform::identity()
                } else {
                    &pose * &Transform::from_translation(anchor)
                };
                let mut j = Joint::new(&joint_name, kind, placement);
                self.joint_properties(&mut j, &attrs, kind_name)?;
                let to_joint = Transform::from_translation(-anchor);
                let index = model.add_body(parent, &name, j, inertia.transformed(&to_joint))?;
                // the body's named frame is the MJCF body frame, `pos` behind the joint's anchor
                model.frames.last_mut().expect("add_body adds the body's frame").placement = to_joint.clone();
                (Some(index), to_joint)
            }
            _ => return Err(mjcf_error(describe(node), "several joints in one body are not supported")),
        };
        self.colliders(model, node, &name, index, &shift, &childclass)?;
        for child in elements(node).filter(|n| n.has_tag_name("body")) {
            self.body(model, child, index, &shift, &childclass)?;
        }
        Ok(())
    }

    /// Damping, armature, friction loss and limits.
    fn joint_properties(&mut self, joint: &mut Joint<f64>, attrs: &Attrs, kind: &str) -> Result<()> {
        let node = attrs.node;
        for (key, field) in [("damping", &mut joint.damping), ("armature", &mut joint.armature)] {
            if let Some(v) = attrs.get(key) {
                *field = nonnegative(node, key, v)?;
            }
        }
        if kind == "free" && joint.armature != 0.0 {
            // MuJoCo adds it to the mass matrix in its free-joint coordinates (linear velocity in world axes), a
            // rotor inertia on a translation that no body has; the model keeps free joints without armature
            joint.armature = 0.0;
            self.ignored.insert("joint@armature (on a free joint)".into());
        }
        if let Some(v) = attrs.get("frictionloss") {
            joint.friction = nonnegative(node, "frictionloss", v)?;
        }
        let limited = match attrs.get("limited").unwrap_or("auto") {
            "true" => true,
            "false" => false,
            "auto" => {
                if !self.compiler.autolimits && attrs.get("range").is_some() {
                    return Err(mjcf_error(describe(node), "has a range but no `limited` (compiler autolimits=false)"));
                }
                attrs.get("range").is_some()
            }
            other => return Err(bad(node, "limited", other, "true, false or auto")),
        };
        if limited && kind == "ball" {
            // MuJoCo's ball range is a cone on the rotation angle; the model's limits are per coordinate
            self.ignored.insert("joint@range (a ball joint's cone limit)".into());
        } else if limited && kind != "free" {
            let range = attrs.get("range").ok_or_else(|| mjcf_error(describe(node), "is limited but has no range"))?;
            let r = numbers::<2>(node, "range", range)?;
            let scale = if kind == "hinge" && self.compiler.degrees { PI / 180.0 } else { 1.0 };
            if r[0] >= r[1] {
                return Err(bad(node, "range", range, "lower < upper"));
            }
            joint.limits = Some(JointLimits { lower: r[0] * scale, upper: r[1] * scale });
        }
        const READ: [&str; 10] =
            ["name", "type", "axis", "pos", "range", "limited", "damping", "armature", "frictionloss", "class"];
        self.list_unread_attributes(node, "joint", &READ);
        Ok(())
    }

    /// A body's inertia in its MJCF frame: its `<inertial>`, or its geoms' as `inertiafromgeom` says.
    fn body_inertia(&mut self, node: Node, childclass: &str) -> Result<Inertia<f64>> {
        let inertial = elements(node).find(|n| n.has_tag_name("inertial"));
        let from_geoms = match (self.compiler.inertia_from_geom, inertial) {
            (Some(true), _) | (None, None) => true,
            (Some(false), _) | (None, Some(_)) => false,
        };
        if !from_geoms || (inertial.is_some() && !elements(node).any(|n| n.has_tag_name("geom"))) {
            return match inertial {
                Some(i) => self.inertial(i),
                None => Ok(Inertia::zero()),
            };
        }
        let mut total = Inertia::zero();
        for geom in elements(node).filter(|n| n.has_tag_name("geom")) {
            total = total.combined(&self.geom_inertia(geom, childclass)?);
        }
        Ok(total)
    }

    /// An `<inertial>` element, in the body frame.
    fn inertial(&mut self, node: Node) -> Result<Inertia<f64>> {
        let mass = nonnegative(node, "mass", node.attribute("mass").ok_or_else(|| missing(node, "mass"))?)?;
        let frame = self.frame(node)?;
        let principal = match (node.attribute("diaginertia"), node.attribute("fullinertia")) {
            (Some(d), None) => Matrix3::from_diagonal(&vec3(node, "diaginertia", d)?),
            (None, Some(f)) => {
                let v = numbers::<6>(node, "fullinertia", f)?;
                Matrix3::new(v[0], v[3], v[4], v[3], v[1], v[5], v[4], v[5], v[2])
            }
            (None, None) if mass == 0.0 => Matrix3::zeros(),
            _ => return Err(mjcf_error(describe(node), "needs one of diaginertia and fullinertia")),
        };
        let r = frame.rotation;
        Ok(Inertia::new(mass, frame.translation, r * principal * r.transpose()))
    }

    /// An element of `<actuator>`: a `<motor>` or `<position>` on a one-degree-of-freedom joint; other kinds and
    /// transmissions are listed as ignored (`None`).
    fn actuator(&mut self, model: &Multibody<f64>, node: Node) -> Result<Option<MjcfActuator>> {
        let tag = node.tag_name().name();
        let kind = match tag {
            "motor" => MjcfActuatorKind::Motor,
            "position" => {
                let gain =
                    |key: &str, default: f64| node.attribute(key).map_or(Ok(default), |v| nonnegative(node, key, v));
                MjcfActuatorKind::Position { kp: gain("kp", 1.0)?, kv: gain("kv", 0.0)? }
            }
            other => {
                self.ignored.insert(format!("actuator/{other}"));
                return Ok(None);
            }
        };
        let Some(joint_name) = node.attribute("joint") else {
            self.ignored.insert(format!("actuator/{tag} (a transmission other than joint)"));
            return Ok(None);
        };
        let index = model.joints.iter().position(|j| j.name == joint_name).ok_or_else(|| {
            mjcf_error(describe(node), &format!("names joint `{joint_name}`, which the model does not have"))
        })?;
        let joint = &model.joints[index];
        if joint.kind.nq() != 1 {
            self.ignored.insert(format!("actuator/{tag} (on a {} joint)", joint.kind.name()));
            return Ok(None);
        }
        let gear = match node.attribute("gear") {
            Some(g) => *list(node, "gear", g)?.first().ok_or_else(|| bad(node, "gear", g, "a number"))?,
            None => 1.0,
        };
        let range = node.attribute("ctrlrange").map(|r| numbers::<2>(node, "ctrlrange", r)).transpose()?;
        let limited = match node.attribute("ctrllimited").unwrap_or("auto") {
            "true" => true,
            "false" => false,
            "auto" => range.is_some() && self.compiler.autolimits,
            other => return Err(bad(node, "ctrllimited", other, "true, false or auto")),
        };
        let ctrl_range = match (limited, range) {
            (false, _) => None,
            (true, Some(r)) if r[0] < r[1] => Some(r),
            (true, _) => return Err(mjcf_error(describe(node), "is ctrllimited but has no ctrlrange lower < upper")),
        };
        self.list_unread_attributes(node, tag, &["name", "joint", "gear", "ctrlrange", "ctrllimited", "kp", "kv"]);
        let name = node.attribute("name").map_or_else(|| format!("{tag}_{joint_name}"), str::to_string);
        Ok(Some(MjcfActuator { name, joint: index, gear, kind, ctrl_range }))
    }

    /// Lists, as `tag@attribute`, every attribute of `node` not in `read`.
    fn list_unread_attributes(&mut self, node: Node, tag: &str, read: &[&str]) {
        for attr in node.attributes().filter(|a| !read.contains(&a.name())) {
            self.ignored.insert(format!("{tag}@{}", attr.name()));
        }
    }

    /// A `<geom>`: its solid, frame in the body frame, mass attributes and contact material.
    fn geom(&mut self, node: Node, childclass: &str) -> Result<Geom> {
        let defaults = self.class(node, childclass)?.geom.clone();
        let attrs = Attrs { node, defaults: Some(&defaults) };
        let kind = attrs.get("type").unwrap_or("sphere").to_string();
        let size: Vec<f64> = match attrs.get("size") {
            Some(s) => list(node, "size", s)?,
            None => Vec::new(),
        };
        let size_at = |i: usize| -> Result<f64> {
            size.get(i).copied().filter(|v| *v > 0.0).ok_or_else(|| {
                mjcf_error(describe(node), &format!("a {kind} needs size[{i}] > 0 (size = {:?})", attrs.get("size")))
            })
        };
        let (mut frame, mut half_length) = (self.frame_of(&attrs)?, None);
        if let Some(ft) = attrs.get("fromto") {
            let v = numbers::<6>(node, "fromto", ft)?;
            let (a, b) = (Vector3::new(v[0], v[1], v[2]), Vector3::new(v[3], v[4], v[5]));
            let d = b - a;
            if d.norm() == 0.0 {
                return Err(bad(node, "fromto", ft, "two different points"));
            }
            let rotation = UnitQuaternion::rotation_between(&Vector3::z(), &d)
                .unwrap_or_else(|| UnitQuaternion::from_axis_angle(&Vector3::x_axis(), PI));
            frame = Transform::new(rotation.to_rotation_matrix().into_inner(), (a + b) / 2.0);
            half_length = Some(d.norm() / 2.0);
        }
        let solid = match kind.as_str() {
            "plane" => Solid::Plane,
            "sphere" => Solid::Sphere { radius: size_at(0)? },
            "box" => Solid::Box { half: Vector3::new(size_at(0)?, size_at(1)?, size_at(2)?) },
            "cylinder" | "capsule" => {
                let radius = size_at(0)?;
                let half_length = match half_length {
                    Some(h) => h,
                    None => size_at(1)?,
                };
                if kind == "capsule" {
                    Solid::Capsule { radius, half_length }
                } else {
                    Solid::Cylinder { radius, half_length }
                }
            }
            other => Solid::Other(other.to_string()),
        };
        let mass = match (attrs.get("mass"), attrs.get("density")) {
            (Some(m), _) => Some(nonnegative(node, "mass", m)?),
            (None, Some(d)) => Some(nonnegative(node, "density", d)? * solid_volume(&solid).unwrap_or(0.0)),
            (None, None) => None,
        };
        let friction = match attrs.get("friction") {
            None => 1.0,
            Some(f) => {
                let v = list(node, "friction", f)?;
                if v.is_empty() || v.len() > 3 || v.iter().any(|x| *x < 0.0) {
                    return Err(bad(node, "friction", f, "one to three numbers ≥ 0 (sliding, torsional, rolling)"));
                }
                if v.len() > 1 {
                    self.ignored.insert("geom@friction (torsional and rolling)".into());
                }
                v[0]
            }
        };
        let flag = |key: &str| -> Result<u32> {
            match attrs.get(key) {
                None => Ok(1),
                Some(v) => v.parse().map_err(|_| bad(node, key, v, "a non-negative integer")),
            }
        };
        let (contype, conaffinity) = (flag("contype")?, flag("conaffinity")?);
        if (contype, conaffinity) != (0, 0) && (contype, conaffinity) != (1, 1) {
            self.ignored.insert("geom@contype/conaffinity (other than 0 0, a visual geom, and 1 1)".into());
        }
        const READ: [&str; 17] = [
            "name",
            "type",
            "size",
            "pos",
            "quat",
            "euler",
            "axisangle",
            "fromto",
            "mass",
            "density",
            "friction",
            "contype",
            "conaffinity",
            "class",
            "rgba",
            "group",
            "material",
        ];
        self.list_unread_attributes(node, "geom", &READ);
        Ok(Geom { node_line: describe(node), solid, frame, mass, friction, collides: (contype, conaffinity) != (0, 0) })
    }

    /// A geom's mass and inertia, in the body frame (MuJoCo's solids: a capsule is a cylinder and two hemispheres).
    fn geom_inertia(&mut self, node: Node, childclass: &str) -> Result<Inertia<f64>> {
        let geom = self.geom(node, childclass)?;
        let unit_inertia = match &geom.solid {
            Solid::Plane => return Ok(Inertia::zero()),
            Solid::Sphere { radius: r } => Vector3::repeat(0.4 * r * r),
            Solid::Box { half } => {
                let (x, y, z) = (half.x, half.y, half.z);
                Vector3::new(y * y + z * z, x * x + z * z, x * x + y * y) / 3.0
            }
            Solid::Cylinder { radius: r, half_length: h } | Solid::Capsule { radius: r, half_length: h } => {
                let (r, height) = (*r, 2.0 * h);
                let cylinder = PI * r * r * height;
                let transverse = cylinder * (3.0 * r * r + height * height) / 12.0;
                let mut inertia = Vector3::new(transverse, transverse, cylinder * r * r / 2.0);
                let mut volume = cylinder;
                if matches!(geom.solid, Solid::Capsule { .. }) {
                    let sphere = 4.0 / 3.0 * PI * r.powi(3);
                    let own = 0.4 * sphere * r * r;
                    let displaced = own + sphere * height * (3.0 * r + 2.0 * height) / 8.0;
                    inertia += Vector3::new(displaced, displaced, own);
                    volume += sphere;
                }
                inertia / volume
            }
            Solid::Other(other) => {
                return Err(mjcf_error(
                    geom.node_line,
                    &format!("geom type `{other}` cannot give the body its inertia (sphere, box, capsule, cylinder)"),
                ))
            }
        };
        let volume = solid_volume(&geom.solid).unwrap_or(0.0);
        let mass = geom.mass.unwrap_or(1000.0 * volume);
        let r = geom.frame.rotation;
        let rotational = r * Matrix3::from_diagonal(&(unit_inertia * mass)) * r.transpose();
        Ok(Inertia::new(mass, geom.frame.translation, rotational))
    }

    /// The colliders of a body's geoms, moving with model body `body` at `shift` (the MJCF body frame in that
    /// body's frame). Planes and visual geoms (`contype = conaffinity = 0`) make none; a type without a collision
    /// shape (mesh, ellipsoid, ...) is listed as ignored.
    fn colliders(
        &mut self,
        model: &mut Multibody<f64>,
        node: Node,
        name: &str,
        body: Option<usize>,
        shift: &Transform<f64>,
        childclass: &str,
    ) -> Result<()> {
        for child in elements(node).filter(|n| n.has_tag_name("geom")) {
            let geom = self.geom(child, childclass)?;
            if !geom.collides {
                continue;
            }
            let shape = match geom.solid {
                Solid::Plane => continue,
                Solid::Sphere { radius } => Shape::Sphere { radius },
                Solid::Box { half } => Shape::Box { size: half * 2.0 },
                Solid::Capsule { radius, half_length } => Shape::Capsule { radius, length: 2.0 * half_length },
                Solid::Cylinder { radius, half_length } => Shape::Cylinder { radius, length: 2.0 * half_length },
                Solid::Other(other) => {
                    self.ignored.insert(format!("geom type {other} (no collider)"));
                    continue;
                }
            };
            let mut collider = Collider::new(name, body, shape, shift * &geom.frame);
            collider.friction = geom.friction;
            model.colliders.push(collider);
        }
        Ok(())
    }

    /// The frame an element's `pos` and orientation attributes give (in its parent's frame).
    fn frame(&self, node: Node) -> Result<Transform<f64>> {
        self.frame_of(&Attrs { node, defaults: None })
    }

    fn frame_of(&self, attrs: &Attrs) -> Result<Transform<f64>> {
        let node = attrs.node;
        let pos = match attrs.get("pos") {
            Some(p) => vec3(node, "pos", p)?,
            None => Vector3::zeros(),
        };
        let given: Vec<&str> =
            ["quat", "euler", "axisangle", "xyaxes", "zaxis"].into_iter().filter(|k| attrs.get(k).is_some()).collect();
        let rotation = match given.as_slice() {
            [] => UnitQuaternion::identity(),
            ["quat"] => {
                let q = numbers::<4>(node, "quat", attrs.get("quat").unwrap_or_default())?;
                let q = nalgebra::Quaternion::new(q[0], q[1], q[2], q[3]);
                if q.norm() == 0.0 {
                    return Err(bad(node, "quat", attrs.get("quat").unwrap_or_default(), "a non-zero quaternion"));
                }
                UnitQuaternion::from_quaternion(q)
            }
            ["axisangle"] => {
                let v = numbers::<4>(node, "axisangle", attrs.get("axisangle").unwrap_or_default())?;
                let axis = unit(node, "axisangle", Vector3::new(v[0], v[1], v[2]))?;
                UnitQuaternion::from_axis_angle(&nalgebra::Unit::new_unchecked(axis), self.angle(v[3]))
            }
            ["euler"] => {
                let v = vec3(node, "euler", attrs.get("euler").unwrap_or_default())?;
                let mut q = UnitQuaternion::identity();
                for (c, angle) in self.compiler.eulerseq.iter().zip(v.iter()) {
                    let axis = match c.to_ascii_lowercase() {
                        'x' => Vector3::x_axis(),
                        'y' => Vector3::y_axis(),
                        _ => Vector3::z_axis(),
                    };
                    let step = UnitQuaternion::from_axis_angle(&axis, self.angle(*angle));
                    // lower case: about the rotated axes (intrinsic); upper case: about the fixed ones
                    q = if c.is_ascii_lowercase() { q * step } else { step * q };
                }
                q
            }
            [one] if matches!(*one, "xyaxes" | "zaxis") => {
                return Err(mjcf_error(describe(node), &format!("`{one}` is not supported (quat, euler, axisangle)")));
            }
            _ => return Err(mjcf_error(describe(node), &format!("has several orientations: {}", given.join(", ")))),
        };
        Ok(Transform::new(rotation.to_rotation_matrix().into_inner(), pos))
    }

    fn angle(&self, a: f64) -> f64 {
        if self.compiler.degrees {
            a * PI / 180.0
        } else {
            a
        }
    }
}

/// A geom's solid, with MuJoCo's sizes (half lengths).
enum Solid {
    Sphere {
        radius: f64,
    },
    Box {
        half: Vector3<f64>,
    },
    Capsule {
        radius: f64,
        half_length: f64,
    },
    Cylinder {
        radius: f64,
        half_length: f64,
    },
    Plane,
    /// A type outside the subset (mesh, ellipsoid, hfield, ...).
    Other(String),
}

/// A `<geom>` as read: solid, frame in the body frame, `mass` (given, or `density` times the volume) and
/// contact material.
struct Geom {
    node_line: String,
    solid: Solid,
    frame: Transform<f64>,
    mass: Option<f64>,
    /// Sliding friction (MuJoCo's `friction[0]`, default 1).
    friction: f64,
    /// Not a visual geom (`contype = conaffinity = 0`).
    collides: bool,
}

/// The volume of a solid (a capsule: its cylinder and two hemispheres); `None` for a plane or another type.
fn solid_volume(solid: &Solid) -> Option<f64> {
    match solid {
        Solid::Sphere { radius: r } => Some(4.0 / 3.0 * PI * r.powi(3)),
        Solid::Box { half } => Some(8.0 * half.x * half.y * half.z),
        Solid::Cylinder { radius: r, half_length: h } => Some(PI * r * r * 2.0 * h),
        Solid::Capsule { radius: r, half_length: h } => Some(PI * r * r * 2.0 * h + 4.0 / 3.0 * PI * r.powi(3)),
        Solid::Plane | Solid::Other(_) => None,
    }
}

/// The element children of `node`.
fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(|n| n.is_element())
}

/// `<tag name="...">` (or `<tag>`, line N) for messages.
fn describe(node: Node) -> String {
    let line = node.document().text_pos_at(node.range().start).row;
    match node.attribute("name") {
        Some(name) => format!("<{} name=\"{name}\"> (line {line})", node.tag_name().name()),
        None => format!("<{}> (line {line})", node.tag_name().name()),
    }
}

fn mjcf_error(element: String, message: &str) -> Error {
    Error::Mjcf { element, message: message.to_string() }
}

fn bad(node: Node, key: &str, value: &str, expected: &str) -> Error {
    mjcf_error(describe(node), &format!("{key}=\"{value}\": expected {expected}"))
}

fn missing(node: Node, key: &str) -> Error {
    mjcf_error(describe(node), &format!("needs `{key}`"))
}

fn boolean(node: Node, key: &str, value: &str) -> Result<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(node, key, value, "true or false")),
    }
}

/// Finite numbers separated by white space.
fn list(node: Node, key: &str, value: &str) -> Result<Vec<f64>> {
    value
        .split_whitespace()
        .map(|s| s.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| bad(node, key, value, "finite numbers")))
        .collect()
}

fn numbers<const N: usize>(node: Node, key: &str, value: &str) -> Result<[f64; N]> {
    let v = list(node, key, value)?;
    <[f64; N]>::try_from(v.as_slice()).map_err(|_| bad(node, key, value, &format!("{N} numbers")))
}

fn vec3(node: Node, key: &str, value: &str) -> Result<Vector3<f64>> {
    Ok(Vector3::from(numbers::<3>(node, key, value)?))
}

fn unit(node: Node, key: &str, v: Vector3<f64>) -> Result<Vector3<f64>> {
    let n = v.norm();
    if n == 0.0 {
        return Err(mjcf_error(describe(node), &format!("`{key}` has a zero axis")));
    }
    Ok(v / n)
}

fn nonnegative(node: Node, key: &str, value: &str) -> Result<f64> {
    let v = numbers::<1>(node, key, value)?[0];
    if v < 0.0 {
        return Err(bad(node, key, value, "a number ≥ 0"));
    }
    Ok(v)
}
