//! Progress while training: an `indicatif` bar when stderr is a terminal, otherwise plain
//! lines on stdout every tenth of the run (so logs and CI output stay readable).

use crate::train::Eval;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Where progress goes.
pub enum Progress {
    /// A live bar (terminal).
    Bar(ProgressBar),
    /// One line every `every` steps (not a terminal).
    Lines {
        /// Steps between lines.
        every: u32,
        /// Planned steps.
        total: u32,
    },
}

impl Progress {
    /// A bar on a terminal, plain lines otherwise.
    pub fn new(total: u32) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(u64::from(total));
            let style = ProgressStyle::with_template("{elapsed_precise} [{bar:40.cyan/blue}] {pos}/{len} steps  {msg}")
                .expect("the template is valid")
                .progress_chars("=> ");
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            Progress::Lines { every: (total / 10).max(1), total }
        }
    }

    /// Shows the state before training.
    pub fn start(&self, e: &Eval) {
        match self {
            Progress::Bar(bar) => bar.set_message(format!("loss {:.5}  accuracy {:.4}", e.loss, e.accuracy)),
            Progress::Lines { total, .. } => {
                println!("step {:>7}/{total} loss={:.6} accuracy={:.4}", 0, e.loss, e.accuracy)
            }
        }
    }

    /// Whether step `step` should print a line (the caller then evaluates and calls `update`).
    pub fn wants(&self, step: u32) -> bool {
        match self {
            Progress::Bar(_) => false,
            Progress::Lines { every, .. } => step.is_multiple_of(*every),
        }
    }

    /// A step was taken and evaluated.
    pub fn update(&self, e: &Eval, lr: f32) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(u64::from(e.step));
                bar.set_message(format!("loss {:.5}  accuracy {:.4}  lr {lr:.4}", e.loss, e.accuracy));
            }
            Progress::Lines { every, total } => {
                if e.step.is_multiple_of(*every) {
                    println!("step {:>7}/{total} loss={:.6} accuracy={:.4} lr={lr:.5}", e.step, e.loss, e.accuracy);
                }
            }
        }
    }

    /// A step was taken without evaluation.
    pub fn tick(&self, step: u32) {
        if let Progress::Bar(bar) = self {
            bar.set_position(u64::from(step));
        }
    }

    /// A message that must not be overwritten by the bar.
    pub fn note(&self, msg: &str) {
        match self {
            Progress::Bar(bar) => bar.println(msg),
            Progress::Lines { .. } => println!("{msg}"),
        }
    }

    /// Training ended (normally or not).
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish();
        }
    }
}
