//! The command line of the XOR example (clap derive), and the parsing of `--decay`.

use clap::{Parser, ValueEnum};
use stacknet::loss::Objective;
use stacknet::nn::Layer;
use stacknet::optim::{Adam, Clip, Schedule, Sgd};
use std::path::PathBuf;

/// Hidden-layer widths the example is compiled for (the width is a const generic).
pub const HIDDEN_SIZES: [usize; 9] = [2, 3, 4, 5, 8, 10, 20, 50, 100];

/// Mini-batch sizes the example is compiled for (the batch size is a const generic). All
/// divide the 300 training points, so an epoch is a whole number of batches.
pub const BATCH_SIZES: [usize; 7] = [4, 10, 25, 50, 100, 150, 300];

/// Number of XOR training points (the reference code's 300).
pub const POINTS: usize = 300;

/// Train the article's XOR network (2 → hidden → 2, sigmoid after each layer, MSE + ridge
/// loss, SGD) with stacknet, show progress, and write three PNG plots: accuracy over
/// steps, the learned decision boundary with the data, and loss over steps.
///
/// With no arguments it trains the reference configuration: 2-10-2 with biases, 300
/// points, full batch, 10 000 steps at learning rate 2 with ridge 1e-4.
#[derive(Parser, Debug, Clone)]
#[command(name = "xor", version, allow_negative_numbers = true)]
pub struct Args {
    /// Hidden-layer width. One of 2, 3, 4, 5, 8, 10, 20, 50, 100.
    #[arg(long, default_value_t = 10, value_parser = parse_hidden)]
    pub hidden: usize,

    /// The article's network: no bias in either Dense layer.
    #[arg(long)]
    pub no_bias: bool,

    /// Number of training steps (one step = one mini-batch update).
    #[arg(long, default_value_t = 10_000)]
    pub steps: u32,

    /// The optimizer: plain SGD (the article's), Adam, or AdamW (Adam with decoupled weight
    /// decay, `--weight-decay`).
    #[arg(long, value_enum, default_value_t = Optim::Sgd)]
    pub optim: Optim,

    /// Base learning rate η. Default: 2 with SGD, 0.01 with Adam and AdamW.
    #[arg(long)]
    pub lr: Option<f32>,

    /// AdamW's decoupled weight decay λ (weights only): each step takes η·λ·w off every
    /// weight. Only with `--optim adamw`.
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f32,

    /// Also train the same network on the same data with SGD, Adam and AdamW (their default
    /// learning rates, the other flags as given) and draw their losses in `optimizers.png`.
    #[arg(long)]
    pub compare: bool,

    /// Ridge coefficient λ: the loss adds λ·ΣW²/(2B) over weights (not biases).
    #[arg(long, default_value_t = 1e-4)]
    pub reg: f32,

    /// Mini-batch size B. One of 4, 10, 25, 50, 100, 150, 300 (300 = full batch). Mini-batches
    /// are drawn without replacement from a fresh shuffle of the 300 points each epoch.
    #[arg(long, default_value_t = 300, value_parser = parse_batch)]
    pub batch: usize,

    /// Exactly symmetric data: 150 random points and their mirror images −x (same labels).
    /// On such data the no-bias network cannot beat 75% accuracy.
    #[arg(long)]
    pub mirror: bool,

    /// Seed of the data, the initial weights and the shuffles.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Learning-rate decay. `exp:R` (or just `R`): η·e^(−R·t) at step t. `step:N:F`: η is
    /// multiplied by F every N steps. Default: constant η.
    #[arg(long, value_parser = parse_decay, value_name = "exp:R|step:N:F")]
    pub decay: Option<Schedule>,

    /// Global-norm gradient clipping: the gradient is scaled down so its L2 norm is at most C.
    #[arg(long, value_name = "C")]
    pub clip: Option<f32>,

    /// Folder for the PNG plots (created if missing).
    #[arg(long, default_value = "out/xor")]
    pub out: PathBuf,

    /// Force a kernel tier (scalar, sse2, avx2fma, avx512, neon) instead of the fastest one.
    #[arg(long)]
    pub tier: Option<String>,
}

fn parse_hidden(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("not a whole number: {e}"))?;
    if HIDDEN_SIZES.contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} is not a compiled hidden width; choose one of {HIDDEN_SIZES:?} \
             (widths are const generics, so each one is compiled in)"
        ))
    }
}

