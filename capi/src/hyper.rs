//! Hyperparameters as C sees them, and their translation into stacknet's validated
//! builders (`Sgd`, `Adam`, `Objective`/`Penalty`): nothing is range-checked twice or
//! differently.

use crate::status::{Check, stacknet_status_t::*};
use stacknet::loss::Objective;
use stacknet::nn::{Bias, Dense, Layer};
use stacknet::optim::{Adam, Clip, NoMomentum, Schedule, Sgd};

/// `optimizer`: stochastic gradient descent, with heavy-ball `momentum` (0 is plain SGD).
pub const STACKNET_OPTIMIZER_SGD: u32 = 0;
/// `optimizer`: Adam with `beta1`, `beta2`, `eps` (`momentum` and `weight_decay` unused).
pub const STACKNET_OPTIMIZER_ADAM: u32 = 1;
/// `optimizer`: AdamW, Adam plus the decoupled `weight_decay` (`momentum` unused).
pub const STACKNET_OPTIMIZER_ADAMW: u32 = 2;

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
/// fields that the chosen `schedule`/`clip`/`optimizer` do not use are ignored.
/// `STACKNET_HYPER_SIZE` bytes, aligned to `STACKNET_HYPER_ALIGN`.
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
    /// `STACKNET_OPTIMIZER_SGD`: heavy-ball momentum μ in [0, 1); 0 is plain SGD.
    pub momentum: f32,
    /// One of `STACKNET_OPTIMIZER_*`.
    pub optimizer: u32,
    /// Adam/AdamW: decay rate β₁ of the first moment, in [0, 1).
    pub beta1: f32,
    /// Adam/AdamW: decay rate β₂ of the second moment, in [0, 1).
    pub beta2: f32,
    /// Adam/AdamW: ε added to √v̂ in the denominator, finite and > 0.
    pub eps: f32,
    /// `STACKNET_OPTIMIZER_ADAMW`: decoupled weight decay λ (weights only), finite and ≥ 0.
    pub weight_decay: f32,
}

/// Bytes of a `stacknet_hyper_t`.
pub const STACKNET_HYPER_SIZE: usize = 56;
/// Alignment of a `stacknet_hyper_t`.
pub const STACKNET_HYPER_ALIGN: usize = 4;

const _: () = {
    assert!(size_of::<stacknet_hyper_t>() == STACKNET_HYPER_SIZE);
    assert!(align_of::<stacknet_hyper_t>() == STACKNET_HYPER_ALIGN);
};

/// The optimizer `stacknet_hyper_t::validate` checked: SGD (its velocity is added where it
/// is stored) or Adam/AdamW, as settings only (`AdamConfig::build` makes the optimizer).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Choice {
    /// SGD without its velocity.
    Sgd(Sgd<NoMomentum>),
    /// Adam's settings, every one in range.
    Adam(AdamConfig),
}

/// Adam's settings, each checked by `Adam`'s own builders.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamConfig {
    lr: f32,
    schedule: Schedule,
    clip: Clip,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
}

impl AdamConfig {
    /// Every range, checked by Adam's own builders on a one-weight model. Not inlined, so
    /// `validate`'s own frame stays small for SGD.
    #[inline(never)]
    fn check(&self) -> Check {
        self.build(&Dense::<1, 1>::zeros(Bias::Without)).map(|_| ())
    }

    /// Adam with these settings and zero moments shaped like `model`. Every setting went
    /// through the same builders in `validate`, so this fails only if that changes.
    pub(crate) fn build<M: Layer>(&self, model: &M) -> Check<Adam<M>> {
        self.configure(Adam::new(self.lr, model).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?)
    }

    /// These settings with no moments attached: a run-time network's optimizer
    /// (`stacknet::runtime::OptimizerSpec::Adam`), through the same builders as [`Self::build`].
    pub(crate) fn settings(&self) -> Check<Adam<()>> {
        self.configure(Adam::settings(self.lr).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?)
    }

    /// `a` with every setting but the learning rate applied, each by its own builder.
    fn configure<M>(&self, mut a: Adam<M>) -> Check<Adam<M>> {
        let bad = |_| STACKNET_ERR_HYPERPARAMETER;
        a = a.with_betas(self.beta1, self.beta2).map_err(bad)?;
        a = a.with_eps(self.eps).map_err(bad)?;
        a = a.with_weight_decay(self.weight_decay).map_err(bad)?;
        a = a.with_schedule(self.schedule).map_err(bad)?;
        a.with_clip(self.clip).map_err(bad)
    }
}

impl stacknet_hyper_t {
    /// SGD, η = 1, constant, no ridge, no clipping, no momentum; Adam's settings at the
    /// paper's defaults and AdamW's weight decay at 0.01 (unused until `optimizer` says).
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
        optimizer: STACKNET_OPTIMIZER_SGD,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.01,
    };

    /// Checks every setting with stacknet's own builders (`Sgd`, `Adam`, `Objective`) and
    /// returns the optimizer choice plus the objective; `STACKNET_ERR_HYPERPARAMETER` if any
    /// value the chosen optimizer uses is out of range, or `optimizer` is not a
    /// `STACKNET_OPTIMIZER_*` code. Nothing model-sized is built here: the caller adds
    /// the velocity (`with_momentum`) or builds Adam's moments (`AdamConfig::build`) only
    /// after this has passed, directly where it is stored, so a refusal costs a few words
    /// of stack. SGD always has a velocity (momentum 0 is plain SGD), so every SGD state of
    /// a shape has one layout and one save format.
    pub(crate) fn validate(&self) -> Check<(Choice, Objective)> {
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
        let choice = match self.optimizer {
            STACKNET_OPTIMIZER_SGD => {
                let base = Sgd::new(self.learning_rate)
                    .and_then(|o| o.with_schedule(schedule))
                    .and_then(|o| o.with_clip(clip))
                    .map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
                // The momentum's range, checked by the same builder on a one-weight model.
                let one = Dense::<1, 1>::zeros(Bias::Without);
                Sgd::new(1.0)
                    .and_then(|o| o.with_momentum(self.momentum, &one))
                    .map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
                Choice::Sgd(base)
            }
            kind @ (STACKNET_OPTIMIZER_ADAM | STACKNET_OPTIMIZER_ADAMW) => {
                let cfg = AdamConfig {
                    lr: self.learning_rate,
                    schedule,
                    clip,
                    beta1: self.beta1,
                    beta2: self.beta2,
                    eps: self.eps,
                    weight_decay: if kind == STACKNET_OPTIMIZER_ADAMW { self.weight_decay } else { 0.0 },
                };
                cfg.check()?;
                Choice::Adam(cfg)
            }
            _ => return Err(STACKNET_ERR_HYPERPARAMETER),
        };
        let objective = Objective::mse_ridge(self.ridge).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
        Ok((choice, objective))
    }
}

/// Writes the default hyperparameters (SGD, η = 1, constant schedule, no ridge, no
/// clipping, no momentum; for Adam/AdamW β₁ = 0.9, β₂ = 0.999, ε = 1e-8, weight decay
/// 0.01) to `*out`.
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
