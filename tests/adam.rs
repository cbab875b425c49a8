//! Adam and AdamW inside a real training step, against an independent float64
//! implementation of the formulas in `optim::Adam`'s documentation; the refused step; the
//! pinned first steps.

use stacknet::nn::{Layer, ParamKind, Rows};
use stacknet::optim::{ConfigError, Optimizer};
use stacknet::prelude::*;
use stacknet::train::StepError;

fn flat<M: Layer>(m: &M) -> Vec<f32> {
    let mut v = Vec::new();
    m.visit(&mut |_, p| v.extend_from_slice(p));
    v
}

/// `true` for each parameter that is a weight (AdamW decays those only).
fn weight_mask<M: Layer>(m: &M) -> Vec<bool> {
    let mut v = Vec::new();
    m.visit(&mut |kind, p| v.extend(p.iter().map(|_| kind == ParamKind::Weight)));
    v
}

/// The settings the reference needs, as given to `Adam`.
#[derive(Clone, Copy, Debug)]
struct Settings {
    lr: f32,
    betas: (f32, f32),
    eps: f32,
    decay: f32,
    clip: Clip,
    schedule: Schedule,
}

impl Settings {
    fn build<M: Layer>(&self, model: &M) -> Adam<M> {
        Adam::new(self.lr, model)
            .and_then(|a| a.with_betas(self.betas.0, self.betas.1))
            .and_then(|a| a.with_eps(self.eps))
            .and_then(|a| a.with_weight_decay(self.decay))
            .and_then(|a| a.with_clip(self.clip))
            .and_then(|a| a.with_schedule(self.schedule))
            .unwrap()
    }
}

/// One Adam step in f64 from the f32 state: clipping of the raw gradient `g`, the moments,
/// bias correction at step `t` (from 1), the scheduled rate and the decoupled decay.
/// Returns the new `w`, `m`, `v` and, per parameter, a bound on the f32 error of `w` and `m`
/// (`round` = a few f32 roundings): `m` is a sum of two terms that may cancel, so its error is
/// relative to their magnitudes, and the error of `m` passes into `d` scaled by `c₁/(√v̂+ε)`.
#[allow(clippy::type_complexity)]
fn reference_step(
    s: &Settings,
    t: u32,
    w: &[f32],
    m: &[f32],
    v: &[f32],
    g: &[f32],
    is_weight: &[bool],
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<(f64, f64)>) {
    let round = 4.0 * f32::EPSILON as f64;
    let mut g: Vec<f64> = g.iter().map(|&x| x as f64).collect();
    match s.clip {
        Clip::None => {}
        Clip::Value(c) => g.iter_mut().for_each(|x| *x = x.clamp(-(c as f64), c as f64)),
        Clip::Norm(c) => {
            let norm = g.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > c as f64 {
                g.iter_mut().for_each(|x| *x *= c as f64 / norm);
            }
        }
    }
    let (b1, b2) = (s.betas.0 as f64, s.betas.1 as f64);
    let lr = s.schedule.lr_at(s.lr, t - 1) as f64;
    let (c1, c2) = (1.0 / (1.0 - b1.powi(t as i32)), 1.0 / (1.0 - b2.powi(t as i32)));
    let (mut w1, mut m1, mut v1, mut err) = (vec![], vec![], vec![], vec![]);
    for i in 0..w.len() {
        let m_err = round * (b1 * (m[i] as f64).abs() + (1.0 - b1) * g[i].abs());
        let m = b1 * m[i] as f64 + (1.0 - b1) * g[i];
        let v = b2 * v[i] as f64 + (1.0 - b2) * g[i] * g[i];
        let denom = (v * c2).sqrt() + s.eps as f64;
        let d = m * c1 / denom;
        let d_err = 2.0 * round * d.abs() + c1 * m_err / denom;
        let decay = if is_weight[i] { s.decay as f64 } else { 0.0 };
        let w = w[i] as f64;
        let w_new = w - lr * (d + decay * w);
        err.push((round * (w.abs() + w_new.abs()) + lr * (d_err + round * decay * w.abs()), m_err));
        w1.push(w_new);
        m1.push(m);
        v1.push(v);
    }
    (w1, m1, v1, err)
}

