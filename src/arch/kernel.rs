//! [`TierKernels`]: the whole kernel surface of one instruction-set tier. One zero-sized
//! type per tier implements it — [`Scalar`](super::scalar::Scalar) with plain Rust, the
//! SIMD tiers (`Sse2`, `Avx2Fma`, `Avx512`, `Neon`) through the single generic body in
//! `generic/kernels.rs` — so `crate::kernels` calls every tier the same way.

use crate::kernels::Tier;

/// The inputs of the fused sigmoid-gradient product: `g = dy⊙y⊙(1−y)` is computed from
/// `dy` and `y` inside the `Aᵀ·g` kernel and written to `g` once (all three `k×n`).
pub(crate) struct FusedGrad<'a> {
    /// Gradient with respect to the sigmoid's output.
    pub dy: &'a [f32],
    /// The sigmoid's output.
    pub y: &'a [f32],
    /// Receives `dy⊙y⊙(1−y)`.
    pub g: &'a mut [f32],
}

/// The constants of one Adam update (each tier's `adam` kernel), formed once per step and
/// slice. Per parameter, in this order and with these roundings on every tier (no fused
/// multiply-add, so every tier gives the scalar tier's bits):
///
/// ```text
/// m ← b1·m + (1−b1)·g
/// v ← b2·v + (1−b2)·(g·g)
/// d  = (m·c1) / (√(v·c2) + eps)
/// w ← w − lr·(d + decay·w)
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamUpdate {
    /// β₁, the first moment's decay.
    pub b1: f32,
    /// `1 − β₁`.
    pub one_minus_b1: f32,
    /// β₂, the second moment's decay.
    pub b2: f32,
    /// `1 − β₂`.
    pub one_minus_b2: f32,
    /// `1 / (1 − β₁ᵗ)`: the first moment's bias correction at step `t`.
    pub c1: f32,
    /// `1 / (1 − β₂ᵗ)`: the second moment's bias correction.
    pub c2: f32,
    /// ε, added outside the square root.
    pub eps: f32,
    /// The learning rate of this step.
    pub lr: f32,
    /// The decoupled weight decay λ (AdamW) for this slice; 0 for Adam and for biases.
    pub decay: f32,
}

/// The kernels of one tier. A value of an implementing type is a token: SIMD tiers can
/// only be built where the CPU has their features, so holding one proves the methods may
/// run. Every method is `unsafe` for one reason only, the shapes: each slice must have the
/// length its dimensions call for (`crate::kernels` checks that, or the types guarantee
/// it), which the SIMD bodies rely on when they address tiles by raw pointer.
///
/// Matrices are row-major; `acc` selects `c += …` over `c = …`. What each kernel computes,
/// and its tolerance against [`Tier::Scalar`], is documented on `crate::kernels::Kernels`.
#[allow(clippy::too_many_arguments)]
pub(crate) trait TierKernels: Copy {
    /// Which tier this is (recorded by `crate::kernels` as the tier that ran).
    const TIER: Tier;

    /// `c (=|+=) a·b`, `a: m×k`, `b: k×n`, `c: m×n`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions.
    unsafe fn matmul(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool);

    /// `c (=|+=) aᵀ·b`, `a: k×m`, `b: k×n`, `c: m×n`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions.
    unsafe fn matmul_tn(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool);

    /// `c (=|+=) a·bᵀ`, `a: m×k`, `b: n×k`, `c: m×n`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions.
    unsafe fn matmul_nt(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool);

    /// `c = σ(a·b + bias)`, `bias` empty or of length `n`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions; `c` is not empty.
    #[allow(clippy::too_many_arguments)]
    unsafe fn matmul_bias_sigmoid(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        bias: &[f32],
        c: &mut [f32],
    );

    /// `g = dy⊙y⊙(1−y)` inside `c = aᵀ·g` (`a: k×m`; `dy, y, g: k×n`; `c: m×n`).
    ///
    /// # Safety
    /// Slice lengths match the dimensions.
    unsafe fn matmul_tn_sigmoid_grad(self, m: usize, k: usize, n: usize, a: &[f32], fg: FusedGrad<'_>, c: &mut [f32]);

    /// [`TierKernels::matmul_tn_sigmoid_grad`] and `db` (length `n`) = the column sums of `g`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions.
    #[allow(clippy::too_many_arguments)]
    unsafe fn matmul_tn_sigmoid_grad_bias(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        fg: FusedGrad<'_>,
        c: &mut [f32],
        db: &mut [f32],
    );

    /// `grad = (pred − target)·scale`, returns `Σ (pred − target)²`, over the common prefix.
    ///
    /// # Safety
    /// None beyond holding the token (any lengths).
    unsafe fn mse_grad(self, pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32;

    /// In place `x ← σ(x)`.
    ///
    /// # Safety
    /// None beyond holding the token.
    unsafe fn sigmoid(self, x: &mut [f32]);

    /// `dx = dy⊙y⊙(1−y)`.
    ///
    /// # Safety
    /// `y` and `dx` are as long as `dy`.
    unsafe fn sigmoid_backward(self, dy: &[f32], y: &[f32], dx: &mut [f32]);

    /// `y += alpha·x`.
    ///
    /// # Safety
    /// `y` is as long as `x`.
    unsafe fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]);

    /// One Adam update of the parameters `w` and moments `m`, `v` from the gradient `g`
    /// ([`AdamUpdate`] gives the formula).
    ///
    /// # Safety
    /// `w`, `m` and `v` are as long as `g`.
    unsafe fn adam(self, k: &AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]);

    /// `Σ xᵢ²`.
    ///
    /// # Safety
    /// None beyond holding the token.
    unsafe fn sum_sq(self, x: &[f32]) -> f32;

    /// `(Σaᵢ², Σbᵢ²)` in one pass.
    ///
    /// # Safety
    /// `b` is as long as `a`.
    unsafe fn sum_sq_pair(self, a: &[f32], b: &[f32]) -> (f32, f32);

    /// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)`, in one pass.
    ///
    /// # Safety
    /// `y` is as long as `x`.
    unsafe fn axpy_sum_sq(self, alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32);

    /// Adds `bias` (length `n`) to every row of the `m×n` matrix `c`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions; `c` is not empty.
    unsafe fn add_bias(self, m: usize, n: usize, bias: &[f32], c: &mut [f32]);

    /// `out (=|+=)` the column sums of the `m×n` matrix `g`.
    ///
    /// # Safety
    /// Slice lengths match the dimensions; `out` is not empty.
    unsafe fn sum_rows(self, m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool);
}
