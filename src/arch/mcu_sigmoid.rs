//! A cheaper σ for microcontrollers without a fast `expf` (feature `mcu-sigmoid`): the
//! scalar tier then uses [`sigmoid_one`] instead of `libm::expf`.
//!
//! `e^t` for `t = −|x| ≤ 0` by Cody–Waite range reduction (`t = k·ln2 + r`, `|r| ≤ ln2/2`),
//! the Cephes `expf` polynomial for `e^r`, and `2^k` built from its exponent bits; no
//! special-case tests beyond one underflow check, no table, no function call (libm's
//! `expf` also handles overflow, large arguments and rounding subtleties σ never needs).
//! Plain `f32` operations only, so it is bit-reproducible on every target like the rest
//! of the scalar tier.
//!
//! Error, measured by the tests below against σ in f64 over a dense grid on [−20, 20] and
//! about a million bit patterns spread over all finite `f32`: at most 9.0e-8 absolute
//! (1.5 ulp of values just below 1) and 1.9e-7 relative wherever σ is a normal float (the
//! tests allow 1e-7 and 2.5e-7), and within 4 ulp everywhere, subnormal results included
//! (`tests/tiers.rs`' sigmoid sweep, run with the feature on); NaN stays NaN, ±∞ give
//! exactly 1/0, every finite input gives a finite value in [0, 1]. On a Cortex-M4F it takes
//! about 38 instructions per value against 55 with `libm::expf`; docs/embedded.md has the
//! per-step figures (inlining decides whether that saving survives).

const LOG2E: f32 = core::f32::consts::LOG2_E;
/// ln 2 split in two: `LN2_HI` has 9 trailing zero bits, so `k·LN2_HI` is exact for |k| < 512.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);

/// `e^t` for `−104 ≤ t ≤ 0` (and NaN for NaN).
#[inline(always)]
fn exp_nonpositive(t: f32) -> f32 {
    // k = round(t·log2 e) ∈ [−150, 0]: the float-to-int cast truncates towards zero, and
    // t·log2 e − 0.5 ≤ −0.5, so this rounds half away from zero. NaN casts to 0.
    let k = (t * LOG2E - 0.5) as i32;
    let kf = k as f32;
    let r = (t - kf * LN2_HI) - kf * LN2_LO;
    let z = r * r;
    let p = ((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 1.666_666_5e-1)
        * r
        + 0.5;
    let e_r = p * z + r + 1.0;
    // e^r·2^k as (e^r·2^(k+64))·2^−64: the first product is exact (2^(k+64) is a normal
    // float for every k ≥ −150), the second rounds once, also into the subnormal range.
    let two_k64 = f32::from_bits(((127 + 64 + k) as u32) << 23);
    e_r * two_k64 * f32::from_bits((127 - 64) << 23)
}

/// σ(x) = 1/(1+e^(−x)) with the error stated in the module docs.
#[inline]
pub fn sigmoid_one(x: f32) -> f32 {
    let t = -libm::fabsf(x);
    // Below −104, σ(−|x|) < 7e-46 rounds to 0 (so −∞ gives exactly 0).
    let e = if t < -104.0 { 0.0 } else { exp_nonpositive(t) };
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 {
        r
    } else {
        e * r
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::sigmoid_one;

    fn exact(x: f32) -> f64 {
        1.0 / (1.0 + (-(x as f64)).exp())
    }

    /// Worst absolute and relative error over `xs` (relative where σ is a normal float).
    fn worst(xs: impl Iterator<Item = f32>) -> (f64, f64) {
        let (mut abs, mut rel) = (0.0f64, 0.0f64);
        for x in xs {
            let got = sigmoid_one(x);
            assert!(got.is_finite() && (0.0..=1.0).contains(&got), "σ({x}) = {got}");
            let want = exact(x);
            let e = (got as f64 - want).abs();
            abs = abs.max(e);
            if want >= f32::MIN_POSITIVE as f64 {
                rel = rel.max(e / want);
            }
        }
        (abs, rel)
    }

    #[test]
    fn error_on_a_dense_grid() {
        let (abs, rel) = worst((-20_000_000..=20_000_000).step_by(37).map(|i| i as f32 * 1e-6));
        std::eprintln!("grid: abs {abs:e} rel {rel:e}");
        assert!(abs <= 1e-7, "abs {abs:e}");
        assert!(rel <= 2.5e-7, "rel {rel:e}");
    }

    #[test]
    fn error_over_all_finite_floats() {
        let xs = (0..=u32::MAX).step_by(4093).map(f32::from_bits).filter(|x| x.is_finite());
        let (abs, rel) = worst(xs);
        std::eprintln!("all floats: abs {abs:e} rel {rel:e}");
        assert!(abs <= 1e-7, "abs {abs:e}");
        assert!(rel <= 2.5e-7, "rel {rel:e}");
    }

    #[test]
    fn special_values() {
        assert!(sigmoid_one(f32::NAN).is_nan());
        assert_eq!(sigmoid_one(f32::INFINITY), 1.0);
        assert_eq!(sigmoid_one(f32::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid_one(0.0), 0.5);
        assert_eq!(sigmoid_one(-0.0), 0.5);
        assert_eq!(sigmoid_one(1e30), 1.0);
        assert_eq!(sigmoid_one(-1e30), 0.0);
    }
}
