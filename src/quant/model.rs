//! The int8 model: its blob format, the checks on load, and prediction.

use super::describe::Activation;
use super::fixed;
use crate::arch::int8::{Int8Kernels, MAX_ROW};
use crate::kernels::dispatch::on_tier;
use crc::{Crc, CRC_32_ISO_HDLC};

/// The first four bytes of every int8 blob.
pub const MAGIC: [u8; 4] = *b"STQ8";
/// The format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Bytes before the first layer.
pub const HEADER_LEN: usize = 32;
/// Bytes of a layer record before its weights.
pub const LAYER_HEADER_LEN: usize = 28;
/// Bytes of the trailing CRC-32.
pub const CRC_LEN: usize = 4;
/// The most layers (`Dense` bricks) a model may have.
pub const MAX_LAYERS: usize = 16;
/// The widest layer (inputs or outputs) a model may have.
pub const MAX_WIDTH: usize = 4096;

pub(crate) const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// Outputs whose accumulators one kernel call computes (an `i32` array on the stack).
const CHUNK: usize = 32;

/// Why a blob is not a valid int8 model (checked in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Shorter than its header or than the length it records.
    Truncated,
    /// Not an int8 blob (the magic is not [`MAGIC`]).
    BadMagic,
    /// A format version this build does not read.
    UnsupportedVersion(u16),
    /// The CRC-32 does not match: the bytes were damaged.
    Checksum,
    /// The recorded structure is inconsistent: layer count or widths out of range, layers
    /// that do not chain, lengths that do not add up, reserved bytes not zero, an unknown
    /// activation.
    BadShape,
    /// A scale that is not a positive normal `f32`, or a zero point outside `[−128, 127]`.
    BadScale,
    /// A requantization multiplier outside its valid range (see [`QuantModel`]).
    BadMultiplier,
}

impl core::fmt::Display for LoadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoadError::Truncated => f.write_str("int8 model blob is truncated"),
            LoadError::BadMagic => f.write_str("not an int8 model blob (bad magic)"),
            LoadError::UnsupportedVersion(v) => write!(f, "int8 model blob version {v} is not supported"),
            LoadError::Checksum => f.write_str("int8 model blob checksum mismatch (damaged bytes)"),
            LoadError::BadShape => f.write_str("int8 model blob has an inconsistent structure"),
            LoadError::BadScale => f.write_str("int8 model blob has an invalid scale or zero point"),
            LoadError::BadMultiplier => f.write_str("int8 model blob has an invalid requantization multiplier"),
        }
    }
}

impl core::error::Error for LoadError {}

/// Why a prediction did not run (nothing was written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PredictError {
    /// The input row's length is not the model's input width.
    InputLength,
    /// The output row's length is not the model's output width.
    OutputLength,
    /// The scratch buffer is shorter than [`QuantModel::scratch_len`].
    ScratchLength,
    /// An input value is NaN.
    NaN,
}

impl core::fmt::Display for PredictError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PredictError::InputLength => "input length differs from the model's input width",
            PredictError::OutputLength => "output length differs from the model's output width",
            PredictError::ScratchLength => "scratch buffer shorter than the model's scratch_len",
            PredictError::NaN => "an input value is NaN",
        })
    }
}

impl core::error::Error for PredictError {}

/// A quantization of real values: `real = scale · (q − zero_point)`, `q ∈ [−128, 127]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QParams {
    /// Positive, normal.
    pub scale: f32,
    /// In `[−128, 127]`.
    pub zero_point: i32,
}

impl QParams {
    /// `q` for `x`: `round(x · (1/scale)) + zero_point`, rounded half away from zero and
    /// saturated to `[−128, 127]` (so are ±∞); `None` for NaN. The reciprocal is one
    /// correctly rounded `f32` division, the product one `f32` multiplication, so `q` is the
    /// same on every target ([`QuantModel::quantize_input`] computes the reciprocal once
    /// per row and gives the same values).
    #[inline]
    pub fn quantize(&self, x: f32) -> Option<i8> {
        quantize_with(1.0 / self.scale, self.zero_point, x)
    }

    /// The real value of `q`: `scale · (q − zero_point)`.
    #[inline]
    pub fn dequantize(&self, q: i8) -> f32 {
        self.scale * (i32::from(q) - self.zero_point) as f32
    }

