//! A failed training step leaves model and optimizer bit-identical; bad hyperparameters
//! are refused when the optimizer is built.

use stacknet::loss::{Penalty, PenaltyError};
use stacknet::nn::Layer;
use stacknet::optim::{ConfigError, Momentum};
use stacknet::prelude::*;

type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
type Deep = (Dense<2, 4>, Relu<4>, Dense<4, 2>);

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.visit(&mut |_, p| v.extend(p.iter().map(|x| x.to_bits())));
    v
}

fn net(seed: u64) -> Net {
    let mut n: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    n.init(&mut stacknet::init::rng(seed), Init::UniformFanIn);
    n
}

/// Takes a few good steps (so momentum holds a velocity), then the bad one; checks the error
/// and that nothing changed.
fn assert_refused<M, const B: usize>(
    mut model: M,
    good: (&[[f32; 2]; B], &stacknet::nn::Rows<M::Out, B>),
    bad: (&[[f32; 2]; B], &stacknet::nn::Rows<M::Out, B>),
    lr: f32,
    objective: Objective,
    want: StepError,
) where
    M: Layer<In = stacknet::nn::D<2>>,
{
    let mut ws = Workspace::<M, B>::new();
    let mut opt = Sgd::new(lr).unwrap().with_momentum(0.9, &model).unwrap();
    for _ in 0..3 {
        train_step(&mut model, good.0, good.1, &mut ws, &mut opt, &Objective::default()).unwrap();
    }
    let (before, v_before, opt_before) = (bits(&model), bits(&opt.velocity().0), opt);
    let err = train_step(&mut model, bad.0, bad.1, &mut ws, &mut opt, &objective).unwrap_err();
    assert_eq!(err, want);
    assert_eq!(bits(&model), before, "model changed");
    assert_eq!(bits(&opt.velocity().0), v_before, "velocity changed");
    assert_eq!(opt.steps(), opt_before.steps(), "step counter changed");
    let Momentum(_) = opt.velocity();
}

#[test]
fn nan_and_infinity_in_the_batch() {
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut bad_x = x;
    bad_x[2][1] = f32::NAN;
    assert_refused(
        net(1),
        (&x, &y),
        (&bad_x, &y),
        0.5,
        Objective::default(),
        StepError::NonFiniteInput { row: 2, col: 1 },
    );
    bad_x = x;
    bad_x[0][0] = f32::NEG_INFINITY;
    assert_refused(
        net(1),
        (&x, &y),
        (&bad_x, &y),
        0.5,
        Objective::default(),
        StepError::NonFiniteInput { row: 0, col: 0 },
    );
    let mut bad_y = y;
    bad_y[3][0] = f32::INFINITY;
    assert_refused(
        net(1),
        (&x, &y),
        (&x, &bad_y),
        0.5,
        Objective::default(),
        StepError::NonFiniteTarget { row: 3, col: 0 },
    );
}

#[test]
fn exploding_loss() {
    let (x, y) = stacknet::data::XOR_CORNERS;
    // Inputs near f32::MAX through a linear output: the loss overflows.
    let huge = [[3e38, 3e38]; 4];
    let mut deep: Deep = (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With));
    deep.init(&mut stacknet::init::rng(2), Init::HeNormal);
    assert_refused(deep, (&x, &y), (&huge, &y), 0.1, Objective::default(), StepError::NonFiniteLoss);
    // A ridge penalty that overflows on large (finite) weights.
    let mut big = net(3);
    big.0.weights_mut()[0][0] = 1e20;
    assert_refused(big, (&x, &y), (&x, &y), 1e-30, Objective::mse_ridge(1e10).unwrap(), StepError::NonFiniteLoss);
}

#[test]
fn non_finite_gradient_with_finite_loss() {
    let (x, y) = stacknet::data::XOR_CORNERS;
    // relu(3e38·1e-38) = 3, times 10 gives a finite output and loss, but dW1 = x·G1 overflows.
    let mut deep: Deep = (Dense::zeros(Bias::Without), Relu, Dense::zeros(Bias::Without));
    deep.0.weights_mut().iter_mut().for_each(|r| r.fill(1e-38));
    deep.2.weights_mut().iter_mut().for_each(|r| r.fill(10.0));
    let huge = [[3e38, 0.0]; 4];
    assert_refused(deep, (&x, &y), (&huge, &y), 1e-30, Objective::default(), StepError::NonFiniteGradient { index: 0 });
}

