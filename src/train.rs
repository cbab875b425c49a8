//! One training step (forward, loss, backward, update) on caller-owned buffers (a
//! [`Workspace`]).
//!
//! [`train_step`] is transactional: when it returns `Err`, the model and the optimizer
//! are bit-for-bit as they were before the call. Only the workspace (scratch) changes.

use crate::arch::sqrt::sqrtf;
use crate::kernels::typed;
use crate::loss::{GradTerm, Objective, Penalty};
use crate::nn::{self, Cache, Layer, Matrix, ParamKind, Rows};
use crate::optim::guard::rolled;
use crate::optim::Optimizer;
use crate::workspace::Workspace;

/// Why a training step refused to update, leaving model and optimizer untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepError {
    /// The input batch holds NaN or ±∞ at this row and column.
    NonFiniteInput {
        /// Row in the batch.
        row: usize,
        /// Column.
        col: usize,
    },
    /// The targets hold NaN or ±∞ at this row and column.
    NonFiniteTarget {
        /// Row in the batch.
        row: usize,
        /// Column.
        col: usize,
    },
    /// The loss is NaN or ±∞ (exploding weights or activations).
    NonFiniteLoss,
    /// A gradient component is NaN or ±∞; `index` counts parameters in visiting order.
    NonFiniteGradient {
        /// Parameter index.
        index: usize,
    },
    /// The update would make a parameter (or its velocity) overflow.
    NonFiniteUpdate {
        /// Parameter index.
        index: usize,
    },
}

impl core::fmt::Display for StepError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StepError::NonFiniteInput { row, col } => write!(f, "input is not finite at row {row}, column {col}"),
            StepError::NonFiniteTarget { row, col } => write!(f, "target is not finite at row {row}, column {col}"),
            StepError::NonFiniteLoss => write!(f, "loss is not finite"),
            StepError::NonFiniteGradient { index } => write!(f, "gradient of parameter {index} is not finite"),
            StepError::NonFiniteUpdate { index } => write!(f, "update would make parameter {index} overflow"),
        }
    }
}

impl core::error::Error for StepError {}

/// What a successful step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
    /// The objective (data loss plus penalty) before the update.
    pub loss: f32,
    /// The data loss alone.
    pub data_loss: f32,
    /// L2 norm of the gradient before clipping.
    pub grad_norm: f32,
    /// Whether clipping changed the gradient.
    pub clipped: bool,
    /// The learning rate used.
    pub lr: f32,
    /// Steps taken, this one included.
    pub step: u32,
}

/// Whether every value is finite: one sweep without an early exit (no per-element branch),
/// for the common case where there is nothing to find; the search runs only on failure.
fn all_finite(m: &[f32]) -> bool {
    // On the bits: `(|v| bits) + 2²³` carries into the sign bit exactly when the exponent is
    // all ones (∞ or NaN), so OR-ing those sums sets the top bit iff some value is not
    // finite. Four integer operations per value, no float compare (`tests::all_finite_…`).
    let top = m.iter().fold(0u32, |acc, v| acc | ((v.to_bits() & 0x7fff_ffff) + 0x0080_0000));
    top & 0x8000_0000 == 0
}

fn first_non_finite(m: &[f32]) -> Option<usize> {
    if all_finite(m) {
        return None;
    }
    position_non_finite(m)
}

/// The search behind [`first_non_finite`] and the gradient norm's slow path: out of line
/// and not generic, so a model's step carries one copy of it, not one per layer and shape
/// (flash matters on microcontrollers; the search runs only when something is wrong).
#[cold]
#[inline(never)]
fn position_non_finite(m: &[f32]) -> Option<usize> {
    rolled(m).position(|v| !v.is_finite())
}

/// `2⁻⁸⁰`: scales any finite `g` so that `(g·2⁻⁸⁰)² < 2⁹⁶`, hence a sum of up to 2³² such
/// squares is finite; a power of two, so the scaling itself rounds nothing.
const NORM_SCALE: f32 = 1.0 / (1u128 << 80) as f32;

/// `acc + Σ (v·2⁻⁸⁰)²` over a slice, left to right: the overflow-free norm (out of line and
/// not generic, as above; the running sum is passed in so the order is one sum over all).
#[cold]
#[inline(never)]
fn sum_sq_scaled(acc: f32, m: &[f32]) -> f32 {
    rolled(m).fold(acc, |sum, v| {
        let s = v * NORM_SCALE;
        sum + s * s
    })
}

