//! The training loop: a network described at run time ([`stacknet::runtime::Net`]: any
//! hidden layers, any number of features and classes), shuffled mini-batches of [`BATCH`]
//! rows each epoch, SGD with momentum (or Adam / AdamW) and a step schedule on softmax
//! cross-entropy (+ ridge), and evaluation of the training and test sets after every epoch.

use crate::data::Split;
use stacknet::eval::argmax;
use stacknet::prelude::*;
use stacknet::runtime::{LayerSpec, Net, OptimizerSpec};
use stacknet::sample::shuffle_pair;

/// Rows per mini-batch.
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

/// A hidden layer of `--layers`: its width and activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hidden {
    /// Neurons.
    pub width: usize,
    /// The activation after it.
    pub activation: Activation,
}

/// A hidden layer's activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `tanh`.
    Tanh,
    /// `relu`.
    Relu,
    /// `sigmoid`.
    Sigmoid,
}

impl Activation {
    fn spec(self) -> LayerSpec {
        match self {
            Activation::Tanh => LayerSpec::Tanh,
            Activation::Relu => LayerSpec::Relu,
            Activation::Sigmoid => LayerSpec::Sigmoid,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "Tanh",
            Activation::Relu => "Relu",
            Activation::Sigmoid => "Sigmoid",
        }
    }
}

/// Parses `--layers`: hidden layers separated by commas, each a width with an optional
/// activation (`tanh`, the default, `relu` or `sigmoid`), e.g. `32`, `64relu,32tanh`.
pub fn parse_layers(text: &str) -> Result<Vec<Hidden>, String> {
    text.split(',')
        .map(|word| {
            let word = word.trim();
            let digits = word.find(|c: char| !c.is_ascii_digit()).unwrap_or(word.len());
            let (width, act) = word.split_at(digits);
            let width = width.parse::<usize>().ok().filter(|&w| w > 0);
            let activation = match act.to_ascii_lowercase().as_str() {
                "" | "tanh" => Some(Activation::Tanh),
                "relu" => Some(Activation::Relu),
                "sigmoid" => Some(Activation::Sigmoid),
                _ => None,
            };
            match (width, activation) {
                (Some(width), Some(activation)) => Ok(Hidden { width, activation }),
                _ => Err(format!("--layers: `{word}` is not a width ≥ 1 with an optional tanh, relu or sigmoid")),
            }
        })
        .collect()
}

/// The layer descriptors of `features → hidden… → classes` (every `Dense` with a bias, the
/// last one's outputs the logits), and the same network as the bricks' Rust type.
pub fn describe(features: usize, hidden: &[Hidden], classes: usize) -> (Vec<LayerSpec>, String) {
    let dense = |inputs, outputs| LayerSpec::Dense { inputs, outputs, bias: Bias::With };
    let (mut layers, mut names, mut width) = (Vec::new(), Vec::new(), features);
    for h in hidden {
        layers.extend([dense(width, h.width), h.activation.spec()]);
        names.extend([format!("Dense<{width}, {}>", h.width), format!("{}<{}>", h.activation.name(), h.width)]);
        width = h.width;
    }
    layers.push(dense(width, classes));
    names.push(format!("Dense<{width}, {classes}>"));
    (layers, format!("({})", names.join(", ")))
}

/// The caller buffers of one network: parameters, optimizer state, a step's scratch.
struct Buffers {
    model: Vec<f32>,
    state: Vec<f32>,
    scratch: Vec<f32>,
}

/// Loss and accuracy of `model` on all rows of `xs` (`ys` one-hot), `BATCH` rows at a
/// time: each row's loss ([`Loss::eval`] on one row) summed in row order, over the rows.
fn score(net: &Net, model: &[f32], xs: &[Vec<f32>], ys: &[Vec<f32>], scratch: &mut [f32]) -> Score {
    let classes = net.outputs();
    let (mut sum, mut hits) = (0.0f32, 0usize);
    let (mut grad, mut out) = (vec![0.0f32; classes], vec![0.0f32; BATCH * classes]);
    for (x, y) in xs.chunks(BATCH).zip(ys.chunks(BATCH)) {
        let flat: Vec<f32> = x.concat();
        let out = &mut out[..x.len() * classes];
        net.predict(model, &flat, out, scratch).expect("buffers sized by the network");
        for (h, y) in out.chunks_exact(classes).zip(y) {
            sum += net.objective().loss.eval(1, classes, h, y, &mut grad);
            hits += usize::from(argmax(h) == argmax(y));
        }
    }
    let rows = xs.len() as f32;
    Score { loss: sum / rows, accuracy: hits as f32 / rows }
}

