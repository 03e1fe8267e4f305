//! The signed distance of a cylinder, its first and second derivatives along a curve, and the point of a segment
//! or of a circle where it is least: the building blocks of the cylinder pairs ([`super::cylinder_pairs`]).
//!
//! A cylinder here is given in its own frame: radius `r`, half height `h`, axis `z`. Its signed distance
//! `φ(p)` is smooth on each of three pieces (decided on the real part, [`Piece`]):
//! * **side** `φ = ρ − r` (`ρ = √(x² + y²)`): outside radially within the slab `|z| ≤ h`, or inside with the side
//!   nearer than the caps;
//! * **cap** `φ = σ z − h` (`σ = ±1`, the cap on the side of `z`): over or under a cap, or inside with that cap
//!   nearer;
//! * **rim** `φ = √((ρ − r)² + (σ z − h)²)`: outside both, nearest to a rim circle.
//!
//! Outside, `φ` is C¹ across the pieces (it is a Euclidean distance to a convex set); inside it is
//! `max(ρ − r, |z| − h)`, with a kink where side and cap are equally deep.

use crate::scalar::{re, recip, sqrt};
use crate::Scalar;
use nalgebra::Vector3;
use num_dual::DualNum;

/// The part of a cylinder's surface a point is measured against: the whole surface, the side alone (the infinite
/// cylinder `ρ ≤ r`), or the caps alone (the slab `|z| ≤ h`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Part {
    Full,
    Side,
    Caps,
}

/// The smooth piece of the signed distance that a point lies in; `Cap` and `Rim` carry the sign of `z`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Piece {
    Side,
    Cap(f64),
    Rim(f64),
}

fn sign(x: f64) -> f64 {
    if x >= 0.0 {
        1.0
    } else {
        -1.0
    }
}

/// The piece of `φ` (restricted to `part`) at the real point `p`, by the same tests as
/// [`sphere_cylinder`](super::sphere_cylinder): inside both, the side wins when strictly shallower.
pub(crate) fn piece(p: &Vector3<f64>, r: f64, h: f64, part: Part) -> Piece {
    let s = sign(p.z);
    match part {
        Part::Side => Piece::Side,
        Part::Caps => Piece::Cap(s),
        Part::Full => {
            let rho = (p.x * p.x + p.y * p.y).sqrt();
            match (rho > r, p.z.abs() > h) {
                (true, true) => Piece::Rim(s),
                (true, false) => Piece::Side,
                (false, true) => Piece::Cap(s),
                (false, false) => {
                    if r - rho < h - p.z.abs() {
                        Piece::Side
                    } else {
                        Piece::Cap(s)
                    }
                }
            }
        }
    }
}

/// `φ` on one piece at `p`: value, unit gradient (the outward normal) and the nearest surface point, in the
/// cylinder's frame. On the axis the radial direction is `+x`.
pub(crate) fn evaluate<T: Scalar>(p: &Vector3<T>, r: &T, h: &T, piece: Piece) -> (T, Vector3<T>, Vector3<T>) {
    let zero = T::zero();
    let radial = || {
        let rho2 = p.x * p.x + p.y * p.y;
        if re(&rho2) > 1e-24 {
            let rho = sqrt(&rho2);
            let inv = recip(&rho);
            (rho, Vector3::new(p.x * inv, p.y * inv, zero))
        } else {
            // on the axis: ρ is not differentiable; take the radial direction +x and ρ as the distance along it
            (p.x, Vector3::new(T::one(), zero, zero))
        }
    };
    match piece {
        Piece::Side => {
            let (rho, n) = radial();
            (rho - *r, n, n * *r + Vector3::new(zero, zero, p.z))
        }
        Piece::Cap(s) => {
            let n = Vector3::new(zero, zero, T::from(s));
            (p.z * s - *h, n, Vector3::new(p.x, p.y, *h * s))
        }
        Piece::Rim(s) => {
            let (rho, u) = radial();
            let (q1, q2) = (rho - *r, p.z * s - *h);
            let d = sqrt(&(q1 * q1 + q2 * q2));
            let inv = recip(&d);
            let n = Vector3::new(u.x * q1 * inv, u.y * q1 * inv, q2 * inv * s);
            (d, n, u * *r + Vector3::new(zero, zero, *h * s))
        }
    }
}

