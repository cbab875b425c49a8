//! Build proof: stacknet links into a bare-metal binary with no `std`, no allocator, no
//! runtime crate and `panic = "abort"`, and one training step is really reached from the
//! entry point (so the linker cannot drop it), and so is a prediction through an inference
//! workspace. Built by `.ci/steps/10-no-std.sh` for
//! thumbv6m-none-eabi (Cortex-M0, soft float) and thumbv7em-none-eabihf (Cortex-M4F).
#![no_std]
#![no_main]

use core::hint::black_box;
use stacknet::kernels::{force, Tier};
use stacknet::prelude::*;

type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// The entry point (`--entry=_start`): init, one training step, then park.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let _ = force(Tier::Scalar);
    let mut rng = stacknet::init::rng(7);
    let mut net: Net = Layer::random(&mut rng, Init::UniformFanIn);
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    let objective = Objective::mse_ridge(0.0).unwrap_or_default();
    if let Ok(mut opt) = Sgd::new(1.0) {
        let r = train_step(&mut net, black_box(&x), black_box(&y), &mut ws, &mut opt, &objective);
        black_box(r.map(|r| r.loss).unwrap_or(0.0));
    }
    // Inference and prediction over any row count link too.
    let mut infer = Inference::<Net, 4>::new();
    let mut classes = [0usize; 3];
    black_box(predict_into(&net, black_box(&x[..3]), &mut infer, &mut classes));
    black_box(&net);
    loop {}
}
