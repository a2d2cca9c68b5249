//! Composing a message: from a pipe (the body is read as is) or, when
//! interactive (a terminal, `-I` or `set interactive`), with the
//! Subject/Cc/Bcc prompts, `.`/EOF handling, interrupts and tilde escapes.
//!
//! Tilde escapes are recognised only here, never in `collect::collect_stream`
//! (piped input), so data can never run commands (CVE-2002-1271 class).

use crate::collect::{self, Body};
use crate::send::{self, Header, SendOpts};
use crate::session::Session;
use crate::term::signals;
use crate::term::stdin::{Line, read_line_fd0};
use crate::term::text::tty_safe;
use std::io::{self, IsTerminal, Write};

/// Send mode from the command line: collect the body, then send.
pub fn send_from_command_line(s: &mut Session, header: Header, opts: SendOpts) -> i32 {
    let mut header = header;
    let body = if s.interactive() {
        match collect_interactive(s, &mut header) {
            Ok(Compose::Done(b)) => b,
            Ok(Compose::Aborted) => return 0,
            Ok(Compose::HungUp) => return 1,
            Err(e) => {
                crate::util::warn("temporary file", &e);
                return 1;
            }
        }
    } else {
        // SIGINT/SIGHUP while a piped body is read: as bsd-mailx off a
        // terminal, the complete lines so far go to dead.letter (SIGINT
        // honours nosave and exits 0; SIGHUP always saves and exits 1).
        signals::install_interactive();
        let stop = || signals::interrupt_pending() || signals::hangup();
        match collect::collect_stream_interruptible(&mut io::stdin().lock(), &stop) {
            Ok((b, false)) => b,
            Ok((b, true)) => {
                let hup = signals::hangup();
                if b.len > 0 && (hup || !s.is_set("nosave")) {
                    send::save_dead_letter(s, &[], Some(&b));
                }
                return i32::from(hup);
            }
            Err(e) => {
                crate::util::warn("cannot read the message", &e);
                return 1;
            }
        }
    };
    send::mail1(s, header, body, opts)
}

/// How composing ended.
pub enum Compose {
    Done(Body),
    /// Aborted by the user (two interrupts, `~q`, `~x`): exit status 0.
    Aborted,
    /// SIGHUP: the partial message went to dead.letter; exit status 1.
    HungUp,
}

/// Reads a line for a prompt (Subject:, Cc:, ...); None at EOF.
fn prompt_line(text: &str) -> Option<String> {
    // `~h` shows the current values, which for a reply come from the
    // received message: on a terminal, through the same filter as `print`.
    if std::io::stdout().is_terminal() {
        let safe = tty_safe(text.as_bytes());
        crate::outp!("{}", String::from_utf8_lossy(&safe));
    } else {
        crate::outp!("{text}");
    }
    crate::output::flush();
    match read_line_fd0() {
        Line::Text(mut t) => {
            if t.last() == Some(&b'\n') {
                t.pop();
            }
            Some(String::from_utf8_lossy(&t).into_owned())
        }
        _ => None,
    }
}

