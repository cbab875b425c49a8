//! [`Quantize`]: how a network of bricks shows itself to the quantizer, brick by brick.

use crate::nn::{Dense, Layer, Relu, Sigmoid, Tanh};

/// An activation as the int8 model runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Activation {
    /// None: the `Dense` output as it is (e.g. logits).
    Identity = 0,
    /// `max(0, x)`: exact in int8 (a clamp at the zero point).
    Relu = 1,
    /// σ, by a 256-entry table.
    Sigmoid = 2,
    /// tanh, by a 256-entry table.
    Tanh = 3,
}

impl Activation {
    pub(crate) fn from_u8(v: u8) -> Option<Activation> {
        [Activation::Identity, Activation::Relu, Activation::Sigmoid, Activation::Tanh]
            .into_iter()
            .find(|a| *a as u8 == v)
    }

    /// Whether the activation runs by table.
    pub(crate) fn has_table(self) -> bool {
        matches!(self, Activation::Sigmoid | Activation::Tanh)
    }
}

/// One brick as the quantizer sees it.
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    /// A `Dense<inputs, outputs>`: weights row-major `inputs × outputs`, optional bias.
    Dense {
        /// Input width.
        inputs: usize,
        /// Output width.
        outputs: usize,
        /// `w[i·outputs + o]`.
        weights: &'a [f32],
        /// Length `outputs`, if the brick has a bias.
        bias: Option<&'a [f32]>,
    },
    /// An activation brick.
    Activation(Activation),
}

/// A network the quantizer can read: every brick of stacknet, and tuples of them.
/// `BLOB_LEN` and `SCRATCH_LEN` (without the fixed parts) add up per brick; use
/// [`max_len`](super::max_len) and [`scratch_len`](super::scratch_len).
pub trait Quantize: Layer {
    #[doc(hidden)]
    /// This brick's share of the blob's maximum length.
    const BLOB_SHARE: usize;
    #[doc(hidden)]
    /// This brick's share of the scratch buffer.
    const SCRATCH_SHARE: usize;
    /// Calls `f` on each brick, in order.
    fn describe<'a, F: FnMut(Part<'a>)>(&'a self, f: &mut F);
}

impl<const IN: usize, const OUT: usize> Quantize for Dense<IN, OUT> {
    const BLOB_SHARE: usize = super::model::LAYER_HEADER_LEN + IN * OUT + 9 * OUT + 3;
    const SCRATCH_SHARE: usize = 2 * OUT;
    fn describe<'a, F: FnMut(Part<'a>)>(&'a self, f: &mut F) {
        f(Part::Dense {
            inputs: IN,
            outputs: OUT,
            weights: self.weights().as_flattened(),
            bias: self.bias().map(|b| b.as_slice()),
        });
    }
}

macro_rules! activation_quantize {
    ($name:ident, $act:ident, $blob:expr) => {
        impl<const N: usize> Quantize for $name<N> {
            const BLOB_SHARE: usize = $blob;
            const SCRATCH_SHARE: usize = 0;
            fn describe<'a, F: FnMut(Part<'a>)>(&'a self, f: &mut F) {
                f(Part::Activation(Activation::$act));
            }
        }
    };
}
activation_quantize!(Sigmoid, Sigmoid, 256);
activation_quantize!(Tanh, Tanh, 256);
activation_quantize!(Relu, Relu, 0);

macro_rules! tuple_quantize {
    ($($A:ident $i:tt),+) => {
        impl<$($A: Quantize),+> Quantize for ($($A,)+)
        where
            ($($A,)+): Layer,
        {
            const BLOB_SHARE: usize = 0 $(+ $A::BLOB_SHARE)+;
            const SCRATCH_SHARE: usize = 0 $(+ $A::SCRATCH_SHARE)+;
            fn describe<'a, Fd: FnMut(Part<'a>)>(&'a self, f: &mut Fd) {
                $( self.$i.describe(f); )+
            }
        }
    };
}
tuple_quantize!(L0 0, L1 1);
tuple_quantize!(L0 0, L1 1, L2 2);
tuple_quantize!(L0 0, L1 1, L2 2, L3 3);
tuple_quantize!(L0 0, L1 1, L2 2, L3 3, L4 4);
tuple_quantize!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5);
