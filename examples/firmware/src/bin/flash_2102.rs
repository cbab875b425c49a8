//! Flash probe: the baseline plus one 2-10-2 `train_step` (its flash = this ELF minus `flash_base`).
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]
#[allow(unused_imports)]
use core::hint::black_box;

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    firmware::say!("flash probe");
    let ok = firmware::flash_probe::<3, false>() & firmware::flash_probe::<10, true>();
    firmware::platform::exit(ok)
}
