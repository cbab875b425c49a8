//! x86_64 bodies of the int8 dot products: SSE2 (`pmaddwd` on bytes sign-extended by
//! unpack + arithmetic shift), AVX2 (`vpmovsxbw` + `vpmaddwd`), AVX-512BW (the same on 32
//! bytes, masked loads for the ragged end) and AVX-512 VNNI (`vpdpbusd`). The AVX-512 tier's
//! token only proves AVX-512F (+AVX2, FMA); BW+VL and VNNI are asked of the CPU once here
//! ([`avx512_path`]), and without them the tier runs the AVX2 body.

use core::arch::x86_64::*;
use core::sync::atomic::{AtomicU8, Ordering};

use super::{dot_scalar, Int8Kernels};
use crate::arch::x86_64::{avx2_fma::Avx2Fma, avx512::Avx512, sse2::Sse2};

/// Which body the AVX-512 tier runs for int8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Avx512Path {
    /// `vpdpbusd` (AVX-512 VNNI, with BW and VL for the masked byte loads).
    Vnni,
    /// `vpmovsxbw` + `vpmaddwd` on 32 bytes (AVX-512BW + VL).
    Bw,
    /// Neither: the AVX2 body.
    Avx2,
}

cpufeatures::new!(has_bw_vl, "avx512bw", "avx512vl");

/// 0 = not asked yet, else `1 + Avx512Path as u8`.
static PATH: AtomicU8 = AtomicU8::new(0);

/// AVX-512 VNNI: CPUID leaf 7, sub-leaf 0, ECX bit 11 (`cpufeatures` 0.2 does not list it).
/// Only asked once BW+VL are known present, which implies the OS saves the zmm registers.
fn has_vnni() -> bool {
    // Leaf 7 exists where AVX-512 does (the caller checked BW+VL, read from the same leaf).
    let r = __cpuid_count(7, 0);
    r.ecx & (1 << 11) != 0
}

/// The int8 body of the AVX-512 tier on this CPU (asked once, then cached).
pub(crate) fn avx512_path() -> Avx512Path {
    match PATH.load(Ordering::Relaxed) {
        1 => Avx512Path::Vnni,
        2 => Avx512Path::Bw,
        3 => Avx512Path::Avx2,
        _ => {
            let p = if has_bw_vl::get() {
                if has_vnni() {
                    Avx512Path::Vnni
                } else {
                    Avx512Path::Bw
                }
            } else {
                Avx512Path::Avx2
            };
            PATH.store(1 + p as u8, Ordering::Relaxed);
            p
        }
    }
}

/// Sum of the four lanes.
#[inline(always)]
fn hsum128(v: __m128i) -> i32 {
    // SAFETY: SSE2 only, part of every x86_64 CPU; register operations.
    unsafe {
        let s = _mm_add_epi32(v, _mm_shuffle_epi32::<0b01_00_11_10>(v));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        _mm_cvtsi128_si32(s)
    }
}

/// # Safety
/// SSE2; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "sse2")]
unsafe fn dot_rows_sse2(x: &[i8], w: &[i8], acc: &mut [i32]) {
    let n = x.len();
    let full = n / 16 * 16;
    for (j, a) in acc.iter_mut().enumerate() {
        let row = j * n;
        let mut v = _mm_setzero_si128();
        let mut i = 0;
        while i < full {
            // SAFETY: `i + 16 ≤ n`, so 16 bytes at `x[i]` and at `w[row + i]` are in bounds
            // (`w` holds `acc.len()` rows of `n`).
            let (p, q) =
                unsafe { (_mm_loadu_si128(x.as_ptr().add(i).cast()), _mm_loadu_si128(w.as_ptr().add(row + i).cast())) };
            // Each byte into the high half of a 16-bit lane, then shifted down with its sign.
            let plo = _mm_srai_epi16::<8>(_mm_unpacklo_epi8(p, p));
            let phi = _mm_srai_epi16::<8>(_mm_unpackhi_epi8(p, p));
            let qlo = _mm_srai_epi16::<8>(_mm_unpacklo_epi8(q, q));
            let qhi = _mm_srai_epi16::<8>(_mm_unpackhi_epi8(q, q));
            v = _mm_add_epi32(v, _mm_madd_epi16(plo, qlo));
            v = _mm_add_epi32(v, _mm_madd_epi16(phi, qhi));
            i += 16;
        }
        let tail = dot_scalar(x.get(full..).unwrap_or(&[]), w.get(row + full..row + n).unwrap_or(&[]));
        *a = hsum128(v).wrapping_add(tail);
    }
}

/// # Safety
/// AVX2; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "avx2")]
unsafe fn dot_rows_avx2(x: &[i8], w: &[i8], acc: &mut [i32]) {
    let n = x.len();
    let full = n / 16 * 16;
    for (j, a) in acc.iter_mut().enumerate() {
        let row = j * n;
        let mut v = _mm256_setzero_si256();
        let mut i = 0;
        while i < full {
            // SAFETY: `i + 16 ≤ n`: 16 bytes at `x[i]` and `w[row + i]` are in bounds.
            let (p, q) =
                unsafe { (_mm_loadu_si128(x.as_ptr().add(i).cast()), _mm_loadu_si128(w.as_ptr().add(row + i).cast())) };
            v = _mm256_add_epi32(v, _mm256_madd_epi16(_mm256_cvtepi8_epi16(p), _mm256_cvtepi8_epi16(q)));
            i += 16;
        }
        let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let tail = dot_scalar(x.get(full..).unwrap_or(&[]), w.get(row + full..row + n).unwrap_or(&[]));
        *a = hsum128(s).wrapping_add(tail);
    }
}

