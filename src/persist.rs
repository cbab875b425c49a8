//! Saving a model (and, if you like, its optimizer's state) into a caller's byte buffer and
//! loading it back: no allocation, no `std`, so firmware can keep what it learned in flash.
//!
//! ```
//! use stacknet::persist;
//! use stacknet::prelude::*;
//!
//! type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
//! let net: Net = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
//!
//! let mut buf = [0u8; persist::max_len::<Net>()];
//! let n = persist::save(&net, &mut buf).unwrap();
//!
//! // The target's values come from the blob: a zero placeholder of the same shape.
//! let mut restored: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
//! assert_eq!(persist::load(&mut restored, &buf[..n]), Ok(n));
//! assert_eq!(restored, net);
//!
//! // One flipped bit anywhere is caught, and the target is left as it was.
//! buf[40] ^= 0x10;
//! assert!(persist::load(&mut restored, &buf[..n]).is_err());
//! assert_eq!(restored, net);
//! ```
//!
//! # Format (versions 1 and 2)
//! All integers are little-endian. Offsets in bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic [`MAGIC`] = `"STKN"` |
//! | 4 | 2 | format version: 2 ([`VERSION`]) when the blob holds Adam's moments, else 1 |
//! | 6 | 2 | flags: bit 0 = an optimizer section follows the weights; bit 1 = it holds a momentum velocity; bit 2 (version 2 only) = it holds Adam's moments; other bits 0 |
//! | 8 | 4 | total length of the blob in bytes, checksum included |
//! | 12 | 4 | model input width |
//! | 16 | 4 | model output width |
//! | 20 | 4 | number of parameter slices (a `Dense` has a weight slice and, with a bias, a bias slice) |
//! | 24 | 4 | number of `f32` parameters `P` |
//! | 28 | 4 | shape hash: CRC-32 of, for each slice in [`Layer::visit`] order, its kind byte (0 weight, 1 bias) and its length (`u32`) |
//! | 32 | 4·P | the parameters as `f32` bit patterns, in [`Layer::visit`] order |
//! | 32+4P | 4 | optimizer section only: steps taken ([`Sgd::steps`], [`Adam::steps`]) |
//! | 36+4P | 4·P | optimizer section with velocity only: the momentum velocity, same order |
//! | 36+4P | 8·P | optimizer section with Adam's moments only: `m`, then `v`, each in the same order |
//! | end−4 | 4 | CRC-32 (ISO-HDLC, the zlib/PNG one) of every byte before it |
//!
//! The input/output widths, slice lengths and slice kinds pin down the widths of a stack of
//! `Dense` bricks. Parameter-free bricks (activations) are not recorded: a blob saved from
//! a `Sigmoid` net loads into the same widths with `Tanh`. Hyperparameters (learning rate,
//! schedule, clipping, momentum coefficient, Adam's β₁, β₂, ε and weight decay) are code,
//! not state, and are not saved.
//!
//! Version 2 differs from version 1 only by the Adam section. A blob without one is written
//! as version 1, so builds that read only version 1 still read every SGD blob; they refuse
//! an Adam blob with [`LoadError::UnknownVersion`]. This build reads both, and refuses as
//! [`LoadError::Malformed`] a version-2 blob without Adam's section or a version-1 blob with
//! it (neither is ever written), so that saving what was loaded gives back the same bytes.
//!
//! # What loading checks, in order
//! magic → version → length (truncation) → CRC-32 → flags and shape → optimizer kind →
//! every value finite → Adam's second moments not negative. Each failure has its own [`LoadError`]; only after every check has
//! passed is the target written, so a failed load leaves the model and optimizer exactly
//! as they were. Bytes after the blob's recorded length are ignored (a flash sector is
//! usually larger than the blob); [`load`] returns the length it used.

use crate::nn::{Dim, Layer, ParamKind, Params, ParamsRef};
use crate::optim::{Adam, Momentum, NoMomentum, Sgd};
use crc::{Crc, CRC_32_ISO_HDLC};

/// The first four bytes of every blob.
pub const MAGIC: [u8; 4] = *b"STKN";
/// The newest format version, which this build writes for blobs with Adam's moments (and
/// version 1 for the others); it reads both.
pub const VERSION: u16 = 2;
/// Bytes before the parameters.
pub const HEADER_LEN: usize = 32;
/// Bytes of the trailing CRC-32.
pub const CRC_LEN: usize = 4;

const FLAG_OPTIMIZER: u16 = 1;
const FLAG_VELOCITY: u16 = 2;
const FLAG_MOMENTS: u16 = 4;

