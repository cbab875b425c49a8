//! The int8 dot product on a Cortex-M with the DSP extension: `SXTB16` widens bytes 0 and 2
//! (or, rotated, 1 and 3) of a word to two 16-bit halves, and `SMLAD` adds both halves'
//! products to the sum in one instruction. Four products cost two word loads, four `SXTB16`
//! and two `SMLAD` instead of eight byte loads and four multiply-adds.
//!
//! The instructions have no intrinsics on stable Rust (`core::arch::arm`'s are behind an
//! unstable feature), so they are inline assembly, which is stable.

use core::arch::asm;

/// `Σ x[i]·w[i]` over the common prefix, exact (the same value as
/// [`dot_scalar`](super::dot_scalar): a row of at most 2¹⁶ products of at most 2¹⁴ cannot wrap).
#[inline(always)]
pub(super) fn dot(x: &[i8], w: &[i8]) -> i32 {
    let n = x.len().min(w.len());
    let (x, w) = (x.get(..n).unwrap_or(&[]), w.get(..n).unwrap_or(&[]));
    let (xc, xr) = x.as_chunks::<4>();
    let (wc, wr) = w.as_chunks::<4>();
    let mut s = 0i32;
    for (a, b) in xc.iter().zip(wc) {
        let a = u32::from_le_bytes(a.map(|v| v as u8));
        let b = u32::from_le_bytes(b.map(|v| v as u8));
        // SAFETY: register arithmetic only (no memory, no stack); `SMLAD` may set the sticky
        // Q flag on a signed overflow of the sum, which cannot happen here and which no
        // Rust code reads.
        unsafe {
            asm!(
                "sxtb16 {a02}, {a}",
                "sxtb16 {a13}, {a}, ror #8",
                "sxtb16 {b02}, {b}",
                "sxtb16 {b13}, {b}, ror #8",
                "smlad {s}, {a02}, {b02}, {s}",
                "smlad {s}, {a13}, {b13}, {s}",
                a = in(reg) a,
                b = in(reg) b,
                a02 = out(reg) _,
                a13 = out(reg) _,
                b02 = out(reg) _,
                b13 = out(reg) _,
                s = inout(reg) s,
                options(pure, nomem, nostack),
            );
        }
    }
    for (&a, &b) in xr.iter().zip(wr) {
        s = s.wrapping_add(i32::from(a) * i32::from(b));
    }
    s
}
