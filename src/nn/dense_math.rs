//! The math of a `Dense` brick, once: which kernels its forward and backward passes run,
//! in which order, fused with a following sigmoid or not. Two kernel fronts run it: the
//! bricks' typed one ([`Typed`], shapes as const generics, small products inline) and a
//! run-time network's one ([`Shaped`], shapes as values: the scalar tier's functions
//! directly, any other tier through the checked [`Kernels`]).

use crate::arch::scalar;
use crate::arch::FusedGrad;
use crate::kernels::{small, typed, Kernels, Mode, ShapeError, Tier};

/// Whether the fused backward pass sums the bias gradient inside the weight-gradient kernel
/// (`matmul_tn_sigmoid_grad_bias`): on targets with SIMD tiers, where that saves a pass over
/// `G` and a latency chain. Scalar-only targets (microcontrollers) keep `sum_rows` after the
/// product: the same bits, and one kernel less in flash (the fused one cost the Cortex-M4F
/// step about 1 KiB).
const FUSE_BIAS_GRAD: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// The kernels a `Dense` brick runs on one batch. `X` holds rows of inputs (`x`, `dx`), `Y`
/// rows of outputs (`y`, `dy`, `g`), `W` the weights (one row per input), `Bias` the bias.
pub(crate) trait DenseKernels {
    /// Whether [`backward_sigmoid`] sums the bias gradient inside the weight-gradient
    /// kernel: [`FUSE_BIAS_GRAD`] for the bricks; always for [`Shaped`], whose one copy of
    /// the kernel serves every shape (the flash that decides it for the bricks is per shape).
    const FUSE_BIAS: bool = FUSE_BIAS_GRAD;
    type X: ?Sized;
    type Y: ?Sized;
    type W: ?Sized;
    type Bias: ?Sized;
    /// `y = x·W`.
    fn matmul(&self, x: &Self::X, w: &Self::W, y: &mut Self::Y);
    /// `y += b` on every row.
    fn add_bias(&self, b: &Self::Bias, y: &mut Self::Y);
    /// `y = σ(x·W + b)`.
    fn matmul_bias_sigmoid(&self, x: &Self::X, w: &Self::W, b: Option<&Self::Bias>, y: &mut Self::Y);
    /// `gw = xᵀ·dy`.
    fn matmul_tn(&self, x: &Self::X, dy: &Self::Y, gw: &mut Self::W);
    /// `gb` = the column sums of `dy`.
    fn sum_rows(&self, dy: &Self::Y, gb: &mut Self::Bias);
    /// `dx = dy·Wᵀ`.
    fn matmul_nt(&self, dy: &Self::Y, w: &Self::W, dx: &mut Self::X);
    /// `g = dy⊙y⊙(1−y)`, `gw = xᵀ·g`, and with `gb` the column sums of `g`.
    #[allow(clippy::too_many_arguments)]
    fn matmul_tn_sigmoid_grad(
        &self,
        x: &Self::X,
        dy: &Self::Y,
        y: &Self::Y,
        g: &mut Self::Y,
        gw: &mut Self::W,
        gb: Option<&mut Self::Bias>,
    );
}

/// `y = x·W + b`.
#[inline]
pub(crate) fn forward<K: DenseKernels>(k: &K, x: &K::X, w: &K::W, b: Option<&K::Bias>, y: &mut K::Y) {
    k.matmul(x, w, y);
    if let Some(b) = b {
        k.add_bias(b, y);
    }
}

/// `y = σ(x·W + b)` in one kernel (a `Dense` followed by a `Sigmoid`).
#[inline]
pub(crate) fn forward_sigmoid<K: DenseKernels>(k: &K, x: &K::X, w: &K::W, b: Option<&K::Bias>, y: &mut K::Y) {
    k.matmul_bias_sigmoid(x, w, b, y);
}

/// From the output gradient `dy`: `gw = xᵀ·dy`, `gb = Σ rows of dy`, `dx = dy·Wᵀ`.
#[inline]
pub(crate) fn backward<K: DenseKernels>(
    k: &K,
    x: &K::X,
    dy: &K::Y,
    w: &K::W,
    gw: &mut K::W,
    gb: Option<&mut K::Bias>,
    dx: Option<&mut K::X>,
) {
    k.matmul_tn(x, dy, gw);
    if let Some(gb) = gb {
        k.sum_rows(dy, gb);
    }
    if let Some(dx) = dx {
        k.matmul_nt(dy, w, dx);
    }
}

