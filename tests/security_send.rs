//! Attacks on send mode, each test named after the attack. These check our
//! binary only (they do not need bsd-mailx) with the fake sendmail.

mod common;
use common::*;

/// The header block (up to the blank line) sendmail was given.
fn head_of(o: &Outcome) -> String {
    let data = o
        .sm_stdin
        .first()
        .cloned()
        .flatten()
        .expect("sendmail read stdin");
    let text = String::from_utf8_lossy(&data).into_owned();
    text.split("\n\n").next().unwrap().to_string() + "\n"
}

const BODY: &[u8] = b"body\n";

#[test]
fn cve_2014_7844_recipient_after_double_dash_is_not_an_option() {
    let t = TempDir::new("sec");
    let evil = format!("-oQ{}/queue", t.path().display());
    let case = Case::new(&["-s", "x", "--", &evil, "a@x"], BODY);
    let o = run_in(&t, Prog::Ours, &case);
    assert_eq!(o.status, 0, "{}", describe(&o));
    assert_eq!(o.argv, vec![vec!["sendmail", "-i", "-t"]]);
    assert!(
        head_of(&o).starts_with("To: -oQ$T/queue, a@x\n"),
        "{}",
        head_of(&o)
    );
    assert!(!t.join("queue").exists());
}

#[test]
fn cve_2014_7844_option_after_recipient_is_a_usage_error() {
    let case = Case::new(&["-s", "x", "a@x", "-oQ/tmp/x"], BODY);
    let o = run(Prog::Ours, &case);
    assert_eq!(o.status, 1);
    assert!(o.argv.is_empty(), "nothing may be sent");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid option -- 'o'"), "{err}");
    assert!(err.contains("usage:"), "{err}");
}

#[test]
fn cve_2014_7844_recipients_never_reach_sendmail_argv() {
    for args in [
        &["-s", "x", "--", "-f", "root@x", "a@x"][..],
        &["-s", "x", "--", "-C/etc/shadow", "-bd"][..],
        &["-s", "x", "--", "-X/tmp/log", "a@x"][..],
    ] {
        let o = run(Prog::Ours, &Case::new(args, BODY));
        assert_eq!(o.status, 0, "{args:?}: {}", describe(&o));
        assert_eq!(o.argv, vec![vec!["sendmail", "-i", "-t"]], "{args:?}");
    }
}

/// Every way a value reaches the header block, each with a CR/LF and a
/// `Bcc: evil@x` line: no new header line may appear.
#[test]
fn header_injection_bcc_through_every_option() {
    let inj = "x\nBcc: evil@x";
    let inj_crlf = "x\r\nBcc: evil@x\r\n";
    let cases: Vec<Vec<&str>> = vec![
        vec!["-s", inj, "a@x"],
        vec!["-s", inj_crlf, "a@x"],
        vec!["-c", inj, "a@x"],
        vec!["-b", inj, "a@x"],
        vec!["-r", inj, "a@x"],
        vec!["-r", inj_crlf, "a@x"],
        vec![inj, "a@x"],
        vec![inj_crlf],
        vec!["-a", "X-A: x\nBcc: evil@x", "a@x"],
        vec!["-a", "X-A: x\r\nBcc: evil@x", "a@x"],
    ];
    for args in cases {
        let o = run(Prog::Ours, &Case::new(&args, BODY));
        assert_eq!(o.status, 0, "{args:?}: {}", describe(&o));
        let head = head_of(&o);
        let bad: Vec<&str> = head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("bcc: evil"))
            .collect();
        assert!(bad.is_empty(), "{args:?} injected a header:\n{head}");
        assert!(!head.contains('\r'), "{args:?}: CR in header:\n{head:?}");
        assert_eq!(o.argv.len(), 1);
        assert!(
            o.argv[0].iter().all(|a| !a.contains('\n')),
            "{args:?}: newline in argv {:?}",
            o.argv
        );
    }
}

#[test]
fn header_injection_through_from_variable_and_replyto() {
    // `-S` (our extension) sets a variable without the rc file's line structure.
    let case = Case::new(&["-S", "from=f@x\nBcc: evil@x", "a@x"], BODY)
        .env("REPLYTO", "r@x\r\nBcc: evil@x");
    let o = run(Prog::Ours, &case);
    let head = head_of(&o);
    assert!(head.contains("From: f@x Bcc: evil@x\n"), "{head}");
    assert!(head.contains("Reply-To: r@x  Bcc: evil@x\n"), "{head}");
    assert!(o.argv[0].iter().all(|a| !a.contains('\n')), "{:?}", o.argv);
    assert!(!head.lines().any(|l| l.starts_with("Bcc: evil")), "{head}");
}