/// The row and column of the first non-finite value of a row-major matrix with `cols`
/// columns.
fn check_rows(m: &[f32], cols: usize) -> Option<(usize, usize)> {
    first_non_finite(m).map(|i| (i.checked_div(cols).unwrap_or(0), i.checked_rem(cols).unwrap_or(i)))
}

/// The L2 norm of all gradients, without overflow for any finite gradient; `Err(index)`
/// names the first non-finite component.
///
/// One pass in the common case: `Σg²` is finite only if every `g` is (a NaN or ±∞ makes a
/// NaN or +∞ term, and no term is negative), so the finiteness check and the overflow-free
/// rescaled sum are needed only when `Σg²` is not finite.
/// `train_step` gets `Σg²` from [`penalty_grad_and_squares`] and calls [`norm_from`].
#[cfg(test)]
fn grad_norm<M: nn::Params>(grads: &M) -> Result<f32, usize> {
    let mut sum = 0.0f32;
    grads.visit(&mut |_, g| sum += typed::sum_sq(g));
    norm_from(sum, grads)
}

/// [`grad_norm`] from its `Σg²`.
fn norm_from<M: nn::Params + ?Sized>(sum_sq: f32, grads: &M) -> Result<f32, usize> {
    if sum_sq.is_finite() {
        return Ok(sqrtf(sum_sq));
    }
    grad_norm_slow(grads)
}

/// Adds the penalty's gradient to `grads` ([`Penalty::add_grad`]) and returns `(Σg², Σw²)`
/// over all parameters, in visiting order: the sums of [`grad_norm`] (of the new gradients)
/// and `optim::guard::update_bounded`, bit for bit. Without a penalty, or with ridge only, that is one
/// kernel call per parameter slice (`axpy_sum_sq` for a weight under ridge, else
/// `sum_sq_pair`) instead of three passes; with L1 the general loop runs first.
fn penalty_grad_and_squares<M: nn::Params + ?Sized>(
    penalty: &Penalty,
    model: &M,
    grads: &mut M,
    rows: usize,
) -> (f32, f32) {
    let ridge = match penalty.grad_term(rows) {
        GradTerm::None => None,
        GradTerm::Ridge(c2) => Some(c2),
        GradTerm::General(..) => {
            penalty.add_grad(model, grads, rows);
            None
        }
    };
    let (mut g2, mut w2) = (0.0f32, 0.0f32);
    grads.zip_mut(model, &mut |kind, g, w| {
        let (sw, sg) = match ridge {
            Some(c2) if kind == ParamKind::Weight => typed::axpy_sum_sq(c2, w, g),
            _ => typed::sum_sq_pair(w, g),
        };
        w2 += sw;
        g2 += sg;
    });
    (g2, w2)
}

/// [`grad_norm`] when `Σg²` is not finite: either a component is not finite, or the sum
/// overflowed and is recomputed scaled by `2⁻⁸⁰` ([`NORM_SCALE`]). Squares that the scaling
/// pushes below the subnormal range come from components under 2⁶, and the sum that
/// overflowed is at least 2¹²⁸: what they lose is far below one rounding of the result.
#[cold]
fn grad_norm_slow<M: nn::Params + ?Sized>(grads: &M) -> Result<f32, usize> {
    let mut norm = SlowNorm { scaled: 0.0, seen: 0, bad: None };
    grads.visit(&mut |_, g| norm.add(g));
    match norm.bad {
        Some(i) => Err(i),
        None => Ok(sqrtf(norm.scaled) / NORM_SCALE),
    }
}

/// The running state of [`grad_norm_slow`], fed one parameter slice at a time by a method
/// that is not generic (one copy per program, not one inlined per layer).
struct SlowNorm {
    scaled: f32,
    seen: usize,
    bad: Option<usize>,
}

impl SlowNorm {
    #[cold]
    #[inline(never)]
    fn add(&mut self, g: &[f32]) {
        if self.bad.is_none() {
            self.bad = position_non_finite(g).map(|i| self.seen + i);
            self.scaled = sum_sq_scaled(self.scaled, g);
        }
        self.seen += g.len();
    }
}

