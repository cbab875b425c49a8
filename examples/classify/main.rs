//! Multi-class classification of your own data: a CSV with numeric features and a label
//! column, a network `features → hidden layers → classes` described on the command line
//! (`--layers`, run by [`stacknet::runtime::Net`]), softmax cross-entropy, SGD with momentum
//! and a step-decay schedule on shuffled mini-batches.
//!
//! ```text
//! cargo run --release --example classify                       # the 8×8 handwritten digits
//! cargo run --release --example classify -- --help             # every flag
//! cargo run --release --example classify -- --layers 64relu,32tanh
//! cargo run --release --example classify -- --data mine.csv --header --label-column 1
//! ```
//!
//! It prints the loss and accuracy of the training and test rows as it goes, the final test
//! accuracy, and writes into `--out` (default `out/classify`): `loss.png`, `accuracy.png`,
//! `confusion.png`, and the trained model as `model.bin`, `model.rs` and `model.h`.

mod data;
mod export;
#[path = "../common/out.rs"]
mod out;
mod plot;
mod train;

use clap::Parser;
use stacknet::optim::Schedule;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use train::{Config, Epoch, Optim, Outcome, BATCH};

/// Train a classifier on a CSV file and report its held-out test accuracy. With no
/// arguments: the 8×8 handwritten digits shipped in `data/digits` (1,797 rows, 64 features,
/// 10 classes), the last 25% of the rows as the test set.
#[derive(Parser, Debug, Clone)]
#[command(name = "classify", version, allow_negative_numbers = true)]
struct Args {
    /// The CSV file: one row per sample, numeric features and one label column (any text).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits/digits.csv"))]
    data: PathBuf,
    /// Which column holds the label, counted from 1 (default: the last).
    #[arg(long)]
    label_column: Option<usize>,
    /// The first row holds column names.
    #[arg(long)]
    header: bool,
    /// The share of rows, taken from the end of the file, kept apart as the test set.
    #[arg(long, default_value_t = 0.25)]
    test_fraction: f64,
    /// The hidden layers, input side first, separated by commas: each a width with an
    /// optional activation (tanh, the default, relu or sigmoid), e.g. `64relu,32tanh`.
    #[arg(long, default_value = "32tanh")]
    layers: String,
    /// Passes over the training rows (each in mini-batches of 32 in a fresh random order;
    /// the rows left over after the last full batch wait for the next epoch's order).
    #[arg(long, default_value_t = 30)]
    epochs: u32,
    /// The optimizer: SGD with momentum, Adam, or AdamW (`--weight-decay`).
    #[arg(long, value_enum, default_value_t = Optim::Sgd)]
    optim: Optim,
    /// Base learning rate (default: 0.05 with SGD, 0.002 with Adam and AdamW).
    #[arg(long)]
    lr: Option<f32>,
    /// Heavy-ball momentum (SGD only).
    #[arg(long, default_value_t = 0.9)]
    momentum: f32,
    /// AdamW's decoupled weight decay λ over weights (AdamW only).
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f32,
    /// The learning rate is halved every this many epochs (0: constant).
    #[arg(long, default_value_t = 10)]
    halve_every: u32,
    /// Ridge coefficient λ (over weights, not biases).
    #[arg(long, default_value_t = 1e-3)]
    ridge: f32,
    /// Seed of the initial weights and the shuffles.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Force a kernel tier (`scalar`, `sse2`, `avx2`, `avx512`, `neon`): with `scalar` the
    /// trained model has the same bits on every target.
    #[arg(long)]
    tier: Option<String>,
    /// Folder for the pictures (and the exported model, unless `--export` says otherwise).
    #[arg(long, default_value = "out/classify")]
    out: PathBuf,
    /// Folder for the exported model (`model.bin`, `model.rs`, `model.h`); default: `--out`.
    #[arg(long)]
    export: Option<PathBuf>,
}

