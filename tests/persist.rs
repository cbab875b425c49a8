//! Saved weights: bit-exact round trips, and every kind of damage (each single-bit flip,
//! each truncation, another shape, another version, erased flash, a short buffer) refused
//! with its own error while the target model and optimizer stay bit-identical.

use stacknet::persist::{self, LoadError, SaveError, Shape};
use stacknet::prelude::*;

/// The 2-3-2 network of the issue, with biases: 17 parameters, a 104-byte blob.
type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);

fn net(seed: u64) -> Net {
    let mut n: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    n.init(&mut stacknet::init::rng(seed), Init::UniformFanIn);
    n
}

/// Every parameter's bit pattern, in visiting order.
fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
    v
}

fn opt_bits<M: Layer>(o: &Sgd<stacknet::optim::Momentum<M>>) -> (u32, Vec<u32>) {
    (o.steps(), bits(&o.velocity().0))
}

fn saved(n: &Net) -> Vec<u8> {
    let mut buf = [0u8; persist::max_len::<Net>()];
    let len = persist::save(n, &mut buf).unwrap();
    buf[..len].to_vec()
}

/// A momentum optimizer after a few real steps, so the velocity and counter are non-zero.
fn trained() -> (Net, Sgd<stacknet::optim::Momentum<Net>>) {
    let mut n = net(3);
    let mut opt = Sgd::new(0.5).unwrap().with_momentum(0.9, &n).unwrap();
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    let obj = Objective::mse_ridge(1e-3).unwrap();
    for _ in 0..5 {
        train_step(&mut n, &x, &y, &mut ws, &mut opt, &obj).unwrap();
    }
    (n, opt)
}

#[test]
fn sizes_are_as_documented() {
    assert_eq!(<Net as Layer>::PARAMS, 17);
    assert_eq!(persist::max_len::<Net>(), 32 + 4 * 17 + 4);
    assert_eq!(persist::saved_len(&net(1)), 104);
    assert_eq!(persist::max_len_with_optimizer::<Net>(), 104 + 4 + 4 * 17);
    let (n, opt) = trained();
    assert_eq!(persist::saved_len_with_optimizer(&n, &opt), persist::max_len_with_optimizer::<Net>());
    // Without biases the blob is shorter than the bound.
    let nb: Net = (Dense::zeros(Bias::Without), Sigmoid, Dense::zeros(Bias::Without), Sigmoid);
    assert_eq!(persist::saved_len(&nb), 32 + 4 * 12 + 4);
}

#[test]
fn round_trip_is_bit_exact() {
    let mut n = net(1);
    // Values whose bits are easy to lose: −0, the smallest subnormal, the largest finite.
    n.0.weights_mut()[0][0] = -0.0;
    n.0.weights_mut()[1][2] = f32::from_bits(1);
    n.2.bias_mut().unwrap()[1] = f32::MAX;
    let blob = saved(&n);
    assert_eq!(blob.len(), 104);
    let mut back = net(99);
    assert_eq!(persist::load(&mut back, &blob), Ok(104));
    assert_eq!(bits(&back), bits(&n));
    // And saving what was loaded gives the same bytes.
    assert_eq!(saved(&back), blob);
}

#[test]
fn round_trip_without_bias() {
    let mut n: Net = (Dense::zeros(Bias::Without), Sigmoid, Dense::zeros(Bias::Without), Sigmoid);
    n.init(&mut stacknet::init::rng(5), Init::XavierUniform);
    let mut buf = [0u8; persist::max_len::<Net>()];
    let len = persist::save(&n, &mut buf).unwrap();
    assert_eq!(len, 84);
    let mut back: Net = (Dense::zeros(Bias::Without), Sigmoid, Dense::zeros(Bias::Without), Sigmoid);
    assert_eq!(persist::load(&mut back, &buf[..len]), Ok(84));
    assert_eq!(bits(&back), bits(&n));
}

