//! RFC 2047 encoded words for outgoing header fields that hold non-ASCII
//! text: only the words that need it are encoded (`Re: ` stays plain),
//! adjacent ones as one run (the blank between two encoded words is not
//! part of the text), each run in Q or B, whichever is shorter, and every
//! line of the field, the first included, at most 78 columns.
//!
//! A field that is pure ASCII is written exactly as before (as bsd-mailx
//! writes it); the callers only come here for non-ASCII text.

use crate::names::split_address_list;
use encoding_rs::Encoding;
use std::borrow::Cow;

/// Longest header line we write when encoding (RFC 5322 §2.1.1's SHOULD).
const WIDTH: usize = 78;
/// Longest encoded word (RFC 2047 §2).
const MAX_WORD: usize = 75;
/// A plain word longer than this could not be folded onto a line of its
/// own, so it is encoded (encoded text can be split anywhere).
const MAX_PLAIN: usize = WIDTH - 2;

/// The charset of the encoded words: UTF-8, or the legacy charset a
/// command-line subject's bytes were in (the text is converted back to
/// those bytes, so they go out as given).
#[derive(Clone, Copy)]
struct Charset<'a> {
    label: &'a str,
    enc: &'static Encoding,
}

const UTF8: Charset<'static> = Charset {
    label: "UTF-8",
    enc: encoding_rs::UTF_8,
};

impl<'a> Charset<'a> {
    /// `label` when it names a charset that can hold all of `text`, else UTF-8.
    fn for_text(label: Option<&'a str>, text: &str) -> Charset<'a> {
        let Some(label) = label else { return UTF8 };
        match Encoding::for_label(label.as_bytes()) {
            Some(enc) if enc != encoding_rs::UTF_8 && !enc.encode(text).2 => Charset { label, enc },
            _ => UTF8,
        }
    }

    fn bytes<'s>(&self, s: &'s str) -> Cow<'s, [u8]> {
        self.enc.encode(s).0
    }

    /// `=?`, the label, `?Q?` and `?=`.
    fn overhead(&self) -> usize {
        self.label.len() + 7
    }

    fn encoded_len(&self, s: &str, q: bool) -> usize {
        let b = self.bytes(s);
        self.overhead() + if q { q_len(&b) } else { b_len(b.len()) }
    }

    fn encode_one(&self, s: &str, q: bool) -> String {
        let b = self.bytes(s);
        let label = self.label;
        if !q {
            return format!("=?{label}?B?{}?=", data_encoding::BASE64.encode(&b));
        }
        let mut out = format!("=?{label}?Q?");
        for &c in b.iter() {
            if q_literal(c) {
                out.push(c as char);
            } else if c == b' ' {
                out.push('_');
            } else {
                out.push_str(&format!("={c:02X}"));
            }
        }
        out.push_str("?=");
        out
    }

    /// Q when it is not longer than B.
    fn use_q(&self, s: &str) -> bool {
        let b = self.bytes(s);
        q_len(&b) <= b_len(b.len())
    }
}

/// Characters written as themselves in a Q word: the set RFC 2047 §5(3)
/// allows in a phrase, which is also safe in unstructured text.
fn q_literal(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!*+-/".contains(&b)
}

fn q_len(b: &[u8]) -> usize {
    b.iter()
        .map(|&b| if q_literal(b) || b == b' ' { 1 } else { 3 })
        .sum()
}

fn b_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The whole of `s` as UTF-8 encoded words (Q or B, whichever is shorter),
/// each at most 75 characters, never splitting a character, joined by `sep`.
pub fn encode_words_sep(s: &str, sep: &str) -> String {
    let cs = UTF8;
    let q = cs.use_q(s);
    let mut words = Vec::new();
    let mut start = 0;
    for (i, ch) in s.char_indices() {
        let end = i + ch.len_utf8();
        if i > start && cs.encoded_len(&s[start..end], q) > MAX_WORD {
            words.push(cs.encode_one(&s[start..i], q));
            start = i;
        }
    }
    if start < s.len() {
        words.push(cs.encode_one(&s[start..], q));
    }
    words.join(sep)
}

