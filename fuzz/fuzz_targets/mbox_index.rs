//! The mbox engine on arbitrary bytes: indexing, header access, raw
//! messages and rendering never panic, and the index accounts for the file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::mailbox::{self, render};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("mailx-fuzz-mbox-{}", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let Ok(mb) = mailbox::Mailbox::open(&path) else {
        return;
    };
    let mut end = mb.preamble_len();
    for i in 0..mb.len() {
        let e = mb.entry(i);
        assert_eq!(e.offset, end, "messages are contiguous");
        end = e.offset + e.len;
        let _ = mb.from_line(i);
        if let Ok(h) = mb.headers(i) {
            let _ = h.get("from");
            let _ = h.hfield("subject");
        }
        let _ = mb.raw_message(i);
        let mut out = Vec::new();
        let opts = render::RenderOptions {
            ignore: None,
            ignore_all: false,
            prefix: Some(b"> "),
            skip_from_line: false,
        };
        let _ = render::render_message(&mb, i, mb.flags(i), &opts, &mut out);
    }
    assert_eq!(end, data.len() as u64, "the index covers the whole file");
});
