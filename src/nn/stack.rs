//! Stacking: a tuple of 2 to 6 bricks is a brick whose neighbours' widths must agree (a
//! compile error otherwise); tuples nest, so any depth works.
//!
//! A tuple impl only lines its bricks up as a chain — [`Link`]s, each holding a brick and
//! its buffers, ending in [`End`] — and runs it. How a chain runs is defined once, here,
//! recursively: each brick runs and passes its output to the rest
//! ([`Layer::forward_chain`]), and the backward pass mirrors it. Fusion happens inside
//! that recursion: `Dense` hands itself to the brick after it, which may compute both in
//! one kernel ([`Layer::forward_after_affine`]). Across the boundary of a nested tuple the
//! bricks run unfused.

use super::cache::{Cache, CacheNew};
use super::dense::Affine;
use super::infer::{Infer, InferFrom};
use super::shape::{Dim, Rows};
use super::{Layer, ParamKind};
use crate::init::Init;
use core::marker::PhantomData;
use rand_core::RngCore;

/// The bricks of a stack from one position to its end, with their buffers, as the forward
/// pass sees them.
pub trait ForwardChain<const B: usize> {
    /// The width of the rows the first brick takes.
    type In: Dim;
    /// Runs every brick, the first on `x`.
    fn forward(self, x: &Rows<Self::In, B>);
    /// Runs the affine brick `a` on `x` (into `a_cache`), then every brick of the chain;
    /// the first may fuse with `a`.
    fn forward_after_affine<A: Affine<Out = Self::In>>(self, a: &A, x: &Rows<A::In, B>, a_cache: &mut A::Cache<B>);
}

/// The bricks of a stack from one position to its end, with their buffers and gradients,
/// as the backward pass sees them.
pub trait BackwardChain<const B: usize> {
    /// The width of the rows the first brick takes.
    type In: Dim;
    /// Writes every brick's parameter gradients and, when given, `dx`, the gradient with
    /// respect to the first brick's input `x` (the last brick's output gradient is already
    /// in its buffer).
    fn backward(self, x: &Rows<Self::In, B>, dx: Option<&mut Rows<Self::In, B>>);
    /// The same, then the backward pass of the affine brick `a` before the chain (input
    /// `x`); the first brick may fuse with `a`.
    fn backward_after_affine<A: Affine<Out = Self::In>>(
        self,
        a: &A,
        x: &Rows<A::In, B>,
        dx: Option<&mut Rows<A::In, B>>,
        a_cache: &mut A::Cache<B>,
        a_grads: &mut A,
    );
}

/// A brick with its buffers (and, for the backward pass, its gradients), then the rest of
/// the chain.
pub struct Link<'a, L: Layer, G, R, const B: usize> {
    layer: &'a L,
    cache: &'a mut L::Cache<B>,
    grads: G,
    rest: R,
}

impl<'a, L: Layer, R, const B: usize> Link<'a, L, (), R, B> {
    /// A link of a forward chain.
    pub fn forward(layer: &'a L, cache: &'a mut L::Cache<B>, rest: R) -> Self {
        Link { layer, cache, grads: (), rest }
    }
}

impl<'a, L: Layer, R, const B: usize> Link<'a, L, &'a mut L, R, B> {
    /// A link of a backward chain.
    pub fn backward(layer: &'a L, cache: &'a mut L::Cache<B>, grads: &'a mut L, rest: R) -> Self {
        Link { layer, cache, grads, rest }
    }
}

/// The end of a chain: rows of width `W` come out of the last brick.
pub struct End<W>(PhantomData<W>);

impl<W> End<W> {
    /// The end of a chain.
    pub fn new() -> Self {
        End(PhantomData)
    }
}

impl<W> Default for End<W> {
    fn default() -> Self {
        End::new()
    }
}

impl<W: Dim, const B: usize> ForwardChain<B> for End<W> {
    type In = W;
    #[inline(always)]
    fn forward(self, _: &Rows<W, B>) {}
    #[inline(always)]
    fn forward_after_affine<A: Affine<Out = W>>(self, a: &A, x: &Rows<A::In, B>, a_cache: &mut A::Cache<B>) {
        a.forward(x, a_cache);
    }
}

