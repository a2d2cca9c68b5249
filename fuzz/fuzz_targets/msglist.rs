//! Message lists: any text after a command word, over a small mailbox with
//! deleted messages, never panics, and every number returned is a message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::read::ReadState;
use mailx::read::msglist::{ListKind, getmsglist};

fuzz_target!(|data: &[u8]| {
    let mut text = String::new();
    for i in 1..=7 {
        text.push_str(&format!(
            "From u{i}@x Mon Jan  1 10:00:00 2024\nFrom: User{i} <u{i}@x>\nSubject: subj {i}\nTo: t{i}@y\n\nbody\n\n"
        ));
    }
    let mb = mailx::mailbox::Mailbox::from_bytes(text.as_bytes()).unwrap();
    let mut st = ReadState::new(mb, "box".into(), true);
    st.flags_mut(2).insert(mailx::mailbox::MsgFlags::DELETED);
    let line = String::from_utf8_lossy(data);
    for (want_deleted, takes_names, sh) in [
        (false, true, false),
        (true, true, true),
        (false, false, true),
    ] {
        let kind = ListKind {
            want_deleted,
            takes_names,
        };
        if let Some(v) = getmsglist(&mut st, &line, &kind, sh) {
            assert!(v.iter().all(|&n| (1..=7).contains(&n)), "{line:?} -> {v:?}");
        }
    }
    mailx::output::discard();
});
