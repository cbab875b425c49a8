//! The training loop: shuffled mini-batches of [`BATCH`] rows each epoch, SGD with momentum
//! (or Adam / AdamW) and a step schedule on softmax cross-entropy (+ ridge), and evaluation
//! of the training and test sets after every epoch.

use crate::data::Split;
use stacknet::data::{batches, one_hot};
use stacknet::nn::{InferFrom, D};
use stacknet::optim::Optimizer;
use stacknet::prelude::*;
use stacknet::sample::shuffle_pair;

/// Inputs the example's networks take; a dataset with fewer features is zero-padded (a
/// padded input is always 0, so its weights never change the output).
pub const FEATURES: usize = 64;

/// Rows per mini-batch (a const generic: the workspace holds exactly this many).
pub const BATCH: usize = 32;

/// The settings of one run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Passes over the training rows.
    pub epochs: u32,
    /// The optimizer.
    pub optim: Optim,
    /// Base learning rate.
    pub lr: f32,
    /// Heavy-ball momentum μ (SGD only).
    pub momentum: f32,
    /// AdamW's decoupled weight decay λ (AdamW only).
    pub weight_decay: f32,
    /// The learning rate is multiplied by `decay_factor` every `decay_every` steps.
    pub decay: Schedule,
    /// Ridge coefficient λ.
    pub ridge: f32,
    /// Seed of the initial weights and the shuffles.
    pub seed: u64,
}

/// `--optim`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Optim {
    /// SGD with momentum.
    Sgd,
    /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
    Adam,
    /// Adam with decoupled weight decay (`--weight-decay`).
    Adamw,
}

/// Loss and accuracy of one set.
#[derive(Clone, Copy, Debug, Default)]
pub struct Score {
    /// Mean softmax cross-entropy over the rows (without the ridge term).
    pub loss: f32,
    /// Fraction of rows classified right.
    pub accuracy: f32,
}

/// The scores after one epoch.
#[derive(Clone, Copy, Debug)]
pub struct Epoch {
    /// Epochs done (0 = before training).
    pub epoch: u32,
    /// On the training rows.
    pub train: Score,
    /// On the test rows.
    pub test: Score,
}

/// What a run produced.
pub struct Outcome {
    /// One entry per epoch, the first before training.
    pub history: Vec<Epoch>,
    /// `confusion[true][predicted]` on the test rows.
    pub confusion: Vec<Vec<u32>>,
    /// Steps taken.
    pub steps: u32,
    /// The trained model as a `stacknet::persist` blob.
    pub blob: Vec<u8>,
    /// The network's type, as Rust spells it.
    pub net_type: String,
}

fn padded(row: &[f32]) -> [f32; FEATURES] {
    let mut x = [0.0; FEATURES];
    x[..row.len()].copy_from_slice(row);
    x
}

/// Loss and accuracy of `net` on all rows of `xs` (`ys` one-hot), `BATCH` rows at a time.
fn score<Net, const C: usize>(
    net: &Net,
    xs: &[[f32; FEATURES]],
    ys: &[[f32; C]],
    ws: &mut Inference<Net, BATCH>,
    objective: &Objective,
) -> Score
where
    Net: InferFrom<In = D<FEATURES>, Out = D<C>>,
{
    let e = evaluate(net, xs, ys, ws, objective);
    Score { loss: e.data_loss, accuracy: e.accuracy }
}

