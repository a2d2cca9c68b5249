//! s-nail's configurable summary line: the `headline` variable's `%`
//! specifiers, and `datefield`/`datefield-markout-older` for its date.
//! Used only when `headline` is set; otherwise `summary` makes bsd-mailx's
//! fixed line.
//!
//! The layout rules are s-nail 14.9's, checked against it byte for byte
//! (tests/headline_diff.rs):
//! - the line has the screen width − 1 columns; literal text in the format
//!   is counted first, then each specifier uses what is left and the line
//!   ends after the specifier that uses the last column;
//! - `%N…` is a right-aligned field of N columns, `%-N…` left-aligned;
//!   without N a specifier has its own default (`%f` 18, `%d` 16, `%l` 4,
//!   `%o` −5, `%m` and `%t` 3, `%e` 2), and `%s`/`%S` take what the other
//!   fields' widths and the literal text leave;
//! - numbers and the date are padded and cut as printf does (bytes), names
//!   and the subject by display width.
//!
//! Text from the message: in a UTF-8 locale RFC 2047 words are decoded,
//! control characters shown as their Unicode control pictures (U+2401…),
//! bidi controls and zero-width characters dropped; in other locales the
//! words are decoded but not converted and every byte that is not
//! printable ASCII is shown as `?`.

use super::order::tree_marks;
use super::{CachedHeaders, ReadState};
use crate::mailbox::{Folder, MsgFlags};
use crate::mimeview::{decode_words, decode_words_unconverted};
use crate::names;
use crate::read::date::parse_rfc5322;
use crate::session::Session;
use crate::sys::{localtime, strftime};
use crate::term::signals::take_interrupt;
use crate::term::text::char_width;
use crate::{locale, output};
use std::cell::RefCell;

/// s-nail's default status letters (`attrlist`), and with `bsdflags`.
const ATTRLIST: &str = "NUROSPMFAT+-$~";
const BSD_ATTRLIST: &str = "NU  *HMFAT+-$~";

/// What the lines of one listing depend on besides the message.
pub(crate) struct Ctx {
    fmt: String,
    utf8: bool,
    plain: bool,
    attr: Vec<char>,
    showname: bool,
    showto: bool,
    datefield: Option<String>,
    markout: Option<String>,
    now: i64,
    /// The line's columns: the screen width less one (s-nail).
    width: i64,
    dot: usize,
    /// In a header screen (`headers`, not `from`): the reply-stripped
    /// subject of the last line that had one (s-nail leaves out a threaded
    /// reply's subject that repeats it). None elsewhere.
    last_subject: Option<RefCell<Option<String>>>,
}

