//! int8 inference (`stacknet::quant`): the integer kernels of every tier against the scalar
//! oracle (bit-identical), the table activations' error, accuracy against f32 on XOR and the
//! digits network, the cross-target hash of the digits predictions, and bad input.

use stacknet::kernels::{self, Tier};
use stacknet::prelude::*;
use stacknet::quant::{self, LoadError, PredictError, QuantModel, QuantizeError};

mod digits_model {
    #![allow(dead_code)]
    include!("../examples/firmware/src/digits/model.rs");
}

/// xorshift64*: a small deterministic generator for the kernel cases.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn i8(&mut self) -> i8 {
        self.next() as i8
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Held by the tests that force a tier (the forced tier is global to the process).
static TIER_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn available_tiers() -> Vec<Tier> {
    Tier::ALL.into_iter().filter(|t| t.is_available()).collect()
}

fn reference(x: &[i8], w: &[i8], rows: usize) -> Vec<i32> {
    (0..rows).map(|j| x.iter().zip(&w[j * x.len()..]).map(|(&a, &b)| i32::from(a) * i32::from(b)).sum()).collect()
}

/// Every tier (and every AVX-512 int8 body this CPU has) gives exactly the oracle's sums.
#[test]
fn int8_kernels_are_bit_identical_on_every_tier() {
    let tiers = available_tiers();
    let bodies: Vec<_> = tiers.iter().map(|&t| (t, quant::int8_paths(t))).collect();
    eprintln!("int8 tiers and their bodies: {bodies:?}");
    // CI names a body that must be there (e.g. `sdot` under qemu-aarch64), so that a CPU
    // or emulator without it cannot skip its test silently.
    if let Ok(want) = std::env::var("STACKNET_ENSURE_INT8_BODY") {
        assert!(bodies.iter().any(|(_, b)| b.contains(&want.as_str())), "no int8 body {want}: {bodies:?}");
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut lengths: Vec<usize> = (0..=130).collect();
    lengths.extend([191, 192, 193, 255, 256, 257, 1000, 4099]);
    for &n in &lengths {
        for case in 0..6 {
            let rows = [1, 2, 3, 7, 32, 33][case];
            // Saturation edges: all −128, all 127, alternating extremes, random.
            let fill = |rng: &mut Rng, len: usize, kind: usize| -> Vec<i8> {
                (0..len)
                    .map(|i| match kind {
                        0 => -128,
                        1 => 127,
                        2 => {
                            if i % 2 == 0 {
                                -128
                            } else {
                                127
                            }
                        }
                        _ => rng.i8(),
                    })
                    .collect()
            };
            let kind_x = if n % 5 == 0 { case % 4 } else { 3 };
            let kind_w = if n % 7 == 0 { (case + 1) % 4 } else { 3 };
            let x = fill(&mut rng, n, kind_x);
            let w = fill(&mut rng, n * rows, kind_w);
            let want = reference(&x, &w, rows);
            let mut acc = vec![0x5555_5555; rows];
            quant::dot_rows_reference(&x, &w, &mut acc).unwrap();
            assert_eq!(acc, want, "the portable oracle, n {n}, rows {rows}");
            for &t in &tiers {
                let mut acc = vec![0x5555_5555; rows];
                quant::dot_rows(t, &x, &w, &mut acc).unwrap();
                assert_eq!(acc, want, "tier {t:?}, n {n}, rows {rows}");
            }
            for &t in &tiers {
                for &p in quant::int8_paths(t) {
                    let mut acc = vec![0x5555_5555; rows];
                    quant::dot_rows_path(t, p, &x, &w, &mut acc).unwrap();
                    assert_eq!(acc, want, "tier {t:?} body {p}, n {n}, rows {rows}");
                }
            }
        }
    }
    // The longest row the kernels accept, every product at its maximum (−128·−128).
    let n = 1 << 16;
    let x = vec![-128i8; n];
    let mut acc = [0i32; 1];
    for &t in &tiers {
        quant::dot_rows(t, &x, &x, &mut acc).unwrap();
        assert_eq!(acc[0], 1 << 30, "tier {t:?}");
    }
    assert!(quant::dot_rows(Tier::Scalar, &vec![0; n + 1], &vec![0; n + 1], &mut acc).is_err());
    assert!(quant::dot_rows(Tier::Scalar, &[1, 2], &[1, 2, 3], &mut acc).is_err());
    assert!(quant::dot_rows_reference(&[1, 2], &[1, 2, 3], &mut acc).is_err());
    let _ = rng.below(1);
}

// ---------------------------------------------------------------------------------------
// Models

type Xor = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);
type Digits = (Dense<64, 32>, Tanh<32>, Dense<32, 10>);

