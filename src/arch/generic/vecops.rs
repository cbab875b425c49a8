//! Element-wise kernels and reductions, written once over [`Simd`]: full vectors, then one
//! partial vector for the ragged end (`Simd::load_part` / `store_part`: masked, or single-
//! and two-lane loads and stores), never touching memory past a slice's end.

use super::simd::{Simd, MAGIC};
use crate::arch::AdamUpdate;

/// `log₂ e`.
const LOG2E: f32 = core::f32::consts::LOG2_E;
/// ln 2 split in two (Cody–Waite): `LN2_HI` has 9 significant bits, so `n·LN2_HI` is exact
/// for every `|n| ≤ 2¹⁵`; `LN2_HI + LN2_LO` = ln 2 to about 2⁻³² (Cephes `expf`).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// `eʳ ≈ 1 + r + r²·P(r)` on `|r| ≤ ln2/2` with a degree-4 `P` (total degree 6), fitted for
/// minimum relative error (iteratively reweighted least squares): 0.062 f32 ULP of
/// approximation error, one term fewer than Cephes' degree-7 `expf` (0.045 ULP).
const P: [f32; 5] = [0.001_381_989_3, 0.008_368_78, 0.041_668_3, 0.166_665_2, 0.499_999_94];
/// Below this, `e^t` is under 2⁻¹⁵⁰ and σ rounds to exactly 0; clamping there keeps every
/// scale factor representable (`rint(−104·log₂e) = −150`).
const T_MIN: f32 = -104.0;

/// σ(x) for one vector. With `t = −|x|` and `e = eᵗ ∈ (0, 1]` (never overflows):
/// `σ(x) = (x ≥ 0 ? 1 : e) / (1 + e)`, one correctly rounded division. `eᵗ` is Cephes'
/// range reduction `t = n·ln2 + r` with a degree-6 polynomial, scaled by `2ⁿ` in a way that
/// rounds subnormal results once. A NaN lane stays NaN all the way through (the clamp is
/// `max(T_MIN, t)`, which gives NaN for a NaN `t` on every tier, see `Simd::max`; every later
/// step keeps a NaN, and `x ≥ 0` is false for it, so it divides `e = NaN` by `1 + e`),
/// so no final NaN blend is needed (three operations of about 24 per vector).
#[inline(always)]
pub(crate) fn sigmoid_v<S: Simd>(s: S, x: S::V) -> S::V {
    let t = s.max(s.splat(T_MIN), s.neg_abs(x));
    let magic = s.splat(MAGIC);
    let n = s.sub(s.mul_add(t, s.splat(LOG2E), magic), magic);
    let r = s.mul_add(n, s.splat(-LN2_HI), t);
    let r = s.mul_add(n, s.splat(-LN2_LO), r);
    let mut p = s.splat(P[0]);
    for &c in &P[1..] {
        p = s.mul_add(p, r, s.splat(c));
    }
    let er = s.add(s.mul_add(s.mul(r, r), p, r), s.splat(1.0));
    let e = s.ldexp(er, n);
    let one = s.splat(1.0);
    s.div(s.select_nonneg(x, one, e), s.add(one, e))
}

/// In place `x ← σ(x)`.
#[inline(always)]
pub(crate) fn sigmoid<S: Simd>(s: S, x: &mut [f32]) {
    let l = S::LANES;
    let mut chunks = x.chunks_exact_mut(l);
    for ch in &mut chunks {
        // SAFETY: `ch` holds exactly LANES values.
        unsafe { s.store(ch.as_mut_ptr(), sigmoid_v(s, s.load(ch.as_ptr()))) };
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let len = rest.len();
        // SAFETY: `rest` holds `len < LANES` values, and the partial ops touch only those.
        unsafe { s.store_part(rest.as_mut_ptr(), len, sigmoid_v(s, s.load_part(rest.as_ptr(), len))) };
    }
}