fn main() -> ExitCode {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let command = ["cargo run --release --example classify".to_string()]
        .into_iter()
        .chain((!words.is_empty()).then(|| format!("-- {}", words.join(" "))))
        .collect::<Vec<_>>()
        .join(" ");
    match main_with(&Args::parse(), &command) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the example and returns the final scores; `command` is how it was invoked, written
/// into the exported sources.
fn main_with(args: &Args, command: &str) -> Result<Epoch, String> {
    if let Some(name) = &args.tier {
        let tier = stacknet::kernels::Tier::from_name(name).ok_or_else(|| format!("--tier: unknown tier `{name}`"))?;
        stacknet::kernels::force(tier).map_err(|_| format!("--tier: this CPU or build cannot run `{name}`"))?;
    }
    let label = args.label_column.map_or(data::LabelColumn::Last, data::LabelColumn::At);
    let table = data::read_csv(&args.data, label, args.header)?;
    let features = table.features[0].len();
    let hidden = train::parse_layers(&args.layers)?;
    let split = data::split(&table, args.test_fraction)?;
    if split.train.0.len() < BATCH {
        return Err(format!("{} training rows: need at least one batch of {BATCH}", split.train.0.len()));
    }
    out::prepare("--out", &args.out)?;
    let export_dir = args.export.as_ref().unwrap_or(&args.out);
    out::prepare(if args.export.is_some() { "--export" } else { "--out" }, export_dir)?;
    plot::register()?;
    let batches = (split.train.0.len() / BATCH) as u32;
    let decay = if args.halve_every == 0 {
        Schedule::Constant
    } else {
        Schedule::StepDecay { every: args.halve_every.saturating_mul(batches), factor: 0.5 }
    };
    let lr = args.lr.unwrap_or(if args.optim == Optim::Sgd { 0.05 } else { 0.002 });
    let cfg = Config {
        epochs: args.epochs,
        optim: args.optim,
        lr,
        momentum: args.momentum,
        weight_decay: args.weight_decay,
        decay,
        ridge: args.ridge,
        seed: args.seed,
    };
    let optimizer = match args.optim {
        Optim::Sgd => format!("SGD momentum {}", args.momentum),
        Optim::Adam => "Adam".to_string(),
        Optim::Adamw => format!("AdamW weight decay {}", args.weight_decay),
    };
    let classes = table.classes.len();
    let (layers, net_type) = train::describe(features, &hidden, classes);
    let widths: Vec<String> = hidden.iter().map(|h| format!("{}{:?}", h.width, h.activation).to_lowercase()).collect();
    let shape = format!("{features}-{}-{classes}", widths.join("-"));
    println!(
        "classify: {} ({} rows: {} train, {} test), {features} features, {classes} classes; network {shape}, \
         batch {BATCH}, {} epochs, {optimizer}, lr {} halved every {} epochs, ridge {}, seed {}, kernels {}",
        args.data.display(),
        table.features.len(),
        split.train.0.len(),
        split.test.0.len(),
        args.epochs,
        lr,
        args.halve_every,
        args.ridge,
        args.seed,
        stacknet::kernels::active().name(),
    );
    let every = (args.epochs / 10).max(1);
    let mut report = |e: &Epoch| {
        if e.epoch.is_multiple_of(every) || e.epoch == args.epochs {
            println!(
                "epoch {:>4}  train loss {:.4} accuracy {:.4}  test loss {:.4} accuracy {:.4}",
                e.epoch, e.train.loss, e.train.accuracy, e.test.loss, e.test.accuracy
            );
        }
    };
    let started = Instant::now();
    let run = train::run(&layers, net_type, &split, &cfg, &mut report)?;
    let secs = started.elapsed().as_secs_f64();
    println!("trained {} steps in {secs:.2} s (including the evaluation after each epoch)", run.steps);

    let subtitle = format!("{shape}, seed {}", args.seed);
    let mut written = Vec::new();
    for (name, draw) in [("loss.png", plot::loss as fn(&Path, &Outcome, &str) -> _), ("accuracy.png", plot::accuracy)] {
        let path = args.out.join(name);
        draw(&path, &run, &subtitle).map_err(|e| format!("drawing {}: {e}", path.display()))?;
        written.push(path);
    }
    let path = args.out.join("confusion.png");
    plot::confusion(&path, &run, &table.classes, &subtitle).map_err(|e| format!("drawing {}: {e}", path.display()))?;
    written.push(path);
    written.extend(export::write(export_dir, command, &run.blob, &run.net_type, &table.classes, &split.scale)?);
    for p in &written {
        println!("wrote {}", p.display());
    }
    let last = run.history.last().expect("the history starts before training");
    println!(
        "final test accuracy={:.4} ({} test rows) train accuracy={:.4}",
        last.test.accuracy,
        split.test.0.len(),
        last.train.accuracy
    );
    Ok(*last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stacknet::nn::{Dense, Relu, Tanh};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("stacknet-classify-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A short run on the digits learns them: 3 epochs of the default network reach most of
    /// the accuracy of the full run (0.9089 test at 30 epochs, seed 1), and the outputs land.
    #[test]
    fn a_short_run_learns_the_digits_and_writes_its_files() {
        let out = scratch("digits");
        let args = Args::parse_from(["classify", "--epochs", "3", "--out", out.to_str().unwrap()]);
        let table = data::read_csv(&args.data, data::LabelColumn::Last, false).unwrap();
        assert_eq!((table.features.len(), table.features[0].len(), table.classes.len()), (1797, 64, 10));
        let split = data::split(&table, args.test_fraction).unwrap();
        assert_eq!((split.train.0.len(), split.test.0.len()), (1347, 450));
        let cfg = Config {
            epochs: 3,
            optim: Optim::Sgd,
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 0.0,
            decay: Schedule::Constant,
            ridge: 1e-3,
            seed: 1,
        };
        let (layers, net_type) = train::describe(64, &train::parse_layers(&args.layers).unwrap(), 10);
        assert_eq!(net_type, "(Dense<64, 32>, Tanh<32>, Dense<32, 10>)");
        let run = train::run(&layers, net_type, &split, &cfg, &mut |_| {}).unwrap();
        let (first, last) = (run.history[0], *run.history.last().unwrap());
        assert!(first.test.accuracy < 0.2, "{first:?}");
        assert!(last.train.accuracy > 0.97 && last.test.accuracy > 0.88, "{last:?}");
        assert!(last.train.loss < first.train.loss / 10.0, "{first:?} {last:?}");
        assert_eq!(run.steps, 3 * (1347 / 32) as u32);
        // Every test row lands in the confusion matrix, its diagonal is the accuracy.
        let total: u32 = run.confusion.iter().flatten().sum();
        let diagonal: u32 = (0..10).map(|k| run.confusion[k][k]).sum();
        assert_eq!(total, 450);
        assert_eq!(diagonal as f32 / 450.0, last.test.accuracy);

        main_with(&args, "classify test").unwrap();
        for name in ["loss.png", "accuracy.png", "confusion.png", "model.bin", "model.rs", "model.h"] {
            assert!(out.join(name).metadata().unwrap().len() > 0, "{name}");
        }
        // The exported blob loads into the network it was trained as.
        let mut net: (Dense<64, 32>, Tanh<32>, Dense<32, 10>) = stacknet::nn::Layer::ZERO;
        let blob = std::fs::read(out.join("model.bin")).unwrap();
        assert_eq!(stacknet::persist::load(&mut net, &blob), Ok(blob.len()));
        std::fs::remove_dir_all(out).unwrap();
    }

    /// The model the firmware embeds (`examples/firmware/src/digits/model.rs`) is what this
    /// example trains with the scalar tier, byte for byte: the same bits on every target.
    #[test]
    fn the_firmware_model_is_reproduced_exactly() {
        let dir = scratch("firmware-model");
        let words = ["--tier", "scalar", "--out", "out/classify-scalar", "--export", "examples/firmware/src/digits"];
        let command = format!("cargo run --release --example classify -- {}", words.join(" "));
        let out = dir.join("out");
        let export = dir.join("export");
        let mut argv = vec!["classify".to_string()];
        argv.extend(words.iter().map(|w| w.to_string()));
        let mut args = Args::parse_from(argv);
        (args.out, args.export) = (out, Some(export.clone()));
        let last = main_with(&args, &command).unwrap();
        // The firmware checks that it classifies as many test images right as the desktop.
        assert_eq!(last.test.accuracy, 409.0 / 450.0, "examples/firmware/src/bin/digits.rs: DESKTOP_CORRECT");
        let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/firmware/src/digits");
        for name in ["model.rs", "model.h", "model.bin"] {
            let got = std::fs::read(export.join(name)).unwrap();
            let want = std::fs::read(Path::new(committed).join(name)).unwrap();
            assert!(got == want, "{name} differs from the committed one: rerun `{command}`");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// An unwritable `--export` is refused before training, and the error names that flag.
    #[test]
    fn a_bad_export_folder_is_refused_by_name() {
        let dir = scratch("export");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let out = dir.join("out");
        let export = file.join("model");
        let args = Args::parse_from(["classify", "--out", out.to_str().unwrap(), "--export", export.to_str().unwrap()]);
        let err = main_with(&args, "classify test").unwrap_err();
        assert!(err.starts_with("--export: cannot create folder"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// `--layers` takes any stack of hidden layers; a malformed one is refused by name.
    #[test]
    fn layers_parse_into_a_network_of_any_depth() {
        use train::{Activation, Hidden};
        let h = train::parse_layers("64relu, 32, 8Sigmoid").unwrap();
        let want = [(64, Activation::Relu), (32, Activation::Tanh), (8, Activation::Sigmoid)];
        assert_eq!(h, want.map(|(width, activation)| Hidden { width, activation }));
        let (layers, net_type) = train::describe(5, &h, 3);
        assert_eq!(
            net_type,
            "(Dense<5, 64>, Relu<64>, Dense<64, 32>, Tanh<32>, Dense<32, 8>, Sigmoid<8>, Dense<8, 3>)"
        );
        assert_eq!(layers.len(), 7);
        for bad in ["", "0", "32x", "relu", "32,,8"] {
            let err = train::parse_layers(bad).unwrap_err();
            assert!(err.starts_with("--layers: "), "{bad}: {err}");
        }
    }

    /// A two-hidden-layer network on a CSV of 3 features and 3 classes (no padding, no
    /// compiled-in widths) learns well-separated clusters.
    #[test]
    fn a_deeper_network_learns_a_small_csv() {
        let dir = scratch("deep");
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("blobs.csv");
        let mut csv = String::new();
        let mut state = 12345u32;
        let mut noise = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let centres = [[0.0, 0.0, 0.0], [3.0, 0.0, 1.0], [0.0, 3.0, -1.0]];
        for i in 0..600 {
            let (c, name) = (i % 3, ["a", "b", "c"][i % 3]);
            let row: Vec<String> = centres[c].iter().map(|&v: &f32| (v + noise()).to_string()).collect();
            csv.push_str(&format!("{},{name}\n", row.join(",")));
        }
        std::fs::write(&data, csv).unwrap();
        let out = dir.join("out");
        let argv = ["classify", "--data", data.to_str().unwrap(), "--layers", "16tanh,8relu", "--epochs", "5"];
        let args = Args::parse_from(argv.iter().copied().chain(["--out", out.to_str().unwrap()]));
        let last = main_with(&args, "classify test").unwrap();
        assert!(last.test.accuracy > 0.95 && last.train.accuracy > 0.95, "{last:?}");
        let mut net: (Dense<3, 16>, Tanh<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>) = stacknet::nn::Layer::ZERO;
        let blob = std::fs::read(out.join("model.bin")).unwrap();
        assert_eq!(stacknet::persist::load(&mut net, &blob), Ok(blob.len()), "the blob loads into the bricks");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_malformed_csv_is_refused_before_training() {
        let dir = scratch("bad");
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("bad.csv");
        std::fs::write(&data, "1,2,a\n3,4,b\n5,x,a\n").unwrap();
        let out = dir.join("out");
        let args = Args::parse_from(["classify", "--data", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let err = main_with(&args, "classify test").unwrap_err();
        assert!(err.ends_with("line 3, column 2: `x` is not a number"), "{err}");
        assert!(!out.exists(), "nothing is written");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
