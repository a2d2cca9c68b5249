//! What the composer shows and asks around the body: header prompts
//! (`Subject:` with `ask`, `~h`, `askcc`/`askbcc`), the header preview a
//! reply starts with, and `~p`'s view of the message so far.

use crate::names::{self, Kind};
use crate::outln;
use crate::send::Header;
use crate::send::body::Body;
use crate::send::mime::Attachment;
use crate::term::lineedit::{Got, read_prefilled};
use crate::term::stdin::{Line, read_line_fd0};
use crate::term::text::tty_safe;
use crate::{locale, outp, output};
use std::io::{self, IsTerminal, Write};
use std::path::Path;

/// Reads a line for a header prompt (`label` is `Subject: `, `Cc: `, ...)
/// whose current value is `value`; None at EOF or ^C. On a terminal the line
/// editor reads it with the value already in the line (Enter keeps it);
/// otherwise the value is shown after the label, as before.
pub(super) fn prompt_line(label: &str, value: &str) -> Option<String> {
    // A reply's values come from the received message: the editor shows
    // control characters as `?`, and the plain prompt goes through the same
    // filter as `print` on a terminal.
    if let Some(got) = read_prefilled(label, value) {
        return match got {
            Got::Line(l) => Some(l),
            Got::Eof | Got::Interrupt => None,
        };
    }
    let text = format!("{label}{}", prefill(value));
    if io::stdout().is_terminal() {
        let safe = tty_safe(text.as_bytes());
        outp!("{}", String::from_utf8_lossy(&safe));
    } else {
        outp!("{text}");
    }
    output::flush();
    match read_line_fd0() {
        Line::Text(mut t) => {
            if t.last() == Some(&b'\n') {
                t.pop();
            }
            Some(String::from_utf8_lossy(&t).into_owned())
        }
        _ => None,
    }
}

/// Splits a typed recipient line (blanks and commas) into names.
pub(super) fn typed_names(line: &str) -> Vec<String> {
    names::extract(line, Kind::To)
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// `~h`: prompts for To, Subject, Cc and Bcc, each pre-filled with its value.
pub(super) fn grab_headers(h: &mut Header) {
    if let Some(l) = prompt_line("To: ", &h.to.join(" ")) {
        h.to = typed_names(&l);
    }
    if let Some(l) = prompt_line("Subject: ", h.subject.as_deref().unwrap_or("")) {
        h.subject = Some(l);
    }
    if let Some(l) = prompt_line("Cc: ", &h.cc.join(" ")) {
        h.cc = typed_names(&l);
    }
    if let Some(l) = prompt_line("Bcc: ", &h.bcc.join(" ")) {
        h.bcc = typed_names(&l);
    }
}

fn prefill(v: &str) -> String {
    if v.is_empty() {
        String::new()
    } else {
        format!("{v} ")
    }
}

/// At the end of the body: the `Cc:` (pre-filled) and `Bcc:` prompts of
/// `askcc`/`askbcc`.
pub(super) fn ask_cc_bcc(h: &mut Header, ask_cc: bool, ask_bcc: bool) {
    if ask_cc && let Some(l) = prompt_line("Cc: ", &h.cc.join(" ")) {
        h.cc = typed_names(&l);
    }
    if ask_bcc && let Some(l) = prompt_line("Bcc: ", "") {
        h.bcc.extend(typed_names(&l));
    }
}

/// The MIME lines `~p` and the reply preview show after the header.
fn mime_lines(out: &mut String) {
    out.push_str("MIME-Version: 1.0\n");
    out.push_str(&format!(
        "Content-Type: text/plain; charset=\"{}\"\n",
        locale::charset()
    ));
    out.push_str("Content-Transfer-Encoding: 8bit\n\n");
}

/// The header block bsd-mailx shows before collecting a reply's body.
pub(super) fn print_preview(h: &Header) {
    let sorted = |v: &[String]| -> Vec<String> {
        names::elide(
            v.iter()
                .map(|n| names::Name::new(n.clone(), Kind::To))
                .collect(),
        )
        .into_iter()
        .map(|n| n.name)
        .collect()
    };
    let mut out = String::new();
    let to = sorted(&h.to);
    if !to.is_empty() {
        out.push_str(&names::fmt_list("To:", &to, false));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&format!("Subject: {subj}\n"));
    }
    let cc = sorted(&h.cc);
    if !cc.is_empty() {
        out.push_str(&names::fmt_list("Cc:", &cc, false));
    }
    mime_lines(&mut out);
    // The subject and addresses come from the message replied to: on a
    // terminal they are shown the way `print` shows them (no raw ESC/C1).
    if io::stdout().is_terminal() {
        let safe = tty_safe(out.as_bytes());
        outp!("{}", String::from_utf8_lossy(&safe));
        return;
    }
    outp!("{out}");
}

/// `~p`: the message so far.
pub(super) fn print_message(h: &Header, body: &Body) -> io::Result<()> {
    outln!("-------");
    outln!("Message contains:");
    let mut out = String::new();
    if !h.to.is_empty() {
        out.push_str(&names::fmt_list("To:", &h.to, false));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&format!("Subject: {subj}\n"));
    }
    if !h.cc.is_empty() {
        out.push_str(&names::fmt_list("Cc:", &h.cc, false));
    }
    if !h.bcc.is_empty() {
        out.push_str(&names::fmt_list("Bcc:", &h.bcc, false));
    }
    for e in &h.extra {
        out.push_str(e);
        out.push('\n');
    }
    if h.attachments.is_empty() {
        mime_lines(&mut out);
    } else {
        // What will be sent: the text and the files as parts of one
        // multipart/mixed message (the boundary is made when it is sent).
        out.push_str("MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n");
    }
    let mut v = out.into_bytes();
    body.copy_to(&mut v)?;
    v.extend_from_slice(attachment_lines(&h.attachments).as_bytes());
    // On a terminal the text goes through `tty_safe`, as `print` does: a
    // reply's subject and a `~m`/`~f` message come from someone else and
    // must not send escape sequences to the terminal.
    if io::stdout().is_terminal() {
        return output::Stdout.write_all(&tty_safe(&v));
    }
    output::Stdout.write_all(&v)
}

/// `~p`'s list of the files attached with `~@` or `-A`, as s-nail shows it:
/// number, name, then the path, type and size.
fn attachment_lines(list: &[Attachment]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut s = String::from("-------\nAttachments:\n");
    for (i, a) in list.iter().enumerate() {
        let name = Path::new(&a.path)
            .file_name()
            .map_or(a.path.clone(), |n| n.to_string_lossy().into_owned());
        s.push_str(&format!(
            "#{}: {name} [{} -- {}, {} bytes]\n",
            i + 1,
            a.path,
            a.content_type,
            a.data.len()
        ));
    }
    s
}
