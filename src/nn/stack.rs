//! Stacking: a tuple of bricks is a brick. Each brick's output width must equal the next
//! one's input width (a compile error otherwise). Tuples of 2 to 6 bricks are bricks, and
//! tuples nest, so any depth works.

use super::cache::{Cache, CacheNew};
use super::shape::Rows;
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

macro_rules! tuple_layer {
    (
        first: $F:ident $fi:tt;
        chain: $( ($P:ident $pi:tt -> $T:ident $ti:tt) )+;
        back: $( ($BT:ident $bti:tt <- $BP:ident $bpi:tt) )+;
        last: $L:ident;
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

            #[inline]
            fn forward<const B: usize>(&self, x: &Rows<Self::In, B>, cache: &mut Self::Cache<B>) {
                self.$fi.forward(x, &mut cache.$fi);
                $( self.$ti.forward(cache.$pi.output(), &mut cache.$ti); )+
            }

            #[inline]
            fn backward<const B: usize>(
                &self,
                x: &Rows<Self::In, B>,
                cache: &mut Self::Cache<B>,
                dx: Option<&mut Rows<Self::In, B>>,
                grads: &mut Self,
            ) {
                $(
                    {
                        let (prev_y, prev_dy) = cache.$bpi.split_mut();
                        self.$bti.backward(prev_y, &mut cache.$bti, Some(prev_dy), &mut grads.$bti);
                    }
                )+
                self.$fi.backward(x, &mut cache.$fi, dx, &mut grads.$fi);
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
    first: L0 0;
    chain: (L0 0 -> L1 1);
    back: (L1 1 <- L0 0);
    last: L1;
    all: L0 0, L1 1
}
tuple_layer! {
    first: L0 0;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2);
    back: (L2 2 <- L1 1) (L1 1 <- L0 0);
    last: L2;
    all: L0 0, L1 1, L2 2
}
tuple_layer! {
    first: L0 0;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2) (L2 2 -> L3 3);
    back: (L3 3 <- L2 2) (L2 2 <- L1 1) (L1 1 <- L0 0);
    last: L3;
    all: L0 0, L1 1, L2 2, L3 3
}
tuple_layer! {
    first: L0 0;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2) (L2 2 -> L3 3) (L3 3 -> L4 4);
    back: (L4 4 <- L3 3) (L3 3 <- L2 2) (L2 2 <- L1 1) (L1 1 <- L0 0);
    last: L4;
    all: L0 0, L1 1, L2 2, L3 3, L4 4
}
tuple_layer! {
    first: L0 0;
    chain: (L0 0 -> L1 1) (L1 1 -> L2 2) (L2 2 -> L3 3) (L3 3 -> L4 4) (L4 4 -> L5 5);
    back: (L5 5 <- L4 4) (L4 4 <- L3 3) (L3 3 <- L2 2) (L2 2 <- L1 1) (L1 1 <- L0 0);
    last: L5;
    all: L0 0, L1 1, L2 2, L3 3, L4 4, L5 5
}
