//! Message lists, as bsd-mailx's list.c parses them: numbers and ranges,
//! `^ $ . + - *`, colon modifiers (`:n :o :u :r :d`, `:` alone for the last
//! ones), `/subject` (with `searchheaders`, `/field:text`) and sender names,
//! with every error text; and `first()`, the default message rule.
//! From s-nail: `[@name-list]@text` header searches (`match_at`) and the
//! `:f` (flagged) and `:a` (answered) selectors; they combine with the
//! rest by bsd-mailx's rules.

use super::ReadState;
use crate::mailbox::MsgFlags;
use crate::{mimeview, names, outln, output};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Number(usize),
    Dollar,
    Dot,
    Up,
    Star,
    Dash,
    Plus,
    Open,
    Close,
    Str(String),
    Eol,
    Error,
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    regret: Vec<Tok>,
}

impl Scanner<'_> {
    fn scan(&mut self) -> Tok {
        if let Some(t) = self.regret.pop() {
            return t;
        }
        let b = self.b;
        while self.i < b.len() && (b[self.i] == b' ' || b[self.i] == b'\t') {
            self.i += 1;
        }
        if self.i >= b.len() {
            return Tok::Eol;
        }
        let c = b[self.i];
        if c.is_ascii_digit() {
            let mut n: usize = 0;
            while self.i < b.len() && b[self.i].is_ascii_digit() {
                n = n
                    .saturating_mul(10)
                    .saturating_add((b[self.i] - b'0') as usize);
                self.i += 1;
            }
            // bsd-mailx keeps the number in an int.
            return Tok::Number(n.min(i32::MAX as usize));
        }
        let single = match c {
            b'$' => Some(Tok::Dollar),
            b'.' => Some(Tok::Dot),
            b'^' => Some(Tok::Up),
            b'*' => Some(Tok::Star),
            b'-' => Some(Tok::Dash),
            b'+' => Some(Tok::Plus),
            b'(' => Some(Tok::Open),
            b')' => Some(Tok::Close),
            _ => None,
        };
        if let Some(t) = single {
            self.i += 1;
            return t;
        }
        let mut quote = 0u8;
        if c == b'\'' || c == b'"' {
            quote = c;
            self.i += 1;
        }
        let mut out = Vec::new();
        let mut closed = false;
        while self.i < b.len() {
            let c = b[self.i];
            if quote != 0 && c == quote {
                self.i += 1;
                closed = true;
                break;
            }
            if quote == 0 && (c == b' ' || c == b'\t') {
                break;
            }
            out.push(c);
            self.i += 1;
        }
        if quote != 0 && !closed {
            output::err_line(&format!("Missing {}", quote as char));
            return Tok::Error;
        }
        Tok::Str(String::from_utf8_lossy(&out).into_owned())
    }
}

const CMNEW: u8 = 1;
const CMOLD: u8 = 2;
const CMUNREAD: u8 = 4;
const CMDELETED: u8 = 8;
const CMREAD: u8 = 16;
const CMFLAGGED: u8 = 32;
const CMANSWERED: u8 = 64;

/// (letter, bit, mask, must equal); `:f` and `:a` are s-nail's.
const COLTAB: [(char, u8, MsgFlags, MsgFlags); 7] = [
    ('n', CMNEW, MsgFlags::NEW, MsgFlags::NEW),
    ('o', CMOLD, MsgFlags::NEW, MsgFlags::empty()),
    ('u', CMUNREAD, MsgFlags::READ, MsgFlags::empty()),
    ('d', CMDELETED, MsgFlags::DELETED, MsgFlags::DELETED),
    ('r', CMREAD, MsgFlags::READ, MsgFlags::READ),
    ('f', CMFLAGGED, MsgFlags::FLAGGED, MsgFlags::FLAGGED),
    ('a', CMANSWERED, MsgFlags::ANSWERED, MsgFlags::ANSWERED),
];

fn evalcol(st: &ReadState, c: Option<char>) -> u8 {
    match c {
        None => st.lastcolmod,
        Some(c) => COLTAB.iter().find(|e| e.0 == c).map(|e| e.1).unwrap_or(0),
    }
}

fn deleted(st: &ReadState, i: usize) -> bool {
    st.flags(i).contains(MsgFlags::DELETED)
}

/// `check()`: a number must exist and, unless deleted ones are wanted, not be deleted.
fn check(st: &ReadState, n: usize, want_deleted: bool) -> bool {
    if n < 1 || n > st.count() {
        outln!("{n}: Invalid message number");
        return false;
    }
    if !want_deleted && deleted(st, n - 1) {
        outln!("{n}: Inappropriate message");
        return false;
    }
    true
}

