//! The training loop: shuffled mini-batches of [`BATCH`] rows each epoch, SGD with momentum
//! and a step schedule on softmax cross-entropy (+ ridge), and evaluation of the training
//! and test sets after every epoch.

use crate::data::Split;
use stacknet::nn::{Layer, D};
use stacknet::prelude::*;

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
    /// The optimizer (learning rate, momentum, schedule).
    pub lr: f32,
    /// Heavy-ball momentum μ.
    pub momentum: f32,
    /// The learning rate is multiplied by `decay_factor` every `decay_every` steps.
    pub decay: Schedule,
    /// Ridge coefficient λ.
    pub ridge: f32,
    /// Seed of the initial weights and the shuffles.
    pub seed: u64,
}

/// Loss and accuracy of one set.
#[derive(Clone, Copy, Debug, Default)]
pub struct Score {
    /// Mean softmax cross-entropy (without the ridge term).
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

fn one_hot<const C: usize>(class: usize) -> [f32; C] {
    core::array::from_fn(|k| if k == class { 1.0 } else { 0.0 })
}

/// Loss, accuracy and confusion counts of `net` on all `rows`, `BATCH` rows at a time
/// (the last chunk padded; padded rows are not counted).
fn evaluate<Net, const C: usize>(
    net: &Net,
    rows: &(Vec<[f32; FEATURES]>, Vec<usize>),
    ws: &mut Workspace<Net, BATCH>,
    confusion: Option<&mut Vec<Vec<u32>>>,
) -> Score
where
    Net: Layer<In = D<FEATURES>, Out = D<C>>,
{
    let (xs, labels) = rows;
    let mut loss = 0.0f64;
    let mut hits = 0usize;
    let mut pairs = Vec::with_capacity(xs.len());
    for (xc, lc) in xs.chunks(BATCH).zip(labels.chunks(BATCH)) {
        let x: [[f32; FEATURES]; BATCH] = core::array::from_fn(|r| xc.get(r).copied().unwrap_or([0.0; FEATURES]));
        let out = *ws.forward(net, &x);
        for (r, &label) in lc.iter().enumerate() {
            let logits: &[f32; C] = out[r].as_ref().try_into().unwrap();
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let z: f64 = logits.iter().map(|&v| f64::from(v - max).exp()).sum();
            loss += z.ln() - f64::from(logits[label] - max);
            let p = stacknet::train::argmax(logits);
            hits += usize::from(p == label);
            pairs.push((label, p));
        }
    }
    if let Some(confusion) = confusion {
        for (t, p) in pairs {
            confusion[t][p] += 1;
        }
    }
    Score { loss: (loss / xs.len() as f64) as f32, accuracy: hits as f32 / xs.len() as f32 }
}

/// Trains `net` on `split` with `cfg`, calling `report` after every epoch.
pub fn run<Net, const C: usize>(
    mut net: Net,
    split: &Split,
    cfg: &Config,
    report: &mut dyn FnMut(&Epoch),
) -> Result<Outcome, String>
where
    Net: Layer<In = D<FEATURES>, Out = D<C>>,
{
    let pad = |(xs, ys): &(Vec<Vec<f32>>, Vec<usize>)| (xs.iter().map(|r| padded(r)).collect::<Vec<_>>(), ys.clone());
    let (train, test) = (pad(&split.train), pad(&split.test));
    let mut rng = stacknet::init::rng(cfg.seed);
    net.init(&mut rng, Init::XavierUniform);
    let mut ws = Box::new(Workspace::<Net, BATCH>::new());
    let mut opt = Sgd::new(cfg.lr)
        .and_then(|o| o.with_schedule(cfg.decay))
        .and_then(|o| o.with_momentum(cfg.momentum, &net))
        .map_err(|e| e.to_string())?;
    let objective =
        Objective { loss: Loss::SoftmaxCrossEntropy, penalty: Penalty::ridge(cfg.ridge).map_err(|e| e.to_string())? };

    let score = |net: &Net, ws: &mut Workspace<Net, BATCH>| Epoch {
        epoch: 0,
        train: evaluate::<Net, C>(net, &train, ws, None),
        test: evaluate::<Net, C>(net, &test, ws, None),
    };
    let mut history = vec![score(&net, &mut ws)];
    report(&history[0]);
    let mut order: Vec<usize> = (0..train.0.len()).collect();
    let mut steps = 0;
    for epoch in 1..=cfg.epochs {
        stacknet::sample::shuffle(&mut order, &mut rng);
        for chunk in order.chunks_exact(BATCH) {
            let x: [[f32; FEATURES]; BATCH] = core::array::from_fn(|r| train.0[chunk[r]]);
            let y: [[f32; C]; BATCH] = core::array::from_fn(|r| one_hot(train.1[chunk[r]]));
            let step = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective)
                .map_err(|e| format!("epoch {epoch}: step refused: {e}"))?;
            steps = step.step;
        }
        let e = Epoch { epoch, ..score(&net, &mut ws) };
        report(&e);
        history.push(e);
    }

    let mut confusion = vec![vec![0u32; C]; C];
    evaluate::<Net, C>(&net, &test, &mut ws, Some(&mut confusion));
    let mut blob = vec![0u8; stacknet::persist::saved_len(&net)];
    stacknet::persist::save(&net, &mut blob).map_err(|e| e.to_string())?;
    let net_type =
        std::any::type_name::<Net>().replace("stacknet::nn::dense::", "").replace("stacknet::nn::activation::", "");
    Ok(Outcome { history, confusion, steps, blob, net_type })
}
