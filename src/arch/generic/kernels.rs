//! Every kernel of the SIMD tiers, written once for any [`SimdTier`]: the shape picks a
//! path (`path.rs`), then the loop of `gemm.rs`, `narrow.rs`, `nt.rs` or `vecops.rs` runs.
//! Each tier's [`TierKernels`] impl calls these bodies from inside its own
//! `#[target_feature]` shims (`simd_tier_kernels!`), so they are `#[inline(always)]`: the
//! intrinsics inside must be inlined into a function with the tier's features.
//!
//! # Safety
//! Every function here requires what [`TierKernels`] does: slice lengths that match the
//! dimensions. The token `s` proves the CPU features.

use super::path::{self, Forward, Lanes, Transposed};
use super::{gemm, narrow, nt, vecops, Shared, SimdTier};
use crate::arch::{AdamUpdate, FusedGrad, TierKernels};

/// Rows of `C` per register tile (every tier).
const ROWS: usize = 4;

/// What `path` needs to know about tier `S`.
#[inline(always)]
fn lanes<S: SimdTier>() -> Lanes {
    Lanes { wide: S::LANES, narrow: <S::Narrow as super::Simd>::LANES, fma: <S::Narrow as super::Simd>::FMA }
}

/// `gemm::matmul` with tier `S`'s tile width as a const parameter.
///
/// # Safety
/// As `gemm::matmul`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tiles<S: SimdTier>(
    s: S,
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
    bias: Option<&[f32]>,
    sig: bool,
) {
    // SAFETY: forwarded.
    unsafe {
        match S::TILE_VECTORS {
            4 => gemm::matmul::<S, ROWS, 4>(s, m, k, n, a, b, c, acc, bias, sig),
            _ => gemm::matmul::<S, ROWS, 2>(s, m, k, n, a, b, c, acc, bias, sig),
        }
    }
}

/// `gemm::matmul_tn` with tier `S`'s tile width as a const parameter.
///
/// # Safety
/// As `gemm::matmul_tn`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tiles_tn<S: SimdTier>(
    s: S,
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
    fg: Option<FusedGrad<'_>>,
    db: *mut f32,
) {
    // SAFETY: forwarded.
    unsafe {
        match S::TILE_VECTORS {
            4 => gemm::matmul_tn::<S, ROWS, 4>(s, m, k, n, a, b, c, acc, fg, db),
            _ => gemm::matmul_tn::<S, ROWS, 2>(s, m, k, n, a, b, c, acc, fg, db),
        }
    }
}

/// `narrow::matmul_tn_rows` with tier `S`'s tile width as a const parameter (the body of
/// `Shared::tn_rows`, out of line: `matmul_tn` and the fused gradient share it).
///
/// # Safety
/// As `narrow::matmul_tn_rows`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn tn_rows<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
    db: *mut f32,
) {
    // SAFETY: forwarded.
    unsafe {
        match S::TILE_VECTORS {
            4 => narrow::matmul_tn_rows::<S, 4>(s, m, k, n, a, b, c, acc, db),
            _ => narrow::matmul_tn_rows::<S, 2>(s, m, k, n, a, b, c, acc, db),
        }
    }
}

/// `narrow::matmul_dots` (the body of `Shared::dots`, out of line: `matmul`,
/// `matmul_bias_sigmoid` and, through `SimdTier::narrow`, the AVX-512 tier share it).
///
/// # Safety
/// As `narrow::matmul_dots`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn dots<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
    bias: *const f32,
) {
    // SAFETY: forwarded.
    unsafe { narrow::matmul_dots(s, m, k, n, a, b, c, acc, bias) }
}

/// `c (=|+=) a·b`.
///
/// # Safety
/// See the module docs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
) {
    let l = lanes::<S>();
    // SAFETY: lengths match the dimensions (caller); `Dots` has `1 ≤ n ≤ MAX_N`.
    unsafe {
        match path::forward(l, k, n, false) {
            Forward::Dots => s.narrow().dots(m, k, n, a, b, c, acc, core::ptr::null()),
            Forward::NarrowTiles => gemm::matmul::<_, ROWS, 1>(s.narrow(), m, k, n, a, b, c, acc, None, false),
            Forward::EightRowTiles | Forward::Tiles => tiles(s, (m, k, n), a, b, c, acc, None, false),
        }
    }
}

