//! `stacknet_net_*`: run-time networks from C. Every status path, refusals that leave every
//! buffer bit-identical, the C path against Rust's `runtime::Net` and the const-generic
//! bricks (trajectories, initial weights, blobs both ways), the handle's and the buffers'
//! CRC-32s under single bit flips, byte-determinism, and the save → load → set_hyper lifecycle.

#[allow(unused_macros)]
mod common;

use common::{S, hyper};
use stacknet::init::Init;
use stacknet::loss::{Loss, Objective, Penalty};
use stacknet::nn::{Dense, Layer, Params, ParamsRef, Relu, Tanh};
use stacknet::optim::{Adam, Clip, Schedule, Sgd};
use stacknet::runtime::{LayerSpec, Net, OptimizerSpec};
use stacknet::train::train_step;
use stacknet::workspace::Workspace;
use stacknet_capi::stacknet_status_t::*;
use stacknet_capi::*;
use std::ptr::{null, null_mut};

const fn dense(inputs: u32, outputs: u32) -> stacknet_layer_t {
    stacknet_layer_t { kind: STACKNET_LAYER_DENSE, inputs, outputs, bias: 1 }
}
const fn act(kind: u32) -> stacknet_layer_t {
    stacknet_layer_t { kind, inputs: 0, outputs: 0, bias: 0 }
}

/// The 4-16-8-3 classifier of the C test, and its bricks.
const LAYERS: [stacknet_layer_t; 5] =
    [dense(4, 16), act(STACKNET_LAYER_TANH), dense(16, 8), act(STACKNET_LAYER_RELU), dense(8, 3)];
type Bricks = (Dense<4, 16>, Tanh<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
const SPEC: [LayerSpec; 5] = [
    LayerSpec::Dense { inputs: 4, outputs: 16, bias: stacknet::nn::Bias::With },
    LayerSpec::Tanh,
    LayerSpec::Dense { inputs: 16, outputs: 8, bias: stacknet::nn::Bias::With },
    LayerSpec::Relu,
    LayerSpec::Dense { inputs: 8, outputs: 3, bias: stacknet::nn::Bias::With },
];
const BATCH: usize = 8;
const PARAMS: usize = 4 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3;

fn sgd_config(lr: f32, momentum: f32) -> stacknet_net_config_t {
    let mut h = hyper();
    h.learning_rate = lr;
    h.momentum = momentum;
    h.ridge = 1e-3;
    h.schedule = STACKNET_SCHEDULE_EXP;
    h.exp_rate = 1e-3;
    h.clip = STACKNET_CLIP_NORM;
    h.clip_threshold = 5.0;
    stacknet_net_config_t { loss: STACKNET_LOSS_SOFTMAX_CE, batch: BATCH as u32, l1: 1e-4, hyper: h }
}

fn adam_config(lr: f32) -> stacknet_net_config_t {
    let mut c = sgd_config(lr, 0.0);
    c.hyper.optimizer = STACKNET_OPTIMIZER_ADAMW;
    c.hyper.weight_decay = 1e-2;
    c.hyper.clip = STACKNET_CLIP_VALUE;
    c.hyper.clip_threshold = 1.0;
    c
}

/// The Rust description of the same network as `c` (what the C API must build).
fn rust_net(c: &stacknet_net_config_t) -> Net {
    let h = &c.hyper;
    let schedule = Schedule::ExpDecay { rate: h.exp_rate };
    let clip = if h.clip == STACKNET_CLIP_NORM { Clip::Norm(h.clip_threshold) } else { Clip::Value(h.clip_threshold) };
    let opt = if h.optimizer == STACKNET_OPTIMIZER_SGD {
        let sgd = Sgd::new(h.learning_rate).unwrap().with_schedule(schedule).unwrap().with_clip(clip).unwrap();
        OptimizerSpec::SgdMomentum(sgd, h.momentum)
    } else {
        let a = Adam::settings(h.learning_rate).unwrap().with_betas(h.beta1, h.beta2).unwrap();
        let a = a.with_eps(h.eps).unwrap().with_weight_decay(h.weight_decay).unwrap();
        OptimizerSpec::Adam(a.with_schedule(schedule).unwrap().with_clip(clip).unwrap())
    };
    let objective = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(h.ridge, c.l1).unwrap());
    Net::new(&SPEC, c.batch as usize, objective, opt).unwrap()
}

/// `rows` points of three Gaussian-ish blobs in 4-D (sums of uniforms from an LCG), one-hot.
fn blobs(rows: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
    let mut s = seed.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let mut u = || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 8) as f32 / 16_777_216.0
    };
    let (mut x, mut y) = (vec![0.0; rows * 4], vec![0.0; rows * 3]);
    for r in 0..rows {
        let c = ((u() * 3.0) as usize).min(2);
        for j in 0..4 {
            let centre = if j == c {
                1.5
            } else if j == 3 {
                -0.5 * c as f32
            } else {
                0.0
            };
            x[r * 4 + j] = centre + (u() + u() + u() - 1.5) * 0.6;
        }
        y[r * 3 + c] = 1.0;
    }
    (x, y)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}

fn params<M: ParamsRef>(m: &M) -> Vec<f32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend_from_slice(s));
    v
}

fn set_params<M: Params>(m: &mut M, from: &[f32]) {
    let mut at = 0;
    m.visit_mut(&mut |_, s| {
        s.copy_from_slice(&from[at..at + s.len()]);
        at += s.len();
    });
}

fn zeroed_handle() -> Box<stacknet_net_t> {
    Box::new(stacknet_net_t { opaque: [0; STACKNET_NET_WORDS] })
}

