//! Fixed-point requantization: the int32 accumulator times a real multiplier `M`, held as
//! a Q31 mantissa `m ∈ [2³⁰, 2³¹)` and a power-of-two `shift` (`M ≈ m·2^(shift−31)`), the
//! gemmlowp / TensorFlow Lite scheme:
//!
//! `MultiplyByQuantizedMultiplier(x) = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·2^left, m), right)`
//! with `left = max(shift, 0)`, `right = max(−shift, 0)`.
//!
//! - the doubling high multiply rounds to nearest with ties toward +∞ (gemmlowp's nudge:
//!   `(x·m + 2³⁰) / 2³¹` for `x·m ≥ 0`, `(x·m + 1 − 2³⁰) / 2³¹` below, division truncating),
//!   and saturates its one overflow case (`i32::MIN²`);
//! - the right shift rounds half away from zero too;
//! - the left shift saturates (TensorFlow Lite leaves that overflow undefined).
//!
//! Pure integer arithmetic on `i32`/`i64`, so the same bits on every target.

/// `round(a·b / 2³¹)`, ties toward +∞; `i32::MIN·i32::MIN` saturates to `i32::MAX`.
#[inline]
pub(crate) fn doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // `(ab + nudge) / 2³¹` truncating toward zero, as in C, by a shift (no 64-bit division
    // call on 32-bit targets); |ab + nudge| < 2⁶², so the quotient fits in i32.
    let v = ab + nudge;
    let bias = if v < 0 { (1i64 << 31) - 1 } else { 0 };
    ((v + bias) >> 31) as i32
}

/// `round(x / 2^exp)`, half away from zero, for `exp ≤ 31`.
#[inline]
pub(crate) fn rounding_shift_right(x: i32, exp: u32) -> i32 {
    let exp = exp.min(31);
    let mask = ((1u64 << exp) - 1) as u32;
    let rem = (x as u32) & mask;
    let threshold = (mask >> 1) + u32::from(x < 0);
    (x >> exp) + i32::from(rem > threshold)
}

/// `x · M` rounded, with `M` given as `(m, shift)` (see the module docs). Valid pairs are
/// `m = 0, shift = 0` (the zero multiplier) or `m ∈ [2³⁰, 2³¹)`, `shift ∈ [−31, 30]`.
#[inline]
pub(crate) fn multiply(x: i32, m: i32, shift: i8) -> i32 {
    let left = if shift > 0 { shift as u32 } else { 0 };
    let right = if shift < 0 { shift.unsigned_abs() as u32 } else { 0 };
    let shifted = x.saturating_mul(1i32 << left.min(30));
    rounding_shift_right(doubling_high_mul(shifted, m), right)
}

/// Whether `(m, shift)` is a multiplier [`multiply`] is defined for.
#[inline]
pub(crate) fn valid(m: i32, shift: i8) -> bool {
    (m == 0 && shift == 0) || (m >= 1 << 30 && (-31..=30).contains(&shift))
}

/// The `(m, shift)` closest to `real` (round half away from zero on the mantissa), or
/// `None` if `real` is negative, not finite or at least 2³⁰. A `real` below 2⁻³² becomes
/// the zero multiplier: its product with any int32 rounds to 0 anyway.
pub(crate) fn quantize_multiplier(real: f64) -> Option<(i32, i8)> {
    if !real.is_finite() || real < 0.0 {
        return None;
    }
    if real < 1.0 / 4_294_967_296.0 {
        return Some((0, 0));
    }
    let (q, mut e) = libm::frexp(real); // real = q·2^e, q ∈ [0.5, 1)
    let mut m = libm::round(q * 2_147_483_648.0) as i64;
    if m == 1 << 31 {
        m /= 2;
        e += 1;
    }
    if e > 30 {
        return None;
    }
    if e < -31 {
        return Some((0, 0));
    }
    Some((m as i32, e as i8))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact rational `x·m·2^(shift−31)`, rounded half away from zero, through i128.
    fn reference(x: i32, m: i32, shift: i8) -> i64 {
        // The high multiply rounds first, then the shift: reproduce both roundings.
        let left = shift.max(0) as u32;
        let right = (-(shift.min(0) as i32)) as u32;
        let xs = (i64::from(x) << left).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i128;
        let p = xs * i128::from(m);
        let d = 1i128 << 31;
        let h = if p >= 0 { (p + d / 2) / d } else { -((-p + d / 2 - 1) / d) };
        let h = h.clamp(i128::from(i32::MIN), i128::from(i32::MAX));
        let r = 1i128 << right;
        let q = if h >= 0 { (h + r / 2) / r } else { -((-h + r / 2) / r) };
        q as i64
    }

    #[test]
    fn multiply_matches_the_rational_reference() {
        let xs = [0, 1, -1, 2, -2, 3, 127, -128, 1000, -1000, 65_535, -65_536, i32::MAX, i32::MIN, 1 << 30, -(1 << 30)];
        let ms = [1 << 30, (1 << 30) + 1, 1_518_500_250, i32::MAX, 1_234_567_890];
        for &x in &xs {
            for &m in &ms {
                for shift in -31i8..=30 {
                    assert_eq!(i64::from(multiply(x, m, shift)), reference(x, m, shift), "x {x} m {m} shift {shift}");
                }
            }
        }
        assert_eq!(multiply(12345, 0, 0), 0);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(rounding_shift_right(5, 1), 3);
        assert_eq!(rounding_shift_right(-5, 1), -3);
        assert_eq!(rounding_shift_right(4, 1), 2);
        assert_eq!(rounding_shift_right(-7, 2), -2);
        assert_eq!(rounding_shift_right(-6, 2), -2);
        assert_eq!(rounding_shift_right(i32::MIN, 31), -1);
        assert_eq!(doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        // The high multiply: 0.5 · 3 = 1.5 → 2, −1.5 → −1 (ties toward +∞) ...
        assert_eq!(multiply(3, 1 << 30, 0), 2);
        assert_eq!(multiply(-3, 1 << 30, 0), -1);
        // ... the shift: ±1.5 → ±2 (ties away from zero).
        assert_eq!(multiply(3, 1 << 30, -1), 1); // 3·0.5 = 1.5 → 2 (high mul), then 2/2 = 1
        assert_eq!(multiply(-6, 1 << 30, -1), -2); // −3 then −1.5 → −2
    }

    #[test]
    fn multipliers_round_trip() {
        for &real in &[1.0e-9, 0.001, 0.3, 0.5, 0.75, 1.0, 1.9999999, 3.0, 1000.0, 1.0e8] {
            let (m, s) = quantize_multiplier(real).unwrap();
            assert!(valid(m, s), "{real}");
            let back = m as f64 * libm::pow(2.0, f64::from(s) - 31.0);
            assert!((back - real).abs() <= real * 1e-9, "{real} -> {back}");
        }
        assert_eq!(quantize_multiplier(0.0), Some((0, 0)));
        assert_eq!(quantize_multiplier(1e-12), Some((0, 0)));
        assert_eq!(quantize_multiplier(-1.0), None);
        assert_eq!(quantize_multiplier(f64::NAN), None);
        assert_eq!(quantize_multiplier(f64::INFINITY), None);
        assert_eq!(quantize_multiplier(2.0e9), None);
    }
}
