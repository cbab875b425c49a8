//! The scalar tier gives the same bits on wasm32 as on x86_64, aarch64 and the chips: the
//! firmware's XOR runs (`examples/firmware`, 2-3-2 and 2-10-2, 2 000 steps from one seed) end
//! with the weight hashes that `scripts/embedded-check.sh` compares across targets.
//! `STACKNET_XOR_HASHES=<2-3-2>,<2-10-2>` (8 hex digits each, from the x86_64 firmware) makes
//! the test require them; CI passes the host's (`.ci/steps/45-web.sh`).

#[test]
fn scalar_xor_weight_hash_matches_the_other_targets() {
    let mut runs = Vec::new();
    for (h, o) in [(3, firmware::train_xor::<3>(&mut |_, _| {})), (10, firmware::train_xor::<10>(&mut |_, _| {}))] {
        let o = o.unwrap_or_else(|e| panic!("2-{h}-2: step refused: {e}"));
        assert_eq!(o.correct, 4, "2-{h}-2 did not learn XOR (loss {})", o.loss);
        println!("2-{h}-2 corners {}/4 loss {:.6} hash {:08x}", o.correct, o.loss, o.hash);
        runs.push(format!("{:08x}", o.hash));
    }
    match std::env::var("STACKNET_XOR_HASHES") {
        Ok(want) => assert_eq!(runs.join(","), want, "wasm32 scalar weight hashes differ from the reference"),
        Err(_) => println!("STACKNET_XOR_HASHES not set: hashes printed, not compared"),
    }
}
