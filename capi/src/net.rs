//! Networks of any shape from C: `stacknet_net_*`, over `stacknet::runtime::Net`.
//!
//! A network is a handle (`stacknet_net_t`, see `net_handle.rs`) plus caller buffers whose
//! sizes `stacknet_net_sizes` reports: the model, the optimizer state, a training scratch
//! and, for predict / loss / accuracy, a scratch per row. No allocation.
//!
//! Checks run in this order, and a refused call writes nothing: null pointers → alignment →
//! the handle's magic and CRC-32 → dimensions and buffer sizes (which need the handle's
//! widths) → overlapping buffers → the CRC-32s of the model and optimizer (`train_step`
//! only) → argument values (codes, NaN/∞ data, hyperparameters, blobs).
//! `STACKNET_ERR_DIVERGED` alone leaves something changed: the training scratch.

use crate::check::{Span, aligned, count, disjoint, finite, non_null, opt_out_ptr, opt_span, out_ptr, span};
use crate::hyper::stacknet_hyper_t;
use crate::model::stacknet_step_report_t;
use crate::net_config::{
    STACKNET_INIT_HE_NORMAL, STACKNET_INIT_UNIFORM_FAN_IN, STACKNET_INIT_XAVIER_UNIFORM, STACKNET_NET_MAX_LAYERS,
    is_adam, prepare, sizes, spec_status, stacknet_layer_t, stacknet_net_config_t, stacknet_net_sizes_t,
};
use crate::net_handle::{
    Handle, TRACK_MODEL, TRACK_OPT, crc_of, handle_aligned, handle_span, net, open, stacknet_net_t, verify,
};
use crate::status::{Check, stacknet_status_t, stacknet_status_t::*, status};
use core::slice::{from_raw_parts, from_raw_parts_mut};
use stacknet::init::{Init, rng};
use stacknet::persist::{LoadError, SaveError};
use stacknet::runtime::{Net, RunError};
use stacknet::train::StepError;

const F: usize = size_of::<f32>();

/// Null, then alignment, of a handle and of `float` buffers (in that phase order); `others`
/// are further required pointers, checked for null only (their alignment is the caller's).
fn pointers(net: *const stacknet_net_t, floats: &[*const f32], others: &[*const u8]) -> Check {
    non_null(net)?;
    for p in floats {
        non_null(*p)?;
    }
    for p in others {
        non_null(*p)?;
    }
    handle_aligned(net)?;
    for p in floats {
        aligned(*p, F)?;
    }
    Ok(())
}

/// The bytes of `floats` values at `p`, if the caller's `size` holds them:
/// `STACKNET_ERR_BUFFER_TOO_SMALL` otherwise, `STACKNET_ERR_DIMENSIONS` on overflow.
fn need(p: *const f32, size: usize, floats: usize) -> Check<Span> {
    let s = span(p, floats)?;
    if size < s.len {
        return Err(STACKNET_ERR_BUFFER_TOO_SMALL);
    }
    Ok(s)
}

/// A data buffer of `rows` rows of `width` values at `p`.
fn rows_span(p: *const f32, rows: usize, width: usize) -> Check<Span> {
    span(p, count(rows, width)?)
}

/// The initialisation scheme for a `STACKNET_INIT_*` code.
fn init_scheme(code: u32) -> Check<Init> {
    match code {
        STACKNET_INIT_UNIFORM_FAN_IN => Ok(Init::UniformFanIn),
        STACKNET_INIT_XAVIER_UNIFORM => Ok(Init::XavierUniform),
        STACKNET_INIT_HE_NORMAL => Ok(Init::HeNormal),
        _ => Err(STACKNET_ERR_BAD_ARGUMENT),
    }
}

/// The status for a refusal of the run-time engine (every length was checked before, so a
/// `Buffer` error means a check here is missing).
fn run_status(e: RunError) -> stacknet_status_t {
    match e {
        RunError::Buffer { .. } => STACKNET_ERR_BUFFER_TOO_SMALL,
        RunError::Step(StepError::NonFiniteInput { .. } | StepError::NonFiniteTarget { .. }) => STACKNET_ERR_NON_FINITE,
        RunError::Step(_) => STACKNET_ERR_DIVERGED,
        RunError::Save(SaveError::BufferTooSmall { .. }) => STACKNET_ERR_BUFFER_TOO_SMALL,
        RunError::Save(SaveError::NonFinite { .. }) => STACKNET_ERR_NON_FINITE,
        RunError::Save(SaveError::TooLarge | SaveError::OptimizerMismatch) => STACKNET_ERR_DIMENSIONS,
        RunError::Load(LoadError::UnknownVersion(_)) => STACKNET_ERR_BLOB_VERSION,
        RunError::Load(LoadError::ShapeMismatch { .. } | LoadError::OptimizerMismatch) => STACKNET_ERR_BLOB_MODEL,
        RunError::Load(_) => STACKNET_ERR_BLOB_CORRUPT,
    }
}

