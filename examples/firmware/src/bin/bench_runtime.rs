//! Footprint of one 2-3-2 training step of a network described at run time
//! (`stacknet::runtime::Net`: descriptors, model, optimizer state and scratch as `f32`
//! buffers), beside `bench`'s window 1 (the same network, data, objective and SGD as
//! const-generic bricks), in its own image: window 0 is empty (marker overhead), window 1
//! the run-time step. Instructions from the QEMU plugin, stack high-water by painting, RAM
//! of the buffers. Bare metal only; `scripts/embedded-check.sh` runs it.
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

/// Floats of each buffer, large enough for the 2-3-2 network with batch 4 (checked).
const MODEL: usize = 17;
const STATE: usize = 64;
const SCRATCH: usize = 256;

#[cfg(target_os = "none")]
#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    use firmware::measure;
    let empty = measure(|| {});
    say!("bench empty window: stack {empty} B");
    let dense = |inputs, outputs| LayerSpec::Dense { inputs, outputs, bias: Bias::With };
    let layers = [dense(2, 3), LayerSpec::Sigmoid, dense(3, 2), LayerSpec::Sigmoid];
    let Ok(sgd) = Sgd::new(LR) else { firmware::platform::exit(false) };
    let Ok(net) = Net::new(&layers, BATCH, Objective::default(), OptimizerSpec::Sgd(sgd)) else {
        say!("bench_runtime: the description is refused");
        firmware::platform::exit(false)
    };
    let mem = net.memory();
    let (mut model, mut state, mut scratch) = ([0.0f32; MODEL], [0.0f32; STATE], [0.0f32; SCRATCH]);
    let fits = mem.model.floats <= MODEL && mem.optimizer.floats <= STATE && mem.scratch.floats <= SCRATCH;
    // The const net's weights, through the persist format both paths share.
    let mut blob = [0u8; stacknet::persist::max_len::<firmware::XorNet<3>>()];
    let loaded = stacknet::persist::save(&new_net::<3>(SEED), &mut blob)
        .ok()
        .is_some_and(|n| net.load(&mut model[..mem.model.floats], &blob[..n]).is_ok());
    let (x, y) = core::hint::black_box(stacknet::data::XOR_CORNERS);
    let (x, y) = (x.as_flattened(), y.as_flattened());
    let (m, o, s) =
        (&mut model[..mem.model.floats], &mut state[..mem.optimizer.floats], &mut scratch[..mem.scratch.floats]);
    let mut ok = false;
    let stack = measure(|| ok = net.train_step(m, o, s, x, y).is_ok());
    say!(
        "bench 2-3-2 runtime: stack {stack} B, model {} B + optimizer {} B + scratch {} B",
        4 * mem.model.floats,
        4 * mem.optimizer.floats,
        4 * mem.scratch.floats
    );
    firmware::platform::exit(fits && loaded && ok)
}
