//! Schedules, clipping and momentum do what their docs say, inside a real training step.

use stacknet::nn::Layer;
use stacknet::prelude::*;

type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);

fn net() -> Net {
    let mut n: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    n.init(&mut stacknet::init::rng(9), Init::UniformFanIn);
    n
}

fn flat<M: Layer>(m: &M) -> Vec<f32> {
    let mut v = Vec::new();
    m.visit(&mut |_, p| v.extend_from_slice(p));
    v
}

#[test]
fn schedules() {
    let step = Sgd::new(1.0).unwrap().with_schedule(Schedule::StepDecay { every: 10, factor: 0.5 }).unwrap();
    let exp = Sgd::new(1.0).unwrap().with_schedule(Schedule::ExpDecay { rate: 0.01 }).unwrap();
    let (x, y) = stacknet::data::XOR_CORNERS;
    let (mut m1, mut m2) = (net(), net());
    let mut ws = Workspace::<Net, 4>::new();
    let (mut s, mut e) = (step, exp);
    let mut seen = Vec::new();
    for t in 0..25u32 {
        let r1 = train_step(&mut m1, &x, &y, &mut ws, &mut s, &Objective::default()).unwrap();
        let r2 = train_step(&mut m2, &x, &y, &mut ws, &mut e, &Objective::default()).unwrap();
        assert_eq!(r1.lr, [1.0, 0.5, 0.25][(t / 10) as usize], "step decay at {t}");
        assert!((r2.lr - (-0.01 * t as f32).exp()).abs() < 1e-6, "exp decay at {t}");
        assert_eq!(r1.step, t + 1);
        seen.push(r1.lr);
    }
    assert_eq!(s.current_lr(), 0.25);
}

#[test]
fn clipping_by_value_and_by_norm() {
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    // Unclipped gradient first, for reference.
    let mut free = net();
    let r = train_step(&mut free, &x, &y, &mut ws, &mut Sgd::new(1.0).unwrap(), &Objective::default()).unwrap();
    let g = flat(ws.grads());
    assert!(!r.clipped);
    let max = g.iter().fold(0.0f32, |m, v| m.max(v.abs()));

    let c = max / 2.0;
    let mut m = net();
    let mut opt = Sgd::new(1.0).unwrap().with_clip(Clip::Value(c)).unwrap();
    let r = train_step(&mut m, &x, &y, &mut ws, &mut opt, &Objective::default()).unwrap();
    assert!(r.clipped);
    for (got, raw) in flat(ws.grads()).iter().zip(&g) {
        assert_eq!(*got, raw.clamp(-c, c));
    }

    let c = r.grad_norm / 4.0;
    let mut m = net();
    let mut opt = Sgd::new(1.0).unwrap().with_clip(Clip::Norm(c)).unwrap();
    let r = train_step(&mut m, &x, &y, &mut ws, &mut opt, &Objective::default()).unwrap();
    assert!(r.clipped);
    let clipped = flat(ws.grads());
    let norm = clipped.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - c).abs() <= 1e-5 * c, "norm {norm} vs {c}");
    for (got, raw) in clipped.iter().zip(&g) {
        assert!((got - raw * 0.25).abs() <= 1e-6 * raw.abs().max(1e-3));
    }
    // A threshold above the norm changes nothing.
    let mut opt = Sgd::new(1.0).unwrap().with_clip(Clip::Norm(r.grad_norm * 2.0)).unwrap();
    let r = train_step(&mut net(), &x, &y, &mut ws, &mut opt, &Objective::default()).unwrap();
    assert!(!r.clipped);
}