/// Trains `Net` on `split` with `cfg`, calling `report` after every epoch.
pub fn run<Net, const C: usize>(split: &Split, cfg: &Config, report: &mut dyn FnMut(&Epoch)) -> Result<Outcome, String>
where
    Net: InferFrom<In = D<FEATURES>, Out = D<C>>,
{
    let rows = |(xs, labels): &(Vec<Vec<f32>>, Vec<usize>)| -> (Vec<[f32; FEATURES]>, Vec<[f32; C]>) {
        (xs.iter().map(|r| padded(r)).collect(), labels.iter().map(|&k| one_hot::<C>(k)).collect())
    };
    let ((train_x, train_y), (test_x, test_y)) = (rows(&split.train), rows(&split.test));
    let mut rng = stacknet::init::rng(cfg.seed);
    let net: Net = Layer::random(&mut rng, Init::XavierUniform);
    match cfg.optim {
        Optim::Sgd => {
            let opt = Sgd::new(cfg.lr)
                .and_then(|o| o.with_schedule(cfg.decay))
                .and_then(|o| o.with_momentum(cfg.momentum, &net))
                .map_err(|e| e.to_string())?;
            fit((net, opt), ((train_x, train_y), (test_x, test_y)), split, cfg, rng, report)
        }
        Optim::Adam | Optim::Adamw => {
            let lambda = if cfg.optim == Optim::Adamw { cfg.weight_decay } else { 0.0 };
            let opt = Adam::new(cfg.lr, &net)
                .and_then(|o| o.with_schedule(cfg.decay))
                .and_then(|o| o.with_weight_decay(lambda))
                .map_err(|e| e.to_string())?;
            fit((net, opt), ((train_x, train_y), (test_x, test_y)), split, cfg, rng, report)
        }
    }
}

/// Rows of one set: features and one-hot labels.
type Rows<const C: usize> = (Vec<[f32; FEATURES]>, Vec<[f32; C]>);

/// [`run`]'s training loop with the optimizer `opt`.
fn fit<Net, O, const C: usize>(
    (mut net, mut opt): (Net, O),
    ((mut train_x, mut train_y), (test_x, test_y)): (Rows<C>, Rows<C>),
    split: &Split,
    cfg: &Config,
    mut rng: impl rand_core::RngCore,
    report: &mut dyn FnMut(&Epoch),
) -> Result<Outcome, String>
where
    Net: InferFrom<In = D<FEATURES>, Out = D<C>>,
    O: Optimizer<Net>,
{
    // The training workspace holds a gradient per parameter (47 KiB for 64-32-10 at batch
    // 32, fine on a desktop stack); evaluation needs only each Dense's outputs (5 KiB).
    let mut ws = Workspace::<Net, BATCH>::new();
    let mut eval_ws = Inference::<Net, BATCH>::new();
    let objective = Objective::softmax_cross_entropy_ridge(cfg.ridge).map_err(|e| e.to_string())?;

    let scores = |net: &Net, epoch, train: (&[_], &[_]), ws: &mut Inference<Net, BATCH>| Epoch {
        epoch,
        train: score(net, train.0, train.1, ws, &objective),
        test: score(net, &test_x, &test_y, ws, &objective),
    };
    let mut history = vec![scores(&net, 0, (&train_x, &train_y), &mut eval_ws)];
    report(&history[0]);
    let mut steps = 0;
    for epoch in 1..=cfg.epochs {
        shuffle_pair(&mut train_x, &mut train_y, &mut rng);
        for (x, y) in batches::<BATCH, FEATURES, C>(&train_x, &train_y) {
            let step = train_step(&mut net, x, y, &mut ws, &mut opt, &objective)
                .map_err(|e| format!("epoch {epoch}: step refused: {e}"))?;
            steps = step.step;
        }
        let e = scores(&net, epoch, (&train_x, &train_y), &mut eval_ws);
        report(&e);
        history.push(e);
    }

    let mut predicted = vec![0usize; test_x.len()];
    predict_into(&net, &test_x, &mut eval_ws, &mut predicted);
    let mut confusion = vec![vec![0u32; C]; C];
    for (&truth, &p) in split.test.1.iter().zip(&predicted) {
        confusion[truth][p] += 1;
    }
    let mut blob = vec![0u8; stacknet::persist::saved_len(&net)];
    stacknet::persist::save(&net, &mut blob).map_err(|e| e.to_string())?;
    let net_type =
        std::any::type_name::<Net>().replace("stacknet::nn::dense::", "").replace("stacknet::nn::activation::", "");
    Ok(Outcome { history, confusion, steps, blob, net_type })
}
