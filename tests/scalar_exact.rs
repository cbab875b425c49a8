//! The scalar tier's unrolled small-shape paths (`n ≤ 4` outputs, `k ≤ 4` dot products,
//! written for Cortex-M) and its general paths give the same bits as the plain reference
//! loops, in both modes, for every shape up to 7×7×7, signed zeros included: the summation
//! order is the documented one (from 0, left to right), so weights trained on a
//! microcontroller hash the same as on any other target.

use rand_core::RngCore;
use stacknet::kernels::{self, force, Mode, Tier};

fn values(rng: &mut impl RngCore, len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| match i % 11 {
            // signed zeros, so that the sign of zero sums is exercised
            3 => -0.0,
            7 => 0.0,
            _ => stacknet::sample::uniform_pm1(rng) * 4.0,
        })
        .collect()
}

/// The reference loops: `c_ij (=|+=)` Σ_p in ascending p, starting from 0 (or `c_ij`).
fn reference(
    m: usize,
    k: usize,
    n: usize,
    at: impl Fn(usize, usize) -> f32,
    bt: impl Fn(usize, usize) -> f32,
    c: &mut [f32],
    acc: bool,
) {
    for i in 0..m {
        for j in 0..n {
            let mut s = if acc { c[i * n + j] } else { 0.0 };
            for p in 0..k {
                s += at(i, p) * bt(p, j);
            }
            c[i * n + j] = s;
        }
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn small_shape_paths_are_bit_exact() {
    force(Tier::Scalar).unwrap();
    let mut rng = stacknet::init::rng(11);
    for m in 0..=7 {
        for k in 0..=7 {
            for n in 0..=7 {
                for mode in [Mode::Overwrite, Mode::Accumulate] {
                    let acc = mode == Mode::Accumulate;
                    let c0 = values(&mut rng, m * n);

                    // c = a·b, a: m×k, b: k×n
                    let (a, b) = (values(&mut rng, m * k), values(&mut rng, k * n));
                    let (mut got, mut want) = (c0.clone(), c0.clone());
                    kernels::Kernels::active().matmul(m, k, n, &a, &b, &mut got, mode).unwrap();
                    reference(m, k, n, |i, p| a[i * k + p], |p, j| b[p * n + j], &mut want, acc);
                    assert_eq!(bits(&got), bits(&want), "matmul {m}x{k}x{n} {mode:?}");

                    // c = aᵀ·b, a: k×m, b: k×n
                    let (a, b) = (values(&mut rng, k * m), values(&mut rng, k * n));
                    let (mut got, mut want) = (c0.clone(), c0.clone());
                    kernels::Kernels::active().matmul_tn(m, k, n, &a, &b, &mut got, mode).unwrap();
                    reference(m, k, n, |i, p| a[p * m + i], |p, j| b[p * n + j], &mut want, acc);
                    assert_eq!(bits(&got), bits(&want), "matmul_tn {m}x{k}x{n} {mode:?}");

                    // c = a·bᵀ, a: m×k, b: n×k: the dot product is formed first, then added.
                    let (a, b) = (values(&mut rng, m * k), values(&mut rng, n * k));
                    let (mut got, mut want) = (c0.clone(), c0.clone());
                    kernels::Kernels::active().matmul_nt(m, k, n, &a, &b, &mut got, mode).unwrap();
                    let mut dots = vec![0.0f32; m * n];
                    reference(m, k, n, |i, p| a[i * k + p], |p, j| b[j * k + p], &mut dots, false);
                    for (w, d) in want.iter_mut().zip(&dots) {
                        *w = if acc { *w + d } else { *d };
                    }
                    assert_eq!(bits(&got), bits(&want), "matmul_nt {m}x{k}x{n} {mode:?}");
                }
            }
        }
    }
}

#[test]
fn sums_of_squares_start_from_the_first_term() {
    force(Tier::Scalar).unwrap();
    assert_eq!(kernels::Kernels::active().sum_sq(&[]), 0.0);
    assert_eq!(kernels::Kernels::active().sum_sq(&[3.0, -4.0]), 25.0);
    assert_eq!(kernels::Kernels::active().sum_sq(&[-0.0]).to_bits(), 0.0f32.to_bits());
}
