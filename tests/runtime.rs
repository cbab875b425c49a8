//! Run-time described networks (`stacknet::runtime`) against the const-generic bricks: the
//! same training trajectory bit for bit on every tier (the scalar one and the best one
//! included), gradients against finite differences, refused steps that change nothing,
//! blobs that load both ways, prediction on a read-only model, and typed errors for bad
//! descriptions and buffers.

use stacknet::kernels::{self, Tier};
use stacknet::loss::Penalty;
use stacknet::prelude::*;
use stacknet::runtime::{Buffer, LayerSpec, Net, OptimizerSpec, RunError, SpecError, MAX_LAYERS};

/// Held by every test here: some force the scalar tier, which is global to the process.
static TIER_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    TIER_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` on the scalar tier, then back on the best tier.
fn on_scalar<T>(f: impl FnOnce() -> T) -> T {
    kernels::force(Tier::Scalar).unwrap();
    let out = f();
    kernels::reset();
    out
}

fn params<M: Layer>(m: &M) -> Vec<f32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend_from_slice(s));
    v
}

fn short<T>(which: Buffer, needed: usize, got: usize) -> Result<T, RunError> {
    Err(RunError::Buffer { which, needed, got })
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn flat<const N: usize>(rows: &[[f32; N]]) -> Vec<f32> {
    rows.iter().flatten().copied().collect()
}

/// Buffers of a run-time network, sized by its memory query.
struct Bufs {
    model: Vec<f32>,
    state: Vec<f32>,
    scratch: Vec<f32>,
}

fn bufs(net: &Net) -> Bufs {
    let m = net.memory();
    assert_eq!((m.model.bytes, m.model.align), (4 * m.model.floats, 4));
    Bufs {
        model: vec![0.0; m.model.floats],
        state: vec![0.0; m.optimizer.floats],
        scratch: vec![0.0; m.scratch.floats],
    }
}

fn dense(inputs: usize, outputs: usize) -> LayerSpec {
    LayerSpec::Dense { inputs, outputs, bias: Bias::With }
}

type Xor = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
const XOR_SPEC: [LayerSpec; 4] = [
    LayerSpec::Dense { inputs: 2, outputs: 10, bias: Bias::With },
    LayerSpec::Sigmoid,
    LayerSpec::Dense { inputs: 10, outputs: 2, bias: Bias::With },
    LayerSpec::Sigmoid,
];

/// The 2-10-2 sigmoid network trained `steps` steps both ways (MSE + ridge, SGD with a
/// schedule, clipping and momentum as given); returns the largest relative difference of the
/// final weights and whether every step's loss and weights were bit-identical.
fn xor_both_ways(momentum: Option<f32>, steps: usize) -> (f32, bool) {
    let mut rng = stacknet::init::rng(7);
    let mut net: Xor = Layer::random(&mut rng, Init::UniformFanIn);
    let (x, y) = stacknet::data::xor_batch::<_, 64>(&mut rng);
    let objective = Objective::mse_ridge(1e-4).unwrap();
    let sgd = Sgd::new(2.0)
        .unwrap()
        .with_schedule(Schedule::ExpDecay { rate: 1e-3 })
        .unwrap()
        .with_clip(Clip::Norm(4.0))
        .unwrap();
    let spec = match momentum {
        Some(mu) => OptimizerSpec::SgdMomentum(sgd, mu),
        None => OptimizerSpec::Sgd(sgd),
    };
    let rt = Net::new(&XOR_SPEC, 64, objective, spec).unwrap();
    let mut b = bufs(&rt);
    rt.init(&mut b.model, &mut stacknet::init::rng(7), Init::UniformFanIn).unwrap();
    assert_eq!(bits(&b.model), bits(&params(&net)), "the same draws as Layer::random");
    let (xf, yf) = (flat(&x), flat(&y));
    let mut ws = Workspace::<Xor, 64>::new();
    let mut identical = true;
    let mut plain = sgd;
    let mut with_mu = sgd.with_momentum(momentum.unwrap_or(0.0), &net).unwrap();
    for _ in 0..steps {
        let want = match momentum {
            Some(_) => train_step(&mut net, &x, &y, &mut ws, &mut with_mu, &objective).unwrap(),
            None => train_step(&mut net, &x, &y, &mut ws, &mut plain, &objective).unwrap(),
        };
        let got = rt.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap();
        identical &= got.loss.to_bits() == want.loss.to_bits() && got.step == want.step;
        identical &= bits(&b.model) == bits(&params(&net));
    }
    let want = params(&net);
    let diff = b.model.iter().zip(&want).map(|(a, w)| (a - w).abs() / w.abs().max(1.0)).fold(0.0f32, f32::max);
    (diff, identical)
}

/// On every tier (the scalar one included) the run-time path runs what the bricks run (the scalar tier's kernels
/// where the bricks inline a small product), so the trajectories stay bit-identical.
#[test]
fn xor_trains_bit_identically_on_every_tier() {
    let _l = lock();
    for tier in available_tiers() {
        for momentum in [None, Some(0.9)] {
            kernels::force(tier).unwrap();
            let (diff, identical) = xor_both_ways(momentum, 300);
            kernels::reset();
            assert!(identical && diff == 0.0, "{tier:?} {momentum:?}: {diff:e}");
        }
    }
}

/// The best tier, unforced, as a program runs it.
#[test]
fn xor_trains_bit_identically_on_the_active_tier() {
    let _l = lock();
    kernels::reset();
    let (diff, identical) = xor_both_ways(Some(0.9), 300);
    assert!(identical && diff == 0.0, "{diff:e}");
}

fn available_tiers() -> Vec<Tier> {
    Tier::ALL.into_iter().filter(|t| t.is_available()).collect()
}

type Classifier = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Tanh<8>, Dense<8, 3>);
const CLASSIFIER_SPEC: [LayerSpec; 5] =
    [dense_c(4, 16), LayerSpec::Relu, dense_c(16, 8), LayerSpec::Tanh, dense_c(8, 3)];

const fn dense_c(inputs: usize, outputs: usize) -> LayerSpec {
    LayerSpec::Dense { inputs, outputs, bias: Bias::With }
}

fn classes(rng: &mut impl rand_core::RngCore) -> ([[f32; 4]; 32], [[f32; 3]; 32]) {
    let mut x = [[0.0f32; 4]; 32];
    let mut y = [[0.0f32; 3]; 32];
    for (x, y) in x.iter_mut().zip(&mut y) {
        let c = (rng.next_u32() % 3) as usize;
        for (j, v) in x.iter_mut().enumerate() {
            *v = (rng.next_u32() % 1000) as f32 / 1000.0 + if j == c { 1.0 } else { 0.0 };
        }
        y[c] = 1.0;
    }
    (x, y)
}

/// The 4-16-8-3 ReLU/tanh network with softmax cross-entropy (+ ridge and L1) and AdamW,
/// both ways: (largest relative weight difference, bit-identical weights, moments and losses).
fn classifier_both_ways(steps: usize) -> (f32, bool) {
    let mut rng = stacknet::init::rng(1);
    let mut net: Classifier = Layer::random(&mut rng, Init::HeNormal);
    let (x, y) = classes(&mut rng);
    let objective = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(1e-3, 1e-4).unwrap());
    let mut opt = Adam::new(0.01, &net).unwrap().with_weight_decay(1e-2).unwrap().with_clip(Clip::Value(1.0)).unwrap();
    let settings = Adam::settings(0.01).unwrap().with_weight_decay(1e-2).unwrap().with_clip(Clip::Value(1.0)).unwrap();
    let rt = Net::new(&CLASSIFIER_SPEC, 32, objective, OptimizerSpec::Adam(settings)).unwrap();
    let mut b = bufs(&rt);
    rt.init(&mut b.model, &mut stacknet::init::rng(1), Init::HeNormal).unwrap();
    assert_eq!(bits(&b.model), bits(&params(&net)));
    let (xf, yf) = (flat(&x), flat(&y));
    let mut ws = Workspace::<Classifier, 32>::new();
    let mut identical = true;
    for _ in 0..steps {
        let want = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
        let got = rt.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap();
        identical &= got.loss.to_bits() == want.loss.to_bits() && got.grad_norm.to_bits() == want.grad_norm.to_bits();
        let (m, v) = opt.moments();
        let moments: Vec<f32> = params(m).into_iter().chain(params(v)).collect();
        identical &= bits(&b.state[2..]) == bits(&moments) && bits(&b.model) == bits(&params(&net));
    }
    assert_eq!(rt.steps(&b.state).unwrap(), opt.steps());
    let want = params(&net);
    let diff = b.model.iter().zip(&want).map(|(a, w)| (a - w).abs() / w.abs().max(1.0)).fold(0.0f32, f32::max);
    (diff, identical)
}

#[test]
fn classifier_with_adam_trains_bit_identically_on_every_tier() {
    let _l = lock();
    for tier in available_tiers() {
        kernels::force(tier).unwrap();
        let (diff, identical) = classifier_both_ways(200);
        kernels::reset();
        assert!(identical && diff == 0.0, "{tier:?}: {diff:e}");
    }
}

/// The gradient of one step (plain SGD without clipping leaves it in the scratch's last
/// `params` values) against central differences of `Net::loss` in f64 steps of the weights.
fn check_gradient(layers: &[LayerSpec], objective: Objective, y: &[f32]) {
    let rows = 4;
    let net = Net::new(layers, rows, objective, OptimizerSpec::Sgd(Sgd::new(1e-3).unwrap())).unwrap();
    let mut b = bufs(&net);
    net.init(&mut b.model, &mut stacknet::init::rng(11), Init::XavierUniform).unwrap();
    let x: Vec<f32> = (0..rows * net.inputs()).map(|i| ((i * 37 % 17) as f32 - 8.0) / 8.0).collect();
    let model0 = b.model.clone();
    net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &x, y).unwrap();
    let grads = b.scratch[b.scratch.len() - net.params()..].to_vec();
    let mut scratch = vec![0.0; net.predict_scratch_floats(rows) + y.len()];
    let loss = |m: &[f32], s: &mut [f32]| f64::from(net.loss(m, &x, y, s).unwrap());
    for (i, &g) in grads.iter().enumerate() {
        let h = 1e-2f32;
        let (mut up, mut down) = (model0.clone(), model0.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (loss(&up, &mut scratch) - loss(&down, &mut scratch)) / f64::from(2.0 * h);
        let err = (fd - f64::from(g)).abs();
        assert!(err <= 2e-3 + 2e-2 * fd.abs(), "{layers:?} {objective:?} parameter {i}: {g} vs {fd}");
    }
}

#[test]
fn gradients_match_finite_differences_for_every_layer_kind_and_loss() {
    let _l = lock();
    let y_mse: Vec<f32> = (0..8).map(|i| (i % 3) as f32 / 2.0).collect();
    let y_ce: Vec<f32> = (0..8).map(|i| if i % 2 == (i / 2) % 2 { 1.0 } else { 0.0 }).collect();
    let penalties = [Penalty::NONE, Penalty::new(0.05, 0.01).unwrap()];
    let no_bias = LayerSpec::Dense { inputs: 5, outputs: 2, bias: Bias::Without };
    for act in [LayerSpec::Sigmoid, LayerSpec::Tanh, LayerSpec::Relu] {
        for p in penalties {
            let mse = Objective::new(Loss::Mse, p);
            check_gradient(&[dense(3, 5), act, dense(5, 2), act], mse, &y_mse);
            check_gradient(&[dense(3, 5), act, no_bias], Objective::new(Loss::SoftmaxCrossEntropy, p), &y_ce);
        }
    }
}

#[test]
fn a_refused_step_leaves_model_and_optimizer_bit_identical() {
    let _l = lock();
    let objective = Objective::softmax_cross_entropy();
    let net = Net::new(&CLASSIFIER_SPEC, 32, objective, OptimizerSpec::Adam(Adam::settings(0.01).unwrap())).unwrap();
    let mut const_net: Classifier = Layer::random(&mut stacknet::init::rng(1), Init::HeNormal);
    let mut b = bufs(&net);
    net.init(&mut b.model, &mut stacknet::init::rng(1), Init::HeNormal).unwrap();
    let (x, y) = classes(&mut stacknet::init::rng(2));
    let (mut xf, yf) = (flat(&x), flat(&y));
    for _ in 0..3 {
        net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap();
    }
    let (model, state) = (bits(&b.model), bits(&b.state));
    let mut ws = Workspace::<Classifier, 32>::new();
    let mut opt = Adam::new(0.01, &const_net).unwrap();

    // A NaN input: the same error as the bricks', nothing written.
    xf[4 * 5 + 2] = f32::NAN;
    let mut bad_x = x;
    bad_x[5][2] = f32::NAN;
    let err = net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap_err();
    let want = train_step(&mut const_net, &bad_x, &y, &mut ws, &mut opt, &objective).unwrap_err();
    assert_eq!(err, RunError::Step(want));
    assert_eq!(want, StepError::NonFiniteInput { row: 5, col: 2 });
    assert_eq!((bits(&b.model), bits(&b.state)), (model.clone(), state.clone()));

    // Divergence: a weight so large the logits overflow.
    xf = flat(&x);
    b.model[0] = 3e38;
    let before = (bits(&b.model), bits(&b.state));
    let err = net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Step(
                StepError::NonFiniteLoss | StepError::NonFiniteGradient { .. } | StepError::NonFiniteUpdate { .. }
            )
        ),
        "{err:?}"
    );
    assert_eq!((bits(&b.model), bits(&b.state)), before);

    // A NaN target.
    b.model[0] = f32::from_bits(model[0]);
    let mut yb = yf.clone();
    yb[7] = f32::INFINITY;
    let err = net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yb).unwrap_err();
    assert_eq!(err, RunError::Step(StepError::NonFiniteTarget { row: 2, col: 1 }));
    assert_eq!((bits(&b.model), bits(&b.state)), (model, state));
}

#[test]
fn blobs_load_both_ways_and_bad_blobs_are_refused() {
    let _l = lock();
    let trained: Xor = Layer::random(&mut stacknet::init::rng(3), Init::UniformFanIn);
    let rt = Net::new(&XOR_SPEC, 1, Objective::mse(), OptimizerSpec::Sgd(Sgd::new(1.0).unwrap())).unwrap();
    let mut blob = [0u8; stacknet::persist::max_len::<Xor>()];
    let n = stacknet::persist::save(&trained, &mut blob).unwrap();
    assert_eq!(rt.saved_len(), n);

    // const → run-time
    let mut model = vec![0.0; rt.params()];
    assert_eq!(rt.load(&mut model, &blob[..n]), Ok(n));
    assert_eq!(bits(&model), bits(&params(&trained)));

    // run-time → const: the same bytes, and they load.
    model[3] = 0.25;
    let mut out = vec![0u8; rt.saved_len()];
    assert_eq!(rt.save(&model, &mut out), Ok(n));
    let mut back: Xor = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    stacknet::persist::load(&mut back, &out).unwrap();
    assert_eq!(bits(&params(&back)), bits(&model));
    let mut again = [0u8; stacknet::persist::max_len::<Xor>()];
    stacknet::persist::save(&back, &mut again).unwrap();
    assert_eq!(&again[..n], &out[..]);

    // Corrupted: refused, model unchanged.
    let keep = bits(&model);
    let mut bad = out.clone();
    bad[40] ^= 1;
    assert!(matches!(rt.load(&mut model, &bad), Err(RunError::Load(stacknet::persist::LoadError::Checksum { .. }))));
    assert_eq!(bits(&model), keep);
    // Another shape (no bias on the second layer): refused by the shape descriptor.
    let other =
        [XOR_SPEC[0], XOR_SPEC[1], LayerSpec::Dense { inputs: 10, outputs: 2, bias: Bias::Without }, XOR_SPEC[3]];
    let other = Net::new(&other, 1, Objective::mse(), OptimizerSpec::Sgd(Sgd::new(1.0).unwrap())).unwrap();
    let mut m2 = vec![0.0; other.params()];
    assert!(matches!(
        other.load(&mut m2, &out),
        Err(RunError::Load(stacknet::persist::LoadError::ShapeMismatch { .. }))
    ));
    // Buffers too small.
    assert!(matches!(rt.save(&model, &mut out[..n - 1]), Err(RunError::Save(_))));
    assert!(matches!(rt.load(&mut model[..5], &out), Err(RunError::Buffer { which: Buffer::Model, .. })));
}

#[test]
fn predict_on_a_read_only_model_matches_the_bricks() {
    let _l = lock();
    let net: Classifier = Layer::random(&mut stacknet::init::rng(9), Init::HeNormal);
    let rt =
        Net::new(&CLASSIFIER_SPEC, 1, Objective::softmax_cross_entropy(), OptimizerSpec::Sgd(Sgd::new(1.0).unwrap()))
            .unwrap();
    let model: &[f32] = &params(&net); // read only from here on
    let (x, _) = classes(&mut stacknet::init::rng(4));
    let mut inf = Inference::<Classifier, 32>::new();
    for tier in available_tiers() {
        kernels::force(tier).unwrap();
        let want = flat(inf.forward(&net, &x));
        let run = || {
            let mut out = vec![0.0; 32 * 3];
            let mut scratch = vec![0.0; rt.predict_scratch_floats(32)];
            rt.predict(model, &flat(&x), &mut out, &mut scratch).unwrap();
            out
        };
        // Two threads, one model.
        let (a, b) = std::thread::scope(|s| {
            let t = s.spawn(run);
            (run(), t.join().unwrap())
        });
        kernels::reset();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(bits(&a), bits(&want), "{tier:?}");
    }
    // Accuracy and loss agree with the outputs.
    let mut scratch = vec![0.0; rt.predict_scratch_floats(32) + 32 * 3];
    let (_, y) = classes(&mut stacknet::init::rng(4));
    let acc = rt.accuracy(model, &flat(&x), &flat(&y), &mut scratch).unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(rt.loss(model, &flat(&x), &flat(&y), &mut scratch).unwrap().is_finite());
}

#[test]
fn bad_descriptions_and_buffers_get_typed_errors() {
    let _l = lock();
    let sgd = OptimizerSpec::Sgd(Sgd::new(0.1).unwrap());
    let mse = Objective::mse();
    assert_eq!(Net::new(&[], 1, mse, sgd), Err(SpecError::Empty));
    assert_eq!(
        Net::new(&[dense(2, 2); MAX_LAYERS + 1], 1, mse, sgd),
        Err(SpecError::TooDeep { layers: MAX_LAYERS + 1, max: MAX_LAYERS })
    );
    assert!(Net::new(&[dense(2, 2); MAX_LAYERS], 1, mse, sgd).is_ok());
    assert_eq!(Net::new(&[LayerSpec::Relu, dense(2, 2)], 1, mse, sgd), Err(SpecError::NoInputWidth));
    assert_eq!(Net::new(&[dense(2, 0)], 1, mse, sgd), Err(SpecError::ZeroWidth { layer: 0 }));
    assert_eq!(
        Net::new(&[dense(2, 3), LayerSpec::Tanh, dense(0, 1)], 1, mse, sgd),
        Err(SpecError::ZeroWidth { layer: 2 })
    );
    assert_eq!(
        Net::new(&[dense(2, 3), LayerSpec::Tanh, dense(4, 1)], 1, mse, sgd),
        Err(SpecError::WidthMismatch { layer: 2, expected: 3, found: 4 })
    );
    assert_eq!(Net::new(&[dense(2, 3)], 0, mse, sgd), Err(SpecError::ZeroBatch));
    assert_eq!(Net::new(&[dense(usize::MAX / 2, 3)], 1, mse, sgd), Err(SpecError::TooLarge));
    assert_eq!(Net::new(&[dense(1 << 20, 1 << 20)], 1 << 20, mse, sgd), Err(SpecError::TooLarge));
    assert!(matches!(
        Net::new(&[dense(2, 3)], 1, mse, OptimizerSpec::SgdMomentum(Sgd::new(0.1).unwrap(), 1.0)),
        Err(SpecError::Optimizer(_))
    ));

    let net = Net::new(&XOR_SPEC, 4, mse, OptimizerSpec::SgdMomentum(Sgd::new(0.1).unwrap(), 0.5)).unwrap();
    let mut b = bufs(&net);
    let (x, y) = (vec![0.5; 8], vec![1.0; 8]);
    let m = net.memory();
    assert_eq!(
        net.train_step(&mut b.model[..3], &mut b.state, &mut b.scratch, &x, &y),
        short(Buffer::Model, m.model.floats, 3)
    );
    assert_eq!(
        net.train_step(&mut b.model, &mut b.state[..1], &mut b.scratch, &x, &y),
        short(Buffer::Optimizer, m.optimizer.floats, 1)
    );
    let s = m.scratch.floats - 1;
    assert_eq!(
        net.train_step(&mut b.model, &mut b.state, &mut b.scratch[..s], &x, &y),
        short(Buffer::Scratch, s + 1, s)
    );
    assert_eq!(net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &x[..6], &y), short(Buffer::Input, 8, 6));
    assert_eq!(net.train_step(&mut b.model, &mut b.state, &mut b.scratch, &x, &y[..7]), short(Buffer::Target, 8, 7));
    let mut out = vec![0.0; 3];
    assert_eq!(net.predict(&b.model, &x[..3], &mut out, &mut b.scratch), short(Buffer::Input, 4, 3));
    assert_eq!(net.predict(&b.model, &x, &mut out, &mut b.scratch), short(Buffer::Output, 8, 3));
    let mut out = vec![0.0; 8];
    assert_eq!(net.predict(&b.model, &x, &mut out, &mut []), short(Buffer::Scratch, net.predict_scratch_floats(4), 0));
    assert!(net.predict(&b.model, &x, &mut out, &mut b.scratch).is_ok());
}

/// Optimizer state moves with the model: a const AdamW run saved mid-way continues in the
/// run-time network bit for bit (scalar tier), and the run-time network writes the same
/// bytes back; a blob with another optimizer's state is refused.
#[test]
fn blobs_with_optimizer_state_load_both_ways() {
    let _l = lock();
    on_scalar(|| {
        let mut net: Classifier = Layer::random(&mut stacknet::init::rng(5), Init::HeNormal);
        let (x, y) = classes(&mut stacknet::init::rng(6));
        let objective = Objective::softmax_cross_entropy_ridge(1e-3).unwrap();
        let mut opt = Adam::new(0.01, &net).unwrap().with_weight_decay(1e-2).unwrap();
        let mut ws = Workspace::<Classifier, 32>::new();
        for _ in 0..5 {
            train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
        }
        let mut blob = vec![0u8; stacknet::persist::max_len_with_adam::<Classifier>()];
        let n = stacknet::persist::save_with_optimizer(&net, &opt, &mut blob).unwrap();

        let settings = Adam::settings(0.01).unwrap().with_weight_decay(1e-2).unwrap();
        let rt = Net::new(&CLASSIFIER_SPEC, 32, objective, OptimizerSpec::Adam(settings)).unwrap();
        let mut b = bufs(&rt);
        assert_eq!(rt.load_with_optimizer(&mut b.model, &mut b.state, &blob[..n]), Ok(n));
        assert_eq!(rt.steps(&b.state), Ok(5));
        let mut out = vec![0u8; n];
        assert_eq!(rt.save_with_optimizer(&b.model, &b.state, &mut out), Ok(n));
        assert_eq!(out, blob[..n]);

        let (xf, yf) = (flat(&x), flat(&y));
        for _ in 0..5 {
            let want = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
            let got = rt.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap();
            assert_eq!((got.loss.to_bits(), got.step), (want.loss.to_bits(), want.step));
        }
        assert_eq!(bits(&b.model), bits(&params(&net)));

        // run-time → const, with momentum this time.
        let sgd = Sgd::new(0.1).unwrap();
        let rt = Net::new(&CLASSIFIER_SPEC, 32, objective, OptimizerSpec::SgdMomentum(sgd, 0.9)).unwrap();
        let mut b = bufs(&rt);
        rt.init(&mut b.model, &mut stacknet::init::rng(8), Init::HeNormal).unwrap();
        for _ in 0..3 {
            rt.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap();
        }
        let mut out = vec![0u8; stacknet::persist::max_len_with_optimizer::<Classifier>()];
        let n = rt.save_with_optimizer(&b.model, &b.state, &mut out).unwrap();
        let mut back: Classifier = Layer::random(&mut stacknet::init::rng(0), Init::HeNormal);
        let mut opt = sgd.with_momentum(0.9, &back).unwrap();
        stacknet::persist::load_with_optimizer(&mut back, &mut opt, &out[..n]).unwrap();
        assert_eq!((bits(&params(&back)), opt.steps()), (bits(&b.model), 3));
        assert_eq!(bits(&params(&opt.velocity().0)), bits(&b.state[2..]));

        // An SGD-with-momentum blob does not load into the Adam network.
        let adam = Net::new(&CLASSIFIER_SPEC, 32, objective, OptimizerSpec::Adam(settings)).unwrap();
        let mut a = bufs(&adam);
        let keep = (bits(&a.model), bits(&a.state));
        assert_eq!(
            adam.load_with_optimizer(&mut a.model, &mut a.state, &out[..n]),
            Err(RunError::Load(stacknet::persist::LoadError::OptimizerMismatch))
        );
        assert_eq!((bits(&a.model), bits(&a.state)), keep);
    });
}

/// `steps` SGD steps (with momentum) of the bricks `net` and of the run-time network `spec`
/// from the same weights: whether every loss and every weight matched bit for bit.
fn sgd_both_ways<M, const IN: usize, const OUT: usize, const B: usize>(
    spec: &[LayerSpec],
    mut net: M,
    x: &[[f32; IN]; B],
    y: &[[f32; OUT]; B],
    objective: Objective,
    steps: usize,
) -> bool
where
    M: Layer<In = stacknet::nn::D<IN>, Out = stacknet::nn::D<OUT>>,
{
    let sgd = Sgd::new(0.5).unwrap().with_clip(Clip::Value(2.0)).unwrap();
    let rt = Net::new(spec, B, objective, OptimizerSpec::SgdMomentum(sgd, 0.5)).unwrap();
    let mut b = bufs(&rt);
    b.model.copy_from_slice(&params(&net));
    let mut opt = sgd.with_momentum(0.5, &net).unwrap();
    let mut ws = Workspace::<M, B>::new();
    let (xf, yf) = (flat(x), flat(y));
    let mut identical = true;
    for _ in 0..steps {
        let want = train_step(&mut net, x, y, &mut ws, &mut opt, &objective).unwrap();
        let got = rt.train_step(&mut b.model, &mut b.state, &mut b.scratch, &xf, &yf).unwrap();
        identical &= got.loss.to_bits() == want.loss.to_bits() && bits(&b.model) == bits(&params(&net));
    }
    identical
}

/// Small shapes, which the bricks run inline (products of at most 64 multiply-adds), and
/// bricks without a bias, an activation after an activation, a sigmoid not after a Dense.
#[test]
fn small_and_unusual_stacks_train_bit_identically_on_every_tier() {
    let _l = lock();
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]];
    let nb = |inputs, outputs| LayerSpec::Dense { inputs, outputs, bias: Bias::Without };
    for tier in available_tiers() {
        kernels::force(tier).unwrap();
        let mut rng = stacknet::init::rng(21);
        type Tiny = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
        let tiny: Tiny = Layer::random(&mut rng, Init::UniformFanIn);
        let spec = [dense(2, 3), LayerSpec::Sigmoid, dense(3, 2), LayerSpec::Sigmoid];
        let a = sgd_both_ways(&spec, tiny, &x, &y, Objective::mse_ridge(1e-3).unwrap(), 100);

        type Odd = (Dense<2, 6>, Relu<6>, Sigmoid<6>, Dense<6, 5>, Tanh<5>, Dense<5, 2>);
        let odd: Odd = (
            Dense::new(Bias::Without, &mut rng, Init::HeNormal),
            Relu,
            Sigmoid,
            Dense::new(Bias::With, &mut rng, Init::HeNormal),
            Tanh,
            Dense::new(Bias::Without, &mut rng, Init::XavierUniform),
        );
        let spec = [nb(2, 6), LayerSpec::Relu, LayerSpec::Sigmoid, dense(6, 5), LayerSpec::Tanh, nb(5, 2)];
        let objective = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(1e-3, 1e-3).unwrap());
        let b = sgd_both_ways(&spec, odd, &x, &y, objective, 100);
        kernels::reset();
        assert!(a && b, "{tier:?}: tiny {a}, odd {b}");
    }
}
