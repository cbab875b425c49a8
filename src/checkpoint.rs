//! Checkpoints that survive a power cut: model + optimizer state (step counter and momentum
//! velocity included) kept in two flash slots, A and B, written through the
//! [`embedded_storage::nor_flash::NorFlash`] traits so any HAL's flash driver plugs in.
//!
//! Each save goes to the slot that does *not* hold the newest valid record, with the next
//! sequence number; each load takes the newest valid record. A save interrupted at any
//! point — between two flash operations or inside one — leaves the other slot's record
//! untouched and its own slot holding something that does not validate, so the next boot
//! resumes from the last checkpoint that was completely written, bit for bit.
//!
//! ```
//! use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
//! use stacknet::checkpoint::{self, Slot, Store};
//! use stacknet::prelude::*;
//!
//! /// 1 KiB of "flash" in RAM: 4-byte words, 128-byte sectors.
//! struct RamFlash([u8; 1024]);
//! impl ErrorType for RamFlash {
//!     type Error = NorFlashErrorKind;
//! }
//! impl ReadNorFlash for RamFlash {
//!     const READ_SIZE: usize = 1;
//!     fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
//!         let src = self.0.get(offset as usize..offset as usize + bytes.len());
//!         bytes.copy_from_slice(src.ok_or(NorFlashErrorKind::OutOfBounds)?);
//!         Ok(())
//!     }
//!     fn capacity(&self) -> usize {
//!         self.0.len()
//!     }
//! }
//! impl NorFlash for RamFlash {
//!     const WRITE_SIZE: usize = 4;
//!     const ERASE_SIZE: usize = 128;
//!     fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
//!         let range = self.0.get_mut(from as usize..to as usize);
//!         range.ok_or(NorFlashErrorKind::OutOfBounds)?.fill(0xFF);
//!         Ok(())
//!     }
//!     fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
//!         let dst = self.0.get_mut(offset as usize..offset as usize + bytes.len());
//!         for (d, s) in dst.ok_or(NorFlashErrorKind::OutOfBounds)?.iter_mut().zip(bytes) {
//!             *d &= *s; // NOR programming only clears bits
//!         }
//!         Ok(())
//!     }
//! }
//!
//! type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
//! let new_net = || -> Net { (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid) };
//! let mut net = new_net();
//! net.init(&mut stacknet::init::rng(1), Init::UniformFanIn);
//! let mut opt = Sgd::new(0.5).unwrap().with_momentum(0.9, &net).unwrap();
//! let (x, y) = stacknet::data::XOR_CORNERS;
//! let mut ws = Workspace::<Net, 4>::new();
//! let objective = Objective::mse_ridge(1e-3).unwrap();
//!
//! // Two 256-byte slots; every buffer size is known at compile time.
//! assert!(checkpoint::slot_len::<Net, RamFlash>() <= 256);
//! let mut scratch = [0u8; checkpoint::scratch_len::<Net, RamFlash>()];
//! let (a, b) = (Slot::new(0, 256), Slot::new(256, 256));
//! let mut store = Store::new(RamFlash([0xFF; 1024]), a, b).unwrap();
//!
//! for step in 1..=20 {
//!     train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
//!     if step % 5 == 0 {
//!         store.save(&net, &opt, &mut scratch).unwrap();
//!     }
//! }
//!
//! // Reboot: a new store over the same flash, a freshly built model and optimizer.
//! let flash = store.into_inner();
//! let mut store = Store::new(flash, a, b).unwrap();
//! let mut net2 = new_net();
//! let mut opt2 = Sgd::new(0.5).unwrap().with_momentum(0.9, &net2).unwrap();
//! // The 4th save: sequence numbers start at 0.
//! assert_eq!(store.load(&mut net2, &mut opt2, &mut scratch), Ok(Some(3)));
//! assert_eq!((net2, opt2), (net, opt));
//! ```
//!
//! # Record format (version 1)
//! A slot holds at most one record: a header area, then the payload area. Integers are
//! little-endian; offsets are from the start of the slot.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic [`MAGIC`] = `"STCK"` |
//! | 4 | 2 | record format version [`VERSION`] = 1 |
//! | 6 | 2 | reserved, 0 |
//! | 8 | 4 | sequence number |
//! | 12 | 4 | payload offset `H`: [`HEADER_LEN`] rounded up to the flash's alignment (see below) |
//! | 16 | 4 | payload length `L` in bytes |
//! | 20 | 4 | CRC-32 (ISO-HDLC, as in [`persist`]) of bytes 0..20 followed by the `L` payload bytes |
//! | 24 | `H`−24 | padding, `0xFF` |
//! | `H` | `L` | payload: the [`persist::save_with_optimizer`] blob (its own header and CRC-32 included) |
//! | `H`+`L` | to alignment | padding, `0xFF` |
//!
//! The alignment is the larger of the flash's `WRITE_SIZE` and `READ_SIZE` (one must be a
//! multiple of the other), so both areas are programmed and read in whole flash words.
//!
//! A record is valid when the magic, version, payload offset and length agree with this
//! store, the CRC-32 matches, and the blob's own recorded length is `L`. The payload is then
//! handed to [`persist::load_with_optimizer`], which checks it once more (its own CRC, the
//! shape, finiteness) before writing anything.
//!
//! # Write order, and why a power cut cannot produce an accepted torn record
//! [`Store::save`] picks the target slot (the one not holding the newest valid record) and:
//!
//! 1. erases the sectors the record needs, **first sector first**: the first erase wipes the
//!    target's old header, so from that moment the slot holds no valid record (before it,
//!    the slot's old record is older than the other slot's and loses to it);
//! 2. programs the payload area;
//! 3. programs the header area, **last**: only now can the slot validate;
//! 4. reads the record back and checks it (a mismatch is [`Error::Verify`]).
//!
//! The other slot is never touched, so its record (the last complete checkpoint) survives
//! whatever happens to the target. Inside the target: before step 3 the header area is
//! erased (`0xFF`: no magic), or holds the old header over a partly erased payload (its
//! CRC-32 fails), or holds whatever an interrupted erase left (undefined: the CRC-32
//! rejects it, short of a 2⁻³² coincidence). During step 3 a torn header misses part of its
//! fields or of its CRC-32 and fails the check. A header that reads back complete sits in
//! front of a complete payload, because the payload was programmed before it. So the newest
//! valid record is always either the previous checkpoint or, once the header is fully
//! programmed, the new one.
//!
//! How sure "fails the check" is: a CRC-32 catches every error confined to 32 consecutive
//! bits (one torn word of up to 4 bytes, whatever its value) and other damage except with
//! probability about 2⁻³². The payload's own CRC-32 and [`persist`]'s checks come on top.
//! The store cannot see a "weakly erased" cell that reads as 1 now and flips later; that is
//! the flash driver's part (the chip's erase and program timing).
//!
//! # Sequence numbers
//! The first record gets sequence 0; each save writes the newest valid record's number
//! plus one, wrapping from `u32::MAX` to 0. Two records are compared with serial-number
//! arithmetic: `a` is newer than `b` when `a.wrapping_sub(b)` is in `1..2³¹`. Both slots
//! always hold consecutive numbers (or one of them nothing valid), so the wrap is seamless.
//! Equal numbers, or numbers 2³¹ apart (never written by this store), resolve to slot A.
//!
//! # Buffers
//! No allocation: every call takes a caller's `scratch` buffer of at least
//! [`scratch_len::<M, F>()`](scratch_len) bytes (header area + the largest blob of model `M`,
//! padded), usable as an array length. A slot must be at least
//! [`slot_len::<M, F>()`](slot_len) bytes (the record rounded up to whole erase sectors).

