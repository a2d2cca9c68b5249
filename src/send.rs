//! Sending a composed message: recipients (aliases, expandaddr, elide), the
//! header block in bsd-mailx's order and spelling, `record`, handing the
//! message to sendmail through `child`, and dead.letter on any failure.
//!
//! The message handed to sendmail is our own copy (header text in memory,
//! body in a private temporary file), so dead.letter always gets the whole
//! message, even when sendmail read all of it before failing (bsd-mailx
//! leaves dead.letter empty then; docs/COMPATIBILITY.md).

use crate::child::{self, Exit};
use crate::collect::Body;
use crate::mime;
use crate::names::{self, Kind, Name};
use crate::session::Session;
use crate::sys::localtime_now;
use std::io::{self, Write};

/// The header fields of an outgoing message.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// `-a` lines, in order.
    pub extra: Vec<String>,
    pub in_reply_to: Option<String>,
    /// Set by `~R` (overrides the REPLYTO variable).
    pub reply_to: Option<String>,
    /// Files to attach (`-A`, `~@`), already read.
    pub attachments: Vec<mime::Attachment>,
    /// Addresses copied from a received message (by `reply` and friends).
    /// They are data written by whoever sent that message, so they are
    /// never delivered as `/file` or `|command` recipients, even with
    /// `expandaddr` (CVE-2014-7844's reply vector; bsd-mailx runs them).
    pub received: Vec<String>,
}

/// A message ready to go out: the header block and how to write the body.
pub struct Outgoing<'a> {
    pub head: String,
    pub body: &'a Body,
    pub plan: mime::BodyPlan,
    pub attachments: &'a [mime::Attachment],
    pub boundary: Option<String>,
}

impl Outgoing<'_> {
    /// Writes everything after the header block.
    pub fn write_body(&self, w: &mut dyn Write) -> io::Result<()> {
        let Some(b) = &self.boundary else {
            return mime::write_body(self.body, &self.plan, w);
        };
        if self.body.len > 0 {
            writeln!(w, "--{b}")?;
            writeln!(
                w,
                "Content-Type: text/plain; charset=\"{}\"",
                self.plan.charset
            )?;
            writeln!(
                w,
                "Content-Transfer-Encoding: {}",
                self.plan.transfer_encoding()
            )?;
            writeln!(w)?;
            mime::write_body(self.body, &self.plan, w)?;
            // The line break before a boundary belongs to the boundary (RFC 2046).
            writeln!(w)?;
        }
        for a in self.attachments {
            mime::write_attachment(a, b, w)?;
        }
        writeln!(w, "--{b}--")
    }

    /// The whole message into a writer.
    pub fn write_all(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(self.head.as_bytes())?;
        self.write_body(w)
    }
}

/// Replaces CR and LF by spaces, so a value can never start a new header line.
pub fn one_line(v: &str) -> String {
    v.replace(['\r', '\n'], " ")
}

/// An `-a` value as it is written: one line, leading blanks removed (a
/// header line starting with a blank would continue the previous header;
/// bsd-mailx writes ` content-type : x` verbatim and still drops its default
/// Content-Type, so the name is what counts).
pub fn extra_header_line(v: &str) -> String {
    one_line(v).trim_start_matches([' ', '\t']).to_string()
}