/// Applies `f` lane-wise over equal-length prefixes of three slices: `out[i] = f(a[i], b[i])`.
#[inline(always)]
fn zip2<S: Simd>(s: S, a: &[f32], b: &[f32], out: &mut [f32], f: impl Fn(S::V, S::V) -> S::V) {
    let len = a.len().min(b.len()).min(out.len());
    let l = S::LANES;
    let (a, b, out) = (a.as_ptr(), b.as_ptr(), out.as_mut_ptr());
    let mut i = 0;
    while i + l <= len {
        // SAFETY: `i + LANES ≤ len` and all three slices hold `len` values.
        unsafe { s.store(out.add(i), f(s.load(a.add(i)), s.load(b.add(i)))) };
        i += l;
    }
    if i < len {
        let r = len - i;
        // SAFETY: `r < LANES` values remain in each slice from `i`.
        unsafe { s.store_part(out.add(i), r, f(s.load_part(a.add(i), r), s.load_part(b.add(i), r))) };
    }
}

/// `dx = (dy·y)·(1 − y)`, the same operations in the same order as the scalar tier, so
/// bit-identical to it.
#[inline(always)]
pub(crate) fn sigmoid_backward<S: Simd>(s: S, dy: &[f32], y: &[f32], dx: &mut [f32]) {
    let one = s.splat(1.0);
    zip2(s, dy, y, dx, |g, y| s.mul(s.mul(g, y), s.sub(one, y)));
}

/// In place `y[i] = f(y[i], x[i])` over the common prefix of `y` and `x`.
#[inline(always)]
fn update<S: Simd>(s: S, y: &mut [f32], x: &[f32], f: impl Fn(S::V, S::V) -> S::V) {
    let len = x.len().min(y.len());
    let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
    let l = S::LANES;
    let mut i = 0;
    while i + l <= len {
        // SAFETY: `i + LANES ≤ len`, both slices hold `len` values.
        unsafe { s.store(yp.add(i), f(s.load(yp.add(i)), s.load(xp.add(i)))) };
        i += l;
    }
    if i < len {
        let r = len - i;
        // SAFETY: `r < LANES` values remain in both slices from `i`.
        unsafe { s.store_part(yp.add(i), r, f(s.load_part(yp.add(i), r), s.load_part(xp.add(i), r))) };
    }
}

/// `y += alpha·x` as a product then a sum (no FMA), bit-identical to the scalar tier.
#[inline(always)]
pub(crate) fn axpy<S: Simd>(s: S, alpha: f32, x: &[f32], y: &mut [f32]) {
    let av = s.splat(alpha);
    update(s, y, x, |y, x| s.add(y, s.mul(av, x)));
}

/// One Adam update for a vector of lanes: `(w, m, v)` from `(g, w, m, v)`, each operation
/// rounded as in the scalar tier's [`adam_one`](crate::arch::scalar::adam_one) (no FMA).
#[inline(always)]
fn adam_v<S: Simd>(s: S, k: &AdamUpdate, g: S::V, w: S::V, m: S::V, v: S::V) -> (S::V, S::V, S::V) {
    let m = s.add(s.mul(s.splat(k.b1), m), s.mul(s.splat(k.one_minus_b1), g));
    let v = s.add(s.mul(s.splat(k.b2), v), s.mul(s.splat(k.one_minus_b2), s.mul(g, g)));
    let denom = s.add(s.sqrt(s.mul(v, s.splat(k.c2))), s.splat(k.eps));
    let d = s.div(s.mul(m, s.splat(k.c1)), denom);
    let w = s.sub(w, s.mul(s.splat(k.lr), s.add(d, s.mul(s.splat(k.decay), w))));
    (w, m, v)
}

