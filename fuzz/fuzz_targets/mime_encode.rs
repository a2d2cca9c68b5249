//! RFC 2047 encoding: arbitrary text encodes to ASCII encoded words of at
//! most 75 characters that decode back to the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if s.contains(['\r', '\n']) {
        return;
    }
    let enc = mailx::send::mime::encode_words(&s);
    if s.is_ascii() {
        assert_eq!(enc, s);
        return;
    }
    assert!(enc.is_ascii());
    let mut back = Vec::new();
    for w in enc.split("\n ") {
        assert!(w.len() <= 75);
        let b64 = w
            .strip_prefix("=?UTF-8?B?")
            .unwrap()
            .strip_suffix("?=")
            .unwrap();
        back.extend(data_decode(b64));
    }
    assert_eq!(String::from_utf8(back).unwrap(), s);
    let _ = mailx::send::mime::encode_address(&s);
});

fn data_decode(b64: &str) -> Vec<u8> {
    data_encoding::BASE64.decode(b64.as_bytes()).unwrap()
}