const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// A buffer size that holds any model of type `M` saved with [`save`] (exact when every
/// `Dense` has a bias). Usable as an array length: `[0u8; max_len::<Net>()]`.
pub const fn max_len<M: Layer>() -> usize {
    HEADER_LEN + 4 * M::PARAMS + CRC_LEN
}

/// A buffer size that holds any model of type `M` saved with [`save_with_optimizer`] and an
/// [`Sgd`], momentum velocity included.
pub const fn max_len_with_optimizer<M: Layer>() -> usize {
    max_len::<M>() + 4 + 4 * M::PARAMS
}

/// A buffer size that holds any model of type `M` saved with [`save_with_optimizer`] and an
/// [`Adam`] (both moments).
pub const fn max_len_with_adam<M: Layer>() -> usize {
    max_len::<M>() + 4 + 8 * M::PARAMS
}

/// What the shape descriptor of a blob records (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Input width.
    pub inputs: u32,
    /// Output width.
    pub outputs: u32,
    /// Number of parameter slices.
    pub slices: u32,
    /// Number of `f32` parameters.
    pub params: u32,
    /// CRC-32 of the slice kinds and lengths.
    pub hash: u32,
}

impl Shape {
    /// The shape of `model`, or `None` if a count does not fit in 32 bits.
    pub fn of<M: Layer>(model: &M) -> Option<Shape> {
        Shape::of_params(model, <M::In as Dim>::N, <M::Out as Dim>::N)
    }

    /// The shape of any [`Params`] with `inputs` and `outputs` columns: [`Shape::of`] for
    /// a brick stack, and the same descriptor for a [`runtime`](crate::runtime) network.
    pub(crate) fn of_params<P: ParamsRef + ?Sized>(model: &P, inputs: usize, outputs: usize) -> Option<Shape> {
        let mut digest = CRC32.digest();
        let (mut slices, mut params, mut fits) = (0u32, 0u32, true);
        model.visit(&mut |kind, s| {
            let len = u32::try_from(s.len()).ok();
            let next = len.and_then(|l| params.checked_add(l));
            match (len, next, slices.checked_add(1)) {
                (Some(len), Some(p), Some(n)) => {
                    digest.update(&[kind_byte(kind)]);
                    digest.update(&len.to_le_bytes());
                    params = p;
                    slices = n;
                }
                _ => fits = false,
            }
        });
        let inputs = u32::try_from(inputs).ok()?;
        let outputs = u32::try_from(outputs).ok()?;
        fits.then(|| Shape { inputs, outputs, slices, params, hash: digest.finalize() })
    }
}

/// The most `Dense` bricks [`Shape`]'s `Display` looks for.
const SHAPE_MAX_LAYERS: usize = 16;
/// The most candidate layouts [`Shape`]'s `Display` tries before giving up on the widths.
const SHAPE_SEARCH_BUDGET: u32 = 1_000_000;

/// A stack of `Dense` bricks as [`Shape`]'s `Display` reconstructs it: widths (inputs
/// first) and each brick's bias choice.
struct DenseStack {
    widths: [u64; SHAPE_MAX_LAYERS + 1],
    bias: [bool; SHAPE_MAX_LAYERS],
    layers: usize,
}

impl Shape {
    /// The stack of `Dense` bricks with this shape, if there is one of at most
    /// [`SHAPE_MAX_LAYERS`] bricks and the search finds it within its budget. The slice
    /// lengths (hence the widths) are only recorded through the hash, so the widths are
    /// searched for: at most one layout per slice sequence matches, and the hash confirms it.
    fn dense_stack(&self) -> Option<DenseStack> {
        if self.slices == 0 || self.slices as usize > 2 * SHAPE_MAX_LAYERS || self.inputs == 0 {
            return None;
        }
        let mut stack = DenseStack { widths: [0; SHAPE_MAX_LAYERS + 1], bias: [false; SHAPE_MAX_LAYERS], layers: 0 };
        stack.widths[0] = u64::from(self.inputs);
        let mut budget = SHAPE_SEARCH_BUDGET;
        self.search(&mut stack, 0, u64::from(self.slices), u64::from(self.params), &mut budget).then_some(stack)
    }