/// The bytes of a known model, pinned: a change to the format must bump [`persist::VERSION`].
#[test]
fn format_is_pinned() {
    let n: (Dense<1, 2>, Sigmoid<2>) = (Dense::from_parts([[1.0, -2.0]], Some([0.5, 0.0])), Sigmoid);
    let mut buf = [0u8; 52];
    assert_eq!(persist::save(&n, &mut buf), Ok(52));
    let crc = |b: &[u8]| crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(b);
    let shape_hash = crc(&[0, 2, 0, 0, 0, 1, 2, 0, 0, 0]);
    let mut want = Vec::new();
    want.extend_from_slice(b"STKN");
    want.extend_from_slice(&1u16.to_le_bytes()); // version
    want.extend_from_slice(&0u16.to_le_bytes()); // flags
    for v in [52u32, 1, 2, 2, 4, shape_hash] {
        want.extend_from_slice(&v.to_le_bytes());
    }
    for v in [1.0f32, -2.0, 0.5, 0.0] {
        want.extend_from_slice(&v.to_le_bytes());
    }
    let c = crc(&want);
    want.extend_from_slice(&c.to_le_bytes());
    assert_eq!(&buf[..], &want[..]);
    // This build reads the version-1 bytes as written by hand.
    let mut back: (Dense<1, 2>, Sigmoid<2>) = (Dense::zeros(Bias::With), Sigmoid);
    assert_eq!(persist::load(&mut back, &want), Ok(52));
    assert_eq!(back, n);
}

#[test]
fn every_single_bit_flip_is_detected_and_leaves_the_model_untouched() {
    let blob = saved(&net(1));
    assert_eq!(blob.len() * 8, 832);
    let mut target = net(2);
    let before = bits(&target);
    for i in 0..blob.len() * 8 {
        let mut bad = blob.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let r = persist::load(&mut target, &bad);
        assert!(r.is_err(), "flip of bit {i} was accepted");
        // A flip in the magic, version or length field is named as such; everywhere else
        // (flags, shape, payload, the CRC itself) the checksum catches it.
        let byte = i / 8;
        let expected_kind = match byte {
            0..=3 => matches!(r, Err(LoadError::BadMagic)),
            4..=5 => matches!(r, Err(LoadError::UnknownVersion(_))),
            8..=11 => matches!(r, Err(LoadError::Truncated { .. } | LoadError::Checksum { .. } | LoadError::Malformed)),
            _ => matches!(r, Err(LoadError::Checksum { .. })),
        };
        assert!(expected_kind, "flip of bit {i}: {r:?}");
        assert_eq!(bits(&target), before, "flip of bit {i} changed the model");
    }
}

#[test]
fn every_single_bit_flip_of_a_blob_with_optimizer_is_detected() {
    let (n, opt) = trained();
    let mut buf = [0u8; persist::max_len_with_optimizer::<Net>()];
    let len = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();
    assert_eq!(len, 176);
    let blob = &buf[..len];
    let (mut tn, mut topt) = (net(2), Sgd::new(0.1).unwrap().with_momentum(0.5, &net(2)).unwrap());
    let (before, obefore) = (bits(&tn), opt_bits(&topt));
    for i in 0..len * 8 {
        let mut bad = blob.to_vec();
        bad[i / 8] ^= 1 << (i % 8);
        assert!(persist::load_with_optimizer(&mut tn, &mut topt, &bad).is_err(), "bit {i}");
        assert!(persist::load(&mut tn, &bad).is_err(), "bit {i}");
        assert_eq!(bits(&tn), before);
        assert_eq!(opt_bits(&topt), obefore);
    }
}

#[test]
fn every_truncation_is_detected() {
    let blob = saved(&net(1));
    let mut target = net(2);
    let before = bits(&target);
    for n in 0..blob.len() {
        let r = persist::load(&mut target, &blob[..n]);
        assert!(matches!(r, Err(LoadError::Truncated { got, .. }) if got == n), "length {n}: {r:?}");
        assert_eq!(bits(&target), before);
    }
    assert_eq!(persist::load(&mut target, &blob), Ok(blob.len()));
}

