//! Picks the memory map for the bare-metal target (cortex-m-rt / riscv-rt read `memory.x`
//! from the link search path; the files are not called `memory.x` so that none of them
//! shadows the one written here), and writes the digits test set (the last 450 rows of
//! `data/digits/digits.csv`, the split of `examples/classify`) as Rust source for the
//! `digits` firmware: 64 pixel values 0..16 and the label per row, 29 KiB of flash.
use std::{env, fs, path::PathBuf};

/// Rows of the digits test set: `ceil(1797 × 0.25)`.
const TEST_ROWS: usize = 450;

fn digits_test_set(out: &std::path::Path) {
    let csv = "../../data/digits/digits.csv";
    println!("cargo:rerun-if-changed={csv}");
    let text = fs::read_to_string(csv).expect("data/digits/digits.csv");
    let rows: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut src = format!(
        "/// The digits test set: 64 pixels (0..16) and the label.\npub static TEST: [[u8; 65]; {TEST_ROWS}] = [\n"
    );
    for line in &rows[rows.len() - TEST_ROWS..] {
        let v: Vec<u8> = line.split(',').map(|f| f.trim().parse().expect("a small integer")).collect();
        assert_eq!(v.len(), 65, "64 pixels and a label");
        src.push_str(&format!("    {v:?},\n"));
    }
    src.push_str("];\n");
    fs::write(out.join("digits_test.rs"), src).unwrap();
}

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    digits_test_set(&out);
    println!("cargo:rerun-if-changed=memory-mps2.x");
    println!("cargo:rerun-if-changed=memory-an505.x");
    println!("cargo:rerun-if-changed=memory-riscv-virt.x");
    let target = env::var("TARGET").unwrap();
    println!("cargo:rustc-env=FIRMWARE_TARGET={target}");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("none") {
        return;
    }
    let src = if target.starts_with("thumbv8m") {
        "memory-an505.x"
    } else if target.starts_with("riscv32") {
        "memory-riscv-virt.x"
    } else {
        "memory-mps2.x"
    };
    fs::copy(src, out.join("memory.x")).unwrap();
    if target.starts_with("thumbv6m") {
        // Cortex-M0 has no FPU: give the linker libgcc's soft-float routines (the ones a C
        // firmware gets) as `libgccfloat.a`. `.cargo/config.toml` puts `-lgccfloat` before
        // every Rust object, so ld.lld takes `__aeabi_fadd` & co. from it rather than from
        // compiler_builtins: 4% fewer instructions per step, the same IEEE-754 results.
        let gcc = std::process::Command::new("arm-none-eabi-gcc")
            .args(["-mcpu=cortex-m0", "-mthumb", "-print-libgcc-file-name"])
            .output()
            .expect("arm-none-eabi-gcc (bash scripts/setup-cross.sh installs it)");
        let libgcc = String::from_utf8(gcc.stdout).unwrap();
        fs::copy(libgcc.trim(), out.join("libgccfloat.a")).expect("libgcc.a for Cortex-M0");
    }
    println!("cargo:rustc-link-search={}", out.display());
}
