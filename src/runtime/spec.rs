//! The description of a run-time network, checked once into a [`Net`], and the memory it
//! needs.

use super::error::SpecError;
use crate::init::Init;
use crate::loss::Objective;
use crate::nn::{Bias, ParamKind};
use crate::optim::{Adam, Sgd};
use rand_core::RngCore;

/// The most layers (descriptors, activations included) a [`Net`] holds: its description is
/// a fixed array, so that a `Net` needs no allocation. Sixteen (eight `Dense` layers with
/// their activations), as the C API's handle: a `Net` lives in the stack frame of every C
/// call, and with 32 the Cortex-M0's 16 KB of RAM did not hold the C tests' frames.
pub const MAX_LAYERS: usize = 16;

/// One layer of a run-time network, as [`crate::nn`]'s bricks: activations take the width
/// of the layer before them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerSpec {
    /// `y = x·W (+ b)`, as [`crate::nn::Dense`].
    Dense {
        /// Input width.
        inputs: usize,
        /// Output width.
        outputs: usize,
        /// With a bias or not.
        bias: Bias,
    },
    /// The logistic sigmoid, as [`crate::nn::Sigmoid`].
    Sigmoid,
    /// The hyperbolic tangent, as [`crate::nn::Tanh`].
    Tanh,
    /// The rectifier, as [`crate::nn::Relu`].
    Relu,
}

/// The optimizer of a run-time network: its settings (built and checked with the
/// optimizers' own builders); its state lives in the caller's optimizer buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerSpec {
    /// SGD without momentum (schedule and clipping as set on it).
    Sgd(Sgd),
    /// SGD with heavy-ball momentum `μ` in `[0, 1)`.
    SgdMomentum(Sgd, f32),
    /// Adam or AdamW, from [`Adam::settings`].
    Adam(Adam<()>),
}

/// What a layer is, once checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Dense { bias: bool },
    Sigmoid,
    Tanh,
    Relu,
}

/// A checked layer: its widths, and where and how long its parameters are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Brick {
    pub(crate) kind: Kind,
    /// A `Dense` followed by a `Sigmoid`: the pair runs as one fused step, as the bricks
    /// fuse it (set by [`Net::new`], so no pass looks at the next brick).
    pub(crate) fused: bool,
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
    /// First parameter, in the model buffer.
    pub(crate) params: usize,
    /// The weights' length (`inputs × outputs` for a `Dense`, else 0).
    pub(crate) weights: usize,
    /// The bias's length (`outputs` for a `Dense` with a bias, else 0).
    pub(crate) biases: usize,
}

/// The size and alignment of one caller buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Length in `f32`s.
    pub floats: usize,
    /// Length in bytes.
    pub bytes: usize,
    /// Alignment in bytes.
    pub align: usize,
}

impl Region {
    fn floats(floats: usize) -> Region {
        Region { floats, bytes: floats * 4, align: core::mem::align_of::<f32>() }
    }
}

/// The three buffers of a run-time network, separately ([`Net::memory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    /// The parameters.
    pub model: Region,
    /// The optimizer's state.
    pub optimizer: Region,
    /// A training step's scratch: a batch's activations and their gradients, then the
    /// parameters' gradients (the last [`Net::params`] values: after a step, its gradient,
    /// penalty included, as momentum or clipping left it).
    pub scratch: Region,
}

/// A checked run-time network description: layers, batch size, objective and optimizer
/// settings. It holds no parameters or buffers (those are the caller's, see
/// [`Net::memory`]); `Copy`, and small enough for a `static`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Net {
    pub(crate) bricks: [Brick; MAX_LAYERS],
    pub(crate) len: usize,
    pub(crate) batch: usize,
    pub(crate) objective: Objective,
    pub(crate) optimizer: OptimizerSpec,
    pub(crate) params: usize,
    /// Σ output widths over all bricks.
    pub(crate) cols: usize,
}

/// Optimizer-state slots before the per-parameter state: the step count as two 16-bit
/// halves, each exact as an `f32`.
pub(crate) const STEP_SLOTS: usize = 2;

const NO_BRICK: Brick =
    Brick { kind: Kind::Relu, fused: false, inputs: 0, outputs: 0, params: 0, weights: 0, biases: 0 };

