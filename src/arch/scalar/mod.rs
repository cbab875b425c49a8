//! The portable tier: plain Rust with `libm`, no target features, no FMA contraction and a
//! fixed summation order. It is the oracle every SIMD tier is tested against, and with it
//! forced the same seed gives bit-identical weights on every target.
//!
//! Shapes are the caller's responsibility: `crate::kernels` checks every length before it
//! calls in here (indexing would still panic, never read out of bounds).
//!
//! [`Scalar`] is the tier's token; its [`TierKernels`] methods call the functions below
//! (the fused kernels are composed of the unfused ones, in their order, so the scalar tier
//! gives the same bits with and without fusion, on every target).

use crate::arch::sqrt::sqrtf;
use crate::arch::{AdamUpdate, FusedGrad, TierKernels};
use crate::kernels::Tier;

/// The portable tier, available everywhere.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

/// Whether products peel their first term off the loop (`zero_plus` of it, no addition): on
/// soft-float targets, where that saves a library call per output. With an FPU, `0 + a·b`
/// in the loop is the same value, and a loop over all `k` terms has no peeled iteration to
/// set up (a batch of 4 is one pass of the loop body LLVM unrolls four times on M-class Arm).
const PEEL_FIRST: bool = cfg!(any(
    all(target_arch = "arm", not(target_abi = "eabihf")),
    all(any(target_arch = "riscv32", target_arch = "riscv64"), not(target_feature = "f"))
));

/// Whether a run-time network's small layers (widths ≤ 4) get kernels that keep a whole
/// operand in registers ([`matmul_small`], [`sigmoid_grad_sum_tn_small`]): with hardware
/// float, where they save about 460 instructions of a Cortex-M4F 2-3-2 step (of ~4,200)
/// for 10.9 KB of flash. Without it the soft-float calls dominate (the Cortex-M0 step gained
/// 1 % for 15 KB), and such chips have the least flash.
const SMALL_TILES: bool = !PEEL_FIRST;

/// `0 + x`: `x` with −0 turned into +0 (and NaN kept), the first step of a sum that starts
/// from zero. With an FPU that is one addition; on soft-float targets (Cortex-M0, RV32
/// without F) a float addition is a ~50-instruction library call, so it is done on the bits.
#[inline(always)]
fn zero_plus(x: f32) -> f32 {
    #[cfg(any(
        all(target_arch = "arm", not(target_abi = "eabihf")),
        all(any(target_arch = "riscv32", target_arch = "riscv64"), not(target_feature = "f"))
    ))]
    return f32::from_bits(if x.to_bits() == 0x8000_0000 { 0 } else { x.to_bits() });
    #[allow(unreachable_code)]
    {
        0.0 + x
    }
}

/// `c (=|+=) a · b` with `a: m×k`, `b: k×n`, `c: m×n`, all row-major.
///
/// Every `c_ij` is `(…((0 or c_ij) + a_i0·b_0j) + a_i1·b_1j) + …`, left to right, in every
/// path and on every tier without FMA (bit-identical to the SIMD tiers' start from zero;
/// [`zero_plus`] makes the first `0 +` cheap without an FPU). Narrow outputs (`n ≤ 4`, the
/// small nets microcontrollers train) keep a row of `c` in registers: no `fill`, no reload
/// per product, no bounds checks.
pub fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    match n {
        1 => matmul_narrow::<1>(k, a, b, c, acc, &[], true),
        2 => matmul_narrow::<2>(k, a, b, c, acc, &[], true),
        3 => matmul_narrow::<3>(k, a, b, c, acc, &[], true),
        4 => matmul_narrow::<4>(k, a, b, c, acc, &[], true),
        _ => matmul_wide(m, k, n, a, b, c, acc),
    }
}

