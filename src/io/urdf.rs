//! URDF loading: links' inertials, joints, limits and dynamics into a [`Multibody`].
//!
//! Supported joint types: `revolute`, `continuous`, `prismatic`, `fixed` (merged into the parent body, the link
//! kept as a [`Frame`](crate::model::Frame)) and `floating` (a free joint). `planar` is rejected. Visual geometry
//! is ignored; collision geometry is read by [`parse_urdf_with`] when [`UrdfOptions::collision`] asks for it (box,
//! sphere, cylinder and capsule `<collision>` elements become [`Collider`]s on the link's body, merged links
//! included; a `<mesh>` is an error naming the link, or skipped and listed). `<calibration>`,
//! `<safety_controller>` and `<transmission>` are ignored, and
//! a `<mimic>` joint is read as an independent joint (Pinocchio's default too: the Panda's second finger), listed
//! in [`Urdf::mimics`] with its leader checked; loading it into a scene prints a warning. The root
//! link is the one link that is no joint's child; it is fixed ([`parse_urdf`]) or floats on a free joint named
//! `root_joint` ([`parse_urdf_floating`], Pinocchio's `buildModel(urdf, JointModelFreeFlyer())`). Bodies are
//! numbered depth first from the root, children in file order — Pinocchio's joint order.
//!
//! A `<limit>` with `lower == upper` (common in files that leave the range unset) means "no position limits".
//! Errors name the element (`joint "elbow" <axis>`) and never panic.

use crate::geometry::Shape;
use crate::model::{Collider, Joint, JointKind, JointLimits, Multibody};
use crate::spatial::{Inertia, Transform};
use crate::{Error, Result};
use nalgebra::{Matrix3, Vector3};
use roxmltree::{Document, Node};
use std::collections::HashMap;
use std::path::Path;

/// Loads a URDF file.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::Urdf`] naming the element for anything malformed or
/// unsupported, [`Error::InvalidScene`] for physically invalid values (negative mass, ...).
pub fn load_urdf(path: &Path) -> Result<Multibody<f64>> {
    load_urdf_with_base(path, false)
}

/// Loads a URDF file with a floating base: see [`parse_urdf_floating`].
///
/// # Errors
/// As [`load_urdf`].
pub fn load_urdf_floating(path: &Path) -> Result<Multibody<f64>> {
    load_urdf_with_base(path, true)
}

fn load_urdf_with_base(path: &Path, floating: bool) -> Result<Multibody<f64>> {
    let options = UrdfOptions { floating, collision: CollisionGeometry::Ignore };
    load_urdf_with(path, &options).map(|urdf| urdf.multibody)
}

/// What [`parse_urdf_with`] does with `<collision>` elements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CollisionGeometry {
    /// Ignore them (dynamics only; what [`parse_urdf`] does).
    #[default]
    Ignore,
    /// Read boxes, spheres, cylinders and capsules; a `<mesh>` is an error naming its link.
    Load,
    /// As `Load`, but skip meshes and list their links in [`Urdf::skipped_meshes`].
    SkipMeshes,
}

/// How to read a URDF file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UrdfOptions {
    /// Put the root link on a free joint `root_joint` (a floating base) instead of fixing it.
    pub floating: bool,
    /// What to do with collision geometry.
    pub collision: CollisionGeometry,
}

/// A URDF file read by [`parse_urdf_with`]: the model, and what was left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Urdf {
    /// The articulated model, with its colliders if asked for.
    pub multibody: Multibody<f64>,
    /// Links whose `<collision>` meshes were skipped ([`CollisionGeometry::SkipMeshes`]), in file order.
    pub skipped_meshes: Vec<String>,
    /// The file's `<mimic>` joints, in file order. The model does not enforce them (see [`Mimic`]).
    pub mimics: Vec<Mimic>,
}

