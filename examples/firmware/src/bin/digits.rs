//! Inference only: loads the digits classifier from flash, classifies the 450 test images
//! with the scalar tier, prints the accuracy and a hash of the predictions; then the same
//! with the int8 model (`firmware::digits_q8`: from the pixels' int8 code table, and from f32
//! features, which must agree), after checking the int8 kernel against the portable oracle;
//! exits 0 on PASS (the desktop's counts, 409 of 450 in f32, 410 in int8, and the desktop's
//! int8 output hash), 1 on FAIL. Runs on the microcontrollers
//! (semihosting) and on hosted targets (std); `scripts/embedded-check.sh` compares the
//! hashes across targets.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

use firmware::digits::{self, TEST};
use firmware::digits_q8;
use firmware::say;
use stacknet::kernels::{force, Tier};
use stacknet::prelude::*;

/// What `cargo run --release --example classify -- --tier scalar` reports for this model on
/// the desktop: `final test accuracy=0.9089`, 409 of 450 (checked by that example's tests).
const DESKTOP_CORRECT: usize = 409;

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    say!("target {}", env!("FIRMWARE_TARGET"));
    let _ = force(Tier::Scalar);
    let mut net = digits::blank();
    if let Err(e) = digits::load(&mut net) {
        say!("digits: the embedded model does not load: {e} FAIL");
        firmware::platform::exit(false)
    }
    let mut ws = Inference::<digits::Net, 1>::new();
    let s = digits::score(&net, &mut ws);
    let ok = s.correct == DESKTOP_CORRECT;
    say!(
        "digits 64-32-10: {}/{} correct (accuracy {:.4}), predictions hash {:08x}, model {} B, inference workspace {} B {}",
        s.correct,
        TEST.len(),
        s.correct as f32 / TEST.len() as f32,
        s.hash,
        digits::MODEL.len(),
        Inference::<digits::Net, 1>::BYTES,
        if ok { "PASS" } else { "FAIL" }
    );
    let ok_q8 = match digits_q8::load() {
        Ok(model) => {
            let (correct, hash) = digits_q8::score(&model, digits_q8::classify);
            let features = digits_q8::score(&model, digits_q8::classify_features);
            let (cases, differ) = digits_q8::kernel_matches_reference();
            let kernel = if cfg!(all(target_arch = "arm", target_feature = "dsp")) { "SMLAD" } else { "scalar" };
            say!(
                "int8 kernel ({kernel}) = portable oracle: {} of {cases} cases {}",
                cases - differ,
                if differ == 0 { "PASS" } else { "FAIL" }
            );
            say!(
                "digits int8 from f32 features: {}/{} correct, outputs hash {:08x} {}",
                features.0,
                TEST.len(),
                features.1,
                if features == (correct, hash) { "PASS" } else { "FAIL" }
            );
            let ok = correct == digits_q8::DESKTOP_CORRECT
                && hash == digits_q8::DESKTOP_HASH
                && features == (correct, hash)
                && differ == 0;
            say!(
                "digits int8 64-32-10: {}/{} correct (accuracy {:.4}), outputs hash {:08x}, blob {} B, scratch {} B {}",
                correct,
                TEST.len(),
                correct as f32 / TEST.len() as f32,
                hash,
                digits_q8::MODEL_Q8.len(),
                digits_q8::SCRATCH,
                if ok { "PASS" } else { "FAIL" }
            );
            ok
        }
        Err(e) => {
            say!("digits int8: the embedded model does not load: {e} FAIL");
            false
        }
    };
    firmware::platform::exit(ok && ok_q8)
}