fn metamess(st: &ReadState, c: &Tok, want_deleted: bool) -> Option<usize> {
    let n = st.count();
    match c {
        Tok::Up => {
            let o = &st.order;
            let r = (0..n)
                .map(|p| o.at(p))
                .find(|&i| deleted(st, i) == want_deleted);
            if r.is_none() {
                outln!("No applicable messages");
            }
            r.map(|i| i + 1)
        }
        Tok::Dollar => {
            let o = &st.order;
            let r = (0..n)
                .rev()
                .map(|p| o.at(p))
                .find(|&i| deleted(st, i) == want_deleted);
            if r.is_none() {
                outln!("No applicable messages");
            }
            r.map(|i| i + 1)
        }
        _ => {
            let m = st.dot + 1;
            if n == 0 || deleted(st, st.dot) != want_deleted {
                outln!("{m}: Inappropriate message");
                return None;
            }
            Some(m)
        }
    }
}

/// Case-insensitive substring test (`strcasestr`).
fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

fn decoded_contains(st: &ReadState, i: usize, field: &str, needle: &str) -> bool {
    if mimeview::term() == mimeview::Term::Raw {
        return false;
    }
    st.hfield_raw(i, field).is_some_and(|raw| {
        mimeview::decode_words(&raw)
            .to_lowercase()
            .contains(&needle.to_lowercase())
    })
}

fn matchsender(st: &ReadState, name: &str, i: usize) -> bool {
    if name.is_empty() {
        return false;
    }
    contains_ci(&st.nameof(i, 0), name)
}

fn matchto(st: &ReadState, s: &str, i: usize) -> bool {
    // `s` is what follows the colon of `/to:`.
    if s.is_empty() {
        return false;
    }
    ["to", "cc", "bcc"]
        .iter()
        .any(|f| st.hfield(i, f).is_some_and(|v| contains_ci(&v, s)))
}

fn matchsubj(st: &mut ReadState, pat: &str, i: usize, searchheaders: bool) -> bool {
    let mut s = pat[1..].to_string();
    if s.is_empty() {
        s = st.lastscan.clone();
    } else {
        st.lastscan = s.clone();
    }
    let (field, needle) = if searchheaders && let Some(colon) = s.find(':') {
        if s.len() >= 3 && s.as_bytes()[..3].eq_ignore_ascii_case(b"to:") {
            return matchto(st, &s[colon + 1..], i);
        }
        let field = &s[..colon];
        let field = if field.is_empty() { "subject" } else { field };
        (field.to_string(), s[colon + 1..].to_string())
    } else {
        ("subject".to_string(), s)
    };
    match st.hfield(i, &field) {
        None => false,
        // The raw text (bsd-mailx), or the text as the summary shows it
        // (RFC 2047 decoded, when the locale can show it: `/Grüße` finds
        // `=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=`).
        Some(v) => contains_ci(&v, &needle) || decoded_contains(st, i, &field, &needle),
    }
}

/// s-nail's `[@name-list]@text`: the message has one of the listed header
/// fields (comma-separated; `f`, `t`, `c`, `b`, `s` stand for From, To, Cc,
/// Bcc, Subject; `header` or `<` for every field; a leading `~` compares
/// the addresses in the field only) whose RFC 2047-decoded value contains
/// `text`, ignoring case (in a locale that cannot show the decoded text:
/// the raw value, ignoring ASCII case). Without a name list (`@text`, or `@@text`) the
/// Subject: and From: fields are searched; an empty `text` asks only that
/// one of the fields exists. `spec` starts with the first `@`.
fn match_at(st: &ReadState, spec: &str, i: usize) -> bool {
    let rest = &spec[1..];
    let (list, text) = match rest.split_once('@') {
        Some((l, t)) => (l, t),
        None => ("", rest),
    };
    let (skin, list) = match list.strip_prefix('~') {
        Some(l) => (true, l),
        None => (false, list),
    };
    let wanted: Vec<String> = if list.is_empty() {
        vec!["subject".into(), "from".into()]
    } else {
        list.split(',')
            .filter(|f| !f.is_empty())
            .map(|f| {
                let f = f.to_ascii_lowercase();
                match f.as_str() {
                    "f" => "from".into(),
                    "t" => "to".into(),
                    "c" => "cc".into(),
                    "b" => "bcc".into(),
                    "s" => "subject".into(),
                    "<" => "header".into(),
                    _ => f,
                }
            })
            .collect()
    };
    let Some(h) = st.cached_headers(i) else {
        return false;
    };
    let all = wanted.iter().any(|w| w == "header");
    let needle = text.to_lowercase();
    // A locale that cannot show decoded text compares the raw bytes.
    let raw = mimeview::term() == mimeview::Term::Raw;
    h.fields()
        .filter(|(name, _)| {
            all || wanted
                .iter()
                .any(|w| name.eq_ignore_ascii_case(w.as_bytes()))
        })
        .any(|(_, value)| {
            if text.is_empty() {
                return true;
            }
            if skin {
                names::split_address_list(&value).into_iter().any(|a| {
                    names::skin(&String::from_utf8_lossy(a))
                        .to_lowercase()
                        .contains(&needle)
                })
            } else if raw {
                let v = value.to_ascii_lowercase();
                let n = text.as_bytes().to_ascii_lowercase();
                v.windows(n.len()).any(|w| w == n)
            } else {
                mimeview::decode_words(&value)
                    .to_lowercase()
                    .contains(&needle)
            }
        })
}

