//! `persist::load` / `load_with_optimizer` on arbitrary bytes.
//!
//! The first input byte picks the case; the rest is the blob. Bit 0 set: the CRC-32 is
//! recomputed over the blob (at the length its header claims) before loading, so the
//! fuzzer reaches the checks behind the checksum (flags, shape, lengths, finiteness),
//! which it could never reach by forging a CRC. Bits 1–3 pick the target (a model alone, or
//! with plain SGD, SGD with momentum, or Adam).
//!
//! Properties:
//! - never panics;
//! - `Err` leaves the model (and optimizer) bit-identical;
//! - `Ok(n)` only for a valid blob: `n ≤ len`, every loaded value is finite, and saving
//!   what was loaded reproduces exactly the first `n` input bytes (save(load(x)) == x).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacknet::nn::{Bias, Dense, Layer, Sigmoid};
use stacknet::optim::{Adam, NoMomentum, Sgd};
use stacknet::persist::{self, OptimizerState};

type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);

fn net(bias: bool) -> Net {
    let mut n: Net = (Dense::zeros(Bias::from(bias)), Sigmoid, Dense::zeros(Bias::from(bias)), Sigmoid);
    // Non-zero sentinels, so "untouched" is a real check.
    let mut i = 0u32;
    n.visit_mut(&mut |_, s| {
        for v in s {
            i += 1;
            *v = i as f32 * 0.25 - 1.0;
        }
    });
    n
}

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut out = Vec::new();
    m.visit(&mut |_, s| out.extend(s.iter().map(|v| v.to_bits())));
    out
}

fn state<O: OptimizerState<Net>>(o: &O) -> (u32, Vec<u32>) {
    let mut v = Vec::new();
    o.visit_state(&mut |s| v.extend(s.iter().map(|x| x.to_bits())));
    (o.saved_steps(), v)
}

fn all_finite<M: Layer>(m: &M) -> bool {
    let mut ok = true;
    m.visit(&mut |_, s| ok &= s.iter().all(|v| v.is_finite()));
    ok
}

fn has_optimizer(blob: &[u8]) -> bool {
    blob.get(6).is_some_and(|f| f & 1 != 0)
}

fn model_only(blob: &[u8], bias: bool) {
    let mut m = net(bias);
    let before = bits(&m);
    match persist::load(&mut m, blob) {
        Ok(n) => {
            assert!(n <= blob.len());
            assert!(all_finite(&m));
            if has_optimizer(&blob[..n]) {
                // The weights came from a blob with an optimizer section: exactly one of the
                // three optimizer kinds must take it whole, and reproduce it.
                let a = with_optimizer(&blob[..n], Sgd::new(1.0).unwrap(), bias);
                let b =
                    with_optimizer(&blob[..n], Sgd::new(1.0).unwrap().with_momentum(0.5, &net(bias)).unwrap(), bias);
                let c = with_optimizer(&blob[..n], Adam::new(1.0, &net(bias)).unwrap(), bias);
                assert_eq!(
                    u8::from(a) + u8::from(b) + u8::from(c),
                    1,
                    "a blob with an optimizer section fits exactly one optimizer kind"
                );
            } else {
                let mut out = vec![0u8; persist::max_len::<Net>()];
                let len = persist::save(&m, &mut out).unwrap();
                assert_eq!(&out[..len], &blob[..n], "save(load(x)) != x");
            }
        }
        Err(_) => assert_eq!(bits(&m), before, "failed load changed the model"),
    }
}

/// Loads with an optimizer; returns whether it was accepted.
fn with_optimizer<O: OptimizerState<Net>>(blob: &[u8], mut opt: O, bias: bool) -> bool {
    let mut m = net(bias);
    let (before, obefore) = (bits(&m), state(&opt));
    match persist::load_with_optimizer(&mut m, &mut opt, blob) {
        Ok(n) => {
            assert!(n <= blob.len());
            assert!(all_finite(&m));
            let (_, v) = state(&opt);
            assert!(v.iter().all(|b| f32::from_bits(*b).is_finite()));
            let mut out = vec![0u8; persist::max_len_with_adam::<Net>()];
            let len = persist::save_with_optimizer(&m, &opt, &mut out).unwrap();
            assert_eq!(&out[..len], &blob[..n], "save(load(x)) != x");
            true
        }
        Err(_) => {
            assert_eq!(bits(&m), before, "failed load changed the model");
            assert_eq!(state(&opt), obefore, "failed load changed the optimizer");
            false
        }
    }
}

/// Recomputes the CRC at the length the header claims (clamped to the data).
fn fix_crc(blob: &mut [u8]) {
    if blob.len() < 12 {
        return;
    }
    let claimed = u32::from_le_bytes([blob[8], blob[9], blob[10], blob[11]]) as usize;
    let len = claimed.clamp(persist::HEADER_LEN + persist::CRC_LEN, blob.len().max(36));
    if len > blob.len() {
        return;
    }
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob[..len - 4]);
    blob[len - 4..len].copy_from_slice(&crc.to_le_bytes());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut blob = rest.to_vec();
    if mode & 1 != 0 {
        fix_crc(&mut blob);
    }
    match (mode >> 1) & 7 {
        0 | 4 => model_only(&blob, true),
        1 | 5 => model_only(&blob, false),
        2 => {
            with_optimizer(&blob, Sgd::new(1.0).unwrap().with_momentum(0.5, &net(true)).unwrap(), true);
        }
        3 => {
            with_optimizer::<Sgd<NoMomentum>>(&blob, Sgd::new(1.0).unwrap(), true);
        }
        _ => {
            with_optimizer(&blob, Adam::new(1.0, &net(true)).unwrap(), true);
        }
    }
});
