//! Body collection from a pipe: any bytes are kept except CRLF → LF, a final
//! newline is added, and the statistics match the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = mailx::send::body::collect_stream(&mut &data[..]).unwrap();
    let out = body.to_vec().unwrap();
    let mut want = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        want.push(data[i]);
        i += 1;
    }
    // bsd-mailx's fgets loop turns a CR ending an unterminated last line
    // into the line's newline.
    if want.last() == Some(&b'\r') {
        want.pop();
        want.push(b'\n');
    }
    if !want.is_empty() && want.last() != Some(&b'\n') {
        want.push(b'\n');
    }
    assert_eq!(out, want);
    assert_eq!(body.len as usize, want.len());
    assert_eq!(body.has_nul, want.contains(&0));
    assert_eq!(body.eightbit, want.iter().any(|b| *b >= 0x80));
});
