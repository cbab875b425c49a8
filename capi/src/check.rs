//! The boundary checks: every pointer C hands over goes through here before Rust makes a
//! reference of it. A check never reads or writes the memory it checks (except the state
//! magic, read only after the state pointer passed its own checks).

use crate::status::{Check, stacknet_status_t::*};

/// A byte range `[addr, addr + len)` of a caller buffer, for overlap checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub addr: usize,
    pub len: usize,
}

impl Span {
    /// Whether two ranges share a byte (empty ranges share none).
    pub fn overlaps(self, other: Span) -> bool {
        self.len != 0 && other.len != 0 && self.addr < other.addr + other.len && other.addr < self.addr + self.len
    }
}

/// `a · b` elements, or `STACKNET_ERR_DIMENSIONS` if the product overflows.
#[inline]
pub(crate) fn count(a: usize, b: usize) -> Check<usize> {
    a.checked_mul(b).ok_or(STACKNET_ERR_DIMENSIONS)
}

/// Null check only.
#[inline]
pub(crate) fn non_null<T>(p: *const T) -> Check {
    if p.is_null() { Err(STACKNET_ERR_NULL) } else { Ok(()) }
}

/// Alignment check for a non-null pointer to `T`.
#[inline]
pub(crate) fn aligned<T>(p: *const T, align: usize) -> Check {
    if (p as usize).is_multiple_of(align) { Ok(()) } else { Err(STACKNET_ERR_MISALIGNED) }
}

/// The byte span of `n` values of `T` at `p` (already null- and alignment-checked), or
/// `STACKNET_ERR_DIMENSIONS` if it overflows the address space or `isize::MAX` (the most a
/// Rust slice may cover).
#[inline]
pub(crate) fn span<T>(p: *const T, n: usize) -> Check<Span> {
    let len = n.checked_mul(size_of::<T>()).ok_or(STACKNET_ERR_DIMENSIONS)?;
    let addr = p as usize;
    if len > isize::MAX as usize || addr.checked_add(len).is_none() {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    Ok(Span { addr, len })
}

/// `STACKNET_ERR_OVERLAP` if any written span overlaps any other span.
#[inline]
pub(crate) fn disjoint(written: &[Span], read: &[Span]) -> Check {
    for (i, w) in written.iter().enumerate() {
        if written[i + 1..].iter().chain(read).any(|o| w.overlaps(*o)) {
            return Err(STACKNET_ERR_OVERLAP);
        }
    }
    Ok(())
}

/// A required out-pointer to one `T`: non-null and aligned.
#[inline]
pub(crate) fn out_ptr<T>(p: *mut T) -> Check<*mut T> {
    non_null(p)?;
    aligned(p, align_of::<T>())?;
    Ok(p)
}

/// An optional out-pointer: `None` when null, else aligned-checked.
#[inline]
pub(crate) fn opt_out_ptr<T>(p: *mut T) -> Check<Option<*mut T>> {
    if p.is_null() {
        return Ok(None);
    }
    aligned(p, align_of::<T>())?;
    Ok(Some(p))
}

/// The span of an optional out-pointer (empty when null).
#[inline]
pub(crate) fn opt_span<T>(p: Option<*mut T>) -> Span {
    match p {
        Some(p) => Span { addr: p as usize, len: size_of::<T>() },
        None => Span { addr: 0, len: 0 },
    }
}

/// `STACKNET_ERR_NON_FINITE` if `v` holds NaN or ±∞.
#[inline]
pub(crate) fn finite(v: &[f32]) -> Check {
    if v.iter().all(|x| x.is_finite()) { Ok(()) } else { Err(STACKNET_ERR_NON_FINITE) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_overlap_only_when_they_share_a_byte() {
        let s = |addr, len| Span { addr, len };
        assert!(s(0, 4).overlaps(s(3, 1)));
        assert!(!s(0, 4).overlaps(s(4, 4)));
        assert!(!s(4, 4).overlaps(s(0, 4)));
        assert!(!s(0, 0).overlaps(s(0, 4)));
        assert_eq!(disjoint(&[s(0, 8)], &[s(8, 8), s(16, 1)]), Ok(()));
        assert_eq!(disjoint(&[s(0, 8), s(4, 8)], &[]), Err(STACKNET_ERR_OVERLAP));
    }

    #[test]
    fn span_rejects_overflow() {
        assert_eq!(span(8 as *const f32, usize::MAX / 2), Err(STACKNET_ERR_DIMENSIONS));
        assert_eq!(span(usize::MAX as *const u8 as *const f32, 1), Err(STACKNET_ERR_DIMENSIONS));
        assert_eq!(span(8 as *const f32, 3), Ok(Span { addr: 8, len: 12 }));
    }
}
