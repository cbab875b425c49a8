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
//!
//! Build an [`Objective`] with its constructors, one per loss, with or without ridge:
//!
//! ```
//! use stacknet::loss::{Loss, Objective, Penalty};
//!
//! // Regression, or the article's sigmoid classifier: MSE, optionally with ridge.
//! let article = Objective::mse_ridge(1e-4)?;
//! // Multi-class: softmax cross-entropy on the last `Dense`'s outputs (the logits).
//! let classes = Objective::softmax_cross_entropy();
//! // Any loss with any penalty (ridge and L1 together here).
//! let sparse = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(1e-4, 1e-5)?);
//! assert_eq!(classes.loss, sparse.loss);
//! assert_eq!(article.penalty.l2(), 1e-4);
//! # Ok::<(), stacknet::loss::PenaltyError>(())
//! ```
//!
//! After training, [`Loss::probabilities`] turns a row of the network's output into the
//! per-class scores the loss trained it for: [`softmax`] of the logits for cross-entropy,
//! the outputs as they are for MSE.

use crate::nn::{ParamKind, Params, ParamsRef};

/// The data term of the objective.
///
/// ```
/// use stacknet::loss::Loss;
///
/// // Two rows of three outputs against one-hot targets; `grad` receives ∂loss/∂output.
/// let out = [2.0, 0.0, -1.0, 0.5, 0.5, 3.0];
/// let target = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
/// let mut grad = [0.0; 6];
/// let ce = Loss::SoftmaxCrossEntropy.eval(2, 3, &out, &target, &mut grad);
/// assert!(ce > 0.0 && ce < 0.2);
/// // Each row of the cross-entropy gradient sums to 0 for one-hot targets.
/// assert!((grad[0] + grad[1] + grad[2]).abs() < 1e-7);
///
/// let mse = Loss::Mse.eval(2, 3, &out, &target, &mut grad);
/// assert_eq!(grad[0], (2.0 - 1.0) / 2.0); // (H − Y)/B
/// assert!(mse > 1.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Loss {
    /// Mean squared error `Σ(Y−H)²/(2B)`, the article's loss.
    #[default]
    Mse,
    /// Softmax cross-entropy over each row; put no sigmoid after the last `Dense`: its
    /// outputs are the logits, and [`softmax`] of a row gives the class probabilities.
    SoftmaxCrossEntropy,
}

impl Loss {
    /// The per-class scores of one output row, as this loss trained the network to give
    /// them: for [`Loss::SoftmaxCrossEntropy`] the row holds logits and the scores are its
    /// [`softmax`] (probabilities that sum to 1); for [`Loss::Mse`] the outputs are
    /// already the scores (with a [`Sigmoid`](crate::nn::Sigmoid) last, each in `(0, 1)`)
    /// and are returned as they are.
    ///
    /// ```
    /// use stacknet::loss::Loss;
    ///
    /// let p = Loss::SoftmaxCrossEntropy.probabilities(&[1.0, 1.0, 1.0, 1.0]);
    /// assert_eq!(p, [0.25; 4]);
    /// let s = Loss::Mse.probabilities(&[0.9, 0.2]);
    /// assert_eq!(s, [0.9, 0.2]);
    /// ```
    pub fn probabilities<const C: usize>(self, row: &[f32; C]) -> [f32; C] {
        match self {
            Loss::Mse => *row,
            Loss::SoftmaxCrossEntropy => softmax(row),
        }
    }

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

/// The softmax of a row of logits: `pᵢ = e^(hᵢ − m) / Σⱼ e^(hⱼ − m)` with `m` the row's
/// maximum, so large logits do not overflow. For finite logits every `pᵢ` is finite and in
/// `[0, 1]` and they sum to 1 (up to rounding). Non-finite logits never panic: a NaN or
/// `+∞` logit makes the row NaN, a `−∞` one gets probability 0 (a row of only `−∞` is
/// NaN). An empty row gives an empty row.
///
/// Use it on the output of a network trained with [`Loss::SoftmaxCrossEntropy`];
/// [`Loss::probabilities`] picks it (or not) from the loss.
///
/// ```
/// use stacknet::loss::softmax;
///
/// let p = softmax(&[2.0, 1.0, 0.1]);
/// assert!((p[0] - 0.659).abs() < 1e-3 && (p[1] - 0.242).abs() < 1e-3);
/// // Large logits stay finite.
/// let q = softmax(&[1000.0, 999.0, -1000.0]);
/// assert!((q.iter().sum::<f32>() - 1.0).abs() < 1e-6 && q[2] == 0.0);
/// ```
pub fn softmax<const C: usize>(logits: &[f32; C]) -> [f32; C] {
    let mut p = *logits;
    softmax_in_place(&mut p);
    p
}

/// [`softmax`] on a slice of any length, in place.
///
/// ```
/// let mut row = [0.0f32, 0.0];
/// stacknet::loss::softmax_in_place(&mut row);
/// assert_eq!(row, [0.5, 0.5]);
/// ```
pub fn softmax_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut z = 0.0f32;
    for v in row.iter_mut() {
        *v = libm::expf(*v - max);
        z += *v;
    }
    let inv = 1.0 / z;
    for v in row.iter_mut() {
        *v *= inv;
    }
}

