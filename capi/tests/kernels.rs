//! The kernel functions and the small queries, called with every kind of bad argument:
//! each gets its own status, and a refused call leaves every output as it was.

use stacknet_capi::stacknet_status_t::{self, *};
use stacknet_capi::*;
use std::ffi::CStr;
use std::ptr::{null, null_mut};

const SENTINEL: f32 = 1234.5;

fn naive(m: usize, k: usize, n: usize, a: impl Fn(usize, usize) -> f32, b: impl Fn(usize, usize) -> f32) -> Vec<f32> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k).map(|p| a(i, p) * b(p, j)).sum();
        }
    }
    c
}

/// A float pointer one byte past `p`: misaligned for `float`.
fn misalign(p: *const f32) -> *const f32 {
    p.cast::<u8>().wrapping_add(1).cast()
}

type Product = unsafe extern "C" fn(usize, usize, usize, *const f32, *const f32, *mut f32, u32) -> stacknet_status_t;

#[test]
fn products_compute_all_three_layouts() {
    let (m, k, n) = (3, 4, 5);
    let a: Vec<f32> = (0..m * k).map(|i| i as f32 * 0.5 - 2.0).collect();
    let b: Vec<f32> = (0..k * n).map(|i| 1.0 - i as f32 * 0.25).collect();
    let cases: [(Product, Vec<f32>); 3] = [
        (stacknet_matmul, naive(m, k, n, |i, p| a[i * k + p], |p, j| b[p * n + j])),
        // aᵀ·b with a: k×m (the same numbers read as k×m)
        (stacknet_matmul_tn, naive(m, k, n, |i, p| a[p * m + i], |p, j| b[p * n + j])),
        // a·bᵀ with b: n×k
        (stacknet_matmul_nt, naive(m, k, n, |i, p| a[i * k + p], |p, j| b[j * k + p])),
    ];
    for (f, want) in cases {
        let mut c = vec![SENTINEL; m * n];
        assert_eq!(unsafe { f(m, k, n, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), 0) }, STACKNET_OK);
        for (g, w) in c.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "{g} vs {w}");
        }
        // accumulate adds the same product again
        assert_eq!(unsafe { f(m, k, n, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), 1) }, STACKNET_OK);
        for (g, w) in c.iter().zip(&want) {
            assert!((g - 2.0 * w).abs() <= 1e-5 * w.abs().max(1.0), "{g} vs 2·{w}");
        }
    }
}

