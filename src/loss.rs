//! Losses on the network's output and the weight penalties added to them.
//!
//! With `B` rows, targets `Y` and outputs `H`:
//! - [`Loss::Mse`]: `Σ(Y−H)²/(2B)`, gradient `(H−Y)/B`;
//! - [`Loss::SoftmaxCrossEntropy`]: `−Σ Y⊙log softmax(H)/B` (rows of `H` are logits),
//!   gradient `(s⊙softmax(H)−Y)/B`, where `s` is each row's target sum `Σₖ yₖ`; for
//!   one-hot or other rows summing to 1 that is the familiar `(softmax(H)−Y)/B`;
//! - [`Penalty`]: ridge `λ₂·ΣW²/(2B)` (gradient `λ₂W/B`) and L1 `λ₁·Σ|W|/B` (gradient
//!   `λ₁·sign(W)/B`), over weights only, never biases.
//!
//! These are the true gradients of the stated loss, for any finite targets: cross-entropy
//! targets need not be one-hot, nor sum to 1 per row (soft labels, label smoothing, a
//! one-column output). With a single output column, `softmax(H) = 1`, so the loss is 0 and
//! its gradient exactly 0: only the penalty moves the weights. (The article's numpy code
//! adds the scalar `λ·ΣW²` to the gradient and omits the `1/B`; stacknet does not copy that.)

use crate::nn::{Layer, ParamKind};

/// The data term of the objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Loss {
    /// Mean squared error `Σ(Y−H)²/(2B)`, the article's loss.
    #[default]
    Mse,
    /// Softmax cross-entropy over each row; put no sigmoid after the last `Dense`.
    SoftmaxCrossEntropy,
}

impl Loss {
    /// The loss of `pred` against `target` (both `rows × cols`, row-major), writing
    /// `∂loss/∂pred` into `grad`. Shapes are checked by the caller.
    ///
    /// A NaN or ±∞ target always gives a non-finite loss (its term is NaN or +∞, and no
    /// later term can bring the sum back): `train_step` relies on it to check the targets
    /// only when the loss is not finite (tested below).
    pub fn eval(self, rows: usize, cols: usize, pred: &[f32], target: &[f32], grad: &mut [f32]) -> f32 {
        let inv_b = 1.0 / rows as f32;
        match self {
            // The scalar tier runs the left-to-right loop of `arch::scalar::mse_grad`.
            Loss::Mse => crate::kernels::typed::mse_grad(pred, target, inv_b, grad) * 0.5 * inv_b,
            Loss::SoftmaxCrossEntropy => {
                let mut sum = 0.0f32;
                if cols == 0 {
                    return 0.0; // no classes; `chunks_exact(0)` would panic
                }
                for ((g, h), y) in
                    grad.chunks_exact_mut(cols).zip(pred.chunks_exact(cols)).zip(target.chunks_exact(cols))
                {
                    let max = h.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let mut z = 0.0f32;
                    for &v in h {
                        z += libm::expf(v - max);
                    }
                    let log_z = libm::logf(z) + max;
                    // The row's target mass `s = Σy`: the loss `−Σ y·log p` has gradient
                    // `s·p − y`, which is `p − y` only when `s = 1`. For a row that sums to
                    // exactly 1.0 (one-hot targets), `s·p` is `p` bit for bit.
                    let s: f32 = y.iter().sum();
                    for ((g, &h), &y) in g.iter_mut().zip(h).zip(y) {
                        let log_p = h - log_z;
                        sum -= y * log_p;
                        *g = (s * libm::expf(log_p) - y) * inv_b;
                    }
                }
                sum * inv_b
            }
        }
    }
}

/// Weight penalties (ridge and L1). Both coefficients are finite and ≥ 0.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Penalty {
    l2: f32,
    l1: f32,
}

/// A penalty coefficient that is negative or not finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PenaltyError(pub f32);

impl core::fmt::Display for PenaltyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "penalty coefficient must be finite and >= 0, got {}", self.0)
    }
}

impl core::error::Error for PenaltyError {}

impl Penalty {
    /// No penalty.
    pub const NONE: Penalty = Penalty { l2: 0.0, l1: 0.0 };

    /// Ridge `λ·ΣW²/(2B)`.
    pub fn ridge(lambda: f32) -> Result<Self, PenaltyError> {
        Penalty::new(lambda, 0.0)
    }