/// Adam's update over the common length of four slices, bit-identical to the scalar tier.
#[inline(always)]
pub(crate) fn adam<S: Simd>(s: S, k: &AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]) {
    let len = g.len().min(w.len()).min(m.len()).min(v.len());
    let l = S::LANES;
    let (gp, wp, mp, vp) = (g.as_ptr(), w.as_mut_ptr(), m.as_mut_ptr(), v.as_mut_ptr());
    let mut i = 0;
    while i + l <= len {
        // SAFETY: `i + LANES ≤ len` and all four slices hold `len` values.
        unsafe {
            let (w1, m1, v1) = adam_v(s, k, s.load(gp.add(i)), s.load(wp.add(i)), s.load(mp.add(i)), s.load(vp.add(i)));
            s.store(wp.add(i), w1);
            s.store(mp.add(i), m1);
            s.store(vp.add(i), v1);
        }
        i += l;
    }
    if i < len {
        let r = len - i;
        // SAFETY: `r < LANES` values remain in each slice from `i`; the partial loads and
        // stores touch only those.
        unsafe {
            let (w1, m1, v1) = adam_v(
                s,
                k,
                s.load_part(gp.add(i), r),
                s.load_part(wp.add(i), r),
                s.load_part(mp.add(i), r),
                s.load_part(vp.add(i), r),
            );
            s.store_part(wp.add(i), r, w1);
            s.store_part(mp.add(i), r, m1);
            s.store_part(vp.add(i), r, v1);
        }
    }
}

/// `Σ xᵢ²` with four vector accumulators (lane-parallel order, so it differs from the
/// scalar left-to-right sum by rounding only).
#[inline(always)]
pub(crate) fn sum_sq<S: Simd>(s: S, x: &[f32]) -> f32 {
    let l = S::LANES;
    let p = x.as_ptr();
    let len = x.len();
    let mut acc = [s.splat(0.0); 4];
    let mut i = 0;
    while i + 4 * l <= len {
        for (j, a) in acc.iter_mut().enumerate() {
            // SAFETY: `i + 4·LANES ≤ len`.
            let v = unsafe { s.load(p.add(i + j * l)) };
            *a = s.mul_add(v, v, *a);
        }
        i += 4 * l;
    }
    while i + l <= len {
        // SAFETY: `i + LANES ≤ len`.
        let v = unsafe { s.load(p.add(i)) };
        acc[0] = s.mul_add(v, v, acc[0]);
        i += l;
    }
    if i < len {
        // SAFETY: `len − i < LANES` values remain.
        let v = unsafe { s.load_part(p.add(i), len - i) };
        acc[1] = s.mul_add(v, v, acc[1]);
    }
    s.hsum(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])))
}

/// `grad = (pred − target)·scale` (bit-identical to the scalar tier: a difference, then a
/// product) and `Σ (pred − target)²` with four vector accumulators, over the common prefix
/// of the three slices. The sum differs from the scalar tier's left-to-right one by
/// rounding only (as [`sum_sq`]), and is latency-bound no longer: one chain per
/// accumulator instead of one addition after another over the whole batch.
#[inline(always)]
pub(crate) fn mse_grad<S: Simd>(s: S, pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
    let len = pred.len().min(target.len()).min(grad.len());
    let (hp, yp, gp) = (pred.as_ptr(), target.as_ptr(), grad.as_mut_ptr());
    let l = S::LANES;
    let sc = s.splat(scale);
    let mut acc = [s.splat(0.0); 4];
    let mut i = 0;
    while i + 4 * l <= len {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = i + j * l;
            // SAFETY: `o + LANES ≤ i + 4·LANES ≤ len`; all three slices hold `len` values.
            unsafe {
                let d = s.sub(s.load(hp.add(o)), s.load(yp.add(o)));
                s.store(gp.add(o), s.mul(d, sc));
                *a = s.mul_add(d, d, *a);
            }
        }
        i += 4 * l;
    }
    // The last (< 4) whole vectors alternate between two accumulators, the partial one goes
    // to a third: constant indices, so the accumulators stay in registers.
    while i + 2 * l <= len {
        for (j, a) in acc[..2].iter_mut().enumerate() {
            let o = i + j * l;
            // SAFETY: `o + LANES ≤ i + 2·LANES ≤ len`.
            unsafe {
                let d = s.sub(s.load(hp.add(o)), s.load(yp.add(o)));
                s.store(gp.add(o), s.mul(d, sc));
                *a = s.mul_add(d, d, *a);
            }
        }
        i += 2 * l;
    }
    if i + l <= len {
        // SAFETY: `i + LANES ≤ len`.
        unsafe {
            let d = s.sub(s.load(hp.add(i)), s.load(yp.add(i)));
            s.store(gp.add(i), s.mul(d, sc));
            acc[0] = s.mul_add(d, d, acc[0]);
        }
        i += l;
    }
    if i < len {
        let r = len - i;
        // SAFETY: `r < LANES` values remain in each slice from `i`; the unused lanes load as
        // zero, so they add `0·0`.
        unsafe {
            let d = s.sub(s.load_part(hp.add(i), r), s.load_part(yp.add(i), r));
            s.store_part(gp.add(i), r, s.mul(d, sc));
            acc[2] = s.mul_add(d, d, acc[2]);
        }
    }
    s.hsum(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])))
}

