//! `C (=|+=) op(A)·B` for row-major `B` and `C`, with `A` read through two strides (so the
//! same code does `A·B` and `Aᵀ·B`), written once over [`Simd`].
//!
//! The work is cut into register tiles of `R` rows × `NV` vectors of `C`. For each `p` a
//! tile loads `NV` vectors of row `p` of `B`, broadcasts `R` scalars of `A` and does `R·NV`
//! multiply-adds into accumulators that live in registers from start to end; `C` is read
//! (when accumulating) and written exactly once per tile, after the optional epilogue
//! (bias, then σ) — the fused forward pass. Columns left over after the wide tiles go
//! through one tile just wide enough for them, whose ragged vector is partial (`Simd::load_part`:
//! masked, or single- and two-lane loads); the 1–3 rows left over go through one shorter tile.
//! No packing, no heap, no stack scratch.
//!
//! Accumulators start from the old `C` (or zero) and add the `p` terms in increasing
//! order, the same order as `arch::scalar`: on a tier without FMA the result is
//! bit-identical to the scalar tier; with FMA each term is rounded once instead of twice.
//!
//! A summing tile (`SUM`, for the fused bias gradient) also adds up, from 0 and `p` in order,
//! the `B` rows it reads (column sums, [`SUM_B`]) or the `A` values it broadcasts (row sums,
//! [`SUM_A`]): the additions `sum_rows` does, so the same bits, in a chain that runs beside
//! the multiply-add chains instead of in a pass of its own.

use super::simd::Simd;
use super::vecops::sigmoid_v;
use super::Shared;
use crate::arch::FusedGrad;

/// Where the rows of `B` come from: a plain matrix, or (`GRAD` tiles) `dy⊙y⊙(1−y)`
/// computed on the fly from two matrices and also stored to `g`.
#[derive(Clone, Copy)]
struct BSrc {
    /// `B`, or `dy` for gradient tiles.
    b: *const f32,
    /// `y` (gradient tiles only).
    y: *const f32,
    /// Where gradient tiles store `dy⊙y⊙(1−y)`.
    g: *mut f32,
    /// Row stride of `b`, `y` and `g`.
    ld: usize,
}

impl BSrc {
    #[inline(always)]
    fn at(self, j: usize) -> BSrc {
        BSrc { b: self.b.wrapping_add(j), y: self.y.wrapping_add(j), g: self.g.wrapping_add(j), ld: self.ld }
    }
}

/// What happens to a finished tile before it is stored.
#[derive(Clone, Copy)]
struct Epi {
    /// Bias row to add (null: none).
    bias: *const f32,
    /// Apply σ after the bias.
    sig: bool,
    /// Where a summing tile (`SUM` ≠ [`NO_SUM`]) stores its sums, at the tile's first column
    /// (null: it sums, but stores nothing; one tile serves both, half the code).
    sums: *mut f32,
}

impl Epi {
    const NONE: Epi = Epi { bias: core::ptr::null(), sig: false, sums: core::ptr::null_mut() };
    #[inline(always)]
    fn at(self, j: usize) -> Epi {
        Epi {
            bias: if self.bias.is_null() { self.bias } else { self.bias.wrapping_add(j) },
            sig: self.sig,
            sums: if self.sums.is_null() { self.sums } else { self.sums.wrapping_add(j) },
        }
    }
}

/// `SUM` of a tile: no sums.
pub(crate) const NO_SUM: u8 = 0;
/// `SUM` of a tile: the column sums of the `B` rows it reads, `Σₚ bₚⱼ` (the bias gradient
/// beside `Xᵀ·G`, `B = G`), stored to `Epi::sums[j]`.
pub(crate) const SUM_B: u8 = 1;
/// `SUM` of a tile: the sums of its `A` rows, `Σₚ aᵣₚ` (the bias gradient beside `Gᵀ·X` on
/// the transposed narrow path, `A = Gᵀ`), stored to `Epi::sums[r]`.
pub(crate) const SUM_A: u8 = 2;