/// Checks that a `-a` value is a header line (`Name: value`).
pub fn valid_extra_header(h: &str) -> bool {
    let Some((name, _)) = h.split_once(':') else {
        return false;
    };
    let name = name.trim_end_matches([' ', '\t']);
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

fn extra_defines(extra: &[String], field: &str) -> bool {
    extra.iter().any(|h| {
        h.split_once(':')
            .map(|(n, _)| n.trim_end_matches([' ', '\t']).eq_ignore_ascii_case(field))
            .unwrap_or(false)
    })
}

/// The From: value and the envelope sender (`-f`), from `-r` or `from`.
fn from_value(s: &Session) -> Option<String> {
    s.value("from").map(one_line)
}

/// Builds the header block (ending with the blank line) for the final
/// recipient lists. Non-ASCII subjects and display names become RFC 2047
/// encoded words; pure ASCII is written exactly as bsd-mailx writes it.
pub fn header_text(
    s: &Session,
    h: &Header,
    plan: &mime::BodyPlan,
    boundary: Option<&str>,
) -> String {
    let mut out = String::new();
    if let Some(f) = from_value(s) {
        out.push_str(&format!("From: {}\n", mime::encode_address(&f)));
    }
    fn refs(v: &[String]) -> Vec<String> {
        v.iter().map(|x| mime::encode_address(x)).collect()
    }
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(|x| x.as_str()).collect()
    }
    if !h.to.is_empty() {
        out.push_str(&names::fmt_header("To:", &strs(&refs(&h.to))));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&format!("Subject: {}\n", mime::encode_words(subj)));
    }
    if !h.cc.is_empty() {
        out.push_str(&names::fmt_header("Cc:", &strs(&refs(&h.cc))));
    }
    if !h.bcc.is_empty() {
        out.push_str(&names::fmt_header("Bcc:", &strs(&refs(&h.bcc))));
    }
    for e in &h.extra {
        out.push_str(e);
        out.push('\n');
    }
    if !extra_defines(&h.extra, "MIME-Version") {
        out.push_str("MIME-Version: 1.0\n");
    }
    if !extra_defines(&h.extra, "Content-Type") {
        match boundary {
            Some(b) => out.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"{b}\"\n"
            )),
            None => out.push_str(&format!(
                "Content-Type: text/plain; charset=\"{}\"\n",
                plan.charset
            )),
        }
    }
    if !extra_defines(&h.extra, "Content-Transfer-Encoding") && boundary.is_none() {
        out.push_str(&format!(
            "Content-Transfer-Encoding: {}\n",
            plan.transfer_encoding()
        ));
    }
    // Reply-To: `~R`, else REPLYTO if it was set before the user's rc file
    // (bsd-mailx captures it there; a later change or unset in the user's rc
    // leaves it with a dangling pointer, so ours uses the current value).
    let reply_to = h.reply_to.clone().or_else(|| {
        s.replyto_at_start
            .then(|| s.value("REPLYTO").map(one_line))
            .flatten()
    });
    if let Some(r) = reply_to {
        out.push_str(&format!("Reply-To: {}\n", mime::encode_address(&r)));
    }
    if let Some(irt) = &h.in_reply_to {
        out.push_str(&format!("In-Reply-To: {irt}\n"));
    }
    out.push('\n');
    out
}

/// sendmail's arguments after argv[0]: `-i -t [-f from] [-m] [-v]`. Never a recipient.
pub fn sendmail_args(s: &Session) -> Vec<String> {
    let mut v = vec!["-i".to_string(), "-t".to_string()];
    if let Some(f) = from_value(s) {
        v.push("-f".into());
        v.push(names::skin(&f));
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
pub fn sendmail_program(s: &Session) -> String {
    match s.value("sendmail") {
        Some(v) if !v.is_empty() => {
            crate::expand::expand_quiet(s, v).unwrap_or_else(|_| v.to_string())
        }
        _ => "/usr/sbin/sendmail".to_string(),
    }
}

/// The dead.letter path (`DEAD`, relative to home; default `~/dead.letter`).
/// None when it is relative and there is no home directory (HOME unset or
/// empty): never fall back to `/dead.letter`.
pub fn dead_letter_path(s: &Session) -> Option<String> {
    let home = s.homedir.clone().filter(|h| !h.is_empty());
    let rel = match s.value("DEAD") {
        Some(d) if !d.is_empty() => {
            let d = crate::expand::expand_quiet(s, d).unwrap_or_else(|_| d.to_string());
            if d.starts_with('/') {
                return Some(d);
            }
            d
        }
        _ => "dead.letter".to_string(),
    };
    home.map(|h| format!("{h}/{rel}"))
}

/// Appends text to dead.letter (mode 0600), reporting a failure on stderr.
pub fn save_dead_letter(s: &Session, parts: &[&[u8]], body: Option<&Body>) {
    let Some(path) = dead_letter_path(s) else {
        // bsd-mailx prints `"~/dead.letter": Out of memory.` (a wordexp
        // failure) and saves nothing; say what happened instead.
        crate::util::warnx("no home directory: the message could not be saved in dead.letter");
        return;
    };
    let r = (|| -> io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)?;
        let mut w = io::BufWriter::new(f);
        for p in parts {
            w.write_all(p)?;
        }
        if let Some(b) = body {
            b.copy_to(&mut w)?;
        }
        w.flush()?;
        crate::util::sync_appended(w.get_ref())
    })();
    if let Err(e) = r {
        crate::util::warn(&path, &e);
        crate::output::err_line(&format!(
            "{}: the message could not be saved in {path}",
            crate::util::progname()
        ));
        crate::util::note_write_failure();
    }
}

