//! One whole training step with Adam next to the same step with SGD (2-H-2 with biases,
//! sigmoid, MSE + ridge, best tier), at (batch, hidden) = (4, 3), (50, 10), (300, 50),
//! (256, 256). `scripts/bench-adam-step.sh` adds numpy's Adam and prints the ratios.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use stacknet::prelude::*;
use stacknet_tools::peers::setup;
use std::hint::black_box;

const LAMBDA: f32 = 1e-4;

fn config<const B: usize, const H: usize>(c: &mut Criterion) {
    let id = format!("{B}x{H}");
    let mut group = c.benchmark_group("adam_step");
    let (x, y, net0) = setup::start::<B, H>(1);
    let objective = Objective::mse_ridge(LAMBDA).unwrap();
    let mut ws = Box::new(Workspace::<setup::Net<H>, B>::new());

    let mut net = net0;
    let mut sgd = Sgd::new(0.1).unwrap();
    group.bench_function(BenchmarkId::new("stacknet-sgd", &id), |b| {
        b.iter(|| train_step(&mut net, black_box(&x), black_box(&y), &mut ws, &mut sgd, &objective).unwrap())
    });
    let mut net = net0;
    // A small rate: the benchmark takes many steps and must not stop on a refused one.
    let mut adam = Adam::new(1e-4, &net).unwrap();
    group.bench_function(BenchmarkId::new("stacknet-adam", &id), |b| {
        b.iter(|| train_step(&mut net, black_box(&x), black_box(&y), &mut ws, &mut adam, &objective).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    config::<4, 3>(c);
    config::<50, 10>(c);
    config::<300, 50>(c);
    config::<256, 256>(c);
}

criterion_group!(adam_step_benches, benches);
criterion_main!(adam_step_benches);