/// Loads one vector of a tile row holding `len ≤ LANES` valid lanes (a partial vector only
/// in `PART` tiles; `len == 0` loads nothing and gives zeros).
///
/// # Safety
/// The `len` lanes at `p` are readable.
#[inline(always)]
unsafe fn ld<S: Simd, const PART: bool>(s: S, p: *const f32, len: usize) -> S::V {
    // SAFETY: forwarded to the caller; nothing is read when `len == 0`.
    unsafe {
        if !PART || len == S::LANES {
            s.load(p)
        } else if len > 0 {
            s.load_part(p, len)
        } else {
            s.splat(0.0)
        }
    }
}

/// Stores the `len` valid lanes of one vector of a tile row, like [`ld`].
///
/// # Safety
/// The `len` lanes at `p` are writable.
#[inline(always)]
unsafe fn st<S: Simd, const PART: bool>(s: S, p: *mut f32, len: usize, x: S::V) {
    // SAFETY: forwarded to the caller; nothing is written when `len == 0`.
    unsafe {
        if !PART || len == S::LANES {
            s.store(p, x)
        } else if len > 0 {
            s.store_part(p, len, x)
        }
    }
}

/// One `R × (NV vectors)` tile of `C`, of which the first `cols` columns are valid (all
/// `NV·LANES` unless `PART`; a `PART` tile masks its ragged vector and skips empty ones).
///
/// # Safety
/// `a[r·rsa + p·csa]` is readable for `r < R, p < k`; the tile's valid columns of `B` rows
/// `0..k` (and of `y`, `g` for `GRAD`), of the bias and of `C` rows `0..R` are in bounds.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<S: Simd, const R: usize, const NV: usize, const PART: bool, const GRAD: bool, const SUM: u8>(
    s: S,
    k: usize,
    a: *const f32,
    (rsa, csa): (usize, usize),
    src: BSrc,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    cols: usize,
    epi: Epi,
) {
    let l = S::LANES;
    let zero = s.splat(0.0);
    let one = s.splat(1.0);
    let lens: [usize; NV] = core::array::from_fn(|v| if PART { cols.saturating_sub(v * l).min(l) } else { l });
    let mut cv = [[zero; NV]; R];
    // The sums of `SUM` tiles: from 0, one term per `p` in order, as `sum_rows` adds them
    // (so bit-identical to it); their chains run beside the multiply-add chains.
    let mut bsum = [zero; NV];
    let mut asum = [0.0f32; R];
    if acc {
        for (r, row) in cv.iter_mut().enumerate() {
            for (v, x) in row.iter_mut().enumerate() {
                // SAFETY: the valid lanes of C are in bounds (caller).
                *x = unsafe { ld::<S, PART>(s, c.wrapping_add(r * ldc + v * l), lens[v]) };
            }
        }
    }
    for p in 0..k {
        let mut bv = [zero; NV];
        for (v, b) in bv.iter_mut().enumerate() {
            let off = p * src.ld + v * l;
            let len = lens[v];
            // SAFETY: the valid lanes of B (dy, y, g) rows `0..k` are in bounds (caller).
            *b = unsafe {
                if GRAD {
                    let dy = ld::<S, PART>(s, src.b.wrapping_add(off), len);
                    let y = ld::<S, PART>(s, src.y.wrapping_add(off), len);
                    let g = s.mul(s.mul(dy, y), s.sub(one, y));
                    st::<S, PART>(s, src.g.wrapping_add(off), len, g);
                    g
                } else {
                    ld::<S, PART>(s, src.b.wrapping_add(off), len)
                }
            };
        }
        if SUM == SUM_B {
            for (x, &b) in bsum.iter_mut().zip(&bv) {
                *x = s.add(*x, b);
            }
        }
        for (r, row) in cv.iter_mut().enumerate() {
            // SAFETY: `a[r·rsa + p·csa]` is readable (caller).
            let a_rp = unsafe { *a.add(r * rsa + p * csa) };
            if SUM == SUM_A {
                asum[r] += a_rp;
            }
            let av = s.splat(a_rp);
            for (x, &b) in row.iter_mut().zip(&bv) {
                *x = s.mul_add(av, b, *x);
            }
        }
    }
    if SUM == SUM_B && !epi.sums.is_null() {
        for (v, &x) in bsum.iter().enumerate() {
            // SAFETY: the sums cover the tile's valid columns (caller).
            unsafe { st::<S, PART>(s, epi.sums.wrapping_add(v * l), lens[v], x) };
        }
    }
    if SUM == SUM_A && !epi.sums.is_null() {
        for (r, &x) in asum.iter().enumerate() {
            // SAFETY: the sums cover the tile's `R` rows (caller).
            unsafe { *epi.sums.add(r) = x };
        }
    }
    if epi.bias.is_null() && !epi.sig {
        // The plain store, tested once per tile (the bodies are shared out of line, where the
        // epilogue is not known at compile time).
        for (r, row) in cv.iter().enumerate() {
            for (v, &x) in row.iter().enumerate() {
                // SAFETY: the valid lanes of C are in bounds (caller).
                unsafe { st::<S, PART>(s, c.wrapping_add(r * ldc + v * l), lens[v], x) };
            }
        }
        return;
    }
    for (r, row) in cv.iter().enumerate() {
        for (v, &x) in row.iter().enumerate() {
            let mut y = x;
            if !epi.bias.is_null() {
                // SAFETY: the bias covers the tile's valid columns (caller).
                y = s.add(y, unsafe { ld::<S, PART>(s, epi.bias.wrapping_add(v * l), lens[v]) });
            }
            if epi.sig {
                y = sigmoid_v(s, y);
            }
            // SAFETY: the valid lanes of C are in bounds (caller).
            unsafe { st::<S, PART>(s, c.wrapping_add(r * ldc + v * l), lens[v], y) };
        }
    }
}