/// A narrow product (`n = N`); with a `bias` of `N` values (else empty) added to each row
/// of `c` before it is stored: exactly [`add_bias`] after the product, one pass fewer.
/// `peel`: the first term is peeled off the loop ([`PEEL_FIRST`]; the bricks' constant
/// shapes always peel it, which unrolls their longer products better on M-class Arm).
#[inline(always)]
fn matmul_narrow<const N: usize>(k: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool, bias: &[f32], peel: bool) {
    let bias = bias.first_chunk::<N>();
    if k == 0 {
        if !acc {
            c.fill(0.0);
        }
        if let Some(bias) = bias {
            add_bias_narrow::<N>(bias, c);
        }
        return;
    }
    let (b_rows, _) = b.as_chunks::<N>();
    let (c_rows, _) = c.as_chunks_mut::<N>();
    for (c_row, a_row) in c_rows.iter_mut().zip(a.chunks_exact(k)) {
        let mut terms = a_row.iter().zip(b_rows);
        let mut s = if acc {
            *c_row
        } else if peel {
            match terms.next() {
                Some((&a_i0, b_row)) => core::array::from_fn(|j| zero_plus(a_i0 * b_row[j])),
                None => [0.0; N],
            }
        } else {
            [0.0; N]
        };
        for (&a_ip, b_row) in terms {
            for j in 0..N {
                s[j] += a_ip * b_row[j];
            }
        }
        if let Some(bias) = bias {
            for j in 0..N {
                s[j] += bias[j];
            }
        }
        *c_row = s;
    }
}

/// `c = a·b (+ bias)` for `k = K ≤ 4` and `n = N ≤ 4` (a run-time network's small layers):
/// all of `b` stays in registers across the rows, each row is `K·N` multiply-adds in
/// straight-line code, the terms in [`matmul_narrow`]'s order (the same bits).
#[inline(always)]
fn matmul_small<const K: usize, const N: usize>(a: &[f32], b: &[f32], c: &mut [f32], bias: Option<&[f32; N]>) {
    let Some(&b) = b.as_chunks::<N>().0.first_chunk::<K>() else { return };
    let (c_rows, _) = c.as_chunks_mut::<N>();
    for (c_row, a_row) in c_rows.iter_mut().zip(a.as_chunks::<K>().0) {
        let mut s = [0.0; N];
        for p in 0..K {
            for j in 0..N {
                s[j] += a_row[p] * b[p][j];
            }
        }
        if let Some(bias) = bias {
            for j in 0..N {
                s[j] += bias[j];
            }
        }
        *c_row = s;
    }
}

fn matmul_wide(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    // Rows by `chunks_exact` (the caller checked every length), not by index ranges: no
    // bounds check and so no panic path in the code (one per range otherwise), and less
    // flash on microcontrollers. `n == 0` writes nothing; `k == 0` has no products.
    if n == 0 {
        return;
    }
    let c_rows = c.chunks_exact_mut(n).take(m);
    if k == 0 {
        if !acc {
            c_rows.for_each(|row| row.fill(0.0));
        }
        return;
    }
    for (c_row, a_row) in c_rows.zip(a.chunks_exact(k)) {
        let mut terms = a_row.iter().zip(b.chunks_exact(n));
        if !acc {
            if let Some((&a_i0, b_row)) = terms.next() {
                for (c_ij, &b_0j) in c_row.iter_mut().zip(b_row) {
                    *c_ij = zero_plus(a_i0 * b_0j);
                }
            }
        }
        for (&a_ip, b_row) in terms {
            for (c_ij, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_ip * b_pj;
            }
        }
    }
}

/// `c (=|+=) aᵀ · b` with `a: k×m`, `b: k×n`, `c: m×n` (the weight gradient `Xᵀ·G`).
///
/// Every `c_ij` is `(…((0 or c_ij) + a_0i·b_0j) + a_1i·b_1j) + …`, left to right; narrow
/// outputs (`n ≤ 4`) accumulate a row of `c` in registers.
pub fn matmul_tn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    match n {
        1 => matmul_tn_narrow::<1>(m, a, b, c, acc),
        2 => matmul_tn_narrow::<2>(m, a, b, c, acc),
        3 => matmul_tn_narrow::<3>(m, a, b, c, acc),
        4 => matmul_tn_narrow::<4>(m, a, b, c, acc),
        _ => matmul_tn_wide(m, k, n, a, b, c, acc),
    }
}

