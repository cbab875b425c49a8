//! `quant::QuantModel::from_bytes` + prediction on arbitrary bytes, and the int8 kernels of
//! every tier against the scalar oracle.
//!
//! The first input byte picks the case: bit 0 set, the CRC-32 is recomputed over the blob
//! (at the length its header claims) before loading, so the fuzzer reaches the checks behind
//! the checksum (structure, scales, multipliers). The bytes after the blob are the input row
//! (int8) and, cut in two, a kernel case.
//!
//! Properties:
//! - never panics;
//! - `Ok` only for a blob within the input, whose every layer chains;
//! - a loaded model predicts (int8 and f32) without error for right-sized buffers, and every
//!   tier gives the same int8 outputs; NaN input is refused, ±∞ saturates to 127 / −128;
//! - `from_bytes_without_crc` accepts what `from_bytes` accepts and refuses what it refuses
//!   for any reason but the checksum; a blob it accepts predicts without error;
//! - `dot_rows` is bit-identical to the oracle on every tier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacknet::kernels::{self, Tier};
use stacknet::quant::{self, PredictError, QuantModel};

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn tiers() -> Vec<Tier> {
    Tier::ALL.into_iter().filter(|t| t.is_available()).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&case, rest)) = data.split_first() else { return };
    let mut blob = rest.to_vec();
    if case & 1 == 1 && blob.len() >= 12 {
        let claimed = u32::from_le_bytes([blob[8], blob[9], blob[10], blob[11]]) as usize;
        if (8..=blob.len()).contains(&claimed) {
            let crc = CRC32.checksum(&blob[..claimed - 4]);
            blob[claimed - 4..claimed].copy_from_slice(&crc.to_le_bytes());
        }
    }
    if let Ok(model) = QuantModel::from_bytes(&blob) {
        let used = model.as_bytes().len();
        assert!(used <= blob.len());
        let tail = &blob[used..];
        let x: Vec<i8> = (0..model.inputs()).map(|i| tail.get(i).map_or(0, |&b| b as i8)).collect();
        let mut scratch = vec![0i8; model.scratch_len()];
        let mut reference = vec![0i8; model.outputs()];
        kernels::force(Tier::Scalar).unwrap();
        model.predict_q(&x, &mut scratch, &mut reference).unwrap();
        for t in tiers() {
            kernels::force(t).unwrap();
            let mut out = vec![0i8; model.outputs()];
            model.predict_q(&x, &mut scratch, &mut out).unwrap();
            assert_eq!(out, reference, "tier {t:?}");
        }
        kernels::reset();
        let xf: Vec<f32> = x.iter().map(|&q| f32::from(q) * 1e28).collect();
        let mut y = vec![0.0f32; model.outputs()];
        model.predict(&xf, &mut scratch, &mut y).unwrap();
        if model.inputs() > 0 {
            let mut bad = xf.clone();
            bad[0] = f32::NAN;
            assert_eq!(model.predict(&bad, &mut scratch, &mut y), Err(PredictError::NaN));
            let p = model.input_params();
            assert_eq!((p.quantize(f32::INFINITY), p.quantize(f32::NEG_INFINITY)), (Some(127), Some(-128)));
        }
    }
    // Without the CRC (the C API's per-call check): refuses or accepts like the whole check
    // up to the checksum, and what it accepts predicts (a blob damaged after its CRC was
    // checked gives some output, never a panic or a read outside it).
    match (QuantModel::from_bytes(&blob), QuantModel::from_bytes_without_crc(&blob)) {
        (Ok(a), b) => assert_eq!(b.map(|b| b.as_bytes().len()), Ok(a.as_bytes().len())),
        (Err(e), b) if e != quant::LoadError::Checksum => assert!(b.is_err(), "{e:?}"),
        (Err(_), Ok(model)) => {
            let x = vec![1i8; model.inputs()];
            let mut scratch = vec![0i8; model.scratch_len()];
            let mut out = vec![0i8; model.outputs()];
            model.predict_q(&x, &mut scratch, &mut out).unwrap();
        }
        (Err(_), Err(_)) => {}
    }
    // The kernels: the input as x, then rows of w of the same length.
    let bytes: Vec<i8> = rest.iter().map(|&b| b as i8).collect();
    let n = usize::from(case >> 1) % 80;
    if n > 0 && bytes.len() >= 2 * n {
        let x = &bytes[..n];
        let rows = (bytes.len() - n) / n;
        let w = &bytes[n..n + rows * n];
        let want: Vec<i32> =
            (0..rows).map(|j| x.iter().zip(&w[j * n..]).map(|(&a, &b)| i32::from(a) * i32::from(b)).sum()).collect();
        for t in tiers() {
            let mut acc = vec![0i32; rows];
            quant::dot_rows(t, x, w, &mut acc).unwrap();
            assert_eq!(acc, want, "tier {t:?}");
        }
        for t in tiers() {
            for &p in quant::int8_paths(t) {
                let mut acc = vec![0i32; rows];
                quant::dot_rows_path(t, p, x, w, &mut acc).unwrap();
                assert_eq!(acc, want, "tier {t:?} body {p}");
            }
        }
    }
});
