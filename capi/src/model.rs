//! The model state behind every per-shape handle, and the generic bodies of the per-shape
//! functions that `shapes!` generates.
//!
//! A state is one caller-owned block: magic, model id, CRC-32, hyperparameters, model,
//! optimizer (SGD with its velocity, or Adam with its moments, in the same place) and the
//! workspace for one batch of `B` rows. Nothing lives anywhere else, so a `static` of the
//! handle type is all the memory a model needs.
//!
//! C can write any byte of a state, so a state holds only plain numbers: `u32`/`f32` fields
//! and arrays, structs of them and a union of two such structs, with no enum, no `bool` and
//! no padding byte. Every bit pattern is then a valid `State` (forming a reference to one
//! cannot be undefined behaviour), and a state's bytes are fully determined by the calls
//! that made it. Whether they are the bytes this library last wrote is checked on every
//! entry, before anything else is read: the CRC-32 over all but the workspace, kept up to
//! date by every call that changes the state.
//!
//! Every function follows the same order of checks (see `stacknet_status_t`) and
//! writes nothing before all of them have passed.

use crate::check::{Span, aligned, count, disjoint, finite, non_null, opt_out_ptr, opt_span, out_ptr, span};
use crate::checksum::crc32;
use crate::hyper::{
    AdamConfig, Choice, STACKNET_OPTIMIZER_ADAM, STACKNET_OPTIMIZER_ADAMW, STACKNET_OPTIMIZER_SGD, stacknet_hyper_t,
};
use crate::status::{Check, stacknet_status_t::*};
use core::mem::{ManuallyDrop, offset_of};
use core::ptr::addr_of_mut;
use stacknet::eval::argmax;
use stacknet::init::{Init, rng};
use stacknet::loss::Objective;
use stacknet::nn::{Bias, Dense, Dim, Layer, Matrix, Rows, Zeroable};
use stacknet::optim::{Adam, Momentum, Sgd};
use stacknet::train::{StepError, StepReport, train_step};
use stacknet::workspace::Workspace;

/// The alignment every model state needs (and that the handle types have).
pub const STACKNET_STATE_ALIGN: usize = 8;

/// "SNCA": marks an initialised state.
const MAGIC: u32 = u32::from_le_bytes(*b"SNCA");

/// A one-weight network: what optimizer *settings* are built on (`set_hyper` then copies
/// them into the state's optimizer), so that nothing model-sized is built to change them.
const ONE: Dense<1, 1> = Dense::zeros(Bias::Without);

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

impl From<StepReport> for stacknet_step_report_t {
    fn from(r: StepReport) -> Self {
        stacknet_step_report_t {
            loss: r.loss,
            data_loss: r.data_loss,
            grad_norm: r.grad_norm,
            learning_rate: r.lr,
            step: r.step,
            clipped: u32::from(r.clipped),
        }
    }
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

/// The memory behind a handle of shape `H` with batch `B`. `#[repr(C)]` keeps `magic`,
/// `id` and `crc` at offsets 0, 4 and 8, where they are read before anything else is trusted.
///
/// Every field is plain numbers (stacknet stores a `Dense`'s bias flag as a `u32` and an
/// optimizer's schedule and clipping as numbers for this reason): every bit pattern is a
/// valid `State`, and there is no padding byte, so every byte is one a call wrote.
///
/// Invariants, checked on every entry by [`verify`] (the CRC, the optimizer code and the
/// ridge): `crc` is [`State::checksum`] (every call that changes the state re-seals it),
/// and `hyper` passes `validate` with
/// `hyper.optimizer` naming the variant of `opt` that was last written (`init` writes SGD
/// with the default hyperparameters; `set_hyper` writes the optimizer and then the
/// hyperparameters that chose it). [`State::kind`] is the only way to reach `opt`.
#[repr(C)]
pub(crate) struct State<M: Layer, const B: usize> {
    magic: u32,
    id: u32,
    crc: u32,
    hyper: stacknet_hyper_t,
    model: M,
    opt: Opt<M>,
    ws: Workspace<M, B>,
}

/// The optimizer of a state: SGD with its velocity, or Adam/AdamW with both moments. One
/// place for both, so a state is as large as the larger of the two (Adam's), not the sum.
/// Bytes past the variant in use are zero (`init` zeroes them, a change of kind too).
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
    model: &'a mut M,
    opt: OptMut<'a, M>,
    ws: &'a mut Workspace<M, B>,
}

