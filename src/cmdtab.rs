//! The one table of commands: name, argument kind, flags and help line.
//!
//! Its order is bsd-mailx's cmdtab order, so the abbreviation rule ("the first
//! entry whose name starts with the typed word wins") gives the same command
//! for the same word (`p` = print, `fo` = folder). POSIX commands bsd-mailx
//! lacks are appended at the end, so they never steal an abbreviation.
//! The parser (`lex`), `list`, `help` and the man page all read this table.

/// How a command's arguments are scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A message list, defaulting to the nearest applicable message.
    MsgList,
    /// A message list with no default (`next`).
    NdmList,
    /// The rest of the line, leading blanks removed.
    StrList,
    /// Shell-like words, with a minimum and maximum count.
    RawList { min: usize, max: usize },
    /// No arguments.
    NoList,
    /// An optional message list followed by a string (`pipe`).
    MsgListStr,
}

/// Which messages a message-list command may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgReq {
    /// Any message that is not deleted (bsd-mailx MMNDEL).
    NotDeleted,
    /// Not deleted and not saved (MMNORM).
    Normal,
    /// Deleted messages only (`undelete`).
    Deleted,
    /// No restriction (`mbox`).
    Any,
}

/// Command flags, as bsd-mailx's argtype bits.
pub mod flags {
    /// Usable in send mode (rc files read before sending).
    pub const M: u8 = 1;
    /// Interactive only: refused while sourcing.
    pub const I: u8 = 2;
    /// Changes the mailbox: refused when it is read only.
    pub const W: u8 = 4;
    /// Composes mail: cannot run from a `~:` escape.
    pub const R: u8 = 8;
    /// Conditional (`if`/`else`/`endif`): runs whatever the condition.
    pub const F: u8 = 16;
    /// Transparent: does not count as "a command was run" for `next`.
    pub const T: u8 = 32;
    /// Autoprint afterwards when `autoprint` is set.
    pub const P: u8 = 64;
}

/// Every command the program knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmdId {
    Next,
    Alias,
    Print,
    Type,
    TypeAll,
    Visual,
    Top,
    Touch,
    Preserve,
    Delete,
    DeletePrint,
    Undelete,
    Unset,
    Mail,
    Mbox,
    Pipe,
    More,
    MoreAll,
    Unread,
    Shell,
    Copy,
    Chdir,
    Save,
    Source,
    Set,
    ShellInteractive,
    Version,
    Write,
    From,
    File,
    Folders,
    Help,
    Scroll,
    Headers,
    Pdot,
    ReplySenders,
    Reply,
    Edit,
    Echo,
    Quit,
    List,
    Exit,
    Size,
    If,
    Else,
    Endif,
    Alternates,
    Ignore,
    Retain,
    SaveIgnore,
    SaveRetain,
    Comment,
    Inc,
    New,
    // POSIX commands bsd-mailx lacks.
    CopyBySender,
    SaveBySender,
    Followup,
    FollowupAll,
    Unalias,
    // MIME additions (docs/COMPATIBILITY.md M-entries).
    Attachments,
    Detach,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub name: &'static str,
    pub id: CmdId,
    pub kind: ArgKind,
    pub flags: u8,
    pub msg: MsgReq,
    /// Argument synopsis for help.
    pub args: &'static str,
    pub help: &'static str,
}

