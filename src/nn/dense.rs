//! `Dense<IN, OUT>`: `y = x·W + b`, with `W` as `[[f32; OUT]; IN]` (one row per input).

use super::cache::Act;
use super::dense_math::{self, Typed};
use super::infer::{Infer, InferFrom};
use super::shape::{Rows, D};
use super::stack::{BackwardChain, ForwardChain};
use super::{Layer, ParamKind};
use crate::init::Init;
use rand_core::RngCore;

/// Whether a [`Dense`] brick adds a learned bias to its outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bias {
    /// `y = x·W + b` (the default for new networks).
    With,
    /// `y = x·W` (the article's network).
    Without,
}

impl From<bool> for Bias {
    /// `true` is [`Bias::With`]: for a choice that arrives as a flag (a command-line
    /// switch, a C caller). In code, name it: `Bias::With` or `Bias::Without`.
    fn from(with: bool) -> Bias {
        if with {
            Bias::With
        } else {
            Bias::Without
        }
    }
}

/// A fully connected brick with `IN` inputs and `OUT` outputs, with a bias (the default)
/// or without one (the article's network).
///
/// Build it to train with [`Dense::new`] (or a whole network with [`Layer::random`]);
/// [`Dense::from_parts`] takes given weights; [`Dense::zeros`] is an all-zero placeholder.
///
/// ```
/// use stacknet::prelude::*;
///
/// let mut rng = stacknet::init::rng(5);
/// let d: Dense<3, 2> = Dense::new(Bias::With, &mut rng, Init::XavierUniform);
/// assert_eq!(d.bias(), Some(&[0.0, 0.0])); // Xavier draws weights, biases start at 0
/// assert!(d.weights().as_flattened().iter().all(|w| w.abs() <= (6.0f32 / 5.0).sqrt()));
///
/// let fixed = Dense::from_parts([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], None);
/// let mut ws = Workspace::<Dense<3, 2>, 1>::new();
/// assert_eq!(ws.forward(&fixed, &[[1.0, 2.0, 3.0]]), &[[4.0, 5.0]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize> {
    w: [[f32; OUT]; IN],
    b: [f32; OUT],
    /// The bias choice, stored negated so that a brick with a bias (the default) is all zero
    /// bits: a zero network is then built by a memset, and as a `static` it lands in `.bss`.
    /// A `u32` (0 or 1), not a `bool`: every bit pattern is then a valid brick with no padding
    /// byte, so a network in memory that someone else wrote (a C caller's model state)
    /// cannot hold an invalid value, and its bytes are fully determined by its values.
    no_bias: u32,
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// A brick with `bias` or not, its parameters drawn from `rng` with `scheme`: the
    /// way to build a brick to train. [`Layer::random`] does the same for a whole network
    /// (every `Dense` with a bias).
    pub fn new<R: RngCore + ?Sized>(bias: Bias, rng: &mut R, scheme: Init) -> Self {
        let mut d = Dense::zeros(bias);
        d.init(rng, scheme);
        d
    }

    /// All-zero weights (and bias): a **placeholder**, not a starting point for training.
    /// Use it as the target of [`persist::load`](crate::persist::load), or fill it with
    /// [`Layer::init`] or by hand through [`Dense::weights_mut`]. Trained as it is, every
    /// hidden unit of a zero network gets the same gradient and stays equal to the others:
    /// the steps succeed but the network cannot learn. To train, build with
    /// [`Dense::new`] or [`Layer::random`].
    ///
    /// ```
    /// use stacknet::prelude::*;
    ///
    /// // A target for a saved model: its values come from the blob.
    /// type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 1>);
    /// let mut restored: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With));
    /// # let saved: Net = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
    /// # let mut blob = [0u8; stacknet::persist::max_len::<Net>()];
    /// # stacknet::persist::save(&saved, &mut blob)?;
    /// stacknet::persist::load(&mut restored, &blob)?;
    /// # assert_eq!(restored, saved);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn zeros(bias: Bias) -> Self {
        Dense { w: [[0.0; OUT]; IN], b: [0.0; OUT], no_bias: matches!(bias, Bias::Without) as u32 }
    }

    /// From given weights and an optional bias.
    pub const fn from_parts(w: [[f32; OUT]; IN], b: Option<[f32; OUT]>) -> Self {
        match b {
            Some(b) => Dense { w, b, no_bias: 0 },
            None => Dense { w, b: [0.0; OUT], no_bias: 1 },
        }
    }

    /// Whether the brick adds a bias.
    pub const fn has_bias(&self) -> bool {
        self.no_bias == 0
    }

    /// The brick's [`Bias`] choice.
    pub const fn bias_kind(&self) -> Bias {
        if self.has_bias() {
            Bias::With
        } else {
            Bias::Without
        }
    }

    /// The weights, one row per input.
    pub const fn weights(&self) -> &[[f32; OUT]; IN] {
        &self.w
    }

    /// The weights, one row per input.
    pub fn weights_mut(&mut self) -> &mut [[f32; OUT]; IN] {
        &mut self.w
    }

    /// The bias, if the brick has one.
    pub fn bias(&self) -> Option<&[f32; OUT]> {
        self.has_bias().then_some(&self.b)
    }

    /// The bias, if the brick has one.
    pub fn bias_mut(&mut self) -> Option<&mut [f32; OUT]> {
        self.has_bias().then_some(&mut self.b)
    }
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// `y = x·W + b`: the forward pass of both workspaces ([`dense_math::forward`]).
    fn affine<const B: usize>(&self, x: &[[f32; IN]; B], y: &mut [[f32; OUT]; B]) {
        dense_math::forward(&Typed::<IN, OUT, B>, x, &self.w, self.bias(), y);
    }

    /// The gradients' parts: the weights' and, with a bias, the bias's.
    fn grad_parts<'g>(&self, grads: &'g mut Self) -> (&'g mut [[f32; OUT]; IN], Option<&'g mut [f32; OUT]>) {
        grads.no_bias = self.no_bias;
        (&mut grads.w, self.has_bias().then_some(&mut grads.b))
    }
}

