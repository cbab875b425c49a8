//! The WebAssembly module of the live XOR page (`examples/web/index.html`): the article's
//! network (2 → H → 2, a sigmoid after each layer, MSE + ridge, SGD) trained with stacknet in
//! the browser, a few steps per animation frame, and what the page draws after each batch of
//! steps: the loss and accuracy on all 300 points, the classes of the points and the
//! network's outputs on a grid (the decision boundary).
//!
//! Plain `extern "C"` exports, numbers in and out, no allocator: every buffer is a `static`
//! and the page reads the arrays straight from the module's memory. The training follows
//! `examples/xor` step for step (same data, initial weights, batches and shuffles for a
//! seed), so with the scalar tier the page reproduces that example's figures exactly.
//!
//! Hidden widths and batch sizes are const generics: the module is compiled for the sets
//! [`WIDTHS`] and [`BATCHES`], which it exports for the page's menus.
#![no_std]

use core::cell::RefCell;

use rand_xoshiro::Xoshiro128PlusPlus;
use stacknet::data::Dataset;
use stacknet::eval::argmax;
use stacknet::kernels::{self, Tier};
use stacknet::loss::{Loss, Objective};
use stacknet::nn::{Bias, Dense, Layer, Sigmoid};
use stacknet::optim::{Clip, Schedule, Sgd};
use stacknet::train::{train_step, StepError};
use stacknet::workspace::Workspace;

/// Training points (the example's 300).
pub const POINTS: usize = 300;
/// Hidden widths the module is compiled for.
pub const WIDTHS: [u32; 9] = [2, 3, 4, 5, 8, 10, 20, 50, 100];
/// Mini-batch sizes the module is compiled for (both divide [`POINTS`]).
pub const BATCHES: [u32; 3] = [10, 25, 300];
/// Largest grid side [`sn_grid`] fills.
pub const GRID_MAX: usize = 160;

/// The article's network with `H` hidden units.
pub type Net<const H: usize> = (Dense<2, H>, Sigmoid<H>, Dense<H, 2>, Sigmoid<2>);

/// Why a call was refused (negative return values of the exports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Refusal {
    /// The hidden width is not in [`WIDTHS`] (or the shape index is unknown).
    Width = -1,
    /// The batch size is not in [`BATCHES`].
    Batch = -2,
    /// The learning rate is not finite and > 0.
    LearningRate = -3,
    /// The decay kind is unknown or its parameters are out of range.
    Decay = -4,
    /// The clipping threshold is not finite and > 0.
    Clip = -5,
    /// The ridge coefficient is not finite and ≥ 0.
    Ridge = -6,
    /// The kernel tier does not exist or is not in this build.
    Tier = -7,
    /// There is no run: call [`sn_reset`] first.
    NoRun = -8,
    /// An export was called while another one was running (never from the page).
    Busy = -9,
}

/// Code of a [`StepError`] for the page (0 = no refusal).
fn step_error_code(e: StepError) -> u32 {
    match e {
        StepError::NonFiniteInput { .. } => 1,
        StepError::NonFiniteTarget { .. } => 2,
        StepError::NonFiniteLoss => 3,
        StepError::NonFiniteGradient { .. } => 4,
        StepError::NonFiniteUpdate { .. } => 5,
    }
}

/// A run's settings, as the page's controls give them.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Whether both Dense layers have a bias.
    pub bias: bool,
    /// Seed of the data, the initial weights and the shuffles.
    pub seed: u64,
    /// The optimizer (learning rate, schedule, clipping).
    pub opt: Sgd,
    /// MSE + ridge.
    pub objective: Objective,
}

impl Settings {
    /// Validates the raw numbers of [`sn_reset`]. `decay`: 0 none, 1 `η·e^(−a·t)`, 2 `η·b^⌊t/a⌋`;
    /// `clip` ≤ 0 for none, else the global-norm bound.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        bias: bool,
        seed: u64,
        lr: f32,
        decay: u32,
        a: f32,
        b: f32,
        clip: f32,
        reg: f32,
    ) -> Result<Self, Refusal> {
        let mut opt = Sgd::new(lr).map_err(|_| Refusal::LearningRate)?;
        let schedule = match decay {
            0 => Schedule::Constant,
            1 => Schedule::ExpDecay { rate: a },
            2 if a.is_finite() && a >= 1.0 && a <= u32::MAX as f32 => {
                Schedule::StepDecay { every: a as u32, factor: b }
            }
            _ => return Err(Refusal::Decay),
        };
        opt = opt.with_schedule(schedule).map_err(|_| Refusal::Decay)?;
        if clip.is_nan() || clip > 0.0 {
            opt = opt.with_clip(Clip::Norm(clip)).map_err(|_| Refusal::Clip)?;
        }
        let objective = Objective::mse_ridge(reg).map_err(|_| Refusal::Ridge)?;
        Ok(Settings { bias, seed, opt, objective })
    }
}

