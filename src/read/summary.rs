//! The header summary: one line per message (bsd-mailx's `printhead`,
//! `"%c%c%3d %-17.17s  %16.16s %4d/%-5d %s"` cut to the screen width), the
//! screens of them (`headers`, `z`), and `from`.
//!
//! Text shown in the line goes through [`safe_text`] (`term::text`):
//! - in a UTF-8 locale, real characters are shown and fields are padded and
//!   cut by display width ([`char_width`]); control characters are shown as `^X`
//!   (bsd-mailx lets backspace, bell and CR through), C1 controls as `M^X`,
//!   bidi embeddings, overrides and isolates as `<U+202E>`,
//!   bytes that are not UTF-8 in vis(3) `M-x` form;
//! - in any other locale, the bytes are encoded exactly as bsd-mailx's
//!   `strnvis(VIS_SAFE|VIS_NOSLASH)` does, and fields are padded and cut by
//!   bytes.
//!
//! For pure-ASCII headers both give bsd-mailx's bytes (apart from the three
//! control characters above). [`decode_header`] decodes RFC 2047 words in
//! the sender and subject (`mimeview`) when the locale can show the result;
//! bidi controls are shown as `<U+202E>` in a UTF-8 locale.

use super::order::{Order, marks_in, tree_marks};
use super::{CachedHeaders, ReadState, headline};
use crate::mailbox::{Folder, MsgFlags};
use crate::mimeview::{Term, decode_words, term, to_terminal};
use crate::session::Session;
use crate::term::signals::take_interrupt;
use crate::term::text::{char_width, safe_text};
use crate::{locale, names, outln, output};
use std::borrow::Cow;

/// RFC 2047 decoding of a header value shown in the summary
/// (`mimeview::decode_words`) when the terminal charset can show the
/// result; in the C locale the value is unchanged (bsd-mailx shows encoded
/// words raw). Returns the bytes to give to [`safe_text`].
/// `t` is the terminal charset (`mimeview::term`, asked once per listing).
fn decode_header(raw: &[u8], t: Term) -> Vec<u8> {
    match t {
        Term::Raw => raw.to_vec(),
        Term::Utf8 => decode_words(raw).into_bytes(),
        // safe_text vis-encodes 8-bit bytes outside UTF-8 locales: show
        // what is ASCII and `?` for the rest rather than M- sequences.
        t @ Term::Legacy(_) => to_terminal(&decode_words(raw), t)
            .into_iter()
            .map(|c| if c.is_ascii() { c } else { b'?' })
            .collect(),
    }
}

/// What the summary shows of a sender or subject: `safe_text` of
/// [`decode_header`]. Printable ASCII without an encoded word (most
/// headers) is shown as it is in the C and UTF-8 locales: borrowed then.
fn shown(raw: &[u8], t: Term, utf8: bool) -> Cow<'_, str> {
    if matches!(t, Term::Raw | Term::Utf8)
        && plain_ascii(raw)
        && let Ok(text) = std::str::from_utf8(raw)
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(safe_text(&decode_header(raw, t), utf8))
}

/// Printable ASCII (or tab) without `=?` (no encoded word can start).
fn plain_ascii(raw: &[u8]) -> bool {
    let mut prev = 0;
    for &c in raw {
        if !((0x20..0x7f).contains(&c) || c == b'\t') || (prev == b'=' && c == b'?') {
            return false;
        }
        prev = c;
    }
    true
}

/// Appends `n` spaces.
fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// `safe_text` of `raw`, borrowed when it is printable ASCII.
fn shown_plain(raw: &[u8], utf8: bool) -> Cow<'_, str> {
    if raw.iter().all(|&c| (0x20..0x7f).contains(&c) || c == b'\t')
        && let Ok(text) = std::str::from_utf8(raw)
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(safe_text(raw, utf8))
}

/// Appends `n` right-aligned in `w` columns (`{n:w}`), or left-aligned
/// (`{n:<w}`), without the formatting machinery.
fn push_num(out: &mut String, n: u64, w: usize, left: bool) {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    let mut v = n;
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let len = digits.len() - k;
    let pad = w.saturating_sub(len);
    if !left {
        push_spaces(out, pad);
    }
    out.push_str(std::str::from_utf8(&digits[k..]).unwrap_or_default());
    if left {
        push_spaces(out, pad);
    }
}

