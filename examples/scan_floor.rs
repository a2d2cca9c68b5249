//! Baseline for the indexer: read the file in 2 MiB blocks and count
//! newlines, nothing else. `cargo run --release --example scan_floor -- FILE`
use std::io::Read;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: scan_floor FILE");
    for _ in 0..3 {
        let t = Instant::now();
        let mut f = std::fs::File::open(&path).unwrap();
        let mut buf = vec![0u8; 1 << 21];
        let mut n = 0usize;
        loop {
            let k = f.read(&mut buf).unwrap();
            if k == 0 {
                break;
            }
            n += memchr::memchr_iter(b'\n', &buf[..k]).count();
        }
        println!("{n} lines, {:.3} s", t.elapsed().as_secs_f64());
    }
}
