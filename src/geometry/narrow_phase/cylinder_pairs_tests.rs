//! Tests of the cylinder pairs against sampled surfaces, central differences and resting loads.

use super::super::collide;
use super::super::test_support::{perturbed, rot};
use super::*;
use crate::geometry::Shape;
use nalgebra::Matrix3;
use num_dual::Dual64;
use std::f64::consts::TAU;

/// The placement at `(x, y, z)` with rotation `r`.
fn at(x: f64, y: f64, z: f64, r: Matrix3<f64>) -> Transform<f64> {
    Transform { translation: Vector3::new(x, y, z), rotation: r }
}

/// Independent signed distance to a cylinder (radius `r`, height `l`, local frame): clamping outside, the
/// shallower of side and caps inside.
fn cylinder_distance(p: &Vector3<f64>, r: f64, l: f64) -> f64 {
    let (rho, h) = (p.xy().norm(), l / 2.0);
    let (dr, dz) = (rho - r, p.z.abs() - h);
    if dr > 0.0 || dz > 0.0 {
        dr.max(0.0).hypot(dz.max(0.0))
    } else {
        dr.max(dz)
    }
}

/// Points on the surface of a cylinder (local frame), about `n` around.
fn cylinder_surface(r: f64, l: f64, n: usize) -> Vec<Vector3<f64>> {
    let mut points = Vec::new();
    for i in 0..n {
        let t = i as f64 / n as f64 * TAU;
        let (c, s) = (t.cos(), t.sin());
        for j in 0..=n {
            points.push(Vector3::new(r * c, r * s, -l / 2.0 + l * j as f64 / n as f64));
        }
        for j in 1..=n / 2 {
            let rr = r * j as f64 / (n / 2) as f64;
            points.push(Vector3::new(rr * c, rr * s, -l / 2.0));
            points.push(Vector3::new(rr * c, rr * s, l / 2.0));
        }
    }
    points
}

fn box_surface(half: &Vector3<f64>, n: usize) -> Vec<Vector3<f64>> {
    let mut points = Vec::new();
    for k in 0..3 {
        let (i, j) = ((k + 1) % 3, (k + 2) % 3);
        for a in 0..=n {
            for b in 0..=n {
                for s in [-1.0, 1.0] {
                    let mut p = Vector3::zeros();
                    p[k] = s * half[k];
                    p[i] = half[i] * (2.0 * a as f64 / n as f64 - 1.0);
                    p[j] = half[j] * (2.0 * b as f64 / n as f64 - 1.0);
                    points.push(p);
                }
            }
        }
    }
    points
}

/// The shapes used below, in the crate's shape type.
fn shapes() -> (Shape<f64>, Shape<f64>, Shape<f64>, Shape<f64>) {
    (
        Shape::Cylinder { radius: 0.2, length: 0.5 },
        Shape::Cylinder { radius: 0.12, length: 0.7 },
        Shape::Box { size: Vector3::new(0.6, 0.3, 0.4) },
        Shape::Capsule { radius: 0.07, length: 0.5 },
    )
}

/// Brute force: the least signed distance of a sampled surface point of one shape to the other (a capsule's
/// axis is sampled instead, minus its radius).
fn brute(a: &Shape<f64>, pa: &Transform<f64>, b: &Shape<f64>, pb: &Transform<f64>) -> f64 {
    let samples = |s: &Shape<f64>| match s {
        Shape::Cylinder { radius, length } => cylinder_surface(*radius, *length, 160),
        Shape::Box { size } => box_surface(&(size / 2.0), 80),
        Shape::Capsule { length, .. } => {
            (0..=4000).map(|k| Vector3::new(0.0, 0.0, length * (k as f64 / 4000.0 - 0.5))).collect()
        }
        Shape::Sphere { .. } => vec![Vector3::zeros()],
    };
    let inflate = |s: &Shape<f64>| if let Shape::Capsule { radius, .. } = s { *radius } else { 0.0 };
    let distance = |s: &Shape<f64>, local: &Vector3<f64>| match s {
        Shape::Cylinder { radius, length } => cylinder_distance(local, *radius, *length),
        Shape::Box { size } => box_signed_distance(local, &(size / 2.0)),
        Shape::Capsule { radius, length } => {
            let (h, z) = (length / 2.0, local.z.clamp(-length / 2.0, length / 2.0));
            let _ = h;
            (local - Vector3::new(0.0, 0.0, z)).norm() - radius
        }
        Shape::Sphere { radius } => local.norm() - radius,
    };
    let one_way = |a: &Shape<f64>, pa: &Transform<f64>, b: &Shape<f64>, pb: &Transform<f64>| {
        samples(a)
            .iter()
            .map(|p| distance(b, &pb.inverse_transform_point(&pa.transform_point(p))) - inflate(a))
            .fold(f64::INFINITY, f64::min)
    };
    let capsule = |s: &Shape<f64>| matches!(s, Shape::Capsule { .. });
    match (capsule(a), capsule(b)) {
        (true, _) => one_way(a, pa, b, pb),
        (_, true) => one_way(b, pb, a, pa),
        _ => one_way(a, pa, b, pb).min(one_way(b, pb, a, pa)),
    }
}

