//! Stochastic gradient descent, plain or with heavy-ball momentum.

use super::{apply_clip, check_clip, check_lr, check_schedule, direction_bound, guard, StoredClip, StoredSchedule};
use super::{Clip, ConfigError, Direction, Optimizer, Schedule};
use crate::kernels::typed;
use crate::nn::{Layer, Params};

/// Where an optimizer keeps (or does not keep) its velocity.
pub trait Velocity<M: Params + ?Sized> {
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

impl<M: Params + ?Sized> Velocity<M> for NoMomentum {
    const DIRECTION_IS_GRADIENT: bool = true;
    #[inline]
    fn direction(&self, _momentum: f32, _grads: &mut M) {}
    #[inline]
    fn store(&mut self, _d: &M) {}
}

/// Heavy-ball momentum: one velocity value per parameter, stored as a model of type `M`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Momentum<M>(pub M);

impl<M: Params> Velocity<M> for Momentum<M> {
    fn direction(&self, momentum: f32, grads: &mut M) {
        grads.zip_values_mut(&self.0, &mut |g, v| {
            for (g, &v) in g.iter_mut().zip(v) {
                *g += momentum * v;
            }
        });
    }
    fn store(&mut self, d: &M) {
        // Element by element over the common length (equal for two views of one model):
        // `copy_from_slice`'s length panic would stay in a run-time network's code.
        self.0.zip_values_mut(d, &mut |v, d| {
            for (v, &d) in v.iter_mut().zip(d) {
                *v = d;
            }
        });
    }
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
    schedule: StoredSchedule,
    clip: StoredClip,
    momentum: f32,
    step: u32,
    velocity: V,
}

/// `mu` if it is a valid momentum, in `[0, 1)`.
pub(crate) fn check_momentum(mu: f32) -> Result<f32, ConfigError> {
    if mu.is_finite() && (0.0..1.0).contains(&mu) {
        Ok(mu)
    } else {
        Err(ConfigError::Momentum(mu))
    }
}

impl Sgd<NoMomentum> {
    /// Plain SGD with a constant learning rate `lr`.
    pub fn new(lr: f32) -> Result<Self, ConfigError> {
        Ok(Sgd {
            lr: check_lr(lr)?,
            schedule: StoredSchedule::new(Schedule::Constant),
            clip: StoredClip::new(Clip::None),
            momentum: 0.0,
            step: 0,
            velocity: NoMomentum,
        })
    }

    /// Adds momentum `mu` in `[0, 1)`, with a zero velocity shaped like `model`.
    pub fn with_momentum<M: Layer>(self, mu: f32, model: &M) -> Result<Sgd<Momentum<M>>, ConfigError> {
        Ok(self.with_velocity(check_momentum(mu)?, model.zeroed_like()))
    }

    /// With momentum `mu` (already checked) and the velocity `v`: for a run-time network,
    /// whose velocity is a view of the caller's optimizer state, attached for each step.
    pub(crate) fn with_velocity<N>(self, mu: f32, v: N) -> Sgd<Momentum<N>> {
        Sgd {
            lr: self.lr,
            schedule: self.schedule,
            clip: self.clip,
            momentum: mu,
            step: self.step,
            velocity: Momentum(v),
        }
    }
}

impl<M: Layer> Sgd<Momentum<M>> {
    /// Takes `from`'s settings (learning rate, schedule, clipping, momentum) and keeps this
    /// optimizer's step counter and velocity: to change hyperparameters part-way through a
    /// run, or after restoring one, without restarting it. `from` may be shaped like any
    /// model (its velocity is not read).
    ///
    /// ```
    /// use stacknet::prelude::*;
    ///
    /// type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 1>);
    /// let mut net: Net = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
    /// let mut opt = Sgd::new(0.5)?.with_momentum(0.9, &net)?;
    /// let mut ws = Workspace::<Net, 1>::new();
    /// train_step(&mut net, &[[0.0, 1.0]], &[[1.0]], &mut ws, &mut opt, &Objective::mse())?;
    ///
    /// let one = Dense::<1, 1>::zeros(Bias::Without);
    /// opt.take_settings(&Sgd::new(0.1)?.with_momentum(0.5, &one)?);
    /// assert_eq!((opt.base_lr(), opt.momentum(), opt.steps()), (0.1, 0.5, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take_settings<N: Layer>(&mut self, from: &Sgd<Momentum<N>>) {
        self.lr = from.lr;
        self.schedule = from.schedule;
        self.clip = from.clip;
        self.momentum = from.momentum;
    }
}

impl<V> Sgd<V> {
    /// Sets the learning-rate schedule.
    pub fn with_schedule(mut self, schedule: Schedule) -> Result<Self, ConfigError> {
        self.schedule = StoredSchedule::new(check_schedule(schedule)?);
        Ok(self)
    }

    /// Sets gradient clipping.
    pub fn with_clip(mut self, clip: Clip) -> Result<Self, ConfigError> {
        self.clip = StoredClip::new(check_clip(clip)?);
        Ok(self)
    }

    /// The base learning rate.
    pub fn base_lr(&self) -> f32 {
        self.lr
    }

    /// The schedule.
    pub fn schedule(&self) -> Schedule {
        self.schedule.get()
    }

    /// The clipping rule.
    pub fn clip(&self) -> Clip {
        self.clip.get()
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
        self.schedule.get().lr_at(self.lr, self.step)
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

impl<M: Params + ?Sized, V: Velocity<M>> Optimizer<M> for Sgd<V> {
    /// Clips `grads` by the clipping rule, then adds `μ·v` with momentum. Without momentum
    /// `d` is the (clipped) gradient, so `norm` (or the clipping threshold, if smaller)
    /// bounds every `|dᵢ|`.
    #[inline(always)] // a few lines around `apply_clip`, as when `train_step` held them
    fn direction(&self, grads: &mut M, norm: f32) -> Direction {
        let clipped = apply_clip(self.clip.get(), norm, grads);
        self.velocity.direction(self.momentum, grads);
        let bound = if V::DIRECTION_IS_GRADIENT { Some(direction_bound(self.clip.get(), norm)) } else { None };
        Direction { lr: self.current_lr(), clipped, bound }
    }

    /// Whether `w − lr·d` is finite for every parameter (the velocity stored is `d` itself,
    /// checked with it): proved from `√Σw²` and the direction's bound when there is one,
    /// else by the per-parameter dry run.
    #[inline(always)]
    fn first_unsafe(&self, model: &M, d: &M, dir: &Direction, w2: f32) -> Option<usize> {
        if dir.bound.is_some_and(|bound| guard::bounded_by(w2, dir.lr, bound)) {
            return None;
        }
        guard::first_unsafe_descent(model, d, dir.lr)
    }

    /// `w ← w − lr·d`, then stores `d` as the velocity (with momentum) and counts the step.
    #[inline(always)]
    fn update(&mut self, model: &mut M, d: &M, dir: &Direction) {
        model.zip_values_mut(d, &mut |w, d| typed::axpy(-dir.lr, d, w));
        self.velocity.store(d);
        self.step = self.step.saturating_add(1);
    }

    fn steps(&self) -> u32 {
        self.step
    }
}