/// One piece of a field value.
enum Tok {
    /// Written as it is, after the blanks `ws` (where the line may fold).
    Plain { ws: String, word: String },
    /// Encoded, after the blanks `ws`; `prefix` and `suffix` (a comment's
    /// parentheses, a list's comma) are glued to the first and last word.
    Run {
        ws: String,
        text: String,
        prefix: String,
        suffix: String,
    },
}

impl Tok {
    fn append_suffix(&mut self, s: &str) {
        match self {
            Tok::Plain { word, .. } => word.push_str(s),
            Tok::Run { suffix, .. } => suffix.push_str(s),
        }
    }
}

/// Writes tokens after a field name, folding at blanks so that no line
/// passes 78 columns (a plain word too long for any line is never made
/// here: such words are encoded).
struct Fold<'a> {
    cs: Charset<'a>,
    out: String,
    col: usize,
    /// Nothing written after the field name yet: no fold possible.
    fresh: bool,
}

impl<'a> Fold<'a> {
    fn new(name: &str, cs: Charset<'a>) -> Fold<'a> {
        Fold {
            cs,
            out: name.to_string(),
            col: name.len(),
            fresh: true,
        }
    }

    /// Writes `ws` then `word`, folding first (the line break goes before
    /// the blanks, which stay) when it would not fit.
    fn put(&mut self, ws: &str, word: &str) {
        if self.col + ws.len() + word.len() > WIDTH && !self.fresh && !ws.is_empty() {
            self.out.push('\n');
            self.col = 0;
        }
        self.out.push_str(ws);
        self.out.push_str(word);
        self.col += ws.len() + word.len();
        self.fresh = false;
    }

    fn run(&mut self, ws: &str, text: &str, prefix: &str, suffix: &str) {
        let cs = self.cs;
        let q = cs.use_q(text);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        let mut first = true;
        while i < chars.len() {
            let sep = if first { ws } else { " " };
            let pre = if first { prefix } else { "" };
            // The most characters from i whose word fits in `room`.
            let fit = |room: usize| -> usize {
                let mut n = 0;
                while i + n < chars.len() {
                    let end = chars.get(i + n + 1).map_or(text.len(), |c| c.0);
                    let suf = if i + n + 1 == chars.len() {
                        suffix.len()
                    } else {
                        0
                    };
                    let len = cs.encoded_len(&text[chars[i].0..end], q);
                    if len > MAX_WORD || pre.len() + len + suf > room {
                        break;
                    }
                    n += 1;
                }
                n
            };
            let mut n = fit(WIDTH.saturating_sub(self.col + sep.len()));
            let can_fold = !self.fresh && !sep.is_empty();
            if n == 0 && can_fold {
                self.out.push('\n');
                self.col = 0;
                n = fit(WIDTH - sep.len());
            }
            let n = n.max(1);
            let end = chars.get(i + n).map_or(text.len(), |c| c.0);
            let mut word = format!("{pre}{}", cs.encode_one(&text[chars[i].0..end], q));
            if i + n == chars.len() {
                word.push_str(suffix);
            }
            self.out.push_str(sep);
            self.out.push_str(&word);
            self.col += sep.len() + word.len();
            self.fresh = false;
            i += n;
            first = false;
        }
    }

    fn write(&mut self, toks: &[Tok]) {
        for t in toks {
            match t {
                Tok::Plain { ws, word } => self.put(ws, word),
                Tok::Run {
                    ws,
                    text,
                    prefix,
                    suffix,
                } => self.run(ws, text, prefix, suffix),
            }
        }
    }

    fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }
}

/// Splits at runs of blanks: (blanks before, word) pairs; the value's
/// trailing blanks come back as a last pair with an empty word.
fn words(v: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut ws = String::new();
    let mut word = String::new();
    for ch in v.chars() {
        if ch == ' ' || ch == '\t' {
            if !word.is_empty() {
                out.push((std::mem::take(&mut ws), std::mem::take(&mut word)));
            }
            ws.push(ch);
        } else {
            word.push(ch);
        }
    }
    if !word.is_empty() || !ws.is_empty() {
        out.push((ws, word));
    }
    out
}

