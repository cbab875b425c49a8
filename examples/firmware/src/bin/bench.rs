//! Footprint of one `train_step` on the chip: instructions (QEMU plugin windows between
//! `bench_start`/`bench_end`), stack high-water (painting), RAM of model + workspace +
//! optimizer (`size_of`). Window 0 is empty (marker overhead), window 1 is one 2-3-2 step,
//! window 2 one 2-10-2 step. Bare metal only; `scripts/embedded-check.sh` runs it.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]
// On a hosted target only the stub `main` below is built.
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]

use core::hint::black_box;
use core::mem::size_of;
use firmware::{bench_end, bench_start, new_net, say, setup, XorNet, BATCH, SEED};
use stacknet::prelude::*;

const PAINT: u32 = 0xC5C5_C5C5;
const PAINT_BYTES: usize = 4096;

/// One training step, not inlined, so that its frame is measured and it has one address.
#[inline(never)]
fn step<const H: usize>(
    net: &mut XorNet<H>,
    ws: &mut Workspace<XorNet<H>, BATCH>,
    opt: &mut Sgd,
    objective: &Objective,
) -> Result<StepReport, StepError> {
    let (x, y) = black_box(stacknet::data::XOR_CORNERS);
    train_step(net, &x, &y, ws, opt, objective)
}

#[cfg(not(target_os = "none"))]
fn main() {
    say!("bench: bare-metal targets only (stack painting and QEMU markers)");
    firmware::platform::exit(false)
}

/// Paints `PAINT_BYTES` below the stack pointer, runs `f` between the markers and returns
/// how many bytes below the caller's stack pointer were written.
#[cfg(target_os = "none")]
#[inline(always)]
fn measure(f: impl FnOnce()) -> usize {
    let top = firmware::platform::stack_pointer();
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

#[cfg(target_os = "none")]
fn bench<const H: usize>() -> bool {
    let mut net = new_net::<H>(SEED);
    let mut ws = Workspace::<XorNet<H>, BATCH>::new();
    let (mut opt, objective) = setup();
    let mut ok = false;
    let stack = measure(|| ok = step(&mut net, &mut ws, &mut opt, &objective).is_ok());
    let (m, w, o) = (size_of::<XorNet<H>>(), Workspace::<XorNet<H>, BATCH>::BYTES, size_of::<Sgd>());
    say!("bench 2-{H}-2: stack {stack} B, model {m} B + workspace {w} B + optimizer {o} B = {} B", m + w + o);
    ok
}

#[cfg(target_os = "none")]
#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    let empty = measure(|| {});
    say!("bench empty window: stack {empty} B");
    let ok = bench::<3>() & bench::<10>();
    firmware::platform::exit(ok)
}