/// `(f, f′, f″)` of `f(t) = φ(p(t))` on one piece, for a curve through `p` with velocity `d1` and acceleration
/// `d2` there: `f′ = ∇φ · d1`, `f″ = d1ᵀ ∇²φ d1 + ∇φ · d2`.
pub(crate) fn along<T: Scalar>(
    p: &Vector3<T>,
    d1: &Vector3<T>,
    d2: &Vector3<T>,
    r: &T,
    h: &T,
    piece: Piece,
) -> (T, T, T) {
    let (value, n, _) = evaluate(p, r, h, piece);
    let slope = n.dot(d1);
    let rho2 = p.x * p.x + p.y * p.y;
    // d1ᵀ (I_xy − r̂ r̂ᵀ) d1 / ρ: the curvature of ρ across the radial direction
    let across = || {
        if re(&rho2) > 1e-24 {
            let rho = sqrt(&rho2);
            let radial = (p.x * d1.x + p.y * d1.y) * recip(&rho);
            (d1.x * d1.x + d1.y * d1.y - radial * radial) * recip(&rho)
        } else {
            T::zero()
        }
    };
    let curvature = match piece {
        Piece::Side => across(),
        Piece::Cap(_) => T::zero(),
        Piece::Rim(_) => {
            let rho = sqrt(&rho2);
            let radial = (p.x * d1.x + p.y * d1.y) * recip(&rho);
            let q1 = rho - *r;
            (radial * radial + q1 * across() + d1.z * d1.z - slope * slope) * recip(&value)
        }
    };
    (value, slope, curvature + n.dot(d2))
}

/// A curve in a cylinder's frame: a segment `a + t u`, `t ∈ [0, 1]`, or a circle
/// `c + radius (cos t e1 + sin t e2)`, `t ∈ [0, 2π)`.
#[derive(Clone, Debug)]
pub(crate) enum Curve<T: Scalar> {
    Segment { a: Vector3<T>, u: Vector3<T> },
    Circle { c: Vector3<T>, e1: Vector3<T>, e2: Vector3<T>, radius: T },
}

impl<T: Scalar> Curve<T> {
    /// Point, velocity and acceleration at `t`.
    pub(crate) fn at(&self, t: &T) -> (Vector3<T>, Vector3<T>, Vector3<T>) {
        match self {
            Curve::Segment { a, u } => (a + u * *t, *u, Vector3::zeros()),
            Curve::Circle { c, e1, e2, radius } => {
                let (s, co) = DualNum::sin_cos(t);
                let out = (e1 * co + e2 * s) * *radius;
                (c + out, (e2 * co - e1 * s) * *radius, -out)
            }
        }
    }

    fn real(&self) -> Curve<f64> {
        let v = |x: &Vector3<T>| x.map(|c| re(&c));
        match self {
            Curve::Segment { a, u } => Curve::Segment { a: v(a), u: v(u) },
            Curve::Circle { c, e1, e2, radius } => Curve::Circle { c: v(c), e1: v(e1), e2: v(e2), radius: re(radius) },
        }
    }
}