    /// Depth-first search for brick `k` on: `slices` slices and `params` parameters left.
    fn search(&self, st: &mut DenseStack, k: usize, slices: u64, params: u64, budget: &mut u32) -> bool {
        if k >= SHAPE_MAX_LAYERS {
            return false;
        }
        let a = st.widths[k];
        for bias in [true, false] {
            let used = 1 + u64::from(bias);
            if used > slices {
                continue;
            }
            st.bias[k] = bias;
            let per_out = a + u64::from(bias); // parameters per output column
            if used == slices {
                // The last brick: its width is the output width.
                let out = u64::from(self.outputs);
                st.widths[k + 1] = out;
                st.layers = k + 1;
                if per_out * out == params && self.hash_matches(st) {
                    return true;
                }
                continue;
            }
            let rest = slices - used;
            if rest == 1 {
                // The next brick is the last, without a bias: `per_out·h + h·outputs` is all
                // that is left, so `h` is known.
                let per_h = per_out + u64::from(self.outputs);
                let h = params / per_h;
                if h >= 1 && h * per_h == params {
                    st.widths[k + 1] = h;
                    if self.search(st, k + 1, rest, params - per_out * h, budget) {
                        return true;
                    }
                }
                continue;
            }
            for h in 1..=params / per_out {
                if *budget == 0 {
                    return false;
                }
                *budget -= 1;
                st.widths[k + 1] = h;
                if self.search(st, k + 1, rest, params - per_out * h, budget) {
                    return true;
                }
            }
        }
        false
    }

    fn hash_matches(&self, st: &DenseStack) -> bool {
        let mut digest = CRC32.digest();
        for k in 0..st.layers {
            let (a, b) = (st.widths[k], st.widths[k + 1]);
            let Ok(w) = u32::try_from(a * b) else { return false };
            digest.update(&[kind_byte(ParamKind::Weight)]);
            digest.update(&w.to_le_bytes());
            if st.bias[k] {
                let Ok(b) = u32::try_from(b) else { return false };
                digest.update(&[kind_byte(ParamKind::Bias)]);
                digest.update(&b.to_le_bytes());
            }
        }
        digest.finalize() == self.hash
    }
}

/// The layer widths when the shape is a stack of `Dense` bricks (with activations between
/// them, which are not recorded): `2-10-2 (bias, bias)` is `Dense<2, 10>` then
/// `Dense<10, 2>`, both with a bias. Otherwise (other parameterised bricks, or a stack too
/// deep to search) the counts: inputs, outputs, slices and parameters.
///
/// ```
/// use stacknet::persist::Shape;
/// use stacknet::prelude::*;
///
/// type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
/// let net: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::Without), Sigmoid);
/// assert_eq!(Shape::of(&net).unwrap().to_string(), "2-10-2 (bias, no bias)");
/// ```
impl core::fmt::Display for Shape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.slices == 0 && self.params == 0 {
            return write!(f, "{}-{} (no parameters)", self.inputs, self.outputs);
        }
        let Some(st) = self.dense_stack() else {
            return write!(
                f,
                "{} inputs, {} outputs, {} parameter slices, {} parameters",
                self.inputs, self.outputs, self.slices, self.params
            );
        };
        for (k, w) in st.widths[..=st.layers].iter().enumerate() {
            write!(f, "{}{w}", if k == 0 { "" } else { "-" })?;
        }
        f.write_str(" (")?;
        for (k, &b) in st.bias[..st.layers].iter().enumerate() {
            write!(f, "{}{}", if k == 0 { "" } else { ", " }, if b { "bias" } else { "no bias" })?;
        }
        f.write_str(")")
    }
}

fn kind_byte(kind: ParamKind) -> u8 {
    match kind {
        ParamKind::Weight => 0,
        ParamKind::Bias => 1,
    }
}

/// Why [`save`] wrote nothing usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveError {
    /// The buffer is shorter than the blob.
    BufferTooSmall {
        /// Bytes the blob needs.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// A parameter (or optimizer state value) is NaN or ±∞; such a model is not worth
    /// keeping. `index` counts parameters in visiting order, the optimizer's values after
    /// them (velocity, or Adam's `m` then `v`).
    NonFinite {
        /// Value index.
        index: usize,
    },
    /// The model has more than `u32::MAX` parameters or bytes.
    TooLarge,
    /// The optimizer's state is not shaped like the model (momentum or Adam built for
    /// another model: use `Sgd::with_momentum(mu, &model)`, `Adam::new(lr, &model)`).
    OptimizerMismatch,
}

impl core::fmt::Display for SaveError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SaveError::BufferTooSmall { needed, got } => write!(f, "buffer holds {got} bytes, the blob needs {needed}"),
            SaveError::NonFinite { index } => write!(f, "value {index} is not finite; refusing to save"),
            SaveError::TooLarge => write!(f, "model too large for the format (over 2^32 values or bytes)"),
            SaveError::OptimizerMismatch => write!(f, "optimizer state is not shaped like the model"),
        }
    }
}

