//! The order messages are shown and walked in (s-nail's `sort`): a
//! message keeps its number (its place in the folder); what a sort changes
//! is the order of the header summary and the order in which `next`,
//! `+`/`-`, `^`/`$`, ranges, `z` and multi-message commands go through the
//! messages. Unsorted (the default, and after `unsort`), the order is the
//! folder's and every path behaves exactly as bsd-mailx.
//!
//! Criteria: `date` (the `Date:` field per RFC 5322, else the delivery
//! date of the From_ line), `from` (the sender's address), `to` (the first
//! recipient's address), `subject` (decoded, without `Re:`/`Fwd:`/`Fw:`
//! prefixes, case ignored), `size`, `status` (read, unread, flagged, new)
//! and `thread` (`thread`). Every sort is stable (equal keys keep file
//! order) and O(n log n). Keys are made by two threads from what the
//! folder keeps of each message without reading it (`Folder::summary_headers`
//! and `Folder::thread_refs`: an mbox's scan keeps them, a Maildir's
//! header cache, IMAP's summary fetch), else from its header block
//! (`to`, and messages an mbox did not keep).
//!
//! Messages that arrive after the sort (`inc`, new mail) follow the
//! sorted ones in file order until the next sort.

use super::thread::{RefTable, Refs, Threads};
use super::{CachedHeaders, ReadState, date};
use crate::mailbox::{Folder, MsgFlags, refs_in_block};
use crate::{locale, mimeview, names, sys};

/// A sort criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    Date,
    From,
    Size,
    Status,
    Subject,
    Thread,
    To,
}

/// The criteria by name, in the order an abbreviation picks them.
const KEYS: [(&str, SortKey); 7] = [
    ("date", SortKey::Date),
    ("from", SortKey::From),
    ("size", SortKey::Size),
    ("status", SortKey::Status),
    ("subject", SortKey::Subject),
    ("thread", SortKey::Thread),
    ("to", SortKey::To),
];

impl SortKey {
    /// The criterion a word names (a prefix of its name: `d`, `sub`).
    pub(crate) fn parse(word: &str) -> Option<SortKey> {
        let w = word.to_ascii_lowercase();
        if w.is_empty() {
            return None;
        }
        KEYS.iter()
            .find(|(name, _)| name.starts_with(&w))
            .map(|&(_, k)| k)
    }

    pub(crate) fn name(self) -> &'static str {
        KEYS.iter()
            .find(|&&(_, k)| k == self)
            .map_or("", |&(n, _)| n)
    }
}

/// The display order of an open folder.
#[derive(Default)]
pub(crate) struct Order {
    key: Option<SortKey>,
    /// Display position → message index (covers the messages there were
    /// at the last sort; later ones follow in file order).
    seq: Vec<u32>,
    /// Message index → display position.
    pos: Vec<u32>,
    threads: Option<Threads>,
}

impl Order {
    /// The current criterion (`None`: file order).
    pub(crate) fn key(&self) -> Option<SortKey> {
        self.key
    }

    /// The message shown at display position `p` (0-based).
    pub(crate) fn at(&self, p: usize) -> usize {
        self.seq.get(p).map_or(p, |&i| i as usize)
    }

    /// The display position of message `i` (0-based).
    pub(crate) fn pos(&self, i: usize) -> usize {
        self.pos.get(i).map_or(i, |&p| p as usize)
    }

    /// The threads, when sorted by thread.
    pub(crate) fn threads(&self) -> Option<&Threads> {
        self.threads.as_ref()
    }

    pub(crate) fn threads_mut(&mut self) -> Option<&mut Threads> {
        self.threads.as_mut()
    }

    /// Message `i` is hidden from the header summary: a reply under a
    /// collapsed message, unless it is new or the current message.
    pub(crate) fn hidden(&self, i: usize, flags: MsgFlags, dot: usize) -> bool {
        self.threads
            .as_ref()
            .is_some_and(|t| t.is_under_collapsed(i) && i != dot && !is_new(flags))
    }

    /// Back to file order.
    pub(crate) fn clear(&mut self) {
        *self = Order::default();
    }

