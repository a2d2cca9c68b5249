//! Showing messages: print/type/Type/Print, more/page/More/Page (through
//! `$PAGER` when interactive, and for long messages with `crt`), `pipe`/`|`
//! (all headers, to `$SHELL -c command` through `child`), `top`, `next`,
//! and `size`.
//!
//! Output to a terminal goes through [`tty_safe`] (`term::text`): bsd-mailx vis-encodes
//! message text on a tty; we show real characters in a UTF-8 locale and
//! escape control characters (other than tab and newline) as `^X`. Output
//! to a pipe or file is the raw message.
//!
//! `print`/`type`/`more`/`page`/`top` show MIME messages decoded
//! ([`decoded`]); `Print`/`Type`/`More`/`Page` and `pipe` keep the raw bytes.
//! A message over 16 MiB printed to a pipe or file is written raw as it is
//! read, never held in memory (an IMAP message of any size streams from
//! its temporary file).

use super::ReadState;
use crate::mailbox::{MsgFlags, RenderOptions, render_message};
use crate::session::{IgnoreTab, Session};
use crate::term::signals::take_interrupt;
use crate::term::text::{char_width, tty_safe, tty_safe_decoded};
use crate::{child, outln, output, pager, util};
use std::io::{IsTerminal, Write};

/// Messages larger than this are printed raw and streamed when the
/// output is not a terminal or pager (see [`type1`]).
const STREAM_OVER: u64 = 16 << 20;

/// Renders message `i` (0-based) with a header filter into `out`.
pub fn render(
    st: &ReadState,
    i: usize,
    ign: Option<&IgnoreTab>,
    out: &mut dyn Write,
) -> std::io::Result<u64> {
    let pred = |name: &str| ign.is_some_and(|t| t.hides(name));
    let opts = RenderOptions {
        ignore: if ign.is_some() { Some(&pred) } else { None },
        ..Default::default()
    };
    render_message(&*st.mb, i, st.flags(i), &opts, out)
}

/// The MIME-decoded form of message `i` (0-based) for `print`/`type`/
/// `more`/`page`/`top` and `~m`/`~f`: encoded words in the headers shown,
/// transfer encodings and charsets of text parts, other parts listed
/// (`mimeview`). `None` when nothing needs decoding or the terminal is
/// ASCII (C locale): the caller prints the raw rendering, as bsd-mailx.
pub(crate) fn decoded(st: &ReadState, i: usize, ign: Option<&IgnoreTab>) -> Option<Vec<u8>> {
    use crate::mimeview::{self, Term};
    let t = mimeview::term();
    if t == Term::Raw {
        return None;
    }
    let mut rendered = Vec::new();
    render(st, i, ign, &mut rendered).ok()?;
    let hdr = st.mb.headers(i).ok()?;
    let raw = st.mb.raw_message(i).ok()?;
    let v = mimeview::decode_rendered(&rendered, &hdr, &raw, ign)?;
    if t == Term::Utf8 {
        return Some(v);
    }
    // A non-UTF-8 terminal: decoded (UTF-8) lines are converted, lines
    // kept verbatim from the message stay as they are.
    let mut out = Vec::with_capacity(v.len());
    for line in v.split_inclusive(|&c| c == b'\n') {
        match std::str::from_utf8(line) {
            Ok(l) if !l.is_ascii() => out.extend(mimeview::to_terminal(l, t)),
            _ => out.extend_from_slice(line),
        }
    }
    Some(out)
}

