//! Broad phase: sweep and prune over axis-aligned bounding boxes.
//!
//! The boxes are sorted by their lower bound along the axis where the bodies are most spread out, and only
//! boxes whose intervals overlap along that axis are tested on the other two. The sort is an insertion sort
//! of the previous step's order, which is nearly sorted already, so a step costs `O(n + pairs + moves)`:
//! near-linear in the number of bodies for a scene that moves coherently.

/// An axis-aligned box `[lower, upper]` in world coordinates (m).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    /// Lower corner.
    pub lower: [f64; 3],
    /// Upper corner.
    pub upper: [f64; 3],
}

impl Aabb {
    /// `true` if the two boxes overlap (touching counts).
    pub fn overlaps(&self, other: &Aabb) -> bool {
        (0..3).all(|k| self.lower[k] <= other.upper[k] && other.lower[k] <= self.upper[k])
    }
}

/// Reusable buffers of the sweep-and-prune broad phase. Keep one per simulation: it remembers the last order.
#[derive(Debug, Clone, Default)]
pub struct BroadPhase {
    order: Vec<usize>,
    /// The candidate pairs `(i, j)` with `i < j` found by the last [`BroadPhase::update`], sorted.
    pub pairs: Vec<(usize, usize)>,
}

impl BroadPhase {
    /// An empty broad phase.
    pub fn new() -> Self {
        Self::default()
    }

    /// Finds every pair of overlapping boxes into [`BroadPhase::pairs`]. Allocation-free once the buffers have
    /// grown to the scene's size.
    pub fn update(&mut self, boxes: &[Aabb]) {
        let n = boxes.len();
        if self.order.len() != n {
            self.order.clear();
            self.order.extend(0..n);
        }
        self.pairs.clear();
        if n < 2 {
            return;
        }
        let axis = widest_axis(boxes);
        // insertion sort by lower bound: O(n) when nearly sorted
        for i in 1..n {
            let mut j = i;
            while j > 0 && boxes[self.order[j - 1]].lower[axis] > boxes[self.order[j]].lower[axis] {
                self.order.swap(j - 1, j);
                j -= 1;
            }
        }
        for (k, &i) in self.order.iter().enumerate() {
            let upper = boxes[i].upper[axis];
            for &j in &self.order[k + 1..] {
                if boxes[j].lower[axis] > upper {
                    break;
                }
                if boxes[i].overlaps(&boxes[j]) {
                    self.pairs.push((i.min(j), i.max(j)));
                }
            }
        }
        self.pairs.sort_unstable();
    }
}

/// The axis along which the box centres have the largest variance.
fn widest_axis(boxes: &[Aabb]) -> usize {
    let n = boxes.len() as f64;
    let mut best = (0, -1.0);
    for axis in 0..3 {
        let centre = |b: &Aabb| 0.5 * (b.lower[axis] + b.upper[axis]);
        let mean = boxes.iter().map(centre).sum::<f64>() / n;
        let var = boxes.iter().map(|b| (centre(b) - mean).powi(2)).sum::<f64>();
        if var > best.1 {
            best = (axis, var);
        }
    }
    best.0
}

/// The overlapping pairs of `boxes`, `(i, j)` with `i < j`, sorted (a one-off [`BroadPhase`]).
///
/// ```
/// use diffphys::geometry::broad_phase::{sweep_and_prune, Aabb};
/// let unit = |x: f64| Aabb { lower: [x, 0.0, 0.0], upper: [x + 1.0, 1.0, 1.0] };
/// assert_eq!(sweep_and_prune(&[unit(0.0), unit(0.5), unit(3.0)]), vec![(0, 1)]);
/// ```
pub fn sweep_and_prune(boxes: &[Aabb]) -> Vec<(usize, usize)> {
    let mut bp = BroadPhase::new();
    bp.update(boxes);
    bp.pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Sweep and prune finds exactly the pairs a brute-force all-pairs test finds, also when reused.
    #[test]
    fn matches_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut bp = BroadPhase::new();
        let mut boxes: Vec<Aabb> = Vec::new();
        for round in 0..5 {
            if round == 0 {
                for _ in 0..300 {
                    let c: [f64; 3] = std::array::from_fn(|_| rng.random_range(0.0..10.0));
                    let h = rng.random_range(0.05..0.5);
                    boxes.push(Aabb { lower: c.map(|x| x - h), upper: c.map(|x| x + h) });
                }
            } else {
                for b in &mut boxes {
                    let d: [f64; 3] = std::array::from_fn(|_| rng.random_range(-0.3..0.3));
                    for (k, dk) in d.iter().enumerate() {
                        b.lower[k] += dk;
                        b.upper[k] += dk;
                    }
                }
            }
            bp.update(&boxes);
            let mut brute = Vec::new();
            for i in 0..boxes.len() {
                for j in i + 1..boxes.len() {
                    if boxes[i].overlaps(&boxes[j]) {
                        brute.push((i, j));
                    }
                }
            }
            assert!(!brute.is_empty());
            assert_eq!(bp.pairs, brute, "round {round}");
        }
    }
}
