//! How a composed message leaves this machine: the sendmail program (the
//! default, run by `send::mail1` exactly as bsd-mailx does) or built-in SMTP
//! submission (`smtp`, cargo feature `smtp`).
//!
//! SMTP is chosen by the `smtp` variable (`host[:port]`, `smtp://host[:port]`,
//! `smtps://host[:port]`) or by a `sendmail` variable holding an `smtp://` or
//! `smtps://` URL (as GNU mailutils and s-nail accept). `smtp` wins when both
//! are set. Anything else means the sendmail program.

pub mod smtp;

use crate::names::Name;
use crate::send::Header;
use crate::send::Outgoing;
use crate::session::Session;

/// The chosen way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Run the program the `sendmail` variable names (send.rs).
    Sendmail,
    /// Submit over SMTP to this server.
    Smtp(smtp::Target),
}

/// Reads the variables. An `smtp` setting that cannot be parsed is an error
/// (the message must not silently go another way).
pub fn select(s: &Session) -> Result<Transport, String> {
    if let Some(v) = s.vars.nonempty("smtp") {
        return smtp::Target::parse(v, false).map(Transport::Smtp);
    }
    if let Some(v) = s.vars.nonempty("sendmail") {
        let lower = v.trim().to_ascii_lowercase();
        if lower.starts_with("smtp://") || lower.starts_with("smtps://") {
            return smtp::Target::parse(v, true).map(Transport::Smtp);
        }
    }
    Ok(Transport::Sendmail)
}

/// For `-d`: what would be done instead of printing sendmail's arguments,
/// when SMTP is selected (None: the sendmail path prints its own line).
pub fn dry_run_line(s: &Session) -> Option<String> {
    match select(s) {
        Ok(Transport::Sendmail) => None,
        Ok(Transport::Smtp(t)) => Some(format!(
            "SMTP server: {}://{}",
            if t.implicit_tls { "smtps" } else { "smtp" },
            t.display()
        )),
        Err(e) => Some(e),
    }
}

/// Called by `send::mail1` where it would run sendmail. Returns None when the
/// sendmail program is to be used; otherwise sends over SMTP and returns the
/// number of errors (0 or 1). On failure each reason is printed as
/// `Can't send mail: SMTP ...` and the whole message (`head` as composed, with
/// its Bcc:, and the body) is appended to dead.letter.
pub fn try_smtp(s: &Session, h: &Header, to: &[Name], msg: &Outgoing) -> Option<i32> {
    let result = match select(s) {
        Ok(Transport::Sendmail) => return None,
        Ok(Transport::Smtp(t)) => smtp::send(s, &t, h, to, msg),
        Err(e) => Err(vec![e]),
    };
    match result {
        Ok(()) => Some(0),
        Err(lines) => {
            for l in lines {
                crate::output::err_line(&format!("Can't send mail: {l}"));
            }
            crate::send::save_message_dead_letter(s, msg);
            Some(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sess() -> Session {
        Session::new("alice".into(), Some("/nonexistent".into()))
    }

    #[test]
    fn default_is_sendmail() {
        let mut s = sess();
        assert_eq!(select(&s), Ok(Transport::Sendmail));
        s.vars.set("sendmail", "/usr/lib/sendmail");
        assert_eq!(select(&s), Ok(Transport::Sendmail));
        s.vars.set("smtp", "");
        assert_eq!(select(&s), Ok(Transport::Sendmail));
    }

    #[test]
    fn smtp_variable_and_sendmail_url() {
        let mut s = sess();
        s.vars.set("sendmail", "smtps://mail.example.org");
        let Ok(Transport::Smtp(t)) = select(&s) else {
            panic!()
        };
        assert_eq!(
            (t.host.as_str(), t.port, t.implicit_tls),
            ("mail.example.org", 465, true)
        );
        s.vars.set("smtp", "relay:2525");
        let Ok(Transport::Smtp(t)) = select(&s) else {
            panic!()
        };
        assert_eq!(
            (t.host.as_str(), t.port, t.implicit_tls),
            ("relay", 2525, false)
        );
        s.vars.set("smtp", "relay:notaport");
        assert!(select(&s).is_err());
    }
}