/// Reads the layers and the configuration (both checked for null and alignment by the
/// caller; count and overlap with `written` here).
///
/// # Safety
/// `layers` is null or valid for reading `n_layers` descriptors, `config` null or readable.
unsafe fn describe(
    layers: *const stacknet_layer_t,
    n_layers: usize,
    config: *const stacknet_net_config_t,
    written: Span,
) -> Check<([stacknet_layer_t; STACKNET_NET_MAX_LAYERS], stacknet_net_config_t)> {
    if n_layers == 0 || n_layers > STACKNET_NET_MAX_LAYERS {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    disjoint(&[written], &[span(layers, n_layers)?, span(config, 1)?])?;
    let mut copy = [stacknet_layer_t::default(); STACKNET_NET_MAX_LAYERS];
    // SAFETY: non-null, aligned, at most STACKNET_NET_MAX_LAYERS (checked); readable per the
    // contract; every bit pattern is a valid descriptor and configuration (u32/f32 only).
    let cfg = unsafe {
        for (d, s) in copy.iter_mut().zip(from_raw_parts(layers, n_layers)) {
            *d = *s;
        }
        config.read()
    };
    Ok((copy, cfg))
}

/// Reports the buffers a network needs, from its description alone (nothing else is needed
/// to call it): sizes in bytes and alignments of the handle, the model, the optimizer state
/// (for `config->hyper.optimizer`'s kind), the training scratch, the scratch per row of
/// predict / accuracy and of loss, the two blob sizes, and the widths.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED` (layers, config, out),
/// `STACKNET_ERR_DIMENSIONS` (`n_layers` 0 or above `STACKNET_NET_MAX_LAYERS`; a first layer
/// that is not `DENSE`, a zero width, widths that do not chain, batch 0, sizes that
/// overflow), `STACKNET_ERR_OVERLAP` (out overlaps the inputs), `STACKNET_ERR_BAD_ARGUMENT`
/// (unknown layer kind, bias flag or loss code), `STACKNET_ERR_HYPERPARAMETER` (as
/// `stacknet_net_init`).
///
/// # Safety
/// `layers` is null or valid for reading `n_layers` descriptors, `config` null or readable,
/// `out` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_sizes(
    layers: *const stacknet_layer_t,
    n_layers: usize,
    config: *const stacknet_net_config_t,
    out: *mut stacknet_net_sizes_t,
) -> stacknet_status_t {
    status((|| {
        non_null(layers)?;
        non_null(config)?;
        non_null(out)?;
        aligned(layers, align_of::<stacknet_layer_t>())?;
        aligned(config, align_of::<stacknet_net_config_t>())?;
        let out = out_ptr(out)?;
        // SAFETY: forwarded from this function's contract.
        let (copy, cfg) = unsafe { describe(layers, n_layers, config, span(out, 1)?)? };
        let p = prepare(copy.get(..n_layers).unwrap_or_default(), cfg.loss, cfg.batch, cfg.l1, &cfg.hyper)?;
        let built = p.net();
        let s = sizes(built.as_ref().map_err(spec_status)?, is_adam(&cfg.hyper))?;
        // SAFETY: non-null, aligned, not overlapping the inputs (checked); writable per the contract.
        unsafe { out.write(s) };
        Ok(())
    })())
}

