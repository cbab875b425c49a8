//! `Dense` + `Sigmoid` neighbours fuse (one kernel for `σ(x·W + b)`, σ′ inside the weight
//! gradient); the unfused path stays available (`nn::set_fusion(false)`) and both give the
//! same step: bit-identical with the scalar tier, within f32 rounding on SIMD tiers. One test
//! function, because the tier and the fusion switch are process-wide.

use stacknet::kernels::{force, reset, Tier};
use stacknet::nn::set_fusion;
use stacknet::prelude::*;

const B: usize = 300;
type Net = (Dense<2, 50>, Sigmoid<50>, Dense<50, 2>, Sigmoid<2>);
/// Fusable pairs mixed with a non-sigmoid activation and a nested tuple.
type Mixed = ((Dense<2, 7>, Tanh<7>), Dense<7, 9>, Sigmoid<9>, (Dense<9, 2>, Sigmoid<2>));

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
    fused: bool,
    x: &[[f32; 2]; B],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    set_fusion(fused);
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

    for tier in Tier::ALL.into_iter().filter(|t| t.is_available()) {
        force(tier).unwrap();
        let exact = tier == Tier::Scalar;
        let (lf, pf, of) = run(net, true, &x);
        let (lu, pu, ou) = run(net, false, &x);
        close(&format!("{tier:?} net loss"), &lf, &lu, exact);
        close(&format!("{tier:?} net params"), &pf, &pu, exact);
        close(&format!("{tier:?} net output"), &of, &ou, exact);
        let (lf, pf, of) = run(mixed, true, &x);
        let (lu, pu, ou) = run(mixed, false, &x);
        close(&format!("{tier:?} mixed loss"), &lf, &lu, exact);
        close(&format!("{tier:?} mixed params"), &pf, &pu, exact);
        close(&format!("{tier:?} mixed output"), &of, &ou, exact);
    }

    // Fusion really happens: a fused Dense leaves its own output buffer unwritten (the
    // activations go straight into the Sigmoid's buffer); unfused, it holds x·W + b.
    reset();
    for (fused, untouched) in [(true, true), (false, false)] {
        set_fusion(fused);
        let mut ws = Workspace::<Net, B>::new();
        ws.forward(&net, &x);
        let dense_out = ws.cache().0.y.as_flattened();
        assert_eq!(dense_out.iter().all(|&v| v == 0.0), untouched, "fusion {fused}");
        let act = ws.cache().1.y.as_flattened();
        assert!(act.iter().all(|&v| v > 0.0 && v < 1.0));
    }
    set_fusion(true);
}