/// Splits a typed recipient line (blanks and commas) into names.
fn typed_names(line: &str) -> Vec<String> {
    crate::names::extract(line, crate::names::Kind::To)
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// The tilde escapes: letter, arguments, help line. Drives `~?`.
pub const TILDE_ESCAPES: &[(&str, &str, &str)] = &[
    ("~a", "", "Insert the value of the sign variable (POSIX)."),
    ("~A", "", "Insert the value of the Sign variable (POSIX)."),
    ("~@", "file ...", "Attach files to the message."),
    ("~b", "name ...", "Add names to \"blind\" Cc: list."),
    ("~c", "name ...", "Add names to Cc: field."),
    ("~d", "", "Read dead.letter into message."),
    ("~e", "", "Invoke text editor on partial message."),
    ("~F", "messages", "Same as ~f, but includes all headers."),
    ("~f", "messages", "Read in messages."),
    ("~h", "", "Edit the header fields."),
    ("~i", "variable", "Insert the value of a variable (POSIX)."),
    ("~M", "messages", "Same as ~m, but includes all headers."),
    (
        "~m",
        "messages",
        "Read in messages, right shifted by the indent prefix.",
    ),
    ("~p", "", "Print (show) the message buffer."),
    (
        "~q",
        "",
        "Abort message; save a copy to dead.letter unless nosave.",
    ),
    ("~R", "address", "Set the Reply-To: field."),
    (
        "~r",
        "file | ~< file | ~r !command",
        "Read a file or a command's output into the message.",
    ),
    ("~s", "string", "Set Subject: field to string."),
    ("~t", "name ...", "Add names to To: field."),
    ("~v", "", "Invoke display editor on message."),
    ("~w", "filename", "Write message to file."),
    ("~x", "", "Abort message; no copy is saved."),
    ("~?", "", "Print a brief summary of tilde escapes."),
    ("~!", "command", "Execute shell command."),
    ("~|", "command", "Pipe message through command."),
    ("~:", "command | ~_command", "Execute a mail command."),
    ("~~", "string", "Quote a single tilde."),
    ("~.", "", "Simulate end of file on input."),
];

fn tilde_help() -> String {
    let rule = "-".repeat(78);
    let mut s = format!("{rule}\nThe following ~ escapes are defined:\n");
    for (e, args, help) in TILDE_ESCAPES {
        let head = if args.is_empty() {
            e.to_string()
        } else {
            format!("{e} {args}")
        };
        s.push_str(&format!("{head:<24}{help}\n"));
    }
    s.push_str(&rule);
    s.push('\n');
    s
}

fn shell(s: &Session) -> String {
    s.value("SHELL")
        .filter(|v| !v.is_empty())
        .unwrap_or("/bin/sh")
        .to_string()
}

/// Prints the message so far as `~p` does.
fn print_message(h: &Header, body: &Body) -> io::Result<()> {
    crate::outln!("-------");
    crate::outln!("Message contains:");
    let mut out = String::new();
    if !h.to.is_empty() {
        out.push_str(&crate::names::fmt_list("To:", &h.to, false));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&format!("Subject: {subj}\n"));
    }
    if !h.cc.is_empty() {
        out.push_str(&crate::names::fmt_list("Cc:", &h.cc, false));
    }
    if !h.bcc.is_empty() {
        out.push_str(&crate::names::fmt_list("Bcc:", &h.bcc, false));
    }
    for e in &h.extra {
        out.push_str(e);
        out.push('\n');
    }
    let cs = crate::locale::charset();
    out.push_str("MIME-Version: 1.0\n");
    out.push_str(&format!("Content-Type: text/plain; charset=\"{cs}\"\n"));
    out.push_str("Content-Transfer-Encoding: 8bit\n\n");
    // On a terminal the text goes through `tty_safe`, as `print` does: a
    // reply's subject and a `~m`/`~f` message come from someone else and
    // must not send escape sequences to the terminal.
    if std::io::stdout().is_terminal() {
        let mut v = out.into_bytes();
        body.copy_to(&mut v)?;
        return crate::output::Stdout.write_all(&tty_safe(&v));
    }
    crate::outp!("{out}");
    body.copy_to(&mut crate::output::Stdout)
}

/// Counts lines and bytes as the `"file" L/C` messages show them.
fn count(data: &[u8]) -> (usize, usize) {
    (memchr::memchr_iter(b'\n', data).count(), data.len())
}

/// Runs `$SHELL -c cmd` with `input` on stdin and returns its output and status.
fn filter(s: &Session, cmd: &str, input: &[u8]) -> io::Result<(Vec<u8>, crate::child::Exit)> {
    crate::output::flush();
    let sh = shell(s);
    let mut c = std::process::Command::new(&sh)
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut stdin = c.stdin.take();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(i) = stdin.as_mut() {
            let _ = i.write_all(&data);
        }
    });
    let mut out = Vec::new();
    if let Some(mut o) = c.stdout.take() {
        io::Read::read_to_end(&mut o, &mut out)?;
    }
    let _ = writer.join();
    let st = crate::child::wait(&mut c)?;
    Ok((out, st))
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
    let (mut f, path) = crate::util::named_temp_file("Re")?;
    body.copy_to(&mut f)?;
    f.flush()?;
    drop(f);
    let r = crate::child::run_foreground(
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("{editor} {}", path.display())),
    );
    let result = match r {
        Ok(_) => {
            let data = std::fs::read(&path)?;
            body.replace(&data)
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&path);
    result
}

