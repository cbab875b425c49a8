//! Flash probe: the baseline plus one 2-3-2 training step of a network described at run time
//! (`stacknet::runtime::Net`; its flash = this ELF minus `flash_base`).
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    firmware::say!("flash probe");
    let ok =
        firmware::flash_probe::<3, false>() & firmware::flash_probe::<10, false>() & firmware::flash_probe_runtime();
    firmware::platform::exit(ok)
}
