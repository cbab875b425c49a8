//! aarch64 NEON body of the int8 dot products: `smull`/`smull2` (8×8 → 16-bit products,
//! which cannot overflow: |x·w| ≤ 2¹⁴) then `sadalp` (pairwise add into 32-bit lanes).
//! `sdot` would do it in one instruction, but it needs the `dotprod` feature, which is not
//! in the aarch64 baseline, and this tier is chosen at compile time (no run-time detection
//! without `std`), so it is not used.

use core::arch::aarch64::*;

use super::{dot_scalar, Int8Kernels};
use crate::arch::aarch64::neon::Neon;

/// # Safety
/// NEON; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "neon")]
unsafe fn dot_rows_neon(x: &[i8], w: &[i8], acc: &mut [i32]) {
    let n = x.len();
    let full = n / 16 * 16;
    for (j, a) in acc.iter_mut().enumerate() {
        let row = j * n;
        let mut v = vdupq_n_s32(0);
        let mut i = 0;
        while i < full {
            // SAFETY: `i + 16 ≤ n`: 16 bytes at `x[i]` and `w[row + i]` are in bounds.
            let (p, q) = unsafe { (vld1q_s8(x.as_ptr().add(i)), vld1q_s8(w.as_ptr().add(row + i))) };
            v = vpadalq_s16(v, vmull_s8(vget_low_s8(p), vget_low_s8(q)));
            v = vpadalq_s16(v, vmull_high_s8(p, q));
            i += 16;
        }
        let tail = dot_scalar(x.get(full..).unwrap_or(&[]), w.get(row + full..row + n).unwrap_or(&[]));
        *a = vaddvq_s32(v).wrapping_add(tail);
    }
}

impl Int8Kernels for Neon {
    #[inline(never)]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: the token proves NEON; lengths are the caller's obligation.
        unsafe { dot_rows_neon(x, w, acc) }
    }
}
