//! Incoming MIME for display (the send side is `mime`): RFC 2047 encoded
//! words in headers, transfer encodings and charsets of text parts, the
//! MIME structure of a message (which part is shown, which are listed as
//! `[-- #2 application/pdf, report.pdf, 12 KB --]`), nested `message/rfc822`,
//! and the decoded bytes of one part for `detach`.
//!
//! Decisions (docs/COMPATIBILITY.md, M5–M10):
//! - Decoding happens only when the terminal charset is UTF-8 or a known
//!   8-bit charset ([`Term`]). In the C/POSIX (ASCII) locale everything stays
//!   bsd-mailx's raw bytes, byte for byte.
//! - A message that needs nothing decoded (7-bit or UTF-8 `text/plain`, no
//!   encoded words in the headers shown) is not touched: callers print it
//!   through the old raw path ([`view`] returns `None`).
//! - MIME parsing is mailparse's, guarded by `catch_unwind`; on a panic or a
//!   parse error the raw message is shown.
//!
//! All functions here return UTF-8 text; [`to_terminal`] converts it to the
//! terminal's charset (`?` for what it cannot show).

use crate::session::IgnoreTab;
use crate::util::hex;
use crate::{locale, mailbox};
use encoding_rs::Encoding;
use mailparse::ParsedMail;

/// What the terminal's charset lets us show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// ASCII (C/POSIX locale) or an unknown charset: no decoding at all,
    /// bsd-mailx's raw/vis output.
    Raw,
    /// UTF-8.
    Utf8,
    /// A known non-UTF-8 charset (ISO-8859-x, KOI8-R, ...).
    Legacy(&'static Encoding),
}

/// The terminal charset, from the locale (`locale::charset`).
pub fn term() -> Term {
    term_for(locale::charset())
}

/// [`term`] for a given codeset name.
pub(crate) fn term_for(cs: &str) -> Term {
    let l = cs.to_ascii_lowercase();
    if l == "utf-8" || l == "utf8" {
        return Term::Utf8;
    }
    // encoding_rs maps the ASCII labels to windows-1252: they mean ASCII here.
    if matches!(
        l.as_str(),
        "" | "c" | "posix" | "ansi_x3.4-1968" | "us-ascii" | "ascii" | "646" | "iso646-us"
    ) {
        return Term::Raw;
    }
    match Encoding::for_label(cs.as_bytes()) {
        Some(e) if e == encoding_rs::UTF_8 => Term::Utf8,
        Some(e) if e.is_single_byte() => Term::Legacy(e),
        _ => Term::Raw,
    }
}

/// UTF-8 text → the terminal's charset. Unmappable characters become `?`
/// (`encode_from_utf8_without_replacement`; never `Encoding::encode`, which
/// writes HTML entities). In `Raw` mode non-ASCII characters become `?`.
pub(crate) fn to_terminal(s: &str, t: Term) -> Vec<u8> {
    match t {
        Term::Utf8 => s.as_bytes().to_vec(),
        Term::Raw => s
            .chars()
            .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
            .collect(),
        Term::Legacy(enc) => {
            let mut enc = enc.new_encoder();
            let mut out = Vec::with_capacity(s.len() + 16);
            let mut rest = s;
            loop {
                let need = enc
                    .max_buffer_length_from_utf8_without_replacement(rest.len())
                    .unwrap_or(rest.len() * 4 + 16);
                let start = out.len();
                out.resize(start + need.max(16), 0);
                let (res, read, written) =
                    enc.encode_from_utf8_without_replacement(rest, &mut out[start..], true);
                out.truncate(start + written);
                rest = &rest[read..];
                match res {
                    encoding_rs::EncoderResult::InputEmpty => break,
                    encoding_rs::EncoderResult::OutputFull => continue,
                    encoding_rs::EncoderResult::Unmappable(_) => out.push(b'?'),
                }
            }
            out
        }
    }
}

// ---------------------------------------------------------------------------
// Charsets and RFC 2047

