//! The terminal filter (`term::text::safe_text`, behind `print`, the
//! header summary, the reply preview and `~p` on a terminal): whatever bytes
//! a hostile message holds, the output never contains ESC, a C1 control
//! (raw byte or UTF-8 character) or a bidi override/isolate.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::term::text::{is_bidi_control, safe_text};

fuzz_target!(|data: &[u8]| {
    let u = safe_text(data, true);
    assert!(!u.contains('\u{1b}'));
    assert!(
        !u.chars()
            .any(|c| ('\u{80}'..'\u{a0}').contains(&c) || is_bidi_control(c))
    );
    let c = safe_text(data, false);
    assert!(!c.bytes().any(|b| b == 0x1b || (0x80..0xa0).contains(&b)));
});
