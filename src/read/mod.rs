//! Read mode: the state of the open mailbox (current message, edit mode,
//! read-only, header screen) and the helpers every read-mode command shares
//! (touching a message, the sender and subject as bsd-mailx's `nameof` and
//! `hfield` find them, the file info line, the startup announcement).
//!
//! One concern per submodule:
//! - `msglist`: message-list parsing (`markall`, `first`);
//! - `summary`: the header summary line and header screens;
//! - `show`: print/type/top/more/pipe;
//! - `files`: save/copy/write and the POSIX Save/Copy;
//! - `quit`: what happens to the mailbox when it is closed;
//! - `setfile`: choosing and opening a mailbox;
//! - `reply`: reply/Reply/followup/mail;
//! - `edit`: edit/visual;
//! - `attach`: attachments/detach (MIME parts);
//! - `order`: the display order (`sort`), `date`: RFC 5322 dates;
//! - `thread`: threads and their tree marks.

pub(crate) mod attach;
pub mod date;
pub(crate) mod edit;
pub(crate) mod files;
pub mod headline;
pub(crate) mod json;
pub mod msglist;
pub(crate) mod order;
pub mod quit;
pub(crate) mod quote;
pub(crate) mod reply;
pub(crate) mod setfile;
pub(crate) mod show;
pub(crate) mod summary;
pub mod thread;

use crate::mailbox::{
    Folder, FromLine, Mailbox, MsgFlags, RawField, SUMMARY_FIELDS, header_fields,
};
use crate::session::Session;
use crate::{expand, mimeview, names, outln};
use std::borrow::Cow;

/// The open mailbox and the read-mode bookkeeping around it.
pub struct ReadState {
    /// The open folder (any format: read mode uses only the `Folder` trait).
    pub mb: Box<dyn Folder>,
    /// The current message ("dot"), 0-based. Meaningless when there are no messages.
    pub dot: usize,
    /// A command other than a transparent one has run since the file was opened
    /// (bsd-mailx's `sawcom`: the first `next` prints message 1... the current one).
    pub sawcom: bool,
    /// True for a `-f` folder (bsd-mailx's `edit`), false for a system mailbox.
    pub edit: bool,
    /// The expanded mailbox path, as shown in messages.
    pub mailname: String,
    /// The header screen last shown (`z`).
    pub screen: usize,
    /// The colon modifiers of the last message list (`:` alone reuses them).
    pub lastcolmod: u8,
    /// The last `/subject` search string.
    pub lastscan: String,
    /// No mailbox is open yet (commands from an rc file): an empty stand-in,
    /// like bsd-mailx's zero-message state before `setfile`.
    pub placeholder: bool,
    /// The raw header block of the message looked at last (a summary line
    /// asks for several fields of one message).
    pub(crate) header_cache: HeaderCache,
    /// The display order (`sort`, `thread`): file order by default.
    pub(crate) order: order::Order,
}

/// A one-entry cache of a message's header block, its From_ line and
/// where its fields are.
#[derive(Default)]
pub(crate) struct HeaderCache(std::cell::RefCell<Option<(usize, std::rc::Rc<CachedHeaders>)>>);

/// The header block of one message, read once for all the fields a
/// summary line or a reply asks for.
pub(crate) struct CachedHeaders {
    block: Vec<u8>,
    from: FromLine,
    /// `(name start, name end, raw start, raw end)` in `block`, in file order.
    fields: Vec<(usize, usize, usize, usize)>,
    /// Only the fields of `SUMMARY_FIELDS` are sure to be there.
    partial: bool,
    /// `fields` describes `block` (else every look-up parses `block`
    /// again: cheaper for one look-up per message, as a sort makes).
    indexed: bool,
}

impl CachedHeaders {
    /// Reads message `i`'s header block and From_ line (one read of the
    /// file) and finds its fields. `None` if the file cannot be read.
    pub fn read(mb: &dyn Folder, i: usize) -> Option<CachedHeaders> {
        if i >= mb.len() {
            return None;
        }
        let (block, from) = mb.header_block_and_envelope(i).ok()?;
        Some(CachedHeaders::index(block, from))
    }

    /// What a summary line needs of message `i`: at least the fields of
    /// `SUMMARY_FIELDS` (a Maildir answers from its header cache).
    /// Asking it for another field is a bug (checked in debug builds).
    pub fn read_summary(mb: &dyn Folder, i: usize) -> Option<CachedHeaders> {
        if i >= mb.len() {
            return None;
        }
        let (block, from) = mb.summary_headers(i).ok()?;
        let mut h = CachedHeaders::index(block, from);
        h.partial = true;
        Some(h)
    }