fn contacts<T: Scalar>(
    a: &Shape<T>,
    pa: &Transform<T>,
    b: &Shape<T>,
    pb: &Transform<T>,
    margin: f64,
) -> Vec<ContactGeometry<T>> {
    let mut found = Vec::new();
    collide(a, pa, b, pb, margin, &mut |c| found.push(c));
    found
}

fn least<T: Scalar>(found: &[ContactGeometry<T>]) -> ContactGeometry<T> {
    found.iter().min_by(|x, y| re(&x.distance).total_cmp(&re(&y.distance))).expect("a contact").clone()
}

fn uniform(seed: &mut u64) -> f64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

fn random_pose(seed: &mut u64, spread: f64) -> Transform<f64> {
    let rotation = rot(0, 3.0 * uniform(seed)) * rot(1, 3.0 * uniform(seed)) * rot(2, 3.0 * uniform(seed));
    let translation = Vector3::new(uniform(seed), uniform(seed), uniform(seed)) * spread;
    Transform { translation, rotation }
}

/// The pairs under test: (a, b) with a cylinder on at least one side.
fn pairs() -> Vec<(Shape<f64>, Shape<f64>, &'static str)> {
    let (c1, c2, cube, capsule) = shapes();
    vec![
        (capsule.clone(), c1.clone(), "capsule-cylinder"),
        (c1.clone(), capsule, "cylinder-capsule"),
        (c1.clone(), cube.clone(), "cylinder-box"),
        (cube, c2.clone(), "box-cylinder"),
        (c1, c2, "cylinder-cylinder"),
    ]
}

#[test]
fn separated_distances_match_sampled_surfaces() {
    let mut seed = 3u64;
    for (a, b, name) in pairs() {
        let mut worst: f64 = 0.0;
        let mut tested = 0;
        while tested < 25 {
            let (pa, pb) = (random_pose(&mut seed, 0.6), random_pose(&mut seed, 0.1));
            let bf = brute(&a, &pa, &b, &pb);
            if bf < 0.02 {
                continue; // apart only (sampling says how far)
            }
            tested += 1;
            let found = contacts(&a, &pa, &b, &pb, 10.0);
            let g = least(&found);
            // every reported distance is a true point-to-shape distance, the least of them the exact distance
            assert!(g.distance <= bf + 1e-9 && g.distance > bf - 2e-3, "{name}: {} vs sampled {bf}", g.distance);
            worst = worst.max(bf - g.distance);
            assert!((g.normal.norm() - 1.0).abs() < 1e-12, "{name}: unit normal");
            assert!(found.iter().all(|c| c.distance >= g.distance - 1e-15));
        }
        println!("{name}: sampled − found ≤ {worst:.2e}");
    }
}

#[test]
fn the_deepest_contact_is_a_pair_of_surface_points_along_the_normal() {
    // apart: the point minus/plus half the distance along the normal lies on each surface
    let mut seed = 5u64;
    for (a, b, name) in pairs() {
        for _ in 0..40 {
            let (pa, pb) = (random_pose(&mut seed, 0.6), random_pose(&mut seed, 0.1));
            let found = contacts(&a, &pa, &b, &pb, 10.0);
            let g = least(&found);
            if g.distance < 0.01 {
                continue;
            }
            let on_a = g.point + g.normal * (0.5 * g.distance);
            let on_b = g.point - g.normal * (0.5 * g.distance);
            let surface = |s: &Shape<f64>, p: &Transform<f64>, x: &Vector3<f64>| match s {
                Shape::Cylinder { radius, length } => {
                    cylinder_distance(&p.inverse_transform_point(x), *radius, *length)
                }
                Shape::Box { size } => box_signed_distance(&p.inverse_transform_point(x), &(size / 2.0)),
                Shape::Capsule { radius, length } => {
                    let l = p.inverse_transform_point(x);
                    (l - Vector3::new(0.0, 0.0, l.z.clamp(-length / 2.0, length / 2.0))).norm() - radius
                }
                Shape::Sphere { .. } => unreachable!(),
            };
            assert!(surface(&a, &pa, &on_a).abs() < 1e-9, "{name}: {}", surface(&a, &pa, &on_a));
            assert!(surface(&b, &pb, &on_b).abs() < 1e-9, "{name}: {}", surface(&b, &pb, &on_b));
        }
    }
}

