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
//! // Every parameter drawn from `rng` (a network of zeros could not learn).
//! let mut net: Net = Layer::random(&mut rng, Init::UniformFanIn);
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
//! A multi-class classifier: ReLU hidden layers, the last `Dense` giving logits, softmax
//! cross-entropy, and [`loss::softmax`] for the class probabilities:
//!
//! ```
//! use stacknet::prelude::*;
//!
//! type Net = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
//! let mut rng = stacknet::init::rng(1);
//! let mut net: Net = Layer::random(&mut rng, Init::HeNormal);
//! let objective = Objective::softmax_cross_entropy();
//! let mut opt = Sgd::new(0.1)?.with_momentum(0.9, &net)?;
//!
//! // Three classes, one per input feature that is on.
//! let x: [[f32; 4]; 3] = [[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, 0.0, 0.5], [0.0, 0.0, 1.0, 0.5]];
//! let y: [[f32; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
//! let mut ws = Workspace::<Net, 3>::new();
//! for _ in 0..100 {
//!     train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective)?;
//! }
//! let logits = ws.forward(&net, &x);
//! let p = objective.loss.probabilities(&logits[1]); // softmax of the logits
//! assert!(p[1] > 0.9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The optimizer is [`optim::Sgd`] (schedules, clipping, momentum) or [`optim::Adam`]
//! (Adam, or AdamW with `with_weight_decay`); both go through the same transactional
//! [`train::train_step`], and [`persist`] keeps either one's state with the weights.
//!
//! Buffers live in a [`workspace::Workspace`] (training) or a [`workspace::Inference`]
//! (forward pass only, a fraction of the size); both are built by a `const fn`, so either
//! can be a `static`. [`eval`] predicts and measures over any number of rows through
//! them, and [`data::batches`] cuts an epoch into mini-batches.
//!
//! A network whose shape is known only at run time (read from a file, or described by a C
//! caller) is a [`runtime::Net`]: layer descriptors checked once, parameters, optimizer state
//! and scratch in caller buffers. It trains through the same step, kernels and blob format
//! as the bricks (bit for bit the same trajectory, on every tier).
//!
//! ## Crate features
//! The library is `no_std` and allocation-free everywhere, and its error types implement
//! `core::error::Error` (which `std` re-exports as `std::error::Error`). Optional features,
//! all off by default:
//!
//! - `alloc`: `Workspace::new_boxed` and `Inference::new_boxed`, workspaces allocated
//!   zeroed on the heap without a stack temporary (for those too large for the stack; see
//!   [`workspace`]).
//! - `mcu-sigmoid`: the scalar tier (the one microcontrollers run) computes σ with its own
//!   range-reduced polynomial `eᵗ` instead of `libm::expf` (error ≤ 1e-7 absolute, still
//!   bit-identical across targets): fewer instructions per value on a Cortex-M4F.
//!
//! ## Build profile
//! A network's code is generic (each tuple of bricks is its own `Layer` type), so most of
//! it is compiled in *your* crate, at your crate's optimisation level; only the kernels it
//! calls are compiled in stacknet's. In a default debug build both are unoptimised, and a
//! training step runs about 70 to 180 times slower than in release. For debug builds that
//! train at a useful speed, put this in your `Cargo.toml`:
//!
//! ```toml
//! [profile.dev]
//! opt-level = 1
//!
//! [profile.dev.package.stacknet]
//! opt-level = 3
//! ```
//!
//! Debug assertions and overflow checks stay on. Steps per second (median of 3 rounds of
//! 3 s) of a crate depending on stacknet 0.1.0 (`checks/dev-profile`), on a shared
//! 2-core x86_64 AMD EPYC, rustc 1.95.0, 2026-12-04, `bash scripts/dev-profile.sh`:
//!
//! | build | 2-10-2 sigmoid, MSE, batch 64 | 4-16-8-3 ReLU, softmax CE, momentum, batch 32 |
//! |---|---:|---:|
//! | debug, no override | 6,381 | 3,475 |
//! | debug + `[profile.dev.package.stacknet] opt-level = 3` | 445,541 | 23,137 |
//! | debug + `[profile.dev] opt-level = 1` | 269,084 | 75,773 |
//! | debug + both (above) | 801,237 | 138,948 |
//! | release | 1,125,316 | 239,026 |
//!
//! The stacknet override alone speeds up the kernels (the 2-10-2 step, mostly fused
//! sigmoid kernels, reaches 40 % of release) but not the generic code around them (the
//! ReLU network stays at 10 %); `opt-level = 1` for your own crate optimises that.
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
pub mod checkpoint;
pub mod data;
pub mod eval;
pub mod init;
pub mod kernels;
pub mod loss;
pub mod nn;
pub mod optim;
pub mod persist;
pub mod quant;
pub mod runtime;
pub mod sample;
pub mod train;
pub mod workspace;

/// The names most programs need.
pub mod prelude {
    pub use crate::eval::{accuracy, argmax, evaluate, predict_into, Evaluation};
    pub use crate::init::Init;
    pub use crate::loss::{Loss, Objective, Penalty};
    pub use crate::nn::{Bias, Dense, Layer, Relu, Sigmoid, Tanh};
    pub use crate::optim::{Adam, Clip, Schedule, Sgd};
    pub use crate::train::{train_step, StepError, StepReport};
    pub use crate::workspace::{Forward, Inference, Workspace};
}

/// The README's code, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