/// Runs `steps` Adam steps on `model` and checks each against [`reference_step`] from the
/// same f32 state, within the error bounds [`reference_step`] derives (`v`: 4 roundings;
/// `1 − βᵗ` is formed without cancellation, so the bias corrections add only roundings).
fn check_against_f64<M: Layer, const B: usize>(
    mut model: M,
    x: &Rows<M::In, B>,
    y: &Rows<M::Out, B>,
    objective: &Objective,
    s: Settings,
    steps: u32,
) -> M {
    let mut opt = s.build(&model);
    let mut ws = Workspace::<M, B>::new();
    let is_weight = weight_mask(&model);
    let round = 4.0 * f32::EPSILON as f64;
    for t in 1..=steps {
        // The raw gradient (penalty included, no clipping): a plain SGD step on a copy.
        let mut probe = model;
        train_step(&mut probe, x, y, &mut ws, &mut Sgd::new(1.0).unwrap(), objective).unwrap();
        let g = flat(ws.grads());

        let (w0, m0, v0) = (flat(&model), flat(opt.moments().0), flat(opt.moments().1));
        let (w1, m1, v1, err) = reference_step(&s, t, &w0, &m0, &v0, &g, &is_weight);
        let report = train_step(&mut model, x, y, &mut ws, &mut opt, objective).unwrap();
        assert_eq!(report.step, t);

        let (w, m, v) = (flat(&model), flat(opt.moments().0), flat(opt.moments().1));
        for i in 0..w.len() {
            let what = format!("{s:?} step {t} parameter {i}");
            let (w_err, m_err) = err[i];
            assert!((m[i] as f64 - m1[i]).abs() <= m_err + 1e-40, "{what}: m {} vs {}", m[i], m1[i]);
            assert!((v[i] as f64 - v1[i]).abs() <= round * v1[i] + 1e-40, "{what}: v {} vs {}", v[i], v1[i]);
            assert!((w[i] as f64 - w1[i]).abs() <= w_err + 1e-40, "{what}: w {} vs {} (bound {w_err:e})", w[i], w1[i]);
        }
    }
    model
}

fn settings() -> Settings {
    Settings { lr: 0.01, betas: (0.9, 0.999), eps: 1e-8, decay: 0.0, clip: Clip::None, schedule: Schedule::Constant }
}

fn variants() -> Vec<Settings> {
    let base = settings();
    vec![
        base,
        Settings { decay: 0.1, ..base },
        Settings { clip: Clip::Value(0.05), ..base },
        Settings { clip: Clip::Norm(0.1), ..base },
        Settings { schedule: Schedule::StepDecay { every: 3, factor: 0.5 }, ..base },
        Settings { schedule: Schedule::ExpDecay { rate: 0.05 }, lr: 0.1, ..base },
        Settings { betas: (0.5, 0.9), eps: 1e-3, ..base },
        Settings { betas: (0.0, 0.0), ..base },
        Settings {
            lr: 0.05,
            betas: (0.8, 0.99),
            eps: 1e-6,
            decay: 0.01,
            clip: Clip::Norm(0.5),
            schedule: Schedule::StepDecay { every: 4, factor: 0.7 },
        },
    ]
}