#[test]
fn trailing_bytes_are_ignored() {
    let n = net(1);
    let mut sector = [0xFFu8; 256];
    let len = persist::save(&n, &mut sector).unwrap();
    assert!(sector[len..].iter().all(|&b| b == 0xFF), "save wrote past the blob");
    let mut back = net(2);
    assert_eq!(persist::load(&mut back, &sector), Ok(len));
    assert_eq!(bits(&back), bits(&n));
}

#[test]
fn erased_flash_and_other_formats_are_bad_magic() {
    let mut target = net(2);
    let before = bits(&target);
    for bytes in [[0xFFu8; 104], [0u8; 104]] {
        assert_eq!(persist::load(&mut target, &bytes), Err(LoadError::BadMagic));
    }
    assert_eq!(bits(&target), before);
}

#[test]
fn another_version_is_refused() {
    let mut target = net(2);
    let before = bits(&target);
    for version in [0u16, 3, 0xFFFF] {
        let mut blob = saved(&net(1));
        blob[4..6].copy_from_slice(&version.to_le_bytes());
        assert_eq!(persist::load(&mut target, &blob), Err(LoadError::UnknownVersion(version)));
    }
    assert_eq!(bits(&target), before);
}

#[track_caller]
fn rejects_shape<M: Layer>(blob: &[u8], mut target: M) {
    let before = bits(&target);
    let r = persist::load(&mut target, blob);
    assert!(matches!(r, Err(LoadError::ShapeMismatch { .. })), "{r:?}");
    assert_eq!(bits(&target), before);
}

#[test]
fn wrong_shape_is_rejected() {
    let blob = saved(&net(1));
    // Other widths.
    rejects_shape(
        &blob,
        (Dense::<2, 4>::zeros(Bias::With), Sigmoid::<4>, Dense::<4, 2>::zeros(Bias::With), Sigmoid::<2>),
    );
    rejects_shape(
        &blob,
        (Dense::<3, 2>::zeros(Bias::With), Sigmoid::<2>, Dense::<2, 3>::zeros(Bias::With), Sigmoid::<3>),
    );
    // Same widths, no biases.
    rejects_shape(
        &blob,
        (Dense::<2, 3>::zeros(Bias::Without), Sigmoid::<3>, Dense::<3, 2>::zeros(Bias::Without), Sigmoid::<2>),
    );
    // Same widths, bias on one layer only.
    rejects_shape(
        &blob,
        (Dense::<2, 3>::zeros(Bias::With), Sigmoid::<3>, Dense::<3, 2>::zeros(Bias::Without), Sigmoid::<2>),
    );
    // A deeper stack with the same end widths.
    rejects_shape(
        &blob,
        (
            Dense::<2, 3>::zeros(Bias::With),
            Sigmoid::<3>,
            Dense::<3, 3>::zeros(Bias::With),
            Dense::<3, 2>::zeros(Bias::With),
        ),
    );

    // Same parameter count and slice lengths, transposed widths: only the widths differ.
    let mut buf = [0u8; 128];
    let len = persist::save(&Dense::<2, 3>::zeros(Bias::Without), &mut buf).unwrap();
    rejects_shape(&buf[..len], Dense::<3, 2>::zeros(Bias::Without));
    // Same end widths (2 → 4), slice count (2) and parameter count (12); only the slices'
    // kinds and lengths differ (weights 4 + 8 against weights 8 + bias 4): the hash decides.
    let two: (Dense<2, 2>, Dense<2, 4>) = (Dense::zeros(Bias::Without), Dense::zeros(Bias::Without));
    let len = persist::save(&two, &mut buf).unwrap();
    let one = Dense::<2, 4>::zeros(Bias::With);
    let (a, b) = (Shape::of(&two).unwrap(), Shape::of(&one).unwrap());
    assert_eq!((a.inputs, a.outputs, a.slices, a.params), (b.inputs, b.outputs, b.slices, b.params));
    assert_ne!(a.hash, b.hash);
    rejects_shape(&buf[..len], one);
}

