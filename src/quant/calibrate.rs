//! Post-training quantization: calibration on a representative batch, then the blob.

use super::describe::{Activation, Part, Quantize};
use super::fixed::quantize_multiplier;
use super::model::{layer_len, QParams, CRC32, CRC_LEN, HEADER_LEN, MAGIC, MAX_LAYERS, MAX_WIDTH, VERSION};

/// The widest layer the calibration pass (an `f32` forward pass with two row buffers on
/// the stack) handles.
pub const CALIBRATION_WIDTH: usize = 512;

/// Pre-activation ranges are clipped to `±SIGMOID_CLIP` before a σ and `±TANH_CLIP`
/// before a tanh: beyond them the int8 output is saturated anyway (σ(6.3) > 254.5/255,
/// tanh(3.2) > 126.5/127), so a wider range would only coarsen the table's input steps.
pub const SIGMOID_CLIP: f32 = 8.0;
/// See [`SIGMOID_CLIP`].
pub const TANH_CLIP: f32 = 4.0;

/// Why a network could not be quantized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantizeError {
    /// The calibration batch is empty or its length is not a multiple of the input width.
    Calibration,
    /// A weight, bias or calibration value (or an activation computed from them) is not
    /// finite.
    NonFinite,
    /// The network is not a sequence of `Dense` bricks, each followed by at most one
    /// activation; or it has more than [`MAX_LAYERS`](super::MAX_LAYERS) of them.
    Unsupported,
    /// A layer wider than [`CALIBRATION_WIDTH`].
    TooWide,
    /// A requantization multiplier `s_in·s_w/s_out` of 2³⁰ or more, or a bias that does
    /// not fit in ±2³⁰ at its scale: the network's ranges are too far apart for int8.
    ScaleOutOfRange,
    /// The output buffer is shorter than the blob.
    BufferTooSmall,
}

impl core::fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            QuantizeError::Calibration => "the calibration batch is empty or not a whole number of rows",
            QuantizeError::NonFinite => "a weight, bias or calibration value is not finite",
            QuantizeError::Unsupported => "the network is not a sequence of Dense bricks with one activation each",
            QuantizeError::TooWide => "a layer is wider than the calibration pass handles",
            QuantizeError::ScaleOutOfRange => "a requantization multiplier or bias is out of the int8 scheme's range",
            QuantizeError::BufferTooSmall => "the output buffer is too small for the blob",
        })
    }
}

impl core::error::Error for QuantizeError {}

#[derive(Clone, Copy)]
struct DenseRef<'a> {
    inputs: usize,
    outputs: usize,
    weights: &'a [f32],
    bias: Option<&'a [f32]>,
    act: Activation,
}

/// `[lo, hi]` widened to hold 0, as asymmetric int8 parameters (`scale = (hi − lo)/255`).
fn asymmetric(lo: f32, hi: f32) -> QParams {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let mut scale = (hi - lo) / 255.0;
    if !scale.is_normal() {
        scale = 1.0; // an all-zero range: any scale represents it exactly
    }
    let zp = libm::roundf(-128.0 - lo / scale) as i32;
    QParams { scale, zero_point: zp.clamp(-128, 127) }
}

fn act_f32(act: Activation, z: f32) -> f32 {
    match act {
        Activation::Identity => z,
        Activation::Relu => z.max(0.0),
        Activation::Sigmoid => 1.0 / (1.0 + libm::expf(-z)),
        Activation::Tanh => libm::tanhf(z),
    }
}

/// The fixed output quantization of the table activations: σ ∈ [0, 1] as
/// `(q + 128)/255`, tanh ∈ [−1, 1] as `q/127`; `None` for the others (calibrated).
fn table_output(act: Activation) -> Option<QParams> {
    match act {
        Activation::Sigmoid => Some(QParams { scale: 1.0 / 255.0, zero_point: -128 }),
        Activation::Tanh => Some(QParams { scale: 1.0 / 127.0, zero_point: 0 }),
        _ => None,
    }
}

/// The activation in `f64`, for the tables.
fn act_f64(act: Activation, z: f64) -> f64 {
    match act {
        Activation::Sigmoid => 1.0 / (1.0 + libm::exp(-z)),
        Activation::Tanh => libm::tanh(z),
        Activation::Relu => z.max(0.0),
        Activation::Identity => z,
    }
}

