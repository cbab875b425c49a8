//! A state that C (or a reset, or a cosmic ray) changed behind the library's back: every
//! single-bit flip of a trained state gets a documented status from every call and leaves
//! the state as it was, or lands in the scratch workspace, where it changes nothing. And a
//! state's bytes are fully determined by the calls that made it, whatever the memory held.

use stacknet_capi::stacknet_status_t::*;
use stacknet_capi::*;
use std::ptr::null_mut;

#[macro_use]
mod common;

use common::*;

/// A state trained a few steps with `h`, whose optimizer state is then non-zero.
fn trained<H: Api>(h: &stacknet_hyper_t) -> Block {
    let mut b = fresh::<H>(9);
    assert_eq!(unsafe { H::set_hyper(b.at(0), h) }, STACKNET_OK);
    steps::<H>(&mut b, 1, 5);
    b
}

/// Flips every bit of the state's `H::SIZE` bytes, one at a time, and returns how many
/// leading bytes are checked (every flip there refused by every call, state unchanged);
/// asserts that each flip past them is harmless (saves, predicts and trains exactly as
/// the unflipped state).
fn flip_every_bit<H: Api>(good: &Block) -> usize {
    let (x, y) = batch::<H>(H::BATCH, 77);
    let mut reference = Block::new();
    reference.0.copy_from_slice(&good.0);
    let blob = saved::<H>(&mut reference);
    let mut out_ref = vec![0.0f32; H::BATCH * H::OUT];
    assert_eq!(unsafe { H::predict(reference.at(0), x.as_ptr(), H::BATCH, out_ref.as_mut_ptr()) }, STACKNET_OK);
    let after_step = {
        assert_eq!(unsafe { H::train(reference.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) }, STACKNET_OK);
        saved::<H>(&mut reference)
    };

    let other_blob = saved::<H>(&mut fresh::<H>(1));
    let words = H::SIZE / 8;
    let state = |b: &Block| b.0[..words].to_vec();
    let mut b = Block::new();
    let mut checked = 0;
    for bit in 0..H::SIZE * 8 {
        b.0[..words].copy_from_slice(&good.0[..words]);
        let (word, shift) = (bit / 64, bit % 64);
        b.0[word] ^= 1 << shift;
        let before = state(&b);
        let v = unsafe { H::validate(b.at(0)) };
        if v != STACKNET_OK {
            // Checked bytes are the leading ones, with no gap.
            assert!(bit / 8 <= checked, "{}: bit {bit} detected after an undetected byte", H::NAME);
            checked = bit / 8 + 1;
            let want = match bit {
                0..32 => STACKNET_ERR_NOT_INITIALIZED,
                32..64 => STACKNET_ERR_WRONG_MODEL,
                _ => STACKNET_ERR_STATE_CORRUPT,
            };
            assert_eq!(v, want, "{}: bit {bit}", H::NAME);
            let got = call_all::<H>(b.at::<H>(0), Some(&other_blob));
            assert!(got.iter().all(|s| *s == want), "{}: bit {bit}: {got:?}", H::NAME);
            assert!(state(&b) == before, "{}: bit {bit}: a refused call changed the state", H::NAME);
        } else {
            // Past the checked bytes: the workspace, scratch that every call writes first.
            assert_eq!(saved::<H>(&mut b), blob, "{}: bit {bit}", H::NAME);
            let mut out = vec![0.0f32; H::BATCH * H::OUT];
            assert_eq!(unsafe { H::predict(b.at(0), x.as_ptr(), H::BATCH, out.as_mut_ptr()) }, STACKNET_OK);
            assert_eq!(out, out_ref, "{}: bit {bit}", H::NAME);
            if bit % 61 == 0 {
                // A step from every 61st flipped bit: 100 s of debug-build steps otherwise.
                assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) }, STACKNET_OK);
                assert_eq!(saved::<H>(&mut b), after_step, "{}: bit {bit}", H::NAME);
            }
        }
    }
    checked
}

/// Bytes before the workspace: magic, id, CRC (12), hyperparameters (56), the model and the
/// optimizer union (Adam's 13 words of settings and counter, and its two moments).
fn covered(model_bytes: usize) -> usize {
    12 + 56 + model_bytes + 13 * 4 + 2 * model_bytes
}

#[test]
fn every_bit_flip_of_a_trained_2_10_2_state_is_refused_or_harmless() {
    type H = stacknet_xor_2_10_2_t;
    // Dense<2, 10> and Dense<10, 2>: weights, bias storage and the bias flag.
    let model = 4 * ((2 * 10 + 10 + 1) + (10 * 2 + 2 + 1));
    let mut momentum = hyper();
    momentum.momentum = 0.9;
    momentum.learning_rate = 0.5;
    for h in [momentum, adam_hyper(true, 0.02)] {
        let good = trained::<H>(&h);
        assert_eq!(flip_every_bit::<H>(&good), covered(model), "optimizer {}", h.optimizer);
    }
    assert_eq!(covered(model), 768);
}