/// A URDF `<mimic joint="leader" multiplier="m" offset="o"/>`: the file asks that this joint follow `leader` as
/// `q = m · q_leader + o`. diffphys keeps the joint as an independent coordinate (as Pinocchio's
/// `buildModel` does by default), so the coupling holds only if a controller makes it hold (the same PD target,
/// as `scenes/panda_push.toml` gives the Panda's two fingers); loading a scene prints a warning for each.
#[derive(Clone, Debug, PartialEq)]
pub struct Mimic {
    /// The mimicking joint.
    pub joint: String,
    /// The joint it should follow.
    pub leader: String,
    /// `m` (default 1).
    pub multiplier: f64,
    /// `o` in rad or m (default 0).
    pub offset: f64,
}

/// Reads a URDF file as `options` say. Errors name the file and the element.
///
/// # Errors
/// As [`parse_urdf_with`], and [`Error::Io`] if the file cannot be read.
pub fn load_urdf_with(path: &Path, options: &UrdfOptions) -> Result<Urdf> {
    let text = super::read_bounded(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    parse_urdf_with(&text, options).map_err(|e| match e {
        Error::Urdf { element, message } => Error::Urdf { element: format!("{}: {element}", path.display()), message },
        Error::InvalidScene { field, reason } => {
            Error::Urdf { element: format!("{}: {field}", path.display()), message: reason }
        }
        other => other,
    })
}

/// Parses URDF text (see the module documentation for what is supported).
///
/// ```
/// let urdf = r#"<robot name="arm">
///   <link name="base"/>
///   <link name="rod"><inertial><mass value="2"/><origin xyz="0 0 -0.5"/>
///     <inertia ixx="0.1" iyy="0.1" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial></link>
///   <joint name="hinge" type="continuous"><parent link="base"/><child link="rod"/><axis xyz="0 1 0"/></joint>
/// </robot>"#;
/// let arm = diffphys::io::parse_urdf(urdf).unwrap();
/// assert_eq!((arm.name.as_str(), arm.nv()), ("arm", 1));
/// assert_eq!(arm.inertias[0].mass, 2.0);
/// assert!(diffphys::io::parse_urdf("<robot name='x'><joint/></robot>").is_err());
/// ```
///
/// # Errors
/// As [`load_urdf`].
pub fn parse_urdf(text: &str) -> Result<Multibody<f64>> {
    parse_urdf_with_base(text, false)
}

/// Parses URDF text with a floating base: the root link becomes body 0 on a free joint `root_joint` to the world
/// (its inertia, with the links fixed to it, is body 0's), so `q` starts with the base pose `[x, y, z, qx, qy, qz,
/// qw]` and `v` with its body-frame twist `[v; ω]`.
///
/// ```
/// let urdf = r#"<robot name="puck"><link name="disc"><inertial><mass value="2"/>
///   <inertia ixx="0.1" iyy="0.1" izz="0.2" ixy="0" ixz="0" iyz="0"/></inertial></link></robot>"#;
/// let puck = diffphys::io::parse_urdf_floating(urdf).unwrap();
/// assert_eq!((puck.nq(), puck.nv()), (7, 6));
/// assert_eq!(puck.joints[0].name, "root_joint");
/// ```
///
/// # Errors
/// As [`load_urdf`].
pub fn parse_urdf_floating(text: &str) -> Result<Multibody<f64>> {
    parse_urdf_with_base(text, true)
}

fn parse_urdf_with_base(text: &str, floating: bool) -> Result<Multibody<f64>> {
    let options = UrdfOptions { floating, collision: CollisionGeometry::Ignore };
    parse_urdf_with(text, &options).map(|urdf| urdf.multibody)
}

/// Reads URDF text as `options` say: [`parse_urdf`] or [`parse_urdf_floating`], plus collision geometry.
///
/// Each `<collision>` of a link becomes a [`Collider`] on the body that carries the link (a link merged by a
/// fixed joint gives its colliders to the body it was merged into), placed by the link's place in that body and
/// the element's `<origin>`. A URDF `<cylinder>` and the `<capsule>` extension have their axis along `z`, as
/// [`Shape::Cylinder`] and [`Shape::Capsule`] do (a capsule's `length` is its cylindrical part). A cylinder with
/// a sphere of its radius on each cap (within 0.1% of its size), in the same link, is read as the capsule it is.
///
/// ```
/// use diffphys::io::{parse_urdf_with, CollisionGeometry, UrdfOptions};
/// let text = r#"<robot name="r"><link name="base"/>
///   <link name="leg"><inertial><mass value="1"/><inertia ixx="1" iyy="1" izz="1"/></inertial>
///     <collision><origin xyz="0 0 -0.5"/><geometry><sphere radius="0.05"/></geometry></collision></link>
///   <joint name="hip" type="revolute"><parent link="base"/><child link="leg"/><axis xyz="0 1 0"/>
///     <limit lower="-1" upper="1"/></joint></robot>"#;
/// let options = UrdfOptions { floating: false, collision: CollisionGeometry::Load };
/// let urdf = parse_urdf_with(text, &options).unwrap();
/// assert_eq!(urdf.multibody.colliders.len(), 1);
/// assert_eq!(urdf.multibody.colliders[0].placement.translation.z, -0.5);
/// ```
///
/// # Errors
/// [`Error::Urdf`] naming the element for malformed XML, unsupported joint types, bad numbers, a tree that is
/// not one, a `<collision>` without a known geometry, or a mesh when meshes are not skipped.
pub fn parse_urdf_with(text: &str, options: &UrdfOptions) -> Result<Urdf> {
    let floating = options.floating;
    let doc = Document::parse(text).map_err(|e| urdf_error(format!("line {}", e.pos().row), &e.to_string()))?;
    let robot = doc.root_element();
    if robot.tag_name().name() != "robot" {
        return Err(urdf_error("<robot>".into(), &format!("the root element is <{}>", robot.tag_name().name())));
    }
    let robot_name = attr(robot, "name", "<robot>")?;

    let mut links: HashMap<&str, Inertia<f64>> = HashMap::new();
    let mut link_order = Vec::new();
    for link in children(robot, "link") {
        let name = attr(link, "name", "<link>")?;
        let element = format!("link \"{name}\"");
        if links.insert(name, parse_inertial(link, &element)?).is_some() {
            return Err(urdf_error(element, "is defined twice"));
        }
        link_order.push(name);
    }

    let mut joints: Vec<UrdfJoint> = Vec::new();
    for joint in children(robot, "joint") {
        let joint = parse_joint(joint, &links)?;
        if joints.iter().any(|j| j.name == joint.name) {
            return Err(urdf_error(format!("joint \"{}\"", joint.name), "is defined twice"));
        }
        joints.push(joint);
    }
    let mut children_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut has_parent: HashMap<&str, &str> = HashMap::new();
    for (k, j) in joints.iter().enumerate() {
        if let Some(previous) = has_parent.insert(j.child, j.name) {
            return Err(urdf_error(
                format!("joint \"{}\" <child>", j.name),
                &format!("link \"{}\" is already the child of joint \"{previous}\" (URDF describes a tree)", j.child),
            ));
        }
        children_of.entry(j.parent).or_default().push(k);
    }
    let roots: Vec<&str> = link_order.iter().copied().filter(|l| !has_parent.contains_key(l)).collect();
    let root = match roots.as_slice() {
        [root] => *root,
        [] => return Err(urdf_error("<robot>".into(), "has no root link (every link is a joint's child: a cycle)")),
        many => return Err(urdf_error("<robot>".into(), &format!("has several root links: {}", many.join(", ")))),
    };

    // A floating base hangs from Pinocchio's "universe" frame (URDF files often call a link "world").
    let mut model = Multibody::new(robot_name, if floating { "universe" } else { root });
    let root_body = if floating {
        let free = Joint::new("root_joint", JointKind::Free, Transform::identity());
        Some(model.add_body(None, root, free, links[root].clone())?)
    } else {
        None
    };
    // Depth-first from the root, children in file order. Each stack entry: (joint index, parent body, placement
    // of the joint's parent link in that body's frame).
    let mut stack: Vec<(usize, Option<usize>, Transform<f64>)> = Vec::new();
    push_children(&mut stack, children_of.get(root), root_body, &Transform::identity());
    let mut visited = 0;
    while let Some((k, parent_body, link_in_body)) = stack.pop() {
        visited += 1;
        let j = &joints[k];
        let placement = &link_in_body * &j.placement;
        let inertia = links[j.child].clone();
        match &j.kind {
            None => {
                // Fixed: merge the child link into the parent body, keep it as a frame.
                if let Some(b) = parent_body {
                    let moved = inertia.transformed(&placement);
                    model.inertias[b] = model.inertias[b].combined(&moved);
                }
                model.frames.push(crate::model::Frame {
                    name: j.child.to_string(),
                    body: parent_body,
                    placement: placement.clone(),
                });
                push_children(&mut stack, children_of.get(j.child), parent_body, &placement);
            }
            Some(kind) => {
                let mut joint = Joint::new(j.name, kind.clone(), placement);
                joint.damping = j.damping;
                joint.friction = j.friction;
                joint.limits = j.limits.clone();
                joint.effort_limit = j.effort;
                let body = model.add_body(parent_body, j.child, joint, inertia)?;
                push_children(&mut stack, children_of.get(j.child), Some(body), &Transform::identity());
            }
        }
    }
    if visited != joints.len() {
        return Err(urdf_error("<robot>".into(), "has joints that are not connected to the root link"));
    }
    if model.n_bodies() == 0 {
        return Err(urdf_error("<robot>".into(), "has no moving joint"));
    }
    let mut skipped_meshes = Vec::new();
    if options.collision != CollisionGeometry::Ignore {
        for link in children(robot, "link") {
            let name = attr(link, "name", "<link>")?;
            let frame = model
                .frame(name)
                .cloned()
                .ok_or_else(|| urdf_error(format!("link \"{name}\""), "is not connected to the root link"))?;
            let mut shapes = Vec::new();
            for collision in children(link, "collision") {
                let at = format!("link \"{name}\" <collision>");
                let origin = parse_origin(child(collision, "origin"), &format!("{at} <origin>"))?;
                match parse_geometry(collision, &at)? {
                    Some(shape) => shapes.push((shape, origin)),
                    None if options.collision == CollisionGeometry::SkipMeshes => {
                        if skipped_meshes.last().map(String::as_str) != Some(name) {
                            skipped_meshes.push(name.to_string());
                        }
                    }
                    None => {
                        return Err(urdf_error(
                            format!("{at} <mesh>"),
                            "is a mesh, which diffphys cannot collide: replace it by boxes, spheres, cylinders or \
                             capsules, or skip meshes (scene key `meshes = \"skip\"`)",
                        ))
                    }
                }
            }
            for (shape, origin) in merge_capped_cylinders(shapes) {
                let placement = &frame.placement * &origin;
                model.colliders.push(Collider::new(name, frame.body, shape, placement));
            }
        }
    }
    model.validate()?;
    let mut mimics = Vec::new();
    for j in &joints {
        let Some((leader, multiplier, offset)) = j.mimic else { continue };
        if !joints.iter().any(|l| l.name == leader) {
            return Err(urdf_error(
                format!("joint \"{}\" <mimic>", j.name),
                &format!("names the unknown joint \"{leader}\""),
            ));
        }
        mimics.push(Mimic { joint: j.name.to_string(), leader: leader.to_string(), multiplier, offset });
    }
    Ok(Urdf { multibody: model, skipped_meshes, mimics })
}

/// A link's cylinder with a sphere of its radius centred on each cap is exactly a capsule (the Panda's collision
/// model is built this way): such triples become one [`Shape::Capsule`], which collides with every shape, and the
/// spheres are dropped. Everything else is kept as it is, in order.
fn merge_capped_cylinders(shapes: Vec<(Shape<f64>, Transform<f64>)>) -> Vec<(Shape<f64>, Transform<f64>)> {
    let mut used = vec![false; shapes.len()];
    let mut merged = Vec::new();
    for (i, (shape, pose)) in shapes.iter().enumerate() {
        let Shape::Cylinder { radius, length } = *shape else { continue };
        let axis = pose.rotation.column(2).into_owned();
        let caps = [pose.translation + axis * (0.5 * length), pose.translation - axis * (0.5 * length)];
        // URDF angles are often rounded (rpy = 1.57): allow 0.1% of the size
        let tolerance = 1e-3 * (radius + length);
        let sphere_at = |cap: &Vector3<f64>, used: &[bool]| {
            shapes.iter().enumerate().position(|(j, (s, p))| {
                !used[j]
                    && matches!(s, Shape::Sphere { radius: r } if (r - radius).abs() <= tolerance)
                    && (p.translation - cap).norm() <= tolerance
            })
        };
        if let Some(a) = sphere_at(&caps[0], &used) {
            used[a] = true;
            match sphere_at(&caps[1], &used) {
                Some(b) => {
                    used[b] = true;
                    used[i] = true;
                    merged.push((i, Shape::Capsule { radius, length }));
                }
                None => used[a] = false,
            }
        }
    }
    let mut out = Vec::new();
    for (i, (shape, pose)) in shapes.into_iter().enumerate() {
        match merged.iter().find(|(k, _)| *k == i) {
            Some((_, capsule)) => out.push((capsule.clone(), pose)),
            None if !used[i] => out.push((shape, pose)),
            None => {}
        }
    }
    out
}

/// The shape of a `<collision>` element, or `None` for a mesh.
fn parse_geometry(collision: Node<'_, '_>, at: &str) -> Result<Option<Shape<f64>>> {
    let geometry = child(collision, "geometry").ok_or_else(|| urdf_error(at.to_string(), "has no <geometry>"))?;
    let Some(shape) = geometry.children().find(|n| n.is_element()) else {
        return Err(urdf_error(format!("{at} <geometry>"), "is empty"));
    };
    let tag = shape.tag_name().name();
    let at = format!("{at} <{tag}>");
    let positive = |key: &str| -> Result<f64> {
        match number(shape, key, &at)? {
            Some(v) if v > 0.0 => Ok(v),
            Some(v) => Err(urdf_error(at.clone(), &format!("{key}=\"{v}\" must be positive"))),
            None => Err(urdf_error(at.clone(), &format!("has no `{key}` attribute"))),
        }
    };
    Ok(Some(match tag {
        "box" => {
            let size = vector3(shape, "size", &at)?.ok_or_else(|| urdf_error(at.clone(), "has no `size` attribute"))?;
            if size.iter().any(|&s| s <= 0.0) {
                return Err(urdf_error(at, "size must be three positive lengths"));
            }
            Shape::Box { size }
        }
        "sphere" => Shape::Sphere { radius: positive("radius")? },
        "cylinder" => Shape::Cylinder { radius: positive("radius")?, length: positive("length")? },
        "capsule" => Shape::Capsule { radius: positive("radius")?, length: positive("length")? },
        "mesh" => return Ok(None),
        other => return Err(urdf_error(at, &format!("<{other}> is not a URDF geometry diffphys knows"))),
    }))
}

/// Pushes a link's child joints so that they pop in file order.
fn push_children(
    stack: &mut Vec<(usize, Option<usize>, Transform<f64>)>,
    joints: Option<&Vec<usize>>,
    body: Option<usize>,
    link_in_body: &Transform<f64>,
) {
    for &k in joints.map(|v| v.as_slice()).unwrap_or(&[]).iter().rev() {
        stack.push((k, body, link_in_body.clone()));
    }
}

struct UrdfJoint<'a> {
    name: &'a str,
    /// `None` for a fixed joint.
    kind: Option<JointKind<f64>>,
    placement: Transform<f64>,
    parent: &'a str,
    child: &'a str,
    damping: f64,
    friction: f64,
    limits: Option<JointLimits<f64>>,
    effort: Option<f64>,
    /// `<mimic>`: the leader joint, multiplier and offset.
    mimic: Option<(&'a str, f64, f64)>,
}

fn parse_joint<'a>(joint: Node<'a, 'a>, links: &HashMap<&str, Inertia<f64>>) -> Result<UrdfJoint<'a>> {
    let name = attr(joint, "name", "<joint>")?;
    let element = format!("joint \"{name}\"");
    let kind_name = attr(joint, "type", &element)?;
    let link_of = |tag: &str| -> Result<&'a str> {
        let node = child(joint, tag).ok_or_else(|| urdf_error(element.to_string(), &format!("has no <{tag}>")))?;
        let link = attr(node, "link", &format!("{element} <{tag}>"))?;
        if !links.contains_key(link) {
            return Err(urdf_error(format!("{element} <{tag}>"), &format!("names the unknown link \"{link}\"")));
        }
        Ok(link)
    };
    let (parent, child_link) = (link_of("parent")?, link_of("child")?);
    let placement = parse_origin(child(joint, "origin"), &format!("{element} <origin>"))?;
    let axis = match child(joint, "axis") {
        // The axis of a fixed or floating joint is meaningless (often written as "0 0 0").
        _ if kind_name == "fixed" || kind_name == "floating" => Vector3::x(),
        Some(a) => {
            let at = format!("{element} <axis>");
            let v = vector3(a, "xyz", &at)?.unwrap_or_else(Vector3::x);
            let n = v.norm();
            if n == 0.0 || !n.is_finite() {
                return Err(urdf_error(at, "must be a non-zero finite vector"));
            }
            v / n
        }
        None => Vector3::x(),
    };
    let kind = match kind_name {
        "revolute" | "continuous" => Some(JointKind::Revolute { axis }),
        "prismatic" => Some(JointKind::Prismatic { axis }),
        "floating" => Some(JointKind::Free),
        "fixed" => None,
        other => return Err(urdf_error(element, &format!("has type \"{other}\", which diffphys does not support"))),
    };
    let (mut limits, mut effort) = (None, None);
    if let Some(limit) = child(joint, "limit") {
        let at = format!("{element} <limit>");
        let lower = number(limit, "lower", &at)?.unwrap_or(0.0);
        let upper = number(limit, "upper", &at)?.unwrap_or(0.0);
        effort = number(limit, "effort", &at)?;
        if kind_name != "continuous" && lower < upper {
            limits = Some(JointLimits { lower, upper });
        } else if lower > upper {
            return Err(urdf_error(at, "has lower > upper"));
        }
    }
    let (mut damping, mut friction) = (0.0, 0.0);
    if let Some(dynamics) = child(joint, "dynamics") {
        let at = format!("{element} <dynamics>");
        damping = number(dynamics, "damping", &at)?.unwrap_or(0.0);
        friction = number(dynamics, "friction", &at)?.unwrap_or(0.0);
    }
    let mimic = match child(joint, "mimic") {
        Some(node) => {
            let at = format!("{element} <mimic>");
            let leader = attr(node, "joint", &at)?;
            if leader == name {
                return Err(urdf_error(at, "names the joint itself"));
            }
            let multiplier = number(node, "multiplier", &at)?.unwrap_or(1.0);
            let offset = number(node, "offset", &at)?.unwrap_or(0.0);
            Some((leader, multiplier, offset))
        }
        None => None,
    };
    Ok(UrdfJoint { name, kind, placement, parent, child: child_link, damping, friction, limits, effort, mimic })
}

