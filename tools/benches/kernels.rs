//! Kernel benchmarks: every tier of stacknet beside the peers a user would otherwise pick,
//! in one binary and one run, so the ratios in BENCHMARKS.md compare like with like.
//!
//! * matmul `n×n·n×n` for n = 4 … 256 (stacknet tiers through the checked slice API,
//!   `matrixmultiply::sgemm`, and for n ≤ 16 `nalgebra` fixed-size `SMatrix` beside
//!   stacknet's typed front end, whose shapes are types too), and the article network's real shapes
//!   (`300×2·2×50`, `300×50·50×2` and the transposed products of the backward pass);
//! * sigmoid over 16 … 65,536 elements (stacknet tiers and a `libm::expf` loop);
//! * the fused `Dense`+`Sigmoid` kernels against their unfused sequence.
//!
//! Throughput is in elements: FLOPs (2·m·k·n) for products, so criterion's "elem/s" reads as
//! FLOP/s; values for sigmoid. Before criterion runs, the binary measures the core clock
//! (a chain of dependent integer adds, one per cycle) and the achieved f32 FMA peak
//! (independent AVX-512 FMAs) and prints both.
//!
//! Run: `RUSTFLAGS="-C target-cpu=native" cargo bench -p stacknet-tools --bench kernels` (short settings are
//! built in; add `-- matmul/64` etc. to filter). `scripts/bench-table.py` turns
//! `target/criterion` into the BENCHMARKS.md tables.

#[cfg(target_arch = "x86_64")]
mod x86 {
    use criterion::{BenchmarkId, Criterion, Throughput};
    use nalgebra::SMatrix;
    use stacknet::kernels::{Kernels, Mode, Tier};
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    fn tiers() -> Vec<Kernels> {
        Tier::ALL.into_iter().filter_map(|t| Kernels::new(t).ok()).collect()
    }

    fn data(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(12345);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    /// Core clock from a chain of dependent `add`s (one cycle each on every x86 core), timed
    /// in 2,000 short bursts of 0.8 M adds (≈ 0.3 ms, shorter than a scheduler slice) and the
    /// fastest burst kept, so that time spent descheduled on a busy machine does not count.
    pub fn clock_hz() -> f64 {
        let iters: u64 = 100_000;
        let mut best = f64::MAX;
        for _ in 0..2000 {
            let t = Instant::now();
            let mut x: u64 = 0;
            let mut n = iters;
            // SAFETY: register-only arithmetic; no memory, no stack.
            unsafe {
                core::arch::asm!(
                    "2:",
                    "add {x}, 1", "add {x}, 1", "add {x}, 1", "add {x}, 1",
                    "add {x}, 1", "add {x}, 1", "add {x}, 1", "add {x}, 1",
                    "dec {n}",
                    "jnz 2b",
                    x = inout(reg) x, n = inout(reg) n,
                    options(nomem, nostack)
                );
            }
            black_box((x, n));
            best = best.min(t.elapsed().as_secs_f64());
        }
        (iters * 8) as f64 / best
    }

    /// Achieved f32 FLOP/cycle with 12 independent 16-lane FMA chains (bursts as above).
    pub fn fma_flop_per_cycle(hz: f64) -> f64 {
        if !std::is_x86_feature_detected!("avx512f") {
            return 0.0;
        }
        let iters: u64 = 20_000;
        let mut best = f64::MAX;
        for _ in 0..2000 {
            let t = Instant::now();
            let mut n = iters;
            // SAFETY: AVX-512F is present (checked above); register-only arithmetic.
            unsafe {
                core::arch::asm!(
                    "vxorps zmm0, zmm0, zmm0",
                    "2:",
                    "vfmadd231ps zmm1, zmm0, zmm0", "vfmadd231ps zmm2, zmm0, zmm0", "vfmadd231ps zmm3, zmm0, zmm0",
                    "vfmadd231ps zmm4, zmm0, zmm0", "vfmadd231ps zmm5, zmm0, zmm0", "vfmadd231ps zmm6, zmm0, zmm0",
                    "vfmadd231ps zmm7, zmm0, zmm0", "vfmadd231ps zmm8, zmm0, zmm0", "vfmadd231ps zmm9, zmm0, zmm0",
                    "vfmadd231ps zmm10, zmm0, zmm0", "vfmadd231ps zmm11, zmm0, zmm0", "vfmadd231ps zmm12, zmm0, zmm0",
                    "dec {n}",
                    "jnz 2b",
                    n = inout(reg) n,
                    out("zmm0") _, out("zmm1") _, out("zmm2") _, out("zmm3") _, out("zmm4") _, out("zmm5") _,
                    out("zmm6") _, out("zmm7") _, out("zmm8") _, out("zmm9") _, out("zmm10") _, out("zmm11") _,
                    out("zmm12") _,
                    options(nomem, nostack)
                );
            }
            black_box(n);
            best = best.min(t.elapsed().as_secs_f64());
        }
        (iters * 12 * 32) as f64 / best / hz
    }

    fn config() -> Criterion {
        Criterion::default()
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(600))
            .sample_size(20)
            .without_plots()
    }

