//! One module per instruction-set tier, each exporting the same kernel functions with the
//! same signatures (SIMD tiers mark them `unsafe`: "this CPU has my features"). Only `cfg`
//! lines and the shared argument types live here; `crate::kernels` picks a tier and calls it.

// Compiled (and tested) always; used by the scalar tier only with feature `mcu-sigmoid`.
#[cfg_attr(not(feature = "mcu-sigmoid"), allow(dead_code))]
pub mod mcu_sigmoid;
pub mod scalar;
pub(crate) mod scalar_fused;
pub(crate) mod sqrt;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64", all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) mod generic;

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

#[cfg(target_arch = "aarch64")]
pub(crate) mod aarch64;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod wasm32;

/// The inputs of the fused sigmoid-gradient product: `g = dy⊙y⊙(1−y)` is computed from
/// `dy` and `y` inside the `Aᵀ·g` kernel and written to `g` once (all three `k×n`).
pub(crate) struct FusedGrad<'a> {
    /// Gradient with respect to the sigmoid's output.
    pub dy: &'a [f32],
    /// The sigmoid's output.
    pub y: &'a [f32],
    /// Receives `dy⊙y⊙(1−y)`.
    pub g: &'a mut [f32],
}
