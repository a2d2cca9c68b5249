//! RFC 5322 `Date:` values as instants: [`parse_rfc5322`] (seconds since
//! the epoch and the zone offset, for `sort date` and threads) and
//! [`rfc5322_to_rfc3339`] (UTC `2026-12-05T20:50:57Z`, for the JSON
//! listing): pure functions, no locale, no time zone database.
//! [`envelope_time`] reads the date of an mbox From_ line (local time), the
//! fallback when a message has no usable `Date:`.
//!
//! Accepted (RFC 5322 §3.3 and the obsolete forms of §4.3): an optional day
//! name, day, month name, year, `hh:mm[:ss]`, zone; comments `(…)` anywhere;
//! blanks around the colons; two-digit years (`< 50` → 20xx, else 19xx) and
//! three-digit ones (+ 1900); zones `+hhmm`/`-hhmm`, `UT`, `GMT`, `Z`, the
//! US names (`EST`, `EDT`, `CST`, `CDT`, `MST`, `MDT`, `PST`, `PDT`), and
//! other letters (military zones, unknown names) as `-0000` as §4.3 says.
//! Anything else (no zone, a date that does not exist, out of range) is
//! `None`. A leap second (`:60`) counts as the next second.

/// [`parse_rfc5322`] for the fuzz target (`fuzz/fuzz_targets/dates.rs`).
pub fn instant(s: &str) -> Option<(i64, i32)> {
    parse_rfc5322(s)
}

/// [`envelope_time`] in UTC, for the fuzz target.
pub fn envelope_instant(date: &[u8]) -> Option<i64> {
    envelope_time(date, &|_| 0)
}

/// The UTC instant of an RFC 5322 date as RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn rfc5322_to_rfc3339(s: &str) -> Option<String> {
    let (secs, _) = parse_rfc5322(s)?;
    let (d, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, dd) = civil_from_days(d);
    Some(format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    ))
}

/// An RFC 5322 date (with the obsolete forms, see the module doc) as
/// seconds since the epoch (UTC) and the zone's offset in seconds east of
/// UTC. `None` when it is not a date or its UTC year is outside 0..=9999.
pub(crate) fn parse_rfc5322(s: &str) -> Option<(i64, i32)> {
    // Most dates are ASCII without comments, other blanks than spaces, or
    // blanks around colons: their words are those between spaces and
    // commas, without the copy below (the same words).
    let b = s.as_bytes();
    let simple = b.iter().enumerate().all(|(k, &c)| match c {
        b'(' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => false,
        b':' => {
            let before = k > 0 && matches!(b[k - 1], b' ' | b',');
            let after = matches!(b.get(k + 1), Some(b' ' | b','));
            !(before || after)
        }
        c => c.is_ascii(),
    });
    if simple {
        // ASCII: every byte is a character boundary.
        let sep = |c: u8| c == b' ' || c == b',';
        let mut pos = 0;
        return date_words(std::iter::from_fn(|| {
            while pos < b.len() && sep(b[pos]) {
                pos += 1;
            }
            let start = pos;
            while pos < b.len() && !sep(b[pos]) {
                pos += 1;
            }
            (pos > start).then(|| &s[start..pos])
        }));
    }
    parse_flat(s)
}

/// [`parse_rfc5322`] of any date: comments become blanks; blanks around
/// colons go.
fn parse_flat(s: &str) -> Option<(i64, i32)> {
    let mut flat = String::with_capacity(s.len());
    let mut depth = 0u32;
    let mut esc = false;
    for c in s.chars() {
        if depth > 0 {
            match c {
                _ if esc => esc = false,
                '\\' => esc = true,
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                flat.push(' ');
            }
            continue;
        }
        match c {
            '(' => depth = 1,
            ',' => flat.push(' '),
            c if c.is_whitespace() => flat.push(' '),
            c => flat.push(c),
        }
    }
    if depth > 0 {
        return None;
    }
    while flat.as_bytes().windows(2).any(|w| w == b" :" || w == b": ") {
        flat = flat.replace(" :", ":").replace(": ", ":");
    }
    // Every blank became a space above: split at runs of them.
    date_words(flat.split_ascii_whitespace())
}