#[inline(always)]
fn matmul_tn_narrow<const N: usize>(m: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    if m == 0 {
        return;
    }
    let (b_rows, _) = b.as_chunks::<N>();
    let (c_rows, _) = c.as_chunks_mut::<N>();
    for (i, c_row) in (0..m).zip(c_rows) {
        let mut terms = a.chunks_exact(m).zip(b_rows);
        let mut s = if acc {
            *c_row
        } else if PEEL_FIRST {
            match terms.next() {
                Some((a_row, b_row)) => core::array::from_fn(|j| zero_plus(a_row[i] * b_row[j])),
                None => [0.0; N],
            }
        } else {
            [0.0; N]
        };
        for (a_row, b_row) in terms {
            let a_pi = a_row[i];
            for j in 0..N {
                s[j] += a_pi * b_row[j];
            }
        }
        *c_row = s;
    }
}

fn matmul_tn_wide(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    // As in `matmul_wide`: rows by `chunks_exact`, no index ranges.
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !acc {
            c.chunks_exact_mut(n).take(m).for_each(|row| row.fill(0.0));
        }
        return;
    }
    let mut rows = a.chunks_exact(m).zip(b.chunks_exact(n)).take(k);
    if !acc {
        if let Some((a_row, b_row)) = rows.next() {
            for (&a_0i, c_row) in a_row.iter().zip(c.chunks_exact_mut(n)) {
                for (c_ij, &b_0j) in c_row.iter_mut().zip(b_row) {
                    *c_ij = zero_plus(a_0i * b_0j);
                }
            }
        }
    }
    for (a_row, b_row) in rows {
        for (&a_pi, c_row) in a_row.iter().zip(c.chunks_exact_mut(n)) {
            for (c_ij, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_pi * b_pj;
            }
        }
    }
}

/// `c (=|+=) a · bᵀ` with `a: m×k`, `b: n×k`, `c: m×n` (the input gradient `G·Wᵀ`).
///
/// Every `c_ij` is `s` or `c_ij + s` with `s = (…(0 + a_i0·b_j0) + a_i1·b_j1) + …`; short
/// dot products (`k ≤ 4`) are unrolled.
pub fn matmul_nt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    match k {
        1 => matmul_nt_short::<1>(n, a, b, c, acc),
        2 => matmul_nt_short::<2>(n, a, b, c, acc),
        3 => matmul_nt_short::<3>(n, a, b, c, acc),
        4 => matmul_nt_short::<4>(n, a, b, c, acc),
        _ => matmul_nt_long(m, k, n, a, b, c, acc),
    }
}

#[inline(always)]
fn matmul_nt_short<const K: usize>(n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    if n == 0 {
        return;
    }
    let (a_rows, _) = a.as_chunks::<K>();
    let (b_rows, _) = b.as_chunks::<K>();
    for (a_row, c_row) in a_rows.iter().zip(c.chunks_exact_mut(n)) {
        for (c_ij, b_row) in c_row.iter_mut().zip(b_rows) {
            let mut s = zero_plus(a_row[0] * b_row[0]);
            for p in 1..K {
                s += a_row[p] * b_row[p];
            }
            *c_ij = if acc { *c_ij + s } else { s };
        }
    }
}

fn matmul_nt_long(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    // As in `matmul_wide`: rows by `chunks_exact`, no index ranges. Here `k` is 0 or ≥ 5
    // (shorter dot products take `matmul_nt_short`); with `k == 0` every sum is `0`.
    if n == 0 {
        return;
    }
    if k == 0 {
        for c_ij in c.iter_mut().take(m * n) {
            *c_ij = if acc { *c_ij + 0.0 } else { 0.0 };
        }
        return;
    }
    for (a_row, c_row) in a.chunks_exact(k).zip(c.chunks_exact_mut(n)).take(m) {
        for (b_row, c_ij) in b.chunks_exact(k).zip(c_row) {
            let mut terms = a_row.iter().zip(b_row).map(|(&x, &y)| x * y);
            let mut s = terms.next().map_or(0.0, zero_plus);
            for t in terms {
                s += t;
            }
            *c_ij = if acc { *c_ij + s } else { s };
        }
    }
}