/// Whether a word of unstructured text must be encoded: non-ASCII, a
/// control character, something a decoder would take for an encoded word,
/// or too long to fold.
fn needs_encoding(w: &str) -> bool {
    !w.is_ascii()
        || w.bytes().any(|b| b < 0x20 || b == 0x7f)
        || w.contains("=?")
        || w.len() > MAX_PLAIN
}

/// The tokens of a text where a word that `needs` it is encoded; adjacent
/// such words, and blanks at either end of the text (a parser drops those
/// when they are plain), go into one run. A blank goes before the text;
/// `first_col` is the column it starts at. A plain word that would not fit
/// a line with the blanks before it is encoded too, and a run starts after
/// one blank, the other blanks being encoded text, so every line can fold
/// within 78 columns.
fn text_tokens(v: &str, first_col: usize, needs: fn(&str) -> bool) -> Vec<Tok> {
    let ws_words = words(v);
    let mut toks: Vec<Tok> = Vec::new();
    let mut open = false;
    let run = |ws: &str, text: String| Tok::Run {
        ws: ws.to_string(),
        text,
        prefix: String::new(),
        suffix: String::new(),
    };
    for (k, (ws, w)) in ws_words.into_iter().enumerate() {
        let ws = if k == 0 { format!(" {ws}") } else { ws };
        let (sep, inner) = ws.split_at(1);
        let col = if k == 0 { first_col } else { 0 };
        if w.is_empty() {
            // Trailing blanks: encoded with the word before them.
            match toks.pop() {
                Some(Tok::Run {
                    ws: rws, mut text, ..
                }) => {
                    text.push_str(&ws);
                    toks.push(run(&rws, text));
                }
                Some(Tok::Plain { ws: pws, word }) => match toks.last_mut() {
                    // Right after a run: one run (the blank between two
                    // encoded words would be lost).
                    Some(Tok::Run { text, .. }) => {
                        text.push_str(&format!("{pws}{word}{ws}"));
                    }
                    _ => {
                        let (psep, pinner) = pws.split_at(1);
                        toks.push(run(psep, format!("{pinner}{word}{ws}")));
                    }
                },
                None => toks.push(run(sep, inner.to_string())),
            }
            break;
        }
        let plain = !needs(&w)
            && (k != 0 || inner.is_empty())
            && col + ws.len() + w.len() <= WIDTH
            && ws.len() + w.len() <= MAX_PLAIN;
        if plain {
            toks.push(Tok::Plain { ws, word: w });
            open = false;
            continue;
        }
        match toks.last_mut() {
            Some(Tok::Run { text, .. }) if open => {
                text.push_str(&ws);
                text.push_str(&w);
            }
            _ => toks.push(run(sep, format!("{inner}{w}"))),
        }
        open = true;
    }
    toks
}

/// An unstructured field (`Subject:`, an `-a` header that is not an address
/// list): `name` is written as given (`Subject:`), then the value. Pure
/// ASCII values without control characters are written unchanged.
pub fn unstructured_field(name: &str, value: &str) -> String {
    unstructured_field_in(name, value, None)
}

/// [`unstructured_field`], the encoded words in `charset` when it can hold
/// the whole value (a subject given as bytes in that charset), else UTF-8.
pub fn unstructured_field_in(name: &str, value: &str, charset: Option<&str>) -> String {
    if !value.bytes().any(|b| b >= 0x80) {
        return format!("{name} {value}\n");
    }
    let mut f = Fold::new(name, Charset::for_text(charset, value));
    f.write(&text_tokens(value, name.len(), needs_encoding));
    f.finish()
}

/// Whether a word of a display name must be encoded: as in unstructured
/// text, and also when it holds a character that is special in a phrase.
fn phrase_needs_encoding(w: &str) -> bool {
    needs_encoding(w) || w.bytes().any(|b| b"()<>[]:;@\\,.\"".contains(&b))
}

