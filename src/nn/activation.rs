//! Element-wise activations. Each one's backward pass uses only its cached output `y`
//! (σ′ = y(1−y), tanh′ = 1−y², relu′ = [y > 0]), so the input need not be kept; the
//! function and its derivative stand side by side.

use super::cache::Act;
use super::shape::{Matrix, Rows, D};
use super::{Layer, ParamKind};
use crate::init::Init;
use crate::kernels::typed;
use rand_core::RngCore;

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, sigmoid: $is_sig:expr, forward: $fwd:expr, backward: $bwd:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name<const N: usize>;

        impl<const N: usize> Layer for $name<N> {
            type In = D<N>;
            type Out = D<N>;
            type Cache<const B: usize> = Act<[[f32; N]; B]>;

            const PARAMS: usize = 0;
            const IS_SIGMOID: bool = $is_sig;

            fn zeroed() -> Self {
                $name
            }

            fn zeroed_like(&self) -> Self {
                $name
            }

            fn forward<const B: usize>(&self, x: &Rows<D<N>, B>, cache: &mut Self::Cache<B>) {
                let fwd: fn(&[f32], &mut [f32]) = $fwd;
                fwd(x.flat(), cache.y.flat_mut());
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

            fn init<R: RngCore + ?Sized>(&mut self, _rng: &mut R, _scheme: Init) {}
        }
    };
}

activation!(
    /// The logistic sigmoid `σ(z) = 1/(1+e^(−z))` on `N` columns.
    Sigmoid,
    sigmoid: true,
    forward: |x, y| {
        y.copy_from_slice(x);
        typed::sigmoid(y);
    },
    backward: |dy, y, dx| {
        typed::sigmoid_backward(dy, y, dx);
    }
);

activation!(
    /// The hyperbolic tangent on `N` columns.
    Tanh,
    sigmoid: false,
    forward: |x, y| {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = libm::tanhf(x);
        }
    },
    backward: |dy, y, dx| {
        for ((d, &g), &t) in dx.iter_mut().zip(dy).zip(y) {
            *d = g * (1.0 - t * t);
        }
    }
);

activation!(
    /// The rectifier `max(0, z)` on `N` columns (gradient 0 at 0; NaN propagates).
    Relu,
    sigmoid: false,
    forward: |x, y| {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = if x > 0.0 || x.is_nan() { x } else { 0.0 };
        }
    },
    backward: |dy, y, dx| {
        for ((d, &g), &r) in dx.iter_mut().zip(dy).zip(y) {
            *d = if r > 0.0 { g } else { 0.0 };
        }
    }
);
