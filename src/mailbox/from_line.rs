//! The mbox From_ line: bsd-mailx's `ishead` (head.c, without the date
//! check, as in Debian) and the parts of the line the header summary shows
//! (the sender word and the date text).

/// The parts of a From_ line that the header summary needs: the envelope
/// of a message (a format without From_ lines makes one up, see
/// [`Folder::envelope`](super::Folder::envelope)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FromLine {
    /// The sender word, raw (`bob@example.org`, or a quoted word).
    pub sender: Vec<u8>,
    /// Everything after the sender (the summary shows `%16.16s` of it).
    pub date: Vec<u8>,
}

/// A broken-down time as an mbox From_ line date, strftime's
/// `%a %b %e %H:%M:%S %Y` in the C locale (`Mon Jan  1 10:00:00 2001`).
pub(crate) fn mbox_date(tm: &libc::tm) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[tm.tm_wday.rem_euclid(7) as usize],
        MONTHS[tm.tm_mon.rem_euclid(12) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        tm.tm_year + 1900
    )
}

/// bsd-mailx's `nextword`: a blank-delimited word (a `"…"` part may hold
/// blanks). Returns the word's range and where the next word starts
/// (`None` at the end of the string).
fn nextword(s: &[u8], mut i: usize) -> (usize, usize, Option<usize>) {
    let start = i;
    while i < s.len() && s[i] != b' ' && s[i] != b'\t' {
        if s[i] == b'"' {
            i += 1;
            while i < s.len() && s[i] != b'"' {
                i += 1;
            }
            if i < s.len() {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    let end = i;
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    (start, end, if i < s.len() { Some(i) } else { None })
}

/// bsd-mailx's `ishead` (without the date check, as in Debian): returns the
/// sender and date ranges of a From_ line (newline already removed).
pub(crate) fn parse_from_line(s: &[u8]) -> Option<((usize, usize), (usize, usize))> {
    // C strings stop at a NUL byte.
    let s = match memchr::memchr(0, s) {
        Some(p) => &s[..p],
        None => s,
    };
    if !s.starts_with(b"From ") {
        return None;
    }
    let (_, _, next) = nextword(s, 0);
    let (ws, we, mut next) = nextword(s, next?);
    if ws == we {
        return None;
    }
    if let Some(c) = next
        && s[c..].starts_with(b"tty")
    {
        next = nextword(s, c).2;
    }
    let d = next?;
    Some(((ws, we), (d, s.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_line_rules() {
        assert!(parse_from_line(b"From bare").is_none());
        assert!(parse_from_line(b"From bare ").is_none());
        assert!(parse_from_line(b"From ").is_none());
        assert!(parse_from_line(b"From a tty").is_none());
        let ((s, e), (d, de)) = parse_from_line(b"From here on we go").unwrap();
        assert_eq!((s, e, d, de), (5, 9, 10, 18));
        let l = b"From \"a b\"@c  Mon Jan  1 10:00:00 2001";
        let ((s, e), (d, _)) = parse_from_line(l).unwrap();
        assert_eq!(&l[s..e], b"\"a b\"@c");
        assert_eq!(&l[d..d + 3], b"Mon");
        let l = b"From x tty1 Mon";
        let (_, (d, _)) = parse_from_line(l).unwrap();
        assert_eq!(&l[d..], b"Mon");
    }
}
