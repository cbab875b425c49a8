//! The model state behind every per-shape handle, and the generic bodies of the per-shape
//! functions that `shapes!` generates.
//!
//! A state is one caller-owned block: magic, model id, hyperparameters, objective, model,
//! optimizer (SGD with its velocity, or Adam with its moments, in the same place) and the
//! workspace for one batch of `B` rows. Nothing lives anywhere else, so a `static` of the
//! handle type is all the memory a model needs.
//!
//! Every function follows the same order of checks (see `stacknet_status_t`) and
//! writes nothing before all of them have passed.

use crate::check::{Span, aligned, count, disjoint, finite, non_null, opt_out_ptr, opt_span, out_ptr, span};
use crate::hyper::{
    AdamConfig, Choice, STACKNET_OPTIMIZER_ADAM, STACKNET_OPTIMIZER_ADAMW, STACKNET_OPTIMIZER_SGD, stacknet_hyper_t,
};
use crate::status::{Check, stacknet_status_t::*};
use core::mem::ManuallyDrop;
use core::ptr::{addr_of, addr_of_mut};
use stacknet::eval::argmax;
use stacknet::init::{Init, rng};
use stacknet::loss::Objective;
use stacknet::nn::{Dim, Layer, Matrix, Rows, Zeroable};
use stacknet::optim::{Adam, Momentum, Sgd};
use stacknet::train::{StepError, train_step};
use stacknet::workspace::Workspace;

/// The alignment every model state needs (and that the handle types have).
pub const STACKNET_STATE_ALIGN: usize = 8;

/// "SNCA": marks an initialised state.
const MAGIC: u32 = u32::from_le_bytes(*b"SNCA");

/// What one training step did (see `*_train_step`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct stacknet_step_report_t {
    /// The objective (MSE + ridge) before the update.
    pub loss: f32,
    /// The MSE alone.
    pub data_loss: f32,
    /// L2 norm of the gradient before clipping.
    pub grad_norm: f32,
    /// The learning rate this step used.
    pub learning_rate: f32,
    /// Successful steps so far, this one included.
    pub step: u32,
    /// 1 if clipping changed the gradient, else 0.
    pub clipped: u32,
}

/// A model shape: implemented by each handle type that `shapes!` generates.
pub(crate) trait Shape: Sized {
    /// The network.
    type M: Layer;
    /// Distinguishes the shapes' states from one another.
    const ID: u32;
    /// The network with zero parameters (and the shape's bias setting). A constant: copied
    /// from it, the model's padding bytes are the constant's (zero), not stack leftovers.
    const ZEROED: Self::M;
}

/// The memory behind a handle of shape `H` with batch `B`. `#[repr(C)]` keeps `magic` and
/// `id` at offsets 0 and 4, where they are read before anything else is trusted.
///
/// Invariant: `hyper.optimizer` names the variant of `opt` that was last written (`init`
/// writes SGD with the default hyperparameters; `set_hyper` writes the optimizer and then
/// the hyperparameters that chose it). `open` refuses a state whose `hyper.optimizer` is
/// not a known code; [`State::kind`] is the only way to reach `opt`.
#[repr(C)]
pub(crate) struct State<M: Layer, const B: usize> {
    magic: u32,
    id: u32,
    hyper: stacknet_hyper_t,
    objective: Objective,
    model: M,
    opt: Opt<M>,
    ws: Workspace<M, B>,
}

/// The optimizer of a state: SGD with its velocity, or Adam/AdamW with both moments. One
/// place for both, so a state is as large as the larger of the two (Adam's), not the sum.
#[repr(C)]
union Opt<M: Layer> {
    sgd: ManuallyDrop<Sgd<Momentum<M>>>,
    adam: ManuallyDrop<Adam<M>>,
}

/// The optimizer a state holds, borrowed.
enum OptMut<'a, M: Layer> {
    Sgd(&'a mut Sgd<Momentum<M>>),
    Adam(&'a mut Adam<M>),
}

/// Splits a state into the parts a training step, a save or a load needs.
struct Parts<'a, M: Layer, const B: usize> {
    objective: &'a Objective,
    model: &'a mut M,
    opt: OptMut<'a, M>,
    ws: &'a mut Workspace<M, B>,
}

