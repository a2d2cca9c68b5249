//! Threads (`sort thread`): conversations built from `In-Reply-To:` and
//! `References:`, and s-nail's tree marks for the summary.
//!
//! A message's parent is the first message that its `In-Reply-To:`
//! names, else the one its `References:` names last (the nearest
//! ancestor present), looked up by `Message-ID:` (the first message with
//! an ID owns it). A message whose parents are all missing is a root; no
//! empty stand-ins are made and subjects are not grouped (as s-nail).
//! Links are made from the last message to the first; a link that would
//! close a loop (a message that references itself, or a reference cycle) is
//! left out, found with a disjoint-set forest, so building is
//! O(n log n) for any input and never recurses. Roots and the children of
//! a message are in date order, file order among equal dates.
//!
//! Tree marks are s-nail's `%i`: one column per level, `|` where an
//! ancestor has a younger sibling, `+`/`\` for the message itself (with or
//! without a younger sibling), then `>`; from level 18 on the 18th column
//! is `^` and deeper levels are not shown. In a UTF-8 locale box-drawing
//! characters are used, heavy where a message (or its parent) is new or
//! flagged.

use std::collections::HashMap;

pub(crate) use crate::mailbox::msgid::{Refs, refs_of};
pub use crate::mailbox::msgid::{id_hash, id_hashes, message_ids};

/// No message.
const NONE: u32 = u32::MAX;
/// Columns of marks before the cut mark (`^`).
const SHOWN: u32 = 17;

/// The [`Refs`] of every message, flat (one allocation for all the
/// hashes instead of one per message: a 100,000-message mailbox's take
/// about 3 MB).
#[derive(Default)]
pub(crate) struct RefTable {
    /// Message `i`'s hashes are `hashes[start[i]..start[i + 1]]`: its own
    /// ID first when `has_id[i]`, then its parent candidates.
    start: Vec<u32>,
    hashes: Vec<u64>,
    has_id: Vec<bool>,
}

impl RefTable {
    fn len(&self) -> usize {
        self.has_id.len()
    }

    fn all(&self, i: usize) -> &[u64] {
        let a = self.start.get(i).map_or(0, |&a| a as usize);
        let b = self.start.get(i + 1).map_or(a, |&b| b as usize);
        &self.hashes[a..b]
    }

    fn id(&self, i: usize) -> Option<u64> {
        self.has_id[i].then(|| self.all(i)[0])
    }

    fn parents(&self, i: usize) -> &[u64] {
        &self.all(i)[usize::from(self.has_id[i])..]
    }

    /// Appends the messages of `other` after these.
    pub(crate) fn append(&mut self, other: RefTable) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        let base = self.hashes.len();
        self.hashes.extend_from_slice(&other.hashes);
        self.has_id.extend_from_slice(&other.has_id);
        self.start.extend(
            other
                .start
                .iter()
                .skip(1)
                .map(|&s| u32::try_from(base + s as usize).unwrap_or(u32::MAX)),
        );
    }

    fn push(&mut self, r: Refs) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.has_id.push(r.id.is_some());
        self.hashes.extend(r.id);
        self.hashes.extend_from_slice(&r.parents);
        // More than 4 G hashes would not fit in memory anyway.
        self.start
            .push(u32::try_from(self.hashes.len()).unwrap_or(u32::MAX));
    }
}

impl FromIterator<Refs> for RefTable {
    fn from_iter<I: IntoIterator<Item = Refs>>(iter: I) -> RefTable {
        let mut t = RefTable::default();
        for r in iter {
            t.push(r);
        }
        t
    }
}

/// The threads of a mailbox of `n` messages (indexes are 0-based).
pub(crate) struct Threads {
    parent: Vec<u32>,
    level: Vec<u32>,
    /// The message has a younger sibling (is not the last child).
    younger: Vec<bool>,
    /// For messages below level [`SHOWN`]: their ancestor at that level.
    cut: Vec<u32>,
    /// The messages in thread order (depth first, roots in date order).
    seq: Vec<u32>,
    /// Collapsed by `collapse`: its replies are hidden.
    collapsed: Vec<bool>,
    /// Some ancestor is collapsed.
    under_collapsed: Vec<bool>,
    /// The message has replies.
    has_children: Vec<bool>,
}

