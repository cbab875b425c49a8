//! Every SIMD tier this CPU has against the scalar oracle (`Tier::Scalar`), under the
//! tolerances stated in each kernel's doc comment (`stacknet::kernels::Kernels`):
//! every size 1..=67 in each dimension (one dimension swept, the others small), random
//! shapes, unaligned sub-slices with guard values around them (nothing outside a slice
//! may change), and the edge values of DESIGN.md. Tiers run through `Kernels` handles, so
//! the tests never touch the process-wide tier and can run in parallel.
//!
//! The sigmoid is checked against an f64 reference: a strided sweep over the f32 bit
//! patterns here, and the exhaustive 2³² sweep in the `#[ignore]`d `sigmoid_exhaustive`
//! (`cargo test --release --test tiers -- --ignored --nocapture`; one tier at a time
//! with `STACKNET_SWEEP_TIER=avx512`).

mod support;

use stacknet::kernels::{AdamUpdate, Kernels, Mode, Tier};
use support::*;

const GUARD: f32 = 12345.678;
const PAD: usize = 3;

/// A buffer with `PAD` guard values on both sides and the data starting at `off`.
struct Padded {
    buf: Vec<f32>,
    off: usize,
    len: usize,
}

impl Padded {
    fn new(data: &[f32], off: usize) -> Padded {
        let mut buf = vec![GUARD; off + data.len() + PAD];
        buf[off..off + data.len()].copy_from_slice(data);
        Padded { buf, off, len: data.len() }
    }
    fn get(&self) -> &[f32] {
        &self.buf[self.off..self.off + self.len]
    }
    fn get_mut(&mut self) -> &mut [f32] {
        &mut self.buf[self.off..self.off + self.len]
    }
    #[track_caller]
    fn guards_intact(&self, what: &str) {
        let (l, r) = (&self.buf[..self.off], &self.buf[self.off + self.len..]);
        assert!(l.iter().chain(r).all(|&g| g.to_bits() == GUARD.to_bits()), "{what}: wrote outside its slice");
    }
}

fn dims_a(prod: Prod, m: usize, k: usize) -> usize {
    let _ = prod;
    m * k
}

/// One product on one tier vs scalar; `off` misaligns all three operands.
#[allow(clippy::too_many_arguments)]
fn one_product(kern: Kernels, prod: Prod, m: usize, k: usize, n: usize, seed: u64, edges: bool, off: usize) {
    let mut r = rng(seed);
    let mut a = vec![0.0; dims_a(prod, m, k)];
    let mut b = vec![0.0; k * n];
    let mut c0 = vec![0.0; m * n];
    fill(&mut r, &mut a, edges);
    fill(&mut r, &mut b, edges);
    fill(&mut r, &mut c0, edges);
    let (pa, pb) = (Padded::new(&a, off), Padded::new(&b, (off + 1) % 4));
    for mode in [Mode::Overwrite, Mode::Accumulate] {
        let acc = mode == Mode::Accumulate;
        let mut want = c0.clone();
        prod.run(scalar(), m, k, n, &a, &b, &mut want, mode);
        let mut pc = Padded::new(&c0, (off + 2) % 4);
        prod.run(kern, m, k, n, pa.get(), pb.get(), pc.get_mut(), mode);
        let what = format!("{:?}", kern.tier());
        pc.guards_intact(&what);
        check_product(&what, prod, (m, k, n), &a, &b, &c0, pc.get(), &want, acc);
        // Without FMA (SSE2, wasm simd128), the A·B and Aᵀ·B tiles add the same terms in the
        // scalar order.
        if matches!(kern.tier(), Tier::Sse2 | Tier::Simd128) && prod != Prod::Nt && !edges {
            assert!(
                pc.get().iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{what} {prod:?} not bit-identical"
            );
        }
    }
    pa.guards_intact("a");
    pb.guards_intact("b");
}

#[test]
fn there_is_something_to_test() {
    // On x86_64 every CPU has SSE2; on aarch64 NEON; on wasm32 built with simd128, simd128.
    // A silent "no SIMD tier" would make the tests below vacuous.
    if cfg!(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )) {
        assert!(!simd_tiers().is_empty(), "no SIMD tier detected");
    }
}

