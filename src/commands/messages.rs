//! Read-mode commands acting on the open mailbox (filled in by the read-mode work).

use super::{Args, CmdResult};
use crate::cmdtab::Command;
use crate::session::Session;

pub fn run(_s: &mut Session, cmd: &Command, _args: Args) -> CmdResult {
    crate::outln!("May not execute \"{}\" while sending", cmd.name);
    CmdResult::Error
}

pub fn read_only(_s: &Session) -> bool {
    false
}

pub fn parse_args(_s: &mut Session, _cmd: &Command, _rest: &str) -> Option<Args> {
    Some(Args::Msgs(Vec::new()))
}

pub fn after_command(_s: &mut Session, _cmd: &Command) {}

pub fn before_prompt(_s: &mut Session) {}

/// Read mode entry point.
pub fn read_mode(_s: &mut Session, _opts: &crate::cli::Options, _file: Option<String>) -> i32 {
    0
}

/// `~m`/`~f` in the composer: the text of the listed messages, or None
/// (with a message printed) when there are none.
pub fn interpolate(
    _s: &mut Session,
    _list: &str,
    _indent: bool,
    _all_headers: bool,
) -> Option<Vec<u8>> {
    crate::outln!("No appropriate messages");
    None
}
