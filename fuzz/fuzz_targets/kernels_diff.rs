//! Every available kernel tier against `Tier::Scalar` (the oracle), on arbitrary shapes
//! and arbitrary `f32` bit patterns (NaN, ±∞, ±0, subnormals, huge values included).
//!
//! Properties, per kernel call:
//! - the same `Result`: a shape error from one tier is the same shape error from every
//!   tier, and then the output is untouched;
//! - NaN where the oracle has NaN, and the reverse;
//! - otherwise, when no ordering of the arithmetic can overflow (the bound below is
//!   finite), `|tier − scalar| ≤ tol`, with the tolerances of `docs/failure.md`:
//!   - sums of products (matmul, matmul_tn, matmul_nt, sum_sq, sum_rows, axpy, add_bias),
//!     reordered and/or fused: `tol = 2·(k+2)·ε·Σ|terms| + (k+2)·2⁻¹⁴⁹`, the classic
//!     `γ_k` bound (ε = `f32::EPSILON`, `k` terms, one extra for the accumulated `c`) with
//!     a margin of 2 and one subnormal spacing per term;
//!   - `sigmoid`: `|Δ| ≤ 8ε·σ + 2⁻¹²⁶` and the result in `[0, 1]`;
//!   - `sigmoid_backward`: `|Δ| ≤ 4ε·|dy·y·(1−y)| + 2⁻¹⁴⁸·(1 + |dy| + |y| + |1−y|)` (a
//!     subnormal intermediate loses absolute precision that the last factor scales).
//!
//! The scalar oracle itself is checked against the same sums computed in f64, within the
//! same bounds (σ: `8ε·σ + 2⁻¹²⁶` of the f64 value). Today only the scalar tier exists, so
//! that is the part with teeth; a SIMD tier is covered as soon as it reports
//! `is_available()`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stacknet::kernels::{self, force, Mode, Tier};

#[derive(Arbitrary, Debug)]
enum Kernel {
    Matmul,
    MatmulTn,
    MatmulNt,
    Sigmoid,
    SigmoidBackward,
    Axpy,
    SumSq,
    AddBias,
    SumRows,
}

#[derive(Arbitrary, Debug)]
struct Input {
    kernel: Kernel,
    m: u8,
    k: u8,
    n: u8,
    accumulate: bool,
    /// Raw bit patterns (mostly huge, NaN or tiny) or "tame" values in about ±8.
    raw: bool,
    /// Non-zero: one operand's length is off by this much (a shape error for every tier).
    skew: i8,
    alpha: u32,
    data: Vec<u32>,
}

fn value(bits: u32, raw: bool) -> f32 {
    if raw {
        f32::from_bits(bits)
    } else {
        (bits as i32) as f32 / (1u32 << 28) as f32
    }
}

/// `len` values drawn cyclically from `data`, starting at `*at`.
fn take(data: &[u32], at: &mut usize, len: usize, raw: bool) -> Vec<f32> {
    (0..len)
        .map(|_| {
            let v = if data.is_empty() { 0 } else { data[*at % data.len()] };
            *at += 1;
            value(v.rotate_left(*at as u32 % 32), raw)
        })
        .collect()
}

fn skewed(len: usize, skew: i8) -> usize {
    len.saturating_add_signed(skew as isize)
}

const EPS: f64 = f32::EPSILON as f64;
const SUB: f64 = 1.401298464324817e-45; // 2⁻¹⁴⁹
const MAX: f64 = f32::MAX as f64;

/// A sum of terms in f64: its exact-enough value and Σ|terms| (NaN when a term is NaN, as
/// from a NaN input or 0·∞).
#[derive(Default)]
struct Sum {
    exact: f64,
    bound: f64,
}

impl Sum {
    fn add(&mut self, t: f64) {
        self.exact += t;
        self.bound += t.abs();
    }
}

/// Compares one output element of `k`-term sums: the tier against the scalar oracle, and
/// the oracle against the f64 value (with the same bound, which holds for any order).
#[track_caller]
fn check_sum(what: &str, i: usize, got: f32, want: f32, sum: Sum, terms: usize) {
    let Sum { exact, bound } = sum;
    if bound.is_nan() {
        // NaN propagates through every ordering of a sum.
        assert!(want.is_nan() && got.is_nan(), "{what}[{i}]: tier {got:e} vs scalar {want:e}, NaN expected");
        return;
    }
    if bound >= MAX / 2.0 {
        return; // some ordering may overflow (or ∞ − ∞); both answers are defensible
    }
    let t = terms as f64 + 2.0;
    let tol = 2.0 * t * EPS * bound + t * SUB;
    let d = (got as f64 - want as f64).abs();
    assert!(d <= tol, "{what}[{i}]: tier {got:e} vs scalar {want:e}, |Δ| {d:e} > tol {tol:e}");
    let d = (want as f64 - exact).abs();
    assert!(d <= tol, "{what}[{i}]: scalar {want:e} vs exact {exact:e}, |Δ| {d:e} > tol {tol:e}");
}

