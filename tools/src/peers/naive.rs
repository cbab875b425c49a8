//! The peer a user would write by hand: the same training step (2-H-2, biases, sigmoid,
//! MSE + ridge, SGD) as straightforward loops over `[[f32; C]; R]` with `libm::expf`.
//! Shared by the benchmark and by `tests/peers.rs`, which checks it computes what
//! stacknet computes.

// Index loops are the point: this is the code a user writes without a library.
#![allow(clippy::needless_range_loop)]

/// Weights and scratch of the hand-written 2-H-2 network for batch `B`.
#[derive(Clone)]
pub struct NaiveNet<const B: usize, const H: usize> {
    pub w1: [[f32; H]; 2],
    pub b1: [f32; H],
    pub w2: [[f32; 2]; H],
    pub b2: [f32; 2],
    h1: [[f32; H]; B],
    h2: [[f32; 2]; B],
    g1: [[f32; H]; B],
    g2: [[f32; 2]; B],
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-z))
}

impl<const B: usize, const H: usize> NaiveNet<B, H> {
    pub fn new(w1: [[f32; H]; 2], b1: [f32; H], w2: [[f32; 2]; H], b2: [f32; 2]) -> Self {
        NaiveNet { w1, b1, w2, b2, h1: [[0.0; H]; B], h2: [[0.0; 2]; B], g1: [[0.0; H]; B], g2: [[0.0; 2]; B] }
    }

    /// One step; returns the loss before the update.
    pub fn step(&mut self, x: &[[f32; 2]; B], y: &[[f32; 2]; B], lr: f32, lambda: f32) -> f32 {
        let inv_b = 1.0 / B as f32;
        for r in 0..B {
            for j in 0..H {
                let z = x[r][0] * self.w1[0][j] + x[r][1] * self.w1[1][j] + self.b1[j];
                self.h1[r][j] = sigmoid(z);
            }
            for k in 0..2 {
                let mut z = self.b2[k];
                for j in 0..H {
                    z += self.h1[r][j] * self.w2[j][k];
                }
                self.h2[r][k] = sigmoid(z);
            }
        }
        let mut loss = 0.0;
        for r in 0..B {
            for k in 0..2 {
                let h = self.h2[r][k];
                let d = h - y[r][k];
                loss += d * d;
                self.g2[r][k] = d * h * (1.0 - h) * inv_b;
            }
            for j in 0..H {
                let back = self.g2[r][0] * self.w2[j][0] + self.g2[r][1] * self.w2[j][1];
                let h = self.h1[r][j];
                self.g1[r][j] = back * h * (1.0 - h);
            }
        }
        let mut sq = 0.0;
        for v in self.w1.iter().flatten().chain(self.w2.iter().flatten()) {
            sq += v * v;
        }
        loss = loss * 0.5 * inv_b + lambda * sq * 0.5 * inv_b;
        let c = lambda * inv_b;
        for j in 0..H {
            for k in 0..2 {
                let mut g = 0.0;
                for r in 0..B {
                    g += self.h1[r][j] * self.g2[r][k];
                }
                self.w2[j][k] -= lr * (g + c * self.w2[j][k]);
            }
        }
        for k in 0..2 {
            let g: f32 = (0..B).map(|r| self.g2[r][k]).sum();
            self.b2[k] -= lr * g;
        }
        for i in 0..2 {
            for j in 0..H {
                let mut g = 0.0;
                for r in 0..B {
                    g += x[r][i] * self.g1[r][j];
                }
                self.w1[i][j] -= lr * (g + c * self.w1[i][j]);
            }
        }
        for j in 0..H {
            let g: f32 = (0..B).map(|r| self.g1[r][j]).sum();
            self.b1[j] -= lr * g;
        }
        loss
    }
}