/// The tokens of one address: `Name <addr>` with the name encoded word by
/// word, `addr (comment)` with the comment encoded, anything else as it is.
fn address_tokens(addr: &str, first_col: usize) -> Vec<Tok> {
    let plain = |v: &str| -> Vec<Tok> {
        words(v.trim())
            .into_iter()
            .enumerate()
            .map(|(k, (ws, word))| Tok::Plain {
                ws: if k == 0 { " ".to_string() } else { ws },
                word,
            })
            .collect()
    };
    let addr = addr.trim();
    if let Some(lt) = addr.rfind('<')
        && addr.ends_with('>')
    {
        let name = addr[..lt].trim();
        let name = name
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or(name);
        if name.is_ascii() {
            return plain(addr);
        }
        let mut toks = text_tokens(name, first_col, phrase_needs_encoding);
        toks.push(Tok::Plain {
            ws: " ".into(),
            word: addr[lt..].to_string(),
        });
        return toks;
    }
    if let Some(open) = addr.find('(')
        && addr.ends_with(')')
        && !addr[open + 1..addr.len() - 1].is_ascii()
    {
        let mut toks = plain(&addr[..open]);
        toks.push(Tok::Run {
            ws: if toks.is_empty() { " " } else { "" }.to_string(),
            text: addr[open + 1..addr.len() - 1].to_string(),
            prefix: "(".into(),
            suffix: ")".into(),
        });
        if let Some(Tok::Run { ws, .. }) = toks.last_mut()
            && addr[..open].ends_with([' ', '\t'])
        {
            *ws = " ".into();
        }
        return toks;
    }
    plain(addr)
}

/// An address field (`From:`, `To:`...) holding non-ASCII display names or
/// comments: the addresses joined by `, `, the names encoded, the
/// addresses themselves untouched, folded at 78 columns.
pub fn address_field(name: &str, addrs: &[&str]) -> String {
    let mut toks: Vec<Tok> = Vec::new();
    for (k, a) in addrs.iter().enumerate() {
        if k > 0
            && let Some(t) = toks.last_mut()
        {
            t.append_suffix(",");
        }
        toks.extend(address_tokens(a, name.len()));
    }
    let mut f = Fold::new(name, UTF8);
    f.write(&toks);
    f.finish()
}

