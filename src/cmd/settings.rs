//! Commands that work in every mode, including start-up rc files: variables,
//! aliases, alternates, header filters, conditionals, `source`, `echo`,
//! `cd`, `list`, `help`, `version`, `exit`.

use crate::interp;
use crate::interp::help_text;
use crate::interp::table::list_text;
use crate::interp::{Args, CmdResult, Ctx};
use crate::session::{Cond, IgnoreTab, Session};
use crate::vars;
use crate::{expand, outln, outp, output, pager, util};

/// The version shown by `version` and the banner.
pub const VERSION: &str = concat!(
    "8.1.2 01/15/2001 (mailx-rs ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

pub(crate) fn set(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    set_vars(cx.s, a.words())
}

pub(crate) fn unset(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    unset_vars(cx.s, a.words())
}

pub(crate) fn alias(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    define_alias(cx.s, a.words())
}

pub(crate) fn unalias(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let mut errs = false;
    for w in a.words() {
        if cx.s.aliases.remove(w).is_none() {
            outln!("\"{w}\": not a group");
            errs = true;
        }
    }
    CmdResult::from_ok(!errs)
}

pub(crate) fn alternates(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let s = &mut *cx.s;
    if a.words().is_empty() {
        if !s.alternates.is_empty() {
            let mut line = String::new();
            for alt in &s.alternates {
                line.push_str(alt);
                line.push(' ');
            }
            outln!("{line}");
        }
    } else {
        s.alternates = a.words().to_vec();
    }
    CmdResult::Ok
}

pub(crate) fn ignore(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    fields(&mut cx.s.ignore, a.words(), false)
}

pub(crate) fn retain(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    fields(&mut cx.s.ignore, a.words(), true)
}

pub(crate) fn saveignore(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    fields(&mut cx.s.save_ignore, a.words(), false)
}

pub(crate) fn saveretain(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    fields(&mut cx.s.save_ignore, a.words(), true)
}

pub(crate) fn if_(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let s = &mut *cx.s;
    if s.cond != Cond::Any {
        outln!("Illegal nested \"if\"");
        return CmdResult::Error;
    }
    let word = &a.words()[0];
    match word.chars().next() {
        Some('r' | 'R') => s.cond = Cond::Receive,
        Some('s' | 'S') => s.cond = Cond::Send,
        _ => {
            outln!("Unrecognized if-keyword: \"{word}\"");
            return CmdResult::Error;
        }
    }
    CmdResult::Ok
}

pub(crate) fn else_(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    let s = &mut *cx.s;
    s.cond = match s.cond {
        Cond::Any => {
            outln!("\"Else\" without matching \"if\"");
            return CmdResult::Error;
        }
        Cond::Send => Cond::Receive,
        Cond::Receive => Cond::Send,
    };
    CmdResult::Ok
}

pub(crate) fn endif(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    if cx.s.cond == Cond::Any {
        outln!("\"Endif\" without matching \"if\"");
        return CmdResult::Error;
    }
    cx.s.cond = Cond::Any;
    CmdResult::Ok
}

pub(crate) fn source(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let Some(path) = expand::expand(cx.s, &a.words()[0]) else {
        return CmdResult::Error;
    };
    CmdResult::from_ok(interp::source(cx, &path))
}

pub(crate) fn version(_: &mut Ctx<'_>, _: Args) -> CmdResult {
    outln!("Version {VERSION}");
    CmdResult::Ok
}

pub(crate) fn echo(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let mut line = String::new();
    let mut first = true;
    for w in a.words() {
        if let Some(e) = expand::expand(cx.s, w) {
            if !first {
                line.push(' ');
            }
            line.push_str(&e);
        }
        first = false;
    }
    outln!("{line}");
    CmdResult::Ok
}

pub(crate) fn list(_: &mut Ctx<'_>, _: Args) -> CmdResult {
    outp!("{}", list_text());
    CmdResult::Ok
}

pub(crate) fn help(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    show_help(cx.s, &help_text());
    CmdResult::Ok
}

pub(crate) fn chdir(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let s = &*cx.s;
    let dir = match a.words().first() {
        None => match &s.homedir {
            Some(h) => h.clone(),
            None => return CmdResult::Error,
        },
        Some(w) => match expand::expand(s, w) {
            Some(d) => d,
            None => return CmdResult::Error,
        },
    };
    if let Err(e) = std::env::set_current_dir(&dir) {
        util::warn(&dir, &e);
        return CmdResult::Error;
    }
    CmdResult::Ok
}

pub(crate) fn exit(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    if cx.s.sourcing > 0 {
        return CmdResult::Error;
    }
    output::flush();
    if let Some(st) = cx.rd.as_mut() {
        st.mb.keep_cache();
    }
    // 1 when a save/copy/write or dead.letter write failed earlier
    // (docs/COMPATIBILITY.md R16; bsd-mailx: always 0).
    std::process::exit(i32::from(util::write_failed()));
}

pub(crate) fn comment(_: &mut Ctx<'_>, _: Args) -> CmdResult {
    CmdResult::Ok
}

fn set_vars(s: &mut Session, words: &[String]) -> CmdResult {
    if words.is_empty() {
        let mut out = String::new();
        for (k, v) in s.vars.iter() {
            out.push_str(&format!("{k}\t{}\n", vars::shown_value(k, v)));
        }
        outp!("{out}");
        return CmdResult::Ok;
    }
    let mut errs = false;
    for w in words {
        let (name, value) = w.split_once('=').unwrap_or((w.as_str(), ""));
        if name.is_empty() {
            outln!("Non-null variable name required");
            errs = true;
            continue;
        }
        s.vars.set(name, value);
    }
    CmdResult::from_ok(!errs)
}

fn unset_vars(s: &mut Session, words: &[String]) -> CmdResult {
    let mut errs = false;
    for w in words {
        if !s.vars.unset(w) && s.sourcing == 0 {
            outln!("\"{w}\": undefined variable");
            errs = true;
        }
    }
    CmdResult::from_ok(!errs)
}

fn print_group(s: &Session, name: &str) {
    match s.aliases.get(name) {
        None => outln!("\"{name}\": not a group"),
        Some(members) => {
            let mut line = format!("{name}\t");
            for m in members {
                line.push(' ');
                line.push_str(m);
            }
            outln!("{line}");
        }
    }
}

fn define_alias(s: &mut Session, words: &[String]) -> CmdResult {
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
            outln!(
                "No fields currently being {}.",
                if retain { "retained" } else { "ignored" }
            );
        } else {
            let mut out = String::new();
            for n in &set.names {
                out.push_str(n);
                out.push('\n');
            }
            outp!("{out}");
        }
        return CmdResult::Ok;
    }
    for w in words {
        set.add(w);
    }
    CmdResult::Ok
}

/// Shows a help text, through the pager when interactive.
fn show_help(s: &Session, text: &str) {
    if s.interactive() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        pager::page_text(s, text.as_bytes());
    } else {
        outp!("{text}");
    }
}