use crate::nn::Layer;
use crate::persist::{self, LoadError, OptimizerState, SaveError};
use crc::{Crc, CRC_32_ISO_HDLC};
use embedded_storage::nor_flash::{NorFlash, NorFlashError};

/// The first four bytes of every record.
pub const MAGIC: [u8; 4] = *b"STCK";
/// The record format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Bytes of the record header proper (before its padding to the flash alignment).
pub const HEADER_LEN: usize = 24;

const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);
/// Bytes of the header covered by the CRC-32 (everything before it).
const CRC_AT: usize = 20;

/// The unit every flash access of `F` is rounded to: the larger of `WRITE_SIZE` and
/// `READ_SIZE` (at least 1).
pub const fn align<F: NorFlash>() -> usize {
    let (w, r) = (F::WRITE_SIZE, F::READ_SIZE);
    let a = if w > r { w } else { r };
    if a == 0 {
        1
    } else {
        a
    }
}

const fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// Bytes of the header area on flash `F` (the payload starts there): [`HEADER_LEN`]
/// rounded up to [`align::<F>()`](align).
pub const fn header_area<F: NorFlash>() -> usize {
    round_up(HEADER_LEN, align::<F>())
}

/// Scratch bytes that [`Store::save`] and [`Store::load`] need for a model of type `M`
/// (with any `Sgd`, momentum velocity included) on flash `F`: the largest SGD record.
pub const fn scratch_len<M: Layer, F: NorFlash>() -> usize {
    header_area::<F>() + round_up(persist::max_len_with_optimizer::<M>(), align::<F>())
}