/// A link's `<inertial>` as an [`Inertia`] in the link frame (zero if absent).
fn parse_inertial(link: Node<'_, '_>, element: &str) -> Result<Inertia<f64>> {
    let Some(inertial) = child(link, "inertial") else { return Ok(Inertia::zero()) };
    let at = format!("{element} <inertial>");
    let frame = parse_origin(child(inertial, "origin"), &format!("{at} <origin>"))?;
    let mass_node = child(inertial, "mass").ok_or_else(|| urdf_error(at.clone(), "has no <mass>"))?;
    let mass = number(mass_node, "value", &format!("{at} <mass>"))?
        .ok_or_else(|| urdf_error(format!("{at} <mass>"), "has no value"))?;
    let inertia = match child(inertial, "inertia") {
        Some(node) => {
            let at = format!("{at} <inertia>");
            let get = |k: &str| number(node, k, &at).map(|v| v.unwrap_or(0.0));
            let (ixx, iyy, izz, ixy, ixz, iyz) =
                (get("ixx")?, get("iyy")?, get("izz")?, get("ixy")?, get("ixz")?, get("iyz")?);
            Matrix3::new(ixx, ixy, ixz, ixy, iyy, iyz, ixz, iyz, izz)
        }
        None => Matrix3::zeros(),
    };
    let rotational = frame.rotation * inertia * frame.rotation.transpose();
    Ok(Inertia::new(mass, frame.translation, rotational))
}

