//! Address lists: recipients with their header (To/Cc/Bcc), alias
//! expansion, bsd-mailx's sort-and-deduplicate (`elide`), "skinning" an
//! address down to its bare form, splitting header values into names, and
//! the column-72 folding of address headers.

use crate::outln;
use crate::session::Session;
use crate::term::text::is_bidi_control;

/// Which header a recipient came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    To,
    Cc,
    Bcc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub name: String,
    pub kind: Kind,
}

impl Name {
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        Name {
            name: name.into(),
            kind,
        }
    }
}

/// Deepest alias nesting expanded, as bsd-mailx's MAXEXP.
pub(crate) const MAX_ALIAS_DEPTH: usize = 25;

/// Expands aliases (`alias`/`group`). A name starting with `\` is never
/// expanded; an alias member naming the alias itself is kept literally.
pub(crate) fn expand_aliases(s: &Session, names: Vec<Name>) -> Vec<Name> {
    let mut out = Vec::new();
    for n in names {
        if n.name.starts_with('\\') {
            out.push(n);
            continue;
        }
        match s.aliases.get(&n.name) {
            Some(_) => gexpand(s, &n.name, n.kind, 0, &mut out),
            None => out.push(n),
        }
    }
    out
}

fn gexpand(s: &Session, group: &str, kind: Kind, depth: usize, out: &mut Vec<Name>) {
    if depth > MAX_ALIAS_DEPTH {
        outln!("Expanding alias to depth larger than {MAX_ALIAS_DEPTH}");
        return;
    }
    let Some(members) = s.aliases.get(group) else {
        return;
    };
    for m in members {
        if !m.starts_with('\\') && m != group && s.aliases.contains_key(m) {
            gexpand(s, m, kind, depth + 1, out);
            continue;
        }
        out.push(Name::new(m.clone(), kind));
    }
}

/// Sorts names case-insensitively and drops case-insensitive duplicates,
/// keeping the first one in `names`' order (bsd-mailx's elide: its input is
/// Bcc, then To, then Cc, so a Bcc copy of an address wins).
pub fn elide(names: Vec<Name>) -> Vec<Name> {
    let mut v: Vec<(usize, Name)> = names.into_iter().enumerate().collect();
    v.sort_by(|a, b| {
        a.1.name
            .to_ascii_lowercase()
            .cmp(&b.1.name.to_ascii_lowercase())
            .then(a.0.cmp(&b.0))
    });
    let mut out: Vec<Name> = Vec::with_capacity(v.len());
    for (_, n) in v {
        if let Some(last) = out.last()
            && last.name.eq_ignore_ascii_case(&n.name)
        {
            continue;
        }
        out.push(n);
    }
    out
}

/// Formats an address header the way bsd-mailx's fmt() does: names joined by
/// ", ", a new line with four spaces of indent before a name that would pass
/// column 72.
pub fn fmt_header(label: &str, names: &[&str]) -> String {
    fmt_list(label, names, true)
}

/// bsd-mailx's fmt(): names after `label`, separated by ", " (`comma`) or by
/// a blank (the `~p` and reply-preview form), folded before column 72.
pub(crate) fn fmt_list<S: AsRef<str>>(label: &str, names: &[S], comma: bool) -> String {
    let mut s = String::from(label);
    let mut col = label.len();
    let n = names.len();
    for (i, name) in names.iter().enumerate() {
        let name = name.as_ref();
        let c = usize::from(comma && i + 1 < n);
        col += 1;
        if col + name.len() + c > 72 && col > 4 {
            s.push_str("\n    ");
            col = 4;
        } else {
            s.push(' ');
        }
        s.push_str(name);
        if c == 1 {
            s.push(',');
        }
        col += name.len() + c;
    }
    s.push('\n');
    s
}