/// The interactive composer.
pub fn collect_interactive(s: &mut Session, h: &mut Header) -> io::Result<Compose> {
    signals::install_interactive();
    let _composing = io::stdin().is_terminal().then(signals::composing);
    let tty = io::stdin().is_terminal();
    if tty && h.subject.is_none() && (s.is_set("ask") || s.is_set("asksub")) {
        h.subject = Some(prompt_line("Subject: ").unwrap_or_default());
    }
    let mut body = Body::new()?;
    let esc = s
        .value("escape")
        .and_then(|e| e.bytes().next())
        .unwrap_or(b'~');
    let dot = s.is_set("dot") || s.is_set("ignoreeof");
    let mut eofcount = 0;
    let mut had_interrupt = false;
    // `~.` ends the message without the "EOT" that EOF and "." print.
    let mut quiet_end = false;
    loop {
        let raw = match read_line_fd0() {
            Line::Text(t) => t,
            Line::Eof => {
                eofcount += 1;
                if s.is_set("ignoreeof") && eofcount < 25 {
                    crate::outln!("Use \".\" to terminate letter");
                    crate::output::flush();
                    continue;
                }
                break;
            }
            Line::Interrupt => {
                if s.is_set("ignore") {
                    crate::outln!("@");
                    crate::output::flush();
                    continue;
                }
                if tty && !had_interrupt {
                    had_interrupt = true;
                    crate::output::err_line("\n(Interrupt -- one more to kill letter)");
                    continue;
                }
                if !s.is_set("nosave") {
                    send::save_dead_letter(s, &[], Some(&body));
                }
                return Ok(Compose::Aborted);
            }
            Line::Hangup => {
                if !s.is_set("nosave") {
                    send::save_dead_letter(s, &[], Some(&body));
                }
                return Ok(Compose::HungUp);
            }
        };
        had_interrupt = false;
        let has_nl = raw.last() == Some(&b'\n');
        let content = if has_nl {
            &raw[..raw.len() - 1]
        } else {
            &raw[..]
        };
        if dot && content == b"." {
            break;
        }
        if content.first() != Some(&esc) || content.len() < 2 {
            // As bsd-mailx's line reader: one CR before the end of the line
            // goes, and every line ends with a newline.
            let text = content.strip_suffix(b"\r").unwrap_or(content);
            let mut line = Vec::with_capacity(text.len() + 1);
            line.extend_from_slice(text);
            line.push(b'\n');
            append(&mut body, &line)?;
            continue;
        }
        let cmd = content[1];
        let arg_raw = String::from_utf8_lossy(&content[2..]).into_owned();
        let arg = arg_raw.trim_start_matches([' ', '\t']).to_string();
        match cmd {
            c if c == esc => {
                append(&mut body, &raw[1..])?;
            }
            b'.' => {
                quiet_end = true;
                break;
            }
            b'!' => {
                let sh = shell(s);
                crate::commands::settings::report_child(
                    crate::child::run_shell(&sh, &arg_raw),
                    &sh,
                );
                crate::outln!("!");
            }
            b':' | b'_' => {
                crate::lex::execute(s, &arg_raw, crate::lex::Context::Compose);
                cont(tty);
            }
            b'?' => crate::outp!("{}", tilde_help()),
            b't' => h.to.extend(typed_names(&arg)),
            b'c' => h.cc.extend(typed_names(&arg)),
            b'b' => h.bcc.extend(typed_names(&arg)),
            b's' => h.subject = Some(arg.clone()),
            b'R' => h.reply_to = Some(arg.clone()),
            b'd' => match send::dead_letter_path(s) {
                Some(p) => read_file_into(s, &mut body, &p)?,
                None => crate::output::err_line("No home directory: no dead.letter to read"),
            },
            b'r' | b'<' => {
                if arg.is_empty() {
                    crate::outln!("Interpolate what file?");
                } else if let Some(cmdline) = arg.strip_prefix('!') {
                    match filter(s, cmdline, b"") {
                        Ok((out, st)) => {
                            if crate::commands::settings::report_child(Ok(st), "") {
                                let (l, c) = count(&out);
                                append(&mut body, &out)?;
                                crate::outln!("\"{cmdline}\" {l}/{c}");
                            }
                        }
                        Err(e) => crate::util::warn(&shell(s), &e),
                    }
                } else if let Some(p) = crate::expand::expand(s, &arg) {
                    read_file_into(s, &mut body, &p)?;
                }
            }
            b'w' => {
                if arg.is_empty() {
                    crate::output::err_line("Write what file!?");
                } else if let Some(p) = crate::expand::expand(s, &arg) {
                    write_body_file(&body, &p)?;
                }
            }
            b'm' | b'M' | b'f' | b'F' => {
                let indent = matches!(cmd, b'm' | b'M');
                let all_headers = cmd.is_ascii_uppercase();
                if let Some(data) =
                    crate::commands::messages::interpolate(s, &arg, indent, all_headers)
                {
                    append(&mut body, &data)?;
                    cont(tty);
                }
            }
            b'h' => {
                if tty {
                    grab_headers(h);
                    cont(tty);
                }
            }
            b'p' => {
                print_message(h, &body)?;
                cont(tty);
            }
            b'e' | b'v' => {
                if let Err(e) = edit_body(s, &mut body, cmd == b'v') {
                    crate::util::warn("editor", &e);
                }
                cont(tty);
            }
            b'|' => {
                let data = body.to_vec()?;
                match filter(s, &arg_raw, &data) {
                    Ok((out, st)) => {
                        if crate::commands::settings::report_child(Ok(st), "") {
                            if out.is_empty() {
                                crate::output::err_line(&format!("No bytes from \"{arg_raw}\" !?"));
                            } else {
                                body.replace(&out)?;
                            }
                        }
                    }
                    Err(e) => crate::util::warn(&shell(s), &e),
                }
                cont(tty);
            }
            b'q' => {
                crate::output::err_line("Interrupt");
                if !s.is_set("nosave") {
                    send::save_dead_letter(s, &[], Some(&body));
                }
                return Ok(Compose::Aborted);
            }
            b'x' => return Ok(Compose::Aborted),
            b'a' | b'A' => {
                let var = if cmd == b'a' { "sign" } else { "Sign" };
                insert_var(s, &mut body, var)?;
            }
            b'i' => insert_var(s, &mut body, &arg)?,
            b'@' => {
                for name in arg.split_whitespace() {
                    let Some(path) = crate::expand::expand(s, name) else {
                        continue;
                    };
                    match crate::mime::load_attachment(&path) {
                        Ok(a) => {
                            crate::outln!(
                                "\"{}\" attached ({}, {} bytes)",
                                path,
                                a.content_type,
                                a.data.len()
                            );
                            h.attachments.push(a);
                        }
                        Err(e) => crate::util::warn(&path, &e),
                    }
                }
            }
            _ => crate::outln!("Unknown tilde escape."),
        }
        crate::output::flush();
    }
    let ask_cc = s.is_set("askcc");
    let ask_bcc = s.is_set("askbcc");
    if tty && (ask_cc || ask_bcc) {
        if ask_cc {
            let cur = h.cc.join(" ");
            if let Some(l) = prompt_line(&format!(
                "Cc: {}",
                if cur.is_empty() {
                    String::new()
                } else {
                    cur + " "
                }
            )) {
                h.cc = typed_names(&l);
            }
        }
        if ask_bcc && let Some(l) = prompt_line("Bcc: ") {
            h.bcc.extend(typed_names(&l));
        }
    } else if (!ask_cc || tty) && !quiet_end {
        crate::outln!("EOT");
    }
    crate::output::flush();
    Ok(Compose::Done(body))
}