/// σ(x) = 1/(1+e^(−x)) of one value, computed so that no finite input overflows:
/// for x ≥ 0 it uses e^(−x) ≤ 1, for x < 0 the mirrored form e^x/(1+e^x).
/// With feature `mcu-sigmoid`, the cheaper [`crate::arch::mcu_sigmoid::sigmoid_one`] instead.
#[inline]
pub fn sigmoid_one(x: f32) -> f32 {
    #[cfg(feature = "mcu-sigmoid")]
    return crate::arch::mcu_sigmoid::sigmoid_one(x);
    #[cfg(not(feature = "mcu-sigmoid"))]
    sigmoid_libm(x)
}

#[cfg(not(feature = "mcu-sigmoid"))]
#[inline]
fn sigmoid_libm(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

/// In place `x ← σ(x)`. NaN stays NaN, ±∞ give 1/0.
#[cfg_attr(not(any(target_arch = "x86_64", target_arch = "aarch64")), inline(never))]
pub fn sigmoid(x: &mut [f32]) {
    for v in x {
        *v = sigmoid_one(*v);
    }
}

/// `dx = dy ⊙ y ⊙ (1 − y)`: the sigmoid's backward pass from its cached output `y`.
pub fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
    for ((d, &g), &s) in dx.iter_mut().zip(dy).zip(y) {
        *d = g * s * (1.0 - s);
    }
}

/// `y += alpha · x` (the SGD update is `axpy(−η, g, w)`).
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// One Adam update of one parameter: `(w, m, v)` from `(g, w, m, v)`, with the operations
/// and roundings [`AdamUpdate`] states. The oracle of every tier's `adam`, and what the
/// optimizer's dry run computes to decide whether a step may be written.
#[inline(always)]
pub(crate) fn adam_one(k: &AdamUpdate, g: f32, w: f32, m: f32, v: f32) -> (f32, f32, f32) {
    let m = k.b1 * m + k.one_minus_b1 * g;
    let v = k.b2 * v + k.one_minus_b2 * (g * g);
    let d = (m * k.c1) / (sqrtf(v * k.c2) + k.eps);
    (w - k.lr * (d + k.decay * w), m, v)
}

/// Adam's update over the common length of the four slices ([`adam_one`] per parameter).
pub fn adam(k: &AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]) {
    for (((&g, w), m), v) in g.iter().zip(w).zip(m).zip(v) {
        (*w, *m, *v) = adam_one(k, g, *w, *m, *v);
    }
}

/// `Σ xᵢ²`, summed left to right from the first square (0 for an empty slice; a square is
/// never −0, so this is the same value as a sum from 0, one addition fewer).
pub fn sum_sq(x: &[f32]) -> f32 {
    let mut squares = x.iter().map(|&v| v * v);
    let mut s = squares.next().unwrap_or(0.0);
    for q in squares {
        s += q;
    }
    s
}

/// Adds `bias` (length `n`) to every row of the `m×n` matrix `c`; narrow rows (`n ≤ 4`)
/// keep the bias in registers.
pub fn add_bias(m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
    match n {
        0 => {} // nothing to add, and `chunks_exact(0)` would panic (found by fuzz/kernels_diff)
        1 => add_bias_narrow::<1>(bias, c),
        2 => add_bias_narrow::<2>(bias, c),
        3 => add_bias_narrow::<3>(bias, c),
        4 => add_bias_narrow::<4>(bias, c),
        _ => add_bias_wide(m, n, bias, c),
    }
}