impl<M: Layer, const B: usize> State<M, B> {
    /// The state's parts, with its optimizer as `hyper.optimizer` says;
    /// `STACKNET_ERR_NOT_INITIALIZED` for an unknown code (only a state that C wrote
    /// itself can hold one; `open` refuses those first).
    fn kind(&mut self) -> Check<Parts<'_, M, B>> {
        let opt = match self.hyper.optimizer {
            // SAFETY: the variant named by `hyper.optimizer` is the one last written (the
            // type's invariant).
            STACKNET_OPTIMIZER_SGD => OptMut::Sgd(unsafe { &mut *self.opt.sgd }),
            // SAFETY: as above.
            STACKNET_OPTIMIZER_ADAM | STACKNET_OPTIMIZER_ADAMW => OptMut::Adam(unsafe { &mut *self.opt.adam }),
            _ => return Err(STACKNET_ERR_NOT_INITIALIZED),
        };
        Ok(Parts { objective: &self.objective, model: &mut self.model, opt, ws: &mut self.ws })
    }
}

/// Width of the rows a network takes / gives.
const fn ins<M: Layer>() -> usize {
    <M::In as Dim>::N
}
const fn outs<M: Layer>() -> usize {
    <M::Out as Dim>::N
}

/// Phase 1 + 2 for a state pointer: non-null, then (by the caller, in phase order) aligned.
#[inline]
fn state_span<H>(p: *mut H) -> Span {
    Span { addr: p as usize, len: size_of::<H>() }
}

/// Phase 5: the state's magic and model id, then the state itself.
///
/// # Safety
/// `p` is non-null, aligned to [`STACKNET_STATE_ALIGN`] and valid for reads and writes of
/// `size_of::<H>()` bytes, and no other reference to that memory is live.
unsafe fn open<'a, H: Shape, const B: usize>(p: *mut H) -> Check<&'a mut State<H::M, B>> {
    let words = p.cast::<u32>();
    // SAFETY: offsets 0 and 4 are inside the handle (≥ 8 bytes) and 4-aligned; any bit
    // pattern is a valid u32.
    let (magic, id) = unsafe { (words.read(), words.add(1).read()) };
    if magic != MAGIC {
        return Err(STACKNET_ERR_NOT_INITIALIZED);
    }
    if id != H::ID {
        return Err(STACKNET_ERR_WRONG_MODEL);
    }
    let s = p.cast::<State<H::M, B>>();
    // SAFETY: `hyper.optimizer` is inside the handle (the state fits, checked at compile time
    // by `shapes!`) and 4-aligned; any bit pattern is a valid u32.
    let kind = unsafe { addr_of!((*s).hyper.optimizer).read() };
    if !matches!(kind, STACKNET_OPTIMIZER_SGD | STACKNET_OPTIMIZER_ADAM | STACKNET_OPTIMIZER_ADAMW) {
        return Err(STACKNET_ERR_NOT_INITIALIZED);
    }
    // SAFETY: the magic and id are only ever written by `init`, after it has written a
    // whole `State<H::M, B>` here (the handle is at least that large and aligned, checked
    // at compile time by `shapes!`); exclusivity is the caller's guarantee.
    Ok(unsafe { &mut *s })
}

/// Null, then alignment, of a state pointer.
#[inline]
fn state_ptr<H>(p: *mut H) -> Check {
    non_null(p)
}

#[inline]
fn state_aligned<H>(p: *mut H) -> Check {
    aligned(p, STACKNET_STATE_ALIGN)
}

/// Copies `n` rows of `x` (row-major, `n ≤ B`) into a zero-padded batch.
fn batch_of<W: Dim, const B: usize>(x: &[f32]) -> Rows<W, B> {
    let mut b = <Rows<W, B> as Matrix>::ZERO;
    for (d, s) in b.flat_mut().iter_mut().zip(x) {
        *d = *s;
    }
    b
}

/// Zeroes `size_of::<T>()` bytes of stack below the caller, where the callees it makes next
/// build their values.
#[inline(never)]
fn clear_stack<T>() {
    core::hint::black_box(&core::mem::MaybeUninit::<T>::zeroed());
}

