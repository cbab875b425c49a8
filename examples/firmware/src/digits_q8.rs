//! The digits classifier as an int8 model: `digits/model_q8.rs` is the f32 model of
//! [`crate::digits`] quantized on the desktop by `stacknet::quant` (calibrated on the
//! training rows; regenerated and checked by `tests/quant.rs`). The blob stays in flash:
//! [`QuantModel::from_bytes`] checks it where it is and predicts from it, so the RAM is
//! the scratch rows only.

use crate::digits::{MEAN, STD, TEST};
use stacknet::quant::{argmax_q, LoadError, QuantModel};

#[allow(clippy::all)]
mod model {
    include!("digits/model_q8.rs");
}

pub use model::MODEL_Q8;

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

/// One image: `(pixel − MEAN) / STD` in f32 as for the f32 model, quantized with the
/// model's input parameters, then the int8 layers; the output row is left in `out`.
#[inline(never)]
pub fn classify(model: &QuantModel<'_>, scratch: &mut [i8; SCRATCH], out: &mut [i8; 10], row: &[u8; 65]) -> usize {
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

/// Classifies every test image: images right, and the FNV-1a hash of every output byte.
pub fn score(model: &QuantModel<'_>) -> (usize, u32) {
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
