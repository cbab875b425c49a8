//! Bad input to the public API answered with a value or a typed error, never a panic: the
//! rows of `docs/failure.md` that no other test file covers, and the regression tests of
//! the fuzzing campaign.

use stacknet::kernels::{self, Mode, ShapeError};
use stacknet::loss::Loss;
use stacknet::nn::Rows;
use stacknet::prelude::*;

/// fuzz/kernels_diff crash 1: `sum_rows` and `add_bias` with zero columns panicked in
/// `chunks_exact(0)`.
#[test]
fn zero_width_bias_kernels_do_not_panic() {
    let mut out: [f32; 0] = [];
    assert_eq!(kernels::Kernels::active().sum_rows(5, 0, &[], &mut out, Mode::Overwrite), Ok(()));
    assert_eq!(kernels::Kernels::active().sum_rows(5, 0, &[], &mut out, Mode::Accumulate), Ok(()));
    assert_eq!(kernels::Kernels::active().add_bias(5, 0, &[], &mut []), Ok(()));
    // And zero rows keep the outputs as the mode says.
    let mut out = [7.0f32; 3];
    assert_eq!(kernels::Kernels::active().sum_rows(0, 3, &[], &mut out, Mode::Accumulate), Ok(()));
    assert_eq!(out, [7.0; 3]);
    assert_eq!(kernels::Kernels::active().sum_rows(0, 3, &[], &mut out, Mode::Overwrite), Ok(()));
    assert_eq!(out, [0.0; 3]);
}

/// Found while fixing the above: softmax cross-entropy over zero classes panicked the same way.
#[test]
fn softmax_over_zero_classes_does_not_panic() {
    let mut g: [f32; 0] = [];
    assert_eq!(Loss::SoftmaxCrossEntropy.eval(4, 0, &[], &[], &mut g), 0.0);
}

/// Every kernel refuses a slice whose length disagrees with its dimensions, naming the
/// operand, and writes nothing.
#[test]
fn kernel_shape_mismatch_is_a_shape_error() {
    let a = [1.0f32; 6];
    let b = [1.0f32; 6];
    let mut c = [9.0f32; 5]; // 2×2 needs 4
    let e = kernels::Kernels::active().matmul(2, 3, 2, &a, &b, &mut c, Mode::Overwrite).unwrap_err();
    assert_eq!(e, ShapeError { kernel: "matmul", operand: "c", expected: 4, actual: 5 });
    assert_eq!(c, [9.0; 5]);
    let e = kernels::Kernels::active().matmul_tn(2, 3, 2, &a[..5], &b, &mut c[..4], Mode::Overwrite).unwrap_err();
    assert_eq!((e.kernel, e.operand, e.expected, e.actual), ("matmul_tn", "a", 6, 5));
    let e = kernels::Kernels::active().matmul_nt(2, 3, 2, &a, &b[..4], &mut c[..4], Mode::Accumulate).unwrap_err();
    assert_eq!((e.kernel, e.operand, e.expected, e.actual), ("matmul_nt", "b", 6, 4));
    assert_eq!(c, [9.0; 5]);
    // Dimensions whose product overflows are a mismatch too, not an overflow panic.
    let e = kernels::Kernels::active().matmul(usize::MAX, 2, 1, &a, &b, &mut c, Mode::Overwrite).unwrap_err();
    assert_eq!((e.operand, e.expected), ("a", usize::MAX));
    let mut y = [0.0f32; 3];
    assert_eq!(kernels::Kernels::active().axpy(1.0, &a, &mut y).unwrap_err().operand, "y");
    assert_eq!(kernels::Kernels::active().sigmoid_backward(&a, &b[..2], &mut y).unwrap_err().operand, "y");
    assert_eq!(kernels::Kernels::active().add_bias(2, 3, &a[..2], &mut c).unwrap_err().operand, "bias");
    assert_eq!(kernels::Kernels::active().sum_rows(2, 3, &a, &mut y[..2], Mode::Overwrite).unwrap_err().operand, "out");
    assert_eq!(y, [0.0; 3]);
}

