//! The status every function returns, and its names. This module depends on nothing else
//! in the crate: the boundary checks (`check`) and every function build on it.

/// What a call did. `STACKNET_OK` is 0; every other value names one kind of refusal, and a
/// refused call has changed nothing (no output written, the state bit-for-bit as before),
/// except `STACKNET_ERR_DIVERGED`: the weights, optimizer and hyperparameters are as before,
/// but the scratch workspace inside the state holds the aborted step's intermediates.
///
/// Checks run in this order, so a call with several faults reports the first:
/// null pointers → alignment → dimensions and buffer sizes → overlapping buffers →
/// state magic and model → state integrity (CRC-32) → argument
/// values (NaN/∞ data, hyperparameters, flags).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum stacknet_status_t {
    /// Success.
    STACKNET_OK = 0,
    /// A required pointer is null.
    STACKNET_ERR_NULL = 1,
    /// A pointer is not aligned for its type (4 bytes for `float`,
    /// `STACKNET_STATE_ALIGN` for a model state).
    STACKNET_ERR_MISALIGNED = 2,
    /// Dimensions that do not fit: a row count other than the model's batch (training),
    /// zero rows, or sizes whose byte count overflows.
    STACKNET_ERR_DIMENSIONS = 3,
    /// A caller buffer is smaller than needed (a model state, or a save buffer).
    STACKNET_ERR_BUFFER_TOO_SMALL = 4,
    /// Two buffers overlap where they must not (an output and an input, or data and the state).
    STACKNET_ERR_OVERLAP = 5,
    /// The state was never initialised (its magic is missing), or holds an optimizer code
    /// that no call of this library wrote.
    STACKNET_ERR_NOT_INITIALIZED = 6,
    /// The state was initialised for another model shape.
    STACKNET_ERR_WRONG_MODEL = 7,
    /// Input data (or targets) hold NaN or ±∞.
    STACKNET_ERR_NON_FINITE = 8,
    /// A hyperparameter is out of range (learning rate, schedule, ridge, clipping, momentum,
    /// optimizer kind, Adam's β₁, β₂, ε, AdamW's weight decay).
    STACKNET_ERR_HYPERPARAMETER = 9,
    /// An argument that is not a hyperparameter is out of range (a flag or a code).
    STACKNET_ERR_BAD_ARGUMENT = 10,
    /// The training step would make the loss, a gradient or a weight non-finite; the model
    /// and optimizer were left as they were. Lower the learning rate or enable clipping.
    STACKNET_ERR_DIVERGED = 11,
    /// A saved blob is not a stacknet blob, is truncated, fails its CRC-32, or holds NaN/∞.
    STACKNET_ERR_BLOB_CORRUPT = 12,
    /// A saved blob has a format version this build does not read.
    STACKNET_ERR_BLOB_VERSION = 13,
    /// A saved blob holds another model shape (or another optimizer kind).
    STACKNET_ERR_BLOB_MODEL = 14,
    /// The kernel tier asked for is not available on this CPU or in this build.
    STACKNET_ERR_UNAVAILABLE = 15,
    /// The state's bytes changed outside this library since its last call: its CRC-32 does
    /// not match (or, with a matching CRC, its optimizer kind or ridge coefficient is out of
    /// range). Nothing was read from it beyond the check; initialise it again (and load a
    /// saved blob).
    STACKNET_ERR_STATE_CORRUPT = 16,
}

use stacknet_status_t::*;

/// Every status, in code order.
const ALL: [stacknet_status_t; 17] = [
    STACKNET_OK,
    STACKNET_ERR_NULL,
    STACKNET_ERR_MISALIGNED,
    STACKNET_ERR_DIMENSIONS,
    STACKNET_ERR_BUFFER_TOO_SMALL,
    STACKNET_ERR_OVERLAP,
    STACKNET_ERR_NOT_INITIALIZED,
    STACKNET_ERR_WRONG_MODEL,
    STACKNET_ERR_NON_FINITE,
    STACKNET_ERR_HYPERPARAMETER,
    STACKNET_ERR_BAD_ARGUMENT,
    STACKNET_ERR_DIVERGED,
    STACKNET_ERR_BLOB_CORRUPT,
    STACKNET_ERR_BLOB_VERSION,
    STACKNET_ERR_BLOB_MODEL,
    STACKNET_ERR_UNAVAILABLE,
    STACKNET_ERR_STATE_CORRUPT,
];

impl stacknet_status_t {
    /// Every status, in code order.
    pub fn all() -> [stacknet_status_t; 17] {
        ALL
    }

    /// The status's name, as a NUL-terminated C string (`"STACKNET_ERR_NULL"`).
    pub const fn name(self) -> &'static core::ffi::CStr {
        match self {
            STACKNET_OK => c"STACKNET_OK",
            STACKNET_ERR_NULL => c"STACKNET_ERR_NULL",
            STACKNET_ERR_MISALIGNED => c"STACKNET_ERR_MISALIGNED",
            STACKNET_ERR_DIMENSIONS => c"STACKNET_ERR_DIMENSIONS",
            STACKNET_ERR_BUFFER_TOO_SMALL => c"STACKNET_ERR_BUFFER_TOO_SMALL",
            STACKNET_ERR_OVERLAP => c"STACKNET_ERR_OVERLAP",
            STACKNET_ERR_NOT_INITIALIZED => c"STACKNET_ERR_NOT_INITIALIZED",
            STACKNET_ERR_WRONG_MODEL => c"STACKNET_ERR_WRONG_MODEL",
            STACKNET_ERR_NON_FINITE => c"STACKNET_ERR_NON_FINITE",
            STACKNET_ERR_HYPERPARAMETER => c"STACKNET_ERR_HYPERPARAMETER",
            STACKNET_ERR_BAD_ARGUMENT => c"STACKNET_ERR_BAD_ARGUMENT",
            STACKNET_ERR_DIVERGED => c"STACKNET_ERR_DIVERGED",
            STACKNET_ERR_BLOB_CORRUPT => c"STACKNET_ERR_BLOB_CORRUPT",
            STACKNET_ERR_BLOB_VERSION => c"STACKNET_ERR_BLOB_VERSION",
            STACKNET_ERR_BLOB_MODEL => c"STACKNET_ERR_BLOB_MODEL",
            STACKNET_ERR_UNAVAILABLE => c"STACKNET_ERR_UNAVAILABLE",
            STACKNET_ERR_STATE_CORRUPT => c"STACKNET_ERR_STATE_CORRUPT",
        }
    }
}

/// `Ok(())` or the refusal; `?` inside the API turns it into the returned status.
pub(crate) type Check<T = ()> = Result<T, stacknet_status_t>;

/// Folds a check result into the status C receives.
#[inline]
pub(crate) fn status(r: Check) -> stacknet_status_t {
    match r {
        Ok(()) => STACKNET_OK,
        Err(s) => s,
    }
}
