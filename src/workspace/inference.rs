//! [`Inference`]: the workspace of the forward pass alone.

use super::Forward;
use crate::nn::{CacheNew, InferFrom, Rows, Zeroable};

/// The buffers of an inference pass of model `M` over `B` rows: each `Dense`'s output, and
/// nothing else (no gradients, no output gradients; element-wise bricks run in place). For
/// a 4-16-8-3 network at batch 1 that is `(16 + 8 + 3)·4 = 108` bytes, where a [`Workspace`]
/// holds 1,392.
///
/// The outputs are bit-identical to [`Workspace::forward`]'s: the same kernels, fused where
/// the training pass fuses. The network must start with a `Dense` ([`InferFrom`]); one that
/// starts with an activation does not compile here (use a [`Workspace`]).
///
/// [`Workspace`]: super::Workspace
/// [`Workspace::forward`]: super::Workspace::forward
///
/// ```
/// use stacknet::prelude::*;
/// type Net = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
/// const _: () = assert!(Inference::<Net, 1>::BYTES == 108);
/// let net: Net = (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With));
/// let mut ws = Inference::<Net, 1>::new();
/// assert_eq!(ws.forward(&net, &[[1.0, 2.0, 3.0, 4.0]]), &[[0.0; 3]]);
/// ```
///
/// An activation first has no rows of its own to work on in place:
/// ```compile_fail
/// use stacknet::prelude::*;
/// let ws = Inference::<(Relu<4>, Dense<4, 2>), 1>::new(); // `(Relu<4>, Dense<4, 2>)` cannot start an inference pass
/// ```
pub struct Inference<M: InferFrom, const B: usize> {
    buf: M::Buf<B>,
}

impl<M: InferFrom, const B: usize> Inference<M, B> {
    /// Size in bytes: a stack, `static` or heap budget.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// Zeroed buffers; a `const fn`, so it can be a `static` (in `.bss`).
    pub const fn new() -> Self {
        Inference { buf: <M::Buf<B> as CacheNew>::ZERO }
    }

    /// Runs the network on `x` and returns its output (valid until the next pass).
    pub fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B> {
        model.infer(x, &mut self.buf, false).0
    }
}

impl<M: InferFrom, const B: usize> Default for Inference<M, B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: InferFrom, const B: usize> Clone for Inference<M, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: InferFrom, const B: usize> Copy for Inference<M, B> {}

// SAFETY: its only field is the buffers, `Zeroable` by `Infer::Buf`'s bound.
unsafe impl<M: InferFrom, const B: usize> Zeroable for Inference<M, B> {}

impl<M: InferFrom, const B: usize> Forward<M, B> for Inference<M, B> {
    fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B> {
        Inference::forward(self, model, x)
    }
}