/// The backward pass of a `Dense` and the `Sigmoid` after it, from the sigmoid's output `y`
/// and output gradient `dy`: the Dense's output gradient `g = dy⊙y⊙(1−y)` computed inside
/// the weight gradient, the bias gradient (inside the same kernel where that pays, see
/// [`FUSE_BIAS_GRAD`]), and `dx = g·Wᵀ`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn backward_sigmoid<K: DenseKernels>(
    k: &K,
    x: &K::X,
    dy: &K::Y,
    y: &K::Y,
    g: &mut K::Y,
    w: &K::W,
    gw: &mut K::W,
    gb: Option<&mut K::Bias>,
    dx: Option<&mut K::X>,
) {
    match gb {
        Some(gb) if K::FUSE_BIAS => k.matmul_tn_sigmoid_grad(x, dy, y, g, gw, Some(gb)),
        gb => {
            k.matmul_tn_sigmoid_grad(x, dy, y, g, gw, None);
            if let Some(gb) = gb {
                k.sum_rows(g, gb);
            }
        }
    }
    if let Some(dx) = dx {
        k.matmul_nt(g, w, dx);
    }
}

/// The bricks' front: [`typed`] kernels on arrays, shapes in the types.
pub(crate) struct Typed<const IN: usize, const OUT: usize, const B: usize>;

impl<const IN: usize, const OUT: usize, const B: usize> DenseKernels for Typed<IN, OUT, B> {
    type X = [[f32; IN]; B];
    type Y = [[f32; OUT]; B];
    type W = [[f32; OUT]; IN];
    type Bias = [f32; OUT];

    #[inline]
    fn matmul(&self, x: &Self::X, w: &Self::W, y: &mut Self::Y) {
        typed::matmul(x, w, y);
    }

    #[inline]
    fn add_bias(&self, b: &Self::Bias, y: &mut Self::Y) {
        typed::add_bias(b, y);
    }

    #[inline]
    fn matmul_bias_sigmoid(&self, x: &Self::X, w: &Self::W, b: Option<&Self::Bias>, y: &mut Self::Y) {
        typed::matmul_bias_sigmoid(x, w, b, y);
    }

    #[inline]
    fn matmul_tn(&self, x: &Self::X, dy: &Self::Y, gw: &mut Self::W) {
        typed::matmul_tn(x, dy, gw);
    }

    #[inline]
    fn sum_rows(&self, dy: &Self::Y, gb: &mut Self::Bias) {
        typed::sum_rows(dy, gb);
    }

    #[inline]
    fn matmul_nt(&self, dy: &Self::Y, w: &Self::W, dx: &mut Self::X) {
        typed::matmul_nt(dy, w, dx);
    }

    #[inline]
    fn matmul_tn_sigmoid_grad(
        &self,
        x: &Self::X,
        dy: &Self::Y,
        y: &Self::Y,
        g: &mut Self::Y,
        gw: &mut Self::W,
        gb: Option<&mut Self::Bias>,
    ) {
        typed::matmul_tn_sigmoid_grad(x, dy, y, g, gw, gb);
    }
}

/// A run-time network's front: the [`Kernels`] of a tier on flat row-major slices, `rows`
/// rows, `inputs` → `outputs` (the scalar tier's functions called directly, other tiers'
/// through the checked calls). Where [`typed`] runs a small product inline in the scalar
/// tier's order, this front runs the scalar tier's kernel (the same bits), so a run-time
/// network computes what the same bricks compute on every tier.
pub(crate) struct Shaped {
    pub(crate) k: Kernels,
    pub(crate) rows: usize,
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
}

impl Shaped {
    /// The kernels for an `m×k · k×n` product: the scalar tier where [`typed`] inlines it.
    #[inline(always)]
    fn tier_for(&self, m: usize, k: usize, n: usize) -> Kernels {
        if small::product(m, k, n) {
            SCALAR
        } else {
            self.k
        }
    }
}

/// The scalar tier, available everywhere.
const SCALAR: Kernels = Kernels::scalar();

