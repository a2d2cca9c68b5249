//! Maildir file names: parsing never panics; rewriting the flags keeps the
//! base name, gives `:2,` info in ASCII order without duplicates, sets
//! exactly the requested F/R/S and keeps every other flag character.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::mailbox::maildir::name::Name;

fuzz_target!(|data: &[u8]| {
    let (set, name) = match data.split_first() {
        Some((b, rest)) => (*b, rest),
        None => return,
    };
    let n = Name::parse(name);
    let _ = n.time();
    let want: Vec<u8> = [(1, b'F'), (2, b'R'), (4, b'S')]
        .into_iter()
        .filter(|(bit, _)| set & bit != 0)
        .map(|(_, c)| c)
        .collect();
    let Some(new) = n.with_flags(&want) else {
        assert!(n.flags.is_none() && want.is_empty());
        return;
    };
    let m = Name::parse(&new);
    assert_eq!(m.base, n.base);
    let f = m.flags.expect("rewritten names have :2, info");
    assert!(f.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
    for c in [b'F', b'R', b'S'] {
        assert_eq!(f.contains(&c), want.contains(&c));
    }
    for c in n.flags.unwrap_or(b"") {
        if !b"FRS".contains(c) {
            assert!(f.contains(c));
        }
    }
});
