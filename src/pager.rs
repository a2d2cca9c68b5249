//! Showing long text through `$PAGER` (default `/usr/bin/pager`), run by the
//! shell as bsd-mailx does. A pager that quits early (SIGPIPE/EPIPE on our
//! side) ends the output quietly.

use crate::session::Session;
use crate::{child, output, util};
use std::io::Write;

/// The pager command line.
pub(crate) fn pager_command(s: &Session) -> String {
    s.value("PAGER")
        .filter(|v| !v.is_empty())
        .unwrap_or("/usr/bin/pager")
        .to_string()
}

/// Pipes `text` through the pager and waits for it.
pub(crate) fn page_text(s: &Session, text: &[u8]) {
    let shell = s.shell();
    let pager = pager_command(s);
    let _guard = child::IgnoreInterrupts::new();
    match child::spawn_with_stdin(&shell, &["-c", &pager]) {
        Ok(mut c) => {
            if let Some(mut i) = c.stdin.take() {
                let _ = i.write_all(text);
            }
            let _ = child::wait(&mut c);
        }
        Err(e) => {
            util::warn(&shell, &e);
            output::bytes(text);
        }
    }
}
