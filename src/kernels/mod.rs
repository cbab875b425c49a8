//! The kernels: the matrix products, σ and the element-wise updates a training step is made
//! of, on the fastest tier this CPU has. Two front ends over the same tiers:
//!
//! - [`typed`]: compile-time shapes (`[[f32; N]; M]` arrays), infallible. The bricks of
//!   [`crate::nn`] and the training step use it; a shape mismatch is a type error.
//! - [`Kernels`]: row-major slices plus dimensions, each length checked ([`ShapeError`])
//!   before any tier code runs. For C, fuzzing, benchmarks and shapes known only at run
//!   time; [`Kernels::new`] also runs one chosen tier.
//!
//! Which tier runs is [`active`]: detected once, cached, forceable ([`force`]).

mod checked;
mod detect;
pub(crate) mod dispatch;
pub(crate) mod small;
pub mod typed;

pub use crate::arch::AdamUpdate;
pub use checked::{Kernels, Mode, ShapeError};
pub use detect::{active, best_available, force, reset, Tier, TierUnavailableError};
pub use dispatch::last_tier_used;
