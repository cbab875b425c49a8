//! What a brick keeps between its forward and backward pass.

use super::shape::Matrix;

/// Construction of any brick's buffers (kept apart from [`Cache`] because a stack's
/// buffers hold rows of several widths). A constant, so that a workspace can be built in a
/// `const` context (a `static`).
pub trait CacheNew: Copy {
    /// Zeroed buffers.
    const ZERO: Self;
}

/// Rows are their own buffers (an inference pass keeps only a `Dense`'s output).
impl<const N: usize, const B: usize> CacheNew for [[f32; N]; B] {
    const ZERO: Self = [[0.0; N]; B];
}

/// No buffers (an element-wise brick in an inference pass works in place).
impl CacheNew for () {
    const ZERO: Self = ();
}

/// A brick's per-batch buffers: its output `y` (kept for the backward pass, which for
/// sigmoid/tanh/relu needs only the output) and the gradient `dy` of the loss with
/// respect to that output.
pub trait Cache<R: Matrix>: CacheNew {
    /// The forward output.
    fn output(&self) -> &R;
    /// The gradient with respect to the output, written by the next brick's backward pass
    /// (or by the loss).
    fn output_grad_mut(&mut self) -> &mut R;
    /// The output and its gradient together, for the next brick's backward pass, which
    /// reads the one and writes the other.
    fn split_mut(&mut self) -> (&R, &mut R);
}

/// The buffers of one brick: output and output gradient.
#[derive(Clone, Copy, Debug)]
pub struct Act<R> {
    /// Forward output.
    pub y: R,
    /// Gradient of the loss with respect to `y`.
    pub dy: R,
}

impl<R: Matrix> CacheNew for Act<R> {
    const ZERO: Self = Act { y: R::ZERO, dy: R::ZERO };
}

impl<R: Matrix> Cache<R> for Act<R> {
    #[inline]
    fn output(&self) -> &R {
        &self.y
    }
    #[inline]
    fn output_grad_mut(&mut self) -> &mut R {
        &mut self.dy
    }
    #[inline]
    fn split_mut(&mut self) -> (&R, &mut R) {
        (&self.y, &mut self.dy)
    }
}
