//! The checked slice API: row-major `f32` slices plus dimensions, for C, fuzzing, benches
//! and run-time shapes. Every method checks each slice's length against the dimensions
//! and returns [`ShapeError`] before any tier code runs; it never panics and never
//! touches memory outside the slices it is given.

use super::dispatch::on_tier;
use super::{active, Tier, TierUnavailableError};
use crate::arch::{AdamUpdate, FusedGrad, TierKernels};

/// Whether a product overwrites its output or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `c = …`; the old contents of `c` are never read.
    Overwrite,
    /// `c += …`.
    Accumulate,
}

impl Mode {
    #[inline]
    fn acc(self) -> bool {
        matches!(self, Mode::Accumulate)
    }
}

/// A slice whose length does not match the dimensions given with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeError {
    /// The kernel that was called.
    pub kernel: &'static str,
    /// The argument at fault.
    pub operand: &'static str,
    /// The length the dimensions call for (`usize::MAX` if they overflow).
    pub expected: usize,
    /// The length given.
    pub actual: usize,
}

impl core::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}: `{}` has {} elements, the dimensions need {}",
            self.kernel, self.operand, self.actual, self.expected
        )
    }
}

impl core::error::Error for ShapeError {}

#[inline]
fn check(kernel: &'static str, operand: &'static str, len: usize, r: usize, c: usize) -> Result<(), ShapeError> {
    let expected = r.saturating_mul(c);
    if len == expected {
        Ok(())
    } else {
        Err(ShapeError { kernel, operand, expected, actual: len })
    }
}

/// Checks the three operands of a product (`(len, rows, cols)` each); `Ok(false)` when the
/// output is empty, which is complete as it stands: callers return before any row loop,
/// which would otherwise walk all `m` rows of nothing (`m` can be near `usize::MAX` when
/// `n = 0`).
#[inline]
fn check_product(
    kernel: &'static str,
    a: (usize, usize, usize),
    b: (usize, usize, usize),
    c: (usize, usize, usize),
) -> Result<bool, ShapeError> {
    check(kernel, "a", a.0, a.1, a.2)?;
    check(kernel, "b", b.0, b.1, b.2)?;
    check(kernel, "c", c.0, c.1, c.2)?;
    Ok(c.0 != 0)
}

/// The kernels of one tier, proven available: build it with [`Kernels::new`] (fails for a
/// tier this CPU lacks) or [`Kernels::active`]. Tests and benchmarks use it to run a given
/// tier without touching the process-wide choice; `Kernels::active()` runs the tier every
/// brick uses. (The bricks themselves call `crate::kernels::typed`, whose shapes are types.)
///
/// Tolerances against [`Tier::Scalar`] (the oracle) are stated on each method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kernels {
    tier: Tier,
}

impl Kernels {
    /// The kernels of `tier`, if this CPU can run it.
    pub fn new(tier: Tier) -> Result<Kernels, TierUnavailableError> {
        if tier.is_available() {
            Ok(Kernels { tier })
        } else {
            Err(TierUnavailableError(tier))
        }
    }

    /// The kernels of the active tier ([`active`]).
    #[inline]
    pub fn active() -> Kernels {
        Kernels { tier: active() }
    }

    /// The scalar tier's kernels (always available).
    pub(crate) const fn scalar() -> Kernels {
        Kernels { tier: Tier::Scalar }
    }

    /// The tier.
    pub const fn tier(self) -> Tier {
        self.tier
    }