/// Appends the whole outgoing message to dead.letter.
pub fn save_message_dead_letter(s: &Session, msg: &Outgoing) {
    let mut text = Vec::new();
    if let Err(e) = msg.write_all(&mut text) {
        crate::util::warn("temporary file", &e);
        save_dead_letter(s, &[msg.head.as_bytes()], Some(msg.body));
        return;
    }
    if msg.boundary.is_none() && !msg.plan.quoted_printable {
        // Stream large plain bodies instead of holding them twice.
        save_dead_letter(s, &[msg.head.as_bytes()], Some(msg.body));
    } else {
        save_dead_letter(s, &[&text], None);
    }
}

/// The local time now as strftime's `%a %b %e %H:%M:%S %Y` in the C
/// locale (LC_TIME is never set), for From_ lines.
fn ctime_now() -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let tm = localtime_now();
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[tm.tm_wday.rem_euclid(7) as usize],
        MONTHS[tm.tm_mon.rem_euclid(12) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        tm.tm_year + 1900
    )
}

/// Writes `body` with every line starting `From ` quoted as `>From ` (mbox format).
fn copy_from_quoted(body: &Body, w: &mut dyn Write) -> io::Result<()> {
    let data_writer = &mut FromQuoter {
        inner: w,
        at_line_start: true,
        partial: Vec::new(),
    };
    body.copy_to(data_writer)?;
    data_writer.finish()
}

struct FromQuoter<'a> {
    inner: &'a mut dyn Write,
    at_line_start: bool,
    partial: Vec<u8>,
}

impl FromQuoter<'_> {
    fn finish(&mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            let p = std::mem::take(&mut self.partial);
            self.inner.write_all(&p)?;
        }
        Ok(())
    }
}

impl Write for FromQuoter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        for &b in data {
            if self.at_line_start || !self.partial.is_empty() {
                self.partial.push(b);
                self.at_line_start = false;
                if self.partial.len() == 5 || b == b'\n' {
                    if self.partial == b"From " {
                        self.inner.write_all(b">")?;
                    }
                    let p = std::mem::take(&mut self.partial);
                    self.inner.write_all(&p)?;
                    self.at_line_start = b == b'\n';
                }
                continue;
            }
            self.inner.write_all(&[b])?;
            if b == b'\n' {
                self.at_line_start = true;
            }
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Appends the message to the `record` file in mbox format. On a write
/// error the file is cut back to its old length (no partial message; the
/// error is bsd-mailx's `mail: path: strerror`). The exit status is not
/// changed: the message itself still goes out, and a failure status would
/// invite a script to send it twice (docs/COMPATIBILITY.md S14).
fn write_record(s: &Session, path: &str, msg: &Outgoing) {
    let mut old_len = None;
    let r = (|| -> io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        old_len = Some(f.metadata()?.len());
        let mut w = io::BufWriter::new(f);
        writeln!(w, "From {} {}", s.myname, ctime_now())?;
        w.write_all(msg.head.as_bytes())?;
        if msg.boundary.is_none() && !msg.plan.quoted_printable {
            copy_from_quoted(msg.body, &mut w)?;
        } else {
            let mut q = FromQuoter {
                inner: &mut w,
                at_line_start: true,
                partial: Vec::new(),
            };
            msg.write_body(&mut q)?;
            q.finish()?;
        }
        w.write_all(b"\n")?;
        w.flush()?;
        crate::util::sync_appended(w.get_ref())
    })();
    if let Err(e) = r {
        crate::util::warn(path, &e);
        if let Some(n) = old_len
            && let Ok(f) = std::fs::OpenOptions::new().write(true).open(path)
        {
            let _ = f.set_len(n);
        }
    }
}

/// Is this recipient a file or pipe (only acted on with `expandaddr`)?
fn is_file_or_pipe(name: &str) -> bool {
    name.starts_with('/') || name.starts_with('+') || name.starts_with('|')
}