/// `%-W.Ws` (left) or `%W.Ws` (right): cut to `w` columns, pad to `w`.
/// Counts bytes when `utf8` is false (as printf does), columns otherwise.
#[cfg(test)]
fn field(s: &str, w: usize, left: bool, utf8: bool) -> String {
    let mut out = String::new();
    push_field(&mut out, s, w, left, utf8);
    out
}

/// [`field`] appended to `out`.
fn push_field(out: &mut String, s: &str, w: usize, left: bool, utf8: bool) {
    let (cut, used) = cut_to(s, w, utf8);
    let pad = w - used;
    if !left {
        push_spaces(out, pad);
    }
    out.push_str(cut);
    if left {
        push_spaces(out, pad);
    }
}

/// The longest prefix of `s` that fits in `w` columns (or bytes), and its size.
fn cut_to(s: &str, w: usize, utf8: bool) -> (&str, usize) {
    if !utf8 || (s.is_ascii() && memchr::memchr(0, s.as_bytes()).is_none()) {
        // ASCII without NUL: one column per byte.
        // The non-UTF-8 text is ASCII (vis output), so bytes are chars.
        let n = s.len().min(w);
        let mut n2 = n;
        while !s.is_char_boundary(n2) {
            n2 -= 1;
        }
        return (&s[..n2], n2);
    }
    let mut used = 0;
    for (i, ch) in s.char_indices() {
        let cw = char_width(ch);
        if used + cw > w {
            return (&s[..i], used);
        }
        used += cw;
    }
    (s, used)
}

/// Is this message from the user (for `showto`)? bsd-mailx removes the
/// login name (with `allnet`, any `login@host`) and the alternates from the
/// sender and looks for a rest.
fn from_me(s: &Session, from: &str) -> bool {
    let names = names::extract(from, names::Kind::To);
    !names.iter().any(|n| !names::is_me(s, &n.name))
}

/// What a summary line depends on besides the message, taken from the
/// session once (so lines can be made in another thread).
pub(crate) struct LineCtx {
    utf8: bool,
    /// What the terminal's charset can show (`mimeview::term`).
    term: Term,
    showname: bool,
    showto: bool,
    show_rcpt: bool,
    width: usize,
    /// The current message (0-based): its line starts with `>`.
    dot: usize,
}

impl LineCtx {
    pub fn new(s: &Session, st: &ReadState) -> LineCtx {
        LineCtx {
            utf8: locale::is_utf8(),
            term: term(),
            showname: s.is_set("showname"),
            showto: s.is_set("showto"),
            show_rcpt: s.is_set("show-rcpt"),
            width: s.screen_width,
            dot: st.dot,
        }
    }
}

/// The summary line of message `mesg` (1-based), without the newline.
pub(crate) fn headline(s: &Session, st: &ReadState, mesg: usize) -> String {
    if let Some(cx) = headline::Ctx::new(s, st) {
        return headline::line(&cx, s, st, mesg);
    }
    let ctx = LineCtx::new(s, st);
    // Only what a summary reads (an mbox keeps it from its scan, a
    // Maildir's header cache has it), not the one-message cache other
    // commands share; the whole header block for `To` (`showto`,
    // `show-rcpt`).
    let h = if ctx.showto || ctx.show_rcpt {
        CachedHeaders::read(&*st.mb, mesg - 1)
    } else {
        CachedHeaders::read_summary(&*st.mb, mesg - 1)
    };
    let marks = tree_marks(st, mesg);
    let mut line = String::new();
    push_line(
        &mut line,
        &ctx,
        &*st.mb,
        &st.order,
        mesg,
        &marks,
        h.as_ref(),
        &|from| from_me(s, from),
    );
    line
}