    /// Ridge `l2·ΣW²/(2B)` plus L1 `l1·Σ|W|/B`.
    pub fn new(l2: f32, l1: f32) -> Result<Self, PenaltyError> {
        for v in [l2, l1] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(PenaltyError(v));
            }
        }
        Ok(Penalty { l2, l1 })
    }

    /// The ridge coefficient.
    pub fn l2(&self) -> f32 {
        self.l2
    }

    /// The L1 coefficient.
    pub fn l1(&self) -> f32 {
        self.l1
    }

    /// Whether both coefficients are zero.
    pub fn is_none(&self) -> bool {
        self.l2 == 0.0 && self.l1 == 0.0
    }

    /// The penalty's value for `model` with batch size `rows`.
    pub fn value<M: Layer>(&self, model: &M, rows: usize) -> f32 {
        if self.is_none() {
            return 0.0;
        }
        let (mut sq, mut abs) = (0.0f32, 0.0f32);
        let l1 = self.l1 != 0.0;
        model.visit(&mut |kind, w| {
            if kind == ParamKind::Weight {
                sq += crate::kernels::typed::sum_sq(w);
                // Skipped without L1: `0·Σ|W|` adds nothing (Σ|W| of finite weights can
                // only overflow to +∞, and an infinite weight already makes `sq` +∞).
                if l1 {
                    for &v in w {
                        abs += libm::fabsf(v);
                    }
                }
            }
        });
        // Coefficients first: `λ₂·0.5/B ≤ λ₂/2` and `λ₁/B ≤ λ₁` are representable for every
        // valid λ, so the value overflows only when the penalty itself does (`λ₂·ΣW²` first
        // would overflow for λ₂ = f32::MAX even with small weights). With a power-of-two `B`
        // only the product with the sum rounds, in either order (away from subnormals).
        let inv_b = 1.0 / rows as f32;
        self.l2 * 0.5 * inv_b * sq + self.l1 * inv_b * abs
    }

    /// What [`Penalty::add_grad`] does to the gradients with batch size `rows`, so that
    /// `train_step` can fuse the common cases with its own passes over the parameters.
    pub(crate) fn grad_term(&self, rows: usize) -> GradTerm {
        if self.is_none() {
            return GradTerm::None;
        }
        // `λ/B ≤ λ`: the coefficients never overflow; each gradient term `c·w` overflows
        // only when the true one does.
        let inv_b = 1.0 / rows as f32;
        let (c2, c1) = (self.l2 * inv_b, self.l1 * inv_b);
        if c1 == 0.0 {
            GradTerm::Ridge(c2)
        } else {
            GradTerm::General(c2, c1)
        }
    }

    /// Adds the penalty's gradient for `model` to `grads`.
    pub fn add_grad<M: Layer>(&self, model: &M, grads: &mut M, rows: usize) {
        let (c2, c1) = match self.grad_term(rows) {
            GradTerm::None => return,
            GradTerm::Ridge(c2) => return ridge_grad(c2, model, grads),
            GradTerm::General(c2, c1) => (c2, c1),
        };
        grads.zip_mut(model, &mut |kind, g, w| {
            if kind == ParamKind::Weight {
                for (g, &w) in g.iter_mut().zip(w) {
                    // sign(0) = 0: the subgradient that keeps zero weights at zero.
                    let s = if w > 0.0 {
                        1.0
                    } else if w < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    *g += c2 * w + c1 * s;
                }
            }
        });
    }
}

/// What [`Penalty::add_grad`] adds ([`Penalty::grad_term`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum GradTerm {
    /// Nothing (no penalty).
    None,
    /// `g += c2·w` over the weights, as one `axpy` each ([`ridge_grad`]).
    Ridge(f32),
    /// `g += c2·w + c1·sign(w)` over the weights (the general loop).
    General(f32, f32),
}

/// `g += c2·w` over the weights: [`Penalty::add_grad`] without L1, as one `axpy` per weight
/// matrix (product then sum, no FMA, like the general loop). The general loop adds
/// `c2·w + 0·sign(w)`, which equals `c2·w` except that it turns a `−0` term into `+0`,
/// which can change the sign of a zero gradient and nothing else.
fn ridge_grad<M: Layer>(c2: f32, model: &M, grads: &mut M) {
    grads.zip_mut(model, &mut |kind, g, w| {
        if kind == ParamKind::Weight {
            crate::kernels::typed::axpy(c2, w, g);
        }
    });
}

/// The whole objective: a loss plus weight penalties.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Objective {
    /// The data term.
    pub loss: Loss,
    /// The penalty on weights.
    pub penalty: Penalty,
}

