//! Which code path a SIMD tier takes for a given shape: plain functions of the tier's
//! lane counts and the dimensions, called by the kernel bodies in `kernels.rs` and
//! unit-tested below. The figures that justify each threshold were measured on Zen 4
//! (see docs/kernels.md).

use super::narrow::MAX_N;

/// What a tier offers the choice: its own vector width, the width of the narrower tier
/// it implies (AVX-512 implies 8-lane AVX2+FMA; other tiers name themselves), and whether
/// that narrower tier fuses multiply-adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lanes {
    /// Lanes of the tier's vectors.
    pub wide: usize,
    /// Lanes of the narrower tier's vectors (`== wide` when there is none).
    pub narrow: usize,
    /// Whether the narrower tier's multiply-add is fused (one rounding).
    pub fma: bool,
}

impl Lanes {
    /// Whether the tier has a narrower tier of its own to hand small work to.
    pub const fn has_narrower(self) -> bool {
        self.narrow < self.wide
    }
}

/// Products (or gradients) with at most this many outputs and rows narrower than the
/// narrower tier's vector run as that tier's own compiled kernel. The 8-lane body compiled
/// inside an AVX-512 function uses 512-bit masked loads and stores for its partial
/// vectors, which cost more on Zen 4 than the AVX2+FMA tier's own copy: the 4×3 training
/// step took 279 ns with the AVX-512 bodies and 253 ns with the narrow tier's; sending
/// every `n ≤ 8` product there made the 50×10 step slower (813 → 841 ns).
pub(crate) const TINY: usize = 64;

/// Element-wise updates and sums over at most this many values run as the narrower tier's
/// own kernel (the update of a tiny layer's parameters: the 4×3 step 256 → 224 ns on Zen 4;
/// at 64 values the 50×10 step did not gain).
pub(crate) const SHORT: usize = 16;

/// The path of a forward product `A·B` (`k` inner, `n` output columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Forward {
    /// Dot products along `k` (`narrow.rs`): for outputs too narrow for row-wise tiles.
    /// Sums in another order than scalar, so only on tiers with FMA.
    Dots,
    /// Register tiles of the narrower tier, one vector per row (`n ≤` its lanes).
    NarrowTiles,
    /// One vector per row and `k ≤ 4` (a 2-input net's hidden layer), fused epilogue:
    /// 8-row tiles, since a tile does little besides its fixed cost (50×10 step 819 → 777 ns).
    EightRowTiles,
    /// The tier's own register tiles.
    Tiles,
}

/// Whether `A·B` with `n` columns and inner dimension `k` takes the dot-product path: FMA
/// tiers only, outputs of at most [`MAX_N`] columns, and `k` long enough to fill a vector.
pub(crate) fn dots_pay(l: Lanes, k: usize, n: usize) -> bool {
    l.fma && (1..=MAX_N).contains(&n) && k >= l.narrow
}

/// The path of `A·B`; `epilogue` when bias and σ follow in the same pass.
pub(crate) fn forward(l: Lanes, k: usize, n: usize, epilogue: bool) -> Forward {
    if dots_pay(l, k, n) {
        Forward::Dots
    } else if n <= l.narrow {
        Forward::NarrowTiles
    } else if epilogue && n <= l.wide && k <= 4 {
        Forward::EightRowTiles
    } else {
        Forward::Tiles
    }
}

/// Whether σ runs inside the register tiles (on whole vectors) rather than once over the
/// finished `m×n` block: only when at most 1/8 of the lanes would be padding (rows much
/// narrower than a vector, e.g. `n = 2`, waste most of σ's work in the tiles).
pub(crate) fn sigmoid_in_tile(l: Lanes, n: usize) -> bool {
    let lanes = if n <= l.narrow { l.narrow } else { l.wide };
    n.div_ceil(lanes) * lanes * 8 <= n * 9
}

/// The path of a weight gradient `Aᵀ·B` (`C: m×n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transposed {
    /// `Cᵀ = Bᵀ·A` with vectors along `m` (`narrow.rs`): `C` narrow and taller than wide.
    /// Same summation order as the tiles, so on every tier.
    Rows,
    /// Register tiles of the narrower tier, one vector per row.
    NarrowTiles,
    /// The tier's own register tiles.
    Tiles,
}

/// The path of `Aᵀ·B` with `C: m×n`.
pub(crate) fn transposed(l: Lanes, m: usize, n: usize) -> Transposed {
    if (1..=MAX_N).contains(&n) && m > MAX_N {
        Transposed::Rows
    } else if n <= l.narrow {
        Transposed::NarrowTiles
    } else {
        Transposed::Tiles
    }
}

/// Whether a product with rows of `n` columns and `outputs` values to write runs as the
/// narrower tier's own kernel ([`TINY`]).
pub(crate) fn tiny_to_narrower(l: Lanes, n: usize, outputs: usize) -> bool {
    l.has_narrower() && n <= l.narrow && outputs <= TINY
}

