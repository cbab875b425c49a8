//! A counting global allocator shows that a training step and the evaluation helpers
//! allocate nothing, at every benchmark configuration (batch, hidden): (4, 3), (50, 10),
//! (300, 50), (256, 256).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use stacknet::prelude::*;

struct Counting;

thread_local! {
    // Per thread, so the test harness's other threads cannot disturb a count. Const-
    // initialised: touching it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn check<const B: usize, const H: usize>() {
    type Net<const H: usize> = (Dense<2, H>, Sigmoid<H>, Dense<H, 2>, Sigmoid<2>);
    let mut rng = stacknet::init::rng(1);
    let (x, y) = stacknet::data::xor_batch::<_, B>(&mut rng);
    let mut net: Net<H> = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    net.init(&mut rng, Init::UniformFanIn);
    let mut ws = Workspace::<Net<H>, B>::new_boxed();
    let mut infer = Inference::<Net<H>, B>::new_boxed();
    let mut opt = Sgd::new(0.5).unwrap().with_clip(Clip::Norm(10.0)).unwrap().with_momentum(0.5, &net).unwrap();
    let objective = Objective::mse_ridge(1e-4).unwrap();
    // 2B + 1 rows (full batches, then a tail), made before counting.
    let xs: Vec<[f32; 2]> = x.iter().chain(&x).chain(&x[..1]).copied().collect();
    let ys: Vec<[f32; 2]> = y.iter().chain(&y).chain(&y[..1]).copied().collect();
    // Warm up (tier detection happens on the first kernel call).
    train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
    let n = allocations_during(|| {
        for _ in 0..3 {
            train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
        }
        // Evaluation over row counts that are not multiples of B (fewer rows, more rows),
        // through both workspaces.
        let rows = &x[..B - B / 3];
        accuracy(&net, rows, &y, &mut ws);
        evaluate(&net, &xs, &ys, &mut ws, &objective);
        evaluate(&net, &xs, &ys, &mut infer, &objective);
        let mut classes = [0usize; B];
        predict_into(&net, &xs, &mut ws, &mut classes);
        predict_into(&net, rows, &mut infer, &mut classes);
    });
    assert_eq!(n, 0, "batch {B}, hidden {H}: {n} allocations");
}

#[test]
fn training_steps_do_not_allocate() {
    // One test, run on a thread with room for the largest workspace's copies on the stack.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            check::<4, 3>();
            check::<50, 10>();
            check::<300, 50>();
            check::<256, 256>();
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn the_counter_counts() {
    let n = allocations_during(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert!(n >= 1);
}