    /// Sets the order to `seq` (a permutation of `0..seq.len()`).
    fn set(&mut self, key: SortKey, seq: Vec<u32>, threads: Option<Threads>) {
        let mut pos = vec![0u32; seq.len()];
        for (p, &i) in seq.iter().enumerate() {
            pos[i as usize] = p as u32;
        }
        *self = Order {
            key: Some(key),
            seq,
            pos,
            threads,
        };
    }
}

/// New (not yet read) as the summary shows `N`.
fn is_new(f: MsgFlags) -> bool {
    f.contains(MsgFlags::NEW) && !f.contains(MsgFlags::READ)
}

/// New or flagged: s-nail's "important" messages (heavy tree lines).
pub(crate) fn important(f: MsgFlags) -> bool {
    is_new(f) || f.contains(MsgFlags::FLAGGED)
}

/// The `status` rank: read, unread, flagged, new (as s-nail orders them).
fn status_rank(f: MsgFlags) -> u8 {
    if is_new(f) {
        3
    } else if f.contains(MsgFlags::FLAGGED) {
        2
    } else if !f.contains(MsgFlags::READ) {
        1
    } else {
        0
    }
}

/// Which header block a sort key reads.
#[derive(Clone, Copy)]
enum Need {
    /// The fields of `kept::SUMMARY_FIELDS` (kept by an mbox's scan, in a
    /// Maildir's header cache: no read of the message).
    Summary,
    /// The whole header block.
    All,
}

/// `f(i, headers)` for every message of `mb`, by two threads.
fn scan<K: Send>(
    mb: &dyn Folder,
    need: Need,
    f: &(dyn Fn(usize, Option<&CachedHeaders>) -> K + Sync),
) -> Vec<K> {
    let n = mb.len();
    let one = |range: std::ops::Range<usize>| -> Vec<K> {
        let mut h = CachedHeaders::empty();
        range
            .map(|i| match need {
                Need::Summary => {
                    let ok = h.refill_summary_unindexed(mb, i);
                    f(i, ok.then_some(&h))
                }
                Need::All => f(i, CachedHeaders::read(mb, i).as_ref()),
            })
            .collect()
    };
    in_two(n, one, Vec::extend)
}

/// Every message's thread links, by two threads.
fn ref_table(mb: &dyn Folder) -> RefTable {
    let one = |r: std::ops::Range<usize>| -> RefTable { r.map(|i| thread_refs(mb, i)).collect() };
    in_two(mb.len(), one, RefTable::append)
}

/// `one(0..n)`, worked out in two halves by two threads (one when `n` is
/// small, or when a thread cannot be started) and joined in order.
fn in_two<T: Send>(
    n: usize,
    one: impl Fn(std::ops::Range<usize>) -> T + Sync,
    join: impl Fn(&mut T, T),
) -> T {
    if n < 512 {
        return one(0..n);
    }
    let mid = n / 2;
    std::thread::scope(|sc| {
        let back = std::thread::Builder::new().spawn_scoped(sc, || one(mid..n));
        let mut front = one(0..mid);
        let back = back
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or_else(|| one(mid..n));
        join(&mut front, back);
        front
    })
}

/// Message `i`'s thread links: kept by the folder, else from its header
/// block.
fn thread_refs(mb: &dyn Folder, i: usize) -> Refs {
    if let Some(r) = mb.thread_refs(i) {
        return r;
    }
    mb.header_block(i)
        .map(|b| refs_in_block(&b))
        .unwrap_or_default()
}

/// A message's date in seconds: its `Date:` field, else the date of its
/// From_ line (local time), else 0.
pub(crate) fn date_of(h: Option<&CachedHeaders>) -> i64 {
    let Some(h) = h else { return 0 };
    let [d] = h.hfields_raw(["date"]);
    if let Some(d) = d
        && let Some((t, _)) = date::parse_rfc5322(&String::from_utf8_lossy(&d))
    {
        return t;
    }
    date::envelope_time(h.envelope_date(), &|t| sys::localtime(t).tm_gmtoff).unwrap_or(0)
}

