//! Hyperparameters as C sees them, and their translation into stacknet's validated
//! builders (`Sgd`, `Objective`/`Penalty`): nothing is range-checked twice or differently.

use crate::status::{Check, stacknet_status_t::*};
use stacknet::loss::Objective;
use stacknet::nn::{Bias, Dense};
use stacknet::optim::{Clip, NoMomentum, Schedule, Sgd};

/// `schedule`: constant learning rate η.
pub const STACKNET_SCHEDULE_CONSTANT: u32 = 0;
/// `schedule`: η · step_factor^⌊t / step_every⌋.
pub const STACKNET_SCHEDULE_STEP: u32 = 1;
/// `schedule`: η · e^(−exp_rate·t).
pub const STACKNET_SCHEDULE_EXP: u32 = 2;

/// `clip`: no clipping.
pub const STACKNET_CLIP_NONE: u32 = 0;
/// `clip`: clamp each gradient component to [−clip_threshold, clip_threshold].
pub const STACKNET_CLIP_VALUE: u32 = 1;
/// `clip`: scale the whole gradient so its L2 norm is at most clip_threshold.
pub const STACKNET_CLIP_NORM: u32 = 2;

/// Training hyperparameters. Start from `stacknet_hyper_default` and change what you need;
/// fields that the chosen `schedule`/`clip` do not use are ignored.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct stacknet_hyper_t {
    /// Base learning rate η: finite and > 0.
    pub learning_rate: f32,
    /// One of `STACKNET_SCHEDULE_*`.
    pub schedule: u32,
    /// `STACKNET_SCHEDULE_STEP`: steps between drops, ≥ 1.
    pub step_every: u32,
    /// `STACKNET_SCHEDULE_STEP`: multiplier at each drop, in (0, 1].
    pub step_factor: f32,
    /// `STACKNET_SCHEDULE_EXP`: decay rate per step, finite and ≥ 0.
    pub exp_rate: f32,
    /// Ridge coefficient λ of the penalty λ·ΣW²/(2B) (weights only): finite and ≥ 0.
    pub ridge: f32,
    /// One of `STACKNET_CLIP_*`.
    pub clip: u32,
    /// `STACKNET_CLIP_VALUE`/`STACKNET_CLIP_NORM`: the threshold, finite and > 0.
    pub clip_threshold: f32,
    /// Heavy-ball momentum μ in [0, 1); 0 is plain SGD.
    pub momentum: f32,
}

impl stacknet_hyper_t {
    /// η = 1, constant, no ridge, no clipping, no momentum.
    pub(crate) const DEFAULT: stacknet_hyper_t = stacknet_hyper_t {
        learning_rate: 1.0,
        schedule: STACKNET_SCHEDULE_CONSTANT,
        step_every: 1,
        step_factor: 1.0,
        exp_rate: 0.0,
        ridge: 0.0,
        clip: STACKNET_CLIP_NONE,
        clip_threshold: 1.0,
        momentum: 0.0,
    };

    /// Checks every setting with stacknet's own builders (`Sgd`, `Objective`) and returns
    /// the optimizer without its velocity plus the objective; `STACKNET_ERR_HYPERPARAMETER`
    /// if any value is out of range. The caller adds the model-sized velocity
    /// (`with_momentum`) only after this has passed, directly where it is stored: a
    /// refusal costs a few words of stack, and an acceptance one model-sized move. The
    /// optimizer always has a velocity (momentum 0 is plain SGD), so every state of a shape
    /// has one layout and one save format.
    pub(crate) fn validate(&self) -> Check<(Sgd<NoMomentum>, Objective)> {
        let schedule = match self.schedule {
            STACKNET_SCHEDULE_CONSTANT => Schedule::Constant,
            STACKNET_SCHEDULE_STEP => Schedule::StepDecay { every: self.step_every, factor: self.step_factor },
            STACKNET_SCHEDULE_EXP => Schedule::ExpDecay { rate: self.exp_rate },
            _ => return Err(STACKNET_ERR_HYPERPARAMETER),
        };
        let clip = match self.clip {
            STACKNET_CLIP_NONE => Clip::None,
            STACKNET_CLIP_VALUE => Clip::Value(self.clip_threshold),
            STACKNET_CLIP_NORM => Clip::Norm(self.clip_threshold),
            _ => return Err(STACKNET_ERR_HYPERPARAMETER),
        };
        let base = Sgd::new(self.learning_rate)
            .and_then(|o| o.with_schedule(schedule))
            .and_then(|o| o.with_clip(clip))
            .map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
        // The momentum's range, checked by the same builder on a one-weight model.
        Sgd::new(1.0)
            .and_then(|o| o.with_momentum(self.momentum, &Dense::<1, 1>::zeros(Bias::Without)))
            .map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
        let objective = Objective::mse_ridge(self.ridge).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
        Ok((base, objective))
    }
}

/// Writes the default hyperparameters (η = 1, constant schedule, no ridge, no clipping,
/// no momentum) to `*out`.
///
/// # Safety
/// `out` is null or valid for writing one `stacknet_hyper_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_hyper_default(out: *mut stacknet_hyper_t) -> crate::stacknet_status_t {
    crate::status::status((|| {
        let out = crate::check::out_ptr(out)?;
        // SAFETY: non-null and aligned (checked); writable per the contract.
        unsafe { out.write(stacknet_hyper_t::DEFAULT) };
        Ok(())
    })())
}
