//! A workspace too large for the stack (batch 4096, 64 wide, 8 MiB) is built straight on
//! the heap by `new_boxed`, in this test crate's own code: integration tests are built at
//! opt-level 0 in `cargo test`, where `Box::new(Workspace::new())` first builds the value
//! on the stack and overflows the test thread's 2 MiB.

use stacknet::prelude::*;

type Wide = (Dense<64, 64>, Relu<64>, Dense<64, 64>, Relu<64>);
const B: usize = 4096;

#[test]
fn a_boxed_8_mib_workspace_builds_without_a_stack_temporary() {
    const { assert!(Workspace::<Wide, B>::BYTES >= 8 << 20) };
    let mut ws = Workspace::<Wide, B>::new_boxed();
    assert!(ws.output().iter().flatten().all(|&v| v == 0.0));
    assert!(ws.grads().0.weights().iter().flatten().all(|&v| v == 0.0));

    // It works: a forward pass over 4096 rows (the input boxed too: 1 MiB) gives each row
    // what a batch-1 workspace gives it (rows are independent).
    let mut net: Wide = (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With), Relu);
    net.init(&mut stacknet::init::rng(3), Init::HeNormal);
    let x: Box<[[f32; 64]; B]> = (0..B)
        .map(|r| std::array::from_fn(|c| ((r * 64 + c) % 17) as f32 / 8.0 - 1.0))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let out = ws.forward(&net, &x);
    let mut one = Workspace::<Wide, 1>::new();
    for r in [0, 1, 2047, 4095] {
        let want = one.forward(&net, &[x[r]])[0];
        for (a, b) in out[r].iter().zip(&want) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "row {r}: {a} vs {b}");
        }
    }
    assert!(out.iter().flatten().any(|&v| v > 0.0));

    let small = Inference::<Wide, B>::new_boxed();
    assert_eq!(Inference::<Wide, B>::BYTES, 2 * B * 64 * 4);
    drop(small);
}
