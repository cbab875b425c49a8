//! AVX-512F: 16 lanes, FMA, mask registers for ragged edges (`vmovups` with a `k` mask
//! never touches masked-out lanes), and `vscalefps` to scale `eʳ` by `2ⁿ` with a single
//! rounding into the subnormal range.

use core::arch::x86_64::*;

use super::avx2_fma::Avx2Fma;
use crate::arch::generic::{simd_tier_kernels, Simd, SimdTier};

/// Token proving AVX-512F is available.
#[derive(Clone, Copy)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// # Safety
    /// The CPU supports AVX-512F, AVX2 and FMA (and the OS saves the zmm and mask registers).
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Self {
        Avx512(())
    }
}

/// Mask with the first `len < 16` lanes set.
#[inline(always)]
fn mask(len: usize) -> __mmask16 {
    ((1u32 << len) - 1) as __mmask16
}

// SAFETY (every `unsafe` block in this impl): an `Avx512` token exists only where AVX-512F
// is available (see `new_unchecked`); the intrinsics only compute on registers, except the
// loads/stores, whose pointer validity is the caller's obligation.
impl Simd for Avx512 {
    const FMA: bool = true;
    const LANES: usize = 16;
    type V = __m512;

    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_sqrt_ps(a) }
    }
    #[inline(always)]
    fn div(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_div_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    fn neg_abs(self, a: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_set1_epi32(i32::MIN))) }
    }
    #[inline(always)]
    fn select_nonneg(self, x: __m512, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(x, _mm512_setzero_ps()), b, a) }
    }
    #[inline(always)]
    fn pow2i(self, n: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_scalef_ps(_mm512_set1_ps(1.0), n) }
    }
    #[inline(always)]
    fn ldexp(self, p: __m512, n: __m512) -> __m512 {
        // SAFETY: see the impl comment. `vscalefps` rounds `p·2ⁿ` once, subnormals included.
        unsafe { _mm512_scalef_ps(p, n) }
    }
    #[inline(always)]
    fn hsum(self, v: __m512) -> f32 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_reduce_add_ps(v) }
    }
    #[inline(always)]
    fn hsum8(self, v: [__m512; 8]) -> [f32; 8] {
        // SAFETY: see the impl comment; AVX-512F implies AVX2 and FMA (the detection asks
        // for all three), which the `Avx2Fma` token stands for.
        unsafe {
            // Fold each vector to 8 lanes (low half + high half), then the AVX2 reduction.
            let mut half = [_mm256_setzero_ps(); 8];
            for (h, &x) in half.iter_mut().zip(&v) {
                let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(x)));
                *h = _mm256_add_ps(_mm512_castps512_ps256(x), hi);
            }
            Avx2Fma::new_unchecked().hsum8(half)
        }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m512) {
        // SAFETY: see the impl comment.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, len: usize) -> __m512 {
        // SAFETY: see the impl comment; masked-out lanes are not accessed.
        unsafe { _mm512_maskz_loadu_ps(mask(len), p) }
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, len: usize, v: __m512) {
        // SAFETY: see the impl comment; masked-out lanes are not accessed.
        unsafe { _mm512_mask_storeu_ps(p, mask(len), v) }
    }
}

// AVX-512F implies AVX2 and FMA (and the detection asks for all three), so rows that fit
// 8 lanes run on the AVX2+FMA tier's vectors and, when tiny, its own kernels.
impl SimdTier for Avx512 {
    const TILE_VECTORS: usize = 4;
    type Narrow = Avx2Fma;
    #[inline(always)]
    fn narrow(self) -> Avx2Fma {
        // SAFETY: an `Avx512` token exists only where AVX-512F, AVX2 and FMA are available.
        unsafe { Avx2Fma::new_unchecked() }
    }
}

simd_tier_kernels!(Avx512, "avx512f,avx2,fma");
