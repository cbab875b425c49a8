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
//! takes_layer((Dense::<2, 4>::zeros(stacknet::nn::Bias::With), Sigmoid::<3>));
//! ```

mod activation;
mod cache;
mod dense;
mod shape;
mod stack;

pub use activation::{Relu, Sigmoid, Tanh};
pub use cache::{Act, Cache, CacheNew};
pub use dense::{Bias, Dense};
pub use shape::{Dim, Matrix, Rows, D};

use crate::init::Init;
use core::sync::atomic::{AtomicBool, Ordering};
use rand_core::RngCore;

static FUSION: AtomicBool = AtomicBool::new(true);

/// Turns the fusion of `Dense` + `Sigmoid` neighbours on (the default) or off, process-wide.
/// Fused, a stack computes `σ(x·W + b)` in one kernel that writes each activation once, and
/// applies σ′ inside the weight-gradient product; unfused, it runs the two bricks one after
/// the other. Both give the same values within the kernels' tolerances (bit-identical with
/// the scalar tier forced); the switch exists to compare and benchmark them.
pub fn set_fusion(enabled: bool) {
    FUSION.store(enabled, Ordering::Relaxed);
}

/// Whether `Dense` + `Sigmoid` neighbours are fused ([`set_fusion`]).
pub fn fusion_enabled() -> bool {
    FUSION.load(Ordering::Relaxed)
}

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

    /// `true` only for [`Sigmoid`]: lets the brick before it fuse with it (checked in the
    /// tuple impls; a constant, so the check folds away).
    const IS_SIGMOID: bool = false;

    /// The fused forward pass of this brick followed by a sigmoid of the same width:
    /// writes `σ(self(x))` into `act` (the sigmoid's output, `B × Out` row-major) in one
    /// pass, leaving `self`'s own output buffer unused. Returns `false`, having written
    /// nothing, when the brick has no fused pass (the default); the stack then runs the
    /// two bricks one after the other. [`Dense`] overrides it.
    fn forward_sigmoid<const B: usize>(&self, x: &Rows<Self::In, B>, act: &mut [f32]) -> bool {
        let _ = (x, act);
        false
    }

    /// The fused backward pass of this brick followed by a sigmoid with output `act` and
    /// output gradient `act_grad` (both `B × Out`): writes this brick's output gradient
    /// `act_grad ⊙ act ⊙ (1 − act)` into `cache` (computed inside the weight-gradient
    /// product), its parameter gradients into `grads` and, when given, `dx`. Returns
    /// `false`, having done nothing, when unsupported (the default).
    fn backward_sigmoid<const B: usize>(
        &self,
        x: &Rows<Self::In, B>,
        cache: &mut Self::Cache<B>,
        act: &[f32],
        act_grad: &[f32],
        dx: Option<&mut Rows<Self::In, B>>,
        grads: &mut Self,
    ) -> bool {
        let _ = (x, cache, act, act_grad, dx, grads);
        false
    }

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
