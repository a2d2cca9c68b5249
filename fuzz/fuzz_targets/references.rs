//! `Message-ID:`, `In-Reply-To:` and `References:` values (threads):
//! arbitrary text never panics; the IDs found hold no blanks and no `>`,
//! and their hashes are those the threads use;
//! threading messages made from the input (lines taken in turn as the
//! three fields, so IDs repeat, loop and reference themselves) keeps every
//! message exactly once, with levels that follow the thread order.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::read::thread::{id_hash, id_hashes, message_ids, thread_order};

fuzz_target!(|data: &[u8]| {
    let ids = message_ids(data);
    for id in &ids {
        assert!(!id.is_empty());
        assert!(!id.iter().any(|b| b.is_ascii_whitespace() || *b == b'>'), "{id:?}");
    }
    let hashes: Vec<u64> = ids.iter().map(|i| id_hash(i)).collect();
    assert_eq!(id_hashes(data), hashes);
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').take(96).collect();
    let msgs: Vec<(&[u8], &[u8], &[u8])> = lines
        .chunks(3)
        .map(|c| {
            (
                c[0],
                c.get(1).copied().unwrap_or_default(),
                c.get(2).copied().unwrap_or_default(),
            )
        })
        .collect();
    let order = thread_order(&msgs);
    let mut seen = vec![false; msgs.len()];
    let mut prev_level = 0usize;
    for (k, &(i, level)) in order.iter().enumerate() {
        assert!(!seen[i], "message {i} twice");
        seen[i] = true;
        // Depth first: a message is at most one level below the one before.
        assert!(level <= prev_level + 1 && (k > 0 || level == 0), "{order:?}");
        prev_level = level;
    }
    assert!(seen.iter().all(|&s| s));
});