#[test]
fn shallow_penetration_depth_matches_the_deepest_sampled_point() {
    // configurations where a face, side or rim sinks 5 mm into the other shape, or a corner or edge into a
    // cylinder's side or cap
    let (c1, c2, cube, capsule) = shapes();
    let id = Matrix3::identity();
    let lying = rot(1, std::f64::consts::FRAC_PI_2);
    let cases = vec![
        // cylinder standing on the box's top face (cap), lying on it (side), tilted on its rim
        (c1.clone(), at(0.1, 0.0, 0.445, id), cube.clone(), at(0.0, 0.0, 0.0, id), "cap on face"),
        (c1.clone(), at(0.0, 0.0, 0.395, lying), cube.clone(), at(0.0, 0.0, 0.0, id), "side on face"),
        (c1.clone(), at(0.0, 0.0, 0.0, rot(0, 0.5)), cube.clone(), at(0.0, 0.0, -0.5, id), "rim on face"),
        // a box corner and a box edge into a cylinder's side
        (cube.clone(), at(0.0, 0.0, 0.0, rot(2, 0.6) * rot(0, 0.5)), c1.clone(), at(0.55, 0.1, 0.0, id), "corner"),
        (
            cube.clone(),
            at(0.0, 0.0, 0.0, rot(2, std::f64::consts::FRAC_PI_4)),
            c2.clone(),
            at(0.0, 0.0, 0.0, id),
            "edge",
        ),
        // a capsule across a cap, a cylinder on another's cap, two crossed sides
        (capsule.clone(), at(0.0, 0.0, 0.315, lying), c1.clone(), at(0.0, 0.0, 0.0, id), "capsule on cap"),
        (c2.clone(), at(0.05, 0.0, 0.595, id), c1.clone(), at(0.0, 0.0, 0.0, id), "cylinder on cap"),
        (
            c2.clone(),
            at(0.0, 0.0, 0.315, lying),
            c1.clone(),
            at(0.0, 0.0, 0.0, rot(0, std::f64::consts::FRAC_PI_2)),
            "crossed",
        ),
    ];
    for (a, pa, b, pb, name) in cases {
        let mut pb = pb;
        if name == "corner" {
            // move the cylinder until the box's nearest corner is 5 mm into it
            let g = least(&contacts(&a, &pa, &b, &pb, 10.0));
            pb.translation += g.normal * (g.distance + 0.005);
        }
        if name == "edge" {
            // the box's vertical edge at (0.45, 0.15) / √2 points towards +x: 5 mm into the side
            let edge = Vector3::new(0.45, 0.15, 0.0) * std::f64::consts::FRAC_1_SQRT_2;
            pb.translation = edge + Vector3::new(0.12 - 0.005, 0.0, 0.0);
        }
        let found = contacts(&a, &pa, &b, &pb, 0.0);
        let g = least(&found);
        let bf = brute(&a, &pa, &b, &pb);
        println!("{name}: {} points, least {:.5} vs sampled {bf:.5}", found.len(), g.distance);
        assert!(bf < 0.0 && g.distance < 0.0, "{name}: overlapping");
        assert!((g.distance - bf).abs() < 5e-4, "{name}: {} vs sampled {bf}", g.distance);
    }
}

/// The shape lifted to duals (no derivative).
fn lift_shape(s: &Shape<f64>) -> Shape<Dual64> {
    s.lift()
}

