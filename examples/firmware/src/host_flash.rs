//! A NOR flash kept in a file on the host, so that it survives the end of the program —
//! including an abrupt one (QEMU killed by the instruction-count plugin's `cut=N`).
//!
//! On bare metal the file is reached through semihosting (`SYS_OPEN`, `SYS_SEEK`,
//! `SYS_READ`, `SYS_WRITE`, `SYS_FLEN`), relative to QEMU's working directory; on a hosted
//! target through `std::fs`. Every erase and program goes to the file at once, in chunks
//! of [`CHUNK`] bytes (one host write each), so a cut between two chunks leaves a torn
//! erase or a torn program behind, as a real power cut inside a flash operation would.
//!
//! NOR semantics: an erase sets whole [`ERASE`]-byte sectors to `0xFF`; a program only
//! clears bits (the new byte is the old byte AND the written one); writes are in whole
//! 4-byte words.

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};

/// Bytes of an erase sector.
pub const ERASE: usize = 256;
/// Bytes of a program word.
pub const WORD: usize = 4;
/// Bytes per host write inside one erase or program: the granularity of a torn operation.
pub const CHUNK: usize = 64;

/// Why a host flash access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Misaligned or out-of-bounds access.
    Kind(NorFlashErrorKind),
    /// The host refused a file operation.
    Host,
}

impl NorFlashError for Error {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            Error::Kind(k) => *k,
            Error::Host => NorFlashErrorKind::Other,
        }
    }
}

/// The flash: a host file of `capacity` bytes.
pub struct HostFlash {
    file: sys::File,
    capacity: usize,
}

impl HostFlash {
    /// Opens the host file `path` (a NUL-terminated name: semihosting needs the NUL), or
    /// creates it, and makes it `capacity` bytes long (new bytes erased, `0xFF`).
    pub fn open(path: &'static str, capacity: usize) -> Result<HostFlash, Error> {
        let mut file = sys::File::open_or_create(path)?;
        let mut len = file.len()?;
        let blank = [0xFFu8; CHUNK];
        while len < capacity {
            let n = (capacity - len).min(CHUNK);
            file.write_at(len, &blank[..n])?;
            len += n;
        }
        Ok(HostFlash { file, capacity })
    }

    fn check(&self, offset: u32, len: usize, align: usize) -> Result<usize, Error> {
        let o = offset as usize;
        if o.checked_add(len).is_none_or(|end| end > self.capacity) {
            return Err(Error::Kind(NorFlashErrorKind::OutOfBounds));
        }
        if !o.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(Error::Kind(NorFlashErrorKind::NotAligned));
        }
        Ok(o)
    }
}

impl ErrorType for HostFlash {
    type Error = Error;
}

