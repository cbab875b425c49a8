//! Flash baseline: the same entry, print and exit as the probes, no training.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]
#[allow(unused_imports)]
use core::hint::black_box;

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    firmware::say!("flash probe");
    let ok = black_box(true);
    firmware::platform::exit(ok)
}
