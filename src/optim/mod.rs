//! The optimizers: SGD ([`Sgd`], with the article's cures for exploding gradients —
//! learning-rate schedules, gradient clipping — and optional momentum) and Adam / AdamW
//! ([`Adam`]). Both take the same [`Schedule`] and [`Clip`] settings.
//!
//! Every setting is validated when the optimizer is built, so a training step never meets
//! a bad hyperparameter.
//!
//! An optimizer takes part in a step through [`Optimizer`]: `train_step` hands it the
//! gradient, it prepares it ([`Optimizer::direction`], which cannot change the optimizer),
//! then decides without writing anything whether the update keeps every value finite
//! ([`Optimizer::first_unsafe`]), and only then writes the parameters and its own state
//! ([`Optimizer::update`]). A refused step never reaches `update`, so it leaves model and
//! optimizer as they were.
//!
//! ```
//! use stacknet::optim::{Clip, ConfigError, Schedule, Sgd};
//!
//! // A setting out of range is refused when the optimizer is built, and named.
//! let bad = Sgd::new(0.1).unwrap().with_schedule(Schedule::StepDecay { every: 100, factor: 1.5 });
//! assert_eq!(bad, Err(ConfigError::StepDecayFactor(1.5)));
//! assert_eq!(
//!     bad.unwrap_err().to_string(),
//!     "learning-rate schedule: step decay's `factor` must be in (0, 1], got 1.5"
//! );
//! assert!(Sgd::new(0.1).unwrap().with_clip(Clip::Norm(-1.0)).is_err());
//! ```

mod adam;
pub(crate) mod guard;
mod sgd;

pub use adam::Adam;
pub(crate) use sgd::check_momentum;
pub use sgd::{Momentum, NoMomentum, Sgd, Velocity};

use crate::arch::sqrt::sqrtf;
use crate::nn::Params;

/// How the learning rate changes with the step number `t` (starting at 0).
///
/// ```
/// use stacknet::optim::{Schedule, Sgd};
///
/// // Halve the learning rate every 100 steps.
/// let opt = Sgd::new(0.8)?.with_schedule(Schedule::StepDecay { every: 100, factor: 0.5 })?;
/// assert_eq!(opt.current_lr(), 0.8); // step 0
/// assert_eq!(Schedule::StepDecay { every: 100, factor: 0.5 }.lr_at(0.8, 250), 0.2);
/// assert_eq!(Schedule::Constant.lr_at(0.8, 1_000_000), 0.8);
/// # Ok::<(), stacknet::optim::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Schedule {
    /// `η`.
    #[default]
    Constant,
    /// `η · factor^⌊t / every⌋`.
    StepDecay {
        /// Steps between drops (≥ 1).
        every: u32,
        /// Multiplier at each drop, in `(0, 1]`.
        factor: f32,
    },
    /// `η · e^(−rate·t)`.
    ExpDecay {
        /// Decay rate per step (finite, ≥ 0).
        rate: f32,
    },
}

impl Schedule {
    /// The learning rate at step `t` (from 0) for base rate `lr`.
    #[inline]
    pub fn lr_at(self, lr: f32, t: u32) -> f32 {
        match self {
            Schedule::Constant => lr,
            // `every ≥ 1` is checked when the schedule is set; `checked_div` keeps a division
            // panic out of every firmware image that can reach this line.
            Schedule::StepDecay { every, factor } => lr * libm::powf(factor, t.checked_div(every).unwrap_or(0) as f32),
            Schedule::ExpDecay { rate } => lr * libm::expf(-rate * t as f32),
        }
    }
}

/// Gradient clipping, applied after the penalty gradient is added.
///
/// ```
/// use stacknet::optim::{Clip, ConfigError, Sgd};
///
/// // Rescale the whole gradient to length ≤ 1 (by value: clamp each component instead).
/// let opt = Sgd::new(0.5)?.with_clip(Clip::Norm(1.0))?;
/// assert_eq!(opt.clip(), Clip::Norm(1.0));
/// assert_eq!(Sgd::new(0.5)?.with_clip(Clip::Value(0.0)), Err(ConfigError::Clip(0.0)));
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Clip {
    /// No clipping.
    #[default]
    None,
    /// Each gradient component is clamped to `[−c, c]`.
    Value(f32),
    /// The whole gradient is scaled down so its L2 norm is at most `c`.
    Norm(f32),
}

/// How an optimizer stores its [`Schedule`]: plain numbers (kind, `every`, `factor` or
/// `rate`), so that every bit pattern is a valid optimizer and no byte is padding. An
/// optimizer kept in memory written by someone else (a C caller's model state) then can
/// never hold an invalid enum, and its bytes are fully determined by its settings.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub(crate) struct StoredSchedule {
    kind: u32,
    every: u32,
    value: f32,
}

