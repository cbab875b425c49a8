//! The operations of a run-time network on caller buffers: a training step through the
//! shared [`crate::train`] step, prediction on a read-only model, loss and accuracy, and
//! the [`crate::persist`] blob format.

use super::error::{Buffer, RunError};
use super::flat::{Flat, FlatRef};
use super::net::{self, copy, exact, prefix, prefix_mut, split_mut, Layout, Run};
use super::spec::{Net, OptimizerSpec, STEP_SLOTS};
use crate::eval::argmax;
use crate::kernels::Kernels;
use crate::loss::PenaltySums;
use crate::nn::ParamsRef;
use crate::persist::{self, Shape};
use crate::train::{self, Batch, StepReport};

/// The step count kept in the optimizer state's first two slots.
pub(crate) fn read_steps(slots: &[f32]) -> u32 {
    let half = |i: usize| slots.get(i).map_or(0, |&v| v as u32 & 0xffff);
    (half(0) << 16) | half(1)
}

/// Stores `steps` as two 16-bit halves (each exact as an `f32`).
pub(crate) fn write_steps(slots: &mut [f32], steps: u32) {
    for (slot, half) in slots.iter_mut().zip([steps >> 16, steps & 0xffff]) {
        *slot = half as f32;
    }
}

impl Net {
    /// The shape a blob of this network records (as [`Shape::of`] for the same bricks).
    pub(crate) fn shape(&self, model: &[f32]) -> Option<Shape> {
        Shape::of_params(&FlatRef { net: self, data: model }, self.inputs(), self.outputs())
    }

    /// Zeroes the optimizer state: step 0, zero velocity or moments (as a new optimizer).
    pub fn reset_optimizer(&self, state: &mut [f32]) -> Result<(), RunError> {
        prefix_mut(state, self.optimizer_floats(), Buffer::Optimizer)?.fill(0.0);
        Ok(())
    }

    /// The optimizer state's step count (successful steps).
    pub fn steps(&self, state: &[f32]) -> Result<u32, RunError> {
        Ok(read_steps(prefix(state, STEP_SLOTS, Buffer::Optimizer)?))
    }

    /// One training step on a batch of [`Net::batch`] rows (`x`: `batch × inputs`, `y`:
    /// `batch × outputs`, row-major): [`crate::train::train_step`]'s step, the same code.
    /// Transactional as it is: on `Err` the model and the optimizer state are bit for bit as
    /// before (only the scratch changes).
    pub fn train_step(
        &self,
        model: &mut [f32],
        state: &mut [f32],
        scratch: &mut [f32],
        x: &[f32],
        y: &[f32],
    ) -> Result<StepReport, RunError> {
        let model = prefix_mut(model, self.params, Buffer::Model)?;
        let state = prefix_mut(state, self.optimizer_floats(), Buffer::Optimizer)?;
        let train_acts = self.train_acts();
        let scratch = prefix_mut(scratch, train_acts + self.params, Buffer::Scratch)?;
        let x = exact(x, self.batch.saturating_mul(self.inputs()), Buffer::Input)?;
        let y = exact(y, self.batch.saturating_mul(self.outputs()), Buffer::Target)?;
        let (acts, grads) = split_mut(scratch, train_acts);
        let (slots, per_param) = split_mut(state, STEP_SLOTS);
        let steps = read_steps(slots);

        let mut w = Flat { net: self, data: model };
        let mut g = Flat { net: self, data: grads };
        let mut pass = Run { net: self, kernels: Kernels::active(), x, acts, out: y.len() };
        let batch = Batch { x, x_cols: self.inputs(), y, y_cols: self.outputs(), rows: self.batch };
        let obj = &self.objective;
        let report = match self.optimizer {
            OptimizerSpec::Sgd(sgd) => {
                let mut opt = sgd;
                opt.restore_steps(steps);
                train::step(&mut w, &mut g, &mut pass, &batch, &mut opt, obj)
            }
            OptimizerSpec::SgdMomentum(sgd, mu) => {
                let v = Flat { net: self, data: per_param };
                let mut opt = sgd.with_velocity(mu, v);
                opt.restore_steps(steps);
                train::step(&mut w, &mut g, &mut pass, &batch, &mut opt, obj)
            }
            OptimizerSpec::Adam(adam) => {
                let (m, v) = split_mut(per_param, self.params);
                let mut opt = adam.with_state(Flat { net: self, data: m }, Flat { net: self, data: v }, steps);
                train::step(&mut w, &mut g, &mut pass, &batch, &mut opt, obj)
            }
        }?;
        write_steps(slots, report.step);
        Ok(report)
    }

