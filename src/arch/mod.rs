//! One module per instruction-set tier, each exporting the same kernel functions with the
//! same signatures. Only `cfg` lines live here; `crate::kernels` picks a tier and calls it.

pub mod scalar;