fn parse_origin(origin: Option<Node<'_, '_>>, element: &str) -> Result<Transform<f64>> {
    let Some(origin) = origin else { return Ok(Transform::identity()) };
    let xyz = vector3(origin, "xyz", element)?.unwrap_or_else(Vector3::zeros);
    let rpy = vector3(origin, "rpy", element)?.unwrap_or_else(Vector3::zeros);
    Ok(Transform::from_xyz_rpy(xyz, &rpy))
}

fn vector3(node: Node<'_, '_>, key: &str, element: &str) -> Result<Option<Vector3<f64>>> {
    let Some(text) = node.attribute(key) else { return Ok(None) };
    let values: Vec<f64> = text
        .split_whitespace()
        .map(|s| s.parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| urdf_error(element.to_string(), &format!("{key}=\"{text}\" is not three numbers")))?;
    match values.as_slice() {
        [x, y, z] if values.iter().all(|v| v.is_finite()) => Ok(Some(Vector3::new(*x, *y, *z))),
        _ => Err(urdf_error(element.to_string(), &format!("{key}=\"{text}\" is not three finite numbers"))),
    }
}

fn number(node: Node<'_, '_>, key: &str, element: &str) -> Result<Option<f64>> {
    let Some(text) = node.attribute(key) else { return Ok(None) };
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(urdf_error(element.to_string(), &format!("{key}=\"{text}\" is not a finite number"))),
    }
}

