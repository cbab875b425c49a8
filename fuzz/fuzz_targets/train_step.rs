//! `train_step` with arbitrary weights, batches and hyperparameters.
//!
//! Properties:
//! - building the optimizer and objective accepts exactly the documented ranges
//!   (learning rate finite and > 0, momentum in [0, 1), clip finite and > 0, schedule
//!   `every ≥ 1`, factor in (0, 1], rate finite and ≥ 0, penalties finite and ≥ 0; Adam's
//!   β₁, β₂ in [0, 1), ε finite and > 0, weight decay finite and ≥ 0);
//! - a step never panics, with SGD, SGD with momentum, Adam or AdamW;
//! - `Ok` leaves every weight and every velocity or moment value finite and counts the step;
//! - `Err` leaves model and optimizer (step counter, velocity, moments) bit-identical;
//! - a non-finite input or target is reported as such, at its first row and column.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stacknet::loss::{Loss, Objective, Penalty};
use stacknet::nn::{Bias, Dense, Layer, Relu, Sigmoid, Tanh};
use stacknet::optim::{Adam, Clip, Optimizer, Schedule, Sgd};
use stacknet::persist::OptimizerState;
use stacknet::train::{train_step, StepError};
use stacknet::workspace::Workspace;

/// Every brick kind, with a hidden layer of each activation.
type Net = (Dense<3, 4>, Tanh<4>, Dense<4, 4>, Relu<4>, Dense<4, 2>, Sigmoid<2>);
const B: usize = 4;

/// A number: raw bits (any f32, NaN and ∞ included) or a tame value in [0, 16).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Num {
    Raw(u32),
    Tame(u16),
}