/// fuzz/train_step crash 1: a gradient whose components are all finite but whose L2 norm
/// exceeds `f32::MAX` made `Clip::Norm` scale by `c / ∞ = 0`, so the step silently did
/// nothing. Now it is scaled to length `c` like any other, and the report says the norm
/// overflowed (`grad_norm = +∞`).
#[test]
fn norm_clipping_survives_a_gradient_norm_above_f32_max() {
    type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
    let mut net: Net =
        (Dense::from_parts([[0.1; 3]; 2], None), Sigmoid, Dense::from_parts([[0.1; 2]; 3], None), Sigmoid);
    // L1 of 2e38 on 12 positive weights: each gradient component ≈ 2e38, the norm ≈ 6.9e38.
    let objective = Objective { loss: Loss::Mse, penalty: Penalty::new(0.0, 2e38).unwrap() };
    let mut opt = Sgd::new(0.1).unwrap().with_clip(Clip::Norm(1.0)).unwrap();
    let mut ws = Workspace::<Net, 1>::new();
    let r = train_step(&mut net, &[[1.0, 1.0]], &[[0.0, 1.0]], &mut ws, &mut opt, &objective).unwrap();
    assert_eq!(r.grad_norm, f32::INFINITY);
    assert!(r.clipped);
    // Every weight moved by η·c/√12 against its (equal) gradient.
    let want = 0.1 - 0.1 / 12f32.sqrt();
    let mut n = 0;
    net.visit(&mut |_, s| {
        for &w in s {
            assert!((w - want).abs() < 1e-6, "weight {w}, want {want}");
            n += 1;
        }
    });
    assert_eq!(n, 12);
}

type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);

fn net() -> Net {
    let mut n: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    n.init(&mut stacknet::init::rng(11), Init::UniformFanIn);
    n
}

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
    v
}

/// Runs one step that must fail; checks the model and step counter are unchanged (the
/// full bit-identity of model and optimizer is `tests/transactional.rs`'s and the
/// `train_step` fuzz target's job) and returns the error.
#[track_caller]
fn failing_step<M: Layer, const B: usize>(
    model: &mut M,
    x: &Rows<M::In, B>,
    y: &Rows<M::Out, B>,
    opt: &mut Sgd,
    objective: &Objective,
) -> StepError {
    let before = bits(model);
    let steps = opt.steps();
    let mut ws = Workspace::<M, B>::new();
    let e = train_step(model, x, y, &mut ws, opt, objective).unwrap_err();
    assert_eq!(bits(model), before);
    assert_eq!(opt.steps(), steps);
    e
}

/// A NaN already in the model (say, written by the caller) never trains silently.
#[test]
fn nan_weight_in_the_model_is_refused() {
    let mut n = net();
    n.2.bias_mut().unwrap()[0] = f32::NAN;
    let mut opt = Sgd::new(0.5).unwrap();
    let (x, y) = stacknet::data::XOR_CORNERS;
    assert_eq!(failing_step(&mut n, &x, &y, &mut opt, &Objective::default()), StepError::NonFiniteLoss);
}

/// σ keeps its contract on the values a sensor spike brings.
#[test]
fn sigmoid_of_special_values() {
    let mut v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 100.0, -100.0, 0.0, -0.0];
    kernels::Kernels::active().sigmoid(&mut v);
    assert!(v[0].is_nan());
    assert_eq!(&v[1..3], &[1.0, 0.0]);
    assert_eq!(v[3], 1.0);
    assert!(v[4] > 0.0 && v[4] < 1e-43);
    assert_eq!(&v[5..], &[0.5, 0.5]);
}

/// Forcing a tier the CPU lacks is an error that changes nothing.
#[test]
fn forcing_an_unavailable_tier_is_refused() {
    use stacknet::kernels::{active, force, Tier, TierUnavailableError};
    let missing = Tier::ALL.into_iter().find(|t| !t.is_available()).expect("no CPU has every tier");
    let before = active();
    assert_eq!(force(missing), Err(TierUnavailableError(missing)));
    assert_eq!(active(), before);
}

