//! A/B checkpoints on a simulated NOR flash: round trips, choice of the newest record,
//! sequence wrap-around, damaged records, bad layouts, and the power-cut campaign: every
//! checkpoint write of a training run is cut at every erase/program boundary and inside
//! every operation (torn programs, torn erases), and each "reboot" must resume from the
//! last complete checkpoint, bit for bit. `cargo test --test checkpoint power_cut --
//! --nocapture` prints the counts.

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};
use stacknet::checkpoint::{self, ConfigError, Error, Record, Slot, SlotId, Store};
use stacknet::optim::{Momentum, Schedule};
use stacknet::persist::{self, LoadError};
use stacknet::prelude::*;

// ---------------------------------------------------------------------------------------
// A NOR flash in RAM with fault injection.
// ---------------------------------------------------------------------------------------

/// How the power dies during a checkpoint write.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cut {
    /// The first `n` erase/program operations complete; every flash access after them
    /// (operation or read) fails, nothing more changes.
    After(usize),
    /// Operation `op` (0-based) stops part-way; see [`Torn`].
    Inside { op: usize, torn: Torn },
}

/// What an interrupted operation leaves behind.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Torn {
    /// A program stopped after `bytes` bytes; the next byte got only some of its 0 bits.
    Program { bytes: usize },
    /// A program that left its words in no particular order: each word, chosen by `seed`,
    /// was programmed, left alone, or got only some of its 0 bits.
    Scattered { seed: usize },
    /// An erase stopped after `bytes` bytes were erased; the rest of the range keeps its
    /// old data (`Old`), reads as 0 (chips that program every bit to 0 before erasing:
    /// `Zeros`) or holds noise (`Noise`).
    Erase { bytes: usize, rest: Rest },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rest {
    Old,
    Zeros,
    Noise,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FlashError {
    /// Misaligned or out-of-bounds access: a bug in the store.
    Kind(NorFlashErrorKind),
    /// A program over a word already programmed since its last erase: a bug in the store.
    Reprogram(u32),
    /// The power is gone.
    PowerCut,
}

impl NorFlashError for FlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            FlashError::Kind(k) => *k,
            _ => NorFlashErrorKind::Other,
        }
    }
}

/// NOR semantics: erase sets whole sectors to 0xFF, a program only clears bits (AND) and
/// may touch each `W`-byte word once per erase, every access is checked for alignment.
/// Counts operations and injects power cuts.
#[derive(Clone, Debug)]
struct MockFlash<const R: usize, const W: usize, const E: usize> {
    mem: Vec<u8>,
    /// Whether each word has been programmed since its sector was erased.
    programmed: Vec<bool>,
    reads: usize,
    erases: usize,
    programs: usize,
    cut: Option<Cut>,
    /// The cut happened; the flash refuses everything until `power_on`.
    dead: bool,
    /// The cut was reached (the planned point of the write was visited).
    fired: bool,
}

type Flash = MockFlash<1, 4, 64>;

impl<const R: usize, const W: usize, const E: usize> MockFlash<R, W, E> {
    fn new(len: usize) -> Self {
        // A flash as shipped: erased, but no word is known to be blank by the tracking
        // until erased through the driver (the store always erases before programming).
        MockFlash {
            mem: vec![0xFF; len],
            programmed: vec![true; len / W],
            reads: 0,
            erases: 0,
            programs: 0,
            cut: None,
            dead: false,
            fired: false,
        }
    }

    fn ops(&self) -> usize {
        self.erases + self.programs
    }

    /// Arms a cut, counting operations from now.
    fn arm(&mut self, cut: Cut) {
        self.erases = 0;
        self.programs = 0;
        self.reads = 0;
        self.cut = Some(cut);
        self.fired = false;
    }

    /// Power comes back: the contents stay as the cut left them.
    fn power_on(&mut self) {
        self.cut = None;
        self.dead = false;
    }

    fn check(&self, offset: u32, len: usize, align: usize) -> Result<(), FlashError> {
        let o = offset as usize;
        if o.checked_add(len).is_none_or(|end| end > self.mem.len()) {
            return Err(FlashError::Kind(NorFlashErrorKind::OutOfBounds));
        }
        if !o.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(FlashError::Kind(NorFlashErrorKind::NotAligned));
        }
        Ok(())
    }

    /// Decides the fate of the next operation: `Ok(None)` run it whole, `Ok(Some(torn))`
    /// run it part-way then die, `Err` die before it.
    fn gate(&mut self) -> Result<Option<Torn>, FlashError> {
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        let index = self.ops();
        match self.cut {
            Some(Cut::After(n)) if index >= n => {
                self.dead = true;
                self.fired = true;
                Err(FlashError::PowerCut)
            }
            Some(Cut::Inside { op, torn }) if index == op => {
                self.dead = true;
                self.fired = true;
                Ok(Some(torn))
            }
            _ => Ok(None),
        }
    }
}

impl<const R: usize, const W: usize, const E: usize> ErrorType for MockFlash<R, W, E> {
    type Error = FlashError;
}

