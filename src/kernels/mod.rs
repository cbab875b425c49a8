//! The safe kernel API: row-major `f32` slices plus dimensions, checked here, then sent to
//! the active tier in `crate::arch`. Nothing else lives in this module.
//!
//! Every function returns [`ShapeError`] when a slice's length does not match the
//! dimensions, before any tier code runs; it never panics and never touches memory outside
//! the slices it is given.

mod detect;

pub use detect::{active, best_available, force, reset, Tier, TierUnavailable};

use crate::arch::scalar;

/// Whether a product overwrites its output or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `c = …`; the old contents of `c` are never read.
    Overwrite,
    /// `c += …`.
    Accumulate,
}

impl Mode {
    #[inline]
    fn acc(self) -> bool {
        matches!(self, Mode::Accumulate)
    }
}

/// A slice whose length does not match the dimensions given with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeError {
    /// The kernel that was called.
    pub kernel: &'static str,
    /// The argument at fault.
    pub operand: &'static str,
    /// The length the dimensions call for (`usize::MAX` if they overflow).
    pub expected: usize,
    /// The length given.
    pub actual: usize,
}

impl core::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}: `{}` has {} elements, the dimensions need {}",
            self.kernel, self.operand, self.actual, self.expected
        )
    }
}

#[inline]
fn check(kernel: &'static str, operand: &'static str, len: usize, r: usize, c: usize) -> Result<(), ShapeError> {
    let expected = r.saturating_mul(c);
    if len == expected {
        Ok(())
    } else {
        Err(ShapeError { kernel, operand, expected, actual: len })
    }
}

/// `c (=|+=) a · b` with `a: m×k`, `b: k×n`, `c: m×n` (the forward product `X·W`).
pub fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], mode: Mode) -> Result<(), ShapeError> {
    check("matmul", "a", a.len(), m, k)?;
    check("matmul", "b", b.len(), k, n)?;
    check("matmul", "c", c.len(), m, n)?;
    scalar::matmul(m, k, n, a, b, c, mode.acc());
    Ok(())
}

/// `c (=|+=) aᵀ · b` with `a: k×m`, `b: k×n`, `c: m×n` (the weight gradient `Xᵀ·G`).
pub fn matmul_tn(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    mode: Mode,
) -> Result<(), ShapeError> {
    check("matmul_tn", "a", a.len(), k, m)?;
    check("matmul_tn", "b", b.len(), k, n)?;
    check("matmul_tn", "c", c.len(), m, n)?;
    scalar::matmul_tn(m, k, n, a, b, c, mode.acc());
    Ok(())
}

/// `c (=|+=) a · bᵀ` with `a: m×k`, `b: n×k`, `c: m×n` (the input gradient `G·Wᵀ`).
pub fn matmul_nt(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    mode: Mode,
) -> Result<(), ShapeError> {
    check("matmul_nt", "a", a.len(), m, k)?;
    check("matmul_nt", "b", b.len(), n, k)?;
    check("matmul_nt", "c", c.len(), m, n)?;
    scalar::matmul_nt(m, k, n, a, b, c, mode.acc());
    Ok(())
}

/// In place `x ← σ(x) = 1/(1+e^(−x))`. NaN stays NaN, ±∞ give exactly 1/0, and no finite
/// input produces NaN or ∞.
pub fn sigmoid(x: &mut [f32]) {
    scalar::sigmoid(x);
}

/// `dx = dy ⊙ y ⊙ (1 − y)`, the sigmoid's backward pass from its cached output `y`.
pub fn sigmoid_backward(dy: &[f32], y: &[f32], dx: &mut [f32]) -> Result<(), ShapeError> {
    check("sigmoid_backward", "y", y.len(), dy.len(), 1)?;
    check("sigmoid_backward", "dx", dx.len(), dy.len(), 1)?;
    scalar::sigmoid_backward(dy, y, dx);
    Ok(())
}

/// `y += alpha · x`.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) -> Result<(), ShapeError> {
    check("axpy", "y", y.len(), x.len(), 1)?;
    scalar::axpy(alpha, x, y);
    Ok(())
}

/// `Σ xᵢ²`.
pub fn sum_sq(x: &[f32]) -> f32 {
    scalar::sum_sq(x)
}

/// Adds `bias` (length `n`) to every row of the `m×n` matrix `c`.
pub fn add_bias(m: usize, n: usize, bias: &[f32], c: &mut [f32]) -> Result<(), ShapeError> {
    check("add_bias", "bias", bias.len(), n, 1)?;
    check("add_bias", "c", c.len(), m, n)?;
    scalar::add_bias(m, n, bias, c);
    Ok(())
}

/// `out (=|+=)` the column sums of the `m×n` matrix `g` (the bias gradient).
pub fn sum_rows(m: usize, n: usize, g: &[f32], out: &mut [f32], mode: Mode) -> Result<(), ShapeError> {
    check("sum_rows", "g", g.len(), m, n)?;
    check("sum_rows", "out", out.len(), n, 1)?;
    scalar::sum_rows(m, n, g, out, mode.acc());
    Ok(())
}
