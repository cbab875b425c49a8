//! One module per instruction-set tier, each exporting the same kernel functions with the
//! same signatures. Only `cfg` lines live here; `crate::kernels` picks a tier and calls it.

// Compiled (and tested) always; used by the scalar tier only with feature `mcu-sigmoid`.
#[cfg_attr(not(feature = "mcu-sigmoid"), allow(dead_code))]
pub mod mcu_sigmoid;
pub mod scalar;
