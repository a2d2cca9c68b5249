//! SMTP AUTH with an OAuth2 bearer token: `XOAUTH2` (Google's, also taken
//! by Microsoft 365) and `OAUTHBEARER` (RFC 7628), chosen with `smtp-auth`.
//!
//! lettre 0.11 knows XOAUTH2 but not OAUTHBEARER, and its `auth` cannot
//! answer XOAUTH2's error challenge, while its `Mechanism` enum is closed
//! (no custom mechanisms). Both are therefore spoken here, over lettre's
//! `SmtpConnection::command`, which sends any line and reads the reply.
//!
//! The initial responses are the ones curl sends:
//! - XOAUTH2: `user=USER^Aauth=Bearer TOKEN^A^A`
//! - OAUTHBEARER: `n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A`
//!
//! both in base64 on the `AUTH` line. A server that refuses the token
//! answers `334` with a base64 JSON error; the client then ends the
//! exchange (OAUTHBEARER: `AQ==`, the `%x01` of RFC 7628 §3.2.3; XOAUTH2:
//! an empty line, as Google documents) and the server answers `535`.
//! `smtp.rs` then gets a fresh token from the password command and tries
//! once more.
//!
//! lettre drops AUTH mechanisms it does not know from the EHLO reply, so
//! OAUTHBEARER is tried without checking that the server offers it (a server
//! that does not answers 504, reported as it is).

use crate::secrets::Secret;
use data_encoding::BASE64;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::client::SmtpConnection;
use std::fmt;

pub(crate) use crate::secrets::{TokenMech, initial_response};

/// One line for the server. Its `Display` is what lettre sends; it holds a
/// token, so it has no `Debug`.
struct Line(String);

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an attempt failed.
pub(crate) enum Failure {
    /// The server refused the token (535, possibly after a 334 error
    /// challenge, whose decoded JSON is kept).
    Rejected(SmtpError, Option<String>),
    /// Anything else: the connection, an unexpected reply.
    Other(SmtpError),
    /// A reply that is positive but not 235 or 334.
    Unexpected(String),
}

/// One AUTH exchange with this token.
pub(crate) fn attempt(
    conn: &mut SmtpConnection,
    mech: TokenMech,
    user: &str,
    token: &Secret,
    host: &str,
    port: u16,
) -> Result<(), Failure> {
    let ir = BASE64.encode(initial_response(mech, user, token, host, port).as_bytes());
    let reply = match conn.command(Line(format!("AUTH {mech} {ir}\r\n"))) {
        Ok(r) => r,
        Err(e) => return Err(classify(e, None)),
    };
    if reply.has_code(235) {
        return Ok(());
    }
    if !reply.has_code(334) {
        return Err(Failure::Unexpected(format!(
            "{} {}",
            reply.code(),
            reply.message().collect::<Vec<_>>().join(" ")
        )));
    }
    // The error challenge: base64 JSON such as {"status":"invalid_token"}.
    let challenge = reply.first_line().map(|l| {
        BASE64
            .decode(l.trim().as_bytes())
            .map(|j| String::from_utf8_lossy(&j).into_owned())
            .unwrap_or_else(|_| l.trim().to_string())
    });
    let ack = match mech {
        TokenMech::OAuthBearer => "AQ==\r\n",
        TokenMech::Xoauth2 => "\r\n",
    };
    match conn.command(Line(ack.to_string())) {
        Ok(r) if r.has_code(235) => Ok(()),
        Ok(r) => Err(Failure::Unexpected(format!(
            "{} {}",
            r.code(),
            r.message().collect::<Vec<_>>().join(" ")
        ))),
        Err(e) => Err(classify(e, challenge)),
    }
}

fn classify(e: SmtpError, challenge: Option<String>) -> Failure {
    match e.status() {
        Some(c) if c.to_string() == "535" => Failure::Rejected(e, challenge),
        _ => Failure::Other(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's test vectors (user "user", token "mF_9.B5f-4.1JqM").
    #[test]
    fn initial_responses_match_curl() {
        let tok = Secret::new("mF_9.B5f-4.1JqM".into());
        let x = initial_response(TokenMech::Xoauth2, "user", &tok, "127.0.0.1", 9003);
        assert_eq!(
            BASE64.encode(x.as_bytes()),
            "dXNlcj11c2VyAWF1dGg9QmVhcmVyIG1GXzkuQjVmLTQuMUpxTQEB"
        );
        let o = initial_response(TokenMech::OAuthBearer, "user", &tok, "127.0.0.1", 9003);
        assert_eq!(
            o,
            "n,a=user,\x01host=127.0.0.1\x01port=9003\x01auth=Bearer mF_9.B5f-4.1JqM\x01\x01"
        );
        let o = initial_response(TokenMech::OAuthBearer, "a,b=c", &tok, "h", 1);
        assert!(o.starts_with("n,a=a=2Cb=3Dc,\x01"));
    }
}
