//! The XOR training runs that every target executes unchanged: the Cortex-M firmware in
//! QEMU, RISC-V, aarch64 Linux under qemu-aarch64 and the x86_64 host. Same seed, same
//! steps, scalar tier ⇒ the same weight bits, checked by comparing [`weight_hash`]es
//! (`scripts/embedded-check.sh`), with SGD ([`sgd`]) and with AdamW ([`adamw`]).
//!
//! The crate is `no_std` on bare metal and uses `std` only for printing and exiting on a
//! hosted target; the training code is the same either way.
#![cfg_attr(target_os = "none", no_std)]

pub mod digits;
pub mod digits_q8;
pub mod host_flash;
pub mod learn;
pub mod platform;

use stacknet::kernels::{force, Tier};
use stacknet::nn::{Layer, ParamKind};
use stacknet::optim::Optimizer;
use stacknet::persist::OptimizerState;
use stacknet::prelude::*;

/// The XOR network with biases: 2 → `H` → 2, a sigmoid after each layer.
pub type XorNet<const H: usize> = (Dense<2, H>, Sigmoid<H>, Dense<H, 2>, Sigmoid<2>);

/// Batch size: the four corners at once.
pub const BATCH: usize = 4;
/// The seed of every run.
pub const SEED: u64 = 2024;
/// Plain SGD learning rate.
pub const LR: f32 = 2.0;
/// Training steps per network with SGD.
pub const STEPS: u32 = 2000;
/// AdamW's learning rate.
pub const ADAM_LR: f32 = 0.05;
/// AdamW's decoupled weight decay.
pub const ADAM_DECAY: f32 = 1e-4;
/// Training steps per network with AdamW (it needs fewer).
pub const ADAM_STEPS: u32 = 500;
/// Print the loss every this many steps.
pub const LOG_EVERY: u32 = 400;

/// What one run ended with.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    /// Objective after the last step.
    pub loss: f32,
    /// Corners (of 4) classified right.
    pub correct: usize,
    /// FNV-1a hash of every parameter's bits, in visiting order.
    pub hash: u32,
}

/// A freshly initialised network from `seed` (`Init::UniformFanIn`).
pub fn new_net<const H: usize>(seed: u64) -> XorNet<H> {
    let mut rng = stacknet::init::rng(seed);
    Layer::random(&mut rng, Init::UniformFanIn)
}

/// The optimizer and objective of every SGD run.
pub fn setup() -> (Sgd, Objective) {
    (sgd(&()), Objective::default())
}

/// Plain SGD at [`LR`] (the model is unused: SGD keeps no per-parameter state).
pub fn sgd<M>(_: &M) -> Sgd {
    // The constructor only refuses non-finite or non-positive rates; the constant is fine.
    Sgd::new(LR).unwrap_or_else(|_| unreachable!())
}

/// AdamW at [`ADAM_LR`] with weight decay [`ADAM_DECAY`], moments shaped like `net`.
pub fn adamw<M: Layer>(net: &M) -> Adam<M> {
    // Both settings are in range; the builders only refuse out-of-range ones.
    Adam::new(ADAM_LR, net).and_then(|a| a.with_weight_decay(ADAM_DECAY)).unwrap_or_else(|_| unreachable!())
}

/// Trains `XorNet<H>` on the four XOR corners for [`STEPS`] steps of SGD from [`SEED`] with
/// the scalar tier, calling `log(step, loss)` every [`LOG_EVERY`] steps and after the last.
pub fn train_xor<const H: usize>(log: &mut dyn FnMut(u32, f32)) -> Result<Outcome, StepError> {
    train_xor_with::<H, _>(sgd, STEPS, log)
}

/// [`train_xor`] with the optimizer `make` builds, for `steps` steps.
pub fn train_xor_with<const H: usize, O: Optimizer<XorNet<H>>>(
    make: fn(&XorNet<H>) -> O,
    steps: u32,
    log: &mut dyn FnMut(u32, f32),
) -> Result<Outcome, StepError> {
    // Bit-reproducible across targets only on the portable tier.
    let _ = force(Tier::Scalar);
    let mut net = new_net::<H>(SEED);
    let mut ws = Workspace::<XorNet<H>, BATCH>::new();
    let mut opt = make(&net);
    let loss = train_steps(&mut net, &mut ws, &mut opt, &Objective::default(), 1..=steps, log)?;
    Ok(outcome(&net, &mut ws, loss))
}