/// A subject as `sort subject` compares it: decoded, reply and forward
/// prefixes removed, lower case.
#[cfg(test)]
fn subject_key(raw: &[u8]) -> String {
    let mut out = Vec::new();
    subject_key_into(raw, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`subject_key`] appended to `out` (UTF-8).
fn subject_key_into(raw: &[u8], out: &mut Vec<u8>) {
    // Plain ASCII without an encoded word (most subjects): decoding gives
    // the same text, and lower case is ASCII's (no copy to decode into).
    if raw.is_ascii() && memchr::memmem::find(raw, b"=?").is_none() {
        let text = std::str::from_utf8(raw).unwrap_or_default();
        let s = strip_reply_prefixes(text).as_bytes();
        out.extend(s.iter().map(u8::to_ascii_lowercase));
        return;
    }
    let text = mimeview::decode_words(raw);
    out.extend_from_slice(strip_reply_prefixes(&text).to_lowercase().as_bytes());
}

/// `text` trimmed, without its leading `Re:`/`Fwd:`/`Fw:` prefixes (any
/// case, blanks after them).
fn strip_reply_prefixes(text: &str) -> &str {
    let mut s = text.trim();
    'strip: loop {
        for p in ["re:", "fwd:", "fw:"] {
            if s.len() >= p.len()
                && s.is_char_boundary(p.len())
                && s[..p.len()].eq_ignore_ascii_case(p)
            {
                s = s[p.len()..].trim_start();
                continue 'strip;
            }
        }
        break;
    }
    s
}

/// An address field as `sort from`/`sort to` compares it: the skinned
/// address, lower case.
fn address_key(v: &str) -> String {
    names::skin(v).to_ascii_lowercase()
}

/// The file-order indexes sorted by `keys`, stable.
fn stable_by<K: Ord>(keys: &[K]) -> Vec<u32> {
    let mut seq: Vec<u32> = (0..keys.len() as u32).collect();
    seq.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
    seq
}

/// Text sort keys in one buffer (no allocation per key): message `i`'s
/// key is `text[spans[i]]`.
#[derive(Default)]
struct TextKeys {
    text: Vec<u8>,
    spans: Vec<std::ops::Range<usize>>,
}

impl TextKeys {
    fn key(&self, i: usize) -> &[u8] {
        &self.text[self.spans[i].clone()]
    }
}

/// Every message's text key, `f(headers, out)` appending it to `out`, by
/// two threads.
fn text_keys(
    mb: &dyn Folder,
    need: Need,
    f: &(dyn Fn(Option<&CachedHeaders>, &mut Vec<u8>) + Sync),
) -> TextKeys {
    let one = |range: std::ops::Range<usize>| -> TextKeys {
        let mut h = CachedHeaders::empty();
        let mut k = TextKeys::default();
        for i in range {
            let start = k.text.len();
            match need {
                Need::Summary => {
                    let ok = h.refill_summary_unindexed(mb, i);
                    f(ok.then_some(&h), &mut k.text);
                }
                Need::All => f(CachedHeaders::read(mb, i).as_ref(), &mut k.text),
            }
            k.spans.push(start..k.text.len());
        }
        k
    };
    in_two(mb.len(), one, |a, b| {
        let base = a.text.len();
        a.text.extend_from_slice(&b.text);
        a.spans
            .extend(b.spans.into_iter().map(|r| r.start + base..r.end + base));
    })
}

/// [`stable_by`] for text keys (`key(i)` for `i` in `0..n`), the same
/// order: sorted by each key's first 8 bytes as a number (big-endian,
/// zero-padded: the same order as those bytes compare), then the whole
/// key, then the index, so the pairs sort without following a pointer
/// for most comparisons and need no stable sort.
fn stable_by_text<'a>(n: usize, key: &dyn Fn(usize) -> &'a [u8]) -> Vec<u32> {
    let prefix = |k: &[u8]| -> u64 {
        let mut b = [0u8; 8];
        let m = k.len().min(8);
        b[..m].copy_from_slice(&k[..m]);
        u64::from_be_bytes(b)
    };
    let mut seq: Vec<(u64, u32)> = (0..n).map(|i| (prefix(key(i)), i as u32)).collect();
    seq.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| key(a.1 as usize).cmp(key(b.1 as usize)))
            .then(a.1.cmp(&b.1))
    });
    seq.into_iter().map(|(_, i)| i).collect()
}

/// [`stable_by_text`] of [`TextKeys`].
fn stable_by_keys(k: &TextKeys) -> Vec<u32> {
    stable_by_text(k.spans.len(), &|i| k.key(i))
}