impl core::error::Error for SaveError {}

/// Why [`load`] refused a blob. The target was not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The first four bytes are not [`MAGIC`]: not a stacknet blob (or erased flash).
    BadMagic,
    /// A format version this build does not read.
    UnknownVersion(u16),
    /// The bytes end before the blob does.
    Truncated {
        /// Bytes the blob (or its header) needs.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The CRC-32 does not match: the blob was corrupted.
    Checksum {
        /// The checksum stored in the blob.
        stored: u32,
        /// The checksum of the bytes as read.
        computed: u32,
    },
    /// The blob holds a model of another shape.
    ShapeMismatch {
        /// The target model's shape.
        expected: Shape,
        /// The blob's shape.
        found: Shape,
    },
    /// The blob has no optimizer section, its state does not match the target optimizer's
    /// (plain SGD, momentum or Adam), or the target's state is not shaped like the model.
    OptimizerMismatch,
    /// The header is self-inconsistent (a length that disagrees with the counts, unknown
    /// flags): written by something other than this format's writer.
    Malformed,
    /// A stored value is NaN or ±∞; `index` as in [`SaveError::NonFinite`].
    NonFinite {
        /// Value index.
        index: usize,
    },
    /// A stored Adam second moment is negative (it is a running mean of squares); `index`
    /// as in [`SaveError::NonFinite`].
    NegativeMoment {
        /// Value index.
        index: usize,
    },
}

impl core::fmt::Display for LoadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoadError::BadMagic => write!(f, "not a stacknet blob (bad magic)"),
            LoadError::UnknownVersion(v) => write!(f, "unknown format version {v} (this build reads 1 to {VERSION})"),
            LoadError::Truncated { needed, got } => write!(f, "truncated: {got} bytes, the blob needs {needed}"),
            LoadError::Checksum { stored, computed } => {
                write!(f, "checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")
            }
            LoadError::ShapeMismatch { expected, found } => {
                write!(f, "shape mismatch: the saved model is {found}, this model is {expected}")
            }
            LoadError::OptimizerMismatch => write!(f, "blob's optimizer state does not match the optimizer"),
            LoadError::Malformed => write!(f, "malformed header"),
            LoadError::NonFinite { index } => write!(f, "stored value {index} is not finite"),
            LoadError::NegativeMoment { index } => {
                write!(f, "stored value {index}, an Adam second moment, is negative")
            }
        }
    }
}

impl core::error::Error for LoadError {}

/// The part of an optimizer's velocity that is saved: nothing for plain SGD, one value per
/// parameter for momentum.
pub trait VelocityState<M: ParamsRef + ?Sized> {
    /// Whether there is a velocity to save.
    const PRESENT: bool;
    /// Calls `f` on each velocity slice, in the model's visiting order.
    fn visit_state<F: FnMut(&[f32])>(&self, f: &mut F);
    /// Calls `f` on each velocity slice, mutably, in the same order.
    fn visit_state_mut<F: FnMut(&mut [f32])>(&mut self, f: &mut F);
}

impl<M: ParamsRef + ?Sized> VelocityState<M> for NoMomentum {
    const PRESENT: bool = false;
    fn visit_state<F: FnMut(&[f32])>(&self, _f: &mut F) {}
    fn visit_state_mut<F: FnMut(&mut [f32])>(&mut self, _f: &mut F) {}
}

impl<M: Params> VelocityState<M> for Momentum<M> {
    const PRESENT: bool = true;
    fn visit_state<F: FnMut(&[f32])>(&self, f: &mut F) {
        self.0.visit(&mut |_, s| f(s));
    }
    fn visit_state_mut<F: FnMut(&mut [f32])>(&mut self, f: &mut F) {
        self.0.visit_mut(&mut |_, s| f(s));
    }
}

/// What an optimizer's saved state holds after its step counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    /// Nothing more (plain SGD).
    StepsOnly,
    /// One value per parameter: the momentum velocity.
    Velocity,
    /// Two values per parameter: Adam's moments `m`, then `v`.
    Moments,
}

impl StateKind {
    /// Model-shaped vectors of state.
    const fn vectors(self) -> usize {
        match self {
            StateKind::StepsOnly => 0,
            StateKind::Velocity => 1,
            StateKind::Moments => 2,
        }
    }

