//! Training steps per second for two networks, as a program depending on stacknet runs
//! them: the 2-10-2 sigmoid network (batch 64, MSE + ridge, plain SGD) and a 4-16-8-3 ReLU
//! classifier (batch 32, softmax cross-entropy, momentum, step decay). Run by
//! `scripts/dev-profile.sh` under each profile setting; the argument is the seconds per
//! measurement.

use stacknet::prelude::*;
use std::time::Instant;

/// Steps per second of `step`, after 10 warm-up steps, over at least `secs` seconds.
fn rate(mut step: impl FnMut(), secs: f64) -> f64 {
    for _ in 0..10 {
        step();
    }
    let (mut n, t0) = (0u64, Instant::now());
    loop {
        for _ in 0..50 {
            step();
        }
        n += 50;
        let dt = t0.elapsed().as_secs_f64();
        if dt >= secs {
            return n as f64 / dt;
        }
    }
}

fn main() {
    let secs: f64 = std::env::args().nth(1).map_or(3.0, |s| s.parse().expect("seconds"));
    let mut rng = stacknet::init::rng(7);

    type Xor = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
    let mut a: Xor = Layer::random(&mut rng, Init::UniformFanIn);
    let (x, y) = stacknet::data::xor_batch::<_, 64>(&mut rng);
    let mut ws = Workspace::<Xor, 64>::new();
    let mut opt = Sgd::new(0.5).unwrap();
    let obj = Objective::mse_ridge(1e-4).unwrap();
    let xor = rate(
        || {
            train_step(&mut a, &x, &y, &mut ws, &mut opt, &obj).unwrap();
        },
        secs,
    );

    type Classes = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
    let mut c: Classes = Layer::random(&mut rng, Init::HeNormal);
    let xc: [[f32; 4]; 32] =
        core::array::from_fn(|i| core::array::from_fn(|j| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5));
    let yc: [[f32; 3]; 32] = core::array::from_fn(|i| core::array::from_fn(|j| if i % 3 == j { 1.0 } else { 0.0 }));
    let mut wc = Workspace::<Classes, 32>::new();
    let mut oc = Sgd::new(0.05)
        .and_then(|o| o.with_schedule(Schedule::StepDecay { every: 1000, factor: 0.9 }))
        .and_then(|o| o.with_momentum(0.9, &c))
        .unwrap();
    let objc = Objective::softmax_cross_entropy();
    let classes = rate(
        || {
            train_step(&mut c, &xc, &yc, &mut wc, &mut oc, &objc).unwrap();
        },
        secs,
    );

    println!("2-10-2 b64 {xor:.0} steps/s, 4-16-8-3 b32 {classes:.0} steps/s");
}