/// The XOR network trained as `examples/xor` trains it by default: seed 1, the 300 points
/// drawn first, then the weights; full batch, SGD 2.0, ridge 1e-4, 10,000 steps.
fn xor_net() -> (Xor, Vec<([f32; 2], usize)>) {
    let mut rng = stacknet::init::rng(1);
    let (x, y) = stacknet::data::xor_batch::<_, 300>(&mut rng);
    let init = Init::UniformFanIn;
    let mut net: Xor =
        (Dense::new(Bias::With, &mut rng, init), Sigmoid, Dense::new(Bias::With, &mut rng, init), Sigmoid);
    let mut ws = Workspace::<Xor, 300>::new_boxed();
    let mut opt = Sgd::new(2.0).unwrap();
    let objective = Objective::mse_ridge(1e-4).unwrap();
    // Scalar, so that the pinned accuracies are the same on every target.
    let _lock = TIER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    kernels::force(Tier::Scalar).unwrap();
    for _ in 0..10_000 {
        train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
    }
    kernels::reset();
    let train = x.iter().zip(&y).map(|(x, y)| (*x, argmax(&y[..]))).collect();
    (net, train)
}

/// The held-out XOR points: 1,000 drawn with another seed.
fn xor_test() -> Vec<([f32; 2], usize)> {
    let mut rng = stacknet::init::rng(1234);
    let (x, y) = stacknet::data::xor_batch::<_, 1000>(&mut rng);
    x.iter().zip(&y).map(|(x, y)| (*x, argmax(&y[..]))).collect()
}

/// The digits rows of `data/digits/digits.csv` scaled as the exported model says, split as
/// `examples/classify` splits them (the last 450 rows test).
/// Labelled digit rows.
type DigitRows = Vec<([f32; 64], usize)>;

fn digits_rows() -> (DigitRows, DigitRows) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits/digits.csv")).unwrap();
    let rows: Vec<([f32; 64], usize)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<u32> = l.split(',').map(|f| f.trim().parse().unwrap()).collect();
            let mut x = [0.0f32; 64];
            for (i, xv) in x.iter_mut().enumerate() {
                *xv = (v[i] as f32 - digits_model::MEAN[i]) / digits_model::STD[i];
            }
            (x, v[64] as usize)
        })
        .collect();
    let cut = rows.len() - 450;
    (rows[..cut].to_vec(), rows[cut..].to_vec())
}

fn digits_net() -> Digits {
    let mut net = Digits::ZERO;
    stacknet::persist::load(&mut net, &digits_model::MODEL).unwrap();
    net
}

fn f32_correct<M, const I: usize, const O: usize>(net: &M, rows: &[([f32; I], usize)]) -> usize
where
    M: Layer<In = stacknet::nn::D<I>, Out = stacknet::nn::D<O>> + stacknet::nn::InferFrom,
{
    let mut ws = Inference::<M, 1>::new_boxed();
    rows.iter().filter(|(x, label)| argmax(&ws.forward(net, &[*x])[0][..]) == *label).count()
}

fn int8_predictions(model: &QuantModel<'_>, rows: &[(impl AsRef<[f32]>, usize)]) -> Vec<Vec<i8>> {
    let mut scratch = vec![0i8; model.scratch_len()];
    rows.iter()
        .map(|(x, _)| {
            let mut q = vec![0i8; model.inputs()];
            for (q, &v) in q.iter_mut().zip(x.as_ref()) {
                *q = model.input_params().quantize(v).unwrap();
            }
            let mut out = vec![0i8; model.outputs()];
            model.predict_q(&q, &mut scratch, &mut out).unwrap();
            out
        })
        .collect()
}

fn int8_correct(preds: &[Vec<i8>], rows: &[(impl AsRef<[f32]>, usize)]) -> usize {
    preds.iter().zip(rows).filter(|(p, (_, label))| quant::argmax_q(p) == Some(*label)).count()
}

