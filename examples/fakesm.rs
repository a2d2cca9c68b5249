//! A fake sendmail for tests: never delivers anything.
//!
//! It records what it was given into the directory named by `FAKESM_OUT`:
//! `argv` (every argument, argv[0] included, each followed by a NUL byte) and
//! `stdin` (the bytes it read). With several calls the files of call N > 0
//! get a `.N` suffix. Behaviour knobs (all environment variables, which pass
//! through mail(1) to its sendmail child):
//!
//! - `FAKESM_RC=n`: exit status (default 0).
//! - `FAKESM_NOREAD=1`: exit without reading stdin.
//! - `FAKESM_SIGNAL=n`: after reading (or not), kill itself with signal n.
//! - `FAKESM_ECHO=text`: print `text` on stdout and on stderr (after reading).
//! - `FAKESM_HASH=1`: do not store stdin; write `stdin.hash` with
//!   `<length> <hash>` (see `hash_update`), for very large messages.
//!
//! Without `FAKESM_OUT` it records nothing (the exit status knobs still work).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A cheap 64-bit streaming hash (FNV-1a over 8-byte little-endian words,
/// the tail zero-padded). Tests compute the same function over the expected
/// message; it only has to catch corruption, not attacks.
fn hash_update(state: &mut u64, word: u64) {
    *state ^= word;
    *state = state.wrapping_mul(0x0000_0100_0000_01b3);
}

fn out_path(dir: &Path, name: &str) -> PathBuf {
    let mut n = 0;
    loop {
        let p = if n == 0 {
            dir.join(name)
        } else {
            dir.join(format!("{name}.{n}"))
        };
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

fn main() {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let out = env("FAKESM_OUT").map(PathBuf::from);
    if let Some(dir) = &out {
        let mut a = Vec::new();
        for arg in std::env::args_os() {
            a.extend_from_slice(std::os::unix::ffi::OsStrExt::as_bytes(arg.as_os_str()));
            a.push(0);
        }
        std::fs::write(out_path(dir, "argv"), a).expect("fakesm: write argv");
    }
    if env("FAKESM_NOREAD").is_none() {
        let mut stdin = std::io::stdin().lock();
        if env("FAKESM_HASH").is_some() {
            let mut state: u64 = 0xcbf2_9ce4_8422_2325;
            let mut len: u64 = 0;
            let mut buf = vec![0u8; 1 << 20];
            let mut fill = 0usize;
            loop {
                let n = match stdin.read(&mut buf[fill..]) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => panic!("fakesm: read: {e}"),
                };
                len += n as u64;
                fill += n;
                let whole = fill / 8 * 8;
                for c in buf[..whole].chunks_exact(8) {
                    hash_update(&mut state, u64::from_le_bytes(c.try_into().unwrap()));
                }
                buf.copy_within(whole..fill, 0);
                fill -= whole;
            }
            if fill > 0 {
                let mut w = [0u8; 8];
                w[..fill].copy_from_slice(&buf[..fill]);
                hash_update(&mut state, u64::from_le_bytes(w));
            }
            if let Some(dir) = &out {
                std::fs::write(out_path(dir, "stdin.hash"), format!("{len} {state:016x}\n"))
                    .expect("fakesm: write hash");
            }
        } else {
            let mut data = Vec::new();
            stdin.read_to_end(&mut data).expect("fakesm: read stdin");
            if let Some(dir) = &out {
                let mut f = std::fs::File::create(out_path(dir, "stdin")).expect("fakesm: stdin");
                f.write_all(&data).expect("fakesm: write stdin");
            }
        }
    }
    if let Some(text) = env("FAKESM_ECHO") {
        println!("{text} (stdout)");
        eprintln!("{text} (stderr)");
    }
    if let Some(sig) = env("FAKESM_SIGNAL").and_then(|v| v.parse::<i32>().ok()) {
        // Restore the default action first: mail(1) may have us ignore some signals.
        // SAFETY: plain signal(2)/raise(3) calls on our own process.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
    let rc = env("FAKESM_RC").and_then(|v| v.parse().ok()).unwrap_or(0);
    std::process::exit(rc);
}
