//! The forward and backward passes of a run-time network over flat slices: per layer kind
//! the bricks' own code (`nn::dense_math` with the checked [`Kernels`] front on the active
//! tier, the activations' `nn::math`), with `Dense` + `Sigmoid` fused as the bricks fuse
//! them.
//!
//! Activations sit in the scratch brick after brick: brick `i`'s output `y_i` (`rows ×
//! outputs`) and, when training, its gradient `dy_i` right after it.

use super::error::{Buffer, RunError};
use super::flat::Flat;
use super::spec::{Brick, Kind, Net};
use crate::kernels::Kernels;
use crate::nn::dense_math::{self, Shaped};
use crate::nn::math;
use crate::train::Pass;

/// The first `n` values of a caller buffer, or the error naming it.
pub(crate) fn prefix_mut(buf: &mut [f32], n: usize, which: Buffer) -> Result<&mut [f32], RunError> {
    let got = buf.len();
    buf.get_mut(..n).ok_or(RunError::Buffer { which, needed: n, got })
}

/// [`prefix_mut`], read only.
pub(crate) fn prefix(buf: &[f32], n: usize, which: Buffer) -> Result<&[f32], RunError> {
    buf.get(..n).ok_or(RunError::Buffer { which, needed: n, got: buf.len() })
}

/// `buf` if it has exactly `n` values.
pub(crate) fn exact(buf: &[f32], n: usize, which: Buffer) -> Result<&[f32], RunError> {
    if buf.len() == n {
        Ok(buf)
    } else {
        Err(RunError::Buffer { which, needed: n, got: buf.len() })
    }
}

/// Disjoint pieces `(start, len)` of `buf`, given in increasing order.
fn pieces<const N: usize>(buf: &mut [f32], spans: [(usize, usize); N]) -> [&mut [f32]; N] {
    let mut out: [&mut [f32]; N] = core::array::from_fn(|_| Default::default());
    let (mut rest, mut at) = (buf, 0usize);
    for (slot, (start, len)) in out.iter_mut().zip(spans) {
        let skip = start.saturating_sub(at).min(rest.len());
        let (_, r) = rest.split_at_mut(skip);
        let (piece, r) = r.split_at_mut(len.min(r.len()));
        *slot = piece;
        rest = r;
        at = start + len;
    }
    out
}

/// A pass over `rows` rows: where brick `i`'s activations are in the scratch.
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    pub(crate) rows: usize,
    /// Whether each output is followed by its gradient (training).
    pub(crate) grads: bool,
}

impl Layout {
    /// `y_i`: start and length.
    fn y(&self, b: &Brick) -> (usize, usize) {
        let per = if self.grads { 2 } else { 1 };
        (b.cols_before * self.rows * per, b.outputs * self.rows)
    }

    /// `dy_i` (training layout only): right after `y_i`.
    fn dy(&self, b: &Brick) -> (usize, usize) {
        let (start, len) = self.y(b);
        (start + len, len)
    }
}

/// Whether brick `i` is a `Dense` that runs fused with the `Sigmoid` after it.
fn fused(bricks: &[Brick], i: usize) -> bool {
    matches!(bricks.get(i).map(|b| b.kind), Some(Kind::Dense { .. }))
        && matches!(bricks.get(i + 1).map(|b| b.kind), Some(Kind::Sigmoid))
}

/// A `Dense` brick's weights and bias (empty without one) in `params`.
fn dense_params<'a>(b: &Brick, params: &'a [f32]) -> (&'a [f32], &'a [f32]) {
    let (w, n) = b.param_lens();
    let p = params.get(b.params..b.params + w + n).unwrap_or_default();
    p.split_at(w.min(p.len()))
}

/// [`dense_params`], mutable (gradients).
fn dense_params_mut<'a>(b: &Brick, params: &'a mut [f32]) -> (&'a mut [f32], &'a mut [f32]) {
    let (w, n) = b.param_lens();
    let p = params.get_mut(b.params..b.params + w + n).unwrap_or_default();
    p.split_at_mut(w.min(p.len()))
}