#[test]
fn products_every_size_in_each_dimension() {
    for kern in simd_tiers() {
        for prod in Prod::ALL {
            for s in 1..=67 {
                let seed = s as u64;
                one_product(kern, prod, s, 3, 5, seed, false, s % 4);
                one_product(kern, prod, 5, s, 3, seed, false, s % 4);
                one_product(kern, prod, 3, 5, s, seed, false, s % 4);
            }
        }
    }
}

#[test]
fn products_random_shapes() {
    let mut r = rng(99);
    for kern in simd_tiers() {
        for prod in Prod::ALL {
            for i in 0..40 {
                let (m, k, n) = (1 + below(&mut r, 67), 1 + below(&mut r, 67), 1 + below(&mut r, 67));
                one_product(kern, prod, m, k, n, 1000 + i, false, i as usize % 4);
            }
            // Degenerate sizes.
            for (m, k, n) in [(0, 3, 4), (3, 0, 4), (3, 4, 0), (1, 1, 1), (16, 16, 16), (300, 2, 50), (300, 50, 2)] {
                one_product(kern, prod, m, k, n, 7, false, 1);
            }
        }
    }
}

/// The narrow-output paths (`src/arch/generic/narrow.rs`): `A·B` and `Aᵀ·B` with `n = 1..=4`
/// columns, against scalar, with `m` and `k` around the lane counts, ragged, and past the
/// 4 KiB stack buffer (`k > 1024/n` for `A·B`, `m > 1024/n` for `Aᵀ·B`, done in chunks).
#[test]
fn narrow_outputs() {
    let shapes =
        [(1, 8), (3, 9), (5, 15), (7, 16), (9, 17), (13, 50), (64, 33), (300, 50), (6, 300), (600, 7), (5, 1100)];
    for kern in simd_tiers() {
        for prod in [Prod::Nn, Prod::Tn] {
            for n in 1..=4 {
                for (i, &(m, k)) in shapes.iter().enumerate() {
                    let seed = 3000 + 10 * n as u64 + i as u64;
                    one_product(kern, prod, m, k, n, seed, false, i % 4);
                    one_product(kern, prod, m, k, n, seed, true, (i + 1) % 4);
                }
            }
        }
    }
}

/// On the narrow paths the fused kernels do exactly what the unfused sequence does: the same
/// dot products, bias addition and σ (forward), and `g` then the same product (gradient).
#[test]
fn narrow_fused_bit_identical_to_unfused() {
    let mut r = rng(13);
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        for n in 1..=4 {
            for (m, k) in [(300, 50), (50, 10), (9, 33), (5, 1100), (1, 8)] {
                let mut a = vec![0.0; m * k];
                let mut b = vec![0.0; k * n];
                let mut bias = vec![0.0; n];
                fill(&mut r, &mut a, false);
                fill(&mut r, &mut b, false);
                fill(&mut r, &mut bias, false);
                let mut unfused = vec![0.0; m * n];
                kern.matmul(m, k, n, &a, &b, &mut unfused, Mode::Overwrite).unwrap();
                kern.add_bias(m, n, &bias, &mut unfused).unwrap();
                kern.sigmoid(&mut unfused);
                let mut fused = vec![0.0; m * n];
                kern.matmul_bias_sigmoid(m, k, n, &a, &b, &bias, &mut fused).unwrap();
                assert!(same_bits(&fused, &unfused), "{:?} forward ({m},{k},{n})", kern.tier());

                // Gradient: a is k×m (here the batch is `m`, the product's `m` is `k`).
                let (pm, pk) = (k, m);
                let mut dy = vec![0.0; pk * n];
                let mut y = vec![0.0; pk * n];
                fill(&mut r, &mut dy, false);
                fill(&mut r, &mut y, false);
                let mut g_ref = vec![0.0; pk * n];
                kern.sigmoid_backward(&dy, &y, &mut g_ref).unwrap();
                let mut c_ref = vec![0.0; pm * n];
                kern.matmul_tn(pm, pk, n, &a, &g_ref, &mut c_ref, Mode::Overwrite).unwrap();
                let (mut g, mut c) = (vec![0.0; pk * n], vec![0.0; pm * n]);
                kern.matmul_tn_sigmoid_grad(pm, pk, n, &a, &dy, &y, &mut g, &mut c).unwrap();
                assert!(same_bits(&g, &g_ref) && same_bits(&c, &c_ref), "{:?} gradient ({pm},{pk},{n})", kern.tier());
            }
        }
    }
}

