//! The one fake SMTP server of the tests: a thread on a random
//! 127.0.0.1 port that takes one connection, answers from a [`Script`]
//! (which replies, which recipients to refuse, whether to hang or to close
//! the connection) and records what the client said ([`Seen`]).
//!
//! With [`Script::oauth`] it also takes `AUTH XOAUTH2` and `AUTH OAUTHBEARER`
//! as Gmail and RFC 7628 servers do: the initial response must be exactly
//! the string curl's test vectors show (`user=U^Aauth=Bearer T^A^A`;
//! `n,a=U,^Ahost=127.0.0.1^Aport=P^Aauth=Bearer T^A^A`); a token other than
//! the good one gets `334` with a base64 JSON error, the client's answer
//! (`AQ==` or an empty line) is recorded, and `535` follows.

use super::TempDir;
use data_encoding::BASE64;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How the fake server answers. Replies are full lines without CRLF.
#[derive(Clone)]
pub struct Script {
    /// Accept the connection and never say anything.
    pub hang: bool,
    /// Close the connection when MAIL FROM arrives.
    pub close_at_mail: bool,
    /// EHLO keywords after the greeting line.
    pub ehlo: Vec<&'static str>,
    pub auth: &'static str,
    pub mail: &'static str,
    /// Recipients (lower case, substring) to refuse with 550.
    pub refuse_rcpt: Vec<&'static str>,
    pub data: &'static str,
    /// The reply after the message's final dot.
    pub end: &'static str,
    /// `(user, good token)`: accept XOAUTH2/OAUTHBEARER for this user with
    /// this token only.
    pub oauth: Option<(&'static str, &'static str)>,
}

/// The RFC 7628 §3.2.2 error a server sends (base64) for a stale token.
pub const OAUTH_ERROR_JSON: &str =
    r#"{"status":"invalid_token","scope":"https://mail.example.test/","schemes":"bearer"}"#;

