//! Same seed → bit-identical weights; a different seed → different weights.

use stacknet::nn::Layer;
use stacknet::prelude::*;

type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);

fn trained_bits(seed: u64) -> Vec<u32> {
    let mut rng = stacknet::init::rng(seed);
    let (x, y) = stacknet::data::xor_batch::<_, 50>(&mut rng);
    let mut net: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    net.init(&mut rng, Init::UniformFanIn);
    let mut ws = Workspace::<Net, 50>::new();
    let mut opt = Sgd::new(1.0).unwrap().with_momentum(0.5, &net).unwrap();
    let objective = Objective::mse_ridge(1e-3).unwrap();
    for _ in 0..200 {
        train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
    }
    let mut bits = Vec::new();
    net.visit(&mut |_, p| bits.extend(p.iter().map(|v| v.to_bits())));
    bits
}

#[test]
fn same_seed_same_bits() {
    let a = trained_bits(17);
    assert_eq!(a, trained_bits(17));
    assert_ne!(a, trained_bits(18));
}

#[test]
fn data_and_init_are_deterministic_per_seed() {
    let a = stacknet::data::xor_batch::<_, 8>(&mut stacknet::init::rng(5));
    let b = stacknet::data::xor_batch::<_, 8>(&mut stacknet::init::rng(5));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    // Labels follow the sign rule.
    for (x, y) in a.0.iter().zip(&a.1) {
        assert_eq!(stacknet::eval::argmax(y), stacknet::data::xor_label(*x));
    }
}