/// Which messages a message-list command may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgReq {
    /// Any message that is not deleted (bsd-mailx MMNDEL).
    NotDeleted,
    /// Not deleted and not saved (MMNORM).
    Normal,
    /// Deleted messages only (`undelete`).
    Deleted,
    /// No restriction (`mbox`).
    Any,
}

/// Is `t` a command whose list is a message list followed by a string (`pipe`)?
/// Its words are not sender names.
pub struct ListKind {
    pub want_deleted: bool,
    pub takes_names: bool,
}

/// bsd-mailx's `markall`+`getmsglist`: returns the 1-based numbers, in
/// order, or None after printing the error. An empty result means "no list
/// given" (the caller applies the default).
pub fn getmsglist(
    st: &mut ReadState,
    buf: &str,
    kind: &ListKind,
    searchheaders: bool,
) -> Option<Vec<usize>> {
    let n = st.count();
    if n == 0 {
        return Some(Vec::new());
    }
    let f = kind.want_deleted;
    let mut marks = vec![false; n];
    let mut sc = Scanner {
        b: buf.as_bytes(),
        i: 0,
        regret: Vec::new(),
    };
    let valdot = st.dot + 1;
    let mut colmod: u8 = 0;
    let mut names: Vec<String> = Vec::new();
    let (mut star, mut other, mut beg) = (false, false, 0usize);
    let mut tok = sc.scan();
    while tok != Tok::Eol {
        let number = match &tok {
            Tok::Number(x) => Some(*x),
            Tok::Dollar | Tok::Up | Tok::Dot => Some(metamess(st, &tok, f)?),
            _ => None,
        };
        if let Some(num) = number {
            if star {
                outln!("No numbers mixed with *");
                return None;
            }
            other = true;
            if beg != 0 {
                if !check(st, num, f) {
                    return None;
                }
                // A range runs in display order (file order unless sorted;
                // sorted, its ends may come in either order, as s-nail).
                let (mut a, mut b) = (st.order.pos(beg - 1), st.order.pos(num - 1));
                if st.order.key().is_some() && a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                for p in a..=b {
                    let i = st.order.at(p);
                    if f || !st.flags(i).contains(MsgFlags::DELETED) {
                        marks[i] = true;
                    }
                }
                beg = 0;
            } else {
                beg = num;
                if !check(st, beg, f) {
                    return None;
                }
                let next = sc.scan();
                let is_dash = next == Tok::Dash;
                sc.regret.push(next);
                if !is_dash {
                    marks[beg - 1] = true;
                    beg = 0;
                }
            }
        } else {
            match &tok {
                Tok::Plus => {
                    if beg != 0 {
                        outln!("Non-numeric second argument");
                        return None;
                    }
                    let mut p = st.order.pos(valdot - 1);
                    loop {
                        p += 1;
                        if p >= n {
                            outln!("Referencing beyond EOF");
                            return None;
                        }
                        if deleted(st, st.order.at(p)) == f {
                            break;
                        }
                    }
                    marks[st.order.at(p)] = true;
                }
                Tok::Dash if beg == 0 => {
                    let mut p = st.order.pos(valdot - 1);
                    loop {
                        if p == 0 {
                            outln!("Referencing before 1");
                            return None;
                        }
                        p -= 1;
                        if deleted(st, st.order.at(p)) == f {
                            break;
                        }
                    }
                    marks[st.order.at(p)] = true;
                }
                Tok::Str(s) => {
                    if beg != 0 {
                        outln!("Non-numeric second argument");
                        return None;
                    }
                    other = true;
                    if let Some(rest) = s.strip_prefix(':') {
                        let r = evalcol(st, rest.chars().next());
                        if r == 0 {
                            outln!("Unknown colon modifier \"{s}\"");
                            return None;
                        }
                        colmod |= r;
                    } else if kind.takes_names {
                        names.push(s.clone());
                    }
                }
                Tok::Star => {
                    if other {
                        outln!("Can't mix \"*\" with anything");
                        return None;
                    }
                    star = true;
                }
                Tok::Error => return None,
                _ => {}
            }
        }
        tok = sc.scan();
    }
    st.lastcolmod = colmod;
    if star {
        let mut mc = 0;
        for (i, m) in marks.iter_mut().enumerate() {
            if st.mb.flags(i).contains(MsgFlags::DELETED) == f {
                *m = true;
                mc += 1;
            }
        }
        if mc == 0 {
            outln!("No applicable messages.");
            return None;
        }
        return Some(collect(st, &marks));
    }
    // bsd-mailx resets its number count before this test, so any names or
    // colon modifiers select among all messages, numbers or not.
    if !names.is_empty() || colmod != 0 {
        for (i, m) in marks.iter_mut().enumerate() {
            if st.mb.flags(i).contains(MsgFlags::DELETED) == f {
                *m = true;
            }
        }
    }
    if !names.is_empty() {
        for (i, m) in marks.iter_mut().enumerate() {
            let mut hit = false;
            for nm in &names {
                let ok = if nm.starts_with('/') {
                    matchsubj(st, nm, i, searchheaders)
                } else if nm.starts_with('@') {
                    match_at(st, nm, i)
                } else {
                    matchsender(st, nm, i)
                };
                if ok {
                    hit = true;
                    break;
                }
            }
            if !hit {
                *m = false;
            }
        }
        if !marks.iter().any(|&m| m) {
            outln!("No applicable messages from {{{}}}", names.join(", "));
            return None;
        }
    }
    if colmod != 0 {
        for (i, m) in marks.iter_mut().enumerate() {
            let fl = st.mb.flags(i);
            for (_, bit, mask, eq) in COLTAB.iter() {
                if colmod & bit != 0 && (fl & *mask) != *eq {
                    *m = false;
                }
            }
        }
        if !marks.iter().any(|&m| m) {
            let mut line = String::from("No messages satisfy");
            for (c, bit, _, _) in COLTAB.iter() {
                if colmod & bit != 0 {
                    line.push_str(&format!(" :{c}"));
                }
            }
            outln!("{line}");
            return None;
        }
    }
    Some(collect(st, &marks))
}

