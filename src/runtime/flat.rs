//! A run-time network's parameters (or gradients, or an optimizer's per-parameter state)
//! as [`Params`]: a view of a caller's flat buffer cut into the slices the bricks would
//! have, so the shared step, optimizers, penalties and blob format work on it unchanged.

use super::net::take;
use super::spec::Net;
use crate::nn::{ParamKind, Params, ParamsRef};

/// A writable buffer of exactly `net.params()` values, seen as `net`'s parameter slices.
pub(crate) struct Flat<'a> {
    pub(crate) net: &'a Net,
    pub(crate) data: &'a mut [f32],
}

/// [`Flat`], read only (a model in flash, a prediction's model).
#[derive(Clone, Copy)]
pub(crate) struct FlatRef<'a> {
    pub(crate) net: &'a Net,
    pub(crate) data: &'a [f32],
}

/// The next `len` values of `rest` (fewer only if `rest` is short, which the lengths
/// checked when the views are made rule out).
fn cut<'a>(rest: &mut &'a [f32], len: usize) -> &'a [f32] {
    let (s, r) = rest.split_at(len.min(rest.len()));
    *rest = r;
    s
}

/// Visits the slices of views over `net`'s layout, in step.
fn zip_n<'a, const N: usize>(net: &Net, data: [&'a [f32]; N], f: &mut impl FnMut(ParamKind, [&'a [f32]; N])) {
    let mut rest = data;
    net.segments(|kind, len| f(kind, rest.each_mut().map(|r| cut(r, len))));
}

impl ParamsRef for FlatRef<'_> {
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F) {
        zip_n(self.net, [self.data], &mut |k, [a]| f(k, a));
    }

    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F) {
        zip_n(self.net, [self.data, other.data], &mut |k, [a, b]| f(k, a, b));
    }

    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F) {
        zip_n(self.net, [self.data, a.data, b.data, c.data], f);
    }
}

impl<'a> Flat<'a> {
    /// The same buffer, read only.
    pub(crate) fn as_ref(&self) -> FlatRef<'_> {
        FlatRef { net: self.net, data: self.data }
    }
}

impl ParamsRef for Flat<'_> {
    fn visit<F: FnMut(ParamKind, &[f32])>(&self, f: &mut F) {
        self.as_ref().visit(f);
    }

    fn zip<F: FnMut(ParamKind, &[f32], &[f32])>(&self, other: &Self, f: &mut F) {
        self.as_ref().zip(&other.as_ref(), f);
    }

    fn zip4<F: FnMut(ParamKind, [&[f32]; 4])>(&self, a: &Self, b: &Self, c: &Self, f: &mut F) {
        self.as_ref().zip4(&a.as_ref(), &b.as_ref(), &c.as_ref(), f);
    }
}

impl Params for Flat<'_> {
    fn visit_mut<F: FnMut(ParamKind, &mut [f32])>(&mut self, f: &mut F) {
        let mut rest: &mut [f32] = self.data;
        self.net.segments(|kind, len| f(kind, take(&mut rest, len)));
    }

    fn zip_mut<F: FnMut(ParamKind, &mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        let (mut rest, mut other) = (&mut *self.data, &*other.data);
        self.net.segments(|kind, len| f(kind, take(&mut rest, len), cut(&mut other, len)));
    }

    fn zip4_mut<F: FnMut(ParamKind, [&mut [f32]; 3], &[f32])>(
        &mut self,
        a: &mut Self,
        b: &mut Self,
        c: &Self,
        f: &mut F,
    ) {
        let (mut w, mut a, mut b, mut c) = (&mut *self.data, &mut *a.data, &mut *b.data, &*c.data);
        self.net
            .segments(|kind, len| f(kind, [take(&mut w, len), take(&mut a, len), take(&mut b, len)], cut(&mut c, len)));
    }

    /// The whole buffer, one run.
    fn visit_values_mut<F: FnMut(&mut [f32])>(&mut self, f: &mut F) {
        f(self.data);
    }

    /// The whole buffers, one run.
    fn zip_values_mut<F: FnMut(&mut [f32], &[f32])>(&mut self, other: &Self, f: &mut F) {
        f(self.data, &*other.data);
    }
}
