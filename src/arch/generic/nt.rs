//! `C (=|+=) A·Bᵀ` (`A: m×k`, `B: n×k`), the input gradient `G·Wᵀ`, written once over
//! [`Simd`]. Two strategies, picked by `k`:
//!
//! * `k ≥ LANES`: dot products along `k` (both operands contiguous), `DR×DC` of them per
//!   tile in vector accumulators, the ragged end of `k` through partial (zero-filled)
//!   loads, then one horizontal sum per element.
//! * `k < LANES` (e.g. the article's `300×2 · (50×2)ᵀ`): vectors along `k` would be mostly
//!   empty, so column blocks of `B` are transposed into a stack buffer of [`SCRATCH`]
//!   floats (16 KiB; besides it only `narrow.rs` has stack scratch, 4 KiB) and multiplied by the `A·B` tiles.
//!   The 8-row tiles (one vector of `C` per row, `k ≤ 4`: the tiny networks) use a buffer
//!   of [`SMALL_SCRATCH`] floats instead. Neither is zeroed: zeroing 16 KiB per
//!   call was once 80 % of a whole 4×3 training step; only the values written are read.

use super::gemm;
use super::simd::Simd;

/// Floats of stack scratch for the transposed block of `B` (16 KiB).
pub(crate) const SCRATCH: usize = 4096;

/// Floats of stack scratch for the 8-row tiles (1 KiB): `n·k ≤ LANES·4 ≤ 256`.
pub(crate) const SMALL_SCRATCH: usize = 256;

/// See the module docs.
///
/// # Safety
/// `a.len() == m·k`, `b.len() == n·k`, `c.len() == m·n`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_nt<S: Simd, const MR: usize, const NV: usize, const DR: usize, const DC: usize>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
) {
    let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    if k >= S::LANES {
        // SAFETY: the lengths cover the dimensions (caller).
        unsafe { dots::<S, DR, DC>(s, (m, k, n), (ap, k), (bp, k), cp, acc, NO_BIAS) };
        return;
    }
    if k == 0 {
        if !acc {
            c.fill(0.0);
        }
        return;
    }
    // SAFETY: forwarded (lengths from the caller, `0 < k < LANES`).
    unsafe {
        // One vector of `C` per row and `k ≤ 4` (e.g. `G₂·W₂ᵀ` into a 10-wide hidden layer):
        // 8-row tiles halve the per-tile cost, which is most of the work here.
        if n <= S::LANES && k <= 4 {
            transposed_blocks::<S, 8, 1, SMALL_SCRATCH>(s, m, k, n, ap, b, cp, acc)
        } else {
            // One inlined copy of the tiles for every `B` (the compiler knows `k < LANES`
            // here: shorter loops than the shared out-of-line copy).
            transposed_blocks::<S, MR, NV, SCRATCH>(s, m, k, n, ap, b, cp, acc)
        }
    }
}

/// The `k < LANES` strategy: column blocks of `B` transposed into an `N`-float stack buffer
/// (uninitialised; only what is written is read), each multiplied by the `A·B` tiles.
///
/// # Safety
/// As [`matmul_nt`], with `0 < k ≤ N`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn transposed_blocks<S: Simd, const MR: usize, const NV: usize, const N: usize>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    ap: *const f32,
    b: &[f32],
    cp: *mut f32,
    acc: bool,
) {
    let nb = N / k;
    // Uninitialised: the tiles read only the `k×w` values written below (zeroing the whole
    // buffer on every call would cost more than the small products it serves).
    let mut bt = core::mem::MaybeUninit::<[f32; N]>::uninit();
    let btp = bt.as_mut_ptr().cast::<f32>();
    let mut j0 = 0;
    while j0 < n {
        let w = nb.min(n - j0);
        for (jj, row) in b[j0 * k..(j0 + w) * k].chunks_exact(k).enumerate() {
            for (p, &v) in row.iter().enumerate() {
                // SAFETY: `p·w + jj < k·w ≤ k·nb ≤ N`.
                unsafe { btp.add(p * w + jj).write(v) };
            }
        }
        // SAFETY: `bt` holds the `k×w` block; C columns `j0..j0+w` of all `m` rows are in
        // bounds; `a` covers `m×k`.
        unsafe {
            gemm::drive::<S, MR, NV>(s, (0, m, k, w), ap, (k, 1), btp, w, cp.add(j0), n, acc, core::ptr::null(), false)
        };
        j0 += w;
    }
}