impl Command {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

use ArgKind::*;
use MsgReq::*;
use flags::*;

const fn c(
    name: &'static str,
    id: CmdId,
    kind: ArgKind,
    flags: u8,
    msg: MsgReq,
    args: &'static str,
    help: &'static str,
) -> Command {
    Command {
        name,
        id,
        kind,
        flags,
        msg,
        args,
        help,
    }
}

const MANY: usize = 1000;

/// The table, in bsd-mailx's order, then the additions.
pub const COMMANDS: &[Command] = &[
    c(
        "next",
        CmdId::Next,
        NdmList,
        0,
        NotDeleted,
        "[msglist]",
        "go to and print the next message",
    ),
    c(
        "alias",
        CmdId::Alias,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[name [address...]]",
        "define or show an alias (group)",
    ),
    c(
        "print",
        CmdId::Print,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print messages",
    ),
    c(
        "type",
        CmdId::Type,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print messages",
    ),
    c(
        "Type",
        CmdId::TypeAll,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print messages with all headers",
    ),
    c(
        "Print",
        CmdId::TypeAll,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print messages with all headers",
    ),
    c(
        "visual",
        CmdId::Visual,
        MsgList,
        I,
        Normal,
        "[msglist]",
        "edit messages with $VISUAL",
    ),
    c(
        "top",
        CmdId::Top,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print the first lines of messages (toplines)",
    ),
    c(
        "touch",
        CmdId::Touch,
        MsgList,
        W,
        NotDeleted,
        "[msglist]",
        "move messages to mbox at quit",
    ),
    c(
        "preserve",
        CmdId::Preserve,
        MsgList,
        W,
        NotDeleted,
        "[msglist]",
        "keep messages in the system mailbox",
    ),
    c(
        "delete",
        CmdId::Delete,
        MsgList,
        W | P,
        NotDeleted,
        "[msglist]",
        "delete messages",
    ),
    c(
        "dp",
        CmdId::DeletePrint,
        MsgList,
        W,
        NotDeleted,
        "[msglist]",
        "delete messages and print the next",
    ),
    c(
        "dt",
        CmdId::DeletePrint,
        MsgList,
        W,
        NotDeleted,
        "[msglist]",
        "delete messages and print the next",
    ),
    c(
        "undelete",
        CmdId::Undelete,
        MsgList,
        P,
        Deleted,
        "[msglist]",
        "undelete messages",
    ),
    c(
        "unset",
        CmdId::Unset,
        RawList { min: 1, max: MANY },
        M,
        Any,
        "name...",
        "unset variables",
    ),
    c(
        "mail",
        CmdId::Mail,
        StrList,
        R | M | I,
        Any,
        "address...",
        "compose and send a message",
    ),
    c(
        "mbox",
        CmdId::Mbox,
        MsgList,
        W,
        Any,
        "[msglist]",
        "move messages to mbox at quit",
    ),
    c(
        "pipe",
        CmdId::Pipe,
        MsgListStr,
        0,
        NotDeleted,
        "[msglist] command",
        "pipe messages to a shell command",
    ),
    c(
        "|",
        CmdId::Pipe,
        MsgListStr,
        0,
        NotDeleted,
        "[msglist] command",
        "pipe messages to a shell command",
    ),
    c(
        "more",
        CmdId::More,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print messages through the pager",
    ),
    c(
        "page",
        CmdId::More,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "print messages through the pager",
    ),
    c(
        "More",
        CmdId::MoreAll,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "page messages with all headers",
    ),
    c(
        "Page",
        CmdId::MoreAll,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "page messages with all headers",
    ),
    c(
        "unread",
        CmdId::Unread,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "mark messages as not read",
    ),
    c(
        "Unread",
        CmdId::Unread,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "mark messages as not read",
    ),
    c(
        "!",
        CmdId::Shell,
        StrList,
        I,
        Any,
        "command",
        "run a shell command",
    ),
    c(
        "copy",
        CmdId::Copy,
        StrList,
        M,
        Any,
        "[msglist] file",
        "append messages to a file, not marking them saved",
    ),
    c(
        "chdir",
        CmdId::Chdir,
        RawList { min: 0, max: 1 },
        M,
        Any,
        "[directory]",
        "change directory",
    ),
    c(
        "cd",
        CmdId::Chdir,
        RawList { min: 0, max: 1 },
        M,
        Any,
        "[directory]",
        "change directory",
    ),
    c(
        "save",
        CmdId::Save,
        StrList,
        0,
        Any,
        "[msglist] file",
        "append messages to a file",
    ),
    c(
        "source",
        CmdId::Source,
        RawList { min: 1, max: 1 },
        M,
        Any,
        "file",
        "read commands from a file",
    ),
    c(
        "set",
        CmdId::Set,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[name[=value]...]",
        "set or list variables",
    ),
    c(
        "shell",
        CmdId::ShellInteractive,
        NoList,
        I,
        Any,
        "",
        "start an interactive shell",
    ),
    c(
        "version",
        CmdId::Version,
        NoList,
        M,
        Any,
        "",
        "print the version",
    ),
    c(
        "group",
        CmdId::Alias,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[name [address...]]",
        "define or show an alias (group)",
    ),
    c(
        "write",
        CmdId::Write,
        StrList,
        0,
        Any,
        "[msglist] file",
        "write message bodies to a file",
    ),
    c(
        "from",
        CmdId::From,
        MsgList,
        0,
        Normal,
        "[msglist]",
        "show header lines of messages",
    ),
    c(
        "file",
        CmdId::File,
        RawList { min: 0, max: 1 },
        T | M,
        Any,
        "[file]",
        "show or switch the mailbox",
    ),
    c(
        "folder",
        CmdId::File,
        RawList { min: 0, max: 1 },
        T | M,
        Any,
        "[file]",
        "show or switch the mailbox",
    ),
    c(
        "folders",
        CmdId::Folders,
        StrList,
        T | M,
        Any,
        "",
        "list the folder directory",
    ),
    c("?", CmdId::Help, NoList, M, Any, "", "this help"),
    c(
        "z",
        CmdId::Scroll,
        StrList,
        M,
        Any,
        "[+|-]",
        "scroll the header summary",
    ),
    c(
        "headers",
        CmdId::Headers,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "show a screen of headers",
    ),
    c("help", CmdId::Help, NoList, M, Any, "", "this help"),
    c(
        "=",
        CmdId::Pdot,
        NoList,
        0,
        Any,
        "",
        "print the current message number",
    ),
    c(
        "Reply",
        CmdId::ReplySenders,
        MsgList,
        R | I,
        NotDeleted,
        "[msglist]",
        "reply to the senders only",
    ),
    c(
        "Respond",
        CmdId::ReplySenders,
        MsgList,
        R | I,
        NotDeleted,
        "[msglist]",
        "reply to the senders only",
    ),
    c(
        "reply",
        CmdId::Reply,
        MsgList,
        R | I,
        NotDeleted,
        "[message]",
        "reply to the sender and all recipients",
    ),
    c(
        "respond",
        CmdId::Reply,
        MsgList,
        R | I,
        NotDeleted,
        "[message]",
        "reply to the sender and all recipients",
    ),
    c(
        "edit",
        CmdId::Edit,
        MsgList,
        I,
        Normal,
        "[msglist]",
        "edit messages with $EDITOR",
    ),
    c(
        "echo",
        CmdId::Echo,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[word...]",
        "print words after filename expansion",
    ),
    c(
        "quit",
        CmdId::Quit,
        NoList,
        0,
        Any,
        "",
        "save changes and quit",
    ),
    c("list", CmdId::List, NoList, M, Any, "", "list all commands"),
    c(
        "xit",
        CmdId::Exit,
        NoList,
        M,
        Any,
        "",
        "quit without changing the mailbox",
    ),
    c(
        "exit",
        CmdId::Exit,
        NoList,
        M,
        Any,
        "",
        "quit without changing the mailbox",
    ),
    c(
        "size",
        CmdId::Size,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "show message sizes",
    ),
    c(
        "hold",
        CmdId::Preserve,
        MsgList,
        W,
        NotDeleted,
        "[msglist]",
        "keep messages in the system mailbox",
    ),
    c(
        "if",
        CmdId::If,
        RawList { min: 1, max: 1 },
        F | M,
        Any,
        "r|s",
        "start a conditional (receive or send mode)",
    ),
    c(
        "else",
        CmdId::Else,
        RawList { min: 0, max: 0 },
        F | M,
        Any,
        "",
        "conditional else",
    ),
    c(
        "endif",
        CmdId::Endif,
        RawList { min: 0, max: 0 },
        F | M,
        Any,
        "",
        "end a conditional",
    ),
    c(
        "alternates",
        CmdId::Alternates,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[address...]",
        "set or show your other addresses",
    ),
    c(
        "ignore",
        CmdId::Ignore,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[field...]",
        "hide header fields when printing",
    ),
    c(
        "discard",
        CmdId::Ignore,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[field...]",
        "hide header fields when printing",
    ),
    c(
        "retain",
        CmdId::Retain,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[field...]",
        "show only these header fields",
    ),
    c(
        "saveignore",
        CmdId::SaveIgnore,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[field...]",
        "hide header fields when saving",
    ),
    c(
        "savediscard",
        CmdId::SaveIgnore,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[field...]",
        "hide header fields when saving",
    ),
    c(
        "saveretain",
        CmdId::SaveRetain,
        RawList { min: 0, max: MANY },
        M,
        Any,
        "[field...]",
        "keep only these header fields when saving",
    ),
    c("#", CmdId::Comment, NoList, M, Any, "", "comment"),
    c("inc", CmdId::Inc, NoList, T, Any, "", "take in new mail"),
    c(
        "new",
        CmdId::New,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "mark messages as new",
    ),
    // POSIX commands bsd-mailx lacks (docs/COMPATIBILITY.md).
    c(
        "Copy",
        CmdId::CopyBySender,
        MsgList,
        M,
        NotDeleted,
        "[msglist]",
        "copy messages to a file named after the sender",
    ),
    c(
        "Save",
        CmdId::SaveBySender,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "save messages to a file named after the sender",
    ),
    c(
        "followup",
        CmdId::Followup,
        MsgList,
        R | I,
        NotDeleted,
        "[message]",
        "reply, recording in a file named after the sender",
    ),
    c(
        "Followup",
        CmdId::FollowupAll,
        MsgList,
        R | I,
        NotDeleted,
        "[msglist]",
        "reply to senders, recording by sender name",
    ),
    c(
        "unalias",
        CmdId::Unalias,
        RawList { min: 1, max: MANY },
        M,
        Any,
        "name...",
        "remove aliases",
    ),
    // MIME additions: appended so no bsd-mailx abbreviation changes.
    c(
        "attachments",
        CmdId::Attachments,
        MsgList,
        0,
        NotDeleted,
        "[msglist]",
        "list the MIME parts of messages, numbered for detach",
    ),
    c(
        "detach",
        CmdId::Detach,
        RawList { min: 2, max: 3 },
        0,
        Any,
        "[message] part file",
        "save the decoded bytes of a MIME part to a new file",
    ),
];

/// Finds a command by a typed word: the first entry the word is a prefix of.
pub fn lookup(word: &str) -> Option<&'static Command> {
    let word = if word.starts_with('#') { "#" } else { word };
    COMMANDS.iter().find(|c| c.name.starts_with(word))
}

