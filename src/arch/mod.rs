//! The tiers. [`TierKernels`] is the kernel surface; one zero-sized type per tier
//! implements it: `scalar::Scalar` (portable Rust, the oracle) everywhere, and the SIMD
//! tiers of this target (`x86_64::{Sse2, Avx2Fma, Avx512}`, `aarch64::Neon`,
//! `wasm32::Simd128`), whose kernels are written once in `generic/`. Only `cfg` lines and
//! the trait live here; `crate::kernels` picks a tier and calls it.

pub(crate) mod int8;
mod kernel;
// Compiled (and tested) always; used by the scalar tier only with feature `mcu-sigmoid`.
#[cfg_attr(not(feature = "mcu-sigmoid"), allow(dead_code))]
pub mod mcu_sigmoid;
pub(crate) mod scalar;
pub(crate) mod sqrt;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64", all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) mod generic;

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

#[cfg(target_arch = "aarch64")]
pub(crate) mod aarch64;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod wasm32;

pub use kernel::AdamUpdate;
pub(crate) use kernel::{FusedGrad, TierKernels};
