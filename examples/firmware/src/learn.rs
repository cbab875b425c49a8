//! Learning on the device: the deployed digits classifier's last layer (`Dense<32, 10>`) is
//! fine-tuned on the chip with images of the test set, checkpointed (head + optimizer) to a
//! flash every [`EVERY`] steps, and resumed after a reset from the newest valid checkpoint.
//!
//! The data order is a function of the step counter alone ([`batch_rows`]), so a run
//! resumed from a checkpoint continues bit for bit as the uninterrupted run does.

use crate::digits::{self, TEST};
use stacknet::checkpoint;
use stacknet::optim::Momentum;
use stacknet::persist::{self, LoadError};
use stacknet::prelude::*;

/// The frozen part: the hidden features.
pub type Base = (Dense<64, 32>, Tanh<32>);
/// The part trained on the device.
pub type Head = Dense<32, 10>;
/// The deployed classifier, split in two (the same parameters in the same order as
/// [`digits::Net`], so the embedded blob loads into it).
pub type Split = (Base, Head);
/// SGD with momentum on the head.
pub type Opt = Sgd<Momentum<Head>>;

/// Rows per mini-batch.
pub const BATCH: usize = 4;
/// The first this many test rows are the training stream; the rest are held out.
pub const TRAIN_ROWS: usize = 300;
/// Training steps of a whole run.
pub const STEPS: u32 = 150;
/// A checkpoint after every this many steps.
pub const EVERY: u32 = 10;
/// Learning rate and momentum.
pub const LR: f32 = 0.02;
/// Momentum coefficient.
pub const MU: f32 = 0.9;

/// The model with all zero bits, to load into.
pub const fn blank() -> Split {
    <Split as Layer>::ZERO
}

/// Loads the deployed classifier (the embedded blob) into `model`.
pub fn load_deployed(model: &mut Split) -> Result<(), LoadError> {
    persist::load(model, &digits::MODEL).map(|_| ())
}

/// A fresh optimizer for `head` (no steps, zero velocity).
pub fn new_opt(head: &Head) -> Opt {
    // Both settings are finite and in range: the constructors cannot refuse them.
    let sgd = Sgd::new(LR).unwrap_or_else(|_| unreachable!());
    sgd.with_momentum(MU, head).unwrap_or_else(|_| unreachable!())
}

/// The training rows of step `t` (0-based: the optimizer's step count before the step):
/// sample `k = t·BATCH + i` is row `(j·97 + e·131) mod TRAIN_ROWS` with `e, j = divmod(k,
/// TRAIN_ROWS)`, a different permutation of the stream in every epoch (97 is prime to 300).
pub fn batch_rows(t: u32) -> [usize; BATCH] {
    let mut rows = [0; BATCH];
    for (i, r) in rows.iter_mut().enumerate() {
        let k = t as usize * BATCH + i;
        let (e, j) = (k / TRAIN_ROWS, k % TRAIN_ROWS);
        *r = (j * 97 + e * 131) % TRAIN_ROWS;
    }
    rows
}

/// One training step of the head on the batch of step `opt.steps()`: the hidden features
/// come from the frozen base through an inference workspace; the workspaces live in this
/// frame only (not across checkpoint saves, whose scratch buffer takes their place).
#[inline(never)]
pub fn step(base: &Base, head: &mut Head, opt: &mut Opt, objective: &Objective) -> Result<StepReport, StepError> {
    let mut inf = Inference::<Base, BATCH>::new();
    let mut ws = Workspace::<Head, BATCH>::new();
    let mut x = [[0.0f32; 64]; BATCH];
    let mut y = [[0.0f32; 10]; BATCH];
    for ((x, y), r) in x.iter_mut().zip(&mut y).zip(batch_rows(opt.steps())) {
        let row = &TEST[r];
        *x = digits::scaled(row)[0];
        y[usize::from(row[64]) % 10] = 1.0;
    }
    let h = inf.forward(base, &x);
    train_step(head, h, &y, &mut ws, opt, objective)
}

/// Held-out images (rows `TRAIN_ROWS..`) classified right by `base` + `head`.
#[inline(never)]
pub fn held_out_correct(base: &Base, head: &Head) -> usize {
    let mut inf = Inference::<Base, 1>::new();
    let mut out = Inference::<Head, 1>::new();
    let mut correct = 0;
    for row in &TEST[TRAIN_ROWS..] {
        let h = inf.forward(base, &digits::scaled(row));
        let p = argmax(&out.forward(head, h)[0]);
        correct += usize::from(p == usize::from(row[64]));
    }
    correct
}

/// 32-bit FNV-1a over the bits of every head parameter, then the step counter.
pub fn state_hash(head: &Head, opt: &Opt) -> u32 {
    let mut h = crate::weight_hash(head);
    for b in opt.steps().to_le_bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// Bytes of a checkpoint slot on flash `F`.
pub const fn slot_len<F: embedded_storage::nor_flash::NorFlash>() -> usize {
    checkpoint::slot_len::<Head, F>()
}

/// Scratch bytes of a save or load on flash `F`.
pub const fn scratch_len<F: embedded_storage::nor_flash::NorFlash>() -> usize {
    checkpoint::scratch_len::<Head, F>()
}