    /// Nothing yet: for [`CachedHeaders::refill_summary`].
    pub(crate) fn empty() -> CachedHeaders {
        CachedHeaders {
            block: Vec::new(),
            from: FromLine::default(),
            fields: Vec::new(),
            partial: true,
            indexed: false,
        }
    }

    /// [`CachedHeaders::read_summary`] into this one, its buffers reused
    /// (a listing or sort reads every message so: no allocation per
    /// message once they are big enough). False if message `i` cannot be
    /// read (then what is here is not to be used).
    pub(crate) fn refill_summary(&mut self, mb: &dyn Folder, i: usize) -> bool {
        if !self.refill_summary_unindexed(mb, i) {
            return false;
        }
        self.find_fields();
        true
    }

    /// [`CachedHeaders::refill_summary`] without finding where the fields
    /// are: for a caller that looks up one or two of them (a sort key).
    pub(crate) fn refill_summary_unindexed(&mut self, mb: &dyn Folder, i: usize) -> bool {
        if i >= mb.len()
            || mb
                .summary_headers_into(i, &mut self.block, &mut self.from)
                .is_err()
        {
            return false;
        }
        self.partial = true;
        self.indexed = false;
        true
    }

    /// `f(field)` for every field in file order.
    fn each_field<'a>(&'a self, mut f: impl FnMut(RawField<'a>)) {
        if !self.indexed {
            header_fields(&self.block).for_each(f);
            return;
        }
        for &(ns, ne, rs, re) in &self.fields {
            f(RawField {
                name: &self.block[ns..ne],
                raw: &self.block[rs..re],
            });
        }
    }

    /// A header field's raw bytes, unfolded (all occurrences joined by a
    /// space, as bsd-mailx's `hfield()`).
    pub fn hfield_raw(&self, name: &str) -> Option<Vec<u8>> {
        debug_assert!(!self.partial || SUMMARY_FIELDS.contains(&name), "{name}");
        // Only the matching fields are unfolded and copied.
        let mut out: Option<Vec<u8>> = None;
        self.each_field(|f| {
            if !f.name.eq_ignore_ascii_case(name.as_bytes()) {
                return;
            }
            match &mut out {
                None => out = Some(f.value().into_owned()),
                Some(o) => {
                    o.push(b' ');
                    o.extend_from_slice(&f.value());
                }
            }
        });
        out
    }
    /// Every field in file order: its name and its unfolded value.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], Cow<'_, [u8]>)> {
        debug_assert!(self.indexed);
        self.fields.iter().map(|&(ns, ne, rs, re)| {
            let f = RawField {
                name: &self.block[ns..ne],
                raw: &self.block[rs..re],
            };
            (f.name, f.value())
        })
    }
    /// [`CachedHeaders::hfield_raw`] of each of `names` (lower case), in
    /// one pass over the fields.
    /// Borrowed when the field is one line and occurs once.
    pub fn hfields_raw<const N: usize>(&self, names: [&str; N]) -> [Option<Cow<'_, [u8]>>; N] {
        debug_assert!(!self.partial || names.iter().all(|n| SUMMARY_FIELDS.contains(n)));
        let mut out: [Option<Cow<'_, [u8]>>; N] = std::array::from_fn(|_| None);
        self.each_field(|f| {
            let Some(k) = names
                .iter()
                .position(|n| f.name.eq_ignore_ascii_case(n.as_bytes()))
            else {
                return;
            };
            match &mut out[k] {
                None => out[k] = Some(f.value()),
                Some(o) => {
                    let o = o.to_mut();
                    o.push(b' ');
                    o.extend_from_slice(&f.value());
                }
            }
        });
        out
    }
    /// The Subject (or `Subj`) field, raw.
    pub fn subject_raw(&self) -> Option<Vec<u8>> {
        self.subject_cow().map(Cow::into_owned)
    }
    /// [`CachedHeaders::subject_raw`], borrowed when the field is one line
    /// and occurs once.
    pub fn subject_cow(&self) -> Option<Cow<'_, [u8]>> {
        let [subject, subj] = self.hfields_raw(["subject", "subj"]);
        subject.or(subj)
    }
    /// The sender word of the From_ line, up to the first blank as
    /// bsd-mailx's `name1` takes it (a quoted `"a b"@x` gives `"a`).
    pub fn envelope_sender(&self) -> String {
        let fl = &self.from;
        let end = fl
            .sender
            .iter()
            .position(|&b| b == b' ' || b == b'\t')
            .unwrap_or(fl.sender.len());
        String::from_utf8_lossy(&fl.sender[..end]).into_owned()
    }
    /// bsd-mailx's `name1()`: From:, else (for `reptype` 0) Sender:, else the
    /// From_ line's sender word.
    pub fn name1(&self, reptype: u8) -> String {
        self.name1_cow(reptype).into_owned()
    }
    /// [`CachedHeaders::name1`], borrowed when it can be.
    fn name1_cow(&self, reptype: u8) -> Cow<'_, str> {
        let [from, sender] = self.hfields_raw(["from", "sender"]);
        let field = match (from, sender) {
            (Some(f), _) => Some(f),
            (None, Some(s)) if reptype == 0 => Some(s),
            _ => None,
        };
        match field {
            Some(Cow::Borrowed(b)) => String::from_utf8_lossy(b),
            Some(Cow::Owned(v)) => Cow::Owned(lossy(v)),
            None => Cow::Owned(self.envelope_sender()),
        }
    }
    /// bsd-mailx's `nameof()`: the skinned sender; for `reptype` 0 a UUCP
    /// path `a!b!c` is shortened to its last two parts.
    pub fn nameof(&self, reptype: u8) -> String {
        let cp = names::skin(&self.name1_cow(reptype));
        if reptype != 0 || cp.bytes().filter(|&b| b == b'!').count() < 2 {
            return cp;
        }
        let b = cp.as_bytes();
        let last = cp.rfind('!').unwrap_or(0);
        let mut k = last.saturating_sub(1);
        while k > 0 && b[k] != b'!' {
            k -= 1;
        }
        if b[k] == b'!' {
            return cp[k + 1..].to_string();
        }
        cp
    }
    /// The date column of the header summary: everything after the sender
    /// on the From_ line.
    pub fn envelope_date(&self) -> &[u8] {
        &self.from.date
    }

    /// Finds the fields of a header block.
    fn index(block: Vec<u8>, from: FromLine) -> CachedHeaders {
        let mut h = CachedHeaders {
            block,
            from,
            // A summary's block has about 5 fields: room for them at once.
            fields: Vec::with_capacity(8),
            partial: false,
            indexed: false,
        };
        h.find_fields();
        h
    }

    /// Finds where the fields of `block` are.
    fn find_fields(&mut self) {
        let base = self.block.as_ptr() as usize;
        self.fields.clear();
        self.fields.extend(header_fields(&self.block).map(|f| {
            let ns = f.name.as_ptr() as usize - base;
            let rs = f.raw.as_ptr() as usize - base;
            (ns, ns + f.name.len(), rs, rs + f.raw.len())
        }));
        self.indexed = true;
    }
}