fn cont(tty: bool) {
    if tty {
        crate::outln!("(continue)");
    }
}

fn append(body: &mut Body, data: &[u8]) -> io::Result<()> {
    body.append(data)
}

fn insert_var(s: &Session, body: &mut Body, var: &str) -> io::Result<()> {
    if let Some(v) = s.value(var).filter(|v| !v.is_empty()) {
        let mut text = v.replace("\\n", "\n").replace("\\t", "\t").into_bytes();
        if text.last() != Some(&b'\n') {
            text.push(b'\n');
        }
        append(body, &text)?;
    }
    Ok(())
}

fn read_file_into(_s: &Session, body: &mut Body, path: &str) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            crate::outln!("{path}: Directory");
            return Ok(());
        }
        _ => {}
    }
    match std::fs::read(path) {
        Ok(data) => {
            let (l, c) = count(&data);
            append(body, &data)?;
            if !data.is_empty() && data.last() != Some(&b'\n') {
                append(body, b"\n")?;
            }
            crate::outln!("\"{path}\" {l}/{c}");
        }
        Err(e) => crate::util::warn(path, &e),
    }
    Ok(())
}

fn write_body_file(body: &Body, path: &str) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if std::fs::metadata(path)
        .map(|m| m.is_file())
        .unwrap_or(false)
    {
        crate::outp!("\"{path}\" ");
        crate::output::err_line("File exists");
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => {
            let data = body.to_vec()?;
            if let Err(e) = f.write_all(&data) {
                crate::util::warn(path, &e);
                return Ok(());
            }
            let (l, c) = count(&data);
            crate::outln!("\"{path}\" {l}/{c}");
        }
        Err(e) => crate::util::warn(path, &e),
    }
    Ok(())
}

/// `~h`: prompts for To, Subject, Cc and Bcc, each pre-filled with its value.
fn grab_headers(h: &mut Header) {
    if let Some(l) = prompt_line(&format!("To: {}", prefill(&h.to.join(" ")))) {
        h.to = typed_names(&l);
    }
    if let Some(l) = prompt_line(&format!(
        "Subject: {}",
        prefill(h.subject.as_deref().unwrap_or(""))
    )) {
        h.subject = Some(l);
    }
    if let Some(l) = prompt_line(&format!("Cc: {}", prefill(&h.cc.join(" ")))) {
        h.cc = typed_names(&l);
    }
    if let Some(l) = prompt_line(&format!("Bcc: {}", prefill(&h.bcc.join(" ")))) {
        h.bcc = typed_names(&l);
    }
}

fn prefill(v: &str) -> String {
    if v.is_empty() {
        String::new()
    } else {
        format!("{v} ")
    }
}
