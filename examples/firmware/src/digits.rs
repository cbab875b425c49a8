//! Inference only on the chip: the 64-32-10 digits classifier trained on the desktop
//! (`examples/classify`, scalar tier), embedded in flash as its `persist` blob, loaded into
//! RAM, and run over the 450 test images one at a time with an [`Inference`] workspace (each
//! `Dense`'s output row, no gradients: 168 B).

use stacknet::persist::{self, LoadError};
use stacknet::prelude::*;

#[allow(clippy::all)]
mod model {
    include!("digits/model.rs");
}
#[allow(clippy::all)]
mod test_set {
    include!(concat!(env!("OUT_DIR"), "/digits_test.rs"));
}

pub use model::{MEAN, MODEL, STD};
pub use test_set::TEST;

/// The classifier's type, as the exported model's header names it.
pub type Net = (Dense<64, 32>, Tanh<32>, Dense<32, 10>);

/// A network of [`Net`]'s shape to load the blob into: all zero bits, so it is built in
/// place by a memset (no temporary copy on the stack).
pub const fn blank() -> Net {
    Net::ZERO
}

/// Loads the exported model into `net`, checked first (magic, version, length, CRC-32,
/// shape, every value finite). In place: the model is 9.6 KB, most of a Cortex-M0's stack.
#[inline(never)]
pub fn load(net: &mut Net) -> Result<(), LoadError> {
    persist::load(net, &MODEL).map(|_| ())
}

/// One image as the network's input row: `(pixel − MEAN) / STD` in f32, as on the desktop.
#[inline]
pub fn scaled(row: &[u8; 65]) -> [[f32; 64]; 1] {
    let mut x = [[0.0f32; 64]; 1];
    for (((x, &p), &m), &s) in x[0].iter_mut().zip(row).zip(&MEAN).zip(&STD) {
        *x = (f32::from(p) - m) / s;
    }
    x
}

/// The predicted digit of one test row.
#[inline(never)]
pub fn classify(net: &Net, ws: &mut Inference<Net, 1>, row: &[u8; 65]) -> usize {
    argmax(&ws.forward(net, &scaled(row))[0])
}

/// What the run over the test set ended with.
#[derive(Clone, Copy, Debug)]
pub struct Score {
    /// Images classified right (of [`TEST`]'s 450).
    pub correct: usize,
    /// FNV-1a hash of every prediction, in order: equal on every target with the scalar tier.
    pub hash: u32,
}

/// Classifies every test image.
pub fn score(net: &Net, ws: &mut Inference<Net, 1>) -> Score {
    let (mut correct, mut hash) = (0, 0x811c_9dc5u32);
    for row in TEST.iter() {
        let p = classify(net, ws, row);
        correct += usize::from(p == usize::from(row[64]));
        hash = (hash ^ p as u32).wrapping_mul(0x0100_0193);
    }
    Score { correct, hash }
}