/// `c = σ(a·b + bias)` in one pass (`bias` empty or of length `n`).
///
/// # Safety
/// See the module docs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_bias_sigmoid<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    bias: &[f32],
    c: &mut [f32],
) {
    let l = lanes::<S>();
    if path::tiny_to_narrower(l, n, m * n) {
        // SAFETY: forwarded.
        return unsafe { s.narrow().matmul_bias_sigmoid(m, k, n, a, b, bias, c) };
    }
    let sig = path::sigmoid_in_tile(l, n);
    let bias_ptr = if bias.is_empty() { core::ptr::null() } else { bias.as_ptr() };
    let bias = if bias.is_empty() { None } else { Some(bias) };
    // SAFETY: lengths match the dimensions (caller); `Dots` has `1 ≤ n ≤ MAX_N`.
    unsafe {
        match path::forward(l, k, n, true) {
            Forward::Dots => {
                // σ on this tier's vectors, after the narrower tier's products.
                s.narrow().dots(m, k, n, a, b, c, false, bias_ptr);
                return s.sigmoid(c);
            }
            Forward::NarrowTiles => gemm::matmul::<_, ROWS, 1>(s.narrow(), m, k, n, a, b, c, false, bias, sig),
            Forward::EightRowTiles => gemm::matmul::<_, 8, 1>(s, m, k, n, a, b, c, false, bias, sig),
            Forward::Tiles => tiles(s, (m, k, n), a, b, c, false, bias, sig),
        }
    }
    if !sig {
        // The tier's own kernel, out of line: one copy of the loop, not one per caller.
        // SAFETY: no obligation beyond the token.
        unsafe { s.sigmoid(c) };
    }
}

/// `c (=|+=) aᵀ·b`.
///
/// # Safety
/// See the module docs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_tn<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
) {
    let none = core::ptr::null_mut();
    let l = lanes::<S>();
    // SAFETY: lengths match the dimensions (caller); `Rows` has `1 ≤ n ≤ MAX_N`.
    unsafe {
        match path::transposed(l, m, n) {
            Transposed::Rows => s.tn_rows(m, k, n, a, b, c, acc, none),
            // The narrower tier's own kernel: its lanes pick the same path (path.rs tests).
            Transposed::NarrowTiles if l.has_narrower() => s.narrow().matmul_tn(m, k, n, a, b, c, acc),
            Transposed::NarrowTiles => gemm::matmul_tn::<_, ROWS, 1>(s, m, k, n, a, b, c, acc, None, none),
            Transposed::Tiles => tiles_tn(s, (m, k, n), a, b, c, acc, None, none),
        }
    }
}

/// `g = dy⊙y⊙(1−y)` and `c = aᵀ·g` in one pass, and `db` (empty for none, else length `n`)
/// = the column sums of `g`, summed inside the tiles that compute `g`.
///
/// # Safety
/// See the module docs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_tn_sigmoid_grad_bias<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    fg: FusedGrad<'_>,
    c: &mut [f32],
    db: &mut [f32],
) {
    let l = lanes::<S>();
    let route = path::transposed(l, m, n);
    let narrow_tiles = l.has_narrower() && m > 0 && route == Transposed::NarrowTiles;
    if path::tiny_to_narrower(l, n, k * n) || narrow_tiles {
        // SAFETY: forwarded.
        return unsafe { s.narrow().matmul_tn_sigmoid_grad_bias(m, k, n, a, fg, c, db) };
    }
    let dbp = if db.is_empty() { core::ptr::null_mut() } else { db.as_mut_ptr() };
    if m == 0 {
        // No product rows to sum beside: two plain passes (the tier's own kernels).
        // SAFETY: `dy`, `y`, `g` hold `k·n` floats and `db` is empty or holds `n` (caller).
        return unsafe {
            s.sigmoid_backward(fg.dy, fg.y, fg.g);
            s.sum_rows(k, n, fg.g, db, false)
        };
    }
    // SAFETY: lengths match the dimensions (caller); `Rows` has `1 ≤ n ≤ MAX_N`.
    unsafe {
        match route {
            Transposed::Rows => {
                // `g` first, then the same path as `matmul_tn` (bit-identical to it).
                s.sigmoid_backward(fg.dy, fg.y, fg.g);
                s.tn_rows(m, k, n, a, fg.g, c, false, dbp)
            }
            Transposed::NarrowTiles => gemm::matmul_tn::<_, ROWS, 1>(s, m, k, n, a, &[], c, false, Some(fg), dbp),
            Transposed::Tiles => tiles_tn(s, (m, k, n), a, &[], c, false, Some(fg), dbp),
        }
    }
}

/// `c (=|+=) a·bᵀ`.
///
/// # Safety
/// See the module docs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_nt<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
) {
    // SAFETY: forwarded.
    unsafe {
        if path::tiny_to_narrower(lanes::<S>(), n, m * n) {
            return s.narrow().matmul_nt(m, k, n, a, b, c, acc);
        }
        match S::TILE_VECTORS {
            4 => nt::matmul_nt::<S, ROWS, 4, 4, 4>(s, m, k, n, a, b, c, acc),
            _ => nt::matmul_nt::<S, ROWS, 2, 2, 4>(s, m, k, n, a, b, c, acc),
        }
    }
}