/// The loss and accuracy of a network on all points.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Eval {
    /// MSE + ridge objective over all points (penalty with B = 300), as `examples/xor`.
    pub loss: f32,
    /// Fraction of the points classified right.
    pub accuracy: f32,
}

/// One training run of `Net<H>` with mini-batches of `B` rows: what `examples/xor` keeps,
/// plus the refusal that stopped it, if any.
pub struct Run<const H: usize, const B: usize> {
    net: Net<H>,
    ws: Workspace<Net<H>, B>,
    eval_ws: Workspace<Net<H>, POINTS>,
    opt: Sgd,
    objective: Objective,
    rng: Xoshiro128PlusPlus,
    /// The points in their current (shuffled) order, batches are cut from it.
    data: Dataset<POINTS, 2, 2>,
    /// The points in their drawing order, for evaluation and the picture.
    x_all: [[f32; 2]; POINTS],
    y_all: [[f32; 2]; POINTS],
    steps: u32,
    clipped: u32,
    last_loss: f32,
    last_lr: f32,
    refused: Option<(u32, StepError)>,
}

impl<const H: usize, const B: usize> Run<H, B> {
    /// The data and initial weights from `s.seed`, drawn as `examples/xor` draws them.
    pub fn new(s: &Settings) -> Self {
        let mut rng = stacknet::init::rng(s.seed);
        let (x_all, y_all) = stacknet::data::xor_batch::<_, POINTS>(&mut rng);
        let mut data = Dataset::new();
        for (x, y) in x_all.iter().zip(&y_all) {
            // Exactly POINTS pushes into a dataset of POINTS: never full.
            let _ = data.push(*x, *y);
        }
        let bias = Bias::from(s.bias);
        let init = stacknet::init::Init::UniformFanIn;
        let net: Net<H> = (Dense::new(bias, &mut rng, init), Sigmoid, Dense::new(bias, &mut rng, init), Sigmoid);
        Run {
            net,
            ws: Workspace::new(),
            eval_ws: Workspace::new(),
            opt: s.opt,
            objective: s.objective,
            rng,
            data,
            x_all,
            y_all,
            steps: 0,
            clipped: 0,
            last_loss: f32::NAN,
            last_lr: s.opt.base_lr(),
            refused: None,
        }
    }

    /// Up to `n` steps, stopping at `limit` steps in all or at a refused step (after which
    /// the run takes no more: the same batch would be refused again). Returns the steps taken.
    pub fn train(&mut self, n: u32, limit: u32) -> u32 {
        let mut done = 0;
        while done < n && self.steps < limit && self.refused.is_none() {
            let step = self.steps + 1;
            let k = (step as usize - 1) % (POINTS / B);
            if B < POINTS && k == 0 {
                self.data.shuffle(&mut self.rng);
            }
            let Some((x, y)) = self.data.batches::<B>().nth(k) else { break };
            match train_step(&mut self.net, x, y, &mut self.ws, &mut self.opt, &self.objective) {
                Ok(r) => {
                    self.steps = step;
                    self.clipped += u32::from(r.clipped);
                    self.last_loss = r.loss;
                    self.last_lr = r.lr;
                    done += 1;
                }
                Err(e) => self.refused = Some((step, e)),
            }
        }
        done
    }

    /// Loss and accuracy on all points; writes each point's predicted class to `pred`.
    pub fn eval(&mut self, pred: &mut [u8; POINTS]) -> Eval {
        let out = self.eval_ws.forward(&self.net, &self.x_all);
        let mut scratch = [[0.0f32; 2]; POINTS];
        let data_loss =
            Loss::Mse.eval(POINTS, 2, out.as_flattened(), self.y_all.as_flattened(), scratch.as_flattened_mut());
        let mut hits = 0;
        for ((o, y), p) in out.iter().zip(&self.y_all).zip(pred.iter_mut()) {
            let c = argmax(&o[..]);
            *p = c as u8;
            hits += usize::from(c == argmax(&y[..]));
        }
        let loss = data_loss + self.objective.penalty.value(&self.net, POINTS);
        Eval { loss, accuracy: hits as f32 / POINTS as f32 }
    }

