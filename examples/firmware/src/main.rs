//! Trains XOR (2-3-2 and 2-10-2 with biases, batch 4, MSE) on the four corners from a fixed
//! seed with plain SGD, then with AdamW; prints the loss every few hundred steps, checks all
//! four corners, prints the weight hash, repeats each 2-3-2 run with a save → reset → load
//! halfway (it must end with the same bits, and a corrupted copy of the save must be
//! refused), and exits 0 on PASS, 1 on FAIL. The same program runs on the microcontrollers (semihosting) and on
//! hosted targets (std).
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

use firmware::{adamw, say, sgd, train_xor_across_reset_with, train_xor_with, Outcome, XorNet};
use firmware::{ADAM_DECAY, ADAM_LR, ADAM_STEPS, BATCH, LR, SEED, STEPS};
use stacknet::optim::Optimizer;
use stacknet::persist::OptimizerState;

/// Trains 2-`H`-2 with the optimizer `make` builds and reports; returns `Some(hash)` on
/// PASS. `name` starts the report lines (`xor` for SGD, `adamw`).
fn run<const H: usize, O: Optimizer<XorNet<H>>>(name: &str, make: fn(&XorNet<H>) -> O, steps: u32) -> Option<u32> {
    let r: Result<Outcome, _> =
        train_xor_with::<H, O>(make, steps, &mut |step, loss| say!("  step {step:5} loss {loss:.6}"));
    match r {
        Ok(o) => {
            let ok = o.correct == 4;
            say!("  {name} 2-{H}-2 corners {}/4 loss {:.6} hash {:08x} {}", o.correct, o.loss, o.hash, pass(ok));
            ok.then_some(o.hash)
        }
        Err(e) => {
            say!("  2-{H}-2 step failed: {e} FAIL");
            None
        }
    }
}

/// The same run interrupted halfway by save → reset → load; PASS if it ends with the
/// uninterrupted run's bits (`hash`) and the corrupted copy was refused.
fn resume<const H: usize, O: Optimizer<XorNet<H>> + OptimizerState<XorNet<H>>>(
    name: &str,
    make: fn(&XorNet<H>) -> O,
    steps: u32,
    hash: Option<u32>,
) -> bool {
    say!("{name} 2-{H}-2 across a reset: save at step {}, reset, load, continue", steps / 2);
    match train_xor_across_reset_with::<H, O>(make, steps, &mut |_, _| {}) {
        Ok(r) => {
            let ok = r.corruption_detected && r.reloaded_exactly && Some(r.outcome.hash) == hash;
            say!(
                "  saved {} B, corrupted copy refused: {}, reloaded exactly: {}, final hash {:08x} {}",
                r.saved,
                r.corruption_detected,
                r.reloaded_exactly,
                r.outcome.hash,
                pass(ok)
            );
            ok
        }
        Err(e) => {
            say!("  2-{H}-2 across a reset failed: {e:?} FAIL");
            false
        }
    }
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    say!("target {}", env!("FIRMWARE_TARGET"));
    say!("xor 2-3-2 and 2-10-2: seed {SEED}, {STEPS} steps, batch {BATCH}, SGD lr {LR}");
    let (a, b) = (run::<3, _>("xor", sgd, STEPS), run::<10, _>("xor", sgd, STEPS));
    let resumed = resume::<3, _>("xor", sgd, STEPS, a);
    say!("xor 2-3-2 and 2-10-2: seed {SEED}, {ADAM_STEPS} steps, batch {BATCH}, AdamW lr {ADAM_LR} decay {ADAM_DECAY}");
    let (c, d) = (run::<3, _>("adamw", adamw, ADAM_STEPS), run::<10, _>("adamw", adamw, ADAM_STEPS));
    let adam_resumed = resume::<3, _>("adamw", adamw, ADAM_STEPS, c);
    let ok = a.is_some() && b.is_some() && resumed && c.is_some() && d.is_some() && adam_resumed;
    say!("{}", pass(ok));
    firmware::platform::exit(ok)
}