/// Runs a kernel on tier `t`: the scalar tier's function directly (safe code, memory-safe
/// for any lengths, and every length here comes from a checked run-time network
/// description, so the checks would only cost time: the only tier of a microcontroller),
/// any other tier through the checked [`Kernels`] call, which proves the lengths its
/// `unsafe` kernel relies on. The two compute the same bits (the checked call runs the
/// same scalar function).
macro_rules! run {
    ($tier:expr; $scalar:expr; $t:ident => $checked:expr $(;)?) => {{
        let $t: Kernels = $tier;
        if $t.tier() == Tier::Scalar {
            $scalar
        } else {
            shaped($checked)
        }
    }};
}

/// A kernel's shape check cannot fail for a [`Shaped`] front: every length comes from a
/// checked run-time network description.
#[inline]
fn shaped(r: Result<(), ShapeError>) {
    debug_assert!(r.is_ok(), "{r:?}");
}

impl DenseKernels for Shaped {
    const FUSE_BIAS: bool = true;
    type X = [f32];
    type Y = [f32];
    type W = [f32];
    type Bias = [f32];

    fn matmul(&self, x: &[f32], w: &[f32], y: &mut [f32]) {
        let (m, k, n) = (self.rows, self.inputs, self.outputs);
        run!(
            self.tier_for(m, k, n);
            scalar::matmul(m, k, n, x, w, y, false);
            t => t.matmul(m, k, n, x, w, y, Mode::Overwrite)
        );
    }

    fn add_bias(&self, b: &[f32], y: &mut [f32]) {
        let (m, n) = (self.rows, self.outputs);
        run!(self.tier_for(m, 1, n); scalar::add_bias(m, n, b, y); t => t.add_bias(m, n, b, y));
    }

    /// As [`typed::matmul_bias_sigmoid`]: a small product is the scalar product and bias,
    /// then σ on the active tier.
    fn matmul_bias_sigmoid(&self, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
        let (m, k, n) = (self.rows, self.inputs, self.outputs);
        if small::product(m, k, n) {
            self.matmul(x, w, y);
            if let Some(b) = b {
                self.add_bias(b, y);
            }
            self.k.sigmoid(y);
        } else {
            let b = b.unwrap_or_default();
            run!(
                self.k;
                scalar::matmul_bias_sigmoid_rows(m, k, n, x, w, b, y);
                t => t.matmul_bias_sigmoid(m, k, n, x, w, b, y)
            );
        }
    }

    // Out of line: inlined, its loops' registers grow the frame of the run-time backward
    // pass, whose fused kernel is what a Sigmoid network calls (40 bytes more stack in the
    // Cortex-M4F 2-3-2 step).
    #[inline(never)]
    fn matmul_tn(&self, x: &[f32], dy: &[f32], gw: &mut [f32]) {
        let (m, k, n) = (self.inputs, self.rows, self.outputs);
        run!(
            self.tier_for(m, k, n);
            scalar::matmul_tn(m, k, n, x, dy, gw, false);
            t => t.matmul_tn(m, k, n, x, dy, gw, Mode::Overwrite)
        );
    }

    fn sum_rows(&self, dy: &[f32], gb: &mut [f32]) {
        let (m, n) = (self.rows, self.outputs);
        run!(
            self.tier_for(m, 1, n);
            scalar::sum_rows(m, n, dy, gb, false);
            t => t.sum_rows(m, n, dy, gb, Mode::Overwrite)
        );
    }

    fn matmul_nt(&self, dy: &[f32], w: &[f32], dx: &mut [f32]) {
        let (m, k, n) = (self.rows, self.outputs, self.inputs);
        run!(
            self.tier_for(m, k, n);
            scalar::matmul_nt(m, k, n, dy, w, dx, false);
            t => t.matmul_nt(m, k, n, dy, w, dx, Mode::Overwrite)
        );
    }

    fn matmul_tn_sigmoid_grad(
        &self,
        x: &[f32],
        dy: &[f32],
        y: &[f32],
        g: &mut [f32],
        gw: &mut [f32],
        gb: Option<&mut [f32]>,
    ) {
        // Without a bias, an empty `gb`: the same kernel (bit for bit the unbiased one), so a
        // run-time network links one fused gradient kernel per tier, not two.
        let (m, k, n) = (self.inputs, self.rows, self.outputs);
        let gb = gb.unwrap_or_default();
        run!(
            self.tier_for(m, k, n);
            scalar::matmul_tn_sigmoid_grad_bias(m, k, n, x, FusedGrad { dy, y, g: &mut *g }, gw, gb);
            t => t.matmul_tn_sigmoid_grad_bias(m, k, n, x, dy, y, g, gw, gb)
        )
    }
}
