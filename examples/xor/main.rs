//! The main job: train the article's XOR network with stacknet and draw its pictures.
//!
//! ```text
//! cargo run --release --example xor                  # 2-10-2 with biases, ≥ 0.97 accuracy
//! cargo run --release --example xor -- --help        # every flag
//! cargo run --release --example xor -- --hidden 3    # the weak 3-neuron network
//! ```
//!
//! It prints progress (a bar on a terminal, plain lines otherwise), writes
//! `accuracy.png`, `boundary.png` and `loss.png` into `--out` (default `out/xor`), and ends
//! with one line `final step=<n> loss=<f> accuracy=<f>`: the successful updates, and the
//! MSE + ridge objective and accuracy of the final network on all 300 training points.
//!
//! Widths and batch sizes are const generics in stacknet, so the example compiles one
//! training loop per supported `--hidden` × `--batch` pair and picks one at run time.

mod cli;
#[path = "../common/out.rs"]
mod out;
mod plot;
mod progress;
mod train;

use clap::Parser;
use cli::{Args, POINTS};
use progress::Progress;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use train::{run, Outcome};

/// Runs `train::run::<H, B>` for the batch size in `args` (hidden width fixed by the caller).
fn with_hidden<const H: usize>(args: &Args, p: &Progress) -> Result<Outcome, String> {
    match args.batch {
        4 => run::<H, 4>(args, p),
        10 => run::<H, 10>(args, p),
        25 => run::<H, 25>(args, p),
        50 => run::<H, 50>(args, p),
        100 => run::<H, 100>(args, p),
        150 => run::<H, 150>(args, p),
        300 => run::<H, 300>(args, p),
        b => Err(format!("batch size {b} is not compiled in; choose one of {:?}", cli::BATCH_SIZES)),
    }
}