fn parse_batch(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("not a whole number: {e}"))?;
    if BATCH_SIZES.contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} is not a compiled batch size; choose one of {BATCH_SIZES:?} \
             (the batch size is a const generic, so each one is compiled in)"
        ))
    }
}

/// Parses `exp:R`, a bare `R` (exponential), or `step:N:F`.
pub fn parse_decay(s: &str) -> Result<Schedule, String> {
    let num =
        |v: &str| v.parse::<f32>().map_err(|e| format!("`{v}` is not a number ({e}); expected exp:R, R or step:N:F"));
    let parts: Vec<&str> = s.split(':').collect();
    let schedule = match parts.as_slice() {
        [rate] => Schedule::ExpDecay { rate: num(rate)? },
        ["exp", rate] => Schedule::ExpDecay { rate: num(rate)? },
        ["step", every, factor] => Schedule::StepDecay {
            every: every.parse().map_err(|e| format!("`{every}` is not a step count: {e}"))?,
            factor: num(factor)?,
        },
        _ => return Err(format!("`{s}`: expected exp:RATE, RATE, or step:EVERY:FACTOR")),
    };
    // Range checks (rate ≥ 0, every ≥ 1, factor in (0, 1]) happen in Sgd::with_schedule.
    Ok(schedule)
}

/// `--optim`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Optim {
    /// Stochastic gradient descent.
    Sgd,
    /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
}

impl Optim {
    /// The name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Optim::Sgd => "sgd",
            Optim::Adam => "adam",
            Optim::Adamw => "adamw",
        }
    }
}

/// The optimizer the flags describe, built for a model of type `M`.
pub enum Optimizer<M> {
    /// `--optim sgd`.
    Sgd(Sgd),
    /// `--optim adam` or `adamw`.
    Adam(Adam<M>),
}

impl Args {
    /// The learning rate: `--lr`, or the optimizer's default.
    pub fn lr(&self) -> f32 {
        self.lr.unwrap_or(if self.optim == Optim::Sgd { 2.0 } else { 0.01 })
    }

    /// The objective the flags describe.
    pub fn objective(&self) -> Result<Objective, String> {
        Objective::mse_ridge(self.reg).map_err(|e| format!("--reg: {e}"))
    }

    /// The optimizer the flags describe for `model`, or why a flag is refused (each setting
    /// is checked by stacknet's own builders).
    pub fn optimizer<M: Layer>(&self, model: &M) -> Result<Optimizer<M>, String> {
        let lr = self.lr();
        let schedule = self.decay.unwrap_or_default();
        let clip = self.clip.map_or(Clip::None, Clip::Norm);
        let clip_err = |e| format!("--clip: {e}");
        let decay_err = |e| format!("--decay: {e}");
        Ok(match self.optim {
            Optim::Sgd => Optimizer::Sgd(
                Sgd::new(lr)
                    .map_err(|e| format!("--lr: {e}"))?
                    .with_schedule(schedule)
                    .map_err(decay_err)?
                    .with_clip(clip)
                    .map_err(clip_err)?,
            ),
            Optim::Adam | Optim::Adamw => {
                let lambda = if self.optim == Optim::Adamw { self.weight_decay } else { 0.0 };
                Optimizer::Adam(
                    Adam::new(lr, model)
                        .map_err(|e| format!("--lr: {e}"))?
                        .with_weight_decay(lambda)
                        .map_err(|e| format!("--weight-decay: {e}"))?
                        .with_schedule(schedule)
                        .map_err(decay_err)?
                        .with_clip(clip)
                        .map_err(clip_err)?,
                )
            }
        })
    }

    /// Refuses bad hyperparameters before anything is printed.
    pub fn check(&self) -> Result<(), String> {
        if self.optim != Optim::Adamw && self.weight_decay != 0.01 {
            return Err("--weight-decay: only with --optim adamw".into());
        }
        self.objective()?;
        self.optimizer(&stacknet::nn::Dense::<1, 1>::ZERO).map(|_| ())
    }
}

/// A short human description of a schedule.
pub fn describe_decay(d: Option<Schedule>) -> String {
    match d {
        None | Some(Schedule::Constant) => "none".into(),
        Some(Schedule::ExpDecay { rate }) => format!("exp:{rate}"),
        Some(Schedule::StepDecay { every, factor }) => format!("step:{every}:{factor}"),
    }
}