/// Steps `steps` (numbered from 1) of the XOR run; returns the last step's objective.
fn train_steps<const H: usize, O: Optimizer<XorNet<H>>>(
    net: &mut XorNet<H>,
    ws: &mut Workspace<XorNet<H>, BATCH>,
    opt: &mut O,
    objective: &Objective,
    steps: core::ops::RangeInclusive<u32>,
    log: &mut dyn FnMut(u32, f32),
) -> Result<f32, StepError> {
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut loss = f32::NAN;
    for step in steps {
        loss = train_step(net, &x, &y, ws, opt, objective)?.loss;
        if step % LOG_EVERY == 0 || step == 1 {
            log(step, loss);
        }
    }
    Ok(loss)
}

/// Corners classified right and the weight hash of a trained net.
fn outcome<const H: usize>(net: &XorNet<H>, ws: &mut Workspace<XorNet<H>, BATCH>, loss: f32) -> Outcome {
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut pred = [0usize; BATCH];
    predict_into(net, &x, ws, &mut pred);
    let correct = pred.iter().zip(&y).filter(|(&p, t)| t[p] == 1.0).count();
    Outcome { loss, correct, hash: weight_hash(net) }
}

/// Bytes set aside for a saved model + optimizer (what firmware would keep in a flash page).
pub const SAVE_BYTES: usize = 512;

/// How [`train_xor_across_reset`] ended.
#[derive(Clone, Copy, Debug)]
pub struct Resumed {
    /// Bytes the model and optimizer state took in the buffer.
    pub saved: usize,
    /// A copy of the buffer with one bit flipped was refused and left the net untouched.
    pub corruption_detected: bool,
    /// The reloaded weights hash like the saved ones.
    pub reloaded_exactly: bool,
    /// The end of the run, as [`train_xor`] reports it: the same bits as a run without the
    /// reset.
    pub outcome: Outcome,
}

/// What stopped [`train_xor_across_reset`].
#[derive(Clone, Copy, Debug)]
pub enum ResumeError {
    /// A training step was refused.
    Step(StepError),
    /// Saving failed (the buffer is too small).
    Save(stacknet::persist::SaveError),
    /// Loading the intact buffer failed.
    Load(stacknet::persist::LoadError),
}

/// Firmware keeping what it learned across a reset: trains the first half of the run, saves
/// model and optimizer into a byte buffer (what would go to flash), throws both away (a
/// fresh net from another seed and a fresh optimizer, as after a reset), checks that a
/// corrupted copy of the buffer is refused, loads the buffer and trains the second half.
/// The result must be bit-identical to [`train_xor`]'s uninterrupted run.
pub fn train_xor_across_reset<const H: usize>(log: &mut dyn FnMut(u32, f32)) -> Result<Resumed, ResumeError> {
    train_xor_across_reset_with::<H, _>(sgd, STEPS, log)
}

/// [`train_xor_across_reset`] with the optimizer `make` builds, for `steps` steps in all:
/// its whole state (AdamW: both moments and the step counter) goes through the buffer.
pub fn train_xor_across_reset_with<const H: usize, O: Optimizer<XorNet<H>> + OptimizerState<XorNet<H>>>(
    make: fn(&XorNet<H>) -> O,
    steps: u32,
    log: &mut dyn FnMut(u32, f32),
) -> Result<Resumed, ResumeError> {
    use stacknet::persist;
    let _ = force(Tier::Scalar);
    let objective = Objective::default();
    let mut flash = [0u8; SAVE_BYTES];
    let saved = {
        let mut net = new_net::<H>(SEED);
        let mut ws = Workspace::<XorNet<H>, BATCH>::new();
        let mut opt = make(&net);
        train_steps(&mut net, &mut ws, &mut opt, &objective, 1..=steps / 2, log).map_err(ResumeError::Step)?;
        let n = persist::save_with_optimizer(&net, &opt, &mut flash).map_err(ResumeError::Save)?;
        (n, weight_hash(&net))
    }; // model, workspace and optimizer are gone here: the "reset"
    let (len, saved_hash) = saved;

    let mut net = new_net::<H>(SEED + 1);
    let mut ws = Workspace::<XorNet<H>, BATCH>::new();
    let mut opt = make(&net);
    let mut corrupted = flash;
    corrupted[len / 2] ^= 0x10;
    let before = weight_hash(&net);
    let corruption_detected =
        persist::load_with_optimizer(&mut net, &mut opt, &corrupted[..len]).is_err() && weight_hash(&net) == before;
    persist::load_with_optimizer(&mut net, &mut opt, &flash[..len]).map_err(ResumeError::Load)?;
    let reloaded_exactly = weight_hash(&net) == saved_hash && opt.steps() == steps / 2;
    let loss =
        train_steps(&mut net, &mut ws, &mut opt, &objective, steps / 2 + 1..=steps, log).map_err(ResumeError::Step)?;
    Ok(Resumed { saved: len, corruption_detected, reloaded_exactly, outcome: outcome(&net, &mut ws, loss) })
}

