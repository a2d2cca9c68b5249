//! The header summary: one line per message (bsd-mailx's `printhead`,
//! `"%c%c%3d %-17.17s  %16.16s %4d/%-5d %s"` cut to the screen width), the
//! screens of them (`headers`, `z`), and `from`.
//!
//! Text shown in the line goes through [`safe_text`]:
//! - in a UTF-8 locale, real characters are shown and fields are padded and
//!   cut by display width ([`width`]); control characters are shown as `^X`
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

use super::{CachedHeaders, ReadState};
use crate::mailbox::{Folder, MsgFlags};
use crate::session::Session;

/// RFC 2047 decoding of a header value shown in the summary
/// (`mimeview::decode_words`) when the terminal charset can show the
/// result; in the C locale the value is unchanged (bsd-mailx shows encoded
/// words raw). Returns the bytes to give to [`safe_text`].
pub fn decode_header(raw: &[u8]) -> Vec<u8> {
    use crate::mimeview::{Term, decode_words, term, to_terminal};
    match term() {
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

/// vis(3) of one byte in a non-UTF-8 locale (libbsd strnvis with
/// VIS_SAFE|VIS_NOSLASH).
fn vis_byte(out: &mut String, c: u8) {
    match c {
        b'\n' | b'\t' | 8 | 7 | b'\r' => out.push(c as char),
        0x20..=0x7e => out.push(c as char),
        0..=0x1f | 0x7f => ctl(out, c),
        _ => {
            let low = c & 0x7f;
            if low == b' ' {
                out.push_str(&format!("\\{:03o}", c));
            } else if low < 0x20 || low == 0x7f {
                out.push('M');
                ctl(out, low);
            } else {
                out.push_str("M-");
                out.push(low as char);
            }
        }
    }
}

fn ctl(out: &mut String, c: u8) {
    out.push('^');
    out.push(if c == 0x7f { '?' } else { (c + b'@') as char });
}

/// Makes header text safe to show on a terminal (see the module comment).
pub fn safe_text(raw: &[u8], utf8: bool) -> String {
    if raw.iter().all(|&c| (0x20..0x7f).contains(&c) || c == b'\t') {
        // Printable ASCII (the common case) is shown as it is in both modes.
        return String::from_utf8(raw.to_vec()).unwrap_or_default();
    }
    let mut out = String::with_capacity(raw.len());
    if !utf8 {
        for &c in raw {
            vis_byte(&mut out, c);
        }
        return out;
    }
    let mut rest = raw;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                push_chars(&mut out, s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                push_chars(&mut out, std::str::from_utf8(good).unwrap_or(""));
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for &c in &bad[..n] {
                    vis_byte(&mut out, c);
                }
                rest = &bad[n..];
            }
        }
    }
    out
}

/// The Unicode bidirectional embeddings, overrides and isolates
/// (U+202A..U+202E, U+2066..U+2069): they change the display order of the
/// text after them. The implicit marks (LRM, RLM, ALM) do not and are shown.
pub fn is_bidi_control(ch: char) -> bool {
    matches!(ch as u32, 0x202a..=0x202e | 0x2066..=0x2069)
}

fn push_chars(out: &mut String, s: &str) {
    for ch in s.chars() {
        let c = ch as u32;
        if ch == '\t' || ch == '\n' {
            out.push(ch);
        } else if c < 0x20 || c == 0x7f {
            ctl(out, c as u8);
        } else if (0x80..0xa0).contains(&c) {
            out.push('M');
            ctl(out, (c & 0x7f) as u8);
        } else if is_bidi_control(ch) {
            // Shown, not obeyed: an override or isolate from a hostile
            // message would reorder the rest of the line on the terminal
            // (CVE-2021-42574, "Trojan Source").
            out.push_str(&format!("<U+{c:04X}>"));
        } else {
            out.push(ch);
        }
    }
}