/// Initialises a handle (`net_size` ≥ `STACKNET_NET_SIZE` bytes, aligned to
/// `STACKNET_STATE_ALIGN`) from `n_layers` layer descriptors and a configuration, every
/// value checked by stacknet's builders. The handle tracks no model or optimizer yet: call
/// `stacknet_net_init_model` (or a load) and `stacknet_net_reset_optimizer` before training.
///
/// Statuses: as `stacknet_net_sizes`, with `STACKNET_ERR_MISALIGNED` for the handle,
/// `STACKNET_ERR_BUFFER_TOO_SMALL` (`net_size`), `STACKNET_ERR_OVERLAP` (handle over the
/// inputs) and `STACKNET_ERR_HYPERPARAMETER` (learning rate, schedule, clipping, momentum,
/// optimizer, β₁, β₂, ε, weight decay, ridge, `l1`).
///
/// # Safety
/// `net` is null or valid for writing `net_size` bytes, and no other thread uses it;
/// `layers` and `config` as for `stacknet_net_sizes`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_init(
    net: *mut stacknet_net_t,
    net_size: usize,
    layers: *const stacknet_layer_t,
    n_layers: usize,
    config: *const stacknet_net_config_t,
) -> stacknet_status_t {
    status((|| {
        non_null(net)?;
        non_null(layers)?;
        non_null(config)?;
        handle_aligned(net)?;
        aligned(layers, align_of::<stacknet_layer_t>())?;
        aligned(config, align_of::<stacknet_net_config_t>())?;
        if net_size < size_of::<stacknet_net_t>() {
            return Err(STACKNET_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: forwarded from this function's contract.
        let (copy, cfg) = unsafe { describe(layers, n_layers, config, handle_span(net))? };
        let used = copy.get(..n_layers).unwrap_or_default();
        prepare(used, cfg.loss, cfg.batch, cfg.l1, &cfg.hyper)?.net().map_err(|e| spec_status(&e))?;
        let h = Handle::new(used, cfg.loss, cfg.batch, cfg.l1, cfg.hyper);
        // SAFETY: non-null, aligned and at least as large as a `Handle` (checked), writable
        // and exclusive per the contract; a `Handle` has no padding, so every byte written
        // is one of its fields.
        unsafe { net.cast::<Handle>().write(h) };
        Ok(())
    })())
}

/// Checks, writing nothing, that `net` is an initialised handle whose bytes nothing outside
/// this library changed (magic, CRC-32), and, for each of `model` and `optimizer` that is
/// not NULL, that the buffer holds exactly the values this handle last wrote there (its
/// CRC-32). For firmware that keeps a network in retained RAM across a reset.
///
/// Statuses: `STACKNET_ERR_NULL` (net), `STACKNET_ERR_MISALIGNED`,
/// `STACKNET_ERR_NOT_INITIALIZED` (no magic; or a buffer given that this handle never
/// wrote), `STACKNET_ERR_STATE_CORRUPT` (the handle's CRC, or a buffer's),
/// `STACKNET_ERR_BUFFER_TOO_SMALL` (a size below the network's).
///
/// # Safety
/// `net` is null or readable for `STACKNET_NET_SIZE` bytes; `model` and `optimizer` are
/// null or readable for `model_size` / `optimizer_size` bytes; none is written meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_validate(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    optimizer: *const f32,
    optimizer_size: usize,
) -> stacknet_status_t {
    status((|| {
        non_null(net)?;
        handle_aligned(net)?;
        for p in [model, optimizer] {
            if !p.is_null() {
                aligned(p, F)?;
            }
        }
        // SAFETY: non-null and aligned (checked); readable per the contract.
        let h = unsafe { verify(net)? };
        net!(let n = h, built);
        let bufs = [(model, model_size, n.params(), TRACK_MODEL, h.model_crc)];
        let opt = [(optimizer, optimizer_size, n.memory().optimizer.floats, TRACK_OPT, h.opt_crc)];
        for (p, size, floats, bit, crc) in bufs.into_iter().chain(opt) {
            if p.is_null() {
                continue;
            }
            need(p, size, floats)?;
            if h.tracked & bit == 0 {
                return Err(STACKNET_ERR_NOT_INITIALIZED);
            }
            // SAFETY: non-null, aligned, `floats` values in range (checked); readable per the contract.
            if crc_of(unsafe { from_raw_parts(p, floats) }) != crc {
                return Err(STACKNET_ERR_STATE_CORRUPT);
            }
        }
        Ok(())
    })())
}

/// Writes what `net` needs (as `stacknet_net_sizes`, for its current optimizer kind) to `*out`.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT`, `STACKNET_ERR_OVERLAP` (out inside the handle).
///
/// # Safety
/// `net` is null or readable for `STACKNET_NET_SIZE` bytes; `out` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_info(
    net: *const stacknet_net_t,
    out: *mut stacknet_net_sizes_t,
) -> stacknet_status_t {
    status((|| {
        non_null(net)?;
        non_null(out)?;
        handle_aligned(net)?;
        let out = out_ptr(out)?;
        // SAFETY: non-null and aligned (checked); readable per the contract.
        let h = unsafe { verify(net)? };
        net!(let n = h, built);
        disjoint(&[span(out, 1)?], &[handle_span(net)])?;
        let s = sizes(n, is_adam(&h.hyper))?;
        // SAFETY: non-null, aligned, outside the handle (checked); writable per the contract.
        unsafe { out.write(s) };
        Ok(())
    })())
}

/// Fills `model` with parameters drawn from `seed` with `scheme` (`STACKNET_INIT_*`): the
/// same values, in the same order, as Rust's `Net::init` (and `Layer::random` of the same
/// bricks) with `stacknet::init::rng(seed)`. The handle then tracks the model's CRC-32.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT`, `STACKNET_ERR_BUFFER_TOO_SMALL` (`model_size` below the
/// model's), `STACKNET_ERR_OVERLAP` (model and handle), `STACKNET_ERR_BAD_ARGUMENT` (scheme).
///
/// # Safety
/// `net` is null or an exclusive pointer to a handle; `model` is null or valid for writing
/// `model_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_init_model(
    net: *mut stacknet_net_t,
    model: *mut f32,
    model_size: usize,
    seed: u64,
    scheme: u32,
) -> stacknet_status_t {
    status((|| {
        pointers(net.cast_const(), &[model.cast_const()], &[])?;
        // SAFETY: non-null and aligned (checked); exclusive per the contract.
        let h = unsafe { open(net)? };
        net!(let n = h, built);
        let sm = need(model, model_size, n.params())?;
        disjoint(&[handle_span(net), sm], &[])?;
        let init = init_scheme(scheme)?;
        // SAFETY: non-null, aligned, in range, outside the handle (checked); writable per the contract.
        let model = unsafe { from_raw_parts_mut(model, n.params()) };
        n.init(model, &mut rng(seed), init).map_err(run_status)?;
        h.model_crc = crc_of(model);
        h.tracked |= TRACK_MODEL;
        h.seal();
        Ok(())
    })())
}