/// `R` rows of `C`, all `n` columns: full tiles of `NV` vectors, then one tile for the
/// remaining columns (one partial vector if they fit in one, else `NV` vectors with the
/// ragged one masked and empty ones skipped), so that even narrow products keep several
/// independent accumulators per row.
///
/// # Safety
/// As [`tile`], for all `n` columns.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows<S: Simd, const R: usize, const NV: usize, const GRAD: bool, const SUM: u8>(
    s: S,
    k: usize,
    n: usize,
    a: *const f32,
    st: (usize, usize),
    src: BSrc,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    epi: Epi,
) {
    let l = S::LANES;
    let w = NV * l;
    let mut j = 0;
    while j + w <= n {
        // SAFETY: columns `j..j+w ≤ n` are in bounds (caller).
        unsafe {
            // The row sums of `SUM_A` are the same for every column block: the first sums.
            if SUM == SUM_A && j > 0 {
                tile::<S, R, NV, false, GRAD, NO_SUM>(s, k, a, st, src.at(j), c.add(j), ldc, acc, w, epi.at(j))
            } else {
                tile::<S, R, NV, false, GRAD, SUM>(s, k, a, st, src.at(j), c.add(j), ldc, acc, w, epi.at(j))
            }
        };
        j += w;
    }
    let rest = n - j;
    if rest == 0 {
        return;
    }
    let mut epi = epi.at(j);
    if SUM == SUM_A && j > 0 {
        // The row sums are stored; this one tile per row adds them again, stores nothing
        // (one tile instead of two).
        epi.sums = core::ptr::null_mut();
    }
    // SAFETY: columns `j..n` are in bounds (caller).
    unsafe { rest_tile::<S, R, NV, GRAD, SUM>(s, k, rest, a, st, src.at(j), c.add(j), ldc, acc, epi) }
}

