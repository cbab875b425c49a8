//! The typed front end: matrices are `[[f32; N]; M]` arrays whose shapes are const
//! generics, so every call is infallible — a mismatch does not compile. The bricks of
//! [`crate::nn`] and the training step call these; each runs on the [`active`] tier with
//! the tolerances stated on [`Kernels`](super::Kernels). Products overwrite their output.
//!
//! The element-wise kernels ([`sigmoid_backward`], [`axpy`], [`sum_sq_pair`],
//! [`axpy_sum_sq`], [`mse_grad`]) take slices of one brick's buffers or parameters, which
//! have one length by construction; given slices of different lengths they work on the common
//! prefix (the checked [`Kernels`](super::Kernels) refuses such slices instead).
//!
//! Small work — products of at most 64 multiply-adds, element-wise passes over at most 16
//! values — runs inline as unrolled loops in the scalar tier's order on every tier
//! (`small.rs`): at those sizes a kernel call costs more than its work.

use super::dispatch::on_tier;
use super::{active, small};
use crate::arch::scalar;
use crate::arch::{AdamUpdate, FusedGrad, TierKernels};

/// The first `n` values of `x` (`n ≤ x.len()` at every call: no panic path, which flash on
/// microcontrollers would pay for).
#[inline(always)]
fn prefix(x: &[f32], n: usize) -> &[f32] {
    x.get(..n).unwrap_or_default()
}

/// [`prefix`], mutable.
#[inline(always)]
fn prefix_mut(x: &mut [f32], n: usize) -> &mut [f32] {
    x.get_mut(..n).unwrap_or_default()
}

/// The common prefix of two slices.
#[inline(always)]
fn common<'a, 'b>(x: &'a [f32], y: &'b mut [f32]) -> (&'a [f32], &'b mut [f32]) {
    let n = x.len().min(y.len());
    (prefix(x, n), prefix_mut(y, n))
}

/// `c = a·b` (`a: M×K`, `b: K×N`): the forward product `X·W`.
#[inline]
pub fn matmul<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
    c: &mut [[f32; N]; M],
) {
    if M * N == 0 {
        return;
    }
    if small::product(M, K, N) {
        return small::matmul(a, b, c);
    }
    let (a, b, c) = (a.as_flattened(), b.as_flattened(), c.as_flattened_mut());
    // SAFETY: the active tier is available; the lengths are M·K, K·N, M·N by type.
    on_tier!(active(), t => unsafe { t.matmul(M, K, N, a, b, c, false) })
}

/// `c = aᵀ·b` (`a: K×M`, `b: K×N`): the weight gradient `Xᵀ·G`.
#[inline]
pub fn matmul_tn<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; M]; K],
    b: &[[f32; N]; K],
    c: &mut [[f32; N]; M],
) {
    if M * N == 0 {
        return;
    }
    if small::product(M, K, N) {
        return small::matmul_tn(a, b, c);
    }
    let (a, b, c) = (a.as_flattened(), b.as_flattened(), c.as_flattened_mut());
    // SAFETY: the active tier is available; the lengths are K·M, K·N, M·N by type.
    on_tier!(active(), t => unsafe { t.matmul_tn(M, K, N, a, b, c, false) })
}

/// `c = a·bᵀ` (`a: M×K`, `b: N×K`): the input gradient `G·Wᵀ`.
#[inline]
pub fn matmul_nt<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; K]; N],
    c: &mut [[f32; N]; M],
) {
    if M * N == 0 {
        return;
    }
    if small::product(M, K, N) {
        return small::matmul_nt(a, b, c);
    }
    let (a, b, c) = (a.as_flattened(), b.as_flattened(), c.as_flattened_mut());
    // SAFETY: the active tier is available; the lengths are M·K, N·K, M·N by type.
    on_tier!(active(), t => unsafe { t.matmul_nt(M, K, N, a, b, c, false) })
}

/// `c = σ(a·b + bias)` in one pass: the forward pass of `Dense` followed by `Sigmoid`, each
/// activation written once.
#[inline]
pub fn matmul_bias_sigmoid<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
    bias: Option<&[f32; N]>,
    c: &mut [[f32; N]; M],
) {
    if M * N == 0 {
        return;
    }
    if small::product(M, K, N) {
        // The scalar tier's fused kernel is exactly this sequence.
        small::matmul(a, b, c);
        if let Some(bias) = bias {
            small::add_bias(bias, c);
        }
        return sigmoid(c.as_flattened_mut());
    }
    let bias: &[f32] = bias.map_or(&[], |b| b);
    let (a, b, c) = (a.as_flattened(), b.as_flattened(), c.as_flattened_mut());
    // SAFETY: the active tier is available; the lengths are M·K, K·N, N (or 0), M·N by type,
    // and `c` is not empty.
    on_tier!(active(), t => unsafe { t.matmul_bias_sigmoid(M, K, N, a, b, bias, c) })
}

