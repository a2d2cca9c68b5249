//! Hashing without a dependency: 64-bit FNV-1a (From_ line fingerprints,
//! recovery file names), the sampled-byte hash that notices a mailbox
//! changed in place behind our back, and a random-ish number for the names
//! of temporary and lock files; the block checksum of the Maildir and IMAP header
//! caches ([`SumWriter`]). Used by the mbox index, `lock`, `write` and both header caches.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

/// Distance between sampled windows, and their size.
pub(crate) const SAMPLE_STEP: u64 = 1 << 16;
const SAMPLE_LEN: u64 = 64;

/// A hash of sampled bytes of `[start, end)`: 64 bytes every 64 KiB plus
/// the last 64 bytes (about 16,000 small reads per GiB).
pub(crate) fn sample_hash(f: &File, start: u64, end: u64) -> io::Result<u64> {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut buf = [0u8; SAMPLE_LEN as usize];
    let mix = |h: &mut u64, b: &[u8]| {
        for &x in b {
            *h ^= x as u64;
            *h = h.wrapping_mul(0x100000001b3);
        }
    };
    let mut k = start.div_ceil(SAMPLE_STEP) * SAMPLE_STEP;
    while k + SAMPLE_LEN <= end {
        f.read_exact_at(&mut buf, k)?;
        mix(&mut h, &buf);
        k += SAMPLE_STEP;
    }
    let tail = (end - start).min(SAMPLE_LEN);
    if tail > 0 {
        f.read_exact_at(&mut buf[..tail as usize], end - tail)?;
        mix(&mut h, &buf[..tail as usize]);
    }
    Ok(h)
}

/// 64-bit FNV-1a.
pub(crate) fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A random-ish number for temporary names (no dependency needed).
pub(crate) fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// A running checksum of a cache file (the Maildir and IMAP header
/// caches), fed in blocks whose boundaries are the same when it is written
/// and read (damage, not attack): four lanes of eight bytes at a time.
pub(crate) fn sum64(h: u64, b: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, w: u64| (h ^ w).wrapping_mul(K).rotate_left(29);
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
    let h = h ^ b.len() as u64;
    let mut lanes = [h, h ^ 1, h ^ 2, h ^ 3];
    let mut chunks = b.chunks_exact(32);
    for c in &mut chunks {
        for (l, w) in lanes.iter_mut().zip(c.chunks_exact(8)) {
            *l = mix(*l, word(w));
        }
    }
    let mut h = lanes.iter().fold(h, |h, &l| mix(h, l));
    let mut words = chunks.remainder().chunks_exact(8);
    for w in &mut words {
        h = mix(h, word(w));
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    mix(h, u64::from_le_bytes(last))
}

/// The block [`SumWriter`] sums by (the Maildir and IMAP header caches;
/// their readers sum the same blocks).
pub(crate) const SUM_BLOCK: usize = 1 << 16;

/// Writes a cache file in [`SUM_BLOCK`]s, summing each with [`sum64`];
/// [`SumWriter::finish`] appends the sum.
pub(crate) struct SumWriter<W: Write> {
    f: W,
    buf: Vec<u8>,
    sum: u64,
}

impl<W: Write> SumWriter<W> {
    pub(crate) fn new(f: W) -> SumWriter<W> {
        SumWriter {
            f,
            buf: Vec::with_capacity(SUM_BLOCK),
            sum: 0,
        }
    }

    pub(crate) fn put(&mut self, mut b: &[u8]) -> io::Result<()> {
        while !b.is_empty() {
            let k = (SUM_BLOCK - self.buf.len()).min(b.len());
            self.buf.extend_from_slice(&b[..k]);
            b = &b[k..];
            if self.buf.len() == SUM_BLOCK {
                self.flush_block()?;
            }
        }
        Ok(())
    }

    fn flush_block(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.sum = sum64(self.sum, &self.buf);
            self.f.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is left and the sum (8 bytes, little-endian); returns
    /// the writer, flushed.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.flush_block()?;
        self.f.write_all(&self.sum.to_le_bytes())?;
        self.f.flush()?;
        Ok(self.f)
    }
}