/// Delivers to `expandaddr` file and pipe recipients; returns the number of failures.
fn deliver_local(s: &Session, targets: &[Name], msg: &Outgoing) -> usize {
    let mut errs = 0;
    let image = || -> io::Result<Vec<u8>> {
        let mut v = format!("From {} {}\n", s.myname, ctime_now()).into_bytes();
        msg.write_all(&mut v)?;
        v.push(b'\n');
        Ok(v)
    };
    for t in targets {
        let data = match image() {
            Ok(d) => d,
            Err(e) => {
                crate::util::warn("temporary file", &e);
                errs += 1;
                continue;
            }
        };
        if let Some(cmd) = t.name.strip_prefix('|') {
            let shell = s
                .value("SHELL")
                .filter(|v| !v.is_empty())
                .unwrap_or("/bin/sh")
                .to_string();
            let r = (|| -> io::Result<Exit> {
                let mut c = child::spawn_with_stdin(&shell, &["-c", cmd])?;
                if let Some(mut i) = c.stdin.take() {
                    let _ = i.write_all(&data);
                }
                child::wait(&mut c)
            })();
            match r {
                Ok(Exit::Code(0)) => {}
                Ok(_) => {
                    crate::output::err_line(&format!("Pipe to \"{cmd}\" failed"));
                    errs += 1;
                }
                Err(e) => {
                    crate::util::warn(&shell, &e);
                    errs += 1;
                }
            }
        } else {
            let Some(path) = crate::expand::expand(s, &t.name) else {
                errs += 1;
                continue;
            };
            if let Err(e) = crate::util::append_private(&path, &[&data]) {
                crate::util::warn(&path, &e);
                errs += 1;
            }
        }
    }
    errs
}

/// Options of one send.
#[derive(Debug, Default, Clone, Copy)]
pub struct SendOpts {
    /// `-d`: print sendmail's arguments instead of sending.
    pub dry_run: bool,
}

/// Sends a collected message. Returns the number of errors (the exit status
/// contribution, as bsd-mailx's `senderr`).
pub fn mail1(s: &Session, mut h: Header, body: Body, opts: SendOpts) -> i32 {
    if body.len == 0 && h.attachments.is_empty() {
        if s.is_set("skipempty") {
            return 0;
        }
        if h.subject.as_deref().is_none_or(|x| x.is_empty()) {
            crate::outln!("No message, no subject; hope that's ok");
        } else {
            crate::outln!("Null message body; hope that's ok");
        }
    }
    let mut senderr = 0;
    let mut all: Vec<Name> = Vec::new();
    all.extend(h.bcc.iter().map(|n| Name::new(one_line(n), Kind::Bcc)));
    all.extend(h.to.iter().map(|n| Name::new(one_line(n), Kind::To)));
    all.extend(h.cc.iter().map(|n| Name::new(one_line(n), Kind::Cc)));
    let mut to = names::expand_aliases(s, all);
    if to.is_empty() {
        crate::outln!("No recipients specified");
        senderr += 1;
    }
    // expandaddr: file and pipe recipients are delivered here and removed
    // from what sendmail sees (bsd-mailx left them in To:).
    let mut local = Vec::new();
    // Addresses taken from a received message never qualify (see
    // `Header::received`); they go to sendmail as plain addresses, as they
    // would without expandaddr.
    if s.is_set("expandaddr") {
        let received: Vec<String> = h.received.iter().map(|r| one_line(r)).collect();
        let (l, rest): (Vec<Name>, Vec<Name>) = to
            .into_iter()
            .partition(|n| is_file_or_pipe(&n.name) && !received.contains(&n.name));
        local = l;
        to = rest;
    }
    if senderr > 0 {
        save_dead_letter(s, &[], Some(&body));
    }
    let to = names::elide(to);
    let pick = |k: Kind| {
        to.iter()
            .filter(|n| n.kind == k)
            .map(|n| n.name.clone())
            .collect::<Vec<_>>()
    };
    h.to = pick(Kind::To);
    h.cc = pick(Kind::Cc);
    h.bcc = pick(Kind::Bcc);
    h.subject = h.subject.map(|x| one_line(&x));
    let plan = match mime::plan_body(&body, crate::locale::charset()) {
        Ok(p) => p,
        Err(e) => {
            crate::util::warn("temporary file", &e);
            save_dead_letter(s, &[], Some(&body));
            return senderr + 1;
        }
    };
    let boundary = (!h.attachments.is_empty()).then(mime::new_boundary);
    let head = header_text(s, &h, &plan, boundary.as_deref());
    let msg = Outgoing {
        head,
        body: &body,
        plan,
        attachments: &h.attachments,
        boundary,
    };
    if !local.is_empty() {
        senderr += deliver_local(s, &local, &msg) as i32;
    }
    if to.is_empty() {
        return senderr;
    }
    // The record copy is written before sendmail runs, and also with -d
    // (bsd-mailx does both).
    if let Some(rec) = s.value("record").filter(|r| !r.is_empty())
        && let Some(path) = crate::expand::expand(s, rec)
    {
        write_record(s, &path, &msg);
    }
    let args = sendmail_args(s);
    if opts.dry_run {
        if let Some(line) = crate::transport::dry_run_line(s) {
            crate::outln!("{line}");
            return senderr;
        }
        let mut line = String::from("Sendmail arguments: \"sendmail\"");
        for a in &args {
            line.push_str(&format!(" \"{a}\""));
        }
        crate::outln!("{line}");
        return senderr;
    }
    // Built-in SMTP when `smtp` (or `sendmail=smtp://…`) is set; else sendmail below.
    if let Some(n) = crate::transport::try_smtp(s, &h, &to, &msg) {
        return senderr + n;
    }
    let program = sendmail_program(s);
    match run_sendmail(&program, &args, &msg) {
        Ok(Exit::Code(0)) => {}
        outcome => {
            let suffix = match outcome {
                Ok(Exit::Code(n)) => format!(" with error code {n}"),
                Err(e) => {
                    crate::util::warn(&program, &e);
                    String::new()
                }
                _ => String::new(),
            };
            crate::output::err_line(&format!("Can't send mail: sendmail process failed{suffix}"));
            save_message_dead_letter(s, &msg);
            senderr += 1;
        }
    }
    senderr
}

