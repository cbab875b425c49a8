//! Picks the memory map for the bare-metal target (cortex-m-rt / riscv-rt read `memory.x`
//! from the link search path). The files are not called `memory.x` so that none of them
//! shadows the one written here.
use std::{env, fs, path::PathBuf};

fn main() {
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
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
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