#[test]
fn products_edge_values() {
    let mut r = rng(5);
    for kern in simd_tiers() {
        for prod in Prod::ALL {
            for i in 0..60 {
                let (m, k, n) = (1 + below(&mut r, 20), 1 + below(&mut r, 40), 1 + below(&mut r, 40));
                one_product(kern, prod, m, k, n, 2000 + i, true, i as usize % 4);
            }
        }
    }
}

#[test]
fn fused_forward_matches_unfused() {
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        let mut r = rng(11);
        for (m, k, n) in [(300, 2, 50), (300, 50, 2), (7, 19, 33), (1, 1, 1), (64, 64, 64), (5, 0, 3)] {
            for with_bias in [false, true] {
                let mut a = vec![0.0; m * k];
                let mut b = vec![0.0; k * n];
                let mut bias = vec![0.0; n];
                fill(&mut r, &mut a, false);
                fill(&mut r, &mut b, false);
                fill(&mut r, &mut bias, false);
                let bias_arg: &[f32] = if with_bias { &bias } else { &[] };
                let mut unfused = vec![0.0; m * n];
                kern.matmul(m, k, n, &a, &b, &mut unfused, Mode::Overwrite).unwrap();
                if with_bias {
                    kern.add_bias(m, n, &bias, &mut unfused).unwrap();
                }
                kern.sigmoid(&mut unfused);
                let mut fused = Padded::new(&vec![0.0; m * n], 1);
                kern.matmul_bias_sigmoid(m, k, n, &a, &b, bias_arg, fused.get_mut()).unwrap();
                fused.guards_intact("fused");
                for (x, y) in fused.get().iter().zip(&unfused) {
                    // Same products and order; σ is evaluated by the same vector code, so
                    // the only difference allowed is σ of a 1-ULP different argument.
                    assert!((x - y).abs() <= 1e-6, "{:?} fused {x} vs unfused {y} ({m},{k},{n})", kern.tier());
                }
            }
        }
    }
}

#[test]
fn fused_gradient_matches_unfused() {
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        let mut r = rng(12);
        for (m, k, n) in
            [(2, 300, 50), (50, 300, 2), (7, 19, 33), (1, 1, 1), (0, 4, 5), (5, 3, 67), (6, 17, 64), (3, 9, 16)]
        {
            let mut x = vec![0.0; k * m];
            let mut dy = vec![0.0; k * n];
            let mut y = vec![0.0; k * n];
            fill(&mut r, &mut x, false);
            fill(&mut r, &mut dy, false);
            fill(&mut r, &mut y, false);
            y.iter_mut().for_each(|v| *v = 0.5 + 0.5 * *v);
            let mut g_ref = vec![0.0; k * n];
            kern.sigmoid_backward(&dy, &y, &mut g_ref).unwrap();
            let mut c_ref = vec![0.0; m * n];
            kern.matmul_tn(m, k, n, &x, &g_ref, &mut c_ref, Mode::Overwrite).unwrap();
            let mut g = Padded::new(&vec![0.0; k * n], 2);
            let mut c = Padded::new(&vec![0.0; m * n], 1);
            kern.matmul_tn_sigmoid_grad(m, k, n, &x, &dy, &y, g.get_mut(), c.get_mut()).unwrap();
            g.guards_intact("g");
            c.guards_intact("c");
            assert!(g.get().iter().zip(&g_ref).all(|(a, b)| a.to_bits() == b.to_bits()), "{:?} g", kern.tier());
            assert!(c.get().iter().zip(&c_ref).all(|(a, b)| a.to_bits() == b.to_bits()), "{:?} c", kern.tier());
        }
    }
}

