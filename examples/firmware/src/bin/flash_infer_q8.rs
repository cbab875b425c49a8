//! Flash probe: the baseline plus an int8 model checked in place and one int8 prediction
//! of the 64-32-10 digits shape (`stacknet::quant`).
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

/// A stand-in blob (the probes measure code, not the model's bytes).
static BLOB: [u8; 64] = [0; 64];

#[cfg_attr(all(target_arch = "arm", target_os = "none"), cortex_m_rt::entry)]
#[cfg_attr(all(target_arch = "riscv32", target_os = "none"), riscv_rt::entry)]
fn main() -> ! {
    firmware::say!("flash probe");
    let a = firmware::flash_probe_infer::<firmware::XorNet<3>, 2, 2, false>(&BLOB);
    let b = firmware::flash_probe_infer::<firmware::digits::Net, 64, 10, false>(&BLOB);
    let c = firmware::flash_probe_q8(&BLOB);
    firmware::platform::exit(a == usize::MAX && b == usize::MAX && c == usize::MAX)
}
