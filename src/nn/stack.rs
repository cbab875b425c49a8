//! Stacking: a tuple of bricks is a brick. Each brick's output width must equal the next
//! one's input width (a compile error otherwise). Tuples of 2 to 6 bricks are bricks, and
//! tuples nest, so any depth works.

use super::cache::{Cache, CacheNew};
use super::shape::{Matrix, Rows};
use super::{Layer, ParamKind};
use crate::init::Init;
use rand_core::RngCore;

macro_rules! tuple_cache {
    ($last:ident; $($T:ident $i:tt),+) => {
        impl<R: super::shape::Matrix, $($T: CacheNew),+> Cache<R> for ($($T,)+)
        where
            $last: Cache<R>,
        {
            #[inline]
            fn output(&self) -> &R {
                tuple_cache!(@last self; $($i),+).output()
            }
            #[inline]
            fn output_mut(&mut self) -> &mut R {
                tuple_cache!(@last_mut self; $($i),+).output_mut()
            }
            #[inline]
            fn output_grad_mut(&mut self) -> &mut R {
                tuple_cache!(@last_mut self; $($i),+).output_grad_mut()
            }
            #[inline]
            fn split_mut(&mut self) -> (&R, &mut R) {
                tuple_cache!(@last_mut self; $($i),+).split_mut()
            }
        }
    };
    (@last $s:ident; $i:tt) => { $s.$i };
    (@last $s:ident; $i:tt, $($rest:tt),+) => { tuple_cache!(@last $s; $($rest),+) };
    (@last_mut $s:ident; $i:tt) => { $s.$i };
    (@last_mut $s:ident; $i:tt, $($rest:tt),+) => { tuple_cache!(@last_mut $s; $($rest),+) };
}

/// Runs `cur` on `x`, fused with the sigmoid `N` after it when it can: then the sigmoid's
/// output is written directly, `cur`'s own output buffer is left alone, and `true` says
/// "`N` is done". `N::IS_SIGMOID` is a constant, so for any other neighbour the test folds
/// away at compile time.
#[inline(always)]
fn fwd_step<C: Layer, N: Layer, const B: usize>(
    cur: &C,
    x: &Rows<C::In, B>,
    cc: &mut C::Cache<B>,
    nc: &mut N::Cache<B>,
) -> bool {
    if N::IS_SIGMOID && super::fusion_enabled() && cur.forward_sigmoid::<B>(x, nc.output_mut().flat_mut()) {
        return true;
    }
    cur.forward(x, cc);
    false
}

/// The backward pass of `t` (whose input is `p`'s output), fused into `p`'s backward pass
/// when `t` is a sigmoid and `p` can fuse: then `p` is done too (`true`), with `px` its input
/// and `pdx` where its input gradient goes.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn bwd_step<T: Layer<In = P::Out>, P: Layer, const B: usize>(
    t: &T,
    p: &P,
    px: &Rows<P::In, B>,
    pdx: Option<&mut Rows<P::In, B>>,
    pc: &mut P::Cache<B>,
    tc: &mut T::Cache<B>,
    tg: &mut T,
    pg: &mut P,
) -> bool {
    if T::IS_SIGMOID && super::fusion_enabled() {
        let (act, act_grad) = tc.split_mut();
        if p.backward_sigmoid::<B>(px, pc, act.flat(), act_grad.flat(), pdx, pg) {
            return true;
        }
    }
    let (py, pdy) = pc.split_mut();
    t.backward(py, tc, Some(pdy), tg);
    false
}

