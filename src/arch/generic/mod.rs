//! The SIMD kernels written once, over the [`Simd`] lane abstraction; every vector tier
//! (`x86_64::{sse2, avx2_fma, avx512}`, `aarch64::neon`) instantiates them inside its own
//! `#[target_feature]` wrappers (the matrixmultiply / memchr pattern), so the algorithm
//! and its edge handling exist in one place and the tiers differ only in their lane ops.
//!
//! Everything here is `#[inline(always)]`: these bodies must be inlined into a function
//! that enables the tier's target features, or the intrinsics inside would not inline.

pub(crate) mod gemm;
pub(crate) mod narrow;
pub(crate) mod nt;
pub(crate) mod simd;
pub(crate) mod vecops;

pub(crate) use simd::Simd;

/// Generates one tier's public kernel functions (same names and signatures as
/// `arch::scalar`, but `unsafe`) plus their private `#[target_feature]` wrappers, all
/// forwarding to the generic bodies with the tier's token. The wrappers are
/// `#[inline(never)]`: SSE2 is in the x86_64 baseline, so its bodies would otherwise be
/// inlined into every `crate::kernels` dispatcher, and each call on the other tiers paid for
/// that dispatcher's larger stack frame (six register saves and restores per kernel call,
/// ~20 calls per training step).
///
/// # Safety contract of the generated functions
/// Each generated `pub(crate) unsafe fn` requires (1) that the CPU supports `$features`,
/// and (2) that every slice has the length its dimensions call for (`crate::kernels`
/// checks both before calling). The macro itself adds no other obligation: the token
/// `$tok` is built with `new_unchecked` only inside the `#[target_feature]` wrappers,
/// where (1) holds by the caller's promise.
macro_rules! tier_kernels {
    ($tok:ident, $features:literal, $mr:literal, $nv:literal, $dr:literal, $dc:literal) => {
        tier_kernels!($tok, $features, $mr, $nv, $dr, $dc, narrow: $tok, narrow_fns: self);
    };
    // `narrow`: a token of a narrower tier that `$features` implies; products whose rows
    // fit one of its vectors use it (AVX-512 uses 8-lane AVX2+FMA for n ≤ 8: fewer wasted
    // lanes, no masks). `narrow_fns`: that tier's module, whose kernels (compiled for its own
    // features only) some narrow cases call directly (see `NARROWER`).
    ($tok:ident, $features:literal, $mr:literal, $nv:literal, $dr:literal, $dc:literal, narrow: $narrow:ident, narrow_fns: $nm:ident) => {
        use crate::arch::generic::{gemm, narrow, nt, vecops};
        use crate::arch::FusedGrad;

        /// Whether `narrow_fns` is another tier. The same 8-lane AVX2+FMA body compiled inside
        /// an AVX-512 function can run markedly slower on Zen 4 than the AVX2+FMA tier's own
        /// copy (its partial vectors become 512-bit masked loads and stores): the loss over
        /// 100 values took 16 ns per call against 10. So `mse_grad`, and the products of a
        /// tiny layer (rows of at most 8 columns, at most [`TINY`] outputs or gradient values),
        /// call the narrow tier's function: the whole 4×3 training step 279 → 253 ns. Above
        /// that the AVX-512 bodies won (the 50×10 step 813 → 841 ns, 300×50 12.6 → 13.5 µs
        /// when every `n ≤ 8` product was sent to the narrow tier).
        const NARROWER: bool =
            <$narrow as crate::arch::generic::Simd>::LANES < <$tok as crate::arch::generic::Simd>::LANES;

        /// See [`NARROWER`].
        const TINY: usize = 64;

        /// `axpy` and the sums of squares over at most this many values (the update of a
        /// tiny layer's parameters) also call the narrow tier's function (see [`NARROWER`]):
        /// the whole 4×3 step 256 → 224 ns on Zen 4; at 64 values the 50×10 step did not
        /// gain. `sum_sq` takes the same route, so `sum_sq_pair` and `axpy_sum_sq` keep
        /// giving its bits.
        const SHORT: usize = 16;

        /// Whether `A·B` with `n` columns and inner dimension `k` takes the dot-product path
        /// of `narrow.rs`: only on FMA tiers (it sums in another order than scalar), for
        /// outputs narrow enough to waste most lanes of a row-wise tile, and `k` long
        /// enough to fill the dot products' vectors.
        #[inline(always)]
        fn dots_pay(n: usize, k: usize) -> bool {
            <$narrow as crate::arch::generic::Simd>::FMA
                && (1..=narrow::MAX_N).contains(&n)
                && k >= <$narrow as crate::arch::generic::Simd>::LANES
        }

        /// Whether `Aᵀ·B` (`C: m×n`) takes the transposed path of `narrow.rs` (vectors
        /// along `m`): when `C` is narrow and has more rows than columns. Same summation
        /// order as the tiles, so on every tier.
        #[inline(always)]
        fn tn_rows_pay(m: usize, n: usize) -> bool {
            (1..=narrow::MAX_N).contains(&n) && m > narrow::MAX_N
        }

        /// `c (=|+=) a·b` (`a: m×k`, `b: k×n`).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        pub(crate) unsafe fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
                if dots_pay(n, k) {
                    // SAFETY: the features are enabled, `1 ≤ n ≤ MAX_N`, lengths match the
                    // dimensions (caller's promise).
                    return unsafe {
                        narrow::matmul_dots($narrow::new_unchecked(), m, k, n, a, b, c, acc, core::ptr::null())
                    };
                }
                if n <= <$narrow as crate::arch::generic::Simd>::LANES {
                    // SAFETY: `$features` include the narrow tier's (caller's promise).
                    let s = unsafe { $narrow::new_unchecked() };
                    // SAFETY: lengths match the dimensions (caller's promise).
                    return unsafe { gemm::matmul::<_, $mr, 1>(s, m, k, n, a, b, c, acc, None, false) };
                }
                // SAFETY: the features are enabled (caller's promise, see `# Safety`).
                let s = unsafe { $tok::new_unchecked() };
                // SAFETY: lengths match the dimensions (caller's promise).
                unsafe { gemm::matmul::<_, $mr, $nv>(s, m, k, n, a, b, c, acc, None, false) }
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(m, k, n, a, b, c, acc) }
        }

        /// `c = σ(a·b + bias)` in one pass (`bias`: empty or length `n`).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        pub(crate) unsafe fn matmul_bias_sigmoid(
            m: usize,
            k: usize,
            n: usize,
            a: &[f32],
            b: &[f32],
            bias: &[f32],
            c: &mut [f32],
        ) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: &[f32], c: &mut [f32]) {
                // SAFETY: the features are enabled (caller's promise).
                let s = unsafe { $tok::new_unchecked() };
                // SAFETY: `$features` include the narrow tier's (caller's promise).
                let thin = unsafe { $narrow::new_unchecked() };
                if dots_pay(n, k) {
                    let bias = if bias.is_empty() { core::ptr::null() } else { bias.as_ptr() };
                    // SAFETY: `1 ≤ n ≤ MAX_N`; lengths match the dimensions (caller's promise).
                    unsafe { narrow::matmul_dots(thin, m, k, n, a, b, c, false, bias) };
                    vecops::sigmoid(s, c);
                    return;
                }
                let bias = if bias.is_empty() { None } else { Some(bias) };
                let lanes = if n <= <$narrow as crate::arch::generic::Simd>::LANES {
                    <$narrow as crate::arch::generic::Simd>::LANES
                } else {
                    <$tok as crate::arch::generic::Simd>::LANES
                };
                // σ in the tile epilogue runs on whole vectors: when more than 1/8 of their
                // lanes would be padding (rows much narrower than a vector, e.g. n = 2), the
                // activations are computed first and σ then runs once over the contiguous
                // m×n block, still in this call and while it is in L1/L2.
                let sig_in_tile = n.div_ceil(lanes) * lanes * 8 <= n * 9;
                // SAFETY: lengths match the dimensions (caller's promise).
                unsafe {
                    if n <= <$narrow as crate::arch::generic::Simd>::LANES {
                        gemm::matmul::<_, $mr, 1>(thin, m, k, n, a, b, c, false, bias, sig_in_tile)
                    } else {
                        // One vector per row and `k ≤ 4` (the hidden layer of a 2-input net):
                        // a tile does little besides its fixed cost, so 8 rows per tile, not 4
                        // (same order per output; 50×10 step 819 → 777 ns with the same change
                        // in `nt.rs`).
                        if n <= <$tok as crate::arch::generic::Simd>::LANES && k <= 4 {
                            gemm::matmul::<_, 8, 1>(s, m, k, n, a, b, c, false, bias, sig_in_tile)
                        } else {
                            gemm::matmul::<_, $mr, $nv>(s, m, k, n, a, b, c, false, bias, sig_in_tile)
                        }
                    }
                }
                if !sig_in_tile {
                    vecops::sigmoid(s, c);
                }
            }
            if NARROWER && n <= <$narrow as crate::arch::generic::Simd>::LANES && m * n <= TINY {
                // A tiny layer: the narrow tier's own kernel (see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::matmul_bias_sigmoid(m, k, n, a, b, bias, c) };
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(m, k, n, a, b, bias, c) }
        }

        /// `c (=|+=) aᵀ·b` (`a: k×m`, `b: k×n`).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        pub(crate) unsafe fn matmul_tn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
                if tn_rows_pay(m, n) {
                    // SAFETY: the features are enabled, `1 ≤ n ≤ MAX_N`, lengths match the
                    // dimensions (caller's promise).
                    return unsafe {
                        narrow::matmul_tn_rows::<_, $nv>($tok::new_unchecked(), m, k, n, a, b, c, acc, core::ptr::null_mut())
                    };
                }
                if n <= <$narrow as crate::arch::generic::Simd>::LANES {
                    // SAFETY: `$features` include the narrow tier's (caller's promise).
                    let s = unsafe { $narrow::new_unchecked() };
                    // SAFETY: lengths match the dimensions (caller's promise).
                    return unsafe { gemm::matmul_tn::<_, $mr, 1>(s, m, k, n, a, b, c, acc, None, core::ptr::null_mut()) };
                }
                // SAFETY: the features are enabled (caller's promise).
                let s = unsafe { $tok::new_unchecked() };
                // SAFETY: lengths match the dimensions (caller's promise).
                unsafe { gemm::matmul_tn::<_, $mr, $nv>(s, m, k, n, a, b, c, acc, None, core::ptr::null_mut()) }
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(m, k, n, a, b, c, acc) }
        }

        /// `g = dy⊙y⊙(1−y)` and `c = aᵀ·g` in one pass (`a: k×m`, `dy, y, g: k×n`).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        pub(crate) unsafe fn matmul_tn_sigmoid_grad(
            m: usize,
            k: usize,
            n: usize,
            a: &[f32],
            fg: FusedGrad<'_>,
            c: &mut [f32],
        ) {
            // SAFETY: forwarded caller obligations (an empty `db`: no bias gradient).
            unsafe { tn_sigmoid_grad(m, k, n, a, fg, c, &mut []) }
        }

        /// [`matmul_tn_sigmoid_grad`] and `db` = the column sums of `g` (`db.len() == n`).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn matmul_tn_sigmoid_grad_bias(
            m: usize,
            k: usize,
            n: usize,
            a: &[f32],
            fg: FusedGrad<'_>,
            c: &mut [f32],
            db: &mut [f32],
        ) {
            // SAFETY: forwarded caller obligations.
            unsafe { tn_sigmoid_grad(m, k, n, a, fg, c, db) }
        }

        /// The body of both fused gradient kernels: `db` empty for none, else of length `n`
        /// (summed inside the tiles that compute or read `g` for the first time).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        #[target_feature(enable = $features)]
        #[inline(never)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn tn_sigmoid_grad(
            m: usize,
            k: usize,
            n: usize,
            a: &[f32],
            fg: FusedGrad<'_>,
            c: &mut [f32],
            db: &mut [f32],
        ) {
            if NARROWER && n <= <$narrow as crate::arch::generic::Simd>::LANES && k * n <= TINY {
                // A tiny batch: the narrow tier's own kernel (see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::matmul_tn_sigmoid_grad_bias(m, k, n, a, fg, c, db) };
            }
            // SAFETY: the features are enabled (caller's promise).
            let s = unsafe { $tok::new_unchecked() };
            let dbp = if db.is_empty() { core::ptr::null_mut() } else { db.as_mut_ptr() };
            if m == 0 {
                // No product rows to sum beside: two plain passes.
                vecops::sigmoid_backward(s, fg.dy, fg.y, fg.g);
                vecops::sum_rows(s, k, n, fg.g, db, false);
                return;
            }
            if tn_rows_pay(m, n) {
                // `g` first, then the same path as `matmul_tn` (bit-identical to it).
                vecops::sigmoid_backward(s, fg.dy, fg.y, fg.g);
                // SAFETY: `1 ≤ n ≤ MAX_N`; lengths match the dimensions (caller's promise).
                return unsafe { narrow::matmul_tn_rows::<_, $nv>(s, m, k, n, a, fg.g, c, false, dbp) };
            }
            if n <= <$narrow as crate::arch::generic::Simd>::LANES {
                // SAFETY: `$features` include the narrow tier's (caller's promise).
                let s = unsafe { $narrow::new_unchecked() };
                // SAFETY: lengths match the dimensions (caller's promise).
                return unsafe { gemm::matmul_tn::<_, $mr, 1>(s, m, k, n, a, &[], c, false, Some(fg), dbp) };
            }
            // SAFETY: lengths match the dimensions (caller's promise).
            unsafe { gemm::matmul_tn::<_, $mr, $nv>(s, m, k, n, a, &[], c, false, Some(fg), dbp) }
        }

        /// `c (=|+=) a·bᵀ` (`a: m×k`, `b: n×k`).
        ///
        /// # Safety
        /// The CPU supports this tier's features; slice lengths match the dimensions.
        pub(crate) unsafe fn matmul_nt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
                // SAFETY: the features are enabled (caller's promise).
                let s = unsafe { $tok::new_unchecked() };
                // SAFETY: lengths match the dimensions (caller's promise).
                unsafe { nt::matmul_nt::<_, $mr, $nv, $dr, $dc>(s, m, k, n, a, b, c, acc) }
            }
            if NARROWER && n <= <$narrow as crate::arch::generic::Simd>::LANES && m * n <= TINY {
                // A tiny product: the narrow tier's own kernel (see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::matmul_nt(m, k, n, a, b, c, acc) };
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(m, k, n, a, b, c, acc) }
        }

        /// In place `x ← σ(x)`.
        ///
        /// # Safety
        /// The CPU supports this tier's features.
        pub(crate) unsafe fn sigmoid(x: &mut [f32]) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(x: &mut [f32]) {
                // SAFETY: the features are enabled (caller's promise).
                vecops::sigmoid(unsafe { $tok::new_unchecked() }, x)
            }
            // SAFETY: forwarded caller obligation.
            unsafe { inner(x) }
        }

        /// `dx = dy⊙y⊙(1−y)`.
        ///
        /// # Safety
        /// The CPU supports this tier's features; `y` and `dx` are as long as `dy`.
        pub(crate) unsafe fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(dy: &[f32], y: &[f32], dx: &mut [f32]) {
                // SAFETY: the features are enabled (caller's promise).
                vecops::sigmoid_backward(unsafe { $tok::new_unchecked() }, dy, y, dx)
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(dy, y, dx) }
        }

        /// `y += alpha·x`.
        ///
        /// # Safety
        /// The CPU supports this tier's features; `y` is as long as `x`.
        pub(crate) unsafe fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(alpha: f32, x: &[f32], y: &mut [f32]) {
                // SAFETY: the features are enabled (caller's promise).
                vecops::axpy(unsafe { $tok::new_unchecked() }, alpha, x, y)
            }
            if NARROWER && x.len() <= SHORT {
                // A short slice: the narrow tier's own kernel (see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::axpy(alpha, x, y) };
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(alpha, x, y) }
        }

        /// `Σ xᵢ²`.
        ///
        /// # Safety
        /// The CPU supports this tier's features.
        pub(crate) unsafe fn sum_sq(x: &[f32]) -> f32 {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(x: &[f32]) -> f32 {
                // SAFETY: the features are enabled (caller's promise).
                vecops::sum_sq(unsafe { $tok::new_unchecked() }, x)
            }
            if NARROWER && x.len() <= SHORT {
                // As in `sum_sq_pair` and `axpy_sum_sq` (same tier, same bits as theirs).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::sum_sq(x) };
            }
            // SAFETY: forwarded caller obligation.
            unsafe { inner(x) }
        }

        /// `grad = (pred − target)·scale`, returns `Σ (pred − target)²`.
        ///
        /// # Safety
        /// The CPU supports this tier's features.
        pub(crate) unsafe fn mse_grad(pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
                // SAFETY: the features are enabled (caller's promise).
                vecops::mse_grad(unsafe { $tok::new_unchecked() }, pred, target, scale, grad)
            }
            if NARROWER {
                // The narrow tier (AVX-512: 8 lanes): its reduction is shorter, and its latency
                // is what a loss over one small batch costs (Zen 4, 100 values: 18.5 ns with
                // 16 lanes, 9.8 with 8; see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's (caller's promise).
                return unsafe { $nm::mse_grad(pred, target, scale, grad) };
            }
            // SAFETY: forwarded caller obligation.
            unsafe { inner(pred, target, scale, grad) }
        }

        /// `(Σaᵢ², Σbᵢ²)` in one pass.
        ///
        /// # Safety
        /// The CPU supports this tier's features; `b.len() == a.len()`.
        pub(crate) unsafe fn sum_sq_pair(a: &[f32], b: &[f32]) -> (f32, f32) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(a: &[f32], b: &[f32]) -> (f32, f32) {
                // SAFETY: the features are enabled, `b` is as long as `a` and only read
                // (`ALPHA = false`) (caller's promise).
                unsafe { vecops::sum_sq_pair::<_, false>($tok::new_unchecked(), 0.0, a, b.as_ptr().cast_mut()) }
            }
            if NARROWER && a.len() <= SHORT {
                // A short slice: the narrow tier's own kernel (see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::sum_sq_pair(a, b) };
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(a, b) }
        }

        /// `y += alpha·x`, then `(Σxᵢ², Σyᵢ²)`, in one pass.
        ///
        /// # Safety
        /// The CPU supports this tier's features; `y.len() == x.len()`.
        pub(crate) unsafe fn axpy_sum_sq(alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32) {
                // SAFETY: the features are enabled, `y` is as long as `x` (caller's promise).
                unsafe { vecops::sum_sq_pair::<_, true>($tok::new_unchecked(), alpha, x, y.as_mut_ptr()) }
            }
            if NARROWER && x.len() <= SHORT {
                // A short slice: the narrow tier's own kernel (see `NARROWER`).
                // SAFETY: `$features` include the narrow tier's; forwarded obligations.
                return unsafe { $nm::axpy_sum_sq(alpha, x, y) };
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(alpha, x, y) }
        }

        /// Adds `bias` to every row of the `m×n` matrix `c`.
        ///
        /// # Safety
        /// The CPU supports this tier's features; `bias.len() == n`, `c.len() == m·n`.
        pub(crate) unsafe fn add_bias(m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
                // SAFETY: the features are enabled (caller's promise).
                vecops::add_bias(unsafe { $tok::new_unchecked() }, m, n, bias, c)
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(m, n, bias, c) }
        }

        /// `out (=|+=)` the column sums of the `m×n` matrix `g`.
        ///
        /// # Safety
        /// The CPU supports this tier's features; `g.len() == m·n`, `out.len() == n`.
        pub(crate) unsafe fn sum_rows(m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
            #[target_feature(enable = $features)]
            #[inline(never)]
            unsafe fn inner(m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
                // SAFETY: the features are enabled (caller's promise).
                vecops::sum_rows(unsafe { $tok::new_unchecked() }, m, n, g, out, acc)
            }
            // SAFETY: forwarded caller obligations.
            unsafe { inner(m, n, g, out, acc) }
        }
    };
}
pub(crate) use tier_kernels;