/// bsd-mailx's `type1`: prints the messages (with `Message N:` lines unless
/// `quiet`), through the pager when `page` or a long `crt` output asks for it.
pub(crate) fn type1(
    s: &mut Session,
    st: &mut ReadState,
    msgvec: &[usize],
    doign: bool,
    page: bool,
) -> bool {
    let interactive = s.interactive();
    let mut use_pager = false;
    if interactive && (page || s.is_set("crt")) {
        if page {
            use_pager = true;
        } else {
            let nlines: u64 = msgvec
                .iter()
                .take(st.count())
                .map(|&m| st.mb.lines(m - 1))
                .sum();
            let crt = s.value("crt").unwrap_or("");
            let limit = if crt.is_empty() {
                s.real_screen_height as i64
            } else {
                super::atoi(crt)
            };
            use_pager = nlines as i64 > limit;
        }
    }
    let tty = std::io::stdout().is_terminal();
    // On a terminal `crt` compares what will be displayed (decoded, wrapped
    // at the window's width) with the limit, not the raw line count: the
    // text is made first and the pager chosen after.
    let mut rows_limit = None;
    if tty && interactive && !page && s.is_set("crt") {
        let crt = s.value("crt").unwrap_or("");
        rows_limit = Some(if crt.is_empty() {
            s.real_screen_height as i64
        } else {
            super::atoi(crt)
        });
        use_pager = true;
    }
    let quiet = s.is_set("quiet");
    let ign = if doign { Some(s.ignore.clone()) } else { None };
    let mut buf: Vec<u8> = Vec::new();
    let count = st.count();
    for &m in msgvec.iter().take(count) {
        // ^C between messages ends the command, as bsd-mailx's interrupt does.
        if take_interrupt() {
            output::flush();
            output::err_line("Interrupt");
            break;
        }
        st.touch(m - 1);
        st.dot = m - 1;
        let mut one: Vec<u8> = Vec::new();
        if !quiet {
            one.extend_from_slice(format!("Message {m}:\n").as_bytes());
        }
        let mut was_decoded = false;
        if !use_pager && !tty && st.mb.content_len(m - 1) > STREAM_OVER {
            // A large message off a terminal goes out raw as it is read:
            // neither it nor its decoded form is held in memory.
            output::bytes(&one);
            if let Err(e) = render(st, m - 1, ign.as_ref(), &mut output::Stdout) {
                util::warnx(&e.to_string());
                break;
            }
            if output::is_broken() {
                break;
            }
            continue;
        }
        if doign && let Some(d) = decoded(st, m - 1, ign.as_ref()) {
            one.extend_from_slice(&d);
            was_decoded = true;
        } else if let Err(e) = render(st, m - 1, ign.as_ref(), &mut one) {
            // A folder on a server can fail here; a file hardly ever.
            util::warnx(&e.to_string());
            break;
        }
        if tty {
            one = if was_decoded {
                tty_safe_decoded(&one)
            } else {
                tty_safe(&one)
            };
        }
        if use_pager {
            buf.extend_from_slice(&one);
        } else {
            output::bytes(&one);
            if output::is_broken() {
                break;
            }
        }
    }
    if let Some(limit) = rows_limit
        && displayed_rows(&buf, s.screen_width) as i64 <= limit
    {
        output::bytes(&buf);
        return true;
    }
    if use_pager {
        output::flush();
        pager::page_text(s, &buf);
    }
    true
}

/// Terminal rows `text` takes in `cols` columns: each line at least one,
/// long lines wrapped, tabs to the next multiple of 8.
pub(crate) fn displayed_rows(text: &[u8], cols: usize) -> usize {
    let cols = cols.max(1);
    let text = String::from_utf8_lossy(text);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    text.split('\n')
        .map(|line| {
            let mut w = 0;
            for ch in line.chars() {
                w = if ch == '\t' {
                    (w / 8 + 1) * 8
                } else {
                    w + char_width(ch)
                };
            }
            w.div_ceil(cols).max(1)
        })
        .sum()
}

/// `pipe`/`|`: every listed message, all headers, into `$SHELL -c cmd`.
/// The child's real exit status is reported.
pub(crate) fn pipe(s: &mut Session, st: &mut ReadState, msgvec: &[usize], cmd: &str) -> bool {
    let shell = s.shell();
    let _guard = child::IgnoreInterrupts::new();
    let mut child = match child::spawn_with_stdin(&shell, &["-c", cmd]) {
        Ok(c) => c,
        Err(e) => {
            util::warn(cmd, &e);
            return true;
        }
    };
    let count = st.count();
    if let Some(mut stdin) = child.stdin.take() {
        for &m in msgvec.iter().take(count) {
            st.touch(m - 1);
            st.dot = m - 1;
            if render(st, m - 1, None, &mut stdin).is_err() {
                // The command stopped reading: the rest is not wanted.
                break;
            }
        }
    }
    let r = child::wait(&mut child);
    child::report_child(r, &shell);
    true
}