/// Quantizes `net` to int8, calibrating the activation ranges on `calibration` (rows of
/// the network's input width, concatenated: a representative batch, e.g. the training
/// set), and writes the blob into `buf`; returns its length. Read it back with
/// [`QuantModel::from_bytes`](super::QuantModel::from_bytes). See the
/// [module docs](super) for the scheme.
pub fn quantize<M: Quantize>(net: &M, calibration: &[f32], buf: &mut [u8]) -> Result<usize, QuantizeError> {
    // The layers: each Dense with the activation after it.
    let mut layers: heapless::Vec<DenseRef<'_>, MAX_LAYERS> = heapless::Vec::new();
    let mut bad = false;
    net.describe(&mut |p| match p {
        Part::Dense { inputs, outputs, weights, bias } => {
            let l = DenseRef { inputs, outputs, weights, bias, act: Activation::Identity };
            bad |= layers.push(l).is_err();
        }
        Part::Activation(a) => match layers.last_mut() {
            Some(l) if l.act == Activation::Identity => l.act = a,
            _ => bad = true,
        },
    });
    if bad || layers.is_empty() {
        return Err(QuantizeError::Unsupported);
    }
    if layers.iter().any(|l| l.inputs > CALIBRATION_WIDTH || l.outputs > CALIBRATION_WIDTH) {
        return Err(QuantizeError::TooWide);
    }
    const { assert!(CALIBRATION_WIDTH <= MAX_WIDTH) };
    for l in &layers {
        if l.weights.iter().chain(l.bias.unwrap_or(&[])).any(|v| !v.is_finite()) {
            return Err(QuantizeError::NonFinite);
        }
    }
    let inputs = layers[0].inputs;
    if calibration.is_empty() || !calibration.len().is_multiple_of(inputs) {
        return Err(QuantizeError::Calibration);
    }

    // Calibration: an f32 forward pass per row, recording each layer's pre-activation range.
    let (mut in_lo, mut in_hi) = (0.0f32, 0.0f32);
    let mut pre = [(0.0f32, 0.0f32); MAX_LAYERS];
    let mut h = [0.0f32; CALIBRATION_WIDTH];
    let mut z = [0.0f32; CALIBRATION_WIDTH];
    for row in calibration.chunks_exact(inputs) {
        for (hv, &x) in h.iter_mut().zip(row) {
            if !x.is_finite() {
                return Err(QuantizeError::NonFinite);
            }
            in_lo = in_lo.min(x);
            in_hi = in_hi.max(x);
            *hv = x;
        }
        for (l, range) in layers.iter().zip(pre.iter_mut()) {
            for (o, zv) in z[..l.outputs].iter_mut().enumerate() {
                let mut s = l.bias.map_or(0.0, |b| b[o]);
                for (i, &hv) in h[..l.inputs].iter().enumerate() {
                    s += hv * l.weights[i * l.outputs + o];
                }
                if !s.is_finite() {
                    return Err(QuantizeError::NonFinite);
                }
                range.0 = range.0.min(s);
                range.1 = range.1.max(s);
                *zv = s;
            }
            for (hv, &zv) in h[..l.outputs].iter_mut().zip(&z[..l.outputs]) {
                *hv = act_f32(l.act, zv);
            }
        }
    }

    // Every length first, so that nothing is written into a buffer too small.
    let total =
        HEADER_LEN + layers.iter().map(|l| layer_len(l.inputs, l.outputs, l.act.has_table())).sum::<usize>() + CRC_LEN;
    if buf.len() < total {
        return Err(QuantizeError::BufferTooSmall);
    }
    let input = asymmetric(in_lo, in_hi);
    let outputs = layers[layers.len() - 1].outputs;
    // A dry run first: every check passes before the first byte is written.
    write_layers(&layers, &pre, input, None)?;
    let buf = &mut buf[..total];
    buf.fill(0);
    buf[..4].copy_from_slice(&MAGIC);
    buf[4..6].copy_from_slice(&VERSION.to_le_bytes());
    buf[8..12].copy_from_slice(&(total as u32).to_le_bytes());
    buf[12..16].copy_from_slice(&(inputs as u32).to_le_bytes());
    buf[16..20].copy_from_slice(&(outputs as u32).to_le_bytes());
    buf[20..24].copy_from_slice(&(layers.len() as u32).to_le_bytes());
    buf[24..28].copy_from_slice(&input.scale.to_bits().to_le_bytes());
    buf[28..32].copy_from_slice(&input.zero_point.to_le_bytes());

    write_layers(&layers, &pre, input, Some(&mut buf[HEADER_LEN..total - CRC_LEN]))?;
    let crc = CRC32.checksum(&buf[..total - CRC_LEN]);
    buf[total - CRC_LEN..].copy_from_slice(&crc.to_le_bytes());
    Ok(total)
}

