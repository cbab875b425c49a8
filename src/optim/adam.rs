//! Adam (Kingma & Ba, 2015) and, with a decoupled weight decay, AdamW (Loshchilov & Hutter,
//! 2019): a per-parameter step size from running averages of the gradient and its square.

use super::guard::rolled;
use super::{apply_clip, check_clip, check_lr, check_schedule, StoredClip, StoredSchedule};
use super::{Clip, ConfigError, Direction, Optimizer, Schedule};
use crate::arch::scalar::adam_one;
use crate::kernels::{typed, AdamUpdate};
use crate::nn::{Layer, ParamKind, Params};

/// Adam, or AdamW with [`Adam::with_weight_decay`]. It keeps two values per parameter (the
/// moments `m` and `v`, each shaped like the model) and the step counter.
///
/// Step `t` (counted from 1; [`steps`](Adam::steps) is `t − 1` before the step), with `g` the
/// gradient after the penalty (ridge, L1) and clipping, `η_t` the learning rate from the
/// [`Schedule`], `λ` the decoupled weight decay (0 for Adam) — in this order, each
/// operation rounded once in `f32`, the same on every tier and target:
///
/// ```text
/// m ← β₁·m + (1−β₁)·g
/// v ← β₂·v + (1−β₂)·g²
/// d  = (m·c₁) / (√(v·c₂) + ε)        c₁ = 1/(1−β₁ᵗ), c₂ = 1/(1−β₂ᵗ)  (bias corrections)
/// w ← w − η_t·(d + λ·w)              λ applies to weights, never to biases
/// ```
///
/// `1 − βᵗ` is computed as `−expm1(t·ln β)` (no cancellation for β near 1). ε sits outside
/// the square root, as in the paper and in PyTorch. The weight decay is
/// decoupled: it is not part of the gradient, so it is neither clipped nor averaged into the
/// moments, and it scales with the schedule's `η_t` (PyTorch's `AdamW`). A ridge or L1
/// [`Penalty`](crate::loss::Penalty), by contrast, is part of `g`.
///
/// A step is refused, with model and optimizer left bit-identical, if any new parameter,
/// `m` or `v` would not be finite (e.g. `g² ` overflows for `|g| > 1.8·10¹⁹`: clip the
/// gradient to stay clear of that).
///
/// ```
/// use stacknet::prelude::*;
///
/// type Net = (Dense<4, 16>, Relu<16>, Dense<16, 3>);
/// let mut net: Net = Layer::random(&mut stacknet::init::rng(3), Init::HeNormal);
///
/// let mut opt = Adam::new(1e-3, &net)? // β₁ = 0.9, β₂ = 0.999, ε = 1e-8
///     .with_weight_decay(0.01)? // AdamW
///     .with_clip(Clip::Norm(5.0))?;
///
/// let x = [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]];
/// let y = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
/// let mut ws = Workspace::<Net, 2>::new();
/// train_step(&mut net, &x, &y, &mut ws, &mut opt, &Objective::softmax_cross_entropy())?;
/// assert_eq!(opt.steps(), 1);
///
/// // A setting out of range is refused when it is given, and named.
/// assert_eq!(
///     Adam::new(1e-3, &net)?.with_betas(0.9, 1.0).unwrap_err().to_string(),
///     "Adam's beta2 must be in [0, 1), got 1"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam<M> {
    lr: f32,
    schedule: StoredSchedule,
    clip: StoredClip,
    beta1: f32,
    beta2: f32,
    /// `ln β₁` and `ln β₂`, for the bias corrections (formed when the betas are set, not at
    /// every step).
    ln_betas: (f32, f32),
    eps: f32,
    weight_decay: f32,
    step: u32,
    m: M,
    v: M,
}

fn check_beta(beta: f32, err: fn(f32) -> ConfigError) -> Result<f32, ConfigError> {
    if beta.is_finite() && (0.0..1.0).contains(&beta) {
        Ok(beta)
    } else {
        Err(err(beta))
    }
}

