//! Predictions, accuracy and loss over any number of rows, through a workspace of a fixed
//! batch size `B` ([`Workspace`](crate::workspace::Workspace) or
//! [`Inference`](crate::workspace::Inference)).
//!
//! The rows run `B` at a time. When their number `N` is not a multiple of `B`, the last
//! pass covers the last `B` rows (re-running some already counted) or, if `N < B`, the `N`
//! rows padded with zero rows; either way only the `N` rows are counted, once each, and
//! since rows are independent in the forward pass, nothing else changes the result.
//! These functions neither allocate nor panic.

use crate::loss::Objective;
use crate::nn::{Layer, D};
use crate::workspace::Forward;

/// The index of the largest value in `row` (the first one on ties; NaN never wins, and a
/// row of NaN only gives 0).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    let mut top = f32::NAN;
    for (i, &v) in row.iter().enumerate() {
        if !v.is_nan() && (top.is_nan() || v > top) {
            best = i;
            top = v;
        }
    }
    best
}

/// A row's target as [`accuracy`] reads it: a class index, or a row of `C` values (one-hot
/// or scores) whose class is its [`argmax`].
pub trait Target<const C: usize> {
    /// The target class.
    fn class(&self) -> usize;
}

impl<const C: usize> Target<C> for [f32; C] {
    fn class(&self) -> usize {
        argmax(self)
    }
}

impl<const C: usize> Target<C> for usize {
    fn class(&self) -> usize {
        *self
    }
}

/// Runs `model` over the rows of `xs`, `B` at a time, and calls `f(first, outputs)` with
/// the outputs of rows `first..first + outputs.len()`, each row exactly once, in order.
fn for_each_output<M, W, const B: usize, const IN: usize, const OUT: usize>(
    model: &M,
    xs: &[[f32; IN]],
    ws: &mut W,
    mut f: impl FnMut(usize, &[[f32; OUT]]),
) where
    M: Layer<In = D<IN>, Out = D<OUT>>,
    W: Forward<M, B>,
{
    let (full, tail) = xs.as_chunks::<B>();
    for (k, x) in full.iter().enumerate() {
        f(k * B, ws.forward(model, x));
    }
    let (n, t) = (xs.len(), tail.len());
    if t == 0 {
        return;
    }
    // The last `B` rows, of which the last `t` are new.
    if let Some(Ok(x)) = n.checked_sub(B).and_then(|s| xs.get(s..)).map(<&[[f32; IN]; B]>::try_from) {
        let out = ws.forward(model, x);
        f(n - t, out.get(B - t..).unwrap_or(&[]));
        return;
    }
    // Fewer than `B` rows in all: pad with zero rows.
    let mut x = [[0.0; IN]; B];
    for (d, s) in x.iter_mut().zip(tail) {
        *d = *s;
    }
    let out = ws.forward(model, &x);
    f(0, out.get(..t).unwrap_or(&[]));
}

/// The predicted class of each row of `xs`, the [`argmax`] of the network's output row,
/// into `out`; returns how many rows were predicted (the shorter length). The raw outputs
/// (scores, logits) of a batch are what [`Forward::forward`] returns, and what
/// [`Workspace::output`](crate::workspace::Workspace::output) holds after it.
pub fn predict_into<M, W, const B: usize, const IN: usize, const OUT: usize>(
    model: &M,
    xs: &[[f32; IN]],
    ws: &mut W,
    out: &mut [usize],
) -> usize
where
    M: Layer<In = D<IN>, Out = D<OUT>>,
    W: Forward<M, B>,
{
    let n = xs.len().min(out.len());
    for_each_output(model, xs.split_at(n).0, ws, |first, rows| {
        for (o, r) in out.get_mut(first..).unwrap_or(&mut []).iter_mut().zip(rows) {
            *o = argmax(r);
        }
    });
    n
}

/// The fraction of rows whose predicted class ([`predict_into`]) is the target's: targets
/// as class indices (`&[usize]`) or rows (one-hot, `&[[f32; OUT]]`), over the shorter of
/// `xs` and `ys`; NaN for no rows.
pub fn accuracy<M, W, T, const B: usize, const IN: usize, const OUT: usize>(
    model: &M,
    xs: &[[f32; IN]],
    ys: &[T],
    ws: &mut W,
) -> f32
where
    M: Layer<In = D<IN>, Out = D<OUT>>,
    W: Forward<M, B>,
    T: Target<OUT>,
{
    let n = xs.len().min(ys.len());
    let mut hits = 0usize;
    for_each_output(model, xs.split_at(n).0, ws, |first, rows| {
        for (t, r) in ys.get(first..).unwrap_or(&[]).iter().zip(rows) {
            hits += usize::from(argmax(r) == t.class());
        }
    });
    hits as f32 / n as f32
}

/// What [`evaluate`] measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The objective: `data_loss` plus the penalty with `rows` as the batch size (what a
    /// training step on these rows would report).
    pub loss: f32,
    /// The data loss: the mean over the rows of each row's loss.
    pub data_loss: f32,
    /// The fraction of rows whose predicted class is the target row's [`argmax`].
    pub accuracy: f32,
    /// The rows measured: the shorter of `xs` and `ys`.
    pub rows: usize,
}

/// Loss and accuracy of `model` on `xs` against the target rows `ys`, any number of rows.
///
/// The data loss is the mean over exactly these rows of each row's loss
/// ([`Loss::eval`](crate::loss::Loss::eval) on one row), summed in `f32` in row order. It
/// matches a training step's `data_loss` on the same rows up to rounding (the step sums
/// all rows first). With no rows, every value is NaN.
pub fn evaluate<M, W, const B: usize, const IN: usize, const OUT: usize>(
    model: &M,
    xs: &[[f32; IN]],
    ys: &[[f32; OUT]],
    ws: &mut W,
    objective: &Objective,
) -> Evaluation
where
    M: Layer<In = D<IN>, Out = D<OUT>>,
    W: Forward<M, B>,
{
    let n = xs.len().min(ys.len());
    let (mut sum, mut hits) = (0.0f32, 0usize);
    let mut grad = [0.0f32; OUT];
    for_each_output(model, xs.split_at(n).0, ws, |first, rows| {
        for (y, h) in ys.get(first..).unwrap_or(&[]).iter().zip(rows) {
            sum += objective.loss.eval(1, OUT, h, y, &mut grad);
            hits += usize::from(argmax(h) == argmax(y));
        }
    });
    let rows = n as f32;
    let data_loss = sum / rows;
    let loss = if n == 0 { f32::NAN } else { data_loss + objective.penalty.value(model, n) };
    Evaluation { loss, data_loss, accuracy: hits as f32 / rows, rows: n }
}
