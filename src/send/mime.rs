//! MIME for outgoing mail: RFC 2047 encoded words for non-ASCII header text,
//! the body's charset and transfer encoding, and the body as it goes out
//! ([`MimeBody`]: the planned encoding, or multipart/mixed with attachments
//! from `-A file` and `~@ file`).
//!
//! The rule kept from bsd-mailx: a 7-bit body with lines of at most 998 bytes
//! and pure-ASCII headers goes out exactly as bsd-mailx sends it (8bit, the
//! locale's charset). Everything here only acts on what bsd-mailx would have
//! sent raw.

use super::body::Body;
use super::rfc2047;
use crate::locale::{self, is_8bit_charset};
use crate::transport::Content;
use std::io::{self, Write};

/// Longest line RFC 5322 allows, without CRLF.
pub(crate) const MAX_LINE: usize = 998;

/// How the body goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyPlan {
    pub charset: String,
    pub quoted_printable: bool,
}

impl BodyPlan {
    pub(crate) fn transfer_encoding(&self) -> &'static str {
        if self.quoted_printable {
            "quoted-printable"
        } else {
            "8bit"
        }
    }
}

/// Chooses charset and transfer encoding from what the body's bytes are.
pub(crate) fn plan_body(body: &Body, locale_charset: &str) -> io::Result<BodyPlan> {
    let charset = if !body.eightbit {
        locale_charset.to_string()
    } else if body.is_valid_utf8()? {
        "UTF-8".to_string()
    } else if is_8bit_charset(locale_charset) {
        locale_charset.to_string()
    } else {
        // 8-bit bytes that are not UTF-8 in an ASCII or UTF-8 locale: the
        // most common legacy charset is the honest guess.
        "ISO-8859-1".to_string()
    };
    Ok(BodyPlan {
        charset,
        quoted_printable: body.max_line > MAX_LINE || body.has_nul,
    })
}

/// Encodes a header value as RFC 2047 encoded words when it holds non-ASCII;
/// pure ASCII is returned unchanged. Words never split a UTF-8 character and
/// are at most 75 characters; continuation lines start with a space. (Whole
/// fields are encoded word by word by `rfc2047`.)
pub fn encode_words(value: &str) -> String {
    if value.is_ascii() {
        return value.to_string();
    }
    rfc2047::encode_words_sep(value, "\n ")
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub path: String,
    pub data: Vec<u8>,
    pub content_type: String,
    /// The `charset` parameter of a `text/*` part: `UTF-8` when the bytes
    /// are valid UTF-8, else as for a body (the locale's 8-bit charset, or
    /// ISO-8859-1).
    pub charset: Option<String>,
}

/// True for a regular file we can open for reading (checked before opening,
/// so a FIFO is never opened).
pub(crate) fn is_readable_file(path: &str) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file()) && std::fs::File::open(path).is_ok()
}

/// Reads an attachment, refusing what cannot be read; the type comes from
/// the name, else from the content (text when it is valid UTF-8 without NULs).
pub(crate) fn load_attachment(path: &str) -> io::Result<Attachment> {
    let md = std::fs::metadata(path)?;
    if md.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    let data = std::fs::read(path)?;
    let guessed = mime_guess::from_path(path)
        .first_raw()
        .map(|s| s.to_string());
    let content_type = match guessed {
        Some(t) => t,
        None if !data.contains(&0) && std::str::from_utf8(&data).is_ok() => {
            "text/plain".to_string()
        }
        None => "application/octet-stream".to_string(),
    };
    let charset = content_type
        .starts_with("text/")
        .then(|| text_charset(&data, locale::charset()));
    Ok(Attachment {
        path: path.to_string(),
        data,
        content_type,
        charset,
    })
}

/// The charset of a text attachment's bytes (see [`Attachment::charset`]).
fn text_charset(data: &[u8], locale_charset: &str) -> String {
    if std::str::from_utf8(data).is_ok() {
        "UTF-8".to_string()
    } else if is_8bit_charset(locale_charset) {
        locale_charset.to_string()
    } else {
        "ISO-8859-1".to_string()
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `filename="x"` or, for non-ASCII or special names, RFC 2231 `filename*=UTF-8''...`.
fn disposition_param(param: &str, name: &str) -> String {
    let plain = name
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return format!("{param}=\"{name}\"");
    }
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{param}*=UTF-8''{enc}")
}

/// A boundary that cannot occur in base64 or quoted-printable lines.
pub(crate) fn new_boundary() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("=_mailx_{:x}_{:x}", std::process::id(), nanos)
}

