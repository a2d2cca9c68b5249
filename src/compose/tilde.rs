//! The tilde escapes: one row per escape with its letters, its help line and
//! its handler. The collect loop looks a letter up here; `~?` and the man
//! page are generated from the same rows.

use super::Compose;
use super::collect::Composer;
use super::prompt::{grab_headers, print_message, typed_names};
use crate::child::{self, report_child};
use crate::send::body::Body;
use crate::send::{dead_letter, mime};
use crate::session::Session;
use crate::{expand, outln, outp, output, util};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;

/// What the collect loop does after an escape.
pub(super) enum Step {
    /// Read the next line.
    Next,
    /// Read the next line; on a terminal print `(continue)` first.
    Continue,
    /// End of the message without the "EOT" that EOF and "." print (`~.`).
    EndQuietly,
    /// Stop composing.
    Stop(Compose),
}

/// An escape as typed: its letter, the rest of the line, and that rest with
/// leading blanks removed.
pub(super) struct Typed {
    pub letter: u8,
    pub raw: String,
    pub arg: String,
}

pub(super) type Handler = fn(&mut Composer<'_>, &Typed) -> io::Result<Step>;

/// One row of the table.
pub struct Escape {
    /// The letters that select it (`~r` and `~<` are one escape).
    letters: &'static [u8],
    /// As `~?` shows it.
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
    /// None for `~~`, which the collect loop handles itself.
    run: Option<Handler>,
}

const fn e(
    letters: &'static [u8],
    name: &'static str,
    args: &'static str,
    help: &'static str,
    run: Handler,
) -> Escape {
    Escape {
        letters,
        name,
        args,
        help,
        run: Some(run),
    }
}

/// The tilde escapes, in `~?` order. `~~` (the escape character twice) is
/// handled by the loop itself, since `escape` can change the character.
#[rustfmt::skip]
pub const TILDE_ESCAPES: &[Escape] = &[
    e(b"a", "~a", "", "Insert the value of the sign variable (POSIX).", sign),
    e(b"A", "~A", "", "Insert the value of the Sign variable (POSIX).", sign),
    e(b"@", "~@", "file ...", "Attach files to the message.", attach),
    e(b"b", "~b", "name ...", "Add names to \"blind\" Cc: list.", add_names),
    e(b"c", "~c", "name ...", "Add names to Cc: field.", add_names),
    e(b"d", "~d", "", "Read dead.letter into message.", dead_letter),
    e(b"e", "~e", "", "Invoke text editor on partial message.", edit),
    e(b"F", "~F", "messages", "Same as ~f, but includes all headers.", quote),
    e(b"f", "~f", "messages", "Read in messages.", quote),
    e(b"h", "~h", "", "Edit the header fields.", headers),
    e(b"i", "~i", "variable", "Insert the value of a variable (POSIX).", insert_var),
    e(b"M", "~M", "messages", "Same as ~m, but includes all headers.", quote),
    e(b"m", "~m", "messages", "Read in messages, right shifted by the indent prefix.", quote),
    e(b"p", "~p", "", "Print (show) the message buffer.", print),
    e(b"q", "~q", "", "Abort message; save a copy to dead.letter unless nosave.", abort_save),
    e(b"R", "~R", "address", "Set the Reply-To: field.", reply_to),
    e(b"r<", "~r", "file | ~< file | ~r !command", "Read a file or a command's output into the message.", read),
    e(b"s", "~s", "string", "Set Subject: field to string.", subject),
    e(b"t", "~t", "name ...", "Add names to To: field.", add_names),
    e(b"v", "~v", "", "Invoke display editor on message.", edit),
    e(b"w", "~w", "filename", "Write message to file.", write),
    e(b"x", "~x", "", "Abort message; no copy is saved.", abort),
    e(b"?", "~?", "", "Print a brief summary of tilde escapes.", help),
    e(b"!", "~!", "command", "Execute shell command.", shell),
    e(b"|", "~|", "command", "Pipe message through command.", pipe),
    e(b":_", "~:", "command | ~_command", "Execute a mail command.", command),
    Escape { letters: b"", name: "~~", args: "string", help: "Quote a single tilde.", run: None },
    e(b".", "~.", "", "Simulate end of file on input.", end),
];

/// The row for an escape letter.
pub(super) fn lookup(letter: u8) -> Option<Handler> {
    TILDE_ESCAPES
        .iter()
        .find(|e| e.letters.contains(&letter))
        .and_then(|e| e.run)
}

fn help(_: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    let rule = "-".repeat(78);
    let mut s = format!("{rule}\nThe following ~ escapes are defined:\n");
    let heads: Vec<String> = TILDE_ESCAPES
        .iter()
        .map(|e| {
            if e.args.is_empty() {
                e.name.to_string()
            } else {
                format!("{} {}", e.name, e.args)
            }
        })
        .collect();
    // One column for the escapes, wide enough for the longest.
    let col = heads.iter().map(|h| h.chars().count()).max().unwrap_or(0) + 2;
    for (head, e) in heads.iter().zip(TILDE_ESCAPES) {
        s.push_str(&format!("{head:<col$}{}\n", e.help));
    }
    s.push_str(&rule);
    s.push('\n');
    outp!("{s}");
    Ok(Step::Next)
}

fn end(_: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    Ok(Step::EndQuietly)
}

fn shell(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    let sh = c.s.shell();
    report_child(child::run_shell(&sh, &t.raw), &sh);
    outln!("!");
    Ok(Step::Next)
}

fn command(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    c.host.run_command(c.s, &t.raw);
    Ok(Step::Continue)
}

fn add_names(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    let names = typed_names(&t.arg);
    match t.letter {
        b't' => c.h.to.extend(names),
        b'c' => c.h.cc.extend(names),
        _ => c.h.bcc.extend(names),
    }
    Ok(Step::Next)
}

fn subject(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    c.h.subject = Some(t.arg.clone());
    Ok(Step::Next)
}

fn reply_to(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    c.h.reply_to = Some(t.arg.clone());
    Ok(Step::Next)
}

fn dead_letter(c: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    match dead_letter::path(c.s) {
        Some(p) => read_file_into(&mut c.body, &p)?,
        None => output::err_line("No home directory: no dead.letter to read"),
    }
    Ok(Step::Next)
}

/// `~r file`, `~< file`, `~r !command`.
fn read(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    let arg = &t.arg;
    if arg.is_empty() {
        outln!("Interpolate what file?");
    } else if let Some(cmdline) = arg.strip_prefix('!') {
        match child::filter(&c.s.shell(), cmdline, b"") {
            Ok((out, st)) => {
                if report_child(Ok(st), "") {
                    let (l, n) = count(&out);
                    c.body.append(&out)?;
                    outln!("\"{cmdline}\" {l}/{n}");
                }
            }
            Err(e) => util::warn(&c.s.shell(), &e),
        }
    } else if let Some(p) = expand::expand(c.s, arg) {
        read_file_into(&mut c.body, &p)?;
    }
    Ok(Step::Next)
}

fn write(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    if t.arg.is_empty() {
        output::err_line("Write what file!?");
    } else if let Some(p) = expand::expand(c.s, &t.arg) {
        write_body_file(&c.body, &p)?;
    }
    Ok(Step::Next)
}

/// `~m`, `~M`, `~f`, `~F`.
fn quote(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    let indent = matches!(t.letter, b'm' | b'M');
    let all_headers = t.letter.is_ascii_uppercase();
    match c.host.quote(c.s, &t.arg, indent, all_headers) {
        Some(data) => {
            c.body.append(&data)?;
            Ok(Step::Continue)
        }
        None => Ok(Step::Next),
    }
}

fn headers(c: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    if !c.tty {
        return Ok(Step::Next);
    }
    grab_headers(c.h);
    Ok(Step::Continue)
}

fn print(c: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    print_message(c.h, &c.body)?;
    Ok(Step::Continue)
}

/// `~e` and `~v`.
fn edit(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    if let Err(e) = edit_body(c.s, &mut c.body, t.letter == b'v') {
        util::warn("editor", &e);
    }
    Ok(Step::Continue)
}

fn pipe(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    let data = c.body.to_vec()?;
    match child::filter(&c.s.shell(), &t.raw, &data) {
        Ok((out, st)) => {
            if report_child(Ok(st), "") {
                if out.is_empty() {
                    output::err_line(&format!("No bytes from \"{}\" !?", t.raw));
                } else {
                    c.body.replace(&out)?;
                }
            }
        }
        Err(e) => util::warn(&c.s.shell(), &e),
    }
    Ok(Step::Continue)
}

fn abort_save(c: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    output::err_line("Interrupt");
    if !c.s.is_set("nosave") {
        dead_letter::save(c.s, &c.body);
    }
    Ok(Step::Stop(Compose::Aborted))
}

fn abort(_: &mut Composer<'_>, _: &Typed) -> io::Result<Step> {
    Ok(Step::Stop(Compose::Aborted))
}

/// `~a` and `~A`.
fn sign(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    let var = if t.letter == b'a' { "sign" } else { "Sign" };
    append_var(c.s, &mut c.body, var)?;
    Ok(Step::Next)
}

fn insert_var(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    append_var(c.s, &mut c.body, &t.arg)?;
    Ok(Step::Next)
}

fn attach(c: &mut Composer<'_>, t: &Typed) -> io::Result<Step> {
    if t.arg.trim().is_empty() {
        outln!("Attach what file? (~@ file ...)");
        return Ok(Step::Next);
    }
    for name in t.arg.split_whitespace() {
        let Some(path) = expand::expand(c.s, name) else {
            continue;
        };
        match mime::load_attachment(&path) {
            Ok(a) => {
                outln!(
                    "\"{}\" attached ({}, {} bytes)",
                    path,
                    a.content_type,
                    a.data.len()
                );
                c.h.attachments.push(a);
            }
            Err(e) => util::warn(&path, &e),
        }
    }
    Ok(Step::Next)
}

/// Counts lines and bytes as the `"file" L/C` messages show them.
fn count(data: &[u8]) -> (usize, usize) {
    (memchr::memchr_iter(b'\n', data).count(), data.len())
}

/// Runs an editor on the body (`~e`/`~v`), through a private temporary file.
fn edit_body(s: &Session, body: &mut Body, visual: bool) -> io::Result<()> {
    let (var, default) = if visual {
        ("VISUAL", "/usr/bin/vi")
    } else {
        ("EDITOR", "/usr/bin/editor")
    };
    let editor = s
        .value(var)
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
        .to_string();
    let (mut f, path) = util::named_temp_file("Re")?;
    body.copy_to(&mut f)?;
    f.flush()?;
    drop(f);
    let r = child::run_shell("/bin/sh", &format!("{editor} {}", path.display()));
    let result = match r {
        Ok(_) => {
            let data = fs::read(&path)?;
            body.replace(&data)
        }
        Err(e) => Err(e),
    };
    let _ = fs::remove_file(&path);
    result
}

fn append_var(s: &Session, body: &mut Body, var: &str) -> io::Result<()> {
    if let Some(v) = s.value(var).filter(|v| !v.is_empty()) {
        let mut text = v.replace("\\n", "\n").replace("\\t", "\t").into_bytes();
        if text.last() != Some(&b'\n') {
            text.push(b'\n');
        }
        body.append(&text)?;
    }
    Ok(())
}

fn read_file_into(body: &mut Body, path: &str) -> io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        outln!("{path}: Directory");
        return Ok(());
    }
    match fs::read(path) {
        Ok(data) => {
            let (l, c) = count(&data);
            body.append(&data)?;
            if !data.is_empty() && data.last() != Some(&b'\n') {
                body.append(b"\n")?;
            }
            outln!("\"{path}\" {l}/{c}");
        }
        Err(e) => util::warn(path, &e),
    }
    Ok(())
}

fn write_body_file(body: &Body, path: &str) -> io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.is_file()) {
        outp!("\"{path}\" ");
        output::err_line("File exists");
        return Ok(());
    }
    match OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => {
            let data = body.to_vec()?;
            if let Err(e) = f.write_all(&data) {
                util::warn(path, &e);
                return Ok(());
            }
            let (l, c) = count(&data);
            outln!("\"{path}\" {l}/{c}");
        }
        Err(e) => util::warn(path, &e),
    }
    Ok(())
}