    pub(crate) fn valid(&self) -> bool {
        self.scale.is_normal() && self.scale > 0.0 && (-128..=127).contains(&self.zero_point)
    }
}

/// `round(x · inv) + zp` saturated to int8 (see [`QParams::quantize`]).
#[inline]
fn quantize_with(inv: f32, zp: i32, x: f32) -> Option<i8> {
    if x.is_nan() {
        return None;
    }
    let q = round_sat(x * inv).saturating_add(zp);
    Some(q.clamp(-128, 127) as i8)
}

/// `x` rounded to an integer, half away from zero, saturated to `±256` (enough for int8
/// after any zero point), on the bits: no float library call on soft-float targets.
#[inline]
fn round_sat(x: f32) -> i32 {
    let b = x.to_bits();
    let exp = ((b >> 23) & 0xff) as i32;
    let mag = if exp < 126 {
        0 // |x| < 0.5
    } else if exp >= 127 + 8 {
        256 // |x| ≥ 256, ±∞ too
    } else {
        // |x| = mant · 2^(exp − 150), 126 ≤ exp ≤ 134: a shift of 16 to 24 bits.
        let mant = (b & 0x7f_ffff) | 0x80_0000;
        let shift = (150 - exp) as u32;
        ((mant + (1 << (shift - 1))) >> shift) as i32
    };
    if b >> 31 == 1 {
        -mag
    } else {
        mag
    }
}

fn rd_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn rd_i32(b: &[u8], at: usize) -> Option<i32> {
    rd_u32(b, at).map(|v| v as i32)
}

fn rd_f32(b: &[u8], at: usize) -> Option<f32> {
    rd_u32(b, at).map(f32::from_bits)
}

/// The total length of one layer record with these widths and activation.
pub(crate) const fn layer_len(inputs: usize, outputs: usize, table: bool) -> usize {
    let raw = LAYER_HEADER_LEN + inputs * outputs + 9 * outputs + if table { 256 } else { 0 };
    raw.div_ceil(4) * 4
}

/// One layer record, read from a validated blob.
#[derive(Clone, Copy)]
pub(crate) struct LayerView<'a> {
    pub inputs: usize,
    pub outputs: usize,
    pub act: Activation,
    pub out: QParams,
    pub pre: QParams,
    /// `outputs × inputs`, one row per output.
    pub weights: &'a [u8],
    pub bias: &'a [u8],
    pub mult: &'a [u8],
    pub shift: &'a [u8],
    pub table: &'a [u8],
}

impl<'a> LayerView<'a> {
    /// Parses the record at the start of `b`, checking what can be checked of it alone.
    /// `expect_inputs` is the width the layer must take (the previous layer's output).
    /// Checks everything, multipliers included ([`QuantModel::from_bytes`]).
    fn parse(b: &'a [u8], expect_inputs: usize) -> Result<(LayerView<'a>, usize), LoadError> {
        let (view, len) = Self::layout(b, expect_inputs)?;
        let used = LAYER_HEADER_LEN + view.inputs * view.outputs + 9 * view.outputs + view.table.len();
        if b.get(used..len).is_none_or(|pad| pad.iter().any(|&p| p != 0)) {
            return Err(LoadError::BadShape);
        }
        for (j, &s) in view.shift.iter().enumerate() {
            let m = rd_i32(view.mult, 4 * j).ok_or(LoadError::Truncated)?;
            if !fixed::valid(m, s as i8) {
                return Err(LoadError::BadMultiplier);
            }
        }
        Ok((view, len))
    }