impl ReadNorFlash for HostFlash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Error> {
        let o = self.check(offset, bytes.len(), 1)?;
        self.file.read_at(o, bytes)
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

impl NorFlash for HostFlash {
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = ERASE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Error> {
        let len = (to as usize).checked_sub(from as usize).ok_or(Error::Kind(NorFlashErrorKind::OutOfBounds))?;
        let o = self.check(from, len, ERASE)?;
        let blank = [0xFFu8; CHUNK];
        let mut at = 0;
        while at < len {
            let n = (len - at).min(CHUNK);
            self.file.write_at(o + at, &blank[..n])?;
            at += n;
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Error> {
        let o = self.check(offset, bytes.len(), WORD)?;
        let mut old = [0u8; CHUNK];
        for (i, part) in bytes.chunks(CHUNK).enumerate() {
            let at = o + i * CHUNK;
            let old = &mut old[..part.len()];
            self.file.read_at(at, old)?;
            for (d, s) in old.iter_mut().zip(part) {
                *d &= *s; // programming only clears bits
            }
            self.file.write_at(at, old)?;
        }
        Ok(())
    }
}

/// Semihosting file I/O (Arm and RISC-V share the call numbers and argument blocks).
#[cfg(target_os = "none")]
mod sys {
    use super::Error;

    #[cfg(target_arch = "arm")]
    use cortex_m_semihosting::syscall as host_call;
    #[cfg(target_arch = "riscv32")]
    use riscv_semihosting::syscall as host_call;

    const SYS_OPEN: usize = 0x01;
    const SYS_WRITE: usize = 0x05;
    const SYS_READ: usize = 0x06;
    const SYS_SEEK: usize = 0x0a;
    const SYS_FLEN: usize = 0x0c;
    /// fopen mode "r+b": read and write, the file must exist.
    const MODE_RW: usize = 3;
    /// fopen mode "w+b": read and write, created (or truncated).
    const MODE_CREATE: usize = 7;

    /// An open host file handle.
    pub struct File(usize);

    fn open(path: &'static str, mode: usize) -> Option<usize> {
        // The name passed excludes the NUL, which must follow it.
        let name = path.strip_suffix('\0')?;
        let args = [path.as_ptr() as usize, mode, name.len()];
        // SAFETY: SYS_OPEN reads `name.len()` bytes at the pointer (a NUL-terminated
        // 'static string) and writes nothing of ours; the argument block outlives the call.
        let fd = unsafe { host_call(SYS_OPEN, &args) };
        (fd as isize >= 0).then_some(fd)
    }

    impl File {
        pub fn open_or_create(path: &'static str) -> Result<File, Error> {
            open(path, MODE_RW).or_else(|| open(path, MODE_CREATE)).map(File).ok_or(Error::Host)
        }

        pub fn len(&mut self) -> Result<usize, Error> {
            let args = [self.0];
            // SAFETY: SYS_FLEN only reads the handle from the argument block.
            let n = unsafe { host_call(SYS_FLEN, &args) };
            if n as isize >= 0 {
                Ok(n)
            } else {
                Err(Error::Host)
            }
        }

        fn seek(&mut self, at: usize) -> Result<(), Error> {
            let args = [self.0, at];
            // SAFETY: SYS_SEEK only reads the argument block.
            let r = unsafe { host_call(SYS_SEEK, &args) };
            if r == 0 {
                Ok(())
            } else {
                Err(Error::Host)
            }
        }

        pub fn read_at(&mut self, at: usize, buf: &mut [u8]) -> Result<(), Error> {
            self.seek(at)?;
            let args = [self.0, buf.as_mut_ptr() as usize, buf.len()];
            // SAFETY: SYS_READ writes at most `buf.len()` bytes into `buf`, which we borrow
            // mutably for the call; it returns the number of bytes NOT read.
            let left = unsafe { host_call(SYS_READ, &args) };
            if left == 0 {
                Ok(())
            } else {
                Err(Error::Host)
            }
        }

        pub fn write_at(&mut self, at: usize, buf: &[u8]) -> Result<(), Error> {
            self.seek(at)?;
            let args = [self.0, buf.as_ptr() as usize, buf.len()];
            // SAFETY: SYS_WRITE reads `buf.len()` bytes of `buf` and writes nothing of ours;
            // it returns the number of bytes NOT written.
            let left = unsafe { host_call(SYS_WRITE, &args) };
            if left == 0 {
                Ok(())
            } else {
                Err(Error::Host)
            }
        }
    }
}

/// `std::fs` on a hosted target.
#[cfg(not(target_os = "none"))]
mod sys {
    use super::Error;
    use std::io::{Read, Seek, SeekFrom, Write};

    pub struct File(std::fs::File);

    impl File {
        pub fn open_or_create(path: &'static str) -> Result<File, Error> {
            let name = path.strip_suffix('\0').unwrap_or(path);
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(name)
                .map(File)
                .map_err(|_| Error::Host)
        }

        pub fn len(&mut self) -> Result<usize, Error> {
            self.0.metadata().map(|m| m.len() as usize).map_err(|_| Error::Host)
        }

        pub fn read_at(&mut self, at: usize, buf: &mut [u8]) -> Result<(), Error> {
            self.0.seek(SeekFrom::Start(at as u64)).map_err(|_| Error::Host)?;
            self.0.read_exact(buf).map_err(|_| Error::Host)
        }

        pub fn write_at(&mut self, at: usize, buf: &[u8]) -> Result<(), Error> {
            self.0.seek(SeekFrom::Start(at as u64)).map_err(|_| Error::Host)?;
            self.0.write_all(buf).map_err(|_| Error::Host)
        }
    }
}
