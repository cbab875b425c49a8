//! The lane abstraction the generic kernels are written against.
//!
//! A value of a type implementing [`Simd`] is a zero-sized *token*: it can only be built
//! (with an `unsafe` constructor) where the tier's CPU features are known to be present,
//! so holding one is the proof that its arithmetic methods may run, and they are safe
//! (the pulp pattern). Memory access stays `unsafe` and takes raw pointers, because the
//! matrix kernels address tiles by offset and check their bounds once, outside the loops.

/// One tier's vector of `f32` lanes and its operations.
pub(crate) trait Simd: Copy {
    /// Lanes per vector (at most 16).
    const LANES: usize;
    /// Whether [`Simd::mul_add`] is fused (one rounding). Tiers without FMA keep the
    /// scalar tier's summation order in `matmul`/`matmul_tn` and are promised
    /// bit-identical to it there, so kernels that add the terms in another order (the
    /// dot-product forward path of `narrow.rs`) run only where this is `true`.
    const FMA: bool = false;
    /// The vector register type.
    type V: Copy;

    /// Every lane `x`.
    fn splat(self, x: f32) -> Self::V;
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a − b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a / b`, correctly rounded.
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// `√a`, correctly rounded (NaN for `a < 0`).
    fn sqrt(self, a: Self::V) -> Self::V;
    /// `a·b + c`: one rounding on tiers with FMA, two (product, then sum) without.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// Lane-wise maximum. A NaN in `b` gives NaN (x86's `maxps` returns its second operand
    /// when either is NaN, NEON's `fmax` returns NaN); a NaN in `a` alone is unspecified.
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// `−|a|` (sets the sign bit).
    fn neg_abs(self, a: Self::V) -> Self::V;
    /// Per lane: `if x >= 0 { a } else { b }` (−0 counts as ≥ 0; NaN picks `b`).
    fn select_nonneg(self, x: Self::V, a: Self::V, b: Self::V) -> Self::V;
    /// `2ⁿ` for integer-valued lanes `n ∈ [−126, 127]` (built from exponent bits).
    fn pow2i(self, n: Self::V) -> Self::V;
    /// Sum of the lanes.
    fn hsum(self, v: Self::V) -> f32;
    /// The lane sums of eight vectors (each in some order of its lanes). Default: eight
    /// [`Simd::hsum`]s; x86 tiers override it with one transposing reduction, several times
    /// fewer shuffles (the dot-product tiles of `nt.rs` end in eight sums).
    #[inline(always)]
    fn hsum8(self, v: [Self::V; 8]) -> [f32; 8] {
        let mut out = [0.0; 8];
        for (o, &x) in out.iter_mut().zip(&v) {
            *o = self.hsum(x);
        }
        out
    }

    /// `p · 2ⁿ` for normal `p` and integer-valued `n ∈ [−150, 0]`, rounded once, so that
    /// results in the subnormal range are correctly rounded too. Default: two exact
    /// power-of-two factors (`n = n₁ + n₂`, each within the normal range).
    #[inline(always)]
    fn ldexp(self, p: Self::V, n: Self::V) -> Self::V {
        let magic = self.splat(MAGIC);
        let n1 = self.sub(self.add(self.mul(n, self.splat(0.5)), magic), magic);
        let n2 = self.sub(n, n1);
        self.mul(self.mul(p, self.pow2i(n1)), self.pow2i(n2))
    }

    /// Loads `LANES` values from `p`.
    ///
    /// # Safety
    /// `p..p+LANES` is readable.
    unsafe fn load(self, p: *const f32) -> Self::V;
    /// Stores `LANES` values to `p`.
    ///
    /// # Safety
    /// `p..p+LANES` is writable.
    unsafe fn store(self, p: *mut f32, v: Self::V);

    /// Loads `len < LANES` values from `p`, the other lanes zero, touching no memory past
    /// them (masked loads on AVX, single- and two-lane loads on SSE2 and NEON).
    ///
    /// # Safety
    /// `p..p+len` is readable.
    unsafe fn load_part(self, p: *const f32, len: usize) -> Self::V;

    /// Stores the first `len < LANES` lanes of `v` to `p`, touching no memory past them.
    ///
    /// # Safety
    /// `p..p+len` is writable.
    unsafe fn store_part(self, p: *mut f32, len: usize, v: Self::V);
}

/// `1.5·2²³`: adding and subtracting it rounds an `f32` of magnitude < 2²² to an integer
/// (round to nearest even), and the sum's low mantissa bits hold that integer.
pub(crate) const MAGIC: f32 = 12_582_912.0;
