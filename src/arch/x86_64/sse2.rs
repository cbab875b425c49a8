//! SSE2: the x86_64 baseline, 4 lanes, no FMA (products and sums rounded separately, as in
//! `arch::scalar`). Partial vectors (1–3 lanes) are loaded with `movss` / `movsd` and stored
//! with `movss` / `movq` (`super::store_low`), which touch only those lanes (SSE2 has no
//! masked loads; the stack copy used before cost a `memcpy` call per partial vector).

use core::arch::x86_64::*;

use crate::arch::generic::{simd_tier_kernels, Simd, SimdTier};

/// Token proving SSE2 is available.
#[derive(Clone, Copy)]
pub(crate) struct Sse2(());

impl Sse2 {
    /// # Safety
    /// The CPU supports SSE2.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Self {
        Sse2(())
    }
}

// SAFETY (every `unsafe` block in this impl): a `Sse2` token exists only where SSE2 is
// available (see `new_unchecked`); the intrinsics only compute on registers, except the
// loads/stores, whose pointer validity is the caller's obligation.
impl Simd for Sse2 {
    const LANES: usize = 4;
    type V = __m128;

    #[inline(always)]
    fn splat(self, x: f32) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_set1_ps(x) }
    }
    #[inline(always)]
    fn add(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_mul_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_sqrt_ps(a) }
    }
    #[inline(always)]
    fn div(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_div_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m128, b: __m128, c: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_add_ps(_mm_mul_ps(a, b), c) }
    }
    #[inline(always)]
    fn max(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_max_ps(a, b) }
    }
    #[inline(always)]
    fn neg_abs(self, a: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_or_ps(a, _mm_set1_ps(-0.0)) }
    }
    #[inline(always)]
    fn select_nonneg(self, x: __m128, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe {
            let m = _mm_cmpge_ps(x, _mm_setzero_ps());
            _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b))
        }
    }
    #[inline(always)]
    fn pow2i(self, n: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe {
            let k = _mm_castps_si128(_mm_add_ps(n, _mm_set1_ps(crate::arch::generic::simd::MAGIC)));
            let e = _mm_sub_epi32(k, _mm_set1_epi32(0x4B40_0000 - 127));
            _mm_castsi128_ps(_mm_slli_epi32::<23>(e))
        }
    }
    #[inline(always)]
    fn hsum(self, v: __m128) -> f32 {
        // SAFETY: see the impl comment.
        unsafe {
            let hi = _mm_movehl_ps(v, v);
            let s = _mm_add_ps(v, hi);
            let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m128) {
        // SAFETY: see the impl comment.
        unsafe { _mm_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, len: usize) -> __m128 {
        // SAFETY: see the impl comment; `len < 4` values at `p` are readable and only they
        // are read (`movss` reads 4 bytes, `movsd` 8; both zero the lanes above).
        unsafe {
            match len {
                1 => _mm_load_ss(p),
                2 => _mm_castpd_ps(_mm_load_sd(p.cast())),
                3 => _mm_movelh_ps(_mm_castpd_ps(_mm_load_sd(p.cast())), _mm_load_ss(p.add(2))),
                _ => _mm_setzero_ps(),
            }
        }
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, len: usize, v: __m128) {
        // SAFETY: only the `len < 4` values at `p` are written (caller: they are writable).
        unsafe { super::store_low(p, len, v) }
    }
}

impl SimdTier for Sse2 {
    const TILE_VECTORS: usize = 2;
    type Narrow = Sse2;
    #[inline(always)]
    fn narrow(self) -> Sse2 {
        self
    }
}

simd_tier_kernels!(Sse2, "sse2");