impl<const R: usize, const W: usize, const E: usize> ReadNorFlash for MockFlash<R, W, E> {
    const READ_SIZE: usize = R;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        if let Some(Cut::After(n)) = self.cut {
            if self.ops() >= n {
                self.dead = true;
                self.fired = true;
                return Err(FlashError::PowerCut);
            }
        }
        self.check(offset, bytes.len(), R)?;
        let o = offset as usize;
        bytes.copy_from_slice(&self.mem[o..o + bytes.len()]);
        self.reads += 1;
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

/// A small xorshift for noise, seeded by the cut position.
fn noise(seed: usize, i: usize) -> u8 {
    let mut x = (seed as u64 ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(i as u64 + 1) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 24) as u8
}

impl<const R: usize, const W: usize, const E: usize> NorFlash for MockFlash<R, W, E> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
        if to < from {
            return Err(FlashError::Kind(NorFlashErrorKind::OutOfBounds));
        }
        self.check(from, (to - from) as usize, E)?;
        let torn = self.gate()?;
        self.erases += 1;
        let (from, to) = (from as usize, to as usize);
        match torn {
            None => {
                self.mem[from..to].fill(0xFF);
                self.programmed[from / W..to / W].fill(false);
                Ok(())
            }
            Some(Torn::Erase { bytes, rest }) => {
                let mid = from + bytes.min(to - from);
                self.mem[from..mid].fill(0xFF);
                for (i, b) in self.mem[mid..to].iter_mut().enumerate() {
                    match rest {
                        Rest::Old => {}
                        Rest::Zeros => *b = 0,
                        Rest::Noise => *b = noise(mid, i),
                    }
                }
                // Whatever it holds, a half-erased sector must be erased again before use.
                self.programmed[from / W..to / W].fill(true);
                Err(FlashError::PowerCut)
            }
            Some(other) => panic!("{other:?} planned on an erase"),
        }
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
        self.check(offset, bytes.len(), W)?;
        let o = offset as usize;
        if let Some(w) = (o / W..(o + bytes.len()) / W).find(|&w| self.programmed[w]) {
            return Err(FlashError::Reprogram((w * W) as u32));
        }
        let torn = self.gate()?;
        self.programs += 1;
        let n = match torn {
            None => bytes.len(),
            Some(Torn::Program { bytes: n }) => n.min(bytes.len()),
            Some(Torn::Scattered { seed }) => {
                for (w, (d, s)) in self.mem[o..o + bytes.len()].chunks_mut(W).zip(bytes.chunks(W)).enumerate() {
                    let mask = match noise(seed, w) % 3 {
                        0 => 0x00,
                        1 => 0xFF,
                        _ => noise(seed ^ 0x55, w),
                    };
                    for (d, s) in d.iter_mut().zip(s) {
                        *d &= *s | mask;
                    }
                }
                self.programmed[o / W..(o + bytes.len()) / W].fill(true);
                return Err(FlashError::PowerCut);
            }
            Some(other) => panic!("{other:?} planned on a program"),
        };
        for (d, s) in self.mem[o..o + n].iter_mut().zip(bytes) {
            *d &= *s;
        }
        if let (Some(_), Some(s)) = (torn, bytes.get(n)) {
            // The byte being programmed when the power went: some of its 0 bits made it.
            self.mem[o + n] &= *s | 0b1010_0101;
        }
        self.programmed[o / W..(o + bytes.len()) / W].fill(true);
        if torn.is_some() {
            Err(FlashError::PowerCut)
        } else {
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------
// A network, its optimizer, and a training stream that depends on the step index.
// ---------------------------------------------------------------------------------------

type Net = (Dense<2, 3>, Sigmoid<3>, Dense<3, 2>, Sigmoid<2>);
type Opt = Sgd<Momentum<Net>>;

fn net(seed: u64) -> Net {
    let mut n: Net = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    n.init(&mut stacknet::init::rng(seed), Init::UniformFanIn);
    n
}

/// SGD with momentum and a step-decay schedule, so a wrong restored step counter or
/// velocity changes the next updates.
fn opt(model: &Net) -> Opt {
    Sgd::new(0.8)
        .unwrap()
        .with_schedule(Schedule::StepDecay { every: 7, factor: 0.8 })
        .unwrap()
        .with_momentum(0.9, model)
        .unwrap()
}

/// The batch for training step `t` (0-based): the four XOR corners, jittered and shuffled
/// by `t`, so resuming at the wrong step would train on other samples.
fn batch(t: u32) -> ([[f32; 2]; 4], [[f32; 2]; 4]) {
    let mut s = t.wrapping_mul(2_654_435_761).wrapping_add(12345);
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    let mut x = [[0.0; 2]; 4];
    let mut y = [[0.0; 2]; 4];
    for (i, (x, y)) in x.iter_mut().zip(&mut y).enumerate() {
        let c = (i + t as usize) % 4;
        let (a, b) = (c & 1 == 1, c & 2 == 2);
        *x = [if a { 1.0 } else { -1.0 } + 0.2 * next(), if b { 1.0 } else { -1.0 } + 0.2 * next()];
        *y = if a == b { [1.0, 0.0] } else { [0.0, 1.0] };
    }
    (x, y)
}

/// One step of the stream: the batch is chosen by the optimizer's own step counter.
fn step(n: &mut Net, o: &mut Opt) {
    let (x, y) = batch(o.steps());
    let mut ws = Workspace::<Net, 4>::new();
    let obj = Objective::mse_ridge(1e-3).unwrap();
    train_step(n, &x, &y, &mut ws, o, &obj).unwrap();
}

/// The full state as bits: parameters, velocity, step counter.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    params: Vec<u32>,
    velocity: Vec<u32>,
    steps: u32,
}

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
    v
}

fn state(n: &Net, o: &Opt) -> State {
    State { params: bits(n), velocity: bits(&o.velocity().0), steps: o.steps() }
}

/// A freshly booted model and optimizer (as the firmware builds them before loading).
fn boot() -> (Net, Opt) {
    let n = net(999);
    let o = opt(&n);
    (n, o)
}

const SLOT: u32 = checkpoint::slot_len::<Net, Flash>() as u32;
const SCRATCH: usize = checkpoint::scratch_len::<Net, Flash>();

/// Slot A at 0, a spare sector, slot B after it, and a spare sector at the end (which
/// must never change).
fn layout() -> (Slot, Slot, usize) {
    (Slot::new(0, SLOT), Slot::new(SLOT + 64, SLOT), 2 * SLOT as usize + 128)
}

fn store(flash: &mut Flash) -> Store<&mut Flash> {
    let (a, b, _) = layout();
    Store::new(flash, a, b).unwrap()
}

