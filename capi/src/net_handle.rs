//! The handle of a run-time network: the checked description and hyperparameters as plain
//! numbers in caller memory, sealed with a CRC-32, plus the CRC-32s of the model and
//! optimizer buffers the handle last wrote (the retained-RAM check for those buffers).
//!
//! Like a fixed shape's state, a handle holds only `u32`/`f32` fields and arrays with no
//! padding byte, so every bit pattern is a valid `Handle` and its bytes are exactly the
//! ones the calls that made it wrote. Every function checks magic and CRC-32 before it reads
//! anything else, then rebuilds a `stacknet::runtime::Net` from it through the same builders
//! `stacknet_net_init` used.

use crate::check::{Span, aligned};
use crate::checksum::crc32;
use crate::hyper::stacknet_hyper_t;
use crate::model::STACKNET_STATE_ALIGN;
use crate::net_config::{Prepared, STACKNET_NET_MAX_LAYERS, prepare, stacknet_layer_t};
use crate::status::{Check, stacknet_status_t::*};
use core::mem::offset_of;

/// Bytes of a run-time network handle (`stacknet_net_t`).
pub const STACKNET_NET_SIZE: usize = 96 + 16 * STACKNET_NET_MAX_LAYERS;
/// The handle size in 64-bit words (`stacknet_net_t`'s array length).
pub const STACKNET_NET_WORDS: usize = STACKNET_NET_SIZE / 8;

/// A run-time network's handle: opaque; declare one (e.g. `static stacknet_net_t net;`) and
/// pass its address. `STACKNET_NET_SIZE` bytes, aligned to `STACKNET_STATE_ALIGN`. It holds
/// the checked description, the hyperparameters and the CRC-32s of the model and optimizer
/// buffers it last wrote; the buffers themselves are separate (see `stacknet_net_sizes`).
#[repr(C, align(8))]
pub struct stacknet_net_t {
    /// Private: only this library reads or writes it.
    pub opaque: [u64; STACKNET_NET_WORDS],
}

/// "SNRN": marks an initialised handle.
const MAGIC: u32 = u32::from_le_bytes(*b"SNRN");

/// `tracked`: `model_crc` is the CRC-32 of a model this handle wrote (init, load, step).
pub(crate) const TRACK_MODEL: u32 = 1;
/// `tracked`: `opt_crc` is the CRC-32 of an optimizer state this handle wrote.
pub(crate) const TRACK_OPT: u32 = 2;

/// The memory behind a `stacknet_net_t`. `#[repr(C)]`, plain numbers, no padding.
///
/// Invariants (checked on every entry by [`verify`]): `crc` is [`Handle::checksum`], and
/// the description (`layers[..n_layers]`, `loss`, `batch`, `l1`, `hyper`) passed
/// `net_config::build`; unused layer slots and `reserved` are zero.
#[repr(C)]
pub(crate) struct Handle {
    magic: u32,
    crc: u32,
    pub(crate) hyper: stacknet_hyper_t,
    loss: u32,
    batch: u32,
    l1: f32,
    n_layers: u32,
    /// `TRACK_*` bits: which of `model_crc` / `opt_crc` hold a buffer's CRC.
    pub(crate) tracked: u32,
    pub(crate) model_crc: u32,
    pub(crate) opt_crc: u32,
    reserved: u32,
    layers: [stacknet_layer_t; STACKNET_NET_MAX_LAYERS],
}

const _: () = {
    assert!(size_of::<Handle>() == STACKNET_NET_SIZE);
    assert!(size_of::<stacknet_net_t>() == STACKNET_NET_SIZE);
    assert!(align_of::<Handle>() <= STACKNET_STATE_ALIGN);
    assert!(align_of::<stacknet_net_t>() == STACKNET_STATE_ALIGN);
    assert!(STACKNET_NET_SIZE.is_multiple_of(8));
};

impl Handle {
    /// A sealed handle for a description that passed `build`; unused layer slots zero.
    pub(crate) fn new(layers: &[stacknet_layer_t], loss: u32, batch: u32, l1: f32, hyper: stacknet_hyper_t) -> Handle {
        let mut h = Handle {
            magic: MAGIC,
            crc: 0,
            hyper,
            loss,
            batch,
            l1,
            n_layers: layers.len() as u32,
            tracked: 0,
            model_crc: 0,
            opt_crc: 0,
            reserved: 0,
            layers: [stacknet_layer_t::default(); STACKNET_NET_MAX_LAYERS],
        };
        for (d, s) in h.layers.iter_mut().zip(layers) {
            *d = crate::net_config::canonical(s);
        }
        h.seal();
        h
    }

