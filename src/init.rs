//! Weight initialisation schemes. The default RNG is `Xoshiro128PlusPlus` (32-bit outputs,
//! cheap on microcontrollers); any `rand_core::RngCore` works.

use crate::arch::sqrt::sqrtf;
use crate::sample::{gaussian, uniform_pm1};
use rand_core::{RngCore, SeedableRng};
pub use rand_xoshiro::Xoshiro128PlusPlus;

/// How a brick draws its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Init {
    /// `U(−1, 1)/√fan_in` for weights and biases, as the reference code does.
    #[default]
    UniformFanIn,
    /// Glorot/Xavier uniform: `U(−a, a)`, `a = √(6/(fan_in + fan_out))`; biases zero.
    XavierUniform,
    /// He/Kaiming normal: `N(0, 2/fan_in)`; biases zero. Suits ReLU stacks.
    HeNormal,
}

impl Init {
    /// One weight of a brick with `fan_in` inputs and `fan_out` outputs.
    pub fn weight<R: RngCore + ?Sized>(self, rng: &mut R, fan_in: usize, fan_out: usize) -> f32 {
        match self {
            Init::UniformFanIn => uniform_pm1(rng) / sqrtf(fan_in as f32),
            Init::XavierUniform => uniform_pm1(rng) * sqrtf(6.0 / (fan_in + fan_out) as f32),
            Init::HeNormal => gaussian(rng) * sqrtf(2.0 / fan_in as f32),
        }
    }

    /// One bias of a brick with `fan_in` inputs.
    pub fn bias<R: RngCore + ?Sized>(self, rng: &mut R, fan_in: usize) -> f32 {
        match self {
            Init::UniformFanIn => uniform_pm1(rng) / sqrtf(fan_in as f32),
            Init::XavierUniform | Init::HeNormal => 0.0,
        }
    }
}

/// The default generator, seeded from a `u64`.
pub fn rng(seed: u64) -> Xoshiro128PlusPlus {
    Xoshiro128PlusPlus::seed_from_u64(seed)
}