/// Zeroes the optimizer state (step 0, zero velocity or moments) and tracks its CRC-32.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT`, `STACKNET_ERR_BUFFER_TOO_SMALL`, `STACKNET_ERR_OVERLAP`.
///
/// # Safety
/// `net` is null or an exclusive pointer to a handle; `optimizer` is null or valid for
/// writing `optimizer_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_reset_optimizer(
    net: *mut stacknet_net_t,
    optimizer: *mut f32,
    optimizer_size: usize,
) -> stacknet_status_t {
    status((|| {
        pointers(net.cast_const(), &[optimizer.cast_const()], &[])?;
        // SAFETY: non-null and aligned (checked); exclusive per the contract.
        let h = unsafe { open(net)? };
        net!(let n = h, built);
        let floats = n.memory().optimizer.floats;
        let so = need(optimizer, optimizer_size, floats)?;
        disjoint(&[handle_span(net), so], &[])?;
        // SAFETY: non-null, aligned, in range, outside the handle (checked); writable per the contract.
        let opt = unsafe { from_raw_parts_mut(optimizer, floats) };
        n.reset_optimizer(opt).map_err(run_status)?;
        h.opt_crc = crc_of(opt);
        h.tracked |= TRACK_OPT;
        h.seal();
        Ok(())
    })())
}

/// One step of the network's optimizer on exactly `batch` rows (`x`: `rows × inputs`,
/// `y`: `rows × outputs`, row-major), the same step as Rust's `Net::train_step`. Before it,
/// the model and optimizer must hold exactly what this handle last wrote there (their
/// CRC-32s); after it, the handle tracks their new CRC-32s. `report` may be NULL.
/// Transactional: after a refusal the model, optimizer and handle are bit-identical.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`
/// (handle; or a model / optimizer this handle never initialised or loaded),
/// `STACKNET_ERR_STATE_CORRUPT` (handle; or the model's or optimizer's CRC-32 differs),
/// `STACKNET_ERR_DIMENSIONS` (`rows` ≠ batch), `STACKNET_ERR_BUFFER_TOO_SMALL`,
/// `STACKNET_ERR_OVERLAP`, `STACKNET_ERR_NON_FINITE` (x or y), `STACKNET_ERR_DIVERGED` (the
/// step would make the loss, a gradient or a weight non-finite; only the scratch changed).
///
/// # Safety
/// `net` is null or an exclusive pointer to a handle; `model`, `optimizer`, `scratch` are
/// null or valid for writing their sizes in bytes; `x`, `y` null or valid for reading
/// `rows` rows; `report` null or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_net_train_step(
    net: *mut stacknet_net_t,
    model: *mut f32,
    model_size: usize,
    optimizer: *mut f32,
    optimizer_size: usize,
    scratch: *mut f32,
    scratch_size: usize,
    x: *const f32,
    y: *const f32,
    rows: usize,
    report: *mut stacknet_step_report_t,
) -> stacknet_status_t {
    status((|| {
        pointers(net.cast_const(), &[model.cast_const(), optimizer.cast_const(), scratch.cast_const(), x, y], &[])?;
        let report = opt_out_ptr(report)?;
        // SAFETY: non-null and aligned (checked); exclusive per the contract.
        let h = unsafe { open(net)? };
        net!(let n = h, built);
        if rows != n.batch() {
            return Err(STACKNET_ERR_DIMENSIONS);
        }
        let mem = n.memory();
        let (nm, no, ns) = (n.params(), mem.optimizer.floats, mem.scratch.floats);
        let (nx, ny) = (count(rows, n.inputs())?, count(rows, n.outputs())?);
        let (sm, so, ss) =
            (need(model, model_size, nm)?, need(optimizer, optimizer_size, no)?, need(scratch, scratch_size, ns)?);
        let (sx, sy) = (span(x, nx)?, span(y, ny)?);
        disjoint(&[handle_span(net), sm, so, ss, opt_span(report)], &[sx, sy])?;
        if h.tracked & TRACK_MODEL == 0 || h.tracked & TRACK_OPT == 0 {
            return Err(STACKNET_ERR_NOT_INITIALIZED);
        }
        // SAFETY: each non-null, aligned, in range and disjoint from the others (checked);
        // valid and exclusive per the contract.
        let (model, opt, scratch, x, y) = unsafe {
            (
                from_raw_parts_mut(model, nm),
                from_raw_parts_mut(optimizer, no),
                from_raw_parts_mut(scratch, ns),
                from_raw_parts(x, nx),
                from_raw_parts(y, ny),
            )
        };
        if crc_of(model) != h.model_crc || crc_of(opt) != h.opt_crc {
            return Err(STACKNET_ERR_STATE_CORRUPT);
        }
        finite(x)?;
        finite(y)?;
        let r = n.train_step(model, opt, scratch, x, y).map_err(run_status)?;
        h.model_crc = crc_of(model);
        h.opt_crc = crc_of(opt);
        h.seal();
        if let Some(out) = report {
            // SAFETY: aligned, outside every other buffer (checked); writable per the contract.
            unsafe { out.write(r.into()) };
        }
        Ok(())
    })())
}