/// The fused weight-and-bias gradient does exactly what the unfused sequence does on every
/// tier: `g` and `c` as `matmul_tn_sigmoid_grad`, `db` as `sum_rows` of `g` (overwriting
/// whatever was there), on every path: the transposed narrow one (`n ≤ 4 < m`, chunked for
/// long `m`), the register tiles (short and tall `m`, ragged and multi-block `n`), `m = 0`
/// and `k = 0`; edge values included (NaN, ±∞, −0).
#[test]
fn fused_bias_gradient_bit_identical_to_unfused() {
    let mut r = rng(14);
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        for (m, k, n) in [
            (2, 50, 10),
            (10, 50, 2),
            (50, 300, 2),
            (2, 300, 50),
            (7, 19, 33),
            (1, 1, 1),
            (0, 4, 5),
            (5, 3, 67),
            (6, 17, 64),
            (3, 9, 16),
            (300, 5, 3),
            (1100, 3, 1),
            (5, 0, 3),
            (4, 4, 4),
            (70, 2, 4),
            (2, 4, 100),
            (9, 7, 8),
        ] {
            for edges in [false, true] {
                let what = format!("{:?} ({m},{k},{n}) edges {edges}", kern.tier());
                let mut x = vec![0.0; k * m];
                let mut dy = vec![0.0; k * n];
                let mut y = vec![0.0; k * n];
                fill(&mut r, &mut x, edges);
                fill(&mut r, &mut dy, edges);
                fill(&mut r, &mut y, edges);
                let mut g_ref = vec![0.0; k * n];
                let mut c_ref = vec![0.0; m * n];
                kern.matmul_tn_sigmoid_grad(m, k, n, &x, &dy, &y, &mut g_ref, &mut c_ref).unwrap();
                let mut db_ref = vec![7.0; n];
                kern.sum_rows(k, n, &g_ref, &mut db_ref, Mode::Overwrite).unwrap();
                let mut g = Padded::new(&vec![0.0; k * n], 2);
                let mut c = Padded::new(&vec![0.0; m * n], 1);
                let mut db = Padded::new(&vec![-3.0; n], 3);
                kern.matmul_tn_sigmoid_grad_bias(m, k, n, &x, &dy, &y, g.get_mut(), c.get_mut(), db.get_mut()).unwrap();
                g.guards_intact(&what);
                c.guards_intact(&what);
                db.guards_intact(&what);
                assert!(same_bits(g.get(), &g_ref), "{what}: g");
                assert!(same_bits(c.get(), &c_ref), "{what}: c");
                assert!(same_bits(db.get(), &db_ref), "{what}: db {:?} vs {db_ref:?}", db.get());
                // Without a bias (an empty `db`) it is `matmul_tn_sigmoid_grad`, bit for bit.
                let (mut g0, mut c0) = (vec![0.0; k * n], vec![0.0; m * n]);
                kern.matmul_tn_sigmoid_grad_bias(m, k, n, &x, &dy, &y, &mut g0, &mut c0, &mut []).unwrap();
                assert!(same_bits(&g0, &g_ref) && same_bits(&c0, &c_ref), "{what}: no bias");
            }
        }
        // A `db` of the wrong length is refused before anything is written.
        let mut c = [0.0; 2];
        let err =
            kern.matmul_tn_sigmoid_grad_bias(1, 1, 2, &[1.0], &[1.0; 2], &[0.5; 2], &mut [0.0; 2], &mut c, &mut [0.0]);
        assert_eq!(err.unwrap_err().operand, "db");
    }
}

