//! The forward and backward passes of a run-time network over flat slices: per layer kind
//! the bricks' own code (`nn::dense_math` with the [`Shaped`] front on the active tier, the
//! activations' `nn::math`), with `Dense` + `Sigmoid` fused as the bricks fuse them (the
//! pairs are marked once, by [`Net::new`]).
//!
//! Activations sit in the scratch brick after brick: brick `i`'s output `y_i` (`rows ×
//! outputs`) and, when training, its gradient `dy_i` right after it; the passes cut their
//! pieces off the scratch's front (forward) or back (backward), so no offsets are computed.

use super::error::{Buffer, RunError};
use super::flat::Flat;
use super::spec::{Brick, Kind, Net};
use crate::kernels::Kernels;
use crate::nn::dense_math::{self, Shaped};
use crate::nn::math;
use crate::train::Pass;

/// `buf` split after its first `n` values (all of it if shorter). The lengths were checked
/// when the buffer was taken, so this is `split_at_mut` without its panic path (which would
/// pull the panic machinery into a microcontroller's flash).
#[inline]
pub(crate) fn split_mut(buf: &mut [f32], n: usize) -> (&mut [f32], &mut [f32]) {
    let n = n.min(buf.len());
    buf.split_at_mut(n)
}

/// Copies `from` into `to` over their common length (equal at every call): `copy_from_slice`
/// without its panic path.
#[inline]
pub(crate) fn copy(from: &[f32], to: &mut [f32]) {
    for (t, &f) in to.iter_mut().zip(from) {
        *t = f;
    }
}

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

/// The next `n` values of `rest`, cut off its front (fewer only if `rest` is short, which
/// the checked buffer sizes rule out).
#[inline(always)]
pub(crate) fn take<'a>(rest: &mut &'a mut [f32], n: usize) -> &'a mut [f32] {
    let r = core::mem::take(rest);
    let (head, tail) = r.split_at_mut(n.min(r.len()));
    *rest = tail;
    head
}

/// The last `n` values of `rest`, cut off its back (as [`take`]).
#[inline(always)]
fn take_back<'a>(rest: &mut &'a mut [f32], n: usize) -> &'a mut [f32] {
    let r = core::mem::take(rest);
    let (head, tail) = r.split_at_mut(r.len().saturating_sub(n));
    *rest = head;
    tail
}

/// A pass over `rows` rows: where brick `i`'s activations are in the scratch.
///
/// The scratch holds one block per brick, in order: its output `y_i` (`rows × outputs`)
/// and, when training, its gradient `dy_i` right after it. The passes walk the blocks in
/// order (forward from the front, backward from the back), so each piece is a split.
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    pub(crate) rows: usize,
    /// Whether each output is followed by its gradient (training).
    pub(crate) grads: bool,
}

/// A `Dense` brick's weights and bias (empty without one) in `params`.
#[inline(always)]
fn dense_params<'a>(b: &Brick, params: &'a [f32]) -> (&'a [f32], &'a [f32]) {
    let p = params.get(b.params..).unwrap_or_default();
    let (w, rest) = p.split_at(b.weights.min(p.len()));
    (w, rest.get(..b.biases).unwrap_or_default())
}

/// [`dense_params`], mutable (gradients).
#[inline(always)]
pub(crate) fn dense_params_mut<'a>(b: &Brick, params: &'a mut [f32]) -> (&'a mut [f32], &'a mut [f32]) {
    let p = params.get_mut(b.params..).unwrap_or_default();
    let (w, rest) = p.split_at_mut(b.weights.min(p.len()));
    (w, rest.get_mut(..b.biases).unwrap_or_default())
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
    let rows = lay.rows;
    let per = if lay.grads { 2 } else { 1 };
    let mut rest = acts;
    let mut input: &[f32] = x;
    let (mut at, mut out) = (0usize, (0, 0));
    let mut bricks = net.bricks();
    while let Some((b, mut after)) = bricks.split_first() {
        // When fused, this step writes the Sigmoid's output (of the Dense's width); the
        // Dense's own block is not written forward.
        if b.fused {
            after = after.get(1..).unwrap_or_default();
            let skip = b.outputs * rows * per;
            take(&mut rest, skip);
            at += skip;
        }
        bricks = after;
        let len = b.outputs * rows;
        let block = take(&mut rest, len * per);
        let (y, _) = split_mut(block, len);
        match b.kind {
            Kind::Dense { .. } => {
                let (w, bias) = dense_params(b, params);
                let bias = (!bias.is_empty()).then_some(bias);
                let front = Shaped { k, rows, inputs: b.inputs, outputs: b.outputs };
                if b.fused {
                    dense_math::forward_sigmoid(&front, input, w, bias, y);
                } else {
                    dense_math::forward(&front, input, w, bias, y);
                }
            }
            act => {
                copy(input, y);
                match act {
                    Kind::Sigmoid => math::sigmoid(y),
                    Kind::Tanh => math::tanh(y),
                    _ => math::relu(y),
                }
            }
        }
        out = (at, y.len());
        at += len * per;
        input = y;
    }
    out
}