impl<M: Layer> Adam<M> {
    /// Adam with learning rate `lr`, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ (the paper's defaults),
    /// no weight decay, and zero moments shaped like `model`.
    pub fn new(lr: f32, model: &M) -> Result<Self, ConfigError> {
        Ok(Adam {
            lr: check_lr(lr)?,
            schedule: StoredSchedule::new(Schedule::Constant),
            clip: StoredClip::new(Clip::None),
            beta1: 0.9,
            beta2: 0.999,
            ln_betas: (libm::logf(0.9), libm::logf(0.999)),
            eps: 1e-8,
            weight_decay: 0.0,
            step: 0,
            m: model.zeroed_like(),
            v: model.zeroed_like(),
        })
    }
}

impl Adam<()> {
    /// Adam's settings with no moments attached, defaults as [`Adam::new`]: for a
    /// [`runtime`](crate::runtime) network, whose moments live in the caller's optimizer
    /// state buffer and are attached for each step.
    pub fn settings(lr: f32) -> Result<Self, ConfigError> {
        Ok(Adam {
            lr: check_lr(lr)?,
            schedule: StoredSchedule::new(Schedule::Constant),
            clip: StoredClip::new(Clip::None),
            beta1: 0.9,
            beta2: 0.999,
            ln_betas: (libm::logf(0.9), libm::logf(0.999)),
            eps: 1e-8,
            weight_decay: 0.0,
            step: 0,
            m: (),
            v: (),
        })
    }

    /// These settings with moments `m`, `v` after `steps` steps (a run-time network's step).
    pub(crate) fn with_state<N>(&self, m: N, v: N, steps: u32) -> Adam<N> {
        let s = *self;
        Adam {
            lr: s.lr,
            schedule: s.schedule,
            clip: s.clip,
            beta1: s.beta1,
            beta2: s.beta2,
            ln_betas: s.ln_betas,
            eps: s.eps,
            weight_decay: s.weight_decay,
            step: steps,
            m,
            v,
        }
    }
}

impl<M> Adam<M> {
    /// Sets the moments' decay rates β₁ and β₂, each in `[0, 1)`.
    pub fn with_betas(mut self, beta1: f32, beta2: f32) -> Result<Self, ConfigError> {
        self.beta1 = check_beta(beta1, ConfigError::Beta1)?;
        self.beta2 = check_beta(beta2, ConfigError::Beta2)?;
        self.ln_betas = (libm::logf(beta1), libm::logf(beta2));
        Ok(self)
    }

    /// Sets ε (finite, > 0), added to `√v̂` in the denominator.
    pub fn with_eps(mut self, eps: f32) -> Result<Self, ConfigError> {
        if !(eps.is_finite() && eps > 0.0) {
            return Err(ConfigError::Epsilon(eps));
        }
        self.eps = eps;
        Ok(self)
    }

