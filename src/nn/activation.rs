//! Element-wise activations. Each one's backward pass uses only its cached output `y`
//! (σ′ = y(1−y), tanh′ = 1−y², relu′ = [y > 0]), so the input need not be kept; the
//! function and its derivative stand side by side. The function is applied in place, so the
//! training pass (on a copy of its input) and the inference pass (on the rows before it)
//! share it.

use super::cache::Act;
use super::dense::Affine;
use super::infer::Infer;
use super::shape::{Matrix, Rows, D};
use super::stack::{BackwardChain, ForwardChain};
use super::{Layer, ParamKind};
use crate::init::Init;
use rand_core::RngCore;

macro_rules! activation {
    (
        $(#[$doc:meta])* $name:ident, apply: $apply:expr, backward: $bwd:expr,
        fuses_after_affine: $fuses:expr $(, fused: { $($fused:item)* })?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name<const N: usize>;

        impl<const N: usize> Layer for $name<N> {
            type In = D<N>;
            type Out = D<N>;
            type Cache<const B: usize> = Act<[[f32; N]; B]>;

            const PARAMS: usize = 0;

            const ZERO: Self = $name;

            fn zeroed_like(&self) -> Self {
                $name
            }

            fn forward<const B: usize>(&self, x: &Rows<D<N>, B>, cache: &mut Self::Cache<B>) {
                cache.y.flat_mut().copy_from_slice(x.flat());
                Self::apply(cache.y.flat_mut());
            }

            fn backward<const B: usize>(
                &self,
                _x: &Rows<D<N>, B>,
                cache: &mut Self::Cache<B>,
                dx: Option<&mut Rows<D<N>, B>>,
                _grads: &mut Self,
            ) {
                if let Some(dx) = dx {
                    let bwd: fn(&[f32], &[f32], &mut [f32]) = $bwd;
                    bwd(cache.dy.flat(), cache.y.flat(), dx.flat_mut());
                }
            }

            fn visit<F: FnMut(ParamKind, &[f32])>(&self, _f: &mut F) {}

            fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, _f: &mut F) {}

            fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, _other: &Self, _f: &mut F) {}

            fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, _other: &Self, _f: &mut F) {}

            fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, _a: &Self, _b: &Self, _c: &Self, _f: &mut F) {}

            fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
                &mut self,
                _a: &mut Self,
                _b: &mut Self,
                _c: &Self,
                _f: &mut F,
            ) {
            }

            fn init<R: RngCore + ?Sized>(&mut self, _rng: &mut R, _scheme: Init) {}

            $($($fused)*)?
        }

        impl<const N: usize> Infer for $name<N> {
            type Buf<const B: usize> = ();
            const FUSES_AFTER_AFFINE: bool = $fuses;

            fn infer_in_place<'a, const B: usize>(
                &self,
                x: &'a mut Rows<D<N>, B>,
                _buf: &'a mut (),
                fused: bool,
                _fuse_next: bool,
            ) -> (&'a mut Rows<D<N>, B>, bool) {
                if !fused {
                    Self::apply(x.flat_mut());
                }
                (x, false)
            }
        }

        impl<const N: usize> $name<N> {
            /// The function, in place.
            #[inline]
            fn apply(y: &mut [f32]) {
                let f: fn(&mut [f32]) = $apply;
                f(y)
            }
        }
    };
}

/// The activations' functions and derivatives on flat slices: the bricks below and the
/// run-time network ([`crate::runtime`]) both call these, so each exists once.
pub(crate) mod math {
    use crate::kernels::typed;

    /// `y ← σ(y)`.
    #[inline]
    pub(crate) fn sigmoid(y: &mut [f32]) {
        typed::sigmoid(y);
    }

    /// `dx = dy·y·(1−y)`, from the sigmoid's output `y`.
    #[inline]
    pub(crate) fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
        typed::sigmoid_backward(dy, y, dx);
    }

    /// `y ← tanh(y)`.
    #[inline]
    pub(crate) fn tanh(y: &mut [f32]) {
        for y in y {
            *y = libm::tanhf(*y);
        }
    }

    /// `dx = dy·(1−y²)`, from the output `y = tanh(x)`.
    #[inline]
    pub(crate) fn tanh_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
        for ((d, &g), &t) in dx.iter_mut().zip(dy).zip(y) {
            *d = g * (1.0 - t * t);
        }
    }

    /// `y ← max(0, y)`, NaN kept.
    #[inline]
    pub(crate) fn relu(y: &mut [f32]) {
        for y in y {
            let x = *y;
            *y = if x > 0.0 || x.is_nan() { x } else { 0.0 };
        }
    }

    /// `dx = dy·[y > 0]`.
    #[inline]
    pub(crate) fn relu_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
        for ((d, &g), &r) in dx.iter_mut().zip(dy).zip(y) {
            *d = if r > 0.0 { g } else { 0.0 };
        }
    }
}

activation!(
    /// The logistic sigmoid `σ(z) = 1/(1+e^(−z))` on `N` columns.
    Sigmoid,
    apply: math::sigmoid,
    backward: math::sigmoid_backward,
    fuses_after_affine: true,
    fused: {
        /// After an affine brick: `σ(x·W + b)` in one kernel, each activation written once.
        fn forward_after_affine<const B: usize, A: Affine<Out = Self::In>, R: ForwardChain<B, In = Self::Out>>(
            &self,
            a: &A,
            x: &Rows<A::In, B>,
            _a_cache: &mut A::Cache<B>,
            cache: &mut Self::Cache<B>,
            rest: R,
        ) {
            a.forward_sigmoid(x, &mut cache.y);
            rest.forward(&cache.y);
        }

        /// After an affine brick: σ′ applied inside its weight-gradient product.
        #[allow(clippy::too_many_arguments)]
        fn backward_after_affine<const B: usize, A: Affine<Out = Self::In>, R: BackwardChain<B, In = Self::Out>>(
            &self,
            a: &A,
            x: &Rows<A::In, B>,
            dx: Option<&mut Rows<A::In, B>>,
            a_cache: &mut A::Cache<B>,
            a_grads: &mut A,
            cache: &mut Self::Cache<B>,
            _grads: &mut Self,
            rest: R,
        ) {
            rest.backward(&cache.y, Some(&mut cache.dy));
            a.backward_sigmoid(x, a_cache, &cache.y, &cache.dy, dx, a_grads);
        }
    }
);

activation!(
    /// The hyperbolic tangent on `N` columns.
    Tanh,
    apply: math::tanh,
    backward: math::tanh_backward,
    fuses_after_affine: false
);

activation!(
    /// The rectifier `max(0, z)` on `N` columns (gradient 0 at 0; NaN propagates).
    Relu,
    apply: math::relu,
    backward: math::relu_backward,
    fuses_after_affine: false
);