/// [`parse_rfc5322`] of the date's words (comments and commas gone, no
/// blanks around colons).
fn date_words<'a>(words: impl Iterator<Item = &'a str>) -> Option<(i64, i32)> {
    let mut t = words.peekable();
    if t.peek()
        .is_some_and(|w| w.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        let w = t.next()?;
        if !DAYS
            .iter()
            .any(|d| w.len() >= 3 && d.eq_ignore_ascii_case(&w[..3]))
        {
            return None;
        }
    }
    let day: u32 = digits(t.next()?, 1, 2)?;
    let month = month(t.next()?)?;
    let yw = t.next()?;
    let mut year: i64 = digits(yw, 2, 4)?.into();
    year = match yw.len() {
        2 if year < 50 => year + 2000,
        2 => year + 1900,
        3 => year + 1900,
        _ => year,
    };
    let (hour, min, sec) = clock(t.next()?)?;
    let off = zone(t.next()?)?;
    if t.next().is_some() || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let secs =
        days_from_civil(year, month, day) * 86400 + i64::from(hour * 3600 + min * 60 + sec) - off;
    let (y, _, _) = civil_from_days(secs.div_euclid(86400));
    if !(0..=9999).contains(&y) {
        return None;
    }
    Some((secs, off as i32))
}

/// The date of an mbox From_ line (what follows the sender:
/// `Mon Jan  1 10:00:00 2024`, also without seconds, with a zone name or
/// `+hhmm` before the year, or without the day name) as seconds since the
/// epoch. Without a numeric zone it is local time (`local_offset` gives
/// the offset east of UTC in seconds at a UTC instant).
pub(crate) fn envelope_time(date: &[u8], local_offset: &dyn Fn(i64) -> i64) -> Option<i64> {
    let text = std::str::from_utf8(date).ok()?;
    let mut t = text.split_ascii_whitespace().peekable();
    if t.peek()
        .is_some_and(|w| DAYS.iter().any(|d| d.eq_ignore_ascii_case(w)))
    {
        t.next();
    }
    let month = month(t.next()?)?;
    let day: u32 = digits(t.next()?, 1, 2)?;
    let (hour, min, sec) = clock(t.next()?)?;
    let mut numeric_zone = None;
    let mut year = None;
    for w in t.by_ref() {
        if let Some(y) = digits(w, 4, 4) {
            year = Some(i64::from(y));
            break;
        }
        if w.starts_with(['+', '-']) {
            numeric_zone = Some(zone(w)?);
        } else if !w.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
    }
    let year = year?;
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let wall = days_from_civil(year, month, day) * 86400 + i64::from(hour * 3600 + min * 60 + sec);
    Some(match numeric_zone {
        Some(off) => wall - off,
        None => wall - local_offset(wall),
    })
}

/// Day names, as their first three letters.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A time of day `hh:mm[:ss]` (a leap second allowed) as hour, minute,
/// second.
fn clock(w: &str) -> Option<(u32, u32, u32)> {
    let mut hms = w.as_bytes().split(|&b| b == b':');
    let hour: u32 = digit_bytes(hms.next()?, 1, 2)?;
    let min: u32 = digit_bytes(hms.next()?, 1, 2)?;
    let sec: u32 = match hms.next() {
        Some(x) => digit_bytes(x, 1, 2)?,
        None => 0,
    };
    if hms.next().is_some() || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some((hour, min, sec))
}

/// A number of `min..=max` ASCII digits.
fn digits(w: &str, min: usize, max: usize) -> Option<u32> {
    digit_bytes(w.as_bytes(), min, max)
}