/// A brick whose output is `x·W + b` ([`Dense`]): an activation after it in a stack can run
/// with it as one fused kernel (see [`Layer::forward_after_affine`]).
pub trait Affine: Layer {
    /// `y = σ(x·W + b)` in one pass, straight into the sigmoid's output buffer `y`; this
    /// brick's own output buffer is not written.
    fn forward_sigmoid<const B: usize>(&self, x: &Rows<Self::In, B>, y: &mut Rows<Self::Out, B>);

    /// The backward pass of this brick and the sigmoid after it, from the sigmoid's output
    /// `y` and output gradient `dy`: this brick's output gradient `g = dy⊙y⊙(1−y)` (into
    /// `cache`) computed inside the weight gradient, the parameter gradients into `grads`,
    /// and, when given, `dx`.
    fn backward_sigmoid<const B: usize>(
        &self,
        x: &Rows<Self::In, B>,
        cache: &mut Self::Cache<B>,
        y: &Rows<Self::Out, B>,
        dy: &Rows<Self::Out, B>,
        dx: Option<&mut Rows<Self::In, B>>,
        grads: &mut Self,
    );
}

impl<const IN: usize, const OUT: usize> Affine for Dense<IN, OUT> {
    fn forward_sigmoid<const B: usize>(&self, x: &[[f32; IN]; B], y: &mut [[f32; OUT]; B]) {
        dense_math::forward_sigmoid(&Typed::<IN, OUT, B>, x, &self.w, self.bias(), y);
    }

    /// [`dense_math::backward_sigmoid`].
    fn backward_sigmoid<const B: usize>(
        &self,
        x: &[[f32; IN]; B],
        cache: &mut Self::Cache<B>,
        y: &[[f32; OUT]; B],
        dy: &[[f32; OUT]; B],
        dx: Option<&mut [[f32; IN]; B]>,
        grads: &mut Self,
    ) {
        let (gw, gb) = self.grad_parts(grads);
        dense_math::backward_sigmoid(&Typed::<IN, OUT, B>, x, dy, y, &mut cache.dy, &self.w, gw, gb, dx);
    }
}

impl<const IN: usize, const OUT: usize> Layer for Dense<IN, OUT> {
    type In = D<IN>;
    type Out = D<OUT>;
    type Cache<const B: usize> = Act<[[f32; OUT]; B]>;

    const PARAMS: usize = IN * OUT + OUT;

    const ZERO: Self = Dense::zeros(Bias::With);