/// The backward pass of `Dense` followed by `Sigmoid` in one product: `g = dy⊙y⊙(1−y)`
/// (σ′ from the sigmoid's output `y`), `c = aᵀ·g`, and, when given, `db` = the column sums
/// of `g` (the bias gradient), with `g` stored once for the input gradient.
#[inline]
pub fn matmul_tn_sigmoid_grad<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; M]; K],
    dy: &[[f32; N]; K],
    y: &[[f32; N]; K],
    g: &mut [[f32; N]; K],
    c: &mut [[f32; N]; M],
    db: Option<&mut [f32; N]>,
) {
    if small::product(M, K, N) {
        // The scalar tier's fused kernel is exactly this sequence.
        small::sigmoid_backward(dy, y, g);
        small::matmul_tn(a, g, c);
        if let Some(db) = db {
            small::sum_rows(g, db);
        }
        return;
    }
    let a = a.as_flattened();
    let fg = FusedGrad { dy: dy.as_flattened(), y: y.as_flattened(), g: g.as_flattened_mut() };
    let c = c.as_flattened_mut();
    match db {
        // SAFETY: the active tier is available; the lengths are K·M, K·N (three), M·N and N
        // by type.
        Some(db) => on_tier!(active(), t => unsafe { t.matmul_tn_sigmoid_grad_bias(M, K, N, a, fg, c, db) }),
        // SAFETY: as above, without `db`.
        None => on_tier!(active(), t => unsafe { t.matmul_tn_sigmoid_grad(M, K, N, a, fg, c) }),
    }
}

/// Adds `bias` to every row of `c`.
#[inline]
pub fn add_bias<const M: usize, const N: usize>(bias: &[f32; N], c: &mut [[f32; N]; M]) {
    if M * N == 0 {
        return;
    }
    if small::product(M, 1, N) {
        return small::add_bias(bias, c);
    }
    let c = c.as_flattened_mut();
    // SAFETY: the active tier is available; the lengths are N and M·N by type.
    on_tier!(active(), t => unsafe { t.add_bias(M, N, bias, c) })
}

/// `out` = the column sums of `g` (the bias gradient), row by row in order.
#[inline]
pub fn sum_rows<const M: usize, const N: usize>(g: &[[f32; N]; M], out: &mut [f32; N]) {
    if N == 0 {
        return;
    }
    if small::product(M, 1, N) {
        return small::sum_rows(g, out);
    }
    let g = g.as_flattened();
    // SAFETY: the active tier is available; the lengths are M·N and N by type.
    on_tier!(active(), t => unsafe { t.sum_rows(M, N, g, out, false) })
}

/// In place `x ← σ(x) = 1/(1+e^(−x))`.
#[inline]
pub fn sigmoid(x: &mut [f32]) {
    // SAFETY: the active tier is available; σ has no length obligation.
    on_tier!(active(), t => unsafe { t.sigmoid(x) })
}

/// `dx = dy⊙y⊙(1−y)`: σ's backward pass from its output `y`, over the common prefix.
#[inline]
pub fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
    let n = dx.len().min(dy.len()).min(y.len());
    let (dy, y, dx) = (prefix(dy, n), prefix(y, n), prefix_mut(dx, n));
    // SAFETY: the active tier is available; the three slices have one length.
    on_tier!(active(), t => unsafe { t.sigmoid_backward(dy, y, dx) })
}

/// `y += alpha·x` (the SGD update is `axpy(−η, d, w)`), over the common prefix.
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    let (x, y) = common(x, y);
    if small::elementwise(x.len()) {
        return scalar::axpy(alpha, x, y);
    }
    // SAFETY: the active tier is available; `x` and `y` have one length.
    on_tier!(active(), t => unsafe { t.axpy(alpha, x, y) })
}

/// One Adam update of a parameter slice `w` and its moments `m`, `v` from the gradient `g`
/// ([`AdamUpdate`] gives the formula), over the common prefix. Bit-identical on every tier.
#[inline]
pub fn adam(k: &AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]) {
    let n = g.len().min(w.len()).min(m.len()).min(v.len());
    let (g, w, m, v) = (prefix(g, n), prefix_mut(w, n), prefix_mut(m, n), prefix_mut(v, n));
    if small::elementwise(n) {
        return scalar::adam(k, g, w, m, v);
    }
    // SAFETY: the active tier is available; the four slices have one length.
    on_tier!(active(), t => unsafe { t.adam(k, g, w, m, v) })
}

/// `Σ xᵢ²`.
#[inline]
pub fn sum_sq(x: &[f32]) -> f32 {
    if small::elementwise(x.len()) {
        return scalar::sum_sq(x);
    }
    // SAFETY: the active tier is available; no length obligation.
    on_tier!(active(), t => unsafe { t.sum_sq(x) })
}

/// `(Σaᵢ², Σbᵢ²)` in one pass (a model's weight size and its gradient's norm), over the
/// common prefix.
#[inline]
pub fn sum_sq_pair(a: &[f32], b: &[f32]) -> (f32, f32) {
    let n = a.len().min(b.len());
    let (a, b) = (prefix(a, n), prefix(b, n));
    if small::elementwise(n) {
        return scalar::sum_sq_pair(a, b);
    }
    // SAFETY: the active tier is available; `a` and `b` have one length.
    on_tier!(active(), t => unsafe { t.sum_sq_pair(a, b) })
}

/// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)` of `x` and the new `y`, in one pass (the ridge
/// gradient `g += c·w` with the weight size and gradient norm), over the common prefix.
#[inline]
pub fn axpy_sum_sq(alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
    let (x, y) = common(x, y);
    if small::elementwise(x.len()) {
        return scalar::axpy_sum_sq(alpha, x, y);
    }
    // SAFETY: the active tier is available; `x` and `y` have one length.
    on_tier!(active(), t => unsafe { t.axpy_sum_sq(alpha, x, y) })
}

/// The MSE loss's data pass: `grad = (pred − target)·scale`, returns `Σ (pred − target)²`,
/// over the common prefix of the three slices.
#[inline]
pub fn mse_grad(pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
    if small::elementwise(grad.len().min(pred.len()).min(target.len())) {
        return scalar::mse_grad(pred, target, scale, grad);
    }
    // SAFETY: the active tier is available; no length obligation (common prefix).
    on_tier!(active(), t => unsafe { t.mse_grad(pred, target, scale, grad) })
}
