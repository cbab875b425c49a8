//! Run-time networks as C describes them: layer descriptors, the network configuration and
//! the buffer sizes, and their translation into a checked `stacknet::runtime::Net`. Every
//! value is range-checked by stacknet's own builders (`Net::new`, `Penalty::new`,
//! `stacknet_hyper_t::validate`); this file only maps codes to types.

use crate::hyper::{Choice, STACKNET_HYPER_SIZE, stacknet_hyper_t};
use crate::status::{Check, stacknet_status_t::*};
use stacknet::loss::{Loss, Objective, Penalty};
use stacknet::nn::Bias;
use stacknet::runtime::{LayerSpec, MAX_LAYERS, Net, OptimizerSpec, SpecError};

/// `kind` of a `stacknet_layer_t`: `y = x·W (+ b)` with `inputs` → `outputs`.
pub const STACKNET_LAYER_DENSE: u32 = 0;
/// `kind`: the logistic sigmoid (widths and bias ignored: it takes the width before it).
pub const STACKNET_LAYER_SIGMOID: u32 = 1;
/// `kind`: the hyperbolic tangent (widths and bias ignored).
pub const STACKNET_LAYER_TANH: u32 = 2;
/// `kind`: the rectifier max(0, x) (widths and bias ignored).
pub const STACKNET_LAYER_RELU: u32 = 3;

/// `loss` of a `stacknet_net_config_t`: mean squared error Σ(Y−H)²/(2B).
pub const STACKNET_LOSS_MSE: u32 = 0;
/// `loss`: softmax cross-entropy over each row; the last layer is a `DENSE` (its outputs
/// are the logits, which `stacknet_net_predict` returns).
pub const STACKNET_LOSS_SOFTMAX_CE: u32 = 1;

/// `scheme` of `stacknet_net_init_model`: U(−1/√fan_in, 1/√fan_in) for weights and biases.
pub const STACKNET_INIT_UNIFORM_FAN_IN: u32 = 0;
/// `scheme`: Xavier/Glorot uniform weights, zero biases.
pub const STACKNET_INIT_XAVIER_UNIFORM: u32 = 1;
/// `scheme`: He normal weights, zero biases (for ReLU networks).
pub const STACKNET_INIT_HE_NORMAL: u32 = 2;

/// The most layer descriptors (activations included) a run-time network holds.
pub const STACKNET_NET_MAX_LAYERS: usize = 16;

const _: () = assert!(STACKNET_NET_MAX_LAYERS <= MAX_LAYERS);

/// One layer of a run-time network. Only `DENSE` uses `inputs`, `outputs` and `bias`; an
/// activation takes the width of the layer before it (set its other fields to 0).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct stacknet_layer_t {
    /// One of `STACKNET_LAYER_*`.
    pub kind: u32,
    /// `DENSE`: input width, ≥ 1, equal to the output width of the layer before.
    pub inputs: u32,
    /// `DENSE`: output width, ≥ 1.
    pub outputs: u32,
    /// `DENSE`: 1 with a bias vector, 0 without.
    pub bias: u32,
}

/// A run-time network's configuration besides its layers.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct stacknet_net_config_t {
    /// One of `STACKNET_LOSS_*`.
    pub loss: u32,
    /// Rows per training step (`stacknet_net_train_step` takes exactly this many), ≥ 1.
    pub batch: u32,
    /// L1 coefficient of the penalty l1·Σ|W|/B (weights only): finite and ≥ 0. The ridge
    /// (L2) coefficient is `hyper.ridge`.
    pub l1: f32,
    /// Optimizer, learning rate, schedule, clipping, ridge: as for the fixed shapes (start
    /// from `stacknet_hyper_default`). `stacknet_net_set_hyper` changes them later.
    pub hyper: stacknet_hyper_t,
}

