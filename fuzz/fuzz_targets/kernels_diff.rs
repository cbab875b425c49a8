//! Every available kernel tier against `Tier::Scalar` (the oracle), on arbitrary shapes
//! and arbitrary `f32` bit patterns (NaN, ±∞, ±0, subnormals, huge values included).
//!
//! Properties, per kernel call, with the tolerances each kernel documents
//! (`src/kernels/mod.rs`, `docs/kernels.md`):
//! - the same `Result`: a shape error from one tier is the same shape error from every
//!   tier, and then the output is untouched;
//! - NaN where the oracle has NaN (when a NaN term enters a sum), and the reverse;
//! - bit-identical on every tier: `sigmoid_backward`, `axpy`, `add_bias`, `sum_rows`, the
//!   `g` of `matmul_tn_sigmoid_grad`, and on SSE2 `matmul` and `matmul_tn`;
//! - otherwise, when no summation order can overflow (Σ|terms| < `f32::MAX`/2):
//!   products `|Δ| ≤ 2·(k+1)·2⁻²⁴·Σ|terms| + 2⁻¹²⁶` (the accumulated `c` one of the terms);
//!   `sum_sq` `|Δ| ≤ 2·n·2⁻²⁴·Σxᵢ²`; the fused `matmul_bias_sigmoid` ¼ of the product
//!   bound (σ is ¼-Lipschitz) plus 8 ULP;
//! - `sigmoid` on every tier within 4 ULP of the true σ (f64), in `[0, 1]`, NaN ⇔ NaN.
//!
//! The scalar oracle itself is checked against the sums computed in f64 with the classic
//! bound `2·(k+2)·ε·Σ|terms| + (k+2)·2⁻¹⁴⁹` (ε = `f32::EPSILON`), and `sigmoid_backward`
//! against `dy·y·(1−y)` in f64 within `4ε·|·| + 2⁻¹⁴⁸·(1 + |dy| + |y| + |1−y|)` (a
//! subnormal intermediate's absolute error, scaled by the last factor).
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
    MatmulBiasSigmoid,
    MatmulTnSigmoidGrad,
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

/// How closely a tier must match the scalar oracle.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// Same bits (any NaN matches any NaN).
    Exact,
    /// `2·(k+1)·2⁻²⁴·Σ|terms| + 2⁻¹²⁶` (products, reordered and/or fused).
    Product,
    /// `2·n·2⁻²⁴·Σxᵢ²`.
    SumSq,
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

const U24: f64 = 1.0 / 16_777_216.0; // 2⁻²⁴
const MIN_NORMAL: f64 = 1.1754943508222875e-38; // 2⁻¹²⁶

/// The tier tolerance of a `terms`-term sum under `rule` (0 for exact).
fn tier_tol(rule: Rule, bound: f64, terms: usize) -> f64 {
    match rule {
        Rule::Exact => 0.0,
        Rule::Product => 2.0 * (terms as f64 + 1.0) * U24 * bound + MIN_NORMAL,
        Rule::SumSq => 2.0 * terms as f64 * U24 * bound,
    }
}

/// Compares one output element of a `terms`-term sum: the tier against the scalar oracle
/// under `rule`, and the oracle against the f64 value.
#[track_caller]
fn check_sum(what: &str, i: usize, got: f32, want: f32, sum: Sum, terms: usize, rule: Rule) {
    let Sum { exact, bound } = sum;
    if rule == Rule::Exact {
        assert!(same(got, want), "{what}[{i}]: tier {got:e} vs scalar {want:e}, bit-identical expected");
    }
    if bound.is_nan() {
        // NaN propagates through every ordering of a sum.
        assert!(want.is_nan() && got.is_nan(), "{what}[{i}]: tier {got:e} vs scalar {want:e}, NaN expected");
        return;
    }
    if bound >= MAX / 2.0 {
        return; // some ordering may overflow (or ∞ − ∞); outside the contract
    }
    let tol = tier_tol(rule, bound, terms);
    let d = (got as f64 - want as f64).abs();
    assert!(d <= tol, "{what}[{i}]: tier {got:e} vs scalar {want:e}, |Δ| {d:e} > tol {tol:e} ({rule:?})");
    let t = terms as f64 + 2.0;
    let tol = 2.0 * t * EPS * bound + t * SUB;
    let d = (want as f64 - exact).abs();
    assert!(d <= tol, "{what}[{i}]: scalar {want:e} vs exact {exact:e}, |Δ| {d:e} > tol {tol:e}");
}