/// Writes a record by hand, following the documented format.
fn handmade_record(flash: &mut Flash, slot: Slot, seq: u32, blob: &[u8]) {
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let head = checkpoint::header_area::<Flash>();
    let mut h = Vec::new();
    h.extend_from_slice(b"STCK");
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&[0, 0]);
    h.extend_from_slice(&seq.to_le_bytes());
    h.extend_from_slice(&(head as u32).to_le_bytes());
    h.extend_from_slice(&(blob.len() as u32).to_le_bytes());
    let mut d = crc.digest();
    d.update(&h);
    d.update(blob);
    h.extend_from_slice(&d.finalize().to_le_bytes());
    let o = slot.offset as usize;
    flash.mem[o..o + slot.size as usize].fill(0xFF);
    flash.mem[o..o + h.len()].copy_from_slice(&h);
    flash.mem[o + head..o + head + blob.len()].copy_from_slice(blob);
}

fn blob(n: &Net, o: &Opt) -> Vec<u8> {
    let mut buf = [0u8; persist::max_len_with_optimizer::<Net>()];
    let len = persist::save_with_optimizer(n, o, &mut buf).unwrap();
    buf[..len].to_vec()
}

// ---------------------------------------------------------------------------------------
// Sizes, layout checks, round trips.
// ---------------------------------------------------------------------------------------

#[test]
fn sizes_are_as_documented() {
    // 17 parameters: 176-byte blob with momentum; 24-byte header (already 4-aligned).
    assert_eq!(persist::max_len_with_optimizer::<Net>(), 176);
    assert_eq!(checkpoint::header_area::<Flash>(), 24);
    assert_eq!(SCRATCH, 200);
    assert_eq!(SLOT, 256);
    // 16-byte program units (READ_SIZE 4): the header area and payload round up to 16.
    type Wide = MockFlash<4, 16, 256>;
    assert_eq!(checkpoint::align::<Wide>(), 16);
    assert_eq!(checkpoint::header_area::<Wide>(), 32);
    assert_eq!(checkpoint::scratch_len::<Net, Wide>(), 32 + 176);
    assert_eq!(checkpoint::slot_len::<Net, Wide>(), 256);
}

#[test]
fn layouts_are_checked() {
    let f = || Flash::new(1024);
    let ok = Slot::new(0, 256);
    assert_eq!(Store::new(f(), ok, Slot::new(260, 256)).err(), Some(ConfigError::Misaligned(SlotId::B)));
    assert_eq!(Store::new(f(), Slot::new(0, 100), Slot::new(256, 256)).err(), Some(ConfigError::Misaligned(SlotId::A)));
    assert_eq!(Store::new(f(), ok, Slot::new(832, 256)).err(), Some(ConfigError::OutOfBounds(SlotId::B)));
    assert_eq!(Store::new(f(), ok, Slot::new(u32::MAX - 62, 128)).err(), Some(ConfigError::Misaligned(SlotId::B)));
    assert_eq!(Store::new(f(), ok, Slot::new(0xFFFF_FFC0, 64)).err(), Some(ConfigError::OutOfBounds(SlotId::B)));
    assert_eq!(Store::new(f(), ok, Slot::new(192, 256)).err(), Some(ConfigError::Overlap));
    assert_eq!(Store::new(f(), Slot::new(512, 256), Slot::new(320, 256)).err(), Some(ConfigError::Overlap));
    assert_eq!(Store::new(f(), ok, Slot::new(256, 0)).err(), Some(ConfigError::TooSmall(SlotId::B)));
    assert!(Store::new(f(), ok, Slot::new(256, 256)).is_ok());
    // A flash whose program unit does not divide its sector.
    let bad = MockFlash::<1, 48, 64>::new(1024);
    assert_eq!(
        Store::new(bad, ok, Slot::new(256, 256)).err(),
        Some(ConfigError::Geometry { read: 1, write: 48, erase: 64 })
    );
    let bad = MockFlash::<3, 4, 64>::new(1024);
    assert!(matches!(Store::new(bad, ok, Slot::new(256, 256)).err(), Some(ConfigError::Geometry { .. })));
    // Every error says something.
    assert_eq!(ConfigError::Overlap.to_string(), "the two slots overlap");
}

#[test]
fn round_trip_is_bit_exact_and_alternates_slots() {
    let (_, _, cap) = layout();
    let mut flash = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    let mut n = net(3);
    let mut o = opt(&n);
    let mut s = store(&mut flash);
    assert_eq!(s.newest(), None);
    for k in 0..5u32 {
        for _ in 0..3 {
            step(&mut n, &mut o);
        }
        assert_eq!(s.save(&n, &o, &mut scratch), Ok(k));
        let slot = if k.is_multiple_of(2) { SlotId::A } else { SlotId::B };
        assert_eq!(s.newest(), Some(Record { slot, seq: k, len: 176 }));
    }
    // The spare sectors between and after the slots were never written.
    assert!(flash.mem[SLOT as usize..SLOT as usize + 64].iter().all(|&b| b == 0xFF));
    assert!(flash.mem[cap - 64..].iter().all(|&b| b == 0xFF));

    let (mut n2, mut o2) = boot();
    let mut s = store(&mut flash);
    assert_eq!(s.load(&mut n2, &mut o2, &mut scratch), Ok(Some(4)));
    assert_eq!(state(&n2, &o2), state(&n, &o));
    assert_eq!(o2.steps(), 15);
    assert_eq!((n2, o2), (n, o));
}

