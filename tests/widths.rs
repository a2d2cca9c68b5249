//! The one display-width function (`term::text::char_width`, from the
//! `unicode-width` crate) against glibc's wcwidth in C.UTF-8, over every
//! code point glibc calls printable (iswprint).
//!
//! The two disagree on about 220 characters (glibc 2.41 against
//! unicode-width 0.2.3), printed by the test when run with --nocapture:
//! - glibc 1, ours 0 (69): format and prepended concatenation marks
//!   (U+00AD SOFT HYPHEN, U+0605, U+070F, U+0890) and vowel signs such as
//!   U+09BE that Unicode makes grapheme extenders: the crate draws them on
//!   the cell of the character before, as terminals that follow Unicode do;
//! - glibc 1, ours 2 (125): characters that newer Unicode made wide
//!   (U+2630..U+2637 trigrams, U+17A4), glibc's tables being older;
//! - glibc 2, ours 1 (8): U+3248..U+324F circled numbers on black squares,
//!   East Asian Ambiguous, which the crate counts narrow;
//! - glibc 0, ours 1 (14): U+FFF9..U+FFFB interlinear annotation marks and
//!   Egyptian hieroglyph format controls, visible in the crate's data;
//! - glibc 2, ours 0 (5): U+302E/U+302F Hangul tone marks (combining in
//!   Unicode), U+3164 HANGUL FILLER and U+16FF0/U+16FF1 (default-ignorable
//!   or combining in the crate);
//! - glibc 1, ours 3 (1): U+17D8 KHMER SIGN BEYYAL, which the crate draws
//!   as its three-character expansion.
//!
//! The hand-written table the crate replaced was wrong for about 10,000 of
//! these characters (Tangut, Hangul, many emoji).

mod common;
use common::{Req, TempDir, compile_c, require};
use mailx::term::text::char_width;
use std::collections::BTreeMap;
use std::process::Command;

const HELPER: &str = r#"
#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <wctype.h>
int main(void) {
    if (!setlocale(LC_ALL, "C.UTF-8")) return 2;
    for (unsigned c = 0x20; c < 0x110000; c++) {
        if (c >= 0xd800 && c < 0xe000) continue;
        if (!iswprint((wint_t)c)) continue;
        printf("%x %d\n", c, wcwidth((wchar_t)c));
    }
    return 0;
}
"#;

#[test]
fn widths_agree_with_glibc_wcwidth_but_for_the_listed_kinds() {
    if !require(Req::Cc) {
        return;
    }
    let dir = TempDir::new("widths");
    let bin = compile_c(dir.path(), "wcw", HELPER, &[]);
    let out = Command::new(&bin).output().expect("run the helper");
    assert!(out.status.success(), "the helper needs the C.UTF-8 locale");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut total = 0;
    let mut diffs: BTreeMap<(i32, usize), Vec<u32>> = BTreeMap::new();
    for line in text.lines() {
        let (c, w) = line.split_once(' ').unwrap();
        let c = u32::from_str_radix(c, 16).unwrap();
        let w: i32 = w.parse().unwrap();
        let ch = char::from_u32(c).unwrap();
        total += 1;
        let ours = char_width(ch);
        if w != ours as i32 {
            diffs.entry((w, ours)).or_default().push(c);
        }
    }
    assert!(total > 100_000, "{total} printable characters");
    let n: usize = diffs.values().map(Vec::len).sum();
    let mut report = String::new();
    for ((g, o), cs) in &diffs {
        report.push_str(&format!(
            "glibc {g} ours {o}: {} characters, e.g. {}\n",
            cs.len(),
            cs.iter()
                .take(8)
                .map(|c| format!("U+{c:04X}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    eprintln!("{n} of {total} differ:\n{report}");
    assert!(n < 300, "{n} of {total} differ:\n{report}");
}
