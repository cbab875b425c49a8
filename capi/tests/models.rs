//! Every per-shape function, for every shape, called with every kind of bad argument: each
//! refusal has its own status and leaves the state (and every output) as it was.

use stacknet_capi::stacknet_status_t::*;
use stacknet_capi::*;
use std::ptr::{null, null_mut};

#[macro_use]
mod common;

use common::*;

fn init_checks<H: Api>() {
    let mut b = Block::new();
    assert_eq!(unsafe { H::init(null_mut(), H::SIZE, 1) }, STACKNET_ERR_NULL);
    assert_eq!(unsafe { H::init(b.at(4), H::SIZE, 1) }, STACKNET_ERR_MISALIGNED);
    assert_eq!(unsafe { H::init(b.at(0), H::SIZE - 1, 1) }, STACKNET_ERR_BUFFER_TOO_SMALL);
    assert_eq!(unsafe { H::init(b.at(0), 0, 1) }, STACKNET_ERR_BUFFER_TOO_SMALL);
    assert!(b.bytes().iter().all(|&v| v == 0), "{}: refused init wrote", H::NAME);
    assert_eq!(size_of::<H>(), H::SIZE);
    assert_eq!(align_of::<H>(), STACKNET_STATE_ALIGN);
    assert_eq!(unsafe { H::init(b.at(0), H::SIZE + 100, 1) }, STACKNET_OK);
    // Same seed, same model: bit-identical states.
    let (mut c, mut d) = (fresh::<H>(5), fresh::<H>(5));
    assert!(c.bytes() == d.bytes());
    let (x, _) = batch::<H>(3, 1);
    let (mut o1, mut o2) = (vec![0.0; 3 * H::OUT], vec![0.0; 3 * H::OUT]);
    assert_eq!(unsafe { H::predict(c.at(0), x.as_ptr(), 3, o1.as_mut_ptr()) }, STACKNET_OK);
    assert_eq!(unsafe { H::predict(d.at(0), x.as_ptr(), 3, o2.as_mut_ptr()) }, STACKNET_OK);
    assert_eq!(o1, o2);
}

#[test]
fn init_refuses_null_misaligned_and_small_buffers() {
    for_all_shapes!(init_checks);
}

fn uninit_and_wrong_model<H: Api>() {
    // A zeroed block was never initialised.
    let mut b = Block::new();
    let before = b.bytes();
    assert!(call_all::<H>(b.at(0), None).iter().all(|s| *s == STACKNET_ERR_NOT_INITIALIZED), "{}", H::NAME);
    assert!(b.bytes() == before);
    // So was one that holds garbage.
    b.0.iter_mut().enumerate().for_each(|(i, w)| *w = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let before = b.bytes();
    assert!(call_all::<H>(b.at(0), None).iter().all(|s| *s == STACKNET_ERR_NOT_INITIALIZED), "{}", H::NAME);
    assert!(b.bytes() == before);
    // A state of another shape is recognised as such.
    let mut other = Block::new();
    if H::NAME == "xor_2_3_2" {
        assert_eq!(unsafe { stacknet_xor_2_50_2_bias_init(other.at(0), 1 << 17, 1) }, STACKNET_OK);
    } else {
        assert_eq!(unsafe { stacknet_xor_2_3_2_init(other.at(0), 1 << 17, 1) }, STACKNET_OK);
    }
    let before = other.bytes();
    assert!(call_all::<H>(other.at(0), None).iter().all(|s| *s == STACKNET_ERR_WRONG_MODEL), "{}", H::NAME);
    assert!(other.bytes() == before);
    // Null and misaligned states.
    assert!(call_all::<H>(null_mut(), None).iter().all(|s| *s == STACKNET_ERR_NULL), "{}", H::NAME);
    let mut s = fresh::<H>(1);
    let before = s.bytes();
    assert!(call_all::<H>(s.at(4), None).iter().all(|s| *s == STACKNET_ERR_MISALIGNED), "{}", H::NAME);
    assert!(s.bytes() == before);
    // And the same state, properly addressed, takes every call.
    assert!(
        call_all::<H>(s.at(0), None).iter().all(|s| *s == STACKNET_OK),
        "{}: {:?}",
        H::NAME,
        call_all::<H>(s.at(0), None)
    );
}

#[test]
fn uninitialised_wrong_model_null_and_misaligned_states_are_refused() {
    for_all_shapes!(uninit_and_wrong_model);
}

fn hyper_checks<H: Api>() {
    let mut b = fresh::<H>(2);
    type Tweak = (&'static str, fn(&mut stacknet_hyper_t));
    let bad: [Tweak; 19] = [
        ("lr 0", |h| h.learning_rate = 0.0),
        ("lr < 0", |h| h.learning_rate = -1.0),
        ("lr NaN", |h| h.learning_rate = f32::NAN),
        ("lr ∞", |h| h.learning_rate = f32::INFINITY),
        ("schedule 3", |h| h.schedule = 3),
        ("step every 0", |h| {
            h.schedule = STACKNET_SCHEDULE_STEP;
            h.step_every = 0
        }),
        ("step factor 0", |h| {
            h.schedule = STACKNET_SCHEDULE_STEP;
            h.step_factor = 0.0
        }),
        ("step factor > 1", |h| {
            h.schedule = STACKNET_SCHEDULE_STEP;
            h.step_factor = 1.5
        }),
        ("exp rate < 0", |h| {
            h.schedule = STACKNET_SCHEDULE_EXP;
            h.exp_rate = -0.1
        }),
        ("exp rate NaN", |h| {
            h.schedule = STACKNET_SCHEDULE_EXP;
            h.exp_rate = f32::NAN
        }),
        ("ridge < 0", |h| h.ridge = -1e-3),
        ("ridge NaN", |h| h.ridge = f32::NAN),
        ("ridge ∞", |h| h.ridge = f32::INFINITY),
        ("clip 3", |h| h.clip = 3),
        ("clip value 0", |h| {
            h.clip = STACKNET_CLIP_VALUE;
            h.clip_threshold = 0.0
        }),
        ("clip norm NaN", |h| {
            h.clip = STACKNET_CLIP_NORM;
            h.clip_threshold = f32::NAN
        }),
        ("momentum 1", |h| h.momentum = 1.0),
        ("momentum < 0", |h| h.momentum = -0.5),
        ("momentum NaN", |h| h.momentum = f32::NAN),
    ];
    for (what, f) in bad {
        let mut h = hyper();
        f(&mut h);
        refuses::<H>(&mut b, STACKNET_ERR_HYPERPARAMETER, what, |p| unsafe { H::set_hyper(p, &h) });
    }
    let h = hyper();
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "null hyper", |p| unsafe { H::set_hyper(p, null()) });
    let mut words = [0u32; 16];
    let odd = words.as_mut_ptr().cast::<u8>().wrapping_add(2).cast::<stacknet_hyper_t>();
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "misaligned hyper", |p| unsafe { H::set_hyper(p, odd) });
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "misaligned out", |p| unsafe { H::get_hyper(p, odd) });
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "null out", |p| unsafe { H::get_hyper(p, null_mut()) });
    // hyperparameters read from inside the state, or written into it
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "hyper in state", |p| unsafe {
        H::set_hyper(p, p.cast::<u8>().add(64).cast())
    });
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "out in state", |p| unsafe {
        H::get_hyper(p, p.cast::<u8>().add(64).cast())
    });

    // Valid settings round-trip, and an unused field's value does not matter.
    let mut good = h;
    good.learning_rate = 0.25;
    good.schedule = STACKNET_SCHEDULE_STEP;
    good.step_every = 10;
    good.step_factor = 0.5;
    good.exp_rate = f32::NAN; // unused by a step schedule
    good.ridge = 1e-3;
    good.clip = STACKNET_CLIP_VALUE;
    good.clip_threshold = 2.0;
    good.momentum = 0.9;
    assert_eq!(unsafe { H::set_hyper(b.at(0), &good) }, STACKNET_OK);
    let mut back = hyper();
    assert_eq!(unsafe { H::get_hyper(b.at(0), &mut back) }, STACKNET_OK);
    assert_eq!(format!("{good:?}"), format!("{back:?}"));
    // The schedule is in force: after 10 steps the learning rate halves.
    let (x, y) = batch::<H>(H::BATCH, 9);
    let mut rep =
        stacknet_step_report_t { loss: 0.0, data_loss: 0.0, grad_norm: 0.0, learning_rate: 0.0, step: 0, clipped: 9 };
    for i in 1..=11u32 {
        assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, &mut rep) }, STACKNET_OK);
        assert_eq!(rep.step, i);
        assert_eq!(rep.learning_rate, if i <= 10 { 0.25 } else { 0.125 });
    }
}

