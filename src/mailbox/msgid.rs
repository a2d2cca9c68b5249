//! Message IDs as threads link them: the IDs in a `Message-ID:`,
//! `In-Reply-To:` or `References:` value ([`message_ids`]), their FNV-1a
//! 64-bit hashes ([`id_hashes`]) and a message's [`Refs`]. Here, in the mailbox
//! engine, because the mbox scan keeps each message's [`Refs`] (see
//! `kept`); `read::thread` links them.

use super::fields::header_fields;
use super::kept::THREAD_FIELDS;

/// The reference lists of one message, as [`id_hash`]es.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Refs {
    /// Its own `Message-ID:`.
    pub id: Option<u64>,
    /// Candidates for its parent, best first: the `In-Reply-To:` IDs, then
    /// the `References:` IDs from the last to the first.
    pub parents: Vec<u64>,
}

/// A message ID (the text between `<` and `>`, or the trimmed value
/// when there are no brackets) as the key threads are linked by.
pub fn id_hash(id: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |h: u64, w: u64| (h ^ w).wrapping_mul(K).rotate_left(29);
    let mut h = 0xcbf2_9ce4_8422_2325 ^ id.len() as u64;
    let mut words = id.chunks_exact(8);
    for w in &mut words {
        h = step(h, u64::from_le_bytes(w.try_into().unwrap_or_default()));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = step(h, u64::from_le_bytes(w));
    }
    // A 64-bit hash, eight bytes a step (the scan hashes every ID of every
    // message); a collision can at worst link two messages wrongly, never
    // make a loop.
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

/// [`id_hash`] of a bracketed ID's bytes that count ([`id_bytes`]); None
/// when none do.
fn bracketed_hash(raw: &[u8]) -> Option<u64> {
    if !raw.iter().any(u8::is_ascii_whitespace) {
        return (!raw.is_empty()).then(|| id_hash(raw));
    }
    let id: Vec<u8> = id_bytes(raw).collect();
    (!id.is_empty()).then(|| id_hash(&id))
}

/// The text inside each `<...>` of `v`, in order (blanks still in, maybe
/// empty); an unclosed `<` ends the list.
fn bracketed(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i + memchr::memchr(b'<', &v[i..])? + 1;
        let close = memchr::memchr(b'>', &v[start..])?;
        i = start + close + 1;
        Some(&v[start..start + close])
    })
}

/// A value with no brackets at all: the whole (trimmed) value is one ID
/// when it is not empty and has no blank.
fn bare_id(v: &[u8]) -> Option<&[u8]> {
    if v.iter().any(|&b| b == b'<' || b == b'>') {
        return None;
    }
    let t = v.trim_ascii();
    (!t.is_empty() && !t.iter().any(|b| b.is_ascii_whitespace())).then_some(t)
}

/// The bytes of a bracketed ID that count: all but blanks.
fn id_bytes(raw: &[u8]) -> impl Iterator<Item = u8> + '_ {
    raw.iter().copied().filter(|b| !b.is_ascii_whitespace())
}

/// The message IDs in a `References:` or `In-Reply-To:` value, in order:
/// each `<...>` (blanks inside removed); text outside brackets (phrases,
/// comments) is skipped. A value with no brackets at all and no blank is
/// one ID.
pub fn message_ids(v: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = bracketed(v)
        .map(|raw| id_bytes(raw).collect::<Vec<u8>>())
        .filter(|id| !id.is_empty())
        .collect();
    out.extend(bare_id(v).map(<[u8]>::to_vec));
    out
}

/// `message_ids(v)` hashed with [`id_hash`], without copying the IDs.
pub fn id_hashes(v: &[u8]) -> Vec<u64> {
    let mut out: Vec<u64> = bracketed(v).filter_map(bracketed_hash).collect();
    out.extend(bare_id(v).map(id_hash));
    out
}

/// [`Refs`] of a message from its raw `Message-ID:`, `In-Reply-To:` and
/// `References:` values.
pub(crate) fn refs_of(id: Option<&[u8]>, irt: Option<&[u8]>, refs: Option<&[u8]>) -> Refs {
    let id = id.and_then(|v| id_hashes(v).first().copied());
    let mut parents: Vec<u64> = irt.map(id_hashes).unwrap_or_default();
    if let Some(r) = refs {
        parents.extend(id_hashes(r).iter().rev());
    }
    Refs { id, parents }
}

/// The [`Refs`] of a header block (envelope line first): its
/// `Message-ID:`, `In-Reply-To:` and `References:` fields, each name's
/// occurrences unfolded and joined by a space (bsd-mailx's `hfield()`).
pub(crate) fn refs_in_block(block: &[u8]) -> Refs {
    let mut vals: [Option<Vec<u8>>; 3] = [None, None, None];
    for f in header_fields(block) {
        let Some(k) = THREAD_FIELDS
            .iter()
            .position(|n| f.name.eq_ignore_ascii_case(n.as_bytes()))
        else {
            continue;
        };
        match &mut vals[k] {
            Some(v) => {
                v.push(b' ');
                v.extend_from_slice(&f.value());
            }
            None => vals[k] = Some(f.value().into_owned()),
        }
    }
    let [id, irt, refs] = &vals;
    refs_of(id.as_deref(), irt.as_deref(), refs.as_deref())
}
