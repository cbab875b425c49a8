//! `Dense` + `Sigmoid` neighbours fuse (one kernel for `σ(x·W + b)`, σ′ inside the weight
//! gradient) and give the same step as the two bricks run one after the other: bit-identical
//! with the scalar tier, within f32 rounding on SIMD tiers. The unfused reference wraps each
//! `Dense` in [`Plain`], a brick that runs it through its own `forward`/`backward` only (it
//! inherits `Layer`'s default chain steps, so nothing fuses with it). One test function,
//! because the tier is process-wide.

use rand_core::RngCore;
use stacknet::kernels::{force, reset, Tier};
use stacknet::nn::{ParamKind, Rows};
use stacknet::prelude::*;

/// `L` without its fusion: every `Layer` method but the chain steps delegated.
#[derive(Clone, Copy)]
struct Plain<L>(L);

impl<L: Layer> Layer for Plain<L> {
    type In = L::In;
    type Out = L::Out;
    type Cache<const B: usize> = L::Cache<B>;
    const PARAMS: usize = L::PARAMS;
    const ZERO: Self = Plain(L::ZERO);
    fn zeroed_like(&self) -> Self {
        Plain(self.0.zeroed_like())
    }
    fn forward<const B: usize>(&self, x: &Rows<L::In, B>, cache: &mut L::Cache<B>) {
        self.0.forward(x, cache)
    }
    fn backward<const B: usize>(
        &self,
        x: &Rows<L::In, B>,
        cache: &mut L::Cache<B>,
        dx: Option<&mut Rows<L::In, B>>,
        grads: &mut Self,
    ) {
        self.0.backward(x, cache, dx, &mut grads.0)
    }
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F) {
        self.0.visit(f)
    }
    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F) {
        self.0.visit_mut(f)
    }
    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F) {
        self.0.zip(&other.0, f)
    }
    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        self.0.zip_mut(&other.0, f)
    }
    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F) {
        self.0.zip4(&a.0, &b.0, &c.0, f)
    }
    fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
        &mut self,
        a: &mut Self,
        b: &mut Self,
        c: &Self,
        f: &mut F,
    ) {
        self.0.zip4_mut(&mut a.0, &mut b.0, &c.0, f)
    }
    fn init<R: RngCore + ?Sized>(&mut self, rng: &mut R, scheme: Init) {
        self.0.init(rng, scheme)
    }
}

const B: usize = 300;
type Net = (Dense<2, 50>, Sigmoid<50>, Dense<50, 2>, Sigmoid<2>);
/// Fusable pairs mixed with a non-sigmoid activation and a nested tuple.
type Mixed = ((Dense<2, 7>, Tanh<7>), Dense<7, 9>, Sigmoid<9>, (Dense<9, 2>, Sigmoid<2>));
type PlainNet = (Plain<Dense<2, 50>>, Sigmoid<50>, Plain<Dense<50, 2>>, Sigmoid<2>);
type PlainMixed = ((Plain<Dense<2, 7>>, Tanh<7>), Plain<Dense<7, 9>>, Sigmoid<9>, (Plain<Dense<9, 2>>, Sigmoid<2>));

fn batch() -> ([[f32; 2]; B], [[f32; 2]; B]) {
    let mut rng = stacknet::init::rng(3);
    stacknet::data::xor_batch::<_, B>(&mut rng)
}

fn params<M: Layer>(m: &M) -> Vec<f32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend_from_slice(s));
    v
}

/// Five SGD steps; returns (losses, final parameters, final output).
fn run<M: Layer<In = stacknet::nn::D<2>, Out = stacknet::nn::D<2>>>(
    mut net: M,
    x: &[[f32; 2]; B],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut ws = Workspace::<M, B>::new();
    let mut opt = Sgd::new(0.5).unwrap();
    let obj = Objective::mse_ridge(1e-3).unwrap();
    let (_, yb) = batch();
    let mut losses = Vec::new();
    for _ in 0..5 {
        losses.push(train_step(&mut net, x, &yb, &mut ws, &mut opt, &obj).unwrap().loss);
    }
    let out = ws.forward(&net, x).as_flattened().to_vec();
    (losses, params(&net), out)
}

#[track_caller]
fn close(what: &str, a: &[f32], b: &[f32], exact: bool) {
    assert_eq!(a.len(), b.len());
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        if exact {
            assert_eq!(x.to_bits(), y.to_bits(), "{what}[{i}]: fused {x} vs unfused {y}");
        } else {
            assert!((x - y).abs() <= 1e-5 + 1e-4 * y.abs(), "{what}[{i}]: fused {x} vs unfused {y}");
        }
    }
}

#[test]
fn fused_and_unfused_steps_agree_on_every_tier() {
    let (x, _) = batch();
    let mut rng = stacknet::init::rng(9);
    let mut net: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::Without), Sigmoid);
    net.init(&mut rng, Init::UniformFanIn);
    let mut mixed: Mixed =
        ((Dense::zeros(Bias::With), Tanh), Dense::zeros(Bias::With), Sigmoid, (Dense::zeros(Bias::Without), Sigmoid));
    mixed.init(&mut rng, Init::UniformFanIn);
    let plain_net: PlainNet = (Plain(net.0), net.1, Plain(net.2), net.3);
    let plain_mixed: PlainMixed =
        ((Plain(mixed.0 .0), mixed.0 .1), Plain(mixed.1), mixed.2, (Plain(mixed.3 .0), mixed.3 .1));

    for tier in Tier::ALL.into_iter().filter(|t| t.is_available()) {
        force(tier).unwrap();
        let exact = tier == Tier::Scalar;
        let (lf, pf, of) = run(net, &x);
        let (lu, pu, ou) = run(plain_net, &x);
        close(&format!("{tier:?} net loss"), &lf, &lu, exact);
        close(&format!("{tier:?} net params"), &pf, &pu, exact);
        close(&format!("{tier:?} net output"), &of, &ou, exact);
        let (lf, pf, of) = run(mixed, &x);
        let (lu, pu, ou) = run(plain_mixed, &x);
        close(&format!("{tier:?} mixed loss"), &lf, &lu, exact);
        close(&format!("{tier:?} mixed params"), &pf, &pu, exact);
        close(&format!("{tier:?} mixed output"), &of, &ou, exact);
    }

    // Fusion really happens: a fused Dense leaves its own output buffer unwritten (the
    // activations go straight into the Sigmoid's buffer); unfused, it holds x·W + b.
    reset();
    let mut ws = Workspace::<Net, B>::new();
    ws.forward(&net, &x);
    assert!(ws.cache().0.y.as_flattened().iter().all(|&v| v == 0.0), "fused: Dense output unwritten");
    assert!(ws.cache().1.y.as_flattened().iter().all(|&v| v > 0.0 && v < 1.0));
    let mut ws = Workspace::<PlainNet, B>::new();
    ws.forward(&plain_net, &x);
    assert!(ws.cache().0.y.as_flattened().iter().any(|&v| v != 0.0), "unfused: Dense output written");
    // A Dense before a Tanh runs unfused; before a Sigmoid, inside a nested tuple too, fused.
    let mut ws = Workspace::<Mixed, B>::new();
    ws.forward(&mixed, &x);
    assert!(ws.cache().0 .0.y.as_flattened().iter().any(|&v| v != 0.0), "Dense before Tanh");
    assert!(ws.cache().1.y.as_flattened().iter().all(|&v| v == 0.0), "Dense before Sigmoid");
    assert!(ws.cache().3 .0.y.as_flattened().iter().all(|&v| v == 0.0), "nested Dense before Sigmoid");
}