fn handle_bytes(h: &stacknet_net_t) -> Vec<u8> {
    h.opaque.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

fn sizes_of(layers: &[stacknet_layer_t], c: &stacknet_net_config_t) -> Result<stacknet_net_sizes_t, S> {
    let mut s = stacknet_net_sizes_t::default();
    match unsafe { stacknet_net_sizes(layers.as_ptr(), layers.len(), c, &mut s) } {
        STACKNET_OK => Ok(s),
        e => Err(e),
    }
}

/// A handle with its buffers, as a C program would hold them.
struct Fix {
    net: Box<stacknet_net_t>,
    model: Vec<f32>,
    opt: Vec<f32>,
    scratch: Vec<f32>,
    sizes: stacknet_net_sizes_t,
}

impl Fix {
    /// Handle, model from `seed` (He normal), optimizer reset; buffers start as 0x5A bytes.
    fn new(c: &stacknet_net_config_t, seed: u64) -> Fix {
        let sizes = sizes_of(&LAYERS, c).unwrap();
        let fill = f32::from_bits(0x5a5a_5a5a);
        let mut f = Fix {
            net: zeroed_handle(),
            model: vec![fill; sizes.model_size / 4],
            opt: vec![fill; sizes.optimizer_size / 4],
            scratch: vec![fill; sizes.scratch_size / 4],
            sizes,
        };
        unsafe {
            assert_eq!(
                stacknet_net_init(&mut *f.net, STACKNET_NET_SIZE, LAYERS.as_ptr(), LAYERS.len(), c),
                STACKNET_OK
            );
            assert_eq!(
                stacknet_net_init_model(
                    &mut *f.net,
                    f.model.as_mut_ptr(),
                    sizes.model_size,
                    seed,
                    STACKNET_INIT_HE_NORMAL
                ),
                STACKNET_OK
            );
            assert_eq!(
                stacknet_net_reset_optimizer(&mut *f.net, f.opt.as_mut_ptr(), sizes.optimizer_size),
                STACKNET_OK
            );
        }
        f
    }

    fn step(&mut self, x: &[f32], y: &[f32]) -> (S, stacknet_step_report_t) {
        let mut r = stacknet_step_report_t {
            loss: 0.0,
            data_loss: 0.0,
            grad_norm: 0.0,
            learning_rate: 0.0,
            step: 0,
            clipped: 0,
        };
        let s = unsafe {
            stacknet_net_train_step(
                &mut *self.net,
                self.model.as_mut_ptr(),
                self.model.len() * 4,
                self.opt.as_mut_ptr(),
                self.opt.len() * 4,
                self.scratch.as_mut_ptr(),
                self.scratch.len() * 4,
                x.as_ptr(),
                y.as_ptr(),
                x.len() / 4,
                &mut r,
            )
        };
        (s, r)
    }

    fn train(&mut self, first: u32, n: u32) -> stacknet_step_report_t {
        let mut last = None;
        for i in first..first + n {
            let (x, y) = blobs(BATCH, i);
            let (s, r) = self.step(&x, &y);
            assert_eq!(s, STACKNET_OK);
            last = Some(r);
        }
        last.unwrap()
    }

    /// Every byte a call could write: handle, model, optimizer (the training scratch is
    /// compared separately, since `STACKNET_ERR_DIVERGED` may write it).
    fn snapshot(&self) -> (Vec<u8>, Vec<u32>, Vec<u32>, Vec<u32>) {
        (handle_bytes(&self.net), bits(&self.model), bits(&self.opt), bits(&self.scratch))
    }

    fn save(&self, with_opt: bool) -> Vec<u8> {
        let mut buf = vec![0u8; self.sizes.save_with_optimizer_size + 64];
        let mut n = 0;
        let s = unsafe {
            if with_opt {
                stacknet_net_save_with_optimizer(
                    &*self.net,
                    self.model.as_ptr(),
                    self.model.len() * 4,
                    self.opt.as_ptr(),
                    self.opt.len() * 4,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut n,
                )
            } else {
                stacknet_net_save(
                    &*self.net,
                    self.model.as_ptr(),
                    self.model.len() * 4,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut n,
                )
            }
        };
        assert_eq!(s, STACKNET_OK);
        assert_eq!(n, if with_opt { self.sizes.save_with_optimizer_size } else { self.sizes.save_size });
        buf.truncate(n);
        buf
    }

    fn load(&mut self, blob: &[u8], with_opt: bool) -> S {
        let mut used = 0;
        let s = unsafe {
            if with_opt {
                stacknet_net_load_with_optimizer(
                    &mut *self.net,
                    self.model.as_mut_ptr(),
                    self.model.len() * 4,
                    self.opt.as_mut_ptr(),
                    self.opt.len() * 4,
                    blob.as_ptr(),
                    blob.len(),
                    &mut used,
                )
            } else {
                stacknet_net_load(
                    &mut *self.net,
                    self.model.as_mut_ptr(),
                    self.model.len() * 4,
                    blob.as_ptr(),
                    blob.len(),
                    &mut used,
                )
            }
        };
        if s == STACKNET_OK {
            assert_eq!(used, blob.len());
        }
        s
    }

    fn set_hyper(&mut self, h: &stacknet_hyper_t) -> S {
        unsafe { stacknet_net_set_hyper(&mut *self.net, h, self.opt.as_mut_ptr(), self.opt.len() * 4) }
    }

    fn steps(&self) -> u32 {
        let mut n = 0;
        assert_eq!(
            unsafe { stacknet_net_steps(&*self.net, self.opt.as_ptr(), self.opt.len() * 4, &mut n) },
            STACKNET_OK
        );
        n
    }

    fn predict(&self, x: &[f32]) -> Vec<f32> {
        let rows = x.len() / 4;
        let mut out = vec![0.0; rows * 3];
        let mut scratch = vec![0.0f32; rows * self.sizes.predict_scratch_per_row / 4];
        let s = unsafe {
            stacknet_net_predict(
                &*self.net,
                self.model.as_ptr(),
                self.model.len() * 4,
                x.as_ptr(),
                rows,
                out.as_mut_ptr(),
                scratch.as_mut_ptr(),
                scratch.len() * 4,
            )
        };
        assert_eq!(s, STACKNET_OK);
        out
    }

    fn validate(&self) -> S {
        unsafe {
            stacknet_net_validate(
                &*self.net,
                self.model.as_ptr(),
                self.model.len() * 4,
                self.opt.as_ptr(),
                self.opt.len() * 4,
            )
        }
    }

    /// Calls every function but `init` on this handle and buffers with otherwise valid
    /// arguments (`blob`, `opt_blob`: what the loads get); returns the statuses and the bytes
    /// of every output buffer the calls were given (which start as 0xA5 bytes).
    fn call_all(&mut self, blob: &[u8], opt_blob: &[u8]) -> (Vec<S>, Vec<u8>) {
        let (x, y) = blobs(BATCH, 99);
        let fill = f32::from_bits(0xa5a5_a5a5);
        let mut out = vec![fill; BATCH * 3];
        let mut pscratch = vec![fill; BATCH * self.sizes.loss_scratch_per_row / 4];
        let (mut v, mut info, mut hh, mut steps) = (fill, stacknet_net_sizes_t::default(), hyper(), 0xa5a5_a5a5u32);
        let mut buf = vec![0xa5u8; self.sizes.save_with_optimizer_size];
        let (mut n, mut report) = (0xa5a5usize, None::<stacknet_step_report_t>);
        let (ms, os, ss, ps) = (self.model.len() * 4, self.opt.len() * 4, self.scratch.len() * 4, pscratch.len() * 4);
        let h = hyper();
        let net: *mut stacknet_net_t = &mut *self.net;
        let (m, o) = (self.model.as_mut_ptr(), self.opt.as_mut_ptr());
        let mut rep = stacknet_step_report_t {
            loss: fill,
            data_loss: fill,
            grad_norm: fill,
            learning_rate: fill,
            step: 7,
            clipped: 7,
        };
        let got = unsafe {
            vec![
                stacknet_net_validate(net, m, ms, o, os),
                stacknet_net_info(net, &mut info),
                stacknet_net_init_model(net, m, ms, 1, STACKNET_INIT_UNIFORM_FAN_IN),
                stacknet_net_reset_optimizer(net, o, os),
                stacknet_net_train_step(
                    net,
                    m,
                    ms,
                    o,
                    os,
                    self.scratch.as_mut_ptr(),
                    ss,
                    x.as_ptr(),
                    y.as_ptr(),
                    BATCH,
                    &mut rep,
                ),
                stacknet_net_predict(net, m, ms, x.as_ptr(), BATCH, out.as_mut_ptr(), pscratch.as_mut_ptr(), ps),
                stacknet_net_loss(net, m, ms, x.as_ptr(), y.as_ptr(), BATCH, pscratch.as_mut_ptr(), ps, &mut v),
                stacknet_net_accuracy(net, m, ms, x.as_ptr(), y.as_ptr(), BATCH, pscratch.as_mut_ptr(), ps, &mut v),
                stacknet_net_save(net, m, ms, buf.as_mut_ptr(), buf.len(), &mut n),
                stacknet_net_save_with_optimizer(net, m, ms, o, os, buf.as_mut_ptr(), buf.len(), &mut n),
                stacknet_net_load(net, m, ms, blob.as_ptr(), blob.len(), null_mut()),
                stacknet_net_load_with_optimizer(net, m, ms, o, os, opt_blob.as_ptr(), opt_blob.len(), null_mut()),
                stacknet_net_set_hyper(net, &h, o, os),
                stacknet_net_get_hyper(net, &mut hh),
                stacknet_net_steps(net, o, os, &mut steps),
            ]
        };
        if rep.step != 7 {
            report = Some(rep);
        }
        let mut bytes: Vec<u8> = out.iter().chain(&pscratch).chain([&v]).flat_map(|f| f.to_ne_bytes()).collect();
        bytes.extend(buf);
        bytes.extend(n.to_ne_bytes());
        bytes.extend(steps.to_ne_bytes());
        bytes.extend(format!("{info:?}{hh:?}{report:?}").into_bytes());
        (got, bytes)
    }
}

/// What `call_all` writes when every call is refused.
fn untouched_outputs(f: &mut Fix) -> Vec<u8> {
    let mut g = Fix::new(&sgd_config(0.1, 0.9), 1);
    g.net = zeroed_handle(); // every call refused: not initialised
    g.sizes = f.sizes;
    g.call_all(&[], &[]).1
}

#[test]
fn sizes_match_the_runtime_and_the_saved_blobs() {
    for c in [sgd_config(0.1, 0.9), adam_config(0.01)] {
        let s = sizes_of(&LAYERS, &c).unwrap();
        let mem = rust_net(&c).memory();
        let adam = c.hyper.optimizer != STACKNET_OPTIMIZER_SGD;
        assert_eq!((s.handle_size, s.handle_align), (STACKNET_NET_SIZE, STACKNET_STATE_ALIGN));
        assert_eq!((s.model_size, s.model_align), (PARAMS * 4, 4));
        assert_eq!((s.optimizer_size, s.optimizer_align), (4 * (2 + PARAMS * if adam { 2 } else { 1 }), 4));
        assert_eq!((s.scratch_size, s.scratch_align), (mem.scratch.bytes, 4));
        assert_eq!(s.optimizer_size, mem.optimizer.bytes);
        // Activations: 16 + 16 + 8 + 8 + 3 columns per row; the loss adds a gradient row.
        assert_eq!((s.predict_scratch_per_row, s.loss_scratch_per_row), (51 * 4, 54 * 4));
        assert_eq!(s.save_size, stacknet::persist::max_len::<Bricks>());
        let with = if adam {
            stacknet::persist::max_len_with_adam::<Bricks>()
        } else {
            stacknet::persist::max_len_with_optimizer::<Bricks>()
        };
        assert_eq!(s.save_with_optimizer_size, with);
        assert_eq!((s.inputs, s.outputs, s.batch, s.params), (4, 3, BATCH as u32, PARAMS as u32));
        let f = Fix::new(&c, 3);
        let mut info = stacknet_net_sizes_t::default();
        assert_eq!(unsafe { stacknet_net_info(&*f.net, &mut info) }, STACKNET_OK);
        assert_eq!(info, s);
        assert_eq!(f.save(false).len(), s.save_size);
        assert_eq!(f.save(true).len(), s.save_with_optimizer_size);
    }
    assert_eq!(size_of::<stacknet_net_t>(), STACKNET_NET_SIZE);
    assert_eq!(align_of::<stacknet_net_t>(), STACKNET_STATE_ALIGN);
}

/// The same description trained through C and through Rust's `runtime::Net`: every report,
/// weight and optimizer value bit-identical; the initial weights are the bricks' too.
#[test]
fn the_c_path_trains_bit_identically_to_the_runtime_net() {
    for c in [sgd_config(0.1, 0.9), adam_config(0.01)] {
        let mut f = Fix::new(&c, 11);
        let rt = rust_net(&c);
        let mut model = vec![0.0; rt.params()];
        rt.init(&mut model, &mut stacknet::init::rng(11), Init::HeNormal).unwrap();
        let bricks: Bricks = Layer::random(&mut stacknet::init::rng(11), Init::HeNormal);
        assert_eq!(bits(&f.model), bits(&model));
        assert_eq!(bits(&f.model), bits(&params(&bricks)));
        let mut opt = vec![0.0; rt.memory().optimizer.floats];
        let mut scratch = vec![0.0; rt.memory().scratch.floats];
        let mut first = None;
        for i in 0..60 {
            let (x, y) = blobs(BATCH, i);
            let want = rt.train_step(&mut model, &mut opt, &mut scratch, &x, &y).unwrap();
            let (s, got) = f.step(&x, &y);
            assert_eq!(s, STACKNET_OK);
            let w =
                (want.loss.to_bits(), want.data_loss.to_bits(), want.grad_norm.to_bits(), want.lr.to_bits(), want.step);
            let g = (
                got.loss.to_bits(),
                got.data_loss.to_bits(),
                got.grad_norm.to_bits(),
                got.learning_rate.to_bits(),
                got.step,
            );
            assert_eq!(g, w, "step {i}");
            assert_eq!(got.clipped, u32::from(want.clipped));
            assert_eq!(bits(&f.model), bits(&model), "step {i}");
            assert_eq!(bits(&f.opt), bits(&opt), "step {i}");
            first.get_or_insert(got.loss);
        }
        assert_eq!(f.steps(), 60);
        assert!(f.model.iter().chain(&f.opt).all(|v| v.is_finite()));
        assert_eq!(f.validate(), STACKNET_OK);
        // It learns: loss and accuracy on held-out rows.
        let (x, y) = blobs(96, 1000);
        let (mut loss, mut acc) = (0.0f32, 0.0f32);
        let mut ps = vec![0.0f32; 96 * f.sizes.loss_scratch_per_row / 4];
        unsafe {
            let ms = f.model.len() * 4;
            assert_eq!(
                stacknet_net_loss(
                    &*f.net,
                    f.model.as_ptr(),
                    ms,
                    x.as_ptr(),
                    y.as_ptr(),
                    96,
                    ps.as_mut_ptr(),
                    ps.len() * 4,
                    &mut loss
                ),
                STACKNET_OK
            );
            assert_eq!(
                stacknet_net_accuracy(
                    &*f.net,
                    f.model.as_ptr(),
                    ms,
                    x.as_ptr(),
                    y.as_ptr(),
                    96,
                    ps.as_mut_ptr(),
                    ps.len() * 4,
                    &mut acc
                ),
                STACKNET_OK
            );
        }
        let mut rs = vec![0.0; 96 * 54];
        assert_eq!(loss.to_bits(), rt.loss(&model, &x, &y, &mut rs).unwrap().to_bits());
        assert_eq!(acc.to_bits(), rt.accuracy(&model, &x, &y, &mut rs).unwrap().to_bits());
        assert!(loss < first.unwrap(), "{loss} ≥ {first:?}");
        assert!(acc >= 0.9, "accuracy {acc}");
        let mut out = vec![0.0; 96 * 3];
        rt.predict(&model, &x, &mut out, &mut rs).unwrap();
        assert_eq!(bits(&f.predict(&x)), bits(&out));
    }
}

/// Blobs saved by Rust's bricks load through C, and C's blobs load into the bricks and the
/// runtime `Net`, with and without optimizer state (SGD + momentum and AdamW); training
/// continues bit-identically on both sides.
#[test]
fn blobs_move_both_ways_between_c_and_rust() {
    // Rust bricks → C.
    let c = adam_config(0.01);
    let objective = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(c.hyper.ridge, c.l1).unwrap());
    let mut net: Bricks = Layer::random(&mut stacknet::init::rng(21), Init::HeNormal);
    let mut opt = Adam::new(0.01, &net).unwrap().with_weight_decay(1e-2).unwrap();
    opt = opt.with_schedule(Schedule::ExpDecay { rate: 1e-3 }).unwrap().with_clip(Clip::Value(1.0)).unwrap();
    let mut ws = Workspace::<Bricks, BATCH>::new();
    let batch = |i| {
        let (x, y) = blobs(BATCH, i);
        let xs: [[f32; 4]; BATCH] = std::array::from_fn(|r| x[r * 4..r * 4 + 4].try_into().unwrap());
        let ys: [[f32; 3]; BATCH] = std::array::from_fn(|r| y[r * 3..r * 3 + 3].try_into().unwrap());
        (xs, ys)
    };
    for i in 0..10 {
        let (x, y) = batch(i);
        train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
    }
    let mut blob = vec![0u8; stacknet::persist::max_len_with_adam::<Bricks>()];
    let n = stacknet::persist::save_with_optimizer(&net, &opt, &mut blob).unwrap();
    blob.truncate(n);
    let mut model_blob = vec![0u8; stacknet::persist::max_len::<Bricks>()];
    let nm = stacknet::persist::save(&net, &mut model_blob).unwrap();
    model_blob.truncate(nm);

    let mut f = Fix::new(&c, 0);
    assert_eq!(f.load(&model_blob, false), STACKNET_OK);
    assert_eq!(bits(&f.model), bits(&params(&net)));
    assert_eq!(f.load(&blob, true), STACKNET_OK);
    assert_eq!(f.steps(), 10);
    assert_eq!(f.validate(), STACKNET_OK);
    assert_eq!(f.save(true), blob, "C writes the bytes the bricks wrote");
    assert_eq!(f.save(false), model_blob);
    for i in 10..20 {
        let (x, y) = batch(i);
        let want = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
        let (xf, yf) = blobs(BATCH, i);
        let (s, got) = f.step(&xf, &yf);
        assert_eq!((s, got.loss.to_bits(), got.step), (STACKNET_OK, want.loss.to_bits(), want.step));
    }
    assert_eq!(bits(&f.model), bits(&params(&net)));

    // C → Rust bricks and runtime Net, SGD with momentum.
    let c = sgd_config(0.1, 0.9);
    let mut f = Fix::new(&c, 22);
    f.train(0, 7);
    let blob = f.save(true);
    let mut back: Bricks = Layer::random(&mut stacknet::init::rng(0), Init::HeNormal);
    let sgd = Sgd::new(0.1).unwrap().with_schedule(Schedule::ExpDecay { rate: 1e-3 }).unwrap();
    let mut mom = sgd.with_clip(Clip::Norm(5.0)).unwrap().with_momentum(0.9, &back).unwrap();
    assert_eq!(stacknet::persist::load_with_optimizer(&mut back, &mut mom, &blob), Ok(blob.len()));
    assert_eq!((bits(&params(&back)), mom.steps()), (bits(&f.model), 7));
    assert_eq!(bits(&params(&mom.velocity().0)), bits(&f.opt[2..]));
    let model_blob = f.save(false);
    let mut back2: Bricks = Layer::random(&mut stacknet::init::rng(0), Init::HeNormal);
    assert_eq!(stacknet::persist::load(&mut back2, &model_blob), Ok(model_blob.len()));
    assert_eq!(bits(&params(&back2)), bits(&f.model));
    let rt = rust_net(&c);
    let (mut m, mut o) = (vec![0.0; rt.params()], vec![0.0; rt.memory().optimizer.floats]);
    assert_eq!(rt.load_with_optimizer(&mut m, &mut o, &blob), Ok(blob.len()));
    assert_eq!((bits(&m), bits(&o)), (bits(&f.model), bits(&f.opt)));
    // And the bricks continue where C stopped.
    let objective = Objective::new(Loss::SoftmaxCrossEntropy, Penalty::new(c.hyper.ridge, c.l1).unwrap());
    for i in 7..12 {
        let (x, y) = batch(i);
        let want = train_step(&mut back, &x, &y, &mut ws, &mut mom, &objective).unwrap();
        let (s, got) = f.step(&blobs(BATCH, i).0, &blobs(BATCH, i).1);
        assert_eq!((s, got.loss.to_bits(), got.step), (STACKNET_OK, want.loss.to_bits(), want.step));
    }
    set_params(&mut back2, &f.model);
    assert_eq!(bits(&params(&back)), bits(&params(&back2)));

    // An SGD blob into an Adam handle, a model blob of another shape: refused, nothing changed.
    let mut a = Fix::new(&adam_config(0.01), 5);
    let keep = a.snapshot();
    assert_eq!(a.load(&blob, true), STACKNET_ERR_BLOB_MODEL);
    let other: (Dense<4, 16>, Tanh<16>, Dense<16, 3>) = Layer::random(&mut stacknet::init::rng(0), Init::HeNormal);
    let mut ob = vec![0u8; 1024];
    let on = stacknet::persist::save(&other, &mut ob).unwrap();
    assert_eq!(a.load(&ob[..on], false), STACKNET_ERR_BLOB_MODEL);
    let mut bad = model_blob.clone();
    bad[40] ^= 1;
    assert_eq!(a.load(&bad, false), STACKNET_ERR_BLOB_CORRUPT);
    let mut ver = model_blob.clone();
    ver[4] = 99;
    assert_eq!(a.load(&ver, false), STACKNET_ERR_BLOB_VERSION);
    assert_eq!(a.load(&model_blob[..20], false), STACKNET_ERR_BLOB_CORRUPT);
    assert_eq!(a.snapshot(), keep);
}