impl Num {
    fn get(self) -> f32 {
        match self {
            Num::Raw(b) => f32::from_bits(b),
            Num::Tame(v) => v as f32 / 4096.0,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum ClipIn {
    None,
    Value(Num),
    Norm(Num),
}

#[derive(Arbitrary, Debug)]
enum ScheduleIn {
    Constant,
    StepDecay { every: u32, factor: Num },
    ExpDecay { rate: Num },
}

#[derive(Arbitrary, Debug)]
enum OptIn {
    Sgd,
    Momentum(Num),
    Adam { beta1: Num, beta2: Num, eps: Num, weight_decay: Num },
}

#[derive(Arbitrary, Debug)]
struct Input {
    lr: Num,
    optimizer: OptIn,
    clip: ClipIn,
    schedule: ScheduleIn,
    l2: Num,
    l1: Num,
    softmax: bool,
    bias: bool,
    /// Weights: raw bit patterns, or tame values (bits / 2^30, about ±2).
    raw_weights: bool,
    weights: Vec<u32>,
    /// Each batch: raw or tame, and its values (cycled).
    batches: Vec<(bool, Vec<u32>)>,
}

fn fill(dst: &mut [f32], src: &[u32], raw: bool, at: &mut usize) {
    for v in dst {
        let b = if src.is_empty() { 0 } else { src[*at % src.len()] };
        *at += 1;
        *v = if raw { f32::from_bits(b) } else { (b as i32) as f32 / (1u32 << 30) as f32 };
    }
}

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut out = Vec::new();
    m.visit(&mut |_, s| out.extend(s.iter().map(|v| v.to_bits())));
    out
}

fn opt_bits<O: OptimizerState<Net>>(o: &O) -> (u32, Vec<u32>) {
    let mut v = Vec::new();
    o.visit_state(&mut |s| v.extend(s.iter().map(|x| x.to_bits())));
    (o.saved_steps(), v)
}

fn first_non_finite<const C: usize>(m: &[[f32; C]; B]) -> Option<(usize, usize)> {
    let i = m.as_flattened().iter().position(|v| !v.is_finite())?;
    Some((i / C, i % C))
}

fn run<O: Optimizer<Net> + OptimizerState<Net>>(inp: &Input, model: &mut Net, mut opt: O, objective: &Objective) {
    let mut ws = Workspace::<Net, B>::new();
    for (raw, data) in inp.batches.iter().take(8) {
        let mut at = 0;
        let mut x = [[0f32; 3]; B];
        let mut y = [[0f32; 2]; B];
        fill(x.as_flattened_mut(), data, *raw, &mut at);
        fill(y.as_flattened_mut(), data, *raw, &mut at);

        let (before, obefore) = (bits(model), opt_bits(&opt));
        match train_step(model, &x, &y, &mut ws, &mut opt, objective) {
            Ok(r) => {
                let mut all = true;
                model.visit(&mut |_, s| all &= s.iter().all(|v| v.is_finite()));
                assert!(all, "Ok left a non-finite weight: {model:?}");
                opt.visit_state(&mut |s| all &= s.iter().all(|v| v.is_finite()));
                assert!(all, "Ok left a non-finite velocity or moment");
                assert_eq!(opt.steps(), obefore.0.saturating_add(1));
                assert_eq!(r.step, opt.steps());
                // The norm is +∞ when it exceeds f32::MAX though every component is finite.
                assert!(r.loss.is_finite() && r.grad_norm >= 0.0, "{r:?}");
                assert!(r.lr.is_finite() && r.lr >= 0.0, "{r:?}");
                assert!(first_non_finite(&x).is_none() && first_non_finite(&y).is_none());
            }
            Err(e) => {
                assert_eq!(bits(model), before, "{e:?} changed the model");
                assert_eq!(opt_bits(&opt), obefore, "{e:?} changed the optimizer");
                if let Some((row, col)) = first_non_finite(&x) {
                    assert_eq!(e, StepError::NonFiniteInput { row, col });
                } else if let Some((row, col)) = first_non_finite(&y) {
                    assert_eq!(e, StepError::NonFiniteTarget { row, col });
                }
            }
        }
    }
}

fuzz_target!(|inp: Input| {
    let lr = inp.lr.get();
    let lr_ok = lr.is_finite() && lr > 0.0;
    let opt = match Sgd::new(lr) {
        Ok(o) => o,
        Err(_) => {
            assert!(!lr_ok, "lr {lr} refused");
            return;
        }
    };
    assert!(lr_ok, "lr {lr} accepted");

    let (clip, c) = match inp.clip {
        ClipIn::None => (Clip::None, 1.0),
        ClipIn::Value(c) => (Clip::Value(c.get()), c.get()),
        ClipIn::Norm(c) => (Clip::Norm(c.get()), c.get()),
    };
    let opt = match opt.with_clip(clip) {
        Ok(o) => o,
        Err(_) => {
            assert!(!(c.is_finite() && c > 0.0), "clip {c} refused");
            return;
        }
    };
    assert!(c.is_finite() && c > 0.0, "clip {c} accepted");

    let (schedule, ok) = match inp.schedule {
        ScheduleIn::Constant => (Schedule::Constant, true),
        ScheduleIn::StepDecay { every, factor } => {
            let f = factor.get();
            (Schedule::StepDecay { every, factor: f }, every >= 1 && f.is_finite() && f > 0.0 && f <= 1.0)
        }
        ScheduleIn::ExpDecay { rate } => {
            let r = rate.get();
            (Schedule::ExpDecay { rate: r }, r.is_finite() && r >= 0.0)
        }
    };
    let opt = match opt.with_schedule(schedule) {
        Ok(o) => o,
        Err(_) => {
            assert!(!ok, "{schedule:?} refused");
            return;
        }
    };
    assert!(ok, "{schedule:?} accepted");

    let (l2, l1) = (inp.l2.get(), inp.l1.get());
    let pen_ok = [l2, l1].iter().all(|v| v.is_finite() && *v >= 0.0);
    let penalty = match Penalty::new(l2, l1) {
        Ok(p) => p,
        Err(_) => {
            assert!(!pen_ok, "penalty {l2} {l1} refused");
            return;
        }
    };
    assert!(pen_ok, "penalty {l2} {l1} accepted");
    let objective = Objective { loss: if inp.softmax { Loss::SoftmaxCrossEntropy } else { Loss::Mse }, penalty };

    let mut model: Net = (
        Dense::zeros(Bias::from(inp.bias)),
        Tanh,
        Dense::zeros(Bias::from(inp.bias)),
        Relu,
        Dense::zeros(Bias::from(inp.bias)),
        Sigmoid,
    );
    let mut at = 0;
    model.visit_mut(&mut |_, s| fill(s, &inp.weights, inp.raw_weights, &mut at));

    match inp.optimizer {
        OptIn::Sgd => run(&inp, &mut model, opt, &objective),
        OptIn::Momentum(mu) => {
            let mu = mu.get();
            let mu_ok = mu.is_finite() && (0.0..1.0).contains(&mu);
            match opt.with_momentum(mu, &model) {
                Ok(o) => {
                    assert!(mu_ok, "momentum {mu} accepted");
                    run(&inp, &mut model, o, &objective)
                }
                Err(_) => assert!(!mu_ok, "momentum {mu} refused"),
            }
        }
        OptIn::Adam { beta1, beta2, eps, weight_decay } => {
            // The rate, clipping and schedule were accepted by `Sgd`'s builders above, and
            // Adam's take the same ranges.
            let adam = Adam::new(lr, &model).and_then(|a| a.with_clip(clip)).and_then(|a| a.with_schedule(schedule));
            let adam = adam.unwrap_or_else(|e| panic!("Adam refused what Sgd accepted: {e}"));
            let (b1, b2, e, wd) = (beta1.get(), beta2.get(), eps.get(), weight_decay.get());
            let beta_ok = |b: f32| b.is_finite() && (0.0..1.0).contains(&b);
            let ok = beta_ok(b1) && beta_ok(b2) && e.is_finite() && e > 0.0 && wd.is_finite() && wd >= 0.0;
            match adam.with_betas(b1, b2).and_then(|a| a.with_eps(e)).and_then(|a| a.with_weight_decay(wd)) {
                Ok(a) => {
                    assert!(ok, "Adam {b1} {b2} {e} {wd} accepted");
                    run(&inp, &mut model, a, &objective)
                }
                Err(_) => assert!(!ok, "Adam {b1} {b2} {e} {wd} refused"),
            }
        }
    }
});