fn fnv1a(preds: &[Vec<i8>]) -> u32 {
    let mut h = 0x811c_9dc5u32;
    for b in preds.iter().flatten() {
        h = (h ^ u32::from(*b as u8)).wrapping_mul(0x0100_0193);
    }
    h
}

fn quantize_blob<M: quant::Quantize>(net: &M, calibration: &[f32]) -> Vec<u8> {
    let mut blob = vec![0u8; quant::max_len::<M>()];
    let n = quant::quantize(net, calibration, &mut blob).unwrap();
    blob.truncate(n);
    blob
}

/// The digits network quantized as the firmware and the C fixture carry it: calibrated on
/// its training rows.
fn digits_blob(net: &Digits) -> Vec<u8> {
    let (train, _) = digits_rows();
    let calib: Vec<f32> = train.iter().flat_map(|(x, _)| *x).collect();
    quantize_blob(net, &calib)
}

/// int8 accuracy within one percentage point of f32 on both networks, numbers pinned.
#[test]
fn int8_accuracy_is_within_one_point_of_f32() {
    let (xor, train) = xor_net();
    let test = xor_test();
    let calib: Vec<f32> = train.iter().flat_map(|(x, _)| *x).collect();
    let blob = quantize_blob(&xor, &calib);
    let model = QuantModel::from_bytes(&blob).unwrap();
    let (f_train, f_test) = (f32_correct(&xor, &train), f32_correct(&xor, &test));
    let (q_train, q_test) = (
        int8_correct(&int8_predictions(&model, &train), &train),
        int8_correct(&int8_predictions(&model, &test), &test),
    );
    eprintln!(
        "XOR 2-10-2: f32 {f_train}/300 train, {f_test}/1000 test; int8 {q_train}/300, {q_test}/1000; blob {} B",
        blob.len()
    );

    let net = digits_net();
    let (_, test) = digits_rows();
    let blob = digits_blob(&net);
    let model = QuantModel::from_bytes(&blob).unwrap();
    let f_digits = f32_correct(&net, &test);
    let preds = int8_predictions(&model, &test);
    let q_digits = int8_correct(&preds, &test);
    eprintln!(
        "digits 64-32-10: f32 {f_digits}/450, int8 {q_digits}/450; blob {} B (f32 {} B)",
        blob.len(),
        digits_model::MODEL.len()
    );
    assert_eq!((f_train, f_test, q_train, q_test), PINNED_XOR);
    assert_eq!((f_digits, q_digits), PINNED_DIGITS);
    assert!((f_test as f64 - q_test as f64).abs() / 1000.0 <= 0.01);
    assert!((f_digits as f64 - q_digits as f64).abs() / 450.0 <= 0.01);
}

/// XOR (f32 train /300, f32 test /1000, int8 train, int8 test).
const PINNED_XOR: (usize, usize, usize, usize) = (298, 962, 297, 962);
/// Digits (f32 test /450, int8 test /450).
const PINNED_DIGITS: (usize, usize) = (409, 410);

/// The digits int8 model and its predictions on the test set: the same bits on every tier
/// this CPU has, and on every target (the hash is pinned: CI runs this test on x86_64 and
/// under QEMU on aarch64; the firmware checks the same hash on the chips).
#[test]
fn digits_int8_predictions_are_the_same_everywhere() {
    let net = digits_net();
    let (_, test) = digits_rows();
    let blob = digits_blob(&net);
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob);
    let model = QuantModel::from_bytes(&blob).unwrap();
    let mut hashes = Vec::new();
    let _lock = TIER_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for t in available_tiers() {
        kernels::force(t).unwrap();
        let preds = int8_predictions(&model, &test);
        if cfg!(debug_assertions) {
            assert_eq!(kernels::last_tier_used(), Some(t), "the forced tier ran");
        }
        hashes.push((t, fnv1a(&preds)));
    }
    kernels::reset();
    eprintln!("digits int8 blob CRC {crc:#010x}, prediction hashes {hashes:x?}");
    assert_eq!(crc, DIGITS_BLOB_CRC, "the quantized blob");
    for (t, h) in hashes {
        assert_eq!(h, DIGITS_INT8_HASH, "tier {t:?}");
    }
}

const DIGITS_BLOB_CRC: u32 = 0x2144_df1c;
const DIGITS_INT8_HASH: u32 = 0xfab1_646f;

