//! The CRC-32 of a model state (ISO-HDLC, the polynomial of stacknet's saved blobs). Every
//! call runs it over the state, so on 64-bit hosts, where flash is plentiful, it reads 16
//! bytes per step from 16 KiB of tables (slicing-by-16); microcontrollers use the `crc`
//! crate's 1 KiB byte-at-a-time table. Both are written without a panic path (the link-time
//! panic check covers every exported function, and each one calls this).

/// CRC-32/ISO-HDLC of the concatenation of `parts`.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut digest = CRC32.digest();
    for part in parts {
        digest.update(part);
    }
    digest.finalize()
}

/// CRC-32/ISO-HDLC of the concatenation of `parts`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for part in parts {
        crc = sliced::update(crc, part);
    }
    !crc
}

/// Slicing-by-16: `T[k][b]` is the CRC of byte `b` followed by `k` zero bytes.
#[cfg(any(test, target_arch = "x86_64", target_arch = "aarch64"))]
mod sliced {
    const POLY: u32 = 0xEDB8_8320; // 0x04C11DB7, bit-reversed

    const N: usize = 16;

    static T: [[u32; 256]; N] = tables();

    const fn tables() -> [[u32; 256]; N] {
        let mut t = [[0u32; 256]; N];
        let mut b = 0;
        while b < 256 {
            let mut c = b as u32;
            let mut bit = 0;
            while bit < 8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
                bit += 1;
            }
            t[0][b] = c;
            b += 1;
        }
        let mut k = 1;
        while k < N {
            let mut b = 0;
            while b < 256 {
                let prev = t[k - 1][b];
                t[k][b] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
                b += 1;
            }
            k += 1;
        }
        t
    }

    /// Runs the (pre-inverted) register `crc` over `bytes`. Chunks are arrays zipped with the
    /// tables and bytes index 256-entry tables, so no bounds check remains.
    pub(super) fn update(mut crc: u32, bytes: &[u8]) -> u32 {
        let (chunks, rest) = bytes.as_chunks::<N>();
        for c in chunks {
            let mut x = *c;
            for (d, r) in x.iter_mut().zip(crc.to_le_bytes()) {
                *d ^= r;
            }
            // Byte i of the chunk is followed by N − 1 − i more: table N − 1 − i.
            crc = T.iter().rev().zip(x).fold(0, |acc, (t, b)| acc ^ t[usize::from(b)]);
        }
        for &b in rest {
            crc = (crc >> 8) ^ T[0][((crc ^ u32::from(b)) & 0xff) as usize];
        }
        crc
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn agrees_with_the_crc_crate() {
            const REFERENCE: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
            let data: [u8; 203] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
            for len in 0..data.len() {
                for split in [0, len / 3, len] {
                    let (a, b) = data[..len].split_at(split);
                    assert_eq!(!super::update(super::update(!0, a), b), REFERENCE.checksum(&data[..len]));
                }
            }
            assert_eq!(!super::update(!0, b"123456789"), 0xCBF4_3926);
        }
    }
}