/// The pieces predict, loss and accuracy share: checked, read-only model and inputs.
struct Eval<'a> {
    model: &'a [f32],
    x: &'a [f32],
    y: &'a [f32],
    scratch: &'a mut [f32],
}

/// The checks of predict, loss and accuracy, in phase order; `y` is NULL for predict;
/// `extra` is the scratch per row beyond the activations (the loss's gradient); `out` is
/// the output's span (rows × outputs floats for predict, one float otherwise). Then runs
/// `run` with the network (built once, in this frame) and the checked buffers.
///
/// # Safety
/// As the three functions' contracts.
#[allow(clippy::too_many_arguments)]
unsafe fn eval(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    x: *const f32,
    y: Option<*const f32>,
    rows: usize,
    out: (*const f32, bool),
    scratch: *mut f32,
    scratch_size: usize,
    loss_scratch: bool,
    run: impl FnOnce(&Net, Eval<'_>) -> Check,
) -> Check {
    let (out_p, per_row) = out;
    pointers(net, &[model, x, y.unwrap_or(x), out_p, scratch.cast_const()], &[])?;
    // SAFETY: non-null and aligned (checked); readable per the contract.
    let h = unsafe { verify(net)? };
    net!(let n = h, built);
    if rows == 0 {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    let (nx, ny) = (count(rows, n.inputs())?, count(rows, n.outputs())?);
    let row = n.predict_scratch_floats(1) + if loss_scratch { n.outputs() } else { 0 };
    let ns = count(rows, row)?;
    let sm = need(model, model_size, n.params())?;
    let ss = need(scratch, scratch_size, ns)?;
    let (sx, sy) = (rows_span(x, rows, n.inputs())?, span(y.unwrap_or(x), if y.is_some() { ny } else { 0 })?);
    let so = span(out_p, if per_row { ny } else { 1 })?;
    disjoint(&[so, ss], &[handle_span(net), sm, sx, sy])?;
    // SAFETY: each non-null, aligned, in range; the written ones disjoint from the rest
    // (checked); valid per the contract.
    let e = unsafe {
        Eval {
            model: from_raw_parts(model, n.params()),
            x: from_raw_parts(x, nx),
            y: from_raw_parts(y.unwrap_or(x), if y.is_some() { ny } else { 0 }),
            scratch: from_raw_parts_mut(scratch, ns),
        }
    };
    finite(e.x)?;
    finite(e.y)?;
    run(n, e)
}

/// The network's outputs for `rows` ≥ 1 rows of `x` into `out` (`rows × outputs`): for
/// `STACKNET_LOSS_SOFTMAX_CE` the logits. The model is read only (it may be `const`, in
/// flash, shared by several threads each with its own scratch of `rows ×
/// predict_scratch_per_row` bytes). Its CRC-32 is not checked (call `stacknet_net_validate`).
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT` (handle), `STACKNET_ERR_DIMENSIONS` (`rows` 0 or
/// overflowing), `STACKNET_ERR_BUFFER_TOO_SMALL` (model, scratch), `STACKNET_ERR_OVERLAP`
/// (out or scratch overlap each other or an input), `STACKNET_ERR_NON_FINITE` (x).
///
/// # Safety
/// `net` null or readable; `model` null or readable for `model_size` bytes; `x` for `rows`
/// rows; `out` null or writable for `rows` output rows; `scratch` for `scratch_size` bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_net_predict(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    x: *const f32,
    rows: usize,
    out: *mut f32,
    scratch: *mut f32,
    scratch_size: usize,
) -> stacknet_status_t {
    status({
        let run = |n: &Net, e: Eval<'_>| {
            let no = count(rows, n.outputs())?;
            // SAFETY: non-null, aligned, in range, disjoint from the inputs and scratch (checked
            // in `eval`); writable per the contract.
            let out = unsafe { from_raw_parts_mut(out, no) };
            n.predict(e.model, e.x, out, e.scratch).map_err(run_status)
        };
        // SAFETY: forwarded from this function's contract.
        unsafe {
            eval(net, model, model_size, x, None, rows, (out.cast_const(), true), scratch, scratch_size, false, run)
        }
    })
}

/// The objective (data loss plus penalty) on `rows` ≥ 1 rows, as a training step on them
/// would report it, into `*out`. Scratch: `rows × loss_scratch_per_row` bytes.
///
/// Statuses: as `stacknet_net_predict`, `STACKNET_ERR_NON_FINITE` for x or y.
///
/// # Safety
/// As `stacknet_net_predict`, with `y` readable for `rows` output rows and `out` one float.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_net_loss(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    x: *const f32,
    y: *const f32,
    rows: usize,
    scratch: *mut f32,
    scratch_size: usize,
    out: *mut f32,
) -> stacknet_status_t {
    status({
        let run = |n: &Net, e: Eval<'_>| {
            let v = n.loss(e.model, e.x, e.y, e.scratch).map_err(run_status)?;
            // SAFETY: non-null, aligned, outside the inputs and scratch (checked); writable.
            unsafe { out.write(v) };
            Ok(())
        };
        // SAFETY: forwarded from this function's contract.
        unsafe {
            eval(net, model, model_size, x, Some(y), rows, (out.cast_const(), false), scratch, scratch_size, true, run)
        }
    })
}

/// The share of `rows` ≥ 1 rows whose largest output is where the target's largest value
/// is, into `*out`. Scratch: `rows × predict_scratch_per_row` bytes.
///
/// Statuses: as `stacknet_net_loss`.
///
/// # Safety
/// As `stacknet_net_loss`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_net_accuracy(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    x: *const f32,
    y: *const f32,
    rows: usize,
    scratch: *mut f32,
    scratch_size: usize,
    out: *mut f32,
) -> stacknet_status_t {
    status({
        let run = |n: &Net, e: Eval<'_>| {
            let v = n.accuracy(e.model, e.x, e.y, e.scratch).map_err(run_status)?;
            // SAFETY: non-null, aligned, outside the inputs and scratch (checked); writable.
            unsafe { out.write(v) };
            Ok(())
        };
        // SAFETY: forwarded from this function's contract.
        unsafe {
            eval(net, model, model_size, x, Some(y), rows, (out.cast_const(), false), scratch, scratch_size, false, run)
        }
    })
}

/// Checks shared by the two saves, then `save` with the network and the output buffer;
/// writes the length it returns to `*written`.
///
/// # Safety
/// As the saves' contracts.
unsafe fn save_checks(
    net: *const stacknet_net_t,
    bufs: &[(*const f32, usize, bool)],
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
    save: impl FnOnce(&Net, &mut [u8]) -> Check<usize>,
) -> Check {
    non_null(net)?;
    for (p, _, _) in bufs {
        non_null(*p)?;
    }
    non_null(buf)?;
    non_null(written)?;
    handle_aligned(net)?;
    for (p, _, _) in bufs {
        aligned(*p, F)?;
    }
    let written = out_ptr(written)?;
    // SAFETY: non-null and aligned (checked); readable per the contract.
    let h = unsafe { verify(net)? };
    net!(let n = h, built);
    let mut read = [handle_span(net), Span { addr: 0, len: 0 }, Span { addr: 0, len: 0 }];
    for ((p, size, is_model), r) in bufs.iter().zip(read.iter_mut().skip(1)) {
        *r = need(*p, *size, if *is_model { n.params() } else { n.memory().optimizer.floats })?;
    }
    disjoint(&[span(buf, cap)?, span(written, 1)?], &read)?;
    // SAFETY: non-null, in range, disjoint from every input (checked); writable per the contract.
    let len = save(n, unsafe { from_raw_parts_mut(buf, cap) })?;
    // SAFETY: non-null, aligned, outside the other buffers (checked); writable per the contract.
    unsafe { written.write(len) };
    Ok(())
}

/// Saves the model as a stacknet blob (the bytes Rust's `persist::save` writes for the same
/// bricks), `save_size` bytes, and writes their count to `*written`.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT` (handle), `STACKNET_ERR_BUFFER_TOO_SMALL` (model, `cap`),
/// `STACKNET_ERR_OVERLAP`, `STACKNET_ERR_NON_FINITE` (a parameter is NaN/∞).
///
/// # Safety
/// `net` null or readable; `model` null or readable for `model_size` bytes; `buf` null or
/// writable for `cap` bytes; `written` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_save(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> stacknet_status_t {
    status({
        let run = |n: &Net, out: &mut [u8]| {
            // SAFETY: checked in `save_checks`: non-null, aligned, `params` floats in range.
            let model = unsafe { from_raw_parts(model, n.params()) };
            n.save(model, out).map_err(run_status)
        };
        // SAFETY: forwarded from this function's contract.
        unsafe { save_checks(net, &[(model, model_size, true)], buf, cap, written, run) }
    })
}

/// Saves the model and the optimizer state (step count; SGD's velocity or Adam's two
/// moments) as one stacknet blob, `save_with_optimizer_size` bytes: the bytes Rust's
/// `persist::save_with_optimizer` writes for the same bricks with `Sgd` + momentum or
/// `Adam`. Hyperparameters are not saved.
///
/// Statuses: as `stacknet_net_save`, for the optimizer buffer too.
///
/// # Safety
/// As `stacknet_net_save`, `optimizer` null or readable for `optimizer_size` bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_net_save_with_optimizer(
    net: *const stacknet_net_t,
    model: *const f32,
    model_size: usize,
    optimizer: *const f32,
    optimizer_size: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> stacknet_status_t {
    status({
        let bufs = [(model, model_size, true), (optimizer, optimizer_size, false)];
        let run = |n: &Net, out: &mut [u8]| {
            // SAFETY: checked in `save_checks`: non-null, aligned, in range.
            let (model, opt) =
                unsafe { (from_raw_parts(model, n.params()), from_raw_parts(optimizer, n.memory().optimizer.floats)) };
            n.save_with_optimizer(model, opt, out).map_err(run_status)
        };
        // SAFETY: forwarded from this function's contract.
        unsafe { save_checks(net, &bufs, buf, cap, written, run) }
    })
}

/// Loads a model blob (from `stacknet_net_save`, Rust's `persist::save` of the same bricks,
/// or `Net::save`) into `model`, and tracks its CRC-32. The number of bytes read goes to
/// `*used` (optional). A refused load changes nothing.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT` (handle), `STACKNET_ERR_BUFFER_TOO_SMALL` (model),
/// `STACKNET_ERR_OVERLAP`, `STACKNET_ERR_BLOB_CORRUPT`, `STACKNET_ERR_BLOB_VERSION`,
/// `STACKNET_ERR_BLOB_MODEL` (another shape).
///
/// # Safety
/// `net` is null or an exclusive pointer to a handle; `model` null or writable for
/// `model_size` bytes; `buf` null or readable for `len` bytes; `used` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_load(
    net: *mut stacknet_net_t,
    model: *mut f32,
    model_size: usize,
    buf: *const u8,
    len: usize,
    used: *mut usize,
) -> stacknet_status_t {
    status((|| {
        pointers(net.cast_const(), &[model.cast_const()], &[buf])?;
        let used = opt_out_ptr(used)?;
        // SAFETY: non-null and aligned (checked); exclusive per the contract.
        let h = unsafe { open(net)? };
        net!(let n = h, built);
        let sm = need(model, model_size, n.params())?;
        disjoint(&[handle_span(net), sm, opt_span(used)], &[span(buf, len)?])?;
        // SAFETY: non-null, aligned, in range, disjoint (checked); valid per the contract.
        let (model, bytes) = unsafe { (from_raw_parts_mut(model, n.params()), from_raw_parts(buf, len)) };
        let read = n.load(model, bytes).map_err(run_status)?;
        h.model_crc = crc_of(model);
        h.tracked |= TRACK_MODEL;
        h.seal();
        if let Some(u) = used {
            // SAFETY: aligned, outside the other buffers (checked); writable per the contract.
            unsafe { u.write(read) };
        }
        Ok(())
    })())
}