/// 32-bit FNV-1a over the little-endian bits of every parameter (weights and biases, in
/// the model's visiting order).
pub fn weight_hash<M: Layer>(net: &M) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    net.visit(&mut |_: ParamKind, p: &[f32]| {
        for v in p {
            for b in v.to_bits().to_le_bytes() {
                h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
        }
    });
    h
}

/// One training step of `XorNet<H>` on the four corners (behind a `black_box`), not
/// inlined, so that the bench binaries measure its frame and it has one address.
#[inline(never)]
pub fn corners_step<const H: usize, O: Optimizer<XorNet<H>>>(
    net: &mut XorNet<H>,
    ws: &mut Workspace<XorNet<H>, BATCH>,
    opt: &mut O,
    objective: &Objective,
) -> Result<StepReport, StepError> {
    let (x, y) = core::hint::black_box(stacknet::data::XOR_CORNERS);
    train_step(net, &x, &y, ws, opt, objective)
}

/// Marks the start of a measured region (its address is the QEMU plugin's `start=`).
/// Different bodies for the two markers, or the linker folds them into one address.
#[inline(never)]
#[unsafe(no_mangle)]
pub extern "C" fn bench_start() {
    // SAFETY: a volatile write (never optimised away) to our own static.
    unsafe { core::ptr::write_volatile(MARK.as_ptr(), 1) };
}

/// Marks the end of a measured region (the plugin's `end=`).
#[inline(never)]
#[unsafe(no_mangle)]
pub extern "C" fn bench_end() {
    // SAFETY: as in `bench_start`.
    unsafe { core::ptr::write_volatile(MARK.as_ptr(), 2) };
}

/// The bench binaries' stack paint pattern and how far below the stack pointer it goes.
#[cfg(target_os = "none")]
const PAINT: u32 = 0xC5C5_C5C5;
#[cfg(target_os = "none")]
const PAINT_BYTES: usize = 4096;

/// Paints `PAINT_BYTES` below the stack pointer, runs `f` between the markers and returns
/// how many bytes below the caller's stack pointer were written.
#[cfg(target_os = "none")]
#[inline(always)]
pub fn measure(f: impl FnOnce()) -> usize {
    let top = platform::stack_pointer();
    let bottom = top - PAINT_BYTES;
    // SAFETY: nothing below the stack pointer is live (no red zone on Arm or RISC-V bare
    // metal, no interrupts enabled), and the 16 KiB RAM holds main's frame + 4 KiB.
    unsafe {
        let mut p = bottom;
        while p < top {
            core::ptr::write_volatile(p as *mut u32, PAINT);
            p += 4;
        }
    }
    bench_start();
    f();
    bench_end();
    let mut q = bottom;
    // SAFETY: reads the painted words back; same region as above.
    while q < top && unsafe { core::ptr::read_volatile(q as *const u32) } == PAINT {
        q += 4;
    }
    top - q
}