#[test]
fn bad_hyperparameters_are_refused_one_by_one() {
    for_all_shapes!(hyper_checks);
}

fn train_checks<H: Api>() {
    let mut b = fresh::<H>(3);
    let (x, y) = batch::<H>(H::BATCH, 4);
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    let mut rep = std::mem::MaybeUninit::<stacknet_step_report_t>::zeroed();
    let rp = rep.as_mut_ptr();
    let nb = H::BATCH;
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "null x", |p| unsafe { H::train(p, null(), yp, nb, rp) });
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "null y", |p| unsafe { H::train(p, xp, null(), nb, rp) });
    let odd = |p: *const f32| p.cast::<u8>().wrapping_add(1).cast::<f32>();
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "x", |p| unsafe { H::train(p, odd(xp), yp, nb, rp) });
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "y", |p| unsafe { H::train(p, xp, odd(yp), nb, rp) });
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "report", |p| unsafe {
        H::train(p, xp, yp, nb, rp.cast::<u8>().add(1).cast())
    });
    for rows in [0, 1, nb - 1, nb + 1, usize::MAX] {
        refuses::<H>(&mut b, STACKNET_ERR_DIMENSIONS, "rows", |p| unsafe { H::train(p, xp, yp, rows, rp) });
    }
    // data inside the state, or the report written over the data
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "x in state", |p| unsafe { H::train(p, p.cast(), yp, nb, rp) });
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "report on y", |p| unsafe {
        H::train(p, xp, yp, nb, yp.cast_mut().cast())
    });
    for (i, bad) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].into_iter().enumerate() {
        let mut xb = x.clone();
        let k = (i * 7) % xb.len();
        xb[k] = bad;
        refuses::<H>(&mut b, STACKNET_ERR_NON_FINITE, "x", |p| unsafe { H::train(p, xb.as_ptr(), yp, nb, rp) });
        let mut yb = y.clone();
        let k = yb.len() - 1 - i;
        yb[k] = bad;
        refuses::<H>(&mut b, STACKNET_ERR_NON_FINITE, "y", |p| unsafe { H::train(p, xp, yb.as_ptr(), nb, rp) });
    }
    assert_eq!(unsafe { rep.assume_init() }.step, 0, "a refused step wrote its report");

    // A huge step diverges: refused, model and optimizer unchanged (seen through save).
    let mut h = hyper();
    h.learning_rate = 3e38;
    h.ridge = 3e38;
    assert_eq!(unsafe { H::set_hyper(b.at(0), &h) }, STACKNET_OK);
    let mut before = vec![0u8; H::SAVE];
    let mut n = 0;
    assert_eq!(unsafe { H::save(b.at(0), before.as_mut_ptr(), H::SAVE, &mut n) }, STACKNET_OK);
    assert_eq!(unsafe { H::train(b.at(0), xp, yp, nb, rp) }, STACKNET_ERR_DIVERGED, "{}", H::NAME);
    let mut after = vec![0u8; H::SAVE];
    assert_eq!(unsafe { H::save(b.at(0), after.as_mut_ptr(), H::SAVE, &mut n) }, STACKNET_OK);
    assert_eq!(before, after, "{}: a diverged step changed the model", H::NAME);

    // And a sane step runs, reports, and agrees with `loss` on the same batch.
    let h = hyper();
    assert_eq!(unsafe { H::set_hyper(b.at(0), &h) }, STACKNET_OK);
    let mut l = 0.0f32;
    assert_eq!(unsafe { H::loss(b.at(0), xp, yp, nb, &mut l) }, STACKNET_OK);
    assert_eq!(unsafe { H::train(b.at(0), xp, yp, nb, rp) }, STACKNET_OK);
    let r = unsafe { rep.assume_init() };
    assert_eq!((r.step, r.learning_rate, r.clipped), (1, 1.0, 0));
    assert!((r.loss - l).abs() <= 1e-6 * l, "{}: step loss {} vs loss {l}", H::NAME, r.loss);
    assert_eq!(unsafe { H::train(b.at(0), xp, yp, nb, null_mut()) }, STACKNET_OK, "report may be null");
}