/// The marked messages (1-based) in display order.
fn collect(st: &ReadState, marks: &[bool]) -> Vec<usize> {
    (0..marks.len())
        .map(|p| st.order.at(p))
        .filter(|&i| marks[i])
        .map(|i| i + 1)
        .collect()
}

/// bsd-mailx's `first(flag, mask)` for a command's requirement: the current
/// message if it qualifies, else the nearest one forward, else backward.
/// Returns the 1-based number, or None.
pub(crate) fn first(st: &ReadState, req: MsgReq) -> Option<usize> {
    let n = st.count();
    if n == 0 {
        return None;
    }
    let (f, m) = match req {
        MsgReq::NotDeleted | MsgReq::Normal => (false, true),
        MsgReq::Deleted => (true, true),
        MsgReq::Any => (false, false),
    };
    let o = &st.order;
    let ok = |p: usize| !m || deleted(st, o.at(p)) == f;
    // Forward and backward in display order (file order unless sorted).
    let dot = o.pos(st.dot.min(n - 1));
    (dot..n)
        .find(|&p| ok(p))
        .or_else(|| (0..dot).rev().find(|&p| ok(p)))
        .map(|p| o.at(p) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Mailbox;

    fn st(n: usize) -> ReadState {
        let mut text = String::new();
        for i in 1..=n {
            text.push_str(&format!(
                "From u{i}@x Mon Jan  1 10:00:00 2024\nFrom: User{i} <u{i}@x>\nSubject: subj {i}\n\nbody\n\n"
            ));
        }
        ReadState::new(
            Mailbox::from_bytes(text.as_bytes()).unwrap(),
            "x".into(),
            true,
        )
    }

    const K: ListKind = ListKind {
        want_deleted: false,
        takes_names: true,
    };

    #[test]
    fn numbers_ranges_and_meta() {
        let mut s = st(5);
        assert_eq!(getmsglist(&mut s, "1 3-4", &K, false), Some(vec![1, 3, 4]));
        assert_eq!(
            getmsglist(&mut s, "^-$", &K, false),
            Some(vec![1, 2, 3, 4, 5])
        );
        assert_eq!(
            getmsglist(&mut s, "*", &K, false),
            Some(vec![1, 2, 3, 4, 5])
        );
        assert_eq!(getmsglist(&mut s, "", &K, false), Some(vec![]));
        assert_eq!(getmsglist(&mut s, "+", &K, false), Some(vec![2]));
        assert_eq!(getmsglist(&mut s, "-", &K, false), None);
        assert_eq!(getmsglist(&mut s, "9", &K, false), None);
        assert_eq!(getmsglist(&mut s, "3-", &K, false), Some(vec![]));
        s.flags_mut(1).insert(MsgFlags::DELETED);
        assert_eq!(getmsglist(&mut s, "1-3", &K, false), Some(vec![1, 3]));
        assert_eq!(getmsglist(&mut s, "2", &K, false), None);
    }

    #[test]
    fn names_subjects_and_colons() {
        let mut s = st(3);
        assert_eq!(getmsglist(&mut s, "U2", &K, false), Some(vec![2]));
        assert_eq!(
            getmsglist(&mut s, "/SUBJ 3", &K, false),
            Some(vec![1, 2, 3])
        );
        assert_eq!(getmsglist(&mut s, "\"/SUBJ 3\"", &K, false), Some(vec![3]));
        assert_eq!(getmsglist(&mut s, "/", &K, false), Some(vec![3]));
        assert_eq!(getmsglist(&mut s, ":n", &K, false), Some(vec![1, 2, 3]));
        assert_eq!(getmsglist(&mut s, ":r", &K, false), None);
        assert_eq!(getmsglist(&mut s, ":x", &K, false), None);
        assert_eq!(getmsglist(&mut s, "nobody", &K, false), None);
    }

    #[test]
    fn at_searches_and_s_nail_colons() {
        let mut s = st(3);
        // `@text`: subject and sender.
        assert_eq!(
            getmsglist(&mut s, "@SUBJ 2", &K, false),
            Some(vec![1, 2, 3])
        );
        assert_eq!(getmsglist(&mut s, "'@SUBJ 2'", &K, false), Some(vec![2]));
        assert_eq!(getmsglist(&mut s, "@user3", &K, false), Some(vec![3]));
        assert_eq!(getmsglist(&mut s, "@s@user3", &K, false), None);
        assert_eq!(getmsglist(&mut s, "@f,s@u1@", &K, false), Some(vec![1]));
        assert_eq!(getmsglist(&mut s, "@~f@user", &K, false), None);
        assert_eq!(getmsglist(&mut s, "@~f@u2", &K, false), Some(vec![2]));
        assert_eq!(getmsglist(&mut s, "@to@", &K, false), None);
        assert_eq!(
            getmsglist(&mut s, "@subject@", &K, false),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            getmsglist(&mut s, "@header@subj 3", &K, false),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            getmsglist(&mut s, "\"@<@subj 3\"", &K, false),
            Some(vec![3])
        );
        // `:f`, `:a`.
        assert_eq!(getmsglist(&mut s, ":f", &K, false), None);
        s.flags_mut(1).insert(MsgFlags::FLAGGED);
        s.flags_mut(2).insert(MsgFlags::ANSWERED);
        assert_eq!(getmsglist(&mut s, ":f", &K, false), Some(vec![2]));
        assert_eq!(getmsglist(&mut s, ":a", &K, false), Some(vec![3]));
        // POSIX `/text` keeps its meaning (subject only).
        assert_eq!(getmsglist(&mut s, "/user1", &K, false), None);
    }

    /// Found by the msglist fuzz target: a multi-byte character right after
    /// `/:` with searchheaders set split a character when checking for `to:`.
    #[test]
    fn search_with_multibyte_after_colon_does_not_panic() {
        let mut s = st(3);
        let _ = getmsglist(&mut s, "/:r\u{FFFD}", &K, true);
        let _ = getmsglist(&mut s, "/t\u{E9}:x", &K, true);
    }
}
