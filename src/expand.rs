//! File-name expansion, as bsd-mailx's `expand()`: `%`, `%user`, `#`, `&`,
//! `+folder`, `~/`, and shell words through glibc's wordexp(3) with command
//! substitution refused (WRDE_NOCMD, Debian patch 21): `$(...)` and backquotes
//! never run.

use crate::session::Session;
use std::ffi::{CStr, CString};
use std::os::unix::fs::MetadataExt;

/// The system mailbox of `user`: `$MAIL` when it is the invoking user and the
/// file is theirs, else `/var/mail/<user>`.
pub fn findmail(s: &Session, user: &str) -> String {
    if user == s.myname
        && let Some(m) = std::env::var_os("MAIL")
    {
        let m = m.to_string_lossy().into_owned();
        // bsd-mailx honours $MAIL only when the file is owned by the user.
        if let Ok(md) = std::fs::metadata(&m) {
            // SAFETY: getuid/geteuid cannot fail.
            let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
            if md.uid() == uid || md.uid() == euid {
                return m;
            }
        }
    }
    format!("{}/{}", spool_dir(), user)
}

/// Where system mailboxes live.
pub fn spool_dir() -> String {
    "/var/mail".to_string()
}

/// The `folder` directory, absolute (relative values are under $HOME).
pub fn folder_dir(s: &Session) -> Option<String> {
    let f = s.value("folder")?;
    if f.starts_with('/') {
        Some(f.to_string())
    } else {
        Some(format!("{}/{}", s.homedir.as_deref().unwrap_or(""), f))
    }
}

/// The mbox path (`MBOX` or `~/mbox`), expanded.
pub fn mbox_path(s: &Session) -> Option<String> {
    expand(s, "&")
}

/// Expands a file name; prints bsd-mailx's message and returns None on failure.
pub fn expand(s: &Session, name: &str) -> Option<String> {
    match expand_quiet(s, name) {
        Ok(v) => Some(v),
        // bsd-mailx puts "No previous file" on stdout and wordexp's complaints on stderr.
        Err(msg) if msg.starts_with('"') => {
            crate::output::err_line(&msg);
            None
        }
        Err(msg) => {
            crate::outln!("{msg}");
            None
        }
    }
}

/// Expands a file name; the error is the text bsd-mailx prints.
pub fn expand_quiet(s: &Session, name: &str) -> Result<String, String> {
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

#[repr(C)]
struct WordExp {
    we_wordc: libc::size_t,
    we_wordv: *mut *mut libc::c_char,
    we_offs: libc::size_t,
}

unsafe extern "C" {
    fn wordexp(
        words: *const libc::c_char,
        pwordexp: *mut WordExp,
        flags: libc::c_int,
    ) -> libc::c_int;
    fn wordfree(pwordexp: *mut WordExp);
}

const WRDE_NOCMD: libc::c_int = 1 << 2;
const WRDE_BADCHAR: libc::c_int = 2;
const WRDE_CMDSUB: libc::c_int = 4;
const WRDE_SYNTAX: libc::c_int = 5;

fn wordexp_one(name: &str) -> Result<String, String> {
    let Ok(c) = CString::new(name) else {
        return Err(format!("\"{name}\": Syntax error."));
    };
    let mut we = WordExp {
        we_wordc: 0,
        we_wordv: std::ptr::null_mut(),
        we_offs: 0,
    };
    // SAFETY: `c` is a valid NUL-terminated string and `we` a zeroed wordexp_t;
    // with WRDE_NOCMD glibc refuses command substitution instead of forking a shell.
    let rc = unsafe { wordexp(c.as_ptr(), &mut we, WRDE_NOCMD) };
    if rc != 0 {
        let why = match rc {
            WRDE_CMDSUB => "Command execution not allowed.",
            WRDE_BADCHAR | WRDE_SYNTAX => "Syntax error.",
            _ => "Syntax error.",
        };
        if rc != 1 {
            // SAFETY: wordexp leaves `we` valid for wordfree on errors other than NOSPACE.
            unsafe { wordfree(&mut we) };
        }
        return Err(format!("\"{name}\": {why}"));
    }
    let result = match we.we_wordc {
        0 => Err(format!("\"{name}\": No match.")),
        1 => {
            // SAFETY: we_wordv holds we_wordc valid C strings.
            let w = unsafe { CStr::from_ptr(*we.we_wordv) };
            Ok(w.to_string_lossy().into_owned())
        }
        _ => Err(format!("\"{name}\": Ambiguous.")),
    };
    // SAFETY: `we` was filled by a successful wordexp.
    unsafe { wordfree(&mut we) };
    result
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