/// All `m×n` dot products of length `k` between rows of `a` (stride `lda`) and rows of `b`
/// (stride `ldb`), into `c` (stride `n`), in `DR×DC` tiles, then single rows / columns; each
/// stored as `c = s` or `c = c + s`, then `+ bias[j]` when `bias` is not null (see
/// [`dot_tile`]). Also the engine of `narrow::matmul_dots` (its `B` transposed on the stack).
///
/// # Safety
/// `m` rows of `a` and `n` rows of `b` (`k` values each, at their strides), `m×n` of `c`
/// and, if not null, `n` values of `bias` are in bounds.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn dots<S: Simd, const DR: usize, const DC: usize>(
    s: S,
    (m, k, n): (usize, usize, usize),
    (a, lda): (*const f32, usize),
    (b, ldb): (*const f32, usize),
    c: *mut f32,
    acc: bool,
    bias: *const f32,
) {
    let bias_at = |j: usize| if bias.is_null() { bias } else { bias.wrapping_add(j) };
    // SAFETY: every call below covers rows `i..i+DR ≤ m` of A and C and rows `j..j+DC ≤ n`
    // of B (and of the bias), all in bounds (caller).
    unsafe {
        let mut i = 0;
        while i + DR <= m {
            let ai = (a.wrapping_add(i * lda), lda);
            let mut j = 0;
            while j + DC <= n {
                let bj = (b.wrapping_add(j * ldb), ldb);
                dot_tile::<S, DR, DC>(s, k, ai, bj, c.add(i * n + j), n, acc, bias_at(j));
                j += DC;
            }
            while j < n {
                let bj = (b.wrapping_add(j * ldb), ldb);
                dot_tile::<S, DR, 1>(s, k, ai, bj, c.add(i * n + j), n, acc, bias_at(j));
                j += 1;
            }
            i += DR;
        }
        while i < m {
            let ai = (a.wrapping_add(i * lda), lda);
            let mut j = 0;
            while j + DC <= n {
                let bj = (b.wrapping_add(j * ldb), ldb);
                dot_tile::<S, 1, DC>(s, k, ai, bj, c.add(i * n + j), n, acc, bias_at(j));
                j += DC;
            }
            while j < n {
                let bj = (b.wrapping_add(j * ldb), ldb);
                dot_tile::<S, 1, 1>(s, k, ai, bj, c.add(i * n + j), n, acc, bias_at(j));
                j += 1;
            }
            i += 1;
        }
    }
}

/// No bias for [`dot_tile`].
const NO_BIAS: *const f32 = core::ptr::null();

/// `R×C` dot products of length `k` between rows of `a` (stride `lda`) and rows of `b`
/// (stride `ldb`), each stored as `c = s` or `c = c + s`, then `+ bias[j]` when `bias` is
/// not null (the same operations, in the same order, as a product followed by `add_bias`).
///
/// # Safety
/// `R` rows of `a` and `C` rows of `b` (`k` values each), `R` rows of `c` (stride `ldc`,
/// `C` columns) and, if not null, `C` values of `bias` are in bounds.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn dot_tile<S: Simd, const R: usize, const C: usize>(
    s: S,
    k: usize,
    (a, lda): (*const f32, usize),
    (b, ldb): (*const f32, usize),
    c: *mut f32,
    ldc: usize,
    acc: bool,
    bias: *const f32,
) {
    let l = S::LANES;
    let mut sums = [[s.splat(0.0); C]; R];
    let mut p = 0;
    while p + l <= k {
        // SAFETY: `p + LANES ≤ k`: the loads stay inside the rows (caller).
        unsafe { dot_step::<S, R, C, false>(s, &mut sums, (a, lda), (b, ldb), p, l) };
        p += l;
    }
    if p < k {
        // SAFETY: `p + (k − p) = k`: the partial loads stay inside the rows (caller).
        unsafe { dot_step::<S, R, C, true>(s, &mut sums, (a, lda), (b, ldb), p, k - p) };
    }
    // Eight sums (the 4×2 and 2×4 tiles) in one reduction, else one at a time.
    let mut flat = [0.0f32; 8];
    if R * C == 8 {
        let v: [S::V; 8] = core::array::from_fn(|i| sums[i / C][i % C]);
        flat = s.hsum8(v);
    }
    for (r, row) in sums.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let v = if R * C == 8 { flat[r * C + j] } else { s.hsum(v) };
            // SAFETY: `c[r·ldc + j]` and (if not null) `bias[j]` are in bounds (caller).
            unsafe {
                let dst = c.add(r * ldc + j);
                let v = if acc { *dst + v } else { v };
                *dst = if bias.is_null() { v } else { v + *bias.add(j) };
            }
        }
    }
}

/// One vector step of [`dot_tile`]: `R` vectors of `a` and `C` of `b` from offset `p`
/// (`len` lanes, zero-filled when `PART`), multiplied into the sums. A function rather than
/// a closure so that it is inlined into the caller's `#[target_feature]` body (a closure
/// called twice may stay out of line, without the features, and call every intrinsic).
///
/// # Safety
/// `len` values from `p` in `R` rows of `a` and `C` rows of `b` are readable.
#[inline(always)]
unsafe fn dot_step<S: Simd, const R: usize, const C: usize, const PART: bool>(
    s: S,
    sums: &mut [[S::V; C]; R],
    (a, lda): (*const f32, usize),
    (b, ldb): (*const f32, usize),
    p: usize,
    len: usize,
) {
    let mut bv = [s.splat(0.0); C];
    for (j, v) in bv.iter_mut().enumerate() {
        let q = b.wrapping_add(j * ldb + p);
        // SAFETY: `len` values at `q` are readable (caller).
        *v = unsafe {
            if PART {
                s.load_part(q, len)
            } else {
                s.load(q)
            }
        };
    }
    for (r, row) in sums.iter_mut().enumerate() {
        let q = a.wrapping_add(r * lda + p);
        // SAFETY: `len` values at `q` are readable (caller).
        let x = unsafe {
            if PART {
                s.load_part(q, len)
            } else {
                s.load(q)
            }
        };
        for (sum, &y) in row.iter_mut().zip(&bv) {
            *sum = s.mul_add(x, y, *sum);
        }
    }
}
