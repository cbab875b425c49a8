//! Version, kernel-tier and status-name queries.

use crate::check::out_ptr;
use crate::status::{stacknet_status_t, stacknet_status_t::*, status};
use core::ffi::c_char;
use stacknet::kernels::{Tier, active, force, reset};

/// Major version of this API (and of the stacknet crate it wraps).
pub const STACKNET_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const STACKNET_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const STACKNET_VERSION_PATCH: u32 = 0;

const fn parse(s: &str) -> u32 {
    let (b, mut i, mut v) = (s.as_bytes(), 0, 0u32);
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}
const _: () = {
    assert!(STACKNET_VERSION_MAJOR == parse(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(STACKNET_VERSION_MINOR == parse(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(STACKNET_VERSION_PATCH == parse(env!("CARGO_PKG_VERSION_PATCH")));
};

/// Tier code: portable scalar code (the reference, bit-reproducible across targets).
pub const STACKNET_TIER_SCALAR: u32 = 1;
/// Tier code: x86_64 SSE2.
pub const STACKNET_TIER_SSE2: u32 = 2;
/// Tier code: x86_64 AVX2 + FMA.
pub const STACKNET_TIER_AVX2FMA: u32 = 3;
/// Tier code: x86_64 AVX-512F.
pub const STACKNET_TIER_AVX512: u32 = 4;
/// Tier code: aarch64 NEON.
pub const STACKNET_TIER_NEON: u32 = 5;
/// Tier code: wasm32 `simd128`.
pub const STACKNET_TIER_SIMD128: u32 = 6;

const _: () = {
    assert!(STACKNET_TIER_SCALAR == Tier::Scalar as u32);
    assert!(STACKNET_TIER_SSE2 == Tier::Sse2 as u32);
    assert!(STACKNET_TIER_AVX2FMA == Tier::Avx2Fma as u32);
    assert!(STACKNET_TIER_AVX512 == Tier::Avx512 as u32);
    assert!(STACKNET_TIER_NEON == Tier::Neon as u32);
    assert!(STACKNET_TIER_SIMD128 == Tier::Simd128 as u32);
};

/// Writes the library version to `*major`, `*minor`, `*patch` (all required).
///
/// # Safety
/// Each pointer is null or valid for writing one `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_version(major: *mut u32, minor: *mut u32, patch: *mut u32) -> stacknet_status_t {
    status((|| {
        let (a, b, c) = (out_ptr(major)?, out_ptr(minor)?, out_ptr(patch)?);
        // SAFETY: non-null and aligned (checked); writable per the contract. Overlapping
        // pointers only make the later write win; each write is a whole u32.
        unsafe {
            a.write(STACKNET_VERSION_MAJOR);
            b.write(STACKNET_VERSION_MINOR);
            c.write(STACKNET_VERSION_PATCH);
        }
        Ok(())
    })())
}

/// Writes the kernel tier in use (`STACKNET_TIER_*`) to `*tier`; detected on first use.
///
/// # Safety
/// `tier` is null or valid for writing one `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_simd_tier(tier: *mut u32) -> stacknet_status_t {
    status((|| {
        let out = out_ptr(tier)?;
        // SAFETY: non-null and aligned (checked); writable per the contract.
        unsafe { out.write(active() as u32) };
        Ok(())
    })())
}

/// Writes the name of the kernel tier in use (`"scalar"`, `"sse2"`, `"avx2fma"`,
/// `"avx512"`, `"neon"`, `"simd128"`; a static NUL-terminated string) to `*name`.
///
/// # Safety
/// `name` is null or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_simd_tier_name(name: *mut *const c_char) -> stacknet_status_t {
    status((|| {
        let out = out_ptr(name)?;
        let s = match active().name() {
            "scalar" => c"scalar",
            "sse2" => c"sse2",
            "avx2fma" => c"avx2fma",
            "avx512" => c"avx512",
            "neon" => c"neon",
            "simd128" => c"simd128",
            _ => c"unknown",
        };
        // SAFETY: non-null and aligned (checked); writable per the contract.
        unsafe { out.write(s.as_ptr()) };
        Ok(())
    })())
}

/// Forces every later kernel call, in every thread, onto tier `tier` (`STACKNET_TIER_*`), or
/// with 0 goes back to the best tier the CPU has. With `STACKNET_TIER_SCALAR` the same seed
/// and data give bit-identical models on every target (host, aarch64, Cortex-M).
/// `STACKNET_ERR_UNAVAILABLE` if this CPU or build cannot run the tier (nothing changes);
/// `STACKNET_ERR_BAD_ARGUMENT` for an unknown code. Do not call it while another thread is
/// in a kernel.
#[unsafe(no_mangle)]
pub extern "C" fn stacknet_force_tier(tier: u32) -> stacknet_status_t {
    status((|| {
        if tier == 0 {
            reset();
            return Ok(());
        }
        let t = Tier::ALL.into_iter().find(|t| *t as u32 == tier).ok_or(STACKNET_ERR_BAD_ARGUMENT)?;
        force(t).map_err(|_| STACKNET_ERR_UNAVAILABLE)
    })())
}

/// Writes the name of status `code` (e.g. `"STACKNET_ERR_NULL"`, a static NUL-terminated
/// string) to `*name`. An unknown code gives `STACKNET_ERR_BAD_ARGUMENT`.
///
/// # Safety
/// `name` is null or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_status_str(code: i32, name: *mut *const c_char) -> stacknet_status_t {
    status((|| {
        let out = out_ptr(name)?;
        let s = stacknet_status_t::all().into_iter().find(|s| *s as i32 == code).ok_or(STACKNET_ERR_BAD_ARGUMENT)?;
        // SAFETY: `out` is non-null and aligned (checked); the caller guarantees it is writable.
        unsafe { out.write(s.name().as_ptr()) };
        Ok(())
    })())
}