    fn nalgebra_fixed<const N: usize>(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
        let a = SMatrix::<f32, N, N>::from_iterator(data(N * N, 1));
        let b = SMatrix::<f32, N, N>::from_iterator(data(N * N, 2));
        g.bench_function(BenchmarkId::new("nalgebra", N), |bch| bch.iter(|| black_box(&a) * black_box(&b)));
    }

    /// The typed front end (`kernels::typed::matmul`, shapes as array types) on the active tier:
    /// what the bricks call. Products of at most 64 multiply-adds (n = 4) run inline.
    fn typed_fixed<const N: usize>(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
        let mut a = [[0.0f32; N]; N];
        let mut b = [[0.0f32; N]; N];
        a.as_flattened_mut().copy_from_slice(&data(N * N, 1));
        b.as_flattened_mut().copy_from_slice(&data(N * N, 2));
        let mut c = [[0.0f32; N]; N];
        g.bench_function(BenchmarkId::new("typed", N), |bch| {
            bch.iter(|| stacknet::kernels::typed::matmul(black_box(&a), black_box(&b), &mut c))
        });
    }

    fn matmul_square(c: &mut Criterion) {
        let mut g = c.benchmark_group("matmul");
        for n in [4usize, 8, 16, 32, 64, 128, 256] {
            let (a, b) = (data(n * n, 1), data(n * n, 2));
            let mut out = vec![0.0f32; n * n];
            g.throughput(Throughput::Elements((2 * n * n * n) as u64));
            for k in tiers() {
                g.bench_function(BenchmarkId::new(k.tier().name(), n), |bch| {
                    bch.iter(|| k.matmul(n, n, n, black_box(&a), black_box(&b), &mut out, Mode::Overwrite).unwrap())
                });
            }
            g.bench_function(BenchmarkId::new("matrixmultiply", n), |bch| {
                bch.iter(|| {
                    // SAFETY: row-major n×n operands, all of length n·n.
                    unsafe {
                        matrixmultiply::sgemm(
                            n,
                            n,
                            n,
                            1.0,
                            black_box(a.as_ptr()),
                            n as isize,
                            1,
                            b.as_ptr(),
                            n as isize,
                            1,
                            0.0,
                            out.as_mut_ptr(),
                            n as isize,
                            1,
                        )
                    }
                })
            });
            match n {
                4 => (nalgebra_fixed::<4>(&mut g), typed_fixed::<4>(&mut g)),
                8 => (nalgebra_fixed::<8>(&mut g), typed_fixed::<8>(&mut g)),
                16 => (nalgebra_fixed::<16>(&mut g), typed_fixed::<16>(&mut g)),
                _ => ((), ()),
            };
        }
        g.finish();
    }

    /// The article network (B = 300, 2 → 50 → 2): forward products, weight gradients
    /// (`Xᵀ·G`) and the input gradient (`G·Wᵀ`).
    fn matmul_network(c: &mut Criterion) {
        let mut g = c.benchmark_group("network");
        // (name, kind, m, k, n)
        let shapes = [
            ("fwd1_300x2.2x50", 0, 300, 2, 50),
            ("fwd2_300x50.50x2", 0, 300, 50, 2),
            ("dW1_300x2T.300x50", 1, 2, 300, 50),
            ("dW2_300x50T.300x2", 1, 50, 300, 2),
            ("dx2_300x2.50x2T", 2, 300, 2, 50),
        ];
        for (name, kind, m, k, n) in shapes {
            let (a, b) = (data(m * k, 3), data(k * n, 4));
            let mut out = vec![0.0f32; m * n];
            g.throughput(Throughput::Elements((2 * m * k * n) as u64));
            for kern in tiers() {
                g.bench_function(BenchmarkId::new(kern.tier().name(), name), |bch| {
                    bch.iter(|| match kind {
                        0 => kern.matmul(m, k, n, black_box(&a), black_box(&b), &mut out, Mode::Overwrite),
                        1 => kern.matmul_tn(m, k, n, black_box(&a), black_box(&b), &mut out, Mode::Overwrite),
                        _ => kern.matmul_nt(m, k, n, black_box(&a), black_box(&b), &mut out, Mode::Overwrite),
                    })
                });
            }
            // matrixmultiply takes any strides: the transposes are stride swaps.
            let (rsa, csa, rsb, csb) = match kind {
                0 => (k, 1, n, 1),
                1 => (1, m, n, 1),
                _ => (k, 1, 1, k),
            };
            g.bench_function(BenchmarkId::new("matrixmultiply", name), |bch| {
                bch.iter(|| {
                    // SAFETY: the strides address exactly the m×k, k×n and m×n buffers.
                    unsafe {
                        matrixmultiply::sgemm(
                            m,
                            k,
                            n,
                            1.0,
                            black_box(a.as_ptr()),
                            rsa as isize,
                            csa as isize,
                            b.as_ptr(),
                            rsb as isize,
                            csb as isize,
                            0.0,
                            out.as_mut_ptr(),
                            n as isize,
                            1,
                        )
                    }
                })
            });
        }
        g.finish();
    }