/// The caller buffers of a run-time network (from `stacknet_net_sizes` or
/// `stacknet_net_info`). Sizes are in bytes; every `float` buffer needs 4-byte alignment.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct stacknet_net_sizes_t {
    /// Bytes of the handle (`STACKNET_NET_SIZE`, the size of `stacknet_net_t`).
    pub handle_size: usize,
    /// Alignment of the handle (`STACKNET_STATE_ALIGN`).
    pub handle_align: usize,
    /// Bytes of the model (the parameters, in the order of stacknet's bricks); read only for
    /// prediction, so it may be `const` (in flash).
    pub model_size: usize,
    /// Alignment of the model.
    pub model_align: usize,
    /// Bytes of the optimizer state (step count, then SGD's velocity or Adam's two moments)
    /// for the configured optimizer kind.
    pub optimizer_size: usize,
    /// Alignment of the optimizer state.
    pub optimizer_align: usize,
    /// Bytes of a training step's scratch (a batch's activations and gradients).
    pub scratch_size: usize,
    /// Alignment of the scratch buffers.
    pub scratch_align: usize,
    /// Bytes of scratch per row for `stacknet_net_predict` and `stacknet_net_accuracy`.
    pub predict_scratch_per_row: usize,
    /// Bytes of scratch per row for `stacknet_net_loss`.
    pub loss_scratch_per_row: usize,
    /// Bytes `stacknet_net_save` writes.
    pub save_size: usize,
    /// Bytes `stacknet_net_save_with_optimizer` writes (for the configured optimizer kind).
    pub save_with_optimizer_size: usize,
    /// Values in an input row.
    pub inputs: u32,
    /// Values in an output row.
    pub outputs: u32,
    /// Rows per training step.
    pub batch: u32,
    /// Number of parameters (floats in the model).
    pub params: u32,
}

/// Bytes of a `stacknet_layer_t`.
pub const STACKNET_LAYER_SIZE: usize = 16;
/// Bytes of a `stacknet_net_config_t`.
pub const STACKNET_NET_CONFIG_SIZE: usize = 12 + STACKNET_HYPER_SIZE;

const _: () = {
    assert!(size_of::<stacknet_layer_t>() == STACKNET_LAYER_SIZE);
    assert!(size_of::<stacknet_net_config_t>() == STACKNET_NET_CONFIG_SIZE);
};

/// A layer descriptor as stacknet's `LayerSpec`; `STACKNET_ERR_BAD_ARGUMENT` for an unknown
/// kind or a bias flag other than 0 or 1 (the widths are `Net::new`'s to check).
fn layer_spec(l: &stacknet_layer_t) -> Check<LayerSpec> {
    Ok(match l.kind {
        STACKNET_LAYER_DENSE => LayerSpec::Dense {
            inputs: l.inputs as usize,
            outputs: l.outputs as usize,
            bias: match l.bias {
                0 => Bias::Without,
                1 => Bias::With,
                _ => return Err(STACKNET_ERR_BAD_ARGUMENT),
            },
        },
        STACKNET_LAYER_SIGMOID => LayerSpec::Sigmoid,
        STACKNET_LAYER_TANH => LayerSpec::Tanh,
        STACKNET_LAYER_RELU => LayerSpec::Relu,
        _ => return Err(STACKNET_ERR_BAD_ARGUMENT),
    })
}

/// A layer as it is kept in a handle: an activation's unused fields zeroed, so the handle's
/// bytes depend only on what the layer is.
pub(crate) fn canonical(l: &stacknet_layer_t) -> stacknet_layer_t {
    match l.kind {
        STACKNET_LAYER_DENSE => *l,
        kind => stacknet_layer_t { kind, ..Default::default() },
    }
}

/// Whether an optimizer code keeps Adam's two moments (Adam, AdamW) rather than SGD's velocity.
pub(crate) fn is_adam(hyper: &stacknet_hyper_t) -> bool {
    hyper.optimizer != crate::hyper::STACKNET_OPTIMIZER_SGD
}

/// The optimizer the hyperparameters describe, checked by stacknet's builders. SGD always
/// keeps a velocity (momentum 0 is plain SGD), so an SGD network has one optimizer layout and
/// one save format whatever its momentum, as the fixed shapes do.
pub(crate) fn optimizer(hyper: &stacknet_hyper_t) -> Check<OptimizerSpec> {
    let (choice, _) = hyper.validate()?;
    Ok(match choice {
        Choice::Sgd(base) => OptimizerSpec::SgdMomentum(base, hyper.momentum),
        Choice::Adam(cfg) => OptimizerSpec::Adam(cfg.settings()?),
    })
}

/// A description translated into stacknet's types, every code and value but the layers'
/// widths checked; [`Prepared::net`] checks the rest and builds the network. Two steps so
/// that the (large) `Net` is built once, directly in the frame of the function that uses it,
/// and is borrowed from there rather than moved through return values (which cost its size
/// in stack at each level on a microcontroller).
pub(crate) struct Prepared {
    specs: [LayerSpec; STACKNET_NET_MAX_LAYERS],
    len: usize,
    batch: usize,
    objective: Objective,
    opt: OptimizerSpec,
}