fn batch<const N: usize, const B: usize>(seed: u32) -> [[f32; N]; B] {
    let mut r = seed.wrapping_mul(2_654_435_761).max(1);
    core::array::from_fn(|_| {
        core::array::from_fn(|_| {
            r ^= r << 13;
            r ^= r >> 17;
            r ^= r << 5;
            (r >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
    })
}

#[test]
fn odd_sizes_mse_with_and_without_penalties() {
    type Net = (Dense<3, 5>, Tanh<5>, Dense<5, 2>);
    let (x, y) = (batch::<3, 3>(1), batch::<2, 3>(2));
    for objective in [
        Objective::mse(),
        Objective::mse_ridge(0.05).unwrap(),
        Objective::new(Loss::Mse, Penalty::new(0.02, 0.01).unwrap()),
    ] {
        for s in variants() {
            let net: Net = Layer::random(&mut stacknet::init::rng(4), Init::UniformFanIn);
            check_against_f64(net, &x, &y, &objective, s, 12);
        }
    }
}

#[test]
fn nested_stack_softmax_cross_entropy() {
    type Net = ((Dense<4, 7>, Relu<7>), (Dense<7, 3>, Sigmoid<3>), Dense<3, 3>);
    let x = batch::<4, 5>(3);
    let y = [0usize, 2, 1, 1, 0].map(stacknet::data::one_hot::<3>);
    for s in variants() {
        let net: Net = Layer::random(&mut stacknet::init::rng(5), Init::HeNormal);
        check_against_f64(net, &x, &y, &Objective::softmax_cross_entropy_ridge(1e-3).unwrap(), s, 10);
    }
}

/// Slices long enough for every SIMD tier's full vectors and its ragged end; biases
/// without decay next to decayed weights.
#[test]
fn wide_layers_on_the_active_tier() {
    type Net = (Dense<20, 33>, Relu<33>, Dense<33, 4>);
    let (x, y) = (batch::<20, 8>(6), batch::<4, 8>(7));
    for s in [settings(), Settings { decay: 0.3, clip: Clip::Norm(1.0), ..settings() }] {
        let net: Net = Layer::random(&mut stacknet::init::rng(6), Init::HeNormal);
        check_against_f64(net, &x, &y, &Objective::mse(), s, 8);
    }
}

#[test]
fn the_first_step_moves_every_parameter_by_about_the_learning_rate() {
    // With zero moments, step 1 gives m̂ = g and v̂ = g², so d = g/(|g| + ε), ±1 for any
    // gradient well above ε: Adam's scale invariance.
    type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
    let mut net: Net = Layer::random(&mut stacknet::init::rng(9), Init::UniformFanIn);
    let before = flat(&net);
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    let mut opt = Adam::new(0.01, &net).unwrap();
    train_step(&mut net, &x, &y, &mut ws, &mut opt, &Objective::mse()).unwrap();
    let mut near_one = 0;
    for ((a, b), g) in flat(&net).iter().zip(&before).zip(flat(ws.grads())) {
        let want = 0.01 * g.abs() as f64 / (g.abs() as f64 + 1e-8);
        assert!(((a - b).abs() as f64 - want).abs() < 1e-8, "{a} - {b}, g = {g}");
        near_one += usize::from(want > 0.0099);
    }
    assert!(near_one >= 12, "{near_one}");
}

#[test]
fn a_refused_step_leaves_weights_moments_and_counter_bit_identical() {
    type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>);
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut net: Net = Layer::random(&mut stacknet::init::rng(2), Init::UniformFanIn);
    let mut ws = Workspace::<Net, 4>::new();
    let mut opt = Adam::new(0.1, &net).unwrap().with_weight_decay(0.01).unwrap();
    for _ in 0..3 {
        train_step(&mut net, &x, &y, &mut ws, &mut opt, &Objective::mse()).unwrap();
    }
    let snapshot = |n: &Net, o: &Adam<Net>| {
        let (m, v) = o.moments();
        (flat(n), flat(m), flat(v), o.steps())
    };
    let before = snapshot(&net, &opt);
    let bits = |s: &(Vec<f32>, Vec<f32>, Vec<f32>, u32)| {
        (s.0.iter().chain(&s.1).chain(&s.2).map(|v| v.to_bits()).collect::<Vec<_>>(), s.3)
    };

    // A NaN input: refused before anything is written.
    let mut bad_x = x;
    bad_x[1][0] = f32::NAN;
    assert_eq!(
        train_step(&mut net, &bad_x, &y, &mut ws, &mut opt, &Objective::mse()),
        Err(StepError::NonFiniteInput { row: 1, col: 0 })
    );
    assert_eq!(bits(&snapshot(&net, &opt)), bits(&before));

    // A finite gradient whose square overflows (2e19² > f32::MAX): `v` would become +∞, and
    // the dry run names the parameter.
    let mut g: Net = Layer::ZERO;
    g.visit_mut(&mut |_, p| p.fill(1e-3));
    g.visit_mut(&mut |kind, p| {
        if kind == ParamKind::Bias {
            p[0] = 2e19;
        }
    });
    let dir = opt.direction(&mut g, f32::INFINITY);
    // First bias slice: after the 6 weights of the first Dense.
    assert_eq!(opt.first_unsafe(&net, &g, &dir, 0.0), Some(6));
    // Clipping keeps it well inside the range, and the step then goes through.
    let mut clipped = opt.with_clip(Clip::Norm(1.0)).unwrap();
    let r = train_step(&mut net, &x, &y, &mut ws, &mut clipped, &Objective::mse()).unwrap();
    assert_eq!(r.step, 4);
}

#[test]
fn hyperparameters_are_checked_when_given() {
    type Net = Dense<2, 2>;
    let net: Net = Layer::ZERO;
    let adam = || Adam::new(0.1, &net).unwrap();
    assert_eq!(Adam::new(0.0, &net).unwrap_err(), ConfigError::LearningRate(0.0));
    assert_eq!(adam().with_betas(1.0, 0.9).unwrap_err(), ConfigError::Beta1(1.0));
    assert_eq!(adam().with_betas(0.9, -0.1).unwrap_err(), ConfigError::Beta2(-0.1));
    assert!(matches!(adam().with_betas(f32::NAN, 0.9), Err(ConfigError::Beta1(b)) if b.is_nan()));
    for eps in [0.0, -1e-8, f32::INFINITY] {
        assert_eq!(adam().with_eps(eps).unwrap_err(), ConfigError::Epsilon(eps));
    }
    assert_eq!(adam().with_weight_decay(-0.1).unwrap_err(), ConfigError::WeightDecay(-0.1));
    assert_eq!(adam().with_clip(Clip::Value(0.0)).unwrap_err(), ConfigError::Clip(0.0));
    assert_eq!(
        adam().with_schedule(Schedule::StepDecay { every: 0, factor: 0.5 }).unwrap_err(),
        ConfigError::StepDecayEvery(0)
    );
    let ok = adam().with_betas(0.0, 0.0).unwrap().with_eps(1e-3).unwrap().with_weight_decay(0.0).unwrap();
    assert_eq!((ok.betas(), ok.eps(), ok.weight_decay()), ((0.0, 0.0), 1e-3, 0.0));
}

/// Adam learns XOR where it should: a 2-10-2 sigmoid network reaches full accuracy.
#[test]
fn adam_and_adamw_learn_xor() {
    type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
    let (x, y) = stacknet::data::XOR_CORNERS;
    for decay in [0.0, 1e-3] {
        let mut net: Net = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
        let mut opt = Adam::new(0.05, &net).unwrap().with_weight_decay(decay).unwrap();
        let mut ws = Workspace::<Net, 4>::new();
        let mut last = f32::MAX;
        for _ in 0..600 {
            last = train_step(&mut net, &x, &y, &mut ws, &mut opt, &Objective::mse()).unwrap().loss;
        }
        assert!(last < 0.01, "decay {decay}: loss {last}");
        let eval = stacknet::eval::evaluate(&net, &x, &y, &mut ws, &Objective::mse());
        assert_eq!(eval.accuracy, 1.0, "decay {decay}");
    }
}
