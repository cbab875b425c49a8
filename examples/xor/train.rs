//! The training loop: builds the network for one (hidden width, batch size) pair, trains
//! it with `stacknet::train::train_step`, and records what the plots need.

use crate::cli::{Args, Optimizer, POINTS};
use crate::progress::Progress;
use stacknet::data::Dataset;
use stacknet::eval::argmax;
use stacknet::loss::Loss;
use stacknet::nn::{Bias, Dense, Sigmoid};
use stacknet::train::{train_step, StepError};
use stacknet::workspace::Workspace;

/// The article's network with `H` hidden units: 2 → H → 2, sigmoid after each layer.
pub type Net<const H: usize> = (Dense<2, H>, Sigmoid<H>, Dense<H, 2>, Sigmoid<2>);

/// The model measured on all training points after `step` successful updates.
#[derive(Clone, Copy, Debug)]
pub struct Eval {
    /// Updates applied so far.
    pub step: u32,
    /// MSE + ridge objective over all 300 points (penalty with B = 300).
    pub loss: f32,
    /// Fraction of the 300 points classified right.
    pub accuracy: f32,
}

/// The network's outputs on a square grid, for the decision-boundary picture.
pub struct Grid {
    /// Cells per side.
    pub n: usize,
    /// The grid covers `[-extent, extent]²`.
    pub extent: f32,
    /// Row-major (y outer, x inner) outputs `[class 0, class 1]` at cell centres.
    pub out: Vec<[f32; 2]>,
}

/// Everything a run produced.
pub struct Outcome {
    /// Evaluations on all points, from step 0 (the initial weights) to the last step.
    pub evals: Vec<Eval>,
    /// The objective each step reported on its own mini-batch (before its update).
    pub batch_loss: Vec<(u32, f32)>,
    /// The step that `train_step` refused, and why; training stopped there.
    pub refusal: Option<(u32, StepError)>,
    /// Steps whose gradient was scaled down by `--clip`.
    pub clipped_steps: u32,
    /// The training points with their labels.
    pub points: Vec<([f32; 2], usize)>,
    /// The final network's class for each training point.
    pub predicted: Vec<usize>,
    /// The learned function on a grid.
    pub grid: Grid,
}

impl Outcome {
    /// The last evaluation (there is always one: step 0).
    pub fn last(&self) -> Eval {
        *self.evals.last().expect("step 0 is always evaluated")
    }
}

/// Trains `Net<H>` with mini-batches of `B` rows as `args` says.
pub fn run<const H: usize, const B: usize>(args: &Args, progress: &Progress) -> Result<Outcome, String> {
    let mut rng = stacknet::init::rng(args.seed);
    // The same draws as `tests/convergence.rs`: 300 points first, then the weights.
    let (x0, y0) = stacknet::data::xor_batch::<_, POINTS>(&mut rng);
    let mut data = Dataset::<POINTS, 2, 2>::new();
    for (x, y) in x0.into_iter().zip(y0) {
        data.push(x, y).map_err(|_| "the dataset holds exactly 300 points")?;
    }
    if args.mirror {
        data = mirrored(&data);
    }

    let bias = if args.no_bias { Bias::Without } else { Bias::With };
    let init = stacknet::init::Init::UniformFanIn;
    let net: Net<H> = (Dense::new(bias, &mut rng, init), Sigmoid, Dense::new(bias, &mut rng, init), Sigmoid);

    match args.optimizer(&net)? {
        Optimizer::Sgd(opt) => train::<H, B, _>(args, progress, &mut rng, data, net, opt),
        Optimizer::Adam(opt) => train::<H, B, _>(args, progress, &mut rng, data, net, opt),
    }
}