/// Loads a blob with optimizer state (from `stacknet_net_save_with_optimizer` or Rust's
/// `persist::save_with_optimizer` / `Net::save_with_optimizer`) into `model` and
/// `optimizer`, and tracks both CRC-32s. The blob's optimizer must be the handle's kind
/// (SGD, or Adam/AdamW): set it with `stacknet_net_set_hyper` first. A refused load changes
/// nothing.
///
/// Statuses: as `stacknet_net_load`; `STACKNET_ERR_BLOB_MODEL` also for another optimizer kind.
///
/// # Safety
/// As `stacknet_net_load`, `optimizer` null or writable for `optimizer_size` bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_net_load_with_optimizer(
    net: *mut stacknet_net_t,
    model: *mut f32,
    model_size: usize,
    optimizer: *mut f32,
    optimizer_size: usize,
    buf: *const u8,
    len: usize,
    used: *mut usize,
) -> stacknet_status_t {
    status((|| {
        pointers(net.cast_const(), &[model.cast_const(), optimizer.cast_const()], &[buf])?;
        let used = opt_out_ptr(used)?;
        // SAFETY: non-null and aligned (checked); exclusive per the contract.
        let h = unsafe { open(net)? };
        net!(let n = h, built);
        let no = n.memory().optimizer.floats;
        let (sm, so) = (need(model, model_size, n.params())?, need(optimizer, optimizer_size, no)?);
        disjoint(&[handle_span(net), sm, so, opt_span(used)], &[span(buf, len)?])?;
        // SAFETY: non-null, aligned, in range, disjoint (checked); valid per the contract.
        let (model, opt, bytes) = unsafe {
            (from_raw_parts_mut(model, n.params()), from_raw_parts_mut(optimizer, no), from_raw_parts(buf, len))
        };
        let read = n.load_with_optimizer(model, opt, bytes).map_err(run_status)?;
        h.model_crc = crc_of(model);
        h.opt_crc = crc_of(opt);
        h.tracked |= TRACK_MODEL | TRACK_OPT;
        h.seal();
        if let Some(u) = used {
            // SAFETY: aligned, outside the other buffers (checked); writable per the contract.
            unsafe { u.write(read) };
        }
        Ok(())
    })())
}