    /// The network's two outputs at the centres of an `n × n` grid over `[−e, e]²`, row 0
    /// at the top (`y = +e`), computed `POINTS` rows at a time.
    pub fn grid(&mut self, n: usize, e: f32, out: &mut [[f32; 2]]) {
        let cell = 2.0 * e / n as f32;
        let centre = |i: usize| -e + (i as f32 + 0.5) * cell;
        for (c, chunk) in out[..n * n].chunks_mut(POINTS).enumerate() {
            let mut x = [[0.0f32; 2]; POINTS];
            for (j, xy) in x.iter_mut().take(chunk.len()).enumerate() {
                let i = c * POINTS + j;
                *xy = [centre(i % n), centre(n - 1 - i / n)];
            }
            let y = self.eval_ws.forward(&self.net, &x);
            chunk.copy_from_slice(&y[..chunk.len()]);
        }
    }

    /// Largest |coordinate| of the points, rounded up (at least 1): the picture's extent.
    pub fn extent(&self) -> f32 {
        libm_ceil(self.x_all.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()))).max(1.0)
    }
}

/// `ceil` without std (the coordinates are small, so the `i32` round trip is exact).
fn libm_ceil(v: f32) -> f32 {
    let t = v as i32 as f32;
    if t < v {
        t + 1.0
    } else {
        t
    }
}

/// One `Run` for each compiled (width, batch) pair; `each!` calls a method on whichever
/// it holds.
macro_rules! runs {
    ($($name:ident = ($h:literal, $b:literal)),* $(,)?) => {
        /// A run of any compiled shape. It lives in the module's one static slot (there is
        /// no allocator to box it), so the size of the largest variant is the point.
        #[allow(clippy::large_enum_variant)]
        pub enum AnyRun { $( $name(Run<$h, $b>), )* }

        impl AnyRun {
            /// A new run of `Net<hidden>` with batches of `batch`.
            pub fn new(hidden: u32, batch: u32, s: &Settings) -> Result<AnyRun, Refusal> {
                if !WIDTHS.contains(&hidden) {
                    return Err(Refusal::Width);
                }
                match (hidden, batch) {
                    $( ($h, $b) => Ok(AnyRun::$name(Run::new(s))), )*
                    _ => Err(Refusal::Batch),
                }
            }
        }

        macro_rules! each {
            ($run:expr, $r:ident => $body:expr) => {
                match $run { $( AnyRun::$name($r) => $body, )* }
            };
        }
    };
}

runs! {
    H2B10 = (2, 10), H2B25 = (2, 25), H2B300 = (2, 300),
    H3B10 = (3, 10), H3B25 = (3, 25), H3B300 = (3, 300),
    H4B10 = (4, 10), H4B25 = (4, 25), H4B300 = (4, 300),
    H5B10 = (5, 10), H5B25 = (5, 25), H5B300 = (5, 300),
    H8B10 = (8, 10), H8B25 = (8, 25), H8B300 = (8, 300),
    H10B10 = (10, 10), H10B25 = (10, 25), H10B300 = (10, 300),
    H20B10 = (20, 10), H20B25 = (20, 25), H20B300 = (20, 300),
    H50B10 = (50, 10), H50B25 = (50, 25), H50B300 = (50, 300),
    H100B10 = (100, 10), H100B25 = (100, 25), H100B300 = (100, 300),
}

/// One training step of the benchmark network (2-H-2 with biases, σ, MSE + ridge 1e-4, SGD
/// at 0.1, the setup of `tools/benches/train_step.rs`) at a fixed batch, repeated by [`sn_bench_run`].
pub struct Bench<const B: usize, const H: usize> {
    net: Net<H>,
    ws: Workspace<Net<H>, B>,
    opt: Sgd,
    objective: Objective,
    x: [[f32; 2]; B],
    y: [[f32; 2]; B],
}

impl<const B: usize, const H: usize> Bench<B, H> {
    fn new() -> Result<Self, Refusal> {
        let mut rng = stacknet::init::rng(1);
        let (x, y) = stacknet::data::xor_batch::<_, B>(&mut rng);
        let net: Net<H> = Layer::random(&mut rng, stacknet::init::Init::UniformFanIn);
        let opt = Sgd::new(0.1).map_err(|_| Refusal::LearningRate)?;
        let objective = Objective::mse_ridge(1e-4).map_err(|_| Refusal::Ridge)?;
        Ok(Bench { net, ws: Workspace::new(), opt, objective, x, y })
    }