/// `(Σaᵢ², Σbᵢ²)` for two slices of one length in one pass; with `ALPHA`, first
/// `b += alpha·a` (as [`axpy`]) and the new `b` is summed. Each sum has [`sum_sq`]'s
/// accumulators and order, so the result is bit-identical to [`axpy`] and two [`sum_sq`]s.
///
/// # Safety
/// `b` holds at least `a.len()` values (only read unless `ALPHA`).
#[inline(always)]
pub(crate) unsafe fn sum_sq_pair<S: Simd, const ALPHA: bool>(s: S, alpha: f32, a: &[f32], b: *mut f32) -> (f32, f32) {
    let l = S::LANES;
    let (ap, len) = (a.as_ptr(), a.len());
    let av = s.splat(alpha);
    let mut acc = [[s.splat(0.0); 4]; 2];
    let mut i = 0;
    while i + 4 * l <= len {
        for j in 0..4 {
            // SAFETY: `i + j·LANES + LANES ≤ len` values of both slices (caller).
            unsafe { pair_step::<S, ALPHA>(s, av, ap, b, i + j * l, l, j, &mut acc) };
        }
        i += 4 * l;
    }
    while i + l <= len {
        // SAFETY: `i + LANES ≤ len`.
        unsafe { pair_step::<S, ALPHA>(s, av, ap, b, i, l, 0, &mut acc) };
        i += l;
    }
    if i < len {
        // SAFETY: `len − i < LANES` values remain in both slices.
        unsafe { pair_step::<S, ALPHA>(s, av, ap, b, i, len - i, 1, &mut acc) };
    }
    let [x, y] = acc;
    (s.hsum(s.add(s.add(x[0], x[1]), s.add(x[2], x[3]))), s.hsum(s.add(s.add(y[0], y[1]), s.add(y[2], y[3]))))
}

/// One vector (`len ≤ LANES` lanes at `i`) of [`sum_sq_pair`] into accumulator `j`. A
/// function, not a closure, so that it is inlined into the tier's `#[target_feature]` body.
///
/// # Safety
/// `len` values from `i` are in bounds of `a` and `b`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pair_step<S: Simd, const ALPHA: bool>(
    s: S,
    av: S::V,
    a: *const f32,
    b: *mut f32,
    i: usize,
    len: usize,
    j: usize,
    acc: &mut [[S::V; 4]; 2],
) {
    let full = len == S::LANES;
    // SAFETY: forwarded to the caller.
    unsafe {
        let (x, mut y) = if full {
            (s.load(a.add(i)), s.load(b.add(i)))
        } else {
            (s.load_part(a.add(i), len), s.load_part(b.add(i), len))
        };
        if ALPHA {
            y = s.add(y, s.mul(av, x));
            if full {
                s.store(b.add(i), y)
            } else {
                s.store_part(b.add(i), len, y)
            }
        }
        acc[0][j] = s.mul_add(x, x, acc[0][j]);
        acc[1][j] = s.mul_add(y, y, acc[1][j]);
    }
}

