//! An IMAP mailbox as a [`Folder`]. Opening it fetches the summary of
//! every message with one UID FETCH (flags, size, arrival time and the
//! header fields the summary and searches read), or, with a header cache
//! of the same UIDVALIDITY (`hcache`), every UID and its flags and the
//! summaries of the UIDs the cache lacks; a message's text is
//! fetched with BODY.PEEK when it is first asked for and kept for the
//! session, so nothing is marked \Seen by reading it. As for a local
//! folder, changes are made at `quit` only: read, answered and flagged
//! state with UID STORE, deletions with \Deleted and then EXPUNGE (or
//! UID EXPUNGE of ours only when other messages are marked too). `exit`
//! drops the connection and leaves the server as it was. Messages are handed out as a Maildir's are: a made-up
//! envelope line (`Return-Path:` and INTERNALDATE), LF line ends, and an
//! empty line after the message.
//!
//! Texts are kept in memory up to [`MEM_TEXT`] bytes each and
//! [`MEM_CACHE`] bytes in all; a larger text, and every text once the
//! memory budget is spent, is written by the connection to the folder's
//! spool file (`spool`) as it arrives and read from there: a message of
//! any size is read, printed and saved with bounded memory.

use std::any::Any;
use std::collections::HashMap;
use std::io::{self, BufRead, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::client::{Client, Summary, Text, uid_sets};
use super::hcache::{self, Key, Miss};
use super::spool::{Region, Spool};
use super::url::ImapUrl;
use crate::mailbox::from_line::parse_from_line;
use crate::mailbox::maildir::{count_lines, envelope_line, return_path};
use crate::mailbox::write::plan::{keep_in_folder, plan_edit};
use crate::mailbox::{
    Folder, FolderKind, FromLine, LockOptions, LockedOpenError, MsgFlags, QuitOptions, QuitOutcome,
    WriteError,
};
use crate::util;

/// The largest message text kept in memory.
pub(crate) const MEM_TEXT: usize = 1 << 20;

/// The message texts kept in memory in all; once spent, texts are spooled.
pub(crate) const MEM_CACHE: usize = 32 << 20;

/// The most of a spooled text's header read for `header_block`.
const MAX_HEADER: usize = 8 << 20;

/// A fetched message text (LF line ends).
#[derive(Clone)]
enum Body {
    Mem(Arc<Vec<u8>>),
    Spooled(Region),
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Mem(b) => b.len() as u64,
            Body::Spooled(r) => r.len,
        }
    }
    fn lines(&self) -> u64 {
        match self {
            Body::Mem(b) => count_lines(b),
            Body::Spooled(r) => r.lines,
        }
    }
}

/// The texts fetched this session.
#[derive(Default)]
struct Bodies {
    by_uid: HashMap<u32, Body>,
    /// Bytes of the texts in memory.
    mem: usize,
}

/// Bytes shared between the cache and a reader.
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// One message of the mailbox: kept small, since a folder may hold
/// hundreds of thousands (one allocation, of the summary's header fields;
/// the envelope line is made from them when asked for).
struct Msg {
    uid: u32,
    flags: MsgFlags,
    /// The flags as the server had them (READ, ANSWERED, FLAGGED).
    server: MsgFlags,
    size: u64,
    /// INTERNALDATE, seconds since the epoch.
    date: u64,
    /// The summary's header fields, each line ending in LF, no empty line.
    header: Box<[u8]>,
    replaced: Option<Box<[u8]>>,
}

impl Msg {
    /// The made-up envelope line: `Return-Path:` and INTERNALDATE.
    fn envelope(&self) -> Vec<u8> {
        envelope_line(return_path(&self.header).as_deref(), self.date)
    }
}

/// The flags read mode keeps in sync with the server's.
const SYNCED: [(MsgFlags, &str); 3] = [
    (MsgFlags::READ, "\\Seen"),
    (MsgFlags::ANSWERED, "\\Answered"),
    (MsgFlags::FLAGGED, "\\Flagged"),
];