    fn zeroed_like(&self) -> Self {
        Dense::zeros(self.bias_kind())
    }

    fn forward<const B: usize>(&self, x: &Rows<D<IN>, B>, cache: &mut Self::Cache<B>) {
        self.affine(x, &mut cache.y);
    }

    fn backward<const B: usize>(
        &self,
        x: &Rows<D<IN>, B>,
        cache: &mut Self::Cache<B>,
        dx: Option<&mut Rows<D<IN>, B>>,
        grads: &mut Self,
    ) {
        let (gw, gb) = self.grad_parts(grads);
        dense_math::backward(&Typed::<IN, OUT, B>, x, &cache.dy, &self.w, gw, gb, dx);
    }

    /// Hands itself to the next brick, which may fuse with it.
    fn forward_chain<const B: usize, R: ForwardChain<B, In = Self::Out>>(
        &self,
        x: &Rows<D<IN>, B>,
        cache: &mut Self::Cache<B>,
        rest: R,
    ) {
        rest.forward_after_affine(self, x, cache);
    }

    /// Hands itself to the next brick, which may fuse with it.
    fn backward_chain<const B: usize, R: BackwardChain<B, In = Self::Out>>(
        &self,
        x: &Rows<D<IN>, B>,
        dx: Option<&mut Rows<D<IN>, B>>,
        cache: &mut Self::Cache<B>,
        grads: &mut Self,
        rest: R,
    ) {
        rest.backward_after_affine(self, x, dx, cache, grads);
    }

    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened());
        if self.has_bias() {
            f(ParamKind::Bias, &self.b);
        }
    }

    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened_mut());
        if self.has_bias() {
            f(ParamKind::Bias, &mut self.b);
        }
    }

    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened(), other.w.as_flattened());
        if self.has_bias() {
            f(ParamKind::Bias, &self.b, &other.b);
        }
    }

    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened_mut(), other.w.as_flattened());
        if self.has_bias() {
            f(ParamKind::Bias, &mut self.b, &other.b);
        }
    }

    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F) {
        f(ParamKind::Weight, [self.w.as_flattened(), a.w.as_flattened(), b.w.as_flattened(), c.w.as_flattened()]);
        if self.has_bias() {
            f(ParamKind::Bias, [&self.b, &a.b, &b.b, &c.b]);
        }
    }

    fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
        &mut self,
        a: &mut Self,
        b: &mut Self,
        c: &Self,
        f: &mut F,
    ) {
        let bias = self.has_bias();
        f(
            ParamKind::Weight,
            [self.w.as_flattened_mut(), a.w.as_flattened_mut(), b.w.as_flattened_mut()],
            c.w.as_flattened(),
        );
        if bias {
            f(ParamKind::Bias, [&mut self.b, &mut a.b, &mut b.b], &c.b);
        }
    }

    fn init<R: RngCore + ?Sized>(&mut self, rng: &mut R, scheme: Init) {
        for v in self.w.as_flattened_mut() {
            *v = scheme.weight(rng, IN, OUT);
        }
        if self.has_bias() {
            for v in &mut self.b {
                *v = scheme.bias(rng, IN);
            }
        }
    }
}

impl<const IN: usize, const OUT: usize> Infer for Dense<IN, OUT> {
    type Buf<const B: usize> = [[f32; OUT]; B];

    fn infer_in_place<'a, const B: usize>(
        &self,
        x: &'a mut [[f32; IN]; B],
        buf: &'a mut [[f32; OUT]; B],
        _fused: bool,
        fuse_next: bool,
    ) -> (&'a mut [[f32; OUT]; B], bool) {
        self.infer(x, buf, fuse_next)
    }
}

impl<const IN: usize, const OUT: usize> InferFrom for Dense<IN, OUT> {
    /// `x·W + b`, or `σ(x·W + b)` in one kernel when a `Sigmoid` follows (as in training).
    fn infer<'a, const B: usize>(
        &self,
        x: &[[f32; IN]; B],
        buf: &'a mut [[f32; OUT]; B],
        fuse_next: bool,
    ) -> (&'a mut [[f32; OUT]; B], bool) {
        if fuse_next {
            self.forward_sigmoid(x, buf);
        } else {
            self.affine(x, buf);
        }
        (buf, fuse_next)
    }
}