/// One step of gradient descent on the batch `(x, y)`: forward, loss, backward, penalty,
/// the optimizer's direction `d` (clipping, momentum) and the update `w ← w − η·d`, with no
/// allocation.
///
/// On `Err` the model and optimizer are exactly as before (tested bit for bit).
pub fn train_step<M: Layer, O: Optimizer<M>, const B: usize>(
    model: &mut M,
    x: &Rows<M::In, B>,
    y: &Rows<M::Out, B>,
    ws: &mut Workspace<M, B>,
    opt: &mut O,
    objective: &Objective,
) -> Result<StepReport, StepError> {
    let batch = Batch {
        x: x.flat(),
        x_cols: <Rows<M::In, B> as Matrix>::COLS,
        y: y.flat(),
        y_cols: <Rows<M::Out, B> as Matrix>::COLS,
        rows: B,
    };
    let mut pass = Bricks { x, cache: &mut ws.cache };
    step(model, &mut ws.grads, &mut pass, &batch, opt, objective)
}

/// A training batch as flat row-major slices: `rows` rows of `x_cols` inputs and `y_cols`
/// targets (the lengths match by construction or were checked by the caller).
pub(crate) struct Batch<'a> {
    pub(crate) x: &'a [f32],
    pub(crate) x_cols: usize,
    pub(crate) y: &'a [f32],
    pub(crate) y_cols: usize,
    pub(crate) rows: usize,
}

/// The network-specific half of a step, so that [`step`] (the checks, the loss, the
/// penalty, the optimizer) is one piece of code for the const-generic bricks and for the
/// run-time network.
pub(crate) trait Pass<P: ?Sized> {
    /// The forward pass of the batch's inputs through `model`.
    fn forward(&mut self, model: &P);
    /// The network's output and the buffer for the loss's gradient with respect to it.
    fn output(&mut self) -> (&[f32], &mut [f32]);
    /// The backward pass: the parameter gradients into `grads` (overwritten), from the
    /// output gradient the loss wrote.
    fn backward(&mut self, model: &P, grads: &mut P);
}

/// [`Pass`] for a stack of bricks over a [`Workspace`]'s cache.
struct Bricks<'a, M: Layer, const B: usize> {
    x: &'a Rows<M::In, B>,
    cache: &'a mut M::Cache<B>,
}

impl<M: Layer, const B: usize> Pass<M> for Bricks<'_, M, B> {
    #[inline(always)]
    fn forward(&mut self, model: &M) {
        model.forward(self.x, self.cache);
    }

    #[inline(always)]
    fn output(&mut self) -> (&[f32], &mut [f32]) {
        let (out, dout) = self.cache.split_mut();
        (out.flat(), dout.flat_mut())
    }

    #[inline(always)]
    fn backward(&mut self, model: &M, grads: &mut M) {
        model.backward(self.x, self.cache, None, grads);
    }
}

/// The transactional step over any [`nn::Params`] (see [`train_step`]): both the bricks and
/// [`crate::runtime`] networks train through this one function.
#[inline(always)]
pub(crate) fn step<P: nn::Params + ?Sized, O: Optimizer<P> + ?Sized, S: Pass<P>>(
    model: &mut P,
    grads: &mut P,
    pass: &mut S,
    batch: &Batch<'_>,
    opt: &mut O,
    objective: &Objective,
) -> Result<StepReport, StepError> {
    if let Some((row, col)) = check_rows(batch.x, batch.x_cols) {
        return Err(StepError::NonFiniteInput { row, col });
    }

    pass.forward(model);
    let (out, dout) = pass.output();
    let data_loss = objective.loss.eval(batch.rows, batch.y_cols, out, batch.y, dout);
    let loss = data_loss + objective.penalty.value(model, batch.rows);
    if !loss.is_finite() {
        // The targets are checked only here: a NaN or ±∞ target always makes the data loss
        // non-finite (every loss adds a NaN or ∞ term for it, see `Loss::eval`), so a finite
        // loss proves them finite, and a bad target is still reported as such, before the
        // loss. Only the workspace has been written so far.
        if let Some((row, col)) = check_rows(batch.y, batch.y_cols) {
            return Err(StepError::NonFiniteTarget { row, col });
        }
        return Err(StepError::NonFiniteLoss);
    }

    pass.backward(model, grads);
    // The penalty's gradient, the gradient norm's Σg² and the weights' Σw² (for the update's
    // proof below; the weights do not change before it) in one pass over the parameters.
    let (g2, w2) = penalty_grad_and_squares(&objective.penalty, model, grads, batch.rows);
    let norm = norm_from(g2, grads).map_err(|index| StepError::NonFiniteGradient { index })?;
    // The optimizer turns the gradient into the direction `d`, in place (it cannot change
    // itself here: `direction` takes `&self`).
    let dir = opt.direction(grads, norm);

    // Dry run: refuse an update that could overflow, before anything is written.
    if let Some(index) = opt.first_unsafe(model, grads, &dir, w2) {
        return Err(StepError::NonFiniteUpdate { index });
    }
    opt.update(model, grads, &dir);
    Ok(StepReport { loss, data_loss, grad_norm: norm, clipped: dir.clipped, lr: dir.lr, step: opt.steps() })
}

