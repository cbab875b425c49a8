//! Footprint of one `train_step` on the chip: instructions (QEMU plugin windows between
//! `bench_start`/`bench_end`), stack high-water (painting), RAM of model + workspace +
//! optimizer (`size_of`). Window 0 is empty (marker overhead), window 1 is one 2-3-2 step,
//! window 2 one 2-10-2 step; then inference only: window 3 one 2-3-2 prediction (one row,
//! `Inference` workspace), window 4 `persist::load` of the 64-32-10 digits model, window 5
//! one digits prediction (scaling the pixels included); window 6 is one 2-3-2 step with
//! `Objective::mse_ridge(RIDGE)` (the same work as the C baseline with `-DRIDGE=1`,
//! `scripts/embedded/c-baseline.sh`); window 7 is `QuantModel::from_bytes` of the int8
//! digits model (checked in flash), window 8 one int8 digits prediction from the pixels
//! (their int8 codes from a table), window 9 the int8 layers alone (`predict_q` on a
//! quantized row), window 10 one int8 prediction from f32 features (scaling and quantizing
//! the pixels included). The AdamW step is measured by `bench_adamw`, in its own image, so that
//! the SGD figures here are what an SGD-only firmware gets. Bare metal only;
//! `scripts/embedded-check.sh` runs it.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]
// On a hosted target only the stub `main` below is built.
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]

use core::hint::black_box;
use core::mem::size_of;
#[cfg(target_os = "none")]
use firmware::measure;
use firmware::{corners_step, new_net, say, setup, XorNet, BATCH, SEED};
use stacknet::prelude::*;

#[cfg(not(target_os = "none"))]
fn main() {
    say!("bench: bare-metal targets only (stack painting and QEMU markers)");
    firmware::platform::exit(false)
}

#[cfg(target_os = "none")]
fn bench<const H: usize>() -> bool {
    let mut net = new_net::<H>(SEED);
    let mut ws = Workspace::<XorNet<H>, BATCH>::new();
    let (mut opt, objective) = setup();
    let mut ok = false;
    let stack = measure(|| ok = corners_step(&mut net, &mut ws, &mut opt, &objective).is_ok());
    let (m, w, o) = (size_of::<XorNet<H>>(), Workspace::<XorNet<H>, BATCH>::BYTES, size_of::<Sgd>());
    say!("bench 2-{H}-2: stack {stack} B, model {m} B + workspace {w} B + optimizer {o} B = {} B", m + w + o);
    ok
}

/// The ridge coefficient of window 6 (the C baseline's `LAMBDA`).
const RIDGE: f32 = 1e-4;

/// Window 6: one 2-3-2 step of MSE + ridge (same net, same data, same optimizer).
#[cfg(target_os = "none")]
fn bench_ridge() -> bool {
    let mut net = new_net::<3>(SEED);
    let mut ws = Workspace::<XorNet<3>, BATCH>::new();
    let (mut opt, _) = setup();
    let objective = Objective::mse_ridge(black_box(RIDGE)).unwrap_or_else(|_| unreachable!());
    let mut ok = false;
    let stack = measure(|| ok = corners_step(&mut net, &mut ws, &mut opt, &objective).is_ok());
    say!("bench 2-3-2 ridge: stack {stack} B");
    ok
}

/// One prediction of the 2-3-2 XOR network, not inlined (its frame is measured).
#[inline(never)]
fn predict_xor(net: &XorNet<3>, ws: &mut Inference<XorNet<3>, 1>, x: &[[f32; 2]; 1]) -> usize {
    argmax(&ws.forward(net, x)[0])
}

/// The inference windows: 2-3-2 prediction, digits load, digits prediction.
#[cfg(target_os = "none")]
fn bench_inference() -> bool {
    use firmware::digits;
    let xor = new_net::<3>(SEED);
    let mut ws = Inference::<XorNet<3>, 1>::new();
    let x = black_box([[0.7f32, -0.4]]);
    let mut class = usize::MAX;
    let stack = measure(|| class = predict_xor(&xor, &mut ws, &x));
    let (m, w) = (size_of::<XorNet<3>>(), Inference::<XorNet<3>, 1>::BYTES);
    say!("bench infer 2-3-2: stack {stack} B, model {m} B + inference workspace {w} B = {} B", m + w);

    let mut net = digits::blank();
    let mut loaded = false;
    let load_stack = measure(|| loaded = digits::load(&mut net).is_ok());
    let mut dws = Inference::<digits::Net, 1>::new();
    let row = black_box(&digits::TEST[0]);
    let mut digit = usize::MAX;
    let stack = measure(|| digit = digits::classify(&net, &mut dws, row));
    let (m, w) = (size_of::<digits::Net>(), Inference::<digits::Net, 1>::BYTES);
    say!(
        "bench infer digits: load stack {load_stack} B, predict stack {stack} B, model {m} B + inference workspace {w} B = {} B, blob {} B in flash",
        m + w,
        digits::MODEL.len()
    );
    class < 2 && loaded && digit == usize::from(row[64])
}

/// Windows 7 to 10: the int8 digits model checked in place, int8 predictions.
#[cfg(target_os = "none")]
fn bench_int8() -> bool {
    use firmware::digits_q8;
    let mut model = None;
    let load_stack = measure(|| model = digits_q8::load().ok());
    let Some(model) = model else {
        say!("bench infer digits int8: the model does not load");
        return false;
    };
    let mut scratch = [0i8; digits_q8::SCRATCH];
    let mut out = [0i8; 10];
    let row = black_box(&firmware::digits::TEST[0]);
    let mut digit = usize::MAX;
    let stack = measure(|| digit = digits_q8::classify(&model, &mut scratch, &mut out, row));
    // Window 9: the int8 layers alone, on the row already quantized.
    let x = black_box([3i8; 64]);
    let mut ok = false;
    let layers_stack = measure(|| ok = model.predict_q(&x, &mut scratch, &mut out).is_ok());
    // Window 10: one prediction from f32 features (scaling and quantizing included).
    let mut digit_f = usize::MAX;
    let features_stack = measure(|| digit_f = digits_q8::classify_features(&model, &mut scratch, &mut out, row));
    say!(
        "bench infer digits int8: load stack {load_stack} B, predict stack {stack} B (layers only {layers_stack} B, from f32 features {features_stack} B), scratch {} B, blob {} B + input codes {} B in flash",
        digits_q8::SCRATCH,
        digits_q8::MODEL_Q8.len(),
        size_of_val(&digits_q8::INPUT_CODES)
    );
    ok && digit == usize::from(row[64]) && digit_f == digit
}

#[cfg(target_os = "none")]
#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    let empty = measure(|| {});
    say!("bench empty window: stack {empty} B");
    let ok = bench::<3>() & bench::<10>();
    let ok = ok & bench_inference();
    let ok = ok & bench_ridge();
    let ok = ok & bench_int8();
    firmware::platform::exit(ok)
}