/// Weight penalties (ridge and L1). Both coefficients are finite and ≥ 0.
///
/// ```
/// use stacknet::loss::{Penalty, PenaltyError};
///
/// let ridge = Penalty::ridge(1e-4)?;
/// let elastic = Penalty::new(1e-4, 1e-5)?; // ridge and L1
/// assert_eq!((elastic.l2(), elastic.l1()), (1e-4, 1e-5));
/// assert!(Penalty::NONE.is_none() && !ridge.is_none());
/// // A bad coefficient names itself.
/// assert_eq!(Penalty::new(0.0, -1.0), Err(PenaltyError::L1(-1.0)));
/// # Ok::<(), PenaltyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Penalty {
    l2: f32,
    l1: f32,
}

/// A penalty coefficient that is negative or not finite, and which one it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PenaltyError {
    /// The ridge (L2) coefficient.
    Ridge(f32),
    /// The L1 coefficient.
    L1(f32),
}

impl core::fmt::Display for PenaltyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PenaltyError::Ridge(v) => write!(f, "ridge (L2) penalty coefficient must be finite and >= 0, got {v}"),
            PenaltyError::L1(v) => write!(f, "L1 penalty coefficient must be finite and >= 0, got {v}"),
        }
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
        let ok = |v: f32| v.is_finite() && v >= 0.0;
        if !ok(l2) {
            return Err(PenaltyError::Ridge(l2));
        }
        if !ok(l1) {
            return Err(PenaltyError::L1(l1));
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
    pub fn value<M: ParamsRef + ?Sized>(&self, model: &M, rows: usize) -> f32 {
        if self.is_none() {
            return 0.0;
        }
        let mut sums = PenaltySums::new(self);
        model.visit(&mut |kind, w| sums.add(kind, w));
        sums.value(self, rows)
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
    pub fn add_grad<M: Params + ?Sized>(&self, model: &M, grads: &mut M, rows: usize) {
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

/// The sums behind [`Penalty::value`], fed one parameter slice at a time, so that a model
/// that is not a [`ParamsRef`] (a run-time network's read-only buffer) gets the same value.
pub(crate) struct PenaltySums {
    sq: f32,
    abs: f32,
    l1: bool,
}

impl PenaltySums {
    pub(crate) fn new(p: &Penalty) -> Self {
        PenaltySums { sq: 0.0, abs: 0.0, l1: p.l1 != 0.0 }
    }

    #[inline]
    pub(crate) fn add(&mut self, kind: ParamKind, w: &[f32]) {
        if kind == ParamKind::Weight {
            self.sq += crate::kernels::typed::sum_sq(w);
            // Skipped without L1: `0·Σ|W|` adds nothing (Σ|W| of finite weights can
            // only overflow to +∞, and an infinite weight already makes `sq` +∞).
            if self.l1 {
                for &v in w {
                    self.abs += libm::fabsf(v);
                }
            }
        }
    }

    pub(crate) fn value(&self, p: &Penalty, rows: usize) -> f32 {
        if p.is_none() {
            return 0.0;
        }
        // Coefficients first: `λ₂·0.5/B ≤ λ₂/2` and `λ₁/B ≤ λ₁` are representable for every
        // valid λ, so the value overflows only when the penalty itself does (`λ₂·ΣW²` first
        // would overflow for λ₂ = f32::MAX even with small weights). With a power-of-two `B`
        // only the product with the sum rounds, in either order (away from subnormals).
        let inv_b = 1.0 / rows as f32;
        p.l2 * 0.5 * inv_b * self.sq + p.l1 * inv_b * self.abs
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
fn ridge_grad<M: Params + ?Sized>(c2: f32, model: &M, grads: &mut M) {
    grads.zip_mut(model, &mut |kind, g, w| {
        if kind == ParamKind::Weight {
            crate::kernels::typed::axpy(c2, w, g);
        }
    });
}

/// The whole objective: a loss plus weight penalties. The default is MSE without penalty.
///
/// ```
/// use stacknet::prelude::*;
///
/// // A 4-16-3 classifier: softmax cross-entropy on the last `Dense`'s logits, with ridge.
/// type Net = (Dense<4, 16>, Relu<16>, Dense<16, 3>);
/// let mut net: Net = Layer::random(&mut stacknet::init::rng(1), Init::HeNormal);
/// let objective = Objective::softmax_cross_entropy_ridge(1e-4)?;
///
/// let x = [[0.5, -0.2, 0.1, 0.9], [-0.7, 0.3, 0.8, -0.1]];
/// let y = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
/// let mut ws = Workspace::<Net, 2>::new();
/// let mut opt = Sgd::new(0.1)?;
/// let report = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective)?;
/// assert!(report.loss.is_finite());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Objective {
    /// The data term.
    pub loss: Loss,
    /// The penalty on weights.
    pub penalty: Penalty,
}

impl Objective {
    /// `loss` plus `penalty` (see [`Penalty::new`] for ridge and L1 together).
    pub const fn new(loss: Loss, penalty: Penalty) -> Self {
        Objective { loss, penalty }
    }

    /// Mean squared error, no penalty.
    pub const fn mse() -> Self {
        Objective::new(Loss::Mse, Penalty::NONE)
    }

    /// The article's objective: MSE plus ridge `λ` (finite, ≥ 0).
    pub fn mse_ridge(lambda: f32) -> Result<Self, PenaltyError> {
        Ok(Objective::new(Loss::Mse, Penalty::ridge(lambda)?))
    }

    /// Softmax cross-entropy, no penalty: the multi-class objective. The network's last
    /// brick is a `Dense` (no activation after it); its outputs are the logits.
    pub const fn softmax_cross_entropy() -> Self {
        Objective::new(Loss::SoftmaxCrossEntropy, Penalty::NONE)
    }

    /// Softmax cross-entropy plus ridge `λ` (finite, ≥ 0).
    pub fn softmax_cross_entropy_ridge(lambda: f32) -> Result<Self, PenaltyError> {
        Ok(Objective::new(Loss::SoftmaxCrossEntropy, Penalty::ridge(lambda)?))
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

    /// `softmax` against an f64 reference, on ordinary rows and on rows of large logits,
    /// which stay finite and sum to 1.
    #[test]
    fn softmax_matches_f64_and_survives_large_logits() {
        let rows: [[f32; 4]; 6] = [
            [0.0, 0.0, 0.0, 0.0],
            [2.0, 1.0, 0.1, -3.0],
            [-0.5, 4.25, 4.25, 1e-3],
            [1000.0, 999.0, 998.0, -1000.0],
            [88.0, 89.0, 90.0, 91.0],
            [-1e30, -1e30 + 1e24, 3e38, 3.4e38],
        ];
        for row in rows {
            let p = softmax(&row);
            let max = row.iter().map(|&v| f64::from(v)).fold(f64::NEG_INFINITY, f64::max);
            let e: [f64; 4] = core::array::from_fn(|i| libm::exp(f64::from(row[i]) - max));
            let z: f64 = e.iter().sum();
            for i in 0..4 {
                let want = e[i] / z;
                assert!(p[i].is_finite(), "{row:?}: {p:?}");
                assert!((f64::from(p[i]) - want).abs() <= 1e-6, "{row:?}[{i}]: {} vs {want}", p[i]);
            }
            let sum: f32 = p.iter().sum();
            assert!((sum - 1.0).abs() <= 1e-6, "{row:?}: sum {sum}");
            assert_eq!(Loss::SoftmaxCrossEntropy.probabilities(&row), p);
            assert_eq!(Loss::Mse.probabilities(&row), row);
        }
        assert_eq!(softmax(&[7.0f32]), [1.0]);
        assert_eq!(softmax::<0>(&[]), []);
        let p = softmax(&[f32::NAN, 0.0]);
        assert!(p.iter().all(|v| v.is_nan()));
    }

    /// The constructors build the objective they name; bad coefficients are refused with
    /// the coefficient named.
    #[test]
    fn objective_constructors() {
        assert_eq!(Objective::mse(), Objective { loss: Loss::Mse, penalty: Penalty::NONE });
        assert_eq!(Objective::mse(), Objective::default());
        let ce = Objective::softmax_cross_entropy();
        assert_eq!((ce.loss, ce.penalty), (Loss::SoftmaxCrossEntropy, Penalty::NONE));
        let r = Objective::softmax_cross_entropy_ridge(0.25).unwrap();
        assert_eq!((r.loss, r.penalty.l2(), r.penalty.l1()), (Loss::SoftmaxCrossEntropy, 0.25, 0.0));
        let m = Objective::mse_ridge(0.5).unwrap();
        assert_eq!((m.loss, m.penalty.l2()), (Loss::Mse, 0.5));
        let g = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(0.5, 0.125).unwrap());
        assert_eq!((g.penalty.l2(), g.penalty.l1()), (0.5, 0.125));
        assert_eq!(Objective::softmax_cross_entropy_ridge(-1.0), Err(PenaltyError::Ridge(-1.0)));
        assert_eq!(Objective::mse_ridge(f32::INFINITY), Err(PenaltyError::Ridge(f32::INFINITY)));
        assert_eq!(Penalty::new(1.0, -2.0), Err(PenaltyError::L1(-2.0)));
        assert_eq!(Penalty::new(-3.0, -2.0), Err(PenaltyError::Ridge(-3.0)));
        assert!(matches!(Penalty::new(0.0, f32::NAN), Err(PenaltyError::L1(v)) if v.is_nan()));
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