#[test]
fn products_refuse_every_bad_argument_and_write_nothing() {
    let (m, k, n) = (2, 3, 2);
    let a = [1.0f32; 6];
    let b = [2.0f32; 6];
    let mut words = [0u32; 8]; // a 4-aligned scratch for misaligned and overlapping cases
    for f in [stacknet_matmul as Product, stacknet_matmul_tn, stacknet_matmul_nt] {
        let mut c = [SENTINEL; 4];
        let cp = c.as_mut_ptr();
        let call = |m, k, n, a, b, c, acc| unsafe { f(m, k, n, a, b, c, acc) };
        assert_eq!(call(m, k, n, null(), b.as_ptr(), cp, 0), STACKNET_ERR_NULL);
        assert_eq!(call(m, k, n, a.as_ptr(), null(), cp, 0), STACKNET_ERR_NULL);
        assert_eq!(call(m, k, n, a.as_ptr(), b.as_ptr(), null_mut(), 0), STACKNET_ERR_NULL);
        assert_eq!(call(m, k, n, misalign(a.as_ptr()), b.as_ptr(), cp, 0), STACKNET_ERR_MISALIGNED);
        assert_eq!(call(m, k, n, a.as_ptr(), misalign(b.as_ptr()), cp, 0), STACKNET_ERR_MISALIGNED);
        assert_eq!(call(m, k, n, a.as_ptr(), b.as_ptr(), misalign(cp).cast_mut(), 0), STACKNET_ERR_MISALIGNED);
        // m·k overflows usize; and a byte count past isize::MAX
        assert_eq!(call(usize::MAX, 2, n, a.as_ptr(), b.as_ptr(), cp, 0), STACKNET_ERR_DIMENSIONS);
        assert_eq!(call(usize::MAX / 4, 1, 1, a.as_ptr(), b.as_ptr(), cp, 0), STACKNET_ERR_DIMENSIONS);
        // c overlapping a or b
        let w = words.as_mut_ptr().cast::<f32>();
        assert_eq!(call(m, k, n, w, b.as_ptr(), w.wrapping_add(5), 0), STACKNET_ERR_OVERLAP);
        assert_eq!(call(m, k, n, a.as_ptr(), w, w, 0), STACKNET_ERR_OVERLAP);
        assert_eq!(call(m, k, n, a.as_ptr(), b.as_ptr(), cp, 2), STACKNET_ERR_BAD_ARGUMENT);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut an = a;
            an[5] = bad;
            assert_eq!(call(m, k, n, an.as_ptr(), b.as_ptr(), cp, 0), STACKNET_ERR_NON_FINITE);
            let mut bn = b;
            bn[0] = bad;
            assert_eq!(call(m, k, n, a.as_ptr(), bn.as_ptr(), cp, 0), STACKNET_ERR_NON_FINITE);
        }
        assert_eq!(c, [SENTINEL; 4], "a refused call wrote to c");
        // accumulating into a NaN output is refused too
        c[3] = f32::NAN;
        assert_eq!(call(m, k, n, a.as_ptr(), b.as_ptr(), cp, 1), STACKNET_ERR_NON_FINITE);
        assert_eq!(c[..3], [SENTINEL; 3]);
        // ... but overwriting one is fine
        assert_eq!(call(m, k, n, a.as_ptr(), b.as_ptr(), cp, 0), STACKNET_OK);
        assert_eq!(c, [6.0; 4]);
        // empty products are fine
        assert_eq!(call(0, k, n, a.as_ptr(), b.as_ptr(), cp, 0), STACKNET_OK);
    }
    let _ = &mut words;
}

#[test]
fn sigmoid_and_backward() {
    let mut x = [0.0f32, 2.0, -2.0, 80.0, -200.0];
    assert_eq!(unsafe { stacknet_sigmoid(x.as_mut_ptr(), x.len()) }, STACKNET_OK);
    assert_eq!(x[0], 0.5);
    // Within the loosest tier tolerance (SIMD tiers approximate e^x).
    assert!((x[1] - 0.880_797_1).abs() < 1e-5);
    assert!((x[2] - 0.119_202_92).abs() < 1e-5);
    assert_eq!((x[3], x[4]), (1.0, 0.0));

    let dy = [1.0f32, 2.0, -1.0];
    let y = [0.5f32, 0.25, 0.0];
    let mut dx = [SENTINEL; 3];
    assert_eq!(unsafe { stacknet_sigmoid_backward(dy.as_ptr(), y.as_ptr(), dx.as_mut_ptr(), 3) }, STACKNET_OK);
    assert_eq!(dx, [0.25, 0.375, 0.0]);
}

#[test]
fn sigmoid_refuses_bad_arguments_and_writes_nothing() {
    let mut x = [1.0f32, 2.0, f32::NAN];
    let before = x.map(f32::to_bits);
    let p = x.as_mut_ptr();
    unsafe {
        assert_eq!(stacknet_sigmoid(null_mut(), 3), STACKNET_ERR_NULL);
        assert_eq!(stacknet_sigmoid(misalign(p).cast_mut(), 1), STACKNET_ERR_MISALIGNED);
        assert_eq!(stacknet_sigmoid(p, usize::MAX / 2), STACKNET_ERR_DIMENSIONS);
        assert_eq!(stacknet_sigmoid(p, 3), STACKNET_ERR_NON_FINITE);
    }
    assert_eq!(x.map(f32::to_bits), before);
    x[2] = f32::INFINITY;
    assert_eq!(unsafe { stacknet_sigmoid(x.as_mut_ptr(), 3) }, STACKNET_ERR_NON_FINITE);
    assert_eq!(x[..2], [1.0, 2.0]);
    assert_eq!(unsafe { stacknet_sigmoid(x.as_mut_ptr(), 0) }, STACKNET_OK);
}