/// [`scratch_len`] for a model of type `M` trained with [`Adam`](crate::optim::Adam): the
/// record holds both moments.
pub const fn scratch_len_with_adam<M: Layer, F: NorFlash>() -> usize {
    header_area::<F>() + round_up(persist::max_len_with_adam::<M>(), align::<F>())
}

/// The smallest slot that holds any SGD record of a model of type `M` on flash `F`:
/// [`scratch_len`] rounded up to whole erase sectors (with Adam, round up
/// [`scratch_len_with_adam`] the same way).
pub const fn slot_len<M: Layer, F: NorFlash>() -> usize {
    let e = if F::ERASE_SIZE == 0 { 1 } else { F::ERASE_SIZE };
    round_up(scratch_len::<M, F>(), e)
}

/// One of the two slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotId {
    /// The first slot given to [`Store::new`].
    A,
    /// The second slot given to [`Store::new`].
    B,
}

impl SlotId {
    /// The other slot.
    pub fn other(self) -> SlotId {
        match self {
            SlotId::A => SlotId::B,
            SlotId::B => SlotId::A,
        }
    }
}

/// A flash range holding one record: `offset` and `size` in bytes, both multiples of the
/// flash's `ERASE_SIZE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    /// First byte of the slot.
    pub offset: u32,
    /// Length of the slot in bytes.
    pub size: u32,
}

impl Slot {
    /// The slot `offset..offset + size`.
    pub const fn new(offset: u32, size: u32) -> Slot {
        Slot { offset, size }
    }

    fn end(self) -> Option<u32> {
        self.offset.checked_add(self.size)
    }
}

/// What is known about a valid record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The slot holding it.
    pub slot: SlotId,
    /// Its sequence number.
    pub seq: u32,
    /// Its payload (persist blob) length in bytes.
    pub len: u32,
}