#[test]
fn one_save_costs_erases_programs_and_reads() {
    let (_, _, cap) = layout();
    let mut flash = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    let n = net(4);
    let o = opt(&n);
    // First save on a blank flash: scans both slots (one header read each: no magic), erases
    // 4 sectors, programs payload then header, reads the record back (header + payload).
    store(&mut flash).save(&n, &o, &mut scratch).unwrap();
    assert_eq!((flash.erases, flash.programs, flash.reads), (4, 2, 4));
    // A later save with a store that already knows the newest record reads only to verify.
    flash.arm(Cut::After(usize::MAX));
    let mut s = store(&mut flash);
    s.scan(&mut scratch).unwrap();
    s.save(&n, &o, &mut scratch).unwrap();
    // Scan: header + payload of A, header of B; verify: header + payload.
    assert_eq!((flash.erases, flash.programs, flash.reads), (4, 2, 3 + 2));
}

#[test]
fn newest_of_two_is_loaded() {
    let (a, b, cap) = layout();
    let mut flash = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    let n1 = net(1);
    let o1 = opt(&n1);
    let n2 = net(2);
    let o2 = opt(&n2);
    // Newer in A this time.
    handmade_record(&mut flash, a, 8, &blob(&n2, &o2));
    handmade_record(&mut flash, b, 7, &blob(&n1, &o1));
    let (mut n, mut o) = boot();
    let mut s = store(&mut flash);
    assert_eq!(s.load(&mut n, &mut o, &mut scratch), Ok(Some(8)));
    assert_eq!(state(&n, &o), state(&n2, &o2));
    // The next save goes to B (the older), as number 9, and then wins.
    assert_eq!(s.save(&n1, &o1, &mut scratch), Ok(9));
    assert_eq!(s.newest().map(|r| r.slot), Some(SlotId::B));
    assert_eq!(store(&mut flash).load(&mut n, &mut o, &mut scratch), Ok(Some(9)));
    assert_eq!(state(&n, &o), state(&n1, &o1));
}

#[test]
fn sequence_numbers_wrap_around() {
    let (a, b, cap) = layout();
    let mut flash = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    let mut n = net(5);
    let mut o = opt(&n);
    handmade_record(&mut flash, a, u32::MAX - 1, &blob(&n, &o));
    let mut s = store(&mut flash);
    let mut seqs = Vec::new();
    for _ in 0..4 {
        step(&mut n, &mut o);
        seqs.push(s.save(&n, &o, &mut scratch).unwrap());
        let expect = state(&n, &o);
        // Each reboot finds the record just written, across the wrap.
        let (mut n2, mut o2) = boot();
        assert_eq!(store(s.flash_mut()).load(&mut n2, &mut o2, &mut scratch), Ok(seqs.last().copied()));
        assert_eq!(state(&n2, &o2), expect);
    }
    assert_eq!(seqs, [u32::MAX, 0, 1, 2]);
    let expect = state(&n, &o);

    // 0 is newer than u32::MAX whichever slot holds which.
    let n_old = net(6);
    let o_old = opt(&n_old);
    handmade_record(&mut flash, a, 0, &blob(&n, &o));
    handmade_record(&mut flash, b, u32::MAX, &blob(&n_old, &o_old));
    let (mut n2, mut o2) = boot();
    assert_eq!(store(&mut flash).load(&mut n2, &mut o2, &mut scratch), Ok(Some(0)));
    assert_eq!(state(&n2, &o2), expect);
    // Numbers 2^31 apart are ambiguous: slot A wins.
    handmade_record(&mut flash, a, 5, &blob(&n_old, &o_old));
    handmade_record(&mut flash, b, 5 + (1 << 31), &blob(&n, &o));
    assert_eq!(store(&mut flash).load(&mut n2, &mut o2, &mut scratch), Ok(Some(5)));
    assert_eq!(state(&n2, &o2), state(&n_old, &o_old));
}

/// Flips each bit of the newest record (header area and payload) in turn: the load falls
/// back to the older record, never to the damaged one.
#[test]
fn damage_in_the_newest_record_falls_back_to_the_other() {
    let (a, b, cap) = layout();
    let mut clean = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    let n_old = net(7);
    let o_old = opt(&n_old);
    let mut n_new = n_old;
    let mut o_new = o_old;
    step(&mut n_new, &mut o_new);
    handmade_record(&mut clean, a, 41, &blob(&n_old, &o_old));
    handmade_record(&mut clean, b, 42, &blob(&n_new, &o_new));
    let record = checkpoint::header_area::<Flash>() + 176;
    let mut tried = 0;
    for byte in 0..record {
        for bit in 0..8 {
            let mut f = clean.clone();
            f.mem[b.offset as usize + byte] ^= 1 << bit;
            let (mut n, mut o) = boot();
            assert_eq!(store(&mut f).load(&mut n, &mut o, &mut scratch), Ok(Some(41)), "byte {byte} bit {bit}");
            assert_eq!(state(&n, &o), state(&n_old, &o_old));
            tried += 1;
        }
    }
    assert_eq!(tried, 200 * 8);
    // Undamaged, B wins.
    let (mut n, mut o) = boot();
    assert_eq!(store(&mut clean).load(&mut n, &mut o, &mut scratch), Ok(Some(42)));
    assert_eq!(state(&n, &o), state(&n_new, &o_new));
}

#[test]
fn nothing_valid_is_none_and_leaves_the_model_alone() {
    let (a, b, cap) = layout();
    let mut scratch = [0u8; SCRATCH];
    let (mut n, mut o) = boot();
    let before = state(&n, &o);
    // Blank flash.
    let mut f = Flash::new(cap);
    assert_eq!(store(&mut f).load(&mut n, &mut o, &mut scratch), Ok(None));
    // Both records damaged.
    let other = net(8);
    let other_opt = opt(&other);
    handmade_record(&mut f, a, 1, &blob(&other, &other_opt));
    handmade_record(&mut f, b, 2, &blob(&other, &other_opt));
    f.mem[a.offset as usize + 100] ^= 4;
    f.mem[b.offset as usize + 9] ^= 1;
    assert_eq!(store(&mut f).load(&mut n, &mut o, &mut scratch), Ok(None));
    // All zeros (programmed-over flash) and noise.
    f.mem.fill(0);
    assert_eq!(store(&mut f).load(&mut n, &mut o, &mut scratch), Ok(None));
    for (i, m) in f.mem.iter_mut().enumerate() {
        *m = noise(77, i);
    }
    assert_eq!(store(&mut f).load(&mut n, &mut o, &mut scratch), Ok(None));
    assert_eq!(state(&n, &o), before);
}

