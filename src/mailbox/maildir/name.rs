//! Maildir file names (public for the fuzz target `maildir_name`): the unique base name, the `:2,` info with its flag
//! letters, the delivery time in front, and making new unique names.
//!
//! A name is `BASE[:INFO]`. `BASE` is everything before the last `:` (it
//! may hold Dovecot's `,S=size,W=vsize`, kept as it is); `INFO` starting
//! `2,` holds flag characters in ASCII order: `D`raft, `F`lagged,
//! `P`assed, `R`eplied, `S`een, `T`rashed and lower-case keywords. We only
//! ever change `F`, `R` and `S`; every other character (including ones the
//! spec does not define) is kept, and the result is sorted and without
//! duplicates as the spec asks. A name whose info is not `2,…` (or that
//! has none) is read as having no flags; its info is kept unless we have a
//! flag to set. Names are bytes: they may hold any byte but `/` and NUL.

/// A parsed Maildir file name (borrowing the name's bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name<'a> {
    /// The unique part: stays the same across flag changes and moves.
    pub base: &'a [u8],
    /// The flag characters after `:2,` (None: no `:2,` info).
    pub flags: Option<&'a [u8]>,
    /// Info that is not `2,…` (kept as it is), without the `:`.
    pub other_info: Option<&'a [u8]>,
}

impl<'a> Name<'a> {
    /// Splits a file name.
    pub fn parse(name: &'a [u8]) -> Name<'a> {
        match memchr::memrchr(b':', name) {
            Some(p) => {
                let info = &name[p + 1..];
                match info.strip_prefix(b"2,") {
                    Some(f) => Name {
                        base: &name[..p],
                        flags: Some(f),
                        other_info: None,
                    },
                    None => Name {
                        base: &name[..p],
                        flags: None,
                        other_info: Some(info),
                    },
                }
            }
            None => Name {
                base: name,
                flags: None,
                other_info: None,
            },
        }
    }

    /// True if the standard flag `c` (an upper-case letter) is set.
    pub fn has(&self, c: u8) -> bool {
        self.flags.is_some_and(|f| f.contains(&c))
    }

    /// The delivery time the name starts with (the digits before the first
    /// `.`), if any.
    pub fn time(&self) -> Option<u64> {
        let end = self.base.iter().position(|&b| b == b'.')?;
        let digits = &self.base[..end];
        if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // At most 19 digits: no overflow.
        Some(
            digits
                .iter()
                .fold(0u64, |t, &d| t * 10 + u64::from(d - b'0')),
        )
    }

    /// The name with the flags `set` (of `F`, `R`, `S`) replacing those
    /// three in the old flags; every other character kept, sorted, no
    /// duplicates. A name without `2,` info and nothing to set is returned
    /// unchanged (`None` = unchanged).
    pub fn with_flags(&self, set: &[u8]) -> Option<Vec<u8>> {
        let mut chars: Vec<u8> = self
            .flags
            .unwrap_or(b"")
            .iter()
            .copied()
            .filter(|c| !OURS.contains(c))
            .collect();
        chars.extend(set.iter().copied().filter(|c| OURS.contains(c)));
        chars.sort_unstable();
        chars.dedup();
        if self.flags.is_none() && chars.is_empty() {
            return None;
        }
        let mut v = Vec::with_capacity(self.base.len() + 3 + chars.len());
        v.extend_from_slice(self.base);
        v.extend_from_slice(b":2,");
        v.extend_from_slice(&chars);
        Some(v)
    }
}

/// The flags this program changes.
const OURS: &[u8] = b"FRS";

/// A new unique name `SECS.PID_RANDOM.HOST` (the spec's three parts:
/// time, process and a random number, then the host with `/` and `:`
/// written as `\057` and `\072`).
pub fn unique(secs: u64, pid: u32, random: u64, host: &str) -> String {
    let host = host.replace('/', "\\057").replace(':', "\\072");
    format!("{secs}.{pid}_{random:016x}.{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        let n = Name::parse(b"1700000000.M1P2.host,S=123,W=130:2,FRSa");
        assert_eq!(n.base, b"1700000000.M1P2.host,S=123,W=130");
        assert_eq!(n.flags, Some(&b"FRSa"[..]));
        assert!(n.has(b'S') && n.has(b'F') && !n.has(b'T'));
        assert_eq!(n.time(), Some(1_700_000_000));
        let n = Name::parse(b"12.x");
        assert_eq!((n.base, n.flags, n.other_info), (&b"12.x"[..], None, None));
        assert_eq!(n.time(), Some(12));
        let n = Name::parse(b"abc:1,xyz");
        assert_eq!(n.other_info, Some(&b"1,xyz"[..]));
        assert_eq!(n.time(), None);
        assert!(!n.has(b'S'));
        // Colons in the base: the info is after the last one.
        let n = Name::parse(b"1.a:b:2,S");
        assert_eq!(n.base, b"1.a:b");
        assert!(n.has(b'S'));
        for odd in [
            &b""[..],
            b":",
            b":2,",
            b"\x01\x7f:2,\x00zz",
            b".....",
            b"99999999999999999999.x",
        ] {
            let n = Name::parse(odd);
            let _ = (n.time(), n.with_flags(b"S"), n.has(b'S'));
        }
        assert_eq!(Name::parse(b"99999999999999999999.x").time(), None);
    }

    #[test]
    fn flags_rewritten_in_order_and_others_kept() {
        let n = Name::parse(b"1.b:2,TaD");
        assert_eq!(n.with_flags(b"SF").unwrap(), b"1.b:2,DFSTa");
        let n = Name::parse(b"1.b:2,FRS");
        assert_eq!(n.with_flags(b"").unwrap(), b"1.b:2,");
        assert_eq!(Name::parse(b"1.b").with_flags(b""), None);
        assert_eq!(Name::parse(b"1.b").with_flags(b"S").unwrap(), b"1.b:2,S");
        // Duplicates and odd characters: sorted, once each.
        let n = Name::parse(b"1.b:2,zSS%a");
        assert_eq!(n.with_flags(b"S").unwrap(), b"1.b:2,%Saz");
        // A name with other info gets `2,` only when a flag is set.
        assert_eq!(Name::parse(b"1.b:1,q").with_flags(b""), None);
    }

    #[test]
    fn unique_names() {
        let u = unique(5, 42, 0xabc, "h/o:st");
        assert_eq!(u, "5.42_0000000000000abc.h\\057o\\072st");
        assert_eq!(Name::parse(u.as_bytes()).time(), Some(5));
        assert_eq!(Name::parse(u.as_bytes()).flags, None);
    }
}
