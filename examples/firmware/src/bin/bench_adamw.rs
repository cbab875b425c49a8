//! Footprint of one 2-3-2 `train_step` with AdamW (the firmware's `adamw` optimizer, same
//! network, data and objective as `bench`'s window 1), in its own image so that `bench`'s
//! SGD figures are those of an SGD-only firmware: window 0 is empty (marker overhead),
//! window 1 is the AdamW step, after one warm-up step so the moments are not zero.
//! Instructions from the QEMU plugin, stack high-water by painting, RAM by `size_of`. Bare
//! metal only; `scripts/embedded-check.sh` runs it.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]
// On a hosted target only the stub `main` below is built.
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]

use core::mem::size_of;
use firmware::{adamw, corners_step, new_net, say, XorNet, BATCH, SEED};
use stacknet::prelude::*;

#[cfg(not(target_os = "none"))]
fn main() {
    say!("bench_adamw: bare-metal targets only (stack painting and QEMU markers)");
    firmware::platform::exit(false)
}

#[cfg(target_os = "none")]
#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    use firmware::measure;
    let empty = measure(|| {});
    say!("bench empty window: stack {empty} B");
    let mut net = new_net::<3>(SEED);
    let mut ws = Workspace::<XorNet<3>, BATCH>::new();
    let mut opt = adamw(&net);
    let objective = Objective::default();
    let warm = corners_step(&mut net, &mut ws, &mut opt, &objective).is_ok();
    let mut ok = false;
    let stack = measure(|| ok = corners_step(&mut net, &mut ws, &mut opt, &objective).is_ok());
    let (m, w, o) = (size_of::<XorNet<3>>(), Workspace::<XorNet<3>, BATCH>::BYTES, size_of::<Adam<XorNet<3>>>());
    say!("bench 2-3-2 adamw: stack {stack} B, model {m} B + workspace {w} B + optimizer {o} B = {} B", m + w + o);
    firmware::platform::exit(warm && ok)
}