/// Mask of the first `len < 32` byte lanes.
#[inline(always)]
fn mask32(len: usize) -> __mmask32 {
    ((1u64 << len) - 1) as __mmask32
}

/// Mask of the first `len < 64` byte lanes.
#[inline(always)]
fn mask64(len: usize) -> __mmask64 {
    (1u64 << len) - 1
}

/// # Safety
/// AVX-512F, BW and VL; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn dot_rows_avx512bw(x: &[i8], w: &[i8], acc: &mut [i32]) {
    let n = x.len();
    let full = n / 32 * 32;
    for (j, a) in acc.iter_mut().enumerate() {
        let row = j * n;
        let (xp, wp) = (x.as_ptr(), w.as_ptr().wrapping_add(row));
        let mut v = _mm512_setzero_si512();
        let mut i = 0;
        while i < full {
            // SAFETY: `i + 32 ≤ n`: 32 bytes at `x[i]` and `w[row + i]` are in bounds.
            let (p, q) = unsafe { (_mm256_loadu_si256(xp.add(i).cast()), _mm256_loadu_si256(wp.add(i).cast())) };
            v = _mm512_add_epi32(v, _mm512_madd_epi16(_mm512_cvtepi8_epi16(p), _mm512_cvtepi8_epi16(q)));
            i += 32;
        }
        if full < n {
            let m = mask32(n - full);
            // SAFETY: masked loads read only the `n − full` bytes left in `x` and in the row
            // (masked-out lanes are neither read nor faulted on) and zero the others.
            let (p, q) = unsafe {
                (_mm256_maskz_loadu_epi8(m, xp.add(full).cast()), _mm256_maskz_loadu_epi8(m, wp.add(full).cast()))
            };
            v = _mm512_add_epi32(v, _mm512_madd_epi16(_mm512_cvtepi8_epi16(p), _mm512_cvtepi8_epi16(q)));
        }
        *a = _mm512_reduce_add_epi32(v);
    }
}

/// `vpdpbusd` multiplies unsigned bytes by signed ones, so `x` enters as `x + 128` (its sign
/// bit flipped) and `128·Σw` (from a second `vpdpbusd` against ones) is taken off again.
///
/// # Safety
/// AVX-512F, BW, VL and VNNI; `w.len() == x.len() · acc.len()`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn dot_rows_vnni(x: &[i8], w: &[i8], acc: &mut [i32]) {
    let n = x.len();
    let full = n / 64 * 64;
    let flip = _mm512_set1_epi8(-128);
    let ones = _mm512_set1_epi8(1);
    for (j, a) in acc.iter_mut().enumerate() {
        let row = j * n;
        let (xp, wp) = (x.as_ptr(), w.as_ptr().wrapping_add(row));
        let mut v = _mm512_setzero_si512();
        let mut sw = _mm512_setzero_si512();
        let mut i = 0;
        while i < full {
            // SAFETY: `i + 64 ≤ n`: 64 bytes at `x[i]` and `w[row + i]` are in bounds.
            let (p, q) = unsafe { (_mm512_loadu_si512(xp.add(i).cast()), _mm512_loadu_si512(wp.add(i).cast())) };
            v = _mm512_dpbusd_epi32(v, _mm512_xor_si512(p, flip), q);
            sw = _mm512_dpbusd_epi32(sw, ones, q);
            i += 64;
        }
        if full < n {
            let m = mask64(n - full);
            // SAFETY: masked loads read only the `n − full` bytes left (see the BW body);
            // a zeroed lane of `w` adds nothing to either sum.
            let (p, q) = unsafe {
                (_mm512_maskz_loadu_epi8(m, xp.add(full).cast()), _mm512_maskz_loadu_epi8(m, wp.add(full).cast()))
            };
            v = _mm512_dpbusd_epi32(v, _mm512_xor_si512(p, flip), q);
            sw = _mm512_dpbusd_epi32(sw, ones, q);
        }
        let sum = _mm512_sub_epi32(v, _mm512_slli_epi32::<7>(sw));
        *a = _mm512_reduce_add_epi32(sum);
    }
}

impl Int8Kernels for Sse2 {
    #[inline(never)]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: the token proves SSE2; lengths are the caller's obligation.
        unsafe { dot_rows_sse2(x, w, acc) }
    }
}

impl Int8Kernels for Avx2Fma {
    #[inline(never)]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: the token proves AVX2; lengths are the caller's obligation.
        unsafe { dot_rows_avx2(x, w, acc) }
    }
}

impl Avx512 {
    /// The int8 rows on a chosen AVX-512 path (tests run each path the CPU has).
    ///
    /// # Safety
    /// [`Int8Kernels::dot_rows`]'s, and the CPU has `path`'s features (any path the
    /// [`avx512_path`] of this CPU implies: VNNI ⊃ BW ⊃ AVX2).
    #[inline(never)]
    pub(crate) unsafe fn dot_rows_path(self, path: Avx512Path, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: the features of `path` are present (caller); the token proves AVX2.
        unsafe {
            match path {
                Avx512Path::Vnni => dot_rows_vnni(x, w, acc),
                Avx512Path::Bw => dot_rows_avx512bw(x, w, acc),
                Avx512Path::Avx2 => dot_rows_avx2(x, w, acc),
            }
        }
    }
}

impl Int8Kernels for Avx512 {
    #[inline(never)]
    unsafe fn dot_rows(self, x: &[i8], w: &[i8], acc: &mut [i32]) {
        // SAFETY: `avx512_path` asked the CPU for the path's features; lengths: the caller.
        unsafe { self.dot_rows_path(avx512_path(), x, w, acc) }
    }
}