/// Why [`Store::new`] refused a flash and slot layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The flash's sizes cannot be worked with: `WRITE_SIZE`, `READ_SIZE` or `ERASE_SIZE`
    /// is 0, the larger of `WRITE_SIZE` and `READ_SIZE` is not a multiple of the smaller,
    /// or `ERASE_SIZE` is not a multiple of it.
    Geometry {
        /// The flash's `READ_SIZE`.
        read: usize,
        /// The flash's `WRITE_SIZE`.
        write: usize,
        /// The flash's `ERASE_SIZE`.
        erase: usize,
    },
    /// The slot's offset or size is not a multiple of `ERASE_SIZE`.
    Misaligned(SlotId),
    /// The slot is smaller than one header area.
    TooSmall(SlotId),
    /// The slot reaches past the end of the flash.
    OutOfBounds(SlotId),
    /// The two slots share bytes.
    Overlap,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::Geometry { read, write, erase } => {
                write!(f, "unsupported flash geometry: read size {read}, write size {write}, erase size {erase}")
            }
            ConfigError::Misaligned(s) => write!(f, "slot {s:?} is not aligned to the flash's erase size"),
            ConfigError::TooSmall(s) => write!(f, "slot {s:?} is smaller than a record header"),
            ConfigError::OutOfBounds(s) => write!(f, "slot {s:?} reaches past the end of the flash"),
            ConfigError::Overlap => write!(f, "the two slots overlap"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// Why a [`Store`] operation failed. `E` is the flash driver's error type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error<E> {
    /// The flash driver returned an error (a save it interrupts leaves the previous
    /// checkpoint in place; see the module docs).
    Flash(E),
    /// The scratch buffer is too short.
    ScratchTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The record does not fit in the target slot.
    SlotTooSmall {
        /// Bytes the record needs (whole erase sectors).
        needed: usize,
        /// Bytes of the slot.
        got: usize,
    },
    /// [`persist`] refused to save the model (e.g. a non-finite parameter); flash untouched.
    Save(SaveError),
    /// The newest valid record does not load into this model and optimizer (another shape,
    /// another optimizer kind); they are untouched. The older record is not tried: it was
    /// written by the same program and would be refused the same way.
    Load(LoadError),
    /// A record read twice differs: read back after a save, it is not the one written (the
    /// previous checkpoint is still the newest valid one, unless the flash later returns the
    /// new record intact), or it changed between the two reads of a load.
    Verify,
}

impl<E: NorFlashError> core::fmt::Display for Error<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Flash(e) => write!(f, "flash error: {} ({e:?})", e.kind()),
            Error::ScratchTooSmall { needed, got } => {
                write!(f, "scratch buffer holds {got} bytes, the record needs {needed}")
            }
            Error::SlotTooSmall { needed, got } => write!(f, "slot holds {got} bytes, the record needs {needed}"),
            Error::Save(e) => write!(f, "cannot save the model: {e}"),
            Error::Load(e) => write!(f, "the newest checkpoint does not load: {e}"),
            Error::Verify => write!(f, "the checkpoint read back differs from the one written or read before"),
        }
    }
}

impl<E: NorFlashError> core::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Save(e) => Some(e),
            Error::Load(e) => Some(e),
            _ => None,
        }
    }
}

/// An A/B checkpoint store over a NOR flash `F` (pass `&mut flash` to keep ownership).
///
/// The store remembers the newest valid record it has seen (found by the first
/// [`load`](Store::load), [`scan`](Store::scan) or [`save`](Store::save)), so later saves
/// do not read the flash again before writing.
#[derive(Debug)]
pub struct Store<F> {
    flash: F,
    a: Slot,
    b: Slot,
    /// `None`: not scanned yet; `Some(None)`: scanned, no valid record.
    newest: Option<Option<Record>>,
}

/// Validates a slot against the flash geometry.
fn check_slot<F: NorFlash>(flash: &F, id: SlotId, s: Slot) -> Result<(), ConfigError> {
    let erase = F::ERASE_SIZE;
    if !(s.offset as usize).is_multiple_of(erase) || !(s.size as usize).is_multiple_of(erase) {
        return Err(ConfigError::Misaligned(id));
    }
    if (s.size as usize) < header_area::<F>() {
        return Err(ConfigError::TooSmall(id));
    }
    match s.end() {
        Some(end) if end as usize <= flash.capacity() => Ok(()),
        _ => Err(ConfigError::OutOfBounds(id)),
    }
}

