//! One starting point for every implementation of the benchmark step: the same seed gives
//! the same data and weights to stacknet and to each peer.

use stacknet::nn::{Dense, Layer, Sigmoid};
use stacknet::prelude::Init;

/// The benchmark network: 2-H-2 with biases, sigmoid after each layer.
pub type Net<const H: usize> = (Dense<2, H>, Sigmoid<H>, Dense<H, 2>, Sigmoid<2>);

/// XOR batch and a freshly initialised network.
pub type Start<const B: usize, const H: usize> = ([[f32; 2]; B], [[f32; 2]; B], Net<H>);

/// The data and initial weights for `(B, H)` from `seed`.
pub fn start<const B: usize, const H: usize>(seed: u64) -> Start<B, H> {
    let mut rng = stacknet::init::rng(seed);
    let (x, y) = stacknet::data::xor_batch::<_, B>(&mut rng);
    let net: Net<H> = Layer::random(&mut rng, Init::UniformFanIn);
    (x, y, net)
}

/// `(w1, b1, w2, b2)` of a network, for the peers' constructors.
pub type Parts<const H: usize> = ([[f32; H]; 2], [f32; H], [[f32; 2]; H], [f32; 2]);

/// The weights of `net` as plain arrays.
pub fn parts<const H: usize>(net: &Net<H>) -> Parts<H> {
    (*net.0.weights(), *net.0.bias().unwrap(), *net.2.weights(), *net.2.bias().unwrap())
}
