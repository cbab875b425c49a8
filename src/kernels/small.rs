//! Small shapes, run inline: products of at most [`MAX_MACS`] multiply-adds and element-wise
//! passes over at most [`MAX_LEN`] values are loops over const-generic arrays that the
//! compiler unrolls into straight-line code in the caller, with no tier dispatch and no
//! call. At these sizes a kernel call (the tier match, the `#[target_feature]` shim, the
//! path choice, tile setup) costs more than the work: a 2-3-2 network's training step on 4
//! rows is about twenty of them.
//!
//! Every loop adds its terms in the scalar tier's order with separate products and sums, so
//! the results are bit-identical to [`Tier::Scalar`](super::Tier::Scalar) (the element-wise
//! passes over slices call the scalar tier's own functions) — on the scalar
//! tier nothing changes, and on the SIMD tiers that is within every kernel's tolerance.
//! Only on targets with SIMD tiers: where scalar is the only tier (microcontrollers) the
//! scalar kernels run as they are, and flash is not spent on unrolled copies per shape.

/// Whether inline small paths are compiled in (targets with SIMD tiers).
pub(crate) const ENABLED: bool =
    cfg!(any(target_arch = "x86_64", target_arch = "aarch64", all(target_arch = "wasm32", target_feature = "simd128")));

/// Products with at most this many multiply-adds run inline.
pub(crate) const MAX_MACS: usize = 64;

/// Element-wise passes over at most this many values run inline.
pub(crate) const MAX_LEN: usize = 16;

/// Whether an `M×K · K×N` product runs inline.
pub(crate) const fn product(m: usize, k: usize, n: usize) -> bool {
    ENABLED && m.saturating_mul(k).saturating_mul(n) <= MAX_MACS
}

/// Whether an element-wise pass over `len` values runs inline.
#[inline(always)]
pub(crate) fn elementwise(len: usize) -> bool {
    ENABLED && len <= MAX_LEN
}

/// `c = a·b`, each `c_ij = (…(0 + a_i0·b_0j) + a_i1·b_1j) + …` as in `arch::scalar::matmul`.
/// A row of `c` is accumulated whole, one row of `b` at a time, so the compiler can keep it
/// in one vector register (the order per element is unchanged).
#[inline(always)]
pub(crate) fn matmul<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
    c: &mut [[f32; N]; M],
) {
    for (c_row, a_row) in c.iter_mut().zip(a) {
        let mut s = [0.0f32; N];
        for (a_ip, b_row) in a_row.iter().zip(b) {
            for (s_j, b_pj) in s.iter_mut().zip(b_row) {
                *s_j += a_ip * b_pj;
            }
        }
        *c_row = s;
    }
}

/// `c = aᵀ·b`, each `c_ij = (…(0 + a_0i·b_0j) + a_1i·b_1j) + …` as in `arch::scalar::matmul_tn`,
/// a row of `c` at a time as in [`matmul`].
#[inline(always)]
pub(crate) fn matmul_tn<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; M]; K],
    b: &[[f32; N]; K],
    c: &mut [[f32; N]; M],
) {
    for (i, c_row) in c.iter_mut().enumerate() {
        let mut s = [0.0f32; N];
        for (a_row, b_row) in a.iter().zip(b) {
            for (s_j, b_pj) in s.iter_mut().zip(b_row) {
                *s_j += a_row[i] * b_pj;
            }
        }
        *c_row = s;
    }
}

/// `c = a·bᵀ`, each `c_ij = (…(0 + a_i0·b_j0) + a_i1·b_j1) + …` as in `arch::scalar::matmul_nt`.
#[inline(always)]
pub(crate) fn matmul_nt<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; K]; N],
    c: &mut [[f32; N]; M],
) {
    for (c_row, a_row) in c.iter_mut().zip(a) {
        for (c_ij, b_row) in c_row.iter_mut().zip(b) {
            let mut s = 0.0f32;
            for (x, y) in a_row.iter().zip(b_row) {
                s += x * y;
            }
            *c_ij = s;
        }
    }
}

