//! A run-time network's optimizer state in [`crate::persist`] blobs: the same section the
//! const-generic optimizers write (step count, then velocity or Adam's two moments, slice by
//! slice), so a blob with optimizer state moves between the two paths as a model does.

use super::error::{Buffer, RunError};
use super::flat::{Flat, FlatRef};
use super::net::{prefix, prefix_mut, split_mut};
use super::spec::{Net, OptimizerSpec, STEP_SLOTS};
use super::step::{read_steps, write_steps};
use crate::nn::ParamsRef;
use crate::persist::{self, OptimizerState, StateKind};

/// A read-only optimizer state with `N` per-parameter vectors (0 plain SGD, 1 velocity,
/// 2 moments), for saving. Saving never restores; [`OptimizerState::restore`] is loading's.
struct Saved<'a, const N: usize> {
    steps: u32,
    vectors: [FlatRef<'a>; N],
}

impl<'a, const N: usize> OptimizerState<FlatRef<'a>> for Saved<'a, N> {
    const KIND: StateKind = match N {
        0 => StateKind::StepsOnly,
        1 => StateKind::Velocity,
        _ => StateKind::Moments,
    };

    fn saved_steps(&self) -> u32 {
        self.steps
    }

    fn visit_state<F: FnMut(&[f32])>(&self, f: &mut F) {
        for v in &self.vectors {
            v.visit(&mut |_, s| f(s));
        }
    }

    /// Not reached: a `Saved` state is only written out.
    fn restore<F: FnMut(&mut [f32])>(&mut self, _steps: u32, _f: &mut F) {}
}

impl Net {
    /// Saves `model` and the optimizer `state` as one [`crate::persist`] blob: the bytes
    /// [`crate::persist::save_with_optimizer`] writes for the same bricks, parameters and
    /// optimizer state.
    pub fn save_with_optimizer(&self, model: &[f32], state: &[f32], out: &mut [u8]) -> Result<usize, RunError> {
        let model = prefix(model, self.params, Buffer::Model)?;
        let state = prefix(state, self.optimizer_floats(), Buffer::Optimizer)?;
        let (slots, rest) = state.split_at(STEP_SLOTS.min(state.len()));
        let steps = read_steps(slots);
        let flat = FlatRef { net: self, data: model };
        let shape = self.shape(model);
        let view = |i: usize| FlatRef { net: self, data: rest.get(i * self.params..).unwrap_or_default() };
        match self.optimizer {
            OptimizerSpec::Sgd(_) => persist::write_blob(&flat, shape, Some(&Saved::<0> { steps, vectors: [] }), out),
            OptimizerSpec::SgdMomentum(..) => {
                persist::write_blob(&flat, shape, Some(&Saved::<1> { steps, vectors: [view(0)] }), out)
            }
            OptimizerSpec::Adam(_) => {
                persist::write_blob(&flat, shape, Some(&Saved::<2> { steps, vectors: [view(0), view(1)] }), out)
            }
        }
        .map_err(RunError::Save)
    }

    /// Loads a blob with optimizer state (from [`Net::save_with_optimizer`] or
    /// [`crate::persist::save_with_optimizer`]) into `model` and `state`; one whose state is
    /// not this network's optimizer kind is refused. On `Err` nothing is written.
    pub fn load_with_optimizer(&self, model: &mut [f32], state: &mut [f32], bytes: &[u8]) -> Result<usize, RunError> {
        let model = prefix_mut(model, self.params, Buffer::Model)?;
        let state = prefix_mut(state, self.optimizer_floats(), Buffer::Optimizer)?;
        let shape = self.shape(model);
        let (slots, rest) = split_mut(state, STEP_SLOTS);
        let mut w = Flat { net: self, data: model };
        let loaded = match self.optimizer {
            OptimizerSpec::Sgd(sgd) => {
                let mut opt = sgd;
                persist::load_params_with_optimizer(&mut w, shape, &mut opt, bytes).map(|n| (n, opt.steps()))
            }
            OptimizerSpec::SgdMomentum(sgd, mu) => {
                let mut opt = sgd.with_velocity(mu, Flat { net: self, data: rest });
                persist::load_params_with_optimizer(&mut w, shape, &mut opt, bytes).map(|n| (n, opt.steps()))
            }
            OptimizerSpec::Adam(adam) => {
                let (m, v) = split_mut(rest, self.params);
                let mut opt = adam.with_state(Flat { net: self, data: m }, Flat { net: self, data: v }, 0);
                persist::load_params_with_optimizer(&mut w, shape, &mut opt, bytes).map(|n| (n, opt.steps()))
            }
        };
        let (n, steps) = loaded.map_err(RunError::Load)?;
        write_steps(slots, steps);
        Ok(n)
    }
}