#[inline(always)]
fn add_bias_narrow<const N: usize>(bias: &[f32], c: &mut [f32]) {
    let (rows, _) = c.as_chunks_mut::<N>();
    if let Some(bias) = bias.first_chunk::<N>() {
        for row in rows {
            for j in 0..N {
                row[j] += bias[j];
            }
        }
    }
}

fn add_bias_wide(m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
    for row in c.chunks_exact_mut(n).take(m) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// `out (=|+=)` the column sums of the `m×n` matrix `g` (the bias gradient), starting
/// from 0 (bit-identical to the SIMD tiers' element-wise kernels, `tests/tiers.rs`). Narrow
/// rows (`n ≤ 4`) keep the sums in registers: one load and one add per value.
pub fn sum_rows(m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
    match n {
        0 => {} // no columns; `chunks_exact(0)` would panic (found by fuzz/kernels_diff)
        1 => sum_rows_narrow::<1>(m, g, out, acc),
        2 => sum_rows_narrow::<2>(m, g, out, acc),
        3 => sum_rows_narrow::<3>(m, g, out, acc),
        4 => sum_rows_narrow::<4>(m, g, out, acc),
        _ => sum_rows_wide(m, n, g, out, acc),
    }
}

#[inline(always)]
fn sum_rows_narrow<const N: usize>(m: usize, g: &[f32], out: &mut [f32], acc: bool) {
    let Some(out) = out.first_chunk_mut::<N>() else { return };
    let (rows, _) = g.as_chunks::<N>();
    let mut s = if acc { *out } else { [0.0; N] };
    for row in rows.iter().take(m) {
        for j in 0..N {
            s[j] += row[j];
        }
    }
    *out = s;
}

fn sum_rows_wide(m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
    if !acc {
        out.iter_mut().take(n).for_each(|o| *o = 0.0);
    }
    for row in g.chunks_exact(n).take(m) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// `c = σ(a·b + bias)`: exactly [`matmul`], [`add_bias`] (if `bias` is not empty) and
/// [`sigmoid`] in sequence, so the scalar tier's fused path is bit-identical to its
/// unfused one (the deterministic mode does not depend on fusion). Always inlined, like
/// [`matmul_tn_sigmoid_grad`]: an out-of-line copy keeps every width's loop.
#[inline(always)]
pub fn matmul_bias_sigmoid(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: &[f32], c: &mut [f32]) {
    matmul(m, k, n, a, b, c, false);
    if !bias.is_empty() {
        add_bias(m, n, bias, c);
    }
    if let Some(c) = c.get_mut(..m * n) {
        sigmoid(c);
    }
}

/// [`matmul_bias_sigmoid`] (the same bits) with the bias of a narrow output (`n ≤ 4`) added
/// to each row in registers, before it is stored: one pass fewer; with `k ≤ 4` too, the
/// weights stay in registers ([`matmul_small`]). For a run-time network's one copy for all
/// shapes; the bricks keep [`matmul_bias_sigmoid`], which their constant shapes unroll
/// better on microcontrollers (the 2-10-2 step took 34 instructions more).
pub(crate) fn matmul_bias_sigmoid_rows(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    bias: &[f32],
    c: &mut [f32],
) {
    match n {
        1 => matmul_bias_rows::<1>(k, a, b, c, bias),
        2 => matmul_bias_rows::<2>(k, a, b, c, bias),
        3 => matmul_bias_rows::<3>(k, a, b, c, bias),
        4 => matmul_bias_rows::<4>(k, a, b, c, bias),
        _ => {
            matmul_wide(m, k, n, a, b, c, false);
            if !bias.is_empty() {
                add_bias(m, n, bias, c);
            }
        }
    }
    if let Some(c) = c.get_mut(..m * n) {
        sigmoid(c);
    }
}

/// The product and bias of [`matmul_bias_sigmoid_rows`] for `n = N`: [`matmul_small`] when
/// `k ≤ 4` too, else [`matmul_narrow`].
#[inline(always)]
fn matmul_bias_rows<const N: usize>(k: usize, a: &[f32], b: &[f32], c: &mut [f32], bias: &[f32]) {
    let bias_n = bias.first_chunk::<N>();
    match k {
        1 if SMALL_TILES => matmul_small::<1, N>(a, b, c, bias_n),
        2 if SMALL_TILES => matmul_small::<2, N>(a, b, c, bias_n),
        3 if SMALL_TILES => matmul_small::<3, N>(a, b, c, bias_n),
        4 if SMALL_TILES => matmul_small::<4, N>(a, b, c, bias_n),
        _ => matmul_narrow::<N>(k, a, b, c, false, bias, PEEL_FIRST),
    }
}

/// `g = dy⊙y⊙(1−y)`, then `c = aᵀ·g`: exactly [`sigmoid_backward`] and [`matmul_tn`].
/// Always inlined, so that the callers' constant shapes pick `matmul_tn`'s narrow loop at
/// compile time (an out-of-line copy keeps every width's loop: +720 B of flash for the
/// Cortex-M4F's 2-3-2 step).
#[inline(always)]
pub(crate) fn matmul_tn_sigmoid_grad(m: usize, k: usize, n: usize, a: &[f32], fg: FusedGrad<'_>, c: &mut [f32]) {
    sigmoid_backward(fg.dy, fg.y, fg.g);
    matmul_tn(m, k, n, a, fg.g, c, false);
}

/// `g = dy⊙y⊙(1−y)`, `c = aᵀ·g` and `db` = the column sums of `g` (`k×n`): exactly
/// [`matmul_tn_sigmoid_grad`] then [`sum_rows`]. Narrow rows (`n ≤ 4`) sum `g` in registers
/// as they compute it (each value and each sum as those two compute them, in their order).
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
    match n {
        1 => sigmoid_grad_sum_tn::<1>(m, k, a, dy, y, g, c, db),
        2 => sigmoid_grad_sum_tn::<2>(m, k, a, dy, y, g, c, db),
        3 => sigmoid_grad_sum_tn::<3>(m, k, a, dy, y, g, c, db),
        4 => sigmoid_grad_sum_tn::<4>(m, k, a, dy, y, g, c, db),
        _ => {
            sigmoid_backward(dy, y, g);
            sum_rows(k, n, g, db, false);
            matmul_tn_wide(m, k, n, a, g, c, false);
        }
    }
}

/// [`sigmoid_grad_sum`] then the narrow [`matmul_tn`] of `g`, for one width.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn sigmoid_grad_sum_tn<const N: usize>(
    m: usize,
    k: usize,
    a: &[f32],
    dy: &[f32],
    y: &[f32],
    g: &mut [f32],
    c: &mut [f32],
    db: &mut [f32],
) {
    match m {
        1 if SMALL_TILES => sigmoid_grad_sum_tn_small::<1, N>(a, dy, y, g, c, db),
        2 if SMALL_TILES => sigmoid_grad_sum_tn_small::<2, N>(a, dy, y, g, c, db),
        3 if SMALL_TILES => sigmoid_grad_sum_tn_small::<3, N>(a, dy, y, g, c, db),
        4 if SMALL_TILES => sigmoid_grad_sum_tn_small::<4, N>(a, dy, y, g, c, db),
        _ => {
            sigmoid_grad_sum::<N>(k, dy, y, g, db);
            matmul_tn_narrow::<N>(m, a, g, c, false);
        }
    }
}

