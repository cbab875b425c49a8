//! From a [`Tier`] value to its kernels: [`on_tier!`] binds the tier's token (a
//! `TierKernels` implementor) and runs one call with it. The only `match` over tiers.

use super::Tier;
use crate::arch::TierKernels;
use core::sync::atomic::{AtomicU8, Ordering};

/// In debug builds, the tier whose code the last kernel call ran (written by the arm of
/// [`on_tier!`] that ran, so a wrong arm would show). Release builds record nothing.
static LAST_USED: AtomicU8 = AtomicU8::new(0);

/// Records `K`'s tier as the one that ran (debug builds only).
#[inline(always)]
pub(crate) fn note<K: TierKernels>(_: &K) {
    if cfg!(debug_assertions) {
        LAST_USED.store(K::TIER as u8, Ordering::Relaxed);
    }
}

/// The tier whose code ran in the most recent kernel call (any thread), recorded by the
/// dispatch arm that ran it; `None` before any call and always in release builds (the
/// record costs a store per call, so only debug builds keep it). Tests use it to prove that
/// a forced tier was really taken and not silently replaced.
pub fn last_tier_used() -> Option<Tier> {
    Tier::ALL.into_iter().find(|t| *t as u8 == LAST_USED.load(Ordering::Relaxed))
}

/// `on_tier!(tier, t => call)`: evaluates `call` with `t` bound to the token of `tier`'s
/// kernels. Every arm runs the same call on another type, so `call` is written once.
///
/// # Safety
/// Building a SIMD token is `unsafe`; the macro does it, so its callers must only pass a
/// tier that is available (a [`Kernels`](super::Kernels)' tier, or [`active`](super::active)),
/// and state so in a `// SAFETY:` comment with their own obligations (slice lengths).
macro_rules! on_tier {
    ($tier:expr, $t:ident => $call:expr) => {
        match $tier {
            #[cfg(target_arch = "x86_64")]
            $crate::kernels::Tier::Sse2 => {
                // SAFETY: the tier is available (the macro's contract).
                let $t = unsafe { $crate::arch::x86_64::sse2::Sse2::new_unchecked() };
                $crate::kernels::dispatch::note(&$t);
                $call
            }
            #[cfg(target_arch = "x86_64")]
            $crate::kernels::Tier::Avx2Fma => {
                // SAFETY: the tier is available (the macro's contract).
                let $t = unsafe { $crate::arch::x86_64::avx2_fma::Avx2Fma::new_unchecked() };
                $crate::kernels::dispatch::note(&$t);
                $call
            }
            #[cfg(target_arch = "x86_64")]
            $crate::kernels::Tier::Avx512 => {
                // SAFETY: the tier is available (the macro's contract).
                let $t = unsafe { $crate::arch::x86_64::avx512::Avx512::new_unchecked() };
                $crate::kernels::dispatch::note(&$t);
                $call
            }
            #[cfg(target_arch = "aarch64")]
            $crate::kernels::Tier::Neon => {
                // SAFETY: the tier is available (the macro's contract).
                let $t = unsafe { $crate::arch::aarch64::neon::Neon::new_unchecked() };
                $crate::kernels::dispatch::note(&$t);
                $call
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            $crate::kernels::Tier::Simd128 => {
                // SAFETY: the tier is available (the macro's contract).
                let $t = unsafe { $crate::arch::wasm32::simd128::Simd128::new_unchecked() };
                $crate::kernels::dispatch::note(&$t);
                $call
            }
            _ => {
                let $t = $crate::arch::scalar::Scalar;
                $crate::kernels::dispatch::note(&$t);
                $call
            }
        }
    };
}
pub(crate) use on_tier;