/// The parameter `t` of the curve's point of least signed distance to the cylinder (`r`, half height `h`).
///
/// The search runs on the real part. Along a segment `φ` is convex, so the sign change of its slope is bisected
/// (an end when the slope does not change sign). Around a circle it is not: 32 samples pick the least, and a
/// golden-section search in the two intervals beside it finds the local minimum there. The real parameter is
/// then **polished** by two Newton steps in `T` on the equation that defines it: `f′(t) = 0` on a smooth piece,
/// `f_side(t) = f_cap(t)` at the kink inside the cylinder (a segment's side minimum is the closed-form point
/// nearest to the axis). Started from a root of the real part, each step doubles the order of the exact
/// derivatives (the first derivatives of `t` are exact after one, the second after two); where `f″` vanishes (a
/// segment parallel to a cap over it, a circle coaxial with the cylinder) the minimum is not isolated and `t`
/// stays a constant.
pub(crate) fn curve_minimum<T: Scalar>(curve: &Curve<T>, r: &T, h: &T) -> T {
    let (rr, hr) = (re(r), re(h));
    let real = curve.real();
    let f = |t: f64| {
        let (p, d1, d2) = real.at(&t);
        along(&p, &d1, &d2, &rr, &hr, piece(&p, rr, hr, Part::Full))
    };
    let (lo, hi) = match &real {
        Curve::Segment { .. } => {
            if f(0.0).1 >= 0.0 {
                return T::zero();
            }
            if f(1.0).1 <= 0.0 {
                return T::one();
            }
            let (mut lo, mut hi) = (0.0, 1.0);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if mid <= lo || mid >= hi {
                    break;
                }
                if f(mid).1 < 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            (lo, hi)
        }
        Curve::Circle { .. } => {
            const SAMPLES: usize = 32;
            let step = std::f64::consts::TAU / SAMPLES as f64;
            // each sample evaluated once (comparing evaluated pairs would evaluate most of them twice)
            let (_, best) = (0..SAMPLES)
                .map(|i| (f(i as f64 * step).0, i))
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .expect("SAMPLES > 0 samples");
            let (mut a, mut b) = ((best as f64 - 1.0) * step, (best as f64 + 1.0) * step);
            let g = 0.5 * (5f64.sqrt() - 1.0);
            let (mut x1, mut x2) = (b - g * (b - a), a + g * (b - a));
            let (mut f1, mut f2) = (f(x1).0, f(x2).0);
            for _ in 0..80 {
                if f1 <= f2 {
                    (b, x2, f2) = (x2, x1, f1);
                    x1 = b - g * (b - a);
                    f1 = f(x1).0;
                } else {
                    (a, x1, f1) = (x1, x2, f2);
                    x2 = a + g * (b - a);
                    f2 = f(x2).0;
                }
            }
            (a, b)
        }
    };
    let t0 = 0.5 * (lo + hi);
    let constant = T::from(t0);
    let point = |t: f64| real.at(&t).0;
    let (piece_lo, piece_hi) = (piece(&point(lo), rr, hr, Part::Full), piece(&point(hi), rr, hr, Part::Full));
    let accept = |t: T| if (re(&t) - t0).abs() < 1e-6 && re(&t).is_finite() { t } else { T::from(t0) };
    let inside = f(t0).0 < 0.0;
    if piece_lo != piece_hi && inside {
        // the kink inside: side and cap equally deep
        let (side, cap) = if piece_lo == Piece::Side { (piece_lo, piece_hi) } else { (piece_hi, piece_lo) };
        let mut t = constant;
        for _ in 0..2 {
            let (p, d1, d2) = curve.at(&t);
            let (fs, ss, _) = along(&p, &d1, &d2, r, h, side);
            let (fc, sc, _) = along(&p, &d1, &d2, r, h, cap);
            let slope = ss - sc;
            if re(&slope).abs() < 1e-12 {
                return constant;
            }
            t -= (fs - fc) * recip(&slope);
        }
        return accept(t);
    }
    let which = piece(&point(t0), rr, hr, Part::Full);
    if let (Piece::Side, Curve::Segment { a, u }) = (which, curve) {
        // nearest to the axis: minimise |a_xy + t u_xy|²
        let uu = u.x * u.x + u.y * u.y;
        if re(&uu) > 1e-24 {
            return accept(-(a.x * u.x + a.y * u.y) * recip(&uu));
        }
        return constant;
    }
    let mut t = constant;
    for _ in 0..2 {
        let (p, d1, d2) = curve.at(&t);
        let (_, slope, curvature) = along(&p, &d1, &d2, r, h, which);
        if re(&curvature) <= 1e-12 * (1.0 + re(&d1.norm_squared())) {
            return constant;
        }
        t -= slope * recip(&curvature);
    }
    accept(t)
}

