//! Loop nests that several kernels of one tier reach (the `A·B` row blocks of `gemm.rs`, the
//! dot products and the transposed narrow product of `narrow.rs`), compiled once per tier out of line instead of
//! inlined into every kernel that uses them: the kernels' code is most of a C program's
//! size, and each of these nests is many register tiles. `simd_tier_kernels!` stamps the
//! impl: `#[target_feature]` functions around the shared bodies, as for `TierKernels`.

use super::gemm::{Drive, Forward};
use super::Simd;

/// A tier's out-of-line shared bodies; the token proves the CPU features.
pub(crate) trait Shared: Simd {
    /// `gemm::shared_drive::<Self, MR, NV>`: products without epilogue.
    ///
    /// # Safety
    /// As `gemm::drive`, for the fields of `d`.
    unsafe fn drive<const MR: usize, const NV: usize>(self, d: &Drive);

    /// `gemm::shared_forward::<Self, MR, NV>`: forward products, bias and σ.
    ///
    /// # Safety
    /// As `gemm::drive`, for the fields of `f`.
    unsafe fn forward<const MR: usize, const NV: usize>(self, f: &Forward);

    /// `narrow::matmul_dots` (FMA tiers only, see `path::dots_pay`).
    ///
    /// # Safety
    /// As `narrow::matmul_dots`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn dots(
        self,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        acc: bool,
        bias: *const f32,
    );

    /// `narrow::matmul_tn_rows` with the tier's tile width.
    ///
    /// # Safety
    /// As `narrow::matmul_tn_rows`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tn_rows(self, m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool, db: *mut f32);
}