#[test]
fn shape_mismatch_names_both_shapes() {
    let blob = saved(&net(1));
    let mut other = (Dense::<2, 4>::zeros(Bias::With), Dense::<4, 2>::zeros(Bias::With));
    match persist::load(&mut other, &blob) {
        Err(LoadError::ShapeMismatch { expected, found }) => {
            assert_eq!(found, Shape::of(&net(1)).unwrap());
            assert_eq!(expected, Shape::of(&other).unwrap());
            assert_eq!((found.inputs, found.outputs, found.slices, found.params), (2, 2, 4, 17));
            assert_eq!((expected.slices, expected.params), (4, 22));
        }
        r => panic!("{r:?}"),
    }
}

/// A shape mismatch prints both models as widths and bias choices, not as a struct dump.
#[test]
fn shape_mismatch_message_names_the_widths() {
    let blob = saved(&net(1));
    let mut other = (Dense::<2, 4>::zeros(Bias::With), Tanh::<4>, Dense::<4, 2>::zeros(Bias::Without));
    let e = persist::load(&mut other, &blob).unwrap_err();
    assert_eq!(
        e.to_string(),
        "shape mismatch: the saved model is 2-3-2 (bias, bias), this model is 2-4-2 (bias, no bias)"
    );

    type Deep = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
    let deep: Deep = Layer::random(&mut stacknet::init::rng(2), Init::HeNormal);
    assert_eq!(Shape::of(&deep).unwrap().to_string(), "4-16-8-3 (bias, bias, bias)");
    let wide = (Dense::<2, 300>::zeros(Bias::Without), Dense::<300, 1>::zeros(Bias::With));
    assert_eq!(Shape::of(&wide).unwrap().to_string(), "2-300-1 (no bias, bias)");
    let one = Dense::<7, 5>::zeros(Bias::Without);
    assert_eq!(Shape::of(&one).unwrap().to_string(), "7-5 (no bias)");
    assert_eq!(Shape::of(&Sigmoid::<3>).unwrap().to_string(), "3-3 (no parameters)");
    // Counts that no stack of `Dense` bricks gives (a hash that matches nothing): the counts.
    let odd = Shape { inputs: 2, outputs: 2, slices: 4, params: 17, hash: 0 };
    assert_eq!(odd.to_string(), "2 inputs, 2 outputs, 4 parameter slices, 17 parameters");
}

#[test]
fn short_buffer_is_refused_and_left_alone() {
    let n = net(1);
    let mut buf = [0xAAu8; 103];
    assert_eq!(persist::save(&n, &mut buf), Err(SaveError::BufferTooSmall { needed: 104, got: 103 }));
    assert!(buf.iter().all(|&b| b == 0xAA));
}

#[test]
fn non_finite_weights_are_neither_saved_nor_loaded() {
    let mut n = net(1);
    n.2.weights_mut()[1][0] = f32::NAN; // parameter index 6 + 3 + 2 = 11
    let mut buf = [0xAAu8; 104];
    assert_eq!(persist::save(&n, &mut buf), Err(SaveError::NonFinite { index: 11 }));
    assert!(buf.iter().all(|&b| b == 0xAA));

    // A blob with a well-formed checksum around an ∞ (as another writer might produce).
    let mut blob = saved(&net(1));
    blob[32 + 4 * 7..32 + 4 * 8].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob[..100]);
    blob[100..].copy_from_slice(&crc.to_le_bytes());
    let mut target = net(2);
    let before = bits(&target);
    assert_eq!(persist::load(&mut target, &blob), Err(LoadError::NonFinite { index: 7 }));
    assert_eq!(bits(&target), before);
}