#[test]
fn elementwise_every_length_unaligned() {
    let mut r = rng(3);
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        for len in 0..=67 {
            for edges in [false, true] {
                let off = len % 4;
                let mut x = vec![0.0; len];
                let mut y = vec![0.0; len];
                fill(&mut r, &mut x, edges);
                fill(&mut r, &mut y, edges);
                let what = format!("{:?} len {len}", kern.tier());

                // sigmoid: against the f64 reference (contract), guards intact.
                let mut s = Padded::new(&x, off);
                kern.sigmoid(s.get_mut());
                s.guards_intact(&what);
                for (&xi, &yi) in x.iter().zip(s.get()) {
                    check_sigmoid(kern.tier(), xi, yi);
                }

                // sigmoid_backward, axpy, add_bias, sum_rows: bit-identical to scalar.
                let mut want = vec![0.0; len];
                scalar().sigmoid_backward(&x, &y, &mut want).unwrap();
                let mut got = Padded::new(&vec![0.0; len], off);
                kern.sigmoid_backward(&x, &y, got.get_mut()).unwrap();
                got.guards_intact(&what);
                assert!(same_bits(got.get(), &want), "{what}: sigmoid_backward");

                let mut want = y.clone();
                scalar().axpy(-0.37, &x, &mut want).unwrap();
                let mut got = Padded::new(&y, off);
                kern.axpy(-0.37, &x, got.get_mut()).unwrap();
                got.guards_intact(&what);
                assert!(same_bits(got.get(), &want), "{what}: axpy");

                // adam: w, m and v bit-identical to scalar (v from |y|: a second moment).
                let g: Vec<f32> = y.iter().rev().copied().collect();
                let v0: Vec<f32> = y.iter().map(|v| v.abs()).collect();
                let k = AdamUpdate {
                    b1: 0.9,
                    one_minus_b1: 0.1,
                    b2: 0.999,
                    one_minus_b2: 1.0 - 0.999,
                    c1: 3.7,
                    c2: 41.0,
                    eps: 1e-8,
                    lr: 0.01,
                    decay: if len % 2 == 0 { 0.0 } else { 0.05 },
                };
                let (mut ww, mut wm, mut wv) = (x.clone(), y.clone(), v0.clone());
                scalar().adam(&k, &g, &mut ww, &mut wm, &mut wv).unwrap();
                let (mut gw, mut gm, mut gv) = (Padded::new(&x, off), Padded::new(&y, off), Padded::new(&v0, off));
                kern.adam(&k, &g, gw.get_mut(), gm.get_mut(), gv.get_mut()).unwrap();
                for p in [&gw, &gm, &gv] {
                    p.guards_intact(&what);
                }
                assert!(same_bits(gw.get(), &ww), "{what}: adam w");
                assert!(same_bits(gm.get(), &wm), "{what}: adam m");
                assert!(same_bits(gv.get(), &wv), "{what}: adam v");

                // mse_grad: the gradient bit-identical, the sum within the sum_sq bound (its
                // terms are the squared differences; NaN or +∞ where scalar has them).
                let mut want = vec![0.0; len];
                let want_sum = scalar().mse_grad(&x, &y, 0.02, &mut want);
                let mut got = Padded::new(&vec![0.0; len], off);
                let got_sum = kern.mse_grad(&x, &y, 0.02, got.get_mut());
                got.guards_intact(&what);
                assert!(same_bits(got.get(), &want), "{what}: mse_grad gradient");
                let exact: f64 = x.iter().zip(&y).map(|(&a, &b)| ((a - b) as f64).powi(2)).sum();
                if !exact.is_finite() || exact > f32::MAX as f64 / 2.0 {
                    assert!(!got_sum.is_finite() || got_sum >= f32::MAX / 4.0, "{what}: mse_grad huge: {got_sum}");
                    assert_eq!(got_sum.is_nan(), want_sum.is_nan(), "{what}: mse_grad NaN");
                } else {
                    let tol = 2.0 * len as f64 * 2f64.powi(-24) * exact + 1e-45;
                    assert!(
                        ((got_sum as f64) - (want_sum as f64)).abs() <= tol,
                        "{what}: mse_grad {got_sum} vs {want_sum}"
                    );
                }

                // sum_sq_pair, axpy_sum_sq: bit-identical to the separate kernels on the same tier.
                let (mut want_y, mut got_y) = (y.clone(), Padded::new(&y, off));
                let want = (kern.sum_sq(&x), kern.sum_sq(&y));
                assert!(
                    same_bits(&<[f32; 2]>::from(kern.sum_sq_pair(&x, &y).unwrap()), &<[f32; 2]>::from(want)),
                    "{what}: sum_sq_pair"
                );
                kern.axpy(0.37, &x, &mut want_y).unwrap();
                let want = (kern.sum_sq(&x), kern.sum_sq(&want_y));
                let got = kern.axpy_sum_sq(0.37, &x, got_y.get_mut()).unwrap();
                got_y.guards_intact(&what);
                assert!(same_bits(got_y.get(), &want_y), "{what}: axpy_sum_sq y");
                assert!(same_bits(&<[f32; 2]>::from(got), &<[f32; 2]>::from(want)), "{what}: axpy_sum_sq sums");

                // sum_sq: the documented bound.
                let (got, want) = (kern.sum_sq(&x), scalar().sum_sq(&x));
                let exact: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
                if exact.is_nan() {
                    assert!(got.is_nan() && want.is_nan(), "{what}: sum_sq NaN");
                } else if exact > f32::MAX as f64 / 2.0 {
                    assert!(got >= f32::MAX / 4.0, "{what}: sum_sq huge: {got}");
                } else {
                    let tol = 2.0 * len as f64 * 2f64.powi(-24) * exact + 1e-45;
                    assert!(((got as f64) - (want as f64)).abs() <= tol, "{what}: sum_sq {got} vs {want}");
                }

                if len > 0 {
                    let n = 1 + (len - 1) % 19;
                    let m = len / n;
                    let mut c = vec![0.0; m * n];
                    fill(&mut r, &mut c, edges);
                    let bias = &y[..n];
                    let mut want = c.clone();
                    scalar().add_bias(m, n, bias, &mut want).unwrap();
                    let mut got = Padded::new(&c, off);
                    kern.add_bias(m, n, bias, got.get_mut()).unwrap();
                    got.guards_intact(&what);
                    assert!(same_bits(got.get(), &want), "{what}: add_bias");
                    for mode in [Mode::Overwrite, Mode::Accumulate] {
                        let mut want = y[..n].to_vec();
                        scalar().sum_rows(m, n, &c, &mut want, mode).unwrap();
                        let mut got = Padded::new(&y[..n], off);
                        kern.sum_rows(m, n, &c, got.get_mut(), mode).unwrap();
                        got.guards_intact(&what);
                        assert!(same_bits(got.get(), &want), "{what}: sum_rows");
                    }
                }
            }
        }
    }
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// Sweeps the f32 bit patterns `start, start+stride, …` through `kern.sigmoid` in blocks
/// and checks every output; returns (max ULP, the input where it occurred).
fn sweep(kern: Kernels, stride: u64) -> (f64, f32) {
    const BLOCK: usize = 4096;
    let mut xs = vec![0.0f32; BLOCK];
    let mut ys = vec![0.0f32; BLOCK];
    let mut worst = (0.0f64, 0.0f32);
    let mut bits: u64 = 0;
    while bits < 1u64 << 32 {
        let mut len = 0;
        while len < BLOCK && bits < 1u64 << 32 {
            xs[len] = f32::from_bits(bits as u32);
            len += 1;
            bits += stride;
        }
        ys[..len].copy_from_slice(&xs[..len]);
        kern.sigmoid(&mut ys[..len]);
        for (&x, &y) in xs[..len].iter().zip(&ys[..len]) {
            let u = check_sigmoid(kern.tier(), x, y);
            if u > worst.0 {
                worst = (u, x);
            }
        }
    }
    worst
}

