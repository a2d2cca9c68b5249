//! Commands that work in every mode, including start-up rc files: variables,
//! aliases, alternates, header filters, conditionals, `source`, `echo`,
//! `cd`, `list`, `help`, `version`, `exit`, and the `!` shell escape.

use super::{Args, CmdResult};
use crate::cmdtab::{CmdId, Command};
use crate::session::{Cond, IgnoreTab, Session};

/// The version shown by `version` and the banner.
pub const VERSION: &str = concat!(
    "8.1.2 01/15/2001 (mailx-rs ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

pub fn run(s: &mut Session, cmd: &Command, args: Args) -> CmdResult {
    let words = match &args {
        Args::Raw(w) => w.clone(),
        _ => Vec::new(),
    };
    match cmd.id {
        CmdId::Set => set(s, &words),
        CmdId::Unset => unset(s, &words),
        CmdId::Alias => alias(s, &words),
        CmdId::Unalias => {
            let mut errs = false;
            for w in &words {
                if s.aliases.remove(w).is_none() {
                    crate::outln!("\"{w}\": not a group");
                    errs = true;
                }
            }
            result(!errs)
        }
        CmdId::Alternates => {
            if words.is_empty() {
                if !s.alternates.is_empty() {
                    let mut line = String::new();
                    for a in &s.alternates {
                        line.push_str(a);
                        line.push(' ');
                    }
                    crate::outln!("{line}");
                }
            } else {
                s.alternates = words;
            }
            CmdResult::Ok
        }
        CmdId::Ignore => fields(&mut s.ignore, &words, false),
        CmdId::Retain => fields(&mut s.ignore, &words, true),
        CmdId::SaveIgnore => fields(&mut s.save_ignore, &words, false),
        CmdId::SaveRetain => fields(&mut s.save_ignore, &words, true),
        CmdId::If => {
            if s.cond != Cond::Any {
                crate::outln!("Illegal nested \"if\"");
                return CmdResult::Error;
            }
            match words[0].chars().next() {
                Some('r' | 'R') => s.cond = Cond::Receive,
                Some('s' | 'S') => s.cond = Cond::Send,
                _ => {
                    crate::outln!("Unrecognized if-keyword: \"{}\"", words[0]);
                    return CmdResult::Error;
                }
            }
            CmdResult::Ok
        }
        CmdId::Else => {
            s.cond = match s.cond {
                Cond::Any => {
                    crate::outln!("\"Else\" without matching \"if\"");
                    return CmdResult::Error;
                }
                Cond::Send => Cond::Receive,
                Cond::Receive => Cond::Send,
            };
            CmdResult::Ok
        }
        CmdId::Endif => {
            if s.cond == Cond::Any {
                crate::outln!("\"Endif\" without matching \"if\"");
                return CmdResult::Error;
            }
            s.cond = Cond::Any;
            CmdResult::Ok
        }
        CmdId::Source => {
            let Some(path) = crate::expand::expand(s, &words[0]) else {
                return CmdResult::Error;
            };
            result(crate::lex::source(s, &path))
        }
        CmdId::Version => {
            crate::outln!("Version {VERSION}");
            CmdResult::Ok
        }
        CmdId::Echo => {
            let mut line = String::new();
            let mut first = true;
            for w in &words {
                if let Some(e) = crate::expand::expand(s, w) {
                    if !first {
                        line.push(' ');
                    }
                    line.push_str(&e);
                }
                first = false;
            }
            crate::outln!("{line}");
            CmdResult::Ok
        }
        CmdId::List => {
            crate::outp!("{}", crate::cmdtab::list_text());
            CmdResult::Ok
        }
        CmdId::Help => {
            help(s, &crate::cmdtab::help_text());
            CmdResult::Ok
        }
        CmdId::Chdir => {
            let dir = match words.first() {
                None => match &s.homedir {
                    Some(h) => h.clone(),
                    None => return CmdResult::Error,
                },
                Some(w) => match crate::expand::expand(s, w) {
                    Some(d) => d,
                    None => return CmdResult::Error,
                },
            };
            if let Err(e) = std::env::set_current_dir(&dir) {
                crate::util::warn(&dir, &e);
                return CmdResult::Error;
            }
            CmdResult::Ok
        }
        CmdId::Exit => {
            if s.sourcing > 0 {
                return CmdResult::Error;
            }
            crate::output::flush();
            // 1 when a save/copy/write or dead.letter write failed earlier
            // (docs/COMPATIBILITY.md R16; bsd-mailx: always 0).
            std::process::exit(i32::from(crate::util::write_failed()));
        }
        CmdId::Comment => CmdResult::Ok,
        _ => unreachable!("{} is not a settings command", cmd.name),
    }
}

fn result(ok: bool) -> CmdResult {
    if ok { CmdResult::Ok } else { CmdResult::Error }
}

fn set(s: &mut Session, words: &[String]) -> CmdResult {
    if words.is_empty() {
        let mut out = String::new();
        for (k, v) in s.vars.iter() {
            out.push_str(&format!("{k}\t{v}\n"));
        }
        crate::outp!("{out}");
        return CmdResult::Ok;
    }
    let mut errs = false;
    for w in words {
        let (name, value) = w.split_once('=').unwrap_or((w.as_str(), ""));
        if name.is_empty() {
            crate::outln!("Non-null variable name required");
            errs = true;
            continue;
        }
        s.vars.set(name, value);
    }
    result(!errs)
}

fn unset(s: &mut Session, words: &[String]) -> CmdResult {
    let mut errs = false;
    for w in words {
        if !s.vars.unset(w) && s.sourcing == 0 {
            crate::outln!("\"{w}\": undefined variable");
            errs = true;
        }
    }
    result(!errs)
}

fn print_group(s: &Session, name: &str) {
    match s.aliases.get(name) {
        None => crate::outln!("\"{name}\": not a group"),
        Some(members) => {
            let mut line = format!("{name}\t");
            for m in members {
                line.push(' ');
                line.push_str(m);
            }
            crate::outln!("{line}");
        }
    }
}

fn alias(s: &mut Session, words: &[String]) -> CmdResult {
    match words.len() {
        0 => {
            let names: Vec<String> = s.aliases.keys().cloned().collect();
            for n in names {
                print_group(s, &n);
            }
        }
        1 => print_group(s, &words[0]),
        _ => {
            let list = s.aliases.entry(words[0].clone()).or_default();
            for m in &words[1..] {
                list.insert(0, m.clone());
            }
        }
    }
    CmdResult::Ok
}

fn fields(tab: &mut IgnoreTab, words: &[String], retain: bool) -> CmdResult {
    let set = if retain {
        &mut tab.retain
    } else {
        &mut tab.ignore
    };
    if words.is_empty() {
        if set.is_empty() {
            crate::outln!(
                "No fields currently being {}.",
                if retain { "retained" } else { "ignored" }
            );
        } else {
            let mut out = String::new();
            for n in &set.names {
                out.push_str(n);
                out.push('\n');
            }
            crate::outp!("{out}");
        }
        return CmdResult::Ok;
    }
    for w in words {
        set.add(w);
    }
    CmdResult::Ok
}

/// Shows a help text, through the pager when interactive.
fn help(s: &Session, text: &str) {
    if s.interactive() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        crate::pager::page_text(s, text.as_bytes());
    } else {
        crate::outp!("{text}");
    }
}

/// `!command`: `!` in the command is the previous command (`\!` a literal `!`);
/// the command runs under `$SHELL -c`, and `!` is printed afterwards.
pub fn shell_escape(s: &mut Session, cmd: &str) {
    let Some(cmd) = bang_expand(s, cmd) else {
        return;
    };
    let shell = s
        .value("SHELL")
        .filter(|v| !v.is_empty())
        .unwrap_or("/bin/sh")
        .to_string();
    report_child(crate::child::run_shell(&shell, &cmd), &shell);
    crate::outln!("!");
}

/// Moved to `child` (it belongs with the children); kept here for callers.
pub(crate) use crate::child::report_child;

/// bsd-mailx's bangexp: unescaped `!` becomes the last shell command.
pub fn bang_expand(s: &mut Session, cmd: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '!' {
            out.push_str(&s.last_bang);
            changed = true;
            continue;
        }
        if c == '\\' && chars.peek() == Some(&'!') {
            chars.next();
            out.push('!');
            changed = true;
            continue;
        }
        out.push(c);
    }
    if changed {
        crate::outln!("!{out}");
        crate::output::flush();
    }
    s.last_bang = out.clone();
    Some(out)
}