/// Trains the network `layers` (Rust type `net_type`) on `split` with `cfg`, calling
/// `report` after every epoch.
pub fn run(
    layers: &[LayerSpec],
    net_type: String,
    split: &Split,
    cfg: &Config,
    report: &mut dyn FnMut(&Epoch),
) -> Result<Outcome, String> {
    let classes = match layers.last() {
        Some(&LayerSpec::Dense { outputs, .. }) => outputs,
        _ => return Err("the network must end with a Dense layer (the logits)".into()),
    };
    let objective = Objective::softmax_cross_entropy_ridge(cfg.ridge).map_err(|e| e.to_string())?;
    let optimizer = match cfg.optim {
        Optim::Sgd => {
            let sgd = Sgd::new(cfg.lr).and_then(|o| o.with_schedule(cfg.decay)).map_err(|e| e.to_string())?;
            OptimizerSpec::SgdMomentum(sgd, cfg.momentum)
        }
        Optim::Adam | Optim::Adamw => {
            let lambda = if cfg.optim == Optim::Adamw { cfg.weight_decay } else { 0.0 };
            let adam = Adam::settings(cfg.lr)
                .and_then(|o| o.with_schedule(cfg.decay))
                .and_then(|o| o.with_weight_decay(lambda))
                .map_err(|e| e.to_string())?;
            OptimizerSpec::Adam(adam)
        }
    };
    let net = Net::new(layers, BATCH, objective, optimizer).map_err(|e| format!("--layers: {e}"))?;
    let mem = net.memory();
    let mut buf = Buffers {
        model: vec![0.0; mem.model.floats],
        state: vec![0.0; mem.optimizer.floats],
        scratch: vec![0.0; mem.scratch.floats.max(net.predict_scratch_floats(BATCH))],
    };
    let mut rng = stacknet::init::rng(cfg.seed);
    net.init(&mut buf.model, &mut rng, Init::XavierUniform).map_err(|e| e.to_string())?;

    let one_hot = |labels: &[usize]| -> Vec<Vec<f32>> {
        labels.iter().map(|&k| (0..classes).map(|c| f32::from(u8::from(c == k))).collect()).collect()
    };
    let (mut train_x, mut train_y) = (split.train.0.clone(), one_hot(&split.train.1));
    let (test_x, test_y) = (&split.test.0, one_hot(&split.test.1));
    let scores = |buf: &mut Buffers, epoch, train_x: &[Vec<f32>], train_y: &[Vec<f32>]| Epoch {
        epoch,
        train: score(&net, &buf.model, train_x, train_y, &mut buf.scratch),
        test: score(&net, &buf.model, test_x, &test_y, &mut buf.scratch),
    };
    let mut history = vec![scores(&mut buf, 0, &train_x, &train_y)];
    report(&history[0]);
    let mut steps = 0;
    for epoch in 1..=cfg.epochs {
        shuffle_pair(&mut train_x, &mut train_y, &mut rng);
        for (x, y) in train_x.chunks_exact(BATCH).zip(train_y.chunks_exact(BATCH)) {
            let (x, y) = (x.concat(), y.concat());
            let step = net
                .train_step(&mut buf.model, &mut buf.state, &mut buf.scratch, &x, &y)
                .map_err(|e| format!("epoch {epoch}: step refused: {e}"))?;
            steps = step.step;
        }
        let e = scores(&mut buf, epoch, &train_x, &train_y);
        report(&e);
        history.push(e);
    }

    let mut confusion = vec![vec![0u32; classes]; classes];
    let mut out = vec![0.0f32; classes];
    for (x, &truth) in test_x.iter().zip(&split.test.1) {
        net.predict(&buf.model, x, &mut out, &mut buf.scratch).map_err(|e| e.to_string())?;
        confusion[truth][argmax(&out)] += 1;
    }
    let mut blob = vec![0u8; net.saved_len()];
    net.save(&buf.model, &mut blob).map_err(|e| e.to_string())?;
    Ok(Outcome { history, confusion, steps, blob, net_type })
}