/// `top`: `Message N:` and the first `toplines` (default 5) + 1 lines,
/// unfiltered.
pub(crate) fn top(s: &mut Session, st: &mut ReadState, msgvec: &[usize]) -> bool {
    let mut topl: i64 = 5;
    if let Some(v) = s.value("toplines") {
        topl = super::atoi(v);
        if !(0..=10000).contains(&topl) {
            topl = 5;
        }
    }
    let quiet = s.is_set("quiet");
    let tty = std::io::stdout().is_terminal();
    let mut lineb = true;
    let count = st.count();
    for &m in msgvec.iter().take(count) {
        st.touch(m - 1);
        st.dot = m - 1;
        if !quiet {
            outln!("Message {m}:");
        }
        let mut c = st.mb.lines(m - 1) as i64;
        // A MIME message shows its decoded lines (all headers, as the raw
        // path); a plain one bsd-mailx's raw lines.
        let (raw, was_decoded) = match decoded(st, m - 1, None) {
            Some(d) => {
                c = d.iter().filter(|&&b| b == b'\n').count() as i64;
                (d, true)
            }
            None => match st.mb.raw_message(m - 1) {
                Ok(r) => (r, false),
                Err(e) => {
                    util::warnx(&e.to_string());
                    break;
                }
            },
        };
        if !lineb {
            outln!();
        }
        let mut lines = 0i64;
        let mut pos = 0;
        while pos < raw.len() && lines < c && lines <= topl {
            // bsd-mailx reads with fgets(8192): a longer line is several lines.
            let end = (pos + 8191).min(raw.len());
            let piece = match raw[pos..end].iter().position(|&b| b == b'\n') {
                Some(k) => &raw[pos..pos + k + 1],
                None => &raw[pos..end],
            };
            pos += piece.len();
            let text = piece.strip_suffix(b"\n").unwrap_or(piece);
            let mut shown = text.to_vec();
            if tty {
                shown = if was_decoded {
                    tty_safe_decoded(&shown)
                } else {
                    tty_safe(&shown)
                };
            }
            shown.push(b'\n');
            output::bytes(&shown);
            lineb = text.iter().all(|&b| b == b' ' || b == b'\t');
            lines += 1;
        }
    }
    true
}

/// `next`: with a list, the first listed message after dot (wrapping);
/// without, the next undeleted, unsaved message (the current one when no
/// command has run yet).
pub(crate) fn next(s: &mut Session, st: &mut ReadState, msgvec: &[usize]) -> bool {
    if !msgvec.is_empty() {
        // The list is in display order (file order unless sorted).
        let pdot = st.order.pos(st.dot);
        let start = msgvec
            .iter()
            .position(|&m| st.order.pos(m - 1) > pdot)
            .unwrap_or(0);
        let n = msgvec.len();
        let mut k = start;
        loop {
            let m = msgvec[k];
            if !st.flags(m - 1).contains(MsgFlags::DELETED) {
                st.dot = m - 1;
                let d = st.dot + 1;
                return type1(s, st, &[d], true, false);
            }
            k = (k + 1) % n;
            if k == start {
                break;
            }
        }
        outln!("No messages applicable");
        return false;
    }
    if st.sawcom {
        let mut found = None;
        for p in st.order.pos(st.dot) + 1..st.count() {
            let i = st.order.at(p);
            if !st.flags(i).intersects(MsgFlags::DELETED | MsgFlags::SAVED) {
                found = Some(i);
                break;
            }
        }
        match found {
            None => {
                outln!("At EOF");
                return true;
            }
            Some(i) => st.dot = i,
        }
    }
    let d = st.dot + 1;
    type1(s, st, &[d], true, false)
}

/// `size`: `N: LINES/BYTES` per message.
pub(crate) fn size(st: &ReadState, msgvec: &[usize]) -> bool {
    for &m in msgvec {
        outln!("{m}: {}/{}", st.mb.lines(m - 1), st.mb.size(m - 1));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::displayed_rows;

    #[test]
    fn rows_count_wrapped_lines_and_wide_characters() {
        assert_eq!(displayed_rows(b"a\nb\n", 80), 2);
        assert_eq!(displayed_rows(b"\n\n", 80), 2);
        assert_eq!(displayed_rows("漢字漢字漢\n".as_bytes(), 4), 3);
        assert_eq!(displayed_rows(b"\tx\n", 8), 2);
    }
}