#[test]
fn sigmoid_strided_sweep() {
    // 2³²/65521 ≈ 65,500 inputs per tier, a prime stride so every exponent and many
    // mantissa patterns of both signs are hit.
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        let (u, x) = sweep(kern, 65_521);
        assert!(u <= 4.0, "{:?}: {u} ULP at {x:e}", kern.tier());
    }
}

#[test]
fn sigmoid_special_values() {
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        let mut v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, f32::MAX, -f32::MAX, 1e-45, -1e-45];
        kern.sigmoid(&mut v);
        let t = kern.tier();
        assert!(v[0].is_nan(), "{t:?}");
        assert_eq!(&v[1..], &[1.0, 0.0, 0.5, 0.5, 1.0, 0.0, 0.5, 0.5], "{t:?}");
    }
}

/// The exhaustive proof of the sigmoid bound: all 2³² inputs, per tier (`STACKNET_SWEEP_TIER`
/// picks one; default: every tier this CPU has, scalar included). Minutes per tier in
/// release mode; the results are recorded in docs/kernels.md.
#[test]
#[ignore]
fn sigmoid_exhaustive() {
    let only = std::env::var("STACKNET_SWEEP_TIER").ok();
    for kern in simd_tiers().into_iter().chain([scalar()]) {
        if only.as_deref().is_some_and(|n| n != kern.tier().name()) {
            continue;
        }
        let t0 = std::time::Instant::now();
        let (u, x) = sweep(kern, 1);
        println!(
            "sigmoid exhaustive {}: max {u:.3} ULP at x = {x:e} ({:#010x}); all 2^32 inputs pass; {:.0} s",
            kern.tier().name(),
            x.to_bits(),
            t0.elapsed().as_secs_f64()
        );
    }
}