#[test]
fn train_step_refuses_every_bad_argument_and_changes_nothing() {
    for_all_shapes!(train_checks);
}

fn eval_checks<H: Api>() {
    let mut b = fresh::<H>(4);
    let rows = 2 * H::BATCH + 3;
    let (x, y) = batch::<H>(rows, 5);
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    let mut out = vec![-7.0f32; rows * H::OUT];
    let op = out.as_mut_ptr();
    let odd = |p: *const f32| p.cast::<u8>().wrapping_add(1).cast::<f32>();
    let mut v = -7.0f32;
    let vp: *mut f32 = &mut v;
    type Eval<H> = unsafe fn(*mut H, *const f32, *const f32, usize, *mut f32) -> S;
    for (what, f) in [("loss", H::loss as Eval<H>), ("accuracy", H::accuracy)] {
        refuses::<H>(&mut b, STACKNET_ERR_NULL, what, |p| unsafe { f(p, null(), yp, rows, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_NULL, what, |p| unsafe { f(p, xp, null(), rows, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_NULL, what, |p| unsafe { f(p, xp, yp, rows, null_mut()) });
        refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, what, |p| unsafe { f(p, odd(xp), yp, rows, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, what, |p| unsafe { f(p, xp, odd(yp), rows, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, what, |p| unsafe { f(p, xp, yp, rows, odd(vp).cast_mut()) });
        refuses::<H>(&mut b, STACKNET_ERR_DIMENSIONS, what, |p| unsafe { f(p, xp, yp, 0, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_DIMENSIONS, what, |p| unsafe { f(p, xp, yp, usize::MAX / 2, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, what, |p| unsafe { f(p, xp, yp, rows, yp.cast_mut()) });
        refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, what, |p| unsafe { f(p, p.cast(), yp, rows, vp) });
        refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, what, |p| unsafe { f(p, xp, yp, rows, p.cast()) });
        let mut xb = x.clone();
        xb[rows * 2 - 1] = f32::NAN;
        refuses::<H>(&mut b, STACKNET_ERR_NON_FINITE, what, |p| unsafe { f(p, xb.as_ptr(), yp, rows, vp) });
        let mut yb = y.clone();
        yb[0] = f32::INFINITY;
        refuses::<H>(&mut b, STACKNET_ERR_NON_FINITE, what, |p| unsafe { f(p, xp, yb.as_ptr(), rows, vp) });
        assert_eq!(v, -7.0, "a refused {what} wrote its result");
    }
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "predict", |p| unsafe { H::predict(p, null(), rows, op) });
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "predict", |p| unsafe { H::predict(p, xp, rows, null_mut()) });
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "predict", |p| unsafe { H::predict(p, odd(xp), rows, op) });
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "predict", |p| unsafe {
        H::predict(p, xp, rows, odd(op).cast_mut())
    });
    refuses::<H>(&mut b, STACKNET_ERR_DIMENSIONS, "predict", |p| unsafe { H::predict(p, xp, 0, op) });
    refuses::<H>(&mut b, STACKNET_ERR_DIMENSIONS, "predict", |p| unsafe { H::predict(p, xp, usize::MAX / 4, op) });
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "predict", |p| unsafe { H::predict(p, xp, rows, xp.cast_mut().add(1)) });
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "predict", |p| unsafe { H::predict(p, xp, rows, p.cast()) });
    let mut xb = x.clone();
    xb[rows] = f32::NAN;
    refuses::<H>(&mut b, STACKNET_ERR_NON_FINITE, "predict", |p| unsafe { H::predict(p, xb.as_ptr(), rows, op) });
    assert!(out.iter().all(|&v| v == -7.0), "a refused predict wrote");

    // Any row count works, and a row's prediction does not depend on the chunking.
    assert_eq!(unsafe { H::predict(b.at(0), xp, rows, op) }, STACKNET_OK);
    for r in [0, 1, H::BATCH - 1, H::BATCH, rows - 1] {
        let mut one = vec![0.0f32; H::OUT];
        assert_eq!(unsafe { H::predict(b.at(0), xp.add(r * H::IN), 1, one.as_mut_ptr()) }, STACKNET_OK);
        // Equal up to kernel rounding (a SIMD tier may treat a row differently by position).
        for (a, b) in one.iter().zip(&out[r * H::OUT..(r + 1) * H::OUT]) {
            assert!((a - b).abs() <= 1e-6, "{} row {r}: {a} vs {b}", H::NAME);
        }
        assert!(one.iter().all(|v| (0.0..=1.0).contains(v)));
    }
    // Accuracy over all rows is the mean of accuracy over single rows.
    let mut acc = 0.0f32;
    assert_eq!(unsafe { H::accuracy(b.at(0), xp, yp, rows, &mut acc) }, STACKNET_OK);
    let mut hits = 0.0;
    for r in 0..rows {
        let mut a = 0.0f32;
        assert_eq!(unsafe { H::accuracy(b.at(0), xp.add(r * 2), yp.add(r * 2), 1, &mut a) }, STACKNET_OK);
        hits += a;
    }
    assert_eq!(acc, hits / rows as f32);
}

#[test]
fn predict_loss_accuracy_refuse_bad_arguments() {
    for_all_shapes!(eval_checks);
}

fn trains_xor<H: Api>(min_accuracy: f32) {
    let mut b = fresh::<H>(7);
    let mut h = hyper();
    h.learning_rate = 2.0;
    h.momentum = 0.5;
    h.clip = STACKNET_CLIP_NORM;
    h.clip_threshold = 5.0;
    assert_eq!(unsafe { H::set_hyper(b.at(0), &h) }, STACKNET_OK);
    let (tx, ty) = batch::<H>(400, 1);
    let mut first = 0.0;
    assert_eq!(unsafe { H::loss(b.at(0), tx.as_ptr(), ty.as_ptr(), 400, &mut first) }, STACKNET_OK);
    for i in 0..1500 {
        let (x, y) = batch::<H>(H::BATCH, 100 + i);
        assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) }, STACKNET_OK);
    }
    let (mut acc, mut last) = (0.0, 0.0);
    assert_eq!(unsafe { H::accuracy(b.at(0), tx.as_ptr(), ty.as_ptr(), 400, &mut acc) }, STACKNET_OK);
    assert_eq!(unsafe { H::loss(b.at(0), tx.as_ptr(), ty.as_ptr(), 400, &mut last) }, STACKNET_OK);
    assert!(last < first, "{}: loss {first} -> {last}", H::NAME);
    assert!(acc >= min_accuracy, "{}: accuracy {acc}", H::NAME);
}