/// `*_init`: a fresh model drawn from `seed`, default hyperparameters.
///
/// # Safety
/// `p` is null or valid for writing `size` bytes.
pub(crate) unsafe fn init<H: Shape, const B: usize>(p: *mut H, size: usize, seed: u64) -> Check
where
    Workspace<H::M, B>: Zeroable,
{
    state_ptr(p)?;
    state_aligned(p)?;
    if size < size_of::<H>() {
        return Err(STACKNET_ERR_BUFFER_TOO_SMALL);
    }
    // Padding bytes are copied from wherever a value was built (the optimizer below is built
    // by value): built on a cleared stack, they come out the same in every state (the same
    // seed gives the same bytes). 32 optimizer heads (1 KiB of stack, once) cover the frames
    // of `validate` and its callees in every profile the tests build.
    clear_stack::<[Sgd; 32]>();
    let hyper = stacknet_hyper_t::DEFAULT;
    let (Choice::Sgd(base), objective) = hyper.validate()? else {
        // The defaults choose SGD.
        return Err(STACKNET_ERR_HYPERPARAMETER);
    };
    let s = p.cast::<State<H::M, B>>();
    // SAFETY: `p` is aligned and valid for `size_of::<H>() ≥ size_of::<State>()` bytes
    // (compile-time check in `shapes!`), and exclusive per the contract. The whole handle is
    // zeroed first: padding bytes are then the same in every state (states compare byte for
    // byte), and the workspace is complete as it is (all-zero bytes are a valid `Workspace`:
    // `Zeroable`), built in place. Each other field is written in place through a raw
    // pointer (no reference to the whole state exists until the end), the magic last: until
    // then `open` refuses the state. The model is drawn in place once written, and the
    // optimizer's velocity is shaped after it, so no model-sized value is built on the stack
    // twice.
    unsafe {
        p.cast::<u8>().write_bytes(0, size_of::<H>());
        addr_of_mut!((*s).id).write(H::ID);
        addr_of_mut!((*s).hyper).write(hyper);
        addr_of_mut!((*s).objective).write(objective);
        let model = addr_of_mut!((*s).model);
        model.write(H::ZEROED);
        (*model).init(&mut rng(seed), Init::UniformFanIn);
        // The defaults passed `validate`, so this cannot fail; the magic stays 0 if it did.
        let opt = base.with_momentum(hyper.momentum, &*model).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
        addr_of_mut!((*s).opt).cast::<Sgd<Momentum<H::M>>>().write(opt);
        addr_of_mut!((*s).magic).write(MAGIC);
    }
    Ok(())
}

/// `*_set_hyper`: validates `h` through stacknet's builders and, if every value is in
/// range, replaces the optimizer (of the kind `h.optimizer` names; step counter, velocity
/// and moments restart at 0) and objective.
///
/// # Safety
/// `p` as for [`open`] when non-null; `h` is null or valid for reading.
pub(crate) unsafe fn set_hyper<H: Shape, const B: usize>(p: *mut H, h: *const stacknet_hyper_t) -> Check {
    state_ptr(p)?;
    non_null(h)?;
    state_aligned(p)?;
    aligned(h, align_of::<stacknet_hyper_t>())?;
    disjoint(&[state_span(p)], &[span(h, 1)?])?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, not inside the state; every bit pattern is a valid
    // `stacknet_hyper_t` (only u32 and f32 fields).
    let h = unsafe { h.read() };
    let (choice, objective) = h.validate()?;
    // Validated above, so building cannot fail; it is still checked, and before any write.
    // The optimizer is written before `hyper`, which names its kind (`State`'s invariant).
    match choice {
        Choice::Sgd(base) => {
            let sgd = base.with_momentum(h.momentum, &st.model).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
            st.opt.sgd = ManuallyDrop::new(sgd);
        }
        Choice::Adam(cfg) => set_adam(&mut st.opt, &cfg, &st.model)?,
    }
    st.hyper = h;
    st.objective = objective;
    Ok(())
}

/// Builds Adam for `model` and writes it to `dst`. Not inlined: the model-sized values it
/// builds stay out of `set_hyper`'s frame when the choice is SGD.
#[inline(never)]
fn set_adam<M: Layer>(dst: &mut Opt<M>, cfg: &AdamConfig, model: &M) -> Check {
    dst.adam = ManuallyDrop::new(cfg.build(model)?);
    Ok(())
}

/// `*_get_hyper`.
///
/// # Safety
/// As [`set_hyper`], `out` valid for writing.
pub(crate) unsafe fn get_hyper<H: Shape, const B: usize>(p: *mut H, out: *mut stacknet_hyper_t) -> Check {
    state_ptr(p)?;
    non_null(out)?;
    state_aligned(p)?;
    let out = out_ptr(out)?;
    disjoint(&[state_span(p), span(out, 1)?], &[])?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, outside the state; writable per the contract.
    unsafe { out.write(st.hyper) };
    Ok(())
}