#[test]
fn sigmoid_backward_refuses_bad_arguments_and_writes_nothing() {
    let dy = [1.0f32; 4];
    let y = [0.5f32; 4];
    let mut dx = [SENTINEL; 4];
    let mut shared = [0.5f32; 8];
    let (pdy, py, pdx) = (dy.as_ptr(), y.as_ptr(), dx.as_mut_ptr());
    unsafe {
        assert_eq!(stacknet_sigmoid_backward(null(), py, pdx, 4), STACKNET_ERR_NULL);
        assert_eq!(stacknet_sigmoid_backward(pdy, null(), pdx, 4), STACKNET_ERR_NULL);
        assert_eq!(stacknet_sigmoid_backward(pdy, py, null_mut(), 4), STACKNET_ERR_NULL);
        assert_eq!(stacknet_sigmoid_backward(misalign(pdy), py, pdx, 4), STACKNET_ERR_MISALIGNED);
        assert_eq!(stacknet_sigmoid_backward(pdy, misalign(py), pdx, 4), STACKNET_ERR_MISALIGNED);
        assert_eq!(stacknet_sigmoid_backward(pdy, py, misalign(pdx).cast_mut(), 4), STACKNET_ERR_MISALIGNED);
        assert_eq!(stacknet_sigmoid_backward(pdy, py, pdx, usize::MAX / 2), STACKNET_ERR_DIMENSIONS);
        let s = shared.as_mut_ptr();
        assert_eq!(stacknet_sigmoid_backward(s, py, s.wrapping_add(3), 4), STACKNET_ERR_OVERLAP);
        assert_eq!(stacknet_sigmoid_backward(pdy, s, s, 4), STACKNET_ERR_OVERLAP);
        let mut bad = dy;
        bad[1] = f32::NAN;
        assert_eq!(stacknet_sigmoid_backward(bad.as_ptr(), py, pdx, 4), STACKNET_ERR_NON_FINITE);
        assert_eq!(stacknet_sigmoid_backward(pdy, bad.as_ptr(), pdx, 4), STACKNET_ERR_NON_FINITE);
    }
    assert_eq!(dx, [SENTINEL; 4]);
    assert_eq!(shared, [0.5; 8]);
}

#[test]
fn status_names_are_distinct_and_unknown_codes_are_refused() {
    let all = stacknet_status_t::all();
    for (i, s) in all.iter().enumerate() {
        assert_eq!(*s as i32, i as i32, "codes are 0, 1, 2, … in order");
        let mut name: *const core::ffi::c_char = null();
        assert_eq!(unsafe { stacknet_status_str(*s as i32, &mut name) }, STACKNET_OK);
        let name = unsafe { CStr::from_ptr(name) }.to_str().unwrap();
        assert_eq!(name, format!("{s:?}"));
    }
    let mut name: *const core::ffi::c_char = null();
    assert_eq!(unsafe { stacknet_status_str(all.len() as i32, &mut name) }, STACKNET_ERR_BAD_ARGUMENT);
    assert_eq!(unsafe { stacknet_status_str(-1, &mut name) }, STACKNET_ERR_BAD_ARGUMENT);
    assert!(name.is_null(), "a refused call wrote its output");
    assert_eq!(unsafe { stacknet_status_str(0, null_mut()) }, STACKNET_ERR_NULL);
    let mut words = [0usize; 2];
    let odd = words.as_mut_ptr().cast::<u8>().wrapping_add(1).cast::<*const core::ffi::c_char>();
    assert_eq!(unsafe { stacknet_status_str(0, odd) }, STACKNET_ERR_MISALIGNED);
    assert_eq!(words, [0; 2]);
}

