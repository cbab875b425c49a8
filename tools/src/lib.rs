//! Development tools for stacknet (not published): the peers the benchmarks compare
//! stacknet with, and one starting point shared by every implementation of the benchmark
//! step. Used by `benches/` (criterion), `tests/peers.rs` and the binaries in `src/bin/`.

/// The benchmark step (2-H-2 with biases, sigmoid, MSE + ridge, SGD) as a user would
/// otherwise write it, and the shared start.
pub mod peers {
    pub mod naive;
    #[cfg(target_arch = "x86_64")]
    pub mod nalgebra_net;
    pub mod setup;
}