/// Threads messages given as raw `(Message-ID, In-Reply-To, References)`
/// values, all on one date: each message's index and level, in thread
/// order (for the fuzz target and tests).
pub fn thread_order(msgs: &[(&[u8], &[u8], &[u8])]) -> Vec<(usize, usize)> {
    let refs: Vec<Refs> = msgs
        .iter()
        .map(|&(id, irt, r)| refs_of(Some(id), Some(irt), Some(r)))
        .collect();
    let t = Threads::build(&refs.into_iter().collect(), &vec![0; msgs.len()]);
    t.seq()
        .iter()
        .map(|&i| (i as usize, t.level(i as usize)))
        .collect()
}

/// Disjoint sets with path halving (no recursion).
struct Dsu(Vec<u32>);

impl Dsu {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let up = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = up;
            x = up;
        }
        x
    }
}

impl Threads {
    /// Threads `refs` (one per message) with `dates` (seconds) ordering
    /// roots and siblings.
    pub(crate) fn build(refs: &RefTable, dates: &[i64]) -> Threads {
        let n = refs.len();
        let mut owner: HashMap<u64, u32> = HashMap::with_capacity(n);
        for i in 0..n {
            if let Some(id) = refs.id(i) {
                owner.entry(id).or_insert(i as u32);
            }
        }
        let mut parent = vec![NONE; n];
        let mut dsu = Dsu((0..n as u32).collect());
        for i in (0..n).rev() {
            let Some(p) = refs
                .parents(i)
                .iter()
                .filter_map(|id| owner.get(id).copied())
                .find(|&p| p as usize != i)
            else {
                continue;
            };
            // `i` is still the root of its tree: linking it under `p` makes
            // a loop exactly when `p` is in that tree.
            let (a, b) = (dsu.find(i as u32), dsu.find(p));
            if a == b {
                continue;
            }
            parent[i] = p;
            dsu.0[a as usize] = b;
        }
        drop(owner);
        drop(dsu);
        let date = |i: u32| dates.get(i as usize).copied().unwrap_or(0);
        // Children grouped by parent, in date order; roots likewise.
        let mut kids: Vec<u32> = (0..n as u32)
            .filter(|&i| parent[i as usize] != NONE)
            .collect();
        kids.sort_by_key(|&i| (parent[i as usize], date(i), i));
        let mut roots: Vec<u32> = (0..n as u32)
            .filter(|&i| parent[i as usize] == NONE)
            .collect();
        roots.sort_by_key(|&i| (date(i), i));
        let mut first_child = vec![NONE; n];
        let mut next_sib = vec![NONE; n];
        for (k, &c) in kids.iter().enumerate() {
            let p = parent[c as usize] as usize;
            if first_child[p] == NONE {
                first_child[p] = c;
            }
            if let Some(&d) = kids.get(k + 1)
                && parent[d as usize] as usize == p
            {
                next_sib[c as usize] = d;
            }
        }
        drop(kids);
        let mut level = vec![0u32; n];
        let mut cut = vec![NONE; n];
        let mut seq = Vec::with_capacity(n);
        let mut visit = |x: u32, level: &mut Vec<u32>, cut: &mut Vec<u32>| {
            let p = parent[x as usize];
            if p != NONE {
                let l = level[p as usize] + 1;
                level[x as usize] = l;
                cut[x as usize] = match l {
                    _ if l <= SHOWN => NONE,
                    _ if l == SHOWN + 1 => p,
                    _ => cut[p as usize],
                };
            }
            seq.push(x);
        };
        for &r in &roots {
            let mut x = r;
            visit(x, &mut level, &mut cut);
            'walk: loop {
                let c = first_child[x as usize];
                if c != NONE {
                    x = c;
                    visit(x, &mut level, &mut cut);
                    continue;
                }
                loop {
                    if x == r {
                        break 'walk;
                    }
                    let s = next_sib[x as usize];
                    if s != NONE {
                        x = s;
                        visit(x, &mut level, &mut cut);
                        break;
                    }
                    x = parent[x as usize];
                }
            }
        }
        let younger = next_sib.iter().map(|&s| s != NONE).collect();
        let has_children = first_child.iter().map(|&c| c != NONE).collect();
        Threads {
            parent,
            level,
            younger,
            cut,
            seq,
            collapsed: vec![false; n],
            under_collapsed: vec![false; n],
            has_children,
        }
    }

    /// The messages in thread order.
    pub(crate) fn seq(&self) -> &[u32] {
        &self.seq
    }

    /// Message `i`'s parent, if it has one.
    #[cfg(test)]
    pub(crate) fn parent(&self, i: usize) -> Option<usize> {
        self.parent
            .get(i)
            .filter(|&&p| p != NONE)
            .map(|&p| p as usize)
    }

    /// Message `i`'s depth (0 for a root).
    pub(crate) fn level(&self, i: usize) -> usize {
        self.level.get(i).map_or(0, |&l| l as usize)
    }

    /// Collapses (or expands) the replies to message `i`.
    pub(crate) fn set_collapsed(&mut self, i: usize, on: bool) {
        if let Some(c) = self.collapsed.get_mut(i) {
            *c = on;
        }
    }

    /// Recomputes which messages are under a collapsed one (after
    /// [`Threads::set_collapsed`]).
    pub(crate) fn update_collapsed(&mut self) {
        for &x in &self.seq {
            let p = self.parent[x as usize];
            self.under_collapsed[x as usize] =
                p != NONE && (self.collapsed[p as usize] || self.under_collapsed[p as usize]);
        }
    }

    /// Message `i` has replies and they are collapsed.
    pub(crate) fn is_collapsed(&self, i: usize) -> bool {
        self.collapsed.get(i).copied().unwrap_or(false)
            && self.has_children.get(i).copied().unwrap_or(false)
    }

    /// Message `i` is a reply under a collapsed message.
    pub(crate) fn is_under_collapsed(&self, i: usize) -> bool {
        self.under_collapsed.get(i).copied().unwrap_or(false)
    }

    /// The tree marks of message `i` (empty for a root). `important`
    /// says whether a message is new or flagged (heavy lines in UTF-8).
    pub(crate) fn marks(&self, i: usize, important: &dyn Fn(usize) -> bool, utf8: bool) -> String {
        let l = self.level(i) as u32;
        if l == 0 {
            return String::new();
        }
        let shown = l.min(SHOWN + 1) as usize;
        let mut cols = vec![' '; shown];
        let imp = |x: u32| x != NONE && important(x as usize);
        if l > SHOWN {
            cols[SHOWN as usize] = if utf8 { '\u{21B8}' } else { '^' };
        } else {
            let p = self.parent[i];
            let (me, pa) = (imp(i as u32), imp(p));
            cols[shown - 1] = if self.younger[i] {
                match (utf8, pa, me) {
                    (false, ..) => '+',
                    (true, true, true) => '\u{2523}',
                    (true, true, false) => '\u{2520}',
                    (true, false, true) => '\u{251D}',
                    (true, false, false) => '\u{251C}',
                }
            } else {
                match (utf8, pa, me) {
                    (false, ..) => '\\',
                    (true, true, true) => '\u{2517}',
                    (true, true, false) => '\u{2516}',
                    (true, false, true) => '\u{2515}',
                    (true, false, false) => '\u{2514}',
                }
            };
        }
        // The ancestors at levels shown - 1 down to 1 give the bars.
        let mut a = if l > SHOWN {
            self.cut[i]
        } else {
            self.parent[i]
        };
        while a != NONE && self.level[a as usize] >= 1 {
            let k = self.level[a as usize] as usize - 1;
            if self.younger[a as usize] {
                cols[k] = match (utf8, imp(self.parent[a as usize])) {
                    (false, _) => '|',
                    (true, true) => '\u{2503}',
                    (true, false) => '\u{2502}',
                };
            }
            a = self.parent[a as usize];
        }
        let mut s: String = cols.into_iter().collect();
        s.push(if utf8 { '\u{25B8}' } else { '>' });
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::testutil::rng;

    /// Messages `(id, references)`, all on the same date.
    fn build(msgs: &[(&str, &str)]) -> Threads {
        let refs: Vec<Refs> = msgs
            .iter()
            .map(|(id, r)| {
                let id = format!("<{id}>");
                refs_of(Some(id.as_bytes()), None, Some(r.as_bytes()))
            })
            .collect();
        Threads::build(&refs.into_iter().collect(), &vec![0; msgs.len()])
    }

    #[test]
    fn hashes_are_those_of_the_ids() {
        let mut r = rng(7);
        for _ in 0..2000 {
            let v: Vec<u8> = (0..r(40)).map(|_| b"<> @ax\t\n"[r(8) as usize]).collect();
            let want: Vec<u64> = message_ids(&v).iter().map(|i| id_hash(i)).collect();
            assert_eq!(id_hashes(&v), want, "{:?}", String::from_utf8_lossy(&v));
        }
    }

    #[test]
    fn ids_in_headers() {
        assert_eq!(
            message_ids(b"<a@x> (comment) <b @x>\n\t<c@x>"),
            vec![b"a@x".to_vec(), b"b@x".to_vec(), b"c@x".to_vec()]
        );
        assert_eq!(message_ids(b"bare@x"), vec![b"bare@x".to_vec()]);
        assert!(message_ids(b"<unclosed").is_empty());
        assert!(message_ids(b"two words").is_empty());
        assert!(message_ids(b"<>").is_empty());
        // Found by the fuzz target: a stray `>` is not part of a bare ID.
        assert!(message_ids(b"x@x>\xc0@").is_empty());
    }

    #[test]
    fn replies_nest_and_marks_follow_siblings() {
        let t = build(&[
            ("a", ""),
            ("b", "<a>"),
            ("c", "<a>"),
            ("d", "<a> <b>"),
            ("e", "<missing>"),
        ]);
        assert_eq!(t.seq(), &[0, 1, 3, 2, 4]);
        let no = |_| false;
        assert_eq!(t.marks(0, &no, false), "");
        assert_eq!(t.marks(1, &no, false), "+>");
        assert_eq!(t.marks(3, &no, false), "|\\>");
        assert_eq!(t.marks(2, &no, false), "\\>");
        assert_eq!(t.marks(3, &no, true), "\u{2502}\u{2514}\u{25B8}");
        assert_eq!(t.marks(1, &|_| true, true), "\u{2523}\u{25B8}");
    }

    #[test]
    fn loops_and_self_references_are_cut() {
        let t = build(&[
            ("a", "<a>"),
            ("j", "<k>"),
            ("k", "<j>"),
            ("x", "<z>"),
            ("y", "<x>"),
            ("z", "<y>"),
        ]);
        let mut seen = t.seq().to_vec();
        seen.sort_unstable();
        assert_eq!(seen, (0..6).collect::<Vec<u32>>());
        assert_eq!(t.parent(0), None);
        // The later message of a loop is linked first (as s-nail).
        assert_eq!(t.parent(2), Some(1));
        assert_eq!(t.parent(1), None);
    }

    #[test]
    fn deep_threads_are_cut_at_the_eighteenth_column() {
        let ids: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
        let refs: Vec<String> = (0..40)
            .map(|i| {
                if i == 0 {
                    String::new()
                } else {
                    format!("<m{}>", i - 1)
                }
            })
            .collect();
        let msgs: Vec<(&str, &str)> = ids
            .iter()
            .zip(&refs)
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let t = build(&msgs);
        let no = |_| false;
        assert_eq!(t.marks(17, &no, false), format!("{}\\>", " ".repeat(16)));
        assert_eq!(t.marks(18, &no, false), format!("{}^>", " ".repeat(17)));
        assert_eq!(t.marks(39, &no, false), format!("{}^>", " ".repeat(17)));
    }

    /// Every message appears once in thread order, parents come before
    /// their replies, levels follow the parents, and no parent chain loops.
    fn check_forest(t: &Threads, n: usize) {
        assert_eq!(t.seq().len(), n);
        let mut at = vec![usize::MAX; n];
        for (p, &i) in t.seq().iter().enumerate() {
            assert_eq!(at[i as usize], usize::MAX, "message {i} twice");
            at[i as usize] = p;
        }
        for i in 0..n {
            match t.parent(i) {
                None => assert_eq!(t.level(i), 0),
                Some(p) => {
                    assert!(at[p] < at[i], "parent {p} after {i}");
                    assert_eq!(t.level(i), t.level(p) + 1);
                }
            }
        }
    }

    #[test]
    fn random_reference_graphs_never_lose_or_duplicate_a_message() {
        for seed in 1..300u64 {
            let mut r = rng(seed);
            let n = 1 + r(60) as usize;
            let ids = 1 + r(n as u64 + 5);
            let refs: Vec<Refs> = (0..n)
                .map(|_| Refs {
                    // Duplicate and missing IDs, self references, loops.
                    id: (r(8) != 0).then(|| r(ids)),
                    parents: (0..r(6)).map(|_| r(ids + 3)).collect(),
                })
                .collect();
            let dates: Vec<i64> = (0..n).map(|_| r(5) as i64).collect();
            let t = Threads::build(&refs.into_iter().collect(), &dates);
            check_forest(&t, n);
            for i in 0..n {
                let m = t.marks(i, &|j| j % 2 == 0, true);
                assert_eq!(m.is_empty(), t.level(i) == 0);
                assert!(m.chars().count() <= 19);
            }
        }
    }

    /// A table made in two parts and appended is the table made whole.
    #[test]
    fn ref_tables_append() {
        let mut r = rng(3);
        for _ in 0..50 {
            let n = r(30) as usize;
            let refs: Vec<Refs> = (0..n)
                .map(|_| Refs {
                    id: (r(3) != 0).then(|| r(1000)),
                    parents: (0..r(4)).map(|_| r(1000)).collect(),
                })
                .collect();
            let k = r(n as u64 + 1) as usize;
            let mut t: RefTable = refs[..k].iter().cloned().collect();
            t.append(refs[k..].iter().cloned().collect());
            assert_eq!(t.len(), n);
            for (i, want) in refs.iter().enumerate() {
                assert_eq!((t.id(i), t.parents(i)), (want.id, &want.parents[..]));
            }
        }
    }

    #[test]
    fn a_hundred_thousand_messages_in_one_thread() {
        let n = 100_000usize;
        // A chain (each replies to the one before), then a cycle.
        for cycle in [false, true] {
            let refs: Vec<Refs> = (0..n)
                .map(|i| Refs {
                    id: Some(i as u64),
                    parents: if i > 0 {
                        vec![i as u64 - 1]
                    } else if cycle {
                        vec![n as u64 - 1]
                    } else {
                        Vec::new()
                    },
                })
                .collect();
            let t = Threads::build(&refs.into_iter().collect(), &vec![0; n]);
            check_forest(&t, n);
            let deepest = *t.seq().last().unwrap() as usize;
            assert_eq!(t.level(deepest), n - 1);
            assert_eq!(t.marks(deepest, &|_| false, false).len(), 19);
        }
        // Everybody replies to the first message.
        let refs: Vec<Refs> = (0..n)
            .map(|i| Refs {
                id: Some(i as u64),
                parents: vec![0],
            })
            .collect();
        let t = Threads::build(&refs.into_iter().collect(), &vec![0; n]);
        check_forest(&t, n);
        assert_eq!(t.marks(1, &|_| false, false), "+>");
        assert_eq!(t.marks(n - 1, &|_| false, false), "\\>");
    }

    #[test]
    fn ten_thousand_references_in_one_header() {
        let mut refs_text = String::new();
        for k in 0..10_000 {
            refs_text.push_str(&format!("<r{k}@x> "));
        }
        let r = refs_of(
            Some(b"<me@x>"),
            Some(b"<r5@x> junk <"),
            Some(refs_text.as_bytes()),
        );
        assert_eq!(r.parents.len(), 10_001);
        assert_eq!(r.parents[0], id_hash(b"r5@x"));
        assert_eq!(r.parents[1], id_hash(b"r9999@x"));
        let parent = Refs {
            id: Some(id_hash(b"r0@x")),
            parents: Vec::new(),
        };
        let t = Threads::build(&[parent, r].into_iter().collect(), &[0, 0]);
        check_forest(&t, 2);
        assert_eq!(t.parent(1), Some(0));
    }
}