#[test]
fn a_record_of_another_model_is_refused_untouched() {
    let (_, _, cap) = layout();
    let mut f = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    // Saved with plain SGD: the momentum optimizer refuses it.
    let n = net(9);
    let plain = Sgd::new(0.5).unwrap();
    store(&mut f).save(&n, &plain, &mut scratch).unwrap();
    let (mut n2, mut o2) = boot();
    let before = state(&n2, &o2);
    assert_eq!(store(&mut f).load(&mut n2, &mut o2, &mut scratch), Err(Error::Load(LoadError::OptimizerMismatch)));
    assert_eq!(state(&n2, &o2), before);
    // Another shape.
    type Wide = (Dense<2, 4>, Sigmoid<4>, Dense<4, 2>, Sigmoid<2>);
    let mut w: Wide = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    let mut wo = Sgd::new(0.5).unwrap();
    let mut big = [0u8; checkpoint::scratch_len::<Wide, Flash>()];
    let r = store(&mut f).load(&mut w, &mut wo, &mut big);
    assert!(matches!(r, Err(Error::Load(LoadError::ShapeMismatch { .. }))), "{r:?}");
    let msg = r.unwrap_err().to_string();
    assert!(msg.starts_with("the newest checkpoint does not load: shape mismatch"), "{msg}");
}

#[test]
fn short_buffers_and_slots_are_errors_before_any_write() {
    let mut scratch = [0u8; SCRATCH];
    let n = net(10);
    let o = opt(&n);
    let mut f = Flash::new(1024);
    let mut s = Store::new(&mut f, Slot::new(0, 192), Slot::new(256, 256)).unwrap();
    assert_eq!(s.save(&n, &o, &mut scratch[..199]), Err(Error::ScratchTooSmall { needed: 200, got: 199 }));
    assert_eq!(s.save(&n, &o, &mut scratch), Err(Error::SlotTooSmall { needed: 256, got: 192 }));
    assert_eq!(f.ops(), 0);
    assert!(f.mem.iter().all(|&b| b == 0xFF));
    // A non-finite parameter is refused by persist; flash untouched.
    let mut bad = n;
    bad.0.weights_mut()[0][0] = f32::NAN;
    let mut s = Store::new(&mut f, Slot::new(0, 256), Slot::new(256, 256)).unwrap();
    assert!(matches!(s.save(&bad, &o, &mut scratch), Err(Error::Save(_))));
    assert_eq!(f.ops(), 0);
}

#[test]
fn read_back_mismatch_is_reported() {
    /// A flash whose programs lose one bit: the record never validates.
    struct Leaky(Flash);
    impl ErrorType for Leaky {
        type Error = FlashError;
    }
    impl ReadNorFlash for Leaky {
        const READ_SIZE: usize = 1;
        fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
            self.0.read(offset, bytes)
        }
        fn capacity(&self) -> usize {
            self.0.capacity()
        }
    }
    impl NorFlash for Leaky {
        const WRITE_SIZE: usize = 4;
        const ERASE_SIZE: usize = 64;
        fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
            self.0.erase(from, to)
        }
        fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
            let mut v = bytes.to_vec();
            v[0] &= 0xFE;
            self.0.write(offset, &v)
        }
    }
    let mut scratch = [0u8; SCRATCH];
    let n = net(11);
    let o = opt(&n);
    let mut s = Store::new(Leaky(Flash::new(512)), Slot::new(0, 256), Slot::new(256, 256)).unwrap();
    let e = s.save(&n, &o, &mut scratch);
    assert_eq!(e, Err(Error::Verify));
    assert_eq!(e.unwrap_err().to_string(), "the checkpoint read back differs from the one written or read before");
    assert_eq!(s.newest(), None);
}

#[test]
fn clear_forgets_everything() {
    let mut f = Flash::new(1024);
    let mut scratch = [0u8; SCRATCH];
    let n = net(12);
    let o = opt(&n);
    let mut s = store(&mut f);
    s.save(&n, &o, &mut scratch).unwrap();
    s.save(&n, &o, &mut scratch).unwrap();
    s.clear().unwrap();
    assert_eq!(s.newest(), None);
    let (mut n2, mut o2) = boot();
    assert_eq!(s.load(&mut n2, &mut o2, &mut scratch), Ok(None));
    assert_eq!(s.save(&n, &o, &mut scratch), Ok(0));
}

// ---------------------------------------------------------------------------------------
// Power cuts.
// ---------------------------------------------------------------------------------------

/// What one checkpoint write does on the flash, recorded from an uncut run.
struct Plan {
    /// For each operation: erase (length) or program (length).
    ops: Vec<(bool, usize)>,
}

/// Every cut of a write: at each operation boundary, inside each program at every byte
/// (in order) and [`SCATTERED`] times out of order, inside each erase at every word with each
/// kind of leftover.
fn cuts<const W: usize>(plan: &Plan) -> Vec<Cut> {
    let mut v: Vec<Cut> = (0..=plan.ops.len()).map(Cut::After).collect();
    for (op, &(erase, len)) in plan.ops.iter().enumerate() {
        if erase {
            for bytes in (0..len).step_by(W) {
                for rest in [Rest::Old, Rest::Zeros, Rest::Noise] {
                    v.push(Cut::Inside { op, torn: Torn::Erase { bytes, rest } });
                }
            }
        } else {
            for bytes in 0..len {
                v.push(Cut::Inside { op, torn: Torn::Program { bytes } });
            }
            for seed in 0..SCATTERED {
                v.push(Cut::Inside { op, torn: Torn::Scattered { seed: seed * 7919 + op } });
            }
        }
    }
    v
}