impl<M: Layer, const B: usize> State<M, B> {
    /// The state's parts, with its optimizer as `hyper.optimizer` says;
    /// `STACKNET_ERR_STATE_CORRUPT` for an unknown code (`verify` refuses those first).
    fn kind(&mut self) -> Check<Parts<'_, M, B>> {
        let opt = match self.hyper.optimizer {
            // SAFETY: every bit pattern is a valid `Sgd` (plain numbers, see `State`), and
            // the variant named by `hyper.optimizer` is the one last written (the invariant).
            STACKNET_OPTIMIZER_SGD => OptMut::Sgd(unsafe { &mut *self.opt.sgd }),
            // SAFETY: as above, for `Adam`.
            STACKNET_OPTIMIZER_ADAM | STACKNET_OPTIMIZER_ADAMW => OptMut::Adam(unsafe { &mut *self.opt.adam }),
            _ => return Err(STACKNET_ERR_STATE_CORRUPT),
        };
        Ok(Parts { model: &mut self.model, opt, ws: &mut self.ws })
    }

    /// The CRC-32 of every byte before the workspace except `crc` itself: magic, id,
    /// hyperparameters, model and optimizer. The workspace is scratch (every call writes
    /// what it reads there first), so `predict` need not re-seal.
    fn checksum(&self) -> u32 {
        let (at, covered) = (offset_of!(Self, crc), offset_of!(Self, ws));
        // SAFETY: the first `covered` bytes of `self` are its fields before the workspace;
        // they have no padding (see `State`), so every byte is initialised.
        let bytes = unsafe { core::slice::from_raw_parts((self as *const Self).cast::<u8>(), covered) };
        crc32(&[bytes.get(..at).unwrap_or_default(), bytes.get(at + size_of::<u32>()..).unwrap_or_default()])
    }

    /// Makes `crc` match the state again: the last thing every call that changed it does.
    fn seal(&mut self) {
        self.crc = self.checksum();
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

/// Phase 5: the state's magic and model id, then its integrity: the CRC-32, then the
/// optimizer kind and the objective (from the ridge coefficient) that every call uses.
///
/// Not inlined: one copy per shape, shared by its functions, rather than one in each.
///
/// # Safety
/// `p` is non-null, aligned to [`STACKNET_STATE_ALIGN`] and valid for reads of
/// `size_of::<H>()` bytes, and no reference that writes that memory is live.
#[inline(never)]
pub(crate) unsafe fn verify<'a, H: Shape, const B: usize>(p: *const H) -> Check<(&'a State<H::M, B>, Objective)> {
    // SAFETY: the handle is at least as large as the state and as aligned (checked at compile
    // time by `shapes!`), readable per the contract, and every bit pattern is a valid
    // `State` (plain numbers, no padding: see `State`), so a reference may be formed over
    // whatever bytes C left there; what they mean is checked next, before anything else.
    let st = unsafe { &*p.cast::<State<H::M, B>>() };
    if st.magic != MAGIC {
        return Err(STACKNET_ERR_NOT_INITIALIZED);
    }
    if st.id != H::ID {
        return Err(STACKNET_ERR_WRONG_MODEL);
    }
    if st.crc != st.checksum() {
        return Err(STACKNET_ERR_STATE_CORRUPT);
    }
    // A matching CRC shows these are the bytes this library last wrote, and it writes only
    // hyperparameters that passed `validate`; what every call needs from them is the
    // optimizer kind and the objective, read through the same checks (cheaply: validating
    // Adam's settings again would build an optimizer on every call's stack).
    if !matches!(st.hyper.optimizer, STACKNET_OPTIMIZER_SGD | STACKNET_OPTIMIZER_ADAM | STACKNET_OPTIMIZER_ADAMW) {
        return Err(STACKNET_ERR_STATE_CORRUPT);
    }
    let objective = Objective::mse_ridge(st.hyper.ridge).map_err(|_| STACKNET_ERR_STATE_CORRUPT)?;
    Ok((st, objective))
}

