//! Products whose output has at most [`MAX_N`] columns, e.g. the XOR net's output layer
//! (`H·W₂` and its weight gradient `Hᵀ·G` have 2 columns). The register tiles of `gemm.rs`
//! vectorize along the output's columns, so with `n = 2` they use 2 lanes of a vector and
//! do one broadcast and one multiply-add per 2 products. These paths vectorize along the
//! long dimension instead:
//!
//! * [`matmul_dots`] (`A·B`, forward): each output is a dot product along `k` between a
//!   row of `A` and a column of `B`; the columns are copied once into a stack buffer
//!   (`B` is a tiny weight matrix) and the dot products run in register tiles with one
//!   horizontal sum per output. The terms are summed in another order than the scalar
//!   tier's, so this runs only on tiers with FMA (see `Simd::FMA`).
//! * [`matmul_tn_rows`] (`Aᵀ·B`, weight gradient): computes `Cᵀ = Bᵀ·A`, an `n`-row product
//!   whose vectors run along the `m` columns of `Cᵀ` (contiguous rows of `A`), into a stack
//!   buffer, then stores it transposed. Every output adds its terms in the scalar order, so
//!   this path is bit-identical to the `gemm.rs` tiles (and, without FMA, to scalar).
//!
//! Stack scratch: one uninitialised buffer of [`SCRATCH`] floats (4 KiB) per call, never
//! read before it is written (no zeroing cost); `k` or `m` beyond it is done in chunks.

use core::mem::MaybeUninit;

use super::gemm;
use super::nt::dots;
use super::simd::Simd;

/// The widest output these paths take.
pub(crate) const MAX_N: usize = 4;

/// Floats of stack scratch (4 KiB).
const SCRATCH: usize = 1024;

/// `c (=|+=) a·b`, then `+ bias` (if not null), for `1 ≤ n ≤ MAX_N` columns, as dot products
/// along `k` (see the module docs). A product with `c = s` or `c = c + s` per output, then
/// `c + bias`: the same operations as `matmul` followed by `add_bias`.
///
/// # Safety
/// `1 ≤ n ≤ MAX_N`; `a.len() == m·k`, `b.len() == k·n`, `c.len() == m·n`; `bias` is null or
/// points to `n` readable floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_dots<S: Simd>(
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
    if k == 0 {
        // No terms: every sum is 0 (as in the tiles, which start from 0 or `c`).
        for row in c.chunks_exact_mut(n) {
            for (j, x) in row.iter_mut().enumerate() {
                let v = if acc { *x } else { 0.0 };
                // SAFETY: `bias` (if not null) holds `n > j` floats (caller).
                *x = if bias.is_null() { v } else { v + unsafe { *bias.add(j) } };
            }
        }
        return;
    }
    let kc_max = SCRATCH / n;
    let mut bt = MaybeUninit::<[f32; SCRATCH]>::uninit();
    let btp = bt.as_mut_ptr().cast::<f32>();
    let mut p0 = 0;
    while p0 < k {
        let kc = kc_max.min(k - p0);
        // Columns `0..n` of rows `p0..p0+kc` of `b`, column `j` at `bt[j·kc..]`.
        for (p, row) in b[p0 * n..(p0 + kc) * n].chunks_exact(n).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                // SAFETY: `j·kc + p < n·kc ≤ SCRATCH`.
                unsafe { btp.add(j * kc + p).write(v) };
            }
        }
        // Later chunks add to what the earlier ones stored; the bias comes after the last.
        let chunk_acc = acc || p0 > 0;
        let chunk_bias = if p0 + kc == k { bias } else { core::ptr::null() };
        let ap = a.as_ptr().wrapping_add(p0);
        // SAFETY: `bt` holds `n` columns of `kc` written values; rows of `a` are `k ≥ p0 + kc`
        // long from `ap`; `c` and `bias` as the caller promised.
        unsafe {
            match n {
                1 => dots::<S, 4, 1>(s, (m, kc, 1), (ap, k), (btp, kc), c.as_mut_ptr(), chunk_acc, chunk_bias),
                2 => dots::<S, 4, 2>(s, (m, kc, 2), (ap, k), (btp, kc), c.as_mut_ptr(), chunk_acc, chunk_bias),
                3 => dots::<S, 2, 3>(s, (m, kc, 3), (ap, k), (btp, kc), c.as_mut_ptr(), chunk_acc, chunk_bias),
                _ => dots::<S, 2, 4>(s, (m, kc, 4), (ap, k), (btp, kc), c.as_mut_ptr(), chunk_acc, chunk_bias),
            }
        }
        p0 += kc;
    }
}

/// `c (=|+=) aᵀ·b` (`a: k×m`, `b: k×n`, `c: m×n`) for `1 ≤ n ≤ MAX_N`, computed as the
/// `n`-row product `Cᵀ = bᵀ·a` with the `gemm.rs` tiles (`NV` vectors wide, along `m`) into a
/// stack buffer, then stored transposed; chunks of `SCRATCH / n` columns of `Cᵀ` at a time.
/// Each output is `(…((0 or c) + a₀ᵢ·b₀ⱼ) + a₁ᵢ·b₁ⱼ) + …`, as in `gemm::matmul_tn`. When `db`
/// is not null, the first chunk's tiles also sum the columns of `b` into it (`Σₚ bₚⱼ`, from 0
/// in order: the bias gradient, bit-identical to `vecops::sum_rows`), beside their products.
///
/// # Safety
/// `1 ≤ n ≤ MAX_N`; `a.len() == k·m`, `b.len() == k·n`, `c.len() == m·n`; `db` is null or
/// holds `n` floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_tn_rows<S: Simd, const NV: usize>(
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
    let mc_max = SCRATCH / n;
    let mut buf = MaybeUninit::<[f32; SCRATCH]>::uninit();
    let bufp = buf.as_mut_ptr().cast::<f32>();
    let mut i0 = 0;
    while i0 < m {
        let mc = mc_max.min(m - i0);
        let rows = &mut c[i0 * n..(i0 + mc) * n];
        if acc {
            for (i, row) in rows.chunks_exact(n).enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    // SAFETY: `j·mc + i < n·mc ≤ SCRATCH`.
                    unsafe { bufp.add(j * mc + i).write(v) };
                }
            }
        }
        // SAFETY: `b` read as `bᵀ` (`n×k`: element (j, p) at `j + p·n`) is in bounds; the
        // `mc` columns of `a` from `i0` in all `k` rows (stride `m`) are in bounds; `buf`
        // holds `n` rows of `mc` (read only when `acc`, and then written above).
        unsafe {
            let (bp, ap) = (b.as_ptr(), a.as_ptr().wrapping_add(i0));
            // Null sums after the first chunk (or without `db`): summed, not stored.
            let sums = if i0 == 0 { db } else { core::ptr::null_mut() };
            gemm::short::<S, NV, { gemm::SUM_A }>(s, (n, k, mc), bp, (1, n), ap, m, bufp, mc, acc, sums)
        };
        for (i, row) in rows.chunks_exact_mut(n).enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                // SAFETY: the tiles wrote all `n×mc` values of `buf`.
                *x = unsafe { bufp.add(j * mc + i).read() };
            }
        }
        i0 += mc;
    }
}
