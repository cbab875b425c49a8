//! The portable tier: plain Rust with `libm`, no target features, no FMA contraction and a
//! fixed summation order. It is the oracle every SIMD tier is tested against, and with it
//! forced the same seed gives bit-identical weights on every target.
//!
//! Shapes are the caller's responsibility: `crate::kernels` checks every length before it
//! calls in here (indexing would still panic, never read out of bounds).

/// `c (=|+=) a · b` with `a: m×k`, `b: k×n`, `c: m×n`, all row-major.
pub fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    for i in 0..m {
        let c_row = &mut c[i * n..(i + 1) * n];
        if !acc {
            c_row.fill(0.0);
        }
        let a_row = &a[i * k..(i + 1) * k];
        for (p, &a_ip) in a_row.iter().enumerate() {
            let b_row = &b[p * n..(p + 1) * n];
            for (c_ij, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_ip * b_pj;
            }
        }
    }
}

/// `c (=|+=) aᵀ · b` with `a: k×m`, `b: k×n`, `c: m×n` (the weight gradient `Xᵀ·G`).
pub fn matmul_tn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    if !acc {
        c[..m * n].fill(0.0);
    }
    for p in 0..k {
        let a_row = &a[p * m..(p + 1) * m];
        let b_row = &b[p * n..(p + 1) * n];
        for (i, &a_pi) in a_row.iter().enumerate() {
            let c_row = &mut c[i * n..(i + 1) * n];
            for (c_ij, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_pi * b_pj;
            }
        }
    }
}

/// `c (=|+=) a · bᵀ` with `a: m×k`, `b: n×k`, `c: m×n` (the input gradient `G·Wᵀ`).
pub fn matmul_nt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], acc: bool) {
    for i in 0..m {
        let a_row = &a[i * k..(i + 1) * k];
        for j in 0..n {
            let b_row = &b[j * k..(j + 1) * k];
            let mut s = 0.0f32;
            for (&x, &y) in a_row.iter().zip(b_row) {
                s += x * y;
            }
            let c_ij = &mut c[i * n + j];
            *c_ij = if acc { *c_ij + s } else { s };
        }
    }
}

/// σ(x) = 1/(1+e^(−x)) of one value, computed so that no finite input overflows:
/// for x ≥ 0 it uses e^(−x) ≤ 1, for x < 0 the mirrored form e^x/(1+e^x).
#[inline]
pub fn sigmoid_one(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

/// In place `x ← σ(x)`. NaN stays NaN, ±∞ give 1/0.
pub fn sigmoid(x: &mut [f32]) {
    for v in x {
        *v = sigmoid_one(*v);
    }
}

/// `dx = dy ⊙ y ⊙ (1 − y)`: the sigmoid's backward pass from its cached output `y`.
pub fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) {
    for ((d, &g), &s) in dx.iter_mut().zip(dy).zip(y) {
        *d = g * s * (1.0 - s);
    }
}

/// `y += alpha · x` (the SGD update is `axpy(−η, g, w)`).
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// `Σ xᵢ²`, summed left to right.
pub fn sum_sq(x: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for &v in x {
        s += v * v;
    }
    s
}

/// Adds `bias` (length `n`) to every row of the `m×n` matrix `c`.
pub fn add_bias(m: usize, n: usize, bias: &[f32], c: &mut [f32]) {
    if n == 0 {
        return; // nothing to add, and `chunks_exact(0)` would panic (found by fuzz/kernels_diff)
    }
    for row in c[..m * n].chunks_exact_mut(n) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// `out (=|+=)` the column sums of the `m×n` matrix `g` (the bias gradient).
pub fn sum_rows(m: usize, n: usize, g: &[f32], out: &mut [f32], acc: bool) {
    if !acc {
        out[..n].fill(0.0);
    }
    if n == 0 {
        return; // no columns; `chunks_exact(0)` would panic (found by fuzz/kernels_diff)
    }
    for row in g[..m * n].chunks_exact(n) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// `c = σ(a·b + bias)`: exactly [`matmul`], [`add_bias`] (if `bias` is not empty) and
/// [`sigmoid`] in sequence, so the scalar tier's fused path is bit-identical to its
/// unfused one (the deterministic mode does not depend on fusion).
pub fn matmul_bias_sigmoid(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: &[f32], c: &mut [f32]) {
    matmul(m, k, n, a, b, c, false);
    if !bias.is_empty() {
        add_bias(m, n, bias, c);
    }
    sigmoid(&mut c[..m * n]);
}

/// `g = dy⊙y⊙(1−y)`, then `c = aᵀ·g`: exactly [`sigmoid_backward`] and [`matmul_tn`].
pub(crate) fn matmul_tn_sigmoid_grad(m: usize, k: usize, n: usize, a: &[f32], fg: super::FusedGrad<'_>, c: &mut [f32]) {
    sigmoid_backward(fg.dy, fg.y, fg.g);
    matmul_tn(m, k, n, a, fg.g, c, false);
}