/// The parameter interval `[t0, t1]` of the line `a + t u` (cylinder frame) inside the slab `|z| ≤ h`
/// (`Part::Caps`) or the infinite cylinder `ρ ≤ r` (`Part::Side`); `None` if it misses it. A line parallel to the
/// slab or to the axis and inside is unbounded: `(−∞, ∞)` as `None` bounds.
pub(crate) fn clip_line<T: Scalar>(
    a: &Vector3<T>,
    u: &Vector3<T>,
    r: &T,
    h: &T,
    part: Part,
) -> Option<(Option<T>, Option<T>)> {
    match part {
        Part::Caps | Part::Full => {
            if re(&u.z).abs() < 1e-15 {
                return (re(&a.z).abs() <= re(h)).then_some((None, None));
            }
            let inv = recip(&u.z);
            let (t0, t1) = ((-*h - a.z) * inv, (*h - a.z) * inv);
            Some(if re(&t0) <= re(&t1) { (Some(t0), Some(t1)) } else { (Some(t1), Some(t0)) })
        }
        Part::Side => {
            let qa = u.x * u.x + u.y * u.y;
            let qc = a.x * a.x + a.y * a.y - *r * *r;
            if re(&qa) < 1e-24 {
                return (re(&qc) <= 0.0).then_some((None, None));
            }
            let qb = a.x * u.x + a.y * u.y;
            let disc = qb * qb - qa * qc;
            if re(&disc) <= 0.0 {
                return None;
            }
            let (root, inv) = (sqrt(&disc), recip(&qa));
            Some((Some((-qb - root) * inv), Some((-qb + root) * inv)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    /// Brute force: the least signed distance over a fine sampling of the curve.
    fn sampled(curve: &Curve<f64>, r: f64, h: f64) -> f64 {
        let top = if matches!(curve, Curve::Segment { .. }) { 1.0 } else { std::f64::consts::TAU };
        (0..=200_000)
            .map(|k| {
                let p = curve.at(&(top * k as f64 / 200_000.0)).0;
                evaluate(&p, &r, &h, piece(&p, r, h, Part::Full)).0
            })
            .fold(f64::INFINITY, f64::min)
    }

    fn uniform(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    #[test]
    fn the_minimum_along_segments_and_circles_matches_a_fine_sampling() {
        let (r, h) = (0.3, 0.4);
        let mut seed = 11u64;
        let mut worst: f64 = 0.0;
        for k in 0..400 {
            let mut v = || Vector3::new(uniform(&mut seed), uniform(&mut seed), uniform(&mut seed));
            let curve = if k % 2 == 0 {
                Curve::Segment { a: v() * 0.8, u: v() * 1.2 }
            } else {
                let (c, e) = (v() * 0.6, v());
                let e1 = e.normalize();
                let e2 = e1.cross(&v()).normalize();
                Curve::Circle { c, e1, e2, radius: 0.05 + 0.3 * uniform(&mut seed).abs() }
            };
            let t = curve_minimum(&curve, &r, &h);
            let p = curve.at(&t).0;
            let found = evaluate(&p, &r, &h, piece(&p, r, h, Part::Full)).0;
            let brute = sampled(&curve, r, h);
            // the sampling can only be as deep or shallower than the exact minimum
            assert!(found <= brute + 1e-12 && found > brute - 1e-4, "{k} {curve:?}: {found} vs {brute}");
            worst = worst.max(brute - found);
        }
        println!("largest (sampled − found): {worst:e}");
    }

    #[test]
    fn the_polished_parameter_carries_exact_derivatives() {
        // d t*/d(shift) by duals against central differences of the real search, on every piece
        let (r, h) = (0.3, 0.4);
        let cases: Vec<(Vector3<f64>, Vector3<f64>, &str)> = vec![
            (Vector3::new(0.5, -0.6, 0.1), Vector3::new(0.1, 1.2, 0.15), "side, outside"),
            (Vector3::new(0.45, -0.5, 0.7), Vector3::new(-0.1, 1.0, -0.05), "rim"),
            (Vector3::new(0.1, -0.5, 0.2), Vector3::new(0.2, 1.0, 0.35), "kink inside"),
            (Vector3::new(0.2, -0.5, -0.1), Vector3::new(-0.1, 1.0, 0.05), "side, inside"),
        ];
        for (a, u, what) in cases {
            let t_at = |shift: Dual64| {
                let a = a.map(Dual64::from) + Vector3::new(shift, shift * 0.5, shift * 0.3);
                curve_minimum(&Curve::Segment { a, u: u.map(Dual64::from) }, &Dual64::from(r), &Dual64::from(h))
            };
            let exact = t_at(Dual64::from(0.0).derivative());
            let eps = 1e-6;
            let fd = (t_at(Dual64::from(eps)).re - t_at(Dual64::from(-eps)).re) / (2.0 * eps);
            assert!(exact.re > 0.01 && exact.re < 0.99, "{what}: interior, t = {}", exact.re);
            assert!((exact.eps - fd).abs() < 1e-6 * (1.0 + fd.abs()), "{what}: {} vs {fd}", exact.eps);
        }
        // a circle around the rim region of the cylinder
        let t_at = |shift: Dual64| {
            let c = Vector3::new(shift + 0.55, Dual64::from(0.1), Dual64::from(0.6));
            let (e1, e2) =
                (Vector3::new(1.0, 0.0, 0.0).map(Dual64::from), Vector3::new(0.0, 0.6, 0.8).map(Dual64::from));
            curve_minimum(&Curve::Circle { c, e1, e2, radius: Dual64::from(0.2) }, &Dual64::from(r), &Dual64::from(h))
        };
        let exact = t_at(Dual64::from(0.0).derivative());
        let fd = (t_at(Dual64::from(1e-6)).re - t_at(Dual64::from(-1e-6)).re) / 2e-6;
        assert!((exact.eps - fd).abs() < 1e-6 * (1.0 + fd.abs()), "circle: {} vs {fd}", exact.eps);
    }

    #[test]
    fn degenerate_curves_give_finite_parameters() {
        let (r, h) = (0.3f64, 0.4f64);
        let zero_length = Curve::Segment { a: Vector3::new(0.0, 0.0, 0.0), u: Vector3::zeros() };
        assert_eq!(curve_minimum(&zero_length, &r, &h), 0.0);
        // along the axis, through the centre; parallel over a cap; a circle coaxial with the cylinder
        let on_axis = Curve::Segment { a: Vector3::new(0.0, 0.0, -1.0), u: Vector3::new(0.0, 0.0, 2.0) };
        assert!(curve_minimum(&on_axis, &r, &h).is_finite());
        let flat = Curve::Segment { a: Vector3::new(-0.1, 0.0, 0.5), u: Vector3::new(0.2, 0.0, 0.0) };
        assert!(curve_minimum(&flat, &r, &h).is_finite());
        let d = |x: f64| Dual64::from(x);
        let coaxial = Curve::Circle {
            c: Vector3::new(d(0.0), d(0.0), d(0.6).derivative()),
            e1: Vector3::x().map(d),
            e2: Vector3::y().map(d),
            radius: d(0.2),
        };
        let t = curve_minimum(&coaxial, &d(r), &d(h));
        assert!(t.re.is_finite() && t.eps.is_finite());
    }
}