/// CVE-2002-1271 class: with stdin not a terminal, tilde escapes are text.
#[test]
fn cve_2002_1271_tilde_escapes_in_piped_body_do_nothing() {
    let t = TempDir::new("sec");
    let p = t.path().display().to_string();
    let body = format!(
        "~!touch {p}/bang\n~|tee {p}/piped\n~r /etc/passwd\n~< /etc/passwd\n~w {p}/written\n~d\n~s new subject\n~b evil@x\n~c evil@x\n~t evil@x\n~e\n~v\n~q\n~x\nlast\n"
    );
    let case = Case::new(&["-s", "S", "a@x"], body.as_bytes()).env("SHELL", "/bin/sh");
    let o = run_in(&t, Prog::Ours, &case);
    assert_eq!(o.status, 0, "{}", describe(&o));
    for f in ["bang", "piped", "written"] {
        assert!(!t.join(f).exists(), "{f} was created");
    }
    let data = o.sm_stdin[0].clone().unwrap();
    let text = String::from_utf8_lossy(&data);
    let (head, got_body) = text.split_once("\n\n").unwrap();
    assert_eq!(got_body, body.replace(&p, "$T"), "body must be verbatim");
    assert!(!text.contains("root:x:0:0"), "a file was read in");
    assert!(!head.contains("evil"), "{head}");
    assert!(head.contains("Subject: S\n"));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "{}",
        describe(&o)
    );
}

/// `expandaddr` is off by default: `/file` and `|command` recipients are
/// plain addresses handed to sendmail, never files written or commands run.
#[test]
fn expandaddr_off_file_and_pipe_recipients_not_acted_on() {
    let t = TempDir::new("sec");
    let p = t.path().display().to_string();
    let file = format!("{p}/file-recipient");
    let pipe = format!("|touch {p}/pipe-ran");
    let plus = "+folder".to_string();
    let case = Case::new(&["-s", "S", &file, &pipe, &plus, "a@x"], BODY).env("SHELL", "/bin/sh");
    let o = run_in(&t, Prog::Ours, &case);
    assert_eq!(o.status, 0, "{}", describe(&o));
    assert!(!t.join("file-recipient").exists());
    assert!(!t.join("pipe-ran").exists());
    assert!(!t.join("home/folder").exists());
    let head = head_of(&o);
    assert!(head.contains("$T/file-recipient"), "{head}");
    assert!(head.contains("|touch $T/pipe-ran"), "{head}");
    assert_eq!(o.argv, vec![vec!["sendmail", "-i", "-t"]]);
}

/// The sendmail variable is exec'd as one path: no shell, no word splitting.
#[test]
fn no_shell_between_mail_and_sendmail_semicolon() {
    let t = TempDir::new("sec");
    let case = Case::new(&["-s", "S", "a@x"], BODY).sendmail("\"/bin/true;touch $T/pwned\"");
    let o = run_in(&t, Prog::Ours, &case);
    assert!(!t.join("pwned").exists(), "a shell ran the sendmail value");
    assert_eq!(o.status, 1, "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err,
        "bsd-mailx: /bin/true;touch $T/pwned: No such file or directory\nCan't send mail: sendmail process failed\n"
    );
    assert!(o.dead.as_ref().is_some_and(|d| d.ends_with(BODY)));
}

#[test]
fn no_shell_between_mail_and_sendmail_spaces() {
    // A path with a space that does not exist fails cleanly...
    let t = TempDir::new("sec");
    let case = Case::new(&["-s", "S", "a@x"], BODY).sendmail("\"/bin/echo $T/x\"");
    let o = run_in(&t, Prog::Ours, &case);
    assert_eq!(o.status, 1, "{}", describe(&o));
    assert!(
        o.stdout.is_empty(),
        "/bin/echo must not have run: {}",
        describe(&o)
    );
    // ...and one that exists is run as it is, with argv[0] `sendmail`.
    let t = TempDir::new("sec");
    std::fs::create_dir(t.join("dir with space")).unwrap();
    std::os::unix::fs::symlink(fakesm(), t.join("dir with space/my sm")).unwrap();
    let case = Case::new(&["-s", "S", "a@x"], BODY).sendmail("\"$T/dir with space/my sm\"");
    let o = run_in(&t, Prog::Ours, &case);
    assert_eq!(o.status, 0, "{}", describe(&o));
    assert_eq!(o.argv, vec![vec!["sendmail", "-i", "-t"]]);
}