#[test]
fn shapes_learn_xor() {
    trains_xor::<stacknet_xor_2_10_2_bias_t>(0.9);
    trains_xor::<stacknet_xor_2_50_2_bias_t>(0.9);
    // Without biases every hidden unit is σ(w·x), and σ(−z) = 1 − σ(z) ties each point to
    // its mirror image: the loss still falls, but the XOR of signs is out of reach.
    trains_xor::<stacknet_xor_2_10_2_t>(0.0);
}

fn persist_checks<H: Api>() {
    let mut b = fresh::<H>(11);
    // Train a little so the optimizer has steps and a velocity worth saving.
    let mut h = hyper();
    h.momentum = 0.5;
    assert_eq!(unsafe { H::set_hyper(b.at(0), &h) }, STACKNET_OK);
    let (x, y) = batch::<H>(H::BATCH, 12);
    for _ in 0..3 {
        assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) }, STACKNET_OK);
    }
    let mut blob = vec![0xAAu8; H::SAVE + 8];
    let mut n = 0usize;
    let (bp, np): (*mut u8, *mut usize) = (blob.as_mut_ptr(), &mut n);
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "save buf", |p| unsafe { H::save(p, null_mut(), H::SAVE, np) });
    refuses::<H>(&mut b, STACKNET_ERR_NULL, "save written", |p| unsafe { H::save(p, bp, H::SAVE, null_mut()) });
    let mut words = [0usize; 2];
    let odd = words.as_mut_ptr().cast::<u8>().wrapping_add(1).cast::<usize>();
    refuses::<H>(&mut b, STACKNET_ERR_MISALIGNED, "save written", |p| unsafe { H::save(p, bp, H::SAVE, odd) });
    refuses::<H>(&mut b, STACKNET_ERR_DIMENSIONS, "save cap", |p| unsafe { H::save(p, bp, usize::MAX, np) });
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "save into state", |p| unsafe { H::save(p, p.cast(), H::SAVE, np) });
    refuses::<H>(&mut b, STACKNET_ERR_OVERLAP, "written in buf", |p| unsafe { H::save(p, bp, H::SAVE, bp.cast()) });
    refuses::<H>(&mut b, STACKNET_ERR_BUFFER_TOO_SMALL, "save cap", |p| unsafe { H::save(p, bp, 20, np) });
    assert!(blob.iter().all(|&v| v == 0xAA) && n == 0, "a refused save wrote");
    assert_eq!(unsafe { H::save(b.at(0), bp, blob.len(), np) }, STACKNET_OK);
    assert!(n <= H::SAVE && n > 40, "{}: {n} bytes", H::NAME);
    let blob = &blob[..n];

    // Load into a differently seeded state: afterwards both behave identically.
    let mut c = fresh::<H>(12);
    assert_eq!(unsafe { H::set_hyper(c.at(0), &h) }, STACKNET_OK);
    let mut used = 0usize;
    let up: *mut usize = &mut used;
    refuses::<H>(&mut c, STACKNET_ERR_NULL, "load buf", |p| unsafe { H::load(p, null(), n, up) });
    refuses::<H>(&mut c, STACKNET_ERR_MISALIGNED, "load used", |p| unsafe { H::load(p, blob.as_ptr(), n, odd) });
    refuses::<H>(&mut c, STACKNET_ERR_DIMENSIONS, "load len", |p| unsafe { H::load(p, blob.as_ptr(), usize::MAX, up) });
    refuses::<H>(&mut c, STACKNET_ERR_OVERLAP, "load from state", |p| unsafe { H::load(p, p.cast(), n, up) });
    for cut in [0, 3, 31, n / 2, n - 1] {
        refuses::<H>(&mut c, STACKNET_ERR_BLOB_CORRUPT, "truncated", |p| unsafe { H::load(p, blob.as_ptr(), cut, up) });
    }
    for byte in [0, 9, 33, n / 2, n - 1] {
        let mut bad = blob.to_vec();
        bad[byte] ^= 0x04;
        refuses::<H>(&mut c, STACKNET_ERR_BLOB_CORRUPT, "bit flip", |p| unsafe { H::load(p, bad.as_ptr(), n, up) });
    }
    let mut newer = blob.to_vec();
    newer[4] = 9; // format version 9
    refuses::<H>(&mut c, STACKNET_ERR_BLOB_VERSION, "version", |p| unsafe { H::load(p, newer.as_ptr(), n, up) });
    assert_eq!(used, 0, "a refused load wrote `used`");

    assert_eq!(unsafe { H::load(c.at(0), blob.as_ptr(), n, up) }, STACKNET_OK);
    assert_eq!(used, n);
    let mut again = vec![0u8; H::SAVE];
    let mut m = 0;
    assert_eq!(unsafe { H::save(c.at(0), again.as_mut_ptr(), H::SAVE, &mut m) }, STACKNET_OK);
    assert_eq!(&again[..m], blob, "{}: save(load(blob)) != blob", H::NAME);
    // The step counter came along (the next step is number 4) and so did the velocity
    // (the two states take identical steps).
    let mut r1 = std::mem::MaybeUninit::<stacknet_step_report_t>::zeroed();
    let mut r2 = std::mem::MaybeUninit::<stacknet_step_report_t>::zeroed();
    assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, r1.as_mut_ptr()) }, STACKNET_OK);
    assert_eq!(unsafe { H::train(c.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, r2.as_mut_ptr()) }, STACKNET_OK);
    let (r1, r2) = unsafe { (r1.assume_init(), r2.assume_init()) };
    assert_eq!(r1.step, 4);
    assert_eq!(format!("{r1:?}"), format!("{r2:?}"));
}

