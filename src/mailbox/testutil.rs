//! Test helpers shared by unit tests (the mailbox modules, read/order and
//! read/thread): a seeded generator, random mailboxes full of awkward cases,
//! temporary directories and two small messages.

use std::fs;
use std::path::PathBuf;

use super::hash::rand_u64;

/// A small xorshift generator: `rnd(n)` is in `0..n`.
pub(crate) fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed | 1;
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    }
}

/// A random mailbox: From_ lines, CRLF and LF lines, `\r` without
/// `\n`, lines around multiples of the fgets piece, and (with `big`) a
/// message of several MiB.
pub(crate) fn mailbox(seed: u64, target: usize, big: bool) -> Vec<u8> {
    let mut rnd = rng(seed);
    let pieces: [&[u8]; 12] = [
        b"From a@b Mon Jan  1 10:00:00 2001\n",
        b"From a@b Mon Jan  1 10:00:00 2001\r\n",
        b"\n",
        b"\r\n",
        b"\r",
        b"Status: RO\n",
        b"Subject: s\r\n",
        b"body line of text\n",
        b"From x y\n",
        b"crlf body\r\n",
        b"\n\nFrom c@d Tue Jan  2 10:00:00 2001\r\n",
        b"\r\r\n",
    ];
    let mut d = b"From first@x Mon Jan  1 10:00:00 2001\r\nSubject: 1\n\n".to_vec();
    while d.len() < target {
        match rnd(100) {
            0 => {
                // A long line: 8191·k − 2 … 8191·k + 3 bytes in all.
                let k = 1 + rnd(3) as usize;
                let n = 8191 * k - 2 + rnd(6) as usize;
                let crlf = rnd(2) == 0;
                d.extend(std::iter::repeat_n(b'L', n - 1 - crlf as usize));
                d.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            1 if big => {
                d.extend_from_slice(b"\n\nFrom big@x Mon Jan  1 10:00:00 2001\n\n");
                for _ in 0..(5 << 20) / 40 {
                    d.extend_from_slice(b"0123456789012345678901234567890123456\r\n");
                }
            }
            _ => d.extend_from_slice(pieces[rnd(pieces.len() as u64) as usize]),
        }
    }
    d
}

/// A new empty directory under the system temporary directory.
pub(crate) fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("mailx-mbtest-{:x}", rand_u64()));
    fs::create_dir_all(&d).unwrap();
    d
}

/// Two small messages for write-back tests.
pub(crate) const A: &str = "From a@b Mon Jan  1 10:00:00 2001\nSubject: a\n\nbody a\n\n";
pub(crate) const B: &str = "From c@d Mon Jan  1 10:00:00 2001\nSubject: b\n\nbody b\n\n";
