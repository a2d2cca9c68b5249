//! The writer every new mailbox file is written through: a large buffer,
//! and the kernel's write-back of each finished region started at once
//! (`sync_file_range`), so little is left for the final `fsync`.

use crate::sys;
use std::fs::File;
use std::io::{self, BufWriter, Write};

/// The write buffer for the new mailbox (and mbox) content. Larger ones
/// measured slower: the copy into the page cache then reads the buffer
/// from memory instead of the CPU cache.
const OUT_BUF: usize = 1 << 17;

/// Size of the regions of a new file whose write-back [`StreamOut`] starts
/// as soon as they are written.
const WRITEBACK_REGION: u64 = 8 << 20;

/// Writes a new file sequentially and starts the write-back of each
/// completed [`WRITEBACK_REGION`] at once (`sync_file_range`), waiting for
/// the region before it, so the disk works while we write and little is
/// left for the final `fsync` (which stays: only it makes the data
/// durable). Errors of `sync_file_range` are returned (a write-back error
/// it reports would not be reported again by `fsync` on this descriptor),
/// except those saying it is not supported here, which turn it off.
pub(super) struct StreamOut<'f> {
    f: &'f File,
    /// File offset of the next byte written.
    off: u64,
    /// Write-back has been started for `[.., started)`.
    started: u64,
    enabled: bool,
}

impl<'f> StreamOut<'f> {
    /// For a new, empty file `f` written from its start.
    fn new(f: &'f File) -> Self {
        StreamOut {
            f,
            off: 0,
            started: 0,
            enabled: true,
        }
    }

    /// [`StreamOut::new`] behind the write buffer every new mailbox file
    /// is written through.
    pub(super) fn buffered(f: &'f File) -> BufWriter<Self> {
        BufWriter::with_capacity(OUT_BUF, StreamOut::new(f))
    }

    /// Starts the write-back of a range; with `wait`, waits for it too.
    fn sync_range(&mut self, off: u64, len: u64, wait: bool) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let r = if wait {
            sys::sync_file_range_wait(self.f, off, len)
        } else {
            sys::sync_file_range(self.f, off, len)
        };
        let Err(e) = r else {
            return Ok(());
        };
        match e.raw_os_error() {
            Some(libc::EINVAL | libc::ESPIPE | libc::ENOSYS | libc::EOPNOTSUPP) => {
                self.enabled = false;
                Ok(())
            }
            Some(libc::EINTR) => Ok(()),
            _ => Err(e),
        }
    }
}

impl Write for StreamOut<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = (&*self.f).write(b)?;
        self.off += n as u64;
        while self.enabled && self.off - self.started >= WRITEBACK_REGION {
            let a = self.started;
            self.sync_range(a, WRITEBACK_REGION, false)?;
            if a >= WRITEBACK_REGION {
                // Bound the dirty pages: wait for the region before.
                self.sync_range(a - WRITEBACK_REGION, WRITEBACK_REGION, true)?;
            }
            self.started += WRITEBACK_REGION;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::testutil::tmpdir;
    use std::fs::{self, OpenOptions};

    #[test]
    fn stream_out_writes_everything() {
        let d = tmpdir();
        let p = d.join("out");
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
            .unwrap();
        let mut want = Vec::new();
        {
            let mut w = StreamOut::buffered(&f);
            let mut k = 0u32;
            while want.len() < 3 * WRITEBACK_REGION as usize + 12345 {
                let piece = format!("line {k} {}\n", "x".repeat((k % 3000) as usize));
                w.write_all(piece.as_bytes()).unwrap();
                want.extend_from_slice(piece.as_bytes());
                k += 1;
            }
            w.flush().unwrap();
            assert!(w.get_ref().started >= 3 * WRITEBACK_REGION);
        }
        f.sync_all().unwrap();
        assert!(fs::read(&p).unwrap() == want);
        // Not a regular file: sync_file_range is turned off, writes go on.
        let null = OpenOptions::new().write(true).open("/dev/null").unwrap();
        let mut s = StreamOut::new(&null);
        s.write_all(&vec![0u8; WRITEBACK_REGION as usize + 1])
            .unwrap();
        fs::remove_dir_all(&d).unwrap();
    }
}