/// `init` → `load_with_optimizer` → `set_hyper` (same kind) continues the saved run: the step
/// count is kept and the next steps equal the uninterrupted run's. A change of kind resets.
#[test]
fn save_load_set_hyper_continues_the_run() {
    for c in [sgd_config(0.1, 0.9), adam_config(0.01)] {
        let mut a = Fix::new(&c, 31);
        a.train(0, 25);
        let blob = a.save(true);
        let mut h2 = c.hyper;
        h2.learning_rate *= 0.5;
        assert_eq!(a.set_hyper(&h2), STACKNET_OK);
        assert_eq!(a.steps(), 25);

        let mut b = Fix::new(&c, 99);
        assert_eq!(b.load(&blob, true), STACKNET_OK);
        assert_eq!(b.set_hyper(&h2), STACKNET_OK);
        assert_eq!(b.steps(), 25);
        let mut got = hyper();
        assert_eq!(unsafe { stacknet_net_get_hyper(&*b.net, &mut got) }, STACKNET_OK);
        assert_eq!(got, h2);
        let (ra, rb) = (a.train(25, 5), b.train(25, 5));
        assert_eq!((rb.step, rb.loss.to_bits(), rb.learning_rate), (30, ra.loss.to_bits(), ra.learning_rate));
        assert_eq!((bits(&a.model), bits(&a.opt)), (bits(&b.model), bits(&b.opt)));
        assert_eq!(handle_bytes(&a.net), handle_bytes(&b.net));
    }
    // SGD → Adam with an SGD-sized optimizer buffer: refused; with room: reset to step 0.
    let mut f = Fix::new(&sgd_config(0.1, 0.9), 4);
    f.train(0, 3);
    let keep = f.snapshot();
    let adam = adam_config(0.01).hyper;
    assert_eq!(f.set_hyper(&adam), STACKNET_ERR_BUFFER_TOO_SMALL);
    assert_eq!(f.snapshot(), keep);
    f.opt.resize(2 + 2 * PARAMS, 1.0);
    assert_eq!(f.set_hyper(&adam), STACKNET_OK);
    assert_eq!(f.steps(), 0);
    assert!(f.opt.iter().all(|v| *v == 0.0));
    assert_eq!(f.model, keep.1.iter().map(|b| f32::from_bits(*b)).collect::<Vec<_>>());
    assert_eq!(f.train(3, 2).step, 2);
}

