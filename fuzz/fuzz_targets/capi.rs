//! The C API from arbitrary calls: a sequence of operations on one model state (of one of
//! the shapes) plus the free kernels, each with arbitrary row counts and dimensions (zero,
//! small, and so huge that the byte count overflows), null pointers per argument,
//! misaligned and uninitialised states, states of another shape, aliased buffers, arbitrary
//! float bit patterns and arbitrary blobs, and bit flips anywhere in an initialised state.
//!
//! Every buffer handed over really has the length the call claims, except where the
//! documented rules make the call a refusal (zero rows, `rows != BATCH` in training, a byte
//! count past `isize::MAX`): there the buffer is deliberately short, so ASan reports any
//! read of memory the API had no right to touch.
//!
//! Properties: no panic; every status is one of the documented codes; a refused call leaves
//! the state and every output byte-identical; no output is written past its claimed length;
//! after a successful training step every weight and the optimizer state (SGD's velocity, or
//! Adam's moments, with SGD, Adam or AdamW chosen by arbitrary hyperparameters) is finite
//! (the saved blob loads into a fresh state with the same optimizer, and load refuses
//! NaN/∞); save(load(x)) == x for every accepted blob.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stacknet_capi::stacknet_status_t::{self, *};
use stacknet_capi::*;
use std::ptr::{null, null_mut};

type S = stacknet_status_t;

/// One shape's functions and constants.
trait Api: 'static {
    const IN: usize;
    const OUT: usize;
    const BATCH: usize;
    const SAVE: usize;
    const SIZE: usize;
    unsafe fn init(p: *mut u8, size: usize, seed: u64) -> S;
    unsafe fn validate(p: *const u8) -> S;
    unsafe fn set_hyper(p: *mut u8, h: *const stacknet_hyper_t) -> S;
    unsafe fn get_hyper(p: *mut u8, h: *mut stacknet_hyper_t) -> S;
    unsafe fn train(p: *mut u8, x: *const f32, y: *const f32, rows: usize, r: *mut stacknet_step_report_t) -> S;
    unsafe fn predict(p: *mut u8, x: *const f32, rows: usize, out: *mut f32) -> S;
    unsafe fn loss(p: *mut u8, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S;
    unsafe fn accuracy(p: *mut u8, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S;
    unsafe fn save(p: *mut u8, buf: *mut u8, cap: usize, written: *mut usize) -> S;
    unsafe fn load(p: *mut u8, buf: *const u8, len: usize, used: *mut usize) -> S;
}

macro_rules! api {
    ($($name:ident),+) => { paste::paste! { $(
        #[allow(non_camel_case_types)]
        struct $name;
        impl Api for $name {
            const IN: usize = [<STACKNET_ $name:upper _INPUTS>];
            const OUT: usize = [<STACKNET_ $name:upper _OUTPUTS>];
            const BATCH: usize = [<STACKNET_ $name:upper _BATCH>];
            const SAVE: usize = [<STACKNET_ $name:upper _SAVE_SIZE>];
            const SIZE: usize = [<STACKNET_ $name:upper _STATE_SIZE>];
            unsafe fn init(p: *mut u8, size: usize, seed: u64) -> S {
                unsafe { [<stacknet_ $name _init>](p.cast(), size, seed) }
            }
            unsafe fn validate(p: *const u8) -> S {
                unsafe { [<stacknet_ $name _validate>](p.cast()) }
            }
            unsafe fn set_hyper(p: *mut u8, h: *const stacknet_hyper_t) -> S {
                unsafe { [<stacknet_ $name _set_hyper>](p.cast(), h) }
            }
            unsafe fn get_hyper(p: *mut u8, h: *mut stacknet_hyper_t) -> S {
                unsafe { [<stacknet_ $name _get_hyper>](p.cast(), h) }
            }
            unsafe fn train(p: *mut u8, x: *const f32, y: *const f32, rows: usize, r: *mut stacknet_step_report_t) -> S {
                unsafe { [<stacknet_ $name _train_step>](p.cast(), x, y, rows, r) }
            }
            unsafe fn predict(p: *mut u8, x: *const f32, rows: usize, out: *mut f32) -> S {
                unsafe { [<stacknet_ $name _predict>](p.cast(), x, rows, out) }
            }
            unsafe fn loss(p: *mut u8, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S {
                unsafe { [<stacknet_ $name _loss>](p.cast(), x, y, rows, out) }
            }
            unsafe fn accuracy(p: *mut u8, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S {
                unsafe { [<stacknet_ $name _accuracy>](p.cast(), x, y, rows, out) }
            }
            unsafe fn save(p: *mut u8, buf: *mut u8, cap: usize, written: *mut usize) -> S {
                unsafe { [<stacknet_ $name _save>](p.cast(), buf, cap, written) }
            }
            unsafe fn load(p: *mut u8, buf: *const u8, len: usize, used: *mut usize) -> S {
                unsafe { [<stacknet_ $name _load>](p.cast(), buf, len, used) }
            }
        }
    )+ } };
}
api!(xor_2_3_2, xor_2_3_2_bias, xor_2_10_2, xor_2_10_2_bias, xor_2_50_2, xor_2_50_2_bias);

/// The largest state of all shapes, in u64 words (+1 so a misaligned view still fits).
const MAX_WORDS: usize = STACKNET_XOR_2_50_2_BIAS_STATE_SIZE / 8 + 1;

/// A row count or dimension.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Count {
    /// 0..=79 (covers zero, one, the batch of 32 and several chunks).
    Small(u8),
    /// The shape's batch.
    Batch,
    /// A count whose byte count is past `isize::MAX` (must be refused).
    Huge(u16),
}

impl Count {
    fn get(self, batch: usize) -> usize {
        match self {
            Count::Small(n) => usize::from(n % 80),
            Count::Batch => batch,
            Count::Huge(d) => usize::MAX - usize::from(d),
        }
    }
}

/// How the state pointer is passed.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum StatePtr {
    Good,
    Null,
    /// Offset 1..=7 bytes from an aligned address.
    Misaligned(u8),
}

/// Float data: raw bit patterns, or (when `tame`) small finite values made from them.
#[derive(Arbitrary, Debug)]
struct Data {
    bits: Vec<u32>,
    tame: bool,
}

impl Data {
    fn fill(&self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let b = if self.bits.is_empty() { i as u32 } else { self.bits[i % self.bits.len()] };
                if self.tame {
                    (b % 2001) as f32 / 1000.0 - 1.0
                } else {
                    f32::from_bits(b)
                }
            })
            .collect()
    }
}