impl<W: Dim, const B: usize> BackwardChain<B> for End<W> {
    type In = W;
    /// Nothing to do: the last brick's output gradient was written by the loss.
    #[inline(always)]
    fn backward(self, _: &Rows<W, B>, _: Option<&mut Rows<W, B>>) {}
    #[inline(always)]
    fn backward_after_affine<A: Affine<Out = W>>(
        self,
        a: &A,
        x: &Rows<A::In, B>,
        dx: Option<&mut Rows<A::In, B>>,
        a_cache: &mut A::Cache<B>,
        a_grads: &mut A,
    ) {
        a.backward(x, a_cache, dx, a_grads);
    }
}

impl<L: Layer, R: ForwardChain<B, In = L::Out>, const B: usize> ForwardChain<B> for Link<'_, L, (), R, B> {
    type In = L::In;
    #[inline(always)]
    fn forward(self, x: &Rows<L::In, B>) {
        self.layer.forward_chain(x, self.cache, self.rest);
    }
    #[inline(always)]
    fn forward_after_affine<A: Affine<Out = L::In>>(self, a: &A, x: &Rows<A::In, B>, a_cache: &mut A::Cache<B>) {
        self.layer.forward_after_affine(a, x, a_cache, self.cache, self.rest);
    }
}

impl<L: Layer, R: BackwardChain<B, In = L::Out>, const B: usize> BackwardChain<B> for Link<'_, L, &mut L, R, B> {
    type In = L::In;
    #[inline(always)]
    fn backward(self, x: &Rows<L::In, B>, dx: Option<&mut Rows<L::In, B>>) {
        self.layer.backward_chain(x, dx, self.cache, self.grads, self.rest);
    }
    #[inline(always)]
    fn backward_after_affine<A: Affine<Out = L::In>>(
        self,
        a: &A,
        x: &Rows<A::In, B>,
        dx: Option<&mut Rows<A::In, B>>,
        a_cache: &mut A::Cache<B>,
        a_grads: &mut A,
    ) {
        self.layer.backward_after_affine(a, x, dx, a_cache, a_grads, self.cache, self.grads, self.rest);
    }
}

/// A brick whose output rows have the width the brick `Next` takes: the bound between
/// neighbours in a stack, implemented for every such pair. A mismatch is reported as this
/// trait's message, naming both bricks.
#[diagnostic::on_unimplemented(
    message = "`{Next}` cannot follow `{Self}` in a network: the widths differ",
    label = "a brick here takes rows of another width than the brick before it outputs",
    note = "in a tuple network each brick's input width must equal the output width of the brick before it: `Dense<A, B>` takes width A and outputs width B, an activation `Relu<N>` (`Sigmoid<N>`, `Tanh<N>`) takes and outputs width N"
)]
pub trait Feeds<Next: Layer>: Layer<Out = <Next as Layer>::In> {}

#[diagnostic::do_not_recommend]
impl<A: Layer, N: Layer<In = A::Out>> Feeds<N> for A {}

/// The forward chain of bricks `$i…` of `$s` with buffers from `$c`.
macro_rules! forward_chain {
    ($s:ident, $c:ident; $i:tt $($rest:tt)*) => {
        Link::forward(&$s.$i, &mut $c.$i, forward_chain!($s, $c; $($rest)*))
    };
    ($s:ident, $c:ident;) => {
        End::new()
    };
}

/// The backward chain of bricks `$i…` of `$s` with buffers from `$c`, gradients from `$g`.
macro_rules! backward_chain {
    ($s:ident, $c:ident, $g:ident; $i:tt $($rest:tt)*) => {
        Link::backward(&$s.$i, &mut $c.$i, &mut $g.$i, backward_chain!($s, $c, $g; $($rest)*))
    };
    ($s:ident, $c:ident, $g:ident;) => {
        End::new()
    };
}

