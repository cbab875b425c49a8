//! The inference pass: a brick's output only, with no gradient or output-gradient buffers.
//!
//! Only a [`Dense`](super::Dense) keeps a buffer (its output rows); an element-wise brick
//! ([`Sigmoid`](super::Sigmoid), [`Tanh`](super::Tanh), [`Relu`](super::Relu)) overwrites
//! the output of the brick before it, in place. The kernels are the training pass's, fused
//! where it fuses (a `Dense` directly followed by a `Sigmoid` in the same tuple runs as
//! `σ(x·W + b)` in one kernel), so the outputs are bit-identical to
//! [`Workspace::forward`](crate::workspace::Workspace::forward)'s.

use super::cache::CacheNew;
use super::shape::Rows;
use super::zeroable::Zeroable;
use super::Layer;

/// A brick's inference step, on rows that the brick before it produced (and that it may
/// overwrite).
pub trait Infer: Layer {
    /// The buffers of the pass: a `Dense`'s output rows, nothing for an element-wise brick,
    /// a tuple of them for a stack.
    type Buf<const B: usize>: CacheNew + Zeroable;

    /// Whether the training pass fuses this brick into the affine brick right before it in
    /// the same tuple ([`Layer::forward_after_affine`]): then that brick applies this one in
    /// its own kernel, and this brick's step does nothing.
    const FUSES_AFTER_AFFINE: bool = false;

    /// Runs the brick on `x`, the output of the brick before it, which it may overwrite,
    /// and returns its output (in `x` or in `buf`). `fused`: the brick before has already
    /// applied this one (only when [`Infer::FUSES_AFTER_AFFINE`]). `fuse_next`: the brick
    /// after fuses after an affine brick; an affine brick then applies it and returns `true`.
    fn infer_in_place<'a, const B: usize>(
        &self,
        x: &'a mut Rows<Self::In, B>,
        buf: &'a mut Self::Buf<B>,
        fused: bool,
        fuse_next: bool,
    ) -> (&'a mut Rows<Self::Out, B>, bool);
}

/// A brick (or stack) that can start an inference pass: it reads the caller's rows without
/// writing them. A `Dense`, or a tuple whose first brick is one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot start an inference pass: its first brick is element-wise and runs in place on the rows before it",
    note = "put a `Dense` first, or run this network with a `Workspace`"
)]
pub trait InferFrom: Infer {
    /// Runs the brick on the caller's `x` into `buf` and returns its output; `fuse_next` and
    /// the returned flag as for [`Infer::infer_in_place`].
    fn infer<'a, const B: usize>(
        &self,
        x: &Rows<Self::In, B>,
        buf: &'a mut Self::Buf<B>,
        fuse_next: bool,
    ) -> (&'a mut Rows<Self::Out, B>, bool);
}