/// Inference does not validate: a NaN row gets the class of an argmax where NaN never
/// wins, so class 0 when every output is NaN (it used to be the last class: the NaN won).
/// Check inputs, or train with `train_step`, which refuses them.
#[test]
fn predict_on_nan_input_is_class_zero() {
    let n = net();
    let mut ws = Workspace::<Net, 2>::new();
    let mut p = [7; 2];
    assert_eq!(predict_into(&n, &[[f32::NAN, 0.0], [1.0, 1.0]], &mut ws, &mut p), 2);
    assert_eq!(p[0], 0);
    assert!(ws.output()[0].iter().all(|v| v.is_nan()));
    assert_eq!(argmax(&[f32::NAN, f32::NAN, f32::NAN]), 0);
    assert_eq!(argmax(&[f32::NAN, 1.0, f32::NAN, 1.0]), 1);
    assert_eq!(argmax(&[]), 0);
}

/// Every error type of the crate is a `core::error::Error` (= `std::error::Error`) whose
/// message says what went wrong, so `?` works in a function returning `Box<dyn Error>`.
#[test]
fn every_error_type_is_an_error_with_a_message() {
    use stacknet::kernels::{ShapeError, Tier, TierUnavailableError};
    use stacknet::loss::PenaltyError;
    use stacknet::optim::ConfigError;
    use stacknet::persist::{LoadError, SaveError};
    let shape = ShapeError { kernel: "axpy", operand: "y", expected: 2, actual: 1 };
    let cases: [(&dyn std::error::Error, &str); 19] = [
        (&StepError::NonFiniteLoss, "loss is not finite"),
        (&ConfigError::LearningRate(-1.0), "learning rate must be finite and > 0, got -1"),
        (&ConfigError::Momentum(1.0), "momentum must be in [0, 1), got 1"),
        (&ConfigError::Clip(0.0), "clipping threshold must be finite and > 0, got 0"),
        (&ConfigError::StepDecayEvery(0), "learning-rate schedule: step decay's `every` must be >= 1, got 0"),
        (
            &ConfigError::StepDecayFactor(1.5),
            "learning-rate schedule: step decay's `factor` must be in (0, 1], got 1.5",
        ),
        (
            &ConfigError::ExpDecayRate(f32::NEG_INFINITY),
            "learning-rate schedule: exponential decay's `rate` must be finite and >= 0, got -inf",
        ),
        (&PenaltyError::Ridge(f32::NAN), "ridge (L2) penalty coefficient must be finite and >= 0, got NaN"),
        (&PenaltyError::L1(-0.5), "L1 penalty coefficient must be finite and >= 0, got -0.5"),
        (&TierUnavailableError(Tier::Avx512), "kernel tier `avx512` is not available on this CPU"),
        (&shape, "axpy: `y` has 1 elements, the dimensions need 2"),
        (&ConfigError::Beta1(1.0), "Adam's beta1 must be in [0, 1), got 1"),
        (&ConfigError::Beta2(-0.1), "Adam's beta2 must be in [0, 1), got -0.1"),
        (&ConfigError::Epsilon(0.0), "Adam's epsilon must be finite and > 0, got 0"),
        (&ConfigError::WeightDecay(f32::NAN), "AdamW's weight decay must be finite and >= 0, got NaN"),
        (&SaveError::OptimizerMismatch, "optimizer state is not shaped like the model"),
        (&LoadError::BadMagic, "not a stacknet blob (bad magic)"),
        (&LoadError::UnknownVersion(3), "unknown format version 3 (this build reads 1 to 2)"),
        (&LoadError::NegativeMoment { index: 7 }, "stored value 7, an Adam second moment, is negative"),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), want);
    }
    let boxed: Box<dyn std::error::Error> = Box::new(PenaltyError::Ridge(-1.0));
    assert!(boxed.to_string().contains("-1"));
}