#[test]
fn optimizer_state_round_trips_and_training_continues_identically() {
    let (mut n, mut opt) = trained();
    let mut buf = [0u8; persist::max_len_with_optimizer::<Net>()];
    let len = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();

    // "Reset": a fresh model and optimizer, then load.
    let mut n2 = net(42);
    let mut opt2 = Sgd::new(0.5).unwrap().with_momentum(0.9, &n2).unwrap();
    assert_eq!(persist::load_with_optimizer(&mut n2, &mut opt2, &buf[..len]), Ok(len));
    assert_eq!(bits(&n2), bits(&n));
    assert_eq!(opt_bits(&opt2), opt_bits(&opt));
    assert_eq!(opt2.steps(), 5);

    // Continue training both: identical bits.
    let (x, y) = stacknet::data::XOR_CORNERS;
    let obj = Objective::mse_ridge(1e-3).unwrap();
    let (mut ws, mut ws2) = (Workspace::<Net, 4>::new(), Workspace::<Net, 4>::new());
    for _ in 0..10 {
        let a = train_step(&mut n, &x, &y, &mut ws, &mut opt, &obj).unwrap();
        let b = train_step(&mut n2, &x, &y, &mut ws2, &mut opt2, &obj).unwrap();
        assert_eq!(a, b);
    }
    assert_eq!(bits(&n2), bits(&n));
}

#[test]
fn plain_sgd_state_round_trips() {
    let mut n = net(1);
    let mut opt = Sgd::new(0.5).unwrap().with_schedule(Schedule::ExpDecay { rate: 0.1 }).unwrap();
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    for _ in 0..3 {
        train_step(&mut n, &x, &y, &mut ws, &mut opt, &Objective::default()).unwrap();
    }
    let mut buf = [0u8; 200];
    let len = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();
    assert_eq!(len, 104 + 4);
    let mut opt2 = Sgd::new(0.5).unwrap().with_schedule(Schedule::ExpDecay { rate: 0.1 }).unwrap();
    let mut n2 = net(2);
    assert_eq!(persist::load_with_optimizer(&mut n2, &mut opt2, &buf[..len]), Ok(len));
    assert_eq!(opt2.steps(), 3);
    assert_eq!(opt2.current_lr().to_bits(), opt.current_lr().to_bits());
}

#[test]
fn optimizer_kind_must_match() {
    let (n, opt) = trained();
    let mut buf = [0u8; 512];
    let with_velocity = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();
    let with_velocity = buf[..with_velocity].to_vec();
    let model_only = saved(&n);

    let mut tn = net(2);
    let mut plain = Sgd::new(0.1).unwrap();
    let mut mom = Sgd::new(0.1).unwrap().with_momentum(0.9, &tn).unwrap();
    let (before, mbefore) = (bits(&tn), opt_bits(&mom));
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut plain, &with_velocity), Err(LoadError::OptimizerMismatch));
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut mom, &model_only), Err(LoadError::OptimizerMismatch));
    assert_eq!(plain.steps(), 0);
    assert_eq!(bits(&tn), before);
    assert_eq!(opt_bits(&mom), mbefore);

    // The weights alone can always be taken from a blob that also holds optimizer state.
    assert_eq!(persist::load(&mut tn, &with_velocity), Ok(with_velocity.len()));
    assert_eq!(bits(&tn), bits(&n));
}

/// A header that passes the checksum but contradicts itself (only a foreign or buggy
/// writer makes one) is `Malformed`, and the model is untouched.
#[test]
fn malformed_header_behind_a_valid_checksum() {
    let crc = |b: &mut Vec<u8>| {
        let n = b.len();
        let c = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&b[..n - 4]);
        b[n - 4..].copy_from_slice(&c.to_le_bytes());
    };
    let mut target = net(2);
    let before = bits(&target);
    // Unknown flag bit.
    let mut b = saved(&net(1));
    b[6] |= 0x04;
    crc(&mut b);
    assert_eq!(persist::load(&mut target, &b), Err(LoadError::Malformed));
    // "Velocity" without "optimizer section".
    let mut b = saved(&net(1));
    b[6] = 2;
    crc(&mut b);
    assert_eq!(persist::load(&mut target, &b), Err(LoadError::Malformed));
    // A parameter count that disagrees with the length.
    let mut b = saved(&net(1));
    b[24] = 16;
    crc(&mut b);
    assert_eq!(persist::load(&mut target, &b), Err(LoadError::Malformed));
    // A length too short to hold a header and a checksum.
    let mut b = saved(&net(1));
    b[8..12].copy_from_slice(&20u32.to_le_bytes());
    assert_eq!(persist::load(&mut target, &b), Err(LoadError::Malformed));
    assert_eq!(bits(&target), before);
}

