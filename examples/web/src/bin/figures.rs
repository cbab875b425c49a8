//! Runs the page's lessons through the module's own exports, natively, on the scalar tier, and
//! prints one JSON line per lesson: its `sn_reset` arguments and how the run ended (steps,
//! the bits of the final loss, accuracy, clipped steps, refusal). `test_module.mjs` replays
//! the same lessons on the WebAssembly module in Node and requires the same bits: the scalar
//! tier gives the same training run on x86_64 (or wherever this runs) and in the browser.
//!
//!   cargo run --profile native --bin figures > figures.jsonl      (in examples/web)

use stacknet_web::*;

/// (name, hidden, batch, bias, seed, lr, decay, a, b, clip): a lesson as `sn_reset` takes it.
type Lesson = (&'static str, u32, u32, u32, u32, f32, u32, f32, f32, f32);

/// The page's lessons (and the full-batch step decay of `docs/xor.md`), with the ridge 1e-4
/// and 10 000 steps of every run.
const LESSONS: [Lesson; 9] = [
    ("reference", 10, 300, 1, 1, 2.0, 0, 0.0, 0.0, 0.0),
    ("hidden3", 3, 300, 1, 1, 2.0, 0, 0.0, 0.0, 0.0),
    ("wide-lr50", 50, 300, 1, 1, 50.0, 0, 0.0, 0.0, 0.0),
    ("wide-lr50-clip", 50, 300, 1, 1, 50.0, 0, 0.0, 0.0, 0.05),
    ("wide-batch25-lr30", 50, 25, 1, 2, 30.0, 0, 0.0, 0.0, 0.0),
    ("wide-batch25-lr30-decay", 50, 25, 1, 2, 30.0, 1, 0.0005, 0.0, 0.0),
    ("wide-lr50-step-decay", 50, 300, 1, 1, 50.0, 2, 100.0, 0.5, 0.0),
    ("no-bias", 10, 300, 0, 1, 2.0, 0, 0.0, 0.0, 0.0),
    ("refused", 50, 300, 1, 1, 1e7, 0, 0.0, 0.0, 0.0),
];

const REG: f32 = 1e-4;
const STEPS: u32 = 10_000;
const SCALAR: u32 = 1;

fn main() {
    // `sn_reset` builds a run (up to ~1 MiB) on the stack, and an unoptimised build gives each
    // width a stack slot of its own: a thread with room for all of them.
    let lessons = std::thread::Builder::new().stack_size(256 << 20).spawn(lessons).expect("a thread");
    lessons.join().expect("the lessons ran");
}

fn lessons() {
    for (name, hidden, batch, bias, seed, lr, decay, a, b, clip) in LESSONS {
        let rc = sn_reset(hidden, batch, bias, seed, lr, decay, a, b, clip, REG, SCALAR);
        assert_eq!(rc, 0, "{name}: sn_reset refused ({rc})");
        while sn_train(1000, STEPS) > 0 {}
        assert_eq!(sn_eval(), 0);
        println!(
            "{{\"name\":\"{name}\",\"reset\":[{hidden},{batch},{bias},{seed},{lr:e},{decay},{a:e},{b:e},{clip:e},{REG:e},{SCALAR}],\
             \"limit\":{STEPS},\"steps\":{},\"loss_bits\":{},\"loss\":\"{}\",\"accuracy\":{},\"clipped\":{},\"refusal\":{},\"refused_step\":{}}}",
            sn_steps(),
            sn_eval_loss().to_bits(),
            sn_eval_loss(),
            sn_eval_accuracy(),
            sn_clipped(),
            sn_refusal(),
            sn_refused_step()
        );
    }
}