/// One input buffer: non-null, null, or misaligned by one byte.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Ptr {
    Good,
    Null,
    Misaligned,
}

#[derive(Arbitrary, Debug)]
struct Hyper {
    learning_rate: u32,
    schedule: u32,
    step_every: u32,
    step_factor: u32,
    exp_rate: u32,
    ridge: u32,
    clip: u32,
    clip_threshold: u32,
    momentum: u32,
    optimizer: u32,
    beta1: u32,
    beta2: u32,
    eps: u32,
    weight_decay: u32,
    /// Keep the numeric fields in sane ranges (so most calls are accepted).
    tame: bool,
}

impl Hyper {
    fn get(&self) -> stacknet_hyper_t {
        let f = |b: u32, lo: f32, hi: f32| {
            if self.tame {
                lo + (hi - lo) * (b % 1001) as f32 / 1000.0
            } else {
                f32::from_bits(b)
            }
        };
        stacknet_hyper_t {
            learning_rate: f(self.learning_rate, 0.001, 5.0),
            schedule: if self.tame { self.schedule % 3 } else { self.schedule },
            step_every: if self.tame { self.step_every % 10 + 1 } else { self.step_every },
            step_factor: f(self.step_factor, 0.01, 1.0),
            exp_rate: f(self.exp_rate, 0.0, 0.1),
            ridge: f(self.ridge, 0.0, 0.01),
            clip: if self.tame { self.clip % 3 } else { self.clip },
            clip_threshold: f(self.clip_threshold, 0.01, 10.0),
            momentum: f(self.momentum, 0.0, 0.99),
            // SGD, Adam, AdamW (tame), or any code (the unknown ones must be refused).
            optimizer: if self.tame { self.optimizer % 3 } else { self.optimizer },
            beta1: f(self.beta1, 0.0, 0.99),
            beta2: f(self.beta2, 0.9, 0.9999),
            eps: f(self.eps, 1e-8, 1e-3),
            weight_decay: f(self.weight_decay, 0.0, 0.1),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Init {
        seed: u64,
        size: u32,
        ptr: StatePtr,
    },
    SetHyper {
        h: Hyper,
        null: bool,
        ptr: StatePtr,
    },
    GetHyper {
        null: bool,
        misaligned: bool,
        ptr: StatePtr,
    },
    Train {
        rows: Count,
        x: Data,
        y: Data,
        px: Ptr,
        py: Ptr,
        report: Ptr,
        short: u8,
        ptr: StatePtr,
    },
    Predict {
        rows: Count,
        x: Data,
        px: Ptr,
        pout: Ptr,
        alias: bool,
        ptr: StatePtr,
    },
    Loss {
        rows: Count,
        x: Data,
        y: Data,
        px: Ptr,
        py: Ptr,
        pout: Ptr,
        accuracy: bool,
        ptr: StatePtr,
    },
    Save {
        cap: u16,
        pbuf: Ptr,
        pwritten: Ptr,
        ptr: StatePtr,
    },
    Load {
        bytes: Vec<u8>,
        extra: u8,
        pbuf: Ptr,
        pused: Ptr,
        ptr: StatePtr,
    },
    /// Saves the state, mutates the blob (optionally fixing its CRC), loads it back.
    Mutate {
        flips: Vec<(u16, u8)>,
        fix_crc: bool,
    },
    /// Flips up to 8 bits anywhere in the state (as retained RAM might after a reset): every
    /// call then refuses the state with a documented status, or the flips were in the
    /// scratch workspace and change nothing `save` or `get_hyper` see.
    FlipBits {
        bits: Vec<u32>,
    },
    /// Garbage in the state (never the initialised magic), or a state of another shape.
    Corrupt {
        bytes: Vec<u8>,
        other_shape: u8,
    },
    Matmul {
        layout: u8,
        m: Count,
        k: Count,
        n: Count,
        a: Data,
        b: Data,
        c: Data,
        acc: u32,
        pa: Ptr,
        pb: Ptr,
        pc: Ptr,
        alias: bool,
    },
    Sigmoid {
        n: Count,
        x: Data,
        p: Ptr,
    },
    SigmoidBackward {
        n: Count,
        dy: Data,
        y: Data,
        pdy: Ptr,
        py: Ptr,
        pdx: Ptr,
        alias: bool,
    },
    Queries {
        code: i32,
        tier: u32,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    shape: u8,
    seed: u64,
    ops: Vec<Op>,
}

/// Checks the status is one of the documented codes (0..=16) and returns whether it is OK.
fn ok(s: S) -> bool {
    let code = s as i32;
    assert!((0..=16).contains(&code), "undocumented status {code}");
    s == STACKNET_OK
}

/// A float buffer of `claim` elements (plus a canary tail) when the claim is small; a short
/// buffer when `refuse` says the API must refuse the claim without touching memory.
struct Buf {
    v: Vec<f32>,
    claim: usize,
}

const CANARY: u32 = 0x7fc0_dead;

impl Buf {
    fn new(data: &[f32], claim: Option<usize>, refuse: bool, short: usize) -> Buf {
        let (len, claim) = match claim {
            Some(c) if c <= 1 << 16 && !refuse => (c, c),
            Some(c) if c <= 1 << 16 => (c.min(short), c),
            _ => (short.min(64), usize::MAX),
        };
        let mut v: Vec<f32> = data.iter().copied().chain(std::iter::repeat(0.0)).take(len).collect();
        v.extend([f32::from_bits(CANARY); 3]);
        Buf { v, claim }
    }

    fn ptr(&mut self, p: Ptr) -> *mut f32 {
        match p {
            Ptr::Good => self.v.as_mut_ptr(),
            Ptr::Null => null_mut(),
            Ptr::Misaligned => self.v.as_mut_ptr().cast::<u8>().wrapping_add(1).cast(),
        }
    }

    fn bits(&self) -> Vec<u32> {
        self.v.iter().map(|x| x.to_bits()).collect()
    }

    /// The canary tail past the claimed length is intact.
    fn tail_intact(&self) -> bool {
        let start = self.claim.min(self.v.len() - 3);
        self.v[start..].iter().all(|x| x.to_bits() == CANARY) || self.claim > self.v.len()
    }
}

struct Ctx {
    words: Vec<u64>,
}

impl Ctx {
    fn state(&mut self, p: StatePtr) -> *mut u8 {
        let base = self.words.as_mut_ptr().cast::<u8>();
        match p {
            StatePtr::Good => base,
            StatePtr::Null => null_mut(),
            StatePtr::Misaligned(o) => base.wrapping_add(usize::from(o % 7 + 1)),
        }
    }
    fn snapshot(&self) -> Vec<u64> {
        self.words.clone()
    }
}

/// Saves the state at `p` (must succeed for an initialised state).
fn save<A: Api>(p: *mut u8) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; A::SAVE];
    let mut written = 0usize;
    // SAFETY: `buf` has `A::SAVE` bytes; `p` is the harness state or null.
    let s = unsafe { A::save(p, buf.as_mut_ptr(), buf.len(), &mut written) };
    if !ok(s) {
        return None;
    }
    assert!(written <= A::SAVE);
    buf.truncate(written);
    Some(buf)
}

/// What a caller can see of the state at `p`: the saved blob (weights, optimizer) and the
/// hyperparameters' bits; `None` parts for a state that is not initialised.
fn observe<A: Api>(p: *mut u8) -> (Option<Vec<u8>>, [u32; 14]) {
    let mut h = [0u32; 14];
    const _: () = assert!(size_of::<[u32; 14]>() == STACKNET_HYPER_SIZE);
    // SAFETY: `p` is the harness state; `h` has the size and alignment of the hyper struct.
    let _ = unsafe { A::get_hyper(p, h.as_mut_ptr().cast()) };
    (save::<A>(p), h)
}

/// Loads `blob`, saved from the initialised state at `from`, into a fresh state of the same
/// shape and optimizer kind (`from`'s hyperparameters): Ok only when every value is finite.
fn loads_fresh<A: Api>(from: *mut u8, blob: &[u8]) -> S {
    let mut fresh = vec![0u64; A::SIZE / 8];
    let p = fresh.as_mut_ptr().cast::<u8>();
    let mut h = std::mem::MaybeUninit::<stacknet_hyper_t>::uninit();
    // SAFETY: `fresh` has `A::SIZE` bytes, 8-aligned; `from` is the harness state; `h` is
    // writable.
    unsafe {
        assert!(ok(A::init(p, A::SIZE, 1)));
        assert!(ok(A::get_hyper(from, h.as_mut_ptr())));
        assert!(ok(A::set_hyper(p, h.as_ptr())));
    }
    // SAFETY: as above; `blob` is readable for its length.
    unsafe { A::load(p, blob.as_ptr(), blob.len(), null_mut()) }
}

fn fix_crc(blob: &mut [u8]) {
    if blob.len() < 12 {
        return;
    }
    let claimed = u32::from_le_bytes([blob[8], blob[9], blob[10], blob[11]]) as usize;
    let len = claimed.clamp(36, blob.len().max(36));
    if len > blob.len() {
        return;
    }
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob[..len - 4]);
    blob[len - 4..len].copy_from_slice(&crc.to_le_bytes());
}