/// Starts sendmail, writes the message into its stdin, and waits for this
/// exact child. A sendmail that exits without reading (EPIPE) is not an error
/// by itself: its exit status decides.
pub fn run_sendmail(program: &str, args: &[String], msg: &Outgoing) -> io::Result<Exit> {
    let mut c = child::spawn_sendmail(program, args)?;
    if let Some(stdin) = c.stdin.take() {
        let mut w = io::BufWriter::with_capacity(64 * 1024, stdin);
        let r = msg.write_all(&mut w).and_then(|_| w.flush());
        if let Err(e) = r
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            // The child's status still decides; a write error other than EPIPE is reported.
            crate::util::warn("sendmail", &e);
        }
        drop(w);
    }
    child::wait(&mut c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_header_validation() {
        assert!(valid_extra_header("X-Loop: a"));
        assert!(valid_extra_header("X-Loop : a"));
        assert!(!valid_extra_header("no colon"));
        assert!(!valid_extra_header(": empty name"));
        assert!(!valid_extra_header("bad name: x"));
    }

    #[test]
    fn header_order_and_mime_override() {
        let mut s = Session::new("alice".into(), None);
        s.vars.set("from", "Alice <a@x>");
        let h = Header {
            to: vec!["b@x".into()],
            subject: Some("S".into()),
            cc: vec!["c@x".into()],
            bcc: vec!["d@x".into()],
            extra: vec!["Content-Type: text/html".into()],
            ..Default::default()
        };
        let plan = mime::BodyPlan {
            charset: "UTF-8".into(),
            quoted_printable: false,
        };
        assert_eq!(
            header_text(&s, &h, &plan, None),
            "From: Alice <a@x>\nTo: b@x\nSubject: S\nCc: c@x\nBcc: d@x\nContent-Type: text/html\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n\n"
        );
        assert_eq!(sendmail_args(&s), ["-i", "-t", "-f", "a@x"]);
    }

    #[test]
    fn from_quoting() {
        let mut b = Body::new().unwrap();
        b.replace(b"From me\nx From y\nFrom\nFrom \n").unwrap();
        let mut v = Vec::new();
        copy_from_quoted(&b, &mut v).unwrap();
        assert_eq!(v, b">From me\nx From y\nFrom\n>From \n");
    }
}
