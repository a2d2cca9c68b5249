//! How a finished message leaves this machine: the sendmail program (the
//! default, run exactly as bsd-mailx does; `sendmail`) or built-in SMTP
//! submission (`smtp`, cargo feature `smtp`).
//!
//! `send` builds the message once, as a [`Message`], and hands it here; this
//! module never calls back into `send`. A failure is reported on stderr
//! (`Can't send mail: …`) and returned as [`Failed`]; saving the message in
//! dead.letter is the caller's job.
//!
//! SMTP is chosen by the `smtp` variable (`host[:port]`, `smtp://host[:port]`,
//! `smtps://host[:port]`) or by a `sendmail` variable holding an `smtp://` or
//! `smtps://` URL (as GNU mailutils and s-nail accept). `smtp` wins when both
//! are set. Anything else means the sendmail program.

#[cfg(feature = "smtp")]
pub(crate) mod oauth;
pub(crate) mod sendmail;
pub(crate) mod smtp;

use crate::names::Name;
use crate::output;
use crate::session::Session;
use std::io::{self, Write};

/// Text that can write itself: a message body, or a whole message.
pub(crate) trait Content {
    fn write_to(&self, w: &mut dyn Write) -> io::Result<()>;
}

/// A finished outgoing message, exactly as every sink gets it: the
/// transports here, and `send`'s record copy, local file and pipe
/// recipients and dead.letter.
pub(crate) struct Message<'a> {
    /// The `from` variable (`-r`) on one line: the From: header's value and,
    /// skinned, the envelope sender. None: the login name is the sender.
    pub from: Option<String>,
    /// The envelope recipients: every To, Cc and Bcc name after alias
    /// expansion and elision.
    pub recipients: Vec<Name>,
    /// The header block, ending with its blank line, as sendmail reads it
    /// (Bcc: included; `sendmail -t` removes it, SMTP drops it here).
    pub head: String,
    /// Everything after the header block.
    pub body: &'a dyn Content,
}

impl Message<'_> {
    /// The whole message into a writer.
    pub fn write_all(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(self.head.as_bytes())?;
        self.body.write_to(w)
    }
}

impl Content for Message<'_> {
    fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        self.write_all(w)
    }
}

/// A send that failed; the reason has been printed.
#[derive(Debug)]
pub(crate) struct Failed;

/// The chosen way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transport {
    /// Run the program the `sendmail` variable names.
    Sendmail,
    /// Submit over SMTP to this server.
    Smtp(smtp::Target),
}

/// Reads the variables. An `smtp` setting that cannot be parsed is an error
/// (the message must not silently go another way).
pub(crate) fn select(s: &Session) -> Result<Transport, String> {
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

/// For `-d`: the line printed instead of sending (sendmail's arguments, or
/// the SMTP server).
pub(crate) fn dry_run_line(s: &Session, msg: &Message) -> String {
    match select(s) {
        Ok(Transport::Sendmail) => sendmail::dry_run_line(s, msg),
        Ok(Transport::Smtp(t)) => format!(
            "SMTP server: {}://{}",
            if t.implicit_tls { "smtps" } else { "smtp" },
            t.display()
        ),
        Err(e) => e,
    }
}

/// Sends the message the way the variables choose. On failure each reason
/// has been printed (`Can't send mail: …`) when this returns.
pub(crate) fn send(s: &Session, msg: &Message) -> Result<(), Failed> {
    let result = match select(s) {
        Ok(Transport::Sendmail) => return sendmail::send(s, msg),
        Ok(Transport::Smtp(t)) => smtp::send(s, &t, msg),
        Err(e) => Err(vec![e]),
    };
    result.map_err(|lines| {
        for l in lines {
            output::err_line(&format!("Can't send mail: {l}"));
        }
        Failed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Content for &[u8] {
        fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
            w.write_all(self)
        }
    }

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

    #[test]
    fn dry_run_names_the_way_out() {
        let body: &[u8] = b"";
        let msg = Message {
            from: Some("Alice <a@x>".into()),
            recipients: Vec::new(),
            head: String::new(),
            body: &body,
        };
        let mut s = sess();
        assert_eq!(
            dry_run_line(&s, &msg),
            "Sendmail arguments: \"sendmail\" \"-i\" \"-t\" \"-f\" \"a@x\""
        );
        s.vars.set("smtp", "smtps://relay");
        assert_eq!(dry_run_line(&s, &msg), "SMTP server: smtps://relay:465");
    }
}
