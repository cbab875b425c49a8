//! wasm32 tiers.

pub(crate) mod simd128;