    fn flags(self) -> u16 {
        match self {
            StateKind::StepsOnly => FLAG_OPTIMIZER,
            StateKind::Velocity => FLAG_OPTIMIZER | FLAG_VELOCITY,
            StateKind::Moments => FLAG_OPTIMIZER | FLAG_MOMENTS,
        }
    }
}

/// An optimizer whose state [`save_with_optimizer`] and [`load_with_optimizer`] keep:
/// [`Sgd`] (the step counter, and the velocity with momentum) and [`Adam`] (the step
/// counter and both moments).
pub trait OptimizerState<M: ParamsRef + ?Sized> {
    /// What follows the step counter.
    const KIND: StateKind;
    /// Steps taken so far.
    fn saved_steps(&self) -> u32;
    /// Calls `f` on each slice of state, vector after vector, each in the model's visiting
    /// order.
    fn visit_state<F: FnMut(&[f32])>(&self, f: &mut F);
    /// Sets the step counter and calls `f` on each slice of state, mutably, in the same
    /// order (restoring a saved optimizer).
    fn restore<F: FnMut(&mut [f32])>(&mut self, steps: u32, f: &mut F);
}

impl<M: ParamsRef + ?Sized, V: VelocityState<M>> OptimizerState<M> for Sgd<V> {
    const KIND: StateKind = if V::PRESENT { StateKind::Velocity } else { StateKind::StepsOnly };
    fn saved_steps(&self) -> u32 {
        self.steps()
    }
    fn visit_state<F: FnMut(&[f32])>(&self, f: &mut F) {
        self.velocity().visit_state(f);
    }
    fn restore<F: FnMut(&mut [f32])>(&mut self, steps: u32, f: &mut F) {
        self.restore_steps(steps);
        self.velocity_mut().visit_state_mut(f);
    }
}

impl<M: Params> OptimizerState<M> for Adam<M> {
    const KIND: StateKind = StateKind::Moments;
    fn saved_steps(&self) -> u32 {
        self.steps()
    }
    fn visit_state<F: FnMut(&[f32])>(&self, f: &mut F) {
        let (m, v) = self.moments();
        m.visit(&mut |_, s| f(s));
        v.visit(&mut |_, s| f(s));
    }
    fn restore<F: FnMut(&mut [f32])>(&mut self, steps: u32, f: &mut F) {
        self.restore_steps(steps);
        let (m, v) = self.moments_mut();
        m.visit_mut(&mut |_, s| f(s));
        v.visit_mut(&mut |_, s| f(s));
    }
}

/// Slice count, value count and a CRC of the slice lengths, for comparing layouts.
fn layout(each: impl FnOnce(&mut dyn FnMut(usize))) -> (usize, usize, u32) {
    let mut digest = CRC32.digest();
    let (mut count, mut total) = (0usize, 0usize);
    each(&mut |len| {
        digest.update(&(len as u64).to_le_bytes());
        count += 1;
        total = total.saturating_add(len);
    });
    (count, total, digest.finalize())
}

/// Whether the optimizer's state is `KIND.vectors()` copies of the model's slice lengths.
fn state_fits<M: ParamsRef + ?Sized, O: OptimizerState<M>>(model: &M, opt: &O) -> bool {
    let model_layout = |f: &mut dyn FnMut(usize)| {
        for _ in 0..O::KIND.vectors() {
            model.visit(&mut |_, s| f(s.len()));
        }
    };
    layout(model_layout) == layout(|f| opt.visit_state(&mut |s| f(s.len())))
}

/// The exact length [`save`] writes for `model`.
pub fn saved_len<M: Layer>(model: &M) -> usize {
    HEADER_LEN + 4 * param_count(model) + CRC_LEN
}

/// The exact length [`save_with_optimizer`] writes for `model` with an optimizer of type `O`.
pub fn saved_len_with_optimizer<M: Layer, O: OptimizerState<M>>(model: &M, _opt: &O) -> usize {
    saved_len(model) + opt_section_len(O::KIND, param_count(model))
}

fn param_count<M: ParamsRef + ?Sized>(model: &M) -> usize {
    let mut n = 0usize;
    model.visit(&mut |_, s| n = n.saturating_add(s.len()));
    n
}

fn opt_section_len(kind: StateKind, params: usize) -> usize {
    4 + 4 * kind.vectors() * params
}

