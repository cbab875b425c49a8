//! One training step (forward, loss, backward, update) and inference helpers, all on
//! caller-owned buffers.
//!
//! [`train_step`] is transactional: when it returns `Err`, the model and the optimizer
//! are bit-for-bit as they were before the call. Only the workspace (scratch) changes.

use crate::loss::Objective;
use crate::nn::{Cache, CacheNew, Layer, Matrix, Rows};
use crate::optim::{apply_clip, Sgd, Velocity};

/// The scratch memory of a training step for model `M` and batch size `B`: every brick's
/// output and output gradient, and one gradient per parameter. Put it on the stack or in
/// a `static`; its size is [`Workspace::BYTES`].
#[derive(Clone, Copy)]
pub struct Workspace<M: Layer, const B: usize> {
    cache: M::Cache<B>,
    grads: M,
}

impl<M: Layer, const B: usize> Workspace<M, B> {
    /// Size in bytes (a stack or `static` budget for firmware).
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// Zeroed buffers.
    pub fn new() -> Self {
        Workspace { cache: M::Cache::<B>::new(), grads: M::zeroed() }
    }

    /// The network's output from the last forward pass.
    pub fn output(&self) -> &Rows<M::Out, B> {
        self.cache.output()
    }

    /// The gradients from the last successful backward pass (after penalty and clipping;
    /// with momentum, the update direction).
    pub fn grads(&self) -> &M {
        &self.grads
    }

    /// The bricks' buffers.
    pub fn cache(&self) -> &M::Cache<B> {
        &self.cache
    }

    /// Runs the network on `x` and returns its output.
    pub fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B> {
        model.forward(x, &mut self.cache);
        self.cache.output()
    }
}

impl<M: Layer, const B: usize> Default for Workspace<M, B> {
    fn default() -> Self {
        Self::new()
    }
}

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

fn first_non_finite(m: &[f32]) -> Option<usize> {
    m.iter().position(|v| !v.is_finite())
}

fn check_rows<R: Matrix>(m: &R) -> Option<(usize, usize)> {
    first_non_finite(m.flat()).map(|i| (i / R::COLS, i % R::COLS))
}

/// The L2 norm of all gradients, without overflow for any finite gradient; `Err(index)`
/// names the first non-finite component.
fn grad_norm<M: Layer>(grads: &M) -> Result<f32, usize> {
    let (mut sum, mut max, mut base, mut bad) = (0.0f32, 0.0f32, 0usize, None);
    grads.visit(&mut |_, g| {
        if bad.is_none() {
            if let Some(i) = first_non_finite(g) {
                bad = Some(base + i);
            }
        }
        base += g.len();
        sum += crate::kernels::sum_sq(g);
        for &v in g {
            max = max.max(libm::fabsf(v));
        }
    });
    if let Some(i) = bad {
        return Err(i);
    }
    if sum.is_finite() {
        return Ok(libm::sqrtf(sum));
    }
    // Σg² overflowed: rescale by the largest component.
    let mut scaled = 0.0f32;
    grads.visit(&mut |_, g| {
        for &v in g {
            let s = v / max;
            scaled += s * s;
        }
    });
    Ok(max * libm::sqrtf(scaled))
}

/// One step of gradient descent on the batch `(x, y)`: forward, loss, backward, penalty,
/// clipping, momentum and the update `w ← w − η·d`, with no allocation.
///
/// On `Err` the model and optimizer are exactly as before (tested bit for bit).
pub fn train_step<M: Layer, V: Velocity<M>, const B: usize>(
    model: &mut M,
    x: &Rows<M::In, B>,
    y: &Rows<M::Out, B>,
    ws: &mut Workspace<M, B>,
    opt: &mut Sgd<V>,
    objective: &Objective,
) -> Result<StepReport, StepError> {
    if let Some((row, col)) = check_rows(x) {
        return Err(StepError::NonFiniteInput { row, col });
    }
    if let Some((row, col)) = check_rows(y) {
        return Err(StepError::NonFiniteTarget { row, col });
    }

    model.forward(x, &mut ws.cache);
    let cols = <Rows<M::Out, B> as Matrix>::COLS;
    let (out, dout) = ws.cache.split_mut();
    let data_loss = objective.loss.eval(B, cols, out.flat(), y.flat(), dout.flat_mut());
    let loss = data_loss + objective.penalty.value(model, B);
    if !loss.is_finite() {
        return Err(StepError::NonFiniteLoss);
    }

    model.backward(x, &mut ws.cache, None, &mut ws.grads);
    objective.penalty.add_grad(model, &mut ws.grads, B);
    let norm = grad_norm(&ws.grads).map_err(|index| StepError::NonFiniteGradient { index })?;
    let clipped = apply_clip(opt.clip(), norm, &mut ws.grads);
    opt.velocity().direction(opt.momentum(), &mut ws.grads);

    // Dry run: refuse an update that could overflow, before anything is written. The bound
    // |w| + |η·d| is finite ⇒ w − η·d is finite under any rounding (FMA or not).
    let lr = opt.current_lr();
    let mut bad = None;
    let mut base = 0usize;
    model.zip(&ws.grads, &mut |_, w, d| {
        if bad.is_none() {
            let pos = w.iter().zip(d).position(|(&w, &d)| {
                let step = lr * d;
                !(d.is_finite() && (libm::fabsf(w) + libm::fabsf(step)).is_finite())
            });
            bad = pos.map(|i| base + i);
        }
        base += w.len();
    });
    if let Some(index) = bad {
        return Err(StepError::NonFiniteUpdate { index });
    }

    model.zip_mut(&ws.grads, &mut |_, w, d| {
        crate::nn::shapes_hold(crate::kernels::axpy(-lr, d, w));
    });
    opt.velocity_mut().store(&ws.grads);
    opt.advance();
    Ok(StepReport { loss, data_loss, grad_norm: norm, clipped, lr, step: opt.steps() })
}

/// The index of the largest value in `row` (the first one on ties; NaN never wins, and a
/// row of NaN only gives 0).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if !v.is_nan() && (row[best].is_nan() || v > row[best]) {
            best = i;
        }
    }
    best
}

/// The predicted class (argmax of the output) of every row of `x`.
pub fn predict<M: Layer, const B: usize>(model: &M, x: &Rows<M::In, B>, ws: &mut Workspace<M, B>) -> [usize; B] {
    let out = ws.forward(model, x);
    let cols = <Rows<M::Out, B> as Matrix>::COLS;
    let flat = out.flat();
    core::array::from_fn(|r| argmax(&flat[r * cols..(r + 1) * cols]))
}

/// The fraction of rows whose predicted class equals the argmax of the one-hot target.
pub fn accuracy<M: Layer, const B: usize>(
    model: &M,
    x: &Rows<M::In, B>,
    y: &Rows<M::Out, B>,
    ws: &mut Workspace<M, B>,
) -> f32 {
    let pred = predict(model, x, ws);
    let cols = <Rows<M::Out, B> as Matrix>::COLS;
    let yf = y.flat();
    let hits = pred.iter().enumerate().filter(|(r, &p)| argmax(&yf[r * cols..(r + 1) * cols]) == p).count();
    hits as f32 / B as f32
}
