//! RFC 2047 encoding: arbitrary text encodes to ASCII encoded words of at
//! most 75 characters that decode back to the input, and a Subject field
//! whose lines are at most 78 columns and whose value decodes back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::mimeview::decode_words;
use mailx::send::{mime, rfc2047};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if s.contains(['\r', '\n']) {
        return;
    }
    let enc = mime::encode_words(&s);
    if s.is_ascii() {
        assert_eq!(enc, s);
        return;
    }
    assert!(enc.is_ascii());
    for w in enc.split("\n ") {
        assert!(w.len() <= 75);
    }
    assert_eq!(decode_words(enc.replace("\n ", " ").as_bytes()), s);
    let field = rfc2047::unstructured_field("Subject:", &s);
    assert!(field.is_ascii());
    for l in field.lines() {
        assert!(l.len() <= 78);
    }
    let unfolded = field.trim_end_matches('\n').replace('\n', "");
    assert_eq!(decode_words(unfolded["Subject: ".len()..].as_bytes()), s);
    let parts: Vec<&str> = s.split(',').collect();
    let _ = rfc2047::address_field("To:", &parts);
});