#[cfg(test)]
mod tests {
    //! The one-pass checks against the straightforward passes they replaced.
    use super::*;
    use crate::nn::{Bias, Dense};
    use crate::optim::guard::{first_unsafe_descent as first_unsafe_update, update_bounded};
    use crate::optim::{direction_bound, Clip};

    type Net = (Dense<3, 2>, Dense<2, 2>);

    fn net(vals: &[f32]) -> Net {
        let mut n: Net = (Dense::zeros(Bias::With), Dense::zeros(Bias::With));
        let mut i = 0;
        n.visit_mut(&mut |_, p| {
            for v in p {
                *v = vals[i % vals.len()];
                i += 1;
            }
        });
        n
    }

    /// The gradient norm in f64 (no overflow possible for f32 inputs), and the index of the
    /// first non-finite component.
    fn norm_reference(g: &Net) -> Result<f64, usize> {
        let (mut sum, mut i, mut bad) = (0.0f64, 0usize, None);
        g.visit(&mut |_, s| {
            for &v in s {
                if bad.is_none() && !v.is_finite() {
                    bad = Some(i);
                }
                i += 1;
                sum += f64::from(v) * f64::from(v);
            }
        });
        bad.map_or(Ok(sum.sqrt()), Err)
    }

    /// The dry run as it was: per component, `d` finite and `|w| + |lr·d|` finite.
    fn dry_run_reference(w: &Net, d: &Net, lr: f32) -> Option<usize> {
        let (mut bad, mut base) = (None, 0usize);
        w.zip(d, &mut |_, w, d| {
            if bad.is_none() {
                bad = w
                    .iter()
                    .zip(d)
                    .position(|(&w, &d)| !(d.is_finite() && (libm::fabsf(w) + libm::fabsf(lr * d)).is_finite()))
                    .map(|i| base + i);
            }
            base += w.len();
        });
        bad
    }

