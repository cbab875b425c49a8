//! int8 models from C: check a blob that `stacknet::quant` wrote, then predict with it.
//!
//! No state: every call takes the blob itself (`const`, so it can stay in flash) and a
//! caller scratch buffer, so any number of threads can predict with one model. A blob
//! holds its own shape (any widths, up to 16 layers), so one set of functions serves every
//! network.
//!
//! `stacknet_q8_check` runs every check of the blob, its CRC-32 included; the predictions
//! run them all but the CRC (which reads every byte) on each call, so a blob damaged after
//! it was checked can give wrong outputs but is never read outside its `blob_len` bytes.

use crate::check::{aligned, disjoint, non_null, opt_out_ptr, span};
use crate::status::{Check, stacknet_status_t, stacknet_status_t::*, status};
use stacknet::quant::{LoadError, QuantModel};

/// What `stacknet_q8_check` reports of a valid int8 blob.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct stacknet_q8_info_t {
    /// Values in an input row.
    pub inputs: u32,
    /// Values in an output row.
    pub outputs: u32,
    /// Layers (each a dense product with its activation).
    pub layers: u32,
    /// Bytes of `int8_t` scratch a prediction needs (`scratch_len` of the predictions).
    pub scratch_len: u32,
    /// Bytes of the blob (its recorded length; bytes after it are ignored).
    pub blob_len: u32,
    /// Input quantization: `real = input_scale · (q − input_zero_point)`.
    pub input_scale: f32,
    /// See `input_scale`.
    pub input_zero_point: i32,
    /// Output quantization: `real = output_scale · (q − output_zero_point)`.
    pub output_scale: f32,
    /// See `output_scale`.
    pub output_zero_point: i32,
}

fn blob_status(e: LoadError) -> stacknet_status_t {
    match e {
        LoadError::UnsupportedVersion(_) => STACKNET_ERR_BLOB_VERSION,
        _ => STACKNET_ERR_BLOB_CORRUPT,
    }
}

/// Checks an int8 blob whole: magic, version, recorded length, CRC-32, then the structure
/// (layers that chain, widths, activations, reserved bytes), scales, zero points and
/// requantization multipliers. On success writes what it found to `*info` (optional: may
/// be null). Call it once on a blob you did not write yourself, or at boot for one in flash.
///
/// Statuses: `STACKNET_ERR_NULL` (blob), `STACKNET_ERR_MISALIGNED` (info),
/// `STACKNET_ERR_DIMENSIONS` (`blob_len` overflows), `STACKNET_ERR_OVERLAP` (info inside
/// the blob), `STACKNET_ERR_BLOB_VERSION`, `STACKNET_ERR_BLOB_CORRUPT`.
///
/// # Safety
/// `blob` is null or valid for reading `blob_len` bytes; `info` is null or valid for
/// writing one `stacknet_q8_info_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_q8_check(
    blob: *const u8,
    blob_len: usize,
    info: *mut stacknet_q8_info_t,
) -> stacknet_status_t {
    status((|| {
        non_null(blob)?;
        let info = opt_out_ptr(info)?;
        let b = span(blob, blob_len)?;
        if let Some(p) = info {
            disjoint(&[span(p, 1)?], &[b])?;
        }
        // SAFETY: non-null and within the address space (checked); readable per the contract.
        let bytes = unsafe { core::slice::from_raw_parts(blob, blob_len) };
        let model = QuantModel::from_bytes(bytes).map_err(blob_status)?;
        if let Some(p) = info {
            let (i, o) = (model.input_params(), model.output_params());
            let v = stacknet_q8_info_t {
                // Widths ≤ 4096, layers ≤ 16 and lengths of a blob that fits its `u32`
                // length field: every value fits a u32.
                inputs: model.inputs() as u32,
                outputs: model.outputs() as u32,
                layers: model.layers() as u32,
                scratch_len: model.scratch_len() as u32,
                blob_len: model.as_bytes().len() as u32,
                input_scale: i.scale,
                input_zero_point: i.zero_point,
                output_scale: o.scale,
                output_zero_point: o.zero_point,
            };
            // SAFETY: non-null, aligned (checked), writable per the contract, not in the blob.
            unsafe { p.write(v) };
        }
        Ok(())
    })())
}

/// The checked pieces of a prediction call.
struct Call<'a, X, Y> {
    model: QuantModel<'a>,
    x: &'a [X],
    y: &'a mut [Y],
    scratch: &'a mut [i8],
}