impl HeaderCache {
    /// Forgets the cached message (after `edit` replaced one).
    pub fn clear(&self) {
        *self.0.borrow_mut() = None;
    }
}

impl ReadState {
    /// A fresh state over an open folder (`edit`: opened with -f).
    pub fn new(mb: impl Into<Box<dyn Folder>>, mailname: String, edit: bool) -> ReadState {
        ReadState {
            mb: mb.into(),
            dot: 0,
            sawcom: false,
            edit,
            mailname,
            screen: 0,
            lastcolmod: 0,
            lastscan: String::new(),
            placeholder: false,
            header_cache: HeaderCache::default(),
            order: order::Order::default(),
        }
    }

    pub fn count(&self) -> usize {
        self.mb.len()
    }
    pub fn flags(&self, i: usize) -> MsgFlags {
        self.mb.flags(i)
    }
    pub fn flags_mut(&mut self, i: usize) -> &mut MsgFlags {
        self.mb.flags_mut(i)
    }
    pub fn readonly(&self) -> bool {
        self.mb.readonly()
    }
    /// bsd-mailx's `touch()`: noticed in this session, and read.
    pub fn touch(&mut self, i: usize) {
        let f = self.mb.flags_mut(i);
        f.insert(MsgFlags::TOUCH);
        if !f.contains(MsgFlags::READ) {
            f.insert(MsgFlags::READ | MsgFlags::STATUS);
        }
    }
    /// A header field of message `i` as bsd-mailx's `hfield()` returns it
    /// (all occurrences joined by a space), as text.
    pub fn hfield(&self, i: usize, name: &str) -> Option<String> {
        self.hfield_raw(i, name).map(lossy)
    }
    /// Message `i`'s header block, From_ line and field positions, read
    /// from the file once and kept until another message is asked for.
    pub(crate) fn cached_headers(&self, i: usize) -> Option<std::rc::Rc<CachedHeaders>> {
        if let Some((k, h)) = self.header_cache.0.borrow().as_ref()
            && *k == i
        {
            return Some(h.clone());
        }
        let h = std::rc::Rc::new(CachedHeaders::read(&*self.mb, i)?);
        *self.header_cache.0.borrow_mut() = Some((i, h.clone()));
        Some(h)
    }
    /// A header field's raw bytes, unfolded (all occurrences joined by a space).
    pub fn hfield_raw(&self, i: usize, name: &str) -> Option<Vec<u8>> {
        self.cached_headers(i)?.hfield_raw(name)
    }
    /// The Subject (or `Subj`) field, raw.
    pub fn subject_raw(&self, i: usize) -> Option<Vec<u8>> {
        self.cached_headers(i)?.subject_raw()
    }
    /// The Subject decoded for display (RFC 2047, charsets) when the
    /// terminal can show it; bsd-mailx's raw text in the C locale.
    pub fn subject_decoded(&self, i: usize) -> Option<String> {
        if mimeview::term() == mimeview::Term::Raw {
            return self.subject(i);
        }
        self.subject_raw(i).map(|r| mimeview::decode_words(&r))
    }
    /// The Subject (or `Subj`) field.
    pub fn subject(&self, i: usize) -> Option<String> {
        self.hfield(i, "subject").or_else(|| self.hfield(i, "subj"))
    }
    /// bsd-mailx's `name1()` (see [`CachedHeaders::name1`]).
    pub fn name1(&self, i: usize, reptype: u8) -> String {
        self.cached_headers(i)
            .map(|h| h.name1(reptype))
            .unwrap_or_default()
    }
    /// bsd-mailx's `nameof()` (see [`CachedHeaders::nameof`]).
    pub fn nameof(&self, i: usize, reptype: u8) -> String {
        self.cached_headers(i)
            .map(|h| h.nameof(reptype))
            .unwrap_or_default()
    }
}