/// `c += bias` on every row.
#[inline(always)]
pub(crate) fn add_bias<const M: usize, const N: usize>(bias: &[f32; N], c: &mut [[f32; N]; M]) {
    for row in c {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// `out` = the column sums of `g`, from 0, row by row.
#[inline(always)]
pub(crate) fn sum_rows<const M: usize, const N: usize>(g: &[[f32; N]; M], out: &mut [f32; N]) {
    *out = [0.0; N];
    for row in g {
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// `dx = dy·y·(1 − y)`, in that order, as in `arch::scalar::sigmoid_backward`.
#[inline(always)]
pub(crate) fn sigmoid_backward<const M: usize, const N: usize>(
    dy: &[[f32; N]; M],
    y: &[[f32; N]; M],
    dx: &mut [[f32; N]; M],
) {
    for ((d, g), s) in dx.as_flattened_mut().iter_mut().zip(dy.as_flattened()).zip(y.as_flattened()) {
        *d = g * s * (1.0 - s);
    }
}

#[cfg(test)]
mod tests {
    //! Each inline loop against the scalar tier's kernel, bit for bit.
    use super::*;
    use crate::arch::scalar;

    /// Values that exercise signs of zero, rounding, subnormals and non-finite inputs.
    const VALUES: [f32; 12] = [0.5, -1.25, -0.0, 3.0e-39, 1.0e30, -7.5, 0.1, f32::NAN, 2.0, -0.0, f32::INFINITY, 0.3];

    fn fill<const R: usize, const C: usize>(seed: usize) -> [[f32; C]; R] {
        core::array::from_fn(|i| core::array::from_fn(|j| VALUES[(seed + i * 7 + j * 3) % VALUES.len()]))
    }

    /// The same bits, or both NaN (a NaN's sign and payload are not part of any tier's
    /// contract).
    fn same(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()), "{x} vs {y}");
        }
    }

    fn products<const M: usize, const K: usize, const N: usize>() {
        for seed in 0..12 {
            let (a, b) = (fill::<M, K>(seed), fill::<K, N>(seed + 5));
            let (mut got, mut want) = ([[0.0; N]; M], [[0.0; N]; M]);
            matmul(&a, &b, &mut got);
            scalar::matmul(M, K, N, a.as_flattened(), b.as_flattened(), want.as_flattened_mut(), false);
            same(got.as_flattened(), want.as_flattened());

            let at = fill::<K, M>(seed + 1);
            matmul_tn(&at, &b, &mut got);
            scalar::matmul_tn(M, K, N, at.as_flattened(), b.as_flattened(), want.as_flattened_mut(), false);
            same(got.as_flattened(), want.as_flattened());

            let bt = fill::<N, K>(seed + 2);
            matmul_nt(&a, &bt, &mut got);
            scalar::matmul_nt(M, K, N, a.as_flattened(), bt.as_flattened(), want.as_flattened_mut(), false);
            same(got.as_flattened(), want.as_flattened());

            let bias = fill::<1, N>(seed + 3)[0];
            add_bias(&bias, &mut got);
            scalar::add_bias(M, N, &bias, want.as_flattened_mut());
            same(got.as_flattened(), want.as_flattened());

            let (mut s, mut t) = ([9.0; N], [9.0; N]);
            sum_rows(&got, &mut s);
            scalar::sum_rows(M, N, want.as_flattened(), &mut t, false);
            same(&s, &t);

            let (dy, y) = (fill::<M, N>(seed + 4), fill::<M, N>(seed + 6));
            sigmoid_backward(&dy, &y, &mut got);
            scalar::sigmoid_backward(dy.as_flattened(), y.as_flattened(), want.as_flattened_mut());
            same(got.as_flattened(), want.as_flattened());
        }
    }

    #[test]
    fn inline_loops_give_the_scalar_tiers_bits() {
        products::<4, 2, 3>();
        products::<4, 3, 2>();
        products::<2, 4, 3>();
        products::<1, 1, 1>();
        products::<3, 5, 4>();
        products::<4, 0, 2>();
        products::<1, 16, 4>();
        products::<8, 2, 4>();
    }
}
