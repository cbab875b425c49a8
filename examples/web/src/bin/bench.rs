//! Time per training step of the benchmark shapes (batch × hidden: 4×3, 50×10, 300×50,
//! 256×256; the network and start of `tools/benches/train_step.rs`) on every kernel tier this CPU
//! has, through the page module's own benchmark exports, natively. `bench.mjs` runs the same
//! exports in the WebAssembly module under Node, so both columns time the same code.
//!
//!   cargo run --release --bin bench       (in examples/web)
//!
//! Each figure is the minimum over 7 repetitions of a run of about 50 ms (after a warm-up),
//! in µs per step.

use stacknet::kernels::Tier;
use stacknet_web::{sn_bench_run, sn_bench_setup};
use std::time::Instant;

const SHAPES: [&str; 4] = ["4x3", "50x10", "300x50", "256x256"];

fn main() {
    // As in `figures`: room for the benchmark buffers that `sn_bench_setup` builds on the stack.
    std::thread::Builder::new().stack_size(256 << 20).spawn(bench).expect("a thread").join().expect("the bench ran");
}

fn bench() {
    println!("native ({}), µs per training step, min of 7 runs of ~50 ms", std::env::consts::ARCH);
    println!("{:<10} {:>9} {:>9} {:>9} {:>9}", "tier", SHAPES[0], SHAPES[1], SHAPES[2], SHAPES[3]);
    for tier in Tier::ALL.into_iter().filter(|t| t.is_available()) {
        let mut row = format!("{:<10}", tier.name());
        for shape in 0..SHAPES.len() as u32 {
            assert_eq!(sn_bench_setup(shape, tier as u32), 0);
            row += &format!(" {:>9.3}", time_step());
        }
        println!("{row}");
    }
}

/// µs per step: the steps per run doubled until a run takes ≥ 50 ms, then the fastest of 7.
fn time_step() -> f64 {
    let run = |n: u32| {
        let t = Instant::now();
        assert_eq!(sn_bench_run(n), 0);
        t.elapsed().as_secs_f64()
    };
    let mut n = 1;
    while run(n) < 0.05 {
        n *= 2;
    }
    (0..7).map(|_| run(n)).fold(f64::INFINITY, f64::min) * 1e6 / f64::from(n)
}