/// Every entry of the σ and tanh tables against the f32 function of the entry's real input:
/// within half an output step (1/510 and 1/254).
#[test]
fn table_activations_are_within_half_a_step() {
    for (act, bound) in [("sigmoid", 1.0 / 510.0), ("tanh", 1.0 / 254.0)] {
        let mut worst = 0.0f64;
        for pre_range in [0.5f32, 2.0, 4.0, 8.0] {
            // A one-layer model whose pre-activation range is ±pre_range.
            let blob = match act {
                "sigmoid" => {
                    let net: (Dense<1, 1>, Sigmoid<1>) = (Dense::from_parts([[1.0]], Some([0.0])), Sigmoid);
                    quantize_blob(&net, &[-pre_range, pre_range])
                }
                _ => {
                    let net: (Dense<1, 1>, Tanh<1>) = (Dense::from_parts([[1.0]], Some([0.0])), Tanh);
                    quantize_blob(&net, &[-pre_range, pre_range])
                }
            };
            let model = QuantModel::from_bytes(&blob).unwrap();
            let (inp, out) = (model.input_params(), model.output_params());
            let mut scratch = vec![0i8; model.scratch_len()];
            for q in -128i8..=127 {
                let mut y = [0i8];
                model.predict_q(&[q], &mut scratch, &mut y).unwrap();
                let x = inp.dequantize(q);
                // The Dense (w = 1 at scale 1/127 per channel) requantizes x onto the
                // table's input grid first; compare against the function of that value.
                let f = |v: f32| if act == "sigmoid" { 1.0 / (1.0 + (-v).exp()) } else { v.tanh() };
                let err = (f64::from(out.dequantize(y[0])) - f64::from(f(x))).abs();
                // The input rounding adds at most half an input step times the slope (≤ 1).
                let slack = f64::from(inp.scale) * 0.5 * if act == "sigmoid" { 0.25 } else { 1.0 };
                assert!(err <= bound + slack + 1e-6, "{act} q {q} x {x}: err {err}");
                worst = worst.max(err - slack);
            }
        }
        eprintln!("{act}: worst table error beyond input rounding {worst:.5} (bound {bound:.5})");
    }
}

fn xor_blob() -> Vec<u8> {
    // Any trained-looking XOR net does for the format checks: a fixed random one.
    let net: Xor = Layer::random(&mut stacknet::init::rng(3), Init::UniformFanIn);
    quantize_blob(&net, &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
}

fn with_crc(mut blob: Vec<u8>) -> Vec<u8> {
    let n = blob.len();
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob[..n - 4]);
    blob[n - 4..].copy_from_slice(&crc.to_le_bytes());
    blob
}

/// Every single-bit flip and every whole-byte flip anywhere in the blob, and every
/// truncation, is refused.
#[test]
fn damaged_blobs_are_refused() {
    let blob = xor_blob();
    assert!(QuantModel::from_bytes(&blob).is_ok());
    for i in 0..blob.len() {
        for mask in [1u8, 2, 4, 8, 16, 32, 64, 128, 0xff] {
            let mut b = blob.clone();
            b[i] ^= mask;
            assert!(QuantModel::from_bytes(&b).is_err(), "byte {i} ^ {mask:#x} accepted");
        }
    }
    for n in 0..blob.len() {
        assert!(QuantModel::from_bytes(&blob[..n]).is_err(), "truncated to {n}");
    }
    let mut b = blob.clone();
    b[70] ^= 1; // a weight
    assert_eq!(QuantModel::from_bytes(&b).map(|_| ()), Err(LoadError::Checksum));
    let mut b = blob.clone();
    b[0] = b'X';
    assert_eq!(QuantModel::from_bytes(&b).map(|_| ()), Err(LoadError::BadMagic));
    let mut b = blob.clone();
    b[4] = 2;
    assert_eq!(QuantModel::from_bytes(&b).map(|_| ()), Err(LoadError::UnsupportedVersion(2)));
    // Trailing bytes (the rest of a flash sector) are ignored.
    let mut b = blob.clone();
    b.extend([0xff; 100]);
    assert_eq!(QuantModel::from_bytes(&b).unwrap().as_bytes(), &blob[..]);
}