/// Sorts the open folder by `key`.
pub(crate) fn sort(st: &mut ReadState, key: SortKey) {
    if matches!(
        key,
        SortKey::Date | SortKey::From | SortKey::Subject | SortKey::Thread
    ) {
        st.mb.keep_summaries();
    }
    let mb = &*st.mb;
    let (seq, threads) = match key {
        SortKey::Date => (
            stable_by(&scan(mb, Need::Summary, &|_, h| date_of(h))),
            None,
        ),
        SortKey::From => (
            stable_by_keys(&text_keys(mb, Need::Summary, &|h, out| {
                if let Some(h) = h {
                    out.extend_from_slice(h.nameof(0).to_ascii_lowercase().as_bytes());
                }
            })),
            None,
        ),
        SortKey::To => (
            stable_by_keys(&text_keys(mb, Need::All, &|h, out| {
                if let Some(t) = h.and_then(|h| h.hfield_raw("to")) {
                    out.extend_from_slice(address_key(&String::from_utf8_lossy(&t)).as_bytes());
                }
            })),
            None,
        ),
        SortKey::Subject => (
            stable_by_keys(&text_keys(mb, Need::Summary, &|h, out| {
                if let Some(s) = h.and_then(|h| h.subject_cow()) {
                    subject_key_into(&s, out);
                }
            })),
            None,
        ),
        SortKey::Size => {
            let sizes: Vec<u64> = (0..mb.len()).map(|i| mb.size(i)).collect();
            (stable_by(&sizes), None)
        }
        SortKey::Status => {
            let ranks: Vec<u8> = (0..mb.len()).map(|i| status_rank(mb.flags(i))).collect();
            (stable_by(&ranks), None)
        }
        SortKey::Thread => {
            let dates = scan(mb, Need::Summary, &|_, h| date_of(h));
            let refs = ref_table(mb);
            let t = Threads::build(&refs, &dates);
            drop(refs);
            (t.seq().to_vec(), Some(t))
        }
    };
    st.order.set(key, seq, threads);
}

/// Message `mesg`'s (1-based) tree marks in the summary (s-nail's `%i`):
/// empty when the folder is not sorted by thread or the message is a root.
pub(crate) fn tree_marks(st: &ReadState, mesg: usize) -> String {
    marks_in(&st.order, &*st.mb, mesg, locale::is_utf8())
}

