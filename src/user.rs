//! Who the user is: the login name and home directory.

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
