//! The lexer of command lines: the command word (bsd-mailx ends it at a
//! digit or one of a few punctuation characters, so `p1` is `p 1`) and the
//! shell-like word splitter `getrawlist`. Pure functions: no session, no I/O.

/// Characters that end the command word (so `p1` is `p 1`).
const WORD_END: &[u8] = b" \t0123456789$^.:/-+*'\"";

/// Splits a command line (leading blanks already removed) into the command
/// word and the rest.
pub(crate) fn command_word(line: &str) -> (&str, &str) {
    let wlen = line
        .bytes()
        .position(|c| WORD_END.contains(&c))
        .unwrap_or(line.len());
    line.split_at(wlen)
}

/// Splits a line into words the way bsd-mailx's getrawlist does: blanks
/// separate words, single or double quotes group (and inside quotes `\` escapes
/// and `^X` control notation apply); a backslash outside quotes is literal.
pub fn getrawlist(line: &str) -> Vec<String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut w: Vec<u8> = Vec::new();
        let mut quote: u8 = 0;
        while i < b.len() {
            let c = b[i];
            i += 1;
            if quote != 0 {
                if c == quote {
                    quote = 0;
                } else if c == b'\\' {
                    if i >= b.len() {
                        w.push(b'\\');
                        continue;
                    }
                    let e = b[i];
                    i += 1;
                    match e {
                        b'0'..=b'7' => {
                            let mut v = e - b'0';
                            for _ in 0..2 {
                                if i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                                    v = v.wrapping_mul(8).wrapping_add(b[i] - b'0');
                                    i += 1;
                                }
                            }
                            w.push(v);
                        }
                        b'b' => w.push(8),
                        b'f' => w.push(12),
                        b'n' => w.push(b'\n'),
                        b'r' => w.push(b'\r'),
                        b't' => w.push(b'\t'),
                        b'v' => w.push(11),
                        other => w.push(other),
                    }
                } else if c == b'^' {
                    match b.get(i) {
                        Some(b'?') => {
                            w.push(127);
                            i += 1;
                        }
                        Some(&n) if (b'A'..=b'_').contains(&n) || n.is_ascii_lowercase() => {
                            w.push(n & 0o37);
                            i += 1;
                        }
                        _ => w.push(b'^'),
                    }
                } else {
                    w.push(c);
                }
            } else if c == b'"' || c == b'\'' {
                quote = c;
            } else if c == b' ' || c == b'\t' {
                break;
            } else {
                w.push(c);
            }
        }
        out.push(String::from_utf8_lossy(&w).into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rawlist_like_bsd() {
        assert_eq!(
            getrawlist(r#"a=b c "d e"=f g=h\ i=j  k="l m""#),
            vec!["a=b", "c", "d e=f", "g=h\\", "i=j", "k=l m"]
        );
        assert_eq!(getrawlist(r#""a\tb" '^A'"#), vec!["a\tb", "\u{1}"]);
        assert!(getrawlist("   ").is_empty());
    }
}