    const CASES: [&[f32]; 7] = [
        &[0.5, -1.25, 3.0, 0.0, -0.0, 7.5e-3],
        &[1e30, -2e30, 3e30],
        &[f32::MAX, 1.0],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, f32::NAN],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, f32::NEG_INFINITY],
        &[f32::INFINITY, f32::NAN],
        &[1e-40, -3e-39],
    ];

    #[test]
    fn all_finite_on_the_bits_agrees_with_is_finite() {
        let edge =
            [0.0, -0.0, 1.0, f32::MAX, -f32::MAX, f32::MIN_POSITIVE, 1e-45, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        for &a in &edge {
            for &b in &edge {
                assert_eq!(all_finite(&[a, b]), a.is_finite() && b.is_finite(), "{a:e} {b:e}");
            }
        }
        let mut bits = 1u32;
        for _ in 0..100_000 {
            let v = f32::from_bits(bits);
            assert_eq!(all_finite(&[1.0, v]), v.is_finite(), "{bits:#x}");
            bits = bits.wrapping_mul(747_796_405).wrapping_add(2_891_336_453); // an LCG over all patterns
        }
        assert!(all_finite(&[]));
        assert!(!all_finite(&[f32::from_bits(0x7f80_0001)]) && !all_finite(&[f32::from_bits(0xffff_ffff)]));
    }

    #[test]
    fn grad_norm_matches_the_f64_reference() {
        let mut overflowed = 0;
        for vals in CASES {
            let g = net(vals);
            match (grad_norm(&g), norm_reference(&g)) {
                (Ok(got), Ok(want)) => {
                    let mut sum = 0.0f32;
                    g.visit(&mut |_, s| sum += typed::sum_sq(s));
                    if sum.is_finite() {
                        // The one-pass path: exactly √(Σg²) in f32.
                        assert_eq!(got.to_bits(), sqrtf(sum).to_bits(), "{vals:?}");
                    } else {
                        // The rescaled path: within 4 rounding steps of the true norm.
                        overflowed += 1;
                        if want > f64::from(f32::MAX) {
                            assert_eq!(got, f32::INFINITY, "{vals:?}");
                            continue;
                        }
                        let err = (f64::from(got) - want).abs() / want;
                        assert!(err < 4.0 * f64::from(f32::EPSILON), "{vals:?}: {got} vs {want} ({err:e})");
                    }
                }
                (got, want) => assert_eq!(got.map(f64::from), want, "{vals:?}"),
            }
        }
        assert_eq!(overflowed, 2);
        assert_eq!(
            grad_norm(&net(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, f32::NAN])),
            Err(13)
        );
        assert_eq!(grad_norm(&net(&[3e30, 4e30])).map(|n| (n / 1e30 * 1e3).round()), Ok(13229.0));
        // A norm above f32::MAX from finite components is +∞, not an error.
        assert_eq!(grad_norm(&net(&[f32::MAX])), Ok(f32::INFINITY));
        // Small components next to huge ones: the scaling drops nothing that shows.
        let mixed = net(&[1e-3, 3e37, 1.0, -4e37, 1e-30]);
        let want = norm_reference(&mixed).unwrap();
        assert!((f64::from(grad_norm(&mixed).unwrap()) - want).abs() / want < 4.0 * f64::from(f32::EPSILON));
    }

    extern crate std;
    use std::{format, vec::Vec};

    fn bits(n: &Net) -> Vec<u32> {
        let mut v = Vec::new();
        n.visit(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
        v
    }

    /// The fused penalty pass against what it replaced: `add_grad`, then `Σg²` as in
    /// `grad_norm` and `Σw²` as in `update_bounded`, bit for bit (gradients, both sums).
    #[test]
    fn penalty_pass_matches_the_separate_passes() {
        let penalties = [
            Penalty::NONE,
            Penalty::ridge(1e-4).unwrap(),
            Penalty::ridge(3.0).unwrap(),
            Penalty::new(0.1, 0.01).unwrap(),
        ];
        for wv in CASES {
            for gv in CASES {
                for p in penalties {
                    for rows in [1, 4, 50] {
                        let (w, g0) = (net(wv), net(gv));
                        let mut want = g0;
                        p.add_grad(&w, &mut want, rows);
                        let (mut g2, mut w2) = (0.0f32, 0.0f32);
                        want.visit(&mut |_, s| g2 += typed::sum_sq(s));
                        w.visit(&mut |_, s| w2 += typed::sum_sq(s));
                        let mut got = g0;
                        let (fg2, fw2) = penalty_grad_and_squares(&p, &w, &mut got, rows);
                        let what = format!("{wv:?} {gv:?} {p:?} {rows}");
                        assert_eq!(bits(&got), bits(&want), "{what}");
                        assert!(fg2.to_bits() == g2.to_bits() || (fg2.is_nan() && g2.is_nan()), "{what}: {fg2} {g2}");
                        assert!(fw2.to_bits() == w2.to_bits() || (fw2.is_nan() && w2.is_nan()), "{what}: {fw2} {w2}");
                    }
                }
            }
        }
    }

    #[test]
    fn dry_run_matches_the_per_component_reference() {
        for wv in CASES {
            for dv in CASES {
                for lr in [0.1, 1.0, 1e30, 0.0] {
                    let (w, d) = (net(wv), net(dv));
                    assert_eq!(first_unsafe_update(&w, &d, lr), dry_run_reference(&w, &d, lr), "{wv:?} {dv:?} {lr}");
                }
            }
        }
        assert_eq!(first_unsafe_update(&net(&[f32::MAX]), &net(&[1.0, -1e38]), 10.0), Some(1));
    }

    #[test]
    fn the_norm_bound_only_accepts_updates_the_dry_run_accepts() {
        let mut accepted = 0;
        for wv in CASES {
            for dv in CASES {
                for lr in [0.1, 1.0, 1e30, 0.0, 1e-30] {
                    let (w, d) = (net(wv), net(dv));
                    let Ok(norm) = grad_norm(&d) else { continue };
                    for clip in [Clip::None, Clip::Value(1e30), Clip::Norm(f32::MAX)] {
                        if update_bounded(&w, lr, direction_bound(clip, norm)) {
                            accepted += 1;
                            assert_eq!(dry_run_reference(&w, &d, lr), None, "{wv:?} {dv:?} {lr} {clip:?}");
                        }
                    }
                }
            }
        }
        assert!(accepted >= 20, "{accepted}");
        // Near the top of the range the bound declines and the dry run decides.
        assert!(!update_bounded(&net(&[f32::MAX / 3.0]), 1.0, 1.0));
        assert!(!update_bounded(&net(&[1.0]), 1.0, f32::MAX / 3.0));
        assert!(!update_bounded(&net(&[f32::NAN]), 1.0, 1.0));
        assert!(update_bounded(&net(&[3.0, 4.0]), 2.0, 10.0));
    }
}