/// What curl sends for XOAUTH2.
pub fn xoauth2_string(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// What curl sends for OAUTHBEARER to 127.0.0.1:`port`.
pub fn oauthbearer_string(user: &str, token: &str, port: u16) -> String {
    format!("n,a={user},\x01host=127.0.0.1\x01port={port}\x01auth=Bearer {token}\x01\x01")
}

impl Default for Script {
    fn default() -> Self {
        Script {
            hang: false,
            close_at_mail: false,
            ehlo: vec!["8BITMIME", "PIPELINING"],
            auth: "235 2.7.0 Authentication successful",
            mail: "250 2.1.0 Ok",
            refuse_rcpt: vec![],
            data: "354 End data with <CR><LF>.<CR><LF>",
            end: "250 2.0.0 Ok: queued as FAKE",
            oauth: None,
        }
    }
}

/// What the fake server saw: command lines and the raw DATA bytes.
#[derive(Default, Debug)]
pub struct Seen {
    pub commands: Vec<String>,
    /// Each XOAUTH2/OAUTHBEARER initial response, base64-decoded, and after
    /// a 334 error challenge the client's answer line.
    pub oauth: Vec<String>,
    pub data: Vec<u8>,
}

/// A running one-connection fake SMTP server.
pub struct FakeSmtp {
    pub port: u16,
    handle: thread::JoinHandle<Seen>,
}

impl FakeSmtp {
    /// Starts a server answering as `script` says.
    pub fn start(script: Script) -> FakeSmtp {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let handle = thread::spawn(move || serve(l, script));
        FakeSmtp { port, handle }
    }

    /// `host:port` for the `smtp` variable.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits for the connection to end and returns what the server saw.
    pub fn seen(self) -> Seen {
        self.handle.join().unwrap()
    }
}

/// A 127.0.0.1 port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn serve(l: TcpListener, script: Script) -> Seen {
    let port = l.local_addr().unwrap().port();
    let mut seen = Seen::default();
    let Ok((sock, _)) = l.accept() else {
        return seen;
    };
    sock.set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    if script.hang {
        // Accept, say nothing, wait for the client to give up.
        let mut b = [0u8; 512];
        let mut s = &sock;
        while let Ok(n) = s.read(&mut b) {
            if n == 0 {
                break;
            }
        }
        return seen;
    }
    let mut w = sock.try_clone().unwrap();
    let mut r = BufReader::new(sock);
    let mut say = |line: &str| {
        let _ = w.write_all(format!("{line}\r\n").as_bytes());
    };
    say("220 fake.test ESMTP");
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
            break;
        }
        let cmd = String::from_utf8_lossy(&line).trim_end().to_string();
        seen.commands.push(cmd.clone());
        let up = cmd.to_ascii_uppercase();
        if up.starts_with("EHLO") {
            let mut lines = vec!["fake.test".to_string()];
            lines.extend(script.ehlo.iter().map(|s| s.to_string()));
            let n = lines.len();
            for (i, l) in lines.iter().enumerate() {
                say(&format!("250{}{l}", if i + 1 == n { ' ' } else { '-' }));
            }
        } else if let (Some((user, good)), Some(mech)) = (
            script.oauth,
            ["XOAUTH2", "OAUTHBEARER"]
                .into_iter()
                .find(|m| up.starts_with(&format!("AUTH {m} "))),
        ) {
            let b64 = cmd.split(' ').nth(2).unwrap_or("");
            let ir = BASE64
                .decode(b64.as_bytes())
                .map(|d| String::from_utf8_lossy(&d).into_owned())
                .unwrap_or_default();
            seen.oauth.push(ir.clone());
            let want = |t: &str| match mech {
                "XOAUTH2" => xoauth2_string(user, t),
                _ => oauthbearer_string(user, t, port),
            };
            if ir == want(good) {
                say("235 2.7.0 Authentication successful");
                continue;
            }
            say(&format!(
                "334 {}",
                BASE64.encode(OAUTH_ERROR_JSON.as_bytes())
            ));
            line.clear();
            if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                break;
            }
            seen.oauth
                .push(String::from_utf8_lossy(&line).trim_end().to_string());
            say("535 5.7.8 Authentication credentials invalid");
        } else if up.starts_with("AUTH") {
            say(script.auth);
        } else if up.starts_with("MAIL FROM") {
            if script.close_at_mail {
                break;
            }
            say(script.mail);
        } else if up.starts_with("RCPT TO") {
            let low = cmd.to_ascii_lowercase();
            if script.refuse_rcpt.iter().any(|x| low.contains(x)) {
                say("550 5.1.1 User unknown");
            } else {
                say("250 2.1.5 Ok");
            }
        } else if up == "DATA" {
            say(script.data);
            if !script.data.starts_with("354") {
                continue;
            }
            loop {
                line.clear();
                if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                    return seen;
                }
                if line == b".\r\n" {
                    break;
                }
                seen.data.extend_from_slice(&line);
            }
            say(script.end);
        } else if up == "QUIT" {
            say("221 2.0.0 Bye");
            break;
        } else if up == "RSET" || up == "NOOP" {
            say("250 2.0.0 Ok");
        } else {
            say("502 5.5.2 Error: command not recognized");
        }
    }
    seen
}

/// One send-mode run of mailx against an SMTP server: its home (kept for
/// dead.letter and netrc checks), exit code, output and wall time.
pub struct Run {
    pub home: TempDir,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `mailx -n -S set... args...` with `body` on stdin, HOME `home`, no
/// rc file, `SHELL=/bin/sh`, no `NETRC`.
pub fn send_in(home: TempDir, set: &[impl AsRef<str>], args: &[&str], body: &str) -> Run {
    let start = Instant::now();
    let mut c = Command::new(env!("CARGO_BIN_EXE_mailx"));
    c.arg("-n");
    for s in set {
        c.args(["-S", s.as_ref()]);
    }
    let mut c = c
        .args(args)
        .env("HOME", &home)
        .env("MAILRC", "/dev/null")
        .env("SHELL", "/bin/sh")
        .env_remove("NETRC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mailx");
    c.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = c.wait_with_output().unwrap();
    Run {
        home,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}