/// The checks both predictions share, in the documented order; then the slices.
///
/// # Safety
/// As the predictions' contracts.
#[allow(clippy::too_many_arguments)]
unsafe fn open<'a, X, Y>(
    blob: *const u8,
    blob_len: usize,
    x: *const X,
    n_x: usize,
    y: *mut Y,
    n_y: usize,
    scratch: *mut i8,
    scratch_len: usize,
) -> Check<Call<'a, X, Y>> {
    non_null(blob)?;
    non_null(x)?;
    non_null(y)?;
    non_null(scratch)?;
    aligned(x, align_of::<X>())?;
    aligned(y, align_of::<Y>())?;
    let (bs, xs, ys, ss) = (span(blob, blob_len)?, span(x, n_x)?, span(y, n_y)?, span(scratch, scratch_len)?);
    disjoint(&[ys, ss], &[bs, xs])?;
    // SAFETY: non-null and within the address space (checked); readable per the contract.
    let bytes = unsafe { core::slice::from_raw_parts(blob, blob_len) };
    let model = QuantModel::from_bytes_without_crc(bytes).map_err(blob_status)?;
    if n_x != model.inputs() || n_y != model.outputs() {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    if scratch_len < model.scratch_len() {
        return Err(STACKNET_ERR_BUFFER_TOO_SMALL);
    }
    // SAFETY: each pointer is non-null, aligned and in range (checked), valid for its
    // length per the contract; the written ones overlap nothing else (checked).
    unsafe {
        Ok(Call {
            model,
            x: core::slice::from_raw_parts(x, n_x),
            y: core::slice::from_raw_parts_mut(y, n_y),
            scratch: core::slice::from_raw_parts_mut(scratch, scratch_len),
        })
    }
}

/// Predicts one row of `float`s with an int8 model: quantizes `x` with the model's input
/// parameters (values beyond the calibrated range saturate to −128 / 127, ±∞ too), runs
/// the int8 layers and writes the dequantized outputs to `y`. The same bits on every CPU
/// and kernel tier.
///
/// Statuses, in this order: `STACKNET_ERR_NULL`, `STACKNET_ERR_MISALIGNED` (x, y),
/// `STACKNET_ERR_DIMENSIONS` (a length overflows), `STACKNET_ERR_OVERLAP` (y or scratch
/// overlap each other, the blob or x), `STACKNET_ERR_BLOB_VERSION` /
/// `STACKNET_ERR_BLOB_CORRUPT` (every check of `stacknet_q8_check` but the CRC-32),
/// `STACKNET_ERR_DIMENSIONS` (`n_x` or `n_y` is not the model's width),
/// `STACKNET_ERR_BUFFER_TOO_SMALL` (`scratch_len` < the info's `scratch_len`),
/// `STACKNET_ERR_NON_FINITE` (an input is NaN). A refusal writes nothing.
///
/// # Safety
/// `blob` is null or valid for reading `blob_len` bytes, `x` for reading `n_x` floats,
/// `y` for writing `n_y` floats and `scratch` for writing `scratch_len` bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_q8_predict(
    blob: *const u8,
    blob_len: usize,
    x: *const f32,
    n_x: usize,
    y: *mut f32,
    n_y: usize,
    scratch: *mut i8,
    scratch_len: usize,
) -> stacknet_status_t {
    status((|| {
        // SAFETY: forwarded from this function's contract.
        let c = unsafe { open(blob, blob_len, x, n_x, y, n_y, scratch, scratch_len) }?;
        if c.x.iter().any(|v| v.is_nan()) {
            return Err(STACKNET_ERR_NON_FINITE);
        }
        // Every length and value was checked above: it cannot refuse.
        c.model.predict(c.x, c.scratch, c.y).map_err(|_| STACKNET_ERR_DIMENSIONS)
    })())
}

/// Predicts one row of `int8_t`s (quantized with the model's input parameters, see
/// `stacknet_q8_info_t`) into `y` (quantized with its output parameters): the whole
/// prediction in integers. Statuses as `stacknet_q8_predict`, without `STACKNET_ERR_NON_FINITE`
/// and with no alignment requirement.
///
/// # Safety
/// `blob` is null or valid for reading `blob_len` bytes, `x` for reading `n_x` bytes,
/// `y` for writing `n_y` bytes and `scratch` for writing `scratch_len` bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn stacknet_q8_predict_q(
    blob: *const u8,
    blob_len: usize,
    x: *const i8,
    n_x: usize,
    y: *mut i8,
    n_y: usize,
    scratch: *mut i8,
    scratch_len: usize,
) -> stacknet_status_t {
    status((|| {
        // SAFETY: forwarded from this function's contract.
        let c = unsafe { open(blob, blob_len, x, n_x, y, n_y, scratch, scratch_len) }?;
        c.model.predict_q(c.x, c.scratch, c.y).map_err(|_| STACKNET_ERR_DIMENSIONS)
    })())
}