impl Ctx {
    /// The context of a listing, or None when `headline` is not set.
    pub(crate) fn new(s: &Session, st: &ReadState) -> Option<Ctx> {
        let fmt = s.value("headline")?.to_string();
        let attr = match s.value("attrlist") {
            Some(a) if a.chars().count() == 14 => a,
            _ if s.is_set("bsdflags") => BSD_ATTRLIST,
            _ => ATTRLIST,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Some(Ctx {
            fmt,
            utf8: locale::is_utf8(),
            plain: s.is_set("headline-plain"),
            attr: attr.chars().collect(),
            showname: s.is_set("showname"),
            showto: s.is_set("showto"),
            datefield: s.vars.get_or_default("datefield").map(str::to_string),
            markout: s
                .vars
                .get_or_default("datefield-markout-older")
                .map(str::to_string),
            now,
            width: s.screen_width.max(1) as i64 - 1,
            dot: st.dot,
            last_subject: None,
        })
    }
}

impl Ctx {
    /// The context of a header screen: a threaded reply's subject that
    /// repeats the one of the line before is left out (s-nail's `headers`).
    pub(crate) fn hiding_repeats(mut self) -> Ctx {
        self.last_subject = Some(RefCell::new(None));
        self
    }
}

/// The summary line of message `mesg` (1-based) by the `headline` format.
pub(crate) fn line(cx: &Ctx, s: &Session, st: &ReadState, mesg: usize) -> String {
    let h = st.cached_headers(mesg - 1);
    let tree = tree_marks(st, mesg);
    let reply = st.order.threads().is_some_and(|t| t.level(mesg - 1) > 0);
    format(cx, &*st.mb, mesg, h.as_deref(), &tree, reply, &|a| {
        names::is_me(s, a)
    })
}

/// Prints the lines of `list` (1-based); ^C stops with `interruptible`.
/// Returns false when stopped.
pub(crate) fn print(
    s: &Session,
    st: &ReadState,
    cx: &Ctx,
    list: &[usize],
    interruptible: bool,
) -> bool {
    for &m in list {
        if interruptible && take_interrupt() {
            output::flush();
            output::err_line("Interrupt");
            return false;
        }
        let mut l = line(cx, s, st, m);
        l.push('\n');
        output::bytes(l.as_bytes());
    }
    true
}

/// One parsed specifier: `%[-|+][N]c`.
struct Spec {
    /// The signed width (0: none given).
    n: i64,
    /// A `-` was given.
    left: bool,
    c: char,
}

/// Splits the format into literal characters and specifiers. A `%` at the
/// end (alone or with a width) ends the format.
fn parse(fmt: &str) -> Vec<Result<char, Spec>> {
    let mut out = Vec::new();
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(Ok(c));
            continue;
        }
        let mut left = false;
        match it.peek() {
            Some('-') => {
                left = true;
                it.next();
            }
            Some('+') => {
                it.next();
            }
            _ => {}
        }
        let mut n: i64 = 0;
        while let Some(d) = it.peek().and_then(|c| c.to_digit(10)) {
            n = n
                .saturating_mul(10)
                .saturating_add(i64::from(d))
                .min(1 << 20);
            it.next();
        }
        let Some(c) = it.next() else { break };
        out.push(Err(Spec {
            n: if left { -n } else { n },
            left,
            c,
        }));
    }
    out
}

/// The lines of every message of `mb` by the format `fmt` on a screen
/// `width` columns wide, with no session (for the fuzz target): the default
/// `datefield`, no `showname`/`showto`, message 1 current.
pub fn lines_for(mb: &dyn Folder, fmt: &str, width: usize, utf8: bool) -> Vec<String> {
    let cx = Ctx {
        fmt: fmt.to_string(),
        utf8,
        plain: false,
        attr: ATTRLIST.chars().collect(),
        showname: false,
        showto: false,
        datefield: Some("%Y-%m-%d %H:%M".into()),
        markout: Some("%Y-%m-%d".into()),
        now: 1_700_000_000,
        width: width.max(1) as i64 - 1,
        dot: 0,
        last_subject: None,
    };
    (1..=mb.len())
        .map(|m| {
            let h = CachedHeaders::read(mb, m - 1);
            format(&cx, mb, m, h.as_ref(), "", false, &|_| false)
        })
        .collect()
}

/// printf `%*s` of `text` (byte counts, as s-nail's printf): pads to |n|
/// bytes, on the left when n > 0. Appends to `out`, returns the bytes.
fn printf_pad(out: &mut String, text: &str, n: i64) -> i64 {
    let w = n.unsigned_abs() as usize;
    let pad = w.saturating_sub(text.len());
    if n > 0 {
        out.extend(std::iter::repeat_n(' ', pad));
    }
    out.push_str(text);
    if n < 0 {
        out.extend(std::iter::repeat_n(' ', pad));
    }
    (text.len() + pad) as i64
}