/// The tile of [`rows`] for its last `0 < rest < NV·LANES` columns.
///
/// # Safety
/// As [`tile`], for `rest` columns; the tile touches only those, with as many vectors as
/// they need (no multiply-adds on empty vectors).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rest_tile<S: Simd, const R: usize, const NV: usize, const GRAD: bool, const SUM: u8>(
    s: S,
    k: usize,
    rest: usize,
    a: *const f32,
    st: (usize, usize),
    src: BSrc,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    epi: Epi,
) {
    // SAFETY: forwarded to the caller.
    unsafe {
        match rest.div_ceil(S::LANES) {
            // 4-lane tiers load a partial vector lane by lane (a branch on its length): one
            // tile per length keeps that branch out of the loop over `p` (the same operations
            // per element, so the same bits).
            1 if S::LANES == 4 && rest == 1 => tile::<S, R, 1, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, 1, epi),
            1 if S::LANES == 4 && rest == 2 => tile::<S, R, 1, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, 2, epi),
            1 if S::LANES == 4 && rest == 3 => tile::<S, R, 1, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, 3, epi),
            1 => tile::<S, R, 1, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, rest, epi),
            2 if NV > 2 => tile::<S, R, 2, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, rest, epi),
            3 if NV > 3 => tile::<S, R, 3, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, rest, epi),
            _ => tile::<S, R, NV, true, GRAD, SUM>(s, k, a, st, src, c, ldc, acc, rest, epi),
        }
    }
}

/// A block of `nrows ≤ 4` rows (≤ 2 for `GRAD`; the remainder after the `MR`-row blocks,
/// or a whole short product) as one tile row, so a short product (e.g. `Xᵀ·G` with 2
/// inputs) still has several rows per tile.
///
/// # Safety
/// As [`rows`], for `nrows` rows.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn few_rows<S: Simd, const NV: usize, const GRAD: bool, const SUM: u8>(
    s: S,
    nrows: usize,
    k: usize,
    n: usize,
    a: *const f32,
    st: (usize, usize),
    src: BSrc,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    epi: Epi,
) {
    // SAFETY: forwarded to the caller (exactly `nrows` rows).
    unsafe {
        match nrows {
            1 => rows::<S, 1, NV, GRAD, SUM>(s, k, n, a, st, src, c, ldc, acc, epi),
            2 => rows::<S, 2, NV, GRAD, SUM>(s, k, n, a, st, src, c, ldc, acc, epi),
            // Gradient blocks have at most 2 rows (`matmul_tn`).
            3 if !GRAD => rows::<S, 3, NV, GRAD, SUM>(s, k, n, a, st, src, c, ldc, acc, epi),
            4 if !GRAD => rows::<S, 4, NV, GRAD, SUM>(s, k, n, a, st, src, c, ldc, acc, epi),
            _ => {}
        }
    }
}

/// `C (=|+=) op(A)·B` for a product with only `m ≤ 4` rows, all of them in one tile row
/// (each row of `B` is loaded once for all of them). `A` is addressed by `(rsa, csa)`. With
/// `SUM = SUM_A`, also `sums[r] = Σₚ aᵣₚ` (from 0, `p` in order).
///
/// # Safety
/// `a` addressed by `(rsa, csa)` covers `m×k`; `b` covers `k×n` with stride `ldb`; `c`
/// covers `m` rows of stride `ldc` and `n` columns; with `SUM_A`, `sums` holds `m` floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn short<S: Simd, const NV: usize, const SUM: u8>(
    s: S,
    (m, k, n): (usize, usize, usize),
    a: *const f32,
    (rsa, csa): (usize, usize),
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    sums: *mut f32,
) {
    let src = BSrc { b, y: core::ptr::null(), g: core::ptr::null_mut(), ld: ldb };
    let epi = Epi { sums, ..Epi::NONE };
    // SAFETY: forwarded to the caller (`m ≤ 4` rows; other counts write nothing).
    unsafe { few_rows::<S, NV, false, SUM>(s, m, k, n, a, (rsa, csa), src, c, ldc, acc, epi) }
}

/// The arguments of a product without epilogue, passed by reference to the tier's
/// out-of-line copy of [`drive`] (`Shared::drive`, body [`shared_drive`]).
pub(crate) struct Drive {
    /// First row, rows, inner dimension, columns.
    pub dims: (usize, usize, usize, usize),
    /// `A`.
    pub a: *const f32,
    /// `A`'s (row, column) strides.
    pub sa: (usize, usize),
    /// `B`.
    pub b: *const f32,
    /// `B`'s row stride.
    pub ldb: usize,
    /// `C`.
    pub c: *mut f32,
    /// `C`'s row stride.
    pub ldc: usize,
    /// Add to `C` rather than overwrite it.
    pub acc: bool,
}