/// Writes `model` into `out` and returns the number of bytes written (`saved_len(model)`).
/// Bytes of `out` past that are left alone.
///
/// ```
/// use stacknet::persist::{self, SaveError};
/// use stacknet::prelude::*;
///
/// type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
/// let net: Net = Layer::random(&mut stacknet::init::rng(3), Init::UniformFanIn);
/// let mut buf = [0u8; persist::max_len::<Net>()]; // 32 + 4·52 + 4 bytes
/// assert_eq!(persist::save(&net, &mut buf), Ok(244));
/// // Too small a buffer is refused before anything is written.
/// let mut short = [0u8; 100];
/// assert_eq!(persist::save(&net, &mut short), Err(SaveError::BufferTooSmall { needed: 244, got: 100 }));
/// ```
pub fn save<M: Layer>(model: &M, out: &mut [u8]) -> Result<usize, SaveError> {
    write_blob::<M, Sgd>(model, Shape::of(model), None, out)
}

/// Writes `model` and the state of `opt` (the step counter and, with momentum, the velocity,
/// or Adam's moments) into `out`; returns the number of bytes written.
///
/// ```
/// use stacknet::persist;
/// use stacknet::prelude::*;
///
/// type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
/// let mut net: Net = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
/// let mut opt = Adam::new(0.01, &net)?;
/// let mut ws = Workspace::<Net, 1>::new();
/// train_step(&mut net, &[[0.0, 1.0]], &[[1.0, 0.0]], &mut ws, &mut opt, &Objective::mse())?;
///
/// let mut buf = [0u8; persist::max_len_with_adam::<Net>()];
/// let n = persist::save_with_optimizer(&net, &opt, &mut buf)?;
///
/// let mut net2: Net = Layer::ZERO;
/// let mut opt2 = Adam::new(0.01, &net2)?;
/// persist::load_with_optimizer(&mut net2, &mut opt2, &buf[..n])?;
/// assert_eq!((net2, opt2), (net, opt)); // weights, both moments and the step counter
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_with_optimizer<M: Layer, O: OptimizerState<M>>(
    model: &M,
    opt: &O,
    out: &mut [u8],
) -> Result<usize, SaveError> {
    write_blob(model, Shape::of(model), Some(opt), out)
}

pub(crate) fn write_blob<M: ParamsRef + ?Sized, O: OptimizerState<M>>(
    model: &M,
    shape: Option<Shape>,
    opt: Option<&O>,
    out: &mut [u8],
) -> Result<usize, SaveError> {
    let shape = shape.ok_or(SaveError::TooLarge)?;
    if let Some(opt) = opt {
        if !state_fits(model, opt) {
            return Err(SaveError::OptimizerMismatch);
        }
    }
    let params = shape.params as usize;
    let total = HEADER_LEN + 4 * params + opt.map_or(0, |_| opt_section_len(O::KIND, params)) + CRC_LEN;
    let total32 = u32::try_from(total).map_err(|_| SaveError::TooLarge)?;
    let Some(out) = out.get_mut(..total) else {
        return Err(SaveError::BufferTooSmall { needed: total, got: out.len() });
    };
    // Check every value before writing, so a refused save leaves `out` as it was.
    let mut index = 0usize;
    let mut bad = None;
    let mut check = |s: &[f32]| {
        if bad.is_none() {
            bad = s.iter().position(|v| !v.is_finite()).map(|i| index + i);
        }
        index += s.len();
    };
    model.visit(&mut |_, s| check(s));
    if let Some(opt) = opt {
        opt.visit_state(&mut check);
    }
    if let Some(index) = bad {
        return Err(SaveError::NonFinite { index });
    }

    let flags = opt.map_or(0, |_| O::KIND.flags());
    let version: u16 = if O::KIND == StateKind::Moments && opt.is_some() { 2 } else { 1 };
    let (header, rest) = out.split_at_mut(HEADER_LEN);
    header[0..4].copy_from_slice(&MAGIC);
    header[4..6].copy_from_slice(&version.to_le_bytes());
    header[6..8].copy_from_slice(&flags.to_le_bytes());
    for (i, v) in [total32, shape.inputs, shape.outputs, shape.slices, shape.params, shape.hash].into_iter().enumerate()
    {
        header[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    let (weights, rest) = rest.split_at_mut(4 * params);
    let mut cells = Cells(weights.chunks_exact_mut(4));
    model.visit(&mut |_, s| cells.put(s));
    if let Some(opt) = opt {
        let (steps, state) = rest.split_at_mut(4);
        steps.copy_from_slice(&opt.saved_steps().to_le_bytes());
        let mut cells = Cells(state.chunks_exact_mut(4));
        opt.visit_state(&mut |s| cells.put(s));
    }
    let (body, crc) = out.split_at_mut(total - CRC_LEN);
    crc.copy_from_slice(&CRC32.checksum(body).to_le_bytes());
    Ok(total)
}

/// The 4-byte cells of a payload, filled in order with `f32` bit patterns (little-endian).
struct Cells<'a>(core::slice::ChunksExactMut<'a, u8>);

impl Cells<'_> {
    fn put(&mut self, s: &[f32]) {
        // `s` leads the zip: zipping the cells first would take one cell too many.
        for (v, cell) in s.iter().zip(&mut self.0) {
            cell.copy_from_slice(&v.to_bits().to_le_bytes());
        }
    }
}

