//! Helpers shared by the tier tests: a seeded generator, the f64 references, ULP distance,
//! the matmul tolerance of `Kernels::matmul`'s doc comment, and the edge values of DESIGN.md.
#![allow(dead_code)]

use rand_core::RngCore;
use stacknet::kernels::{Kernels, Tier};

/// Every SIMD tier this CPU has (never Scalar).
pub fn simd_tiers() -> Vec<Kernels> {
    Tier::ALL.into_iter().filter(|&t| t != Tier::Scalar).filter_map(|t| Kernels::new(t).ok()).collect()
}

pub fn scalar() -> Kernels {
    Kernels::new(Tier::Scalar).unwrap()
}

pub fn rng(seed: u64) -> impl RngCore {
    stacknet::init::rng(seed)
}

/// Uniform in `[-1, 1)`.
pub fn unit(r: &mut impl RngCore) -> f32 {
    (r.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
}

pub fn below(r: &mut impl RngCore, n: usize) -> usize {
    (r.next_u64() % n as u64) as usize
}

/// Values the kernel contract names: zeros of both signs, subnormals, the extremes, ±∞,
/// NaN, and magnitudes where `exp` over/underflows.
pub const EDGE: [f32; 16] = [
    0.0,
    -0.0,
    1.0e-45,
    -1.0e-45,
    1.1754942e-38,
    -3.0e-39,
    f32::MIN_POSITIVE,
    1.0,
    -1.0,
    88.8,
    -104.5,
    1.0e30,
    -f32::MAX,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
];

/// Fills with mostly ordinary values and, with `edges`, some edge values.
pub fn fill(r: &mut impl RngCore, v: &mut [f32], edges: bool) {
    for x in v {
        *x = if edges && below(r, 5) == 0 { EDGE[below(r, EDGE.len())] } else { unit(r) };
    }
}

/// The exact σ in f64 (f64 `exp` is accurate to far below one f32 ULP). Where the answer
/// is known without `exp` it skips it, which makes the 2³² sweep several times faster:
/// for x ≤ −104, σ < e⁻¹⁰⁴ < 2⁻¹⁵⁰ (rounds to 0; returned as 0); for x ≥ 104, 1 − σ <
/// 2⁻¹⁵⁰ (returned as 1); for |x| < 2⁻²⁰, σ = ½ + x/4 − x³/48 + … and the
/// cubic term is below 2⁻⁶⁵, far under an ULP of ½.
pub fn sigmoid64(x: f32) -> f64 {
    let x = x as f64;
    if x <= -104.0 {
        0.0
    } else if x >= 104.0 {
        1.0
    } else if x.abs() < 2f64.powi(-20) {
        0.5 + x / 4.0
    } else {
        1.0 / (1.0 + (-x).exp())
    }
}

/// `|y − r|` in units of the f32 ULP at `r` (subnormal spacing below 2⁻¹²⁶).
pub fn ulps(y: f32, r: f64) -> f64 {
    if r == 0.0 {
        return (y as f64).abs() / 2f64.powi(-149);
    }
    let e = ((r.abs().to_bits() >> 52) as i64 - 1023).max(-126);
    (y as f64 - r).abs() / 2f64.powi(e as i32 - 23)
}

/// Checks one sigmoid output against the contract; returns its ULP error.
#[track_caller]
pub fn check_sigmoid(tier: Tier, x: f32, y: f32) -> f64 {
    if x.is_nan() {
        assert!(y.is_nan(), "{tier:?}: σ(NaN) = {y}");
        return 0.0;
    }
    assert!(y.is_finite() && (0.0..=1.0).contains(&y), "{tier:?}: σ({x:e}) = {y} out of [0, 1]");
    let r = sigmoid64(x);
    let rf = r as f32;
    if rf == 0.0 {
        assert!(y == 0.0, "{tier:?}: σ({x:e}) = {y:e}, true value {r:e} rounds to 0");
    }
    if rf == 1.0 {
        assert!(y == 1.0, "{tier:?}: σ({x:e}) = {y}, true value {r} rounds to 1");
    }
    let u = ulps(y, r);
    assert!(u <= 4.0, "{tier:?}: σ({x:e} = {:#010x}) = {y:e}, true {r:e}: {u} ULP", x.to_bits());
    u
}

/// The three products, by name, as `(rows of a, cols of a, rows of b, cols of b)` for
/// `C: m×n` with inner dimension `k`, and the f64 element `(Σ aᵢₚbₚⱼ, Σ|aᵢₚbₚⱼ|)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prod {
    Nn,
    Tn,
    Nt,
}

impl Prod {
    pub const ALL: [Prod; 3] = [Prod::Nn, Prod::Tn, Prod::Nt];

    pub fn a_at(self, a: &[f32], m: usize, k: usize, i: usize, p: usize) -> f32 {
        match self {
            Prod::Nn | Prod::Nt => a[i * k + p],
            Prod::Tn => a[p * m + i],
        }
    }

    pub fn b_at(self, b: &[f32], k: usize, n: usize, p: usize, j: usize) -> f32 {
        match self {
            Prod::Nn | Prod::Tn => b[p * n + j],
            Prod::Nt => b[j * k + p],
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn run(
        self,
        kern: Kernels,
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        mode: stacknet::kernels::Mode,
    ) {
        match self {
            Prod::Nn => kern.matmul(m, k, n, a, b, c, mode),
            Prod::Tn => kern.matmul_tn(m, k, n, a, b, c, mode),
            Prod::Nt => kern.matmul_nt(m, k, n, a, b, c, mode),
        }
        .unwrap()
    }
}

/// Compares a tier's product with the scalar tier's under the documented tolerance
/// `2·(k+2)·2⁻²⁴·(Σ|aᵢₚbₚⱼ| + |c_old|) + 2⁻¹²⁶`; elements whose finite terms could overflow
/// in some summation order (Σ|terms| > f32::MAX/2) are outside the contract and skipped.
#[allow(clippy::too_many_arguments)]
#[track_caller]
pub fn check_product(
    what: &str,
    prod: Prod,
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    b: &[f32],
    c_old: &[f32],
    got: &[f32],
    want: &[f32],
    acc: bool,
) {
    for i in 0..m {
        for j in 0..n {
            let mut abs = if acc { (c_old[i * n + j] as f64).abs() } else { 0.0 };
            for p in 0..k {
                let t = prod.a_at(a, m, k, i, p) as f64 * prod.b_at(b, k, n, p, j) as f64;
                if t.is_finite() {
                    abs += t.abs();
                }
            }
            let (g, w) = (got[i * n + j], want[i * n + j]);
            if abs > f32::MAX as f64 / 2.0 {
                continue;
            }
            let ctx = || format!("{what} {prod:?} m={m} k={k} n={n} acc={acc} at ({i},{j}): got {g:e}, scalar {w:e}");
            if w.is_nan() {
                assert!(g.is_nan(), "{}", ctx());
            } else if w.is_infinite() {
                assert_eq!(g, w, "{}", ctx());
            } else {
                let tol = 2.0 * (k as f64 + 2.0) * 2f64.powi(-24) * abs + 2f64.powi(-126);
                assert!(g.is_finite() && (g as f64 - w as f64).abs() <= tol, "{} (tol {tol:e})", ctx());
            }
        }
    }
}