/// Records the operations of a save on a copy of `flash`.
struct Recorder<'a, const R: usize, const W: usize, const E: usize>(&'a mut MockFlash<R, W, E>, Vec<(bool, usize)>);

impl<const R: usize, const W: usize, const E: usize> ErrorType for Recorder<'_, R, W, E> {
    type Error = FlashError;
}
impl<const R: usize, const W: usize, const E: usize> ReadNorFlash for Recorder<'_, R, W, E> {
    const READ_SIZE: usize = R;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
        self.0.read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}
impl<const R: usize, const W: usize, const E: usize> NorFlash for Recorder<'_, R, W, E> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
        self.1.push((true, (to - from) as usize));
        self.0.erase(from, to)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
        self.1.push((false, bytes.len()));
        self.0.write(offset, bytes)
    }
}

#[derive(Debug, Default)]
struct Tally {
    writes: usize,
    cuts: usize,
    boundary_cuts: usize,
    torn_program_cuts: usize,
    torn_erase_cuts: usize,
    /// The reboot loaded the previous checkpoint.
    previous: usize,
    /// The reboot found no checkpoint, and none had been completed (first write cut).
    nothing_yet: usize,
    /// The reboot loaded the checkpoint being written.
    new: usize,
    /// ... of which the cut was inside the header program (the write's last operation)
    /// when every byte still to program already held its final value.
    new_torn_but_complete: usize,
    lost: usize,
    corrupt: usize,
    /// Resumed runs that, continued to the end, match the uninterrupted run bit for bit.
    resumed_equal: usize,
}

/// Scattered tears tried per program operation.
const SCATTERED: usize = 16;

const STEPS: u32 = 60;
const EVERY: u32 = 5;

/// The uninterrupted run: the final state and the state at each checkpoint.
fn reference_run() -> (State, Vec<State>) {
    let mut n = net(21);
    let mut o = opt(&n);
    let mut at = Vec::new();
    for t in 1..=STEPS {
        step(&mut n, &mut o);
        if t.is_multiple_of(EVERY) {
            at.push(state(&n, &o));
        }
    }
    (state(&n, &o), at)
}

/// Trains from a loaded state to the end of the run, checkpointing on the same schedule,
/// and returns the final state.
fn continue_run<const R: usize, const W: usize, const E: usize>(
    mut n: Net,
    mut o: Opt,
    s: &mut Store<&mut MockFlash<R, W, E>>,
    scratch: &mut [u8],
) -> State {
    while o.steps() < STEPS {
        step(&mut n, &mut o);
        if o.steps().is_multiple_of(EVERY) {
            s.save(&n, &o, scratch).unwrap();
        }
    }
    state(&n, &o)
}

/// The campaign on flash geometry `<R, W, E>` with slots at `a` and `b`.
fn power_cut_campaign<const R: usize, const W: usize, const E: usize>() -> Tally {
    let slot = checkpoint::slot_len::<Net, MockFlash<R, W, E>>() as u32;
    let (a, b) = (Slot::new(0, slot), Slot::new(slot, slot));
    let mut scratch = vec![0u8; checkpoint::scratch_len::<Net, MockFlash<R, W, E>>()];
    let (final_state, at) = reference_run();

    let mut flash = MockFlash::<R, W, E>::new(2 * slot as usize);
    let mut n = net(21);
    let mut o = opt(&n);
    let mut t = Tally::default();
    let mut previous: Option<State> = None;
    let mut seq = 0u32;
    for t_step in 1..=STEPS {
        step(&mut n, &mut o);
        if !t_step.is_multiple_of(EVERY) {
            continue;
        }
        let new = state(&n, &o);
        assert_eq!(Some(&new), at.get(t.writes));
        // The uncut write, recorded: its operations and the flash it leaves.
        let mut done = flash.clone();
        let mut rec = Recorder(&mut done, Vec::new());
        assert_eq!(Store::new(&mut rec, a, b).unwrap().save(&n, &o, &mut scratch), Ok(seq));
        let plan = Plan { ops: rec.1 };
        let target = if seq.is_multiple_of(2) { a } else { b };
        let span = target.offset as usize..(target.offset + slot) as usize;

        let all = cuts::<W>(&plan);
        for (i, &cut) in all.iter().enumerate() {
            let mut f = flash.clone();
            // The firmware was running with a store that had loaded at boot (or saved).
            let mut s = Store::new(&mut f, a, b).unwrap();
            s.scan(&mut scratch).unwrap();
            s.flash_mut().arm(cut);
            let r = s.save(&n, &o, &mut scratch);
            assert_eq!(r, Err(Error::Flash(FlashError::PowerCut)), "{cut:?}");
            assert!(f.fired, "cut {cut:?} was not reached");
            t.cuts += 1;
            match cut {
                Cut::After(_) => t.boundary_cuts += 1,
                Cut::Inside { torn: Torn::Program { .. } | Torn::Scattered { .. }, .. } => t.torn_program_cuts += 1,
                Cut::Inside { torn: Torn::Erase { .. }, .. } => t.torn_erase_cuts += 1,
            }
            // Outside the target slot nothing changed.
            for (k, (x, y)) in f.mem.iter().zip(&flash.mem).enumerate() {
                assert!(span.contains(&k) || x == y, "{cut:?} changed byte {k}");
            }
            let complete = f.mem[span.clone()] == done.mem[span.clone()];

            // Reboot.
            f.power_on();
            // The firmware's deployed model, as flashed, then whatever checkpoint it finds.
            let mut n2 = net(21);
            let mut o2 = opt(&n2);
            let blank = state(&n2, &o2);
            let mut s = Store::new(&mut f, a, b).unwrap();
            let got = s.load(&mut n2, &mut o2, &mut scratch).unwrap();
            let now = state(&n2, &o2);
            if now == new && got == Some(seq) {
                assert!(complete, "{cut:?}: an incomplete record was accepted");
                t.new += 1;
                if let Cut::Inside { op, .. } = cut {
                    // Only the header program, the last operation, can be cut that late.
                    assert_eq!(op, plan.ops.len() - 1, "{cut:?}");
                    t.new_torn_but_complete += 1;
                }
            } else if previous.as_ref() == Some(&now) && got == seq.checked_sub(1) {
                assert!(!complete);
                t.previous += 1;
            } else if previous.is_none() && got.is_none() && now == blank {
                t.nothing_yet += 1;
            } else if got.is_none() || now == blank {
                t.lost += 1;
            } else {
                t.corrupt += 1;
            }
            // Continue training from what was loaded: same end state as the uninterrupted
            // run (all boundary cuts, and every 7th of the others to keep the run short).
            if matches!(cut, Cut::After(_)) || i % 7 == 0 {
                let end = continue_run(n2, o2, &mut s, &mut scratch);
                assert_eq!(end, final_state, "{cut:?}");
                t.resumed_equal += 1;
            }
        }
        flash = done;
        previous = Some(new);
        seq += 1;
        t.writes += 1;
    }
    assert_eq!(state(&n, &o), final_state);
    t
}

