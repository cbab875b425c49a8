//! One prediction (batch 1) of the same network in f32 and in int8, on every tier this CPU
//! has: the digits classifier (64-32-10 tanh, `examples/firmware/src/digits/model.bin`,
//! quantized with the 1,347 training rows as the calibration batch) and a 2-10-2 sigmoid
//! network. f32 runs through an `Inference` workspace, int8 through `QuantModel::predict`
//! (f32 row in, quantized, int8 layers, dequantized out).
//!
//! Run: `cargo bench -p stacknet-tools --bench quant` (short settings are built in).

#[cfg(target_arch = "x86_64")]
mod x86 {
    use criterion::Criterion;
    use stacknet::kernels::{self, Tier};
    use stacknet::prelude::*;
    use stacknet::quant::{self, QuantModel};
    use std::hint::black_box;
    use std::time::Duration;

    #[allow(dead_code, clippy::all)]
    mod model {
        include!("../../examples/firmware/src/digits/model.rs");
    }

    type Digits = (Dense<64, 32>, Tanh<32>, Dense<32, 10>);
    type Xor = (Dense<2, 10>, Sigmoid<10>, Dense<10, 2>, Sigmoid<2>);

    fn digits_rows() -> Vec<[f32; 64]> {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/digits/digits.csv")).unwrap();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Vec<f32> = l.split(',').map(|f| f.trim().parse().unwrap()).collect();
                let mut x = [0.0f32; 64];
                for (i, xv) in x.iter_mut().enumerate() {
                    *xv = (v[i] - model::MEAN[i]) / model::STD[i];
                }
                x
            })
            .collect()
    }

    fn bench_net<M, const I: usize, const O: usize>(
        c: &mut Criterion,
        name: &str,
        net: &M,
        calib: &[f32],
        row: [f32; I],
    ) where
        M: quant::Quantize<In = stacknet::nn::D<I>, Out = stacknet::nn::D<O>> + stacknet::nn::InferFrom,
    {
        let mut blob = vec![0u8; quant::max_len::<M>()];
        let n = quant::quantize(net, calib, &mut blob).unwrap();
        let q = QuantModel::from_bytes(&blob[..n]).unwrap();
        let mut scratch = vec![0i8; q.scratch_len()];
        let mut ws = Inference::<M, 1>::new();
        let mut g = c.benchmark_group(format!("predict/{name}"));
        for t in Tier::ALL.into_iter().filter(|t| t.is_available()) {
            kernels::force(t).unwrap();
            g.bench_function(format!("f32/{}", t.name()), |b| {
                b.iter(|| {
                    let y = ws.forward(net, black_box(&[row]));
                    black_box(y[0][0])
                })
            });
            g.bench_function(format!("int8/{}", t.name()), |b| {
                let mut y = [0.0f32; O];
                b.iter(|| {
                    q.predict(black_box(&row), &mut scratch, &mut y).unwrap();
                    black_box(y[0])
                })
            });
        }
        g.finish();
        kernels::reset();
    }

    pub fn main() {
        let mut c = Criterion::default()
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(600))
            .sample_size(20)
            .configure_from_args();
        let mut digits = Digits::ZERO;
        stacknet::persist::load(&mut digits, &model::MODEL).unwrap();
        let rows = digits_rows();
        let cut = rows.len() - 450;
        let calib: Vec<f32> = rows[..cut].iter().flatten().copied().collect();
        bench_net::<Digits, 64, 10>(&mut c, "digits-64-32-10", &digits, &calib, rows[cut]);
        let xor: Xor = Layer::random(&mut stacknet::init::rng(1), Init::UniformFanIn);
        bench_net::<Xor, 2, 2>(&mut c, "xor-2-10-2", &xor, &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], [1.0, 0.0]);
        c.final_summary();
    }
}

#[cfg(target_arch = "x86_64")]
fn main() {
    x86::main();
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {}
