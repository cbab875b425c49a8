//! Trains XOR (2-3-2 and 2-10-2 with biases, batch 4, plain SGD, MSE) on the four corners
//! from a fixed seed, prints the loss every few hundred steps, checks all four corners,
//! prints the weight hash and exits 0 on PASS, 1 on FAIL. The same program runs on the
//! microcontrollers (semihosting) and on hosted targets (std).
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

use firmware::{say, train_xor, Outcome, BATCH, LR, SEED, STEPS};

fn run<const H: usize>() -> bool {
    say!("xor 2-{H}-2: seed {SEED}, {STEPS} steps, batch {BATCH}, lr {LR}");
    let r: Result<Outcome, _> = train_xor::<H>(&mut |step, loss| say!("  step {step:5} loss {loss:.6}"));
    match r {
        Ok(o) => {
            let ok = o.correct == 4;
            say!("  2-{H}-2 corners {}/4 loss {:.6} hash {:08x} {}", o.correct, o.loss, o.hash, pass(ok));
            ok
        }
        Err(e) => {
            say!("  2-{H}-2 step failed: {e} FAIL");
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
    let a = run::<3>();
    let b = run::<10>();
    say!("{}", pass(a && b));
    firmware::platform::exit(a && b)
}