#[test]
fn derivatives_of_the_deepest_contact_match_central_differences() {
    // apart and shallowly overlapping, at generic poses (no feature switch nearby): d/d(each of the 12 pose
    // motions) of the least distance, and of its normal and point, by duals against central differences
    let mut seed = 17u64;
    let mut worst: f64 = 0.0;
    let mut worst_geometry: f64 = 0.0;
    let mut checked = 0;
    for (a, b, name) in pairs() {
        let (da, db) = (lift_shape(&a), lift_shape(&b));
        let mut done = 0;
        while done < 6 {
            let (pa, mut pb) = (random_pose(&mut seed, 0.6), random_pose(&mut seed, 0.1));
            // apart by 2 cm, or 3 mm into each other: moved along the normal until there
            let target = if done % 2 == 0 { 0.02 } else { -0.003 };
            for _ in 0..20 {
                let g = least(&contacts(&a, &pa, &b, &pb, 10.0));
                pb.translation += g.normal * (g.distance - target);
            }
            let found = contacts(&a, &pa, &b, &pb, 10.0);
            let g = least(&found);
            // skip near-ties between contacts (the least one switches there)
            if (g.distance - target).abs() > 1e-9
                || (brute(&a, &pa, &b, &pb) - target).abs() > 1e-3
                || found.iter().filter(|c| c.distance < g.distance + 1e-4).count() > 1
            {
                continue;
            }
            done += 1;
            for k in 0..12 {
                let (qa, qb) =
                    if k < 6 { (perturbed(&pa, k), pa_lift(&pb)) } else { (pa_lift(&pa), perturbed(&pb, k - 6)) };
                let gd = least(&contacts(&da, &qa, &db, &qb, 10.0));
                assert_eq!(gd.distance.re, g.distance, "{name}: real part = f64 run");
                let step = |h: f64| {
                    let move_by = |p: &Transform<f64>, k: usize| {
                        let mut p = p.clone();
                        if k < 3 {
                            p.translation[k] += h;
                        } else {
                            p.rotation = rot(k - 3, h) * p.rotation;
                        }
                        p
                    };
                    let (qa, qb) =
                        if k < 6 { (move_by(&pa, k), pb.clone()) } else { (pa.clone(), move_by(&pb, k - 6)) };
                    least(&contacts(&a, &qa, &b, &qb, 10.0))
                };
                let h = 1e-6;
                let (plus, minus) = (step(h), step(-h));
                let fd = (plus.distance - minus.distance) / (2.0 * h);
                let err = (gd.distance.eps - fd).abs();
                assert!(err < 1e-6, "{name} {target} motion {k}: {} vs {fd}", gd.distance.eps);
                worst = worst.max(err);
                let fd_normal = (plus.normal - minus.normal) / (2.0 * h);
                let fd_point = (plus.point - minus.point) / (2.0 * h);
                let normal_err = (gd.normal.map(|x| x.eps) - fd_normal).norm();
                let point_err = (gd.point.map(|x| x.eps) - fd_point).norm();
                worst_geometry = worst_geometry.max(normal_err).max(point_err);
                assert!(
                    normal_err < 1e-5 && point_err < 1e-5,
                    "{name} {target} motion {k}: normal {normal_err:e}, point {point_err:e}"
                );
                checked += 1;
            }
        }
    }
    println!("{checked} derivatives, largest error: distance {worst:.1e}, normal and point {worst_geometry:.1e}");
}

fn pa_lift(p: &Transform<f64>) -> Transform<Dual64> {
    p.lift()
}

/// The deepest contact's own distance: it is reported last, with only its depth beyond the manifold's.
fn deepest_distance(found: &[ContactGeometry<f64>]) -> f64 {
    let (last, manifold) = found.split_last().expect("with a wide margin the deepest contact is reported");
    last.distance + manifold.iter().map(|c| c.distance).fold(0.0, f64::min)
}

