//! Command handlers, dispatched from the command table by `lex::execute`.
//!
//! `settings` holds the commands that work in every mode (set, alias, ignore,
//! if/else, source, echo, ...); `messages` holds the read-mode commands that
//! act on the open mailbox.

pub mod messages;
pub mod settings;

use crate::cmdtab::{CmdId, Command};
use crate::session::Session;

/// Parsed arguments, by the command's argument kind.
#[derive(Debug, Clone)]
pub enum Args {
    Raw(Vec<String>),
    Str(String),
    None,
    /// Message numbers (1-based).
    Msgs(Vec<usize>),
    /// Message numbers and the rest of the line.
    MsgsStr(Vec<usize>, String),
}

/// A handler's result, as bsd-mailx's 0 / 1 / -1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmdResult {
    Ok,
    Error,
    /// Leave the command loop.
    Quit,
}

/// Runs one command.
pub fn dispatch(s: &mut Session, cmd: &Command, args: Args) -> CmdResult {
    use CmdId::*;
    match cmd.id {
        Alias | Unset | Set | Source | Version | Echo | List | If | Else | Endif | Alternates
        | Ignore | Retain | SaveIgnore | SaveRetain | Comment | Chdir | Help | Unalias | Exit => {
            settings::run(s, cmd, args)
        }
        _ => messages::run(s, cmd, args),
    }
}

/// `!command` at the prompt.
pub fn shell_escape(s: &mut Session, cmd: &str) {
    settings::shell_escape(s, cmd);
}

/// True when the open mailbox cannot be written.
pub fn mailbox_read_only(s: &Session) -> bool {
    messages::read_only(s)
}

/// Parses a message list for a message-list command.
pub fn parse_message_args(s: &mut Session, cmd: &Command, rest: &str) -> Option<Args> {
    messages::parse_args(s, cmd, rest)
}

/// Bookkeeping after a successful command (autoprint, "a command was run").
pub fn after_command(s: &mut Session, cmd: &Command) {
    messages::after_command(s, cmd);
}
