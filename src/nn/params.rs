//! [`Params`]: a model's parameters as a fixed sequence of `f32` slices. The optimizers,
//! the penalties and the step's checks work on these slices alone, so one copy of that code
//! serves both the const-generic bricks (every [`Layer`]) and the run-time network of
//! [`crate::runtime`], whose parameters live in a caller's buffer.

use super::{Layer, ParamKind};

/// Parameter slices in a fixed visiting order, each marked weight or bias, read only (a
/// model that may sit in flash). Two values of one type visited together (`zip…`) have the
/// same slices, of the same lengths.
pub trait ParamsRef {
    /// Calls `f` on each parameter slice, in a fixed order.
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` beside the same slice of `other`.
    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` beside the same slice of `a`, `b`, `c`.
    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F);
}

/// [`ParamsRef`] that can also be written: what a training step updates.
pub trait Params: ParamsRef {
    /// Calls `f` on each parameter slice, mutably, in the same order.
    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F);

    /// Calls `f` on each parameter slice of `self` (mutable) beside the same slice of `other`.
    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F);

    /// [`ParamsRef::zip4`] with `self`, `a` and `b` mutable.
    fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
        &mut self,
        a: &mut Self,
        b: &mut Self,
        c: &Self,
        f: &mut F,
    );

    /// Calls `f` on runs of values that cover every parameter once, in visiting order: for
    /// element-wise work (clipping), where a value's result cannot depend on where its run
    /// starts. Per slice by default; a run-time network's flat buffer is one run, so such a
    /// pass is one loop (or kernel call) instead of one per slice.
    #[inline(always)]
    fn visit_values_mut<F: FnMut(&mut [f32])>(&mut self, f: &mut F) {
        self.visit_mut(&mut |_, v| f(v));
    }

    /// [`Params::visit_values_mut`] with `self` beside the same values of `other` (the
    /// update `w ← w − η·d`, momentum).
    #[inline(always)]
    fn zip_values_mut<F: FnMut(&mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        self.zip_mut(other, &mut |_, a, b| f(a, b));
    }
}

/// Every brick and stack: its [`Layer`] visitors.
impl<L: Layer> ParamsRef for L {
    #[inline(always)]
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F) {
        Layer::visit(self, f)
    }

    #[inline(always)]
    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F) {
        Layer::zip(self, other, f)
    }

    #[inline(always)]
    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F) {
        Layer::zip4(self, a, b, c, f)
    }
}

/// Every brick and stack: its [`Layer`] visitors.
impl<L: Layer> Params for L {
    #[inline(always)]
    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F) {
        Layer::visit_mut(self, f)
    }

    #[inline(always)]
    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        Layer::zip_mut(self, other, f)
    }

    #[inline(always)]
    fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
        &mut self,
        a: &mut Self,
        b: &mut Self,
        c: &Self,
        f: &mut F,
    ) {
        Layer::zip4_mut(self, a, b, c, f)
    }
}