    /// Sigmoid in place, applied again and again to the same buffer (no restoring copy, which
    /// would cost about a quarter of the AVX-512 kernel's time): the SIMD kernels have no
    /// data-dependent branches, so after the first pass (inputs in ±20, then in (0, 1)) the
    /// time per element does not depend on the values; the `libm` loop sees the same values.
    fn sigmoid(c: &mut Criterion) {
        let mut g = c.benchmark_group("sigmoid");
        for n in [16usize, 64, 256, 1024, 4096, 16384, 65536] {
            let src: Vec<f32> = data(n, 5).iter().map(|v| v * 40.0).collect();
            let mut x = src.clone();
            g.throughput(Throughput::Elements(n as u64));
            for k in tiers() {
                x.copy_from_slice(&src);
                g.bench_function(BenchmarkId::new(k.tier().name(), n), |bch| bch.iter(|| k.sigmoid(black_box(&mut x))));
            }
            x.copy_from_slice(&src);
            g.bench_function(BenchmarkId::new("libm_expf_loop", n), |bch| {
                bch.iter(|| {
                    for v in black_box(&mut x).iter_mut() {
                        *v = 1.0 / (1.0 + libm::expf(-*v));
                    }
                })
            });
        }
        g.finish();
    }

    /// The fused Dense+Sigmoid kernels against the unfused sequence they replace.
    fn fusion(c: &mut Criterion) {
        let mut g = c.benchmark_group("fusion");
        for (m, k, n) in [(300usize, 2usize, 50usize), (300, 50, 2)] {
            let (x, w, bias) = (data(m * k, 6), data(k * n, 7), data(n, 8));
            let mut y = vec![0.0f32; m * n];
            let dy = data(m * n, 9);
            let act: Vec<f32> = data(m * n, 10).iter().map(|v| v + 0.5).collect();
            let (mut gbuf, mut dw) = (vec![0.0f32; m * n], vec![0.0f32; k * n]);
            let id = format!("{m}x{k}.{k}x{n}");
            for kern in tiers() {
                let t = kern.tier().name();
                g.bench_function(BenchmarkId::new(format!("fwd_fused_{t}"), &id), |bch| {
                    bch.iter(|| kern.matmul_bias_sigmoid(m, k, n, black_box(&x), &w, &bias, &mut y))
                });
                g.bench_function(BenchmarkId::new(format!("fwd_unfused_{t}"), &id), |bch| {
                    bch.iter(|| {
                        kern.matmul(m, k, n, black_box(&x), &w, &mut y, Mode::Overwrite).unwrap();
                        kern.add_bias(m, n, &bias, &mut y).unwrap();
                        kern.sigmoid(&mut y);
                    })
                });
                g.bench_function(BenchmarkId::new(format!("bwd_fused_{t}"), &id), |bch| {
                    bch.iter(|| kern.matmul_tn_sigmoid_grad(k, m, n, black_box(&x), &dy, &act, &mut gbuf, &mut dw))
                });
                g.bench_function(BenchmarkId::new(format!("bwd_unfused_{t}"), &id), |bch| {
                    bch.iter(|| {
                        kern.sigmoid_backward(black_box(&dy), &act, &mut gbuf).unwrap();
                        kern.matmul_tn(k, m, n, &x, &gbuf, &mut dw, Mode::Overwrite).unwrap();
                    })
                });
            }
        }
        g.finish();
    }

    pub fn main() {
        let hz = clock_hz();
        let fpc = fma_flop_per_cycle(hz);
        println!("clock: {:.3} GHz (dependent integer adds); AVX-512 FMA achieved: {fpc:.1} f32 FLOP/cycle", hz / 1e9);
        let mut c = config().configure_from_args();
        matmul_square(&mut c);
        matmul_network(&mut c);
        sigmoid(&mut c);
        fusion(&mut c);
        c.final_summary();
        println!("clock: {:.3} GHz; AVX-512 FMA achieved: {fpc:.1} f32 FLOP/cycle", clock_hz() / 1e9);
    }
}

fn main() {
    #[cfg(target_arch = "x86_64")]
    x86::main();
}