    /// The CRC-32 of every byte but `crc` itself.
    fn checksum(&self) -> u32 {
        let at = offset_of!(Self, crc);
        // SAFETY: `self` is a `Handle`, whose bytes have no padding (plain `u32`/`f32`
        // fields, checked sizes above), so all `size_of::<Self>()` bytes are initialised.
        let bytes = unsafe { core::slice::from_raw_parts((self as *const Self).cast::<u8>(), size_of::<Self>()) };
        crc32(&[bytes.get(..at).unwrap_or_default(), bytes.get(at + size_of::<u32>()..).unwrap_or_default()])
    }

    /// Makes `crc` match again: the last thing every call that changes the handle does.
    pub(crate) fn seal(&mut self) {
        self.crc = self.checksum();
    }

    /// The described layers (empty if `n_layers` is out of range, which `build` refuses).
    fn layers(&self) -> &[stacknet_layer_t] {
        self.layers.get(..self.n_layers as usize).unwrap_or_default()
    }

    /// The description with hyperparameters `hyper` (the handle's own, or new ones to check).
    pub(crate) fn prepared_with(&self, hyper: &stacknet_hyper_t) -> Check<Prepared> {
        prepare(self.layers(), self.loss, self.batch, self.l1, hyper)
    }

    /// The description, translated through the same builders as at `init`; with a matching
    /// CRC they pass, so a failure means bytes this library did not write. Build the network
    /// with [`net!`](crate::net_handle::net).
    pub(crate) fn prepared(&self) -> Check<Prepared> {
        self.prepared_with(&self.hyper).map_err(|_| STACKNET_ERR_STATE_CORRUPT)
    }
}

/// `net!(let n = handle, built)`: binds `n` to the handle's network, a `&Net` borrowed from
/// `built`, a local of the calling frame (see `Prepared`), built where it is declared so that
/// `Net::new` writes it in place; `STACKNET_ERR_STATE_CORRUPT` if it does not build.
macro_rules! net {
    (let $n:ident = $h:expr, $built:ident) => {
        let $built = $h.prepared()?.net();
        let $n = $built.as_ref().map_err(|_| $crate::status::stacknet_status_t::STACKNET_ERR_STATE_CORRUPT)?;
    };
}
pub(crate) use net;

/// The bytes of a handle, for overlap checks.
pub(crate) fn handle_span(p: *const stacknet_net_t) -> Span {
    Span { addr: p as usize, len: STACKNET_NET_SIZE }
}

/// Alignment of a (non-null) handle pointer.
pub(crate) fn handle_aligned(p: *const stacknet_net_t) -> Check {
    aligned(p, STACKNET_STATE_ALIGN)
}

/// The handle's magic, then its CRC-32: `STACKNET_ERR_NOT_INITIALIZED`,
/// `STACKNET_ERR_STATE_CORRUPT`. The caller then builds the network with [`net!`] (one `Net`
/// per call, built in the caller's frame: it is large, so it is not passed around).
///
/// # Safety
/// `p` is non-null, aligned to `STACKNET_STATE_ALIGN` and valid for reads of
/// `STACKNET_NET_SIZE` bytes, and no reference that writes that memory is live.
pub(crate) unsafe fn verify<'a>(p: *const stacknet_net_t) -> Check<&'a Handle> {
    // SAFETY: `stacknet_net_t` is as large and as aligned as a `Handle` (checked at compile
    // time), readable per the contract, and every bit pattern is a valid `Handle` (plain
    // numbers, no padding), so a reference may be formed over whatever bytes C left there.
    let h = unsafe { &*p.cast::<Handle>() };
    if h.magic != MAGIC {
        return Err(STACKNET_ERR_NOT_INITIALIZED);
    }
    if h.crc != h.checksum() {
        return Err(STACKNET_ERR_STATE_CORRUPT);
    }
    Ok(h)
}

/// [`verify`], then the handle for writing.
///
/// # Safety
/// As [`verify`], and `p` is valid for writes and no other reference to it is live.
pub(crate) unsafe fn open<'a>(p: *mut stacknet_net_t) -> Check<&'a mut Handle> {
    // SAFETY: forwarded from this function's contract; the shared reference ends here.
    unsafe { verify(p)? };
    // SAFETY: as in `verify` (any bytes are a valid `Handle`), writable and exclusive per
    // the contract.
    Ok(unsafe { &mut *p.cast::<Handle>() })
}

/// The CRC-32 of a float buffer's bytes (as they are in memory).
pub(crate) fn crc_of(v: &[f32]) -> u32 {
    // SAFETY: an `f32` is 4 initialised bytes with no padding and alignment ≥ a byte's, so
    // `v`'s memory is `4 · v.len()` readable, initialised bytes, borrowed as long as `v`.
    let bytes = unsafe { core::slice::from_raw_parts(v.as_ptr().cast::<u8>(), size_of_val(v)) };
    crc32(&[bytes])
}
