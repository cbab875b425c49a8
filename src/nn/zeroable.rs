//! [`Zeroable`]: types for which all-zero bytes are a valid value, so that a large buffer can
//! be allocated already zeroed on the heap instead of being built on the stack and moved.

use super::activation::{Relu, Sigmoid, Tanh};
use super::cache::Act;
use super::dense::Dense;

/// All-zero bytes are a valid value of this type (floats `0.0`, `false`, unit).
///
/// # Safety
/// An implementor must be valid, and safe to use, when every byte of it is zero: only
/// `f32`, `bool`, arrays and tuples of them, and other `Zeroable` types inside; no
/// references, no non-zero niches, no invariant that all-zero breaks.
pub unsafe trait Zeroable {}

// SAFETY: an array of `f32` rows; 0 bits are `0.0`.
unsafe impl<const N: usize, const B: usize> Zeroable for [[f32; N]; B] {}
// SAFETY: zero-sized.
unsafe impl Zeroable for () {}
// SAFETY: two `Zeroable` fields.
unsafe impl<R: Zeroable> Zeroable for Act<R> {}
// SAFETY: `f32` arrays and a `bool` (0 is `false`: a brick without bias, all weights 0).
unsafe impl<const IN: usize, const OUT: usize> Zeroable for Dense<IN, OUT> {}
// SAFETY: zero-sized.
unsafe impl<const N: usize> Zeroable for Sigmoid<N> {}
// SAFETY: zero-sized.
unsafe impl<const N: usize> Zeroable for Tanh<N> {}
// SAFETY: zero-sized.
unsafe impl<const N: usize> Zeroable for Relu<N> {}

macro_rules! tuple_zeroable {
    ($($A:ident),+) => {
        // SAFETY: every field is `Zeroable`; padding bytes may hold anything.
        unsafe impl<$($A: Zeroable),+> Zeroable for ($($A,)+) {}
    };
}

tuple_zeroable!(A0, A1);
tuple_zeroable!(A0, A1, A2);
tuple_zeroable!(A0, A1, A2, A3);
tuple_zeroable!(A0, A1, A2, A3, A4);
tuple_zeroable!(A0, A1, A2, A3, A4, A5);