/// Bytes that carry no (or an unknown) charset label: UTF-8 when they are
/// valid UTF-8, else Latin-1 (windows-1252, as browsers read it).
pub fn guess_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(b)
            .0
            .into_owned(),
    }
}

/// The encoding for a MIME charset label (`utf-8*en` language suffixes
/// allowed). `None` for unknown labels. ASCII labels mean "guess".
fn charset_for(label: &str) -> Option<&'static Encoding> {
    let l = label
        .split('*')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    Encoding::for_label(l.as_bytes())
}

fn is_ascii_label(label: &str) -> bool {
    let l = label.trim().trim_matches('"').to_ascii_lowercase();
    l.is_empty() || l == "us-ascii" || l == "ascii" || l == "ansi_x3.4-1968"
}

/// Bytes in a declared charset → text. Unknown or ASCII labels guess
/// (UTF-8, else Latin-1). Returns the text and whether the label was known.
pub(crate) fn decode_charset(b: &[u8], label: &str) -> (String, bool) {
    if is_ascii_label(label) {
        return (guess_text(b), true);
    }
    match charset_for(label) {
        // A UTF-8 label on bytes that are not UTF-8 (a common lie): guess.
        Some(e) if e == encoding_rs::UTF_8 => (guess_text(b), true),
        Some(e) => (e.decode_without_bom_handling(b).0.into_owned(), true),
        None => (guess_text(b), false),
    }
}

/// Q encoding (RFC 2047 §4.2): `_` is a space, `=XX` a byte; a stray `=`
/// stays as it is.
fn decode_q(t: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len());
    let mut k = 0;
    while k < t.len() {
        match t[k] {
            b'_' => out.push(b' '),
            b'=' if k + 2 < t.len() => match (hex(t[k + 1]), hex(t[k + 2])) {
                (Some(a), Some(b)) => {
                    out.push(a * 16 + b);
                    k += 3;
                    continue;
                }
                _ => out.push(b'='),
            },
            c => out.push(c),
        }
        k += 1;
    }
    out
}