    fn run(&mut self, steps: u32) -> i32 {
        for _ in 0..steps {
            if let Err(e) = train_step(&mut self.net, &self.x, &self.y, &mut self.ws, &mut self.opt, &self.objective) {
                return step_error_code(e) as i32;
            }
        }
        0
    }
}

/// The benchmark shapes (batch, hidden) of `tools/benches/train_step.rs`, held in one static slot
/// like [`AnyRun`].
#[allow(clippy::large_enum_variant)]
pub enum AnyBench {
    /// 4×3.
    S4x3(Bench<4, 3>),
    /// 50×10.
    S50x10(Bench<50, 10>),
    /// 300×50.
    S300x50(Bench<300, 50>),
    /// 256×256.
    S256x256(Bench<256, 256>),
}

/// An optional value whose empty state is all zero bytes (`Option`'s `None` of an enum is
/// a niche value), so that the static holding it is zero-initialised: it then takes no room
/// in the `.wasm` file, where a non-zero initialiser would be stored byte for byte.
#[repr(u32)]
enum Slot<T> {
    Empty = 0,
    Full(T),
}

impl<T> Slot<T> {
    fn get(&self) -> Option<&T> {
        match self {
            Slot::Full(t) => Some(t),
            Slot::Empty => None,
        }
    }
    fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Slot::Full(t) => Some(t),
            Slot::Empty => None,
        }
    }
}

/// What the page reads besides the run: the last evaluation, the points and the grid.
/// Zero-initialised (see [`Slot`]).
struct Shared {
    run: Slot<AnyRun>,
    bench: Slot<AnyBench>,
    eval: Eval,
    pred: [u8; POINTS],
    /// `x, y, label, predicted` per point.
    points: [[f32; 4]; POINTS],
    grid: [[f32; 2]; GRID_MAX * GRID_MAX],
}

/// The module's state. Single-threaded by construction (see the `Sync` impl); `RefCell`
/// turns a re-entrant call into [`Refusal::Busy`] instead of aliasing.
struct Global(RefCell<Shared>);

// SAFETY: the module has one thread: it is built for wasm32 without the `atomics` feature
// (checked below), so no other thread can exist to share the static with, and the page calls
// the exports one at a time.
unsafe impl Sync for Global {}

#[cfg(target_feature = "atomics")]
compile_error!("the page's module keeps its state in a single-threaded static: build it without `atomics`");

static STATE: Global = Global(RefCell::new(Shared {
    run: Slot::Empty,
    bench: Slot::Empty,
    eval: Eval { loss: 0.0, accuracy: 0.0 },
    pred: [0; POINTS],
    points: [[0.0; 4]; POINTS],
    grid: [[0.0; 2]; GRID_MAX * GRID_MAX],
}));

/// Runs `f` on the state, or returns `Busy`.
fn with<R>(f: impl FnOnce(&mut Shared) -> Result<R, Refusal>) -> Result<R, Refusal> {
    let mut s = STATE.0.try_borrow_mut().map_err(|_| Refusal::Busy)?;
    f(&mut s)
}

fn code(r: Result<i32, Refusal>) -> i32 {
    r.unwrap_or_else(|e| e as i32)
}

/// The number of compiled hidden widths.
#[unsafe(no_mangle)]
pub extern "C" fn sn_width_count() -> u32 {
    WIDTHS.len() as u32
}

/// Compiled hidden width `i` (0 past the end).
#[unsafe(no_mangle)]
pub extern "C" fn sn_width(i: u32) -> u32 {
    WIDTHS.get(i as usize).copied().unwrap_or(0)
}

/// The number of compiled batch sizes.
#[unsafe(no_mangle)]
pub extern "C" fn sn_batch_count() -> u32 {
    BATCHES.len() as u32
}

/// Compiled batch size `i` (0 past the end).
#[unsafe(no_mangle)]
pub extern "C" fn sn_batch(i: u32) -> u32 {
    BATCHES.get(i as usize).copied().unwrap_or(0)
}

