//! One whole training step (forward, loss, backward, update) for 2-H-2 with biases,
//! sigmoid, MSE + ridge, SGD, at (batch, hidden) = (4, 3), (50, 10), (300, 50), (256, 256):
//! stacknet (best tier, and scalar forced) against the peers a user would otherwise write,
//! measured side by side in one run. `scripts/bench-train-step.sh` adds numpy and prints
//! the ratios.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nalgebra::SMatrix;
use stacknet::kernels::{self, Tier};
use stacknet::prelude::*;
use stacknet_tools::peers::{naive, nalgebra_net, setup};
use std::hint::black_box;

const LR: f32 = 0.1;
const LAMBDA: f32 = 1e-4;

fn config<const B: usize, const H: usize>(c: &mut Criterion) {
    let id = format!("{B}x{H}");
    let mut group = c.benchmark_group("train_step");
    let (x, y, net0) = setup::start::<B, H>(1);
    let objective = Objective::mse_ridge(LAMBDA).unwrap();

    for tier in [kernels::best_available(), Tier::Scalar] {
        kernels::force(tier).unwrap();
        let label =
            if tier == Tier::Scalar { "stacknet-scalar".to_string() } else { format!("stacknet-{}", tier.name()) };
        let mut net = net0;
        let mut ws = Box::new(Workspace::<setup::Net<H>, B>::new());
        let mut opt = Sgd::new(LR).unwrap();
        group.bench_function(BenchmarkId::new(label, &id), |b| {
            b.iter(|| train_step(&mut net, black_box(&x), black_box(&y), &mut ws, &mut opt, &objective).unwrap())
        });
        if tier == Tier::Scalar {
            break;
        }
    }
    kernels::reset();

    let (w1, b1, w2, b2) = setup::parts(&net0);
    let mut naive = Box::new(naive::NaiveNet::<B, H>::new(w1, b1, w2, b2));
    group.bench_function(BenchmarkId::new("naive", &id), |b| {
        b.iter(|| naive.step(black_box(&x), black_box(&y), LR, LAMBDA))
    });

    let mut alg = Box::new(nalgebra_net::NalgebraNet::<H>::new(w1, b1, w2, b2));
    let xm = Box::new(SMatrix::<f32, B, 2>::from_fn(|r, c| x[r][c]));
    let ym = Box::new(SMatrix::<f32, B, 2>::from_fn(|r, c| y[r][c]));
    group.bench_function(BenchmarkId::new("nalgebra", &id), |b| {
        b.iter(|| alg.step::<B>(black_box(&xm), black_box(&ym), LR, LAMBDA))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    config::<4, 3>(c);
    config::<50, 10>(c);
    config::<300, 50>(c);
    config::<256, 256>(c);
}

criterion_group!(train_step_benches, benches);
criterion_main!(train_step_benches);