#[test]
fn momentum_is_heavy_ball() {
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mu = 0.9;
    let lr = 0.5;
    let mut m = net();
    let mut ws = Workspace::<Net, 4>::new();
    let mut opt = Sgd::new(lr).unwrap().with_momentum(mu, &m).unwrap();
    // Mirror: plain SGD steps to get raw gradients, with our own velocity.
    let mut mirror = net();
    let mut v = vec![0.0f32; flat(&mirror).len()];
    let mut mirror_ws = Workspace::<Net, 4>::new();
    for _ in 0..5 {
        train_step(&mut m, &x, &y, &mut ws, &mut opt, &Objective::default()).unwrap();
        // Raw gradient at the mirror's weights: a zero-lr-like probe on a copy.
        let mut probe = mirror;
        train_step(&mut probe, &x, &y, &mut mirror_ws, &mut Sgd::new(1e-30).unwrap(), &Objective::default()).unwrap();
        let g = flat(mirror_ws.grads());
        for (v, g) in v.iter_mut().zip(&g) {
            *v = g + mu * *v;
        }
        let mut i = 0;
        mirror.visit_mut(&mut |_, p| {
            for w in p {
                *w += -lr * v[i];
                i += 1;
            }
        });
    }
    assert_eq!(flat(&m), flat(&mirror));
    assert_eq!(flat(&opt.velocity().0), v);
}

/// The optimizer's side of a step on its own: `direction` clips the gradient, adds the
/// momentum term and reports the learning rate and (without momentum) a bound on `|dᵢ|`,
/// leaving the optimizer unchanged; `commit` stores the velocity and counts the step.
#[test]
fn direction_then_commit() {
    use stacknet::optim::{Direction, Optimizer};
    let m = net();
    let mut g = m;
    let (mut i, mut sign) = (0.0f32, 1.0f32);
    g.visit_mut(&mut |_, p| {
        for v in p {
            (i, sign) = (i + 1.0, -sign);
            *v = sign * i; // −1, 2, −3, …
        }
    });
    let gv = flat(&g);
    let norm = gv.iter().map(|v| v * v).sum::<f32>().sqrt();

    // Plain SGD, clipped by value at 3: the direction is the clipped gradient, bounded by 3.
    let plain = Sgd::new(0.5).unwrap().with_clip(Clip::Value(3.0)).unwrap();
    let mut d = g;
    let dir = plain.direction(&mut d, norm);
    assert_eq!(dir, Direction { lr: 0.5, clipped: true, bound: Some(3.0) });
    assert_eq!(flat(&d), gv.iter().map(|v| v.clamp(-3.0, 3.0)).collect::<Vec<_>>());
    // Unclipped: the norm bounds it.
    let mut d = g;
    let dir = Sgd::new(0.5).unwrap().direction(&mut d, norm);
    assert_eq!((dir.clipped, dir.bound, flat(&d)), (false, Some(norm), gv.clone()));

    // Momentum 0.5 with a velocity of 1 everywhere, step decay after every step: d = g + 0.5,
    // no bound; the optimizer is untouched until `update`.
    let mut opt = Sgd::new(2.0)
        .unwrap()
        .with_schedule(Schedule::StepDecay { every: 1, factor: 0.5 })
        .unwrap()
        .with_momentum(0.5, &m)
        .unwrap();
    let mut ones = m;
    ones.visit_mut(&mut |_, p| p.fill(1.0));
    let mut d = g;
    let mut with_velocity = opt;
    let mut scratch = m;
    let first = Direction { lr: 0.0, clipped: false, bound: None };
    with_velocity.update(&mut scratch, &ones, &first); // velocity ← 1, step 1 (η = 1 now)
    opt = with_velocity;
    let dir = opt.direction(&mut d, norm);
    assert_eq!(dir, Direction { lr: 1.0, clipped: false, bound: None });
    assert_eq!(flat(&d), gv.iter().map(|v| v + 0.5).collect::<Vec<_>>());
    assert_eq!(opt, with_velocity, "direction changed the optimizer");
    let mut w = m;
    assert_eq!(opt.first_unsafe(&w, &d, &dir, 0.0), None);
    opt.update(&mut w, &d, &dir);
    assert_eq!((Optimizer::<Net>::steps(&opt), opt.current_lr()), (2, 0.5));
    assert_eq!(flat(&opt.velocity().0), flat(&d));
    // w ← w − η·d with η = 1.
    assert_eq!(flat(&w), flat(&m).iter().zip(flat(&d)).map(|(w, d)| w - d).collect::<Vec<_>>());
}