/// The forward pass of `x` through `net` into `acts`, laid out by `lay`; returns where the
/// output is. Mirrors the bricks' `forward` / `infer` (same kernels, same fusion).
pub(crate) fn forward(
    net: &Net,
    k: Kernels,
    params: &[f32],
    x: &[f32],
    acts: &mut [f32],
    lay: Layout,
) -> (usize, usize) {
    let bricks = net.bricks();
    let mut i = 0;
    let mut out = (0, 0);
    while let Some(b) = bricks.get(i) {
        // The brick whose output this step writes (the Sigmoid, when fused).
        let last = if fused(bricks, i) { i + 1 } else { i };
        let target = lay.y(&bricks[last]);
        let (input, y) = match i.checked_sub(1).and_then(|p| bricks.get(p)) {
            None => {
                let [y] = pieces(acts, [target]);
                (x, y)
            }
            Some(prev) => {
                let [input, y] = pieces(acts, [lay.y(prev), target]);
                (&*input, y)
            }
        };
        let rows = lay.rows;
        match b.kind {
            Kind::Dense { .. } => {
                let (w, bias) = dense_params(b, params);
                let bias = (!bias.is_empty()).then_some(bias);
                let front = Shaped { k, rows, inputs: b.inputs, outputs: b.outputs };
                if last != i {
                    dense_math::forward_sigmoid(&front, input, w, bias, y);
                } else {
                    dense_math::forward(&front, input, w, bias, y);
                }
            }
            act => {
                y.copy_from_slice(input);
                match act {
                    Kind::Sigmoid => math::sigmoid(y),
                    Kind::Tanh => math::tanh(y),
                    _ => math::relu(y),
                }
            }
        }
        out = target;
        i = last + 1;
    }
    out
}

/// The backward pass (training layout): from the output gradient the loss wrote into the
/// last brick's `dy`, each brick's parameter gradients into `grads` and its input gradient
/// into the `dy` of the brick before it (none for the first). Mirrors the bricks' backward.
pub(crate) fn backward(net: &Net, k: Kernels, params: &[f32], x: &[f32], acts: &mut [f32], grads: &mut [f32]) {
    let bricks = net.bricks();
    let lay = Layout { rows: net.batch, grads: true };
    let rows = net.batch;
    let mut end = bricks.len();
    while let Some(last) = end.checked_sub(1) {
        // A fused pair ends at the Sigmoid `last`; its Dense is `first`.
        let first = if last > 0 && fused(bricks, last - 1) { last - 1 } else { last };
        let b = &bricks[first];
        let top = &bricks[last];
        match b.kind {
            Kind::Dense { .. } => {
                let (w, _) = dense_params(b, params);
                let (gw, gb) = dense_params_mut(b, grads);
                // Pieces in scratch order: the input and its gradient (the brick before), the
                // Dense's own output gradient `g` when fused, the top brick's `y` and `dy`.
                let prev = first.checked_sub(1).map(|p| &bricks[p]);
                let (in_span, dx_span) = prev.map_or(((0, 0), (0, 0)), |p| (lay.y(p), lay.dy(p)));
                let g_span = if last != first { lay.dy(b) } else { (lay.y(top).0, 0) };
                let [input, dx, g, y, dy] = pieces(acts, [in_span, dx_span, g_span, lay.y(top), lay.dy(top)]);
                let (input, dx): (&[f32], Option<&mut [f32]>) = match prev {
                    None => (x, None),
                    Some(_) => (input, Some(dx)),
                };
                let front = Shaped { k, rows, inputs: b.inputs, outputs: b.outputs };
                let gb = (!gb.is_empty()).then_some(gb);
                if last != first {
                    dense_math::backward_sigmoid(&front, input, dy, y, g, w, gw, gb, dx);
                } else {
                    dense_math::backward(&front, input, dy, w, gw, gb, dx);
                }
            }
            act => {
                if let Some(p) = first.checked_sub(1).map(|p| &bricks[p]) {
                    let [dx, y, dy] = pieces(acts, [lay.dy(p), lay.y(b), lay.dy(b)]);
                    match act {
                        Kind::Sigmoid => math::sigmoid_backward(dy, y, dx),
                        Kind::Tanh => math::tanh_backward(dy, y, dx),
                        _ => math::relu_backward(dy, y, dx),
                    }
                }
            }
        }
        end = first;
    }
}

/// [`Pass`] for a training step of a run-time network.
pub(crate) struct Run<'a> {
    pub(crate) net: &'a Net,
    pub(crate) kernels: Kernels,
    pub(crate) x: &'a [f32],
    pub(crate) acts: &'a mut [f32],
}

impl<'m> Pass<Flat<'m>> for Run<'_> {
    fn forward(&mut self, model: &Flat<'m>) {
        let lay = Layout { rows: self.net.batch, grads: true };
        forward(self.net, self.kernels, model.data, self.x, self.acts, lay);
    }

    fn output(&mut self) -> (&[f32], &mut [f32]) {
        let lay = Layout { rows: self.net.batch, grads: true };
        let last = self.net.bricks().last().copied().unwrap_or(self.net.bricks[0]);
        let [y, dy] = pieces(self.acts, [lay.y(&last), lay.dy(&last)]);
        (y, dy)
    }

    fn backward(&mut self, model: &Flat<'m>, grads: &mut Flat<'m>) {
        backward(self.net, self.kernels, model.data, self.x, self.acts, grads.data);
    }
}