#[test]
fn overflowing_update() {
    let (x, _) = stacknet::data::XOR_CORNERS;
    // Far targets through a linear output: gradients in the hundreds, times lr = 1e37.
    let far = [[1000.0, 1000.0]; 4];
    let mut deep: Deep = (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With));
    deep.init(&mut stacknet::init::rng(4), Init::HeNormal);
    let mut ws = Workspace::<Deep, 4>::new();
    let mut opt = Sgd::new(1e37).unwrap();
    let before = bits(&deep);
    let err = train_step(&mut deep, &x, &far, &mut ws, &mut opt, &Objective::default()).unwrap_err();
    assert!(matches!(err, StepError::NonFiniteUpdate { .. }), "{err:?}");
    assert_eq!(bits(&deep), before);
    assert_eq!(opt.steps(), 0);
}

#[test]
fn a_refused_step_can_be_followed_by_good_ones() {
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    let mut model = net(5);
    let mut opt = Sgd::new(0.5).unwrap();
    let mut twin = model;
    let mut twin_opt = opt;
    let mut twin_ws = Workspace::<Net, 4>::new();
    let mut bad = x;
    bad[1][1] = f32::NAN;
    assert!(train_step(&mut model, &bad, &y, &mut ws, &mut opt, &Objective::default()).is_err());
    for _ in 0..5 {
        let a = train_step(&mut model, &x, &y, &mut ws, &mut opt, &Objective::default()).unwrap();
        let b = train_step(&mut twin, &x, &y, &mut twin_ws, &mut twin_opt, &Objective::default()).unwrap();
        assert_eq!(a.loss.to_bits(), b.loss.to_bits());
    }
    assert_eq!(bits(&model), bits(&twin));
}

#[test]
fn bad_hyperparameters_are_refused_at_build_time() {
    for lr in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        assert!(matches!(Sgd::new(lr), Err(ConfigError::LearningRate(_))), "lr {lr}");
    }
    let sgd = Sgd::new(0.1).unwrap();
    for c in [0.0, -2.0, f32::NAN, f32::INFINITY] {
        assert!(matches!(sgd.with_clip(Clip::Norm(c)), Err(ConfigError::Clip(_))), "clip {c}");
        assert!(matches!(sgd.with_clip(Clip::Value(c)), Err(ConfigError::Clip(_))), "clip {c}");
    }
    for mu in [-0.1, 1.0, f32::NAN] {
        assert!(matches!(sgd.with_momentum(mu, &net(0)), Err(ConfigError::Momentum(_))), "momentum {mu}");
    }
    for (s, want) in [
        (Schedule::StepDecay { every: 0, factor: 0.5 }, ConfigError::StepDecayEvery(0)),
        (Schedule::StepDecay { every: 10, factor: 0.0 }, ConfigError::StepDecayFactor(0.0)),
        (Schedule::StepDecay { every: 10, factor: 1.5 }, ConfigError::StepDecayFactor(1.5)),
        (Schedule::StepDecay { every: 10, factor: f32::INFINITY }, ConfigError::StepDecayFactor(f32::INFINITY)),
        (Schedule::ExpDecay { rate: -1.0 }, ConfigError::ExpDecayRate(-1.0)),
    ] {
        assert_eq!(sgd.with_schedule(s), Err(want), "{s:?}");
    }
    let nan = sgd.with_schedule(Schedule::ExpDecay { rate: f32::NAN });
    assert!(matches!(nan, Err(ConfigError::ExpDecayRate(r)) if r.is_nan()));
    for l in [-1e-3, f32::NAN, f32::INFINITY] {
        assert!(matches!(Penalty::ridge(l), Err(PenaltyError::Ridge(_))));
        assert!(matches!(Penalty::new(0.0, l), Err(PenaltyError::L1(_))));
    }
}
