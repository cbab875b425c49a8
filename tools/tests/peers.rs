//! The benchmark's peers (hand-written loops, nalgebra) compute the same step as stacknet,
//! so the benchmark compares like with like. Tolerance: 1e-5 absolute + 1e-4 relative on
//! every weight after 20 steps (the three differ only in f32 summation order and `exp`).
//! x86_64 only, like the nalgebra peer it checks (see ../Cargo.toml).
#![cfg(target_arch = "x86_64")]

use nalgebra::SMatrix;
use stacknet::prelude::*;
use stacknet_tools::peers::{naive, nalgebra_net, setup};

#[track_caller]
fn close(what: &str, got: &[f32], want: &[f32]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5 + 1e-4 * w.abs(), "{what}[{i}]: {g} vs {w}");
    }
}

#[test]
fn peers_match_stacknet() {
    const B: usize = 50;
    const H: usize = 10;
    let (lr, lambda) = (0.5, 1e-3);
    let (x, y, mut net) = setup::start::<B, H>(3);
    let (w1, b1, w2, b2) = setup::parts(&net);
    let mut naive = naive::NaiveNet::<B, H>::new(w1, b1, w2, b2);
    let mut alg = nalgebra_net::NalgebraNet::<H>::new(w1, b1, w2, b2);
    let xm = SMatrix::<f32, B, 2>::from_fn(|r, c| x[r][c]);
    let ym = SMatrix::<f32, B, 2>::from_fn(|r, c| y[r][c]);
    let mut ws = Workspace::<setup::Net<H>, B>::new();
    let mut opt = Sgd::new(lr).unwrap();
    let objective = Objective::mse_ridge(lambda).unwrap();
    for _ in 0..20 {
        let ours = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap().loss;
        let theirs = naive.step(&x, &y, lr, lambda);
        let alg_loss = alg.step(&xm, &ym, lr, lambda);
        close("naive loss", &[theirs], &[ours]);
        close("nalgebra loss", &[alg_loss], &[ours]);
    }
    let (w1, b1, w2, b2) = setup::parts(&net);
    close("naive w1", naive.w1.as_flattened(), w1.as_flattened());
    close("naive b1", &naive.b1, &b1);
    close("naive w2", naive.w2.as_flattened(), w2.as_flattened());
    close("naive b2", &naive.b2, &b2);
    for i in 0..2 {
        for j in 0..H {
            close("nalgebra w1", &[alg.w1[(i, j)]], &[w1[i][j]]);
            close("nalgebra w2", &[alg.w2[(j, i)]], &[w2[j][i]]);
        }
    }
    close("nalgebra b1", alg.b1.as_slice(), &b1);
    close("nalgebra b2", alg.b2.as_slice(), &b2);
}