fn skip_comment(b: &[u8], mut i: usize) -> usize {
    let mut nesting = 1;
    while nesting > 0 && i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => i += 1,
            b'(' => nesting += 1,
            b')' => nesting -= 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Reduces an address to its bare form: `Bob <bob@x>` → `bob@x`,
/// `bob@x (Bob)` → `bob@x`; a value with no `<`, `(` or space is returned as is.
pub fn skin(name: &str) -> String {
    if !name.contains(['(', '<', ' ']) {
        return name.to_string();
    }
    let b = name.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut bufend = 0usize;
    let mut gotlt = false;
    let mut lastsp = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        match c {
            b'(' => {
                i = skip_comment(b, i);
                lastsp = false;
            }
            b'"' => {
                while i < b.len() {
                    let q = b[i];
                    i += 1;
                    if q == b'"' {
                        break;
                    }
                    if q != b'\\' {
                        out.push(q);
                    } else if i < b.len() {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                lastsp = false;
            }
            b' ' => {
                if b[i..].starts_with(b"at ") {
                    i += 3;
                    out.push(b'@');
                } else if b[i..].starts_with(b"@ ") {
                    i += 2;
                    out.push(b'@');
                } else {
                    lastsp = true;
                }
            }
            b'<' => {
                out.truncate(bufend);
                gotlt = true;
                lastsp = false;
            }
            b'>' if gotlt => {
                gotlt = false;
                while i < b.len() && b[i] != b',' {
                    let d = b[i];
                    i += 1;
                    if d == b'(' {
                        i = skip_comment(b, i);
                    } else if d == b'"' {
                        while i < b.len() {
                            let q = b[i];
                            i += 1;
                            if q == b'"' {
                                break;
                            }
                            if q == b'\\' && i < b.len() {
                                i += 1;
                            }
                        }
                    }
                }
                lastsp = false;
            }
            _ => {
                if lastsp {
                    lastsp = false;
                    out.push(b' ');
                }
                out.push(c);
                if c == b',' && b.get(i) == Some(&b' ') && !gotlt {
                    out.push(b' ');
                    while b.get(i) == Some(&b' ') {
                        i += 1;
                    }
                    lastsp = false;
                    bufend = out.len();
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a header value or a typed list into names, as bsd-mailx's
/// extract()/yankword(): words end at blanks, tabs and commas, `(comments)`
/// are skipped, and a word starting with `<` runs to the next `>`.
pub fn extract(line: &str, kind: Kind) -> Vec<Name> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        loop {
            if i >= b.len() {
                return out;
            }
            if b[i] == b'(' {
                let mut nesting = 0i32;
                while i < b.len() {
                    let c = b[i];
                    i += 1;
                    if c == b'(' {
                        nesting += 1;
                    } else if c == b')' {
                        nesting -= 1;
                    }
                    if nesting <= 0 {
                        break;
                    }
                }
            } else if matches!(b[i], b' ' | b'\t' | b',') {
                i += 1;
            } else {
                break;
            }
        }
        let start = i;
        if b[i] == b'<' {
            while i < b.len() {
                i += 1;
                if b[i - 1] == b'>' {
                    break;
                }
            }
        } else {
            while i < b.len() && !matches!(b[i], b' ' | b'\t' | b',' | b'(') {
                i += 1;
            }
        }
        out.push(Name::new(
            String::from_utf8_lossy(&b[start..i]).into_owned(),
            kind,
        ));
    }
}

/// True when `addr` is the user: the login name (case-insensitive), with
/// `allnet` any `login@host`, or one of the `alternates`.
pub(crate) fn is_me(s: &Session, addr: &str) -> bool {
    let bare = skin(addr);
    if bare.eq_ignore_ascii_case(&s.myname) {
        return true;
    }
    if s.is_set("allnet")
        && let Some((local, _)) = bare.split_once('@')
        && local.eq_ignore_ascii_case(&s.myname)
    {
        return true;
    }
    s.alternates.iter().any(|a| a.eq_ignore_ascii_case(&bare))
}

/// The login part of an address: `bob@example.org` → `bob`, `host!bob` → `bob`.
/// The sender is whoever wrote the message, so the name is cleaned:
/// slashes are removed so it stays one file name; so are control characters
/// (C0, DEL, C1) and bidi controls, which would otherwise reach the terminal
/// in `"name" [New file]`; and leading dots, so a sender `.bashrc@evil` or
/// `.mailrc@evil` cannot make `Save`/`followup` append their text to a dot
/// file that a shell or mail(1) runs later (`..` becomes empty: no file).
pub(crate) fn sender_login(addr: &str) -> String {
    let local = addr.split('@').next().unwrap_or("");
    let local = local.rsplit('!').next().unwrap_or(local);
    let clean: String = local
        .chars()
        .filter(|&c| c != '/' && !c.is_control() && !is_bidi_control(c))
        .collect();
    clean.trim_start_matches('.').to_string()
}

/// Splits an address list at the commas outside quotes, comments and angle
/// brackets; the parts are trimmed of ASCII blanks, empty ones dropped. On
/// bytes, so that a received header's 8-bit bytes survive (`read::json`);
/// `send::rfc2047::split_addresses` is the same on text.
pub(crate) fn split_address_list(v: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut quote, mut depth, mut angle, mut esc) = (false, 0usize, false, false);
    let mut start = 0;
    for (i, &b) in v.iter().enumerate() {
        if esc {
            esc = false;
            continue;
        }
        match b {
            b'\\' => esc = true,
            b'"' if depth == 0 => quote = !quote,
            b'(' if !quote => depth += 1,
            b')' if !quote => depth = depth.saturating_sub(1),
            b'<' if !quote && depth == 0 => angle = true,
            b'>' if !quote && depth == 0 => angle = false,
            b',' if !quote && depth == 0 && !angle => {
                out.push(&v[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&v[start..]);
    out.into_iter()
        .map(<[u8]>::trim_ascii)
        .filter(|a| !a.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skin_forms() {
        assert_eq!(skin("Bob <bob@example.org>"), "bob@example.org");
        assert_eq!(skin("bob@example.org (Bob Smith)"), "bob@example.org");
        assert_eq!(skin("\"Smith, Bob\" <bob@x>"), "bob@x");
        assert_eq!(skin("plain@x"), "plain@x");
        assert_eq!(skin("bob at example.org"), "bob@example.org");
    }

    #[test]
    fn elide_sorts_and_keeps_first() {
        let v = vec![
            Name::new("a@x", Kind::Bcc),
            Name::new("z", Kind::To),
            Name::new("A@x", Kind::To),
            Name::new("M@x", Kind::Cc),
        ];
        let e = elide(v);
        let names: Vec<_> = e.iter().map(|n| (n.name.as_str(), n.kind)).collect();
        assert_eq!(
            names,
            [("a@x", Kind::Bcc), ("M@x", Kind::Cc), ("z", Kind::To)]
        );
    }

    #[test]
    fn fmt_folds_at_72() {
        let names = [
            "a5@example.org",
            "aaaaaaaaaaaaaa1@example.org",
            "aaaaaaaaaaaaaa2@example.org",
            "aaaaaaaaaaaaaa3@example.org",
        ];
        assert_eq!(
            fmt_header("To:", &names),
            "To: a5@example.org, aaaaaaaaaaaaaa1@example.org,\n    aaaaaaaaaaaaaa2@example.org, aaaaaaaaaaaaaa3@example.org\n"
        );
    }

    #[test]
    fn alias_expansion_keeps_self_reference_and_backslash() {
        let mut s = Session::new("alice".into(), None);
        s.aliases
            .insert("loop".into(), vec!["x".into(), "loop".into()]);
        s.aliases
            .insert("team".into(), vec!["carol".into(), "loop".into()]);
        let out = expand_aliases(
            &s,
            vec![Name::new("team", Kind::To), Name::new("\\team", Kind::To)],
        );
        let names: Vec<_> = out.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["carol", "x", "loop", "\\team"]);
    }

    #[test]
    fn extract_splits_lists() {
        let v: Vec<_> = extract("a@x, Bob <b@y> (c)d", Kind::To)
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(v, ["a@x", "Bob", "<b@y>", "d"]);
        let v: Vec<_> = extract("t2@x t3@x, t4", Kind::To)
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(v, ["t2@x", "t3@x", "t4"]);
    }
}
