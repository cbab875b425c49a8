//! x86_64 tiers, one file each: SSE2 (4 lanes, no FMA: bit-identical to scalar where the
//! order allows), AVX2+FMA (8 lanes, masked loads), AVX-512F (16 lanes, mask registers,
//! `vscalefps`). Each exports the same kernel functions as `arch::scalar`, as `unsafe fn`s
//! whose only extra obligation is "this CPU has the tier's features".

pub(crate) mod avx2_fma;
pub(crate) mod avx512;
pub(crate) mod sse2;

use core::arch::x86_64::{__m128, _mm_castps_si128, _mm_movehl_ps, _mm_store_ss, _mm_storel_epi64};

/// Stores the first `len < 4` lanes of `q` to `p` (`movss`, `movq`, or both), touching
/// nothing past them: the ragged end of a vector on SSE2 and AVX2+FMA (whose masked stores
/// are slow on AMD cores). SSE2 only, part of every x86_64 CPU.
///
/// # Safety
/// `p..p+len` is writable.
#[inline(always)]
unsafe fn store_low(p: *mut f32, len: usize, q: __m128) {
    // SAFETY: 4, 8 or 12 bytes at `p` for `len` = 1, 2, 3: exactly the first `len` floats
    // (caller).
    unsafe {
        match len {
            1 => _mm_store_ss(p, q),
            2 => _mm_storel_epi64(p.cast(), _mm_castps_si128(q)),
            3 => {
                _mm_storel_epi64(p.cast(), _mm_castps_si128(q));
                _mm_store_ss(p.add(2), _mm_movehl_ps(q, q));
            }
            _ => {}
        }
    }
}
