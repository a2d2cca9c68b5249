//! The `headline` format engine: any format string (the first line of the
//! input) over a small mailbox whose headers are the rest of the input,
//! in both locale modes and at several widths, never panics and never
//! puts a control character on the terminal.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::read::headline::lines_for;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (fmt, hdrs) = text.split_once('\n').unwrap_or((&text, ""));
    let mut mbox = Vec::new();
    mbox.extend_from_slice(b"From a@x Mon Jan  1 10:00:00 2024\n");
    mbox.extend_from_slice(hdrs.replace("\nFrom ", "\n>From ").as_bytes());
    mbox.extend_from_slice(b"\n\nbody\n\nFrom b@y Tue Jan  2 10:00:00 2024\nSubject: s\n\nx\n");
    let Ok(mb) = mailx::mailbox::Mailbox::from_bytes(&mbox) else {
        return;
    };
    for width in [0, 1, 2, 20, 80, 300] {
        for utf8 in [false, true] {
            for line in lines_for(&mb, fmt, width, utf8) {
                let fmt_ctl = fmt.chars().any(char::is_control);
                assert!(
                    fmt_ctl || !line.chars().any(|c| c.is_control() && c != '\n'),
                    "{fmt:?} -> {line:?}"
                );
            }
        }
    }
});
