//! The predefined model shapes. Each line of the `shapes!` call below generates, for a
//! sigmoid network `in → hidden → out` (MSE loss) with a fixed training batch:
//!
//! - the handle type `stacknet_NAME_t`, whose size and alignment are those the state
//!   needs, so `static stacknet_NAME_t net;` is all the memory C must provide;
//! - `STACKNET_NAME_{INPUTS,HIDDEN,OUTPUTS,BATCH,PARAMS,STATE_SIZE,STATE_ALIGN,SAVE_SIZE}`;
//! - `stacknet_NAME_{init,validate,set_hyper,get_hyper,train_step,predict,loss,accuracy,save,load}`.
//!
//! Adding a shape is one line. The sizes are plain arithmetic on the line's numbers (so
//! cbindgen can write them into the header) and are checked against the real layout at
//! compile time.

use crate::hyper::stacknet_hyper_t;
use crate::model::{self, STACKNET_STATE_ALIGN, Shape, State, stacknet_step_report_t};
use crate::status::{stacknet_status_t, status};
use stacknet::nn::{Bias, Dense, Sigmoid};

/// FNV-1a of a shape's whole line (name, widths, bias, batch): the id stored in its states.
/// Names are unique (they name functions), so two lines never share an id, even when they
/// differ only in batch size, which changes the state's layout.
const fn shape_id(line: &str) -> u32 {
    let (b, mut i, mut h) = (line.as_bytes(), 0, 0x811c_9dc5u32);
    while i < b.len() {
        h = (h ^ b[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

macro_rules! shapes {
    ($( $name:ident: $i:literal -> $h:literal -> $o:literal, bias: $bias:literal, batch: $b:literal; )+) => {
        paste::paste! { $(
            #[doc = "`" $name "`: inputs per row."]
            pub const [<STACKNET_ $name:upper _INPUTS>]: usize = $i;
            #[doc = "`" $name "`: hidden units."]
            pub const [<STACKNET_ $name:upper _HIDDEN>]: usize = $h;
            #[doc = "`" $name "`: outputs per row."]
            pub const [<STACKNET_ $name:upper _OUTPUTS>]: usize = $o;
            #[doc = "`" $name "`: rows per training step (`train_step` takes exactly this many)."]
            pub const [<STACKNET_ $name:upper _BATCH>]: usize = $b;
            #[doc = "`" $name "`: number of f32 parameters (bias storage included)."]
            pub const [<STACKNET_ $name:upper _PARAMS>]: usize = $i * $h + $h + $h * $o + $o;
            #[doc = "`" $name "`: bytes of a model state (model, optimizer: SGD's velocity or Adam's two "
                "moments, workspace)."]
            // Plain arithmetic, not `div_ceil`: cbindgen copies the expression into the header.
            #[allow(clippy::manual_div_ceil)]
            pub const [<STACKNET_ $name:upper _STATE_SIZE>]: usize =
                (128 + 4 * (4 * ($i * $h + $h + 1) + 4 * ($h * $o + $o + 1)) + 16 * $b * ($h + $o) + 7) / 8 * 8;
            #[doc = "`" $name "`: the state size in 64-bit words (the handle type's array length)."]
            pub const [<STACKNET_ $name:upper _STATE_WORDS>]: usize = [<STACKNET_ $name:upper _STATE_SIZE>] / 8;
            #[doc = "`" $name "`: alignment of a model state."]
            pub const [<STACKNET_ $name:upper _STATE_ALIGN>]: usize = STACKNET_STATE_ALIGN;
            #[doc = "`" $name "`: bytes `save` writes at most (weights, optimizer, CRC): an Adam/AdamW "
                "state's size; an SGD state writes `40 + 8·PARAMS`."]
            pub const [<STACKNET_ $name:upper _SAVE_SIZE>]: usize = 40 + 12 * ($i * $h + $h + $h * $o + $o);

            #[doc = "A `" $name "` model state (" $i "-" $h "-" $o ", biases: " $bias ", batch " $b
                "): opaque; declare one (e.g. `static`) and pass its address."]
            // `align(8)`: `u64` alone is 4-aligned inside a struct on 32-bit x86; the header
            // spells it STACKNET_ALIGNED(8) (see `after_includes` in cbindgen.toml).
            #[repr(C, align(8))]
            pub struct [<stacknet_ $name _t>] {
                /// Private: only this library reads or writes it.
                pub opaque: [u64; [<STACKNET_ $name:upper _STATE_WORDS>]],
            }

            impl Shape for [<stacknet_ $name _t>] {
                type M = (Dense<$i, $h>, Sigmoid<$h>, Dense<$h, $o>, Sigmoid<$o>);
                const ID: u32 = shape_id(concat!(
                    stringify!($name), ":", $i, "-", $h, "-", $o, ",", $bias, ",", $b
                ));
                const ZEROED: Self::M = {
                    let bias = if $bias { Bias::With } else { Bias::Without };
                    (Dense::zeros(bias), Sigmoid, Dense::zeros(bias), Sigmoid)
                };
            }

            const _: () = {
                type H = [<stacknet_ $name _t>];
                assert!(size_of::<State<<H as Shape>::M, $b>>() <= size_of::<H>(), "state outgrew STATE_SIZE");
                assert!(align_of::<State<<H as Shape>::M, $b>>() <= STACKNET_STATE_ALIGN);
                assert!(size_of::<H>() == [<STACKNET_ $name:upper _STATE_SIZE>]);
                assert!(
                    [<STACKNET_ $name:upper _SAVE_SIZE>]
                        == stacknet::persist::max_len_with_adam::<<H as Shape>::M>()
                );
                assert!(align_of::<H>() == STACKNET_STATE_ALIGN);
            };

            #[doc = "Initialises `state` (`state_size` ≥ `STACKNET_" $name:upper "_STATE_SIZE` bytes, "
                "aligned to `STACKNET_STATE_ALIGN`) with weights drawn from `seed` and the default "
                "hyperparameters.\n\n# Safety\n`state` is null or valid for writing `state_size` bytes."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _init>](
                state: *mut [<stacknet_ $name _t>],
                state_size: usize,
                seed: u64,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::init::<_, $b>(state, state_size, seed) })
            }

            #[doc = "Checks, without writing anything, that `state` is an initialised `" $name "` state "
                "whose bytes nothing outside this library changed since its last call (magic, model id, "
                "CRC-32): what every call checks first. For firmware that keeps "
                "a state in retained RAM across a reset.\n\n# Safety\n`state` is null or readable for "
                "`STACKNET_" $name:upper "_STATE_SIZE` bytes, and not written meanwhile."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _validate>](
                state: *const [<stacknet_ $name _t>],
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::validate::<_, $b>(state) })
            }

            #[doc = "Validates `hyper` and, if every value is in range, makes it the state's "
                "optimizer (SGD, Adam or AdamW) and objective. The optimizer's state (step counter, "
                "velocity or moments) is kept if its kind stays (SGD to SGD, Adam or AdamW to Adam or "
                "AdamW), so hyperparameters set after `load` continue the loaded run; between SGD and "
                "Adam/AdamW the new optimizer starts from step 0 (the weights stay).\n\n# Safety\n"
                "`state` is null or an exclusive pointer to a state; `hyper` is null or readable."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _set_hyper>](
                state: *mut [<stacknet_ $name _t>],
                hyper: *const stacknet_hyper_t,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::set_hyper::<_, $b>(state, hyper) })
            }

            #[doc = "Writes the state's hyperparameters to `*out`.\n\n# Safety\n"
                "`state` is null or an exclusive pointer to a state; `out` is null or writable."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _get_hyper>](
                state: *mut [<stacknet_ $name _t>],
                out: *mut stacknet_hyper_t,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::get_hyper::<_, $b>(state, out) })
            }

            #[doc = "One step of the state's optimizer (SGD, Adam or AdamW) on `rows` = `STACKNET_" $name:upper "_BATCH` rows: `x` holds rows×"
                $i " floats, `y` rows×" $o " targets (row-major). `report` may be null. Transactional: "
                "on any error the model and optimizer are unchanged.\n\n# Safety\n`state` is null or an "
                "exclusive pointer to a state; `x`, `y` are null or readable for `rows` rows; `report` "
                "is null or writable."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _train_step>](
                state: *mut [<stacknet_ $name _t>],
                x: *const f32,
                y: *const f32,
                rows: usize,
                report: *mut stacknet_step_report_t,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::train::<_, $b>(state, x, y, rows, report) })
            }

            #[doc = "Writes the network's " $o " outputs for each of `rows` ≥ 1 rows of `x` to `out` "
                "(rows×" $o " floats). Uses the state's workspace, so it takes a mutable state.\n\n"
                "# Safety\n`state` is null or an exclusive pointer to a state; `x` is null or readable "
                "for `rows` rows; `out` is null or writable for `rows` output rows."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _predict>](
                state: *mut [<stacknet_ $name _t>],
                x: *const f32,
                rows: usize,
                out: *mut f32,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::predict::<_, $b>(state, x, rows, out) })
            }

            #[doc = "Writes to `*loss` the objective (MSE + ridge, over `rows` ≥ 1 rows) of `x` "
                "against `y`.\n\n# Safety\nAs `stacknet_" $name "_train_step`; `loss` is null or writable."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _loss>](
                state: *mut [<stacknet_ $name _t>],
                x: *const f32,
                y: *const f32,
                rows: usize,
                loss: *mut f32,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::loss::<_, $b>(state, x, y, rows, loss) })
            }

            #[doc = "Writes to `*accuracy` the fraction of `rows` ≥ 1 rows whose largest output is "
                "where the target's largest value is.\n\n# Safety\nAs `stacknet_" $name "_loss`."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _accuracy>](
                state: *mut [<stacknet_ $name _t>],
                x: *const f32,
                y: *const f32,
                rows: usize,
                accuracy: *mut f32,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::accuracy::<_, $b>(state, x, y, rows, accuracy) })
            }

            #[doc = "Saves the weights and optimizer state (step counter; SGD's velocity or Adam's moments) into `buf` "
                "(`cap` ≥ `STACKNET_" $name:upper "_SAVE_SIZE` bytes) and writes the length used to "
                "`*written`. Hyperparameters are not saved.\n\n# Safety\n`state` is null or an "
                "exclusive pointer to a state; `buf` is null or writable for `cap` bytes; `written` is "
                "null or writable."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _save>](
                state: *mut [<stacknet_ $name _t>],
                buf: *mut u8,
                cap: usize,
                written: *mut usize,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::save::<_, $b>(state, buf, cap, written) })
            }

            #[doc = "Loads weights and optimizer state saved by `stacknet_" $name "_save` into an "
                "initialised `state` (its hyperparameters stay, so set the optimizer the blob was saved with "
                "first). Checks magic, version, length, CRC-32, shape, optimizer kind and finiteness before "
                "writing anything. `used` (may be null) receives "
                "the bytes read.\n\n# Safety\n`state` is null or an exclusive pointer to a state; "
                "`buf` is null or readable for `len` bytes; `used` is null or writable."]
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn [<stacknet_ $name _load>](
                state: *mut [<stacknet_ $name _t>],
                buf: *const u8,
                len: usize,
                used: *mut usize,
            ) -> stacknet_status_t {
                // SAFETY: forwarded from this function's contract.
                status(unsafe { model::load::<_, $b>(state, buf, len, used) })
            }
        )+

        // Every shape's states carry a different id (a hash collision would fail the build).
        const _: () = {
            let ids = [$( <[<stacknet_ $name _t>] as Shape>::ID ),+];
            let mut i = 0;
            while i < ids.len() {
                let mut j = i + 1;
                while j < ids.len() {
                    assert!(ids[i] != ids[j], "two shapes share a state id");
                    j += 1;
                }
                i += 1;
            }
        };
        }
    };
}

shapes! {
    xor_2_3_2:       2 -> 3 -> 2,  bias: false, batch: 32;
    xor_2_3_2_bias:  2 -> 3 -> 2,  bias: true,  batch: 32;
    xor_2_10_2:      2 -> 10 -> 2, bias: false, batch: 32;
    xor_2_10_2_bias: 2 -> 10 -> 2, bias: true,  batch: 32;
    xor_2_50_2:      2 -> 50 -> 2, bias: false, batch: 32;
    xor_2_50_2_bias: 2 -> 50 -> 2, bias: true,  batch: 32;
}