/// What the server has told of the selected mailbox
/// ([`Client::mailbox_news`]): the last EXISTS, the number of EXPUNGEs.
type News = (Option<u32>, u64);

/// An open IMAP mailbox.
pub(crate) struct ImapFolder {
    name: PathBuf,
    account: ImapUrl,
    client: Mutex<Client>,
    msgs: Vec<Msg>,
    bodies: Mutex<Bodies>,
    spool: Spool,
    readonly: bool,
    /// `imap-newmail-interval`: autoinc's NOOP at most this often.
    poll_every: Duration,
    /// When the server was last asked for new mail (or the folder opened).
    polled: Instant,
    /// What the server had told of the mailbox then.
    news: News,
    /// What the header cache did at the open.
    cache_note: String,
}

/// LF → CRLF (a lone CR or an existing CRLF stays as it is).
pub(crate) fn to_crlf(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() + v.len() / 32);
    for (i, &b) in v.iter().enumerate() {
        if b == b'\n' && (i == 0 || v[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// CRLF → LF.
pub(crate) fn to_lf(mut v: Vec<u8>) -> Vec<u8> {
    // From one CR to the next with memchr, each run moved down at once.
    let Some(mut r) = memchr::memchr(b'\r', &v) else {
        return v;
    };
    let mut w = r;
    while r < v.len() {
        // v[r] is a CR: dropped when an LF follows it.
        let from = if v.get(r + 1) == Some(&b'\n') {
            r + 1
        } else {
            r
        };
        let next = memchr::memchr(b'\r', &v[r + 1..]).map_or(v.len(), |k| r + 1 + k);
        v.copy_within(from..next, w);
        w += next - from;
        r = next;
    }
    v.truncate(w);
    v
}

/// Seconds since the epoch of an INTERNALDATE (`05-Dec-2026 22:18:17
/// +0000`); 0 when it cannot be read.
pub(crate) fn internal_date(s: &str) -> u64 {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parse = || -> Option<i64> {
        let s = s.trim();
        let (date, rest) = s.split_once(' ')?;
        let (time, zone) = rest.trim().split_once(' ')?;
        let mut d = date.split('-');
        let day: i64 = d.next()?.trim().parse().ok()?;
        let mon = d.next()?.to_ascii_lowercase();
        let month = MONTHS.iter().position(|m| *m == mon)? as i64 + 1;
        let year: i64 = d.next()?.parse().ok()?;
        let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
        let (h, m, sec) = (t.next()??, t.next()??, t.next()??);
        let sign = match zone.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let z: i64 = zone[1..].parse().ok()?;
        let off = sign * ((z / 100) * 3600 + (z % 100) * 60);
        // Days from 1970-01-01 (Howard Hinnant's civil-date algorithm).
        let (y, mo) = if month <= 2 {
            (year - 1, month + 9)
        } else {
            (year, month - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * mo + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(days * 86_400 + h * 3600 + m * 60 + sec - off)
    };
    parse().filter(|&t| t >= 0).unwrap_or(0) as u64
}

/// The envelope line and header block a summary entry becomes (for the
/// fuzz target).
pub(crate) fn summary_entry(s: Summary) -> (Vec<u8>, Vec<u8>) {
    let m = msg_from(s);
    (m.envelope(), m.header.to_vec())
}

/// The session flags of a message with the IMAP flags `list`.
fn flags_of(list: &[String]) -> MsgFlags {
    let mut flags = MsgFlags::USED;
    let has = |f: &str| list.iter().any(|x| x.eq_ignore_ascii_case(f));
    if has("\\Seen") {
        flags.insert(MsgFlags::READ);
    } else if has("\\Recent") {
        flags.insert(MsgFlags::NEW);
    }
    if has("\\Answered") {
        flags.insert(MsgFlags::ANSWERED);
    }
    if has("\\Flagged") {
        flags.insert(MsgFlags::FLAGGED);
    }
    flags
}

/// The flags of `flags` the server keeps (READ, ANSWERED, FLAGGED).
fn server_part(flags: MsgFlags) -> MsgFlags {
    flags & (MsgFlags::READ | MsgFlags::ANSWERED | MsgFlags::FLAGGED)
}

fn msg_from(s: Summary) -> Msg {
    let mut header = to_lf(s.header);
    while header.ends_with(b"\n\n") {
        header.pop();
    }
    if header == b"\n" {
        header.clear();
    }
    let flags = flags_of(&s.flags);
    Msg {
        uid: s.uid,
        server: server_part(flags),
        flags,
        size: s.size,
        date: internal_date(&s.internal_date),
        header: header.into_boxed_slice(),
        replaced: None,
    }
}

/// The messages of `range` with a UID above `after`, in UID order, each
/// stored as it arrives (`expect`: how many there should be).
fn fetch_msgs(c: &mut Client, range: &str, expect: usize, after: u32) -> io::Result<Vec<Msg>> {
    // EXISTS is the server's word: a reservation, bounded.
    let mut msgs = Vec::with_capacity(expect.min(1 << 20));
    c.fetch_summaries(range, &mut |s| {
        if s.uid > after {
            msgs.push(msg_from(s));
        }
    })?;
    if !msgs.is_sorted_by_key(|m| m.uid) {
        msgs.sort_by_key(|m| m.uid);
    }
    msgs.dedup_by_key(|m| m.uid);
    msgs.shrink_to_fit();
    Ok(msgs)
}

/// The messages of the mailbox, which SELECT said holds `exists`: from
/// the header cache of `key` where it has them (the server lists every
/// UID with its flags; see `hcache`), the summaries of the others fetched;
/// without a usable cache all fetched, and the cache written again when
/// it changed. Also what the server has told of the mailbox when the
/// list was taken ([`Client::mailbox_news`]) and what the cache did (for
/// `verbose`).
fn open_msgs(
    c: &mut Client,
    exists: u32,
    key: Option<&Key>,
) -> io::Result<(Vec<Msg>, News, String)> {
    let cold = |c: &mut Client, why: &str| -> io::Result<_> {
        let msgs = if exists == 0 {
            Vec::new()
        } else {
            fetch_msgs(c, "1:*", exists as usize, 0)?
        };
        Ok((msgs, c.mailbox_news(), why.to_string()))
    };
    let Some(key) = key else {
        return cold(c, Miss::Off.describe());
    };
    let opened = match hcache::open(key) {
        Ok(o) => o,
        Err(miss) => {
            let r = cold(c, miss.describe())?;
            save(key, &r.0);
            return Ok(r);
        }
    };
    // Every message the server has: UID and flags (the latest answer for
    // a UID that comes twice), asked for before the cache is read, so that
    // the server works meanwhile.
    let before = c.mailbox_news();
    let tag = if exists > 0 {
        Some(c.ask_flags()?)
    } else {
        None
    };
    let cached = match opened.records() {
        Ok(e) => e,
        Err(miss) => {
            if let Some(tag) = &tag {
                c.flags_answer(tag, &mut |_, _| {})?;
            }
            let r = cold(c, miss.describe())?;
            save(key, &r.0);
            return Ok(r);
        }
    };
    let mut listed: Vec<(u32, MsgFlags)> = Vec::with_capacity((exists as usize).min(1 << 20));
    if let Some(tag) = tag {
        c.flags_answer(&tag, &mut |uid, f| listed.push((uid, flags_of(f))))?;
    }
    listed.sort_by_key(|m| m.0);
    listed.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            *kept = *later;
        }
        same
    });
    let news = c.mailbox_news();
    // The list is the whole mailbox only if nothing came or went while it
    // was made (else all is fetched as without a cache).
    if news.1 != before.1 || news.0.unwrap_or(0) as usize != listed.len() {
        let r = cold(c, "not used: the mailbox changed while it was opened")?;
        save(key, &r.0);
        return Ok(r);
    }
    let mut missing = Vec::new();
    let mut e = cached.iter().map(|e| e.uid).peekable();
    for &(uid, _) in &listed {
        while e.next_if(|&u| u < uid).is_some() {}
        if e.next_if_eq(&uid).is_none() {
            missing.push(uid);
        }
    }
    let mut fetched = Vec::new();
    for set in uid_sets(&missing) {
        fetched.extend(fetch_msgs(c, &set, 0, 0)?);
    }
    fetched.sort_by_key(|m| m.uid);
    let (n_cached, n_fetched) = (cached.len(), fetched.len());
    let changed = fetched.iter().any(|m| hcache::recordable(&m.header));
    let mut cached = cached.into_iter().peekable();
    let mut fetched = fetched.into_iter().peekable();
    let mut msgs = Vec::with_capacity(listed.len());
    let mut used = 0;
    for (uid, flags) in listed {
        while cached.next_if(|e| e.uid < uid).is_some() {}
        while fetched.next_if(|m| m.uid < uid).is_some() {}
        if let Some(e) = cached.next_if(|e| e.uid == uid) {
            used += 1;
            msgs.push(Msg {
                uid,
                flags,
                server: server_part(flags),
                size: e.size,
                date: e.date,
                header: e.header,
                replaced: None,
            });
        } else if let Some(m) = fetched.next_if(|m| m.uid == uid) {
            msgs.push(m);
        }
        // Else it went while its summary was fetched.
    }
    let gone = n_cached - used;
    if changed || gone > 0 {
        save(key, &msgs);
    }
    let note = format!("{used} from the cache, {n_fetched} fetched, {gone} gone");
    Ok((msgs, news, note))
}

/// Writes the header cache of `key` with `msgs` (in UID order); a cache
/// that cannot be written is not.
fn save(key: &Key, msgs: &[Msg]) {
    let mut it = msgs.iter();
    let _ = hcache::write(key, &mut || {
        it.next().map(|m| (m.uid, m.size, m.date, &m.header[..]))
    });
}

impl ImapFolder {
    /// A folder over a logged-in client with `mailbox` selected, which
    /// SELECT said holds `exists` messages: their summaries, from the
    /// header cache of `cache` (None: no cache) and the server.
    pub(crate) fn open(
        name: String,
        account: ImapUrl,
        mut client: Client,
        exists: u32,
        readonly: bool,
        poll_every: Duration,
        cache: Option<&Key>,
    ) -> io::Result<Self> {
        let (msgs, news, cache_note) = open_msgs(&mut client, exists, cache)?;
        Ok(ImapFolder {
            name: PathBuf::from(name),
            account,
            client: Mutex::new(client),
            msgs,
            bodies: Mutex::new(Bodies::default()),
            spool: Spool::new(),
            readonly,
            poll_every,
            polled: Instant::now(),
            news,
            cache_note,
        })
    }

    /// What the header cache did at the open (for `verbose`).
    pub(crate) fn cache_note(&self) -> &str {
        &self.cache_note
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bodies(&self) -> MutexGuard<'_, Bodies> {
        self.bodies.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The message's text (LF line ends, no envelope), fetched once.
    fn body(&self, i: usize) -> io::Result<Body> {
        if let Some(b) = self.cached(i) {
            return Ok(b);
        }
        let uid = self.msgs[i].uid;
        let over = if self.bodies().mem >= MEM_CACHE {
            0
        } else {
            MEM_TEXT
        };
        let text = self
            .client()
            .fetch_message(uid, over, &self.spool)
            .map_err(|e| self.err(e))?;
        let b = match text {
            Text::Mem(raw) => Body::Mem(Arc::new(to_lf(raw))),
            Text::Spooled(r) => Body::Spooled(r),
        };
        let mut all = self.bodies();
        if let Body::Mem(v) = &b {
            all.mem += v.len();
        }
        all.by_uid.insert(uid, b.clone());
        Ok(b)
    }

    fn cached(&self, i: usize) -> Option<Body> {
        let uid = self.msgs[i].uid;
        self.bodies().by_uid.get(&uid).cloned()
    }

    /// `e` with the folder's name in front. The session has failed with
    /// the server: read mode will exit 1.
    fn err(&self, e: io::Error) -> io::Error {
        util::note_write_failure();
        io::Error::new(e.kind(), format!("{}: {e}", self.name.display()))
    }

    /// True if `url` is on the same server as this folder, as the same user.
    pub(crate) fn same_account(&self, url: &ImapUrl) -> bool {
        let a = &self.account;
        a.host.eq_ignore_ascii_case(&url.host)
            && a.port == url.port
            && a.tls == url.tls
            && a.user == url.user
    }

    /// The UIDs of messages `which`.
    pub(crate) fn uids(&self, which: &[usize]) -> Vec<u32> {
        which.iter().map(|&i| self.msgs[i].uid).collect()
    }

    /// Runs `f` on the connection (save/copy to the same server).
    pub(crate) fn with_client<T>(
        &self,
        f: impl FnOnce(&mut Client) -> io::Result<T>,
    ) -> io::Result<T> {
        f(&mut self.client()).map_err(|e| self.err(e))
    }

    /// The STORE commands that bring the server's flags to ours: for each
    /// synced flag, the UIDs to add it to and to take it from.
    fn flag_changes(&self) -> Vec<(String, Vec<u32>)> {
        let mut out = Vec::new();
        for (bit, name) in SYNCED {
            let (mut add, mut del) = (Vec::new(), Vec::new());
            for m in &self.msgs {
                if m.flags.contains(MsgFlags::DELETED) {
                    continue;
                }
                match (m.flags.contains(bit), m.server.contains(bit)) {
                    (true, false) => add.push(m.uid),
                    (false, true) => del.push(m.uid),
                    _ => {}
                }
            }
            if !add.is_empty() {
                out.push((format!("+FLAGS.SILENT ({name})"), add));
            }
            if !del.is_empty() {
                out.push((format!("-FLAGS.SILENT ({name})"), del));
            }
        }
        out
    }

    fn quit_inner(&mut self, out: &mut dyn Write, warn: &mut dyn Write) -> io::Result<QuitOutcome> {
        if !plan_edit(self) {
            self.client().logout();
            return Ok(QuitOutcome::default());
        }
        if self.msgs.iter().any(|m| m.flags.contains(MsgFlags::MODIFY)) {
            let _ = writeln!(
                warn,
                "{}: edited messages are not written back to an IMAP server",
                self.name.display()
            );
        }
        let changes = self.flag_changes();
        let deleted: Vec<u32> = self
            .msgs
            .iter()
            .filter(|m| !keep_in_folder(m.flags))
            .map(|m| m.uid)
            .collect();
        let kept = self.msgs.len() - deleted.len();
        let mut c = self.client();
        for (op, uids) in &changes {
            c.store(uids, op)?;
        }
        if !deleted.is_empty() {
            c.store(&deleted, "+FLAGS.SILENT (\\Deleted)")?;
            let max_uid = self.msgs.iter().map(|m| m.uid).max().unwrap_or(0);
            if let Err(e) = c.expunge(&deleted, self.msgs.len(), max_uid) {
                // Leave nothing marked that was not removed.
                let _ = c.store(&deleted, "-FLAGS.SILENT (\\Deleted)");
                let nums: Vec<String> = self
                    .msgs
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !keep_in_folder(m.flags))
                    .map(|(i, _)| (i + 1).to_string())
                    .collect();
                return Err(io::Error::other(format!(
                    "{e}; message{} {} not deleted",
                    if nums.len() == 1 { "" } else { "s" },
                    nums.join(", ")
                )));
            }
        }
        c.logout();
        drop(c);
        let what = if kept == 0 { "truncated" } else { "complete" };
        let _ = writeln!(out, "\"{}\" {what}", self.name.display());
        Ok(QuitOutcome {
            held: kept,
            rewritten: true,
            ..Default::default()
        })
    }
}

impl Folder for ImapFolder {
    fn kind(&self) -> FolderKind {
        FolderKind::Imap
    }
    fn path(&self) -> &Path {
        &self.name
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
    fn readonly(&self) -> bool {
        self.readonly
    }
    fn len(&self) -> usize {
        self.msgs.len()
    }
    fn flags(&self, i: usize) -> MsgFlags {
        self.msgs[i].flags
    }
    fn flags_mut(&mut self, i: usize) -> &mut MsgFlags {
        &mut self.msgs[i].flags
    }
    fn lines(&self, i: usize) -> u64 {
        let m = &self.msgs[i];
        if let Some(r) = &m.replaced {
            return count_lines(r);
        }
        // Unknown until the text has been fetched.
        self.cached(i).map_or(0, |b| b.lines())
    }
    fn size(&self, i: usize) -> u64 {
        let m = &self.msgs[i];
        m.replaced.as_ref().map_or(m.size, |r| r.len() as u64)
    }
    fn content_len(&self, i: usize) -> u64 {
        let m = &self.msgs[i];
        let body = match &m.replaced {
            Some(r) => r.len() as u64,
            None => self.body(i).map_or(m.size, |b| b.len()),
        };
        m.envelope().len() as u64 + body + 1
    }
    fn envelope(&self, i: usize) -> io::Result<FromLine> {
        let env = self.msgs[i].envelope();
        let line = &env[..env.len() - 1];
        let ((s, e), (ds, de)) = parse_from_line(line).unwrap_or(((5, 5), (5, 5)));
        Ok(FromLine {
            sender: line[s..e].to_vec(),
            date: line[ds..de].to_vec(),
        })
    }
    fn header_block(&self, i: usize) -> io::Result<Vec<u8>> {
        let m = &self.msgs[i];
        let mut out = m.envelope();
        let head = |b: &[u8]| {
            let end = memchr::memmem::find(b, b"\n\n").map_or(b.len(), |p| p + 1);
            let end = if b.starts_with(b"\n") { 0 } else { end };
            b[..end].to_vec()
        };
        let h = match (&m.replaced, self.cached(i)) {
            (Some(r), _) => head(r),
            (None, Some(Body::Mem(b))) => head(&b),
            (None, Some(Body::Spooled(r))) => self.spool.header(r, MAX_HEADER)?,
            (None, None) => m.header.to_vec(),
        };
        out.extend_from_slice(&h);
        Ok(out)
    }
    fn open_message(&self, i: usize) -> io::Result<Box<dyn BufRead + '_>> {
        let m = &self.msgs[i];
        let env = Cursor::new(m.envelope());
        let end = Cursor::new(&b"\n"[..]);
        if let Some(r) = &m.replaced {
            return Ok(Box::new(env.chain(Cursor::new(&r[..])).chain(end)));
        }
        Ok(match self.body(i)? {
            Body::Mem(b) => Box::new(env.chain(Cursor::new(Shared(b))).chain(end)),
            Body::Spooled(r) => Box::new(env.chain(self.spool.reader(r)?).chain(end)),
        })
    }
    fn replace_message(&mut self, i: usize, content: Vec<u8>) {
        let m = &mut self.msgs[i];
        let mut body = match memchr::memchr(b'\n', &content) {
            Some(p) if content.starts_with(b"From ") => content[p + 1..].to_vec(),
            _ => content,
        };
        if body.ends_with(b"\n\n") {
            body.pop();
        }
        m.replaced = Some(body.into_boxed_slice());
        m.flags.insert(MsgFlags::MODIFY);
    }
    fn incorporate(
        &mut self,
        _lock: &LockOptions,
        _warn: &mut dyn Write,
    ) -> Result<usize, LockedOpenError> {
        let last = self.msgs.iter().map(|m| m.uid).max().unwrap_or(0);
        let name = self.name.display().to_string();
        let wrap = |e: io::Error| {
            util::note_write_failure();
            LockedOpenError::Io(io::Error::new(e.kind(), format!("{name}: {e}")))
        };
        let new = {
            let mut c = self.client.lock().unwrap_or_else(|e| e.into_inner());
            c.noop().map_err(wrap)?;
            self.polled = Instant::now();
            let news = c.mailbox_news();
            // Nothing came or went since we last looked: no FETCH.
            if news == self.news {
                return Ok(0);
            }
            self.news = news;
            fetch_msgs(&mut c, &format!("{}:*", last + 1), 0, last).map_err(wrap)?
        };
        let n = new.len();
        self.msgs.extend(new);
        Ok(n)
    }
    fn poll_due(&self) -> bool {
        self.client().mailbox_news() != self.news || self.polled.elapsed() >= self.poll_every
    }
    fn quit(
        &mut self,
        _opts: &QuitOptions<'_>,
        out: &mut dyn Write,
        warn: &mut dyn Write,
    ) -> Result<QuitOutcome, WriteError> {
        if self.readonly {
            self.client().logout();
            return Ok(QuitOutcome::default());
        }
        self.quit_inner(out, warn)
            .map_err(|e| WriteError::Io(self.name.clone(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_line_ends() {
        assert_eq!(internal_date("01-Jan-1970 00:00:00 +0000"), 0);
        assert_eq!(internal_date(" 5-Dec-2026 22:18:17 +0100"), 1_796_505_497);
        assert_eq!(internal_date("garbage"), 0);
        assert_eq!(to_lf(b"a\r\nb\rc\r\n".to_vec()), b"a\nb\rc\n");
        assert_eq!(to_crlf(b"a\nb\r\n\n"), b"a\r\nb\r\n\r\n");
    }

    /// [`to_lf`] drops exactly the CRs before an LF (its first form, byte
    /// by byte, is the oracle), on every string of up to 7 bytes of `a`,
    /// CR and LF.
    #[test]
    fn to_lf_drops_the_crs_before_lfs_only() {
        fn bytewise(v: &[u8]) -> Vec<u8> {
            (0..v.len())
                .filter(|&r| !(v[r] == b'\r' && v.get(r + 1) == Some(&b'\n')))
                .map(|r| v[r])
                .collect()
        }
        for len in 0..=7u32 {
            for mut k in 0..3usize.pow(len) {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        let b = [b'a', b'\r', b'\n'][k % 3];
                        k /= 3;
                        b
                    })
                    .collect();
                assert_eq!(to_lf(v.clone()), bytewise(&v), "{v:?}");
            }
        }
    }

    #[test]
    fn a_message_record_stays_small() {
        // 100,000 of them are in memory at once (the RSS target).
        assert!(size_of::<Msg>() <= 56);
    }

    #[test]
    fn server_flags() {
        let s = Summary {
            uid: 4,
            flags: vec!["\\Seen".into(), "\\Flagged".into()],
            size: 10,
            internal_date: "01-Jan-2001 10:00:00 +0000".into(),
            header: b"Return-Path: <a@b>\r\nSubject: x\r\n\r\n".to_vec(),
        };
        let m = msg_from(s);
        assert!(m.flags.contains(MsgFlags::READ | MsgFlags::FLAGGED));
        assert!(!m.flags.contains(MsgFlags::NEW));
        assert_eq!(&m.header[..], b"Return-Path: <a@b>\nSubject: x\n");
        assert!(m.envelope().starts_with(b"From a@b "));
    }
}
