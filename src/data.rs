//! Training data: one-hot targets from class labels, mini-batches of an epoch over the
//! caller's arrays ([`batches`]) or over a fixed-capacity [`Dataset`] (`heapless`, no
//! allocation), and the article's XOR task.

use crate::sample::{gaussian_pair, shuffle_pair};
use rand_core::RngCore;

/// The one-hot target of class `label` among `C` classes: `1.0` at `label`, `0.0`
/// elsewhere. A `label ≥ C` gives all zeros, a row of no class (see
/// [`Dataset::push_label`], which refuses it instead).
pub const fn one_hot<const C: usize>(label: usize) -> [f32; C] {
    let mut y = [0.0; C];
    if label < C {
        y[label] = 1.0;
    }
    y
}

/// The XOR-of-signs label of a point: 1 when exactly one coordinate is `> 0`.
pub fn xor_label(p: [f32; 2]) -> usize {
    usize::from((p[0] > 0.0) ^ (p[1] > 0.0))
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

/// The mini-batches of one epoch over `xs` and their targets `ys`, in order, `B` rows each,
/// borrowed (no copy). Each row is in at most one batch; the last `N % B` rows (`N` the
/// shorter length) are dropped, so no batch repeats a row or is padded. Shuffle between
/// epochs ([`shuffle_pair`]) so that other rows are dropped
/// each time.
///
/// ```
/// let xs = [[0.0f32; 3]; 10];
/// let ys = [[1.0f32]; 10];
/// let mut seen = 0;
/// for (x, y) in stacknet::data::batches::<4, 3, 1>(&xs, &ys) {
///     assert_eq!((x.len(), y.len()), (4, 4));
///     seen += 4;
/// }
/// assert_eq!(seen, 8); // 2 rows dropped
/// ```
pub fn batches<'a, const B: usize, const IN: usize, const OUT: usize>(
    xs: &'a [[f32; IN]],
    ys: &'a [[f32; OUT]],
) -> Batches<'a, B, IN, OUT> {
    let n = xs.len().min(ys.len());
    let (xs, ys) = (xs.split_at(n).0, ys.split_at(n).0);
    Batches { xs: xs.as_chunks::<B>().0.iter(), ys: ys.as_chunks::<B>().0.iter() }
}

/// The iterator of [`batches`]: `(&x, &y)` with `B` rows each.
#[derive(Clone, Debug)]
pub struct Batches<'a, const B: usize, const IN: usize, const OUT: usize> {
    xs: core::slice::Iter<'a, [[f32; IN]; B]>,
    ys: core::slice::Iter<'a, [[f32; OUT]; B]>,
}

impl<'a, const B: usize, const IN: usize, const OUT: usize> Iterator for Batches<'a, B, IN, OUT> {
    type Item = (&'a [[f32; IN]; B], &'a [[f32; OUT]; B]);

    fn next(&mut self) -> Option<Self::Item> {
        Some((self.xs.next()?, self.ys.next()?))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.xs.size_hint()
    }

    /// The `n`-th batch from here, without visiting the ones before.
    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        Some((self.xs.nth(n)?, self.ys.nth(n)?))
    }
}

impl<const B: usize, const IN: usize, const OUT: usize> ExactSizeIterator for Batches<'_, B, IN, OUT> {}

/// The dataset is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatasetFull;

impl core::fmt::Display for DatasetFull {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "the dataset is full")
    }
}

impl core::error::Error for DatasetFull {}

/// Why [`Dataset::push_label`] refused a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushLabelError {
    /// The dataset is full.
    Full,
    /// The class is not below the number of classes (the target width).
    NoSuchClass {
        /// The class given.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
}

impl core::fmt::Display for PushLabelError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PushLabelError::Full => write!(f, "the dataset is full"),
            PushLabelError::NoSuchClass { label, classes } => {
                write!(
                    f,
                    "class {label} does not exist: there are {classes} classes (0 to {})",
                    classes.wrapping_sub(1)
                )
            }
        }
    }
}

impl core::error::Error for PushLabelError {}

/// Up to `N` samples of `IN` inputs and `OUT` targets, stored inline (inputs and targets
/// in two arrays, so that batches are borrowed, not copied).
#[derive(Clone, Debug, Default)]
pub struct Dataset<const N: usize, const IN: usize, const OUT: usize> {
    xs: heapless::Vec<[f32; IN], N>,
    ys: heapless::Vec<[f32; OUT], N>,
}

impl<const N: usize, const IN: usize, const OUT: usize> Dataset<N, IN, OUT> {
    /// Empty.
    pub const fn new() -> Self {
        Dataset { xs: heapless::Vec::new(), ys: heapless::Vec::new() }
    }

    /// Adds a sample, or refuses when full.
    pub fn push(&mut self, x: [f32; IN], y: [f32; OUT]) -> Result<(), DatasetFull> {
        // Both vectors always have the same length, so both pushes succeed or neither runs.
        if self.xs.is_full() {
            return Err(DatasetFull);
        }
        self.xs.push(x).map_err(|_| DatasetFull)?;
        self.ys.push(y).map_err(|_| DatasetFull)
    }

    /// Adds a sample whose target is class `label` of `OUT` ([`one_hot`]); refuses a class
    /// `≥ OUT`, or when full.
    pub fn push_label(&mut self, x: [f32; IN], label: usize) -> Result<(), PushLabelError> {
        if label >= OUT {
            return Err(PushLabelError::NoSuchClass { label, classes: OUT });
        }
        self.push(x, one_hot(label)).map_err(|_| PushLabelError::Full)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.xs.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    /// The inputs, one row per sample.
    pub fn xs(&self) -> &[[f32; IN]] {
        &self.xs
    }

    /// The targets, one row per sample.
    pub fn ys(&self) -> &[[f32; OUT]] {
        &self.ys
    }

    /// Shuffles the samples (Fisher–Yates, inputs and targets together).
    pub fn shuffle<R: RngCore + ?Sized>(&mut self, rng: &mut R) {
        shuffle_pair(&mut self.xs, &mut self.ys, rng);
    }

    /// The mini-batches of one pass over the samples in their current order, `B` rows each,
    /// the last `len() % B` dropped ([`batches`]).
    pub fn batches<const B: usize>(&self) -> Batches<'_, B, IN, OUT> {
        batches(&self.xs, &self.ys)
    }

    /// One epoch: shuffles the samples, then returns their mini-batches ([`Dataset::batches`]).
    ///
    /// ```
    /// use stacknet::data::Dataset;
    /// let mut data = Dataset::<10, 2, 3>::new();
    /// for i in 0..10 {
    ///     data.push_label([i as f32, 0.0], i % 3).unwrap();
    /// }
    /// let mut rng = stacknet::init::rng(1);
    /// for epoch in 0..2 {
    ///     for (x, y) in data.epoch::<4, _>(&mut rng) {
    ///         // train_step(&mut net, x, y, &mut ws, &mut opt, &objective)
    ///         assert_eq!((x.len(), y.len(), epoch < 2), (4, 4, true));
    ///     }
    /// }
    /// ```
    pub fn epoch<const B: usize, R: RngCore + ?Sized>(&mut self, rng: &mut R) -> Batches<'_, B, IN, OUT> {
        self.shuffle(rng);
        self.batches()
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