impl<F: NorFlash> Store<F> {
    /// A store keeping its records in slots `a` and `b` of `flash`. Checks the flash
    /// geometry and the slots (aligned to `ERASE_SIZE`, inside the flash, disjoint); reads
    /// nothing.
    pub fn new(flash: F, a: Slot, b: Slot) -> Result<Self, ConfigError> {
        let (read, write, erase) = (F::READ_SIZE, F::WRITE_SIZE, F::ERASE_SIZE);
        let (lo, hi) = if write < read { (write, read) } else { (read, write) };
        if lo == 0 || !hi.is_multiple_of(lo) || erase == 0 || !erase.is_multiple_of(hi) {
            return Err(ConfigError::Geometry { read, write, erase });
        }
        check_slot(&flash, SlotId::A, a)?;
        check_slot(&flash, SlotId::B, b)?;
        // Both ends exist (checked above).
        let (a_end, b_end) = (a.end().unwrap_or(u32::MAX), b.end().unwrap_or(u32::MAX));
        if a.offset < b_end && b.offset < a_end {
            return Err(ConfigError::Overlap);
        }
        Ok(Store { flash, a, b, newest: None })
    }

    /// The flash.
    pub fn flash(&self) -> &F {
        &self.flash
    }

    /// The flash, mutably. Writing into a slot behind the store's back makes its memory of
    /// the newest record stale: call [`scan`](Store::scan) afterwards.
    pub fn flash_mut(&mut self) -> &mut F {
        &mut self.flash
    }

    /// Gives the flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// The slot `id`.
    pub fn slot(&self, id: SlotId) -> Slot {
        match id {
            SlotId::A => self.a,
            SlotId::B => self.b,
        }
    }

    /// The newest valid record as last seen by this store (`None` if there is none, or if
    /// the flash has not been read yet).
    pub fn newest(&self) -> Option<Record> {
        self.newest.flatten()
    }

    /// Reads and validates both slots and returns the newest valid record, without loading
    /// it. `scratch`: at least [`scratch_len`] bytes for the model the records hold (a
    /// record longer than `scratch` is not considered valid).
    pub fn scan(&mut self, scratch: &mut [u8]) -> Result<Option<Record>, Error<F::Error>> {
        let a = self.read_record(SlotId::A, scratch)?;
        let b = self.read_record(SlotId::B, scratch)?;
        let newest = match (a, b) {
            (Some(a), Some(b)) => Some(if newer(b.seq, a.seq) { b } else { a }),
            (a, b) => a.or(b),
        };
        self.newest = Some(newest);
        Ok(newest)
    }