/// Whether kernel tier `code` (`stacknet::kernels::Tier as u8`: 1 scalar, 6 simd128) can run.
#[unsafe(no_mangle)]
pub extern "C" fn sn_tier_available(code: u32) -> u32 {
    tier(code).is_some_and(Tier::is_available) as u32
}

/// The fastest tier of this build (6 = simd128 when built with it, else 1 = scalar).
#[unsafe(no_mangle)]
pub extern "C" fn sn_best_tier() -> u32 {
    kernels::best_available() as u32
}

/// The tier the kernels use now.
#[unsafe(no_mangle)]
pub extern "C" fn sn_active_tier() -> u32 {
    kernels::active() as u32
}

fn tier(code: u32) -> Option<Tier> {
    Tier::ALL.into_iter().find(|t| *t as u32 == code)
}

fn force(code: u32) -> Result<(), Refusal> {
    kernels::force(tier(code).ok_or(Refusal::Tier)?).map_err(|_| Refusal::Tier)
}

/// Starts a new run (a fresh network and data from `seed`): hidden width `hidden` and batch
/// `batch` from the compiled sets, biases if `bias` ≠ 0, learning rate `lr`, decay `decay`
/// (0 none, 1 exponential `η·e^(−a·t)`, 2 steps `η·b^⌊t/a⌋`), global-norm clipping at `clip`
/// (≤ 0: none), ridge `reg`, kernel tier `tier`. Returns 0, or a negative [`Refusal`] code
/// (nothing changes then).
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn sn_reset(
    hidden: u32,
    batch: u32,
    bias: u32,
    seed: u32,
    lr: f32,
    decay: u32,
    a: f32,
    b: f32,
    clip: f32,
    reg: f32,
    tier: u32,
) -> i32 {
    code(with(|s| {
        let settings = Settings::new(bias != 0, u64::from(seed), lr, decay, a, b, clip, reg)?;
        if !WIDTHS.contains(&hidden) {
            return Err(Refusal::Width);
        }
        if !BATCHES.contains(&batch) {
            return Err(Refusal::Batch);
        }
        force(tier)?;
        s.run = Slot::Empty; // drop the old run before the new one is built
        let mut run = AnyRun::new(hidden, batch, &settings)?;
        let x = each!(&run, r => r.x_all);
        let y = each!(&run, r => r.y_all);
        s.eval = each!(&mut run, r => r.eval(&mut s.pred));
        for (i, p) in s.points.iter_mut().enumerate() {
            *p = [x[i][0], x[i][1], argmax(&y[i][..]) as f32, f32::from(s.pred[i])];
        }
        s.run = Slot::Full(run);
        Ok(0)
    }))
}

/// Up to `n` training steps, never past `limit` steps in all nor past a refused step.
/// Returns the steps taken (≥ 0), or [`Refusal::NoRun`].
#[unsafe(no_mangle)]
pub extern "C" fn sn_train(n: u32, limit: u32) -> i32 {
    code(with(|s| {
        let run = s.run.get_mut().ok_or(Refusal::NoRun)?;
        Ok(each!(run, r => r.train(n, limit)) as i32)
    }))
}

/// Evaluates the network on all points (then read by [`sn_eval_loss`], [`sn_eval_accuracy`]
/// and [`sn_points`]). Returns 0 or [`Refusal::NoRun`].
#[unsafe(no_mangle)]
pub extern "C" fn sn_eval() -> i32 {
    code(with(|s| {
        let run = s.run.get_mut().ok_or(Refusal::NoRun)?;
        s.eval = each!(run, r => r.eval(&mut s.pred));
        for (p, &c) in s.points.iter_mut().zip(&s.pred) {
            p[3] = f32::from(c);
        }
        Ok(0)
    }))
}

/// Field of the run or NaN/0 without one.
fn field<R>(none: R, f: impl FnOnce(&AnyRun) -> R) -> R {
    STATE.0.try_borrow().ok().and_then(|s| s.run.get().map(f)).unwrap_or(none)
}

/// The last evaluation's MSE + ridge objective on all points.
#[unsafe(no_mangle)]
pub extern "C" fn sn_eval_loss() -> f32 {
    STATE.0.try_borrow().map_or(f32::NAN, |s| s.eval.loss)
}

/// The last evaluation's accuracy on all points.
#[unsafe(no_mangle)]
pub extern "C" fn sn_eval_accuracy() -> f32 {
    STATE.0.try_borrow().map_or(f32::NAN, |s| s.eval.accuracy)
}