/// Whether an element-wise kernel over `len` values runs as the narrower tier's own
/// kernel ([`SHORT`]).
pub(crate) fn short_to_narrower(l: Lanes, len: usize) -> bool {
    l.has_narrower() && len <= SHORT
}

/// Whether the MSE data pass runs as the narrower tier's kernel: always when there is one.
/// Its reduction is shorter, and the latency of one small batch's loss is what counts
/// (Zen 4, 100 values: 18.5 ns with 16 lanes, 9.8 ns with 8).
pub(crate) fn mse_to_narrower(l: Lanes) -> bool {
    l.has_narrower()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSE2: Lanes = Lanes { wide: 4, narrow: 4, fma: false };
    const AVX2: Lanes = Lanes { wide: 8, narrow: 8, fma: true };
    const AVX512: Lanes = Lanes { wide: 16, narrow: 8, fma: true };
    const NEON: Lanes = Lanes { wide: 4, narrow: 4, fma: true };

    #[test]
    fn tiers_without_fma_never_take_the_dot_products() {
        for k in 0..40 {
            for n in 0..40 {
                assert_ne!(forward(SSE2, k, n, false), Forward::Dots, "{k} {n}");
                assert_ne!(forward(SSE2, k, n, true), Forward::Dots, "{k} {n}");
            }
        }
    }

    #[test]
    fn the_xor_networks_take_the_paths_they_were_tuned_for() {
        // 2-10-2 on AVX-512: hidden forward (k = 2, n = 10) in 8-row tiles of 16 lanes,
        // output forward (k = 10, n = 2) as dot products.
        assert_eq!(forward(AVX512, 2, 10, true), Forward::EightRowTiles);
        assert_eq!(forward(AVX512, 10, 2, true), Forward::Dots);
        assert_eq!(forward(AVX512, 10, 2, false), Forward::Dots);
        // k shorter than a vector: no dot products, the narrow tiles instead.
        assert_eq!(forward(AVX512, 3, 2, true), Forward::NarrowTiles);
        assert_eq!(forward(NEON, 3, 2, true), Forward::NarrowTiles);
        assert_eq!(forward(NEON, 4, 2, true), Forward::Dots);
        // Wide outputs: the tier's own tiles.
        assert_eq!(forward(AVX2, 50, 50, true), Forward::Tiles);
        assert_eq!(forward(AVX512, 256, 256, false), Forward::Tiles);
        // Weight gradients of a narrow output over many rows go transposed.
        assert_eq!(transposed(AVX512, 10, 2), Transposed::Rows);
        assert_eq!(transposed(AVX512, 3, 2), Transposed::NarrowTiles);
        assert_eq!(transposed(SSE2, 2, 10), Transposed::Tiles);
        assert_eq!(transposed(AVX512, 2, 10), Transposed::Tiles);
    }

    #[test]
    fn only_a_tier_with_a_narrower_one_hands_work_down() {
        for l in [SSE2, AVX2, NEON] {
            assert!(!tiny_to_narrower(l, 1, 1) && !short_to_narrower(l, 1) && !mse_to_narrower(l));
        }
        assert!(tiny_to_narrower(AVX512, 3, 12));
        assert!(tiny_to_narrower(AVX512, 8, TINY));
        assert!(!tiny_to_narrower(AVX512, 8, TINY + 1));
        assert!(!tiny_to_narrower(AVX512, 9, 9));
        assert!(short_to_narrower(AVX512, SHORT) && !short_to_narrower(AVX512, SHORT + 1));
        assert!(mse_to_narrower(AVX512));
    }

    #[test]
    fn the_narrower_tier_picks_the_paths_it_is_handed() {
        // AVX-512 hands its narrow gradients to the AVX2+FMA kernels, which must choose the same.
        for m in 0..40 {
            for n in 0..40 {
                if transposed(AVX512, m, n) == Transposed::NarrowTiles {
                    assert_eq!(transposed(AVX2, m, n), Transposed::NarrowTiles, "{m} {n}");
                }
            }
        }
    }

    #[test]
    fn sigmoid_runs_in_the_tiles_only_when_few_lanes_are_padding() {
        assert!(!sigmoid_in_tile(AVX512, 2)); // 2 of 8 lanes used
        assert!(!sigmoid_in_tile(AVX512, 10)); // 10 of 16
        assert!(sigmoid_in_tile(AVX512, 16));
        assert!(sigmoid_in_tile(AVX512, 8)); // the narrow tier's full vector
        assert!(sigmoid_in_tile(SSE2, 4) && sigmoid_in_tile(SSE2, 256));
        assert!(sigmoid_in_tile(SSE2, 50)); // 52 lanes for 50 values
        assert!(!sigmoid_in_tile(SSE2, 5)); // 8 lanes for 5 values
    }
}