#[test]
fn save_and_load_refuse_bad_arguments_and_bad_blobs() {
    for_all_shapes!(persist_checks);
}

#[test]
fn a_blob_of_another_shape_is_refused() {
    let mut src = fresh::<stacknet_xor_2_10_2_bias_t>(1);
    let mut blob = vec![0u8; STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE];
    let mut n = 0;
    assert_eq!(unsafe { stacknet_xor_2_10_2_bias_save(src.at(0), blob.as_mut_ptr(), blob.len(), &mut n) }, STACKNET_OK);
    // Same widths without biases, and other widths: both refused, state unchanged.
    let mut nb = fresh::<stacknet_xor_2_10_2_t>(1);
    refuses::<stacknet_xor_2_10_2_t>(&mut nb, STACKNET_ERR_BLOB_MODEL, "no-bias", |p| unsafe {
        stacknet_xor_2_10_2_load(p, blob.as_ptr(), n, null_mut())
    });
    let mut wide = fresh::<stacknet_xor_2_50_2_bias_t>(1);
    refuses::<stacknet_xor_2_50_2_bias_t>(&mut wide, STACKNET_ERR_BLOB_MODEL, "2-50-2", |p| unsafe {
        stacknet_xor_2_50_2_bias_load(p, blob.as_ptr(), n, null_mut())
    });
}

#[test]
fn a_state_copied_byte_for_byte_is_a_working_snapshot() {
    type H = stacknet_xor_2_10_2_bias_t;
    let mut a = fresh::<H>(21);
    let (x, y) = batch::<H>(H::BATCH, 22);
    let step = |b: &mut Block| {
        let mut r = std::mem::MaybeUninit::<stacknet_step_report_t>::zeroed();
        assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, r.as_mut_ptr()) }, STACKNET_OK);
        format!("{:?}", unsafe { r.assume_init() })
    };
    step(&mut a);
    let mut snapshot = Block::new();
    snapshot.0.copy_from_slice(&a.0);
    let (ra, rb) = (step(&mut a), step(&mut snapshot));
    assert_eq!(ra, rb);
    assert!(a.bytes() == snapshot.bytes());
}

