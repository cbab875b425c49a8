//! The bricks: [`Dense`], [`Sigmoid`], [`Tanh`], [`Relu`], and stacking them with tuples.
//!
//! A network is a tuple of bricks, `(Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>)`;
//! tuples nest, so a stack may be as deep as you like. Widths are const generics, so a
//! stack whose neighbours disagree does not compile:
//!
//! ```compile_fail
//! use stacknet::nn::{Dense, Layer, Sigmoid};
//! fn takes_layer<L: Layer>(_: L) {}
//! // Sigmoid<3> cannot follow Dense<2, 4>:
//! takes_layer((Dense::<2, 4>::zeros(true), Sigmoid::<3>));
//! ```

mod activation;
mod cache;
mod dense;
mod shape;
mod stack;

pub use activation::{Relu, Sigmoid, Tanh};
pub use cache::{Act, Cache, CacheNew};
pub(crate) use dense::shapes_hold;
pub use dense::Dense;
pub use shape::{Dim, Matrix, Rows, D};

use crate::init::Init;
use rand_core::RngCore;

/// What a parameter slice is, so that penalties can treat weights and biases apart (the
/// ridge penalty covers weights only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix (penalised by ridge / L1).
    Weight,
    /// A bias vector (never penalised).
    Bias,
}

/// A brick: a differentiable map from rows of width `In` to rows of width `Out`.
///
/// The same type holds a brick's parameters and, in a second instance, their gradients
/// (and, in a third, an optimizer's velocity), so every buffer has its shape fixed at
/// compile time and lives wherever the caller puts it.
pub trait Layer: Copy {
    /// Input width.
    type In: Dim;
    /// Output width.
    type Out: Dim;
    /// The buffers one forward/backward pass over `B` rows needs.
    type Cache<const B: usize>: Cache<Rows<Self::Out, B>>;

    /// Number of trainable `f32` parameters.
    const PARAMS: usize;

    /// A brick of this type with every parameter zero. Its optional parts (a `Dense`
    /// bias) take their default; [`Layer::backward`] gives a gradient buffer the structure
    /// of the model it differentiates.
    fn zeroed() -> Self;

    /// All parameters zero, with the same structure as `self` (e.g. bias or no bias):
    /// the shape of a gradient or velocity buffer for this model.
    fn zeroed_like(&self) -> Self;

    /// Computes the output of `x` into `cache`.
    fn forward<const B: usize>(&self, x: &Rows<Self::In, B>, cache: &mut Self::Cache<B>);

    /// Given `x` and the `cache` of the forward pass (whose output gradient has been
    /// written), writes this brick's parameter gradients into `grads` (overwriting them,
    /// structure included)
    /// and, when `dx` is given, the gradient with respect to `x`. The output gradient in
    /// `cache` may be used as scratch.
    fn backward<const B: usize>(
        &self,
        x: &Rows<Self::In, B>,
        cache: &mut Self::Cache<B>,
        dx: Option<&mut Rows<Self::In, B>>,
        grads: &mut Self,
    );

    /// Calls `f` on each parameter slice, in a fixed order.
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F);

    /// Calls `f` on each parameter slice, mutably, in the same order.
    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` beside the same slice of `other`.
    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` (mutable) beside the same slice of `other`.
    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F);

    /// Draws fresh parameters from `rng` with `scheme`.
    fn init<R: RngCore + ?Sized>(&mut self, rng: &mut R, scheme: Init);
}