fn check_tally(t: &Tally, label: &str, ops_per_write: usize) {
    println!(
        "power-cut campaign ({label}): {} checkpoint writes, {} cuts ({} at operation boundaries, {} inside \
         programs, {} inside erases); after reboot: resumed from the previous checkpoint {}, from the new one {} \
         ({} of them cut inside the header program when every byte still to program already held its final \
         value, e.g. the 0xFF padding), nothing yet (first write) {}, \
         lost {}, corrupt loaded {}; continued to the end bit-identical to the uninterrupted run: {}",
        t.writes,
        t.cuts,
        t.boundary_cuts,
        t.torn_program_cuts,
        t.torn_erase_cuts,
        t.previous,
        t.new,
        t.new_torn_but_complete,
        t.nothing_yet,
        t.lost,
        t.corrupt,
        t.resumed_equal
    );
    assert_eq!(t.writes, (STEPS / EVERY) as usize);
    assert_eq!(t.lost, 0);
    assert_eq!(t.corrupt, 0);
    assert_eq!(t.cuts, t.previous + t.new + t.nothing_yet);
    assert_eq!(t.cuts, t.boundary_cuts + t.torn_program_cuts + t.torn_erase_cuts);
    assert_eq!(t.boundary_cuts, t.writes * (ops_per_write + 1));
    // Only a cut after the last operation, or a torn header program whose missing bytes
    // were all 0xFF anyway, yields the new record.
    assert_eq!(t.new - t.new_torn_but_complete, t.writes);
    // The first write's cuts find nothing yet; the others fall back to the previous.
    assert!(t.nothing_yet > 0 && t.previous > t.nothing_yet);
}

#[test]
fn power_cut_at_every_point_of_every_write() {
    let t = power_cut_campaign::<1, 4, 64>();
    // 4 sector erases + payload + header per write; 12 writes.
    // Cuts per write: 7 boundaries + 4 × 16 words × 3 leftovers (erase) + 176 + 24 bytes
    // + 2 × 16 scattered tears (programs).
    assert_eq!(t.cuts, 12 * (7 + 4 * 16 * 3 + 176 + 24 + 2 * SCATTERED));
    check_tally(&t, "read 1, write 4, erase 64", 6);
}

#[test]
fn power_cut_with_wide_program_units() {
    // 16-byte program units and 4-byte reads: padded header and payload, one 256-byte sector.
    let t = power_cut_campaign::<4, 16, 256>();
    assert_eq!(t.cuts, 12 * (4 + 256 / 16 * 3 + 176 + 32 + 2 * SCATTERED));
    check_tally(&t, "read 4, write 16, erase 256", 3);
}

/// A cut, a reboot, a cut of the retried write, another reboot: still the last complete
/// checkpoint, and training continued from it ends as the uninterrupted run.
#[test]
fn repeated_cuts_on_the_same_write() {
    let (final_state, at) = reference_run();
    let (_, _, cap) = layout();
    let mut flash = Flash::new(cap);
    let mut scratch = [0u8; SCRATCH];
    let mut n = net(21);
    let mut o = opt(&n);
    let mut s = store(&mut flash);
    while o.steps() < 2 * EVERY {
        step(&mut n, &mut o);
        if o.steps().is_multiple_of(EVERY) {
            s.save(&n, &o, &mut scratch).unwrap();
        }
    }
    // The third checkpoint's write is cut at several points in a row.
    let cuts = [
        Cut::Inside { op: 1, torn: Torn::Erase { bytes: 8, rest: Rest::Noise } },
        Cut::Inside { op: 4, torn: Torn::Program { bytes: 100 } },
        Cut::After(5),
        Cut::Inside { op: 5, torn: Torn::Program { bytes: 10 } },
    ];
    for cut in cuts {
        let (mut n2, mut o2) = boot();
        flash.power_on();
        let mut s = store(&mut flash);
        assert_eq!(s.load(&mut n2, &mut o2, &mut scratch), Ok(Some(1)));
        assert_eq!(state(&n2, &o2), at[1]);
        for _ in 0..EVERY {
            step(&mut n2, &mut o2);
        }
        assert_eq!(state(&n2, &o2), at[2]);
        s.flash_mut().arm(cut);
        assert_eq!(s.save(&n2, &o2, &mut scratch), Err(Error::Flash(FlashError::PowerCut)));
        assert!(s.flash().fired);
    }
    flash.power_on();
    let (mut n2, mut o2) = boot();
    let mut s = store(&mut flash);
    assert_eq!(s.load(&mut n2, &mut o2, &mut scratch), Ok(Some(1)));
    assert_eq!(continue_run(n2, o2, &mut s, &mut scratch), final_state);
    assert_eq!(s.newest().map(|r| r.seq), Some(11));
}

