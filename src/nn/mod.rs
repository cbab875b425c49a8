//! The bricks: [`Dense`], [`Sigmoid`], [`Tanh`], [`Relu`], and stacking them with tuples.
//!
//! A network is a tuple of bricks, `(Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>)`;
//! tuples nest, so a stack may be as deep as you like. Build one to train with
//! [`Layer::random`], which draws every parameter from an RNG with an [`Init`] scheme:
//!
//! ```
//! use stacknet::prelude::*;
//!
//! type Net = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
//! let mut rng = stacknet::init::rng(7);
//! let net: Net = Layer::random(&mut rng, Init::HeNormal);
//!
//! // Brick by brick, e.g. to leave out a bias:
//! let other: Net = (
//!     Dense::new(Bias::Without, &mut rng, Init::HeNormal),
//!     Relu,
//!     Dense::new(Bias::With, &mut rng, Init::HeNormal),
//!     Relu,
//!     Dense::new(Bias::With, &mut rng, Init::XavierUniform),
//! );
//! assert!(other.0.bias().is_none() && net.0.bias().is_some());
//! ```
//!
//! [`Dense::zeros`] builds an all-zero brick: a placeholder for [`persist::load`] or
//! [`Dense::from_parts`] to fill, not a starting point for training (a zero network's
//! hidden units all get the same gradient and never become different).
//!
//! A `Dense` directly followed by a `Sigmoid` runs as one fused kernel (σ(x·W + b) in one
//! pass forward, σ′ inside the weight gradient backward); every other pair runs one brick
//! after the other. Widths are const generics, so a stack whose neighbours disagree does
//! not compile; the error names the two bricks ([`Feeds`]), e.g. "`Sigmoid<3>` cannot
//! follow `Dense<2, 4>` in a network: the widths differ":
//!
//! ```compile_fail,E0277
//! use stacknet::nn::{Dense, Layer, Sigmoid};
//! fn takes_layer<L: Layer>(_: L) {}
//! // Sigmoid<3> cannot follow Dense<2, 4>:
//! takes_layer((Dense::<2, 4>::zeros(stacknet::nn::Bias::With), Sigmoid::<3>));
//! ```
//!
//! [`persist::load`]: crate::persist::load

mod activation;
mod cache;
mod dense;
pub(crate) mod dense_math;
mod infer;
mod params;
mod shape;
mod stack;
mod zeroable;

