//! Who the user is: the login name and home directory.

use crate::session::Session;
use crate::sys::passwd_name_dir;

/// The login name and home directory: `-u user` (which must exist), else
/// `$USER`, `$LOGNAME`, the password entry of the real uid. Home is `$HOME`.
pub(crate) fn identify(u: Option<&str>) -> Result<(String, Option<String>), String> {
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    if let Some(u) = u {
        if passwd_name_dir(Some(u)).is_none() {
            return Err(format!("\"{u}\" is not a user of this system"));
        }
        return Ok((u.to_string(), home));
    }
    let name = std::env::var("USER")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("LOGNAME").ok().filter(|v| !v.is_empty()))
        .or_else(|| passwd_name_dir(None).map(|p| p.0))
        .ok_or_else(|| "Who are you?".to_string())?;
    Ok((name, home))
}

/// The home directory the user's own files live in (dead.letter, the line
/// editor's history, `.netrc`): `$HOME`, or when HOME is unset (cron jobs,
/// init scripts) the password entry's home of the real uid, as glibc's `~`
/// expansion falls back to (so bsd-mailx writes `~/dead.letter` there, and
/// `~/.mailrc` and `~/mbox` are found there through `wordexp`). An empty
/// `HOME=` means no home. `s.homedir` itself stays `$HOME` (`-d` prints
/// `homedir = NONE`, `cd` without an argument fails, as in bsd-mailx).
pub(crate) fn files_home(s: &Session) -> Option<String> {
    home_for_files(
        s.homedir.as_deref(),
        std::env::var_os("HOME").is_some(),
        || passwd_name_dir(None).map(|p| p.1),
    )
}

fn home_for_files(
    homedir: Option<&str>,
    home_set: bool,
    passwd_home: impl FnOnce() -> Option<String>,
) -> Option<String> {
    match homedir.filter(|h| !h.is_empty()) {
        Some(h) => Some(h.to_string()),
        None if home_set => None,
        None => passwd_home().filter(|h| !h.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_for_files_falls_back_only_when_home_is_unset() {
        let pw = || Some("/home/pw".to_string());
        assert_eq!(home_for_files(Some("/h"), true, pw).as_deref(), Some("/h"));
        assert_eq!(home_for_files(None, false, pw).as_deref(), Some("/home/pw"));
        assert_eq!(home_for_files(None, true, pw), None);
        assert_eq!(home_for_files(None, false, || None), None);
        assert_eq!(home_for_files(None, false, || Some(String::new())), None);
    }
}
