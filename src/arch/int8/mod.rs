//! Integer kernels of the int8 models (`crate::quant`): `acc[j] = Σᵢ x[i]·w[j·n + i]`, the
//! exact int32 dot products of an int8 row `x` (length `n`) with each int8 weight row.
//! [`Int8Kernels`] is implemented by the same tier tokens as the f32 kernels, so
//! `crate::kernels::dispatch::on_tier!` reaches them; the SIMD bodies live beside their
//! tier (`x86_64.rs`, `aarch64.rs`) as private `#[target_feature]` functions.
//!
//! Integer sums are exact and their order does not matter, so every tier gives the same
//! bits as [`Scalar`](super::scalar::Scalar) as long as no sum wraps: `|x·w| ≤ 2¹⁴`, so a row of
//! at most 2¹⁶ values cannot (the callers in `crate::quant` check that bound).

use super::scalar::Scalar;
use super::TierKernels;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(all(target_arch = "arm", target_feature = "dsp"))]
mod arm_dsp;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(target_arch = "aarch64")]
pub(crate) use aarch64::{neon_path, NeonPath};
#[cfg(target_arch = "x86_64")]
pub(crate) use x86_64::{avx512_path, Avx512Path};

/// The most values in one row (so that no int32 sum can wrap; see the module docs).
pub(crate) const MAX_ROW: usize = 1 << 16;

/// The int8 kernels of one tier (implemented by its token, see [`TierKernels`]).
pub(crate) trait Int8Kernels: TierKernels {
    /// `acc[j] = Σᵢ x[i]·w[j·n + i]` for `j < acc.len()`, `n = x.len()`.
    ///
    /// # Safety
    /// `w.len() == x.len() · acc.len()` and `x.len() ≤ MAX_ROW`.
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]);
}

/// The oracle: `Σ x[i]·w[i]` over the common prefix, four values per iteration (on a
/// Cortex-M0 that halves the loop overhead per product; the sum is exact either way).
#[inline(always)]
pub(crate) fn dot_scalar(x: &[i8], w: &[i8]) -> i32 {
    let n = x.len().min(w.len());
    let (x, w) = (x.get(..n).unwrap_or(&[]), w.get(..n).unwrap_or(&[]));
    let (xc, xr) = x.as_chunks::<4>();
    let (wc, wr) = w.as_chunks::<4>();
    let mut s = 0i32;
    for (a, b) in xc.iter().zip(wc) {
        let p = i32::from(a[0]) * i32::from(b[0])
            + i32::from(a[1]) * i32::from(b[1])
            + i32::from(a[2]) * i32::from(b[2])
            + i32::from(a[3]) * i32::from(b[3]);
        s = s.wrapping_add(p);
    }
    for (&a, &b) in xr.iter().zip(wr) {
        s = s.wrapping_add(i32::from(a) * i32::from(b));
    }
    s
}

/// The scalar tier's dot product: on a Cortex-M with the DSP extension (the `thumbv7em`
/// targets: M4, M7; an M33 built with `+dsp` or `target-cpu=cortex-m33`) two products per
/// `SMLAD`, elsewhere [`dot_scalar`]. Both sums are exact, so the results are the same bits.
#[inline(always)]
fn dot_mcu(x: &[i8], w: &[i8]) -> i32 {
    #[cfg(all(target_arch = "arm", target_feature = "dsp"))]
    return arm_dsp::dot(x, w);
    #[cfg(not(all(target_arch = "arm", target_feature = "dsp")))]
    dot_scalar(x, w)
}

impl Int8Kernels for Scalar {
    #[inline]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        let n = x.len();
        for (j, a) in acc.iter_mut().enumerate() {
            // Indexing by `get` (never failing for the documented lengths) keeps the panic
            // machinery out of the firmware.
            *a = w.get(j * n..j * n + n).map_or(0, |row| dot_mcu(x, row));
        }
    }
}

/// wasm32 `simd128` runs the scalar body (no int8 SIMD body for it yet).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl Int8Kernels for super::wasm32::simd128::Simd128 {
    #[inline]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: the caller's obligations are the scalar body's.
        unsafe { Scalar.dot_rows(x, w, acc) }
    }
}