/// Lenient base64: characters outside the alphabet are skipped, missing
/// padding is fine, a trailing partial group gives the bytes it holds.
pub fn decode_b64_lenient(t: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in t {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// One parsed encoded word: (charset, decoded bytes, bytes consumed).
fn encoded_word(s: &[u8]) -> Option<(String, Vec<u8>, usize)> {
    // s starts with "=?"
    let rest = &s[2..];
    let q1 = rest.iter().position(|&c| c == b'?')?;
    let cs = &rest[..q1];
    if cs.is_empty() || cs.len() > 40 || cs.iter().any(|c| c.is_ascii_whitespace()) {
        return None;
    }
    let after = &rest[q1 + 1..];
    if after.len() < 2 || after[1] != b'?' {
        return None;
    }
    let enc = after[0].to_ascii_lowercase();
    if enc != b'q' && enc != b'b' {
        return None;
    }
    let text_start = 2 + q1 + 1 + 2;
    let text = &s[text_start..];
    // The end: the next "?=" unless another word starts before it; a
    // missing "?=" ends the word at the next blank (or the end).
    // ("=?=" is base64 padding followed by the end, not a new word.)
    let next_word = text
        .windows(3)
        .position(|w| w[0] == b'=' && w[1] == b'?' && w[2] != b'=');
    let end_mark = find(text, b"?=");
    let (tlen, consumed) = match end_mark {
        Some(e) if next_word.is_none_or(|n| e < n) => (e, e + 2),
        _ => {
            let b = text
                .iter()
                .position(|c| c.is_ascii_whitespace())
                .unwrap_or(text.len());
            let b = next_word.map_or(b, |n| n.min(b));
            (b, b)
        }
    };
    let t = &text[..tlen];
    let bytes = if enc == b'q' {
        // Spaces inside a Q word are a common mistake: keep them.
        decode_q(t)
    } else {
        decode_b64_lenient(t)
    };
    Some((
        String::from_utf8_lossy(cs).into_owned(),
        bytes,
        text_start + consumed,
    ))
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Decodes a header value: RFC 2047 encoded words (Q and B, any charset
/// encoding_rs knows, adjacent words joined, common malformations
/// tolerated) and raw 8-bit text (UTF-8, else Latin-1).
pub fn decode_words(raw: &[u8]) -> String {
    // No encoded word (most headers): the text as it is, without the
    // byte-by-byte copy below (the same result: all of it is one plain run).
    if find(raw, b"=?").is_none() {
        return guess_text(raw);
    }
    let mut out = String::new();
    let mut plain: Vec<u8> = Vec::new();
    // Bytes of consecutive encoded words in one charset, decoded together
    // so a character split across two words survives.
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut k = 0;
    let flush_pending = |out: &mut String, p: &mut Option<(String, Vec<u8>)>| {
        if let Some((cs, b)) = p.take() {
            out.push_str(&decode_charset(&b, &cs).0);
        }
    };
    while k < raw.len() {
        if raw[k] == b'='
            && raw.get(k + 1) == Some(&b'?')
            && let Some((cs, bytes, n)) = encoded_word(&raw[k..])
        {
            // Whitespace between two encoded words is dropped.
            let between_words = pending.is_some() && plain.iter().all(|c| c.is_ascii_whitespace());
            if !between_words {
                flush_pending(&mut out, &mut pending);
                out.push_str(&guess_text(&plain));
            }
            plain.clear();
            match &mut pending {
                Some((pcs, pb)) if pcs.eq_ignore_ascii_case(&cs) => pb.extend(bytes),
                _ => {
                    flush_pending(&mut out, &mut pending);
                    pending = Some((cs, bytes));
                }
            }
            k += n;
            continue;
        }
        plain.push(raw[k]);
        k += 1;
    }
    flush_pending(&mut out, &mut pending);
    out.push_str(&guess_text(&plain));
    out
}

/// RFC 2047 encoded words decoded to the bytes of their own charset, not
/// converted (what s-nail shows in a locale that is not UTF-8, each
/// non-ASCII byte then replaced); other text is kept as it is.
pub(crate) fn decode_words_unconverted(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut plain_start = 0;
    let mut after_word = false;
    let mut k = 0;
    while k < raw.len() {
        if raw[k] == b'='
            && raw.get(k + 1) == Some(&b'?')
            && let Some((_, bytes, n)) = encoded_word(&raw[k..])
        {
            let between = &raw[plain_start..k];
            // Whitespace between two encoded words is dropped.
            if !(after_word && between.iter().all(|c| c.is_ascii_whitespace())) {
                out.extend_from_slice(between);
            }
            out.extend_from_slice(&bytes);
            k += n;
            plain_start = k;
            after_word = true;
            continue;
        }
        k += 1;
    }
    out.extend_from_slice(&raw[plain_start..]);
    out
}

/// Does this header value need decoding (encoded words, or raw bytes that
/// are not UTF-8)?
pub(crate) fn needs_decoding(raw: &[u8]) -> bool {
    find(raw, b"=?").is_some() || std::str::from_utf8(raw).is_err()
}

// ---------------------------------------------------------------------------
// Message structure

/// Parses a message (headers and body, no From_ line) with mailparse,
/// catching a panic. The closure gets the parsed message.
pub(crate) fn with_parsed<R>(raw: &[u8], f: impl FnOnce(&ParsedMail<'_>) -> R) -> Option<R> {
    quietly(|| {
        let m = mailparse::parse_mail(raw).ok()?;
        Some(f(&m))
    })
    .flatten()
}

/// Runs `f`, turning a panic into `None` without the panic message on
/// stderr (a broken message must not print a Rust backtrace at the user).
/// The program is single-threaded, so swapping the hook is safe; nested
/// calls keep the outer silent hook.
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> Option<R> {
    thread_local! {
        static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let outer = DEPTH.with(|d| {
        let v = d.get();
        d.set(v + 1);
        v == 0
    });
    let prev = outer.then(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        prev
    });
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    if let Some(prev) = prev {
        std::panic::set_hook(prev);
    }
    DEPTH.with(|d| d.set(d.get() - 1));
    r.ok()
}

/// The message without its From_ line (mailparse wants headers first).
pub fn strip_from_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        match raw.iter().position(|&c| c == b'\n') {
            Some(p) => &raw[p + 1..],
            None => &[],
        }
    } else {
        raw
    }
}

fn mimetype(p: &ParsedMail<'_>) -> String {
    p.ctype.mimetype.to_ascii_lowercase()
}

fn is_multipart(p: &ParsedMail<'_>) -> bool {
    mimetype(p).starts_with("multipart/") && !p.subparts.is_empty()
}

fn is_message(p: &ParsedMail<'_>) -> bool {
    matches!(mimetype(p).as_str(), "message/rfc822" | "message/global")
}

/// The decoded bytes of a part's body; a base64 body mailparse refuses is
/// decoded leniently, anything else falls back to the raw bytes.
pub(crate) fn part_bytes(p: &ParsedMail<'_>) -> Vec<u8> {
    if mimetype(p).starts_with("multipart/") && p.subparts.is_empty() {
        // No boundary found: mailparse leaves the body empty; show it all.
        let start = find(p.raw_bytes, b"\n\n")
            .map(|k| k + 2)
            .unwrap_or(p.raw_bytes.len());
        return p.raw_bytes[start..].to_vec();
    }
    match quietly(|| p.get_body_raw()) {
        Some(Ok(b)) => b,
        _ => {
            use mailparse::body::Body;
            match p.get_body_encoded() {
                Body::Base64(b) => decode_b64_lenient(b.get_raw()),
                Body::QuotedPrintable(b) => b.get_raw().to_vec(),
                Body::SevenBit(b) | Body::EightBit(b) => b.get_raw().to_vec(),
                Body::Binary(b) => b.get_raw().to_vec(),
            }
        }
    }
}

/// A part's file name: Content-Disposition `filename` (RFC 2231 handled by
/// mailparse), else Content-Type `name`; encoded words in it decoded.
pub(crate) fn part_filename(p: &ParsedMail<'_>) -> Option<String> {
    let d = p.get_content_disposition();
    let n = d
        .params
        .get("filename")
        .or_else(|| p.ctype.params.get("name"))?;
    Some(decode_words(n.as_bytes()))
}

fn is_attachment_disposition(p: &ParsedMail<'_>) -> bool {
    matches!(
        p.get_content_disposition().disposition,
        mailparse::DispositionType::Attachment
    )
}

/// `12 KB`-style size.
pub(crate) fn human_size(n: usize) -> String {
    if n < 1024 {
        format!("{n} bytes")
    } else if n < 1024 * 1024 {
        format!("{} KB", n.div_ceil(1024))
    } else {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    }
}

/// One numbered part, for `attachments` and `detach`.
#[derive(Debug, Clone)]
pub struct PartInfo {
    pub num: usize,
    pub depth: usize,
    pub mimetype: String,
    pub filename: Option<String>,
    pub size: usize,
}

/// Numbers the parts of a message depth-first: every non-multipart part
/// gets a number (a `message/rfc822` part too, then the parts inside it;
/// `depth` counts the enclosing messages).
/// `visit` gets each numbered part.
fn walk(
    p: &ParsedMail<'_>,
    depth: usize,
    num: &mut usize,
    visit: &mut dyn FnMut(usize, usize, &ParsedMail<'_>),
) {
    if depth > 20 {
        return;
    }
    if is_multipart(p) {
        for sp in &p.subparts {
            walk(sp, depth, num, visit);
        }
        return;
    }
    *num += 1;
    visit(*num, depth, p);
    if is_message(p) {
        let inner = part_bytes(p);
        with_parsed(&inner, |m| walk(m, depth + 1, num, visit));
    }
}

/// The numbered parts of a message (raw message, From_ line allowed).
pub fn list_parts(raw: &[u8]) -> Option<Vec<PartInfo>> {
    with_parsed(strip_from_line(raw), |m| {
        let mut v = Vec::new();
        let mut n = 0;
        walk(m, 0, &mut n, &mut |num, depth, p| {
            v.push(PartInfo {
                num,
                depth,
                mimetype: mimetype(p),
                filename: part_filename(p),
                size: part_bytes(p).len(),
            });
        });
        v
    })
}

/// The decoded bytes of part `want` (numbered as [`list_parts`]).
pub fn part_data(raw: &[u8], want: usize) -> Option<(PartInfo, Vec<u8>)> {
    with_parsed(strip_from_line(raw), |m| {
        let mut found = None;
        let mut n = 0;
        walk(m, 0, &mut n, &mut |num, depth, p| {
            if num == want && found.is_none() {
                let data = part_bytes(p);
                found = Some((
                    PartInfo {
                        num,
                        depth,
                        mimetype: mimetype(p),
                        filename: part_filename(p),
                        size: data.len(),
                    },
                    data,
                ));
            }
        });
        found
    })
    .flatten()
}

/// The `[-- #2 application/pdf, report.pdf, 12 KB --]` line (no newline).
pub(crate) fn part_line(info: &PartInfo, note: &str) -> String {
    let mut s = format!("[-- #{} {}", info.num, info.mimetype);
    if let Some(f) = &info.filename {
        s.push_str(", ");
        s.push_str(f);
    }
    s.push_str(", ");
    s.push_str(&human_size(info.size));
    if !note.is_empty() {
        s.push_str(", ");
        s.push_str(note);
    }
    s.push_str(" --]");
    s
}

/// Renders a message body (the structure below the top-level headers).
struct Renderer<'i> {
    ign: Option<&'i IgnoreTab>,
    num: usize,
    out: String,
    /// A text part has been shown (later ones get a `[-- #n --]` line).
    shown: bool,
}

impl Renderer<'_> {
    fn separate(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn line(&mut self, l: &str) {
        self.separate();
        self.out.push_str(l);
        self.out.push('\n');
    }

    /// How many numbers a part uses (for skipped alternatives).
    fn count(p: &ParsedMail<'_>) -> usize {
        let mut n = 0;
        walk(p, 0, &mut n, &mut |_, _, _| {});
        n
    }

    fn info(&self, p: &ParsedMail<'_>, data: &[u8]) -> PartInfo {
        PartInfo {
            num: self.num,
            depth: 0,
            mimetype: mimetype(p),
            filename: part_filename(p),
            size: data.len(),
        }
    }

    fn part(&mut self, p: &ParsedMail<'_>, depth: usize) {
        if depth > 50 {
            return;
        }
        let mt = mimetype(p);
        if is_multipart(p) {
            if mt == "multipart/alternative" {
                let pick = p
                    .subparts
                    .iter()
                    .position(|sp| mimetype(sp) == "text/plain")
                    .or_else(|| {
                        p.subparts
                            .iter()
                            .position(|sp| mimetype(sp).starts_with("text/"))
                    })
                    .unwrap_or(0);
                for (k, sp) in p.subparts.iter().enumerate() {
                    if k == pick {
                        self.part(sp, depth + 1);
                    } else {
                        self.num += Self::count(sp);
                    }
                }
            } else {
                for sp in &p.subparts {
                    self.part(sp, depth + 1);
                }
            }
            return;
        }
        self.num += 1;
        let data = part_bytes(p);
        if is_message(p) {
            let info = self.info(p, &data);
            self.line(&part_line(&info, ""));
            let ok = with_parsed(&data, |m| {
                self.headers(m);
                self.out.push('\n');
                self.shown = false;
                self.part(m, depth + 1);
            });
            if ok.is_none() {
                self.text(&guess_text(&data));
            }
            self.shown = true;
            return;
        }
        let textual = mt.starts_with("text/") || mt.starts_with("multipart/");
        if textual && !is_attachment_disposition(p) {
            let (text, known) = decode_charset(&data, &p.ctype.charset);
            let mut notes = Vec::new();
            if !known {
                notes.push(format!("unknown charset \"{}\"", p.ctype.charset));
            }
            if mt == "text/html" {
                notes.push("HTML source shown as text".to_string());
            } else if mt.starts_with("multipart/") {
                notes.push("no parts found, shown as text".to_string());
            }
            if self.shown || !notes.is_empty() {
                let info = self.info(p, &data);
                self.line(&part_line(&info, &notes.join(", ")));
            }
            self.text(&text);
            self.shown = true;
            return;
        }
        let info = self.info(p, &data);
        self.line(&part_line(&info, ""));
    }

    fn text(&mut self, t: &str) {
        let t = t.replace("\r\n", "\n");
        self.out.push_str(&t);
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// A nested message's header fields, filtered and decoded.
    fn headers(&mut self, m: &ParsedMail<'_>) {
        for h in &m.headers {
            let key = h.get_key();
            if self.ign.is_some_and(|t| t.hides(&key.to_ascii_lowercase())) {
                continue;
            }
            let v = unfold(h.get_value_raw());
            self.out.push_str(&key);
            self.out.push_str(": ");
            self.out.push_str(&decode_words(&v));
            self.out.push('\n');
        }
    }
}

/// A header value with its line breaks removed (RFC 5322 unfolding).
fn unfold(v: &[u8]) -> Vec<u8> {
    v.iter()
        .copied()
        .filter(|&c| c != b'\n' && c != b'\r')
        .collect()
}

/// Is the body plain enough to print as it is (no Content-Type or
/// text/plain; 7bit/8bit/binary; ASCII or UTF-8, or ASCII bytes)?
fn body_is_simple(hdr: &mailbox::Headers, body: &[u8]) -> bool {
    let cte = hdr
        .get("content-transfer-encoding")
        .map(|v| String::from_utf8_lossy(v).trim().to_ascii_lowercase());
    if let Some(c) = &cte
        && !matches!(c.as_str(), "" | "7bit" | "8bit" | "binary")
    {
        return false;
    }
    let Some(ct) = hdr.get("content-type") else {
        return true;
    };
    let ct = mailparse::parse_content_type(&String::from_utf8_lossy(ct));
    if !ct.mimetype.eq_ignore_ascii_case("text/plain") {
        return false;
    }
    body.is_ascii()
        || is_ascii_label(&ct.charset)
        || charset_for(&ct.charset) == Some(encoding_rs::UTF_8)
}

/// Rewrites a rendered header block (From_ line, fields, Status): fields
/// whose value has encoded words or non-UTF-8 bytes become one decoded line;
/// all other lines are kept byte for byte.
fn rewrite_header_block(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len());
    let lines: Vec<&[u8]> = block.split_inclusive(|&c| c == b'\n').collect();
    let mut k = 0;
    while k < lines.len() {
        let line = lines[k];
        let colon = line.iter().position(|&c| c == b':');
        let is_field = k > 0 || !line.starts_with(b"From ");
        let Some(colon) = colon.filter(|_| is_field) else {
            out.extend_from_slice(line);
            k += 1;
            continue;
        };
        let mut j = k + 1;
        while j < lines.len() && matches!(lines[j].first(), Some(b' ') | Some(b'\t')) {
            j += 1;
        }
        let whole: Vec<u8> = lines[k..j].concat();
        let value = &whole[colon + 1..];
        if needs_decoding(value) {
            let v = unfold(value);
            let v = v.trim_ascii();
            out.extend_from_slice(&whole[..colon + 1]);
            out.push(b' ');
            out.extend_from_slice(decode_words(v).as_bytes());
            out.push(b'\n');
        } else {
            out.extend_from_slice(&whole);
        }
        k = j;
    }
    out
}

/// The decoded form of message `i` as `print` shows it, given its rendering
/// by the raw path (`rendered`: From_ line, headers after ignore, Status,
/// the blank line, the body), its headers and its raw bytes. Returns UTF-8
/// text, or `None` when nothing needs decoding (print the raw rendering).
pub fn decode_rendered(
    rendered: &[u8],
    hdr: &mailbox::Headers,
    raw: &[u8],
    ign: Option<&IgnoreTab>,
) -> Option<Vec<u8>> {
    let split = find(rendered, b"\n\n")
        .map(|p| p + 1)
        .unwrap_or(rendered.len());
    let (head, body) = rendered.split_at(split);
    let new_head = rewrite_header_block(head);
    let msg = strip_from_line(raw);
    let body_start = find(msg, b"\n\n").map(|p| p + 2).unwrap_or(msg.len());
    let simple = body_is_simple(hdr, &msg[body_start..]);
    if simple {
        if new_head == head {
            return None;
        }
        let mut v = new_head;
        v.extend_from_slice(body);
        return Some(v);
    }
    let text = with_parsed(msg, |m| {
        let mut r = Renderer {
            ign,
            num: 0,
            out: String::new(),
            shown: false,
        };
        r.part(m, 0);
        r.out
    });
    let mut v = new_head;
    match text {
        Some(t) => {
            v.push(b'\n');
            v.extend_from_slice(t.trim_end_matches('\n').as_bytes());
            v.extend_from_slice(b"\n\n");
        }
        None => v.extend_from_slice(body),
    }
    Some(v)
}

/// Applies `~m`'s indent prefix to every line (trailing blanks of the
/// prefix dropped on empty lines, as the raw path does).
pub(crate) fn prefix_lines(text: &[u8], prefix: &[u8]) -> Vec<u8> {
    let trimmed = {
        let mut k = prefix.len();
        while k > 0 && (prefix[k - 1] == b' ' || prefix[k - 1] == b'\t') {
            k -= 1;
        }
        &prefix[..k]
    };
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive(|&c| c == b'\n') {
        out.extend_from_slice(if line == b"\n" { trimmed } else { prefix });
        out.extend_from_slice(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2047_basic_and_adjacent() {
        assert_eq!(decode_words(b"=?UTF-8?B?SsO2cmc=?= <j@x>"), "Jörg <j@x>");
        assert_eq!(
            decode_words(b"=?ISO-8859-1?Q?Gr=FC=DFe?= =?ISO-8859-1?Q?_aus?= K\xf6ln"),
            "Grüße aus Köln"
        );
        assert_eq!(decode_words(b"a =?utf-8?q?b?= c"), "a b c");
        // A character split across two words.
        assert_eq!(decode_words(b"=?UTF-8?Q?=C3?= =?UTF-8?Q?=BC?="), "ü");
    }

    #[test]
    fn rfc2047_malformed() {
        assert_eq!(decode_words(b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe"), "Grüße");
        assert_eq!(decode_words(b"=?utf-8?Q?Gr=C3=BC ok?="), "Grü ok");
        assert_eq!(decode_words(b"=?UTF-8?b?SsO2cmc?="), "Jörg");
        assert_eq!(decode_words(b"=?x-unknown?Q?abc?="), "abc");
        assert_eq!(decode_words(b"=?koi8-r?B?8NLJ18XU?="), "Привет");
        assert_eq!(decode_words(b"=?gb2312?B?1tDOxA==?="), "中文");
        assert_eq!(decode_words(b"=? not a word"), "=? not a word");
        assert_eq!(decode_words(b"caf\xe9"), "café");
        assert_eq!(decode_words("café".as_bytes()), "café");
    }

    #[test]
    fn terminal_encoding() {
        let latin1 = Term::Legacy(encoding_rs::WINDOWS_1252);
        assert_eq!(to_terminal("café €中", latin1), b"caf\xe9 \x80?");
        assert_eq!(to_terminal("café", Term::Raw), b"caf?");
        assert_eq!(term_for("ANSI_X3.4-1968"), Term::Raw);
        assert_eq!(term_for("UTF-8"), Term::Utf8);
        assert!(matches!(term_for("ISO-8859-1"), Term::Legacy(_)));
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(5), "5 bytes");
        assert_eq!(human_size(12 * 1024), "12 KB");
    }
}