/// The backward pass (training layout): from the output gradient the loss wrote into the
/// last brick's `dy`, each brick's parameter gradients into `grads` and its input gradient
/// into the `dy` of the brick before it (none for the first). Mirrors the bricks' backward.
pub(crate) fn backward(net: &Net, k: Kernels, params: &[f32], x: &[f32], acts: &mut [f32], grads: &mut [f32]) {
    let rows = net.batch;
    let mut rest = acts;
    let mut bricks = net.bricks();
    while let Some((top, mut below)) = bricks.split_last() {
        // A fused pair ends at the Sigmoid `top`; its Dense is `b`.
        let mut b = top;
        if let Some((dense, under)) = below.split_last().filter(|(d, _)| d.fused) {
            (b, below) = (dense, under);
        }
        bricks = below;
        let n = b.outputs * rows;
        // The top brick's `y` and `dy` (a fused pair's Sigmoid has the Dense's width), and
        // when fused the Dense's own output gradient `g`.
        let (y, dy) = split_mut(take_back(&mut rest, 2 * n), n);
        let fused = b.fused;
        let g = if fused { split_mut(take_back(&mut rest, 2 * n), n).1 } else { &mut [][..] };
        // The input and its gradient: the block of the brick before (`inputs` wide; kept
        // for its turn), or `x` for the first brick.
        let (input, dx): (&[f32], Option<&mut [f32]>) = if below.is_empty() {
            (x, None)
        } else {
            let np = b.inputs * rows;
            let len = rest.len();
            let (input, dx) = split_mut(rest.get_mut(len.saturating_sub(2 * np)..).unwrap_or_default(), np);
            (input, Some(dx))
        };
        match b.kind {
            Kind::Dense { .. } => {
                let (w, _) = dense_params(b, params);
                let (gw, gb) = dense_params_mut(b, grads);
                let front = Shaped { k, rows, inputs: b.inputs, outputs: b.outputs };
                let gb = (!gb.is_empty()).then_some(gb);
                if fused {
                    dense_math::backward_sigmoid(&front, input, dy, y, g, w, gw, gb, dx);
                } else {
                    dense_math::backward(&front, input, dy, w, gw, gb, dx);
                }
            }
            act => {
                if let Some(dx) = dx {
                    match act {
                        Kind::Sigmoid => math::sigmoid_backward(dy, y, dx),
                        Kind::Tanh => math::tanh_backward(dy, y, dx),
                        _ => math::relu_backward(dy, y, dx),
                    }
                }
            }
        }
    }
}

/// [`Pass`] for a training step of a run-time network. Its methods are inlined into the step
/// ([`forward`] and [`backward`] stay out of line); measured on the Cortex-M4F 2-3-2 step,
/// that took 620 B of stack instead of 656, 34 fewer instructions and 900 B less flash.
pub(crate) struct Run<'a> {
    pub(crate) net: &'a Net,
    pub(crate) kernels: Kernels,
    pub(crate) x: &'a [f32],
    pub(crate) acts: &'a mut [f32],
    /// The output's length (`batch × outputs`): the last block of `acts` is `[y | dy]`.
    pub(crate) out: usize,
}

impl<'m> Pass<Flat<'m>> for Run<'_> {
    #[inline(always)]
    fn forward(&mut self, model: &Flat<'m>) {
        let lay = Layout { rows: self.net.batch, grads: true };
        forward(self.net, self.kernels, model.data, self.x, self.acts, lay);
    }

    fn output(&mut self) -> (&[f32], &mut [f32]) {
        // The last block of the training layout.
        let n = self.out;
        let mut rest = &mut *self.acts;
        let (y, dy) = split_mut(take_back(&mut rest, 2 * n), n);
        (y, dy)
    }

    #[inline(always)]
    fn backward(&mut self, model: &Flat<'m>, grads: &mut Flat<'m>) {
        backward(self.net, self.kernels, model.data, self.x, self.acts, grads.data);
    }
}