/// `grad = (pred − target)·scale`, returns `Σ (pred − target)²`.
#[inline(always)]
pub(crate) fn mse_grad<S: SimdTier>(s: S, pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
    if path::mse_to_narrower(lanes::<S>()) {
        // SAFETY: no obligation beyond the token.
        return unsafe { s.narrow().mse_grad(pred, target, scale, grad) };
    }
    vecops::mse_grad(s, pred, target, scale, grad)
}

/// `y += alpha·x`.
#[inline(always)]
pub(crate) fn axpy<S: SimdTier>(s: S, alpha: f32, x: &[f32], y: &mut [f32]) {
    if path::short_to_narrower(lanes::<S>(), x.len()) {
        // SAFETY: `vecops::axpy` and the narrow tier's handle any lengths (common prefix).
        return unsafe { s.narrow().axpy(alpha, x, y) };
    }
    vecops::axpy(s, alpha, x, y)
}

/// One Adam update (`crate::arch::AdamUpdate`); every tier runs the full width, since
/// every path gives the same bits.
#[inline(always)]
pub(crate) fn adam<S: SimdTier>(s: S, k: &AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]) {
    vecops::adam(s, k, g, w, m, v)
}

/// `Σ xᵢ²`; short slices go where [`sum_sq_pair`] and [`axpy_sum_sq`] send them, so the
/// three give the same bits.
#[inline(always)]
pub(crate) fn sum_sq<S: SimdTier>(s: S, x: &[f32]) -> f32 {
    if path::short_to_narrower(lanes::<S>(), x.len()) {
        // SAFETY: no obligation beyond the token.
        return unsafe { s.narrow().sum_sq(x) };
    }
    vecops::sum_sq(s, x)
}

/// `(Σaᵢ², Σbᵢ²)` in one pass.
///
/// # Safety
/// `b.len() == a.len()`.
#[inline(always)]
pub(crate) unsafe fn sum_sq_pair<S: SimdTier>(s: S, a: &[f32], b: &[f32]) -> (f32, f32) {
    // SAFETY: `b` is as long as `a` and only read (`ALPHA = false`) (caller).
    unsafe {
        if path::short_to_narrower(lanes::<S>(), a.len()) {
            return s.narrow().sum_sq_pair(a, b);
        }
        vecops::sum_sq_pair::<_, false>(s, 0.0, a, b.as_ptr().cast_mut())
    }
}

/// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)`, in one pass.
///
/// # Safety
/// `y.len() == x.len()`.
#[inline(always)]
pub(crate) unsafe fn axpy_sum_sq<S: SimdTier>(s: S, alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
    // SAFETY: `y` is as long as `x` (caller).
    unsafe {
        if path::short_to_narrower(lanes::<S>(), x.len()) {
            return s.narrow().axpy_sum_sq(alpha, x, y);
        }
        vecops::sum_sq_pair::<_, true>(s, alpha, x, y.as_mut_ptr())
    }
}

/// In place `x ← σ(x)`.
#[inline(always)]
pub(crate) fn sigmoid<S: SimdTier>(s: S, x: &mut [f32]) {
    vecops::sigmoid(s, x)
}

/// `dx = dy⊙y⊙(1−y)`.
#[inline(always)]
pub(crate) fn sigmoid_backward<S: SimdTier>(s: S, dy: &[f32], y: &[f32], dx: &mut [f32]) {
    vecops::sigmoid_backward(s, dy, y, dx)
}

/// Adds `bias` to every row of the `m×n` matrix `c`.
#[inline(always)]
pub(crate) fn add_bias<S: SimdTier>(s: S, m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
    vecops::add_bias(s, m, n, bias, c)
}

/// `out (=|+=)` the column sums of the `m×n` matrix `g`.
#[inline(always)]
pub(crate) fn sum_rows<S: SimdTier>(s: S, m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
    vecops::sum_rows(s, m, n, g, out, acc)
}

/// [`matmul_tn_sigmoid_grad_bias`] without a bias gradient: the tier's compiled kernel
/// (one copy of the body for both).
///
/// # Safety
/// See the module docs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_tn_sigmoid_grad<S: SimdTier>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    fg: FusedGrad<'_>,
    c: &mut [f32],
) {
    // SAFETY: forwarded (an empty `db`: no bias gradient).
    unsafe { s.matmul_tn_sigmoid_grad_bias(m, k, n, a, fg, c, &mut []) }
}