#[test]
fn the_deepest_distance_is_continuous_along_paths_through_every_feature() {
    // one shape swept past the other along a straight line, turning as it goes, passing at `offset` (apart,
    // touching, 5 mm into the other) half-way: the deepest contact's distance moves no faster than the surface
    // points do (it is 1-Lipschitz in the motion), so it has no jumps where features switch, apart or
    // overlapping; the least reported distance is the same while apart
    let mut seed = 23u64;
    let mut overlap_jump = [0.0f64; 2];
    for (a, b, name) in pairs() {
        for path in 0..9 {
            let pb = random_pose(&mut seed, 0.0);
            let start = random_pose(&mut seed, 0.0);
            let towards = Vector3::new(uniform(&mut seed), uniform(&mut seed), uniform(&mut seed)).normalize();
            let along = towards.cross(&Vector3::new(uniform(&mut seed), uniform(&mut seed), 1.0)).normalize();
            let offset = [0.05, 0.0, -0.005][path % 3];
            let turn = |s: f64| rot(2, 0.6 * s) * rot(0, 0.4 * s) * start.rotation;
            let found_at = |p: &Transform<f64>| contacts(&a, p, &b, &pb, 10.0);
            // the line's distance from b's centre along `towards`, by bisection at the middle of the path
            let (mut lo, mut hi) = (0.0, 2.0);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                let d = deepest_distance(&found_at(&Transform { translation: towards * mid, rotation: turn(0.0) }));
                if d < offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let pose_at = |s: f64| Transform { translation: towards * hi + along * s, rotation: turn(s) };
            let steps = 600;
            let mut previous: Option<(f64, f64, f64)> = None;
            for k in 0..=steps {
                let s = -0.6 + 1.2 * k as f64 / steps as f64;
                let found = found_at(&pose_at(s));
                let (d, l) = (deepest_distance(&found), least(&found).distance);
                assert!(found.iter().all(|c| c.distance.is_finite() && c.normal.iter().all(|x| x.is_finite())));
                if let Some((d0, l0, s0)) = previous {
                    // a's points move by at most |Δs| + reach · |Δangle| (reach ≤ 0.5 m, angle ≤ 0.72 |Δs|)
                    let bound = (s - s0).abs() * (1.0 + 0.5 * 0.72) + 1e-9;
                    assert!((d - d0).abs() <= bound, "{name} path {path} at {s}: {d0} -> {d} (bound {bound})");
                    if d.min(d0) >= 0.0 {
                        assert!(
                            (l - d).abs() < 1e-12,
                            "{name}: apart, the least reported distance {l} is the deepest {d}"
                        );
                    } else {
                        let k = usize::from(d.min(d0) < -0.02);
                        overlap_jump[k] = overlap_jump[k].max((l - l0).abs() - bound);
                    }
                }
                previous = Some((d, l, s));
            }
        }
    }
    // overlapping, the least reported distance can jump where the deepest contact's normal does (the manifold
    // follows it): by this much beyond the Lipschitz bound
    println!(
        "largest jump of the least reported distance while overlapping: {:.1e} down to 2 cm, {:.1e} deeper",
        overlap_jump[0], overlap_jump[1]
    );
}

#[test]
fn resting_contacts_have_enough_points_to_carry_a_load_without_tipping() {
    // each resting pose, 2 mm deep: the number of points, all at that depth along the support normal, and the
    // support polygon (the points' spread across the normal) containing the centre above it
    let (c1, _, cube, capsule) = shapes();
    let id = Matrix3::identity();
    let lying = rot(1, std::f64::consts::FRAC_PI_2);
    let small = Shape::Box { size: Vector3::new(0.2, 0.16, 0.1) };
    let long = Shape::Cylinder { radius: 0.1, length: 1.2 };
    let can = Shape::Cylinder { radius: 0.08, length: 0.2 };
    let cases = vec![
        // cylinder standing on a box (its cap inside the face) and lying on it, overhanging at both ends
        (c1.clone(), at(0.0, 0.0, 0.448, id), cube.clone(), id, 3, "standing on a box"),
        (long.clone(), at(0.0, 0.0, 0.298, lying), cube.clone(), id, 2, "lying across a box"),
        (c1.clone(), at(0.0, 0.0, 0.398, lying), cube.clone(), id, 2, "lying on a box"),
        // a small box on a cylinder's cap, a capsule lying across a cap and along a side
        (small.clone(), at(0.02, 0.0, 0.298, rot(2, 0.3)), c1.clone(), id, 4, "box on a cap"),
        (capsule.clone(), at(0.0, 0.03, 0.25 + 0.07 - 0.002, lying), c1.clone(), id, 2, "capsule across a cap"),
        (capsule, at(0.268, 0.0, 0.0, id), c1.clone(), id, 2, "capsule along a side"),
        // a can on a cylinder's cap; a long cylinder lying along another lying one
        (can, at(0.05, 0.0, 0.348, id), c1.clone(), id, 3, "can on a cap"),
        (long, at(0.0, 0.0, 0.298, lying), c1.clone(), lying, 2, "side by side"),
    ];
    for (a, pa, b, rb, count, name) in cases {
        let pb = at(0.0, 0.0, 0.0, rb);
        let found = contacts(&a, &pa, &b, &pb, 0.0);
        let normal = if name == "capsule along a side" { Vector3::x() } else { Vector3::z() };
        println!("{name}: {:?}", found.iter().map(|c| (c.distance, c.point.as_slice().to_vec())).collect::<Vec<_>>());
        assert!(found.len() >= count, "{name}: {} points", found.len());
        let load: Vec<_> = found.iter().filter(|c| c.distance < -1e-9).collect();
        assert!(load.len() >= count, "{name}: {} carrying points", load.len());
        for c in &load {
            assert!((c.distance + 0.002).abs() < 1e-9, "{name}: depth {}", c.distance);
            assert!((c.normal - normal).norm() < 1e-9, "{name}: normal {}", c.normal);
        }
        // the centre of a lies within the points' spread across the normal (in the two directions across it)
        let across = [normal.cross(&Vector3::y()).try_normalize(1e-9).unwrap_or(Vector3::y()), Vector3::y()];
        for dir in across {
            let spread: Vec<f64> = load.iter().map(|c| (c.point - pa.translation).dot(&dir)).collect();
            let (lo, hi) = spread.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(*x), h.max(*x)));
            let line = name.contains("capsule") || name.contains("lying") || name.contains("side");
            if !(line && dir == Vector3::y()) {
                assert!(lo < -1e-3 && hi > 1e-3, "{name}: the points span {lo}..{hi} along {dir}");
            }
        }
    }
}