/// `*_train_step`: one step of the state's optimizer on exactly `B` rows.
///
/// # Safety
/// `p` as for [`open`] when non-null; `x`/`y` null or valid for reading `rows` rows;
/// `report` null or valid for writing.
pub(crate) unsafe fn train<H: Shape, const B: usize>(
    p: *mut H,
    x: *const f32,
    y: *const f32,
    rows: usize,
    report: *mut stacknet_step_report_t,
) -> Check {
    state_ptr(p)?;
    non_null(x)?;
    non_null(y)?;
    state_aligned(p)?;
    aligned(x, align_of::<f32>())?;
    aligned(y, align_of::<f32>())?;
    let report = opt_out_ptr(report)?;
    if rows != B {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    let (nx, ny) = (count(B, ins::<H::M>())?, count(B, outs::<H::M>())?);
    let (sx, sy) = (span(x, nx)?, span(y, ny)?);
    disjoint(&[state_span(p), opt_span(report)], &[sx, sy])?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, in range, outside the state and the report.
    let (x, y) = unsafe { (core::slice::from_raw_parts(x, nx), core::slice::from_raw_parts(y, ny)) };
    // `train_step` checks the targets only once the loss is not finite, after the forward pass
    // has written the workspace, which lives in the C state: a refused argument must leave the
    // state byte-identical, so the targets are checked here first.
    finite(y)?;
    let (xb, yb) = (batch_of::<<H::M as Layer>::In, B>(x), batch_of::<<H::M as Layer>::Out, B>(y));
    let Parts { objective, model, opt, ws } = st.kind()?;
    let r = match opt {
        OptMut::Sgd(o) => train_step(model, &xb, &yb, ws, o, objective),
        OptMut::Adam(o) => train_step(model, &xb, &yb, ws, o, objective),
    };
    let r = r.map_err(|e| match e {
        StepError::NonFiniteInput { .. } | StepError::NonFiniteTarget { .. } => STACKNET_ERR_NON_FINITE,
        StepError::NonFiniteLoss | StepError::NonFiniteGradient { .. } | StepError::NonFiniteUpdate { .. } => {
            STACKNET_ERR_DIVERGED
        }
    })?;
    if let Some(out) = report {
        let rep = stacknet_step_report_t {
            loss: r.loss,
            data_loss: r.data_loss,
            grad_norm: r.grad_norm,
            learning_rate: r.lr,
            step: r.step,
            clipped: u32::from(r.clipped),
        };
        // SAFETY: aligned, outside the state and the inputs; writable per the contract.
        unsafe { out.write(rep) };
    }
    Ok(())
}

/// Runs the network over the rows of `x` in chunks of `B` rows, calling `f` with each
/// chunk's output rows (padding rows excluded) beside the matching item of `partners` (the
/// chunk's targets, or where its outputs go).
///
/// Written with iterators only (no indexing), so no bounds check can panic here; inlined so
/// that the partners' chunk size is a known non-zero constant (no division-by-zero check).
#[inline(always)]
fn forward_chunks<M: Layer, const B: usize, T>(
    model: &M,
    ws: &mut Workspace<M, B>,
    x: &[f32],
    partners: impl Iterator<Item = T>,
    mut f: impl FnMut(&[f32], T),
) {
    let (i, o) = (ins::<M>(), outs::<M>());
    for (chunk, t) in x.chunks(B * i).zip(partners) {
        let n = chunk.len() / i;
        let out = ws.forward(model, &batch_of::<M::In, B>(chunk));
        f(out.flat().get(..n * o).unwrap_or(&[]), t);
    }
}

/// Phases 1-4 shared by predict, loss and accuracy: the state, `x` (`rows` rows) and an
/// optional `y`, with the outputs that must not overlap them.
struct Eval {
    nx: usize,
    ny: usize,
}

fn eval_checks<H: Shape>(p: *mut H, x: *const f32, y: Option<*const f32>, rows: usize, written: Span) -> Check<Eval> {
    let (nx, ny) = (count(rows, ins::<H::M>())?, count(rows, outs::<H::M>())?);
    if rows == 0 {
        return Err(STACKNET_ERR_DIMENSIONS);
    }
    let sx = span(x, nx)?;
    let sy = match y {
        Some(y) => span(y, ny)?,
        None => Span { addr: 0, len: 0 },
    };
    disjoint(&[state_span(p), written], &[sx, sy])?;
    Ok(Eval { nx, ny })
}

/// `*_predict`: the network's outputs for `rows` rows of `x` (any number ≥ 1).
///
/// # Safety
/// `p` as for [`open`] when non-null; `x` null or valid for reading `rows` rows; `out`
/// null or valid for writing `rows` output rows.
pub(crate) unsafe fn predict<H: Shape, const B: usize>(p: *mut H, x: *const f32, rows: usize, out: *mut f32) -> Check {
    state_ptr(p)?;
    non_null(x)?;
    non_null(out)?;
    state_aligned(p)?;
    aligned(x, align_of::<f32>())?;
    aligned(out, align_of::<f32>())?;
    let no = count(rows, outs::<H::M>())?;
    let e = eval_checks(p, x, None, rows, span(out, no)?)?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, in range, disjoint from the state and from each other.
    let (x, out) = unsafe { (core::slice::from_raw_parts(x, e.nx), core::slice::from_raw_parts_mut(out, no)) };
    finite(x)?;
    let o = outs::<H::M>();
    forward_chunks(&st.model, &mut st.ws, x, out.chunks_mut(B * o), |h, dst| {
        for (d, s) in dst.iter_mut().zip(h) {
            *d = *s;
        }
    });
    Ok(())
}

/// Shared by loss and accuracy: checks, opens, and hands the state and data to `f`.
///
/// # Safety
/// As [`predict`], with `y` like `x` and `res` valid for writing one float.
unsafe fn with_targets<H: Shape, const B: usize>(
    p: *mut H,
    x: *const f32,
    y: *const f32,
    rows: usize,
    res: *mut f32,
    f: impl FnOnce(&mut State<H::M, B>, &[f32], &[f32]) -> f32,
) -> Check {
    state_ptr(p)?;
    non_null(x)?;
    non_null(y)?;
    non_null(res)?;
    state_aligned(p)?;
    aligned(x, align_of::<f32>())?;
    aligned(y, align_of::<f32>())?;
    let res = out_ptr(res)?;
    let e = eval_checks(p, x, Some(y), rows, span(res, 1)?)?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, in range, disjoint from the state and the result.
    let (x, y) = unsafe { (core::slice::from_raw_parts(x, e.nx), core::slice::from_raw_parts(y, e.ny)) };
    finite(x)?;
    finite(y)?;
    let v = f(st, x, y);
    // SAFETY: aligned, outside the state and the inputs; writable per the contract.
    unsafe { res.write(v) };
    Ok(())
}

/// `*_loss`: the objective a training step on these rows would report (MSE + ridge, both
/// divided by `rows`), for any `rows ≥ 1`.
///
/// # Safety
/// As [`with_targets`].
pub(crate) unsafe fn loss<H: Shape, const B: usize>(
    p: *mut H,
    x: *const f32,
    y: *const f32,
    rows: usize,
    out: *mut f32,
) -> Check {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        with_targets::<H, B>(p, x, y, rows, out, |st, x, y| {
            let o = outs::<H::M>();
            let mut grad = <Rows<<H::M as Layer>::Out, B> as Matrix>::ZERO;
            let (loss, mut sum) = (st.objective.loss, 0.0f32);
            forward_chunks(&st.model, &mut st.ws, x, y.chunks(B * o), |h, t| {
                let n = t.len() / o;
                if let Some(g) = grad.flat_mut().get_mut(..t.len()) {
                    sum += loss.eval(n, o, h, t, g) * n as f32;
                }
            });
            sum / rows as f32 + st.objective.penalty.value(&st.model, rows)
        })
    }
}

