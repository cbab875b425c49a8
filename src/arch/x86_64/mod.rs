//! x86_64 tiers, one file each: SSE2 (4 lanes, no FMA: bit-identical to scalar where the
//! order allows), AVX2+FMA (8 lanes, masked loads), AVX-512F (16 lanes, mask registers,
//! `vscalefps`). Each exports the same kernel functions as `arch::scalar`, as `unsafe fn`s
//! whose only extra obligation is "this CPU has the tier's features".

pub(crate) mod avx2_fma;
pub(crate) mod avx512;
pub(crate) mod sse2;