    /// The record's fields and length, checking widths, activation and scales only (the
    /// per-prediction walk over a blob [`QuantModel::from_bytes`] has checked whole).
    fn layout(b: &'a [u8], expect_inputs: usize) -> Result<(LayerView<'a>, usize), LoadError> {
        let t = LoadError::Truncated;
        let inputs = rd_u32(b, 0).ok_or(t)? as usize;
        let outputs = rd_u32(b, 4).ok_or(t)? as usize;
        let head = rd_u32(b, 8).ok_or(t)?.to_le_bytes();
        if inputs != expect_inputs
            || !(1..=MAX_WIDTH).contains(&inputs)
            || !(1..=MAX_WIDTH).contains(&outputs)
            || head[1..] != [0u8, 0, 0]
        {
            return Err(LoadError::BadShape);
        }
        let act = Activation::from_u8(head[0]).ok_or(LoadError::BadShape)?;
        let out = QParams { scale: rd_f32(b, 12).ok_or(t)?, zero_point: rd_i32(b, 16).ok_or(t)? };
        let pre = QParams { scale: rd_f32(b, 20).ok_or(t)?, zero_point: rd_i32(b, 24).ok_or(t)? };
        if !out.valid() || !pre.valid() {
            return Err(LoadError::BadScale);
        }
        let len = layer_len(inputs, outputs, act.has_table());
        let rec = b.get(..len).ok_or(LoadError::BadShape)?;
        let w0 = LAYER_HEADER_LEN;
        let b0 = w0 + inputs * outputs;
        let m0 = b0 + 4 * outputs;
        let s0 = m0 + 4 * outputs;
        let t0 = s0 + outputs;
        let t1 = t0 + if act.has_table() { 256 } else { 0 };
        let part = |a: usize, z: usize| rec.get(a..z).ok_or(LoadError::BadShape);
        let view = LayerView {
            inputs,
            outputs,
            act,
            out,
            pre,
            weights: part(w0, b0)?,
            bias: part(b0, m0)?,
            mult: part(m0, s0)?,
            shift: part(s0, t0)?,
            table: part(t0, t1)?,
        };
        Ok((view, len))
    }

    /// The layer on `x` into `y` (`x.len() == inputs`, `y.len() == outputs`, validated).
    #[inline]
    fn run(&self, x: &[i8], y: &mut [i8]) {
        let n = self.inputs;
        let w = as_i8(self.weights);
        let lo = if self.act == Activation::Relu { self.pre.zero_point } else { -128 };
        let tier = crate::kernels::active();
        let mut acc = [0i32; CHUNK];
        for (c, ys) in y.chunks_mut(CHUNK).enumerate() {
            let j0 = c * CHUNK;
            let (Some(ws), Some(acc)) = (w.get(j0 * n..(j0 + ys.len()) * n), acc.get_mut(..ys.len())) else {
                return;
            };
            if x.len() != n || x.len() > MAX_ROW {
                return;
            }
            // SAFETY: `tier` is `active()`, hence available; `ws` holds `acc.len()` rows of
            // `n = x.len() ≤ MAX_ROW` values (checked just above).
            on_tier!(tier, t => unsafe { t.dot_rows(x, ws, acc) });
            for (k, (yv, &a)) in ys.iter_mut().zip(acc.iter()).enumerate() {
                let j = j0 + k;
                let bias = rd_i32(self.bias, 4 * j).unwrap_or(0);
                let m = rd_i32(self.mult, 4 * j).unwrap_or(0);
                let s = self.shift.get(j).map_or(0, |&s| s as i8);
                let v = fixed::multiply(a.saturating_add(bias), m, s).saturating_add(self.pre.zero_point);
                let q = v.max(lo).min(127) as i8; // `lo ≤ 127` (a zero point)
                *yv = match self.table.get(usize::from(q as u8 ^ 0x80)) {
                    Some(&t) => t as i8,
                    None => q,
                };
            }
        }
    }
}

/// `&[u8]` as `&[i8]`.
fn as_i8(b: &[u8]) -> &[i8] {
    // SAFETY: `i8` and `u8` have the same size and alignment and every bit pattern is valid
    // for both; the length and lifetime are `b`'s.
    unsafe { core::slice::from_raw_parts(b.as_ptr().cast(), b.len()) }
}

/// A validated int8 model, borrowing its blob (zero-copy: the blob may stay in flash).
///
/// Build the blob with [`quantize`](super::quantize), check it with
/// [`QuantModel::from_bytes`], then predict with [`QuantModel::predict`] (f32 in and out)
/// or [`QuantModel::predict_q`] (int8 in and out).
#[derive(Clone, Copy, Debug)]
pub struct QuantModel<'a> {
    blob: &'a [u8],
    inputs: usize,
    outputs: usize,
    layers: usize,
    widest: usize,
    input: QParams,
    output: QParams,
}