/// [`digits`] of bytes (`max` is at most 9: no overflow).
fn digit_bytes(w: &[u8], min: usize, max: usize) -> Option<u32> {
    if w.len() < min || w.len() > max || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(w.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0')))
}

/// `Jan`..`Dec` (any case; a longer name is accepted by its first three
/// letters: `December`).
fn month(w: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if w.len() < 3 || !w.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let b = w.as_bytes();
    let k = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    M.iter()
        .position(|m| m.as_bytes() == k)
        .map(|i| i as u32 + 1)
}

/// The zone's offset east of UTC in seconds.
fn zone(w: &str) -> Option<i64> {
    let b = w.as_bytes();
    if let [sign @ (b'+' | b'-'), rest @ ..] = b {
        if rest.len() != 4 || !rest.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: i64 = w[1..].parse().ok()?;
        let (h, m) = (n / 100, n % 100);
        if m > 59 {
            return None;
        }
        let o = h * 3600 + m * 60;
        return Some(if *sign == b'-' { -o } else { o });
    }
    if b.is_empty() || !b.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let h = match w.to_ascii_uppercase().as_str() {
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        // UT, GMT, Z, military zones and unknown names: -0000 (§4.3).
        _ => 0,
    };
    Some(h * 3600)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::rfc5322_to_rfc3339 as p;
    use super::{envelope_time, parse_flat, parse_rfc5322};

    /// The shortcut for plain dates gives what the general parser gives,
    /// for dates built from random pieces (commas, colons with and
    /// without blanks, odd words, comments, tabs, non-ASCII).
    #[test]
    fn shortcut_as_general() {
        // One slot after the other, each from its own pieces (some of
        // them wrong), joined by random blanks and commas.
        let slots: [&[&str]; 6] = [
            &["", "Tue", "Tue,", "tue", "Xyz", "(c)", "é"],
            &["14", "1", "0", "31", "29", "x"],
            &["Nov", "nov", "December", "Feb", "Nov,", "N"],
            &["2023", "99", "2024", "1", "20233"],
            &[
                "22:17:10", "22:17", "22 :17", "22: 17", "22,:17", "23:59:60", ":", "2:3:4:5",
            ],
            &[
                "+0000",
                "-0330",
                "EST",
                "GMT",
                "gmt",
                "+000",
                "",
                "+0000 (UTC)",
                "\t+0100",
            ],
        ];
        let joins = [" ", "  ", ", ", ",", "\t", ""];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut r = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut valid = 0;
        for _ in 0..20_000 {
            let mut s = String::new();
            for slot in slots {
                s.push_str(slot[r(slot.len())]);
                s.push_str(joins[if r(3) == 0 { r(joins.len()) } else { 0 }]);
            }
            let got = parse_rfc5322(&s);
            valid += usize::from(got.is_some());
            assert_eq!(got, parse_flat(&s), "{s:?}");
        }
        assert!(valid > 1000, "{valid}");
        for s in [
            "Tue, 14 Nov 2023 22:17:10 +0000",
            "14 Nov 2023 22:17 GMT",
            "Tue,14 Nov 2023 22:17:10 +0000",
            "Tue, 14 Nov 2023 22 : 17:10 +0000",
            "Tue, 14 Nov 2023 22:17:10 +0000 (UTC)",
        ] {
            assert!(parse_rfc5322(s).is_some(), "{s}");
            assert_eq!(parse_rfc5322(s), parse_flat(s), "{s}");
        }
    }

    #[test]
    fn instants_and_offsets() {
        assert_eq!(
            parse_rfc5322("Thu, 1 Jan 1970 01:00:00 +0100"),
            Some((0, 3600))
        );
        assert_eq!(
            parse_rfc5322("Sat, 5 Dec 2026 20:50:57 -0330"),
            Some((1_796_503_857 + 3 * 3600 + 1800, -(3 * 3600 + 1800)))
        );
        assert_eq!(
            parse_rfc5322("1 Jan 2000 00:00 EST"),
            Some((946_702_800, -18000))
        );
        assert_eq!(parse_rfc5322("garbage"), None);
    }

    #[test]
    fn envelope_dates() {
        let utc = |_| 0;
        assert_eq!(envelope_time(b"Thu Jan  1 00:00:00 1970", &utc), Some(0));
        assert_eq!(envelope_time(b"Thu Jan  1 01:00 1970", &utc), Some(3600));
        assert_eq!(envelope_time(b"Jan 1 01:00:00 1970", &utc), Some(3600));
        assert_eq!(
            envelope_time(b"Thu Jan  1 01:00:00 +0100 1970", &utc),
            Some(0)
        );
        assert_eq!(
            envelope_time(b"Thu Jan  1 01:00:00 CET 1970", &|_| 3600),
            Some(0)
        );
        for bad in [
            &b""[..],
            b"Thu Foo  1 00:00:00 1970",
            b"Thu Jan 32 00:00:00 1970",
            b"Thu Jan  1 00:00:00",
            b"\xff",
        ] {
            assert_eq!(envelope_time(bad, &utc), None);
        }
    }

    #[test]
    fn modern_forms() {
        assert_eq!(
            p("Sat, 5 Dec 2026 20:50:57 +0000").as_deref(),
            Some("2026-12-05T20:50:57Z")
        );
        assert_eq!(
            p("Fri, 21 Nov 1997 09:55:06 -0600").as_deref(),
            Some("1997-11-21T15:55:06Z")
        );
        assert_eq!(
            p("1 Jan 2000 00:30:00 +0100").as_deref(),
            Some("1999-12-31T23:30:00Z")
        );
        assert_eq!(
            p("Thu, 13 Feb 1969 23:32:54 -0330").as_deref(),
            Some("1969-02-14T03:02:54Z")
        );
        assert_eq!(
            p("29 Feb 2024 23:59:59 -0000").as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
    }

    #[test]
    fn obsolete_forms() {
        // Two- and three-digit years, named zones, no seconds, comments,
        // blanks around colons, odd spacing and case.
        assert_eq!(
            p("Mon, 3 Jan 99 10:00:00 EST").as_deref(),
            Some("1999-01-03T15:00:00Z")
        );
        assert_eq!(
            p("3 Jan 07 10:00 GMT").as_deref(),
            Some("2007-01-03T10:00:00Z")
        );
        assert_eq!(
            p("3 jan 107 10:00 UT").as_deref(),
            Some("2007-01-03T10:00:00Z")
        );
        assert_eq!(
            p("Thu,\n      13\n        Feb\n          1969\n      23:32\n               -0330 (Newfoundland Time)").as_deref(),
            Some("1969-02-14T03:02:00Z")
        );
        assert_eq!(
            p("21 Nov 97 09(comment):   55  :  06 GMT").as_deref(),
            Some("1997-11-21T09:55:06Z")
        );
        assert_eq!(
            p("Tue, 1 Jul 2003 10:52:37 PDT").as_deref(),
            Some("2003-07-01T17:52:37Z")
        );
        assert_eq!(
            p("1 December 2003 10:52:37 +0000 (UTC)").as_deref(),
            Some("2003-12-01T10:52:37Z")
        );
        // Military and unknown zones are -0000.
        assert_eq!(
            p("1 Jul 2003 10:52:37 Q").as_deref(),
            Some("2003-07-01T10:52:37Z")
        );
        // A leap second is the next second.
        assert_eq!(
            p("31 Dec 2016 23:59:60 +0000").as_deref(),
            Some("2017-01-01T00:00:00Z")
        );
    }

    #[test]
    fn unparseable_is_none() {
        for s in [
            "",
            "yesterday",
            "5 Dec 2026 20:50:57",
            "30 Feb 2024 10:00:00 +0000",
            "5 Dec 2026 24:00:00 +0000",
            "5 Dec 2026 20:61:00 +0000",
            "5 Foo 2026 20:50:57 +0000",
            "5 Dec 2026 20:50:57 +01",
            "5 Dec 2026 20:50:57 +0160",
            "Xyz, 5 Dec 2026 20:50:57 +0000",
            "5 Dec 2026 20:50:57 +0000 extra",
            "2026-12-05T20:50:57Z",
            "5 Dec 2026 20:50:57 +0000 (unclosed",
            "٥ Dec 2026 20:50:57 +0000",
            "1 Jan 0 00:00:00 +0100",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
    }
}
