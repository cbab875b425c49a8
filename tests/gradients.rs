//! Every brick's and whole networks' gradients against central finite differences,
//! computed in f64 on an independent f64 re-implementation of the forward pass.
//!
//! Tolerance: |analytic − numeric| ≤ 2e-5 + 2e-3·|numeric| (the analytic side is f32).

use stacknet::loss::{Loss, Objective, Penalty};
use stacknet::nn::{Cache, CacheNew, Dense, Layer, Matrix, Relu, Rows, Sigmoid, Tanh};
use stacknet::prelude::*;

/// The f64 mirror of a brick, for the numeric side.
#[derive(Clone, Copy)]
enum B64 {
    Lin { inp: usize, out: usize, bias: bool },
    Sig,
    Th,
    Re,
}

impl B64 {
    fn n_params(self) -> usize {
        match self {
            B64::Lin { inp, out, bias } => inp * out + if bias { out } else { 0 },
            _ => 0,
        }
    }

    fn forward(self, x: &[f64], rows: usize, p: &[f64]) -> Vec<f64> {
        match self {
            B64::Lin { inp, out, bias } => {
                let mut y = vec![0.0; rows * out];
                for r in 0..rows {
                    for j in 0..out {
                        let mut s = if bias { p[inp * out + j] } else { 0.0 };
                        for i in 0..inp {
                            s += x[r * inp + i] * p[i * out + j];
                        }
                        y[r * out + j] = s;
                    }
                }
                y
            }
            B64::Sig => x.iter().map(|&v| 1.0 / (1.0 + (-v).exp())).collect(),
            B64::Th => x.iter().map(|&v| v.tanh()).collect(),
            B64::Re => x.iter().map(|&v| v.max(0.0)).collect(),
        }
    }
}

fn forward64(spec: &[B64], x: &[f64], rows: usize, params: &[f64]) -> Vec<f64> {
    let mut h = x.to_vec();
    let mut at = 0;
    for b in spec {
        let n = b.n_params();
        h = b.forward(&h, rows, &params[at..at + n]);
        at += n;
    }
    assert_eq!(at, params.len());
    h
}

fn params64<M: Layer>(m: &M) -> Vec<f64> {
    let mut v = Vec::new();
    m.visit(&mut |_, p| v.extend(p.iter().map(|&x| x as f64)));
    v
}

fn weight_mask<M: Layer>(m: &M) -> Vec<bool> {
    let mut v = Vec::new();
    m.visit(&mut |k, p| v.extend(p.iter().map(|_| k == stacknet::nn::ParamKind::Weight)));
    v
}

fn grads32<M: Layer>(g: &M) -> Vec<f32> {
    let mut v = Vec::new();
    g.visit(&mut |_, p| v.extend_from_slice(p));
    v
}

#[track_caller]
fn assert_grad(what: &str, analytic: &[f32], numeric: &[f64]) {
    assert_eq!(analytic.len(), numeric.len(), "{what}: length");
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let tol = 2e-5 + 2e-3 * n.abs();
        assert!(((a as f64) - n).abs() <= tol, "{what}[{i}]: analytic {a}, numeric {n}");
    }
    assert!(numeric.iter().any(|v| v.abs() > 1e-4), "{what}: gradient is trivially zero");
}

