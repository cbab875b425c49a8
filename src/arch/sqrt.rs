//! The correctly rounded `f32` square root the training step needs (gradient norm, norm
//! clipping, init scales). IEEE-754 fixes its result bit for bit, so every path here gives
//! the same bits:
//! - 32-bit Arm with a hardware FPU (`eabihf`: Cortex-M4F/M7/M33…): the FPU's `vsqrt.f32`,
//!   one instruction where `libm` (which has no Arm code path) would pull in ≈ 480 B of
//!   flash (a Goldschmidt iteration and a 256-entry table) and ≈ 40 instructions;
//! - everywhere else: `libm::sqrtf` (itself `sqrtss`/`fsqrt` on x86_64/aarch64, soft
//!   float on FPU-less chips).

/// `√x`, correctly rounded (NaN for `x < 0`, like `libm::sqrtf`).
#[inline]
pub fn sqrtf(x: f32) -> f32 {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    {
        let r: u32;
        // SAFETY: `vsqrt.f32` reads and writes one FPU register and touches no memory and no
        // stack; every eabihf target has a VFP unit that implements it. Rust does not let
        // inline asm name S registers on single-precision FPUs (it asks for the
        // double-precision `vfp2` feature), so `s0` is saved in a core register and
        // restored, and the value travels through core registers.
        unsafe {
            core::arch::asm!(
                "vmov {save}, s0",
                "vmov s0, {x}",
                "vsqrt.f32 s0, s0",
                "vmov {r}, s0",
                "vmov s0, {save}",
                x = in(reg) x.to_bits(),
                r = lateout(reg) r,
                save = out(reg) _,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        f32::from_bits(r)
    }
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    {
        libm::sqrtf(x)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_libm_bit_for_bit() {
        let mut bits = 0u32;
        for _ in 0..200_000 {
            let x = f32::from_bits(bits);
            let (got, want) = (super::sqrtf(x), libm::sqrtf(x));
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{x:e}");
            bits = bits.wrapping_add(21_475); // ≈ 2³²/200 000: every sign and exponent
        }
    }
}
