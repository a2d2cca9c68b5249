//! Reading MIME: RFC 2047 words, charsets, multipart structure, part listing
//! and the decoded `print` rendering never panic on any message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::mailbox::{Mailbox, render};
use mailx::mimeview;

fuzz_target!(|data: &[u8]| {
    let _ = mimeview::decode_words(data);
    let _ = mimeview::guess_text(data);
    let _ = mimeview::decode_b64_lenient(data);
    let mut mbox = b"From a@b Mon Jan  1 10:00:00 2024\n".to_vec();
    mbox.extend_from_slice(data);
    mbox.extend_from_slice(b"\n\n");
    let Ok(mb) = Mailbox::from_bytes(&mbox) else {
        return;
    };
    if mb.is_empty() {
        return;
    }
    let Ok(raw) = mb.raw_message(0) else { return };
    if let Some(parts) = mimeview::list_parts(&raw) {
        for p in 0..parts.len().min(5) {
            let _ = mimeview::part_data(&raw, p + 1);
        }
    }
    let mut rendered = Vec::new();
    let opts = render::RenderOptions::default();
    if render::render_message(&mb, 0, mb.flags(0), &opts, &mut rendered).is_ok()
        && let Ok(h) = mb.headers(0)
    {
        let _ = mimeview::decode_rendered(&rendered, &h, &raw, None);
    }
});