/// Central differences of `f` at `p`, in f64.
fn numeric_grad(p: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-6;
    let mut q = p.to_vec();
    (0..p.len())
        .map(|i| {
            q[i] = p[i] + h;
            let up = f(&q);
            q[i] = p[i] - h;
            let down = f(&q);
            q[i] = p[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

fn random_rows<R: Matrix>(seed: u64, scale: f32) -> R {
    let mut rng = stacknet::init::rng(seed);
    let mut m = R::ZERO;
    for v in m.flat_mut() {
        *v = stacknet::sample::uniform_pm1(&mut rng) * scale;
    }
    m
}

/// A brick (or stack) alone, with the loss Σ c⊙y: checks parameter and input gradients.
fn check_brick<M: Layer, const B: usize>(name: &str, model: M, spec: &[B64]) {
    let x: Rows<M::In, B> = random_rows(1, 1.5);
    let c: Rows<M::Out, B> = random_rows(2, 1.0);
    let mut cache = <M::Cache<B> as CacheNew>::ZERO;
    model.forward(&x, &mut cache);
    *cache.output_grad_mut() = c;
    let mut dx = <Rows<M::In, B> as Matrix>::ZERO;
    let mut grads = M::ZERO;
    model.backward(&x, &mut cache, Some(&mut dx), &mut grads);

    let x64: Vec<f64> = x.flat().iter().map(|&v| v as f64).collect();
    let c64: Vec<f64> = c.flat().iter().map(|&v| v as f64).collect();
    let p64 = params64(&model);
    let loss = |x: &[f64], p: &[f64]| forward64(spec, x, B, p).iter().zip(&c64).map(|(y, c)| y * c).sum::<f64>();
    if !p64.is_empty() {
        assert_grad(&format!("{name} params"), &grads32(&grads), &numeric_grad(&p64, |p| loss(&x64, p)));
    }
    assert_grad(&format!("{name} input"), dx.flat(), &numeric_grad(&x64, |x| loss(x, &p64)));
}

fn init<M: Layer>(mut m: M, seed: u64) -> M {
    m.init(&mut stacknet::init::rng(seed), Init::XavierUniform);
    // Xavier leaves biases at zero: give them values so their gradients are tested too.
    let mut rng = stacknet::init::rng(seed + 100);
    m.visit_mut(&mut |k, p| {
        if k == stacknet::nn::ParamKind::Bias {
            for v in p {
                *v = stacknet::sample::uniform_pm1(&mut rng) * 0.5;
            }
        }
    });
    m
}

#[test]
fn dense_with_bias() {
    check_brick::<_, 4>(
        "dense 3x5",
        init(Dense::<3, 5>::zeros(Bias::With), 3),
        &[B64::Lin { inp: 3, out: 5, bias: true }],
    );
}

#[test]
fn dense_without_bias_odd_sizes() {
    check_brick::<_, 7>(
        "dense 7x1",
        init(Dense::<7, 1>::zeros(Bias::Without), 4),
        &[B64::Lin { inp: 7, out: 1, bias: false }],
    );
    check_brick::<_, 1>(
        "dense 1x9",
        init(Dense::<1, 9>::zeros(Bias::Without), 5),
        &[B64::Lin { inp: 1, out: 9, bias: false }],
    );
}

#[test]
fn activations() {
    check_brick::<_, 5>("sigmoid", Sigmoid::<6>, &[B64::Sig]);
    check_brick::<_, 3>("tanh", Tanh::<5>, &[B64::Th]);
    check_brick::<_, 4>("relu", Relu::<7>, &[B64::Re]);
}

#[test]
fn stacks_of_every_arity_and_nesting() {
    use B64::*;
    check_brick::<_, 4>(
        "2-3-2",
        init((Dense::<2, 3>::zeros(Bias::With), Sigmoid::<3>, Dense::<3, 2>::zeros(Bias::With), Sigmoid::<2>), 6),
        &[Lin { inp: 2, out: 3, bias: true }, Sig, Lin { inp: 3, out: 2, bias: true }, Sig],
    );
    check_brick::<_, 3>(
        "six bricks",
        init(
            (
                Dense::<5, 7>::zeros(Bias::With),
                Tanh::<7>,
                Dense::<7, 3>::zeros(Bias::Without),
                Relu::<3>,
                Dense::<3, 2>::zeros(Bias::With),
                Sigmoid::<2>,
            ),
            7,
        ),
        &[
            Lin { inp: 5, out: 7, bias: true },
            Th,
            Lin { inp: 7, out: 3, bias: false },
            Re,
            Lin { inp: 3, out: 2, bias: true },
            Sig,
        ],
    );
    check_brick::<_, 5>(
        "nested",
        init(((Dense::<2, 4>::zeros(Bias::With), Sigmoid::<4>), (Dense::<4, 1>::zeros(Bias::With), Sigmoid::<1>)), 8),
        &[Lin { inp: 2, out: 4, bias: true }, Sig, Lin { inp: 4, out: 1, bias: true }, Sig],
    );
    check_brick::<_, 2>(
        "three bricks",
        init((Dense::<3, 3>::zeros(Bias::With), Tanh::<3>, Dense::<3, 4>::zeros(Bias::With)), 9),
        &[Lin { inp: 3, out: 3, bias: true }, Th, Lin { inp: 3, out: 4, bias: true }],
    );
}

/// The whole objective (loss + penalties) through `train_step`, whose workspace keeps the
/// gradients it applied.
fn check_objective<M: Layer, const B: usize>(
    name: &str,
    model: M,
    spec: &[B64],
    objective: Objective,
    y: Rows<M::Out, B>,
) {
    let x: Rows<M::In, B> = random_rows(11, 2.0);
    let mut ws = Workspace::<M, B>::new();
    let mut stepped = model;
    let mut opt = Sgd::new(0.1).unwrap();
    let report = train_step(&mut stepped, &x, &y, &mut ws, &mut opt, &objective).unwrap();

    let x64: Vec<f64> = x.flat().iter().map(|&v| v as f64).collect();
    let y64: Vec<f64> = y.flat().iter().map(|&v| v as f64).collect();
    let mask = weight_mask(&model);
    let cols = <Rows<M::Out, B> as Matrix>::COLS;
    let (l2, l1) = (objective.penalty.l2() as f64, objective.penalty.l1() as f64);
    let f = |p: &[f64]| {
        let h = forward64(spec, &x64, B, p);
        let data = match objective.loss {
            Loss::Mse => h.iter().zip(&y64).map(|(h, y)| (h - y) * (h - y)).sum::<f64>() / (2.0 * B as f64),
            Loss::SoftmaxCrossEntropy => {
                let mut s = 0.0;
                for (h, y) in h.chunks(cols).zip(y64.chunks(cols)) {
                    let m = h.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let lz = h.iter().map(|v| (v - m).exp()).sum::<f64>().ln() + m;
                    s -= h.iter().zip(y).map(|(h, y)| y * (h - lz)).sum::<f64>();
                }
                s / B as f64
            }
        };
        let (sq, abs) =
            p.iter().zip(&mask).filter(|(_, &w)| w).fold((0.0, 0.0), |(s, a), (v, _)| (s + v * v, a + v.abs()));
        data + l2 * sq / (2.0 * B as f64) + l1 * abs / B as f64
    };
    let p64 = params64(&model);
    assert!((report.loss as f64 - f(&p64)).abs() <= 1e-5 * (1.0 + f(&p64).abs()), "{name}: loss");
    assert_grad(name, &grads32(ws.grads()), &numeric_grad(&p64, f));
}

#[test]
fn mse_with_ridge_article_net() {
    use B64::*;
    let y = stacknet::data::XOR_CORNERS.1;
    for bias in [false, true] {
        let net = init(
            (
                Dense::<2, 3>::zeros(Bias::from(bias)),
                Sigmoid::<3>,
                Dense::<3, 2>::zeros(Bias::from(bias)),
                Sigmoid::<2>,
            ),
            12,
        );
        check_objective::<_, 4>(
            "mse+ridge",
            net,
            &[Lin { inp: 2, out: 3, bias }, Sig, Lin { inp: 3, out: 2, bias }, Sig],
            Objective::mse_ridge(0.3).unwrap(),
            y,
        );
    }
}

#[test]
fn softmax_cross_entropy_with_l1_and_ridge() {
    use B64::*;
    let labels = [0usize, 3, 1, 2, 2, 0];
    let y: [[f32; 4]; 6] = core::array::from_fn(|r| core::array::from_fn(|c| f32::from(u8::from(labels[r] == c))));
    let net = init((Dense::<3, 5>::zeros(Bias::With), Tanh::<5>, Dense::<5, 4>::zeros(Bias::With)), 13);
    check_objective::<_, 6>(
        "softmax-ce+l1",
        net,
        &[Lin { inp: 3, out: 5, bias: true }, Th, Lin { inp: 5, out: 4, bias: true }],
        Objective { loss: Loss::SoftmaxCrossEntropy, penalty: Penalty::new(0.2, 0.05).unwrap() },
        y,
    );
}

/// Cross-entropy against targets that are not one-hot: soft labels summing to 1, and rows
/// summing to 0.6 and to 1.7 (the loss `−Σ y·log softmax(h)/B` is defined for any targets;
/// its gradient is `(s·softmax(h) − y)/B` with `s = Σy` per row, not `softmax(h) − y`).
#[test]
fn softmax_cross_entropy_with_targets_not_summing_to_one() {
    use B64::*;
    let spec = [Lin { inp: 3, out: 5, bias: true }, Th, Lin { inp: 5, out: 4, bias: true }];
    let soft: [[f32; 4]; 5] = [
        [0.7, 0.1, 0.1, 0.1],
        [0.25, 0.25, 0.25, 0.25],
        [0.0, 0.9, 0.05, 0.05],
        [0.5, 0.0, 0.5, 0.0],
        [0.1, 0.2, 0.3, 0.4],
    ];
    // Each row of `soft` scaled to sum to 0.6, then to 1.7 (row sums checked in f64).
    let scaled = |t: f32| soft.map(|r| r.map(|v| v * t));
    for (what, y, sum) in
        [("soft", soft, 1.0), ("rows sum to 0.6", scaled(0.6), 0.6), ("rows sum to 1.7", scaled(1.7), 1.7)]
    {
        for r in &y {
            let s: f64 = r.iter().map(|&v| f64::from(v)).sum();
            assert!((s - sum).abs() < 1e-6, "{what}: row sums to {s}");
        }
        for penalty in [Penalty::NONE, Penalty::new(0.2, 0.05).unwrap()] {
            let net = init((Dense::<3, 5>::zeros(Bias::With), Tanh::<5>, Dense::<5, 4>::zeros(Bias::With)), 14);
            check_objective::<_, 5>(
                &format!("softmax-ce, {what}, {penalty:?}"),
                net,
                &spec,
                Objective { loss: Loss::SoftmaxCrossEntropy, penalty },
                y,
            );
        }
    }
}

/// Softmax over one column is 1 whatever the logit, so the cross-entropy is 0 for any
/// target and its gradient is exactly 0: a step moves the weights by the penalty alone and
/// leaves the biases bit-identical.
#[test]
fn softmax_cross_entropy_over_one_column_has_zero_gradient() {
    type Net = (Dense<3, 4>, Tanh<4>, Dense<4, 1>);
    let x: Rows<stacknet::nn::D<3>, 6> = random_rows(21, 2.0);
    let y: [[f32; 1]; 6] = [[1.0], [0.0], [0.6], [1.7], [-0.5], [3.0]];
    let net = init((Dense::<3, 4>::zeros(Bias::With), Tanh::<4>, Dense::<4, 1>::zeros(Bias::With)), 15);
    let mut ws = Workspace::<Net, 6>::new();

    // No penalty: loss 0, every gradient component ±0, weights and biases bit-identical.
    let mut stepped = net;
    let mut opt = Sgd::new(0.5).unwrap();
    let plain = Objective { loss: Loss::SoftmaxCrossEntropy, penalty: Penalty::NONE };
    let r = train_step(&mut stepped, &x, &y, &mut ws, &mut opt, &plain).unwrap();
    assert_eq!((r.loss, r.data_loss, r.grad_norm), (0.0, 0.0, 0.0));
    assert!(grads32(ws.grads()).iter().all(|&g| g == 0.0), "{:?}", grads32(ws.grads()));
    let bits = |m: &Net| grads32(m).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&stepped), bits(&net));

    // Ridge λ: each weight becomes w − η·(λ/B)·w (within one rounding of the f64 value),
    // each bias stays as it was, bit for bit.
    let (lr, lambda) = (0.5f32, 0.3f32);
    let mut stepped = net;
    let mut opt = Sgd::new(lr).unwrap();
    let ridge = Objective { loss: Loss::SoftmaxCrossEntropy, penalty: Penalty::ridge(lambda).unwrap() };
    let r = train_step(&mut stepped, &x, &y, &mut ws, &mut opt, &ridge).unwrap();
    assert_eq!(r.data_loss, 0.0);
    let (before, after, mask) = (params64(&net), params64(&stepped), weight_mask(&net));
    let shrink = 1.0 - f64::from(lr) * f64::from(lambda) / 6.0;
    for (i, ((&w, &w1), &is_weight)) in before.iter().zip(&after).zip(&mask).enumerate() {
        if is_weight {
            let want = w * shrink;
            assert!((w1 - want).abs() <= 2.0 * f64::from(f32::EPSILON) * want.abs(), "[{i}]: {w1} vs {want}");
        } else {
            assert_eq!(w1.to_bits(), w.to_bits(), "bias [{i}] moved");
        }
    }
    assert!(mask.iter().any(|&m| !m) && before.iter().zip(&after).any(|(a, b)| a != b));
}

/// Ridge with λ = f32::MAX: the coefficient `λ/(2B)` is representable, and so are the
/// penalty, its gradient `λ·w/B` and the update for small weights, so the step must succeed
/// and match the f64 values; with weights whose true penalty exceeds f32::MAX the step is
/// refused as `NonFiniteLoss`, and nothing changes.
#[test]
fn ridge_with_the_largest_lambda() {
    use B64::*;
    type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
    const B: usize = 5;
    let spec = [Lin { inp: 2, out: 3, bias: true }, Sig, Lin { inp: 3, out: 2, bias: true }, Sig];
    let x: Rows<stacknet::nn::D<2>, B> = random_rows(31, 2.0);
    let y: Rows<stacknet::nn::D<2>, B> = random_rows(32, 1.0);
    let (x64, y64): (Vec<f64>, Vec<f64>) =
        (x.flat().iter().map(|&v| v.into()).collect(), y.flat().iter().map(|&v| v.into()).collect());
    let data = |p: &[f64]| {
        let h = forward64(&spec, &x64, B, p);
        h.iter().zip(&y64).map(|(h, y)| (h - y) * (h - y)).sum::<f64>() / (2.0 * B as f64)
    };
    let lambda = f32::MAX;
    let objective = Objective::mse_ridge(lambda).unwrap();
    let scaled = |s: f32| {
        let mut n =
            init((Dense::<2, 3>::zeros(Bias::With), Sigmoid::<3>, Dense::<3, 2>::zeros(Bias::With), Sigmoid::<2>), 16);
        n.visit_mut(&mut |k, p| {
            if k == stacknet::nn::ParamKind::Weight {
                p.iter_mut().for_each(|v| *v *= s);
            }
        });
        n
    };
    let sq = |m: &Net| params64(m).iter().zip(weight_mask(m)).filter(|(_, w)| *w).map(|(v, _)| v * v).sum::<f64>();

    // Σw² ≈ 1e-5: penalty ≈ 3e32, weight gradients ≈ 7e34, new weights ≈ −7e33.
    let small = scaled(1e-3);
    check_largest_lambda(small, &data, objective, 0.1, &x, &y);
    // Σw² = 7.9: penalty ≈ 0.79·f32::MAX, gradient norm ≈ 0.56·f32::MAX, all finite.
    let near = scaled((7.9 / sq(&scaled(1.0))).sqrt() as f32);
    assert!((sq(&near) - 7.9).abs() < 1e-5);
    check_largest_lambda(near, &data, objective, 1e-37, &x, &y);

    // Σw² ≈ 108: the true penalty is ≈ 13.5·f32::MAX, so the loss is refused.
    let mut model: Net = scaled(1.0);
    model.visit_mut(&mut |_, p| p.iter_mut().for_each(|v| *v = 3.0));
    let want = sq(&model) * f64::from(lambda) / (2.0 * B as f64);
    assert!(want > f64::from(f32::MAX), "{want}");
    assert_eq!(objective.penalty.value(&model, B), f32::INFINITY);
    let before = grads32(&model).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let (mut ws, mut opt) = (Workspace::<Net, B>::new(), Sgd::new(0.1).unwrap());
    assert_eq!(train_step(&mut model, &x, &y, &mut ws, &mut opt, &objective), Err(StepError::NonFiniteLoss));
    assert_eq!(grads32(&model).iter().map(|v| v.to_bits()).collect::<Vec<_>>(), before);
    assert_eq!(opt.steps(), 0);
}

/// One step of [`ridge_with_the_largest_lambda`] at `model`: penalty, loss, gradient and
/// new parameters against f64 (data gradient by central differences, penalty analytic).
fn check_largest_lambda<M: Layer, const B: usize>(
    model: M,
    data: &dyn Fn(&[f64]) -> f64,
    objective: Objective,
    lr: f32,
    x: &Rows<M::In, B>,
    y: &Rows<M::Out, B>,
) {
    let (p64, mask) = (params64(&model), weight_mask(&model));
    let lambda = f64::from(objective.penalty.l2());
    let sq: f64 = p64.iter().zip(&mask).filter(|(_, &w)| w).map(|(v, _)| v * v).sum();
    let penalty = lambda * sq / (2.0 * B as f64);
    let got = objective.penalty.value(&model, B);
    assert!((f64::from(got) - penalty).abs() <= 1e-6 * penalty, "penalty {got} vs {penalty}");

    let (mut ws, mut opt) = (Workspace::<M, B>::new(), Sgd::new(lr).unwrap());
    let mut stepped = model;
    let r = train_step(&mut stepped, x, y, &mut ws, &mut opt, &objective).unwrap();
    let want_loss = data(&p64) + penalty;
    assert!(
        r.loss.is_finite() && (f64::from(r.loss) - want_loss).abs() <= 1e-6 * want_loss,
        "{} vs {want_loss}",
        r.loss
    );

    let data_grad = numeric_grad(&p64, data);
    let want_grad: Vec<f64> = data_grad
        .iter()
        .zip(&p64)
        .zip(&mask)
        .map(|((g, p), &w)| g + if w { lambda * p / B as f64 } else { 0.0 })
        .collect();
    assert_grad("ridge λ = f32::MAX", &grads32(ws.grads()), &want_grad);

    let lr = f64::from(lr);
    for (i, ((&p1, &p), &g)) in params64(&stepped).iter().zip(&p64).zip(&want_grad).enumerate() {
        let want = p - lr * g;
        assert!(p1.is_finite() && (p1 - want).abs() <= 1e-6 + 1e-5 * want.abs(), "param [{i}]: {p1} vs {want}");
    }
}
