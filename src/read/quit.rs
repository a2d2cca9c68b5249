//! Closing a mailbox (`quit`, end of input, switching with `file`): hands
//! the session's variables (`hold`, `keepsave`, `append`, the mbox path,
//! `saveignore`/`saveretain`) to the mailbox engine's `quit`, which decides
//! each message's fate with bsd-mailx's rules, locks, writes and prints
//! `Saved N messages in`, `Held N messages in`, `"name" complete`...
//! Errors (a lock that cannot be taken, a mailbox changed behind our back)
//! are reported on stderr and make read mode exit 1 (bsd-mailx exits 0;
//! docs/COMPATIBILITY.md R16).

use super::ReadState;
use crate::mailbox::QuitOptions;
use crate::session::Session;
use crate::{expand, output, util};
use std::io::Write;

/// stderr as a `Write`, flushing stdout first so the order is kept.
struct Stderr;

impl Write for Stderr {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        output::flush();
        std::io::stderr().write(data)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Writes the state of the open mailbox back. Prints bsd-mailx's messages.
pub fn quit(s: &Session, st: &mut ReadState) {
    if st.readonly() {
        return;
    }
    let system = !st.edit;
    // bsd-mailx expands `&` only when something goes to mbox; an expansion
    // error then is printed. Expanding up front is quiet.
    let mbox = expand::expand_quiet(s, "&")
        .unwrap_or_else(|_| format!("{}/mbox", s.homedir.as_deref().unwrap_or("")));
    let ign = s.save_ignore.clone();
    let pred = |name: &str| ign.hides(name);
    let mut opts = QuitOptions::new(system, mbox.into());
    opts.hold = s.is_set("hold");
    opts.keepsave = s.is_set("keepsave");
    opts.append = s.is_set("append");
    opts.save_ignore = Some(&pred);
    opts.new_maildir = s.value("newfolders") == Some("maildir");
    let r = st.mb.quit(&opts, &mut output::Stdout, &mut Stderr);
    if let Err(e) = r {
        util::warnx(&e.to_string());
        // The mailbox is left as it was; read mode will exit 1 (bsd-mailx: 0).
        util::note_write_failure();
    }
}