/// Momentum built for a model without biases does not fit a model with them: refused on
/// save and on load, nothing written.
#[test]
fn velocity_of_another_shape_is_refused() {
    let n = net(1);
    let nobias: Net = (Dense::zeros(Bias::Without), Sigmoid, Dense::zeros(Bias::Without), Sigmoid);
    let wrong = Sgd::new(0.1).unwrap().with_momentum(0.9, &nobias).unwrap();
    let mut buf = [0xAAu8; 256];
    assert_eq!(persist::save_with_optimizer(&n, &wrong, &mut buf), Err(SaveError::OptimizerMismatch));
    assert!(buf.iter().all(|&b| b == 0xAA));

    let right = Sgd::new(0.1).unwrap().with_momentum(0.9, &n).unwrap();
    let len = persist::save_with_optimizer(&n, &right, &mut buf).unwrap();
    let (mut tn, mut wrong) = (net(2), wrong);
    let (before, wbefore) = (bits(&tn), opt_bits(&wrong));
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut wrong, &buf[..len]), Err(LoadError::OptimizerMismatch));
    assert_eq!(bits(&tn), before);
    assert_eq!(opt_bits(&wrong), wbefore);
}

/// Adam after a few real steps (AdamW, so the decay path runs too).
fn trained_adam() -> (Net, Adam<Net>) {
    let mut n = net(3);
    let mut opt = Adam::new(0.05, &n).unwrap().with_weight_decay(0.01).unwrap();
    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    for _ in 0..5 {
        train_step(&mut n, &x, &y, &mut ws, &mut opt, &Objective::mse()).unwrap();
    }
    (n, opt)
}

fn adam_bits(o: &Adam<Net>) -> (u32, Vec<u32>, Vec<u32>) {
    (o.steps(), bits(o.moments().0), bits(o.moments().1))
}

#[test]
fn adam_save_load_continue_equals_an_uninterrupted_run() {
    let (mut n, mut opt) = trained_adam();
    let mut buf = [0u8; persist::max_len_with_adam::<Net>()];
    let len = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();
    assert_eq!(len, 104 + 4 + 8 * 17);
    assert_eq!(u16::from_le_bytes([buf[4], buf[5]]), 2, "an Adam blob is version 2");
    assert_eq!(u16::from_le_bytes([buf[6], buf[7]]), 0b101, "optimizer section with moments");

    // Restore into a fresh model and a fresh Adam with the same hyperparameters.
    let mut n2: Net = Layer::ZERO;
    let mut opt2 = Adam::new(0.05, &n2).unwrap().with_weight_decay(0.01).unwrap();
    assert_eq!(persist::load_with_optimizer(&mut n2, &mut opt2, &buf[..len]), Ok(len));
    assert_eq!((bits(&n2), adam_bits(&opt2)), (bits(&n), adam_bits(&opt)));

    let (x, y) = stacknet::data::XOR_CORNERS;
    let mut ws = Workspace::<Net, 4>::new();
    for _ in 0..7 {
        train_step(&mut n, &x, &y, &mut ws, &mut opt, &Objective::mse()).unwrap();
        train_step(&mut n2, &x, &y, &mut ws, &mut opt2, &Objective::mse()).unwrap();
    }
    assert_eq!((bits(&n2), adam_bits(&opt2)), (bits(&n), adam_bits(&opt)));
    assert_eq!(opt2.steps(), 12);
}