/// [`sigmoid_grad_sum_tn`] for `m = M ≤ 4`: one pass over the rows, each row of `g`
/// computed, stored, summed into `db` and multiplied into all of `c` (`M×N`, in registers),
/// every value and sum as the two-pass form computes it, in its order.
#[inline(always)]
fn sigmoid_grad_sum_tn_small<const M: usize, const N: usize>(
    a: &[f32],
    dy: &[f32],
    y: &[f32],
    g: &mut [f32],
    c: &mut [f32],
    db: &mut [f32],
) {
    let Some(c) = c.as_chunks_mut::<N>().0.first_chunk_mut::<M>() else { return };
    let rows = a.as_chunks::<M>().0.iter().zip(dy.as_chunks::<N>().0).zip(y.as_chunks::<N>().0);
    let (mut s, mut sums) = ([[0.0f32; N]; M], [0.0f32; N]);
    for (((a_row, dy_row), y_row), g_row) in rows.zip(g.as_chunks_mut::<N>().0) {
        let v: [f32; N] = core::array::from_fn(|j| dy_row[j] * y_row[j] * (1.0 - y_row[j]));
        *g_row = v;
        for j in 0..N {
            sums[j] += v[j];
        }
        for i in 0..M {
            for j in 0..N {
                s[i][j] += a_row[i] * v[j];
            }
        }
    }
    *c = s;
    if let Some(db) = db.first_chunk_mut::<N>() {
        *db = sums;
    }
}