/// The summary line of message `mesg` of `mb` from its header block `h`
/// (`None`: unreadable, shown with empty fields). `marks` (the thread
/// tree marks, usually empty) go before the subject. `from_me` is asked
/// only with `showto` or `show-rcpt`. Reads only the fields of
/// `mailbox::kept::SUMMARY_FIELDS` and the envelope, plus `To` with
/// `showto` or `show-rcpt` (then `h` is the whole header block).
/// Appended to `line` (one buffer for many lines).
#[allow(clippy::too_many_arguments)]
fn push_line(
    line: &mut String,
    ctx: &LineCtx,
    mb: &dyn Folder,
    order: &Order,
    mesg: usize,
    marks: &str,
    h: Option<&CachedHeaders>,
    from_me: &dyn Fn(&str) -> bool,
) {
    let i = mesg - 1;
    let f = mb.flags(i);
    let utf8 = ctx.utf8;
    let subj = h.and_then(|h| h.subject_cow()).unwrap_or_default();
    let start = line.len();
    let curind = if ctx.dot == i { '>' } else { ' ' };
    let mut dispc = ' ';
    if f.contains(MsgFlags::SAVED) {
        dispc = '*';
    }
    if f.contains(MsgFlags::PRESERVE) {
        dispc = 'P';
    }
    if (f & (MsgFlags::READ | MsgFlags::NEW)) == MsgFlags::NEW {
        dispc = 'N';
    }
    if (f & (MsgFlags::READ | MsgFlags::NEW)).is_empty() {
        dispc = 'U';
    }
    if f.contains(MsgFlags::MBOX) {
        dispc = 'M';
    }
    // Threads (s-nail's marks): `+` a collapsed thread, `-` a reply in one.
    if let Some(t) = order.threads() {
        if t.is_collapsed(i) {
            dispc = '+';
        } else if t.is_under_collapsed(i) {
            dispc = '-';
        }
    }
    // With `showname` the display name stands for the sender, also in the
    // "is it from me" test (Debian patch 11).
    let mut from_bytes = h.map(|h| h.nameof(0)).unwrap_or_default().into_bytes();
    if ctx.showname
        && let Some(n) = h.and_then(display_name)
    {
        from_bytes = n;
    }
    // The To: field and the "from me" test matter only with `showto` or
    // `show-rcpt`: skip them otherwise (this line is made for every
    // message of `from *`).
    let to = if ctx.showto || ctx.show_rcpt {
        h.and_then(|h| h.hfield_raw("to"))
            .map(|t| names::skin(&String::from_utf8_lossy(&t)))
    } else {
        None
    };
    let show_to = to.is_some()
        && if from_me(&String::from_utf8_lossy(&from_bytes)) {
            ctx.showto
        } else {
            ctx.show_rcpt
        };
    let (name, is_to) = match (to, show_to) {
        (Some(t), true) => (t.into_bytes(), true),
        _ => (from_bytes, false),
    };
    let visname = shown(&name, ctx.term, utf8);
    let vissub = shown(&subj, ctx.term, utf8);
    let date = shown_plain(h.map(|h| h.envelope_date()).unwrap_or_default(), utf8);
    line.reserve(64 + vissub.len());
    line.push(curind);
    line.push(dispc);
    push_num(line, mesg as u64, 3, false);
    if is_to {
        line.push_str(" TO ");
        push_field(line, &visname, 14, true, utf8);
    } else {
        line.push(' ');
        push_field(line, &visname, 17, true, utf8);
    }
    line.push_str("  ");
    push_field(line, &date, 16, false, utf8);
    line.push(' ');
    push_num(line, mb.lines(i), 4, false);
    line.push('/');
    push_num(line, mb.size(i), 5, true);
    line.push(' ');
    line.push_str(marks);
    line.push_str(&vissub);
    // A character takes no more columns than it has bytes: a line of at
    // most `width` bytes fits.
    if line.len() - start > ctx.width {
        let n = cut_to(&line[start..], ctx.width, utf8).0.len();
        line.truncate(start + n);
    }
}

/// `showname`: the display-name part of the From: field (Debian patch 11):
/// the text before `<`, without quotes. Other forms show the address.
fn display_name(h: &CachedHeaders) -> Option<Vec<u8>> {
    let from = h.hfield_raw("from")?;
    let lt = from.iter().position(|&c| c == b'<')?;
    let mut name = from[..lt].trim_ascii();
    while let Some(n) = name.strip_prefix(b"\"") {
        name = n;
    }
    while let Some(n) = name.strip_suffix(b"\"") {
        name = n;
    }
    let name = name.trim_ascii();
    (!name.is_empty()).then(|| name.to_vec())
}