/// Writes the body in the planned transfer encoding.
fn write_body(body: &Body, plan: &BodyPlan, w: &mut dyn Write) -> io::Result<()> {
    if !plan.quoted_printable {
        return body.copy_to(w);
    }
    body.for_each_line(&mut |line: &[u8]| {
        let (text, nl) = match line.strip_suffix(b"\n") {
            Some(t) => (t, true),
            None => (line, false),
        };
        let enc = quoted_printable::encode_to_str(text);
        // The crate already breaks long lines with soft line breaks (CRLF);
        // sendmail's local interface wants LF.
        w.write_all(enc.replace("\r\n", "\n").as_bytes())?;
        if nl {
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Writes one attachment part (headers and base64 text, 76 columns).
fn write_attachment(a: &Attachment, boundary: &str, w: &mut dyn Write) -> io::Result<()> {
    let name = file_name(&a.path);
    writeln!(w, "--{boundary}")?;
    let name_param = if name.is_ascii() {
        disposition_param("name", name)
    } else {
        format!("name=\"{}\"", encode_words(name))
    };
    match &a.charset {
        Some(cs) => writeln!(
            w,
            "Content-Type: {}; charset=\"{cs}\"; {name_param}",
            a.content_type
        )?,
        None => writeln!(w, "Content-Type: {}; {}", a.content_type, name_param)?,
    }
    writeln!(w, "Content-Transfer-Encoding: base64")?;
    writeln!(
        w,
        "Content-Disposition: attachment; {}",
        disposition_param("filename", name)
    )?;
    writeln!(w)?;
    let enc = data_encoding::BASE64.encode(&a.data);
    for chunk in enc.as_bytes().chunks(76) {
        w.write_all(chunk)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// The body of an outgoing message as it is sent: the collected text in its
/// planned transfer encoding, or, with attachments, the multipart/mixed
/// parts after the header block.
pub(crate) struct MimeBody<'a> {
    pub body: &'a Body,
    pub plan: BodyPlan,
    pub attachments: &'a [Attachment],
    /// Set when there are attachments.
    pub boundary: Option<String>,
}

impl Content for MimeBody<'_> {
    fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        let Some(b) = &self.boundary else {
            return write_body(self.body, &self.plan, w);
        };
        if self.body.len > 0 {
            writeln!(w, "--{b}")?;
            writeln!(
                w,
                "Content-Type: text/plain; charset=\"{}\"",
                self.plan.charset
            )?;
            writeln!(
                w,
                "Content-Transfer-Encoding: {}",
                self.plan.transfer_encoding()
            )?;
            writeln!(w)?;
            write_body(self.body, &self.plan, w)?;
            // The line break before a boundary belongs to the boundary (RFC 2046).
            writeln!(w)?;
        }
        for a in self.attachments {
            write_attachment(a, b, w)?;
        }
        writeln!(w, "--{b}--")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mimeview::decode_words;

    #[test]
    fn ascii_is_untouched() {
        assert_eq!(encode_words("hello world"), "hello world");
    }

    #[test]
    fn encoded_words_never_split_characters() {
        let s = "€".repeat(40);
        let enc = encode_words(&s);
        for w in enc.split("\n ") {
            assert!(w.len() <= 75, "{w}");
        }
        assert_eq!(decode_words(enc.replace("\n ", " ").as_bytes()), s);
    }

    #[test]
    fn text_attachment_charsets() {
        assert_eq!(text_charset("Grüße".as_bytes(), "ANSI_X3.4-1968"), "UTF-8");
        assert_eq!(text_charset(b"plain", "ISO-8859-15"), "UTF-8");
        assert_eq!(text_charset(b"caf\xe9", "UTF-8"), "ISO-8859-1");
        assert_eq!(text_charset(b"caf\xe9", "ISO-8859-15"), "ISO-8859-15");
    }

    #[test]
    fn rfc2231_names() {
        assert_eq!(
            disposition_param("filename", "a b.pdf"),
            "filename=\"a b.pdf\""
        );
        assert_eq!(
            disposition_param("filename", "€.txt"),
            "filename*=UTF-8''%E2%82%AC.txt"
        );
    }

    #[test]
    fn plans() {
        let mut b = Body::new().unwrap();
        b.replace(b"plain\n").unwrap();
        assert_eq!(
            plan_body(&b, "UTF-8").unwrap(),
            BodyPlan {
                charset: "UTF-8".into(),
                quoted_printable: false
            }
        );
        b.replace("Grüße\n".as_bytes()).unwrap();
        assert_eq!(plan_body(&b, "ANSI_X3.4-1968").unwrap().charset, "UTF-8");
        b.replace(b"caf\xe9\n").unwrap();
        assert_eq!(plan_body(&b, "UTF-8").unwrap().charset, "ISO-8859-1");
        b.replace(&vec![b'x'; 2000]).unwrap();
        assert!(plan_body(&b, "UTF-8").unwrap().quoted_printable);
    }
}