#[test]
fn every_single_bit_flip_of_an_adam_blob_is_detected() {
    let (n, opt) = trained_adam();
    let mut buf = [0u8; persist::max_len_with_adam::<Net>()];
    let len = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();
    let blob = &buf[..len];
    let (mut tn, mut topt) = (net(2), Adam::new(0.1, &net(2)).unwrap());
    let (before, obefore) = (bits(&tn), adam_bits(&topt));
    for i in 0..len * 8 {
        let mut bad = blob.to_vec();
        bad[i / 8] ^= 1 << (i % 8);
        assert!(persist::load_with_optimizer(&mut tn, &mut topt, &bad).is_err(), "bit {i}");
        assert!(persist::load(&mut tn, &bad).is_err(), "bit {i}");
        assert_eq!(bits(&tn), before);
        assert_eq!(adam_bits(&topt), obefore);
    }
}

#[test]
fn optimizer_kinds_do_not_mix() {
    let (n, adam) = trained_adam();
    let mut buf = [0u8; persist::max_len_with_adam::<Net>()];
    let adam_len = persist::save_with_optimizer(&n, &adam, &mut buf).unwrap();
    let adam_blob = buf[..adam_len].to_vec();
    let (_, momentum) = trained();
    let sgd_len = persist::save_with_optimizer(&n, &momentum, &mut buf).unwrap();
    let sgd_blob = buf[..sgd_len].to_vec();
    assert_eq!(u16::from_le_bytes([sgd_blob[4], sgd_blob[5]]), 1, "an SGD blob stays version 1");

    let mut tn = net(2);
    let mut tadam = Adam::new(0.1, &tn).unwrap();
    let mut tmom = Sgd::new(0.1).unwrap().with_momentum(0.9, &tn).unwrap();
    let mut tplain = Sgd::new(0.1).unwrap();
    let before = bits(&tn);
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut tadam, &sgd_blob), Err(LoadError::OptimizerMismatch));
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut tmom, &adam_blob), Err(LoadError::OptimizerMismatch));
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut tplain, &adam_blob), Err(LoadError::OptimizerMismatch));
    assert_eq!(bits(&tn), before);
    // The weights alone load from either.
    assert_eq!(persist::load(&mut tn, &adam_blob), Ok(adam_len));
    assert_eq!(bits(&tn), bits(&n));
}

/// Re-signs a blob whose bytes were edited: the CRC-32 over everything before it.
fn resign(blob: &mut [u8]) {
    let n = blob.len();
    let c = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob[..n - 4]);
    blob[n - 4..].copy_from_slice(&c.to_le_bytes());
}

#[test]
fn a_negative_second_moment_or_a_moment_flag_in_version_1_is_refused() {
    let (n, opt) = trained_adam();
    let mut buf = [0u8; persist::max_len_with_adam::<Net>()];
    let len = persist::save_with_optimizer(&n, &opt, &mut buf).unwrap();
    let mut tn = net(2);
    let mut topt = Adam::new(0.1, &tn).unwrap();
    let (before, obefore) = (bits(&tn), adam_bits(&topt));

    // v of parameter 3: after the 17 weights, the step counter and the 17 values of m.
    let mut bad = buf[..len].to_vec();
    let at = 32 + 4 * 17 + 4 + 4 * 17 + 4 * 3;
    bad[at..at + 4].copy_from_slice(&(-1.0f32).to_le_bytes());
    resign(&mut bad);
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut topt, &bad), Err(LoadError::NegativeMoment { index: 37 }));
    assert_eq!(persist::load(&mut tn, &bad), Err(LoadError::NegativeMoment { index: 37 }));

    // The moments flag is version 2's: in a version-1 blob it is malformed.
    let mut v1 = buf[..len].to_vec();
    v1[4..6].copy_from_slice(&1u16.to_le_bytes());
    resign(&mut v1);
    assert_eq!(persist::load_with_optimizer(&mut tn, &mut topt, &v1), Err(LoadError::Malformed));
    // And version 2 is Adam's only: an SGD blob marked version 2 was not written by `save`.
    let mut v2 = saved(&net(1));
    v2[4..6].copy_from_slice(&2u16.to_le_bytes());
    resign(&mut v2);
    assert_eq!(persist::load(&mut tn, &v2), Err(LoadError::Malformed));
    assert_eq!((bits(&tn), adam_bits(&topt)), (before, obefore));
}
