//! Training data: the article's XOR task and a fixed-capacity dataset with shuffled
//! mini-batches (`heapless`, no allocation).

use crate::sample::{gaussian_pair, shuffle};
use rand_core::RngCore;

/// The XOR-of-signs label of a point: 1 when exactly one coordinate is `> 0`.
pub fn xor_label(p: [f32; 2]) -> usize {
    usize::from((p[0] > 0.0) ^ (p[1] > 0.0))
}

/// One-hot target of a class: `[1, 0]` for 0, `[0, 1]` for 1.
pub fn one_hot(label: usize) -> [f32; 2] {
    if label == 0 {
        [1.0, 0.0]
    } else {
        [0.0, 1.0]
    }
}

/// One XOR sample: a standard normal point (Box–Muller) and its one-hot label.
pub fn xor_sample<R: RngCore + ?Sized>(rng: &mut R) -> ([f32; 2], [f32; 2]) {
    let (a, b) = gaussian_pair(rng);
    let p = [a, b];
    (p, one_hot(xor_label(p)))
}

/// `B` XOR samples as a batch `(x, y)`, deterministic per RNG state.
pub fn xor_batch<R: RngCore + ?Sized, const B: usize>(rng: &mut R) -> Batch<B, 2, 2> {
    let mut x = [[0.0; 2]; B];
    let mut y = [[0.0; 2]; B];
    for (x, y) in x.iter_mut().zip(&mut y) {
        (*x, *y) = xor_sample(rng);
    }
    (x, y)
}

/// The four corners `(±1, ±1)` with their XOR labels: the classic truth table.
pub const XOR_CORNERS: ([[f32; 2]; 4], [[f32; 2]; 4]) =
    ([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]);

/// A batch of `B` rows: inputs and targets.
pub type Batch<const B: usize, const IN: usize, const OUT: usize> = ([[f32; IN]; B], [[f32; OUT]; B]);

/// The dataset is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatasetFull;

/// Up to `N` samples of `IN` inputs and `OUT` targets, stored inline.
#[derive(Clone, Debug, Default)]
pub struct Dataset<const N: usize, const IN: usize, const OUT: usize> {
    samples: heapless::Vec<([f32; IN], [f32; OUT]), N>,
}

impl<const N: usize, const IN: usize, const OUT: usize> Dataset<N, IN, OUT> {
    /// Empty.
    pub const fn new() -> Self {
        Dataset { samples: heapless::Vec::new() }
    }

    /// Adds a sample, or refuses when full.
    pub fn push(&mut self, x: [f32; IN], y: [f32; OUT]) -> Result<(), DatasetFull> {
        self.samples.push((x, y)).map_err(|_| DatasetFull)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The samples.
    pub fn samples(&self) -> &[([f32; IN], [f32; OUT])] {
        &self.samples
    }

    /// Shuffles the samples (Fisher–Yates).
    pub fn shuffle<R: RngCore + ?Sized>(&mut self, rng: &mut R) {
        shuffle(&mut self.samples, rng);
    }

    /// The `B` samples starting at `start`, wrapping around the end; `None` if empty.
    pub fn batch<const B: usize>(&self, start: usize) -> Option<Batch<B, IN, OUT>> {
        let n = self.samples.len();
        if n == 0 {
            return None;
        }
        let mut x = [[0.0; IN]; B];
        let mut y = [[0.0; OUT]; B];
        for (i, (x, y)) in x.iter_mut().zip(&mut y).enumerate() {
            (*x, *y) = self.samples[(start + i) % n];
        }
        Some((x, y))
    }
}

impl<const N: usize> Dataset<N, 2, 2> {
    /// `N` XOR samples drawn from `rng`.
    pub fn xor<R: RngCore + ?Sized>(rng: &mut R) -> Self {
        let mut d = Dataset::new();
        while d.push_sample(xor_sample(rng)).is_ok() {}
        d
    }

    fn push_sample(&mut self, (x, y): ([f32; 2], [f32; 2])) -> Result<(), DatasetFull> {
        self.push(x, y)
    }
}