/// Headers with a correct CRC-32 whose fields do not fit this store or this blob: each is
/// rejected as a record, and the other slot's record is loaded.
#[test]
fn consistent_crc_but_wrong_fields_are_not_records() {
    let (a, b, cap) = layout();
    let mut scratch = [0u8; SCRATCH];
    let n_old = net(13);
    let o_old = opt(&n_old);
    let good = blob(&n_old, &o_old);
    let n_new = net(14);
    let o_new = opt(&n_new);
    let newer = blob(&n_new, &o_new);
    let head = checkpoint::header_area::<Flash>() as u32;
    // (version, reserved, payload offset, payload length, payload bytes)
    let mut longer = newer.clone();
    longer.extend_from_slice(&[0; 4]);
    let lies: [(u16, u16, u32, u32, &[u8]); 7] = [
        (2, 0, head, 176, &newer),      // another format version
        (1, 1, head, 176, &newer),      // reserved bits set
        (1, 0, head + 4, 176, &newer),  // payload elsewhere
        (1, 0, head, 180, &longer),     // blob's own length says 176
        (1, 0, head, u32::MAX, &newer), // longer than the slot
        (1, 0, head, 236, &newer),      // longer than the slot, just
        (1, 0, head, 20, &newer[..20]), // shorter than any blob
    ];
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    for (i, (version, reserved, offset, len, payload)) in lies.into_iter().enumerate() {
        let mut f = Flash::new(cap);
        handmade_record(&mut f, a, 3, &good);
        let mut h = Vec::new();
        h.extend_from_slice(b"STCK");
        h.extend_from_slice(&version.to_le_bytes());
        h.extend_from_slice(&reserved.to_le_bytes());
        h.extend_from_slice(&4u32.to_le_bytes());
        h.extend_from_slice(&offset.to_le_bytes());
        h.extend_from_slice(&len.to_le_bytes());
        let mut d = crc.digest();
        d.update(&h);
        d.update(payload);
        h.extend_from_slice(&d.finalize().to_le_bytes());
        let o = b.offset as usize;
        f.mem[o..o + 24].copy_from_slice(&h);
        let p = o + offset as usize;
        f.mem[p..p + payload.len()].copy_from_slice(payload);
        let (mut n, mut o2) = boot();
        assert_eq!(store(&mut f).load(&mut n, &mut o2, &mut scratch), Ok(Some(3)), "case {i}");
        assert_eq!(state(&n, &o2), state(&n_old, &o_old), "case {i}");
    }
}

#[test]
fn load_refuses_a_short_scratch_before_reading() {
    let mut f = Flash::new(1024);
    let mut scratch = [0u8; SCRATCH];
    let n = net(15);
    let o = opt(&n);
    store(&mut f).save(&n, &o, &mut scratch).unwrap();
    f.arm(Cut::After(usize::MAX));
    let (mut n2, mut o2) = boot();
    let before = state(&n2, &o2);
    let r = store(&mut f).load(&mut n2, &mut o2, &mut scratch[..SCRATCH - 1]);
    assert_eq!(r, Err(Error::ScratchTooSmall { needed: SCRATCH, got: SCRATCH - 1 }));
    assert_eq!(f.reads, 0);
    assert_eq!(state(&n2, &o2), before);
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("scratch buffer holds {} bytes, the record needs {SCRATCH}", SCRATCH - 1)
    );
}

#[test]
fn flash_errors_are_passed_on() {
    let mut f = Flash::new(1024);
    let mut scratch = [0u8; SCRATCH];
    let n = net(16);
    let o = opt(&n);
    // A failing read at boot is an error, not "no checkpoint".
    f.arm(Cut::After(0));
    let (mut n2, mut o2) = boot();
    let r = store(&mut f).load(&mut n2, &mut o2, &mut scratch);
    assert_eq!(r, Err(Error::Flash(FlashError::PowerCut)));
    assert_eq!(r.unwrap_err().to_string(), "flash error: An implementation specific error occurred (PowerCut)");
    f.power_on();
    // The store respects alignment and never programs a word twice (the double checks
    // both and would return its own errors): many saves in a row succeed.
    let mut s = store(&mut f);
    for k in 0..6 {
        assert_eq!(s.save(&n, &o, &mut scratch), Ok(k));
    }
    let e: &dyn std::error::Error = &Error::<FlashError>::Save(persist::SaveError::TooLarge);
    assert!(e.source().is_some());
}

/// Save, reboot, load, continue: the same bits as never stopping. Once at every checkpoint
/// of the run, with a store that lives across the reboot only through the flash bytes.
#[test]
fn resume_equals_an_uninterrupted_run() {
    let (final_state, at) = reference_run();
    for (stop, at_stop) in at.iter().enumerate() {
        let (_, _, cap) = layout();
        let mut flash = Flash::new(cap);
        let mut scratch = [0u8; SCRATCH];
        let mut n = net(21);
        let mut o = opt(&n);
        let mut s = store(&mut flash);
        while o.steps() < (stop as u32 + 1) * EVERY {
            step(&mut n, &mut o);
            if o.steps().is_multiple_of(EVERY) {
                s.save(&n, &o, &mut scratch).unwrap();
            }
        }
        assert_eq!(&state(&n, &o), at_stop);
        // A few steps past the checkpoint are lost with the power.
        step(&mut n, &mut o);
        let (mut n2, mut o2) = boot();
        let mut s = store(&mut flash);
        assert_eq!(s.load(&mut n2, &mut o2, &mut scratch), Ok(Some(stop as u32)));
        assert_eq!(o2.steps(), (stop as u32 + 1) * EVERY);
        assert_eq!(continue_run(n2, o2, &mut s, &mut scratch), final_state, "stopped after checkpoint {stop}");
    }
}