/// `*_accuracy`: the fraction of rows whose largest output is where the target's is.
///
/// # Safety
/// As [`with_targets`].
pub(crate) unsafe fn accuracy<H: Shape, const B: usize>(
    p: *mut H,
    x: *const f32,
    y: *const f32,
    rows: usize,
    out: *mut f32,
) -> Check {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        with_targets::<H, B>(p, x, y, rows, out, |st, x, y| {
            let o = outs::<H::M>();
            let mut hits = 0usize;
            forward_chunks(&st.model, &mut st.ws, x, y.chunks(B * o), |h, t| {
                for (h, t) in h.chunks_exact(o).zip(t.chunks_exact(o)) {
                    hits += usize::from(argmax(h) == argmax(t));
                }
            });
            hits as f32 / rows as f32
        })
    }
}

/// `*_save`: the weights and optimizer state as a stacknet blob.
///
/// # Safety
/// `p` as for [`open`] when non-null; `buf` null or valid for writing `cap` bytes;
/// `written` null or valid for writing.
pub(crate) unsafe fn save<H: Shape, const B: usize>(p: *mut H, buf: *mut u8, cap: usize, written: *mut usize) -> Check {
    state_ptr(p)?;
    non_null(buf)?;
    non_null(written)?;
    state_aligned(p)?;
    let written = out_ptr(written)?;
    let sb = span(buf, cap)?;
    disjoint(&[sb, span(written, 1)?], &[state_span(p)])?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, in range, disjoint from the state and `written`.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, cap) };
    let n = persist::save(st, buf)?;
    // SAFETY: aligned, outside the state and the buffer; writable per the contract.
    unsafe { written.write(n) };
    Ok(())
}