/// `g = dy⊙y⊙(1−y)` over `k` rows of `N` and `db` = the column sums of `g`, from 0, row by
/// row: [`sigmoid_backward`] and [`sum_rows`] in one pass.
#[inline(always)]
fn sigmoid_grad_sum<const N: usize>(k: usize, dy: &[f32], y: &[f32], g: &mut [f32], db: &mut [f32]) {
    let (dy_rows, _) = dy.as_chunks::<N>();
    let (y_rows, _) = y.as_chunks::<N>();
    let (g_rows, _) = g.as_chunks_mut::<N>();
    let mut s = [0.0f32; N];
    for ((g_row, dy_row), y_row) in g_rows.iter_mut().zip(dy_rows).zip(y_rows).take(k) {
        for j in 0..N {
            let v = dy_row[j] * y_row[j] * (1.0 - y_row[j]);
            g_row[j] = v;
            s[j] += v;
        }
    }
    if let Some(db) = db.first_chunk_mut::<N>() {
        *db = s;
    }
}

/// `grad = (pred − target)·scale` and `Σ (pred − target)²`, left to right from 0, over the
/// common prefix of the three slices.
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

/// `(Σaᵢ², Σbᵢ²)`: exactly two [`sum_sq`]s.
#[inline]
pub fn sum_sq_pair(a: &[f32], b: &[f32]) -> (f32, f32) {
    (sum_sq(a), sum_sq(b))
}

/// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)`: exactly [`axpy`] and two [`sum_sq`]s.
#[inline]
pub fn axpy_sum_sq(alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
    axpy(alpha, x, y);
    (sum_sq(x), sum_sq(y))
}

// The oracle needs no CPU feature and its functions are memory-safe for any lengths
// (mismatched ones may panic, never read out of bounds): the `unsafe` of the trait is the
// SIMD tiers' obligation only.
impl TierKernels for Scalar {
    const TIER: Tier = Tier::Scalar;