/// The spacing of f32 values at `v`'s magnitude.
fn ulp(v: f32) -> f64 {
    let a = v.abs();
    if a < f32::MIN_POSITIVE {
        SUB
    } else {
        let e = ((a.to_bits() >> 23) & 0xff) as i32 - 127;
        2f64.powi(e - 23)
    }
}

fn sigma(x: f32) -> f64 {
    1.0 / (1.0 + (-(x as f64)).exp())
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
                Kernel::Matmul => kernels::Kernels::active().matmul(m, k, n, &a, &b, c, mode),
                Kernel::MatmulTn => kernels::Kernels::active().matmul_tn(m, k, n, &a, &b, c, mode),
                _ => kernels::Kernels::active().matmul_nt(m, k, n, &a, &b, c, mode),
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
                    let rule = match inp.kernel {
                        Kernel::Matmul | Kernel::MatmulTn if tier == Tier::Sse2 => Rule::Exact,
                        _ => Rule::Product,
                    };
                    check_sum(name, i * n + j, got[i * n + j], want[i * n + j], sum, k, rule);
                }
            }
        }
        Kernel::Sigmoid => {
            let x = take(d, &mut at, m * k + n, raw);
            let (got, want, ()) = both(tier, &x, |v| kernels::Kernels::active().sigmoid(v));
            for (i, ((&g, &w), &x)) in got.iter().zip(&want).zip(&x).enumerate() {
                if x.is_nan() {
                    assert!(g.is_nan() && w.is_nan(), "{name} sigmoid({x:e})[{i}]: {g:e} / {w:e}");
                    continue;
                }
                assert!((0.0..=1.0).contains(&g), "{name} sigmoid({x:e})[{i}] = {g:e}");
                let exact = sigma(x);
                let tol = 4.0 * ulp(exact as f32);
                assert!((g as f64 - exact).abs() <= tol, "{name} sigmoid({x:e})[{i}] = {g:e}, true {exact:e}");
                assert!((w as f64 - exact).abs() <= tol, "scalar sigmoid({x:e}) = {w:e}, true {exact:e}");
            }
        }
        Kernel::SigmoidBackward => {
            let len = m * k + n;
            let dy = take(d, &mut at, len, raw);
            let y = take(d, &mut at, skewed(len, skew), raw);
            let dx0 = take(d, &mut at, len, raw);
            let (got, want, r) = both(tier, &dx0, |dx| kernels::Kernels::active().sigmoid_backward(&dy, &y, dx));
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
                assert!(same(g, w), "{name} sigmoid_backward[{i}]: {g:e} vs {w:e}, bit-identical expected");
                if exact.is_nan() {
                    assert!(g.is_nan() && w.is_nan(), "{name} sigmoid_backward[{i}]: {g:e} vs {w:e}, NaN expected");
                } else if worst < MAX / 4.0 {
                    // A subnormal intermediate (dy·y or y·(1−y)) carries an absolute error
                    // of 2⁻¹⁵⁰, which the third factor then scales.
                    let tol = 4.0 * EPS * exact.abs() + 2.0 * SUB * (1.0 + dyi.abs() + (1.0 - yi).abs() + yi.abs());
                    let diff = (w as f64 - exact).abs();
                    assert!(diff <= tol, "scalar sigmoid_backward[{i}] = {w:e}, exact {exact:e}");
                }
            }
        }
        Kernel::Axpy => {
            let alpha = value(inp.alpha, raw);
            let x = take(d, &mut at, m * k + n, raw);
            let y0 = take(d, &mut at, skewed(x.len(), skew), raw);
            let (got, want, r) = both(tier, &y0, |y| kernels::Kernels::active().axpy(alpha, &x, y));
            if r.is_err() {
                assert!(same_bits(&got, &y0) && same_bits(&want, &y0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..x.len() {
                let mut sum = Sum::default();
                sum.add(y0[i] as f64);
                sum.add(alpha as f64 * x[i] as f64);
                check_sum(name, i, got[i], want[i], sum, 1, Rule::Exact);
            }
        }
        Kernel::SumSq => {
            let x = take(d, &mut at, m * k + n, raw);
            let want = kernels::Kernels::active().sum_sq(&x);
            force(tier).unwrap();
            let got = kernels::Kernels::active().sum_sq(&x);
            force(Tier::Scalar).unwrap();
            let mut sum = Sum::default();
            x.iter().for_each(|&v| sum.add(v as f64 * v as f64));
            check_sum(name, 0, got, want, sum, x.len(), Rule::SumSq);
        }
        Kernel::AddBias => {
            let bias = take(d, &mut at, skewed(n, skew), raw);
            let c0 = take(d, &mut at, m * n, raw);
            let (got, want, r) = both(tier, &c0, |c| kernels::Kernels::active().add_bias(m, n, &bias, c));
            if r.is_err() {
                assert!(same_bits(&got, &c0) && same_bits(&want, &c0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..m * n {
                let mut sum = Sum::default();
                sum.add(c0[i] as f64);
                sum.add(bias[i % n] as f64);
                check_sum(name, i, got[i], want[i], sum, 1, Rule::Exact);
            }
        }
        Kernel::SumRows => {
            let g = take(d, &mut at, skewed(m * n, skew), raw);
            let out0 = take(d, &mut at, n, raw);
            let (got, want, r) = both(tier, &out0, |o| kernels::Kernels::active().sum_rows(m, n, &g, o, mode));
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
                check_sum(name, j, got[j], want[j], sum, m, Rule::Exact);
            }
        }
        Kernel::MatmulBiasSigmoid => {
            let a = take(d, &mut at, skewed(m * k, skew), raw);
            let b = take(d, &mut at, k * n, raw);
            let bias = if inp.accumulate { take(d, &mut at, n, raw) } else { Vec::new() };
            let c0 = take(d, &mut at, m * n, raw);
            let (got, want, r) =
                both(tier, &c0, |c| kernels::Kernels::active().matmul_bias_sigmoid(m, k, n, &a, &b, &bias, c));
            if r.is_err() {
                assert!(same_bits(&got, &c0) && same_bits(&want, &c0), "{name}: output written on a shape error");
                return;
            }
            for i in 0..m {
                for j in 0..n {
                    let mut sum = Sum::default();
                    for p in 0..k {
                        sum.add(a[i * k + p] as f64 * b[p * n + j] as f64);
                    }
                    if !bias.is_empty() {
                        sum.add(bias[j] as f64);
                    }
                    let (g, w) = (got[i * n + j], want[i * n + j]);
                    if sum.bound.is_nan() {
                        assert!(g.is_nan() && w.is_nan(), "{name} matmul_bias_sigmoid[{i},{j}]: {g:e} vs {w:e}");
                        continue;
                    }
                    // ∞ − ∞ inside the product gives NaN in some orders; otherwise σ's range.
                    assert!(g.is_nan() || (0.0..=1.0).contains(&g), "{name} matmul_bias_sigmoid[{i},{j}] = {g:e}");
                    if sum.bound >= MAX / 2.0 {
                        continue;
                    }
                    let tol = 0.25 * tier_tol(Rule::Product, sum.bound, k + 1) + 8.0 * ulp(g.max(w));
                    let diff = (g as f64 - w as f64).abs();
                    assert!(diff <= tol, "{name} matmul_bias_sigmoid[{i},{j}]: {g:e} vs {w:e}, tol {tol:e}");
                }
            }
        }
        Kernel::MatmulTnSigmoidGrad => {
            let a = take(d, &mut at, skewed(k * m, skew), raw);
            let dy = take(d, &mut at, k * n, raw);
            let y = take(d, &mut at, k * n, raw);
            let g0 = take(d, &mut at, k * n, raw);
            let c0 = take(d, &mut at, m * n, raw);
            // Both outputs in one buffer: `g` then `c`.
            let out0: Vec<f32> = g0.iter().chain(&c0).copied().collect();
            let (got, want, r) = both(tier, &out0, |o| {
                let (g, c) = o.split_at_mut(k * n);
                kernels::Kernels::active().matmul_tn_sigmoid_grad(m, k, n, &a, &dy, &y, g, c)
            });
            if r.is_err() {
                assert!(same_bits(&got, &out0) && same_bits(&want, &out0), "{name}: output written on a shape error");
                return;
            }
            let (gg, gc) = got.split_at(k * n);
            let (wg, wc) = want.split_at(k * n);
            // g is exactly the unfused sigmoid_backward, on every tier.
            let mut unfused = vec![0.0; k * n];
            kernels::Kernels::active().sigmoid_backward(&dy, &y, &mut unfused).unwrap();
            for i in 0..k * n {
                assert!(same(gg[i], unfused[i]), "{name} fused g[{i}]: {:e} vs {:e}", gg[i], unfused[i]);
                assert!(same(wg[i], unfused[i]), "scalar fused g[{i}]: {:e} vs {:e}", wg[i], unfused[i]);
            }
            for i in 0..m {
                for j in 0..n {
                    let mut sum = Sum::default();
                    for p in 0..k {
                        sum.add(a[p * m + i] as f64 * unfused[p * n + j] as f64);
                    }
                    check_sum(name, i * n + j, gc[i * n + j], wc[i * n + j], sum, k, Rule::Product);
                }
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
