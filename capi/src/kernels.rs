//! The kernels on caller buffers: the three matrix products, sigmoid and its backward pass.
//! Row-major `float` arrays with explicit dimensions; every pointer is checked, inputs must
//! be finite, and outputs must not overlap inputs (Rust forbids such aliasing, and a C
//! caller gets a status instead of undefined behaviour).

use crate::check::{aligned, count, disjoint, finite, non_null, span};
use crate::status::{Check, stacknet_status_t, stacknet_status_t::*, status};
use stacknet::kernels::{self, Mode};

/// `acc` as a [`Mode`]: 0 overwrites, 1 accumulates, anything else is refused.
fn mode(acc: u32) -> Check<Mode> {
    match acc {
        0 => Ok(Mode::Overwrite),
        1 => Ok(Mode::Accumulate),
        _ => Err(STACKNET_ERR_BAD_ARGUMENT),
    }
}

#[derive(Clone, Copy)]
enum Layout {
    Nn,
    Tn,
    Nt,
}

/// The common body of the three products. In every layout `a` holds `m·k` floats, `b`
/// holds `k·n` and `c` holds `m·n`; only their arrangement differs.
///
/// # Safety
/// Each non-null pointer is valid for the element count its dimensions give (reads for
/// `a` and `b`, reads and writes for `c`).
#[allow(clippy::too_many_arguments)] // the C signature plus the layout
unsafe fn product(
    layout: Layout,
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    accumulate: u32,
) -> Check {
    non_null(a)?;
    non_null(b)?;
    non_null(c)?;
    for p in [a, b, c.cast_const()] {
        aligned(p, align_of::<f32>())?;
    }
    let (na, nb, nc) = (count(m, k)?, count(k, n)?, count(m, n)?);
    let (sa, sb, sc) = (span(a, na)?, span(b, nb)?, span(c, nc)?);
    disjoint(&[sc], &[sa, sb])?;
    let mode = mode(accumulate)?;
    // SAFETY: non-null, aligned, within isize::MAX bytes (checked above); the caller
    // guarantees the memory is valid for these counts; `c` overlaps neither `a` nor `b`.
    let (a, b, c) = unsafe {
        (core::slice::from_raw_parts(a, na), core::slice::from_raw_parts(b, nb), core::slice::from_raw_parts_mut(c, nc))
    };
    finite(a)?;
    finite(b)?;
    if mode == Mode::Accumulate {
        finite(c)?;
    }
    let r = match layout {
        Layout::Nn => kernels::Kernels::active().matmul(m, k, n, a, b, c, mode),
        Layout::Tn => kernels::Kernels::active().matmul_tn(m, k, n, a, b, c, mode),
        Layout::Nt => kernels::Kernels::active().matmul_nt(m, k, n, a, b, c, mode),
    };
    // The lengths were derived from the dimensions, so the kernel cannot refuse them.
    r.map_err(|_| STACKNET_ERR_DIMENSIONS)
}

/// `c = a·b` (`accumulate` = 0) or `c += a·b` (`accumulate` = 1), with `a` m×k, `b` k×n and
/// `c` m×n, all row-major: the forward product `X·W`.
///
/// # Safety
/// `a`, `b` are null or valid for reading m·k and k·n floats; `c` is null or valid for
/// reading and writing m·n floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_matmul(
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    accumulate: u32,
) -> stacknet_status_t {
    // SAFETY: forwarded from this function's contract.
    status(unsafe { product(Layout::Nn, m, k, n, a, b, c, accumulate) })
}

/// `c (=|+=) aᵀ·b` with `a` k×m, `b` k×n, `c` m×n: the weight gradient `Xᵀ·G`.
///
/// # Safety
/// As [`stacknet_matmul`] (`a` holds k·m floats).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_matmul_tn(
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    accumulate: u32,
) -> stacknet_status_t {
    // SAFETY: forwarded from this function's contract.
    status(unsafe { product(Layout::Tn, m, k, n, a, b, c, accumulate) })
}

/// `c (=|+=) a·bᵀ` with `a` m×k, `b` n×k, `c` m×n: the input gradient `G·Wᵀ`.
///
/// # Safety
/// As [`stacknet_matmul`] (`b` holds n·k floats).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_matmul_nt(
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    accumulate: u32,
) -> stacknet_status_t {
    // SAFETY: forwarded from this function's contract.
    status(unsafe { product(Layout::Nt, m, k, n, a, b, c, accumulate) })
}

/// In place `x[i] ← 1/(1+e^(−x[i]))` for `n` floats.
///
/// # Safety
/// `x` is null or valid for reading and writing `n` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_sigmoid(x: *mut f32, n: usize) -> stacknet_status_t {
    status((|| {
        non_null(x)?;
        aligned(x, align_of::<f32>())?;
        span(x, n)?;
        // SAFETY: checked non-null, aligned and in range; valid per the contract.
        let x = unsafe { core::slice::from_raw_parts_mut(x, n) };
        finite(x)?;
        kernels::Kernels::active().sigmoid(x);
        Ok(())
    })())
}

/// `dx[i] = dy[i]·y[i]·(1 − y[i])` for `n` floats: the sigmoid's backward pass from its
/// output `y`. `dx` must not overlap `dy` or `y`.
///
/// # Safety
/// `dy`, `y` are null or valid for reading `n` floats; `dx` is null or valid for writing `n`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn stacknet_sigmoid_backward(
    dy: *const f32,
    y: *const f32,
    dx: *mut f32,
    n: usize,
) -> stacknet_status_t {
    status((|| {
        non_null(dy)?;
        non_null(y)?;
        non_null(dx)?;
        for p in [dy, y, dx.cast_const()] {
            aligned(p, align_of::<f32>())?;
        }
        let (sdy, sy, sdx) = (span(dy, n)?, span(y, n)?, span(dx, n)?);
        disjoint(&[sdx], &[sdy, sy])?;
        // SAFETY: checked non-null, aligned, in range and `dx` disjoint from the inputs.
        let (dy, y, dx) = unsafe {
            (
                core::slice::from_raw_parts(dy, n),
                core::slice::from_raw_parts(y, n),
                core::slice::from_raw_parts_mut(dx, n),
            )
        };
        finite(dy)?;
        finite(y)?;
        kernels::Kernels::active().sigmoid_backward(dy, y, dx).map_err(|_| STACKNET_ERR_DIMENSIONS)
    })())
}