/// Bytes as text, invalid UTF-8 replaced.
fn lossy(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The stand-in state for commands run before a mailbox is open (from an
/// rc file): no messages, so that `file`, `z`, `=`, `inc`... answer as
/// bsd-mailx does with no messages.
pub(crate) fn placeholder() -> Option<ReadState> {
    let mb = Mailbox::from_bytes(b"").ok()?;
    let mut st = ReadState::new(mb, String::new(), true);
    st.placeholder = true;
    Some(st)
}

/// The file info line (bsd-mailx's `newfileinfo`) for messages from
/// `from` on; returns the 1-based message a new dot should go to.
pub(crate) fn newfileinfo(s: &Session, st: &ReadState, from: usize) -> usize {
    let n = st.count();
    let mut mdot = None;
    for i in from..n {
        if st.flags(i).contains(MsgFlags::NEW) {
            mdot = Some(i + 1);
            break;
        }
    }
    if mdot.is_none() {
        for i in from..n {
            if !st.flags(i).contains(MsgFlags::READ) {
                mdot = Some(i + 1);
                break;
            }
        }
    }
    let mdot = mdot.unwrap_or(from + 1);
    let (mut new, mut unread, mut del, mut saved) = (0, 0, 0, 0);
    for i in 0..n {
        let f = st.flags(i);
        if f.contains(MsgFlags::NEW) {
            new += 1;
        }
        if !f.contains(MsgFlags::READ) {
            unread += 1;
        }
        if f.contains(MsgFlags::DELETED) {
            del += 1;
        }
        if f.contains(MsgFlags::SAVED) {
            saved += 1;
        }
    }
    let mut ename = st.mailname.clone();
    if let Some(dir) = expand::folder_dir(s) {
        let prefix = format!("{dir}/");
        if let Some(rest) = st.mailname.strip_prefix(&prefix) {
            ename = format!("+{rest}");
        }
    }
    let mut line = format!("\"{ename}\": ");
    if n == 1 {
        line.push_str("1 message");
    } else {
        line.push_str(&format!("{n} messages"));
    }
    if new > 0 {
        line.push_str(&format!(" {new} new"));
    }
    // bsd-mailx's quirk: shown when there are unread old ones, but the
    // number is every unread message, the new ones included.
    if unread - new > 0 {
        line.push_str(&format!(" {unread} unread"));
    }
    if del > 0 {
        line.push_str(&format!(" {del} deleted"));
    }
    if saved > 0 {
        line.push_str(&format!(" {saved} saved"));
    }
    if st.readonly() {
        line.push_str(" [Read only]");
    }
    outln!("{line}");
    mdot
}

/// bsd-mailx's `announce()`: the file info line, dot on the first new (else
/// unread) message, and the header screen that holds it unless `noheader`.
pub(crate) fn announce(s: &mut Session, st: &mut ReadState) {
    let mdot = newfileinfo(s, st, 0);
    st.dot = mdot - 1;
    if st.count() > 0 && !s.is_set("noheader") {
        summary::headers(s, st, &[mdot]);
    }
}

/// C's `atoi`: optional blanks and sign, then digits; 0 when there are none.
pub(crate) fn atoi(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    if neg { -n } else { n }
}
