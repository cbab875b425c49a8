//! # stacknet-capi
//!
//! The C API of [stacknet]: a `#![no_std]` staticlib with a cbindgen header
//! (`capi/include/stacknet.h`). No allocation: every buffer is the caller's, and a model
//! state is a fixed-size block C reserves (a `static` of the shape's handle type).
//!
//! - kernels on caller buffers: `stacknet_matmul{,_tn,_nt}`, `stacknet_sigmoid{,_backward}`;
//! - predefined models (`shapes.rs`, one line per shape): `stacknet_xor_2_10_2_*` etc.;
//! - networks of any shape, described at run time (`net*.rs`): `stacknet_net_*`;
//! - int8 models of any shape, from a blob `stacknet::quant` wrote: `stacknet_q8_*`;
//! - `stacknet_version`, `stacknet_simd_tier{,_name}`, `stacknet_status_str`,
//!   `stacknet_hyper_default`.
//!
//! ## Safety at the boundary
//! Every function returns a `stacknet_status_t`. Null pointers, misaligned pointers,
//! dimensions that do not fit, overlapping buffers, states that were never initialised (or
//! belong to another shape), NaN/∞ data and bad hyperparameters each have their own status,
//! and a refused call writes nothing. What C alone can guarantee (that a non-null pointer
//! really points at as many bytes as the dimensions say, and that no other thread uses the
//! same state at the same time) is each function's `# Safety` contract.
//!
//! No path from C reaches a panic: the core library returns errors instead of panicking,
//! and this crate checks before it slices. The panic handler exists because a `no_std`
//! staticlib must have one; it traps (see `panic_trap`).
//!
//! Build: `cargo build -p stacknet-capi --profile capi` (release + `panic = "abort"`).
#![no_std]
#![allow(non_camel_case_types)]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

// For the Rust tests only (feature `std`): std brings its own panic handler.
#[cfg(feature = "std")]
extern crate std;

mod check;
mod checksum;
pub mod hyper;
pub mod info;
pub mod kernels;
pub mod model;
pub mod net;
pub mod net_config;
pub mod net_handle;
pub mod quant;
pub mod shapes;
pub mod status;

pub use hyper::*;
pub use info::*;
pub use kernels::*;
pub use model::{STACKNET_STATE_ALIGN, stacknet_step_report_t};
pub use net::*;
pub use net_config::*;
pub use net_handle::{STACKNET_NET_SIZE, STACKNET_NET_WORDS, stacknet_net_t};
pub use quant::*;
pub use shapes::*;
pub use status::stacknet_status_t;

/// Reached only if a bug breaks the no-panic design: stop at once with a trap instruction
/// (SIGILL on a hosted OS, a HardFault on Cortex-M) rather than spin or unwind into C.
#[cfg(not(any(test, feature = "std", feature = "panic-check")))]
#[panic_handler]
fn panic_trap(_: &core::panic::PanicInfo) -> ! {
    loop {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        // SAFETY: `ud2` raises an invalid-opcode trap; it touches no memory.
        unsafe {
            core::arch::asm!("ud2", options(nomem, nostack))
        };
        #[cfg(target_arch = "aarch64")]
        // SAFETY: `udf` raises an undefined-instruction trap; it touches no memory.
        unsafe {
            core::arch::asm!("udf #0", options(nomem, nostack))
        };
        #[cfg(target_arch = "arm")]
        // SAFETY: `udf` raises an undefined-instruction trap; it touches no memory.
        unsafe {
            core::arch::asm!("udf #0", options(nomem, nostack))
        };
    }
}

/// Feature `panic-check` (CI only): a panic handler that refers to a symbol no one defines.
/// `.ci/steps/20-capi.sh` links a C program that takes the address of every exported
/// function with `--gc-sections`; the link succeeds only if no panic path is reachable.
#[cfg(all(feature = "panic-check", not(any(test, feature = "std"))))]
#[panic_handler]
fn panic_is_reachable(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Deliberately undefined.
        fn stacknet_capi_a_panic_is_reachable() -> !;
    }
    // SAFETY: never runs: the symbol does not exist, so a build that can reach this fails to link.
    unsafe { stacknet_capi_a_panic_is_reachable() }
}