/// The output buffers of a stack are its last brick's.
macro_rules! tuple_cache {
    ($last:tt; $($A:ident),+) => {
        impl<R: super::shape::Matrix, $($A: CacheNew),+> Cache<R> for ($($A,)+)
        where
            tuple_cache!(@ty $last; $($A),+): Cache<R>,
        {
            #[inline]
            fn output(&self) -> &R {
                self.$last.output()
            }
            #[inline]
            fn output_grad_mut(&mut self) -> &mut R {
                self.$last.output_grad_mut()
            }
            #[inline]
            fn split_mut(&mut self) -> (&R, &mut R) {
                self.$last.split_mut()
            }
        }
    };
    (@ty 1; $A0:ident, $A1:ident) => { $A1 };
    (@ty 2; $A0:ident, $A1:ident, $A2:ident) => { $A2 };
    (@ty 3; $A0:ident, $A1:ident, $A2:ident, $A3:ident) => { $A3 };
    (@ty 4; $A0:ident, $A1:ident, $A2:ident, $A3:ident, $A4:ident) => { $A4 };
    (@ty 5; $A0:ident, $A1:ident, $A2:ident, $A3:ident, $A4:ident, $A5:ident) => { $A5 };
}

/// `Layer` for the tuple of bricks `$A` (fields `$i`), each taking the output of the one
/// before (`$Next: Layer<In = $Prev::Out>`).
macro_rules! tuple_layer {
    (first: $F:ident, last: $L:ident $li:tt; chain: $( ($Prev:ident -> $Next:ident) )+; all: $($A:ident $i:tt),+) => {
        impl<$($A: CacheNew),+> CacheNew for ($($A,)+) {
            const ZERO: Self = ($($A::ZERO,)+);
        }

        tuple_cache!($li; $($A),+);

        impl<$($A: Layer),+> Layer for ($($A,)+)
        where
            $( $Prev: Feeds<$Next>, )+
        {
            type In = <$F as Layer>::In;
            type Out = <$L as Layer>::Out;
            type Cache<const B: usize> = ($($A::Cache<B>,)+);

            const PARAMS: usize = 0 $(+ $A::PARAMS)+;

            const ZERO: Self = ($($A::ZERO,)+);

            #[inline]
            fn zeroed_like(&self) -> Self {
                ($(self.$i.zeroed_like(),)+)
            }

            #[inline]
            fn forward<const B: usize>(&self, x: &Rows<Self::In, B>, cache: &mut Self::Cache<B>) {
                forward_chain!(self, cache; $($i)+).forward(x);
            }

            #[inline]
            fn backward<const B: usize>(
                &self,
                x: &Rows<Self::In, B>,
                cache: &mut Self::Cache<B>,
                dx: Option<&mut Rows<Self::In, B>>,
                grads: &mut Self,
            ) {
                backward_chain!(self, cache, grads; $($i)+).backward(x, dx);
            }

            #[inline]
            fn visit<Fv: FnMut(ParamKind, &[f32])>(&self, f: &mut Fv) {
                $( self.$i.visit(f); )+
            }

            #[inline]
            fn visit_mut<Fv: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut Fv) {
                $( self.$i.visit_mut(f); )+
            }

            #[inline]
            fn zip<Fz: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut Fz) {
                $( self.$i.zip(&other.$i, f); )+
            }

            #[inline]
            fn zip_mut<Fz: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut Fz) {
                $( self.$i.zip_mut(&other.$i, f); )+
            }

            #[inline]
            fn zip4<Fz: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut Fz) {
                $( self.$i.zip4(&a.$i, &b.$i, &c.$i, f); )+
            }

            #[inline]
            fn zip4_mut<Fz: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
                &mut self,
                a: &mut Self,
                b: &mut Self,
                c: &Self,
                f: &mut Fz,
            ) {
                $( self.$i.zip4_mut(&mut a.$i, &mut b.$i, &c.$i, f); )+
            }

            fn init<Rg: RngCore + ?Sized>(&mut self, rng: &mut Rg, scheme: Init) {
                $( self.$i.init(rng, scheme); )+
            }
        }
    };
}