/// Display width of a character on a terminal: 0 for combining marks and
/// zero-width characters, 2 for East Asian wide and fullwidth characters
/// and emoji, 1 otherwise.
pub fn char_width(ch: char) -> usize {
    let c = ch as u32;
    if c < 0x300 {
        // Latin: one column (NUL none); the tables below start at U+0300.
        return usize::from(c != 0);
    }
    let zero = matches!(c,
        0x0300..=0x036f | 0x0483..=0x0489 | 0x0591..=0x05bd | 0x05bf | 0x05c1..=0x05c2
        | 0x05c4..=0x05c5 | 0x05c7 | 0x0610..=0x061a | 0x064b..=0x065f | 0x0670
        | 0x06d6..=0x06dc | 0x06df..=0x06e4 | 0x06e7..=0x06e8 | 0x06ea..=0x06ed
        | 0x0900..=0x0902 | 0x093a | 0x093c | 0x0941..=0x0948 | 0x094d | 0x0951..=0x0957
        | 0x0e31 | 0x0e34..=0x0e3a | 0x0e47..=0x0e4e | 0x1ab0..=0x1aff | 0x1dc0..=0x1dff
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x20d0..=0x20ff
        | 0xfe00..=0xfe0f | 0xfe20..=0xfe2f | 0xfeff | 0xe0100..=0xe01ef);
    if zero {
        return 0;
    }
    let wide = matches!(c,
        0x1100..=0x115f | 0x231a..=0x231b | 0x2329..=0x232a | 0x23e9..=0x23ec | 0x23f0
        | 0x23f3 | 0x25fd..=0x25fe | 0x2614..=0x2615 | 0x2648..=0x2653 | 0x267f | 0x2693
        | 0x26a1 | 0x26aa..=0x26ab | 0x26bd..=0x26be | 0x26c4..=0x26c5 | 0x26ce | 0x26d4
        | 0x26ea | 0x26f2..=0x26f3 | 0x26f5 | 0x26fa | 0x26fd | 0x2705 | 0x270a..=0x270b
        | 0x2728 | 0x274c | 0x274e | 0x2753..=0x2755 | 0x2757 | 0x2795..=0x2797 | 0x27b0
        | 0x27bf | 0x2b1b..=0x2b1c | 0x2b50 | 0x2b55 | 0x2e80..=0x303e | 0x3041..=0x33ff
        | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xa000..=0xa4cf | 0xa960..=0xa97f
        | 0xac00..=0xd7a3 | 0xf900..=0xfaff | 0xfe10..=0xfe19 | 0xfe30..=0xfe6f
        | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x1f300..=0x1f64f | 0x1f900..=0x1f9ff
        | 0x1f680..=0x1f6ff | 0x20000..=0x2fffd | 0x30000..=0x3fffd);
    if wide { 2 } else { 1 }
}

/// Display width of a string.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
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
        out.extend(std::iter::repeat_n(' ', pad));
    }
    out.push_str(cut);
    if left {
        out.extend(std::iter::repeat_n(' ', pad));
    }
}

/// The longest prefix of `s` that fits in `w` columns (or bytes), and its size.
fn cut_to(s: &str, w: usize, utf8: bool) -> (&str, usize) {
    if !utf8 || s.bytes().all(|b| b != 0 && b < 0x80) {
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
    let names = crate::names::extract(from, crate::names::Kind::To);
    !names.iter().any(|n| !crate::names::is_me(s, &n.name))
}

/// What a summary line depends on besides the message, taken from the
/// session once (so lines can be made in another thread).
pub struct LineCtx {
    utf8: bool,
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
            utf8: crate::locale::is_utf8(),
            showname: s.is_set("showname"),
            showto: s.is_set("showto"),
            show_rcpt: s.is_set("show-rcpt"),
            width: s.screen_width,
            dot: st.dot,
        }
    }
}

/// The summary line of message `mesg` (1-based), without the newline.
pub fn headline(s: &Session, st: &ReadState, mesg: usize) -> String {
    let ctx = LineCtx::new(s, st);
    let h = st.cached_headers(mesg - 1);
    format_line(&ctx, &*st.mb, mesg, h.as_deref(), &|from| from_me(s, from))
}

