//! Workspaces that go anywhere: a `static` one trains, and the inference workspace is small
//! and gives the training forward pass's outputs bit for bit, on every tier.

use std::sync::Mutex;

use stacknet::kernels::{force, reset, Tier};
use stacknet::nn::{Dim, InferFrom, Matrix, Rows};
use stacknet::prelude::*;

type Xor = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);

static WS: Mutex<Workspace<Xor, 4>> = Mutex::new(Workspace::new());
static mut INFER: Inference<Xor, 4> = Inference::new();

#[test]
fn a_static_workspace_compiles_and_trains() {
    let mut rng = stacknet::init::rng(7);
    let mut net: Xor = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    net.init(&mut rng, Init::UniformFanIn);
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut opt = Sgd::new(2.0).unwrap();
    let objective = Objective::mse_ridge(0.0).unwrap();
    let mut ws = WS.lock().unwrap();
    let first = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap().loss;
    let mut last = first;
    for _ in 0..3000 {
        last = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap().loss;
    }
    assert!(last < first / 10.0, "{first} -> {last}");
    assert_eq!(accuracy(&net, &x, &y, &mut *ws), 1.0);

    // A `static mut` inference workspace, reached through a raw pointer (no reference to
    // the static itself is ever taken in safe code).
    let want = *ws.forward(&net, &x);
    // SAFETY: this test is the only user of `INFER`, and nothing else borrows it meanwhile.
    let infer = unsafe { &mut *std::ptr::addr_of_mut!(INFER) };
    assert_eq!(infer.forward(&net, &x), &want);
}

#[test]
fn memory_figures() {
    type Classifier = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
    // Each Dense's output row and nothing else.
    const _: () = assert!(Inference::<Classifier, 1>::BYTES == (16 + 8 + 3) * 4);
    const _: () = assert!(Workspace::<Classifier, 1>::BYTES == 1392);
    assert_eq!(Inference::<Classifier, 32>::BYTES, 32 * (16 + 8 + 3) * 4);
    assert_eq!(Inference::<Xor, 4>::BYTES, 4 * (3 + 2) * 4);
    // The README's batch-1 figures: 2-3-2 XOR and the 64-32-10 digits classifier.
    assert_eq!(Inference::<Xor, 1>::BYTES, 20);
    assert_eq!(Inference::<(Dense<64, 32>, Tanh<32>, Dense<32, 10>), 1>::BYTES, 168);
}

/// Random parameters for `M` (a bias flag as `M` was built).
fn random<M: Layer>(mut m: M, seed: u64) -> M {
    m.init(&mut stacknet::init::rng(seed), Init::XavierUniform);
    m
}

/// Rows with a spread of values, negatives included (so that relu clips some).
fn rows<R: Matrix>(seed: u32) -> R {
    let mut r = R::ZERO;
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for v in r.flat_mut() {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *v = (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0;
    }
    r
}

fn bits(r: &[f32]) -> Vec<u32> {
    r.iter().map(|v| v.to_bits()).collect()
}

/// The inference pass against `Workspace::forward` at batch `B`, twice in a row (buffers
/// reused), on the given rows.
fn same<M: InferFrom, const B: usize>(net: &M, what: &str) {
    let mut train = Workspace::<M, B>::new();
    let mut infer = Inference::<M, B>::new();
    for seed in [1, 2] {
        let x: Rows<M::In, B> = rows(seed);
        let want = bits(train.forward(net, &x).flat());
        let got = bits(infer.forward(net, &x).flat());
        assert_eq!(got, want, "{what}, B = {B}, seed {seed}");
        assert_eq!(want.len(), B * <M::Out as Dim>::N);
    }
}

fn same_batches<M: InferFrom>(net: &M, what: &str) {
    same::<M, 1>(net, what);
    same::<M, 5>(net, what);
    same::<M, 8>(net, what);
}

#[test]
fn inference_is_bit_identical_to_the_training_forward_pass() {
    type Sig = (Dense<3, 7>, Sigmoid<7>, Dense<7, 2>, Sigmoid<2>);
    type Mixed = ((Dense<3, 7>, Tanh<7>), Dense<7, 9>, Sigmoid<9>, (Dense<9, 4>, Sigmoid<4>), Relu<4>);
    // A Dense ends a nested tuple and a Sigmoid follows outside it: not fused, in both.
    type Boundary = ((Dense<3, 5>, Relu<5>, Dense<5, 6>), Sigmoid<6>, Dense<6, 2>);
    type Deep = (Dense<3, 8>, Relu<8>, Dense<8, 8>, Tanh<8>, Dense<8, 8>, (Sigmoid<8>, Dense<8, 2>));
    let (w, wo) = (Bias::With, Bias::Without);
    let sig: Sig = random((Dense::zeros(w), Sigmoid, Dense::zeros(w), Sigmoid), 1);
    let sig_nb: Sig = random((Dense::zeros(wo), Sigmoid, Dense::zeros(wo), Sigmoid), 2);
    let mixed: Mixed =
        random(((Dense::zeros(w), Tanh), Dense::zeros(wo), Sigmoid, (Dense::zeros(w), Sigmoid), Relu), 3);
    let boundary: Boundary = random(((Dense::zeros(w), Relu, Dense::zeros(w)), Sigmoid, Dense::zeros(wo)), 4);
    let deep: Deep =
        random((Dense::zeros(w), Relu, Dense::zeros(w), Tanh, Dense::zeros(wo), (Sigmoid, Dense::zeros(w))), 5);
    let single: Dense<3, 4> = random(Dense::zeros(w), 6);

    for tier in Tier::ALL.into_iter().filter(|t| t.is_available()) {
        force(tier).unwrap();
        let t = format!("{tier:?}");
        same_batches(&sig, &format!("{t} sigmoid"));
        same_batches(&sig_nb, &format!("{t} sigmoid, no bias"));
        same_batches(&mixed, &format!("{t} mixed, nested"));
        same_batches(&boundary, &format!("{t} tuple boundary"));
        same_batches(&deep, &format!("{t} deep"));
        same_batches(&single, &format!("{t} one Dense"));
    }
    reset();

    // Element-wise bricks run in place: with the output at hand, the Dense's buffer holds
    // the activation, not x·W + b.
    let x: [[f32; 3]; 5] = rows(9);
    let mut infer = Inference::<Boundary, 5>::new();
    let out = *infer.forward(&boundary, &x);
    let mut train = Workspace::<Boundary, 5>::new();
    assert_eq!(&out, train.forward(&boundary, &x));
    assert!(train.cache().0 .1.y.iter().flatten().any(|&v| v == 0.0), "relu clipped some");
}