    #[inline(always)]
    unsafe fn matmul(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
        matmul(m, k, n, a, b, c, acc)
    }
    #[inline(always)]
    unsafe fn matmul_tn(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
        matmul_tn(m, k, n, a, b, c, acc)
    }
    #[inline(always)]
    unsafe fn matmul_nt(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
        matmul_nt(m, k, n, a, b, c, acc)
    }
    #[inline(always)]
    unsafe fn matmul_bias_sigmoid(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        bias: &[f32],
        c: &mut [f32],
    ) {
        matmul_bias_sigmoid(m, k, n, a, b, bias, c)
    }
    #[inline(always)]
    unsafe fn matmul_tn_sigmoid_grad(self, m: usize, k: usize, n: usize, a: &[f32], fg: FusedGrad<'_>, c: &mut [f32]) {
        matmul_tn_sigmoid_grad(m, k, n, a, fg, c)
    }
    #[inline(always)]
    unsafe fn matmul_tn_sigmoid_grad_bias(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        fg: FusedGrad<'_>,
        c: &mut [f32],
        db: &mut [f32],
    ) {
        matmul_tn_sigmoid_grad_bias(m, k, n, a, fg, c, db)
    }
    #[inline(always)]
    unsafe fn mse_grad(self, pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
        mse_grad(pred, target, scale, grad)
    }
    #[inline(always)]
    unsafe fn sigmoid(self, x: &mut [f32]) {
        sigmoid(x)
    }
    #[inline(always)]
    unsafe fn sigmoid_backward(self, dy: &[f32], y: &[f32], dx: &mut [f32]) {
        sigmoid_backward(dy, y, dx)
    }
    #[inline(always)]
    unsafe fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) {
        axpy(alpha, x, y)
    }
    #[inline(always)]
    unsafe fn adam(self, k: &AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]) {
        adam(k, g, w, m, v)
    }
    #[inline(always)]
    unsafe fn sum_sq(self, x: &[f32]) -> f32 {
        sum_sq(x)
    }
    #[inline(always)]
    unsafe fn sum_sq_pair(self, a: &[f32], b: &[f32]) -> (f32, f32) {
        sum_sq_pair(a, b)
    }
    #[inline(always)]
    unsafe fn axpy_sum_sq(self, alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
        axpy_sum_sq(alpha, x, y)
    }
    #[inline(always)]
    unsafe fn add_bias(self, m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
        add_bias(m, n, bias, c)
    }
    #[inline(always)]
    unsafe fn sum_rows(self, m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
        sum_rows(m, n, g, out, acc)
    }
}

#[cfg(test)]
mod tests {
    //! The run-time network's fused kernels against the unfused sequence they replace, bit
    //! for bit, at every narrow width and beyond (the bricks and `tests/runtime.rs` reach
    //! them only through whole steps).
    extern crate std;
    use super::*;
    use std::{format, vec, vec::Vec};

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            })
            .collect()
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn fused_row_kernels_are_the_unfused_sequence_bit_for_bit() {
        for n in 1..=6 {
            for k in 0..=5 {
                for m in [1, 2, 3, 4, 5, 7] {
                    let seed = (n * 100 + k * 10 + m) as u32;
                    let (a, b, bias) = (values(m * k, seed), values(k * n, seed + 1), values(n, seed + 2));
                    for bias in [&bias[..], &[]] {
                        let mut want = vec![0.0; m * n];
                        matmul_bias_sigmoid(m, k, n, &a, &b, bias, &mut want);
                        let mut got = vec![7.0; m * n];
                        matmul_bias_sigmoid_rows(m, k, n, &a, &b, bias, &mut got);
                        assert_eq!(bits(&got), bits(&want), "forward m={m} k={k} n={n} bias={}", bias.len());
                    }
                    // Gradient: `a` is the layer input (k rows of m), `dy`/`y` k rows of n.
                    let (x, dy, y) = (values(k * m, seed + 3), values(k * n, seed + 4), values(k * n, seed + 5));
                    let (mut g0, mut c0, mut db0) = (vec![0.0; k * n], vec![0.0; m * n], vec![0.0; n]);
                    sigmoid_backward(&dy, &y, &mut g0);
                    matmul_tn(m, k, n, &x, &g0, &mut c0, false);
                    sum_rows(k, n, &g0, &mut db0, false);
                    for with_db in [true, false] {
                        let (mut g, mut c, mut db) = (vec![3.0; k * n], vec![3.0; m * n], vec![3.0; n]);
                        let db_arg: &mut [f32] = if with_db { &mut db } else { &mut [] };
                        let fg = FusedGrad { dy: &dy, y: &y, g: &mut g };
                        matmul_tn_sigmoid_grad_bias(m, k, n, &x, fg, &mut c, db_arg);
                        let what = format!("gradient m={m} k={k} n={n} db={with_db}");
                        assert_eq!((bits(&g), bits(&c)), (bits(&g0), bits(&c0)), "{what}");
                        if with_db {
                            assert_eq!(bits(&db), bits(&db0), "{what}");
                        } else {
                            assert_eq!(db, vec![3.0; n], "{what}: no bias, nothing written");
                        }
                    }
                }
            }
        }
    }
}
