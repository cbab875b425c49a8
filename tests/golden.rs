//! The golden cases of `tests/data/golden.json` (float64 reference, `xor_reference.py`):
//! loss, gradients, weights after one step and after many steps, within f32 tolerances.
//!
//! Tolerances: loss and one-step values to 2e-6 absolute + 1e-4 relative (f32 rounding of
//! a few hundred terms); the per-step loss curve to 1e-4 relative; weights after the
//! listed steps to 1e-3 absolute + 1e-3 relative (f32 rounding compounding over up to
//! 3000 steps, measured well below that).

use serde_json::Value;
use stacknet::kernels::{force, Tier};
use stacknet::prelude::*;

fn golden() -> Value {
    serde_json::from_str(include_str!("data/golden.json")).unwrap()
}

fn case(name: &str) -> Value {
    golden()["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone()
}

fn mat<const C: usize, const R: usize>(v: &Value) -> [[f32; C]; R] {
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), R);
    core::array::from_fn(|r| {
        let row = rows[r].as_array().unwrap();
        assert_eq!(row.len(), C);
        core::array::from_fn(|c| row[c].as_f64().unwrap() as f32)
    })
}

fn vec<const N: usize>(v: &Value) -> [f32; N] {
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), N);
    core::array::from_fn(|i| a[i].as_f64().unwrap() as f32)
}

#[track_caller]
fn close(what: &str, got: &[f32], want: &[f32], abs: f32, rel: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let tol = abs + rel * w.abs();
        assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, want {w} (tol {tol})");
    }
}

fn flat<const C: usize, const R: usize>(m: &[[f32; C]; R]) -> &[f32] {
    m.as_flattened()
}

macro_rules! golden_case {
    ($test:ident, $name:literal, B = $b:literal, H = $h:literal, bias = $bias:tt) => {
        #[test]
        fn $test() {
            force(Tier::Scalar).unwrap();
            let c = case($name);
            assert_eq!(c["batch"], $b);
            assert_eq!(c["hidden"], $h);
            type Net = (Dense<2, $h>, Sigmoid<$h>, Dense<$h, 2>, Sigmoid<2>);
            let x: [[f32; 2]; $b] = mat(&c["X"]);
            let y: [[f32; 2]; $b] = mat(&c["Y"]);
            let bias = $bias;
            let b1 = bias.then(|| vec::<$h>(&c["b1"]));
            let b2 = bias.then(|| vec::<2>(&c["b2"]));
            let mut net: Net =
                (Dense::from_parts(mat(&c["W1"]), b1), Sigmoid, Dense::from_parts(mat(&c["W2"]), b2), Sigmoid);
            let lambda = c["lambda"].as_f64().unwrap() as f32;
            let lr = c["lr"].as_f64().unwrap() as f32;
            let objective = Objective::mse_ridge(lambda).unwrap();
            let mut opt = Sgd::new(lr).unwrap();
            let mut ws = Workspace::<Net, $b>::new();

            let r = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
            let (abs, rel) = (2e-6, 1e-4);
            close("loss", &[r.loss], &[c["loss"].as_f64().unwrap() as f32], abs, rel);
            let (_, c1, _, c3) = ws.cache();
            close("H1", flat(&c1.y), flat(&mat::<$h, $b>(&c["H1"])), abs, rel);
            close("H2", flat(&c3.y), flat(&mat::<2, $b>(&c["H2"])), abs, rel);
            let g = ws.grads();
            close("dW1", flat(g.0.weights()), flat(&mat::<$h, 2>(&c["dW1"])), abs, rel);
            close("dW2", flat(g.2.weights()), flat(&mat::<2, $h>(&c["dW2"])), abs, rel);
            close("W1_after_1", flat(net.0.weights()), flat(&mat::<$h, 2>(&c["W1_after_1"])), abs, rel);
            close("W2_after_1", flat(net.2.weights()), flat(&mat::<2, $h>(&c["W2_after_1"])), abs, rel);
            if bias {
                close("db1", g.0.bias().unwrap(), &vec::<$h>(&c["db1"]), abs, rel);
                close("db2", g.2.bias().unwrap(), &vec::<2>(&c["db2"]), abs, rel);
                close("b1_after_1", net.0.bias().unwrap(), &vec::<$h>(&c["b1_after_1"]), abs, rel);
                close("b2_after_1", net.2.bias().unwrap(), &vec::<2>(&c["b2_after_1"]), abs, rel);
            }

            let losses = c["losses"].as_array().unwrap();
            let steps = c["steps"].as_u64().unwrap() as usize;
            assert_eq!(losses.len(), steps);
            // Step 1 was taken above and its loss is losses[0].
            for (t, want) in losses.iter().enumerate().skip(1) {
                let r = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap();
                let want = want.as_f64().unwrap() as f32;
                assert!((r.loss - want).abs() <= 1e-4 * want, "loss at step {t}: got {}, want {want}", r.loss);
            }
            let (abs, rel) = (1e-3, 1e-3);
            close("W1_after_steps", flat(net.0.weights()), flat(&mat::<$h, 2>(&c["W1_after_steps"])), abs, rel);
            close("W2_after_steps", flat(net.2.weights()), flat(&mat::<2, $h>(&c["W2_after_steps"])), abs, rel);
            if bias {
                close("b1_after_steps", net.0.bias().unwrap(), &vec::<$h>(&c["b1_after_steps"]), abs, rel);
                close("b2_after_steps", net.2.bias().unwrap(), &vec::<2>(&c["b2_after_steps"]), abs, rel);
                let acc = accuracy(&net, &x, &y, &mut ws);
                let want = c["accuracy_after_steps"].as_f64().unwrap() as f32;
                assert_eq!(acc, want, "accuracy after steps");
            }
        }
    };
}

golden_case!(article_2_3_2, "article_2_3_2", B = 4, H = 3, bias = false);
golden_case!(reference_2_10_2, "reference_2_10_2", B = 50, H = 10, bias = false);
golden_case!(wide_2_50_2_ridge, "wide_2_50_2_ridge", B = 300, H = 50, bias = false);
golden_case!(bias_2_10_2, "bias_2_10_2", B = 300, H = 10, bias = true);
