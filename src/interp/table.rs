//! The one table of commands: name, handler, argument kind, flags and help
//! line, one row per command (as OpenBSD's `cmdtab.c`).
//!
//! Its order is bsd-mailx's cmdtab order, so the abbreviation rule ("the first
//! entry whose name starts with the typed word wins") gives the same command
//! for the same word (`p` = print, `fo` = folder). POSIX commands bsd-mailx
//! lacks are appended at the end, so they never steal an abbreviation.
//! The interpreter (`interp::execute`), `list`, `help` and the man page all
//! read this table; adding a command is one row plus its handler.

use super::Handler;
use crate::cmd::{edit, folder, mark, reply, settings, shell, show, sort};
pub use crate::read::msglist::MsgReq;

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
    // s-nail's flag commands (Maildir's `F`).
    Flag,
    Unflag,
    Sort,
    Thread,
    Unsort,
    Collapse,
    Uncollapse,
}

/// One row of the table.
#[derive(Clone, Copy)]
pub struct Command {
    pub name: &'static str,
    pub id: CmdId,
    /// What the command does (in `cmd/`, by family).
    pub handler: Handler,
    pub kind: ArgKind,
    pub flags: u8,
    pub msg: MsgReq,
    /// Argument synopsis for help.
    pub args: &'static str,
    pub help: &'static str,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish()
    }
}