    /// Makes this AdamW: each step also takes `η_t·λ·w` off every weight (not the biases),
    /// outside the gradient. `λ` finite and ≥ 0 (0 is plain Adam).
    pub fn with_weight_decay(mut self, lambda: f32) -> Result<Self, ConfigError> {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(ConfigError::WeightDecay(lambda));
        }
        self.weight_decay = lambda;
        Ok(self)
    }

    /// Sets the learning-rate schedule.
    pub fn with_schedule(mut self, schedule: Schedule) -> Result<Self, ConfigError> {
        self.schedule = StoredSchedule::new(check_schedule(schedule)?);
        Ok(self)
    }

    /// Sets gradient clipping (applied to the gradient before it enters the moments).
    pub fn with_clip(mut self, clip: Clip) -> Result<Self, ConfigError> {
        self.clip = StoredClip::new(check_clip(clip)?);
        Ok(self)
    }

    /// Takes `from`'s settings (learning rate, schedule, clipping, β₁, β₂, ε, weight decay)
    /// and keeps this optimizer's step counter and moments: to change hyperparameters
    /// part-way through a run, or after restoring one, without restarting it. `from` may be
    /// shaped like any model (its moments are not read).
    ///
    /// ```
    /// use stacknet::prelude::*;
    /// use stacknet::optim::Adam;
    ///
    /// type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 1>);
    /// let mut net: Net = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
    /// let mut opt = Adam::new(1e-2, &net)?;
    /// let mut ws = Workspace::<Net, 1>::new();
    /// train_step(&mut net, &[[0.0, 1.0]], &[[1.0]], &mut ws, &mut opt, &Objective::mse())?;
    ///
    /// let one = Dense::<1, 1>::zeros(Bias::Without);
    /// opt.take_settings(&Adam::new(1e-3, &one)?.with_weight_decay(0.01)?);
    /// assert_eq!((opt.base_lr(), opt.weight_decay(), opt.steps()), (1e-3, 0.01, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take_settings<N>(&mut self, from: &Adam<N>) {
        self.lr = from.lr;
        self.schedule = from.schedule;
        self.clip = from.clip;
        self.beta1 = from.beta1;
        self.beta2 = from.beta2;
        self.ln_betas = from.ln_betas;
        self.eps = from.eps;
        self.weight_decay = from.weight_decay;
    }

    /// The base learning rate.
    pub fn base_lr(&self) -> f32 {
        self.lr
    }

    /// The learning rate the next step will use.
    pub fn current_lr(&self) -> f32 {
        self.schedule.get().lr_at(self.lr, self.step)
    }

    /// The schedule.
    pub fn schedule(&self) -> Schedule {
        self.schedule.get()
    }

    /// The clipping rule.
    pub fn clip(&self) -> Clip {
        self.clip.get()
    }

    /// `(β₁, β₂)`.
    pub fn betas(&self) -> (f32, f32) {
        (self.beta1, self.beta2)
    }

    /// ε.
    pub fn eps(&self) -> f32 {
        self.eps
    }

    /// The decoupled weight decay λ (0 for Adam).
    pub fn weight_decay(&self) -> f32 {
        self.weight_decay
    }

    /// Steps taken so far (successful ones only); the next step's bias correction uses
    /// `t = steps() + 1`.
    pub fn steps(&self) -> u32 {
        self.step
    }

    /// The moments `(m, v)`, each shaped like the model.
    pub fn moments(&self) -> (&M, &M) {
        (&self.m, &self.v)
    }

    pub(crate) fn moments_mut(&mut self) -> (&mut M, &mut M) {
        (&mut self.m, &mut self.v)
    }

    /// Sets the step counter (restoring a saved optimizer, `crate::persist`).
    pub(crate) fn restore_steps(&mut self, steps: u32) {
        self.step = steps;
    }

    /// The update's constants for this step with learning rate `lr`, for weights (`decay`
    /// = λ); biases use the same with `decay` = 0.
    fn update_for(&self, lr: f32) -> AdamUpdate {
        let t = self.step.saturating_add(1) as f32;
        AdamUpdate {
            b1: self.beta1,
            one_minus_b1: 1.0 - self.beta1,
            b2: self.beta2,
            one_minus_b2: 1.0 - self.beta2,
            c1: bias_correction(self.ln_betas.0, t),
            c2: bias_correction(self.ln_betas.1, t),
            eps: self.eps,
            lr,
            decay: self.weight_decay,
        }
    }
}

/// `1 / (1 − βᵗ)` from `ln β`, with `1 − βᵗ` formed as `−expm1(t·ln β)`: `1 − powf(β, t)`
/// would cancel (for β = 0.999, `0.999²` rounded to `f32` leaves `1 − 0.999²` with a
/// relative error of 3·10⁻⁵), this stays within a few rounding errors. `libm` gives the
/// same bits on every target; β = 0 gives `ln 0 = −∞`, `expm1(−∞) = −1` and a correction
/// of 1.
fn bias_correction(ln_beta: f32, t: f32) -> f32 {
    1.0 / -libm::expm1f(t * ln_beta)
}

/// The constants for a slice of this kind: the weight decay is for weights only.
fn for_kind(k: &AdamUpdate, kind: ParamKind) -> AdamUpdate {
    AdamUpdate { decay: if kind == ParamKind::Weight { k.decay } else { 0.0 }, ..*k }
}

