//! The locale's character set, as bsd-mailx reports it in Content-Type:
//! `setlocale(LC_CTYPE, "")` then `nl_langinfo(CODESET)` (`UTF-8`, or
//! `ANSI_X3.4-1968` in the C locale or when the named locale is not installed).

use crate::sys::locale_codeset;
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