/// Prints the summary lines of the messages of `list` (1-based) in order.
/// Long lists are made by two threads, a batch each in turn (each reads
/// its messages' header blocks and formats their lines), and printed by
/// this one. With `interruptible`, ^C stops the listing (bsd-mailx's
/// `Interrupt`); returns false then.
pub(crate) fn print_lines(
    s: &Session,
    st: &ReadState,
    list: &[usize],
    interruptible: bool,
) -> bool {
    /// Shorter lists, or `showto`/`show-rcpt` (they ask the session who
    /// "me" is), are done here alone.
    const PARALLEL_MIN: usize = 200;
    if let Some(cx) = headline::Ctx::new(s, st) {
        return headline::print(s, st, &cx, list, interruptible);
    }
    let ctx = LineCtx::new(s, st);
    let print = |line: &str| -> bool {
        if interruptible && take_interrupt() {
            output::flush();
            output::err_line("Interrupt");
            return false;
        }
        output::bytes(line.as_bytes());
        true
    };
    if list.len() < PARALLEL_MIN || ctx.showto || ctx.show_rcpt {
        return list.iter().all(|&m| {
            let mut line = headline(s, st, m);
            line.push('\n');
            print(&line)
        });
    }
    // The codeset is read with setlocale once, before any thread exists.
    let _ = locale::charset();
    let mb = &*st.mb;
    let order = &st.order;
    let make = |chunk: &[usize]| -> String {
        let mut text = String::with_capacity(chunk.len() * 96);
        let mut h = CachedHeaders::empty();
        for &m in chunk {
            // Only the fields a summary line reads (no `to`: not with
            // `showto` or `show-rcpt`, see above).
            let ok = h.refill_summary(mb, m - 1);
            let marks = marks_in(order, mb, m, ctx.utf8);
            push_line(
                &mut text,
                &ctx,
                mb,
                order,
                m,
                &marks,
                ok.then_some(&h),
                &|_| false,
            );
            text.push('\n');
        }
        text
    };
    in_two_threads(list, &make, print)
}

/// The lines `make` gives for the messages of `list`, in order, each given
/// to `print` (which returns false to stop): `make` runs in two threads, a
/// batch each in turn, while this one prints. A batch's lines come as one
/// string, each line with its newline (one buffer handed over and freed
/// instead of one per line: 7 % less CPU for `from *` on 10,000
/// messages). Returns false if stopped.
pub(crate) fn in_two_threads(
    list: &[usize],
    make: &(dyn Fn(&[usize]) -> String + Sync),
    mut print: impl FnMut(&str) -> bool,
) -> bool {
    const BATCH: usize = 256;
    std::thread::scope(|sc| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<String>(2);
        let helper = std::thread::Builder::new().spawn_scoped(sc, move || {
            for chunk in list.chunks(BATCH).skip(1).step_by(2) {
                if tx.send(make(chunk)).is_err() {
                    // The printer stopped (^C).
                    break;
                }
            }
        });
        for (k, chunk) in list.chunks(BATCH).enumerate() {
            let text = if k % 2 == 1 && helper.is_ok() {
                rx.recv().unwrap_or_else(|_| make(chunk))
            } else {
                make(chunk)
            };
            if !text.split_inclusive('\n').all(&mut print) {
                return false;
            }
        }
        true
    })
}

/// Prints the summary line of one message.
pub(crate) fn printhead(s: &Session, st: &mut ReadState, mesg: usize) {
    let mut line = headline(s, st, mesg);
    line.push('\n');
    output::bytes(line.as_bytes());
}

/// Headers per screen: `screen` if > 0, else the screen height − 4.
pub(crate) fn screensize(s: &Session) -> usize {
    if let Some(v) = s.value("screen") {
        let n = super::atoi(v);
        if n > 0 {
            return n as usize;
        }
    }
    s.screen_height.saturating_sub(4)
}

