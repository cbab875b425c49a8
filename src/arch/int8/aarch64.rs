//! aarch64 NEON bodies of the int8 dot products:
//! - `sdot` (the `dotprod` extension, Armv8.2+: Cortex-A55/A75 and later, Apple M1+): 16
//!   products summed into four 32-bit lanes per instruction;
//! - otherwise `smull`/`smull2` (8×8 → 16-bit products, which cannot overflow: |x·w| ≤ 2¹⁴)
//!   then `sadalp` (pairwise add into 32-bit lanes), on every NEON CPU.
//!
//! `dotprod` is not in the aarch64 baseline, so the NEON tier asks for it once
//! ([`neon_path`]): at compile time (`-C target-feature=+dotprod`), else on Linux from the
//! kernel's hardware capabilities (`getauxval(AT_HWCAP)`, which any Linux program can call).
//! `sdot` is inline assembly: its intrinsic `vdotq_s32` is unstable on Rust 1.95.

use core::arch::aarch64::*;
use core::sync::atomic::{AtomicU8, Ordering};

use super::{dot_scalar, Int8Kernels};
use crate::arch::aarch64::neon::Neon;

/// Which body the NEON tier runs for int8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NeonPath {
    /// `sdot` (`dotprod`).
    Sdot,
    /// `smull` + `sadalp` (plain NEON).
    Smull,
}

/// 0 = not asked yet, else `1 + NeonPath as u8`.
static PATH: AtomicU8 = AtomicU8::new(0);

#[cfg(any(target_os = "linux", target_os = "android"))]
fn has_dotprod() -> bool {
    unsafe extern "C" {
        /// glibc, musl and bionic: the auxiliary vector entry `kind`, 0 if absent.
        safe fn getauxval(kind: core::ffi::c_ulong) -> core::ffi::c_ulong;
    }
    const AT_HWCAP: core::ffi::c_ulong = 16;
    const HWCAP_ASIMDDP: core::ffi::c_ulong = 1 << 20;
    cfg!(target_feature = "dotprod") || getauxval(AT_HWCAP) & HWCAP_ASIMDDP != 0
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn has_dotprod() -> bool {
    cfg!(target_feature = "dotprod")
}

/// The int8 body of the NEON tier on this CPU (asked once, then cached).
pub(crate) fn neon_path() -> NeonPath {
    match PATH.load(Ordering::Relaxed) {
        1 => NeonPath::Sdot,
        2 => NeonPath::Smull,
        _ => {
            let p = if has_dotprod() { NeonPath::Sdot } else { NeonPath::Smull };
            PATH.store(1 + p as u8, Ordering::Relaxed);
            p
        }
    }
}

/// The row loop both bodies share: `acc[j] = Σ x·w[row j]`, 16 bytes at a time by `step`
/// (into a 4-lane partial sum), the remainder by the oracle.
///
/// # Safety
/// `w.len() == x.len() · acc.len()`, and the CPU runs `step`.
#[inline(always)]
unsafe fn rows16(x: &[i8], w: &[i8], acc: &mut [i32], step: impl Fn(int32x4_t, int8x16_t, int8x16_t) -> int32x4_t) {
    let n = x.len();
    let full = n / 16 * 16;
    for (j, a) in acc.iter_mut().enumerate() {
        let row = j * n;
        // SAFETY: NEON, which every aarch64 CPU has (the callers are NEON functions).
        let mut v = unsafe { vdupq_n_s32(0) };
        let mut i = 0;
        while i < full {
            // SAFETY: `i + 16 ≤ n`: 16 bytes at `x[i]` and `w[row + i]` are in bounds.
            let (p, q) = unsafe { (vld1q_s8(x.as_ptr().add(i)), vld1q_s8(w.as_ptr().add(row + i))) };
            v = step(v, p, q);
            i += 16;
        }
        let tail = dot_scalar(x.get(full..).unwrap_or(&[]), w.get(row + full..row + n).unwrap_or(&[]));
        // SAFETY: as for `vdupq_n_s32` above.
        *a = unsafe { vaddvq_s32(v) }.wrapping_add(tail);
    }
}

/// # Safety
/// NEON; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "neon")]
unsafe fn dot_rows_smull(x: &[i8], w: &[i8], acc: &mut [i32]) {
    // SAFETY: the caller's obligations; the step is plain NEON.
    unsafe {
        rows16(x, w, acc, |v, p, q| {
            let v = vpadalq_s16(v, vmull_s8(vget_low_s8(p), vget_low_s8(q)));
            vpadalq_s16(v, vmull_high_s8(p, q))
        })
    }
}

/// # Safety
/// NEON and `dotprod`; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "neon,dotprod")]
unsafe fn dot_rows_sdot(x: &[i8], w: &[i8], acc: &mut [i32]) {
    let step = |mut v: int32x4_t, p: int8x16_t, q: int8x16_t| {
        // SAFETY: register arithmetic only; `dotprod` is enabled for this function, hence
        // for its closure (the caller's CPU has it).
        unsafe {
            core::arch::asm!(
                "sdot {v:v}.4s, {p:v}.16b, {q:v}.16b",
                v = inout(vreg) v,
                p = in(vreg) p,
                q = in(vreg) q,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        v
    };
    // SAFETY: the caller's obligations, and the CPU runs the step (above).
    unsafe { rows16(x, w, acc, step) }
}

impl Neon {
    /// The int8 rows on a chosen NEON path (tests run each path the CPU has).
    ///
    /// # Safety
    /// [`Int8Kernels::dot_rows`]'s, and the CPU has `path`'s features (`Smull` always;
    /// `Sdot` where [`neon_path`] says so).
    #[inline(never)]
    pub(crate) unsafe fn dot_rows_path(self, path: NeonPath, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: the token proves NEON; `dotprod` for `Sdot` and the lengths: the caller.
        unsafe {
            match path {
                NeonPath::Sdot => dot_rows_sdot(x, w, acc),
                NeonPath::Smull => dot_rows_smull(x, w, acc),
            }
        }
    }
}

impl Int8Kernels for Neon {
    #[inline(never)]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: `neon_path` asked the CPU for `dotprod`; lengths: the caller's obligation.
        unsafe { self.dot_rows_path(neon_path(), x, w, acc) }
    }
}
