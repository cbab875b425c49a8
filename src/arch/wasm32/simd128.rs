//! wasm32 `simd128`: 4 lanes, no FMA (the fixed-width SIMD proposal has none; products and
//! sums are rounded separately, as in `arch::scalar`, so `A·B` and `Aᵀ·B` keep the scalar
//! order's bits, as on SSE2). A WebAssembly module either validates with its SIMD
//! instructions or is refused as a whole, so there is nothing to detect at run time: the
//! tier exists when the build enables `simd128` (`-C target-feature=+simd128`). Partial
//! vectors (1–3 lanes) use `v128.load32_zero` / `v128.load64_zero` / `v128.load32_lane` and
//! the matching lane stores, which touch only those lanes.
//!
//! The lane operations are safe functions here: a `#[target_feature]` function is safe to
//! call on wasm (an engine without the feature rejects the module before anything runs).

use core::arch::wasm32::*;

use crate::arch::generic::{simd_tier_kernels, Simd, SimdTier};

/// Token for the `simd128` tier (the build enables the feature; see the module doc).
#[derive(Clone, Copy)]
pub(crate) struct Simd128(());

impl Simd128 {
    /// # Safety
    /// The engine runs `simd128` (always true in a build that enables it).
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Self {
        Simd128(())
    }
}

impl Simd for Simd128 {
    const LANES: usize = 4;
    type V = v128;

    #[inline(always)]
    fn splat(self, x: f32) -> v128 {
        f32x4_splat(x)
    }
    #[inline(always)]
    fn add(self, a: v128, b: v128) -> v128 {
        f32x4_add(a, b)
    }
    #[inline(always)]
    fn sub(self, a: v128, b: v128) -> v128 {
        f32x4_sub(a, b)
    }
    #[inline(always)]
    fn mul(self, a: v128, b: v128) -> v128 {
        f32x4_mul(a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: v128) -> v128 {
        f32x4_sqrt(a)
    }
    #[inline(always)]
    fn div(self, a: v128, b: v128) -> v128 {
        f32x4_div(a, b)
    }
    #[inline(always)]
    fn mul_add(self, a: v128, b: v128, c: v128) -> v128 {
        f32x4_add(f32x4_mul(a, b), c)
    }
    #[inline(always)]
    fn max(self, a: v128, b: v128) -> v128 {
        // `f32x4.max` gives NaN when either lane is NaN (not `pmax`, which returns `a`).
        f32x4_max(a, b)
    }
    #[inline(always)]
    fn neg_abs(self, a: v128) -> v128 {
        v128_or(a, f32x4_splat(-0.0))
    }
    #[inline(always)]
    fn select_nonneg(self, x: v128, a: v128, b: v128) -> v128 {
        v128_bitselect(a, b, f32x4_ge(x, f32x4_splat(0.0)))
    }
    #[inline(always)]
    fn pow2i(self, n: v128) -> v128 {
        let k = f32x4_add(n, f32x4_splat(crate::arch::generic::simd::MAGIC));
        i32x4_shl(i32x4_sub(k, i32x4_splat(0x4B40_0000 - 127)), 23)
    }
    #[inline(always)]
    fn hsum(self, v: v128) -> f32 {
        // (v0 + v2) + (v1 + v3), as SSE2's `movhlps` reduction.
        let s = f32x4_add(v, i32x4_shuffle::<2, 3, 2, 3>(v, v));
        f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s)
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> v128 {
        // SAFETY: `p..p+4` is readable (caller); `v128.load` has no alignment requirement.
        unsafe { v128_load(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: v128) {
        // SAFETY: `p..p+4` is writable (caller); `v128.store` has no alignment requirement.
        unsafe { v128_store(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn load_part(self, p: *const f32, len: usize) -> v128 {
        // SAFETY: `len < 4` values at `p` are readable (caller) and only they are read: 4
        // bytes (`load32_zero`), 8 (`load64_zero`), or 8 then 4 at `p+2` (`load32_lane`);
        // all unaligned-safe.
        unsafe {
            match len {
                1 => v128_load32_zero(p.cast()),
                2 => v128_load64_zero(p.cast()),
                3 => v128_load32_lane::<2>(v128_load64_zero(p.cast()), p.add(2).cast()),
                _ => f32x4_splat(0.0),
            }
        }
    }
    #[inline(always)]
    unsafe fn store_part(self, p: *mut f32, len: usize, v: v128) {
        // SAFETY: only the `len < 4` values at `p` are written (caller: they are writable):
        // lane 0 (4 bytes), lanes 0–1 (8 bytes), or lanes 0–1 and lane 2 at `p+2`.
        unsafe {
            match len {
                1 => v128_store32_lane::<0>(v, p.cast()),
                2 => v128_store64_lane::<0>(v, p.cast()),
                3 => {
                    v128_store64_lane::<0>(v, p.cast());
                    v128_store32_lane::<2>(v, p.add(2).cast());
                }
                _ => {}
            }
        }
    }
}

impl SimdTier for Simd128 {
    // Two vectors per tile row, as SSE2: engines map `v128` onto 16 x86 or 32 Arm registers.
    const TILE_VECTORS: usize = 2;
    type Narrow = Simd128;
    #[inline(always)]
    fn narrow(self) -> Simd128 {
        self
    }
}

simd_tier_kernels!(Simd128, "simd128");