impl Command {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

use ArgKind::*;
use CmdId::*;
use MsgReq::*;
use flags::*;

#[allow(clippy::too_many_arguments)]
const fn c(
    name: &'static str,
    id: CmdId,
    handler: Handler,
    kind: ArgKind,
    flags: u8,
    msg: MsgReq,
    args: &'static str,
    help: &'static str,
) -> Command {
    Command {
        name,
        id,
        handler,
        kind,
        flags,
        msg,
        args,
        help,
    }
}

const MANY: usize = 1000;

/// The table, in bsd-mailx's order, then the additions.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    c("next", Next, show::next, NdmList, 0, NotDeleted, "[msglist]", "go to and print the next message"),
    c("alias", Alias, settings::alias, RawList { min: 0, max: MANY }, M, Any, "[name [address...]]", "define or show an alias (group)"),
    c("print", Print, show::print, MsgList, 0, NotDeleted, "[msglist]", "print messages"),
    c("type", Type, show::print, MsgList, 0, NotDeleted, "[msglist]", "print messages"),
    c("Type", TypeAll, show::print_all, MsgList, 0, NotDeleted, "[msglist]", "print messages with all headers"),
    c("Print", TypeAll, show::print_all, MsgList, 0, NotDeleted, "[msglist]", "print messages with all headers"),
    c("visual", Visual, edit::visual, MsgList, I, Normal, "[msglist]", "edit messages with $VISUAL"),
    c("top", Top, show::top, MsgList, 0, NotDeleted, "[msglist]", "print the first lines of messages (toplines)"),
    c("touch", Touch, mark::touch, MsgList, W, NotDeleted, "[msglist]", "move messages to mbox at quit"),
    c("preserve", Preserve, mark::preserve, MsgList, W, NotDeleted, "[msglist]", "keep messages in the system mailbox"),
    c("delete", Delete, mark::delete, MsgList, W | P, NotDeleted, "[msglist]", "delete messages"),
    c("dp", DeletePrint, mark::delete_print, MsgList, W, NotDeleted, "[msglist]", "delete messages and print the next"),
    c("dt", DeletePrint, mark::delete_print, MsgList, W, NotDeleted, "[msglist]", "delete messages and print the next"),
    c("undelete", Undelete, mark::undelete, MsgList, P, Deleted, "[msglist]", "undelete messages"),
    c("unset", Unset, settings::unset, RawList { min: 1, max: MANY }, M, Any, "name...", "unset variables"),
    c("mail", Mail, reply::mail, StrList, R | M | I, Any, "address...", "compose and send a message"),
    c("mbox", Mbox, mark::mbox, MsgList, W, Any, "[msglist]", "move messages to mbox at quit"),
    c("pipe", Pipe, show::pipe, MsgListStr, 0, NotDeleted, "[msglist] command", "pipe messages to a shell command"),
    c("|", Pipe, show::pipe, MsgListStr, 0, NotDeleted, "[msglist] command", "pipe messages to a shell command"),
    c("more", More, show::more, MsgList, 0, NotDeleted, "[msglist]", "print messages through the pager"),
    c("page", More, show::more, MsgList, 0, NotDeleted, "[msglist]", "print messages through the pager"),
    c("More", MoreAll, show::more_all, MsgList, 0, NotDeleted, "[msglist]", "page messages with all headers"),
    c("Page", MoreAll, show::more_all, MsgList, 0, NotDeleted, "[msglist]", "page messages with all headers"),
    c("unread", Unread, mark::unread, MsgList, 0, NotDeleted, "[msglist]", "mark messages as not read"),
    c("Unread", Unread, mark::unread, MsgList, 0, NotDeleted, "[msglist]", "mark messages as not read"),
    c("!", Shell, shell::bang, StrList, I, Any, "command", "run a shell command"),
    c("copy", Copy, folder::copy, StrList, M, Any, "[msglist] file", "append messages to a file, not marking them saved"),
    c("chdir", Chdir, settings::chdir, RawList { min: 0, max: 1 }, M, Any, "[directory]", "change directory"),
    c("cd", Chdir, settings::chdir, RawList { min: 0, max: 1 }, M, Any, "[directory]", "change directory"),
    c("save", Save, folder::save, StrList, 0, Any, "[msglist] file", "append messages to a file"),
    c("source", Source, settings::source, RawList { min: 1, max: 1 }, M, Any, "file", "read commands from a file"),
    c("set", Set, settings::set, RawList { min: 0, max: MANY }, M, Any, "[name[=value]...]", "set or list variables"),
    c("shell", ShellInteractive, shell::interactive, NoList, I, Any, "", "start an interactive shell"),
    c("version", Version, settings::version, NoList, M, Any, "", "print the version"),
    c("group", Alias, settings::alias, RawList { min: 0, max: MANY }, M, Any, "[name [address...]]", "define or show an alias (group)"),
    c("write", Write, folder::write, StrList, 0, Any, "[msglist] file", "write message bodies to a file"),
    c("from", From, show::from, MsgList, 0, Normal, "[msglist]", "show header lines of messages"),
    c("file", File, folder::file, RawList { min: 0, max: 1 }, T | M, Any, "[file]", "show or switch the mailbox"),
    c("folder", File, folder::file, RawList { min: 0, max: 1 }, T | M, Any, "[file]", "show or switch the mailbox"),
    c("folders", Folders, folder::folders, StrList, T | M, Any, "", "list the folder directory"),
    c("?", Help, settings::help, NoList, M, Any, "", "this help"),
    c("z", Scroll, show::scroll, StrList, M, Any, "[+|-]", "scroll the header summary"),
    c("headers", Headers, show::headers, MsgList, 0, NotDeleted, "[msglist]", "show a screen of headers"),
    c("help", Help, settings::help, NoList, M, Any, "", "this help"),
    c("=", Pdot, show::pdot, NoList, 0, Any, "", "print the current message number"),
    c("Reply", ReplySenders, reply::reply_senders, MsgList, R | I, NotDeleted, "[msglist]", "reply to the senders only"),
    c("Respond", ReplySenders, reply::reply_senders, MsgList, R | I, NotDeleted, "[msglist]", "reply to the senders only"),
    c("reply", Reply, reply::reply, MsgList, R | I, NotDeleted, "[message]", "reply to the sender and all recipients"),
    c("respond", Reply, reply::reply, MsgList, R | I, NotDeleted, "[message]", "reply to the sender and all recipients"),
    c("edit", Edit, edit::edit, MsgList, I, Normal, "[msglist]", "edit messages with $EDITOR"),
    c("echo", Echo, settings::echo, RawList { min: 0, max: MANY }, M, Any, "[word...]", "print words after filename expansion"),
    c("quit", Quit, folder::quit, NoList, 0, Any, "", "save changes and quit"),
    c("list", List, settings::list, NoList, M, Any, "", "list all commands"),
    c("xit", Exit, settings::exit, NoList, M, Any, "", "quit without changing the mailbox"),
    c("exit", Exit, settings::exit, NoList, M, Any, "", "quit without changing the mailbox"),
    c("size", Size, show::size, MsgList, 0, NotDeleted, "[msglist]", "show message sizes"),
    c("hold", Preserve, mark::preserve, MsgList, W, NotDeleted, "[msglist]", "keep messages in the system mailbox"),
    c("if", If, settings::if_, RawList { min: 1, max: 1 }, F | M, Any, "r|s", "start a conditional (receive or send mode)"),
    c("else", Else, settings::else_, RawList { min: 0, max: 0 }, F | M, Any, "", "conditional else"),
    c("endif", Endif, settings::endif, RawList { min: 0, max: 0 }, F | M, Any, "", "end a conditional"),
    c("alternates", Alternates, settings::alternates, RawList { min: 0, max: MANY }, M, Any, "[address...]", "set or show your other addresses"),
    c("ignore", Ignore, settings::ignore, RawList { min: 0, max: MANY }, M, Any, "[field...]", "hide header fields when printing"),
    c("discard", Ignore, settings::ignore, RawList { min: 0, max: MANY }, M, Any, "[field...]", "hide header fields when printing"),
    c("retain", Retain, settings::retain, RawList { min: 0, max: MANY }, M, Any, "[field...]", "show only these header fields"),
    c("saveignore", SaveIgnore, settings::saveignore, RawList { min: 0, max: MANY }, M, Any, "[field...]", "hide header fields when saving"),
    c("savediscard", SaveIgnore, settings::saveignore, RawList { min: 0, max: MANY }, M, Any, "[field...]", "hide header fields when saving"),
    c("saveretain", SaveRetain, settings::saveretain, RawList { min: 0, max: MANY }, M, Any, "[field...]", "keep only these header fields when saving"),
    c("#", Comment, settings::comment, NoList, M, Any, "", "comment"),
    c("inc", Inc, folder::inc, NoList, T, Any, "", "take in new mail"),
    c("new", New, mark::new, MsgList, 0, NotDeleted, "[msglist]", "mark messages as new"),
    c("Copy", CopyBySender, folder::copy_by_sender, MsgList, M, NotDeleted, "[msglist]", "copy messages to a file named after the sender"),
    c("Save", SaveBySender, folder::save_by_sender, MsgList, 0, NotDeleted, "[msglist]", "save messages to a file named after the sender"),
    c("followup", Followup, reply::followup, MsgList, R | I, NotDeleted, "[message]", "reply, recording in a file named after the sender"),
    c("Followup", FollowupAll, reply::followup_all, MsgList, R | I, NotDeleted, "[msglist]", "reply to senders, recording by sender name"),
    c("unalias", Unalias, settings::unalias, RawList { min: 1, max: MANY }, M, Any, "name...", "remove aliases"),
    c("attachments", Attachments, edit::attachments, MsgList, 0, NotDeleted, "[msglist]", "list the MIME parts of messages, numbered for detach"),
    c("detach", Detach, edit::detach, RawList { min: 2, max: 3 }, 0, Any, "[message] part file", "save the decoded bytes of a MIME part to a new file"),
    c("flag", Flag, mark::flag, MsgList, 0, NotDeleted, "[msglist]", "mark messages flagged (Maildir: F)"),
    c("unflag", Unflag, mark::unflag, MsgList, 0, NotDeleted, "[msglist]", "clear the flagged mark"),
    c("sort", Sort, sort::sort, RawList { min: 0, max: 1 }, 0, Any, "[date|from|to|subject|size|status|thread]", "show messages in this order (or show the order)"),
    c("unsort", Unsort, sort::unsort, NoList, 0, Any, "", "show messages in file order again"),
    c("thread", Thread, sort::thread, NoList, 0, Any, "", "show messages as threads (sort thread)"),
    c("unthread", Unsort, sort::unsort, NoList, 0, Any, "", "show messages in file order again"),
    c("collapse", Collapse, sort::collapse, MsgList, 0, NotDeleted, "[msglist]", "hide the replies to messages (threads)"),
    c("uncollapse", Uncollapse, sort::uncollapse, MsgList, 0, NotDeleted, "[msglist]", "show the replies to messages again"),
];

/// Finds a command by a typed word: the first entry the word is a prefix of.
pub fn lookup(word: &str) -> Option<&'static Command> {
    let word = if word.starts_with('#') { "#" } else { word };
    COMMANDS.iter().find(|c| c.name.starts_with(word))
}

/// `list` output: "Commands are:" then names separated by ", ", wrapped as bsd-mailx wraps them.
pub(crate) fn list_text() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The number of bsd-mailx's own entries (those before the POSIX additions).
    const BSD_COUNT: usize = 70;

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