impl Prepared {
    /// `Net::new` on the prepared description. Inlined, so `Net::new` writes its result
    /// straight into the caller's frame.
    #[inline(always)]
    pub(crate) fn net(&self) -> Result<Net, SpecError> {
        Net::new(self.specs.get(..self.len).unwrap_or_default(), self.batch, self.objective, self.opt)
    }
}

/// The status of a refused description: `STACKNET_ERR_HYPERPARAMETER` for an optimizer
/// setting, `STACKNET_ERR_DIMENSIONS` for the layers' widths, count or sizes, and the batch.
pub(crate) fn spec_status(e: &SpecError) -> crate::status::stacknet_status_t {
    match e {
        SpecError::Optimizer(_) => STACKNET_ERR_HYPERPARAMETER,
        _ => STACKNET_ERR_DIMENSIONS,
    }
}

/// Translates a description: layer codes, loss code, ridge (`hyper.ridge`) and L1 through
/// `Penalty::new`, the optimizer through `stacknet_hyper_t::validate`. Statuses:
/// `STACKNET_ERR_DIMENSIONS` (no layers or too many), `STACKNET_ERR_BAD_ARGUMENT` (unknown
/// layer kind, bias flag or loss code), `STACKNET_ERR_HYPERPARAMETER` (any optimizer
/// setting, ridge or L1 out of range). Then [`Prepared::net`] refuses, with [`spec_status`],
/// a first layer that is not `DENSE`, a zero width, widths that do not chain, batch 0 and
/// sizes that overflow.
pub(crate) fn prepare(
    layers: &[stacknet_layer_t],
    loss: u32,
    batch: u32,
    l1: f32,
    hyper: &stacknet_hyper_t,
) -> Check<Prepared> {
    if layers.is_empty() || layers.len() > STACKNET_NET_MAX_LAYERS {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    let mut specs = [LayerSpec::Relu; STACKNET_NET_MAX_LAYERS];
    for (s, l) in specs.iter_mut().zip(layers) {
        *s = layer_spec(l)?;
    }
    let loss = match loss {
        STACKNET_LOSS_MSE => Loss::Mse,
        STACKNET_LOSS_SOFTMAX_CE => Loss::SoftmaxCrossEntropy,
        _ => return Err(STACKNET_ERR_BAD_ARGUMENT),
    };
    let opt = optimizer(hyper)?;
    let penalty = Penalty::new(hyper.ridge, l1).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
    Ok(Prepared { specs, len: layers.len(), batch: batch as usize, objective: Objective::new(loss, penalty), opt })
}

/// The optimizer state's floats for `net`'s optimizer kind: the step count's two slots, then
/// SGD's velocity or Adam's two moments (`Net::memory`'s figure).
pub(crate) fn sizes(net: &Net, adam: bool) -> Check<stacknet_net_sizes_t> {
    let mem = net.memory();
    let f = size_of::<f32>();
    let p = net.params();
    let vectors = if adam { 2 } else { 1 };
    // `Net::new` checked that model, optimizer (Adam-sized) and scratch bytes fit a usize;
    // the rest is checked here.
    let opt_section = p.checked_mul(vectors * f).and_then(|n| n.checked_add(4)).ok_or(STACKNET_ERR_DIMENSIONS)?;
    let row = net.predict_scratch_floats(1);
    let per_row = |extra: usize| row.checked_add(extra).and_then(|n| n.checked_mul(f)).ok_or(STACKNET_ERR_DIMENSIONS);
    let narrow = |v: usize| u32::try_from(v).map_err(|_| STACKNET_ERR_DIMENSIONS);
    Ok(stacknet_net_sizes_t {
        handle_size: crate::net_handle::STACKNET_NET_SIZE,
        handle_align: crate::model::STACKNET_STATE_ALIGN,
        model_size: mem.model.bytes,
        model_align: mem.model.align,
        optimizer_size: mem.optimizer.bytes,
        optimizer_align: mem.optimizer.align,
        scratch_size: mem.scratch.bytes,
        scratch_align: mem.scratch.align,
        predict_scratch_per_row: per_row(0)?,
        loss_scratch_per_row: per_row(net.outputs())?,
        save_size: net.saved_len(),
        save_with_optimizer_size: net.saved_len().checked_add(opt_section).ok_or(STACKNET_ERR_DIMENSIONS)?,
        inputs: narrow(net.inputs())?,
        outputs: narrow(net.outputs())?,
        batch: narrow(net.batch())?,
        params: narrow(p)?,
    })
}
