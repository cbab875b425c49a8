//! `Dense<IN, OUT>`: `y = x·W + b`, with `W` as `[[f32; OUT]; IN]` (one row per input).

use super::cache::Act;
use super::shape::{Matrix, Rows, D};
use super::{Layer, ParamKind};
use crate::init::Init;
use crate::kernels::{self, Mode, ShapeError};
use rand_core::RngCore;

/// A fully connected brick with `IN` inputs and `OUT` outputs, with a bias (the default)
/// or without one (the article's network).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize> {
    w: [[f32; OUT]; IN],
    b: [f32; OUT],
    has_bias: bool,
}

/// Whether the fused backward pass sums the bias gradient inside the weight-gradient kernel
/// (`matmul_tn_sigmoid_grad_bias`): on targets with SIMD tiers, where that saves a pass over
/// `G` and a latency chain. Scalar-only targets (microcontrollers) keep `sum_rows` after the
/// product: the same bits, and one kernel less in flash (the fused one cost the Cortex-M4F
/// step about 1 KiB).
const FUSE_BIAS_GRAD: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// Shapes come from the types, so the kernels cannot refuse them; this only documents it.
#[inline]
pub(crate) fn shapes_hold(r: Result<(), ShapeError>) {
    debug_assert!(r.is_ok(), "{r:?}");
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// All-zero weights, with or without a bias.
    pub const fn zeros(has_bias: bool) -> Self {
        Dense { w: [[0.0; OUT]; IN], b: [0.0; OUT], has_bias }
    }

    /// From given weights and an optional bias.
    pub const fn from_parts(w: [[f32; OUT]; IN], b: Option<[f32; OUT]>) -> Self {
        match b {
            Some(b) => Dense { w, b, has_bias: true },
            None => Dense { w, b: [0.0; OUT], has_bias: false },
        }
    }

    /// Whether the brick adds a bias.
    pub const fn has_bias(&self) -> bool {
        self.has_bias
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
        self.has_bias.then_some(&self.b)
    }

    /// The bias, if the brick has one.
    pub fn bias_mut(&mut self) -> Option<&mut [f32; OUT]> {
        self.has_bias.then_some(&mut self.b)
    }
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// From the output gradient `dy` (`B × OUT`): the bias gradient and `dx = dy·Wᵀ`.
    fn bias_and_input_grads<const B: usize>(&self, dy: &[f32], dx: Option<&mut Rows<D<IN>, B>>, grads: &mut Self) {
        if self.has_bias {
            shapes_hold(kernels::sum_rows(B, OUT, dy, &mut grads.b, Mode::Overwrite));
        }
        self.input_grad::<B>(dy, dx);
    }

    /// `dx = dy·Wᵀ`, when wanted.
    fn input_grad<const B: usize>(&self, dy: &[f32], dx: Option<&mut Rows<D<IN>, B>>) {
        if let Some(dx) = dx {
            shapes_hold(kernels::matmul_nt(B, OUT, IN, dy, self.w.as_flattened(), dx.flat_mut(), Mode::Overwrite));
        }
    }
}

impl<const IN: usize, const OUT: usize> Layer for Dense<IN, OUT> {
    type In = D<IN>;
    type Out = D<OUT>;
    type Cache<const B: usize> = Act<[[f32; OUT]; B]>;

    const PARAMS: usize = IN * OUT + OUT;

    fn zeroed() -> Self {
        Dense::zeros(true)
    }

    fn zeroed_like(&self) -> Self {
        Dense::zeros(self.has_bias)
    }

    fn forward<const B: usize>(&self, x: &Rows<D<IN>, B>, cache: &mut Self::Cache<B>) {
        let y = cache.y.flat_mut();
        shapes_hold(kernels::matmul(B, IN, OUT, x.flat(), self.w.as_flattened(), y, Mode::Overwrite));
        if self.has_bias {
            shapes_hold(kernels::add_bias(B, OUT, &self.b, y));
        }
    }

    fn backward<const B: usize>(
        &self,
        x: &Rows<D<IN>, B>,
        cache: &mut Self::Cache<B>,
        dx: Option<&mut Rows<D<IN>, B>>,
        grads: &mut Self,
    ) {
        grads.has_bias = self.has_bias;
        let dy = cache.dy.flat();
        // dW = xᵀ·dy
        shapes_hold(kernels::matmul_tn(IN, B, OUT, x.flat(), dy, grads.w.as_flattened_mut(), Mode::Overwrite));
        self.bias_and_input_grads::<B>(dy, dx, grads);
    }

    /// `y = σ(x·W + b)` in one kernel: each activation is written once, straight into the
    /// sigmoid's buffer.
    fn forward_sigmoid<const B: usize>(&self, x: &Rows<D<IN>, B>, act: &mut [f32]) -> bool {
        let bias: &[f32] = if self.has_bias { &self.b } else { &[] };
        // A length mismatch is refused before anything is written; the stack then falls
        // back to the unfused pair.
        kernels::matmul_bias_sigmoid(B, IN, OUT, x.flat(), self.w.as_flattened(), bias, act).is_ok()
    }

    /// `G = dy⊙σ′` computed inside `dW = xᵀ·G` (and stored once into this brick's output
    /// gradient) with the bias gradient `Σ G` summed in the same kernel, then the input
    /// gradient from `G`, as in [`Layer::backward`].
    fn backward_sigmoid<const B: usize>(
        &self,
        x: &Rows<D<IN>, B>,
        cache: &mut Self::Cache<B>,
        act: &[f32],
        act_grad: &[f32],
        dx: Option<&mut Rows<D<IN>, B>>,
        grads: &mut Self,
    ) -> bool {
        let g = cache.dy.flat_mut();
        let (w, db) = (grads.w.as_flattened_mut(), &mut grads.b);
        if FUSE_BIAS_GRAD && self.has_bias {
            if kernels::matmul_tn_sigmoid_grad_bias(IN, B, OUT, x.flat(), act_grad, act, g, w, db).is_err() {
                return false;
            }
            grads.has_bias = true;
            self.input_grad::<B>(cache.dy.flat(), dx);
            return true;
        }
        if kernels::matmul_tn_sigmoid_grad(IN, B, OUT, x.flat(), act_grad, act, g, w).is_err() {
            return false;
        }
        grads.has_bias = self.has_bias;
        self.bias_and_input_grads::<B>(cache.dy.flat(), dx, grads);
        true
    }

    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened());
        if self.has_bias {
            f(ParamKind::Bias, &self.b);
        }
    }

    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened_mut());
        if self.has_bias {
            f(ParamKind::Bias, &mut self.b);
        }
    }

    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened(), other.w.as_flattened());
        if self.has_bias {
            f(ParamKind::Bias, &self.b, &other.b);
        }
    }

    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        f(ParamKind::Weight, self.w.as_flattened_mut(), other.w.as_flattened());
        if self.has_bias {
            f(ParamKind::Bias, &mut self.b, &other.b);
        }
    }

    fn init<R: RngCore + ?Sized>(&mut self, rng: &mut R, scheme: Init) {
        for v in self.w.as_flattened_mut() {
            *v = scheme.weight(rng, IN, OUT);
        }
        if self.has_bias {
            for v in &mut self.b {
                *v = scheme.bias(rng, IN);
            }
        }
    }
}