/// Blobs with a valid CRC but invalid contents (as a buggy writer could produce): each a
/// typed error.
#[test]
fn invalid_scales_multipliers_and_shapes_are_refused() {
    let blob = xor_blob();
    let set = |at: usize, bytes: &[u8]| {
        let mut b = blob.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        QuantModel::from_bytes(&with_crc(b)).map(|_| ())
    };
    // The input scale (offset 24), the first layer's output and pre-activation scales (44, 52).
    for at in [24, 32 + 12, 32 + 20] {
        for bad in [0.0f32, -0.5, f32::NAN, f32::INFINITY, 1e-40] {
            assert_eq!(set(at, &bad.to_bits().to_le_bytes()), Err(LoadError::BadScale), "scale {bad} at {at}");
        }
    }
    for at in [28, 32 + 16, 32 + 24] {
        for bad in [128i32, -129, i32::MAX] {
            assert_eq!(set(at, &bad.to_le_bytes()), Err(LoadError::BadScale), "zero point {bad} at {at}");
        }
    }
    // The first layer (2 → 10): weights at 60, 20 bytes; biases at 80; mantissas at 120;
    // shifts at 160.
    assert_eq!(set(120, &5i32.to_le_bytes()), Err(LoadError::BadMultiplier));
    assert_eq!(set(120, &(-(1i32 << 30)).to_le_bytes()), Err(LoadError::BadMultiplier));
    assert_eq!(set(160, &[40]), Err(LoadError::BadMultiplier));
    assert_eq!(set(160, &[(-32i8) as u8]), Err(LoadError::BadMultiplier));
    assert_eq!(set(32 + 8, &[9]), Err(LoadError::BadShape), "unknown activation");
    assert_eq!(set(32 + 9, &[1]), Err(LoadError::BadShape), "reserved byte");
    assert_eq!(set(20, &0u32.to_le_bytes()), Err(LoadError::BadShape), "no layers");
    assert_eq!(set(20, &17u32.to_le_bytes()), Err(LoadError::BadShape), "too many layers");
    assert_eq!(set(12, &3u32.to_le_bytes()), Err(LoadError::BadShape), "input width");
    assert_eq!(set(16, &3u32.to_le_bytes()), Err(LoadError::BadShape), "output width");
    assert_eq!(set(32, &3u32.to_le_bytes()), Err(LoadError::BadShape), "layer input width");
    assert_eq!(set(6, &1u16.to_le_bytes()), Err(LoadError::BadShape), "flags");
}

/// Prediction: lengths checked, NaN refused, values outside the calibrated range saturated.
#[test]
fn predict_checks_lengths_refuses_nan_and_saturates() {
    let blob = xor_blob();
    let model = QuantModel::from_bytes(&blob).unwrap();
    assert_eq!(model.scratch_len(), 2 + 2 * 10);
    assert!(model.scratch_len() <= quant::scratch_len::<Xor>());
    let mut scratch = vec![0i8; model.scratch_len()];
    let mut y = [0.0f32; 2];
    assert_eq!(model.predict(&[0.0], &mut scratch, &mut y), Err(PredictError::InputLength));
    assert_eq!(model.predict(&[0.0, 0.0], &mut scratch, &mut y[..1]), Err(PredictError::OutputLength));
    assert_eq!(model.predict(&[0.0, 0.0], &mut scratch[..5], &mut y), Err(PredictError::ScratchLength));
    assert_eq!(model.predict(&[f32::NAN, 0.0], &mut scratch, &mut y), Err(PredictError::NaN));
    // The calibrated input range is [0, 1]: 1e30 and +∞ are 127, −∞ is −128.
    let p = model.input_params();
    assert_eq!(
        (p.quantize(1e30), p.quantize(f32::INFINITY), p.quantize(f32::NEG_INFINITY)),
        (Some(127), Some(127), Some(-128))
    );
    let mut a = [0.0f32; 2];
    model.predict(&[1e30, f32::NEG_INFINITY], &mut scratch, &mut a).unwrap();
    let mut q = [0i8; 2];
    model.predict_q(&[127, -128], &mut scratch, &mut q).unwrap();
    let out = model.output_params();
    assert_eq!(a, [out.dequantize(q[0]), out.dequantize(q[1])]);
}