impl Net {
    /// Checks `layers` and the settings: typed errors for an empty or too deep list, a first
    /// layer that is not `Dense`, a zero width, widths that do not chain, a zero batch, sizes
    /// that overflow, and a momentum out of range.
    pub fn new(
        layers: &[LayerSpec],
        batch: usize,
        objective: Objective,
        optimizer: OptimizerSpec,
    ) -> Result<Net, SpecError> {
        if layers.is_empty() {
            return Err(SpecError::Empty);
        }
        if layers.len() > MAX_LAYERS {
            return Err(SpecError::TooDeep { layers: layers.len(), max: MAX_LAYERS });
        }
        if batch == 0 {
            return Err(SpecError::ZeroBatch);
        }
        if let OptimizerSpec::SgdMomentum(_, mu) = optimizer {
            crate::optim::check_momentum(mu).map_err(SpecError::Optimizer)?;
        }
        let mut net = Net { bricks: [NO_BRICK; MAX_LAYERS], len: 0, batch, objective, optimizer, params: 0, cols: 0 };
        let mut width = None;
        for (i, spec) in layers.iter().enumerate() {
            let (kind, inputs, outputs) = match *spec {
                LayerSpec::Dense { inputs, outputs, bias } => {
                    if inputs == 0 || outputs == 0 {
                        return Err(SpecError::ZeroWidth { layer: i });
                    }
                    if let Some(expected) = width.filter(|&w| w != inputs) {
                        return Err(SpecError::WidthMismatch { layer: i, expected, found: inputs });
                    }
                    (Kind::Dense { bias: bias == Bias::With }, inputs, outputs)
                }
                act => {
                    let w = width.ok_or(SpecError::NoInputWidth)?;
                    let kind = match act {
                        LayerSpec::Sigmoid => Kind::Sigmoid,
                        LayerSpec::Tanh => Kind::Tanh,
                        _ => Kind::Relu,
                    };
                    (kind, w, w)
                }
            };
            let (w, b) = match kind {
                Kind::Dense { bias } => {
                    (inputs.checked_mul(outputs).ok_or(SpecError::TooLarge)?, if bias { outputs } else { 0 })
                }
                _ => (0, 0),
            };
            let brick = Brick { kind, fused: false, inputs, outputs, params: net.params, weights: w, biases: b };
            if kind == Kind::Sigmoid {
                if let Some(prev) = i.checked_sub(1).and_then(|p| net.bricks.get_mut(p)) {
                    prev.fused = matches!(prev.kind, Kind::Dense { .. });
                }
            }
            net.params = w.checked_add(b).and_then(|n| n.checked_add(net.params)).ok_or(SpecError::TooLarge)?;
            net.cols = net.cols.checked_add(outputs).ok_or(SpecError::TooLarge)?;
            if let Some(slot) = net.bricks.get_mut(i) {
                *slot = brick;
            }
            net.len = i + 1;
            width = Some(outputs);
        }
        // Every buffer size below must fit, in bytes and in the blob format's u32 counts.
        let scratch =
            net.cols.checked_mul(batch).and_then(|n| n.checked_mul(2)).and_then(|n| n.checked_add(net.params));
        let state = net.params.checked_mul(2).and_then(|n| n.checked_add(STEP_SLOTS));
        let fits = |n: Option<usize>| n.and_then(|n| n.checked_mul(4)).is_some();
        if !(fits(scratch) && fits(state) && u32::try_from(net.params).is_ok()) {
            return Err(SpecError::TooLarge);
        }
        Ok(net)
    }

    /// The checked layers.
    pub(crate) fn bricks(&self) -> &[Brick] {
        self.bricks.get(..self.len).unwrap_or_default()
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.bricks().first().map_or(0, |b| b.inputs)
    }

    /// Output width.
    pub fn outputs(&self) -> usize {
        self.bricks.get(self.len.wrapping_sub(1)).map_or(0, |b| b.outputs)
    }

    /// The batch size of [`Net::train_step`].
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The objective.
    pub fn objective(&self) -> Objective {
        self.objective
    }

    /// The number of parameters.
    pub fn params(&self) -> usize {
        self.params
    }

    /// The sizes of the model, the optimizer state and a training step's scratch.
    pub fn memory(&self) -> Memory {
        Memory {
            model: Region::floats(self.params),
            optimizer: Region::floats(self.optimizer_floats()),
            scratch: Region::floats(self.acts_floats(self.batch, true) + self.params),
        }
    }

    /// The optimizer state's length: the step count, then the velocity or Adam's moments.
    pub(crate) fn optimizer_floats(&self) -> usize {
        STEP_SLOTS
            + match self.optimizer {
                OptimizerSpec::Sgd(_) => 0,
                OptimizerSpec::SgdMomentum(..) => self.params,
                OptimizerSpec::Adam(_) => 2 * self.params,
            }
    }

    /// The activations of `rows` rows: each brick's output, and with `grads` its gradient.
    pub(crate) fn acts_floats(&self, rows: usize, grads: bool) -> usize {
        self.cols.saturating_mul(rows).saturating_mul(if grads { 2 } else { 1 })
    }

    /// [`Net::acts_floats`] of a training step (`batch` rows with gradients): no saturation
    /// needed, [`Net::new`] checked that the scratch's size fits.
    #[inline]
    pub(crate) fn train_acts(&self) -> usize {
        self.cols * self.batch * 2
    }

    /// The scratch [`Net::predict`] needs for `rows` rows (each brick's output), in `f32`s.
    pub fn predict_scratch_floats(&self, rows: usize) -> usize {
        self.acts_floats(rows, false)
    }

    /// The parameter slices in visiting order (the bricks' order): kind and length.
    pub(crate) fn segments(&self, mut f: impl FnMut(ParamKind, usize)) {
        // Only a `Dense` has weights (its widths are not 0), and a bias only with one.
        for b in self.bricks() {
            if b.weights != 0 {
                f(ParamKind::Weight, b.weights);
                if b.biases != 0 {
                    f(ParamKind::Bias, b.biases);
                }
            }
        }
    }

    /// Fills `model` with parameters drawn from `rng` with `scheme`: the same draws, in the
    /// same order, as [`crate::nn::Layer::random`] for the same bricks (every `Dense` as
    /// described, with or without its bias).
    pub fn init<R: RngCore + ?Sized>(
        &self,
        model: &mut [f32],
        rng: &mut R,
        scheme: Init,
    ) -> Result<(), super::RunError> {
        let model = super::net::prefix_mut(model, self.params, super::Buffer::Model)?;
        for b in self.bricks() {
            let Kind::Dense { .. } = b.kind else { continue };
            let (ws, bias) = super::net::dense_params_mut(b, model);
            for v in ws {
                *v = scheme.weight(rng, b.inputs, b.outputs);
            }
            for v in bias {
                *v = scheme.bias(rng, b.inputs);
            }
        }
        Ok(())
    }
}