    /// `c (=|+=) a · b` with `a: m×k`, `b: k×n`, `c: m×n` (the forward product `X·W`).
    ///
    /// Tolerance vs scalar: bit-identical on SSE2 and simd128 (same order, no FMA); with FMA (where the
    /// terms may also be added in another order: outputs of at most 4 columns are dot
    /// products along `k`), for each element `|c − c_scalar| ≤ 2·(k+2)·2⁻²⁴·(Σₚ|aᵢₚ·bₚⱼ| + |c_old|) + 2⁻¹²⁶` (`c_old` = 0 when
    /// overwriting), i.e. the usual dot-product rounding bound for both results. NaN where
    /// scalar gives NaN; equal infinities, where no finite partial sum can overflow in any
    /// order (Σ|terms| ≤ f32::MAX/2; beyond that the result depends on the order).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn matmul(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        mode: Mode,
    ) -> Result<(), ShapeError> {
        if !check_product("matmul", (a.len(), m, k), (b.len(), k, n), (c.len(), m, n))? {
            return Ok(());
        }
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.matmul(m, k, n, a, b, c, mode.acc()) });
        Ok(())
    }

    /// `c (=|+=) aᵀ · b` with `a: k×m`, `b: k×n`, `c: m×n` (the weight gradient `Xᵀ·G`).
    /// Tolerance: as [`Kernels::matmul`].
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn matmul_tn(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        mode: Mode,
    ) -> Result<(), ShapeError> {
        if !check_product("matmul_tn", (a.len(), k, m), (b.len(), k, n), (c.len(), m, n))? {
            return Ok(());
        }
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.matmul_tn(m, k, n, a, b, c, mode.acc()) });
        Ok(())
    }

    /// `c (=|+=) a · bᵀ` with `a: m×k`, `b: n×k`, `c: m×n` (the input gradient `G·Wᵀ`).
    ///
    /// Tolerance: as [`Kernels::matmul`], on every tier (SIMD tiers sum in another order
    /// here, so SSE2 is not bit-identical).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn matmul_nt(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        mode: Mode,
    ) -> Result<(), ShapeError> {
        if !check_product("matmul_nt", (a.len(), m, k), (b.len(), n, k), (c.len(), m, n))? {
            return Ok(());
        }
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.matmul_nt(m, k, n, a, b, c, mode.acc()) });
        Ok(())
    }

    /// The fused forward pass of `Dense` + `Sigmoid`: `c = σ(a·b + bias)` with the bias
    /// row added to every row (`bias` empty for none, else of length `n`), each element of
    /// `c` written once. Tolerance: the matmul bound, then σ's (σ is 1/4-Lipschitz).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn matmul_bias_sigmoid(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        bias: &[f32],
        c: &mut [f32],
    ) -> Result<(), ShapeError> {
        check("matmul_bias_sigmoid", "a", a.len(), m, k)?;
        check("matmul_bias_sigmoid", "b", b.len(), k, n)?;
        if !bias.is_empty() {
            check("matmul_bias_sigmoid", "bias", bias.len(), n, 1)?;
        }
        check("matmul_bias_sigmoid", "c", c.len(), m, n)?;
        // An empty output (m·n = 0) is complete: return before the row loop, which would
        // otherwise walk all m rows of nothing (m can be near usize::MAX when n = 0).
        if c.is_empty() {
            return Ok(());
        }
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.matmul_bias_sigmoid(m, k, n, a, b, bias, c) });
        Ok(())
    }

    /// The fused weight gradient of `Dense` + `Sigmoid`: `g = dy⊙y⊙(1−y)` (σ′ from the
    /// sigmoid's output `y`) computed inside the product `c = aᵀ·g`, and stored to `g` once
    /// for the bias and input gradients. `a: k×m`; `dy, y, g: k×n`; `c: m×n`.
    /// Tolerance: `g` bit-identical to [`Kernels::sigmoid_backward`]; `c` as `matmul_tn`.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn matmul_tn_sigmoid_grad(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        dy: &[f32],
        y: &[f32],
        g: &mut [f32],
        c: &mut [f32],
    ) -> Result<(), ShapeError> {
        const K: &str = "matmul_tn_sigmoid_grad";
        check(K, "a", a.len(), k, m)?;
        check(K, "dy", dy.len(), k, n)?;
        check(K, "y", y.len(), k, n)?;
        check(K, "g", g.len(), k, n)?;
        check(K, "c", c.len(), m, n)?;
        let fg = FusedGrad { dy, y, g };
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.matmul_tn_sigmoid_grad(m, k, n, a, fg, c) });
        Ok(())
    }

    /// The fused weight and bias gradient of `Dense` + `Sigmoid`: what
    /// [`Kernels::matmul_tn_sigmoid_grad`] computes, plus `db` (length `n`) = the column sums
    /// of `g`, summed inside the same pass over `g` (where the product's multiply-add chains
    /// run anyway) instead of by a [`Kernels::sum_rows`] after it. An empty `db` (no bias)
    /// makes it exactly [`Kernels::matmul_tn_sigmoid_grad`], through the same code: a caller
    /// that needs both (a network described at run time) links one kernel per tier, not two.
    /// Tolerance: `g` and `c` bit-identical to [`Kernels::matmul_tn_sigmoid_grad`], `db`
    /// bit-identical to [`Kernels::sum_rows`] of `g` (rows in order, from 0), on every tier.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn matmul_tn_sigmoid_grad_bias(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        dy: &[f32],
        y: &[f32],
        g: &mut [f32],
        c: &mut [f32],
        db: &mut [f32],
    ) -> Result<(), ShapeError> {
        const K: &str = "matmul_tn_sigmoid_grad_bias";
        check(K, "a", a.len(), k, m)?;
        check(K, "dy", dy.len(), k, n)?;
        check(K, "y", y.len(), k, n)?;
        check(K, "g", g.len(), k, n)?;
        check(K, "c", c.len(), m, n)?;
        if !db.is_empty() {
            check(K, "db", db.len(), n, 1)?;
        }
        let fg = FusedGrad { dy, y, g };
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.matmul_tn_sigmoid_grad_bias(m, k, n, a, fg, c, db) });
        Ok(())
    }

    /// The MSE loss's data pass: `grad = (pred − target)·scale` and the returned
    /// `Σ (pred − target)²`, over the common prefix of the three slices.
    /// Tolerance: `grad` bit-identical on every tier (a difference, then a product); the
    /// sum is the scalar tier's left-to-right sum from 0 on the scalar tier, lane-parallel on
    /// SIMD tiers: `|s − s_scalar| ≤ 2·n·2⁻²⁴·s` (as [`Kernels::sum_sq`]); NaN or +∞ where
    /// scalar gives NaN or +∞ (no term is negative).
    #[inline]
    pub fn mse_grad(self, pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.mse_grad(pred, target, scale, grad) })
    }

    /// In place `x ← σ(x) = 1/(1+e^(−x))`. NaN stays NaN, ±∞ give exactly 1/0, and no
    /// finite input produces NaN or ∞; values whose true σ rounds to 0 or 1 give exactly 0
    /// or 1. Tolerance: every tier is within 4 ULP of the true σ on all 2³² inputs (the
    /// exhaustive sweep in `tests/tiers.rs`, results in `docs/kernels.md`).
    #[inline]
    pub fn sigmoid(self, x: &mut [f32]) {
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.sigmoid(x) });
    }

    /// `dx = dy ⊙ y ⊙ (1 − y)`, the sigmoid's backward pass from its cached output `y`.
    /// Tolerance: bit-identical on every tier (same operations, same order, no FMA).
    #[inline]
    pub fn sigmoid_backward(self, dy: &[f32], y: &[f32], dx: &mut [f32]) -> Result<(), ShapeError> {
        check("sigmoid_backward", "y", y.len(), dy.len(), 1)?;
        check("sigmoid_backward", "dx", dx.len(), dy.len(), 1)?;
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.sigmoid_backward(dy, y, dx) });
        Ok(())
    }

    /// `y += alpha · x`. Tolerance: bit-identical on every tier (product then sum, no FMA).
    #[inline]
    pub fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) -> Result<(), ShapeError> {
        check("axpy", "y", y.len(), x.len(), 1)?;
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.axpy(alpha, x, y) });
        Ok(())
    }

    /// One Adam update of the parameters `w` and the moments `m`, `v` from the gradient `g`
    /// ([`AdamUpdate`] gives the formula). Tolerance: bit-identical on every tier (each
    /// operation rounded once, no FMA; `√` and `/` are correctly rounded everywhere).
    #[inline]
    pub fn adam(
        self,
        k: &AdamUpdate,
        g: &[f32],
        w: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
    ) -> Result<(), ShapeError> {
        check("adam", "w", w.len(), g.len(), 1)?;
        check("adam", "m", m.len(), g.len(), 1)?;
        check("adam", "v", v.len(), g.len(), 1)?;
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.adam(k, g, w, m, v) });
        Ok(())
    }

    /// `Σ xᵢ²`. Tolerance: SIMD tiers sum lane-parallel, so `|s − s_scalar| ≤ 2·n·2⁻²⁴·Σxᵢ²`.
    #[inline]
    pub fn sum_sq(self, x: &[f32]) -> f32 {
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.sum_sq(x) })
    }

    /// `(Σaᵢ², Σbᵢ²)` of two slices of one length, in one pass (the step's gradient norm and
    /// weight size). Tolerance: bit-identical to two [`Kernels::sum_sq`] calls on every tier.
    #[inline]
    pub fn sum_sq_pair(self, a: &[f32], b: &[f32]) -> Result<(f32, f32), ShapeError> {
        check("sum_sq_pair", "b", b.len(), a.len(), 1)?;
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        Ok(on_tier!(self.tier, t => unsafe { t.sum_sq_pair(a, b) }))
    }

    /// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)` of `x` and the new `y`, in one pass (the ridge
    /// gradient `g += c·w` with the weight size and gradient norm). Tolerance: bit-identical to
    /// [`Kernels::axpy`] followed by two [`Kernels::sum_sq`] calls, on every tier.
    #[inline]
    pub fn axpy_sum_sq(self, alpha: f32, x: &[f32], y: &mut [f32]) -> Result<(f32, f32), ShapeError> {
        check("axpy_sum_sq", "y", y.len(), x.len(), 1)?;
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        Ok(on_tier!(self.tier, t => unsafe { t.axpy_sum_sq(alpha, x, y) }))
    }

    /// Adds `bias` (length `n`) to every row of the `m×n` matrix `c`. Bit-identical on
    /// every tier.
    #[inline]
    pub fn add_bias(self, m: usize, n: usize, bias: &[f32], c: &mut [f32]) -> Result<(), ShapeError> {
        check("add_bias", "bias", bias.len(), n, 1)?;
        check("add_bias", "c", c.len(), m, n)?;
        if c.is_empty() {
            return Ok(());
        }
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.add_bias(m, n, bias, c) });
        Ok(())
    }

    /// `out (=|+=)` the column sums of the `m×n` matrix `g` (the bias gradient), row by
    /// row in order: bit-identical on every tier.
    #[inline]
    pub fn sum_rows(self, m: usize, n: usize, g: &[f32], out: &mut [f32], mode: Mode) -> Result<(), ShapeError> {
        check("sum_rows", "g", g.len(), m, n)?;
        check("sum_rows", "out", out.len(), n, 1)?;
        if out.is_empty() {
            return Ok(());
        }
        // SAFETY: the tier is available (checked when `self` was built); the lengths were
        // checked above.
        on_tier!(self.tier, t => unsafe { t.sum_rows(m, n, g, out, mode.acc()) });
        Ok(())
    }
}