static MARK: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// The flash probes' body: a zeroed 2-`H`-2 network, its workspace and the corners behind
/// `black_box`es (nothing is constant-folded), then one `train_step` if `STEP`. The
/// `flash_*` binaries call it with and without the step, so the difference of their sizes is
/// what `train_step` alone pulls into flash (setup, copies and zeroing cancel out).
#[inline(never)]
pub fn flash_probe<const H: usize, const STEP: bool>() -> bool {
    let mut net = core::hint::black_box(<XorNet<H> as Layer>::ZERO);
    let mut ws = core::hint::black_box(Workspace::<XorNet<H>, BATCH>::new());
    let (mut opt, objective) = setup();
    let (x, y) = core::hint::black_box(stacknet::data::XOR_CORNERS);
    let ok = !STEP || train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).is_ok();
    core::hint::black_box((&mut net, &mut ws));
    ok
}

/// The run-time flash probe's body: one training step of the 2-3-2 network described at
/// run time (`stacknet::runtime::Net`: the description checked, then the step on `f32`
/// buffers), zeroed weights, with [`setup`]'s objective and SGD. `flash_runtime` calls it
/// beside `flash_base`'s body, so the difference is what the run-time step pulls into flash.
#[inline(never)]
pub fn flash_probe_runtime() -> bool {
    use stacknet::runtime::{LayerSpec, Net, OptimizerSpec};
    let dense = |inputs, outputs| LayerSpec::Dense { inputs, outputs, bias: Bias::With };
    let layers = core::hint::black_box([dense(2, 3), LayerSpec::Sigmoid, dense(3, 2), LayerSpec::Sigmoid]);
    let (sgd, objective) = setup();
    let Ok(net) = Net::new(&layers, BATCH, objective, OptimizerSpec::Sgd(sgd)) else { return false };
    let (mut model, mut state, mut scratch) = core::hint::black_box(([0.0f32; 17], [0.0f32; 64], [0.0f32; 256]));
    let (x, y) = core::hint::black_box(stacknet::data::XOR_CORNERS);
    let ok = net.train_step(&mut model, &mut state, &mut scratch, x.as_flattened(), y.as_flattened()).is_ok();
    core::hint::black_box((&mut model, &mut state, &mut scratch));
    ok
}

/// The inference flash probes' body: a zeroed network of type `M` and a blob behind
/// `black_box`es, then, if `INFER`, what an inference-only firmware runs: `persist::load`
/// of the blob and one prediction through an [`Inference`] workspace. `flash_infer_*` call it
/// with and without, so the difference is what load + predict pull into flash (the blob,
/// a model's bytes, is counted apart).
#[inline(never)]
pub fn flash_probe_infer<M, const IN: usize, const OUT: usize, const INFER: bool>(blob: &[u8]) -> usize
where
    M: stacknet::nn::InferFrom<In = stacknet::nn::D<IN>, Out = stacknet::nn::D<OUT>>,
{
    let mut net = core::hint::black_box(M::ZERO);
    let mut ws = core::hint::black_box(Inference::<M, 1>::new());
    let x = core::hint::black_box([[0.5f32; IN]; 1]);
    let blob = core::hint::black_box(blob);
    let mut class = usize::MAX;
    if INFER && stacknet::persist::load(&mut net, blob).is_ok() {
        class = argmax(&ws.forward(&net, &x)[0]);
    }
    core::hint::black_box((&mut net, &mut ws));
    class
}

/// The int8 flash probe's body: what an int8 inference-only firmware runs, checking the
/// blob in place (`QuantModel::from_bytes`) and one prediction of a 64-wide input row into
/// 10 outputs (scratch for layers up to 32 wide). `flash_infer_q8` calls it beside
/// `flash_infer_base`'s body.
#[inline(never)]
pub fn flash_probe_q8(blob: &[u8]) -> usize {
    let blob = core::hint::black_box(blob);
    let x = core::hint::black_box([0.5f32; 64]);
    let mut scratch = [0i8; digits_q8::SCRATCH];
    let mut out = [0i8; 10];
    let mut class = usize::MAX;
    if let Ok(m) = stacknet::quant::QuantModel::from_bytes(blob) {
        let mut q = [0i8; 64];
        if m.quantize_input(&x, &mut q).is_ok() && m.predict_q(&q, &mut scratch, &mut out).is_ok() {
            class = stacknet::quant::argmax_q(&out).unwrap_or(usize::MAX);
        }
    }
    core::hint::black_box((&mut scratch, &mut out));
    class
}