/// Successful steps so far.
#[unsafe(no_mangle)]
pub extern "C" fn sn_steps() -> u32 {
    field(0, |run| each!(run, r => r.steps))
}

/// The objective the last successful step reported on its batch (before its update).
#[unsafe(no_mangle)]
pub extern "C" fn sn_batch_loss() -> f32 {
    field(f32::NAN, |run| each!(run, r => r.last_loss))
}

/// The learning rate of the last successful step (the base rate before any).
#[unsafe(no_mangle)]
pub extern "C" fn sn_lr() -> f32 {
    field(f32::NAN, |run| each!(run, r => r.last_lr))
}

/// Steps whose gradient clipping scaled down.
#[unsafe(no_mangle)]
pub extern "C" fn sn_clipped() -> u32 {
    field(0, |run| each!(run, r => r.clipped))
}

/// Why a step was refused: 0 none, 1 non-finite input, 2 non-finite target, 3 non-finite
/// loss, 4 non-finite gradient, 5 the update would overflow.
#[unsafe(no_mangle)]
pub extern "C" fn sn_refusal() -> u32 {
    field(0, |run| each!(run, r => r.refused.map_or(0, |(_, e)| step_error_code(e))))
}

/// The step that was refused (0 none).
#[unsafe(no_mangle)]
pub extern "C" fn sn_refused_step() -> u32 {
    field(0, |run| each!(run, r => r.refused.map_or(0, |(s, _)| s)))
}

/// The picture's extent: the grid and the axes cover `[−e, e]²`.
#[unsafe(no_mangle)]
pub extern "C" fn sn_extent() -> f32 {
    field(1.0, |run| each!(run, r => r.extent()))
}

/// Address of the points: 300 × `[x, y, label, predicted class]` as `f32`.
#[unsafe(no_mangle)]
pub extern "C" fn sn_points() -> *const f32 {
    STATE.0.try_borrow().map_or(core::ptr::null(), |s| s.points.as_ptr().cast())
}

/// Fills the grid with the network's two outputs on `n × n` cells over `[−e, e]²` (`e` =
/// [`sn_extent`]), row-major with row 0 at the top, and returns its address (`n·n·2` `f32`),
/// or null for `n` outside `1..=GRID_MAX` or without a run.
#[unsafe(no_mangle)]
pub extern "C" fn sn_grid(n: u32) -> *const f32 {
    with(|s| {
        let n = n as usize;
        if !(1..=GRID_MAX).contains(&n) {
            return Err(Refusal::Width);
        }
        let run = s.run.get_mut().ok_or(Refusal::NoRun)?;
        each!(run, r => {
            let e = r.extent();
            r.grid(n, e, &mut s.grid)
        });
        Ok(s.grid.as_ptr().cast())
    })
    .unwrap_or(core::ptr::null())
}

/// Sets up benchmark shape `shape` (0: 4×3, 1: 50×10, 2: 300×50, 3: 256×256, as batch ×
/// hidden) on tier `tier`. Returns 0 or a negative [`Refusal`] code.
#[unsafe(no_mangle)]
pub extern "C" fn sn_bench_setup(shape: u32, tier: u32) -> i32 {
    code(with(|s| {
        force(tier)?;
        s.bench = Slot::Empty;
        s.bench = Slot::Full(match shape {
            0 => AnyBench::S4x3(Bench::new()?),
            1 => AnyBench::S50x10(Bench::new()?),
            2 => AnyBench::S300x50(Bench::new()?),
            3 => AnyBench::S256x256(Bench::new()?),
            _ => return Err(Refusal::Width),
        });
        Ok(0)
    }))
}

/// Runs `steps` training steps of the benchmark set up last. Returns 0, a positive step
/// error code (as [`sn_refusal`]), or [`Refusal::NoRun`].
#[unsafe(no_mangle)]
pub extern "C" fn sn_bench_run(steps: u32) -> i32 {
    code(with(|s| {
        Ok(match s.bench.get_mut().ok_or(Refusal::NoRun)? {
            AnyBench::S4x3(b) => b.run(steps),
            AnyBench::S50x10(b) => b.run(steps),
            AnyBench::S300x50(b) => b.run(steps),
            AnyBench::S256x256(b) => b.run(steps),
        })
    }))
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // Nothing here indexes out of bounds or unwraps, so no panic is expected; if one
    // happened, the trap surfaces in the page as a `RuntimeError` from the export.
    core::arch::wasm32::unreachable()
}