/// The summary line of message `mesg` of `mb` from its header block `h`
/// (`None`: unreadable, shown with empty fields). `from_me` is asked only
/// with `showto` or `show-rcpt`.
fn format_line(
    ctx: &LineCtx,
    mb: &dyn Folder,
    mesg: usize,
    h: Option<&CachedHeaders>,
    from_me: &dyn Fn(&str) -> bool,
) -> String {
    let i = mesg - 1;
    let f = mb.flags(i);
    let utf8 = ctx.utf8;
    let subj = h.and_then(|h| h.subject_raw()).unwrap_or_default();
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
    // With `showname` the display name stands for the sender, also in the
    // "is it from me" test (Debian patch 11).
    let mut from = h.map(|h| h.nameof(0)).unwrap_or_default();
    let mut from_bytes = from.clone().into_bytes();
    if ctx.showname
        && let Some(n) = h.and_then(display_name)
    {
        from = String::from_utf8_lossy(&n).into_owned();
        from_bytes = n;
    }
    // The To: field and the "from me" test matter only with `showto` or
    // `show-rcpt`: skip them otherwise (this line is made for every
    // message of `from *`).
    let to = if ctx.showto || ctx.show_rcpt {
        h.and_then(|h| h.hfield_raw("to"))
            .map(|t| crate::names::skin(&String::from_utf8_lossy(&t)))
    } else {
        None
    };
    let show_to = to.is_some()
        && if from_me(&from) {
            ctx.showto
        } else {
            ctx.show_rcpt
        };
    let (name, is_to) = match (to, show_to) {
        (Some(t), true) => (t.into_bytes(), true),
        _ => (from_bytes, false),
    };
    let visname = safe_text(&decode_header(&name), utf8);
    let vissub = safe_text(&decode_header(&subj), utf8);
    let date = safe_text(h.map(|h| h.from_date()).unwrap_or_default(), utf8);
    let mut line = String::with_capacity(64 + vissub.len());
    line.push(curind);
    line.push(dispc);
    use std::fmt::Write as _;
    let _ = write!(line, "{mesg:3}");
    if is_to {
        line.push_str(" TO ");
        push_field(&mut line, &visname, 14, true, utf8);
    } else {
        line.push(' ');
        push_field(&mut line, &visname, 17, true, utf8);
    }
    line.push_str("  ");
    push_field(&mut line, &date, 16, false, utf8);
    let _ = write!(line, " {:4}/{:<5} ", mb.lines(i), mb.size(i));
    line.push_str(&vissub);
    let n = cut_to(&line, ctx.width, utf8).0.len();
    line.truncate(n);
    line
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
pub fn print_lines(s: &Session, st: &ReadState, list: &[usize], interruptible: bool) -> bool {
    /// Shorter lists, or `showto`/`show-rcpt` (they ask the session who
    /// "me" is), are done here alone.
    const PARALLEL_MIN: usize = 200;
    const BATCH: usize = 256;
    let ctx = LineCtx::new(s, st);
    let print = |line: String| -> bool {
        if interruptible && crate::signals::take_interrupt() {
            crate::output::flush();
            crate::output::err_line("Interrupt");
            return false;
        }
        crate::output::bytes(line.as_bytes());
        crate::output::bytes(b"\n");
        true
    };
    if list.len() < PARALLEL_MIN || ctx.showto || ctx.show_rcpt {
        return list.iter().all(|&m| print(headline(s, st, m)));
    }
    // The codeset is read with setlocale once, before any thread exists.
    let _ = crate::locale::charset();
    let mb = &*st.mb;
    let make = |chunk: &[usize]| -> Vec<String> {
        chunk
            .iter()
            .map(|&m| {
                let h = CachedHeaders::read(mb, m - 1);
                format_line(&ctx, mb, m, h.as_ref(), &|_| false)
            })
            .collect()
    };
    std::thread::scope(|sc| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<String>>(2);
        let make = &make;
        let helper = std::thread::Builder::new().spawn_scoped(sc, move || {
            for chunk in list.chunks(BATCH).skip(1).step_by(2) {
                if tx.send(make(chunk)).is_err() {
                    // The printer stopped (^C).
                    break;
                }
            }
        });
        for (k, chunk) in list.chunks(BATCH).enumerate() {
            let lines = if k % 2 == 1 && helper.is_ok() {
                rx.recv().unwrap_or_else(|_| make(chunk))
            } else {
                make(chunk)
            };
            if !lines.into_iter().all(print) {
                return false;
            }
        }
        true
    })
}

/// Prints the summary line of one message.
pub fn printhead(s: &Session, st: &mut ReadState, mesg: usize) {
    let mut line = headline(s, st, mesg);
    line.push('\n');
    crate::output::bytes(line.as_bytes());
}

