//! Networks described at run time: a list of [`LayerSpec`]s (any widths, any depth up to
//! [`MAX_LAYERS`]), a loss and penalty ([`Objective`](crate::loss::Objective)), an optimizer
//! ([`OptimizerSpec`]) and a batch size, checked once into a [`Net`]. Everything else lives in the caller's memory,
//! in three separate `f32` buffers whose sizes [`Net::memory`] reports:
//!
//! - the **model** (parameters, in the same order as the const-generic bricks), read only for
//!   prediction, so it can sit in flash and serve several threads;
//! - the **optimizer state** (step count, velocity or Adam's moments);
//! - the **scratch** (a step's activations and their gradients, then the parameters'
//!   gradients, which a step leaves there; or a prediction's activations).
//!
//! The engine shares its core with the bricks: the step ([`crate::train::train_step`]'s
//! checks, loss, penalty, clipping, momentum, Adam, the dry run before the update) is the
//! same function over [`crate::nn::Params`], the layers run the same kernels
//! ([`crate::kernels::Kernels`]) and activation functions, and blobs are the
//! [`crate::persist`] format: a model trained either way loads into the other. Where the
//! bricks run a small product inline in the scalar tier's order, a run-time network runs the
//! scalar tier's kernel, so the two compute the same bits on every tier.
//!
//! ```
//! use stacknet::prelude::*;
//! use stacknet::runtime::{LayerSpec, Net, OptimizerSpec};
//!
//! let layers = [
//!     LayerSpec::Dense { inputs: 2, outputs: 10, bias: Bias::With },
//!     LayerSpec::Sigmoid,
//!     LayerSpec::Dense { inputs: 10, outputs: 2, bias: Bias::With },
//!     LayerSpec::Sigmoid,
//! ];
//! let net = Net::new(&layers, 4, Objective::mse(), OptimizerSpec::Sgd(Sgd::new(2.0)?))?;
//! let mem = net.memory();
//! let (mut model, mut state, mut scratch) =
//!     (vec![0.0; mem.model.floats], vec![0.0; mem.optimizer.floats], vec![0.0; mem.scratch.floats]);
//! net.init(&mut model, &mut stacknet::init::rng(7), Init::UniformFanIn)?;
//! let x = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
//! let y = [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
//! let first = net.train_step(&mut model, &mut state, &mut scratch, &x, &y)?;
//! for _ in 0..50 {
//!     net.train_step(&mut model, &mut state, &mut scratch, &x, &y)?;
//! }
//! let last = net.train_step(&mut model, &mut state, &mut scratch, &x, &y)?;
//! assert!(last.loss < first.loss);
//!
//! // Prediction: the model read only, a scratch of its own.
//! let mut out = [0.0; 8];
//! let mut pscratch = vec![0.0; net.predict_scratch_floats(4)];
//! net.predict(&model, &x, &mut out, &mut pscratch)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod flat;
mod net;
mod saved;
mod spec;
mod step;

pub use error::{Buffer, RunError, SpecError};
pub use spec::{LayerSpec, Memory, Net, OptimizerSpec, Region, MAX_LAYERS};
