//! Per-message flag bits, as bsd-mailx's `def.h` defines them.
//!
//! This module owns only the flag type. The indexer sets the initial
//! `USED|NEW` and the `Status:`-derived `READ`/not-`NEW` bits; the command
//! loop sets the others; `write` reads them at quit time.

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

/// A set of message flags (a small `Copy` bit set; the bit values are the
/// ones bsd-mailx uses, so debug output can be compared with its source).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MsgFlags(u16);

impl MsgFlags {
    /// Entry is in use (always set on indexed messages).
    pub const USED: MsgFlags = MsgFlags(1 << 0);
    /// Deleted (`d`); dropped at quit.
    pub const DELETED: MsgFlags = MsgFlags(1 << 1);
    /// Saved to a file (`s`/`w`); dropped from the spool at quit unless `keepsave`.
    pub const SAVED: MsgFlags = MsgFlags(1 << 2);
    /// Noticed in this session (shown, or touched with `touch`).
    pub const TOUCH: MsgFlags = MsgFlags(1 << 3);
    /// Keep in the system mailbox (`preserve`/`hold`).
    pub const PRESERVE: MsgFlags = MsgFlags(1 << 4);
    /// Marked (used while building message lists).
    pub const MARK: MsgFlags = MsgFlags(1 << 5);
    /// Content modified (`edit`/`visual`).
    pub const MODIFY: MsgFlags = MsgFlags(1 << 6);
    /// Never seen: no `O` in its `Status:`.
    pub const NEW: MsgFlags = MsgFlags(1 << 7);
    /// Read at some time: `R` in its `Status:`, or read now.
    pub const READ: MsgFlags = MsgFlags(1 << 8);
    /// Status changed in this session (the file must be rewritten).
    pub const STATUS: MsgFlags = MsgFlags(1 << 9);
    /// Send to mbox at quit, regardless (`mbox` command).
    pub const MBOX: MsgFlags = MsgFlags(1 << 10);
    /// Flagged for attention (`flag`; Maildir's `F`; not kept by mbox).
    pub const FLAGGED: MsgFlags = MsgFlags(1 << 11);
    /// Replied to (`reply`; Maildir's `R`; not kept by mbox).
    pub const ANSWERED: MsgFlags = MsgFlags(1 << 12);

    /// The empty set.
    pub const fn empty() -> Self {
        MsgFlags(0)
    }
    /// The raw bits.
    pub const fn bits(self) -> u16 {
        self.0
    }
    /// Builds a set from raw bits (unknown bits are kept).
    pub const fn from_bits(bits: u16) -> Self {
        MsgFlags(bits)
    }
    /// True if every bit of `other` is set.
    pub const fn contains(self, other: MsgFlags) -> bool {
        self.0 & other.0 == other.0
    }
    /// True if any bit of `other` is set.
    pub const fn intersects(self, other: MsgFlags) -> bool {
        self.0 & other.0 != 0
    }
    /// True if no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Sets the bits of `other`.
    pub fn insert(&mut self, other: MsgFlags) {
        self.0 |= other.0;
    }
    /// Clears the bits of `other`.
    pub fn remove(&mut self, other: MsgFlags) {
        self.0 &= !other.0;
    }
    /// Sets or clears the bits of `other`.
    pub fn set(&mut self, other: MsgFlags, on: bool) {
        if on {
            self.insert(other)
        } else {
            self.remove(other)
        }
    }
    /// The `Status:` value bsd-mailx writes for these flags: `R` if read,
    /// `O` if not new (so `""`, `"R"`, `"O"` or `"RO"`).
    pub fn status_letters(self) -> &'static str {
        match (self.contains(Self::READ), self.contains(Self::NEW)) {
            (true, false) => "RO",
            (true, true) => "R",
            (false, false) => "O",
            (false, true) => "",
        }
    }
}

impl BitOr for MsgFlags {
    type Output = MsgFlags;
    fn bitor(self, rhs: Self) -> Self {
        MsgFlags(self.0 | rhs.0)
    }
}
impl BitOrAssign for MsgFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}
impl BitAnd for MsgFlags {
    type Output = MsgFlags;
    fn bitand(self, rhs: Self) -> Self {
        MsgFlags(self.0 & rhs.0)
    }
}
impl BitAndAssign for MsgFlags {
    fn bitand_assign(&mut self, rhs: Self) {
        self.0 &= rhs.0;
    }
}
impl Not for MsgFlags {
    type Output = MsgFlags;
    fn not(self) -> Self {
        MsgFlags(!self.0)
    }
}

impl fmt::Debug for MsgFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 13] = [
            "USED", "DELETED", "SAVED", "TOUCH", "PRESERVE", "MARK", "MODIFY", "NEW", "READ",
            "STATUS", "MBOX", "FLAGGED", "ANSWERED",
        ];
        let mut first = true;
        write!(f, "MsgFlags(")?;
        for (i, n) in NAMES.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                if !first {
                    write!(f, "|")?;
                }
                first = false;
                write!(f, "{n}")?;
            }
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_letters() {
        let mut f = MsgFlags::USED | MsgFlags::NEW;
        assert_eq!(f.status_letters(), "");
        f.insert(MsgFlags::READ);
        assert_eq!(f.status_letters(), "R");
        f.remove(MsgFlags::NEW);
        assert_eq!(f.status_letters(), "RO");
        f.set(MsgFlags::READ, false);
        assert_eq!(f.status_letters(), "O");
        assert_eq!(
            format!("{:?}", MsgFlags::USED | MsgFlags::MBOX),
            "MsgFlags(USED|MBOX)"
        );
    }
}