impl StoredSchedule {
    pub(crate) const fn new(s: Schedule) -> Self {
        match s {
            Schedule::Constant => StoredSchedule { kind: 0, every: 0, value: 0.0 },
            Schedule::StepDecay { every, factor } => StoredSchedule { kind: 1, every, value: factor },
            Schedule::ExpDecay { rate } => StoredSchedule { kind: 2, every: 0, value: rate },
        }
    }

    /// The schedule (an unknown kind, which only foreign bytes can hold, reads as constant).
    #[inline]
    pub(crate) const fn get(self) -> Schedule {
        match self.kind {
            1 => Schedule::StepDecay { every: self.every, factor: self.value },
            2 => Schedule::ExpDecay { rate: self.value },
            _ => Schedule::Constant,
        }
    }
}

/// How an optimizer stores its [`Clip`]: plain numbers, for the reasons of [`StoredSchedule`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub(crate) struct StoredClip {
    kind: u32,
    threshold: f32,
}

impl StoredClip {
    pub(crate) const fn new(c: Clip) -> Self {
        match c {
            Clip::None => StoredClip { kind: 0, threshold: 0.0 },
            Clip::Value(t) => StoredClip { kind: 1, threshold: t },
            Clip::Norm(t) => StoredClip { kind: 2, threshold: t },
        }
    }

    /// The clipping rule (an unknown kind, which only foreign bytes can hold, reads as none).
    #[inline]
    pub(crate) const fn get(self) -> Clip {
        match self.kind {
            1 => Clip::Value(self.threshold),
            2 => Clip::Norm(self.threshold),
            _ => Clip::None,
        }
    }
}

/// A hyperparameter that was refused when building the optimizer: which setting, and the
/// value given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConfigError {
    /// The learning rate is ≤ 0 or not finite.
    LearningRate(f32),
    /// The momentum is outside `[0, 1)`.
    Momentum(f32),
    /// The clipping threshold ([`Clip::Value`] or [`Clip::Norm`]) is ≤ 0 or not finite.
    Clip(f32),
    /// [`Schedule::StepDecay`]'s `every` is 0.
    StepDecayEvery(u32),
    /// [`Schedule::StepDecay`]'s `factor` is outside `(0, 1]`.
    StepDecayFactor(f32),
    /// [`Schedule::ExpDecay`]'s `rate` is negative or not finite.
    ExpDecayRate(f32),
    /// Adam's β₁ is outside `[0, 1)`.
    Beta1(f32),
    /// Adam's β₂ is outside `[0, 1)`.
    Beta2(f32),
    /// Adam's ε is ≤ 0 or not finite.
    Epsilon(f32),
    /// AdamW's weight decay is negative or not finite.
    WeightDecay(f32),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::LearningRate(v) => write!(f, "learning rate must be finite and > 0, got {v}"),
            ConfigError::Momentum(v) => write!(f, "momentum must be in [0, 1), got {v}"),
            ConfigError::Clip(v) => write!(f, "clipping threshold must be finite and > 0, got {v}"),
            ConfigError::StepDecayEvery(v) => {
                write!(f, "learning-rate schedule: step decay's `every` must be >= 1, got {v}")
            }
            ConfigError::StepDecayFactor(v) => {
                write!(f, "learning-rate schedule: step decay's `factor` must be in (0, 1], got {v}")
            }
            ConfigError::ExpDecayRate(v) => {
                write!(f, "learning-rate schedule: exponential decay's `rate` must be finite and >= 0, got {v}")
            }
            ConfigError::Beta1(v) => write!(f, "Adam's beta1 must be in [0, 1), got {v}"),
            ConfigError::Beta2(v) => write!(f, "Adam's beta2 must be in [0, 1), got {v}"),
            ConfigError::Epsilon(v) => write!(f, "Adam's epsilon must be finite and > 0, got {v}"),
            ConfigError::WeightDecay(v) => write!(f, "AdamW's weight decay must be finite and >= 0, got {v}"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// What an optimizer decided for one step ([`Optimizer::direction`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Direction {
    /// The learning rate of this step (the schedule's value at this step).
    pub lr: f32,
    /// Whether clipping changed the gradient.
    pub clipped: bool,
    /// For an update `w ← w − lr·d`: a bound on every `|dᵢ|` (up to a few roundings) when
    /// one is known without a pass over `d`, so that [`Optimizer::first_unsafe`] can prove
    /// the update finite from two norms and skip the per-parameter dry run. `None` when only
    /// the dry run can tell (momentum, Adam).
    pub bound: Option<f32>,
}

