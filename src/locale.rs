//! The locale's character set, as bsd-mailx reports it in Content-Type:
//! `setlocale(LC_CTYPE, "")` then `nl_langinfo(CODESET)` (`UTF-8`, or
//! `ANSI_X3.4-1968` in the C locale or when the named locale is not installed).

use crate::sys::locale_codeset;
use encoding_rs::Encoding;
use std::sync::OnceLock;

/// The codeset name of the current LC_CTYPE.
pub(crate) fn charset() -> &'static str {
    static CS: OnceLock<String> = OnceLock::new();
    CS.get_or_init(|| locale_codeset().unwrap_or_else(|| "ANSI_X3.4-1968".to_string()))
}

/// True when the terminal charset is UTF-8.
pub(crate) fn is_utf8() -> bool {
    let c = charset();
    c.eq_ignore_ascii_case("UTF-8") || c.eq_ignore_ascii_case("utf8")
}

/// True for a charset name that is neither UTF-8 nor ASCII: an 8-bit (or
/// other legacy) charset whose bytes are not UTF-8.
pub(crate) fn is_8bit_charset(cs: &str) -> bool {
    !(cs.eq_ignore_ascii_case("UTF-8")
        || cs.eq_ignore_ascii_case("utf8")
        || cs.eq_ignore_ascii_case("ANSI_X3.4-1968")
        || cs.eq_ignore_ascii_case("US-ASCII")
        || cs.eq_ignore_ascii_case("ASCII"))
}

/// Bytes that are not UTF-8 read as text in the charset `cs`, when it is a
/// legacy charset the system knows and the bytes are valid in it.
pub(crate) fn decode_legacy(b: &[u8], cs: &str) -> Option<String> {
    if !is_8bit_charset(cs) {
        return None;
    }
    let enc = Encoding::for_label(cs.as_bytes()).filter(|e| *e != encoding_rs::UTF_8)?;
    let (text, had_errors) = enc.decode_without_bom_handling(b);
    (!had_errors).then(|| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_bytes() {
        assert_eq!(
            decode_legacy(b"caf\xe9", "ISO-8859-1").as_deref(),
            Some("café")
        );
        assert_eq!(decode_legacy(b"\xa4", "ISO-8859-15").as_deref(), Some("€"));
        assert_eq!(decode_legacy(b"caf\xe9", "UTF-8"), None);
        assert_eq!(decode_legacy(b"caf\xe9", "ANSI_X3.4-1968"), None);
        assert_eq!(decode_legacy(b"\xff\xff", "EUC-JP"), None);
    }
}