fn adam_hyper_checks<H: Api>() {
    let mut b = fresh::<H>(2);
    type Tweak = (&'static str, fn(&mut stacknet_hyper_t));
    let bad: [Tweak; 19] = [
        ("optimizer 3", |h| h.optimizer = 3),
        ("optimizer u32::MAX", |h| h.optimizer = u32::MAX),
        ("lr 0", |h| h.learning_rate = 0.0),
        ("lr NaN", |h| h.learning_rate = f32::NAN),
        ("beta1 1", |h| h.beta1 = 1.0),
        ("beta1 < 0", |h| h.beta1 = -0.1),
        ("beta1 NaN", |h| h.beta1 = f32::NAN),
        ("beta2 1", |h| h.beta2 = 1.0),
        ("beta2 > 1", |h| h.beta2 = 1.5),
        ("beta2 NaN", |h| h.beta2 = f32::NAN),
        ("eps 0", |h| h.eps = 0.0),
        ("eps < 0", |h| h.eps = -1e-8),
        ("eps NaN", |h| h.eps = f32::NAN),
        ("eps ∞", |h| h.eps = f32::INFINITY),
        ("schedule 3", |h| h.schedule = 3),
        ("clip norm 0", |h| {
            h.clip = STACKNET_CLIP_NORM;
            h.clip_threshold = 0.0
        }),
        ("ridge < 0", |h| h.ridge = -1.0),
        ("step every 0", |h| {
            h.schedule = STACKNET_SCHEDULE_STEP;
            h.step_every = 0
        }),
        ("exp rate ∞", |h| {
            h.schedule = STACKNET_SCHEDULE_EXP;
            h.exp_rate = f32::INFINITY
        }),
    ];
    for adamw in [false, true] {
        for (what, f) in bad {
            let mut h = adam_hyper(adamw, 0.01);
            f(&mut h);
            refuses::<H>(&mut b, STACKNET_ERR_HYPERPARAMETER, what, |p| unsafe { H::set_hyper(p, &h) });
        }
    }
    for (what, wd) in [("weight decay < 0", -0.01), ("weight decay NaN", f32::NAN), ("weight decay ∞", f32::INFINITY)]
    {
        let mut h = adam_hyper(true, 0.01);
        h.weight_decay = wd;
        refuses::<H>(&mut b, STACKNET_ERR_HYPERPARAMETER, what, |p| unsafe { H::set_hyper(p, &h) });
    }
    // A refusal also leaves an Adam state (moments, step counter) byte-identical.
    let (x, y) = batch::<H>(H::BATCH, 9);
    assert_eq!(unsafe { H::set_hyper(b.at(0), &adam_hyper(true, 0.01)) }, STACKNET_OK);
    assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) }, STACKNET_OK);
    for (what, f) in bad {
        let mut h = adam_hyper(false, 0.01);
        f(&mut h);
        refuses::<H>(&mut b, STACKNET_ERR_HYPERPARAMETER, what, |p| unsafe { H::set_hyper(p, &h) });
    }

    // Fields the chosen optimizer does not use are ignored: Adam's for SGD, momentum for
    // Adam, the weight decay for Adam (not AdamW).
    let mut sgd = hyper();
    (sgd.beta1, sgd.beta2, sgd.eps, sgd.weight_decay) = (f32::NAN, 7.0, -1.0, f32::NAN);
    let mut adam = adam_hyper(false, 0.01);
    (adam.momentum, adam.weight_decay) = (f32::NAN, -1.0);
    let mut adamw = adam_hyper(true, 0.01);
    (adamw.momentum, adamw.beta1, adamw.beta2, adamw.eps, adamw.weight_decay) = (5.0, 0.0, 0.5, 1e-3, 0.0);
    for good in [sgd, adam, adamw] {
        assert_eq!(unsafe { H::set_hyper(b.at(0), &good) }, STACKNET_OK, "{}", H::NAME);
        let mut back = hyper();
        assert_eq!(unsafe { H::get_hyper(b.at(0), &mut back) }, STACKNET_OK);
        assert_eq!(format!("{good:?}"), format!("{back:?}"));
    }
}

#[test]
fn bad_adam_hyperparameters_are_refused_one_by_one() {
    for_all_shapes!(adam_hyper_checks);
}