/// Text from a header made safe and in the form s-nail shows it (see the
/// module comment).
fn shown(raw: &[u8], utf8: bool) -> String {
    // Folded lines are joined (the blank that starts the next one stays).
    let mut unfolded = Vec::with_capacity(raw.len());
    for &b in raw {
        if b == b'\n' {
            if unfolded.last() == Some(&b'\r') {
                unfolded.pop();
            }
            continue;
        }
        unfolded.push(b);
    }
    let raw = &unfolded[..];
    if !utf8 {
        return decode_words_unconverted(raw)
            .into_iter()
            .map(|b| match b {
                b'\t' => ' ',
                0x20..=0x7e => b as char,
                _ => '?',
            })
            .collect();
    }
    let mut out = String::new();
    for ch in decode_words(raw).chars() {
        let c = ch as u32;
        match c {
            0x09 => out.push(' '),
            0x0a => out.push('\n'),
            0..=0x1f => out.push(char::from_u32(0x2400 | c).unwrap_or('?')),
            0x7f => out.push('\u{2421}'),
            0x80..=0x9f | 0x2028 | 0x2029 => out.push('\u{2426}'),
            0x200e
            | 0x200f
            | 0x202a..=0x202e
            | 0x2066..=0x2069
            | 0xad
            | 0x200b..=0x200d
            | 0xfeff => {}
            _ => out.push(ch),
        }
    }
    out
}

/// s-nail's column alignment: the longest start of `text` that fits in
/// `col` columns, padded to `col` (on the left when `fill` > 0).
fn colalign(out: &mut String, text: &str, col: i64, fill: i64, utf8: bool) {
    let col = col.max(0) as usize;
    let mut used = 0;
    let mut cut = String::new();
    for ch in text.chars() {
        let (ch, w) = match ch {
            '\n' => (' ', 1),
            _ if !utf8 => (ch, 1),
            _ => (ch, char_width(ch)),
        };
        if used + w > col {
            break;
        }
        used += w;
        cut.push(ch);
    }
    let pad = col - used;
    if fill > 0 {
        out.extend(std::iter::repeat_n(' ', pad));
    }
    out.push_str(&cut);
    if fill < 0 {
        out.extend(std::iter::repeat_n(' ', pad));
    }
}

/// The status letter of `%a` (s-nail's order of precedence).
fn attr_char(cx: &Ctx, f: MsgFlags) -> char {
    let a = &cx.attr;
    let rn = f & (MsgFlags::READ | MsgFlags::NEW);
    let mut c = ' ';
    if rn == MsgFlags::READ {
        c = a[3];
    }
    if rn == MsgFlags::READ | MsgFlags::NEW {
        c = a[2];
    }
    if f.contains(MsgFlags::ANSWERED) {
        c = a[8];
    }
    if rn == MsgFlags::NEW {
        c = a[0];
    }
    if rn.is_empty() {
        c = a[1];
    }
    if f.contains(MsgFlags::SAVED) {
        c = a[4];
    }
    if f.contains(MsgFlags::PRESERVE) {
        c = a[5];
    }
    if f.contains(MsgFlags::MBOX) {
        c = a[6];
    }
    if f.contains(MsgFlags::FLAGGED) {
        c = a[7];
    }
    c
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// ctime(3) of a broken-down time, without the newline.
fn ctime(tm: &libc::tm) -> String {
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[tm.tm_wday.clamp(0, 6) as usize],
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        i64::from(tm.tm_year) + 1900
    )
}