/// The number of bsd-mailx's own entries (those before the POSIX additions).
pub const BSD_COUNT: usize = 70;

/// `list` output: "Commands are:" then names separated by ", ", wrapped as bsd-mailx wraps them.
pub fn list_text() -> String {
    let mut s = String::from("Commands are:\n");
    let mut cc = 0usize;
    let n = COMMANDS.len();
    for (i, c) in COMMANDS.iter().enumerate() {
        cc += c.name.len() + 2;
        if cc > 72 {
            s.push('\n');
            cc = c.name.len() + 2;
        }
        s.push_str(c.name);
        if i + 1 < n {
            s.push_str(", ");
        }
    }
    s.push('\n');
    s
}

/// `help` text generated from the table: one line per command.
pub fn help_text() -> String {
    let mut s = String::new();
    s.push_str("    Mail Commands\n");
    let mut seen: Vec<CmdId> = Vec::new();
    for c in COMMANDS {
        if seen.contains(&c.id) || c.id == CmdId::Comment {
            continue;
        }
        seen.push(c.id);
        let names: Vec<&str> = COMMANDS
            .iter()
            .filter(|o| o.id == c.id)
            .map(|o| o.name)
            .collect();
        let head = format!("{} {}", names.join(", "), c.args);
        s.push_str(&format!("{:<36}{}\n", head.trim_end(), c.help));
    }
    s.push_str(
        "\nA msglist is a list of message numbers, ranges (1-5), or: . (current) ^ (first)\n\
$ (last) * (all) + - (next, previous) :n :o :r :u :d (new, old, read, unread,\n\
deleted), /text (subject contains text), or a sender name.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_follow_table_order() {
        assert_eq!(lookup("p").unwrap().name, "print");
        assert_eq!(lookup("fo").unwrap().name, "folder");
        assert_eq!(lookup("").unwrap().name, "next");
        assert_eq!(lookup("h").unwrap().name, "headers");
        assert_eq!(lookup("he").unwrap().name, "headers");
        assert_eq!(lookup("hel").unwrap().name, "help");
        assert_eq!(lookup("S").unwrap().name, "Save");
        assert_eq!(lookup("una").unwrap().name, "unalias");
        assert_eq!(lookup("#foo").unwrap().name, "#");
        assert!(lookup("foo").is_none());
        // The MIME additions steal no abbreviation.
        assert_eq!(lookup("a").unwrap().name, "alias");
        assert_eq!(lookup("at").unwrap().name, "attachments");
        assert_eq!(lookup("d").unwrap().name, "delete");
        assert_eq!(lookup("de").unwrap().name, "delete");
        assert_eq!(lookup("det").unwrap().name, "detach");
    }

    #[test]
    fn bsd_count_is_the_position_of_the_first_addition() {
        assert_eq!(COMMANDS[BSD_COUNT].name, "Copy");
        assert_eq!(COMMANDS[BSD_COUNT - 1].name, "new");
    }
}