/// Picks the monomorphized training loop for `--hidden` and `--batch`.
fn dispatch(args: &Args, p: &Progress) -> Result<Outcome, String> {
    match args.hidden {
        2 => with_hidden::<2>(args, p),
        3 => with_hidden::<3>(args, p),
        4 => with_hidden::<4>(args, p),
        5 => with_hidden::<5>(args, p),
        8 => with_hidden::<8>(args, p),
        10 => with_hidden::<10>(args, p),
        20 => with_hidden::<20>(args, p),
        50 => with_hidden::<50>(args, p),
        100 => with_hidden::<100>(args, p),
        h => Err(format!("hidden width {h} is not compiled in; choose one of {:?}", cli::HIDDEN_SIZES)),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match main_with(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn main_with(args: &Args) -> Result<(), String> {
    if let Some(name) = &args.tier {
        let tier = stacknet::kernels::Tier::from_name(name).ok_or_else(|| format!("--tier: unknown tier `{name}`"))?;
        stacknet::kernels::force(tier).map_err(|_| format!("--tier: this CPU or build cannot run `{name}`"))?;
    }
    args.check()?; // refuse bad hyperparameters before anything is printed
    prepare_out(&args.out)?; // and an output folder the pictures cannot be written to
    let bias = if args.no_bias { "without biases (the article's network)" } else { "with biases" };
    let shape = format!("2-{}-2 {}", args.hidden, if args.no_bias { "no bias" } else { "bias" });
    println!(
        "xor: 2-{}-2 {bias}, {POINTS} points, batch {}, {} steps, {}{}, lr {}, reg {}, decay {}, clip {}, seed {}, kernels {}",
        args.hidden,
        args.batch,
        args.steps,
        args.optim.name(),
        if args.optim == cli::Optim::Adamw { format!(" (weight decay {})", args.weight_decay) } else { String::new() },
        args.lr(),
        args.reg,
        cli::describe_decay(args.decay),
        args.clip.map_or("none".into(), |c| format!("norm {c}")),
        args.seed,
        stacknet::kernels::active().name(),
    );
    plot::register()?;

    let progress = Progress::new(args.steps);
    let started = Instant::now();
    let outcome = dispatch(args, &progress)?;
    let secs = started.elapsed().as_secs_f64();
    let last = outcome.last();

    let lr = if args.lr() >= 1e4 { format!("{:e}", args.lr()) } else { args.lr().to_string() };
    let subtitle = format!("{shape}, {} lr {lr}, seed {}", args.optim.name(), args.seed);
    let files = [
        ("accuracy.png", plot::accuracy as fn(&std::path::Path, &Outcome, &str) -> _),
        ("boundary.png", plot::boundary),
    ];
    let mut written = Vec::new();
    for (name, draw) in files {
        let path = args.out.join(name);
        draw(&path, &outcome, &subtitle).map_err(|e| format!("drawing {}: {e}", path.display()))?;
        written.push(path);
    }
    let path = args.out.join("loss.png");
    plot::loss(&path, &outcome, args.batch == POINTS, &subtitle)
        .map_err(|e| format!("drawing {}: {e}", path.display()))?;
    written.push(path);

    println!(
        "trained {} steps in {secs:.2} s ({:.1} µs/step, including evaluation on all points)",
        last.step,
        secs * 1e6 / f64::from(last.step.max(1))
    );
    if args.clip.is_some() {
        println!("clipping scaled the gradient in {} of {} steps", outcome.clipped_steps, last.step);
    }
    if let Some((step, e)) = outcome.refusal {
        println!("stopped early: step {step} was refused ({e}); the pictures show the run up to step {}", last.step);
    }
    if args.compare {
        let mut runs = Vec::new();
        for optim in [cli::Optim::Sgd, cli::Optim::Adam, cli::Optim::Adamw] {
            let one = Args { optim, lr: None, weight_decay: 0.01, compare: false, ..args.clone() };
            println!("--compare: {} at lr {}", optim.name(), one.lr());
            let run = dispatch(&one, &Progress::new(one.steps))?;
            let label = match optim {
                cli::Optim::Adamw => format!("adamw lr {} λ {}", one.lr(), one.weight_decay),
                _ => format!("{} lr {}", optim.name(), one.lr()),
            };
            println!("--compare: {label}: final loss {:.6} accuracy {:.4}", run.last().loss, run.last().accuracy);
            runs.push((label, run));
        }
        let path = args.out.join("optimizers.png");
        plot::compare(&path, &runs, &format!("{shape}, seed {}", args.seed))
            .map_err(|e| format!("drawing {}: {e}", path.display()))?;
        written.push(path);
    }
    for p in &written {
        println!("wrote {}", p.display());
    }
    println!("final step={} loss={:.6} accuracy={:.4}", last.step, last.loss, last.accuracy);
    Ok(())
}

/// [`out::prepare`] for `--out`.
fn prepare_out(dir: &Path) -> Result<(), String> {
    out::prepare("--out", dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh, empty scratch folder for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("stacknet-xor-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn out_folder_is_created_and_left_empty() {
        let root = scratch("ok");
        let out = root.join("a/b");
        assert_eq!(prepare_out(&out), Ok(()));
        assert!(out.is_dir());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "the probe file is removed");
        assert_eq!(prepare_out(&out), Ok(()), "an existing folder is fine");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn out_below_a_file_is_refused() {
        let root = scratch("file");
        let file = root.join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let err = prepare_out(&file.join("sub")).unwrap_err();
        assert!(err.starts_with("--out: cannot create folder"), "{err}");
        let err = prepare_out(&file).unwrap_err();
        assert!(err.starts_with("--out: cannot create folder"), "{err}");
        std::fs::remove_dir_all(root).unwrap();
    }

    /// An existing folder nobody may write into, not even root: `/proc`.
    #[cfg(target_os = "linux")]
    #[test]
    fn out_in_an_unwritable_folder_is_refused() {
        let err = prepare_out(Path::new("/proc")).unwrap_err();
        assert!(err.starts_with("--out: cannot write into /proc"), "{err}");
    }

    /// The whole command refuses a bad `--out` before it trains: the pictures are drawn only
    /// after training, and nothing after training creates the folder, so the `--out:` error
    /// can only come from the check at the start.
    #[test]
    fn bad_out_fails_before_training() {
        let root = scratch("main");
        let file = root.join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let out = file.join("pictures");
        let args = Args::parse_from(["xor", "--steps", "10000", "--out", out.to_str().unwrap()]);
        let err = main_with(&args).unwrap_err();
        assert!(err.starts_with("--out: cannot create folder"), "{err}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn optimizer_flags_are_checked() {
        let check = |argv: &[&str]| Args::parse_from(argv).check();
        assert_eq!(check(&["xor", "--weight-decay", "0.1"]).unwrap_err(), "--weight-decay: only with --optim adamw");
        let err = check(&["xor", "--optim", "adamw", "--weight-decay", "-1"]).unwrap_err();
        assert_eq!(err, "--weight-decay: AdamW's weight decay must be finite and >= 0, got -1");
        assert!(check(&["xor", "--optim", "adam", "--lr", "0"]).unwrap_err().starts_with("--lr: "));
        assert!(check(&["xor", "--optim", "adamw", "--clip", "0.5", "--decay", "step:100:0.5"]).is_ok());
        assert_eq!(Args::parse_from(["xor", "--optim", "adam"]).lr(), 0.01);
        assert_eq!(Args::parse_from(["xor"]).lr(), 2.0);
    }
}
