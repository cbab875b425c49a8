//! Runs `N` training steps of the benchmark network (2-H-2, biases, sigmoid, MSE + ridge,
//! SGD; the same start as `benches/train_step.rs`) at one configuration and kernel tier, and
//! nothing else, so that an instruction counter (`valgrind --tool=callgrind`) gives the cost
//! of one step as `(count(N) − count(0)) / N`. `scripts/step-icount.sh` does exactly that.
//!
//! Usage: `step_icount <scalar|best|TIER> <4x3|50x10|300x50|256x256> <N>`

use stacknet::kernels::{self, Tier};
use stacknet::prelude::*;
use stacknet_tools::peers::setup;
use std::hint::black_box;
use std::process::ExitCode;

fn run<const B: usize, const H: usize>(steps: u64) {
    let (x, y, mut net) = setup::start::<B, H>(1);
    let objective = Objective::mse_ridge(1e-4).unwrap();
    let mut ws = Box::new(Workspace::<setup::Net<H>, B>::new());
    let mut opt = Sgd::new(0.1).unwrap();
    for _ in 0..steps {
        let report = train_step(&mut net, black_box(&x), black_box(&y), &mut ws, &mut opt, &objective);
        black_box(report.expect("the benchmark step is finite"));
    }
    black_box(&net);
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: step_icount <scalar|best|TIER> <4x3|50x10|300x50|256x256> <N>";
    let [_, tier, config, steps] = args.as_slice() else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    let tier = match tier.as_str() {
        "best" => kernels::best_available(),
        name => match Tier::from_name(name) {
            Some(t) => t,
            None => {
                eprintln!("unknown tier {name}; {usage}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Err(e) = kernels::force(tier) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let Ok(steps) = steps.parse::<u64>() else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    match config.as_str() {
        "4x3" => run::<4, 3>(steps),
        "50x10" => run::<50, 10>(steps),
        "300x50" => run::<300, 50>(steps),
        "256x256" => run::<256, 256>(steps),
        _ => {
            eprintln!("{usage}");
            return ExitCode::FAILURE;
        }
    }
    println!("{} {config} {steps}", tier.name());
    ExitCode::SUCCESS
}
