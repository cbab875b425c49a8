//! The dry run of an update: whether writing it would leave every parameter finite, decided
//! before anything is written (a refused step changes nothing). Cheap proofs first, from
//! norms the step has already computed; a per-parameter search only when they fail.

use crate::arch::sqrt::sqrtf;
#[cfg(test)]
use crate::kernels::typed;
use crate::nn::Params;

/// The values of `m` for a cold loop that should stay small: the optimizer sees neither the
/// slice's length nor its values (`black_box`, identity in meaning), so it neither unrolls
/// the loop for the shapes the caller happens to have nor runtime-unrolls it (an opaque use
/// per element stops that on M-class Arm). At O3 a 6-long search otherwise becomes ≈ 300 B
/// of straight code per function on a Cortex-M4F (docs/embedded.md, "Flash"); the price is
/// a store and a load per element on paths that run only when something is wrong.
pub(crate) fn rolled(m: &[f32]) -> impl Iterator<Item = f32> + '_ {
    core::hint::black_box(m).iter().map(|&v| core::hint::black_box(v))
}

/// `|w| + |lr·d|`, a bound of `|w − lr·d|` under any rounding (FMA or not).
fn update_bound(lr: f32, w: f32, d: f32) -> f32 {
    libm::fabsf(w) + libm::fabsf(lr * d)
}

/// Whether `w − lr·d` is finite under any rounding: its [`update_bound`] is finite. This also
/// refuses a non-finite `d` (`lr` is finite, so `lr·d` is then NaN or ±∞).
fn update_is_finite(lr: f32, w: f32, d: f32) -> bool {
    update_bound(lr, w, d).is_finite()
}

/// The search behind [`first_unsafe_descent`]: out of line and not generic (one copy per
/// program, see [`position_non_finite`]); it runs only when a step is refused.
#[cold]
#[inline(never)]
fn position_unsafe_update(w: &[f32], d: &[f32], lr: f32) -> Option<usize> {
    rolled(w).zip(rolled(d)).position(|(w, d)| !update_is_finite(lr, w, d))
}

/// Whether every update `wᵢ − η·dᵢ` is surely finite, from two numbers: `√Σw²` bounds every
/// `|wᵢ|`, `bound` every `|dᵢ|` ([`Direction::bound`](crate::optim::Direction::bound)), so
/// if `√Σw² + |η|·bound·1.01` is at most `f32::MAX / 4` then every `|wᵢ| + |η·dᵢ|` is too,
/// with a margin far larger than any rounding (FMA or not). One pass over the weights
/// instead of the per-parameter dry run; `false` (then [`first_unsafe_descent`] decides)
/// whenever the proof does not go through, e.g. a non-finite or huge weight, so what is
/// refused and the index reported are unchanged.
/// `train_step` gets `Σw²` from [`penalty_grad_and_squares`] and calls [`bounded_by`].
#[cfg(test)]
pub(crate) fn update_bounded<M: Params>(model: &M, lr: f32, bound: f32) -> bool {
    let mut w2 = 0.0f32;
    model.visit(&mut |_, w| w2 += typed::sum_sq(w));
    bounded_by(w2, lr, bound)
}

/// [`update_bounded`] from its `Σw²`.
pub(crate) fn bounded_by(w2: f32, lr: f32, bound: f32) -> bool {
    sqrtf(w2) + libm::fabsf(lr) * (bound * 1.01) <= f32::MAX / 4.0
}

/// The index (in visiting order) of the first parameter whose update [`update_is_finite`]
/// refuses, if any: the per-parameter dry run, for when [`update_bounded`] cannot prove the
/// step safe (momentum, or a weight or gradient near the top of the range).
pub(crate) fn first_unsafe_descent<M: Params + ?Sized>(model: &M, d: &M, lr: f32) -> Option<usize> {
    let (mut bad, mut base) = (None, 0usize);
    model.zip(d, &mut |_, w, d| {
        if bad.is_none() {
            bad = slice_unsafe_update(w, d, lr).map(|i| base + i);
        }
        base += w.len();
    });
    bad
}

/// [`first_unsafe_descent`] for one slice. The common case costs one sum: every bound is
/// ≥ 0, so a finite `Σ(|w| + |lr·d|)` proves each bound finite; only when the sum is not
/// finite (a bad bound, or merely an overflowing sum) are the components searched one by
/// one. Out of line and not generic: one copy per program (flash on microcontrollers).
#[inline(never)]
fn slice_unsafe_update(w: &[f32], d: &[f32], lr: f32) -> Option<usize> {
    let sum: f32 = rolled(w).zip(rolled(d)).map(|(w, d)| update_bound(lr, w, d)).sum();
    if sum.is_finite() {
        None
    } else {
        position_unsafe_update(w, d, lr)
    }
}
