//! The sendmail program, the default way out: which program (`sendmail`
//! variable), its arguments (`-i -t [-f from] [-m] [-v]`, never a recipient:
//! `-t` reads them from the header), writing the message into its stdin and
//! its exit status, which alone decides success (as bsd-mailx does, where
//! `child` waits for this exact process).

use super::{Failed, Message};
use crate::child::{self, Exit};
use crate::expand;
use crate::names;
use crate::output;
use crate::session::Session;
use crate::util;
use std::io::{self, Write};

/// sendmail's arguments after argv[0]: `-i -t [-f from] [-m] [-v]`.
pub(crate) fn args(s: &Session, msg: &Message) -> Vec<String> {
    let mut v = vec!["-i".to_string(), "-t".to_string()];
    if let Some(f) = &msg.from {
        v.push("-f".into());
        v.push(names::skin(f));
    }
    if s.is_set("metoo") {
        v.push("-m".into());
    }
    if s.is_set("verbose") {
        v.push("-v".into());
    }
    v
}

/// The program the `sendmail` variable names (expanded like a file name).
pub(crate) fn program(s: &Session) -> String {
    match s.value("sendmail") {
        Some(v) if !v.is_empty() => expand::expand_quiet(s, v).unwrap_or_else(|_| v.to_string()),
        _ => "/usr/sbin/sendmail".to_string(),
    }
}

/// `-d`: `Sendmail arguments: "sendmail" "-i" "-t"…`, as bsd-mailx prints it.
pub(crate) fn dry_run_line(s: &Session, msg: &Message) -> String {
    let mut line = String::from("Sendmail arguments: \"sendmail\"");
    for a in args(s, msg) {
        line.push_str(&format!(" \"{a}\""));
    }
    line
}

/// Runs sendmail with the message. A failure is reported as bsd-mailx does:
/// the system error if it could not be started, then `Can't send mail:
/// sendmail process failed[ with error code N]`.
pub(crate) fn send(s: &Session, msg: &Message) -> Result<(), Failed> {
    let program = program(s);
    let outcome = run(&program, &args(s, msg), msg);
    if let Ok(Exit::Code(0)) = outcome {
        return Ok(());
    }
    let suffix = match outcome {
        Ok(Exit::Code(n)) => format!(" with error code {n}"),
        Err(e) => {
            util::warn(&program, &e);
            String::new()
        }
        _ => String::new(),
    };
    output::err_line(&format!("Can't send mail: sendmail process failed{suffix}"));
    Err(Failed)
}

/// Starts sendmail, writes the message into its stdin, and waits for this
/// exact child. A sendmail that exits without reading (EPIPE) is not an error
/// by itself: its exit status decides.
fn run(program: &str, args: &[String], msg: &Message) -> io::Result<Exit> {
    let mut c = child::spawn_sendmail(program, args)?;
    if let Some(stdin) = c.stdin.take() {
        let mut w = io::BufWriter::with_capacity(64 * 1024, stdin);
        let r = msg.write_all(&mut w).and_then(|_| w.flush());
        if let Err(e) = r
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            // The child's status still decides; a write error other than EPIPE is reported.
            util::warn("sendmail", &e);
        }
        drop(w);
    }
    child::wait(&mut c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Content;

    struct Empty;
    impl Content for Empty {
        fn write_to(&self, _w: &mut dyn Write) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn arguments() {
        let mut s = Session::new("alice".into(), None);
        let mut msg = Message {
            from: None,
            recipients: Vec::new(),
            head: String::new(),
            body: &Empty,
        };
        assert_eq!(args(&s, &msg), ["-i", "-t"]);
        msg.from = Some("Alice <a@x>".into());
        s.vars.set("metoo", "");
        s.vars.set("verbose", "");
        assert_eq!(args(&s, &msg), ["-i", "-t", "-f", "a@x", "-m", "-v"]);
    }
}
