//! The scalar tier of the kernels that `scalar.rs` does not have: each is composed of the
//! oracle's own operations, in its order, so the scalar tier gives the same bits with and
//! without them (and on every target). Kept apart from `scalar.rs`, whose code is the
//! frozen bit-exact reference (and tuned for microcontroller flash).

use super::{scalar, FusedGrad};

/// `grad = (pred − target)·scale` and `Σ (pred − target)²`, left to right from 0, over the
/// common prefix of the three slices: the loop `Loss::Mse` has always run.
#[inline]
pub fn mse_grad(pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
    let mut sum = 0.0f32;
    for ((g, &h), &y) in grad.iter_mut().zip(pred).zip(target) {
        let d = h - y;
        sum += d * d;
        *g = d * scale;
    }
    sum
}

/// `(Σaᵢ², Σbᵢ²)`: exactly two [`scalar::sum_sq`]s.
#[inline]
pub fn sum_sq_pair(a: &[f32], b: &[f32]) -> (f32, f32) {
    (scalar::sum_sq(a), scalar::sum_sq(b))
}

/// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)`: exactly [`scalar::axpy`] and two [`scalar::sum_sq`]s.
#[inline]
pub fn axpy_sum_sq(alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
    scalar::axpy(alpha, x, y);
    (scalar::sum_sq(x), scalar::sum_sq(y))
}

/// `g = dy⊙y⊙(1−y)`, `c = aᵀ·g` and `db` = the column sums of `g` (`k×n`): exactly
/// [`scalar::matmul_tn_sigmoid_grad`] then [`scalar::sum_rows`].
pub(crate) fn matmul_tn_sigmoid_grad_bias(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    fg: FusedGrad<'_>,
    c: &mut [f32],
    db: &mut [f32],
) {
    let FusedGrad { dy, y, g } = fg;
    scalar::matmul_tn_sigmoid_grad(m, k, n, a, FusedGrad { dy, y, g: &mut *g }, c);
    scalar::sum_rows(k, n, g, db, false);
}