/// The training loop of [`run`] with optimizer `opt`.
fn train<const H: usize, const B: usize, O: stacknet::optim::Optimizer<Net<H>>>(
    args: &Args,
    progress: &Progress,
    rng: &mut impl rand_core::RngCore,
    mut data: Dataset<POINTS, 2, 2>,
    mut net: Net<H>,
    mut opt: O,
) -> Result<Outcome, String> {
    let objective = args.objective()?;
    let (x_all, y_all) = data.batches::<POINTS>().next().map(|(x, y)| (*x, *y)).ok_or("no training data")?;

    // The workspaces are a few hundred KiB at H = 100; keep them off the main stack.
    let mut ws = Workspace::<Net<H>, B>::new_boxed();
    let mut eval_ws = Workspace::<Net<H>, POINTS>::new_boxed();
    let evaluate = |net: &Net<H>, ws: &mut Workspace<Net<H>, POINTS>, step: u32| {
        let out = ws.forward(net, &x_all);
        let mut scratch = [[0.0f32; 2]; POINTS];
        let data_loss = Loss::Mse.eval(POINTS, 2, out.as_flattened(), y_all.as_flattened(), scratch.as_flattened_mut());
        let loss = data_loss + objective.penalty.value(net, POINTS);
        let hits = out.iter().zip(&y_all).filter(|(o, y)| argmax(&o[..]) == argmax(&y[..])).count();
        Eval { step, loss, accuracy: hits as f32 / POINTS as f32 }
    };

    let steps = args.steps;
    let eval_every = (steps / 5000).max(1);
    let mut evals = vec![evaluate(&net, &mut eval_ws, 0)];
    let mut batch_loss = Vec::with_capacity(steps as usize);
    let mut refusal = None;
    let mut clipped_steps = 0;
    let batches_per_epoch = POINTS / B;
    progress.start(&evals[0]);

    for step in 1..=steps {
        let k = (step as usize - 1) % batches_per_epoch;
        if B < POINTS && k == 0 {
            data.shuffle(rng);
        }
        let (x, y) = data.batches::<B>().nth(k).ok_or("no training data")?;
        match train_step(&mut net, x, y, &mut ws, &mut opt, &objective) {
            Ok(report) => {
                batch_loss.push((step, report.loss));
                clipped_steps += u32::from(report.clipped);
                if step.is_multiple_of(eval_every) || progress.wants(step) || step == steps {
                    let e = evaluate(&net, &mut eval_ws, step);
                    evals.push(e);
                    progress.update(&e, report.lr);
                } else {
                    progress.tick(step);
                }
            }
            Err(e) => {
                // train_step is transactional: the weights are still those after step − 1.
                progress.note(&format!(
                    "step {step}: train_step refused the update: {e}. The weights are kept as they were \
                     after step {}; stopping here (the same data would be refused again).",
                    step - 1
                ));
                refusal = Some((step, e));
                break;
            }
        }
    }
    progress.finish();

    let points = x_all.iter().zip(&y_all).map(|(x, y)| (*x, argmax(&y[..]))).collect();
    let predicted = eval_ws.forward(&net, &x_all).iter().map(|o| argmax(&o[..])).collect();
    let extent = x_all.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs())).ceil().max(1.0);
    let grid = grid_outputs(&net, &mut eval_ws, extent, 150);
    Ok(Outcome { evals, batch_loss, refusal, clipped_steps, points, predicted, grid })
}

/// The first half of `data` followed by its mirror images `−x`, which keep their labels
/// (the XOR-of-signs label is even).
fn mirrored(data: &Dataset<POINTS, 2, 2>) -> Dataset<POINTS, 2, 2> {
    let half = data.xs().iter().copied().zip(data.ys().iter().copied()).take(POINTS / 2);
    let mut out = Dataset::new();
    let mirror = half.clone().map(|(x, y)| ([-x[0], -x[1]], y));
    for (x, y) in half.chain(mirror) {
        out.push(x, y).expect("the mirror has as many points as the original");
    }
    out
}

/// The network's outputs at the centres of an `n × n` grid over `[-extent, extent]²`,
/// computed `POINTS` rows at a time (the last batch padded with zeros).
fn grid_outputs<const H: usize>(net: &Net<H>, ws: &mut Workspace<Net<H>, POINTS>, extent: f32, n: usize) -> Grid {
    let cell = 2.0 * extent / n as f32;
    let centre = |i: usize| -extent + (i as f32 + 0.5) * cell;
    let coords: Vec<[f32; 2]> = (0..n * n).map(|i| [centre(i % n), centre(i / n)]).collect();
    let mut out = Vec::with_capacity(coords.len());
    for chunk in coords.chunks(POINTS) {
        let mut x = [[0.0f32; 2]; POINTS];
        x[..chunk.len()].copy_from_slice(chunk);
        out.extend_from_slice(&ws.forward(net, &x)[..chunk.len()]);
    }
    Grid { n, extent, out }
}