/// Computes every layer record (weights, biases, multipliers, tables) and, with `out`,
/// writes them there (`out` is the blob between header and CRC, zeroed).
fn write_layers(
    layers: &[DenseRef<'_>],
    pre: &[(f32, f32)],
    input: QParams,
    mut out: Option<&mut [u8]>,
) -> Result<(), QuantizeError> {
    let mut at = 0;
    let mut x_q = input;
    for (l, &(lo, hi)) in layers.iter().zip(pre) {
        let (lo, hi) = match l.act {
            Activation::Relu => (0.0, hi),
            Activation::Sigmoid => (lo.max(-SIGMOID_CLIP), hi.min(SIGMOID_CLIP)),
            Activation::Tanh => (lo.max(-TANH_CLIP), hi.min(TANH_CLIP)),
            Activation::Identity => (lo, hi),
        };
        let pre_q = asymmetric(lo, hi);
        let out_q = table_output(l.act).unwrap_or(pre_q);
        let len = layer_len(l.inputs, l.outputs, l.act.has_table());
        let mut scratch = [0u8; 0];
        let rec: &mut [u8] = match out.as_deref_mut() {
            Some(b) => &mut b[at..at + len],
            None => &mut scratch,
        };
        let write = !rec.is_empty();
        if write {
            rec[0..4].copy_from_slice(&(l.inputs as u32).to_le_bytes());
        }
        if write {
            rec[4..8].copy_from_slice(&(l.outputs as u32).to_le_bytes());
        }
        if write {
            rec[8] = l.act as u8;
        }
        if write {
            rec[12..16].copy_from_slice(&out_q.scale.to_bits().to_le_bytes());
        }
        if write {
            rec[16..20].copy_from_slice(&out_q.zero_point.to_le_bytes());
        }
        if write {
            rec[20..24].copy_from_slice(&pre_q.scale.to_bits().to_le_bytes());
        }
        if write {
            rec[24..28].copy_from_slice(&pre_q.zero_point.to_le_bytes());
        }
        let (n, o) = (l.inputs, l.outputs);
        let w0 = super::model::LAYER_HEADER_LEN;
        let b0 = w0 + n * o;
        let m0 = b0 + 4 * o;
        let s0 = m0 + 4 * o;
        let t0 = s0 + o;
        for j in 0..o {
            // Symmetric per output channel: the largest |w| of the channel maps to 127.
            let max_abs = (0..n).map(|i| l.weights[i * o + j].abs()).fold(0.0f32, f32::max);
            let s_w = if max_abs > 0.0 && (max_abs / 127.0).is_normal() { max_abs / 127.0 } else { 1.0 };
            let mut sum_w = 0i64;
            for i in 0..n {
                let q = libm::roundf(l.weights[i * o + j] / s_w).clamp(-127.0, 127.0) as i8;
                if write {
                    rec[w0 + j * n + i] = q as u8;
                }
                sum_w += i64::from(q);
            }
            let acc_scale = f64::from(x_q.scale) * f64::from(s_w);
            let b = l.bias.map_or(0.0, |b| f64::from(b[j]));
            let bq = libm::round(b / acc_scale);
            if bq.is_nan() || bq.abs() > f64::from(1u32 << 30) {
                return Err(QuantizeError::ScaleOutOfRange);
            }
            // The input's zero point folded in: Σ(x − z)·w + b = Σx·w + (b − z·Σw).
            let folded = bq as i64 - i64::from(x_q.zero_point) * sum_w;
            if folded.unsigned_abs() > 1 << 30 {
                return Err(QuantizeError::ScaleOutOfRange);
            }
            let (m, s) =
                quantize_multiplier(acc_scale / f64::from(pre_q.scale)).ok_or(QuantizeError::ScaleOutOfRange)?;
            if write {
                rec[b0 + 4 * j..b0 + 4 * j + 4].copy_from_slice(&(folded as i32).to_le_bytes());
            }
            if write {
                rec[m0 + 4 * j..m0 + 4 * j + 4].copy_from_slice(&m.to_le_bytes());
            }
            if write {
                rec[s0 + j] = s as u8;
            }
        }
        if let Some(oq) = table_output(l.act) {
            // Each entry: the activation of the table input's real value, rounded to the
            // nearest output step (computed in f64): exact by construction.
            for q in -128i32..=127 {
                let x = f64::from(pre_q.scale) * f64::from(q - pre_q.zero_point);
                let y = libm::round(act_f64(l.act, x) / f64::from(oq.scale)) as i32 + oq.zero_point;
                if write {
                    rec[t0 + (q + 128) as usize] = y.clamp(-128, 127) as i8 as u8;
                }
            }
        }
        at += len;
        x_q = out_q;
    }
    Ok(())
}