/// Adds `bias` to every row of `c` (`m×n`); one addition per element, bit-identical to
/// the scalar tier.
#[inline(always)]
pub(crate) fn add_bias<S: Simd>(s: S, m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
    if n == 0 {
        return;
    }
    for row in c.chunks_exact_mut(n).take(m) {
        update(s, row, bias, |c, b| s.add(c, b));
    }
}

/// `out (=|+=)` column sums of `g` (`m×n`), row by row in order: bit-identical to the
/// scalar tier. Blocks of up to four vectors of columns are summed over all rows in
/// registers (`out` is read and written once per block, not once per row).
#[inline(always)]
pub(crate) fn sum_rows<S: Simd>(s: S, m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
    if n == 0 || out.len() < n || g.len() < m * n {
        return;
    }
    if !acc {
        out[..n].fill(0.0);
    }
    let l = S::LANES;
    let mut j = 0;
    while j < n {
        let w = (4 * l).min(n - j);
        let (gp, op) = (g.as_ptr().wrapping_add(j), out.as_mut_ptr().wrapping_add(j));
        // SAFETY: columns `j..j+w ≤ n` of the `m` rows of `g` and of `out` are in bounds.
        unsafe {
            match w.div_ceil(l) {
                1 => sum_rows_block::<S, 1>(s, m, n, w, gp, op),
                2 => sum_rows_block::<S, 2>(s, m, n, w, gp, op),
                3 => sum_rows_block::<S, 3>(s, m, n, w, gp, op),
                _ => sum_rows_block::<S, 4>(s, m, n, w, gp, op),
            }
        }
        j += w;
    }
}

/// `out[0..w] += Σ rows` for `w ≤ NV·LANES` columns (only the last vector may be partial),
/// in registers.
///
/// # Safety
/// `w` values of `out` and of each of the `m` rows of `g` (stride `n`) are in bounds.
#[inline(always)]
unsafe fn sum_rows_block<S: Simd, const NV: usize>(s: S, m: usize, n: usize, w: usize, g: *const f32, out: *mut f32) {
    let l = S::LANES;
    let last = w - (NV - 1) * l;
    // Vector `v` covers columns `v·LANES..`, of which `LANES` (`last` for the last vector)
    // are among the `w` in bounds.
    let mut sums = [s.splat(0.0); NV];
    for (v, x) in sums.iter_mut().enumerate() {
        // SAFETY: see above (`out` holds the `w` columns).
        *x = unsafe { load_col::<S, NV>(s, v, last, out.wrapping_add(v * l)) };
    }
    for i in 0..m {
        for (v, x) in sums.iter_mut().enumerate() {
            // SAFETY: see above (row `i < m` of `g` holds the `w` columns).
            *x = s.add(*x, unsafe { load_col::<S, NV>(s, v, last, g.wrapping_add(i * n + v * l)) });
        }
    }
    for (v, &x) in sums.iter().enumerate() {
        let p = out.wrapping_add(v * l);
        // SAFETY: as for the loads.
        unsafe {
            if v + 1 < NV || last == l {
                s.store(p, x)
            } else {
                s.store_part(p, last, x)
            }
        }
    }
}

/// Vector `v` of a block of `NV` in [`sum_rows_block`]: full, except the last (`last` lanes).
///
/// # Safety
/// The lanes named are readable from `p`.
#[inline(always)]
unsafe fn load_col<S: Simd, const NV: usize>(s: S, v: usize, last: usize, p: *const f32) -> S::V {
    // SAFETY: forwarded to the caller.
    unsafe {
        if v + 1 < NV || last == S::LANES {
            s.load(p)
        } else {
            s.load_part(p, last)
        }
    }
}
