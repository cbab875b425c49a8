//! Networks described at run time from C (`stacknet_net_*`), from arbitrary descriptions and
//! calls: arbitrary layer lists (kinds, widths, bias flags, depths up to past the maximum,
//! widths that do not chain, zero and huge widths), arbitrary configurations (loss and
//! optimizer codes, batch, L1, every hyperparameter as an arbitrary `f32`), then a sequence
//! of operations on one handle with its model, optimizer and scratch buffers: steps on
//! arbitrary float bit patterns, predictions, loss, accuracy, saves, loads of saved and of
//! arbitrary or bit-flipped blobs, hyperparameter changes, short buffers, and bit flips in
//! the handle and the model.
//!
//! Properties: no panic; a refused call leaves the handle, the model, the optimizer state
//! and every output byte-identical (`STACKNET_ERR_DIVERGED` may change the training scratch
//! only); after a successful step every weight and optimizer value is finite and the step
//! count grew by one; a flipped handle bit is refused by every call with
//! `STACKNET_ERR_STATE_CORRUPT` (`STACKNET_ERR_NOT_INITIALIZED` in the magic); a flipped model bit is refused by `validate` and `train_step`;
//! `save` then `load` into the same network gives back the same model, bit for bit.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stacknet_capi::stacknet_status_t::*;
use stacknet_capi::*;

/// Buffers larger than this many floats are not allocated (the size query is still fuzzed).
const MAX_FLOATS: usize = 1 << 16;

#[derive(Arbitrary, Debug)]
enum Width {
    Small(u8),
    Raw(u32),
}

