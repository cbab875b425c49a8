//! int8 inference: post-training quantization of a trained network, and prediction with
//! integer kernels on every tier.
//!
//! ```
//! use stacknet::prelude::*;
//! use stacknet::quant::{self, QuantModel};
//!
//! type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
//! let net: Net = Layer::random(&mut stacknet::init::rng(7), Init::UniformFanIn);
//! // A representative batch of inputs, rows concatenated (here: the four XOR corners).
//! let calibration = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
//!
//! let mut blob = [0u8; quant::max_len::<Net>()];
//! let n = quant::quantize(&net, &calibration, &mut blob)?;
//! let model = QuantModel::from_bytes(&blob[..n])?; // checked: magic, version, CRC, shape
//!
//! let mut scratch = [0i8; quant::scratch_len::<Net>()];
//! let mut y = [0.0f32; 2];
//! model.predict(&[1.0, 0.0], &mut scratch, &mut y)?;
//! let mut ws = Inference::<Net, 1>::new();
//! let f = ws.forward(&net, &[[1.0, 0.0]]);
//! assert!((y[0] - f[0][0]).abs() < 0.02 && (y[1] - f[0][1]).abs() < 0.02);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The scheme
//! - **Weights**: int8, symmetric, one scale per output channel (`s_w = max|w|/127` over the
//!   channel, values in `[−127, 127]`). Per channel because the channels of a trained layer
//!   differ in magnitude (in the digits network's first layer the largest |w| of a channel
//!   ranges from 0.38 to 0.79, 2.1×), and one scale per tensor would leave the small
//!   channels fewer of the 8 bits; symmetric so that no weight zero point enters the inner
//!   product (TensorFlow Lite's choice too).
//! - **Activations**: int8, asymmetric (`real = s·(q − z)`), the range calibrated as the
//!   min/max over the representative batch, widened to hold 0 (so that 0 and ReLU are
//!   exact). Asymmetric because sigmoid outputs and ReLU outputs are one-sided: symmetric
//!   would waste half the codes. The ranges before a σ are clipped to ±[`SIGMOID_CLIP`],
//!   before a tanh to ±[`TANH_CLIP`] (the table saturates beyond them anyway).
//! - **Accumulation**: exact int32, `Σ x_q·w_q + b'` with the bias `b' = round(b/(s_x·s_w)) − z_x·Σw_q`
//!   (the input zero point folded in at quantization time).
//! - **Requantization**: the real multiplier `s_x·s_w/s_y` as a Q31 mantissa and a shift,
//!   gemmlowp / TensorFlow Lite style: a saturating rounding doubling high multiply (ties
//!   toward +∞) then a rounding right shift (ties away from zero); then `+ z_y` and a clamp
//!   to `[−128, 127]` (to `[z_y, 127]` for ReLU: ReLU is exact).
//! - **σ and tanh**: a 256-entry table over the int8 input, each entry the exact activation
//!   of that input's real value rounded to the nearest output step (computed in f64 at
//!   quantization time): σ out as `(q + 128)/255`, tanh out as `q/127`. The error of an
//!   entry against the f32 function of the same real input is at most half a step:
//!   1/510 ≈ 0.00196 for σ, 1/254 ≈ 0.00394 for tanh (tested).
//! - **Inputs** are quantized with the calibrated input range: values outside it saturate
//!   to −128 / 127 (so do ±∞); NaN is [`PredictError::NaN`]. Outputs come out as int8
//!   ([`QuantModel::predict_q`]) or dequantized to `f32` ([`QuantModel::predict`]).
//!
//! Every integer step is defined on every target, and the tier kernels compute exact int32
//! dot products, so an int8 prediction is bit-identical on every tier and every target.
//!
//! # Blob format (version 1)
//! Little-endian. A header, one record per layer, a CRC-32 (ISO-HDLC) of everything before it.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic [`MAGIC`] = `"STQ8"` |
//! | 4 | 2 | version [`VERSION`] = 1 |
//! | 6 | 2 | flags, 0 |
//! | 8 | 4 | total length, CRC included |
//! | 12 | 4 | input width |
//! | 16 | 4 | output width |
//! | 20 | 4 | number of layers (1 to [`MAX_LAYERS`]) |
//! | 24 | 4 | input scale (`f32`) |
//! | 28 | 4 | input zero point (`i32`) |
//!
//! Each layer (`n` inputs, `o` outputs), padded with zeros to a multiple of 4 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | `n` |
//! | 4 | 4 | `o` |
//! | 8 | 1 | activation: 0 none, 1 ReLU, 2 σ, 3 tanh; then 3 zero bytes |
//! | 12 | 8 | output scale (`f32`), zero point (`i32`) |
//! | 20 | 8 | pre-activation scale (`f32`), zero point (`i32`) |
//! | 28 | `n·o` | weights, `i8`, one row of `n` per output |
//! | | `4·o` | biases `b'`, `i32` |
//! | | `4·o` | multiplier mantissas, `i32` (0, or in `[2³⁰, 2³¹)`) |
//! | | `o` | multiplier shifts, `i8` (0 with a zero mantissa, else in `[−31, 30]`) |
//! | | 256 | σ / tanh only: the table, `i8`, indexed by input `q + 128` |
//!
//! [`QuantModel::from_bytes`] checks magic → version → length → CRC-32 → structure →
//! scales → multipliers, each failure its own [`LoadError`].

