//! The SIMD tiers' kernels, written once over the [`Simd`] lane abstraction (the
//! matrixmultiply / memchr pattern): `kernels.rs` has one body per kernel (the shape picks
//! a path in `path.rs`, then the loops of `gemm.rs`, `narrow.rs`, `nt.rs`, `vecops.rs`
//! run). Each tier (`x86_64::{sse2, avx2_fma, avx512}`, `aarch64::neon`) implements
//! [`Simd`] and [`SimdTier`] for its token and stamps its `TierKernels` impl with
//! [`simd_tier_kernels!`]: short `#[target_feature]` shims around those bodies.

pub(crate) mod gemm;
pub(crate) mod kernels;
pub(crate) mod narrow;
pub(crate) mod nt;
pub(crate) mod path;
pub(crate) mod shared;
pub(crate) mod simd;
pub(crate) mod vecops;

pub(crate) use shared::Shared;
pub(crate) use simd::Simd;

use crate::arch::TierKernels;

/// A SIMD tier: its lanes ([`Simd`]), its kernels ([`TierKernels`], stamped by
/// [`simd_tier_kernels!`]) and what the shared bodies need to choose their tiles.
pub(crate) trait SimdTier: Simd + Shared + TierKernels {
    /// Vectors of `C` per row of a register tile (2 or 4; 4 rows per tile on every tier).
    const TILE_VECTORS: usize;
    /// A narrower tier that this tier's features imply, for rows that fit its vectors
    /// (AVX-512 uses 8-lane AVX2+FMA: fewer wasted lanes, no masks); the tier itself when
    /// it has none.
    type Narrow: SimdTier;
    /// The narrower tier's token: holding `self` proves its features too.
    fn narrow(self) -> Self::Narrow;
}

/// Implements `TierKernels` for the SIMD tier `$tier` (a token type that implements
/// [`SimdTier`], with a `Tier` variant of the same name): every method is a shim that
/// enters a `#[target_feature(enable = $features)]` function, which runs the shared body
/// of `kernels.rs` with the token. The shims are `#[inline(never)]`: SSE2 is in the x86_64
/// baseline, so its bodies would otherwise be inlined into every dispatcher, whose larger
/// stack frame each call on the other tiers then paid for.
///
/// # Safety contract of the generated methods
/// Those of `TierKernels` (slice lengths). The `#[target_feature]` obligation is met by
/// `self`: a token exists only where the CPU has `$features`.
macro_rules! simd_tier_kernels {
    ($tier:ident, $features:literal) => {
        impl crate::arch::TierKernels for $tier {
            const TIER: crate::kernels::Tier = crate::kernels::Tier::$tier;
            crate::arch::generic::simd_tier_kernels!(@shims $tier, $features;
                fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool);
                fn matmul_tn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool);
                fn matmul_nt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool);
                fn matmul_bias_sigmoid(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: &[f32], c: &mut [f32]);
                fn matmul_tn_sigmoid_grad(m: usize, k: usize, n: usize, a: &[f32], fg: crate::arch::FusedGrad<'_>, c: &mut [f32]);
                fn matmul_tn_sigmoid_grad_bias(m: usize, k: usize, n: usize, a: &[f32], fg: crate::arch::FusedGrad<'_>, c: &mut [f32], db: &mut [f32]);
                fn sum_sq_pair(a: &[f32], b: &[f32]) -> (f32, f32);
                fn axpy_sum_sq(alpha: f32, x: &[f32], y: &mut [f32]) -> (f32, f32);
                fn mse_grad(pred: &[f32], target: &[f32], scale: f32, grad: &mut [f32]) -> f32;
                fn sigmoid(x: &mut [f32]);
                fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]);
                fn axpy(alpha: f32, x: &[f32], y: &mut [f32]);
                fn adam(k: &crate::arch::AdamUpdate, g: &[f32], w: &mut [f32], m: &mut [f32], v: &mut [f32]);
                fn sum_sq(x: &[f32]) -> f32;
                fn add_bias(m: usize, n: usize, bias: &[f32], c: &mut [f32]);
                fn sum_rows(m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool);
            );
        }
        impl crate::arch::generic::Shared for $tier {
            #[inline]
            unsafe fn drive<const MR: usize, const NV: usize>(self, d: &crate::arch::generic::gemm::Drive) {
                #[target_feature(enable = $features)]
                #[inline(never)]
                unsafe fn inner<const MR: usize, const NV: usize>(t: $tier, d: &crate::arch::generic::gemm::Drive) {
                    // SAFETY: the bounds are the caller's obligation, forwarded.
                    unsafe { crate::arch::generic::gemm::shared_drive::<$tier, MR, NV>(t, d) }
                }
                // SAFETY: `self` proves the CPU has `$features`; the bounds are the caller's.
                unsafe { inner::<MR, NV>(self, d) }
            }
            #[inline]
            unsafe fn forward<const MR: usize, const NV: usize>(self, f: &crate::arch::generic::gemm::Forward) {
                #[target_feature(enable = $features)]
                #[inline(never)]
                unsafe fn inner<const MR: usize, const NV: usize>(t: $tier, f: &crate::arch::generic::gemm::Forward) {
                    // SAFETY: the bounds are the caller's obligation, forwarded.
                    unsafe { crate::arch::generic::gemm::shared_forward::<$tier, MR, NV>(t, f) }
                }
                // SAFETY: `self` proves the CPU has `$features`; the bounds are the caller's.
                unsafe { inner::<MR, NV>(self, f) }
            }
            crate::arch::generic::simd_tier_kernels!(@shims $tier, $features;
                fn tn_rows(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool, db: *mut f32);
                fn dots(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool, bias: *const f32);
            );
        }
    };
    (@shims $tier:ident, $features:literal; $(fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {
        $(
            #[inline]
            #[allow(clippy::too_many_arguments)]
            unsafe fn $name(self, $($arg: $ty),*) $(-> $ret)? {
                #[target_feature(enable = $features)]
                #[inline(never)]
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                unsafe fn inner(t: $tier, $($arg: $ty),*) $(-> $ret)? {
                    // SAFETY: the lengths are the caller's obligation, forwarded (some
                    // bodies have none and are safe).
                    unsafe { crate::arch::generic::kernels::$name(t, $($arg),*) }
                }
                // SAFETY: `self` proves the CPU has `$features`; the lengths are the
                // caller's obligation.
                unsafe { inner(self, $($arg),*) }
            }
        )*
    };
}
pub(crate) use simd_tier_kernels;