/// Where element `(row, col)` of an operand sits, given `(m, k, n)`.
type Index = fn(usize, usize, usize, usize, usize) -> usize;

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Runs `f` on the scalar tier and on `tier` from the same starting output.
fn both<T: PartialEq + core::fmt::Debug>(
    tier: Tier,
    out0: &[f32],
    mut f: impl FnMut(&mut [f32]) -> T,
) -> (Vec<f32>, Vec<f32>, T) {
    let (mut want, mut got) = (out0.to_vec(), out0.to_vec());
    force(Tier::Scalar).unwrap();
    let rw = f(&mut want);
    force(tier).unwrap();
    let rg = f(&mut got);
    force(Tier::Scalar).unwrap();
    assert_eq!(rg, rw, "{tier:?}: result differs from scalar");
    (got, want, rw)
}

fn run(inp: &Input, tier: Tier) {
    let (m, k, n) = (inp.m as usize % 40, inp.k as usize % 40, inp.n as usize % 40);
    let mode = if inp.accumulate { Mode::Accumulate } else { Mode::Overwrite };
    let raw = inp.raw;
    let d = &inp.data;
    let mut at = 0usize;
    let skew = if inp.skew % 4 == 0 { inp.skew } else { 0 }; // mostly well-shaped
    let name = tier.name();

    match inp.kernel {
        Kernel::Matmul | Kernel::MatmulTn | Kernel::MatmulNt => {
            let a = take(d, &mut at, skewed(m * k, skew), raw);
            let b = take(d, &mut at, k * n, raw);
            let c0 = take(d, &mut at, m * n, raw);
            // a_at(i, p) and b_at(p, j) as each kernel lays them out.
            let (ai, bi): (Index, Index) = match inp.kernel {
                Kernel::Matmul => (|i, p, _m, k, _n| i * k + p, |p, j, _m, _k, n| p * n + j),
                Kernel::MatmulTn => (|i, p, m, _k, _n| p * m + i, |p, j, _m, _k, n| p * n + j),
                _ => (|i, p, _m, k, _n| i * k + p, |p, j, _m, k, _n| j * k + p),
            };
            let (got, want, r) = both(tier, &c0, |c| match inp.kernel {
                Kernel::Matmul => kernels::matmul(m, k, n, &a, &b, c, mode),
                Kernel::MatmulTn => kernels::matmul_tn(m, k, n, &a, &b, c, mode),
                _ => kernels::matmul_nt(m, k, n, &a, &b, c, mode),
            });
            if r.is_err() {
                assert!(same_bits(&got, &c0) && same_bits(&want, &c0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..m {
                for j in 0..n {
                    let mut sum = Sum::default();
                    if inp.accumulate {
                        sum.add(c0[i * n + j] as f64);
                    }
                    for p in 0..k {
                        sum.add(a[ai(i, p, m, k, n)] as f64 * b[bi(p, j, m, k, n)] as f64);
                    }
                    check_sum(name, i * n + j, got[i * n + j], want[i * n + j], sum, k);
                }
            }
        }
        Kernel::Sigmoid => {
            let x = take(d, &mut at, m * k + n, raw);
            let (got, want, ()) = both(tier, &x, kernels::sigmoid);
            for (i, ((&g, &w), &x)) in got.iter().zip(&want).zip(&x).enumerate() {
                if x.is_nan() {
                    assert!(g.is_nan() && w.is_nan(), "{name} sigmoid({x:e})[{i}]: {g:e} / {w:e}");
                    continue;
                }
                assert!((0.0..=1.0).contains(&g), "{name} sigmoid({x:e})[{i}] = {g:e}");
                let tol = 8.0 * EPS * w as f64 + 1.1754943508222875e-38;
                assert!((g as f64 - w as f64).abs() <= tol, "{name} sigmoid({x:e})[{i}]: {g:e} vs {w:e}");
                let exact = 1.0 / (1.0 + (-(x as f64)).exp());
                assert!((w as f64 - exact).abs() <= tol, "scalar sigmoid({x:e}) = {w:e}, exact {exact:e}");
            }
        }
        Kernel::SigmoidBackward => {
            let len = m * k + n;
            let dy = take(d, &mut at, len, raw);
            let y = take(d, &mut at, skewed(len, skew), raw);
            let dx0 = take(d, &mut at, len, raw);
            let (got, want, r) = both(tier, &dx0, |dx| kernels::sigmoid_backward(&dy, &y, dx));
            if r.is_err() {
                assert!(same_bits(&got, &dx0) && same_bits(&want, &dx0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..len {
                let (dyi, yi) = (dy[i] as f64, y[i] as f64);
                let exact = dyi * yi * (1.0 - yi);
                // Every association of the three factors stays finite below this.
                let worst = dyi.abs() * yi.abs().max(1.0) * (1.0 + yi.abs());
                let (g, w) = (got[i], want[i]);
                if exact.is_nan() {
                    assert!(g.is_nan() && w.is_nan(), "{name} sigmoid_backward[{i}]: {g:e} vs {w:e}, NaN expected");
                } else if worst < MAX / 4.0 {
                    // A subnormal intermediate (dy·y or y·(1−y)) carries an absolute error
                    // of 2⁻¹⁵⁰, which the third factor then scales.
                    let tol = 4.0 * EPS * exact.abs() + 2.0 * SUB * (1.0 + dyi.abs() + (1.0 - yi).abs() + yi.abs());
                    let diff = (g as f64 - w as f64).abs();
                    assert!(diff <= tol, "{name} sigmoid_backward[{i}]: {g:e} vs {w:e}");
                    let diff = (w as f64 - exact).abs();
                    assert!(diff <= tol, "scalar sigmoid_backward[{i}] = {w:e}, exact {exact:e}");
                }
            }
        }
        Kernel::Axpy => {
            let alpha = value(inp.alpha, raw);
            let x = take(d, &mut at, m * k + n, raw);
            let y0 = take(d, &mut at, skewed(x.len(), skew), raw);
            let (got, want, r) = both(tier, &y0, |y| kernels::axpy(alpha, &x, y));
            if r.is_err() {
                assert!(same_bits(&got, &y0) && same_bits(&want, &y0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..x.len() {
                let mut sum = Sum::default();
                sum.add(y0[i] as f64);
                sum.add(alpha as f64 * x[i] as f64);
                check_sum(name, i, got[i], want[i], sum, 1);
            }
        }
        Kernel::SumSq => {
            let x = take(d, &mut at, m * k + n, raw);
            let want = kernels::sum_sq(&x);
            force(tier).unwrap();
            let got = kernels::sum_sq(&x);
            force(Tier::Scalar).unwrap();
            let mut sum = Sum::default();
            x.iter().for_each(|&v| sum.add(v as f64 * v as f64));
            check_sum(name, 0, got, want, sum, x.len());
        }
        Kernel::AddBias => {
            let bias = take(d, &mut at, skewed(n, skew), raw);
            let c0 = take(d, &mut at, m * n, raw);
            let (got, want, r) = both(tier, &c0, |c| kernels::add_bias(m, n, &bias, c));
            if r.is_err() {
                assert!(same_bits(&got, &c0) && same_bits(&want, &c0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..m * n {
                let mut sum = Sum::default();
                sum.add(c0[i] as f64);
                sum.add(bias[i % n] as f64);
                check_sum(name, i, got[i], want[i], sum, 1);
            }
        }
        Kernel::SumRows => {
            let g = take(d, &mut at, skewed(m * n, skew), raw);
            let out0 = take(d, &mut at, n, raw);
            let (got, want, r) = both(tier, &out0, |o| kernels::sum_rows(m, n, &g, o, mode));
            if r.is_err() {
                assert!(same_bits(&got, &out0) && same_bits(&want, &out0), "{name}: output written on a shape error");
                return;
            }
            for j in 0..n {
                let mut sum = Sum::default();
                if inp.accumulate {
                    sum.add(out0[j] as f64);
                }
                for i in 0..m {
                    sum.add(g[i * n + j] as f64);
                }
                check_sum(name, j, got[j], want[j], sum, m);
            }
        }
    }
}

fuzz_target!(|inp: Input| {
    for tier in Tier::ALL {
        if tier.is_available() {
            run(&inp, tier);
        }
    }
});
