//! The command line of the XOR example (clap derive), and the parsing of `--decay`.

use clap::Parser;
use stacknet::loss::Objective;
use stacknet::optim::{Clip, Schedule, Sgd};
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

    /// Base learning rate η.
    #[arg(long, default_value_t = 2.0)]
    pub lr: f32,

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

impl Args {
    /// The optimizer and the objective the flags describe, or why a flag is refused.
    pub fn training(&self) -> Result<(Sgd, Objective), String> {
        let mut opt = Sgd::new(self.lr).map_err(|e| format!("--lr: {e}"))?;
        if let Some(schedule) = self.decay {
            opt = opt.with_schedule(schedule).map_err(|e| format!("--decay: {e}"))?;
        }
        if let Some(c) = self.clip {
            opt = opt.with_clip(Clip::Norm(c)).map_err(|e| format!("--clip: {e}"))?;
        }
        let objective = Objective::mse_ridge(self.reg).map_err(|e| format!("--reg: {e}"))?;
        Ok((opt, objective))
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