mod calibrate;
mod describe;
mod fixed;
mod model;

pub use calibrate::{quantize, QuantizeError, CALIBRATION_WIDTH, SIGMOID_CLIP, TANH_CLIP};
pub use describe::{Activation, Part, Quantize};
pub use model::{
    LoadError, PredictError, QParams, QuantModel, CRC_LEN, HEADER_LEN, LAYER_HEADER_LEN, MAGIC, MAX_LAYERS, MAX_WIDTH,
    VERSION,
};

use crate::arch::int8::{Int8Kernels, MAX_ROW};
use crate::kernels::dispatch::on_tier;
use crate::kernels::Tier;

/// A buffer length that holds the blob of any network of type `M`:
/// `[0u8; max_len::<Net>()]`.
pub const fn max_len<M: Quantize>() -> usize {
    HEADER_LEN + M::BLOB_SHARE + CRC_LEN
}

/// A scratch length enough for predicting with the int8 model of any network of type `M`
/// (at least its [`QuantModel::scratch_len`]): `[0i8; scratch_len::<Net>()]`.
pub const fn scratch_len<M: Quantize>() -> usize {
    <M::In as crate::nn::Dim>::N + M::SCRATCH_SHARE
}

/// The index of the largest value (the first of equals); `None` for an empty row. For the
/// class of an int8 output row (quantization is monotonic).
pub fn argmax_q(row: &[i8]) -> Option<usize> {
    let mut best: Option<(usize, i8)> = None;
    for (i, &v) in row.iter().enumerate() {
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// Why [`dot_rows`] did not run.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotError {
    /// `w.len() != x.len() · acc.len()` or `x.len() > 65536`.
    Shape,
    /// The tier is not available.
    Tier,
}

/// The int8 kernel of `tier`: `acc[j] = Σᵢ x[i]·w[j·n + i]`, `n = x.len() ≤ 65536`.
/// For tests, fuzzing and benchmarks.
#[doc(hidden)]
pub fn dot_rows(tier: Tier, x: &[i8], w: &[i8], acc: &mut [i32]) -> Result<(), DotError> {
    if x.len() > MAX_ROW || x.len().checked_mul(acc.len()) != Some(w.len()) {
        return Err(DotError::Shape);
    }
    if !tier.is_available() {
        return Err(DotError::Tier);
    }
    // SAFETY: the tier is available and the lengths were checked above.
    on_tier!(tier, t => unsafe { t.dot_rows(x, w, acc) });
    Ok(())
}

/// The portable int8 dot products (the oracle every tier is tested against, and what the
/// scalar tier runs where no DSP instructions replace it): the same contract as
/// [`dot_rows`]. For tests on targets whose scalar tier is not this code (Cortex-M with DSP).
#[doc(hidden)]
pub fn dot_rows_reference(x: &[i8], w: &[i8], acc: &mut [i32]) -> Result<(), DotError> {
    let n = x.len();
    if n > MAX_ROW || n.checked_mul(acc.len()) != Some(w.len()) {
        return Err(DotError::Shape);
    }
    for (j, a) in acc.iter_mut().enumerate() {
        *a = w.get(j * n..j * n + n).map_or(0, |row| crate::arch::int8::dot_scalar(x, row));
    }
    Ok(())
}

/// The int8 bodies `tier` runs on this CPU, the one it uses first: AVX-512 `"vnni"`,
/// `"bw"`, `"avx2"`; NEON `"sdot"`, `"smull"`. Empty for a tier with one body or that is
/// not available. For tests, fuzzing and benchmarks.
#[doc(hidden)]
pub fn int8_paths(tier: Tier) -> &'static [&'static str] {
    if !tier.is_available() {
        return &[];
    }
    match tier {
        #[cfg(target_arch = "x86_64")]
        Tier::Avx512 => {
            use crate::arch::int8::{avx512_path, Avx512Path};
            match avx512_path() {
                Avx512Path::Vnni => &["vnni", "bw", "avx2"],
                Avx512Path::Bw => &["bw", "avx2"],
                Avx512Path::Avx2 => &["avx2"],
            }
        }
        #[cfg(target_arch = "aarch64")]
        Tier::Neon => {
            use crate::arch::int8::{neon_path, NeonPath};
            match neon_path() {
                NeonPath::Sdot => &["sdot", "smull"],
                NeonPath::Smull => &["smull"],
            }
        }
        _ => &[],
    }
}

