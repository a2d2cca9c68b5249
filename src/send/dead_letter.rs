//! dead.letter, where a message that could not be sent is kept. This is the
//! one writer of that file: every failure comes here (no recipients, a body
//! that cannot be encoded, a failing sendmail or SMTP server, an interrupted
//! or aborted composition, SIGHUP), with the whole message when it was built
//! (header and body) and the body alone before that, as bsd-mailx saves.

use crate::expand;
use crate::output;
use crate::session::Session;
use crate::transport::Content;
use crate::user;
use crate::util;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;

/// The dead.letter path (`DEAD`, relative to home; default `~/dead.letter`).
/// The home is `$HOME`, or the password entry's when HOME is unset (see
/// [`user::files_home`]). None when it is relative and there is no home
/// (`HOME=` set empty): never fall back to `/dead.letter`.
pub(crate) fn path(s: &Session) -> Option<String> {
    let rel = match s.value("DEAD") {
        Some(d) if !d.is_empty() => {
            let d = expand::expand_quiet(s, d).unwrap_or_else(|_| d.to_string());
            if d.starts_with('/') {
                return Some(d);
            }
            d
        }
        _ => "dead.letter".to_string(),
    };
    user::files_home(s).map(|h| format!("{h}/{rel}"))
}

/// Appends `what` to dead.letter (created mode 0600), durably; a failure is
/// reported on stderr and makes the exit status say so.
pub(crate) fn save(s: &Session, what: &dyn Content) {
    let Some(path) = path(s) else {
        // bsd-mailx prints `"~/dead.letter": Out of memory.` (a wordexp
        // failure) and saves nothing; say what happened instead.
        util::warnx("no home directory: the message could not be saved in dead.letter");
        return;
    };
    let r = (|| -> io::Result<()> {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)?;
        let mut w = io::BufWriter::new(f);
        what.write_to(&mut w)?;
        w.flush()?;
        util::sync_appended(w.get_ref())
    })();
    if let Err(e) = r {
        util::warn(&path, &e);
        output::err_line(&format!(
            "{}: the message could not be saved in {path}",
            util::progname()
        ));
        util::note_write_failure();
    }
}