fn run<A: Api>(input: &Input) {
    let mut cx = Ctx { words: vec![0u64; MAX_WORDS] };
    let st = cx.state(StatePtr::Good);
    // SAFETY: the buffer has at least `A::SIZE` bytes and is 8-aligned.
    assert!(ok(unsafe { A::init(st, A::SIZE, input.seed) }));
    for op in input.ops.iter().take(24) {
        let before = cx.snapshot();
        let observable = observe::<A>(st);
        let s = apply::<A>(&mut cx, op);
        if s == STACKNET_ERR_DIVERGED {
            // The step ran its forward and backward passes before it found the non-finite
            // value, so the scratch workspace inside the state differs; the weights, the
            // optimizer and the hyperparameters (everything save and get_hyper see) must not.
            assert!(observe::<A>(st) == observable, "diverged step changed the model: {op:?}");
        } else if !ok(s) {
            assert!(cx.words == before, "refused call ({s:?}) changed the state: {op:?}");
        }
    }
}

/// Runs one op and returns its status (OK for ops that are not one call).
fn apply<A: Api>(cx: &mut Ctx, op: &Op) -> S {
    match op {
        Op::Init { seed, size, ptr } => {
            let size = (*size as usize).min(MAX_WORDS * 8 - 8);
            let p = cx.state(*ptr);
            // SAFETY: `p` is null or inside the buffer with ≥ `size` bytes after it (size is
            // capped at the buffer length minus the largest misalignment).
            let s = unsafe { A::init(p, size, *seed) };
            if size < A::SIZE && ok(s) {
                panic!("init accepted {size} < {} bytes", A::SIZE);
            }
            s
        }
        Op::SetHyper { h, null: hnull, ptr } => {
            let hv = h.get();
            let p = cx.state(*ptr);
            let hp: *const stacknet_hyper_t = if *hnull { null() } else { &hv };
            // SAFETY: pointers are null or valid.
            let s = unsafe { A::set_hyper(p, hp) };
            if ok(s) {
                let mut back = stacknet_hyper_t {
                    learning_rate: 0.0,
                    schedule: 9,
                    step_every: 0,
                    step_factor: 0.0,
                    exp_rate: 0.0,
                    ridge: 0.0,
                    clip: 9,
                    clip_threshold: 0.0,
                    momentum: 0.0,
                    optimizer: 9,
                    beta1: 0.0,
                    beta2: 0.0,
                    eps: 0.0,
                    weight_decay: 0.0,
                };
                // SAFETY: valid pointers.
                assert!(ok(unsafe { A::get_hyper(p, &mut back) }));
                assert_eq!(format!("{back:?}"), format!("{hv:?}"));
            }
            s
        }
        Op::GetHyper { null: onull, misaligned, ptr } => {
            let mut out = vec![0u32; 16];
            let before = out.clone();
            let p = cx.state(*ptr);
            let o: *mut stacknet_hyper_t = if *onull {
                null_mut()
            } else if *misaligned {
                out.as_mut_ptr().cast::<u8>().wrapping_add(1).cast()
            } else {
                out.as_mut_ptr().cast()
            };
            // SAFETY: `o` is null or has 64 bytes (≥ STACKNET_HYPER_SIZE + 1 misalignment)
            // behind it.
            let s = unsafe { A::get_hyper(p, o) };
            if !ok(s) {
                assert_eq!(out, before);
            }
            s
        }
        Op::Train { rows, x, y, px, py, report, short, ptr } => {
            let r = rows.get(A::BATCH);
            let refuse = r != A::BATCH;
            let short = usize::from(*short);
            let mut bx = Buf::new(&x.fill(A::BATCH * A::IN), r.checked_mul(A::IN), refuse, short);
            let mut by = Buf::new(&y.fill(A::BATCH * A::OUT), r.checked_mul(A::OUT), refuse, short);
            let mut rep = vec![0u32; 7];
            let rep_before = rep.clone();
            let rp: *mut stacknet_step_report_t = match report {
                Ptr::Good => rep.as_mut_ptr().cast(),
                Ptr::Null => null_mut(),
                Ptr::Misaligned => rep.as_mut_ptr().cast::<u8>().wrapping_add(1).cast(),
            };
            let (xb, yb) = (bx.bits(), by.bits());
            let p = cx.state(*ptr);
            // SAFETY: buffers have the claimed lengths, except where refusal is documented.
            let s = unsafe { A::train(p, bx.ptr(*px), by.ptr(*py), r, rp) };
            assert_eq!((xb, yb), (bx.bits(), by.bits()), "train wrote its inputs");
            if refuse {
                assert!(!ok(s), "train accepted {r} rows");
            }
            if ok(s) {
                // Every weight and the velocity are finite: load refuses NaN/∞.
                let blob = save::<A>(p).expect("save after a successful step");
                assert_eq!(loads_fresh::<A>(p, &blob), STACKNET_OK, "non-finite state after a step");
            } else {
                assert_eq!(rep, rep_before, "refused train wrote the report");
            }
            s
        }
        Op::Predict { rows, x, px, pout, alias, ptr } => {
            let r = rows.get(A::BATCH);
            let refuse = r == 0 || r.checked_mul(A::IN * 4).is_none_or(|b| b > isize::MAX as usize);
            let xs = x.fill(80 * A::IN);
            let mut bx = Buf::new(&xs, r.checked_mul(A::IN), refuse, 8);
            let mut bo = Buf::new(&[], r.checked_mul(A::OUT), refuse, 8);
            let xb = bx.bits();
            let ob = bo.bits();
            let p = cx.state(*ptr);
            let xp = bx.ptr(*px);
            let op = if *alias { xp } else { bo.ptr(*pout) };
            // SAFETY: claimed lengths are real (IN == OUT, so an aliased output fits too).
            let s = unsafe { A::predict(p, xp, r, op) };
            if refuse {
                assert!(!ok(s), "predict accepted {r} rows");
            }
            if !*alias {
                assert_eq!(xb, bx.bits(), "predict wrote its input");
                assert!(bo.tail_intact(), "predict wrote past its output");
                if !ok(s) {
                    assert_eq!(ob, bo.bits(), "refused predict wrote its output");
                }
            } else {
                assert!(!ok(s), "predict accepted an output aliasing its input");
            }
            if ok(s) {
                let out = &bo.v[..r * A::OUT];
                assert!(out.iter().all(|v| (0.0..=1.0).contains(v)), "sigmoid output out of [0,1]");
            }
            s
        }
        Op::Loss { rows, x, y, px, py, pout, accuracy, ptr } => {
            let r = rows.get(A::BATCH);
            let refuse = r == 0 || r.checked_mul(A::IN * 4).is_none_or(|b| b > isize::MAX as usize);
            let mut bx = Buf::new(&x.fill(80 * A::IN), r.checked_mul(A::IN), refuse, 8);
            let mut by = Buf::new(&y.fill(80 * A::OUT), r.checked_mul(A::OUT), refuse, 8);
            let mut out = vec![f32::from_bits(CANARY); 2];
            let op = match pout {
                Ptr::Good => out.as_mut_ptr(),
                Ptr::Null => null_mut(),
                Ptr::Misaligned => out.as_mut_ptr().cast::<u8>().wrapping_add(1).cast(),
            };
            let p = cx.state(*ptr);
            // SAFETY: claimed lengths are real except where refusal is documented.
            let s = unsafe {
                if *accuracy {
                    A::accuracy(p, bx.ptr(*px), by.ptr(*py), r, op)
                } else {
                    A::loss(p, bx.ptr(*px), by.ptr(*py), r, op)
                }
            };
            if refuse {
                assert!(!ok(s), "loss/accuracy accepted {r} rows");
            }
            if ok(s) {
                // Finite targets near f32::MAX make the squared error overflow: the loss is then
                // +inf (reported as such, not refused), but never NaN or negative.
                assert!(out[0] >= 0.0, "loss/accuracy {}", out[0]);
                if *accuracy {
                    assert!(out[0] <= 1.0);
                }
                assert_eq!(out[1].to_bits(), CANARY);
            } else {
                assert!(out.iter().all(|v| v.to_bits() == CANARY));
            }
            s
        }
        Op::Save { cap, pbuf, pwritten, ptr } => {
            let cap = usize::from(*cap) % (A::SAVE + 64);
            let mut buf = vec![0xa5u8; cap + 8];
            let mut written = [usize::MAX; 2];
            let b = match pbuf {
                Ptr::Good => buf.as_mut_ptr(),
                Ptr::Null => null_mut(),
                Ptr::Misaligned => buf.as_mut_ptr().wrapping_add(1),
            };
            let w = match pwritten {
                Ptr::Good => written.as_mut_ptr(),
                Ptr::Null => null_mut(),
                Ptr::Misaligned => written.as_mut_ptr().cast::<u8>().wrapping_add(1).cast(),
            };
            let p = cx.state(*ptr);
            // SAFETY: `buf` has `cap + 8` bytes (≥ cap + 1 for the misaligned case).
            let s = unsafe { A::save(p, b, cap, w) };
            let off = usize::from(matches!(pbuf, Ptr::Misaligned));
            if ok(s) {
                assert!(written[0] <= cap && written[0] <= A::SAVE);
                assert!(buf[off + written[0]..].iter().all(|&v| v == 0xa5), "save wrote past `written`");
                assert_eq!(loads_fresh::<A>(p, &buf[off..off + written[0]]), STACKNET_OK);
            } else {
                assert!(buf.iter().all(|&v| v == 0xa5), "refused save wrote the buffer");
                assert_eq!(written, [usize::MAX; 2]);
            }
            s
        }
        Op::Load { bytes, extra, pbuf, pused, ptr } => {
            let p = cx.state(*ptr);
            load_check::<A>(p, bytes, usize::from(*extra % 4), *pbuf, *pused)
        }
        Op::Mutate { flips, fix_crc: fix } => {
            let p = cx.state(StatePtr::Good);
            let Some(mut blob) = save::<A>(p) else { return STACKNET_ERR_NOT_INITIALIZED };
            for &(at, x) in flips.iter().take(8) {
                let i = usize::from(at) % blob.len();
                blob[i] ^= x;
            }
            if *fix {
                fix_crc(&mut blob);
            }
            load_check::<A>(p, &blob, 0, Ptr::Good, Ptr::Good)
        }
        Op::FlipBits { bits } => {
            let st = cx.state(StatePtr::Good);
            // SAFETY: the buffer holds the largest state, 8-aligned.
            let was = unsafe { A::validate(st) };
            let observable = observe::<A>(st);
            for &bit in bits.iter().take(8) {
                let i = bit as usize % (A::SIZE * 8);
                // SAFETY: i / 8 < A::SIZE ≤ buffer length.
                unsafe { *st.add(i / 8) ^= 1 << (i % 8) };
            }
            // SAFETY: as above.
            let now = unsafe { A::validate(st) };
            match (ok(was), ok(now)) {
                (true, true) => assert!(observe::<A>(st) == observable, "undetected flips changed the model"),
                (_, false) => assert!(
                    matches!(now, STACKNET_ERR_NOT_INITIALIZED | STACKNET_ERR_WRONG_MODEL | STACKNET_ERR_STATE_CORRUPT),
                    "flipped state: {now:?}"
                ),
                // These flips undid earlier ones.
                (false, true) => {}
            }
            STACKNET_OK
        }
        Op::Corrupt { bytes, other_shape } => {
            if *other_shape % 4 == 0 {
                let base = cx.state(StatePtr::Good);
                // SAFETY: the buffer holds the largest state.
                let s = unsafe {
                    match other_shape / 4 % 3 {
                        0 => xor_2_3_2::init(base, MAX_WORDS * 8, 3),
                        1 => xor_2_10_2_bias::init(base, MAX_WORDS * 8, 3),
                        _ => xor_2_50_2::init(base, MAX_WORDS * 8, 3),
                    }
                };
                assert!(ok(s));
            } else {
                let b = cx.words.as_mut_ptr().cast::<u8>();
                for (i, &v) in bytes.iter().take(64).enumerate() {
                    // SAFETY: i < 64 < buffer length.
                    unsafe { *b.add(i) = v };
                }
                // Never forge an initialised header: that is a state C did not get from init.
                // SAFETY: in bounds.
                unsafe {
                    if std::slice::from_raw_parts(b, 4) == b"SNCA" {
                        *b = b'X';
                    }
                }
            }
            STACKNET_OK
        }
        Op::Matmul { layout, m, k, n, a, b, c, acc, pa, pb, pc, alias } => {
            let small = |c: &Count| match c {
                Count::Small(v) => Count::Small(v % 24),
                o => *o,
            };
            let (m, k, n) = (small(m).get(7), small(k).get(7), small(n).get(7));
            let too_big = |x: usize, y: usize| {
                x.checked_mul(y).is_none_or(|e| e.checked_mul(4).is_none_or(|b| b > isize::MAX as usize))
            };
            let refuse = too_big(m, k) || too_big(k, n) || too_big(m, n);
            let mut ba = Buf::new(&a.fill(24 * 24), m.checked_mul(k), refuse, 4);
            let mut bb = Buf::new(&b.fill(24 * 24), k.checked_mul(n), refuse, 4);
            let mut bc = Buf::new(&c.fill(24 * 24), m.checked_mul(n), refuse, 4);
            let (ab, bbits, cb) = (ba.bits(), bb.bits(), bc.bits());
            let ap = ba.ptr(*pa);
            let cp = if *alias { ap } else { bc.ptr(*pc) };
            // SAFETY: claimed lengths are real except where refusal is documented; an aliased
            // `c` is `a` (m·k ≥ m·n is not guaranteed, so only non-empty overlap matters:
            // the API must refuse it before touching memory).
            let s = if *alias && m.saturating_mul(n) > m.saturating_mul(k) {
                STACKNET_ERR_OVERLAP
            } else {
                unsafe {
                    match layout % 3 {
                        0 => stacknet_matmul(m, k, n, ap, bb.ptr(*pb), cp, *acc),
                        1 => stacknet_matmul_tn(m, k, n, ap, bb.ptr(*pb), cp, *acc),
                        _ => stacknet_matmul_nt(m, k, n, ap, bb.ptr(*pb), cp, *acc),
                    }
                }
            };
            if refuse {
                assert!(!ok(s), "matmul accepted {m}x{k}x{n}");
            }
            if *alias && !refuse && m * n > 0 && m * k > 0 {
                assert!(!ok(s), "matmul accepted aliased output");
            }
            assert_eq!(bbits, bb.bits());
            if !*alias {
                assert_eq!(ab, ba.bits());
                assert!(bc.tail_intact(), "matmul wrote past c");
                if !ok(s) {
                    assert_eq!(cb, bc.bits(), "refused matmul wrote c");
                } else {
                    assert!(*acc <= 1);
                }
            }
            s
        }
        Op::Sigmoid { n, x, p } => {
            let n = n.get(7);
            let refuse = n.checked_mul(4).is_none_or(|b| b > isize::MAX as usize);
            let mut bx = Buf::new(&x.fill(80), Some(n), refuse, 4);
            let before = bx.bits();
            // SAFETY: claimed length real unless refused by documentation.
            let s = unsafe { stacknet_sigmoid(bx.ptr(*p), n) };
            if refuse {
                assert!(!ok(s));
            }
            assert!(bx.tail_intact());
            if ok(s) {
                assert!(bx.v[..n].iter().all(|v| (0.0..=1.0).contains(v)));
            } else {
                assert_eq!(before, bx.bits());
            }
            s
        }
        Op::SigmoidBackward { n, dy, y, pdy, py, pdx, alias } => {
            let n = n.get(7);
            let refuse = n.checked_mul(4).is_none_or(|b| b > isize::MAX as usize);
            let mut bdy = Buf::new(&dy.fill(80), Some(n), refuse, 4);
            let mut by = Buf::new(&y.fill(80), Some(n), refuse, 4);
            let mut bdx = Buf::new(&[], Some(n), refuse, 4);
            let before = bdx.bits();
            let dyp = bdy.ptr(*pdy);
            let dxp = if *alias { dyp } else { bdx.ptr(*pdx) };
            // SAFETY: claimed lengths real unless refused by documentation.
            let s = unsafe { stacknet_sigmoid_backward(dyp, by.ptr(*py), dxp, n) };
            if refuse || (*alias && n > 0) {
                assert!(!ok(s));
            }
            if !*alias {
                assert!(bdx.tail_intact());
                if !ok(s) {
                    assert_eq!(before, bdx.bits());
                }
            }
            s
        }
        Op::Queries { code, tier } => {
            let mut name: *const std::ffi::c_char = null();
            // SAFETY: valid out-pointer.
            let s = unsafe { stacknet_status_str(*code, &mut name) };
            assert_eq!(ok(s), (0..=16).contains(code));
            // Forcing a tier changes results only by rounding; go back to the best one after.
            let t = stacknet_force_tier(*tier % 7);
            ok(t);
            assert!(ok(stacknet_force_tier(0)));
            let mut v = [0u32; 3];
            // SAFETY: valid out-pointers.
            assert!(ok(unsafe { stacknet_version(&mut v[0], &mut v[1], &mut v[2]) }));
            STACKNET_OK
        }
    }
}