/// The text of `%d` (before its width is applied).
fn date_text(cx: &Ctx, h: Option<&CachedHeaders>) -> String {
    let envelope =
        || String::from_utf8_lossy(h.map(|h| h.envelope_date()).unwrap_or_default()).into_owned();
    let (Some(fmt), Some(date)) = (&cx.datefield, h.and_then(|h| h.hfield_raw("date"))) else {
        return envelope();
    };
    // A date without a zone is UTC, an unparseable one the epoch, as in
    // s-nail.
    let date = String::from_utf8_lossy(&date);
    let t = parse_rfc5322(&date)
        .or_else(|| parse_rfc5322(&format!("{date} +0000")))
        .map_or(0, |(t, _)| t);
    let tm = localtime(t);
    let ct = ctime(&tm);
    let older = t > cx.now + 86_400 || t + 182 * 86_400 < cx.now;
    let fmt = match &cx.markout {
        Some(m) if older && !m.is_empty() => m.as_str(),
        Some(_) if older => {
            // The plain month, day and year.
            return format!("    {} {}", &ct[4..11], &ct[ct.len() - 4..]);
        }
        _ => fmt.as_str(),
    };
    if fmt.is_empty() {
        return ct;
    }
    strftime(fmt, &tm)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or(ct)
}

/// The sender as `%f` shows it, and whether it is the recipients instead
/// (`showto` on mail from the user).
fn sender(cx: &Ctx, h: Option<&CachedHeaders>, is_me: &dyn Fn(&str) -> bool) -> (String, bool) {
    let Some(h) = h else {
        return (String::new(), false);
    };
    let list = |raw: &[u8]| -> Vec<Vec<u8>> {
        names::split_address_list(raw)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    };
    let mut addrs = h.hfield_raw("from").map(|f| list(&f)).unwrap_or_default();
    if addrs.len() != 1 {
        addrs = h
            .hfield_raw("sender")
            .map(|f| list(&f))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| vec![h.envelope_sender().into_bytes()]);
    }
    let mut isto = false;
    if cx.showto
        && addrs.len() == 1
        && is_me(&names::skin(&String::from_utf8_lossy(&addrs[0])))
        && let Some(to) = h
            .hfield_raw("to")
            .map(|t| list(&t))
            .filter(|l| !l.is_empty())
    {
        addrs = to;
        isto = true;
    }
    let parts: Vec<Vec<u8>> = addrs
        .iter()
        .map(|a| {
            let skinned = names::skin(&String::from_utf8_lossy(a)).into_bytes();
            if cx.showname {
                real_name(a).unwrap_or(skinned)
            } else {
                skinned
            }
        })
        .collect();
    (shown(&parts.join(&b", "[..]), cx.utf8), isto)
}

/// The display name of one address: the text before `<` without quotes,
/// or a `(comment)`. A name of one character does not count: then the
/// whole address is shown, in the form `name <address>` (s-nail's rule).
fn real_name(a: &[u8]) -> Option<Vec<u8>> {
    let lt = a.iter().position(|&c| c == b'<');
    let (name, comment) = if let Some(lt) = lt {
        (&a[..lt], false)
    } else {
        let open = a.iter().position(|&c| c == b'(')?;
        let close = a.iter().rposition(|&c| c == b')')?;
        (a.get(open + 1..close)?, true)
    };
    let name = name.trim_ascii();
    let bare = name.strip_prefix(b"\"").unwrap_or(name);
    let bare = bare.strip_suffix(b"\"").unwrap_or(bare).trim_ascii();
    if bare.is_empty() {
        return None;
    }
    if decode_words(bare).chars().count() > 1 {
        return Some(bare.to_vec());
    }
    let addr = names::skin(&String::from_utf8_lossy(a));
    Some(if comment {
        format!("({}) <{addr}>", String::from_utf8_lossy(bare)).into_bytes()
    } else {
        let mut v = name.to_vec();
        v.extend_from_slice(format!(" <{addr}>").as_bytes());
        v
    })
}

/// s-nail's `UCMP(32, a, >, b)`: the comparison as unsigned 32-bit
/// numbers, so a negative `b` (the literal text already wider than the
/// line) never cuts a field.
fn ucmp_gt(a: i64, b: i64) -> bool {
    (a as i32 as u32) > (b as i32 as u32)
}