/// [`verify`], then the state for writing.
///
/// # Safety
/// As [`verify`], and `p` is valid for writes and no other reference to that memory is live.
unsafe fn open<'a, H: Shape, const B: usize>(p: *mut H) -> Check<(&'a mut State<H::M, B>, Objective)> {
    // SAFETY: forwarded from this function's contract; the shared reference ends here.
    let (_, objective) = unsafe { verify::<H, B>(p)? };
    // SAFETY: as in `verify` (any bytes are a valid `State`), writable and exclusive per
    // the contract.
    Ok((unsafe { &mut *p.cast::<State<H::M, B>>() }, objective))
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
    let hyper = stacknet_hyper_t::DEFAULT;
    let (Choice::Sgd(base), _) = hyper.validate()? else {
        // The defaults choose SGD.
        return Err(STACKNET_ERR_HYPERPARAMETER);
    };
    let s = p.cast::<State<H::M, B>>();
    // SAFETY: `p` is aligned and valid for `size_of::<H>() ≥ size_of::<State>()` bytes
    // (compile-time check in `shapes!`), and exclusive per the contract. The whole handle is
    // zeroed first: the bytes past the state and past SGD in the optimizer union are then
    // zero in every state (states compare byte for byte; nothing has padding), and the
    // workspace is complete as it is (all-zero bytes are a valid `Workspace`: `Zeroable`),
    // built in place. Each other field is written in place through a raw pointer (no
    // reference to the whole state exists until the end), the magic and CRC last: until
    // then `open` refuses the state. The model is drawn in place once written, and the
    // optimizer's velocity is shaped after it, so no model-sized value is built on the
    // stack twice.
    unsafe {
        p.cast::<u8>().write_bytes(0, size_of::<H>());
        addr_of_mut!((*s).id).write(H::ID);
        addr_of_mut!((*s).hyper).write(hyper);
        let model = addr_of_mut!((*s).model);
        model.write(H::ZEROED);
        (*model).init(&mut rng(seed), Init::UniformFanIn);
        // The defaults passed `validate`, so this cannot fail; the magic stays 0 if it did.
        let opt = base.with_momentum(hyper.momentum, &*model).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
        addr_of_mut!((*s).opt).cast::<Sgd<Momentum<H::M>>>().write(opt);
        addr_of_mut!((*s).magic).write(MAGIC);
        (*s).seal();
    }
    Ok(())
}

/// `*_validate`: the checks every call starts with (pointer, alignment, magic, model id,
/// CRC-32, optimizer kind and ridge), alone and without writing anything: for firmware that
/// keeps a state in retained RAM across a reset and must decide whether to trust it.
///
/// # Safety
/// `p` is null or valid for reading `size_of::<H>()` bytes, and no call writes it meanwhile.
pub(crate) unsafe fn validate<H: Shape, const B: usize>(p: *const H) -> Check {
    non_null(p)?;
    aligned(p, STACKNET_STATE_ALIGN)?;
    // SAFETY: non-null and aligned (checked); readable and not written meanwhile per the
    // contract.
    unsafe { verify::<H, B>(p) }.map(|_| ())
}

/// `*_set_hyper`: validates `h` through stacknet's builders and, if every value is in
/// range, makes it the state's hyperparameters. The optimizer's state (step counter, SGD's
/// velocity, Adam's moments) is kept when its kind stays (SGD → SGD; Adam or AdamW → Adam
/// or AdamW, which share their moments), so `init` → `load` → `set_hyper` continues the
/// loaded run; a change between SGD and Adam/AdamW starts the new optimizer from step 0
/// (the weights stay).
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
    let (st, _) = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, not inside the state; every bit pattern is a valid
    // `stacknet_hyper_t` (only u32 and f32 fields).
    let h = unsafe { h.read() };
    let (choice, _) = h.validate()?;
    let kept = is_adam(st.hyper.optimizer) == matches!(choice, Choice::Adam(_));
    // Validated above, so building cannot fail; it is still checked, and before any write.
    // The optimizer is written before `hyper`, which names its kind (`State`'s invariant).
    match (choice, st.kind()?.opt) {
        (Choice::Sgd(base), OptMut::Sgd(sgd)) if kept => {
            let settings = base.with_momentum(h.momentum, &ONE).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
            sgd.take_settings(&settings);
        }
        (Choice::Adam(cfg), OptMut::Adam(adam)) if kept => adam.take_settings(&cfg.build(&ONE)?),
        (Choice::Sgd(base), _) => set_sgd(&mut st.opt, base, h.momentum, &st.model)?,
        (Choice::Adam(cfg), _) => set_adam(&mut st.opt, &cfg, &st.model)?,
    }
    st.hyper = h;
    st.seal();
    Ok(())
}

/// Whether an optimizer code names Adam's state (Adam or AdamW) rather than SGD's.
fn is_adam(code: u32) -> bool {
    matches!(code, STACKNET_OPTIMIZER_ADAM | STACKNET_OPTIMIZER_ADAMW)
}

/// Zeroes the optimizer union before another variant is written into it, so the bytes
/// past a smaller variant are zero, not the last variant's.
fn clear<M: Layer>(opt: &mut Opt<M>) {
    // SAFETY: `opt` is a valid, exclusive `Opt`, and all-zero bytes are a valid `Opt` (plain
    // numbers: see `State`).
    unsafe { core::ptr::write_bytes(opt as *mut Opt<M>, 0, 1) };
}

