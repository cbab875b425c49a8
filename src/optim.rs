//! Stochastic gradient descent with the article's cures for exploding gradients:
//! learning-rate schedules, gradient clipping and (optionally) momentum.
//!
//! Every setting is validated when the optimizer is built, so a training step never meets
//! a bad hyperparameter.
//!
//! An optimizer takes part in a step through [`Optimizer`]: `train_step` hands it the
//! gradient, it turns it into the update direction ([`Optimizer::direction`], which cannot
//! change the optimizer), `train_step` checks and writes `w ← w − η·d`, and only then does the
//! optimizer record the step ([`Optimizer::commit`]). A refused step never reaches `commit`,
//! so it leaves the optimizer as it was.
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

use crate::arch::sqrt::sqrtf;
use crate::nn::Layer;

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
        }
    }
}

impl core::error::Error for ConfigError {}

/// Where an optimizer keeps (or does not keep) its velocity.
pub trait Velocity<M: Layer>: Copy {
    /// Whether [`direction`](Velocity::direction) leaves the gradient as it is (no momentum):
    /// then the gradient norm bounds the update, which lets `train_step` skip the per-parameter
    /// dry run in the common case.
    const DIRECTION_IS_GRADIENT: bool = false;
    /// Turns the gradient into the update direction `d = g + μ·v` (no-op without momentum).
    fn direction(&self, momentum: f32, grads: &mut M);
    /// Remembers `d` as the new velocity.
    fn store(&mut self, d: &M);
}

/// Plain SGD: no velocity, no memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoMomentum;

impl<M: Layer> Velocity<M> for NoMomentum {
    const DIRECTION_IS_GRADIENT: bool = true;
    #[inline]
    fn direction(&self, _momentum: f32, _grads: &mut M) {}
    #[inline]
    fn store(&mut self, _d: &M) {}
}

/// Heavy-ball momentum: one velocity value per parameter, stored as a model of type `M`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Momentum<M>(pub M);

impl<M: Layer> Velocity<M> for Momentum<M> {
    fn direction(&self, momentum: f32, grads: &mut M) {
        grads.zip_mut(&self.0, &mut |_, g, v| {
            for (g, &v) in g.iter_mut().zip(v) {
                *g += momentum * v;
            }
        });
    }
    fn store(&mut self, d: &M) {
        self.0.zip_mut(d, &mut |_, v, d| v.copy_from_slice(d));
    }
}

/// What an optimizer decided for one step ([`Optimizer::direction`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Direction {
    /// The learning rate of this step: the update is `w ← w − lr·d`.
    pub lr: f32,
    /// Whether clipping changed the gradient.
    pub clipped: bool,
    /// A bound on every `|dᵢ|` (up to a few roundings) when one is known without a pass over
    /// `d`: then `train_step` can prove the update finite from two norms and skip the
    /// per-parameter dry run, so the bound must hold. `None` when only the dry run can tell
    /// (e.g. with momentum).
    pub bound: Option<f32>,
}

/// The optimizer's side of a training step. `train_step` calls [`direction`] once, checks
/// the update `w ← w − lr·d` (refusing it if any parameter would overflow), writes it, and
/// then calls [`commit`]; a refused step returns before `commit`.
///
/// [`direction`]: Optimizer::direction
/// [`commit`]: Optimizer::commit
pub trait Optimizer<M: Layer> {
    /// Turns the gradient in `grads` (after the penalty; `norm` is its L2 norm, possibly
    /// +∞ with every component finite) into the update direction `d`, in place: clipping,
    /// momentum. Takes `&self`: the optimizer is unchanged until [`commit`](Optimizer::commit).
    fn direction(&self, grads: &mut M, norm: f32) -> Direction;

    /// Records the step just written with direction `d` (the output of
    /// [`direction`](Optimizer::direction)): the momentum velocity, the step counter.
    fn commit(&mut self, d: &M);

    /// Steps taken so far (successful ones only).
    fn steps(&self) -> u32;
}

/// SGD: `w ← w − η_t·d`, with `d = g` or, with momentum, `d = g + μ·d_prev`.
///
/// Built from a learning rate, then optionally given a [`Schedule`], a [`Clip`] rule and
/// momentum; each setting is checked as it is given ([`ConfigError`]).
///
/// ```
/// use stacknet::prelude::*;
///
/// type Net = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
/// let mut net: Net = Layer::random(&mut stacknet::init::rng(3), Init::HeNormal);
///
/// let mut opt = Sgd::new(0.05)?
///     .with_schedule(Schedule::StepDecay { every: 500, factor: 0.5 })?
///     .with_clip(Clip::Norm(5.0))?
///     .with_momentum(0.9, &net)?; // the velocity is shaped like `net`
///
/// let x = [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]];
/// let y = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
/// let mut ws = Workspace::<Net, 2>::new();
/// let objective = Objective::softmax_cross_entropy();
/// train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective)?;
/// assert_eq!((opt.steps(), opt.momentum()), (1, 0.9));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<V = NoMomentum> {
    lr: f32,
    schedule: Schedule,
    clip: Clip,
    momentum: f32,
    step: u32,
    velocity: V,
}