/// [`tree_marks`] from the order and folder alone (for the summary
/// threads).
pub(crate) fn marks_in(order: &Order, mb: &dyn Folder, mesg: usize, utf8: bool) -> String {
    match order.threads() {
        Some(t) if mesg >= 1 && mesg <= mb.len() => {
            t.marks(mesg - 1, &|j| important(mb.flags(j)), utf8)
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::testutil::rng;

    #[test]
    fn criteria_by_prefix() {
        assert_eq!(SortKey::parse("d"), Some(SortKey::Date));
        assert_eq!(SortKey::parse("s"), Some(SortKey::Size));
        assert_eq!(SortKey::parse("su"), Some(SortKey::Subject));
        assert_eq!(SortKey::parse("t"), Some(SortKey::Thread));
        assert_eq!(SortKey::parse("to"), Some(SortKey::To));
        assert_eq!(SortKey::parse("THREAD"), Some(SortKey::Thread));
        assert_eq!(SortKey::parse("bogus"), None);
        assert_eq!(SortKey::parse(""), None);
        assert_eq!(SortKey::Status.name(), "status");
    }

    #[test]
    fn subject_prefixes_and_case() {
        assert_eq!(subject_key(b"Re: RE:re: Hello"), "hello");
        assert_eq!(subject_key(b"Fwd: Re: Fw:  X"), "x");
        assert_eq!(subject_key(b"Reply"), "reply");
        assert_eq!(subject_key(b"=?UTF-8?Q?Re:_=C3=84pfel?="), "äpfel");
        // The ASCII shortcut gives what decoding and Unicode lower case give
        // (str::trim also takes a vertical tab, which trim_ascii would not).
        for raw in [
            &b" \x0bRE: Fw: MiXeD Case\t"[..],
            b"fwd:re:",
            b"Re:Re:  Tail  ",
            b"\x0c\r\nx",
            b"",
        ] {
            let slow = strip_reply_prefixes(&mimeview::decode_words(raw)).to_lowercase();
            assert_eq!(subject_key(raw), slow, "{raw:?}");
        }
    }

    #[test]
    fn status_ranks() {
        assert_eq!(status_rank(MsgFlags::READ), 0);
        assert_eq!(status_rank(MsgFlags::empty()), 1);
        assert_eq!(status_rank(MsgFlags::FLAGGED | MsgFlags::READ), 2);
        assert_eq!(status_rank(MsgFlags::NEW | MsgFlags::FLAGGED), 3);
    }

    /// The text sort gives the stable sort's order: short keys, NULs,
    /// shared 8-byte prefixes, equal keys, non-ASCII.
    #[test]
    fn text_sort_as_stable_sort() {
        let parts = ["", "a", "\0", "abcdefgh", "é", "z", "abcdefg", " "];
        for seed in 1..60u64 {
            let mut r = rng(seed);
            let keys: Vec<String> = (0..1 + r(50))
                .map(|_| (0..r(4)).map(|_| parts[r(8) as usize]).collect())
                .collect();
            let by_text = stable_by_text(keys.len(), &|i| keys[i].as_bytes());
            assert_eq!(by_text, stable_by(&keys), "{keys:?}");
        }
    }

    /// Sorting is a permutation, ordered by the key, equal keys in file
    /// order: for random mailboxes and every criterion.
    #[test]
    fn sorting_is_a_stable_permutation() {
        use crate::mailbox::Mailbox;
        for seed in 1..40u64 {
            let mut r = rng(seed);
            let n = 1 + r(40) as usize;
            let mut text = String::new();
            for k in 0..n {
                text.push_str(&format!(
                    "From u{}@x Mon Jan  {} 10:00:00 2024\n",
                    r(3),
                    1 + r(3)
                ));
                text.push_str(&format!("From: U <u{}@x>\n", r(4)));
                if r(3) > 0 {
                    text.push_str(&format!("To: t{}@y\n", r(3)));
                }
                let pre = ["", "Re: ", "RE: re: ", "Fwd: "][r(4) as usize];
                text.push_str(&format!("Subject: {pre}s{}\n", r(3)));
                match r(3) {
                    0 => text.push_str(&format!(
                        "Date: {} Jan 2024 0{}:00 +0{}00\n",
                        1 + r(3),
                        r(3),
                        r(3)
                    )),
                    1 => text.push_str("Date: bogus\n"),
                    _ => {}
                }
                if r(2) == 0 {
                    text.push_str("Status: RO\n");
                }
                text.push_str(&format!(
                    "Message-ID: <m{}@x>\nReferences: <m{}@x>\n\n",
                    r(n as u64),
                    r(n as u64)
                ));
                for _ in 0..r(4) {
                    text.push_str(&format!("body {k}\n"));
                }
                text.push('\n');
            }
            let mb = Mailbox::from_bytes(text.as_bytes()).unwrap();
            let mut st = ReadState::new(mb, "box".into(), true);
            for &(_, key) in &KEYS {
                sort(&mut st, key);
                let seq: Vec<usize> = (0..n).map(|p| st.order.at(p)).collect();
                let mut sorted = seq.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "{key:?}");
                for (i, &m) in seq.iter().enumerate() {
                    assert_eq!(st.order.pos(m), i);
                }
                let h = |i: usize| CachedHeaders::read(&*st.mb, i);
                let k: Vec<String> = (0..n)
                    .map(|i| match key {
                        SortKey::Date => format!("{:020}", date_of(h(i).as_ref()) + (1 << 40)),
                        SortKey::From => h(i).unwrap().nameof(0).to_ascii_lowercase(),
                        SortKey::To => h(i)
                            .unwrap()
                            .hfield_raw("to")
                            .map(|t| address_key(&String::from_utf8_lossy(&t)))
                            .unwrap_or_default(),
                        SortKey::Subject => subject_key(&h(i).unwrap().subject_raw().unwrap()),
                        SortKey::Size => format!("{:020}", st.mb.size(i)),
                        SortKey::Status => status_rank(st.mb.flags(i)).to_string(),
                        SortKey::Thread => String::new(),
                    })
                    .collect();
                if key == SortKey::Thread {
                    continue;
                }
                for w in seq.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    assert!(k[a] < k[b] || (k[a] == k[b] && a < b), "{key:?}: {a} {b}");
                }
            }
            st.order.clear();
            assert_eq!(st.order.at(3), 3);
        }
    }
}