/// Networks or calibration data the quantizer cannot take: typed errors, nothing written.
#[test]
fn quantize_refuses_what_it_cannot_represent() {
    let calib = [0.0, 0.0, 1.0, 1.0];
    let net: Xor = Layer::random(&mut stacknet::init::rng(3), Init::UniformFanIn);
    let mut buf = vec![0xAAu8; quant::max_len::<Xor>()];
    assert_eq!(quant::quantize(&net, &[], &mut buf), Err(QuantizeError::Calibration));
    assert_eq!(quant::quantize(&net, &[0.0, 1.0, 0.5], &mut buf), Err(QuantizeError::Calibration));
    assert_eq!(quant::quantize(&net, &[0.0, f32::NAN], &mut buf), Err(QuantizeError::NonFinite));
    assert_eq!(quant::quantize(&net, &calib, &mut buf[..100]), Err(QuantizeError::BufferTooSmall));
    let mut bad = net;
    bad.0.weights_mut()[0][0] = f32::INFINITY;
    assert_eq!(quant::quantize(&bad, &calib, &mut buf), Err(QuantizeError::NonFinite));
    let mut huge = net;
    huge.0.bias_mut().unwrap()[0] = 1e30;
    assert_eq!(quant::quantize(&huge, &calib, &mut buf), Err(QuantizeError::ScaleOutOfRange));
    huge.0.bias_mut().unwrap()[0] = 1e12;
    assert_eq!(quant::quantize(&huge, &calib, &mut buf), Err(QuantizeError::ScaleOutOfRange));
    assert!(buf.iter().all(|&b| b == 0xAA), "nothing written on error");
    let act_first: (Sigmoid<2>, Dense<2, 2>) = (Sigmoid, Dense::zeros(Bias::With));
    assert_eq!(quant::quantize(&act_first, &calib, &mut buf), Err(QuantizeError::Unsupported));
    let two_acts: (Dense<2, 2>, Relu<2>, Sigmoid<2>) = (Dense::zeros(Bias::With), Relu, Sigmoid);
    assert_eq!(quant::quantize(&two_acts, &calib, &mut buf), Err(QuantizeError::Unsupported));
    // An all-zero network quantizes (every scale falls back to 1) and predicts its zero point.
    let zero: (Dense<2, 2>, Relu<2>) = (Dense::zeros(Bias::With), Relu);
    let n = quant::quantize(&zero, &calib, &mut buf).unwrap();
    let model = QuantModel::from_bytes(&buf[..n]).unwrap();
    let mut y = [1.0f32; 2];
    model.predict(&[0.3, 0.7], &mut vec![0; model.scratch_len()], &mut y).unwrap();
    assert_eq!(y, [0.0, 0.0]);
}

/// The generated Rust and C sources hold the blob's bytes.
#[test]
fn export_writes_the_blob_as_source() {
    let blob = xor_blob();
    let mut rs = String::new();
    quant::write_rust(&mut rs, "MODEL_Q8", "test", &blob).unwrap();
    assert!(rs.contains(&format!("pub static MODEL_Q8: [u8; {}] = [", blob.len())));
    let mut c = String::new();
    quant::write_c(&mut c, "stacknet_model_q8", "test", &blob).unwrap();
    assert!(c.contains(&format!("static const uint8_t stacknet_model_q8[{}] = {{", blob.len())));
    let bytes: Vec<u8> = rs.split("0x").skip(1).map(|s| u8::from_str_radix(&s[..2], 16).unwrap()).collect();
    assert_eq!(bytes, blob);
}

/// The firmware's copy of the digits int8 model (`examples/firmware/src/digits/model_q8.rs`)
/// is what `quant::quantize` makes of the f32 model today. `STACKNET_BLESS=1` rewrites it.
#[test]
fn firmware_int8_model_is_current() {
    let net = digits_net();
    let blob = digits_blob(&net);
    let mut src = String::new();
    quant::write_rust(
        &mut src,
        "MODEL_Q8",
        "Generated by `STACKNET_BLESS=1 cargo test --test quant firmware_int8_model`: model.rs quantized by stacknet::quant, calibrated on the 1,347 training rows of data/digits/digits.csv.",
        &blob,
    )
    .unwrap();
    // The int8 code of each pixel value at each position, so that the firmware needs no
    // float arithmetic to quantize an image: the same f32 operations as `(p − MEAN) / STD`
    // then `QParams::quantize`, hence the same codes.
    let model = QuantModel::from_bytes(&blob).unwrap();
    src.push_str(
        "\n/// The int8 input code of pixel value `p` (0–16) at position `i`: `(p − MEAN[i]) / STD[i]`\n\
         /// quantized with the model's input parameters (generated with `MODEL_Q8`).\n\
         pub static INPUT_CODES: [[i8; 17]; 64] = [\n",
    );
    for i in 0..64 {
        let codes: Vec<String> = (0..=16u8)
            .map(|p| {
                let x = (f32::from(p) - digits_model::MEAN[i]) / digits_model::STD[i];
                model.input_params().quantize(x).unwrap().to_string()
            })
            .collect();
        src.push_str(&format!("    [{}],\n", codes.join(", ")));
    }
    src.push_str("];\n");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/firmware/src/digits/model_q8.rs");
    if std::env::var_os("STACKNET_BLESS").is_some() {
        std::fs::write(path, &src).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), src, "run with STACKNET_BLESS=1 to update");
}