/// The arguments of a forward product `C = A·B (+ bias) (then σ)` with unpadded rows (`A`
/// has `k` columns, `B` and `C` have `n`), passed by reference to the tier's out-of-line
/// copy of [`drive`] for it (`Shared::forward`, body [`shared_forward`]).
pub(crate) struct Forward {
    /// Rows, inner dimension, columns.
    pub dims: (usize, usize, usize),
    /// `A` (`m×k`).
    pub a: *const f32,
    /// `B` (`k×n`).
    pub b: *const f32,
    /// `C` (`m×n`).
    pub c: *mut f32,
    /// Bias row (null: none).
    pub bias: *const f32,
    /// σ after the bias.
    pub sig: bool,
}

/// The body of `Shared::drive`: [`drive`] without epilogue.
///
/// # Safety
/// As [`drive`], for the fields of `d`.
#[inline(always)]
pub(crate) unsafe fn shared_drive<S: Simd, const MR: usize, const NV: usize>(s: S, d: &Drive) {
    let Drive { dims, a, sa, b, ldb, c, ldc, acc } = *d;
    // SAFETY: forwarded to the caller.
    unsafe { drive::<S, MR, NV>(s, dims, a, sa, b, ldb, c, ldc, acc, core::ptr::null(), false) }
}

/// The body of `Shared::forward`: [`drive`] with the strides and the overwrite of
/// [`Forward`] as constants, so that its loops keep fewer values live (the forward pass of a
/// small layer is mostly fixed costs per tile).
///
/// # Safety
/// As [`drive`], for the fields of `f`.
#[inline(always)]
pub(crate) unsafe fn shared_forward<S: Simd, const MR: usize, const NV: usize>(s: S, f: &Forward) {
    let Forward { dims: (m, k, n), a, b, c, bias, sig } = *f;
    // SAFETY: forwarded to the caller.
    unsafe { drive::<S, MR, NV>(s, (0, m, k, n), a, (k, 1), b, n, c, n, false, bias, sig) }
}

/// Rows `i0..m` of `C` in blocks of `MR`, then single rows.
///
/// # Safety
/// `a` addressed by `(rsa, csa)` covers `m×k`; `b` covers `k×n` with stride `ldb`; `c`
/// covers `m` rows of stride `ldc` and `n` columns; the bias (if any) covers `n`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn drive<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    (i0, m, k, n): (usize, usize, usize, usize),
    a: *const f32,
    (rsa, csa): (usize, usize),
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    bias: *const f32,
    sig: bool,
) {
    let src = BSrc { b, y: core::ptr::null(), g: core::ptr::null_mut(), ld: ldb };
    let epi = Epi { bias, sig, sums: core::ptr::null_mut() };
    let mut i = i0;
    // One block of `$r` rows from row `i`.
    macro_rules! block {
        ($r:tt) => {
            rows::<S, $r, NV, false, NO_SUM>(
                s,
                k,
                n,
                a.wrapping_add(i * rsa),
                (rsa, csa),
                src,
                c.add(i * ldc),
                ldc,
                acc,
                epi,
            )
        };
    }
    while i + MR <= m {
        // SAFETY: rows `i..i+MR ≤ m` are in bounds (caller).
        unsafe { block!(MR) };
        i += MR;
    }
    if MR > 4 && i + 4 <= m {
        // 8-row blocks: 4 of the up to 7 rows left in one tile.
        // SAFETY: rows `i..i+4 ≤ m` are in bounds (caller).
        unsafe { block!(4) };
        i += 4;
    }
    while i < m {
        // SAFETY: row `i < m` is in bounds (caller).
        unsafe { block!(1) };
        i += 1;
    }
}