/// Validates `hyper` (as `stacknet_net_init` does) and makes it the network's
/// hyperparameters. When the optimizer kind stays (SGD → SGD; Adam or AdamW → Adam or
/// AdamW), the optimizer state (step count, velocity or moments) is kept and `optimizer` is
/// not written, so `init` → `load_with_optimizer` → `set_hyper` continues the loaded run.
/// When it changes, `optimizer` (which must then hold the new kind's size) is reset to step 0
/// with a zero velocity or zero moments, and tracked; the model stays.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT` (handle), `STACKNET_ERR_OVERLAP`,
/// `STACKNET_ERR_HYPERPARAMETER`, then `STACKNET_ERR_BUFFER_TOO_SMALL` (a change of kind
/// with an optimizer buffer below the new kind's size).
///
/// # Safety
/// `net` is null or an exclusive pointer to a handle; `hyper` null or readable;
/// `optimizer` null or writable for `optimizer_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_set_hyper(
    net: *mut stacknet_net_t,
    hyper: *const stacknet_hyper_t,
    optimizer: *mut f32,
    optimizer_size: usize,
) -> stacknet_status_t {
    status((|| {
        pointers(net.cast_const(), &[optimizer.cast_const()], &[hyper.cast()])?;
        aligned(hyper, align_of::<stacknet_hyper_t>())?;
        // SAFETY: non-null and aligned (checked); exclusive per the contract.
        let h = unsafe { open(net)? };
        let so = span(optimizer, optimizer_size / F)?;
        disjoint(&[handle_span(net), so], &[span(hyper, 1)?])?;
        // SAFETY: non-null, aligned, outside the handle (checked); every bit pattern is a
        // valid `stacknet_hyper_t` (only u32 and f32 fields).
        let new = unsafe { hyper.read() };
        let p = h.prepared_with(&new)?;
        let built = p.net();
        let n = built.as_ref().map_err(spec_status)?;
        if is_adam(&new) != is_adam(&h.hyper) {
            let floats = n.memory().optimizer.floats;
            need(optimizer, optimizer_size, floats)?;
            // SAFETY: non-null, aligned, in range, outside the handle and `hyper` (checked);
            // writable per the contract.
            let opt = unsafe { from_raw_parts_mut(optimizer, floats) };
            n.reset_optimizer(opt).map_err(run_status)?;
            h.opt_crc = crc_of(opt);
            h.tracked |= TRACK_OPT;
        }
        h.hyper = new;
        h.seal();
        Ok(())
    })())
}

