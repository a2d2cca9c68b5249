//! The locale's character set, as bsd-mailx reports it in Content-Type:
//! `setlocale(LC_CTYPE, "")` then `nl_langinfo(CODESET)` (`UTF-8`, or
//! `ANSI_X3.4-1968` in the C locale or when the named locale is not installed).

use std::sync::OnceLock;

/// The codeset name of the current LC_CTYPE.
pub fn charset() -> &'static str {
    static CS: OnceLock<String> = OnceLock::new();
    CS.get_or_init(|| {
        // SAFETY: setlocale with an empty string reads the environment; we are
        // single-threaded here. nl_langinfo returns a pointer to a static string
        // that we copy at once.
        unsafe {
            libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
            let p = libc::nl_langinfo(libc::CODESET);
            if p.is_null() {
                return "ANSI_X3.4-1968".to_string();
            }
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    })
}

/// True when the terminal charset is UTF-8.
pub fn is_utf8() -> bool {
    let c = charset();
    c.eq_ignore_ascii_case("UTF-8") || c.eq_ignore_ascii_case("utf8")
}
