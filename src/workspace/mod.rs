//! Where a pass's buffers live: [`Workspace`] (training: outputs, output gradients and
//! parameter gradients) and [`Inference`] (outputs only), both of fixed size, built by a
//! `const fn` (so they can be `static`s) or, with the `alloc` feature, straight on the heap.
//!
//! # Stack, `static` or heap
//! A workspace is one value of [`Workspace::BYTES`] (or [`Inference::BYTES`]) bytes, with no
//! pointer inside. Where to put it:
//! - on the stack, when it is small next to the stack: a few KiB on a microcontroller,
//!   up to some hundred KiB on a desktop thread (the main thread usually has 8 MiB, a
//!   spawned or test thread 2 MiB);
//! - in a `static`, built by the `const fn` [`Workspace::new`]: all zero, so it lands in
//!   `.bss` and costs no flash, and no stack at all;
//! - on the heap with `Workspace::new_boxed` (feature `alloc`), allocated zeroed in
//!   place: `Box::new(Workspace::new())` may build the value on the stack first and
//!   overflow it (it does in debug builds, for a few MiB).
//!
//! ```
//! use stacknet::prelude::*;
//! type Net = (Dense<64, 64>, Relu<64>, Dense<64, 64>, Relu<64>, Dense<64, 10>);
//! // Batch 4096: about 8 MiB, too much for a thread's stack.
//! assert!(Workspace::<Net, 4096>::BYTES > 8_000_000);
//! // Batch 32: about 100 KiB, fine on a desktop stack.
//! assert!(Workspace::<Net, 32>::BYTES < 110_000);
//! // Inference only, one row: each Dense's output row, 552 bytes.
//! assert_eq!(Inference::<Net, 1>::BYTES, (64 + 64 + 10) * 4);
//! ```

mod inference;

#[cfg(feature = "alloc")]
mod boxed;

pub use inference::Inference;

use crate::nn::{Cache, CacheNew, Layer, Rows, Zeroable};

/// The scratch memory of a training step for model `M` and batch size `B`: every brick's
/// output and output gradient, and one gradient per parameter. Its size is
/// [`Workspace::BYTES`]; see [the module docs](self) for where to put it.
///
/// A `static` (the constructor is a `const fn`):
/// ```
/// use std::sync::Mutex;
/// use stacknet::prelude::*;
/// type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
/// static WS: Mutex<Workspace<Net, 4>> = Mutex::new(Workspace::new());
/// assert_eq!(WS.lock().unwrap().output(), &[[0.0; 2]; 4]);
/// ```
#[derive(Clone, Copy)]
pub struct Workspace<M: Layer, const B: usize> {
    pub(crate) cache: M::Cache<B>,
    pub(crate) grads: M,
}

impl<M: Layer, const B: usize> Workspace<M, B> {
    /// Size in bytes: a stack, `static` or heap budget ([where to put it](self)).
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// Zeroed buffers; a `const fn`, so a workspace can be a `static` (in `.bss`).
    pub const fn new() -> Self {
        Workspace { cache: <M::Cache<B> as CacheNew>::ZERO, grads: M::ZERO }
    }

    /// The network's output from the last forward pass.
    pub fn output(&self) -> &Rows<M::Out, B> {
        self.cache.output()
    }

    /// The gradients from the last successful backward pass (after penalty and clipping;
    /// with momentum, the update direction).
    pub fn grads(&self) -> &M {
        &self.grads
    }

    /// The bricks' buffers.
    pub fn cache(&self) -> &M::Cache<B> {
        &self.cache
    }

    /// Runs the network on `x` and returns its output.
    pub fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B> {
        model.forward(x, &mut self.cache);
        self.cache.output()
    }
}

impl<M: Layer, const B: usize> Default for Workspace<M, B> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: a cache and a model, both `Zeroable`.
unsafe impl<M: Layer + Zeroable, const B: usize> Zeroable for Workspace<M, B> where M::Cache<B>: Zeroable {}

/// A workspace that runs the forward pass of `M` on `B` rows: [`Workspace`] or
/// [`Inference`]. The evaluation helpers ([`crate::eval`]) take either.
pub trait Forward<M: Layer, const B: usize> {
    /// Runs the network on `x` and returns its output.
    fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B>;
}

impl<M: Layer, const B: usize> Forward<M, B> for Workspace<M, B> {
    fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B> {
        Workspace::forward(self, model, x)
    }
}
