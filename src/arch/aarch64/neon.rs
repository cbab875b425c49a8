//! aarch64 NEON: 4 lanes, fused multiply-add (`fmla`), true vector division, `faddp`
//! reductions. NEON is part of the aarch64 baseline, so the tier is chosen at compile
//! time; partial vectors (1–3 lanes) are loaded and stored with 2-lane and single-lane
//! `ld1` / `st1`, which touch only those lanes (NEON has no masked loads).

use core::arch::aarch64::*;

use crate::arch::generic::{simd_tier_kernels, Simd, SimdTier};

/// Token proving NEON is available.
#[derive(Clone, Copy)]
pub(crate) struct Neon(());

impl Neon {
    /// # Safety
    /// The CPU supports NEON.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Self {
        Neon(())
    }
}

// SAFETY (every `unsafe` block in this impl): a `Neon` token exists only where NEON is
// available (see `new_unchecked`); the intrinsics only compute on registers, except the
// loads/stores, whose pointer validity is the caller's obligation.
impl Simd for Neon {
    const LANES: usize = 4;
    // `mul_add` is `vfmaq_f32` (one rounding), so the products are not in the scalar order's
    // bits anyway, and the dot-product forward path of `narrow.rs` is allowed here too.
    const FMA: bool = true;
    type V = float32x4_t;

    #[inline(always)]
    fn splat(self, x: f32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    fn add(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_f32(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f32(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vsqrtq_f32(a) }
    }
    #[inline(always)]
    fn div(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f32(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment. `vfmaq_f32(c, a, b)` = c + a·b, one rounding.
        unsafe { vfmaq_f32(c, a, b) }
    }
    #[inline(always)]
    fn max(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vmaxq_f32(a, b) }
    }
    #[inline(always)]
    fn neg_abs(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vnegq_f32(vabsq_f32(a)) }
    }
    #[inline(always)]
    fn select_nonneg(self, x: float32x4_t, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f32(vcgeq_f32(x, vdupq_n_f32(0.0)), a, b) }
    }
    #[inline(always)]
    fn pow2i(self, n: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe {
            let k = vreinterpretq_s32_f32(vaddq_f32(n, vdupq_n_f32(crate::arch::generic::simd::MAGIC)));
            let e = vsubq_s32(k, vdupq_n_s32(0x4B40_0000 - 127));
            vreinterpretq_f32_s32(vshlq_n_s32::<23>(e))
        }
    }
    #[inline(always)]
    fn hsum(self, v: float32x4_t) -> f32 {
        // SAFETY: see the impl comment.
        unsafe { vaddvq_f32(v) }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: float32x4_t) {
        // SAFETY: see the impl comment.
        unsafe { vst1q_f32(p, v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, len: usize) -> float32x4_t {
        // SAFETY: see the impl comment; `len < 4` values at `p` are readable and only they
        // are read (a 2-lane `ld1` and/or a single-lane `ld1`).
        unsafe {
            let zero = vdupq_n_f32(0.0);
            match len {
                1 => vld1q_lane_f32::<0>(p, zero),
                2 => vcombine_f32(vld1_f32(p), vdup_n_f32(0.0)),
                3 => vld1q_lane_f32::<2>(p.add(2), vcombine_f32(vld1_f32(p), vdup_n_f32(0.0))),
                _ => zero,
            }
        }
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, len: usize, v: float32x4_t) {
        // SAFETY: see the impl comment; only the `len < 4` values at `p` are written.
        unsafe {
            match len {
                1 => vst1q_lane_f32::<0>(p, v),
                2 => vst1_f32(p, vget_low_f32(v)),
                3 => {
                    vst1_f32(p, vget_low_f32(v));
                    vst1q_lane_f32::<2>(p.add(2), v);
                }
                _ => {}
            }
        }
    }
}

impl SimdTier for Neon {
    const TILE_VECTORS: usize = 4;
    type Narrow = Neon;
    #[inline(always)]
    fn narrow(self) -> Neon {
        self
    }
}

simd_tier_kernels!(Neon, "neon");
