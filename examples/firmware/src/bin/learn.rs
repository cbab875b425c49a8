//! Learning on the device, safely: fine-tunes the deployed digits classifier's last layer
//! on the first 300 test images (mini-batches of 4, SGD with momentum, softmax
//! cross-entropy, scalar tier), checkpoints head + optimizer every 10 steps into an A/B
//! `checkpoint::Store` over a flash kept in the host file `learn-flash.bin` (semihosting on
//! bare metal, `std::fs` on a hosted target), and at boot resumes from the newest valid
//! checkpoint. Prints the held-out accuracy (the last 150 test images) before and after, a
//! hash of the head + step counter at every checkpoint and at the end, and exits 0 on PASS.
//! `scripts/power-cut.sh` cuts the power of QEMU at random instructions and checks that
//! every resumed run ends with the uninterrupted run's bits.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

use core::mem::size_of;
use firmware::host_flash::HostFlash;
use firmware::learn::{self, Base, Head, Opt, BATCH, EVERY, STEPS, TRAIN_ROWS};
use firmware::say;
use stacknet::checkpoint::{Slot, Store};
use stacknet::kernels::{force, Tier};
use stacknet::prelude::*;

/// The host file holding the flash (relative to QEMU's working directory).
const FLASH_FILE: &str = "learn-flash.bin\0";
const SLOT: usize = learn::slot_len::<HostFlash>();
const SCRATCH: usize = learn::scratch_len::<HostFlash>();

type Flash = Store<HostFlash>;

fn fail(what: core::fmt::Arguments<'_>) -> ! {
    say!("learn: {} FAIL", what);
    firmware::platform::exit(false)
}

/// Loads the newest checkpoint; the scratch buffer lives in this frame only.
#[inline(never)]
fn load(store: &mut Flash, head: &mut Head, opt: &mut Opt) -> Option<u32> {
    let mut scratch = [0u8; SCRATCH];
    match store.load(head, opt, &mut scratch) {
        Ok(seq) => seq,
        Err(e) => fail(format_args!("checkpoint load failed: {e}")),
    }
}

/// Saves a checkpoint; the scratch buffer lives in this frame only. The save runs between
/// the `bench_start`/`bench_end` markers, so that the QEMU plugin (`marks=1`) can tell
/// `scripts/power-cut.sh` where the saves are in a run.
#[inline(never)]
fn save(store: &mut Flash, head: &Head, opt: &Opt) -> u32 {
    let mut scratch = [0u8; SCRATCH];
    firmware::bench_start();
    let saved = store.save(head, opt, &mut scratch);
    firmware::bench_end();
    match saved {
        Ok(seq) => seq,
        Err(e) => fail(format_args!("checkpoint save failed: {e}")),
    }
}

/// Stack painting (Arm bare metal): fills the free RAM between the end of `.bss` and
/// just below the current stack pointer with a pattern at boot, and later finds the lowest
/// word overwritten, for the RAM report (16 KiB on the Cortex-M0).
#[cfg(all(target_arch = "arm", target_os = "none"))]
mod stack {
    const PAINT: u32 = 0xC5C5_C5C5;
    extern "C" {
        static __sheap: u32;
        static _stack_start: u32;
    }

    fn bounds() -> (usize, usize) {
        // Only the addresses of the linker symbols are taken, never their contents.
        (core::ptr::addr_of!(__sheap) as usize, core::ptr::addr_of!(_stack_start) as usize)
    }

    /// Paints from the end of `.bss` to 256 bytes below the stack pointer.
    #[inline(always)]
    pub fn paint() {
        let (bottom, _) = bounds();
        let top = firmware::platform::stack_pointer() - 256;
        let mut p = bottom;
        while p < top {
            // SAFETY: between the end of .bss and below the stack pointer (with a margin)
            // nothing is live: no heap, no interrupts.
            unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
            p += 4;
        }
    }

    /// (bytes of stack used at most, bytes of RAM for .data + .bss + stack).
    pub fn high_water() -> (usize, usize) {
        let (bottom, top) = bounds();
        let mut q = bottom;
        // SAFETY: reads the painted words back (the region painted by `paint`).
        while q < top && unsafe { core::ptr::read_volatile(q as *const u32) } == PAINT {
            q += 4;
        }
        (top - q, top - 0x2000_0000)
    }
}

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    #[cfg(all(target_arch = "arm", target_os = "none"))]
    stack::paint();
    say!("target {}", env!("FIRMWARE_TARGET"));
    let _ = force(Tier::Scalar);
    let mut model = learn::blank();
    if let Err(e) = learn::load_deployed(&mut model) {
        fail(format_args!("the embedded model does not load: {e}"));
    }
    let (base, head) = (&model.0, &mut model.1);
    let held_out = firmware::digits::TEST.len() - TRAIN_ROWS;
    let before = learn::held_out_correct(base, head);
    say!("held-out accuracy before: {before}/{held_out}");
    say!(
        "RAM: model {} B (head {} B), optimizer {} B, head workspace {} B, base inference {} B, scratch {} B; flash slots 2 x {} B",
        size_of::<learn::Split>(),
        size_of::<Head>(),
        size_of::<Opt>(),
        Workspace::<Head, BATCH>::BYTES,
        Inference::<Base, BATCH>::BYTES,
        SCRATCH,
        SLOT
    );

    let flash = match HostFlash::open(FLASH_FILE, 2 * SLOT) {
        Ok(f) => f,
        Err(e) => fail(format_args!("cannot open the flash file: {e:?}")),
    };
    let mut store = match Store::new(flash, Slot::new(0, SLOT as u32), Slot::new(SLOT as u32, SLOT as u32)) {
        Ok(s) => s,
        Err(e) => fail(format_args!("bad flash layout: {e}")),
    };
    let mut opt = learn::new_opt(head);
    match load(&mut store, head, &mut opt) {
        Some(seq) => say!(
            "resumed from checkpoint seq {seq} at step {}, hash {:08x}",
            opt.steps(),
            learn::state_hash(head, &opt)
        ),
        None => say!("fresh start"),
    }

    let objective = Objective::softmax_cross_entropy();
    let mut loss = f32::NAN;
    while opt.steps() < STEPS {
        match learn::step(base, head, &mut opt, &objective) {
            Ok(r) => loss = r.loss,
            Err(e) => fail(format_args!("step {} failed: {e}", opt.steps())),
        }
        if opt.steps().is_multiple_of(EVERY) {
            let seq = save(&mut store, head, &opt);
            say!("checkpoint seq {seq} step {} hash {:08x} saved", opt.steps(), learn::state_hash(head, &opt));
        }
    }
    let after = learn::held_out_correct(base, head);
    let hash = learn::state_hash(head, &opt);
    let ok = opt.steps() == STEPS && after >= before;
    #[cfg(all(target_arch = "arm", target_os = "none"))]
    {
        let (used, ram) = stack::high_water();
        say!(
            "stack high-water {used} B of {ram} B RAM (model, optimizer, workspaces and scratch all live on the stack)"
        );
    }
    if loss.is_nan() {
        say!("final step {} hash {hash:08x} (no step run here)", opt.steps());
    } else {
        say!("final step {} hash {hash:08x} loss {loss:.6} (of the last step run here)", opt.steps());
    }
    say!("held-out accuracy before {before}/{held_out} after {after}/{held_out}");
    say!("{}", if ok { "PASS" } else { "FAIL" });
    firmware::platform::exit(ok)
}