/// Trains `b` for `n` steps on batches `first..first + n`, returning the last report.
fn adam_persist_checks<H: Api>() {
    for adamw in [false, true] {
        let mut h = adam_hyper(adamw, 0.05);
        h.clip = STACKNET_CLIP_NORM;
        h.clip_threshold = 3.0;
        h.schedule = STACKNET_SCHEDULE_EXP;
        h.exp_rate = 1e-3;
        h.ridge = 1e-4;
        let mut a = fresh::<H>(31);
        assert_eq!(unsafe { H::set_hyper(a.at(0), &h) }, STACKNET_OK);
        steps::<H>(&mut a, 1, 5);
        let blob = saved::<H>(&mut a);
        // stacknet's format with Adam's moments: version 2, flag bit 2, 40 + 12·P bytes
        // (P stored parameters: without biases, fewer than `PARAMS`).
        assert_eq!(blob.len(), 40 + 12 * stored_params(&blob), "{}", H::NAME);
        assert!(blob.len() <= H::SAVE);
        assert_eq!((blob[4], blob[6] & 4), (2, 4));

        // Into a fresh SGD state: refused (another optimizer kind), nothing changed.
        let mut c = fresh::<H>(32);
        refuses::<H>(&mut c, STACKNET_ERR_BLOB_MODEL, "Adam blob into SGD", |p| unsafe {
            H::load(p, blob.as_ptr(), blob.len(), null_mut())
        });
        // With the same hyperparameters it loads, and both continue bit for bit.
        assert_eq!(unsafe { H::set_hyper(c.at(0), &h) }, STACKNET_OK);
        let mut used = 0;
        assert_eq!(unsafe { H::load(c.at(0), blob.as_ptr(), blob.len(), &mut used) }, STACKNET_OK);
        assert_eq!(used, blob.len());
        assert_eq!(saved::<H>(&mut c), blob, "{}: save(load(blob)) != blob", H::NAME);
        let (ra, rc) = (steps::<H>(&mut a, 6, 7), steps::<H>(&mut c, 6, 7));
        assert_eq!(ra.step, 12);
        assert_eq!(format!("{ra:?}"), format!("{rc:?}"));
        assert_eq!(saved::<H>(&mut a), saved::<H>(&mut c), "{}: continued runs differ", H::NAME);

        // An SGD blob into an Adam state: refused, nothing changed.
        let mut s = fresh::<H>(33);
        steps::<H>(&mut s, 1, 2);
        let sgd_blob = saved::<H>(&mut s);
        refuses::<H>(&mut c, STACKNET_ERR_BLOB_MODEL, "SGD blob into Adam", |p| unsafe {
            H::load(p, sgd_blob.as_ptr(), sgd_blob.len(), null_mut())
        });
        // A flipped bit in the moments is caught by the CRC.
        let mut bad = blob.clone();
        let last = bad.len() - 9;
        bad[last] ^= 0x10;
        refuses::<H>(&mut c, STACKNET_ERR_BLOB_CORRUPT, "bit flip in v", |p| unsafe {
            H::load(p, bad.as_ptr(), bad.len(), null_mut())
        });
        // Every call refuses the same bad arguments on an Adam state as on an SGD state.
        let before = c.bytes();
        assert!(call_all::<H>(c.at(4), None).iter().all(|s| *s == STACKNET_ERR_MISALIGNED), "{}", H::NAME);
        assert!(c.bytes() == before);
    }
}

#[test]
fn adam_state_saves_loads_and_continues_bit_for_bit() {
    for_all_shapes!(adam_persist_checks);
}

fn adam_switch_checks<H: Api>() {
    // Switching between SGD and Adam restarts the optimizer (neither's state fits the other):
    // a fresh state with the same model and the new settings takes the same steps.
    let mut a = fresh::<H>(41);
    steps::<H>(&mut a, 1, 3);
    let adam = adam_hyper(false, 0.02);
    assert_eq!(unsafe { H::set_hyper(a.at(0), &adam) }, STACKNET_OK);
    let model_only = saved::<H>(&mut a);
    let steps_at = 32 + 4 * stored_params(&model_only);
    assert_eq!(model_only[steps_at..model_only.len() - 4].iter().filter(|&&v| v != 0).count(), 0, "fresh moments");
    let mut c = fresh::<H>(42);
    assert_eq!(unsafe { H::set_hyper(c.at(0), &adam) }, STACKNET_OK);
    assert_eq!(unsafe { H::load(c.at(0), model_only.as_ptr(), model_only.len(), null_mut()) }, STACKNET_OK);
    let r = steps::<H>(&mut a, 4, 2);
    assert_eq!(r.step, 2, "{}: the step counter restarts on a switch", H::NAME);
    assert_eq!(format!("{r:?}"), format!("{:?}", steps::<H>(&mut c, 4, 2)));
    // Back to SGD: a velocity of zeros and step 0 again.
    let sgd = hyper();
    assert_eq!(unsafe { H::set_hyper(a.at(0), &sgd) }, STACKNET_OK);
    let blob = saved::<H>(&mut a);
    let p = stored_params(&blob);
    assert_eq!(blob.len(), 40 + 8 * p, "{}: an SGD blob", H::NAME);
    assert_eq!(blob[4], 1);
    assert!(blob[32 + 4 * p..blob.len() - 4].iter().all(|&v| v == 0), "steps and velocity restart at 0");

    // A state whose optimizer code was overwritten by C is refused by every call, unchanged.
    let mut d = fresh::<H>(43);
    d.0[6] = (d.0[6] & !0xffff_ffff) | 7; // bytes 48..52: `hyper.optimizer`
    let before = d.bytes();
    assert!(call_all::<H>(d.at(0), None).iter().all(|s| *s == STACKNET_ERR_STATE_CORRUPT), "{}", H::NAME);
    assert!(d.bytes() == before);
}

#[test]
fn switching_the_optimizer_kind_restarts_it() {
    for_all_shapes!(adam_switch_checks);
}

#[test]
fn a_diverging_adamw_step_is_refused_and_changes_nothing() {
    type H = stacknet_xor_2_10_2_bias_t;
    let mut b = fresh::<H>(51);
    let mut h = adam_hyper(true, 1.0);
    h.weight_decay = 3e38;
    assert_eq!(unsafe { H::set_hyper(b.at(0), &h) }, STACKNET_OK);
    let mut diverged = false;
    for i in 0..6 {
        let before = saved::<H>(&mut b);
        let (x, y) = batch::<H>(H::BATCH, i);
        match unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) } {
            STACKNET_OK => {}
            s => {
                assert_eq!(s, STACKNET_ERR_DIVERGED);
                assert_eq!(saved::<H>(&mut b), before, "a refused Adam step changed weights or moments");
                diverged = true;
                break;
            }
        }
    }
    assert!(diverged, "λ = 3e38 should overflow a weight within a few steps");
}

