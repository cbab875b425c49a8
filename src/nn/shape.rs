//! Compile-time shapes: a width `D<N>` names the rows `[[f32; N]; B]` that flow between
//! bricks, so that stacking two bricks whose widths differ is a type error.

/// A batch of `B` rows, each a fixed-width `f32` array, stored contiguously (row-major).
pub trait Matrix: Copy + 'static {
    /// Rows (the batch size).
    const ROWS: usize;
    /// Columns (the width).
    const COLS: usize;
    /// All zeros.
    const ZERO: Self;
    /// The elements, row after row.
    fn flat(&self) -> &[f32];
    /// The elements, row after row.
    fn flat_mut(&mut self) -> &mut [f32];
}

impl<const N: usize, const B: usize> Matrix for [[f32; N]; B] {
    const ROWS: usize = B;
    const COLS: usize = N;
    const ZERO: Self = [[0.0; N]; B];
    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut()
    }
}

/// A row width known at compile time.
pub trait Dim {
    /// The width.
    const N: usize;
    /// `B` rows of this width: `[[f32; N]; B]`.
    type Rows<const B: usize>: Matrix;
}

/// The width `N`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct D<const N: usize>;

impl<const N: usize> Dim for D<N> {
    const N: usize = N;
    type Rows<const B: usize> = [[f32; N]; B];
}

/// `B` rows of width `W` (a [`Dim`]): `Rows<D<3>, 4>` is `[[f32; 3]; 4]`.
pub type Rows<W, const B: usize> = <W as Dim>::Rows<B>;
