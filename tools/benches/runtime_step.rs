//! One training step of a network described at run time (`stacknet::runtime::Net`) next to
//! the same step of the const-generic bricks: 2-H-2 with biases, sigmoid, MSE + ridge, SGD,
//! best tier, the same weights and data, at (batch, hidden) = (4, 3), (50, 10), (300, 50).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use stacknet::prelude::*;
use stacknet::runtime::{LayerSpec, Net, OptimizerSpec};
use stacknet_tools::peers::setup;
use std::hint::black_box;

const LAMBDA: f32 = 1e-4;

fn config<const B: usize, const H: usize>(c: &mut Criterion) {
    let id = format!("{B}x{H}");
    let mut group = c.benchmark_group("runtime_step");
    let (x, y, net0) = setup::start::<B, H>(1);
    let objective = Objective::mse_ridge(LAMBDA).unwrap();

    let mut net = net0;
    let mut ws = Box::new(Workspace::<setup::Net<H>, B>::new());
    let mut sgd = Sgd::new(0.1).unwrap();
    group.bench_function(BenchmarkId::new("const", &id), |b| {
        b.iter(|| train_step(&mut net, black_box(&x), black_box(&y), &mut ws, &mut sgd, &objective).unwrap())
    });

    let dense = |inputs, outputs| LayerSpec::Dense { inputs, outputs, bias: Bias::With };
    let layers = [dense(2, H), LayerSpec::Sigmoid, dense(H, 2), LayerSpec::Sigmoid];
    let rt = Net::new(&layers, B, objective, OptimizerSpec::Sgd(Sgd::new(0.1).unwrap())).unwrap();
    let mem = rt.memory();
    let (mut model, mut state, mut scratch) =
        (vec![0.0; mem.model.floats], vec![0.0; mem.optimizer.floats], vec![0.0; mem.scratch.floats]);
    let mut blob = vec![0u8; stacknet::persist::max_len::<setup::Net<H>>()];
    let n = stacknet::persist::save(&net0, &mut blob).unwrap();
    rt.load(&mut model, &blob[..n]).unwrap();
    let (xf, yf): (Vec<f32>, Vec<f32>) = (x.iter().flatten().copied().collect(), y.iter().flatten().copied().collect());
    group.bench_function(BenchmarkId::new("runtime", &id), |b| {
        b.iter(|| rt.train_step(&mut model, &mut state, &mut scratch, black_box(&xf), black_box(&yf)).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    config::<4, 3>(c);
    config::<50, 10>(c);
    config::<300, 50>(c);
}

criterion_group!(runtime_step_benches, benches);
criterion_main!(runtime_step_benches);