/// [`dot_rows`] on `tier` with one of its bodies ([`int8_paths`]).
#[doc(hidden)]
pub fn dot_rows_path(tier: Tier, path: &str, x: &[i8], w: &[i8], acc: &mut [i32]) -> Result<(), DotError> {
    if x.len() > MAX_ROW || x.len().checked_mul(acc.len()) != Some(w.len()) {
        return Err(DotError::Shape);
    }
    if !int8_paths(tier).contains(&path) {
        return Err(DotError::Tier);
    }
    #[cfg(target_arch = "x86_64")]
    if tier == Tier::Avx512 {
        use crate::arch::int8::Avx512Path;
        use crate::arch::x86_64::avx512::Avx512;
        let p = match path {
            "vnni" => Avx512Path::Vnni,
            "bw" => Avx512Path::Bw,
            _ => Avx512Path::Avx2,
        };
        // SAFETY: the AVX-512 tier is available and `path` is one of the bodies this CPU
        // runs (both checked by `int8_paths`); the lengths were checked above.
        unsafe { Avx512::new_unchecked().dot_rows_path(p, x, w, acc) };
        return Ok(());
    }
    #[cfg(target_arch = "aarch64")]
    if tier == Tier::Neon {
        use crate::arch::aarch64::neon::Neon;
        use crate::arch::int8::NeonPath;
        let p = if path == "sdot" { NeonPath::Sdot } else { NeonPath::Smull };
        // SAFETY: the NEON tier is available and `path` is one of the bodies this CPU runs
        // (both checked by `int8_paths`); the lengths were checked above.
        unsafe { Neon::new_unchecked().dot_rows_path(p, x, w, acc) };
        return Ok(());
    }
    Err(DotError::Tier)
}

/// Writes `blob` as Rust source (`pub static NAME: [u8; N] = [...];`) into `out`, with
/// `comment` as its first line: a model to `include!` in firmware, loaded with
/// [`QuantModel::from_bytes`].
pub fn write_rust<W: core::fmt::Write>(out: &mut W, name: &str, comment: &str, blob: &[u8]) -> core::fmt::Result {
    writeln!(out, "// {comment}")?;
    writeln!(out, "// An int8 stacknet model: `stacknet::quant::QuantModel::from_bytes(&{name})`.")?;
    writeln!(out, "pub static {name}: [u8; {}] = [", blob.len())?;
    write_bytes(out, blob)?;
    writeln!(out, "];")
}

/// Writes `blob` as a C header (`static const uint8_t name[NAME_LEN]`) into `out`, with
/// `comment` in its first line: a model for the C API's `stacknet_q8_check` / `stacknet_q8_predict`.
pub fn write_c<W: core::fmt::Write>(out: &mut W, name: &str, comment: &str, blob: &[u8]) -> core::fmt::Result {
    writeln!(out, "/* {comment}\n * An int8 stacknet model (magic STQ8, CRC-32). */")?;
    writeln!(out, "#include <stdint.h>\n")?;
    writeln!(out, "static const uint8_t {name}[{}] = {{", blob.len())?;
    write_bytes(out, blob)?;
    writeln!(out, "}};")
}

fn write_bytes<W: core::fmt::Write>(out: &mut W, blob: &[u8]) -> core::fmt::Result {
    for chunk in blob.chunks(16) {
        out.write_str("   ")?;
        for b in chunk {
            write!(out, " 0x{b:02x},")?;
        }
        out.write_str("\n")?;
    }
    Ok(())
}