    /// Loads the newest valid checkpoint into `model` and `opt` and returns its sequence
    /// number; `Ok(None)` when neither slot holds a valid record (blank flash, or only
    /// damaged records). On any `Err` and on `Ok(None)`, `model` and `opt` are untouched.
    ///
    /// `scratch`: at least [`scratch_len::<M, F>()`](scratch_len) bytes
    /// ([`scratch_len_with_adam`] with Adam).
    pub fn load<M: Layer, O: OptimizerState<M>>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        scratch: &mut [u8],
    ) -> Result<Option<u32>, Error<F::Error>> {
        // Refuse a short buffer up front: reading on would report this model's records as
        // invalid instead.
        let needed = record_len::<F>(persist::saved_len_with_optimizer(model, opt)).unwrap_or(usize::MAX);
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, got: scratch.len() });
        }
        let Some(rec) = self.scan(scratch)? else {
            return Ok(None);
        };
        // `scan` read slot B last: slot A's record has to be read again.
        let again = match rec.slot {
            SlotId::A => self.read_record(SlotId::A, scratch)?,
            SlotId::B => Some(rec),
        };
        if again != Some(rec) {
            // The flash changed between two reads.
            self.newest = None;
            return Err(Error::Verify);
        }
        let start = header_area::<F>();
        let end = start.checked_add(rec.len as usize).ok_or(Error::Verify)?;
        let blob = scratch.get(start..end).ok_or(Error::Verify)?;
        persist::load_with_optimizer(model, opt, blob).map_err(Error::Load)?;
        Ok(Some(rec.seq))
    }

    /// Saves `model` and `opt` as a new checkpoint and returns its sequence number. Writes
    /// only the slot that does not hold the newest valid record (see the module docs for
    /// the order); on `Err` that record is still the newest valid one.
    ///
    /// Flash operations, in order: one `erase` per sector the record covers (the record's
    /// length rounded up to `ERASE_SIZE`), two `write`s (payload, then header), two `read`s
    /// (the read-back). The first save of a store that has not read the flash yet scans both
    /// slots first (up to two reads each).
    ///
    /// `scratch`: at least [`scratch_len::<M, F>()`](scratch_len) bytes
    /// ([`scratch_len_with_adam`] with Adam).
    pub fn save<M: Layer, O: OptimizerState<M>>(
        &mut self,
        model: &M,
        opt: &O,
        scratch: &mut [u8],
    ) -> Result<u32, Error<F::Error>> {
        let head = header_area::<F>();
        let len = persist::saved_len_with_optimizer(model, opt);
        let total = record_len::<F>(len).ok_or(Error::Save(SaveError::TooLarge))?;
        if scratch.len() < total {
            return Err(Error::ScratchTooSmall { needed: total, got: scratch.len() });
        }
        let len32 = u32::try_from(len).map_err(|_| Error::Save(SaveError::TooLarge))?;
        let newest = match self.newest {
            Some(n) => n,
            None => self.scan(scratch)?,
        };
        let (target, seq) = match newest {
            Some(r) => (r.slot.other(), r.seq.wrapping_add(1)),
            None => (SlotId::A, 0),
        };
        let slot = self.slot(target);
        let erase_len = total.checked_next_multiple_of(F::ERASE_SIZE).unwrap_or(usize::MAX);
        if erase_len > slot.size as usize {
            return Err(Error::SlotTooSmall { needed: erase_len, got: slot.size as usize });
        }

        // Build the record image in scratch: header area, payload, padding. (`scratch` holds
        // `total` bytes and `head <= total`, checked above.)
        let too_small = Error::ScratchTooSmall { needed: total, got: scratch.len() };
        let Some((header, payload)) = scratch.get_mut(..total).and_then(|s| s.split_at_mut_checked(head)) else {
            return Err(too_small);
        };
        let n = persist::save_with_optimizer(model, opt, payload).map_err(Error::Save)?;
        let Some((blob, pad)) = payload.split_at_mut_checked(n) else {
            return Err(too_small);
        };
        pad.fill(0xFF);
        let crc = write_header(header, seq, head as u32, len32, blob);

        // Erase (first sector first), payload, header last. No overflow: the slot ends at or
        // before `u32::MAX` (checked by `new`) and `head <= total <= erase_len <= slot.size`.
        let erase = F::ERASE_SIZE as u32;
        for at in (0..erase_len).step_by(F::ERASE_SIZE) {
            let at = slot.offset + at as u32;
            self.flash.erase(at, at + erase).map_err(Error::Flash)?;
        }
        let Some((header, payload)) = scratch.get(..total).and_then(|s| s.split_at_checked(head)) else {
            return Err(too_small);
        };
        self.flash.write(slot.offset + head as u32, payload).map_err(Error::Flash)?;
        self.flash.write(slot.offset, header).map_err(Error::Flash)?;

        let back = self.read_record(target, scratch)?;
        let stored = scratch.get(CRC_AT..HEADER_LEN).map(read_u32);
        if back != Some(Record { slot: target, seq, len: len32 }) || stored != Some(crc) {
            return Err(Error::Verify);
        }
        self.newest = Some(back);
        Ok(seq)
    }

    /// Erases both slots (a factory reset); afterwards [`load`](Store::load) finds nothing.
    pub fn clear(&mut self) -> Result<(), Error<F::Error>> {
        for s in [self.a, self.b] {
            // Inside the flash (checked by `new`).
            self.flash.erase(s.offset, s.offset + s.size).map_err(Error::Flash)?;
        }
        self.newest = Some(None);
        Ok(())
    }

    /// Reads the record in slot `id` into `scratch` (as laid out on flash) and returns it if
    /// it is valid. Flash errors are errors; anything unreadable as a record is `None`.
    fn read_record(&mut self, id: SlotId, scratch: &mut [u8]) -> Result<Option<Record>, Error<F::Error>> {
        let head = header_area::<F>();
        let slot = self.slot(id);
        let Some(header) = scratch.get_mut(..head) else {
            return Err(Error::ScratchTooSmall { needed: head, got: scratch.len() });
        };
        self.flash.read(slot.offset, header).map_err(Error::Flash)?;
        let Some(h) = parse_header(header) else {
            return Ok(None);
        };
        if h.offset as usize != head {
            return Ok(None);
        }
        let len = h.len as usize;
        let total = match record_len::<F>(len) {
            Some(t) if t <= slot.size as usize && len >= persist::HEADER_LEN + persist::CRC_LEN => t,
            _ => return Ok(None),
        };
        let Some(area) = scratch.get_mut(head..total) else {
            return Ok(None);
        };
        // `head < total <= slot.size`: inside the slot.
        self.flash.read(slot.offset + head as u32, area).map_err(Error::Flash)?;
        let (Some(fields), Some(blob)) = (scratch.get(..CRC_AT), scratch.get(head..head.saturating_add(len))) else {
            return Ok(None);
        };
        let mut digest = CRC32.digest();
        digest.update(fields);
        digest.update(blob);
        // The blob's own length field (persist format offset 8) must agree.
        let blob_len = blob.get(8..12).map(read_u32);
        if digest.finalize() != h.crc || blob_len != Some(h.len) {
            return Ok(None);
        }
        Ok(Some(Record { slot: id, seq: h.seq, len: h.len }))
    }
}

