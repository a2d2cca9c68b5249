//! Terminal-safe text and display widths, for everything that shows text
//! from a message on a terminal (the header summary, `print`, the reply
//! preview, the composer's `~p`/`~h`) and for the line editor.
//!
//! [`safe_text`] makes bytes safe to show:
//! - in a UTF-8 locale, real characters are shown; control characters as
//!   `^X` (bsd-mailx lets backspace, bell and CR through), C1 controls as
//!   `M^X`, bidi embeddings, overrides and isolates as `<U+202E>`, bytes
//!   that are not UTF-8 in vis(3) `M-x` form;
//! - in any other locale, the bytes are encoded exactly as bsd-mailx's
//!   `strnvis(VIS_SAFE|VIS_NOSLASH)` does.
//!
//! [`tty_safe`] applies it to message text (tabs and newlines kept): bsd-mailx
//! vis-encodes message text on a tty; we show real characters in a UTF-8
//! locale and escape control characters. Output to a pipe or file is the raw
//! message. [`char_width`] is the display width (one function
//! for the summary's columns, the line editor and the pager).

use crate::locale::is_utf8;
use crate::mimeview::{Term, term};
use unicode_width::UnicodeWidthChar;

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

/// Display width of a character on a terminal, the one width function of
/// the program (the header summary's columns, the line editor's cursor and
/// wrapping, the pager's count of rows): from the `unicode-width` crate (0
/// for combining marks and zero-width characters, 2 for East Asian wide and
/// fullwidth characters and emoji, 1 otherwise). Control characters, which
/// are shown escaped before they are measured, count 1 (NUL none).
/// tests/widths.rs compares it with glibc's wcwidth over every printable
/// character and lists where they differ.
pub fn char_width(ch: char) -> usize {
    if ch == '\0' {
        return 0;
    }
    UnicodeWidthChar::width(ch).unwrap_or(1)
}

/// Makes message text safe for a terminal: [`safe_text`] line by line,
/// tabs and newlines kept (see the module comment).
pub(crate) fn tty_safe(data: &[u8]) -> Vec<u8> {
    let utf8 = is_utf8();
    let mut out = Vec::with_capacity(data.len());
    for line in data.split_inclusive(|&b| b == b'\n') {
        let (body, nl) = match line.last() {
            Some(b'\n') => (&line[..line.len() - 1], true),
            _ => (line, false),
        };
        let mut seg_start = 0;
        // Tabs stay; everything else goes through safe_text.
        for (k, &b) in body.iter().enumerate() {
            if b == b'\t' {
                out.extend_from_slice(safe_text(&body[seg_start..k], utf8).as_bytes());
                out.push(b'\t');
                seg_start = k + 1;
            }
        }
        out.extend_from_slice(safe_text(&body[seg_start..], utf8).as_bytes());
        if nl {
            out.push(b'\n');
        }
    }
    out
}

/// [`tty_safe`] for decoded text: in a non-UTF-8 8-bit locale the text is
/// already in the terminal's charset, so printable 8-bit bytes (0xA0 and
/// up) are shown as they are; C0 controls and DEL become `^X`, the C1
/// range 0x80–0x9F `M^X`. In other locales the same as [`tty_safe`].
pub(crate) fn tty_safe_decoded(data: &[u8]) -> Vec<u8> {
    if !matches!(term(), Term::Legacy(_)) {
        return tty_safe(data);
    }
    legacy_safe(data)
}

fn legacy_safe(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for &c in data {
        match c {
            b'\n' | b'\t' | 0x20..=0x7e | 0xa0..=0xff => out.push(c),
            0x80..=0x9f => {
                out.extend_from_slice(b"M^");
                out.push((c & 0x7f) + b'@');
            }
            0x7f => out.extend_from_slice(b"^?"),
            _ => {
                out.push(b'^');
                out.push(c + b'@');
            }
        }
    }
    out
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
        let width = |s: &str| s.chars().map(char_width).sum::<usize>();
        assert_eq!(width("abc"), 3);
        assert_eq!(width("中文"), 4);
        assert_eq!(width("e\u{301}"), 1);
    }

    #[test]
    fn legacy_terminal_escaping() {
        assert_eq!(
            legacy_safe(b"caf\xe9 \x1b[1m \x9b31m \x7f\tx\n"),
            b"caf\xe9 ^[[1m M^[31m ^?\tx\n"
        );
    }
}