/// Loads the weights saved in `bytes` into `model` and returns the blob's length. A blob
/// with an optimizer section is accepted too (the section is checked, then ignored). On
/// `Err` the model is untouched.
///
/// ```
/// use stacknet::persist;
/// use stacknet::prelude::*;
///
/// type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
/// let net: Net = Layer::random(&mut stacknet::init::rng(3), Init::UniformFanIn);
/// let mut flash = [0xFFu8; 512]; // a flash sector: bytes past the blob are ignored
/// persist::save(&net, &mut flash)?;
///
/// let mut restored: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
/// assert_eq!(persist::load(&mut restored, &flash)?, 244);
/// assert_eq!(restored, net);
///
/// // Another shape is refused, and the message says which.
/// type Small = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
/// let mut small: Small = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
/// let err = persist::load(&mut small, &flash).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "shape mismatch: the saved model is 2-10-2 (bias, bias), this model is 2-3-2 (bias, bias)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load<M: Layer>(model: &mut M, bytes: &[u8]) -> Result<usize, LoadError> {
    load_params(model, Shape::of(model), bytes)
}

/// [`load`] into any [`Params`] whose shape is `expected` (a run-time network's too).
pub(crate) fn load_params<M: Params + ?Sized>(
    model: &mut M,
    expected: Option<Shape>,
    bytes: &[u8],
) -> Result<usize, LoadError> {
    let blob = check_blob(expected, bytes)?;
    // Validate the optimizer section's values so a loadable blob is always a well-formed one.
    check_state(&blob)?;
    write_params(model, blob.weights());
    Ok(blob.len)
}

/// Loads the model and the optimizer state saved by [`save_with_optimizer`] and returns the
/// blob's length. The blob must have an optimizer section of `opt`'s kind (plain SGD,
/// momentum or Adam: [`LoadError::OptimizerMismatch`] otherwise). On `Err` neither is
/// touched.
pub fn load_with_optimizer<M: Layer, O: OptimizerState<M>>(
    model: &mut M,
    opt: &mut O,
    bytes: &[u8],
) -> Result<usize, LoadError> {
    load_params_with_optimizer(model, Shape::of(model), opt, bytes)
}

/// [`load_with_optimizer`] into any [`Params`] whose shape is `expected`.
pub(crate) fn load_params_with_optimizer<M: Params + ?Sized, O: OptimizerState<M>>(
    model: &mut M,
    expected: Option<Shape>,
    opt: &mut O,
    bytes: &[u8],
) -> Result<usize, LoadError> {
    let blob = check_blob(expected, bytes)?;
    if blob.state != Some(O::KIND) || !state_fits(model, opt) {
        return Err(LoadError::OptimizerMismatch);
    }
    check_state(&blob)?;
    write_params(model, blob.weights());
    let (steps, state) = blob.opt_section();
    let mut cells = state.chunks_exact(4);
    opt.restore(steps, &mut |s| fill(s, &mut cells));
    Ok(blob.len)
}

/// A blob whose header, length, checksum, shape and weights have been checked.
struct Blob<'a> {
    bytes: &'a [u8],
    len: usize,
    params: usize,
    /// What the optimizer section holds; `None` without one.
    state: Option<StateKind>,
}

impl<'a> Blob<'a> {
    // Ranges are taken with `get`, never by indexing: `check_blob` has proved them in bounds,
    // and an empty slice in their place could only fail a later check, so a load links no
    // panic machinery (firmware budgets check this).
    fn weights(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..HEADER_LEN + 4 * self.params).unwrap_or_default()
    }

    /// The optimizer section: the step counter and the state's bytes.
    fn opt_section(&self) -> (u32, &'a [u8]) {
        let start = HEADER_LEN + 4 * self.params;
        let steps = read_u32(self.bytes, start);
        (steps, self.bytes.get(start + 4..self.len - CRC_LEN).unwrap_or_default())
    }
}

