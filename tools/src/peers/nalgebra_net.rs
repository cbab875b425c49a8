//! The peer a user would write with `nalgebra`: the same training step as idiomatic
//! fixed-size (`SMatrix`) code. Shared by the benchmark and by `tests/peers.rs`.

use nalgebra::{SMatrix, SVector};

/// Row vector of `N` columns.
type Row<const N: usize> = SMatrix<f32, 1, N>;

/// Weights of the nalgebra 2-H-2 network (batch `B` is a parameter of `step`).
#[derive(Clone)]
pub struct NalgebraNet<const H: usize> {
    pub w1: SMatrix<f32, 2, H>,
    pub b1: Row<H>,
    pub w2: SMatrix<f32, H, 2>,
    pub b2: Row<2>,
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl<const H: usize> NalgebraNet<H> {
    pub fn new(w1: [[f32; H]; 2], b1: [f32; H], w2: [[f32; 2]; H], b2: [f32; 2]) -> Self {
        NalgebraNet {
            w1: SMatrix::from_fn(|i, j| w1[i][j]),
            b1: Row::from_fn(|_, j| b1[j]),
            w2: SMatrix::from_fn(|i, j| w2[i][j]),
            b2: Row::from_fn(|_, j| b2[j]),
        }
    }

    /// One step on `x: B×2`, `y: B×2`; returns the loss before the update.
    pub fn step<const B: usize>(
        &mut self,
        x: &SMatrix<f32, B, 2>,
        y: &SMatrix<f32, B, 2>,
        lr: f32,
        lambda: f32,
    ) -> f32 {
        let inv_b = 1.0 / B as f32;
        let ones = SVector::<f32, B>::repeat(1.0);
        let h1 = (x * self.w1 + ones * self.b1).map(sigmoid);
        let h2 = (h1 * self.w2 + ones * self.b2).map(sigmoid);
        let diff = h2 - y;
        let loss = diff.norm_squared() * 0.5 * inv_b
            + lambda * (self.w1.norm_squared() + self.w2.norm_squared()) * 0.5 * inv_b;
        let g2 = diff.component_mul(&h2.map(|h| h * (1.0 - h))) * inv_b;
        let dw2 = h1.tr_mul(&g2) + self.w2 * (lambda * inv_b);
        let db2 = g2.row_sum();
        let g1 = (g2 * self.w2.transpose()).component_mul(&h1.map(|h| h * (1.0 - h)));
        let dw1 = x.tr_mul(&g1) + self.w1 * (lambda * inv_b);
        let db1 = g1.row_sum();
        self.w2 -= dw2 * lr;
        self.b2 -= db2 * lr;
        self.w1 -= dw1 * lr;
        self.b1 -= db1 * lr;
        loss
    }
}