    /// The outputs for `x` (`rows × inputs`, any `rows`) into `out` (`rows × outputs`), from
    /// a read-only `model` and a `scratch` of [`Net::predict_scratch_floats`]`(rows)`: the
    /// bricks' inference (same kernels, same fusion).
    pub fn predict(&self, model: &[f32], x: &[f32], out: &mut [f32], scratch: &mut [f32]) -> Result<(), RunError> {
        let rows = self.rows_of(x)?;
        let out_len = rows.saturating_mul(self.outputs());
        let got = out.len();
        let out = out.get_mut(..out_len).filter(|_| got == out_len).ok_or(RunError::Buffer {
            which: Buffer::Output,
            needed: out_len,
            got,
        })?;
        let y = self.forward_rows(model, x, rows, scratch)?;
        copy(y, out);
        Ok(())
    }

    /// The number of rows in `x`, which must be whole rows.
    fn rows_of(&self, x: &[f32]) -> Result<usize, RunError> {
        let n = self.inputs();
        if !x.len().is_multiple_of(n) {
            return Err(RunError::Buffer { which: Buffer::Input, needed: x.len().div_ceil(n) * n, got: x.len() });
        }
        Ok(x.len().checked_div(n).unwrap_or(0))
    }

    /// The forward pass of `rows` rows of `x` into `scratch`; the output rows.
    fn forward_rows<'s>(
        &self,
        model: &[f32],
        x: &[f32],
        rows: usize,
        scratch: &'s mut [f32],
    ) -> Result<&'s [f32], RunError> {
        let model = prefix(model, self.params, Buffer::Model)?;
        let acts = prefix_mut(scratch, self.predict_scratch_floats(rows), Buffer::Scratch)?;
        let (start, len) = net::forward(self, Kernels::active(), model, x, acts, Layout { rows, grads: false });
        Ok(acts.get(start..start + len).unwrap_or_default())
    }

    /// The objective (data loss plus penalty) on `rows` rows of `x` and `y`, as a training
    /// step would report it; `scratch` holds [`Net::predict_scratch_floats`]`(rows)` plus
    /// `rows × outputs` values (the loss's gradient, unused).
    pub fn loss(&self, model: &[f32], x: &[f32], y: &[f32], scratch: &mut [f32]) -> Result<f32, RunError> {
        let rows = self.rows_of(x)?;
        let y = exact(y, rows.saturating_mul(self.outputs()), Buffer::Target)?;
        let split = self.predict_scratch_floats(rows).min(scratch.len());
        let (acts, grad) = split_mut(scratch, split);
        let have = split + grad.len();
        let grad = prefix_mut(grad, y.len(), Buffer::Scratch).map_err(|_| RunError::Buffer {
            which: Buffer::Scratch,
            needed: split + y.len(),
            got: have,
        })?;
        let out = self.forward_rows(model, x, rows, acts)?;
        let data = self.objective.loss.eval(rows, self.outputs(), out, y, grad);
        let mut sums = PenaltySums::new(&self.objective.penalty);
        FlatRef { net: self, data: prefix(model, self.params, Buffer::Model)? }.visit(&mut |k, w| sums.add(k, w));
        Ok(data + sums.value(&self.objective.penalty, rows))
    }

    /// The share of rows of `x` whose largest output is at the largest target
    /// ([`crate::eval::argmax`]); `scratch` as [`Net::predict`].
    pub fn accuracy(&self, model: &[f32], x: &[f32], y: &[f32], scratch: &mut [f32]) -> Result<f32, RunError> {
        let rows = self.rows_of(x)?;
        let n = self.outputs();
        let y = exact(y, rows.saturating_mul(n), Buffer::Target)?;
        let out = self.forward_rows(model, x, rows, scratch)?;
        let hits = out.chunks_exact(n).zip(y.chunks_exact(n)).filter(|(o, t)| argmax(o) == argmax(t)).count();
        Ok(if rows == 0 { 0.0 } else { hits as f32 / rows as f32 })
    }

    /// Saves `model` as a [`crate::persist`] blob: the same bytes [`crate::persist::save`]
    /// writes for the same bricks and parameters.
    pub fn save(&self, model: &[f32], out: &mut [u8]) -> Result<usize, RunError> {
        let model = prefix(model, self.params, Buffer::Model)?;
        let flat = FlatRef { net: self, data: model };
        persist::write_blob::<_, crate::optim::Sgd>(&flat, self.shape(model), None, out).map_err(RunError::Save)
    }

    /// The length of [`Net::save`]'s blob.
    pub fn saved_len(&self) -> usize {
        persist::HEADER_LEN + 4 * self.params + persist::CRC_LEN
    }

    /// Loads a blob (from [`Net::save`] or [`crate::persist::save`]) into `model`, refusing
    /// one of another shape, a corrupted one, or one with non-finite values
    /// ([`crate::persist::LoadError`]); on `Err` the model is unchanged.
    pub fn load(&self, model: &mut [f32], bytes: &[u8]) -> Result<usize, RunError> {
        let model = prefix_mut(model, self.params, Buffer::Model)?;
        let shape = self.shape(model);
        persist::load_params(&mut Flat { net: self, data: model }, shape, bytes).map_err(RunError::Load)
    }
}