/// `*_load`: replaces the weights and optimizer state with a saved blob, or changes nothing.
///
/// # Safety
/// `p` as for [`open`] when non-null; `buf` null or valid for reading `len` bytes; `used`
/// null or valid for writing.
pub(crate) unsafe fn load<H: Shape, const B: usize>(p: *mut H, buf: *const u8, len: usize, used: *mut usize) -> Check {
    state_ptr(p)?;
    non_null(buf)?;
    state_aligned(p)?;
    let used = opt_out_ptr(used)?;
    let sb = span(buf, len)?;
    disjoint(&[state_span(p), opt_span(used)], &[sb])?;
    // SAFETY: checked above; validity and exclusivity per the contract.
    let st = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, in range, disjoint from the state and `used`.
    let buf = unsafe { core::slice::from_raw_parts(buf, len) };
    let n = persist::load(st, buf)?;
    if let Some(used) = used {
        // SAFETY: aligned, outside the state and the buffer; writable per the contract.
        unsafe { used.write(n) };
    }
    Ok(())
}

/// The bridge to `stacknet::persist` (kept in one place: the save format is stacknet's,
/// with the optimizer section, which holds a velocity for SGD and both moments for Adam).
mod persist {
    use super::{OptMut, Parts, State};
    use crate::status::{Check, stacknet_status_t::*};
    use stacknet::nn::Layer;
    use stacknet::persist::{LoadError, SaveError, load_with_optimizer, save_with_optimizer};

    pub(super) fn save<M: Layer, const B: usize>(st: &mut State<M, B>, buf: &mut [u8]) -> Check<usize> {
        let Parts { model, opt, .. } = st.kind()?;
        let r = match opt {
            OptMut::Sgd(o) => save_with_optimizer(model, o, buf),
            OptMut::Adam(o) => save_with_optimizer(model, o, buf),
        };
        r.map_err(|e| match e {
            SaveError::BufferTooSmall { .. } => STACKNET_ERR_BUFFER_TOO_SMALL,
            // Training is transactional, so a state never holds NaN/∞ …
            SaveError::NonFinite { .. } => STACKNET_ERR_NON_FINITE,
            // … the predefined shapes are far below 2³² values …
            SaveError::TooLarge => STACKNET_ERR_DIMENSIONS,
            // … and the velocity or moments are always built from the state's own model.
            SaveError::OptimizerMismatch => STACKNET_ERR_WRONG_MODEL,
        })
    }

    pub(super) fn load<M: Layer, const B: usize>(st: &mut State<M, B>, buf: &[u8]) -> Check<usize> {
        let Parts { model, opt, .. } = st.kind()?;
        let r = match opt {
            OptMut::Sgd(o) => load_with_optimizer(model, o, buf),
            OptMut::Adam(o) => load_with_optimizer(model, o, buf),
        };
        r.map_err(|e| match e {
            LoadError::BadMagic
            | LoadError::Truncated { .. }
            | LoadError::Checksum { .. }
            | LoadError::Malformed
            | LoadError::NonFinite { .. }
            | LoadError::NegativeMoment { .. } => STACKNET_ERR_BLOB_CORRUPT,
            LoadError::UnknownVersion(_) => STACKNET_ERR_BLOB_VERSION,
            LoadError::ShapeMismatch { .. } | LoadError::OptimizerMismatch => STACKNET_ERR_BLOB_MODEL,
        })
    }
}
