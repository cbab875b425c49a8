//! Random numbers from any `rand_core::RngCore`, computed the same way on every target
//! (integer bits to float, then `libm`), so a seed means the same numbers everywhere.

use crate::arch::sqrt::sqrtf;
use rand_core::RngCore;

/// Uniform in `[0, 1)`, from the top 24 bits of one `u32` (every value exact in `f32`).
#[inline]
pub fn uniform01<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// Uniform in `[-1, 1)`.
#[inline]
pub fn uniform_pm1<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
    2.0 * uniform01(rng) - 1.0
}

/// Two independent standard normal values (Box–Muller).
pub fn gaussian_pair<R: RngCore + ?Sized>(rng: &mut R) -> (f32, f32) {
    // u1 in (0, 1]: never 0, so the log is finite.
    let u1 = 1.0 - uniform01(rng);
    let u2 = uniform01(rng);
    let r = sqrtf(-2.0 * libm::logf(u1));
    let theta = 2.0 * core::f32::consts::PI * u2;
    (r * libm::cosf(theta), r * libm::sinf(theta))
}

/// One standard normal value (the second of the Box–Muller pair is dropped).
#[inline]
pub fn gaussian<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
    gaussian_pair(rng).0
}

/// Fisher–Yates shuffle of `items`.
pub fn shuffle<T, R: RngCore + ?Sized>(items: &mut [T], rng: &mut R) {
    swaps(items.len(), rng, |i, j| items.swap(i, j));
}

/// Shuffles `a` and `b` with the same permutation (inputs and their targets), over their
/// common length; the same draws and swaps as [`shuffle`] on a slice of pairs.
pub fn shuffle_pair<T, U, R: RngCore + ?Sized>(a: &mut [T], b: &mut [U], rng: &mut R) {
    let n = a.len().min(b.len());
    swaps(n, rng, |i, j| {
        a.swap(i, j);
        b.swap(i, j);
    });
}

/// The swaps of a Fisher–Yates shuffle of `len` items (`j ≤ i < len`).
fn swaps<R: RngCore + ?Sized>(len: usize, rng: &mut R, mut swap: impl FnMut(usize, usize)) {
    for i in (1..len).rev() {
        // Lemire's multiply-shift: unbiased enough for shuffling data (bias < 2^-32·len).
        let j = ((u64::from(rng.next_u32()) * (i as u64 + 1)) >> 32) as usize;
        swap(i, j);
    }
}