impl Objective {
    /// The article's objective: MSE plus ridge `λ`.
    pub fn mse_ridge(lambda: f32) -> Result<Self, PenaltyError> {
        Ok(Objective { loss: Loss::Mse, penalty: Penalty::ridge(lambda)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Dense;

    /// Any non-finite target makes the loss non-finite, whatever the predictions (saturated
    /// logits with `p = 1` exactly, huge values, zeros), so `train_step` may skip the target
    /// check whenever the loss is finite.
    #[test]
    fn a_non_finite_target_makes_the_loss_non_finite() {
        let preds: [&[f32]; 4] =
            [&[0.0, 0.5, 1.0, 0.25], &[200.0, -200.0, 0.0, 1e30], &[-1e30, 3.0, 1e-40, -0.0], &[1.0; 4]];
        for loss in [Loss::Mse, Loss::SoftmaxCrossEntropy] {
            for (rows, cols) in [(1, 4), (2, 2), (4, 1)] {
                for pred in preds {
                    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                        for at in 0..4 {
                            let mut target = [0.0, 1.0, 0.0, 0.5];
                            target[at] = bad;
                            let mut grad = [0.0; 4];
                            let l = loss.eval(rows, cols, pred, &target, &mut grad);
                            assert!(!l.is_finite(), "{loss:?} {rows}x{cols} {pred:?} target {target:?}: {l}");
                        }
                    }
                }
            }
        }
    }

    /// The cross-entropy gradient against the analytic f64 one, `(s·p − y)/B` with
    /// `s = Σy` per row, for targets whose rows sum to 1, 0.6, 1.7 and 0; and, for one-hot
    /// rows, bit for bit the `(p − y)/B` it is then equal to.
    #[test]
    fn cross_entropy_gradient_is_exact_for_any_target_sums() {
        let pred = [2.0f32, -1.0, 0.5, 0.0, 3.0, 3.0, -4.0, 1.25, -0.5];
        let targets: [[f32; 9]; 5] = [
            [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            [0.2, 0.3, 0.5, 0.1, 0.1, 0.8, 0.6, 0.2, 0.2],
            [0.1, 0.2, 0.3, 0.6, 0.0, 0.0, 0.0, 0.6, 0.0],
            [1.0, 0.5, 0.2, 0.0, 1.7, 0.0, 0.3, 0.3, 1.1],
            [0.0, 0.0, 0.0, 0.5, -0.25, -0.25, 2.0, -1.0, 0.0],
        ];
        for target in targets {
            let mut grad = [0.0f32; 9];
            let loss = Loss::SoftmaxCrossEntropy.eval(3, 3, &pred, &target, &mut grad);
            let (mut want_loss, b) = (0.0f64, 3.0f64);
            for r in 0..3 {
                let h: [f64; 3] = core::array::from_fn(|c| f64::from(pred[3 * r + c]));
                let y: [f64; 3] = core::array::from_fn(|c| f64::from(target[3 * r + c]));
                let z: f64 = h.iter().map(|v| libm::exp(*v)).sum();
                let s: f64 = y.iter().sum();
                for c in 0..3 {
                    let p = libm::exp(h[c]) / z;
                    want_loss -= y[c] * libm::log(p) / b;
                    let want = (s * p - y[c]) / b;
                    let got = f64::from(grad[3 * r + c]);
                    assert!((got - want).abs() <= 1e-6 * (1.0 + want.abs()), "{target:?}[{r},{c}]: {got} vs {want}");
                }
            }
            assert!((f64::from(loss) - want_loss).abs() <= 1e-6 * (1.0 + want_loss.abs()), "{target:?}: {loss}");
        }
        // One-hot rows sum to exactly 1.0, so `s·p` is `p`: the familiar formula, bit for bit.
        let mut grad = [0.0f32; 9];
        Loss::SoftmaxCrossEntropy.eval(3, 3, &pred, &targets[0], &mut grad);
        for r in 0..3 {
            let h = &pred[3 * r..3 * r + 3];
            let max = h.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let log_z = libm::logf(h.iter().map(|&v| libm::expf(v - max)).sum::<f32>()) + max;
            for c in 0..3 {
                let old = (libm::expf(h[c] - log_z) - targets[0][3 * r + c]) * (1.0 / 3.0);
                assert_eq!(grad[3 * r + c].to_bits(), old.to_bits(), "[{r},{c}]");
            }
        }
    }

    /// Ridge without L1 goes through [`ridge_grad`]; it must equal the general loop's
    /// `g + (c2·w + c1·sign(w))` with `c1 = 0`, bit for bit (no zero gradients here).
    #[test]
    fn ridge_grad_matches_the_general_penalty_loop() {
        let w = [[0.5f32, -1.25, 3.0, 1e-3, -7.0], [2.5, -0.125, 9.0, -4e-2, 1e20]];
        let model = Dense::from_parts(w, Some([1.0, 2.0, 3.0, 4.0, 5.0]));
        let g0 = Dense::from_parts([[0.25f32, 1.5, -2.0, 3.5, -0.75], [1.0, -1.0, 0.5, -0.5, 2.0]], Some([9.0; 5]));
        for (l2, rows) in [(1e-4f32, 4usize), (0.3, 50), (2.0, 1)] {
            let mut fast = g0;
            Penalty::ridge(l2).unwrap().add_grad(&model, &mut fast, rows);
            let c2 = l2 * (1.0 / rows as f32);
            let mut want = g0;
            for (gr, wr) in want.weights_mut().iter_mut().zip(&w) {
                for (g, &wv) in gr.iter_mut().zip(wr) {
                    let s = if wv > 0.0 { 1.0 } else { -1.0 };
                    *g += c2 * wv + 0.0 * s;
                }
            }
            assert_eq!(fast, want, "l2 {l2}, rows {rows}");
            assert_eq!(fast.bias(), g0.bias(), "biases are not penalised");
        }
    }
}