impl<'a> QuantModel<'a> {
    /// Checks `bytes` (magic → version → length → CRC-32 → structure, scales, multipliers)
    /// and returns the model in it. Bytes after the recorded length are ignored.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<QuantModel<'a>, LoadError> {
        Self::parse(bytes, true)
    }

    /// Every check of [`from_bytes`](Self::from_bytes) but the CRC-32 (the one that reads
    /// every byte): for a blob checked whole once (after it was written, or at boot) and
    /// opened again for each prediction, as the C API does, where no borrow outlives a
    /// call. Bytes damaged after that check can give wrong outputs, never a read outside
    /// the blob.
    pub fn from_bytes_without_crc(bytes: &'a [u8]) -> Result<QuantModel<'a>, LoadError> {
        Self::parse(bytes, false)
    }

    fn parse(bytes: &'a [u8], check_crc: bool) -> Result<QuantModel<'a>, LoadError> {
        if bytes.len() < HEADER_LEN + CRC_LEN {
            return Err(LoadError::Truncated);
        }
        if bytes.get(..4) != Some(&MAGIC[..]) {
            return Err(LoadError::BadMagic);
        }
        let version = rd_u32(bytes, 4).ok_or(LoadError::Truncated)?;
        let (version, flags) = (version as u16, (version >> 16) as u16);
        if version != VERSION {
            return Err(LoadError::UnsupportedVersion(version));
        }
        let total = rd_u32(bytes, 8).ok_or(LoadError::Truncated)? as usize;
        if total < HEADER_LEN + CRC_LEN {
            return Err(LoadError::BadShape);
        }
        let blob = bytes.get(..total).ok_or(LoadError::Truncated)?;
        let (body, crc) = blob.split_at_checked(total - CRC_LEN).ok_or(LoadError::Truncated)?;
        if check_crc && CRC32.checksum(body) != rd_u32(crc, 0).ok_or(LoadError::Truncated)? {
            return Err(LoadError::Checksum);
        }
        let inputs = rd_u32(body, 12).ok_or(LoadError::Truncated)? as usize;
        let outputs = rd_u32(body, 16).ok_or(LoadError::Truncated)? as usize;
        let layers = rd_u32(body, 20).ok_or(LoadError::Truncated)? as usize;
        if flags != 0 || !(1..=MAX_LAYERS).contains(&layers) {
            return Err(LoadError::BadShape);
        }
        let input = QParams {
            scale: rd_f32(body, 24).ok_or(LoadError::Truncated)?,
            zero_point: rd_i32(body, 28).ok_or(LoadError::Truncated)?,
        };
        if !input.valid() {
            return Err(LoadError::BadScale);
        }
        let (mut at, mut width, mut widest) = (HEADER_LEN, inputs, 0);
        let mut output = input;
        for _ in 0..layers {
            let (l, len) = LayerView::parse(body.get(at..).ok_or(LoadError::BadShape)?, width)?;
            width = l.outputs;
            widest = widest.max(width);
            output = l.out;
            at += len;
        }
        if at != body.len() || width != outputs {
            return Err(LoadError::BadShape);
        }
        Ok(QuantModel { blob, inputs, outputs, layers, widest, input, output })
    }

    /// The blob (exactly its recorded length).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.blob
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Output width.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Number of layers (`Dense` bricks, each with its activation).
    pub fn layers(&self) -> usize {
        self.layers
    }

    /// How the input row is quantized (calibrated on the representative batch).
    pub fn input_params(&self) -> QParams {
        self.input
    }

    /// How the output row is quantized.
    pub fn output_params(&self) -> QParams {
        self.output
    }

    /// The scratch length [`predict`](Self::predict) and [`predict_q`](Self::predict_q)
    /// need: the input width plus twice the widest layer output.
    pub fn scratch_len(&self) -> usize {
        self.inputs + 2 * self.widest
    }

    fn layer_views(&self) -> impl Iterator<Item = LayerView<'a>> + 'a {
        let body = self.blob.get(..self.blob.len().saturating_sub(CRC_LEN)).unwrap_or(&[]);
        let (mut at, mut width) = (HEADER_LEN, self.inputs);
        (0..self.layers).map_while(move |_| {
            let (l, len) = LayerView::layout(body.get(at..)?, width).ok()?;
            at += len;
            width = l.outputs;
            Some(l)
        })
    }

    /// Runs the layers on the quantized row in `scratch[..inputs]` and returns the output
    /// row (inside `scratch`). Layers alternate between two halves after the input: the
    /// first writes into half A, the second reads A and writes B, the third reads B…
    fn run<'s>(&self, scratch: &'s mut [i8]) -> &'s [i8] {
        let (inp, rest) = scratch.split_at_mut(self.inputs.min(scratch.len()));
        let (a, b) = rest.split_at_mut(self.widest.min(rest.len()));
        let mut out_in_a = true;
        let mut width = self.inputs;
        for (k, l) in self.layer_views().enumerate() {
            let ok = if k % 2 == 0 {
                let x = if k == 0 { inp.get(..width) } else { b.get(..width) };
                match (x, a.get_mut(..l.outputs)) {
                    (Some(x), Some(y)) => {
                        l.run(x, y);
                        true
                    }
                    _ => false,
                }
            } else {
                match (a.get(..width), b.get_mut(..l.outputs)) {
                    (Some(x), Some(y)) => {
                        l.run(x, y);
                        true
                    }
                    _ => false,
                }
            };
            if !ok {
                return &[];
            }
            out_in_a = k % 2 == 0;
            width = l.outputs;
        }
        if out_in_a { a.get(..width) } else { b.get(..width) }.unwrap_or(&[])
    }

    /// Predicts one row of int8 values (quantized with [`input_params`](Self::input_params))
    /// into `out` (quantized with [`output_params`](Self::output_params)). Bit-identical on
    /// every tier and every target.
    pub fn predict_q(&self, x: &[i8], scratch: &mut [i8], out: &mut [i8]) -> Result<(), PredictError> {
        self.check(x.len(), out.len(), scratch.len())?;
        for (q, &v) in scratch.iter_mut().zip(x) {
            *q = v;
        }
        for (o, &q) in out.iter_mut().zip(self.run(scratch)) {
            *o = q;
        }
        Ok(())
    }

    /// Predicts one row of `f32` values: quantizes `x` (values outside the calibrated range
    /// saturate to −128 / 127; NaN is an error), runs [`predict_q`](Self::predict_q) and
    /// dequantizes the output into `out`.
    pub fn predict(&self, x: &[f32], scratch: &mut [i8], out: &mut [f32]) -> Result<(), PredictError> {
        self.check(x.len(), out.len(), scratch.len())?;
        self.quantize_input(x, scratch)?;
        for (o, &q) in out.iter_mut().zip(self.run(scratch)) {
            *o = self.output.dequantize(q);
        }
        Ok(())
    }

    /// Quantizes an input row into `q` with [`input_params`](Self::input_params) (as
    /// [`QParams::quantize`] does, the reciprocal of the scale computed once): values
    /// outside the calibrated range saturate, NaN is an error (`q` then partly written).
    pub fn quantize_input(&self, x: &[f32], q: &mut [i8]) -> Result<(), PredictError> {
        if x.len() != self.inputs {
            return Err(PredictError::InputLength);
        }
        if q.len() < x.len() {
            return Err(PredictError::ScratchLength);
        }
        let inv = 1.0 / self.input.scale;
        for (q, &v) in q.iter_mut().zip(x) {
            *q = quantize_with(inv, self.input.zero_point, v).ok_or(PredictError::NaN)?;
        }
        Ok(())
    }

    fn check(&self, x: usize, out: usize, scratch: usize) -> Result<(), PredictError> {
        if x != self.inputs {
            return Err(PredictError::InputLength);
        }
        if out != self.outputs {
            return Err(PredictError::OutputLength);
        }
        if scratch < self.scratch_len() {
            return Err(PredictError::ScratchLength);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::round_sat;

    #[test]
    fn round_sat_is_roundf_within_its_range() {
        let mut x = -300.0f32;
        while x <= 300.0 {
            let want = libm::roundf(x).clamp(-256.0, 256.0) as i32;
            assert_eq!(round_sat(x), want, "{x}");
            x += 0.0625 / 4.0;
        }
        for x in
            [0.5f32, -0.5, 0.49999997, -0.49999997, 1.5, -1.5, 2.5, 255.5, -255.5, 256.0, 1e30, -1e30, 1e-30, 0.0, -0.0]
        {
            assert_eq!(round_sat(x), libm::roundf(x).clamp(-256.0, 256.0) as i32, "{x}");
        }
        assert_eq!((round_sat(f32::INFINITY), round_sat(f32::NEG_INFINITY)), (256, -256));
        // Every f32 in [−260, 260], through its bits (every 97th, for time).
        let mut b = 0u32;
        while b < 0x4382_0000 {
            for x in [f32::from_bits(b), -f32::from_bits(b)] {
                assert_eq!(round_sat(x), libm::roundf(x).clamp(-256.0, 256.0) as i32, "{x}");
            }
            b += 97;
        }
    }
}
