//! Workspaces allocated zeroed on the heap (feature `alloc`), never built on the stack.

use super::{Forward, Inference, Workspace};
use crate::nn::{InferFrom, Layer, Rows, Zeroable};
use alloc::boxed::Box;

/// A zeroed `T` on the heap, written in place (no stack temporary, in debug builds too).
fn zeroed<T: Zeroable>() -> Box<T> {
    // SAFETY: all-zero bytes are a valid `T` (`Zeroable`'s contract), and `new_zeroed`
    // returns memory of `T`'s layout with every byte zero.
    unsafe { Box::<T>::new_zeroed().assume_init() }
}

impl<M: Layer + Zeroable, const B: usize> Workspace<M, B>
where
    M::Cache<B>: Zeroable,
{
    /// [`Workspace::new`] allocated zeroed on the heap, without a stack temporary: for
    /// workspaces too large for the stack (in debug builds `Box::new(Workspace::new())`
    /// builds the value on the stack first).
    ///
    /// ```
    /// use stacknet::prelude::*;
    /// type Net = (Dense<64, 64>, Relu<64>, Dense<64, 64>);
    /// let ws = Workspace::<Net, 4096>::new_boxed(); // 8 MiB, never on the stack
    /// assert_eq!(ws.output()[4095], [0.0; 64]);
    /// ```
    pub fn new_boxed() -> Box<Self> {
        zeroed()
    }
}

impl<M: InferFrom, const B: usize> Inference<M, B> {
    /// [`Inference::new`] allocated zeroed on the heap, without a stack temporary.
    pub fn new_boxed() -> Box<Self> {
        zeroed()
    }
}

/// A boxed workspace works where the workspace does (`&mut boxed`, no `&mut *boxed`).
impl<M: Layer, const B: usize, W: Forward<M, B> + ?Sized> Forward<M, B> for Box<W> {
    fn forward(&mut self, model: &M, x: &Rows<M::In, B>) -> &Rows<M::Out, B> {
        (**self).forward(model, x)
    }
}
