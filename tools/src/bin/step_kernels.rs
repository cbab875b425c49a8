//! Time per call of each kernel a training step of the benchmark network (2-H-2, biases,
//! sigmoid, MSE) runs, at one configuration and tier: best of 5 loops of 200,000 calls, on
//! made-up data of the right shapes. A profile for finding where a step's time goes (the
//! kernels run one after another on data in L1, as in a step); the step itself is timed by
//! `benches/train_step.rs`. Usage: `step_kernels [TIER] [B] [H]` (default `avx512 50 10`,
//! or the best tier this CPU has).

use stacknet::kernels::{best_available, Kernels, Mode, Tier};
use std::hint::black_box;
use std::time::Instant;

fn time(name: &str, mut f: impl FnMut()) {
    let n = 200_000;
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() / n as f64 * 1e9);
    }
    println!("| {name} | {best:.1} |");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let tier = args.next().and_then(|t| Tier::from_name(&t)).unwrap_or_else(best_available);
    let b: usize = args.next().map_or(50, |s| s.parse().expect("B"));
    let h: usize = args.next().map_or(10, |s| s.parse().expect("H"));
    let k = Kernels::new(tier).expect("tier not available on this CPU");
    let x: Vec<f32> = (0..b * 2).map(|i| (i % 7) as f32 * 0.1).collect();
    let w1: Vec<f32> = (0..2 * h).map(|i| (i % 5) as f32 * 0.1 - 0.2).collect();
    let b1 = vec![0.1f32; h];
    let w2: Vec<f32> = (0..h * 2).map(|i| (i % 3) as f32 * 0.1 - 0.1).collect();
    let b2 = vec![0.1f32; 2];
    let y: Vec<f32> = (0..b * 2).map(|i| (i % 2) as f32).collect();
    let (mut hid, mut out, mut dout, mut g2) = (vec![0.0; b * h], vec![0.0; b * 2], vec![0.0; b * 2], vec![0.0; b * 2]);
    let (mut dw2, mut db2, mut dh, mut g1) = (vec![0.0; h * 2], vec![0.0; 2], vec![0.0; b * h], vec![0.0; b * h]);
    let (mut dw1, mut db1) = (vec![0.0; 2 * h], vec![0.0; h]);
    println!("{} at (B, H) = ({b}, {h}), ns per call\n\n| kernel (m, k, n) | ns |\n|---|---:|", tier.name());
    let s = |m: usize, kk: usize, n: usize| format!("({m}, {kk}, {n})");
    time(&format!("hidden forward σ(X·W₁ + b₁) {}", s(b, 2, h)), || {
        k.matmul_bias_sigmoid(b, 2, h, black_box(&x), &w1, &b1, &mut hid).unwrap()
    });
    time(&format!("  its product X·W₁ alone {}", s(b, 2, h)), || {
        k.matmul(b, 2, h, black_box(&x), &w1, &mut hid, Mode::Overwrite).unwrap()
    });
    time(&format!("  its σ alone ({} values)", b * h), || k.sigmoid(black_box(&mut hid)));
    k.matmul_bias_sigmoid(b, 2, h, &x, &w1, &b1, &mut hid).unwrap();
    time(&format!("output forward σ(H·W₂ + b₂) {}", s(b, h, 2)), || {
        k.matmul_bias_sigmoid(b, h, 2, black_box(&hid), &w2, &b2, &mut out).unwrap()
    });
    time(&format!("  its product H·W₂ alone {}", s(b, h, 2)), || {
        k.matmul(b, h, 2, black_box(&hid), &w2, &mut out, Mode::Overwrite).unwrap()
    });
    time(&format!("  its σ alone ({} values)", b * 2), || k.sigmoid(black_box(&mut out)));
    k.matmul_bias_sigmoid(b, h, 2, &hid, &w2, &b2, &mut out).unwrap();
    time(&format!("MSE data pass `mse_grad` ({} values)", b * 2), || {
        black_box(k.mse_grad(black_box(&out), &y, 0.02, &mut dout));
    });
    time(&format!("output layer dW₂, db₂ (fused, with bias) {}", s(h, b, 2)), || {
        k.matmul_tn_sigmoid_grad_bias(h, b, 2, black_box(&hid), &dout, &out, &mut g2, &mut dw2, &mut db2).unwrap()
    });
    time(&format!("  without the bias {}", s(h, b, 2)), || {
        k.matmul_tn_sigmoid_grad(h, b, 2, black_box(&hid), &dout, &out, &mut g2, &mut dw2).unwrap()
    });
    time(&format!("  the bias alone `sum_rows` ({b}×2)"), || {
        k.sum_rows(b, 2, black_box(&g2), &mut db2, Mode::Overwrite).unwrap()
    });
    time(&format!("input gradient G₂·W₂ᵀ {}", s(b, 2, h)), || {
        k.matmul_nt(b, 2, h, black_box(&g2), &w2, &mut dh, Mode::Overwrite).unwrap()
    });
    time(&format!("hidden layer dW₁, db₁ (fused, with bias) {}", s(2, b, h)), || {
        k.matmul_tn_sigmoid_grad_bias(2, b, h, black_box(&x), &dh, &hid, &mut g1, &mut dw1, &mut db1).unwrap()
    });
    time(&format!("  without the bias {}", s(2, b, h)), || {
        k.matmul_tn_sigmoid_grad(2, b, h, black_box(&x), &dh, &hid, &mut g1, &mut dw1).unwrap()
    });
    time(&format!("  the bias alone `sum_rows` ({b}×{h})"), || {
        k.sum_rows(b, h, black_box(&g1), &mut db1, Mode::Overwrite).unwrap()
    });
    time(&format!("ridge + norm + size `axpy_sum_sq` ({} values)", 2 * h), || {
        black_box(k.axpy_sum_sq(1e-4, black_box(&w1), &mut dw1).unwrap());
    });
    time(&format!("update `axpy` ({} values)", 2 * h), || k.axpy(-0.1, black_box(&dw1), &mut g1[..2 * h]).unwrap());
}