/// Every status each function can return, reached; each refusal leaves the handle, model,
/// optimizer and scratch bit-identical.
#[test]
fn every_status_path_refuses_without_writing() {
    let c = sgd_config(0.1, 0.9);
    let mut f = Fix::new(&c, 8);
    f.train(0, 3);
    let (x, y) = blobs(BATCH, 50);
    let keep = f.snapshot();
    let sz = f.sizes;
    let (ms, os, ss) = (sz.model_size, sz.optimizer_size, sz.scratch_size);
    let mut r =
        stacknet_step_report_t { loss: 0.0, data_loss: 0.0, grad_norm: 0.0, learning_rate: 0.0, step: 0, clipped: 0 };
    let net: *mut stacknet_net_t = &mut *f.net;
    let (m, o, sc) = (f.model.as_mut_ptr(), f.opt.as_mut_ptr(), f.scratch.as_mut_ptr());
    let mis = |p: *mut f32| p.cast::<u8>().wrapping_add(1).cast::<f32>();
    let train = |net, m, ms, o, os, sc, ss, x: *const f32, y: *const f32, rows, r: *mut stacknet_step_report_t| unsafe {
        stacknet_net_train_step(net, m, ms, o, os, sc, ss, x, y, rows, r)
    };
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    let mut nan = x.clone();
    nan[5] = f32::NAN;
    let mut inf = y.clone();
    inf[2] = f32::INFINITY;
    let cases: Vec<(S, S, &str)> = vec![
        (train(null_mut(), m, ms, o, os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_NULL, "net"),
        (train(net, null_mut(), ms, o, os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_NULL, "model"),
        (train(net, m, ms, null_mut(), os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_NULL, "opt"),
        (train(net, m, ms, o, os, null_mut(), ss, xp, yp, BATCH, &mut r), STACKNET_ERR_NULL, "scratch"),
        (train(net, m, ms, o, os, sc, ss, null(), yp, BATCH, &mut r), STACKNET_ERR_NULL, "x"),
        (train(net, m, ms, o, os, sc, ss, xp, null(), BATCH, &mut r), STACKNET_ERR_NULL, "y"),
        (
            train(net.cast::<u8>().wrapping_add(4).cast(), m, ms, o, os, sc, ss, xp, yp, BATCH, &mut r),
            STACKNET_ERR_MISALIGNED,
            "net",
        ),
        (train(net, mis(m), ms, o, os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_MISALIGNED, "model"),
        (train(net, m, ms, mis(o), os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_MISALIGNED, "opt"),
        (train(net, m, ms, o, os, mis(sc), ss, xp, yp, BATCH, &mut r), STACKNET_ERR_MISALIGNED, "scratch"),
        (
            train(
                net,
                m,
                ms,
                o,
                os,
                sc,
                ss,
                xp,
                yp,
                BATCH,
                (&mut r as *mut stacknet_step_report_t).cast::<u8>().wrapping_add(1).cast(),
            ),
            STACKNET_ERR_MISALIGNED,
            "report",
        ),
        (train(net, m, ms, o, os, sc, ss, xp, yp, BATCH - 1, &mut r), STACKNET_ERR_DIMENSIONS, "rows"),
        (train(net, m, ms - 4, o, os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_BUFFER_TOO_SMALL, "model"),
        (train(net, m, ms, o, os - 1, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_BUFFER_TOO_SMALL, "opt"),
        (train(net, m, ms, o, os, sc, ss - 4, xp, yp, BATCH, &mut r), STACKNET_ERR_BUFFER_TOO_SMALL, "scratch"),
        (train(net, m, ms, m, os, sc, ss, xp, yp, BATCH, &mut r), STACKNET_ERR_OVERLAP, "model = opt"),
        (train(net, m, ms, o, os, sc, ss, m, yp, BATCH, &mut r), STACKNET_ERR_OVERLAP, "x in model"),
        (train(net, m, ms, o, os, sc, ss, xp, yp, BATCH, sc.cast()), STACKNET_ERR_OVERLAP, "report in scratch"),
        (train(net, m, ms, o, os, sc, ss, nan.as_ptr(), yp, BATCH, &mut r), STACKNET_ERR_NON_FINITE, "x"),
        (train(net, m, ms, o, os, sc, ss, xp, inf.as_ptr(), BATCH, &mut r), STACKNET_ERR_NON_FINITE, "y"),
    ];
    for (got, want, what) in cases {
        assert_eq!(got, want, "train_step: {what}");
        assert_eq!(f.snapshot(), keep, "train_step: {what}");
    }
    // Diverged: a huge learning rate; model, optimizer and handle unchanged (scratch aside).
    let mut h = c.hyper;
    h.learning_rate = 1e30;
    h.clip = STACKNET_CLIP_NONE;
    assert_eq!(f.set_hyper(&h), STACKNET_OK);
    let (big_x, big_y) = (x.iter().map(|v| v * 1e30).collect::<Vec<_>>(), y.clone());
    let mut diverged = false;
    for _ in 0..3 {
        let before = f.snapshot();
        let (s, _) = f.step(&big_x, &big_y);
        if s == STACKNET_ERR_DIVERGED {
            diverged = true;
            let now = f.snapshot();
            assert_eq!((now.0, now.1, now.2), (before.0, before.1, before.2));
            break;
        }
        assert_eq!(s, STACKNET_OK);
    }
    assert!(diverged, "a 1e30 step on 1e30 inputs diverges");
    assert!(f.model.iter().all(|v| v.is_finite()));
    assert_eq!(f.set_hyper(&c.hyper), STACKNET_OK);

    // Tracked buffers: a handle that never wrote a model refuses to train on one.
    let mut g = Fix::new(&c, 8);
    let mut fresh = zeroed_handle();
    unsafe {
        assert_eq!(stacknet_net_init(&mut *fresh, STACKNET_NET_SIZE, LAYERS.as_ptr(), 5, &c), STACKNET_OK);
    }
    std::mem::swap(&mut g.net, &mut fresh);
    let gk = g.snapshot();
    assert_eq!(g.step(&x, &y).0, STACKNET_ERR_NOT_INITIALIZED);
    assert_eq!(g.validate(), STACKNET_ERR_NOT_INITIALIZED);
    assert_eq!(unsafe { stacknet_net_validate(&*g.net, null(), 0, null(), 0) }, STACKNET_OK);
    assert_eq!(g.snapshot(), gk);
    // Never initialised at all.
    let mut z = Fix::new(&c, 8);
    z.net = zeroed_handle();
    let (st, _) = z.call_all(&[], &[]);
    assert!(st.iter().all(|s| *s == STACKNET_ERR_NOT_INITIALIZED), "{st:?}");

    // init / sizes: descriptors and configuration.
    let init = |layers: &[stacknet_layer_t], c: &stacknet_net_config_t| {
        let mut h = zeroed_handle();
        let s = unsafe { stacknet_net_init(&mut *h, STACKNET_NET_SIZE, layers.as_ptr(), layers.len(), c) };
        let sz = sizes_of(layers, c).err().unwrap_or(STACKNET_OK);
        assert_eq!(s, sz, "init and sizes agree");
        if s != STACKNET_OK {
            assert!(h.opaque.iter().all(|w| *w == 0), "a refused init wrote the handle");
        }
        s
    };
    let mut wide = LAYERS;
    wide[2].inputs = 15;
    let mut zero = LAYERS;
    zero[0].outputs = 0;
    let mut kind = LAYERS;
    kind[1].kind = 9;
    let mut bias = LAYERS;
    bias[0].bias = 2;
    let deep = [dense(2, 2); STACKNET_NET_MAX_LAYERS + 1];
    assert_eq!(init(&LAYERS, &c), STACKNET_OK);
    assert_eq!(init(&wide, &c), STACKNET_ERR_DIMENSIONS);
    assert_eq!(init(&zero, &c), STACKNET_ERR_DIMENSIONS);
    assert_eq!(init(&LAYERS[1..], &c), STACKNET_ERR_DIMENSIONS);
    assert_eq!(init(&LAYERS[..0], &c), STACKNET_ERR_DIMENSIONS);
    assert_eq!(init(&deep, &c), STACKNET_ERR_DIMENSIONS);
    assert_eq!(init(&deep[..STACKNET_NET_MAX_LAYERS], &c), STACKNET_OK);
    assert_eq!(init(&[dense(u32::MAX, u32::MAX), dense(u32::MAX, u32::MAX)], &c), STACKNET_ERR_DIMENSIONS);
    assert_eq!(init(&kind, &c), STACKNET_ERR_BAD_ARGUMENT);
    assert_eq!(init(&bias, &c), STACKNET_ERR_BAD_ARGUMENT);
    let bad_cfg = |f: &dyn Fn(&mut stacknet_net_config_t)| {
        let mut c2 = c;
        f(&mut c2);
        init(&LAYERS, &c2)
    };
    assert_eq!(bad_cfg(&|c| c.batch = 0), STACKNET_ERR_DIMENSIONS);
    assert_eq!(bad_cfg(&|c| c.loss = 2), STACKNET_ERR_BAD_ARGUMENT);
    assert_eq!(bad_cfg(&|c| c.l1 = -1.0), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.l1 = f32::NAN), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.hyper.ridge = -1.0), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.hyper.learning_rate = 0.0), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.hyper.momentum = 1.0), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.hyper.optimizer = 3), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.hyper.schedule = 7), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(bad_cfg(&|c| c.hyper.clip_threshold = -1.0), STACKNET_ERR_HYPERPARAMETER);
    assert_eq!(
        bad_cfg(&|c| {
            c.hyper.optimizer = STACKNET_OPTIMIZER_ADAM;
            c.hyper.beta2 = 1.0
        }),
        STACKNET_ERR_HYPERPARAMETER
    );
    unsafe {
        let mut h = zeroed_handle();
        assert_eq!(
            stacknet_net_init(&mut *h, STACKNET_NET_SIZE - 1, LAYERS.as_ptr(), 5, &c),
            STACKNET_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(stacknet_net_init(null_mut(), STACKNET_NET_SIZE, LAYERS.as_ptr(), 5, &c), STACKNET_ERR_NULL);
        assert_eq!(stacknet_net_init(&mut *h, STACKNET_NET_SIZE, null(), 5, &c), STACKNET_ERR_NULL);
        assert_eq!(stacknet_net_init(&mut *h, STACKNET_NET_SIZE, LAYERS.as_ptr(), 5, null()), STACKNET_ERR_NULL);
        let hp: *mut stacknet_net_t = &mut *h;
        assert_eq!(
            stacknet_net_init(hp.cast::<u8>().wrapping_add(4).cast(), STACKNET_NET_SIZE, LAYERS.as_ptr(), 5, &c),
            STACKNET_ERR_MISALIGNED
        );
        // Descriptors inside the handle.
        let inside = hp.cast::<stacknet_layer_t>();
        assert_eq!(stacknet_net_init(hp, STACKNET_NET_SIZE, inside, 5, &c), STACKNET_ERR_OVERLAP);
        let mut s = stacknet_net_sizes_t::default();
        assert_eq!(stacknet_net_sizes(LAYERS.as_ptr(), 5, &c, null_mut()), STACKNET_ERR_NULL);
        assert_eq!(
            stacknet_net_sizes(
                LAYERS.as_ptr(),
                5,
                &c,
                (&mut s as *mut stacknet_net_sizes_t).cast::<u8>().wrapping_add(1).cast()
            ),
            STACKNET_ERR_MISALIGNED
        );
    }

    // predict / loss / accuracy / save / load / steps / set_hyper / init_model.
    let keep = f.snapshot();
    let net: *mut stacknet_net_t = &mut *f.net;
    let (m, o) = (f.model.as_mut_ptr(), f.opt.as_mut_ptr());
    let rows = 4;
    let mut out = vec![0.0f32; rows * 3];
    let mut ps = vec![0.0f32; rows * sz.loss_scratch_per_row / 4];
    let pss = rows * sz.predict_scratch_per_row;
    let (op, pp) = (out.as_mut_ptr(), ps.as_mut_ptr());
    let mut v = 0.0f32;
    let mut buf = vec![0u8; sz.save_with_optimizer_size];
    let (bp, bl) = (buf.as_mut_ptr(), buf.len());
    let mut n = 0usize;
    let mut steps = 0u32;
    let bad_hyper = {
        let mut h = c.hyper;
        h.eps = 0.0;
        h.optimizer = STACKNET_OPTIMIZER_ADAM;
        h
    };
    let blob = f.save(true);
    let mut wrong = blob.clone();
    wrong[8] ^= 0x40;
    let cases: Vec<(S, S, &str)> = unsafe {
        vec![
            (stacknet_net_predict(net, m, ms, xp, 0, op, pp, pss), STACKNET_ERR_DIMENSIONS, "predict rows 0"),
            (
                stacknet_net_predict(net, m, ms, xp, usize::MAX / 2, op, pp, pss),
                STACKNET_ERR_DIMENSIONS,
                "predict rows overflow",
            ),
            (
                stacknet_net_predict(net, m, ms, xp, rows, op, pp, pss - 4),
                STACKNET_ERR_BUFFER_TOO_SMALL,
                "predict scratch",
            ),
            (
                stacknet_net_predict(net, m, ms - 4, xp, rows, op, pp, pss),
                STACKNET_ERR_BUFFER_TOO_SMALL,
                "predict model",
            ),
            (stacknet_net_predict(net, m, ms, xp, rows, m, pp, pss), STACKNET_ERR_OVERLAP, "predict out = model"),
            (stacknet_net_predict(net, m, ms, xp, rows, op, op, pss), STACKNET_ERR_OVERLAP, "predict out = scratch"),
            (
                stacknet_net_predict(net, m, ms, xp, rows, net.cast(), pp, pss),
                STACKNET_ERR_OVERLAP,
                "predict out = handle",
            ),
            (stacknet_net_predict(net, m, ms, nan.as_ptr(), rows, op, pp, pss), STACKNET_ERR_NON_FINITE, "predict NaN"),
            (stacknet_net_predict(net, null(), ms, xp, rows, op, pp, pss), STACKNET_ERR_NULL, "predict model"),
            (stacknet_net_predict(net, m, ms, xp, rows, mis(op), pp, pss), STACKNET_ERR_MISALIGNED, "predict out"),
            (
                stacknet_net_loss(net, m, ms, xp, yp, rows, pp, pss, &mut v),
                STACKNET_ERR_BUFFER_TOO_SMALL,
                "loss scratch",
            ),
            (
                stacknet_net_loss(net, m, ms, xp, inf.as_ptr(), rows, pp, ps.len() * 4, &mut v),
                STACKNET_ERR_NON_FINITE,
                "loss y",
            ),
            (stacknet_net_loss(net, m, ms, xp, yp, rows, pp, ps.len() * 4, null_mut()), STACKNET_ERR_NULL, "loss out"),
            (
                stacknet_net_accuracy(net, m, ms, xp, yp, rows, pp, pss, pp),
                STACKNET_ERR_OVERLAP,
                "accuracy out in scratch",
            ),
            (stacknet_net_accuracy(net, m, ms, xp, null(), rows, pp, pss, &mut v), STACKNET_ERR_NULL, "accuracy y"),
            (stacknet_net_save(net, m, ms, bp, sz.save_size - 1, &mut n), STACKNET_ERR_BUFFER_TOO_SMALL, "save cap"),
            (stacknet_net_save(net, m, ms, m.cast(), ms, &mut n), STACKNET_ERR_OVERLAP, "save into model"),
            (stacknet_net_save(net, m, ms, bp, bl, null_mut()), STACKNET_ERR_NULL, "save written"),
            (
                stacknet_net_save_with_optimizer(net, m, ms, o, os, bp, sz.save_with_optimizer_size - 1, &mut n),
                STACKNET_ERR_BUFFER_TOO_SMALL,
                "save_with_optimizer cap",
            ),
            (
                stacknet_net_save_with_optimizer(net, m, ms, o, os - 4, bp, bl, &mut n),
                STACKNET_ERR_BUFFER_TOO_SMALL,
                "save opt size",
            ),
            (stacknet_net_load(net, m, ms, m.cast(), ms, null_mut()), STACKNET_ERR_OVERLAP, "load from model"),
            (stacknet_net_load(net, m, ms, null(), 0, null_mut()), STACKNET_ERR_NULL, "load buf"),
            (
                stacknet_net_load_with_optimizer(net, m, ms, o, os, wrong.as_ptr(), wrong.len(), null_mut()),
                STACKNET_ERR_BLOB_CORRUPT,
                "load corrupt",
            ),
            (
                stacknet_net_load_with_optimizer(net, m, ms, o, os - 4, blob.as_ptr(), blob.len(), null_mut()),
                STACKNET_ERR_BUFFER_TOO_SMALL,
                "load opt",
            ),
            (stacknet_net_steps(net, o, 4, &mut steps), STACKNET_ERR_BUFFER_TOO_SMALL, "steps"),
            (stacknet_net_steps(net, o, os, null_mut()), STACKNET_ERR_NULL, "steps out"),
            (stacknet_net_set_hyper(net, &bad_hyper, o, os), STACKNET_ERR_HYPERPARAMETER, "set_hyper eps"),
            (stacknet_net_set_hyper(net, null(), o, os), STACKNET_ERR_NULL, "set_hyper hyper"),
            (stacknet_net_set_hyper(net, o.cast(), o, os), STACKNET_ERR_OVERLAP, "set_hyper hyper in opt"),
            (stacknet_net_init_model(net, m, ms, 1, 9), STACKNET_ERR_BAD_ARGUMENT, "init_model scheme"),
            (stacknet_net_init_model(net, m, ms - 1, 1, 0), STACKNET_ERR_BUFFER_TOO_SMALL, "init_model size"),
            (stacknet_net_init_model(net, net.cast(), ms, 1, 0), STACKNET_ERR_OVERLAP, "init_model into handle"),
            (stacknet_net_reset_optimizer(net, o, os - 4), STACKNET_ERR_BUFFER_TOO_SMALL, "reset size"),
            (stacknet_net_info(net, null_mut()), STACKNET_ERR_NULL, "info"),
            (stacknet_net_get_hyper(net, net.cast()), STACKNET_ERR_OVERLAP, "get_hyper into handle"),
            (stacknet_net_validate(net, m, ms - 4, o, os), STACKNET_ERR_BUFFER_TOO_SMALL, "validate size"),
            (stacknet_net_validate(net, mis(m), ms, o, os), STACKNET_ERR_MISALIGNED, "validate model"),
        ]
    };
    for (got, want, what) in cases {
        assert_eq!(got, want, "{what}");
    }
    assert_eq!(f.snapshot(), keep);
    assert!(out.iter().chain(&ps).all(|v| *v == 0.0) && v == 0.0 && n == 0 && steps == 0);
    assert!(buf.iter().all(|b| *b == 0));
}

/// Every single-bit flip of a trained handle is refused by every function, which writes
/// nothing; every flip of the model or the optimizer state is caught by `validate` and
/// refused by `train_step`.
#[test]
fn every_bit_flip_is_refused() {
    for c in [sgd_config(0.1, 0.9), adam_config(0.01)] {
        let mut f = Fix::new(&c, 12);
        f.train(0, 5);
        let (blob, opt_blob) = (f.save(false), f.save(true));
        let untouched = untouched_outputs(&mut f);
        let (st, _) = f.call_all(&blob, &opt_blob);
        assert!(st.iter().all(|s| *s == STACKNET_OK), "a trained handle accepts every call: {st:?}");
        let mut f = Fix::new(&c, 12);
        f.train(0, 5);
        let keep = f.snapshot();
        for byte in 0..STACKNET_NET_SIZE {
            for bit in 0..8 {
                let flip = |f: &mut Fix| {
                    let mut w = f.net.opaque[byte / 8].to_ne_bytes();
                    w[byte % 8] ^= 1 << bit;
                    f.net.opaque[byte / 8] = u64::from_ne_bytes(w);
                };
                flip(&mut f);
                let flipped = f.snapshot();
                let (st, outs) = f.call_all(&blob, &opt_blob);
                // The magic's bytes say "never initialised"; every other byte fails the CRC.
                let want = if byte < 4 { STACKNET_ERR_NOT_INITIALIZED } else { STACKNET_ERR_STATE_CORRUPT };
                assert!(st.iter().all(|s| *s == want), "byte {byte} bit {bit}: {st:?}");
                assert!(f.snapshot() == flipped, "byte {byte} bit {bit}: a refused call wrote");
                assert!(outs == untouched, "byte {byte} bit {bit}: a refused call wrote an output");
                flip(&mut f);
                assert!(f.snapshot() == keep);
            }
        }
        for which in 0..2 {
            let len = if which == 0 { f.model.len() } else { f.opt.len() };
            for i in 0..len {
                for bit in 0..32 {
                    let buf = if which == 0 { &mut f.model } else { &mut f.opt };
                    buf[i] = f32::from_bits(buf[i].to_bits() ^ (1 << bit));
                    let flipped = f.snapshot();
                    assert_eq!(f.validate(), STACKNET_ERR_STATE_CORRUPT, "buffer {which} value {i} bit {bit}");
                    let (x, y) = blobs(BATCH, 1);
                    assert_eq!(f.step(&x, &y).0, STACKNET_ERR_STATE_CORRUPT);
                    assert!(f.snapshot() == flipped);
                    let buf = if which == 0 { &mut f.model } else { &mut f.opt };
                    buf[i] = f32::from_bits(buf[i].to_bits() ^ (1 << bit));
                }
            }
        }
        assert_eq!(f.validate(), STACKNET_OK);
        assert_eq!(f.snapshot(), keep);
    }
}

/// A handle's bytes depend only on the calls: over 0x00- and 0xFF-filled memory, after
/// init, init_model, steps, set_hyper (same kind and a change of kind) and loads.
#[test]
fn handle_bytes_depend_only_on_the_calls() {
    let run = |fill: u64| {
        let c = sgd_config(0.1, 0.9);
        let mut f = Fix::new(&c, 3);
        f.net.opaque = [fill; STACKNET_NET_WORDS];
        let mut layers = LAYERS;
        layers[1].inputs = 77; // ignored for activations: canonicalised
        unsafe {
            assert_eq!(stacknet_net_init(&mut *f.net, STACKNET_NET_SIZE, layers.as_ptr(), 5, &c), STACKNET_OK);
        }
        let mut trace = vec![handle_bytes(&f.net)];
        unsafe {
            let ms = f.model.len() * 4;
            assert_eq!(
                stacknet_net_init_model(&mut *f.net, f.model.as_mut_ptr(), ms, 3, STACKNET_INIT_HE_NORMAL),
                STACKNET_OK
            );
            let os = f.opt.len() * 4;
            assert_eq!(stacknet_net_reset_optimizer(&mut *f.net, f.opt.as_mut_ptr(), os), STACKNET_OK);
        }
        trace.push(handle_bytes(&f.net));
        f.train(0, 3);
        trace.push(handle_bytes(&f.net));
        let blob = f.save(true);
        let mut h = c.hyper;
        h.momentum = 0.5;
        assert_eq!(f.set_hyper(&h), STACKNET_OK);
        trace.push(handle_bytes(&f.net));
        f.opt.resize(2 + 2 * PARAMS, 0.0);
        assert_eq!(f.set_hyper(&adam_config(0.01).hyper), STACKNET_OK);
        trace.push(handle_bytes(&f.net));
        assert_eq!(f.set_hyper(&c.hyper), STACKNET_OK);
        assert_eq!(f.load(&blob, true), STACKNET_OK);
        trace.push(handle_bytes(&f.net));
        trace
    };
    let (a, b) = (run(0), run(u64::MAX));
    assert_eq!(a, b);
    assert!(a.windows(2).all(|w| w[0] != w[1]), "each call changed the handle");
}

/// MSE, sigmoid layers and a `DENSE` without bias: the C path against `runtime::Net` and the
/// bricks (initial weights, every step's report and weights), with SGD and momentum, on XOR.
#[test]
fn an_mse_sigmoid_network_without_a_bias_matches_rust() {
    use stacknet::nn::{Bias, Sigmoid};
    let layers = [
        stacknet_layer_t { kind: STACKNET_LAYER_DENSE, inputs: 2, outputs: 10, bias: 0 },
        act(STACKNET_LAYER_SIGMOID),
        stacknet_layer_t { kind: STACKNET_LAYER_DENSE, inputs: 10, outputs: 2, bias: 1 },
        act(STACKNET_LAYER_SIGMOID),
    ];
    let spec = [
        LayerSpec::Dense { inputs: 2, outputs: 10, bias: Bias::Without },
        LayerSpec::Sigmoid,
        LayerSpec::Dense { inputs: 10, outputs: 2, bias: Bias::With },
        LayerSpec::Sigmoid,
    ];
    let mut h = hyper();
    h.learning_rate = 2.0;
    h.momentum = 0.9;
    let c = stacknet_net_config_t { loss: STACKNET_LOSS_MSE, batch: 4, l1: 0.0, hyper: h };
    let s = sizes_of(&layers, &c).unwrap();
    assert_eq!(s.params, 2 * 10 + 10 * 2 + 2);
    let rt = Net::new(&spec, 4, Objective::mse(), OptimizerSpec::SgdMomentum(Sgd::new(2.0).unwrap(), 0.9)).unwrap();
    let mut net = zeroed_handle();
    let (mut m, mut o, mut sc) =
        (vec![0.0f32; s.model_size / 4], vec![0.0f32; s.optimizer_size / 4], vec![0.0f32; s.scratch_size / 4]);
    let (mut rm, mut ro, mut rs) =
        (vec![0.0; rt.params()], vec![0.0; rt.memory().optimizer.floats], vec![0.0; rt.memory().scratch.floats]);
    unsafe {
        assert_eq!(stacknet_net_init(&mut *net, STACKNET_NET_SIZE, layers.as_ptr(), 4, &c), STACKNET_OK);
        assert_eq!(
            stacknet_net_init_model(&mut *net, m.as_mut_ptr(), s.model_size, 9, STACKNET_INIT_UNIFORM_FAN_IN),
            STACKNET_OK
        );
        assert_eq!(stacknet_net_reset_optimizer(&mut *net, o.as_mut_ptr(), s.optimizer_size), STACKNET_OK);
    }
    rt.init(&mut rm, &mut stacknet::init::rng(9), Init::UniformFanIn).unwrap();
    let bricks: (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>) = {
        let mut b = (Dense::zeros(Bias::Without), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
        b.init(&mut stacknet::init::rng(9), Init::UniformFanIn);
        b
    };
    assert_eq!(bits(&m), bits(&rm));
    assert_eq!(bits(&m), bits(&params(&bricks)));
    let x = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let y = [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
    let mut first = 0.0;
    for i in 0..300 {
        let want = rt.train_step(&mut rm, &mut ro, &mut rs, &x, &y).unwrap();
        let mut r = stacknet_step_report_t {
            loss: 0.0,
            data_loss: 0.0,
            grad_norm: 0.0,
            learning_rate: 0.0,
            step: 0,
            clipped: 0,
        };
        let st = unsafe {
            stacknet_net_train_step(
                &mut *net,
                m.as_mut_ptr(),
                s.model_size,
                o.as_mut_ptr(),
                s.optimizer_size,
                sc.as_mut_ptr(),
                s.scratch_size,
                x.as_ptr(),
                y.as_ptr(),
                4,
                &mut r,
            )
        };
        assert_eq!((st, r.loss.to_bits(), r.step), (STACKNET_OK, want.loss.to_bits(), want.step), "step {i}");
        if i == 0 {
            first = r.loss;
        }
        assert_eq!(bits(&m), bits(&rm));
    }
    let mut acc = 0.0f32;
    let mut ps = vec![0.0f32; 4 * s.predict_scratch_per_row / 4];
    let st = unsafe {
        stacknet_net_accuracy(
            &*net,
            m.as_ptr(),
            s.model_size,
            x.as_ptr(),
            y.as_ptr(),
            4,
            ps.as_mut_ptr(),
            ps.len() * 4,
            &mut acc,
        )
    };
    assert_eq!(st, STACKNET_OK);
    let mut blob = vec![0u8; s.save_size];
    let mut n = 0;
    assert_eq!(
        unsafe { stacknet_net_save(&*net, m.as_ptr(), s.model_size, blob.as_mut_ptr(), blob.len(), &mut n) },
        STACKNET_OK
    );
    let mut back = bricks;
    assert_eq!(stacknet::persist::load(&mut back, &blob[..n]), Ok(n));
    assert_eq!(bits(&params(&back)), bits(&m));
    let mut last = 0.0;
    unsafe {
        let mut ls = vec![0.0f32; 4 * s.loss_scratch_per_row / 4];
        assert_eq!(
            stacknet_net_loss(
                &*net,
                m.as_ptr(),
                s.model_size,
                x.as_ptr(),
                y.as_ptr(),
                4,
                ls.as_mut_ptr(),
                ls.len() * 4,
                &mut last
            ),
            STACKNET_OK
        );
    }
    assert!(last < 0.25 * first, "{first} -> {last}");
    assert!(acc >= 0.75, "{acc}");
}

/// Two threads predict at once from one handle and one read-only model, each with its own
/// scratch, and get the single-threaded outputs.
#[test]
fn two_threads_share_a_model() {
    let mut f = Fix::new(&sgd_config(0.1, 0.9), 17);
    f.train(0, 20);
    let (x, _) = blobs(64, 5);
    let want = f.predict(&x);
    let (net, model, sizes) = (&*f.net, &f.model[..], f.sizes);
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut out = vec![0.0f32; 64 * 3];
                    let mut scratch = vec![0.0f32; 64 * sizes.predict_scratch_per_row / 4];
                    for _ in 0..50 {
                        let st = unsafe {
                            stacknet_net_predict(
                                net,
                                model.as_ptr(),
                                model.len() * 4,
                                x.as_ptr(),
                                64,
                                out.as_mut_ptr(),
                                scratch.as_mut_ptr(),
                                scratch.len() * 4,
                            )
                        };
                        assert_eq!(st, STACKNET_OK);
                    }
                    out
                })
            })
            .collect();
        for r in runs {
            assert_eq!(bits(&r.join().unwrap()), bits(&want));
        }
    });
}