pub(crate) use activation::math;
pub use activation::{Relu, Sigmoid, Tanh};
pub use cache::{Act, Cache, CacheNew};
#[doc(hidden)]
pub use dense::Affine;
pub use dense::{Bias, Dense};
pub use infer::{Infer, InferFrom};
pub use params::{Params, ParamsRef};
pub use shape::{Dim, Matrix, Rows, D};
pub use stack::Feeds;
#[doc(hidden)]
pub use stack::{BackwardChain, End, ForwardChain, Link};
pub use zeroable::Zeroable;

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

    /// A brick of this type with every parameter zero: a buffer (gradients, velocity) or a
    /// placeholder to fill, not a network to train (use [`Layer::random`]). Its optional
    /// parts (a `Dense` bias) take their default; [`Layer::backward`] gives a gradient
    /// buffer the structure of the model it differentiates. A constant, so that a
    /// workspace holding one can be built in a `const` context (a `static`).
    const ZERO: Self;

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

    #[doc(hidden)]
    /// Runs this brick on `x`, then the bricks after it (`rest`) on its output: the step of
    /// a stack's forward pass. The default is exactly that; [`Dense`] instead hands itself to
    /// the next brick ([`ForwardChain::forward_after_affine`]), which may fuse with it.
    fn forward_chain<const B: usize, R: ForwardChain<B, In = Self::Out>>(
        &self,
        x: &Rows<Self::In, B>,
        cache: &mut Self::Cache<B>,
        rest: R,
    ) {
        self.forward(x, cache);
        rest.forward(cache.output());
    }

    #[doc(hidden)]
    /// Runs the affine brick `a` (input `x`, buffers `a_cache`) and this brick after it, then
    /// `rest`. The default runs them one after the other; an activation with a fused kernel
    /// ([`Sigmoid`]) computes its output from `x` in one pass and leaves `a`'s output unused.
    fn forward_after_affine<const B: usize, A: Affine<Out = Self::In>, R: ForwardChain<B, In = Self::Out>>(
        &self,
        a: &A,
        x: &Rows<A::In, B>,
        a_cache: &mut A::Cache<B>,
        cache: &mut Self::Cache<B>,
        rest: R,
    ) {
        a.forward(x, a_cache);
        self.forward_chain(a_cache.output(), cache, rest);
    }

    #[doc(hidden)]
    /// The backward pass of `rest` (which writes this brick's output gradient), then this
    /// brick's: the step of a stack's backward pass, mirroring [`Layer::forward_chain`].
    fn backward_chain<const B: usize, R: BackwardChain<B, In = Self::Out>>(
        &self,
        x: &Rows<Self::In, B>,
        dx: Option<&mut Rows<Self::In, B>>,
        cache: &mut Self::Cache<B>,
        grads: &mut Self,
        rest: R,
    ) {
        let (y, dy) = cache.split_mut();
        rest.backward(y, Some(dy));
        self.backward(x, cache, dx, grads);
    }

    #[doc(hidden)]
    /// The backward pass of `rest`, this brick and the affine brick `a` before it, mirroring
    /// [`Layer::forward_after_affine`]: by default one after the other; fused where the
    /// forward pass was fused.
    #[allow(clippy::too_many_arguments)]
    fn backward_after_affine<const B: usize, A: Affine<Out = Self::In>, R: BackwardChain<B, In = Self::Out>>(
        &self,
        a: &A,
        x: &Rows<A::In, B>,
        dx: Option<&mut Rows<A::In, B>>,
        a_cache: &mut A::Cache<B>,
        a_grads: &mut A,
        cache: &mut Self::Cache<B>,
        grads: &mut Self,
        rest: R,
    ) {
        let (ay, ady) = a_cache.split_mut();
        self.backward_chain(ay, Some(ady), cache, grads, rest);
        a.backward(x, a_cache, dx, a_grads);
    }

    /// Calls `f` on each parameter slice, in a fixed order.
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F);

    /// Calls `f` on each parameter slice, mutably, in the same order.
    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` beside the same slice of `other`.
    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` (mutable) beside the same slice of `other`.
    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` beside the same slice of `a`, `b` and
    /// `c`: an optimizer's per-parameter state (Adam's two moments) next to the weights and
    /// the gradient.
    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F);

    /// [`Layer::zip4`] with `self`, `a` and `b` mutable.
    fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
        &mut self,
        a: &mut Self,
        b: &mut Self,
        c: &Self,
        f: &mut F,
    );

    /// Draws fresh parameters from `rng` with `scheme`, keeping the structure (a `Dense`
    /// keeps its [`Bias`] choice).
    fn init<R: RngCore + ?Sized>(&mut self, rng: &mut R, scheme: Init);

    /// A new brick or whole network with parameters drawn from `rng` with `scheme`: the
    /// way to build a network to train. Every `Dense` has a bias (for bricks without one,
    /// build them with [`Dense::new`]). The same draws as [`Layer::ZERO`] then
    /// [`Layer::init`].
    ///
    /// ```
    /// use stacknet::prelude::*;
    ///
    /// type Net = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
    /// let mut rng = stacknet::init::rng(42);
    /// let net: Net = Layer::random(&mut rng, Init::HeNormal);
    /// assert!(net.0.weights().as_flattened().iter().any(|&w| w != 0.0));
    /// ```
    fn random<R: RngCore + ?Sized>(rng: &mut R, scheme: Init) -> Self {
        let mut layer = Self::ZERO;
        layer.init(rng, scheme);
        layer
    }
}
