//! Weight initialisation schemes. The default RNG is `Xoshiro128PlusPlus` (32-bit outputs,
//! cheap on microcontrollers), seeded with [`rng`]; any `rand_core::RngCore` works.

use crate::arch::sqrt::sqrtf;
use crate::sample::{gaussian, uniform_pm1};
use rand_core::{RngCore, SeedableRng};
/// The default generator (re-exported from `rand_xoshiro`); [`rng`] seeds one from a
/// `u64`.
#[doc(no_inline)]
pub use rand_xoshiro::Xoshiro128PlusPlus;

/// How a brick draws its parameters.
///
/// Pass it with an RNG to [`Layer::random`](crate::nn::Layer::random) (a whole network),
/// [`Dense::new`](crate::nn::Dense::new) (one brick) or
/// [`Layer::init`](crate::nn::Layer::init) (redraw in place). He suits ReLU stacks, the
/// fan-in uniform the article's sigmoid network.
///
/// ```
/// use stacknet::prelude::*;
///
/// let mut rng = stacknet::init::rng(11);
/// let he: Dense<8, 4> = Dense::new(Bias::With, &mut rng, Init::HeNormal);
/// assert_eq!(he.bias(), Some(&[0.0; 4])); // He and Xavier start biases at 0
/// let uniform: Dense<4, 2> = Dense::new(Bias::With, &mut rng, Init::UniformFanIn);
/// // U(−1, 1)/√fan_in, biases included: every |value| ≤ 1/√4.
/// assert!(uniform.bias().unwrap().iter().all(|b| b.abs() <= 0.5 && *b != 0.0));
/// // One draw of a weight, for a brick with 9 inputs and 3 outputs:
/// assert!(Init::XavierUniform.weight(&mut rng, 9, 3).abs() <= (6.0f32 / 12.0).sqrt());
/// ```
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

/// The default generator, seeded from a `u64`: the same seed gives the same draws on
/// every target.
///
/// ```
/// use rand_core::RngCore;
///
/// let (mut a, mut b) = (stacknet::init::rng(7), stacknet::init::rng(7));
/// assert_eq!(a.next_u32(), b.next_u32());
/// ```
pub fn rng(seed: u64) -> Xoshiro128PlusPlus {
    Xoshiro128PlusPlus::seed_from_u64(seed)
}
