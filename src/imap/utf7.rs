//! IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable
//! ASCII stands for itself except `&`, which is `&-`; every other run of
//! characters is its UTF-16 in base64 with `,` for `/`, no padding,
//! between `&` and `-` (`日本語` is `&ZeVnLIqe-`). Names are encoded for
//! every command that names a mailbox and LIST's answers are decoded.
//!
//! Hand-written (about 100 lines) rather than a crate: the codecs on
//! crates.io are either part of a whole IMAP stack or encode only, and
//! the decoder here must be strict (a name that is not valid modified
//! UTF-7 is shown as the server sent it, never guessed at).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// `name` in modified UTF-7.
pub(crate) fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut run, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut buf = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Writes the UTF-16 units of `run` as `&…-` and empties it.
fn flush(run: &mut Vec<u16>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    out.push('&');
    let mut bits = 0u32;
    let mut n = 0;
    for u in run.drain(..) {
        bits = bits << 16 | u32::from(u);
        n += 16;
        while n >= 6 {
            n -= 6;
            out.push(ALPHABET[(bits >> n & 63) as usize] as char);
        }
        bits &= (1 << n) - 1;
    }
    if n > 0 {
        out.push(ALPHABET[(bits << (6 - n) & 63) as usize] as char);
    }
    out.push('-');
}

/// The name `s` stands for; None when `s` is not valid modified UTF-7
/// (bytes outside printable ASCII, an unclosed or empty-but-not-`&-`
/// run, bits left over, a broken surrogate pair, a run holding
/// printable ASCII).
pub(crate) fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(0x20..=0x7e).contains(&c) {
            return None;
        }
        if c != b'&' {
            out.push(c as char);
            i += 1;
            continue;
        }
        let end = i + 1 + b[i + 1..].iter().position(|&x| x == b'-')?;
        let run = &b[i + 1..end];
        i = end + 1;
        if run.is_empty() {
            out.push('&');
            continue;
        }
        let mut units = Vec::with_capacity(run.len() * 6 / 16);
        let (mut bits, mut n) = (0u32, 0);
        for &x in run {
            bits = bits << 6 | value(x)?;
            n += 6;
            if n >= 16 {
                n -= 16;
                units.push((bits >> n) as u16);
                bits &= (1 << n) - 1;
            }
        }
        // What is left must be fewer than 6 zero bits.
        if n >= 6 || bits != 0 || units.is_empty() {
            return None;
        }
        let text = String::from_utf16(&units).ok()?;
        if text.chars().any(|c| (' '..='~').contains(&c)) {
            return None;
        }
        out.push_str(&text);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3501_examples() {
        // RFC 3501 §5.1.3.
        assert_eq!(
            encode("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(
            decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").as_deref(),
            Some("~peter/mail/台北/日本語")
        );
        // RFC 2152's example, as modified UTF-7 writes it.
        assert_eq!(encode("Hi Mom -☺-!"), "Hi Mom -&Jjo--!");
        assert_eq!(encode("A&B"), "A&-B");
        assert_eq!(decode("A&-B").as_deref(), Some("A&B"));
        assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(decode("Entw&APw-rfe").as_deref(), Some("Entwürfe"));
        assert_eq!(encode("INBOX"), "INBOX");
        // Outside the BMP: a surrogate pair.
        assert_eq!(decode(&encode("📧 mail")).as_deref(), Some("📧 mail"));
    }

    #[test]
    fn invalid_names_are_refused() {
        for bad in [
            "a&ZeVn",      // unclosed
            "&AGE-",       // printable ASCII encoded
            "&U,BTFx-",    // bits left over that are not zero
            "&Ze-",        // not a whole unit
            "&2D0-",       // a lone surrogate
            "caf\u{e9}",   // 8-bit
            "a&Z!-",       // not base64
            "&ZeVnLIqe/-", // '/' is ',' here
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trip_of_random_names() {
        // A fixed pseudo-random sequence (xorshift): ASCII, `&`, Latin-1,
        // CJK and characters outside the BMP, in runs of every length.
        let pool: Vec<char> = "a-&/. ~Zü日本語台北€😀\u{10348}\u{7f}\u{0}"
            .chars()
            .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 12) as usize;
            let mut y = x;
            let s: String = (0..len)
                .map(|_| {
                    y = y.rotate_left(5) ^ 0x5851_f42d;
                    pool[(y % pool.len() as u64) as usize]
                })
                .collect();
            let e = encode(&s);
            assert!(
                e.bytes().all(|b| (0x20..=0x7e).contains(&b)),
                "{s:?} -> {e}"
            );
            assert_eq!(decode(&e).as_deref(), Some(s.as_str()), "{s:?} -> {e}");
            // Encoding is canonical: a valid name encodes back to itself.
            assert_eq!(encode(&decode(&e).unwrap()), e);
        }
    }
}