/// The optimizer's side of a training step, in three calls that make the step
/// transactional: [`direction`] turns the gradient into what the update needs (`&self`:
/// nothing changes), [`first_unsafe`] decides, without writing anything, whether the update
/// would leave every parameter and every value of the optimizer's state finite, and only
/// then [`update`] writes the parameters and the optimizer's state. A refused step returns
/// before [`update`], so it leaves model and optimizer as they were.
///
/// [`direction`]: Optimizer::direction
/// [`first_unsafe`]: Optimizer::first_unsafe
/// [`update`]: Optimizer::update
pub trait Optimizer<M: Params + ?Sized> {
    /// Prepares the gradient in `grads` (after the penalty; `norm` is its L2 norm, possibly
    /// +∞ with every component finite), in place: clipping, and for SGD with momentum the
    /// direction `d = g + μ·v`.
    fn direction(&self, grads: &mut M, norm: f32) -> Direction;

    /// The first parameter (in [`ParamsRef::visit`](crate::nn::ParamsRef::visit) order) whose update, or whose optimizer
    /// state, would not be finite; `None` if the step may be written. `d` is what
    /// [`direction`](Optimizer::direction) left in `grads`, `w2` is `Σw²` over `model` (for
    /// a proof that skips the per-parameter search).
    fn first_unsafe(&self, model: &M, d: &M, dir: &Direction, w2: f32) -> Option<usize>;

    /// Writes the update into `model` and the optimizer's state, and counts the step. Only
    /// called after [`first_unsafe`](Optimizer::first_unsafe) returned `None` for the same
    /// arguments.
    fn update(&mut self, model: &mut M, d: &M, dir: &Direction);

    /// Steps taken so far (successful ones only).
    fn steps(&self) -> u32;
}

fn check_lr(lr: f32) -> Result<f32, ConfigError> {
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(ConfigError::LearningRate(lr))
    }
}

fn check_schedule(schedule: Schedule) -> Result<Schedule, ConfigError> {
    match schedule {
        Schedule::StepDecay { every: 0, .. } => Err(ConfigError::StepDecayEvery(0)),
        Schedule::StepDecay { factor, .. } if !(factor.is_finite() && factor > 0.0 && factor <= 1.0) => {
            Err(ConfigError::StepDecayFactor(factor))
        }
        Schedule::ExpDecay { rate } if !(rate.is_finite() && rate >= 0.0) => Err(ConfigError::ExpDecayRate(rate)),
        _ => Ok(schedule),
    }
}

fn check_clip(clip: Clip) -> Result<Clip, ConfigError> {
    match clip {
        Clip::Value(c) | Clip::Norm(c) if !(c.is_finite() && c > 0.0) => Err(ConfigError::Clip(c)),
        _ => Ok(clip),
    }
}

/// An upper bound of every `|dᵢ|` when the direction is the (clipped) gradient `g`: its norm
/// bounds each component (up to rounding, which `train_step`'s proof leaves a margin for),
/// and clipping to `c` (by value or by norm) bounds it by `c`.
pub(crate) fn direction_bound(clip: Clip, norm: f32) -> f32 {
    match clip {
        Clip::None => norm,
        Clip::Value(c) | Clip::Norm(c) => norm.min(c),
    }
}

/// Clips `grads` in place by `clip`; returns whether anything changed. `norm` is the
/// gradient's L2 norm, already computed by the caller.
fn apply_clip<M: Params + ?Sized>(clip: Clip, norm: f32, grads: &mut M) -> bool {
    match clip {
        Clip::None => false,
        Clip::Value(c) => {
            let mut changed = false;
            grads.visit_values_mut(&mut |g| {
                for v in g {
                    // Not `f32::clamp`: its NaN/order assertion formats floats, which pulls
                    // ~20 KB of float formatting into every firmware image (and a panic path).
                    if *v > c {
                        *v = c;
                        changed = true;
                    } else if *v < -c {
                        *v = -c;
                        changed = true;
                    }
                }
            });
            changed
        }
        Clip::Norm(c) => {
            if norm <= c {
                return false;
            }
            if norm.is_finite() {
                let scale = c / norm;
                grads.visit_values_mut(&mut |g| {
                    for v in g {
                        *v *= scale;
                    }
                });
            } else {
                // Every component is finite but the norm exceeds f32::MAX (found by
                // fuzz/train_step): `c / ∞ = 0` would silently zero the step. Scale by the
                // largest component first, then to length `c`.
                let mut max = 0.0f32;
                grads.visit(&mut |_, g| g.iter().for_each(|v| max = max.max(libm::fabsf(*v))));
                let mut sq = 0.0f32;
                grads.visit(&mut |_, g| g.iter().for_each(|v| sq += (v / max) * (v / max)));
                let scale = c / sqrtf(sq);
                grads.visit_values_mut(&mut |g| g.iter_mut().for_each(|v| *v = (*v / max) * scale));
            }
            true
        }
    }
}