impl Width {
    fn get(&self) -> u32 {
        match *self {
            Width::Small(w) => u32::from(w % 12),
            Width::Raw(w) => w,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Layer {
    /// A `Dense` from the width before it (chained) to `outputs`.
    Dense { outputs: Width, bias: bool },
    /// A `Dense` with arbitrary fields.
    RawDense { inputs: Width, outputs: Width, bias: u32 },
    Sigmoid,
    Tanh,
    Relu,
    /// An arbitrary descriptor.
    Raw { kind: u32, inputs: u32, outputs: u32, bias: u32 },
}

#[derive(Arbitrary, Debug)]
enum Field {
    Lr(f32),
    Schedule(u32, u32, f32, f32),
    Ridge(f32),
    Clip(u32, f32),
    Momentum(f32),
    Optimizer(u32),
    Betas(f32, f32, f32),
    WeightDecay(f32),
}

fn apply(h: &mut stacknet_hyper_t, fields: &[Field]) {
    for f in fields {
        match *f {
            Field::Lr(v) => h.learning_rate = v,
            Field::Schedule(s, every, factor, rate) => {
                (h.schedule, h.step_every, h.step_factor, h.exp_rate) = (s % 4, every, factor, rate)
            }
            Field::Ridge(v) => h.ridge = v,
            Field::Clip(c, t) => (h.clip, h.clip_threshold) = (c % 4, t),
            Field::Momentum(v) => h.momentum = v,
            Field::Optimizer(o) => h.optimizer = o % 4,
            Field::Betas(b1, b2, eps) => (h.beta1, h.beta2, h.eps) = (b1, b2, eps),
            Field::WeightDecay(v) => h.weight_decay = v,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Data {
    /// Values in [−4, 4) from bytes.
    Small(Vec<u8>),
    /// Arbitrary bit patterns (NaN, ∞, subnormals, huge).
    Bits(Vec<u32>),
}

impl Data {
    fn fill(&self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| match self {
                Data::Small(b) if !b.is_empty() => f32::from(b[i % b.len()]) / 32.0 - 4.0,
                Data::Bits(b) if !b.is_empty() => f32::from_bits(b[i % b.len()]),
                _ => 0.5,
            })
            .collect()
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    InitModel { seed: u64, scheme: u32 },
    ResetOptimizer,
    Train { x: Data, y: Data, rows_off: i8, short: bool },
    Predict { x: Data, rows: u8, short_scratch: bool },
    Loss { x: Data, y: Data, rows: u8 },
    Accuracy { x: Data, y: Data, rows: u8 },
    SaveLoad { with_optimizer: bool },
    LoadBytes { bytes: Vec<u8>, with_optimizer: bool },
    LoadFlipped { bit: u32, with_optimizer: bool },
    SetHyper { fields: Vec<Field> },
    GetHyper,
    Steps,
    Validate,
    FlipHandle { bit: u32 },
    FlipModel { bit: u32 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    layers: Vec<Layer>,
    inputs: Width,
    loss: u32,
    batch: u8,
    raw_batch: Option<u32>,
    l1: f32,
    hyper: Vec<Field>,
    ops: Vec<Op>,
}

/// The handle, model and optimizer state as bytes: what a refused call must leave alone.
fn snapshot(net: &stacknet_net_t, model: &[f32], opt: &[f32]) -> (Vec<u64>, Vec<u32>, Vec<u32>) {
    (net.opaque.to_vec(), model.iter().map(|v| v.to_bits()).collect(), opt.iter().map(|v| v.to_bits()).collect())
}

fn descriptors(input: &Input) -> Vec<stacknet_layer_t> {
    let mut width = input.inputs.get();
    let mut out = Vec::new();
    for l in &input.layers {
        let d = match l {
            Layer::Dense { outputs, bias } => {
                let o = outputs.get().max(1);
                let d = stacknet_layer_t { kind: STACKNET_LAYER_DENSE, inputs: width, outputs: o, bias: u32::from(*bias) };
                width = o;
                d
            }
            Layer::RawDense { inputs, outputs, bias } => {
                let d = stacknet_layer_t { kind: STACKNET_LAYER_DENSE, inputs: inputs.get(), outputs: outputs.get(), bias: *bias };
                width = outputs.get();
                d
            }
            Layer::Sigmoid => stacknet_layer_t { kind: STACKNET_LAYER_SIGMOID, ..Default::default() },
            Layer::Tanh => stacknet_layer_t { kind: STACKNET_LAYER_TANH, ..Default::default() },
            Layer::Relu => stacknet_layer_t { kind: STACKNET_LAYER_RELU, ..Default::default() },
            Layer::Raw { kind, inputs, outputs, bias } => {
                stacknet_layer_t { kind: *kind, inputs: *inputs, outputs: *outputs, bias: *bias }
            }
        };
        out.push(d);
    }
    out
}

fn floats(bytes: usize) -> usize {
    bytes.div_ceil(4)
}

fuzz_target!(|input: Input| {
    let layers = descriptors(&input);
    // SAFETY: plain numbers; every bit pattern is a value (then overwritten by the defaults).
    let mut hyper: stacknet_hyper_t = unsafe { core::mem::zeroed() };
    // SAFETY: a valid, writable hyperparameter struct.
    assert_eq!(unsafe { stacknet_hyper_default(&mut hyper) }, STACKNET_OK);
    apply(&mut hyper, &input.hyper);
    let batch = input.raw_batch.unwrap_or(u32::from(input.batch % 9));
    let config = stacknet_net_config_t { loss: input.loss % 3, batch, l1: input.l1, hyper };
    let mut sizes = stacknet_net_sizes_t::default();
    // SAFETY: `layers` holds `layers.len()` descriptors; config and out are valid.
    let s = unsafe { stacknet_net_sizes(layers.as_ptr(), layers.len(), &config, &mut sizes) };
    let mut net = stacknet_net_t { opaque: [0; STACKNET_NET_WORDS] };
    // SAFETY: as above; the handle is `STACKNET_NET_SIZE` bytes.
    let init = unsafe { stacknet_net_init(&mut net, STACKNET_NET_SIZE, layers.as_ptr(), layers.len(), &config) };
    assert_eq!(s, init, "the size query and init accept and refuse the same descriptions");
    if s != STACKNET_OK {
        assert!(net.opaque.iter().all(|&w| w == 0), "a refused init writes nothing");
        return;
    }
    let (n_in, n_out, n_batch, params) =
        (sizes.inputs as usize, sizes.outputs as usize, sizes.batch as usize, sizes.params as usize);
    // The optimizer buffer fits Adam's moments, so a later change of kind fits too.
    let opt_floats = 2 + 2 * params;
    let (m_floats, s_floats) = (floats(sizes.model_size), floats(sizes.scratch_size));
    let row_floats = floats(sizes.loss_scratch_per_row.max(sizes.predict_scratch_per_row));
    let too_big = [opt_floats, s_floats, row_floats * 256, n_batch * n_in.max(n_out)]
        .iter()
        .any(|&n| n > MAX_FLOATS);
    if too_big || m_floats != params || floats(sizes.optimizer_size) > opt_floats {
        assert!(m_floats == params || too_big, "{sizes:?}");
        return;
    }
    let mut model = vec![0.0f32; m_floats];
    let mut opt = vec![0.0f32; opt_floats];
    let mut scratch = vec![0.0f32; s_floats.max(row_floats * 256)];
    let (mb, ob, sb) = (4 * model.len(), 4 * opt.len(), 4 * scratch.len());
    // Room for a blob with Adam's moments, whatever the kind is now.
    let mut blob = vec![0u8; sizes.save_size.max(sizes.save_with_optimizer_size) + 8 * params + 64];

    for op in input.ops.iter().take(24) {
        let before = snapshot(&net, &model, &opt);
        // SAFETY (every call below): each pointer is to a live buffer of at least the byte
        // count passed with it, the buffers do not overlap, `net` is the initialised handle.
        let status = unsafe {
            match op {
                Op::InitModel { seed, scheme } => {
                    stacknet_net_init_model(&mut net, model.as_mut_ptr(), mb, *seed, scheme % 4)
                }
                Op::ResetOptimizer => stacknet_net_reset_optimizer(&mut net, opt.as_mut_ptr(), ob),
                Op::Train { x, y, rows_off, short } => {
                    let rows = n_batch.saturating_add_signed(isize::from(*rows_off % 2));
                    let (xv, yv) = (x.fill(rows * n_in), y.fill(rows * n_out));
                    let mut report = core::mem::zeroed::<stacknet_step_report_t>();
                    let sb = if *short { sizes.scratch_size.saturating_sub(1) } else { sb };
                    let mut steps = 0u32;
                    let counted = stacknet_net_steps(&net, opt.as_ptr(), ob, &mut steps) == STACKNET_OK;
                    let s = stacknet_net_train_step(
                        &mut net,
                        model.as_mut_ptr(),
                        mb,
                        opt.as_mut_ptr(),
                        ob,
                        scratch.as_mut_ptr(),
                        sb,
                        xv.as_ptr(),
                        yv.as_ptr(),
                        rows,
                        &mut report,
                    );
                    if s == STACKNET_OK {
                        assert!(model.iter().chain(&opt).all(|v| v.is_finite()), "a step left a non-finite value");
                        assert!(counted, "steps refused before a successful step");
                        assert_eq!(report.step, steps + 1);
                        assert!(report.loss.is_finite());
                    }
                    s
                }
                Op::Predict { x, rows, short_scratch } => {
                    let rows = usize::from(*rows);
                    let xv = x.fill(rows * n_in);
                    let mut out = vec![f32::from_bits(0x7fc0_1234); rows * n_out];
                    let need = rows * sizes.predict_scratch_per_row;
                    let ss = if *short_scratch { need.saturating_sub(4) } else { need };
                    let s = stacknet_net_predict(
                        &net,
                        model.as_ptr(),
                        mb,
                        xv.as_ptr(),
                        rows,
                        out.as_mut_ptr(),
                        scratch.as_mut_ptr(),
                        ss.min(sb),
                    );
                    if s != STACKNET_OK {
                        assert!(out.iter().all(|v| v.to_bits() == 0x7fc0_1234), "a refused predict wrote");
                    }
                    s
                }
                Op::Loss { x, y, rows } | Op::Accuracy { x, y, rows } => {
                    let rows = usize::from(*rows);
                    let (xv, yv) = (x.fill(rows * n_in), y.fill(rows * n_out));
                    let mut out = f32::from_bits(0x7fc0_1234);
                    let per = if matches!(op, Op::Loss { .. }) {
                        sizes.loss_scratch_per_row
                    } else {
                        sizes.predict_scratch_per_row
                    };
                    let ss = (rows * per).min(sb);
                    let f = if matches!(op, Op::Loss { .. }) { stacknet_net_loss } else { stacknet_net_accuracy };
                    let s = f(&net, model.as_ptr(), mb, xv.as_ptr(), yv.as_ptr(), rows, scratch.as_mut_ptr(), ss, &mut out);
                    if s != STACKNET_OK {
                        assert_eq!(out.to_bits(), 0x7fc0_1234, "a refused loss/accuracy wrote");
                    } else if matches!(op, Op::Accuracy { .. }) {
                        assert!((0.0..=1.0).contains(&out), "accuracy {out}");
                    }
                    s
                }
                Op::SaveLoad { with_optimizer } => {
                    let mut written = 0usize;
                    let s = if *with_optimizer {
                        stacknet_net_save_with_optimizer(
                            &net,
                            model.as_ptr(),
                            mb,
                            opt.as_ptr(),
                            ob,
                            blob.as_mut_ptr(),
                            blob.len(),
                            &mut written,
                        )
                    } else {
                        stacknet_net_save(&net, model.as_ptr(), mb, blob.as_mut_ptr(), blob.len(), &mut written)
                    };
                    if s == STACKNET_OK {
                        let kept = model.clone();
                        let mut used = 0usize;
                        let l = if *with_optimizer {
                            stacknet_net_load_with_optimizer(
                                &mut net,
                                model.as_mut_ptr(),
                                mb,
                                opt.as_mut_ptr(),
                                ob,
                                blob.as_ptr(),
                                written,
                                &mut used,
                            )
                        } else {
                            stacknet_net_load(&mut net, model.as_mut_ptr(), mb, blob.as_ptr(), written, &mut used)
                        };
                        assert_eq!(l, STACKNET_OK, "a saved blob loads back");
                        assert_eq!(used, written);
                        assert!(kept.iter().zip(&model).all(|(a, b)| a.to_bits() == b.to_bits()));
                    }
                    s
                }
                Op::LoadBytes { with_optimizer, .. } | Op::LoadFlipped { with_optimizer, .. } => {
                    let bytes = match op {
                        Op::LoadBytes { bytes, .. } => bytes.clone(),
                        Op::LoadFlipped { bit, .. } => {
                            let mut b = blob.clone();
                            let i = *bit as usize % (8 * b.len());
                            b[i / 8] ^= 1 << (i % 8);
                            b
                        }
                        _ => unreachable!(),
                    };
                    let mut used = 0usize;
                    if *with_optimizer {
                        stacknet_net_load_with_optimizer(
                            &mut net,
                            model.as_mut_ptr(),
                            mb,
                            opt.as_mut_ptr(),
                            ob,
                            bytes.as_ptr(),
                            bytes.len(),
                            &mut used,
                        )
                    } else {
                        stacknet_net_load(&mut net, model.as_mut_ptr(), mb, bytes.as_ptr(), bytes.len(), &mut used)
                    }
                }
                Op::SetHyper { fields } => {
                    let mut h: stacknet_hyper_t = core::mem::zeroed();
                    assert_eq!(stacknet_net_get_hyper(&net, &mut h), STACKNET_OK);
                    apply(&mut h, fields);
                    stacknet_net_set_hyper(&mut net, &h, opt.as_mut_ptr(), ob)
                }
                Op::GetHyper => {
                    let mut h: stacknet_hyper_t = core::mem::zeroed();
                    stacknet_net_get_hyper(&net, &mut h)
                }
                Op::Steps => {
                    let mut steps = 0u32;
                    stacknet_net_steps(&net, opt.as_ptr(), ob, &mut steps)
                }
                Op::Validate => stacknet_net_validate(&net, model.as_ptr(), mb, opt.as_ptr(), ob),
                Op::FlipHandle { bit } => {
                    let i = *bit as usize % (64 * STACKNET_NET_WORDS);
                    net.opaque[i / 64] ^= 1 << (i % 64);
                    let flipped = snapshot(&net, &model, &opt);
                    let mut h: stacknet_hyper_t = core::mem::zeroed();
                    let mut out = vec![0.0f32; n_out];
                    let calls = [
                        stacknet_net_get_hyper(&net, &mut h),
                        stacknet_net_validate(&net, model.as_ptr(), mb, opt.as_ptr(), ob),
                        stacknet_net_predict(
                            &net,
                            model.as_ptr(),
                            mb,
                            vec![0.0f32; n_in].as_ptr(),
                            1,
                            out.as_mut_ptr(),
                            scratch.as_mut_ptr(),
                            sb,
                        ),
                        stacknet_net_init_model(&mut net, model.as_mut_ptr(), mb, 1, 0),
                        stacknet_net_reset_optimizer(&mut net, opt.as_mut_ptr(), ob),
                    ];
                    // The first 4 bytes are the magic: without it the handle is not initialised.
                    let want = if i < 32 { STACKNET_ERR_NOT_INITIALIZED } else { STACKNET_ERR_STATE_CORRUPT };
                    for c in calls {
                        assert_eq!(c, want, "a flipped handle bit ({i}) was not refused");
                    }
                    assert!(snapshot(&net, &model, &opt) == flipped, "a corrupt handle was written through");
                    net.opaque[i / 64] ^= 1 << (i % 64);
                    STACKNET_ERR_STATE_CORRUPT
                }
                Op::FlipModel { bit } => {
                    if model.is_empty() {
                        continue;
                    }
                    let i = *bit as usize % (32 * model.len());
                    let tracked = stacknet_net_validate(&net, model.as_ptr(), mb, opt.as_ptr(), ob) == STACKNET_OK;
                    model[i / 32] = f32::from_bits(model[i / 32].to_bits() ^ (1 << (i % 32)));
                    if tracked {
                        assert_eq!(
                            stacknet_net_validate(&net, model.as_ptr(), mb, opt.as_ptr(), ob),
                            STACKNET_ERR_STATE_CORRUPT,
                            "a flipped model bit passed validate"
                        );
                    }
                    model[i / 32] = f32::from_bits(model[i / 32].to_bits() ^ (1 << (i % 32)));
                    continue;
                }
            }
        };
        if status != STACKNET_OK {
            let after = snapshot(&net, &model, &opt);
            assert!(after == before, "{op:?} refused with {status:?} but changed the handle, model or optimizer");
        }
    }
});