/// A one-character field (printf `%*s`, by bytes): cut to what is left;
/// `extra` is the bytes beyond its one column.
fn putc(out: &mut String, wleft: &mut i64, text: &str, n: i64, extra: i64) {
    let n = if ucmp_gt(n.abs(), *wleft) {
        if n < 0 { -*wleft } else { *wleft }
    } else {
        n
    };
    *wleft -= printf_pad(out, text, n) - extra;
}

/// A number field: left out (and the line ended) when it does not fit.
fn number(out: &mut String, wleft: &mut i64, v: u64, n: i64) {
    if ucmp_gt(n.abs(), *wleft) {
        *wleft = 0;
    } else {
        *wleft -= printf_pad(out, &v.to_string(), n);
    }
}

/// A subject without its leading reply markers (s-nail's built-in
/// `Re:`, `Aw:`, `Antw:`, `Wg:`, any case, repeated) and surrounding
/// blanks, in ASCII lower case: what two subjects are compared by.
fn reply_stripped(subject: &str) -> String {
    let mut t = subject.trim();
    'strip: loop {
        for p in ["re:", "aw:", "antw:", "wg:"] {
            if t.len() >= p.len()
                && t.is_char_boundary(p.len())
                && t[..p.len()].eq_ignore_ascii_case(p)
            {
                t = t[p.len()..].trim_start();
                continue 'strip;
            }
        }
        break;
    }
    t.to_ascii_lowercase()
}