/// `c (=|+=) a·b`, then optionally `+ bias` and σ (fused forward pass; only with `acc = false`).
///
/// # Safety
/// `a.len() == m·k`, `b.len() == k·n`, `c.len() == m·n`, `bias` is `None` or of length `n`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul<S: Shared, const MR: usize, const NV: usize>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
    bias: Option<&[f32]>,
    sig: bool,
) {
    let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    // SAFETY: the lengths cover the dimensions (caller).
    unsafe {
        if acc {
            // No kernel adds to `C` and has an epilogue.
            debug_assert!(bias.is_none() && !sig);
            s.drive::<MR, NV>(&Drive { dims: (0, m, k, n), a, sa: (k, 1), b, ldb: n, c, ldc: n, acc })
        } else {
            let bias = bias.map_or(core::ptr::null(), |b| b.as_ptr());
            s.forward::<MR, NV>(&Forward { dims: (m, k, n), a, b, c, bias, sig })
        }
    }
}

/// Rows `i0..m` of `C (=|+=) Aᵀ·B` (`A: k×m`; `B`, `C`: `n` columns) through `Shared::drive`.
///
/// # Safety
/// `a` covers `k×m`, `b` covers `k×n`, `c` covers `m×n`.
#[inline(always)]
unsafe fn tn_drive<S: Shared, const MR: usize, const NV: usize>(
    s: S,
    dims: (usize, usize, usize, usize),
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    acc: bool,
) {
    let (_, m, _, n) = dims;
    // SAFETY: forwarded to the caller.
    unsafe { s.drive::<MR, NV>(&Drive { dims, a, sa: (1, m), b, ldb: n, c, ldc: n, acc }) }
}

/// `c (=|+=) aᵀ·b`; with `fg`, `b` is replaced by `g = dy⊙y⊙(1−y)`, which the first block of
/// rows computes inside its tiles (and stores to `fg.g` once); later blocks read `g`. With
/// `fg` and a non-null `db`, the first block also sums the columns of `g` into `db` (the
/// bias gradient, bit-identical to `vecops::sum_rows`); `m = 0` leaves that to the caller.
///
/// # Safety
/// `a.len() == k·m`, `c.len() == m·n`, and `b` (or each slice of `fg`) has length `k·n`;
/// `db` is null or holds `n` floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matmul_tn<S: Shared, const MR: usize, const NV: usize>(
    s: S,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    acc: bool,
    fg: Option<FusedGrad<'_>>,
    db: *mut f32,
) {
    let (ap, cp) = (a.as_ptr(), c.as_mut_ptr());
    let Some(fg) = fg else {
        // SAFETY: the lengths cover the dimensions (caller).
        unsafe { tn_drive::<S, MR, NV>(s, (0, m, k, n), ap, b.as_ptr(), cp, acc) };
        return;
    };
    if m == 0 {
        super::vecops::sigmoid_backward(s, fg.dy, fg.y, fg.g);
        return;
    }
    let src = BSrc { b: fg.dy.as_ptr(), y: fg.y.as_ptr(), g: fg.g.as_mut_ptr(), ld: n };
    // A short product fuses one or two rows (`Xᵀ·G` of a 1- or 2-input layer); more rows
    // there would be more tile variants of code for little gain over reading `g` back.
    let first = if m >= MR { MR } else { m.min(2) };
    // A null `db`: the tiles still sum (one add per vector and `p`) but store nothing.
    let epi = Epi { sums: db, ..Epi::NONE };
    // SAFETY: rows `0..first ≤ m` of C and all of dy, y, g (k×n) are in bounds (caller),
    // and `db` (if not null) holds `n` floats.
    unsafe {
        if m >= MR {
            rows::<S, MR, NV, true, SUM_B>(s, k, n, ap, (1, m), src, cp, n, acc, epi)
        } else {
            few_rows::<S, NV, true, SUM_B>(s, first, k, n, ap, (1, m), src, cp, n, acc, epi)
        }
    }
    if first < m {
        // SAFETY: `g` is now fully written (k×n); the remaining rows read it as a plain `B`.
        unsafe { tn_drive::<S, MR, NV>(s, (first, m, k, n), ap, src.g, cp, acc) };
    }
}
