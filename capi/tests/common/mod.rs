//! What the Rust boundary tests share: one trait over every shape's functions, so each
//! test runs over all shapes, and the blocks, batches and helpers they build states from.
#![allow(dead_code)] // each test file uses its own part

use stacknet_capi::stacknet_status_t::{self, *};
use stacknet_capi::*;

pub type S = stacknet_status_t;

/// One shape's functions and constants, so each test runs over all shapes.
pub trait Api: Sized + 'static {
    const NAME: &'static str;
    const IN: usize;
    const OUT: usize;
    const BATCH: usize;
    const SAVE: usize;
    const SIZE: usize;
    unsafe fn init(p: *mut Self, size: usize, seed: u64) -> S;
    unsafe fn validate(p: *const Self) -> S;
    unsafe fn set_hyper(p: *mut Self, h: *const stacknet_hyper_t) -> S;
    unsafe fn get_hyper(p: *mut Self, h: *mut stacknet_hyper_t) -> S;
    unsafe fn train(p: *mut Self, x: *const f32, y: *const f32, rows: usize, r: *mut stacknet_step_report_t) -> S;
    unsafe fn predict(p: *mut Self, x: *const f32, rows: usize, out: *mut f32) -> S;
    unsafe fn loss(p: *mut Self, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S;
    unsafe fn accuracy(p: *mut Self, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S;
    unsafe fn save(p: *mut Self, buf: *mut u8, cap: usize, written: *mut usize) -> S;
    unsafe fn load(p: *mut Self, buf: *const u8, len: usize, used: *mut usize) -> S;
}

macro_rules! api {
    ($($name:ident),+) => { paste::paste! { $(
        impl Api for [<stacknet_ $name _t>] {
            const NAME: &'static str = stringify!($name);
            const IN: usize = [<STACKNET_ $name:upper _INPUTS>];
            const OUT: usize = [<STACKNET_ $name:upper _OUTPUTS>];
            const BATCH: usize = [<STACKNET_ $name:upper _BATCH>];
            const SAVE: usize = [<STACKNET_ $name:upper _SAVE_SIZE>];
            const SIZE: usize = [<STACKNET_ $name:upper _STATE_SIZE>];
            unsafe fn init(p: *mut Self, size: usize, seed: u64) -> S {
                unsafe { [<stacknet_ $name _init>](p, size, seed) }
            }
            unsafe fn validate(p: *const Self) -> S {
                unsafe { [<stacknet_ $name _validate>](p) }
            }
            unsafe fn set_hyper(p: *mut Self, h: *const stacknet_hyper_t) -> S {
                unsafe { [<stacknet_ $name _set_hyper>](p, h) }
            }
            unsafe fn get_hyper(p: *mut Self, h: *mut stacknet_hyper_t) -> S {
                unsafe { [<stacknet_ $name _get_hyper>](p, h) }
            }
            unsafe fn train(p: *mut Self, x: *const f32, y: *const f32, rows: usize, r: *mut stacknet_step_report_t) -> S {
                unsafe { [<stacknet_ $name _train_step>](p, x, y, rows, r) }
            }
            unsafe fn predict(p: *mut Self, x: *const f32, rows: usize, out: *mut f32) -> S {
                unsafe { [<stacknet_ $name _predict>](p, x, rows, out) }
            }
            unsafe fn loss(p: *mut Self, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S {
                unsafe { [<stacknet_ $name _loss>](p, x, y, rows, out) }
            }
            unsafe fn accuracy(p: *mut Self, x: *const f32, y: *const f32, rows: usize, out: *mut f32) -> S {
                unsafe { [<stacknet_ $name _accuracy>](p, x, y, rows, out) }
            }
            unsafe fn save(p: *mut Self, buf: *mut u8, cap: usize, written: *mut usize) -> S {
                unsafe { [<stacknet_ $name _save>](p, buf, cap, written) }
            }
            unsafe fn load(p: *mut Self, buf: *const u8, len: usize, used: *mut usize) -> S {
                unsafe { [<stacknet_ $name _load>](p, buf, len, used) }
            }
        }
    )+ } };
}

api!(xor_2_3_2, xor_2_3_2_bias, xor_2_10_2, xor_2_10_2_bias, xor_2_50_2, xor_2_50_2_bias);

macro_rules! for_all_shapes {
    ($f:ident) => {
        $f::<stacknet_xor_2_3_2_t>();
        $f::<stacknet_xor_2_3_2_bias_t>();
        $f::<stacknet_xor_2_10_2_t>();
        $f::<stacknet_xor_2_10_2_bias_t>();
        $f::<stacknet_xor_2_50_2_t>();
        $f::<stacknet_xor_2_50_2_bias_t>();
    };
}

/// An 8-aligned, zeroed block large enough for any state plus slack, for states built
/// from raw memory (misaligned, too small, of another shape).
pub struct Block(pub Vec<u64>);

impl Block {
    pub fn new() -> Self {
        Block(vec![0; 1 + (1 << 17) / 8])
    }
    pub fn at<H>(&mut self, byte_offset: usize) -> *mut H {
        self.0.as_mut_ptr().cast::<u8>().wrapping_add(byte_offset).cast()
    }
    pub fn bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }
}

/// A fresh, initialised state of shape `H` in its own block.
pub fn fresh<H: Api>(seed: u64) -> Block {
    let mut b = Block::new();
    assert_eq!(unsafe { H::init(b.at(0), H::SIZE, seed) }, STACKNET_OK, "{}", H::NAME);
    b
}

/// A deterministic XOR batch of `rows` rows.
pub fn batch<H: Api>(rows: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    let mut u = || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s >> 8) as f32 / 8_388_608.0 - 1.0
    };
    let (mut x, mut y) = (vec![0.0; rows * H::IN], vec![0.0; rows * H::OUT]);
    for r in 0..rows {
        let (a, b) = (u(), u());
        x[r * 2] = a;
        x[r * 2 + 1] = b;
        let label = usize::from((a > 0.0) != (b > 0.0));
        y[r * 2 + label] = 1.0;
    }
    (x, y)
}