#[test]
fn version_and_tier() {
    let (mut a, mut b, mut c) = (9u32, 9u32, 9u32);
    assert_eq!(unsafe { stacknet_version(&mut a, &mut b, &mut c) }, STACKNET_OK);
    assert_eq!(format!("{a}.{b}.{c}"), env!("CARGO_PKG_VERSION"));
    assert_eq!(unsafe { stacknet_version(null_mut(), &mut b, &mut c) }, STACKNET_ERR_NULL);
    assert_eq!(unsafe { stacknet_version(&mut a, null_mut(), &mut c) }, STACKNET_ERR_NULL);
    assert_eq!(unsafe { stacknet_version(&mut a, &mut b, null_mut()) }, STACKNET_ERR_NULL);
    let mut words = [7u32; 2];
    let odd = words.as_mut_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
    assert_eq!(unsafe { stacknet_version(odd, &mut b, &mut c) }, STACKNET_ERR_MISALIGNED);
    assert_eq!(unsafe { stacknet_simd_tier(odd) }, STACKNET_ERR_MISALIGNED);
    assert_eq!(words, [7; 2]);

    let mut tier = 0u32;
    assert_eq!(unsafe { stacknet_simd_tier(&mut tier) }, STACKNET_OK);
    assert_eq!(tier, stacknet::kernels::active() as u32);
    assert_eq!(unsafe { stacknet_simd_tier(null_mut()) }, STACKNET_ERR_NULL);
    let mut name: *const core::ffi::c_char = null();
    assert_eq!(unsafe { stacknet_simd_tier_name(&mut name) }, STACKNET_OK);
    assert_eq!(unsafe { CStr::from_ptr(name) }.to_str().unwrap(), stacknet::kernels::active().name());
    assert_eq!(unsafe { stacknet_simd_tier_name(null_mut()) }, STACKNET_ERR_NULL);
}

#[test]
fn hyper_default() {
    let mut h = std::mem::MaybeUninit::<stacknet_hyper_t>::uninit();
    assert_eq!(unsafe { stacknet_hyper_default(h.as_mut_ptr()) }, STACKNET_OK);
    let h = unsafe { h.assume_init() };
    assert_eq!((h.learning_rate, h.schedule, h.clip, h.momentum, h.ridge), (1.0, 0, 0, 0.0, 0.0));
    assert_eq!(h.optimizer, STACKNET_OPTIMIZER_SGD);
    assert_eq!((h.beta1, h.beta2, h.eps, h.weight_decay), (0.9, 0.999, 1e-8, 0.01));
    assert_eq!(unsafe { stacknet_hyper_default(null_mut()) }, STACKNET_ERR_NULL);
    let mut words = [0u32; 16];
    let odd = words.as_mut_ptr().cast::<u8>().wrapping_add(2).cast::<stacknet_hyper_t>();
    assert_eq!(unsafe { stacknet_hyper_default(odd) }, STACKNET_ERR_MISALIGNED);
    assert_eq!(words, [0; 16]);
    // The header's size and alignment constants are the struct's.
    assert_eq!(
        (size_of::<stacknet_hyper_t>(), align_of::<stacknet_hyper_t>()),
        (STACKNET_HYPER_SIZE, STACKNET_HYPER_ALIGN)
    );
}

/// Regression (fuzz target `capi`, seed `regress-matmul-empty-huge-m`): an `m×0` product with
/// `m` near `usize::MAX` has an empty output and is valid, but the row loop walked all `m`
/// rows of nothing and never returned. Now every layout answers at once, and an empty
/// product with `k > 0` does not read `a` either.
#[test]
fn empty_products_with_huge_dimensions_return_at_once() {
    let (a, b) = ([0.0f32; 0], [0.0f32; 0]);
    let mut c = [0.0f32; 0];
    for f in [stacknet_matmul as Product, stacknet_matmul_tn, stacknet_matmul_nt] {
        for (m, k, n) in [(usize::MAX, 0, 0), (usize::MAX - 7, 0, 0), (0, 0, usize::MAX), (0, 0, 0)] {
            // SAFETY: every operand's claimed length (m·k, k·n, m·n) is 0.
            let s = unsafe { f(m, k, n, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), 0) };
            assert_eq!(s, STACKNET_OK, "{m}x{k}x{n}");
        }
    }
}