fn adam_learns_xor<H: Api>(adamw: bool) {
    let mut b = fresh::<H>(7);
    assert_eq!(unsafe { H::set_hyper(b.at(0), &adam_hyper(adamw, 0.05)) }, STACKNET_OK);
    let (tx, ty) = batch::<H>(400, 1);
    let (mut first, mut last, mut acc) = (0.0, 0.0, 0.0);
    assert_eq!(unsafe { H::loss(b.at(0), tx.as_ptr(), ty.as_ptr(), 400, &mut first) }, STACKNET_OK);
    steps::<H>(&mut b, 100, 800);
    assert_eq!(unsafe { H::loss(b.at(0), tx.as_ptr(), ty.as_ptr(), 400, &mut last) }, STACKNET_OK);
    assert_eq!(unsafe { H::accuracy(b.at(0), tx.as_ptr(), ty.as_ptr(), 400, &mut acc) }, STACKNET_OK);
    assert!(last < first / 2.0, "{} adamw={adamw}: loss {first} -> {last}", H::NAME);
    assert!(acc >= 0.9, "{} adamw={adamw}: accuracy {acc}", H::NAME);
}

#[test]
fn adam_and_adamw_learn_xor() {
    for adamw in [false, true] {
        adam_learns_xor::<stacknet_xor_2_10_2_bias_t>(adamw);
        adam_learns_xor::<stacknet_xor_2_50_2_bias_t>(adamw);
    }
}

/// The C API's Adam is stacknet's `Adam`: a blob trained by either continues in the other
/// with the same bits as in itself.
mod same_as_rust {
    use super::*;
    use stacknet::loss::Objective;
    use stacknet::nn::{Bias, Dense, Sigmoid};
    use stacknet::optim::{Adam, Clip, Schedule};
    use stacknet::persist::{load_with_optimizer, max_len_with_adam, save_with_optimizer};
    use stacknet::train::train_step;
    use stacknet::workspace::Workspace;

    type H = stacknet_xor_2_10_2_bias_t;
    type Net = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
    const B: usize = STACKNET_XOR_2_10_2_BIAS_BATCH;

    fn c_hyper() -> stacknet_hyper_t {
        let mut h = adam_hyper(true, 0.03);
        (h.beta1, h.beta2, h.eps, h.weight_decay) = (0.8, 0.99, 1e-6, 0.02);
        (h.clip, h.clip_threshold, h.ridge) = (STACKNET_CLIP_VALUE, 0.5, 1e-3);
        (h.schedule, h.step_every, h.step_factor) = (STACKNET_SCHEDULE_STEP, 4, 0.5);
        h
    }

    fn rust_opt(net: &Net) -> Adam<Net> {
        Adam::new(0.03, net)
            .and_then(|o| o.with_betas(0.8, 0.99))
            .and_then(|o| o.with_eps(1e-6))
            .and_then(|o| o.with_weight_decay(0.02))
            .and_then(|o| o.with_clip(Clip::Value(0.5)))
            .and_then(|o| o.with_schedule(Schedule::StepDecay { every: 4, factor: 0.5 }))
            .unwrap()
    }

    fn zero_net() -> Net {
        (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid)
    }

    fn rust_steps(net: &mut Net, opt: &mut Adam<Net>, first: u32, n: u32) {
        let objective = Objective::mse_ridge(1e-3).unwrap();
        let mut ws = Workspace::<Net, B>::new();
        for i in first..first + n {
            let (x, y) = batch::<H>(B, i);
            let mut xb = [[0.0f32; 2]; B];
            let mut yb = [[0.0f32; 2]; B];
            xb.iter_mut().flatten().zip(&x).for_each(|(d, s)| *d = *s);
            yb.iter_mut().flatten().zip(&y).for_each(|(d, s)| *d = *s);
            train_step(net, &xb, &yb, &mut ws, opt, &objective).unwrap();
        }
    }

    fn rust_blob(net: &Net, opt: &Adam<Net>) -> Vec<u8> {
        let mut buf = vec![0u8; max_len_with_adam::<Net>()];
        let n = save_with_optimizer(net, opt, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn a_c_trained_adamw_blob_continues_in_rust_with_the_same_bits() {
        let mut c = fresh::<H>(61);
        assert_eq!(unsafe { H::set_hyper(c.at(0), &c_hyper()) }, STACKNET_OK);
        steps::<H>(&mut c, 1, 6);
        let blob = saved::<H>(&mut c);
        let mut net = zero_net();
        let mut opt = rust_opt(&net);
        assert_eq!(load_with_optimizer(&mut net, &mut opt, &blob), Ok(blob.len()));
        assert_eq!(opt.steps(), 6);
        steps::<H>(&mut c, 7, 9);
        rust_steps(&mut net, &mut opt, 7, 9);
        assert_eq!(rust_blob(&net, &opt), saved::<H>(&mut c));
    }

    #[test]
    fn a_rust_trained_adamw_blob_continues_in_c_with_the_same_bits() {
        let mut net: Net =
            stacknet::nn::Layer::random(&mut stacknet::init::rng(62), stacknet::init::Init::UniformFanIn);
        let mut opt = rust_opt(&net);
        rust_steps(&mut net, &mut opt, 1, 6);
        let blob = rust_blob(&net, &opt);
        let mut c = fresh::<H>(63);
        assert_eq!(unsafe { H::set_hyper(c.at(0), &c_hyper()) }, STACKNET_OK);
        assert_eq!(unsafe { H::load(c.at(0), blob.as_ptr(), blob.len(), null_mut()) }, STACKNET_OK);
        assert_eq!(saved::<H>(&mut c), blob);
        rust_steps(&mut net, &mut opt, 7, 9);
        let r = steps::<H>(&mut c, 7, 9);
        assert_eq!(r.step, 15);
        assert_eq!(saved::<H>(&mut c), rust_blob(&net, &opt));
    }
}
