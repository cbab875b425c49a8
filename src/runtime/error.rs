//! What a run-time network refuses: a bad description ([`SpecError`], when it is built) or
//! a bad call ([`RunError`]: a buffer of the wrong size, or a refused training step).

use crate::optim::ConfigError;
use crate::persist::{LoadError, SaveError};
use crate::train::StepError;

/// Why a list of layer descriptors is not a network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SpecError {
    /// No layers.
    Empty,
    /// More layers than [`MAX_LAYERS`](super::MAX_LAYERS).
    TooDeep {
        /// Layers given.
        layers: usize,
        /// The most allowed.
        max: usize,
    },
    /// The first layer is an activation, so the input width is unknown.
    NoInputWidth,
    /// A `Dense` layer with zero inputs or outputs (`layer` counts from 0).
    ZeroWidth {
        /// Layer index.
        layer: usize,
    },
    /// A `Dense` layer's input width is not the width of the layer before it.
    WidthMismatch {
        /// Layer index.
        layer: usize,
        /// The width the layer before it outputs.
        expected: usize,
        /// The layer's input width.
        found: usize,
    },
    /// The batch size is zero.
    ZeroBatch,
    /// The buffers' sizes overflow `usize` (or the blob format's 32-bit counts).
    TooLarge,
    /// An optimizer setting is out of range.
    Optimizer(ConfigError),
}

impl core::fmt::Display for SpecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SpecError::Empty => write!(f, "a network needs at least one layer"),
            SpecError::TooDeep { layers, max } => write!(f, "{layers} layers, at most {max} allowed"),
            SpecError::NoInputWidth => write!(f, "the first layer must be Dense (it sets the input width)"),
            SpecError::ZeroWidth { layer } => write!(f, "layer {layer}: a Dense layer needs widths >= 1"),
            SpecError::WidthMismatch { layer, expected, found } => {
                write!(f, "layer {layer}: takes {found} inputs, but the layer before it gives {expected}")
            }
            SpecError::ZeroBatch => write!(f, "the batch size must be >= 1"),
            SpecError::TooLarge => write!(f, "the network's buffers are too large to address"),
            SpecError::Optimizer(e) => write!(f, "optimizer: {e}"),
        }
    }
}

impl core::error::Error for SpecError {}

/// Which caller buffer a [`RunError::Buffer`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buffer {
    /// The model's parameters.
    Model,
    /// The optimizer state.
    Optimizer,
    /// The scratch.
    Scratch,
    /// The inputs.
    Input,
    /// The targets.
    Target,
    /// The outputs.
    Output,
}

/// Why a call on a run-time network did nothing (buffers and model untouched, scratch
/// aside).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RunError {
    /// A buffer has the wrong number of `f32`s: `needed` (at least, for the model, state and
    /// scratch; exactly, for inputs, targets and outputs).
    Buffer {
        /// Which buffer.
        which: Buffer,
        /// The length needed.
        needed: usize,
        /// The length given.
        got: usize,
    },
    /// The training step refused to update, as [`crate::train::train_step`] would.
    Step(StepError),
    /// Saving refused (nothing written).
    Save(SaveError),
    /// Loading refused (the model unchanged).
    Load(LoadError),
}

impl From<StepError> for RunError {
    fn from(e: StepError) -> Self {
        RunError::Step(e)
    }
}

impl core::fmt::Display for RunError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RunError::Buffer { which, needed, got } => write!(f, "{which:?} buffer: needs {needed} floats, got {got}"),
            RunError::Step(e) => write!(f, "step refused: {e}"),
            RunError::Save(e) => write!(f, "save refused: {e}"),
            RunError::Load(e) => write!(f, "load refused: {e}"),
        }
    }
}

impl core::error::Error for RunError {}