/// Splits an address list at the commas outside quotes, comments and angle
/// brackets (`names::split_address_list` on text; the commas it splits at
/// are ASCII, so every part is still UTF-8).
pub(crate) fn split_addresses(v: &str) -> Vec<&str> {
    split_address_list(v.as_bytes())
        .into_iter()
        .filter_map(|b| std::str::from_utf8(b).ok())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mimeview::decode_words;

    fn unfold(s: &str) -> String {
        s.trim_end_matches('\n').replace('\n', "")
    }

    #[test]
    fn only_the_words_that_need_it() {
        assert_eq!(
            unstructured_field("Subject:", "Re: Grüße aus Köln"),
            "Subject: Re: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?=\n"
        );
        // Q when it is not longer.
        assert_eq!(
            unstructured_field("Subject:", "Mitteilungsblätter 3"),
            "Subject: =?UTF-8?Q?Mitteilungsbl=C3=A4tter?= 3\n"
        );
        assert_eq!(unstructured_field("Subject:", "plain"), "Subject: plain\n");
        // Adjacent words are one run; the blank between them is encoded.
        assert_eq!(
            unstructured_field("Subject:", "Bahnhofstraße Übergang"),
            "Subject: =?UTF-8?Q?Bahnhofstra=C3=9Fe_=C3=9Cbergang?=\n"
        );
        // B when it is shorter.
        assert_eq!(
            unstructured_field("Subject:", "東京"),
            "Subject: =?UTF-8?B?5p2x5Lqs?=\n"
        );
    }

    #[test]
    fn lines_stay_within_78_and_decode_back() {
        for v in [
            "Ünïcödé ".repeat(30),
            "東".repeat(100),
            format!("Re: {} ü", "x".repeat(120)),
            "a =?UTF-8?B?eA==?= ü".to_string(),
            " lead and trail ü ".to_string(),
            "ü".to_string() + &" word".repeat(40),
            format!("{}ü", " ".repeat(100)),
            format!("ü{}x{}", " ".repeat(100), "y".repeat(70)),
            format!("{} ü", "z".repeat(70)),
        ] {
            let f = unstructured_field("Subject:", &v);
            for l in f.lines() {
                assert!(l.len() <= 78 && l.is_ascii(), "{l:?} in {f:?}");
            }
            let value = unfold(&f)["Subject: ".len()..].to_string();
            assert_eq!(decode_words(value.as_bytes()), v, "{f}");
        }
    }

    #[test]
    fn legacy_charset_subjects_keep_their_bytes() {
        assert_eq!(
            unstructured_field_in("Subject:", "café", Some("ISO-8859-1")),
            "Subject: =?ISO-8859-1?Q?caf=E9?=\n"
        );
        // A value the charset cannot hold goes out in UTF-8.
        assert_eq!(
            unstructured_field_in("Subject:", "東京", Some("ISO-8859-1")),
            "Subject: =?UTF-8?B?5p2x5Lqs?=\n"
        );
        let long = "é".repeat(200);
        let f = unstructured_field_in("Subject:", &long, Some("ISO-8859-15"));
        for l in f.lines() {
            assert!(l.len() <= 78, "{l}");
        }
        assert_eq!(
            decode_words(&unfold(&f).as_bytes()["Subject: ".len()..]),
            long
        );
    }

    #[test]
    fn addresses_keep_the_address() {
        assert_eq!(
            address_field("From:", &["Überwachung <icinga@example.org>"]),
            "From: =?UTF-8?Q?=C3=9Cberwachung?= <icinga@example.org>\n"
        );
        assert_eq!(
            address_field("To:", &["\"Doe, Jörg\" <j@x>", "b@x (Bäcker)"]),
            "To: =?UTF-8?Q?Doe=2C_J=C3=B6rg?= <j@x>, b@x (=?UTF-8?Q?B=C3=A4cker?=)\n"
        );
        let long: Vec<String> = (0..6)
            .map(|i| format!("Jörg Müller {i} <j{i}@example.org>"))
            .collect();
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        let f = address_field("To:", &refs);
        for l in f.lines() {
            assert!(l.len() <= 78, "{l:?}");
        }
        assert!(f.contains("<j5@example.org>\n"));
    }

    /// Random text from awkward pieces: every line of a Subject within 78
    /// columns and decoding back; address fields never panic.
    #[test]
    fn random_values() {
        const P: &[&str] = &[
            "a",
            "ü",
            "東京",
            " ",
            "  ",
            "\t",
            "=?",
            "?=",
            "_",
            "(",
            ")",
            "<",
            ">",
            ",",
            "\"",
            "@",
            "x=y",
            "🎉",
            "\u{301}",
            "\u{1}",
            "Re:",
            "loooooooooooooooooooooooooooooooong",
        ];
        let mut seed: u64 = 2047;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            ((seed >> 33) as usize) % n
        };
        for _ in 0..20000 {
            let mut v = String::new();
            for _ in 0..next(40) {
                v.push_str(P[next(P.len())]);
            }
            if v.is_ascii() {
                v.push('é');
            }
            let f = unstructured_field("Subject:", &v);
            for l in f.lines() {
                assert!(l.len() <= 78 && l.is_ascii(), "{l:?} for {v:?}");
            }
            assert_eq!(
                decode_words(&unfold(&f).as_bytes()["Subject: ".len()..]),
                v,
                "{f}"
            );
            let parts: Vec<&str> = v.split(',').collect();
            assert!(address_field("To:", &parts).is_ascii() || !v.is_ascii());
        }
    }

    #[test]
    fn address_lists_split_outside_quotes() {
        assert_eq!(
            split_addresses("\"Doe, J\" <a@x>, b@x (c, d), <e@x>"),
            vec!["\"Doe, J\" <a@x>", "b@x (c, d)", "<e@x>"]
        );
    }
}