/// `headers`: the screen holding the first listed message. Returns false
/// (an error) when the screen is empty.
pub(crate) fn headers(s: &mut Session, st: &mut ReadState, msgvec: &[usize]) -> bool {
    let size = screensize(s);
    let count = st.count();
    let n = msgvec.first().copied().unwrap_or(0);
    // Screens are runs of the display order (file order unless sorted).
    if n != 0 && size > 0 {
        st.screen = st.order.pos(n - 1) / size;
    }
    let mut start = st.screen * size;
    if start >= count {
        start = count.saturating_sub(size);
    }
    if n == 0 || st.dot != n - 1 {
        st.dot = st.order.at(start);
    }
    let mut shown = 0;
    let mut out = Vec::new();
    for p in start..count {
        let i = st.order.at(p);
        if st.flags(i).contains(MsgFlags::DELETED) || st.order.hidden(i, st.flags(i), st.dot) {
            continue;
        }
        if shown >= size {
            break;
        }
        shown += 1;
        out.push(i + 1);
    }
    // One `headline` context for the screen: a threaded reply's repeated
    // subject is left out relative to the line before it.
    let hl = headline::Ctx::new(s, st).map(headline::Ctx::hiding_repeats);
    for m in out {
        // ^C stops the listing (bsd-mailx's hdrint).
        if take_interrupt() {
            output::flush();
            output::err_line("\nInterrupt");
            break;
        }
        match &hl {
            Some(cx) => {
                let mut line = headline::line(cx, s, st, m);
                line.push('\n');
                output::bytes(line.as_bytes());
            }
            None => printhead(s, st, m),
        }
    }
    if shown == 0 {
        outln!("No more mail.");
        return false;
    }
    true
}

/// `z`, `z+`, `z-`.
pub(crate) fn scroll(s: &mut Session, st: &mut ReadState, arg: &str) -> bool {
    let size = screensize(s);
    let maxscreen = st.count().saturating_sub(1).checked_div(size).unwrap_or(0);
    match arg.chars().next() {
        None | Some('+') => {
            if st.screen >= maxscreen {
                outln!("On last screenful of messages");
                return true;
            }
            st.screen += 1;
        }
        Some('-') => {
            if st.screen == 0 {
                outln!("On first screenful of messages");
                return true;
            }
            st.screen -= 1;
        }
        _ => {
            outln!("Unrecognized scrolling command \"{arg}\"");
            return false;
        }
    }
    headers(s, st, &[0])
}

/// `from`: the summary lines of the listed messages; dot goes to the last.
pub(crate) fn from(s: &mut Session, st: &mut ReadState, msgvec: &[usize]) {
    if !print_lines(s, st, msgvec, true) {
        return;
    }
    if let Some(&last) = msgvec.last() {
        st.dot = last - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(field("中文字", 5, true, true), "中文 ");
        assert_eq!(field("ab", 4, false, true), "  ab");
    }

    /// `push_line` leaves a line of at most `width` bytes uncut: no
    /// character is wider than its UTF-8 bytes.
    #[test]
    fn columns_at_most_bytes() {
        for ch in (0..=0x10ffff).filter_map(char::from_u32) {
            assert!(char_width(ch) <= ch.len_utf8(), "{:04x}", ch as u32);
        }
    }

    #[test]
    fn numbers_as_fmt() {
        for n in [0u64, 7, 42, 999, 1000, 12345, 123456, u64::MAX] {
            let mut s = String::new();
            push_num(&mut s, n, 4, false);
            push_num(&mut s, n, 5, true);
            assert_eq!(s, format!("{n:4}{n:<5}"));
        }
    }

    /// The shortcut for plain headers gives what decoding and `safe_text`
    /// give.
    #[test]
    fn shown_as_decoded() {
        let cases: [&[u8]; 6] = [
            b"plain subject",
            b"tab\there",
            b"=?utf-8?q?J=C3=B6rg?= x",
            b"a =? b",
            b"ctl\x07",
            b"J\xc3\xb6rg",
        ];
        for t in [Term::Raw, Term::Utf8] {
            for utf8 in [false, true] {
                for raw in cases {
                    assert_eq!(
                        shown(raw, t, utf8),
                        safe_text(&decode_header(raw, t), utf8),
                        "{raw:?}"
                    );
                }
            }
        }
    }
}