#[test]
fn every_bit_flip_of_a_trained_2_3_2_bias_state_is_refused_or_harmless() {
    type H = stacknet_xor_2_3_2_bias_t;
    let model = 4 * ((2 * 3 + 3 + 1) + (3 * 2 + 2 + 1));
    let good = trained::<H>(&adam_hyper(false, 0.05));
    assert_eq!(flip_every_bit::<H>(&good), covered(model));
}

/// The same calls on a block first filled with 0x00 and on one filled with 0xFF.
fn same_bytes_over_any_memory<H: Api>() {
    let (mut a, mut b) = (Block::new(), Block::new());
    b.0.fill(u64::MAX);
    let both = |a: &mut Block, b: &mut Block, what: &str, f: &dyn Fn(*mut H) -> stacknet_status_t| {
        assert_eq!(f(a.at(0)), STACKNET_OK, "{}: {what}", H::NAME);
        assert_eq!(f(b.at(0)), STACKNET_OK, "{}: {what}", H::NAME);
        let n = H::SIZE;
        assert!(
            a.bytes()[..n] == b.bytes()[..n],
            "{}: after {what}, the state depends on the memory it was built in",
            H::NAME
        );
    };
    both(&mut a, &mut b, "init", &|p| unsafe { H::init(p, H::SIZE, 3) });
    let (x, y) = batch::<H>(H::BATCH, 5);
    let step = |p| unsafe { H::train(p, x.as_ptr(), y.as_ptr(), H::BATCH, null_mut()) };
    both(&mut a, &mut b, "a step", &step);
    let adam = adam_hyper(true, 0.01);
    both(&mut a, &mut b, "set_hyper (AdamW)", &|p| unsafe { H::set_hyper(p, &adam) });
    both(&mut a, &mut b, "an AdamW step", &step);
    let blob = saved::<H>(&mut a);
    both(&mut a, &mut b, "load", &|p| unsafe { H::load(p, blob.as_ptr(), blob.len(), null_mut()) });
    let sgd = hyper();
    both(&mut a, &mut b, "set_hyper (back to SGD)", &|p| unsafe { H::set_hyper(p, &sgd) });
    both(&mut a, &mut b, "an SGD step", &step);
    let out = std::cell::RefCell::new(vec![0.0; H::OUT]);
    both(&mut a, &mut b, "predict", &|p| unsafe { H::predict(p, x.as_ptr(), 1, out.borrow_mut().as_mut_ptr()) });
}

#[test]
fn a_states_bytes_do_not_depend_on_the_memory_it_was_built_in() {
    for_all_shapes!(same_bytes_over_any_memory);
}

/// init → load → set_hyper continues the loaded run: the same steps as the run that saved
/// the blob, with the same change of hyperparameters.
fn load_then_set_hyper_continues<H: Api>() {
    let n = if H::NAME.contains("50") { 250 } else { 2500 };
    let mut sgd = hyper();
    sgd.momentum = 0.9;
    sgd.learning_rate = 0.5;
    let mut adam = adam_hyper(false, 0.02);
    adam.schedule = STACKNET_SCHEDULE_EXP;
    adam.exp_rate = 1e-4;
    for (first, then) in [(sgd, sgd), (adam, adam)] {
        let mut then = then;
        then.learning_rate *= 0.5;
        let mut a = fresh::<H>(11);
        assert_eq!(unsafe { H::set_hyper(a.at(0), &first) }, STACKNET_OK);
        steps::<H>(&mut a, 1, n);
        let blob = saved::<H>(&mut a);
        // A new state, in the natural order: init → [set_hyper for the blob's optimizer
        // kind, if it is not the default SGD] → load → set_hyper.
        let mut b = fresh::<H>(12);
        if first.optimizer != STACKNET_OPTIMIZER_SGD {
            assert_eq!(unsafe { H::set_hyper(b.at(0), &first) }, STACKNET_OK);
        }
        assert_eq!(unsafe { H::load(b.at(0), blob.as_ptr(), blob.len(), null_mut()) }, STACKNET_OK);
        assert_eq!(unsafe { H::set_hyper(b.at(0), &then) }, STACKNET_OK);
        assert_eq!(unsafe { H::set_hyper(a.at(0), &then) }, STACKNET_OK);
        let (ra, rb) = (steps::<H>(&mut a, 1000, 3), steps::<H>(&mut b, 1000, 3));
        assert_eq!(rb.step, n + 3, "{}: the loaded run continues", H::NAME);
        assert_eq!(format!("{ra:?}"), format!("{rb:?}"), "{}", H::NAME);
        assert_eq!(saved::<H>(&mut a), saved::<H>(&mut b), "{}", H::NAME);
        // Adam → AdamW keeps the moments too (one optimizer state for both).
        if first.optimizer == STACKNET_OPTIMIZER_ADAM {
            assert_eq!(unsafe { H::set_hyper(b.at(0), &adam_hyper(true, 0.01)) }, STACKNET_OK);
            assert_eq!(steps::<H>(&mut b, 2000, 1).step, n + 4, "{}: Adam → AdamW", H::NAME);
        }
    }
}

#[test]
fn set_hyper_after_load_keeps_the_loaded_optimizer_state() {
    for_all_shapes!(load_then_set_hyper_continues);
}