/// Writes the network's hyperparameters to `*out`.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT`, `STACKNET_ERR_OVERLAP`.
///
/// # Safety
/// `net` null or readable; `out` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_get_hyper(
    net: *const stacknet_net_t,
    out: *mut stacknet_hyper_t,
) -> stacknet_status_t {
    status((|| {
        non_null(net)?;
        non_null(out)?;
        handle_aligned(net)?;
        let out = out_ptr(out)?;
        // SAFETY: non-null and aligned (checked); readable per the contract.
        let h = unsafe { verify(net)? };
        disjoint(&[span(out, 1)?], &[handle_span(net)])?;
        // SAFETY: non-null, aligned, outside the handle (checked); writable per the contract.
        unsafe { out.write(h.hyper) };
        Ok(())
    })())
}

/// Writes the optimizer state's step count (successful steps) to `*steps`.
///
/// Statuses: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED`, `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT` (handle), `STACKNET_ERR_BUFFER_TOO_SMALL`, `STACKNET_ERR_OVERLAP`.
///
/// # Safety
/// `net` null or readable; `optimizer` null or readable for `optimizer_size` bytes; `steps`
/// null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_net_steps(
    net: *const stacknet_net_t,
    optimizer: *const f32,
    optimizer_size: usize,
    steps: *mut u32,
) -> stacknet_status_t {
    status((|| {
        pointers(net, &[optimizer], &[steps.cast_const().cast()])?;
        let steps = out_ptr(steps)?;
        // SAFETY: non-null and aligned (checked); readable per the contract.
        let h = unsafe { verify(net)? };
        net!(let n = h, built);
        let floats = n.memory().optimizer.floats;
        let so = need(optimizer, optimizer_size, floats)?;
        disjoint(&[span(steps, 1)?], &[handle_span(net), so])?;
        // SAFETY: non-null, aligned, in range (checked); readable per the contract.
        let v = n.steps(unsafe { from_raw_parts(optimizer, floats) }).map_err(run_status)?;
        // SAFETY: non-null, aligned, outside the inputs (checked); writable per the contract.
        unsafe { steps.write(v) };
        Ok(())
    })())
}
