//! # stacknet
//!
//! Train small neural networks anywhere: a `#![no_std]`, allocation-free library whose
//! weights, activations and gradients live in fixed-size buffers (on the stack or in a
//! `static`), so one forward + backward + update step runs the same on a Cortex-M
//! microcontroller and on a desktop core.
//!
//! A network is a tuple of bricks ([`nn::Dense`], [`nn::Sigmoid`], [`nn::Tanh`],
//! [`nn::Relu`]), with widths and batch size as const generics: a shape mismatch is a
//! compile error. The three matrix products and the sigmoid run through [`kernels`],
//! which dispatches to the fastest tier the CPU has.
//!
//! ```
//! use stacknet::prelude::*;
//!
//! // The reference network: 2 → 10 → 2, sigmoid after each layer, with biases.
//! type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
//! let mut rng = stacknet::init::rng(7);
//! let mut net: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
//! net.init(&mut rng, Init::UniformFanIn);
//!
//! let (x, y) = stacknet::data::xor_batch::<_, 64>(&mut rng);
//! let mut ws = Workspace::<Net, 64>::new();
//! let mut opt = Sgd::new(2.0).unwrap();
//! let objective = Objective::mse_ridge(1e-4).unwrap();
//! let first = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
//! for _ in 0..200 {
//!     train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
//! }
//! let last = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
//! assert!(last.loss < first.loss);
//! ```
//!
//! Buffers live in a [`workspace::Workspace`] (training) or a [`workspace::Inference`]
//! (forward pass only, a fraction of the size); both are built by a `const fn`, so either
//! can be a `static`. [`eval`] predicts and measures over any number of rows through
//! them, and [`data::batches`] cuts an epoch into mini-batches.
//!
//! ## Crate features
//! The library is `no_std` and allocation-free everywhere, and its error types implement
//! `core::error::Error` (which `std` re-exports as `std::error::Error`).
//! - `alloc`: `Workspace::new_boxed` and `Inference::new_boxed`, workspaces allocated
//!   zeroed on the heap without a stack temporary (for those too large for the stack; see
//!   [`workspace`]).
//! - `mcu-sigmoid`: a cheaper σ for the scalar tier (microcontrollers).
//!
//! ## Safety model
//! All public functions are safe and never panic on bad input: shapes are checked at
//! compile time (bricks) or before any tier code runs (kernels), and a training step that
//! meets non-finite numbers returns an error and leaves the model untouched.
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod arch;
pub mod data;
pub mod eval;
pub mod init;
pub mod kernels;
pub mod loss;
pub mod nn;
pub mod optim;
pub mod persist;
pub mod sample;
pub mod train;
pub mod workspace;

/// The names most programs need.
pub mod prelude {
    pub use crate::eval::{accuracy, argmax, evaluate, predict_into, Evaluation};
    pub use crate::init::Init;
    pub use crate::loss::{Loss, Objective, Penalty};
    pub use crate::nn::{Bias, Dense, Layer, Relu, Sigmoid, Tanh};
    pub use crate::optim::{Clip, Schedule, Sgd};
    pub use crate::train::{train_step, StepError, StepReport};
    pub use crate::workspace::{Forward, Inference, Workspace};
}

/// The README's code, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