pub fn hyper() -> stacknet_hyper_t {
    let mut h = std::mem::MaybeUninit::uninit();
    assert_eq!(unsafe { stacknet_hyper_default(h.as_mut_ptr()) }, STACKNET_OK);
    unsafe { h.assume_init() }
}

/// Asserts that `f` refuses with `want` and leaves the whole block byte-identical.
pub fn refuses<H: Api>(b: &mut Block, want: S, what: &str, f: impl FnOnce(*mut H) -> S) {
    let before = b.bytes();
    let got = f(b.at(0));
    assert_eq!(got, want, "{}: {what}", H::NAME);
    assert!(b.bytes() == before, "{}: {what}: a refused call changed the state", H::NAME);
}

/// Adam (`adamw` false) or AdamW hyperparameters with learning rate `lr`.
pub fn adam_hyper(adamw: bool, lr: f32) -> stacknet_hyper_t {
    let mut h = hyper();
    h.optimizer = if adamw { STACKNET_OPTIMIZER_ADAMW } else { STACKNET_OPTIMIZER_ADAM };
    h.learning_rate = lr;
    h
}

pub fn steps<H: Api>(b: &mut Block, first: u32, n: u32) -> stacknet_step_report_t {
    let mut rep = std::mem::MaybeUninit::<stacknet_step_report_t>::zeroed();
    for i in first..first + n {
        let (x, y) = batch::<H>(H::BATCH, i);
        assert_eq!(unsafe { H::train(b.at(0), x.as_ptr(), y.as_ptr(), H::BATCH, rep.as_mut_ptr()) }, STACKNET_OK);
    }
    unsafe { rep.assume_init() }
}

pub fn saved<H: Api>(b: &mut Block) -> Vec<u8> {
    let mut blob = vec![0u8; H::SAVE];
    let mut n = 0;
    assert_eq!(unsafe { H::save(b.at(0), blob.as_mut_ptr(), blob.len(), &mut n) }, STACKNET_OK);
    blob.truncate(n);
    blob
}

/// The number of parameters a blob stores (header offset 24).
pub fn stored_params(blob: &[u8]) -> usize {
    u32::from_le_bytes(blob[24..28].try_into().unwrap()) as usize
}

/// Calls every function except init on the state at `p`, with valid other arguments; `load`
/// gets `blob`, or (when `None`) what `save` just wrote.
pub fn call_all<H: Api>(p: *mut H, blob: Option<&[u8]>) -> Vec<S> {
    let (x, y) = batch::<H>(H::BATCH, 3);
    let h = hyper();
    let (mut out, mut v, mut hh) = (vec![0.0; H::BATCH * H::OUT], 0.0f32, hyper());
    let (mut buf, mut n) = (vec![0u8; H::SAVE], 0usize);
    // SAFETY (test): `p` is null, misaligned or a block of at least the shape's size (the
    // callers'), and every buffer is as long as the count passed with it.
    unsafe {
        let mut got = vec![
            H::validate(p),
            H::set_hyper(p, &h),
            H::get_hyper(p, &mut hh),
            H::train(p, x.as_ptr(), y.as_ptr(), H::BATCH, std::ptr::null_mut()),
            H::predict(p, x.as_ptr(), H::BATCH, out.as_mut_ptr()),
            H::loss(p, x.as_ptr(), y.as_ptr(), H::BATCH, &mut v),
            H::accuracy(p, x.as_ptr(), y.as_ptr(), H::BATCH, &mut v),
            H::save(p, buf.as_mut_ptr(), buf.len(), &mut n),
        ];
        let blob = blob.unwrap_or(&buf);
        got.push(H::load(p, blob.as_ptr(), blob.len(), std::ptr::null_mut()));
        got
    }
}
