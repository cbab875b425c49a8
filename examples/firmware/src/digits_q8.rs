//! The digits classifier as an int8 model: `digits/model_q8.rs` is the f32 model of
//! [`crate::digits`] quantized on the desktop by `stacknet::quant` (calibrated on the
//! training rows; regenerated and checked by `tests/quant.rs`). The blob stays in flash:
//! [`QuantModel::from_bytes`] checks it where it is and predicts from it, so the RAM is
//! the scratch rows only. The pixels reach the int8 layers through a table of their int8
//! codes (`INPUT_CODES`, generated with the model): no float arithmetic per prediction.

use crate::digits::{MEAN, STD, TEST};
use stacknet::quant::{argmax_q, LoadError, QuantModel};

#[allow(clippy::all)]
mod model {
    include!("digits/model_q8.rs");
}

pub use model::{INPUT_CODES, MODEL_Q8};

/// Scratch bytes of one prediction: the input row plus twice the widest layer (64 + 2·32).
pub const SCRATCH: usize = 64 + 2 * 32;

/// What the desktop gets for this model (pinned in `tests/quant.rs`): 410 of 450 right,
/// and the FNV-1a hash of every int8 output byte, in order.
pub const DESKTOP_CORRECT: usize = 410;
/// See [`DESKTOP_CORRECT`].
pub const DESKTOP_HASH: u32 = 0xfab1_646f;

/// Checks the embedded blob (magic, version, CRC-32, shape, scales, multipliers).
#[inline(never)]
pub fn load() -> Result<QuantModel<'static>, LoadError> {
    QuantModel::from_bytes(&MODEL_Q8)
}

/// One image: each pixel's int8 code from [`INPUT_CODES`] (pixels are 0–16; larger values
/// count as 16), then the int8 layers; the output row is left in `out`.
#[inline(never)]
pub fn classify(model: &QuantModel<'_>, scratch: &mut [i8; SCRATCH], out: &mut [i8; 10], row: &[u8; 65]) -> usize {
    let mut x = [0i8; 64];
    for ((q, &px), codes) in x.iter_mut().zip(row).zip(&INPUT_CODES) {
        *q = codes[usize::from(px.min(16))];
    }
    if model.predict_q(&x, scratch, out).is_err() {
        return usize::MAX;
    }
    argmax_q(out).unwrap_or(usize::MAX)
}

/// The same from f32 features: `(pixel − MEAN) / STD` as for the f32 model, quantized with
/// the model's input parameters (the codes [`INPUT_CODES`] holds, computed on the chip).
#[inline(never)]
pub fn classify_features(
    model: &QuantModel<'_>,
    scratch: &mut [i8; SCRATCH],
    out: &mut [i8; 10],
    row: &[u8; 65],
) -> usize {
    let mut xf = [0.0f32; 64];
    for (((x, &px), &m), &s) in xf.iter_mut().zip(row).zip(&MEAN).zip(&STD) {
        *x = (f32::from(px) - m) / s;
    }
    let mut x = [0i8; 64];
    if model.quantize_input(&xf, &mut x).is_err() || model.predict_q(&x, scratch, out).is_err() {
        return usize::MAX;
    }
    argmax_q(out).unwrap_or(usize::MAX)
}

/// The scalar tier's int8 dot products (with `SMLAD` on a Cortex-M with DSP) against the
/// portable oracle on rows of 1 to 70 values, extremes included: the number of cases, and
/// of cases that differ.
pub fn kernel_matches_reference() -> (usize, usize) {
    use stacknet::kernels::Tier;
    use stacknet::quant::{dot_rows, dot_rows_reference};
    let mut s = 0x2545_f491u32;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s as i8
    };
    let (mut cases, mut bad) = (0, 0);
    let (mut x, mut w) = ([0i8; 70], [0i8; 140]);
    for n in 1..=70 {
        for kind in 0..3 {
            for (i, v) in x.iter_mut().enumerate() {
                *v = match kind {
                    0 => -128,
                    1 if i % 2 == 0 => -128,
                    1 => 127,
                    _ => next(),
                };
            }
            for v in w.iter_mut() {
                *v = if kind == 0 { -128 } else { next() };
            }
            let (x, w) = (&x[..n], &w[..2 * n]);
            let (mut got, mut want) = ([0i32; 2], [1i32; 2]);
            let ok = dot_rows(Tier::Scalar, x, w, &mut got).is_ok() && dot_rows_reference(x, w, &mut want).is_ok();
            cases += 1;
            bad += usize::from(!ok || got != want);
        }
    }
    (cases, bad)
}

/// The signature of [`classify`] and [`classify_features`].
pub type Classify = fn(&QuantModel<'_>, &mut [i8; SCRATCH], &mut [i8; 10], &[u8; 65]) -> usize;

/// Classifies every test image with `classify`: images right, and the FNV-1a hash of
/// every output byte.
pub fn score(model: &QuantModel<'_>, classify: Classify) -> (usize, u32) {
    let (mut correct, mut hash) = (0, 0x811c_9dc5u32);
    let mut scratch = [0i8; SCRATCH];
    let mut out = [0i8; 10];
    for row in TEST.iter() {
        let p = classify(model, &mut scratch, &mut out, row);
        correct += usize::from(p == usize::from(row[64]));
        for &b in &out {
            hash = (hash ^ u32::from(b as u8)).wrapping_mul(0x0100_0193);
        }
    }
    (correct, hash)
}