/// Headers per screen: `screen` if > 0, else the screen height − 4.
pub fn screensize(s: &Session) -> usize {
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
pub fn headers(s: &mut Session, st: &mut ReadState, msgvec: &[usize]) -> bool {
    let size = screensize(s);
    let count = st.count();
    let n = msgvec.first().copied().unwrap_or(0);
    if n != 0 && size > 0 {
        st.screen = (n - 1) / size;
    }
    let mut start = st.screen * size;
    if start >= count {
        start = count.saturating_sub(size);
    }
    if n == 0 || st.dot != n - 1 {
        st.dot = start;
    }
    let mut shown = 0;
    let mut out = Vec::new();
    for i in start..count {
        if st.flags(i).contains(MsgFlags::DELETED) {
            continue;
        }
        if shown >= size {
            break;
        }
        shown += 1;
        out.push(i + 1);
    }
    for m in out {
        // ^C stops the listing (bsd-mailx's hdrint).
        if crate::signals::take_interrupt() {
            crate::output::flush();
            crate::output::err_line("\nInterrupt");
            break;
        }
        printhead(s, st, m);
    }
    if shown == 0 {
        crate::outln!("No more mail.");
        return false;
    }
    true
}

/// `z`, `z+`, `z-`.
pub fn scroll(s: &mut Session, st: &mut ReadState, arg: &str) -> bool {
    let size = screensize(s);
    let maxscreen = st.count().saturating_sub(1).checked_div(size).unwrap_or(0);
    match arg.chars().next() {
        None | Some('+') => {
            if st.screen >= maxscreen {
                crate::outln!("On last screenful of messages");
                return true;
            }
            st.screen += 1;
        }
        Some('-') => {
            if st.screen == 0 {
                crate::outln!("On first screenful of messages");
                return true;
            }
            st.screen -= 1;
        }
        _ => {
            crate::outln!("Unrecognized scrolling command \"{arg}\"");
            return false;
        }
    }
    headers(s, st, &[0])
}

/// `from`: the summary lines of the listed messages; dot goes to the last.
pub fn from(s: &mut Session, st: &mut ReadState, msgvec: &[usize]) {
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
    fn vis_matches_libbsd_in_c_locale() {
        let raw = b"A\x01B\x7fC\x80D\xa0E\xc3\xbcF\x08G\x1bH\\";
        assert_eq!(safe_text(raw, false), "A^AB^?CM^@D\\240EM-CM-<F\x08G^[H\\");
    }

    #[test]
    fn utf8_shows_characters_and_escapes_controls() {
        assert_eq!(safe_text("Grüße\x1b\x08".as_bytes(), true), "Grüße^[^H");
        assert_eq!(safe_text(b"x\xc2\x85y\xffz", true), "xM^EyM^?z");
    }

    /// Random bytes (a fixed LCG; the fuzz target `terminal_text` does the
    /// same with coverage guidance): no ESC, C1 or bidi control survives.
    #[test]
    fn safe_text_never_emits_escapes() {
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        };
        let specials: [&[u8]; 6] = [
            b"\x1b[31m",
            b"\xc2\x9b",
            b"\x9b",
            b"\xe2\x80\xae",
            b"\xe2\x81\xa6",
            b"\xc2\x85",
        ];
        for _ in 0..5000 {
            let mut v = Vec::new();
            for _ in 0..(next() % 40) {
                let r = next();
                if r < 64 {
                    v.extend_from_slice(specials[r as usize % specials.len()]);
                } else {
                    v.push(next());
                }
            }
            let u = safe_text(&v, true);
            assert!(!u.contains('\u{1b}'), "{v:?}");
            assert!(
                !u.chars()
                    .any(|c| ('\u{80}'..'\u{a0}').contains(&c) || is_bidi_control(c)),
                "{v:?} -> {u:?}"
            );
            let c = safe_text(&v, false);
            assert!(
                !c.bytes().any(|b| b == 0x1b || (0x80..0xa0).contains(&b)),
                "{v:?} -> {c:?}"
            );
        }
    }

    #[test]
    fn bidi_controls_are_shown() {
        assert_eq!(
            safe_text("a\u{202E}b\u{2066}c".as_bytes(), true),
            "a<U+202E>b<U+2066>c"
        );
    }

    #[test]
    fn widths() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("中文"), 4);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(field("中文字", 5, true, true), "中文 ");
        assert_eq!(field("ab", 4, false, true), "  ab");
    }
}