/// Bytes of a record with a `len`-byte payload on flash `F` (header area + padded
/// payload), or `None` if that overflows.
fn record_len<F: NorFlash>(len: usize) -> Option<usize> {
    header_area::<F>().checked_add(len.checked_next_multiple_of(align::<F>())?)
}

/// Serial-number comparison: whether `a` was written after `b`.
fn newer(a: u32, b: u32) -> bool {
    let d = a.wrapping_sub(b);
    d != 0 && d < 1 << 31
}

fn read_u32(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(..4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

struct Header {
    seq: u32,
    offset: u32,
    len: u32,
    crc: u32,
}

fn parse_header(h: &[u8]) -> Option<Header> {
    let field = |at: usize| h.get(at..at + 4).map(read_u32);
    if h.get(..4)? != MAGIC || h.get(4..6)? != VERSION.to_le_bytes() || h.get(6..8)? != [0, 0] {
        return None;
    }
    Some(Header { seq: field(8)?, offset: field(12)?, len: field(16)?, crc: field(20)? })
}

/// Fills the header area (fields, CRC-32, `0xFF` padding) and returns the CRC-32.
fn write_header(area: &mut [u8], seq: u32, offset: u32, len: u32, blob: &[u8]) -> u32 {
    area.fill(0xFF);
    let mut fields = [0u8; CRC_AT];
    let parts: [&[u8]; 6] =
        [&MAGIC, &VERSION.to_le_bytes(), &[0, 0], &seq.to_le_bytes(), &offset.to_le_bytes(), &len.to_le_bytes()];
    let mut at = 0;
    for p in parts {
        if let Some(d) = fields.get_mut(at..at + p.len()) {
            d.copy_from_slice(p);
        }
        at += p.len();
    }
    let mut digest = CRC32.digest();
    digest.update(&fields);
    digest.update(blob);
    let crc = digest.finalize();
    for (d, s) in area.iter_mut().zip(fields.iter().chain(&crc.to_le_bytes())) {
        *d = *s;
    }
    crc
}
