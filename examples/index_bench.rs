//! Times the indexer: `cargo run --release --example index_bench -- FILE`.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: index_bench FILE");
    for _ in 0..3 {
        let t = Instant::now();
        let mb = mailx::mailbox::Mailbox::open(&path).expect("open");
        let d = t.elapsed();
        let lines: u64 = mb.entries().iter().map(|e| e.lines).sum();
        println!(
            "{} messages, {} lines, {:.3} s",
            mb.len(),
            lines,
            d.as_secs_f64()
        );
    }
}