fn check_lr(lr: f32) -> Result<f32, ConfigError> {
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(ConfigError::LearningRate(lr))
    }
}

impl Sgd<NoMomentum> {
    /// Plain SGD with a constant learning rate `lr`.
    pub fn new(lr: f32) -> Result<Self, ConfigError> {
        Ok(Sgd {
            lr: check_lr(lr)?,
            schedule: Schedule::Constant,
            clip: Clip::None,
            momentum: 0.0,
            step: 0,
            velocity: NoMomentum,
        })
    }

    /// Adds momentum `mu` in `[0, 1)`, with a zero velocity shaped like `model`.
    pub fn with_momentum<M: Layer>(self, mu: f32, model: &M) -> Result<Sgd<Momentum<M>>, ConfigError> {
        if !(mu.is_finite() && (0.0..1.0).contains(&mu)) {
            return Err(ConfigError::Momentum(mu));
        }
        Ok(Sgd {
            lr: self.lr,
            schedule: self.schedule,
            clip: self.clip,
            momentum: mu,
            step: self.step,
            velocity: Momentum(model.zeroed_like()),
        })
    }
}

impl<V> Sgd<V> {
    /// Sets the learning-rate schedule.
    pub fn with_schedule(mut self, schedule: Schedule) -> Result<Self, ConfigError> {
        match schedule {
            Schedule::Constant => {}
            Schedule::StepDecay { every: 0, .. } => return Err(ConfigError::StepDecayEvery(0)),
            Schedule::StepDecay { factor, .. } if !(factor.is_finite() && factor > 0.0 && factor <= 1.0) => {
                return Err(ConfigError::StepDecayFactor(factor))
            }
            Schedule::StepDecay { .. } => {}
            Schedule::ExpDecay { rate } if !(rate.is_finite() && rate >= 0.0) => {
                return Err(ConfigError::ExpDecayRate(rate))
            }
            Schedule::ExpDecay { .. } => {}
        }
        self.schedule = schedule;
        Ok(self)
    }

    /// Sets gradient clipping.
    pub fn with_clip(mut self, clip: Clip) -> Result<Self, ConfigError> {
        if let Clip::Value(c) | Clip::Norm(c) = clip {
            if !(c.is_finite() && c > 0.0) {
                return Err(ConfigError::Clip(c));
            }
        }
        self.clip = clip;
        Ok(self)
    }

    /// The base learning rate.
    pub fn base_lr(&self) -> f32 {
        self.lr
    }

    /// The schedule.
    pub fn schedule(&self) -> Schedule {
        self.schedule
    }

    /// The clipping rule.
    pub fn clip(&self) -> Clip {
        self.clip
    }

    /// The momentum coefficient (0 without momentum).
    pub fn momentum(&self) -> f32 {
        self.momentum
    }

    /// Steps taken so far (successful ones only).
    pub fn steps(&self) -> u32 {
        self.step
    }

    /// The learning rate the next step will use.
    pub fn current_lr(&self) -> f32 {
        self.schedule.lr_at(self.lr, self.step)
    }

    /// The velocity store.
    pub fn velocity(&self) -> &V {
        &self.velocity
    }

    pub(crate) fn velocity_mut(&mut self) -> &mut V {
        &mut self.velocity
    }

    /// Sets the step counter (restoring a saved optimizer, `crate::persist`).
    pub(crate) fn restore_steps(&mut self, steps: u32) {
        self.step = steps;
    }
}

impl<M: Layer, V: Velocity<M>> Optimizer<M> for Sgd<V> {
    /// Clips `grads` by the clipping rule, then adds `μ·v` with momentum. Without momentum
    /// `d` is the (clipped) gradient, so `norm` (or the clipping threshold, if smaller)
    /// bounds every `|dᵢ|`.
    #[inline(always)] // a few lines around `apply_clip`, as when `train_step` held them
    fn direction(&self, grads: &mut M, norm: f32) -> Direction {
        let clipped = apply_clip(self.clip, norm, grads);
        self.velocity.direction(self.momentum, grads);
        let bound = if V::DIRECTION_IS_GRADIENT { Some(direction_bound(self.clip, norm)) } else { None };
        Direction { lr: self.current_lr(), clipped, bound }
    }

    /// Stores `d` as the velocity (with momentum) and counts the step.
    #[inline(always)]
    fn commit(&mut self, d: &M) {
        self.velocity.store(d);
        self.step = self.step.saturating_add(1);
    }

    fn steps(&self) -> u32 {
        self.step
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
fn apply_clip<M: Layer>(clip: Clip, norm: f32, grads: &mut M) -> bool {
    match clip {
        Clip::None => false,
        Clip::Value(c) => {
            let mut changed = false;
            grads.visit_mut(&mut |_, g| {
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
                grads.visit_mut(&mut |_, g| {
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
                grads.visit_mut(&mut |_, g| g.iter_mut().for_each(|v| *v = (*v / max) * scale));
            }
            true
        }
    }
}