/// The line of message `mesg` of `mb` (header block `h`; `tree`: the `%i`
/// marks; `reply`: the message is a reply shown inside a thread, whose
/// subject is left out when it repeats the last one of the listing).
fn format(
    cx: &Ctx,
    mb: &dyn Folder,
    mesg: usize,
    h: Option<&CachedHeaders>,
    tree: &str,
    reply: bool,
    is_me: &dyn Fn(&str) -> bool,
) -> String {
    let i = mesg - 1;
    let items = parse(&cx.fmt);
    let utf8 = cx.utf8;
    let cw = |c: char| {
        if utf8 {
            char_width(c) as i64
        } else {
            c.len_utf8() as i64
        }
    };
    let mut wleft = cx.width;
    let mut subjlen = cx.width;
    for it in &items {
        match it {
            Ok(c) => {
                wleft -= cw(*c);
                subjlen -= cw(*c);
            }
            Err(sp) => subjlen -= sp.n.abs(),
        }
    }
    let isdot = cx.dot == i;
    // s-nail leaves a repeated subject out only where the line shows the
    // thread tree.
    let reply = reply && items.iter().any(|it| matches!(it, Err(sp) if sp.c == 'i'));
    let mut subject: Option<(Option<String>, bool)> = None;
    let mut date: Option<String> = None;
    let mut from: Option<(String, bool)> = None;
    let mut out = String::with_capacity(cx.width.max(0) as usize + 16);
    for it in items {
        let sp = match it {
            Ok(c) => {
                out.push(c);
                continue;
            }
            Err(sp) => sp,
        };
        let mut n = sp.n;
        match sp.c {
            '%' => putc(&mut out, &mut wleft, "%", n, 0),
            '>' | '<' => {
                let (t, extra) = match (isdot, sp.c) {
                    (false, _) => (" ", 0),
                    (true, c) if !utf8 || cx.plain => (if c == '>' { ">" } else { "<" }, 0),
                    (true, '>') => ("\u{25b8}", 2),
                    (true, _) => ("\u{25c2}", 2),
                };
                putc(&mut out, &mut wleft, t, n, extra);
            }
            'a' => {
                let c = attr_char(cx, mb.flags(i)).to_string();
                let extra = c.len() as i64 - 1;
                putc(&mut out, &mut wleft, &c, n, extra);
            }
            // No mailing lists, no spam scores, no IMAP UID here: what
            // s-nail shows for a message without them.
            'L' | 'T' => putc(&mut out, &mut wleft, " ", n, 0),
            '$' => {
                n = if n == 0 { 5 } else { n };
                if ucmp_gt(n.abs(), wleft) {
                    wleft = 0;
                } else {
                    wleft -= printf_pad(&mut out, "0.00", n);
                }
            }
            'U' => number(&mut out, &mut wleft, 0, if n == 0 { 9 } else { n }),
            'd' => {
                n = if n == 0 { 16 } else { n };
                if ucmp_gt(n.abs(), wleft) {
                    n = if n < 0 { -wleft } else { wleft };
                }
                let d = date.get_or_insert_with(|| date_text(cx, h));
                let mut cut = d.len().min(n.unsigned_abs() as usize);
                while !d.is_char_boundary(cut) {
                    cut -= 1;
                }
                wleft -= printf_pad(&mut out, &d[..cut], n);
            }
            'e' => number(&mut out, &mut wleft, 0, if n == 0 { 2 } else { n }),
            'f' => {
                if n == 0 {
                    n = if sp.left { -18 } else { 18 };
                }
                let mut w = n.abs();
                if w > wleft {
                    w = wleft;
                    n = if n < 0 { -wleft } else { wleft };
                }
                let (name, isto) = from.get_or_insert_with(|| sender(cx, h, is_me)).clone();
                if isto {
                    if wleft <= 3 {
                        wleft = 0;
                    } else {
                        out.push_str("To ");
                        colalign(&mut out, &name, w - 3, n, utf8);
                        wleft -= w;
                    }
                } else {
                    colalign(&mut out, &name, w, n, utf8);
                    wleft -= w;
                }
            }
            'i' => {
                out.push_str(tree);
                wleft -= tree.chars().map(cw).sum::<i64>();
            }
            'l' => {
                n = if n == 0 { 4 } else { n };
                if ucmp_gt(n.abs(), wleft) {
                    wleft = 0;
                } else {
                    let lines = mb.lines(i);
                    if lines > 0 {
                        wleft -= printf_pad(&mut out, &lines.to_string(), n);
                    } else {
                        out.extend(std::iter::repeat_n(' ', n.unsigned_abs() as usize));
                        wleft -= n.abs();
                    }
                }
            }
            'm' | 't' => number(
                &mut out,
                &mut wleft,
                mesg as u64,
                if n == 0 { 3 } else { n },
            ),
            'o' => number(
                &mut out,
                &mut wleft,
                mb.size(i),
                if n == 0 { -5 } else { n },
            ),
            's' | 'S' => {
                let quoted = sp.c == 'S';
                if n == 0 {
                    n = subjlen - 2;
                }
                if n > 0 && sp.left {
                    n = -n;
                }
                if subjlen > wleft {
                    subjlen = wleft;
                }
                if ucmp_gt(n.abs(), subjlen) {
                    n = if n < 0 { -subjlen } else { subjlen };
                }
                if quoted {
                    n -= if n < 0 { -2 } else { 2 };
                }
                if n != 0 {
                    // The subject and whether it repeats the last one of
                    // a header screen (then a threaded reply leaves it
                    // out); an empty one is shown as none.
                    let (subj, repeated) = subject.get_or_insert_with(|| {
                        let t = h
                            .and_then(|h| h.hfield_raw("subject"))
                            .map(|r| shown(&r, utf8))
                            .filter(|t| !t.is_empty());
                        let Some(t) = t else {
                            return (None, false);
                        };
                        let Some(last) = &cx.last_subject else {
                            return (Some(t), false);
                        };
                        let key = reply_stripped(&t);
                        let mut last = last.borrow_mut();
                        let repeated = reply && last.as_deref() == Some(key.as_str());
                        *last = Some(key);
                        (Some(t), repeated)
                    });
                    let subj = if *repeated { &None } else { &*subj };
                    match subj {
                        None => wleft -= printf_pad(&mut out, "", n),
                        Some(t) => {
                            if quoted {
                                out.push('"');
                            }
                            colalign(&mut out, t, n.abs(), n, utf8);
                            if quoted {
                                out.push('"');
                            }
                            wleft -= n.abs();
                        }
                    }
                }
            }
            _ => putc(&mut out, &mut wleft, "?", n, 0),
        }
        if wleft <= 0 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Mailbox;
    use crate::term::text::is_bidi_control;

    #[test]
    fn parses_specifiers() {
        let p = parse("a%-20f%3m%%%");
        assert_eq!(p.len(), 4);
        assert!(matches!(p[0], Ok('a')));
        assert!(matches!(
            p[1],
            Err(Spec {
                n: -20,
                left: true,
                c: 'f'
            })
        ));
        assert!(matches!(
            p[2],
            Err(Spec {
                n: 3,
                left: false,
                c: 'm'
            })
        ));
        assert!(matches!(p[3], Err(Spec { n: 0, c: '%', .. })));
        assert_eq!(parse("%99999999999999999999s").len(), 1);
    }

    #[test]
    fn shown_text() {
        assert_eq!(shown(b"a\tb\x01c\x7f", true), "a b\u{2401}c\u{2421}");
        assert_eq!(shown(b"a\tb\x01c", false), "a b?c");
        assert_eq!(shown(b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", false), "Gr????e");
        assert_eq!(shown(b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", true), "Grüße");
        assert_eq!(shown(b"=?ISO-8859-1?Q?caf=E9?=", false), "caf?");
        assert_eq!(shown("x\u{202e}y\u{200b}".as_bytes(), true), "xy");
    }

    #[test]
    fn aligns_by_columns() {
        let mut s = String::new();
        colalign(&mut s, "中文字", 5, 1, true);
        assert_eq!(s, " 中文");
        s.clear();
        colalign(&mut s, "ab", 4, -1, true);
        assert_eq!(s, "ab  ");
    }

    /// Random formats over hostile headers, at several widths, in both
    /// modes: no panic, no control character out (the fuzz target's check,
    /// run in every `cargo test`).
    #[test]
    fn random_formats_are_safe() {
        let text = "From a@x Mon Jan  1 10:00:00 2024\nFrom: =?UTF-8?B?4oCuZXZpbA==?= <a@x>, b\nSubject: \x1b[31m\u{202e}\u{4e2d}\u{0301}\tx\nDate: 1 Jan 2024 10:00 +0100\n\nb\n\nFrom b@y Tue Jan  2 10:00:00 2024\n\nx\n";
        let mb = Mailbox::from_bytes(text.as_bytes()).unwrap();
        const PIECES: [&str; 24] = [
            "%", "-", "+", "0", "7", "99", "m", "f", "s", "S", "d", "a", "l", "o", ">", "<", "i",
            "e", "t", "x", "|", "\u{4e2d}", "%%", "$",
        ];
        let mut seed = 12345u64;
        for _ in 0..2000 {
            let mut fmt = String::new();
            for _ in 0..(seed % 12) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                fmt.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            for width in [0, 1, 3, 30, 80] {
                for utf8 in [false, true] {
                    for line in lines_for(&mb, &fmt, width, utf8) {
                        assert!(!line.chars().any(char::is_control), "{fmt:?} -> {line:?}");
                        assert!(!line.chars().any(is_bidi_control));
                    }
                }
            }
        }
    }

    #[test]
    fn real_names() {
        assert_eq!(
            real_name(b"\"Doe, J\" <j@x>").as_deref(),
            Some(&b"Doe, J"[..])
        );
        assert_eq!(real_name(b"j@x (Jay)").as_deref(), Some(&b"Jay"[..]));
        assert_eq!(real_name(b"j@x"), None);
        assert_eq!(real_name(b"X <x@e>").as_deref(), Some(&b"X <x@e>"[..]));
        assert_eq!(real_name(b"x@e (X)").as_deref(), Some(&b"(X) <x@e>"[..]));
    }
}