macro_rules! tuple_layer {
    (
        first: $F:ident $fi:tt, then $S:ident $si:tt;
        chain: $( ($P:ident $pi:tt -> $T:ident $ti:tt) )+;
        fwd: $( ($FP:ident $fpi:tt -> $FT:ident $fti:tt => $FN:ident $fni:tt) )*;
        back: $( ($BT:ident $bti:tt <- $BP:ident $bpi:tt <- $BQ:ident $bqi:tt) )*;
        last: $L:ident $li:tt, after $LP:ident $lpi:tt;
        all: $($A:ident $ai:tt),+
    ) => {
        impl<$($A: CacheNew),+> CacheNew for ($($A,)+) {
            #[inline]
            fn new() -> Self {
                ($($A::new(),)+)
            }
        }

        tuple_cache!($L; $($A $ai),+);

        impl<$($A: Layer),+> Layer for ($($A,)+)
        where
            $( $T: Layer<In = <$P as Layer>::Out>, )+
        {
            type In = <$F as Layer>::In;
            type Out = <$L as Layer>::Out;
            type Cache<const B: usize> = ($($A::Cache<B>,)+);

            const PARAMS: usize = 0 $(+ $A::PARAMS)+;

            #[inline]
            fn zeroed() -> Self {
                ($($A::zeroed(),)+)
            }

            #[inline]
            fn zeroed_like(&self) -> Self {
                ($(self.$ai.zeroed_like(),)+)
            }

            // A `Dense` directly followed by a `Sigmoid` runs as one fused brick (see
            // `Layer::forward_sigmoid`); `done` marks a brick already computed that way.
            #[inline]
            fn forward<const B: usize>(&self, x: &Rows<Self::In, B>, cache: &mut Self::Cache<B>) {
                #[allow(unused_mut)]
                let mut done = fwd_step::<$F, $S, B>(&self.$fi, x, &mut cache.$fi, &mut cache.$si);
                $(
                    if done {
                        done = false;
                    } else {
                        done = fwd_step::<$FT, $FN, B>(
                            &self.$fti, cache.$fpi.output(), &mut cache.$fti, &mut cache.$fni,
                        );
                    }
                )*
                if !done {
                    self.$li.forward(cache.$lpi.output(), &mut cache.$li);
                }
            }

            #[inline]
            fn backward<const B: usize>(
                &self,
                x: &Rows<Self::In, B>,
                cache: &mut Self::Cache<B>,
                dx: Option<&mut Rows<Self::In, B>>,
                grads: &mut Self,
            ) {
                let mut dx = dx;
                #[allow(unused_mut)]
                let mut done = false;
                $(
                    if done {
                        done = false;
                    } else {
                        let (qy, qdy) = cache.$bqi.split_mut();
                        done = bwd_step::<$BT, $BP, B>(
                            &self.$bti, &self.$bpi, qy, Some(qdy), &mut cache.$bpi, &mut cache.$bti,
                            &mut grads.$bti, &mut grads.$bpi,
                        );
                    }
                )*
                // `done` here means the second brick was already handled (fused into the
                // third's step); the first brick still needs its own pass then.
                let first_done = !done
                    && bwd_step::<$S, $F, B>(
                        &self.$si, &self.$fi, x, dx.as_deref_mut(), &mut cache.$fi, &mut cache.$si,
                        &mut grads.$si, &mut grads.$fi,
                    );
                if !first_done {
                    self.$fi.backward(x, &mut cache.$fi, dx, &mut grads.$fi);
                }
            }

            #[inline]
            fn visit<Fv: FnMut(ParamKind, &[f32])>(&self, f: &mut Fv) {
                $( self.$ai.visit(f); )+
            }

            #[inline]
            fn visit_mut<Fv: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut Fv) {
                $( self.$ai.visit_mut(f); )+
            }

            #[inline]
            fn zip<Fz: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut Fz) {
                $( self.$ai.zip(&other.$ai, f); )+
            }

            #[inline]
            fn zip_mut<Fz: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut Fz) {
                $( self.$ai.zip_mut(&other.$ai, f); )+
            }

            fn init<Rg: RngCore + ?Sized>(&mut self, rng: &mut Rg, scheme: Init) {
                $( self.$ai.init(rng, scheme); )+
            }
        }
    };
}

tuple_layer! {
    first: L0 0, then L1 1;
    chain: (L0 0 -> L1 1);
    fwd: ;
    back: ;
    last: L1 1, after L0 0;
    all: L0 0, L1 1
}
tuple_layer! {
    first: L0 0, then L1 1;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2);
    fwd: (L0 0 -> L1 1 => L2 2);
    back: (L2 2 <- L1 1 <- L0 0);
    last: L2 2, after L1 1;
    all: L0 0, L1 1, L2 2
}
tuple_layer! {
    first: L0 0, then L1 1;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2) (L2 2 -> L3 3);
    fwd: (L0 0 -> L1 1 => L2 2) (L1 1 -> L2 2 => L3 3);
    back: (L3 3 <- L2 2 <- L1 1) (L2 2 <- L1 1 <- L0 0);
    last: L3 3, after L2 2;
    all: L0 0, L1 1, L2 2, L3 3
}
tuple_layer! {
    first: L0 0, then L1 1;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2) (L2 2 -> L3 3) (L3 3 -> L4 4);
    fwd: (L0 0 -> L1 1 => L2 2) (L1 1 -> L2 2 => L3 3) (L2 2 -> L3 3 => L4 4);
    back: (L4 4 <- L3 3 <- L2 2) (L3 3 <- L2 2 <- L1 1) (L2 2 <- L1 1 <- L0 0);
    last: L4 4, after L3 3;
    all: L0 0, L1 1, L2 2, L3 3, L4 4
}
tuple_layer! {
    first: L0 0, then L1 1;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2) (L2 2 -> L3 3) (L3 3 -> L4 4) (L4 4 -> L5 5);
    fwd: (L0 0 -> L1 1 => L2 2) (L1 1 -> L2 2 => L3 3) (L2 2 -> L3 3 => L4 4) (L3 3 -> L4 4 => L5 5);
    back: (L5 5 <- L4 4 <- L3 3) (L4 4 <- L3 3 <- L2 2) (L3 3 <- L2 2 <- L1 1) (L2 2 <- L1 1 <- L0 0);
    last: L5 5, after L4 4;
    all: L0 0, L1 1, L2 2, L3 3, L4 4, L5 5
}
