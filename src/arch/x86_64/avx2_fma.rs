//! AVX2 + FMA: 8 lanes, fused multiply-add; ragged edges through masked loads (`vmaskmovps`,
//! which never faults on masked-out lanes) and plain 4-, 2- and 1-lane stores.

use core::arch::x86_64::*;

use crate::arch::generic::{simd_tier_kernels, Simd, SimdTier};

/// Token proving AVX2 and FMA are available.
#[derive(Clone, Copy)]
pub(crate) struct Avx2Fma(());

impl Avx2Fma {
    /// # Safety
    /// The CPU supports AVX2 and FMA (and the OS saves the ymm registers).
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Self {
        Avx2Fma(())
    }
}

/// Lane mask with the first `len` lanes set.
#[inline(always)]
fn mask(_: Avx2Fma, len: usize) -> __m256i {
    // SAFETY: only called with an `Avx2Fma` token, i.e. AVX2 is available.
    unsafe { _mm256_cmpgt_epi32(_mm256_set1_epi32(len as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)) }
}

// SAFETY (every `unsafe` block in this impl): an `Avx2Fma` token exists only where AVX2 and
// FMA are available (see `new_unchecked`); the intrinsics only compute on registers,
// except the loads/stores, whose pointer validity is the caller's obligation.
impl Simd for Avx2Fma {
    const FMA: bool = true;
    const LANES: usize = 8;
    type V = __m256;

    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_sqrt_ps(a) }
    }
    #[inline(always)]
    fn div(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    fn neg_abs(self, a: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_or_ps(a, _mm256_set1_ps(-0.0)) }
    }
    #[inline(always)]
    fn select_nonneg(self, x: __m256, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_blendv_ps(b, a, _mm256_cmp_ps::<_CMP_GE_OQ>(x, _mm256_setzero_ps())) }
    }
    #[inline(always)]
    fn pow2i(self, n: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe {
            let k = _mm256_castps_si256(_mm256_add_ps(n, _mm256_set1_ps(crate::arch::generic::simd::MAGIC)));
            let e = _mm256_sub_epi32(k, _mm256_set1_epi32(0x4B40_0000 - 127));
            _mm256_castsi256_ps(_mm256_slli_epi32::<23>(e))
        }
    }
    #[inline(always)]
    fn hsum(self, v: __m256) -> f32 {
        // SAFETY: see the impl comment.
        unsafe {
            let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    fn hsum8(self, v: [__m256; 8]) -> [f32; 8] {
        // SAFETY: see the impl comment; `out` holds the 8 floats stored.
        unsafe {
            // Pairwise sums of neighbouring lanes, twice: `q0` holds, per 128-bit half, the
            // partial sums of v0..v3, `q1` those of v4..v7; adding the halves finishes them.
            let h01 = _mm256_hadd_ps(v[0], v[1]);
            let h23 = _mm256_hadd_ps(v[2], v[3]);
            let h45 = _mm256_hadd_ps(v[4], v[5]);
            let h67 = _mm256_hadd_ps(v[6], v[7]);
            let q0 = _mm256_hadd_ps(h01, h23);
            let q1 = _mm256_hadd_ps(h45, h67);
            let lo = _mm256_permute2f128_ps::<0x20>(q0, q1);
            let hi = _mm256_permute2f128_ps::<0x31>(q0, q1);
            let mut out = [0.0f32; 8];
            _mm256_storeu_ps(out.as_mut_ptr(), _mm256_add_ps(lo, hi));
            out
        }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m256) {
        // SAFETY: see the impl comment.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, len: usize) -> __m256 {
        // SAFETY: see the impl comment; masked-out lanes are not accessed.
        unsafe { _mm256_maskload_ps(p, mask(self, len)) }
    }
    /// Plain stores of 4, 2 and 1 lanes rather than `vmaskmovps`: masked *stores* are
    /// microcoded and slow on AMD cores, and the register tiles store a partial vector per
    /// row (a 10-column product on Zen 4: 259 ns per call with masked stores, see
    /// BENCHMARKS.md, third round).
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, len: usize, v: __m256) {
        // SAFETY: see the impl comment; `len < 8`, and exactly the first `len` floats from
        // `p` are written: 4 (if `len ≥ 4`), then 2 and 1 as the rest of `len` needs.
        unsafe {
            if len >= 4 {
                _mm_storeu_ps(p, _mm256_castps256_ps128(v));
                super::store_low(p.add(4), len - 4, _mm256_extractf128_ps::<1>(v));
            } else {
                super::store_low(p, len, _mm256_castps256_ps128(v));
            }
        }
    }
}

impl SimdTier for Avx2Fma {
    const TILE_VECTORS: usize = 2;
    type Narrow = Avx2Fma;
    #[inline(always)]
    fn narrow(self) -> Avx2Fma {
        self
    }
}

simd_tier_kernels!(Avx2Fma, "avx2,fma");
