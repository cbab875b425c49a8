//! Printing, exiting and the stack pointer, per platform: semihosting on bare metal
//! (QEMU forwards the output and the exit status), `std` on a hosted target.

use core::fmt;

/// Prints one line.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => { $crate::platform::print_line(format_args!($($t)*)) };
}

/// Prints `args` and a newline.
pub fn print_line(args: fmt::Arguments<'_>) {
    #[cfg(all(target_arch = "arm", target_os = "none"))]
    cortex_m_semihosting::hprintln!("{}", args);
    #[cfg(all(target_arch = "riscv32", target_os = "none"))]
    riscv_semihosting::hprintln!("{}", args);
    #[cfg(not(target_os = "none"))]
    std::println!("{}", args);
}

/// Ends the program with status 0 (`ok`) or 1.
pub fn exit(ok: bool) -> ! {
    #[cfg(all(target_arch = "arm", target_os = "none"))]
    {
        use cortex_m_semihosting::debug;
        debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
        #[allow(clippy::empty_loop)]
        loop {}
    }
    #[cfg(all(target_arch = "riscv32", target_os = "none"))]
    {
        use riscv_semihosting::debug;
        debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
        #[allow(clippy::empty_loop)]
        loop {}
    }
    #[cfg(not(target_os = "none"))]
    std::process::exit(if ok { 0 } else { 1 })
}

/// The current stack pointer (bare metal only; used by the stack painting in `bench`).
#[cfg(target_os = "none")]
#[inline(always)]
pub fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register into a local; touches no memory.
    unsafe {
        #[cfg(target_arch = "arm")]
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
        #[cfg(target_arch = "riscv32")]
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Prints where the panic happened and exits with status 1. It formats no `PanicInfo`
/// (whose `Display` pulls ~1 KiB of formatting code into every firmware that can panic),
/// so the flash probes measure the training code, not the panic message machinery.
#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let (file, line) = info.location().map_or(("?", 0), |l| (l.file(), l.line()));
    let mut digits = [b'0'; 10];
    let mut n = line;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let line = core::str::from_utf8(&digits[i..]).unwrap_or("?");
    print_line(format_args!("PANIC at {}:{}", file, line));
    exit(false)
}