fn attr<'a>(node: Node<'a, 'a>, key: &str, element: &str) -> Result<&'a str> {
    node.attribute(key).ok_or_else(|| urdf_error(element.to_string(), &format!("has no `{key}` attribute")))
}

fn child<'a>(node: Node<'a, 'a>, tag: &str) -> Option<Node<'a, 'a>> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == tag)
}

fn children<'a>(node: Node<'a, 'a>, tag: &'a str) -> impl Iterator<Item = Node<'a, 'a>> + 'a {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == tag)
}

fn urdf_error(element: String, message: &str) -> Error {
    Error::Urdf { element, message: message.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARM: &str = r#"<robot name="arm"><link name="base"/>
  <link name="upper"><inertial><mass value="1"/><origin xyz="0 0 -0.5"/><inertia ixx="0.1" iyy="0.1" izz="0.01"/></inertial></link>
  <link name="fore"><inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.01"/></inertial></link>
  <joint name="shoulder" type="continuous"><parent link="base"/><child link="upper"/><axis xyz="0 1 0"/></joint>
  <joint name="elbow" type="revolute"><parent link="upper"/><child link="fore"/><origin xyz="0 0 -1"/>
    <axis xyz="0 1 0"/><limit lower="-1" upper="1"/><dynamics damping="0.1"/></joint>
</robot>"#;

    #[test]
    fn duplicate_joint_and_link_names_are_errors_naming_the_file_and_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("arm.urdf");
        assert!(parse_urdf(ARM).is_ok());
        for (text, name) in [
            (ARM.replace("name=\"elbow\"", "name=\"shoulder\""), "joint \"shoulder\""),
            (ARM.replace("<link name=\"fore\">", "<link name=\"upper\">"), "link \"upper\""),
        ] {
            std::fs::write(&path, text).unwrap();
            let e = load_urdf(&path).unwrap_err().to_string();
            assert!(e.contains("arm.urdf") && e.contains(name) && e.contains("defined twice"), "{e}");
        }
        // a fixed joint keeps no joint in the model, but its name is still taken
        let fixed = ARM.replace("name=\"elbow\" type=\"revolute\"", "name=\"shoulder\" type=\"fixed\"");
        assert!(parse_urdf(&fixed).unwrap_err().to_string().contains("joint \"shoulder\": is defined twice"));
    }

    #[test]
    fn mimic_joints_are_listed_with_their_leader_checked() {
        let mimic = |attrs: &str| {
            let text = ARM.replace("<dynamics damping=\"0.1\"/>", &format!("<mimic {attrs}/>"));
            parse_urdf_with(&text, &UrdfOptions::default())
        };
        let u = mimic(r#"joint="shoulder" multiplier="-2" offset="0.1""#).unwrap();
        let expected = Mimic { joint: "elbow".into(), leader: "shoulder".into(), multiplier: -2.0, offset: 0.1 };
        assert_eq!(u.mimics, vec![expected]);
        // the joint stays a coordinate of its own
        assert_eq!(u.multibody.nv(), 2);
        let defaults = mimic(r#"joint="shoulder""#).unwrap();
        assert_eq!((defaults.mimics[0].multiplier, defaults.mimics[0].offset), (1.0, 0.0));
        for (attrs, message) in [
            (r#"joint="wrist""#, "names the unknown joint \"wrist\""),
            (r#"joint="elbow""#, "names the joint itself"),
            (r#"multiplier="2""#, "joint"),
            (r#"joint="shoulder" multiplier="two""#, "multiplier"),
            (r#"joint="shoulder" offset="nan""#, "offset"),
        ] {
            let e = mimic(attrs).unwrap_err().to_string();
            assert!(e.contains("joint \"elbow\" <mimic>") && e.contains(message), "{attrs}: {e}");
        }
        assert!(parse_urdf(ARM).map(|m| m.nv()).is_ok());
    }

    #[test]
    fn bad_values_are_errors_naming_the_file_and_the_element() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("arm.urdf");
        for (from, to, element) in [
            ("<origin xyz=\"0 0 -1\"/>", "<origin xyz=\"0 0 one\"/>", "joint \"elbow\" <origin>"),
            (
                "<origin xyz=\"0 0 -0.5\"/>",
                "<origin xyz=\"0 0 -0.5\" rpy=\"0 nan 0\"/>",
                "link \"upper\" <inertial> <origin>",
            ),
            ("<mass value=\"1\"/><origin", "<mass value=\"1kg\"/><origin", "link \"upper\" <inertial> <mass>"),
            ("<mass value=\"1\"/><origin", "<mass value=\"-1\"/><origin", "arm.upper.mass"),
            (
                "ixx=\"0.1\" iyy=\"0.1\" izz=\"0.01\"/></inertial></link>\n  <link name=\"fore\">",
                "ixx=\"x\" iyy=\"0.1\" izz=\"0.01\"/></inertial></link>\n  <link name=\"fore\">",
                "link \"upper\" <inertial> <inertia>",
            ),
            ("lower=\"-1\"", "lower=\"-1e999\"", "joint \"elbow\" <limit>"),
            ("damping=\"0.1\"", "damping=\"-0.1\"", "arm.elbow.damping"),
            ("damping=\"0.1\"", "damping=\"fast\"", "joint \"elbow\" <dynamics>"),
        ] {
            let text = ARM.replace(from, to);
            assert_ne!(text, ARM, "{from}");
            std::fs::write(&path, text).unwrap();
            let e = load_urdf(&path).unwrap_err().to_string();
            assert!(e.contains(&format!("URDF {}: {element}", path.display())), "{e}");
        }
    }
}
