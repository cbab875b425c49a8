//! Footprint of a training step of a network described at run time
//! (`stacknet::runtime::Net`: descriptors, model, optimizer state and scratch as `f32`
//! buffers), beside `bench`'s windows 1 and 2 (the same networks, data, objective and SGD
//! as const-generic bricks), in its own image: window 0 is empty (marker overhead), window
//! 1 the run-time 2-3-2 step, window 2 the 2-10-2 one. Instructions from the QEMU plugin,
//! stack high-water by painting, RAM of the buffers. Bare metal only;
//! `scripts/embedded-check.sh` runs it.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]
// On a hosted target only the stub `main` below is built.
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]

use firmware::{new_net, say, BATCH, LR, SEED};
use stacknet::prelude::*;
use stacknet::runtime::{LayerSpec, Net, OptimizerSpec};

#[cfg(not(target_os = "none"))]
fn main() {
    say!("bench_runtime: bare-metal targets only (stack painting and QEMU markers)");
    firmware::platform::exit(false)
}

/// Floats of each buffer, large enough for the 2-10-2 network with batch 4 (checked).
const MODEL: usize = 52;
const STATE: usize = 64;
const SCRATCH: usize = 256;
/// Bytes of the larger network's blob.
const BLOB: usize = stacknet::persist::max_len::<firmware::XorNet<10>>();

/// One step of the 2-H-2 network described at run time, measured as `measure` measures the
/// bricks' step in `bench` (the same weights through the persist format both paths share,
/// the same data, objective and SGD); whether every buffer fitted and the step was taken.
#[cfg(target_os = "none")]
fn bench<const H: usize>() -> bool {
    let dense = |inputs, outputs| LayerSpec::Dense { inputs, outputs, bias: Bias::With };
    let layers = [dense(2, H), LayerSpec::Sigmoid, dense(H, 2), LayerSpec::Sigmoid];
    let Ok(sgd) = Sgd::new(LR) else { return false };
    let Ok(net) = Net::new(&layers, BATCH, Objective::default(), OptimizerSpec::Sgd(sgd)) else {
        say!("bench_runtime: the description is refused");
        return false;
    };
    let mem = net.memory();
    let (mut model, mut state, mut scratch) = ([0.0f32; MODEL], [0.0f32; STATE], [0.0f32; SCRATCH]);
    if mem.model.floats > MODEL || mem.optimizer.floats > STATE || mem.scratch.floats > SCRATCH {
        say!("bench_runtime: the buffers are too small for 2-{H}-2");
        return false;
    }
    let mut blob = [0u8; BLOB];
    let loaded = stacknet::persist::save(&new_net::<H>(SEED), &mut blob)
        .ok()
        .is_some_and(|n| net.load(&mut model[..mem.model.floats], &blob[..n]).is_ok());
    let (x, y) = core::hint::black_box(stacknet::data::XOR_CORNERS);
    let (x, y) = (x.as_flattened(), y.as_flattened());
    let (m, o, s) =
        (&mut model[..mem.model.floats], &mut state[..mem.optimizer.floats], &mut scratch[..mem.scratch.floats]);
    let mut ok = false;
    let stack = firmware::measure(|| ok = step(&net, m, o, s, x, y));
    say!(
        "bench 2-{H}-2 runtime: stack {stack} B, model {} B + optimizer {} B + scratch {} B",
        4 * mem.model.floats,
        4 * mem.optimizer.floats,
        4 * mem.scratch.floats
    );
    loaded && ok
}

/// One run-time step, out of line as a caller's call into the engine is (both widths
/// measure the same code, whatever the inliner does with two call sites).
#[inline(never)]
fn step(net: &Net, model: &mut [f32], state: &mut [f32], scratch: &mut [f32], x: &[f32], y: &[f32]) -> bool {
    net.train_step(model, state, scratch, x, y).is_ok()
}

#[cfg(target_os = "none")]
#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    let empty = firmware::measure(|| {});
    say!("bench empty window: stack {empty} B");
    let ok = bench::<3>() & bench::<10>();
    firmware::platform::exit(ok)
}
