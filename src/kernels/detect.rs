//! Which kernel tier runs: detected once, cached in an atomic, forceable.
//!
//! The ladder is: a tier whose target features are enabled at compile time is always
//! available; otherwise (x86_64) the CPU is asked once at run time; otherwise scalar.

use core::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set tier of the kernels. Every tier computes the same functions; the
/// SIMD tiers stay within each kernel's documented tolerance of [`Tier::Scalar`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Tier {
    /// Portable Rust (`arch::scalar`): the oracle, and bit-reproducible across targets.
    Scalar = 1,
    /// x86_64 SSE2, 4 lanes.
    Sse2 = 2,
    /// x86_64 AVX2 with FMA, 8 lanes.
    Avx2Fma = 3,
    /// x86_64 AVX-512F (with AVX2 and FMA, which every AVX-512F CPU has), 16 lanes.
    Avx512 = 4,
    /// aarch64 NEON, 4 lanes.
    Neon = 5,
    /// wasm32 `simd128`, 4 lanes (chosen at compile time: `-C target-feature=+simd128`).
    Simd128 = 6,
}

impl Tier {
    /// Every tier, fastest last.
    pub const ALL: [Tier; 6] = [Tier::Scalar, Tier::Sse2, Tier::Avx2Fma, Tier::Avx512, Tier::Neon, Tier::Simd128];

    /// A short lower-case name (`"scalar"`, `"sse2"`, `"avx2fma"`, `"avx512"`, `"neon"`,
    /// `"simd128"`).
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Scalar => "scalar",
            Tier::Sse2 => "sse2",
            Tier::Avx2Fma => "avx2fma",
            Tier::Avx512 => "avx512",
            Tier::Neon => "neon",
            Tier::Simd128 => "simd128",
        }
    }

    /// Parses [`Tier::name`] back.
    pub fn from_name(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether this CPU (and this build) can run the tier: `true` without asking the CPU
    /// when the build enables the tier's target features (`-C target-cpu=native`, NEON on
    /// aarch64, `simd128` on wasm32); otherwise, on x86_64, CPUID + XGETBV through `cpufeatures` (no `std`
    /// needed), asked once per feature set and cached in an atomic. Tiers of another
    /// architecture are never available.
    pub fn is_available(self) -> bool {
        match self {
            Tier::Scalar => true,
            Tier::Sse2 => x86::sse2(),
            Tier::Avx2Fma => x86::avx2_fma(),
            Tier::Avx512 => x86::avx512(),
            Tier::Neon => cfg!(all(target_arch = "aarch64", target_feature = "neon")),
            Tier::Simd128 => cfg!(all(target_arch = "wasm32", target_feature = "simd128")),
        }
    }

    fn from_u8(v: u8) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| *t as u8 == v)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    cpufeatures::new!(has_sse2, "sse2");
    cpufeatures::new!(has_avx2_fma, "avx2", "fma");
    cpufeatures::new!(has_avx512, "avx512f", "avx2", "fma");

    #[inline]
    pub(super) fn sse2() -> bool {
        cfg!(target_feature = "sse2") || has_sse2::get()
    }
    #[inline]
    pub(super) fn avx2_fma() -> bool {
        cfg!(all(target_feature = "avx2", target_feature = "fma")) || has_avx2_fma::get()
    }
    #[inline]
    pub(super) fn avx512() -> bool {
        cfg!(all(target_feature = "avx512f", target_feature = "avx2", target_feature = "fma")) || has_avx512::get()
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod x86 {
    pub(super) fn sse2() -> bool {
        false
    }
    pub(super) fn avx2_fma() -> bool {
        false
    }
    pub(super) fn avx512() -> bool {
        false
    }
}

/// The fastest tier this CPU can run.
pub fn best_available() -> Tier {
    let mut best = Tier::Scalar;
    for t in Tier::ALL {
        if t.is_available() {
            best = t;
        }
    }
    best
}

/// 0 = not yet detected; otherwise a `Tier as u8`.
static ACTIVE: AtomicU8 = AtomicU8::new(0);

/// Whether this target has any tier besides scalar. Where it has none (Cortex-M, RISC-V,
/// wasm32 without `simd128`), [`active`] is the constant `Scalar`, so dispatch folds away at
/// compile time.
const HAS_SIMD_TIERS: bool =
    cfg!(any(target_arch = "x86_64", target_arch = "aarch64", all(target_arch = "wasm32", target_feature = "simd128")));

/// The tier the kernels use now: the forced one, or else the best available (detected on
/// the first call and cached).
#[inline]
pub fn active() -> Tier {
    if !HAS_SIMD_TIERS {
        return Tier::Scalar;
    }
    match Tier::from_u8(ACTIVE.load(Ordering::Relaxed)) {
        Some(t) => t,
        None => init(),
    }
}

/// Detects and caches the best tier, unless a tier was forced meanwhile (another thread's
/// [`force`] between our load and this store): a lazy detection never replaces a forced tier.
/// Targets without compare-and-swap (Cortex-M0) have no SIMD tier, so [`active`] never gets
/// here on them; a plain store keeps this compiling.
#[cold]
fn init() -> Tier {
    let t = best_available();
    #[cfg(target_has_atomic = "8")]
    return match ACTIVE.compare_exchange(0, t as u8, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => t,
        Err(now) => Tier::from_u8(now).unwrap_or(t),
    };
    #[cfg(not(target_has_atomic = "8"))]
    {
        ACTIVE.store(t as u8, Ordering::Relaxed);
        t
    }
}

/// The tier asked for is not available on this CPU or in this build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierUnavailableError(pub Tier);

impl core::fmt::Display for TierUnavailableError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "kernel tier `{}` is not available on this CPU", self.0.name())
    }
}

impl core::error::Error for TierUnavailableError {}

/// Forces every later kernel call (in every thread) onto `tier`, for tests, benchmarks and
/// bit-reproducible runs. Fails, changing nothing, when the CPU cannot run it: a forced tier
/// is never silently replaced by another.
pub fn force(tier: Tier) -> Result<(), TierUnavailableError> {
    if !tier.is_available() {
        return Err(TierUnavailableError(tier));
    }
    ACTIVE.store(tier as u8, Ordering::Relaxed);
    Ok(())
}

/// Goes back to the best available tier.
pub fn reset() {
    ACTIVE.store(best_available() as u8, Ordering::Relaxed);
}