tuple_layer!(first: L0, last: L1 1; chain: (L0 -> L1); all: L0 0, L1 1);
tuple_layer!(first: L0, last: L2 2; chain: (L0 -> L1) (L1 -> L2); all: L0 0, L1 1, L2 2);
tuple_layer!(first: L0, last: L3 3; chain: (L0 -> L1) (L1 -> L2) (L2 -> L3); all: L0 0, L1 1, L2 2, L3 3);
tuple_layer!(
    first: L0, last: L4 4;
    chain: (L0 -> L1) (L1 -> L2) (L2 -> L3) (L3 -> L4);
    all: L0 0, L1 1, L2 2, L3 3, L4 4
);
tuple_layer!(
    first: L0, last: L5 5;
    chain: (L0 -> L1) (L1 -> L2) (L2 -> L3) (L3 -> L4) (L4 -> L5);
    all: L0 0, L1 1, L2 2, L3 3, L4 4, L5 5
);

/// The inference steps of bricks `$A $i…` of `$s` (buffers in `$b`), the first on `$y`
/// (whose brick before reported `$f`), each told whether the next one fuses after it; the
/// last brick's output. Nothing fuses across the end of a tuple, as in training.
macro_rules! infer_steps {
    ($s:ident, $b:ident, $y:ident, $f:ident; $A:ident $i:tt, $N:ident $j:tt $(, $R:ident $k:tt)*) => {{
        let ($y, $f) = $s.$i.infer_in_place($y, &mut $b.$i, $f, <$N as Infer>::FUSES_AFTER_AFFINE);
        infer_steps!($s, $b, $y, $f; $N $j $(, $R $k)*)
    }};
    ($s:ident, $b:ident, $y:ident, $f:ident; $A:ident $i:tt) => {
        $s.$i.infer_in_place($y, &mut $b.$i, $f, false).0
    };
}

/// `Infer` for a tuple of bricks (every one in place after the first), and `InferFrom` when
/// its first brick can read the caller's rows.
macro_rules! tuple_infer {
    (chain: $( ($Prev:ident -> $Next:ident) )+; first: $F:ident $fi:tt; rest: $S:ident $si:tt $(, $R:ident $ri:tt)*) => {
        impl<$F: Infer, $S: Infer $(, $R: Infer)*> Infer for ($F, $S, $($R,)*)
        where
            $( $Next: Layer<In = <$Prev as Layer>::Out>, )+
        {
            type Buf<const B: usize> = ($F::Buf<B>, $S::Buf<B>, $($R::Buf<B>,)*);

            #[inline]
            fn infer_in_place<'a, const B: usize>(
                &self,
                x: &'a mut Rows<Self::In, B>,
                buf: &'a mut Self::Buf<B>,
                _fused: bool,
                _fuse_next: bool,
            ) -> (&'a mut Rows<Self::Out, B>, bool) {
                let (y, f) = (x, false);
                (infer_steps!(self, buf, y, f; $F $fi, $S $si $(, $R $ri)*), false)
            }
        }

        impl<$F: InferFrom, $S: Infer $(, $R: Infer)*> InferFrom for ($F, $S, $($R,)*)
        where
            $( $Next: Layer<In = <$Prev as Layer>::Out>, )+
        {
            #[inline]
            fn infer<'a, const B: usize>(
                &self,
                x: &Rows<Self::In, B>,
                buf: &'a mut Self::Buf<B>,
                _fuse_next: bool,
            ) -> (&'a mut Rows<Self::Out, B>, bool) {
                let (y, f) = self.$fi.infer(x, &mut buf.$fi, <$S as Infer>::FUSES_AFTER_AFFINE);
                (infer_steps!(self, buf, y, f; $S $si $(, $R $ri)*), false)
            }
        }
    };
}

tuple_infer!(chain: (L0 -> L1); first: L0 0; rest: L1 1);
tuple_infer!(chain: (L0 -> L1) (L1 -> L2); first: L0 0; rest: L1 1, L2 2);
tuple_infer!(chain: (L0 -> L1) (L1 -> L2) (L2 -> L3); first: L0 0; rest: L1 1, L2 2, L3 3);
tuple_infer!(chain: (L0 -> L1) (L1 -> L2) (L2 -> L3) (L3 -> L4); first: L0 0; rest: L1 1, L2 2, L3 3, L4 4);
tuple_infer!(
    chain: (L0 -> L1) (L1 -> L2) (L2 -> L3) (L3 -> L4) (L4 -> L5);
    first: L0 0; rest: L1 1, L2 2, L3 3, L4 4, L5 5
);