/// Loads `bytes` (with `extra` trailing bytes) and checks save(load(x)) == x when accepted.
fn load_check<A: Api>(p: *mut u8, bytes: &[u8], extra: usize, pbuf: Ptr, pused: Ptr) -> S {
    let mut buf = vec![0u8; bytes.len() + extra + 1];
    buf[1..=bytes.len()].copy_from_slice(bytes);
    let b = match pbuf {
        Ptr::Good => buf[1..].as_ptr(),
        Ptr::Null => null(),
        Ptr::Misaligned => buf.as_ptr(),
    };
    let mut used = [usize::MAX; 2];
    let u = match pused {
        Ptr::Good => used.as_mut_ptr(),
        Ptr::Null => null_mut(),
        Ptr::Misaligned => used.as_mut_ptr().cast::<u8>().wrapping_add(1).cast(),
    };
    let len = bytes.len() + extra;
    // SAFETY: `b` is readable for `len` bytes (both cases), `u` null or writable.
    let s = unsafe { A::load(p, b, len, u) };
    if ok(s) && matches!(pbuf, Ptr::Good) {
        let n = if matches!(pused, Ptr::Good) { used[0] } else { len };
        assert!(n <= len);
        let again = save::<A>(p).expect("save after load");
        assert_eq!(&again[..], &buf[1..1 + again.len()], "save(load(x)) != x");
        if matches!(pused, Ptr::Good) {
            assert_eq!(again.len(), n, "load used {n} bytes, save wrote {}", again.len());
        }
    } else if !ok(s) {
        assert_eq!(used, [usize::MAX; 2]);
    }
    s
}

fuzz_target!(|input: Input| {
    match input.shape % 6 {
        0 => run::<xor_2_3_2>(&input),
        1 => run::<xor_2_3_2_bias>(&input),
        2 => run::<xor_2_10_2>(&input),
        3 => run::<xor_2_10_2_bias>(&input),
        4 => run::<xor_2_50_2>(&input),
        _ => run::<xor_2_50_2_bias>(&input),
    }
});