/// The optimizer section's values: finite, and Adam's second moments not negative.
fn check_state(blob: &Blob<'_>) -> Result<(), LoadError> {
    let Some(kind) = blob.state else { return Ok(()) };
    let values = blob.opt_section().1;
    check_finite(values, blob.params)?;
    if kind == StateKind::Moments {
        let v = values.get(4 * blob.params..).unwrap_or_default();
        if let Some(i) = v.chunks_exact(4).position(|c| f32::from_bits(read_u32(c, 0)) < 0.0) {
            return Err(LoadError::NegativeMoment { index: 2 * blob.params + i });
        }
    }
    Ok(())
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    let mut w = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        w.copy_from_slice(s);
    }
    u16::from_le_bytes(w)
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

fn check_finite(values: &[u8], base: usize) -> Result<(), LoadError> {
    match values.chunks_exact(4).position(|c| !f32::from_bits(read_u32(c, 0)).is_finite()) {
        Some(i) => Err(LoadError::NonFinite { index: base + i }),
        None => Ok(()),
    }
}

fn fill(s: &mut [f32], cells: &mut core::slice::ChunksExact<'_, u8>) {
    for (v, c) in s.iter_mut().zip(cells) {
        *v = f32::from_bits(read_u32(c, 0));
    }
}

fn write_params<M: Params + ?Sized>(model: &mut M, weights: &[u8]) {
    let mut cells = weights.chunks_exact(4);
    model.visit_mut(&mut |_, s| fill(s, &mut cells));
}

/// Every check that does not need the optimizer, reading `bytes` only.
fn check_blob<'a>(expected: Option<Shape>, bytes: &'a [u8]) -> Result<Blob<'a>, LoadError> {
    let truncated = |needed: usize| LoadError::Truncated { needed, got: bytes.len() };
    let magic = bytes.get(0..4).ok_or(truncated(HEADER_LEN))?;
    if magic != MAGIC {
        return Err(LoadError::BadMagic);
    }
    let version = read_u16(bytes.get(4..6).ok_or(truncated(HEADER_LEN))?, 0);
    if !(1..=VERSION).contains(&version) {
        return Err(LoadError::UnknownVersion(version));
    }
    if bytes.len() < HEADER_LEN {
        return Err(truncated(HEADER_LEN));
    }
    let len = read_u32(bytes, 8) as usize;
    if len < HEADER_LEN + CRC_LEN {
        return Err(LoadError::Malformed);
    }
    if len > bytes.len() {
        return Err(truncated(len));
    }
    let (body, crc) = bytes.get(..len).unwrap_or_default().split_at_checked(len - CRC_LEN).unwrap_or_default();
    let stored = read_u32(crc, 0);
    let computed = CRC32.checksum(body);
    if stored != computed {
        return Err(LoadError::Checksum { stored, computed });
    }

    // The blob is as written; now does it fit this model?
    let state = match read_u16(bytes, 6) {
        0 => None,
        FLAG_OPTIMIZER => Some(StateKind::StepsOnly),
        f if f == FLAG_OPTIMIZER | FLAG_VELOCITY => Some(StateKind::Velocity),
        f if f == FLAG_OPTIMIZER | FLAG_MOMENTS => Some(StateKind::Moments),
        _ => return Err(LoadError::Malformed),
    };
    // Version 2 exactly when Adam's section is there, as the writer does: then saving what
    // was loaded gives back the same bytes.
    if (state == Some(StateKind::Moments)) != (version == 2) {
        return Err(LoadError::Malformed);
    }
    let found = Shape {
        inputs: read_u32(bytes, 12),
        outputs: read_u32(bytes, 16),
        slices: read_u32(bytes, 20),
        params: read_u32(bytes, 24),
        hash: read_u32(bytes, 28),
    };
    let params = found.params as usize;
    // Lengths in u64 so that no header value can overflow the sum.
    let want = HEADER_LEN as u64
        + 4 * params as u64
        + state.map_or(0, |k| 4 + 4 * k.vectors() as u64 * params as u64)
        + CRC_LEN as u64;
    if want != len as u64 {
        return Err(LoadError::Malformed);
    }
    match expected {
        Some(expected) if expected == found => {}
        Some(expected) => return Err(LoadError::ShapeMismatch { expected, found }),
        None => return Err(LoadError::Malformed),
    }
    let blob = Blob { bytes, len, params, state };
    check_finite(blob.weights(), 0)?;
    Ok(blob)
}