/// Writes a fresh SGD with momentum `mu` for `model` to `dst`. Not inlined, as
/// [`set_adam`]: the velocity it builds stays out of `set_hyper`'s frame when the optimizer
/// kind does not change (on the Cortex-M4F, 448 instead of 3,488 bytes for 2-50-2).
#[inline(never)]
fn set_sgd<M: Layer>(dst: &mut Opt<M>, base: Sgd, mu: f32, model: &M) -> Check {
    let sgd = base.with_momentum(mu, model).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
    clear(dst);
    dst.sgd = ManuallyDrop::new(sgd);
    Ok(())
}

/// Writes a fresh Adam for `model` with the settings `cfg` to `dst`. The settings are built
/// (and checked) on a one-weight model and copied in, so only one model-sized value is built
/// (`Adam::new`'s zero moments), not one per builder step. Not inlined: it stays out of
/// `set_hyper`'s frame when the choice is SGD.
#[inline(never)]
fn set_adam<M: Layer>(dst: &mut Opt<M>, cfg: &AdamConfig, model: &M) -> Check {
    let settings = cfg.build(&ONE)?;
    let fresh = Adam::new(settings.base_lr(), model).map_err(|_| STACKNET_ERR_HYPERPARAMETER)?;
    clear(dst);
    dst.adam = ManuallyDrop::new(fresh);
    // SAFETY: the variant was just written (and any bytes are a valid `Adam`: see `State`).
    unsafe { (*dst.adam).take_settings(&settings) };
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
    // SAFETY: checked above; validity per the contract.
    let (st, _) = unsafe { verify::<H, B>(p)? };
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
    let (st, objective) = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, in range, outside the state and the report.
    let (x, y) = unsafe { (core::slice::from_raw_parts(x, nx), core::slice::from_raw_parts(y, ny)) };
    // `train_step` checks the targets only once the loss is not finite, after the forward pass
    // has written the workspace, which lives in the C state: a refused argument must leave the
    // state byte-identical, so the targets are checked here first.
    finite(y)?;
    let (xb, yb) = (batch_of::<<H::M as Layer>::In, B>(x), batch_of::<<H::M as Layer>::Out, B>(y));
    let Parts { model, opt, ws } = st.kind()?;
    let r = match opt {
        OptMut::Sgd(o) => train_step(model, &xb, &yb, ws, o, &objective),
        OptMut::Adam(o) => train_step(model, &xb, &yb, ws, o, &objective),
    };
    // A refused step changed neither model nor optimizer (the workspace is not sealed), so
    // only a step that was taken re-seals.
    if r.is_ok() {
        st.seal();
    }
    let r = r.map_err(|e| match e {
        StepError::NonFiniteInput { .. } | StepError::NonFiniteTarget { .. } => STACKNET_ERR_NON_FINITE,
        StepError::NonFiniteLoss | StepError::NonFiniteGradient { .. } | StepError::NonFiniteUpdate { .. } => {
            STACKNET_ERR_DIVERGED
        }
    })?;
    if let Some(out) = report {
        // SAFETY: aligned, outside the state and the inputs; writable per the contract.
        unsafe { out.write(r.into()) };
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
    let (st, _) = unsafe { open::<H, B>(p)? };
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
    f: impl FnOnce(&mut State<H::M, B>, &Objective, &[f32], &[f32]) -> f32,
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
    let (st, objective) = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, aligned, in range, disjoint from the state and the result.
    let (x, y) = unsafe { (core::slice::from_raw_parts(x, e.nx), core::slice::from_raw_parts(y, e.ny)) };
    finite(x)?;
    finite(y)?;
    let v = f(st, &objective, x, y);
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
        with_targets::<H, B>(p, x, y, rows, out, |st, objective, x, y| {
            let o = outs::<H::M>();
            let mut grad = <Rows<<H::M as Layer>::Out, B> as Matrix>::ZERO;
            let (loss, mut sum) = (objective.loss, 0.0f32);
            forward_chunks(&st.model, &mut st.ws, x, y.chunks(B * o), |h, t| {
                let n = t.len() / o;
                if let Some(g) = grad.flat_mut().get_mut(..t.len()) {
                    sum += loss.eval(n, o, h, t, g) * n as f32;
                }
            });
            sum / rows as f32 + objective.penalty.value(&st.model, rows)
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
        with_targets::<H, B>(p, x, y, rows, out, |st, _, x, y| {
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
    let (st, _) = unsafe { open::<H, B>(p)? };
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
    let (st, _) = unsafe { open::<H, B>(p)? };
    // SAFETY: non-null, in range, disjoint from the state and `used`.
    let buf = unsafe { core::slice::from_raw_parts(buf, len) };
    let n = persist::load(st, buf)?;
    st.seal();
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