#[test]
fn degenerate_poses_give_finite_contacts() {
    // coincident centres, parallel and crossing axes, a zero-length capsule and a sphere: no NaN in values or
    // derivatives, and a contact for shapes that overlap
    let (c1, c2, cube, capsule) = shapes();
    let point = Shape::Capsule { radius: 0.05, length: 0.0 };
    let id = Transform::identity();
    let lying = Transform { translation: Vector3::zeros(), rotation: rot(1, std::f64::consts::FRAC_PI_2) };
    let shifted = Transform::from_translation(Vector3::new(0.0, 0.0, 0.1));
    let shapes = [c1.clone(), c2, cube, capsule, point, Shape::Sphere { radius: 0.1 }];
    for a in &shapes {
        for b in &shapes {
            if !matches!(a, Shape::Cylinder { .. }) && !matches!(b, Shape::Cylinder { .. }) {
                continue;
            }
            for (pa, pb) in [(&id, &id), (&id, &lying), (&shifted, &id), (&lying, &shifted)] {
                let found = contacts(a, pa, b, pb, 0.0);
                // (two identical shapes in the same place have every surface point on the other's surface:
                // no point is inside, and nothing is reported)
                assert!(!found.is_empty() || (a == b && pa == pb), "{a:?} {b:?}: they overlap");
                for k in 0..12 {
                    let (qa, qb) =
                        if k < 6 { (perturbed(pa, k), pa_lift(pb)) } else { (pa_lift(pa), perturbed(pb, k - 6)) };
                    for c in contacts(&lift_shape(a), &qa, &lift_shape(b), &qb, 0.0) {
                        let all = c.normal.iter().chain(c.point.iter()).chain(std::iter::once(&c.distance));
                        assert!(all.clone().all(|x| x.re.is_finite() && x.eps.is_finite()), "{a:?} {b:?}: {c:?}");
                        assert!((c.normal.map(|x| x.re).norm() - 1.0).abs() < 1e-9);
                    }
                }
            }
        }
    }
}

#[test]
fn swapping_the_shapes_flips_the_normals() {
    let mut seed = 29u64;
    for (a, b, name) in pairs() {
        for _ in 0..10 {
            let (pa, pb) = (random_pose(&mut seed, 0.4), random_pose(&mut seed, 0.1));
            let (ab, ba) = (contacts(&a, &pa, &b, &pb, 0.05), contacts(&b, &pb, &a, &pa, 0.05));
            if name == "cylinder-cylinder" {
                // one function for both orders, symmetric in its result but not in the order of its points
                if !ab.is_empty() && !ba.is_empty() {
                    let (x, y) = (least(&ab), least(&ba));
                    assert!((x.distance - y.distance).abs() < 1e-12 && (x.normal + y.normal).norm() < 1e-9, "{name}");
                } else {
                    assert_eq!(ab.len(), ba.len());
                }
                continue;
            }
            assert_eq!(ab.len(), ba.len(), "{name}");
            for (x, y) in ab.iter().zip(&ba) {
                assert!(x.distance == y.distance && x.point == y.point && x.normal == -y.normal, "{name}");
            }
        }
    }
}