impl<M: Params> Optimizer<M> for Adam<M> {
    /// Clips the gradient; the moments and the update are computed in
    /// [`update`](Optimizer::update).
    fn direction(&self, grads: &mut M, norm: f32) -> Direction {
        let clipped = apply_clip(self.clip.get(), norm, grads);
        Direction { lr: self.current_lr(), clipped, bound: None }
    }

    /// Whether the new `w`, `m` and `v` are all finite, parameter by parameter, as
    /// [`update`](Optimizer::update) would compute them.
    fn first_unsafe(&self, model: &M, g: &M, dir: &Direction, _w2: f32) -> Option<usize> {
        let k = self.update_for(dir.lr);
        let (mut bad, mut base) = (None, 0usize);
        model.zip4(g, &self.m, &self.v, &mut |kind, [w, g, m, v]| {
            if bad.is_none() {
                bad = slice_unsafe(&for_kind(&k, kind), [w, g, m, v]).map(|i| base + i);
            }
            base += w.len();
        });
        bad
    }

    /// The moments and the parameters, in one pass per slice (`typed::adam`).
    fn update(&mut self, model: &mut M, g: &M, dir: &Direction) {
        let k = self.update_for(dir.lr);
        model.zip4_mut(&mut self.m, &mut self.v, g, &mut |kind, [w, m, v], g| {
            typed::adam(&for_kind(&k, kind), g, w, m, v)
        });
        self.step = self.step.saturating_add(1);
    }

    fn steps(&self) -> u32 {
        self.step
    }
}

/// `f32::MAX / 4` as bits: for values ≥ +0, comparing bit patterns compares values, and any
/// NaN, infinity or negative value (sign bit set) compares above it.
const QUARTER_MAX_BITS: u32 = (f32::MAX / 4.0).to_bits();

/// [`Adam::first_unsafe`] for one slice. The common case is one pass without a square root
/// or a division: the new `m` and `v` are computed as the kernel computes them, and since the
/// denominator `√(v·c₂) + ε` is at least ε, `|w| + η·(|m·c₁|/ε + λ|w|)` (with a margin for
/// rounding) bounds the new `|w|`. When every one of these is at most `f32::MAX / 4`, every
/// new value is finite. Otherwise the exact update is computed per parameter to find the
/// first that is not ([`position_unsafe_adam`]). Not generic: one copy per program.
#[inline(never)]
fn slice_unsafe(k: &AdamUpdate, [w, g, m, v]: [&[f32]; 4]) -> Option<usize> {
    let m_to_w = k.c1 / k.eps * 1.01; // |d| ≤ |m|·c₁/ε, with room for the roundings
    let mut top = 0u32;
    for (((&w, &g), &m), &v) in w.iter().zip(g).zip(m).zip(v) {
        let m1 = k.b1 * m + k.one_minus_b1 * g;
        let v1 = k.b2 * v + k.one_minus_b2 * (g * g);
        let w_bound = libm::fabsf(w) + k.lr * (libm::fabsf(m1) * m_to_w + k.decay * libm::fabsf(w));
        top = top.max(w_bound.to_bits()).max(libm::fabsf(m1).to_bits()).max(v1.to_bits());
    }
    if top <= QUARTER_MAX_BITS {
        return None;
    }
    position_unsafe_adam(k, [w, g, m, v])
}

/// The first parameter whose exact update (the scalar tier's, which every tier matches bit
/// for bit) leaves `w`, `m` or `v` non-finite.
#[cold]
#[inline(never)]
fn position_unsafe_adam(k: &AdamUpdate, [w, g, m, v]: [&[f32]; 4]) -> Option<usize> {
    rolled(w).zip(rolled(g)).zip(rolled(m)).zip(rolled(v)).position(|(((w, g), m), v)| {
        let (w, m, v) = adam_one(k, g, w, m, v);
        !(w.is_finite() && m.is_finite() && v.is_finite())
    })
}