/// The C API's int8 test data (`capi/tests/q8_digits.h`): the digits int8 blob as
/// `quant::write_c` exports it, the feature scaling and the 450 test images, so that
/// `capi/tests/quant.c` reproduces [`PINNED_DIGITS`] and the pinned hash from C.
/// `STACKNET_BLESS=1` rewrites it.
#[test]
fn c_api_int8_fixture_is_current() {
    use std::fmt::Write;
    let net = digits_net();
    let blob = digits_blob(&net);
    let mut src = String::new();
    quant::write_c(
        &mut src,
        "digits_q8",
        "Generated by `STACKNET_BLESS=1 cargo test --test quant c_api_int8_fixture`: the digits model quantized by stacknet::quant",
        &blob,
    )
    .unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| format!("0x{:08x}", x.to_bits())).collect::<Vec<_>>().join(", ");
    writeln!(src, "\n/* Feature scaling (f32 bits): x = (pixel - mean) / std. */").unwrap();
    writeln!(src, "static const uint32_t digits_mean_bits[64] = {{ {} }};", bits(&digits_model::MEAN)).unwrap();
    writeln!(src, "static const uint32_t digits_std_bits[64] = {{ {} }};", bits(&digits_model::STD)).unwrap();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits/digits.csv")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let test = &lines[lines.len() - 450..];
    writeln!(src, "\n/* The 450 test images: 64 pixels (0-16) and the label. */").unwrap();
    writeln!(src, "static const uint8_t digits_test[450][65] = {{").unwrap();
    for l in test {
        writeln!(src, "    {{{}}},", l.split(',').map(str::trim).collect::<Vec<_>>().join(",")).unwrap();
    }
    writeln!(src, "}};").unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capi/tests/q8_digits.h");
    if std::env::var_os("STACKNET_BLESS").is_some() {
        std::fs::write(path, &src).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap_or_default(), src, "run with STACKNET_BLESS=1 to update");
}

/// The int8 blob against the f32 one: the weights are a quarter, and what each output
/// channel adds (int32 bias, requantization multiplier and shift: 9 B), each σ/tanh layer
/// (a 256-entry table) and the headers weigh less as layers widen. Pinned on the digits
/// network (2,410 parameters: 32 %) and a 256-256-10 one (68,362 parameters: 25.9 %).
#[test]
fn int8_blob_is_a_quarter_of_f32_plus_per_channel_overhead() {
    let net = digits_net();
    let blob = digits_blob(&net);
    let f32_len = stacknet::persist::saved_len(&net);
    assert_eq!((blob.len(), f32_len), (3096, 9676));
    assert_eq!(blob.len(), 2368 + 42 * 9 + 256 + 32 + 2 * 28 + 4 + 2); // weights, channels, table, headers, CRC, padding

    type Wide = (Dense<256, 256>, Tanh<256>, Dense<256, 10>);
    let wide: Box<Wide> = Box::new(Layer::random(&mut stacknet::init::rng(3), Init::UniformFanIn));
    let calib: Vec<f32> = (0..64 * 256).map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0).collect();
    let blob = quantize_blob(&*wide, &calib);
    let f32_len = stacknet::persist::saved_len(&*wide);
    eprintln!(
        "256-256-10: int8 {} B, f32 {} B ({:.1} %)",
        blob.len(),
        f32_len,
        100.0 * blob.len() as f64 / f32_len as f64
    );
    assert_eq!(blob.len(), 256 * 256 + 256 * 10 + 266 * 9 + 256 + 32 + 2 * 28 + 4 + 2);
    assert!(blob.len() * 1000 <= f32_len * 260, "{} vs {f32_len}", blob.len());
}
