//! File-name expansion, as bsd-mailx's `expand()`: `%`, `%user`, `#`, `&`,
//! `+folder`, `~/`, and shell words through glibc's wordexp(3) with command
//! substitution refused (WRDE_NOCMD, Debian patch 21): `$(...)` and backquotes
//! never run.

use crate::outln;
use crate::output;
use crate::session::Session;
use crate::sys::{WordExpError, wordexp};
use rustix::process::{geteuid, getuid};
use std::os::unix::fs::MetadataExt;

/// The system mailbox of `user`: `$MAIL` when it is the invoking user and the
/// file is theirs, else `/var/mail/<user>`.
pub(crate) fn findmail(s: &Session, user: &str) -> String {
    if user == s.myname
        && let Some(m) = std::env::var_os("MAIL")
    {
        let m = m.to_string_lossy().into_owned();
        // bsd-mailx honours $MAIL only when the file is owned by the user.
        if let Ok(md) = std::fs::metadata(&m) {
            let (uid, euid) = (getuid().as_raw(), geteuid().as_raw());
            if md.uid() == uid || md.uid() == euid {
                return m;
            }
        }
    }
    format!("{}/{}", spool_dir(), user)
}

/// Where system mailboxes live.
pub(crate) fn spool_dir() -> String {
    "/var/mail".to_string()
}

/// The `folder` directory, absolute (relative values are under $HOME); a
/// URL (`imaps://host`, s-nail's way of naming a server's folders) as it
/// is, without a trailing `/`.
pub(crate) fn folder_dir(s: &Session) -> Option<String> {
    let f = s.value("folder")?;
    if f.contains("://") {
        Some(f.trim_end_matches('/').to_string())
    } else if f.starts_with('/') {
        Some(f.to_string())
    } else {
        Some(format!("{}/{}", s.homedir.as_deref().unwrap_or(""), f))
    }
}

/// Expands a file name; prints bsd-mailx's message and returns None on failure.
pub(crate) fn expand(s: &Session, name: &str) -> Option<String> {
    match expand_quiet(s, name) {
        Ok(v) => Some(v),
        // bsd-mailx puts "No previous file" on stdout and wordexp's complaints on stderr.
        Err(msg) if msg.starts_with('"') => {
            output::err_line(&msg);
            None
        }
        Err(msg) => {
            outln!("{msg}");
            None
        }
    }
}

/// Expands a file name; the error is the text bsd-mailx prints.
pub(crate) fn expand_quiet(s: &Session, name: &str) -> Result<String, String> {
    let mut name = name.to_string();
    if let Some(rest) = name.strip_prefix('%') {
        let user = if rest.is_empty() {
            s.myname.clone()
        } else {
            rest.to_string()
        };
        return Ok(findmail(s, &user));
    }
    if name == "#" {
        return s
            .prevfile
            .clone()
            .ok_or_else(|| "No previous file".to_string());
    }
    if name == "&" {
        name = s.value("MBOX").unwrap_or("~/mbox").to_string();
    }
    if let Some(rest) = name.strip_prefix('+')
        && let Some(dir) = folder_dir(s)
    {
        name = format!("{dir}/{rest}");
    }
    if let Some(home) = &s.homedir
        && (name == "~" || name.starts_with("~/"))
    {
        name = format!("{home}{}", &name[1..]);
    }
    if !name.contains(['~', '{', '[', '*', '?', '$', '`', '\'', '"', '\\']) {
        return Ok(name);
    }
    wordexp_one(&name)
}

fn wordexp_one(name: &str) -> Result<String, String> {
    wordexp(name).map_err(|e| {
        let why = match e {
            WordExpError::CommandSubstitution => "Command execution not allowed.",
            WordExpError::Syntax => "Syntax error.",
            WordExpError::NoMatch => "No match.",
            WordExpError::Ambiguous => "Ambiguous.",
        };
        format!("\"{name}\": {why}")
    })
}

/// The file named after a login (`Save`, `followup`, `-F`): in the
/// `folder` directory with `outfolder` set, else in the current directory.
pub(crate) fn by_name_path(s: &Session, login: String) -> String {
    if s.is_set("outfolder")
        && let Some(dir) = folder_dir(s)
    {
        format!("{dir}/{login}")
    } else {
        login
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sess() -> Session {
        let mut s = Session::new("alice".into(), Some("/home/alice".into()));
        s.vars.set("folder", "Mail");
        s
    }

    #[test]
    fn shortcuts() {
        let s = sess();
        assert_eq!(expand_quiet(&s, "~/x").unwrap(), "/home/alice/x");
        assert_eq!(expand_quiet(&s, "+box").unwrap(), "/home/alice/Mail/box");
        assert_eq!(expand_quiet(&s, "&").unwrap(), "/home/alice/mbox");
        assert_eq!(
            expand_quiet(&s, "%bob").unwrap(),
            format!("{}/bob", spool_dir())
        );
        assert_eq!(expand_quiet(&s, "#").unwrap_err(), "No previous file");
        assert_eq!(expand_quiet(&s, "plain").unwrap(), "plain");
    }

    #[test]
    fn no_command_substitution() {
        let s = sess();
        let e = expand_quiet(&s, "$(touch /tmp/mailx-pwned)").unwrap_err();
        assert!(e.contains("Command execution not allowed"), "{e}");
        assert!(!std::path::Path::new("/tmp/mailx-pwned").exists());
        let e = expand_quiet(&s, "`id`").unwrap_err();
        assert!(e.contains("Command execution not allowed"), "{e}");
    }

    #[test]
    fn quotes_are_removed() {
        let s = sess();
        assert_eq!(expand_quiet(&s, "'a b'").unwrap(), "a b");
    }
}
