//! Differential tests of read mode against the installed bsd-mailx.
//!
//! Every case runs the same command script through `/usr/bin/bsd-mailx`
//! and through our binary (invoked as `bsd-mailx` so error prefixes match),
//! each in its own scratch HOME holding copies of the fixtures, and compares
//! stdout, stderr, the exit status and every file left behind (mailbox after
//! quit, ~/mbox, saved files, the fake sendmail's log). The banner's version
//! text is the one intended difference and is normalised.
//!
//! Cases marked `ours_only` cover POSIX commands bsd-mailx lacks and our
//! intended differences; they check our output against expected text.
//! The tests are skipped (with a message) when bsd-mailx is not installed,
//! or fail under `MAILX_REQUIRE_ALL=1`.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{Req, TempDir, bsd_mailx};

const OURS: &str = env!("CARGO_BIN_EXE_mailx");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/read")
}

/// One differential case.
struct Case {
    name: &'static str,
    /// Fixture files copied into HOME: (fixture name, name in HOME).
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    /// Lines of the user's rc file (MAILRC), besides the fake sendmail.
    rc: &'static str,
    script: &'static str,
    /// Commands this case exercises (for the coverage test).
    covers: &'static [&'static str],
    /// LC_ALL value.
    locale: &'static str,
}

const fn case(
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    rc: &'static str,
    script: &'static str,
    covers: &'static [&'static str],
) -> Case {
    Case {
        name,
        files,
        args,
        rc,
        script,
        covers,
        locale: "C.UTF-8",
    }
}

const M3: &[(&str, &str)] = &[("m3.mbox", "box")];
const BIG: &[(&str, &str)] = &[("big.mbox", "box")];
const REP: &[(&str, &str)] = &[("replies.mbox", "box")];
const SPOOL_M3: &[(&str, &str)] = &[("m3.mbox", "spool")];
const SPOOL_BIG: &[(&str, &str)] = &[("big.mbox", "spool")];
const F: &[&str] = &["-n", "-f", "box"];
const FN: &[&str] = &["-n", "-N", "-f", "box"];
const SYS: &[&str] = &["-n"];

fn cases() -> Vec<Case> {
    vec![
        case("startup_headers", M3, F, "", "", &[]),
        case("startup_big_screen", BIG, F, "", "h\n", &["headers"]),
        case("noheader", M3, FN, "", "=\n", &["="]),
        case(
            "print_type_forms",
            M3,
            FN,
            "",
            "p 1\nt 2\nT 3\nP 1\nprint\ntype 1 2\nType\nPrint 2-3\n",
            &["print", "type", "Type", "Print"],
        ),
        case(
            "ignore_retain_display",
            M3,
            FN,
            "ignore To Date\n",
            "p 1\nretain subject from\np 3\nP 3\nig status\np 2\n",
            &["print", "Print"],
        ),
        case(
            "quiet",
            M3,
            FN,
            "set quiet\n",
            "p 1\ntop 2\n",
            &["print", "top"],
        ),
        case(
            "next_rules",
            M3,
            FN,
            "",
            "n\nn\nn\nn\n",
            &["next"],
        ),
        case(
            "next_empty_line_and_delete",
            BIG,
            FN,
            "",
            "\n\nnext 3\ndelete 3\nnext\nn 1 2\nn 30-32\nn\n+\n-\n",
            &["next", "delete"],
        ),
        case(
            "next_after_saved",
            M3,
            FN,
            "",
            "s 2 saved\n1\nn\nn\n",
            &["next", "save"],
        ),
        case(
            "msglist_forms",
            BIG,
            FN,
            "",
            "f 1 3-5 $\nf ^\nf .\nf *\nf 5\nf +\nf -\nf 10-12 user1\nf user2\nf USER3@HOST0\nf /number 1\nf /\nf \"/message number 2\"\nf :n\nf :o\nf :u\nf :r\nf :\nf :d\nd 2 4\nf :d\nf :n :u\nf 99\nf 0\nf 2\nf 1-99\nf 5-3\nf 1-x\nf * 3\nf 3 *\nf :x\nf nobody somebody\nf \"unclosed\nf 'unclosed\nf (1)\nf 3-\nf -\nf user\nf ^-$\nf .-$\n",
            &["from"],
        ),
        case(
            "msglist_plus_minus_errors",
            M3,
            FN,
            "",
            "f -\nf $\nf +\nf +\np +\np -\n",
            &["from", "print"],
        ),
        case(
            "searchheaders",
            BIG,
            FN,
            "set searchheaders\n",
            "f /to:bob\nf /cc:carol\nf /message-id:m7@\nf /:number 3\nf /x-folded:second\nf /subject:long\nf /nomatch:x\n",
            &["from"],
        ),
        case(
            "headers_and_scrolling",
            BIG,
            FN,
            "",
            "h\nz\nz\nz\nz-\nz-\nz-\nz+\nz x\nh 25\nh\nh 35\nz\nset screen=7\nh\nz\nz\nz\nz\nz\nz -\n",
            &["headers", "z"],
        ),
        case(
            "headers_after_deleting_all",
            M3,
            FN,
            "",
            "d *\nh\nz\np\n=\nu *\nh\n",
            &["headers", "delete", "undelete", "z"],
        ),
        case(
            "showto_showname_showrcpt",
            &[("intl.mbox", "box")],
            FN,
            "",
            "f *\nset showto\nf *\nunset showto\nset showname\nf *\nunset showname\nset show-rcpt\nf *\nunset show-rcpt\nset showto allnet\nf *\n",
            &["from"],
        )
        .with_locale("C"),
        case(
            "vis_in_c_locale",
            &[("intl.mbox", "box")],
            F,
            "",
            "p 1\n",
            &["print"],
        )
        .with_locale("C"),
        case(
            "top_toplines",
            BIG,
            FN,
            "",
            "top 1\ntop 2 3\nset toplines=2\ntop 6\nset toplines=-3\ntop 7\nset toplines=0\nto 8\n",
            &["top"],
        ),
        case(
            "touch_preserve_hold_mbox_system",
            SPOOL_M3,
            SYS,
            "",
            "touch 1\npreserve 2\nmbox 3\nh\nhold 1\nh\nq\n",
            &["touch", "preserve", "hold", "mbox", "quit"],
        ),
        case(
            "preserve_in_edit_mode",
            M3,
            FN,
            "",
            "pre 1\nho 2\n",
            &["preserve", "hold"],
        ),
        case(
            "delete_undelete_dp_dt",
            BIG,
            FN,
            "",
            "d 1\nh\ndp\ndt 5\nu 1\nu\nu 2\nd 35\ndp\nd 34\ndt\nd 1-35\ndp\nu 3\n=\nh\n",
            &["delete", "dp", "dt", "undelete"],
        ),
        case(
            "autoprint",
            M3,
            FN,
            "set autoprint\n",
            "d 1\nu 1\nd 3\n",
            &["delete", "undelete"],
        ),
        case(
            "unread_new",
            M3,
            FN,
            "",
            "p 1\nh\nunread 1\nh\nU 2\nh\nnew 3\nnew 2\nh\nf :n\nf :u\nq\n",
            &["unread", "Unread", "new", "quit"],
        ),
        case(
            "transcript_7_2",
            M3,
            FN,
            "",
            "s 1 saved\ns 2 saved\nw 3 written\nc 3 saved\n| 1 wc -l\npipe 2 head -1\nh\nmbox 3\nh\nunread 2\nh\nnew 3\npre 1\nh\nundelete 1\nd 2\nu 2\ntouch 3\nq\n",
            &["save", "write", "copy", "pipe", "|", "mbox", "unread", "new", "undelete", "touch"],
        ),
        case(
            "pipe_forms",
            M3,
            FN,
            "",
            "| wc -l\npipe cat\n| 2 cat\npi 1-2 cat\n| :n cat\n|\npipe 2 3 cat >/dev/null 2>&1; cat >/dev/null\n",
            &["pipe", "|"],
        ),
        case(
            "save_copy_write_variants",
            BIG,
            FN,
            "saveignore to message-id\n",
            "s\nsave\ns out1\ns 3 out1\nc 4-6 out2\nw 7 out3\nw out3\ncopy 9 user2 out4\ns 99 out5\nsaveretain subject\ns 10 out6\nh\nq\n",
            &["save", "copy", "write"],
        ),
        case(
            "save_expansions",
            M3,
            FN,
            "set folder=fdir\n",
            "!mkdir -p fdir\ns 1 +inbox\nc 2 ~/home-copy\necho +x &\nfile\nq\n",
            &["save", "copy", "file"],
        ),
        case(
            "size_and_dot",
            BIG,
            FN,
            "",
            "size\nsi 1-4\n=\np 9\n=\nsize *\n",
            &["size", "="],
        ),
        case(
            "more_page_not_interactive",
            M3,
            FN,
            "",
            "more 1\npage 2\nMore 3\nPage 1\nmo\n",
            &["more", "page", "More", "Page"],
        ),
        case(
            "file_folder_switch",
            &[("m3.mbox", "box"), ("big.mbox", "other")],
            FN,
            "",
            "file\nfi other\nh\nd 1\nfolder #\nfile\nfile #\nfo nonexistent\nfile\nq\n",
            &["file", "folder", "headers", "delete"],
        ),
        case(
            "folders_lister",
            M3,
            FN,
            "set folder=fdir LISTER=ls\n",
            "!mkdir -p fdir; touch fdir/a fdir/b\nfolders\n",
            &["folders"],
        ),
        case(
            "inc_new_mail",
            &[("m3.mbox", "box"), ("replies.mbox", "extra")],
            FN,
            "",
            "inc\n!cat extra >> box\ninc\nh\ninc\nq\n",
            &["inc"],
        ),
        case(
            "system_quit_mbox_hold",
            SPOOL_BIG,
            SYS,
            "",
            "p 1\np 2\nd 3\ns 4 saved\nmbox 5\npre 6\nq\n",
            &["quit"],
        ),
        case(
            "system_quit_append_keepsave",
            SPOOL_M3,
            SYS,
            "set append keepsave\n",
            "!printf 'From old@x Mon Jan  1 00:00:00 2024\\nSubject: old\\n\\nold\\n\\n' > mbox\np 1\ns 2 saved\nq\n",
            &["quit"],
        ),
        case(
            "system_quit_prepend",
            SPOOL_M3,
            SYS,
            "",
            "!printf 'From old@x Mon Jan  1 00:00:00 2024\\nSubject: old\\n\\nold\\n\\n' > mbox\np 1\np 2\nq\n",
            &["quit"],
        ),
        case(
            "system_quit_hold_var",
            SPOOL_M3,
            SYS,
            "set hold\n",
            "p 1\nq\n",
            &["quit"],
        ),
        case(
            "system_eof_nothing_read",
            SPOOL_M3,
            SYS,
            "",
            "",
            &[],
        ),
        case(
            "system_second_session_held",
            SPOOL_M3,
            SYS,
            "",
            "q\n",
            &["quit"],
        ),
        case(
            "system_all_deleted_truncates",
            SPOOL_M3,
            SYS,
            "",
            "d *\nq\n",
            &["quit", "delete"],
        ),
        case(
            "system_new_mail_at_quit",
            &[("m3.mbox", "spool"), ("replies.mbox", "extra")],
            SYS,
            "",
            "p 1\n!cat extra >> spool\nq\n",
            &["quit"],
        ),
        case(
            "edit_all_deleted_truncated",
            M3,
            FN,
            "",
            "d *\nq\n",
            &["quit", "delete"],
        ),
        case(
            "exit_changes_nothing",
            M3,
            FN,
            "",
            "p 1\nd 2\nx\n",
            &["xit"],
        ),
        case(
            "reply_all_and_senders",
            REP,
            FN,
            "",
            "r 1\nbody of reply\n",
            &["reply"],
        ),
        case(
            "reply_to_handling",
            REP,
            FN,
            "",
            "r 2\nfirst\n",
            &["respond"],
        ),
        case(
            "reply_empty_reply_to",
            REP,
            FN,
            "",
            "r 3\nsecond\n",
            &["reply"],
        ),
        case(
            "reply_no_from",
            REP,
            FN,
            "",
            "r 4\nthird\n",
            &["reply"],
        ),
        case(
            "Reply_senders",
            REP,
            FN,
            "",
            "R 1-3\nbody\n",
            &["Reply"],
        ),
        case(
            "Respond_single",
            REP,
            FN,
            "",
            "Respond 2\nbody\n",
            &["Respond"],
        ),
        case(
            "reply_multiple_refused",
            REP,
            FN,
            "",
            "r 1 2\nrespond 1-2\nq\n",
            &["reply", "respond"],
        ),
        case(
            "reply_threaded",
            &[("thread.mbox", "box")],
            FN,
            "",
            "r 1\nfirst\n",
            &["reply"],
        ),
        case(
            "reply_threaded_in_reply_to_only",
            &[("thread.mbox", "box")],
            FN,
            "",
            "R 2\nsecond\n",
            &["Reply"],
        ),
        case(
            "replyall_swaps",
            REP,
            FN,
            "set Replyall\n",
            "r 1\nbody\n",
            &["reply"],
        ),
        case(
            "alternates_in_reply",
            REP,
            FN,
            "alternates team@example.org carol@example.org\n",
            "r 1\nbody\n",
            &["reply"],
        ),
        case(
            "mail_command",
            M3,
            FN,
            "",
            "mail someone@example.org other@example.org\nthe body\n",
            &["mail"],
        ),
        case(
            "edit_with_editor",
            M3,
            FN,
            "set EDITOR=./ed.sh\n",
            "!printf '#\\041/bin/sh\\nsleep 1; sed -i s/one/ONE/ \"$1\"\\n' > ed.sh; chmod +x ed.sh\ne 1\np 1\nh\nq\n",
            &["edit", "print"],
        ),
        case(
            "visual_with_editor",
            M3,
            FN,
            "set VISUAL=./ed.sh\n",
            "!printf '#\\041/bin/sh\\nsleep 1; sed -i s/three/THREE/ \"$1\"\\n' > ed.sh; chmod +x ed.sh\nv 3\np 3\nq\n",
            &["visual"],
        ),
        case(
            "shell_interactive_cmd",
            M3,
            FN,
            "",
            "shell\n",
            &["shell"],
        ),
        case(
            "shell_escapes",
            M3,
            FN,
            "",
            "!echo hi\n!false\n!exit 3\n",
            &["!"],
        ),
        case(
            "empty_folder",
            &[("empty", "box")],
            F,
            "",
            "p\n=\nh\nz\nf\nn\nd\ns x\nq\n",
            &[],
        ),
        case(
            "rc_message_command_before_open",
            M3,
            FN,
            "p 1\nset foo\n",
            "set\n",
            &[],
        ),
        case(
            "big_print_all_then_quit",
            BIG,
            FN,
            "",
            "p *\nq\n",
            &["print", "quit"],
        ),
        case(
            "file_info_after_reading",
            M3,
            FN,
            "",
            "p 1\nfile\nh\nd 2\nfile\ns 3 x\nfi\n",
            &["file"],
        ),
        case(
            "folder_plus_name",
            &[("m3.mbox", "fdir/inbox")],
            &["-n", "-f", "+inbox"],
            "set folder=fdir\n",
            "file\nfo &\nfile +inbox\n",
            &["file", "folder"],
        ),
        case(
            "undelete_edge_cases",
            M3,
            FN,
            "",
            "u\nu 1\nd 1\nu :d\nd 2 3\nu *\nf :d\nh\n",
            &["undelete"],
        ),
        case(
            "interactive_flag_prompts_and_pager",
            M3,
            &["-n", "-I", "-f", "box"],
            "set crt=3\n",
            "p 1\nmore 2\nMore 3\nh\nz\n",
            &["print", "more", "More", "headers", "z"],
        ),
        case(
            "interactive_ignoreeof",
            M3,
            &["-n", "-N", "-I", "-f", "box"],
            "set ignoreeof\n",
            "=\n",
            &["="],
        ),
        case(
            "long_lines_top_and_size",
            &[("long.mbox", "box")],
            FN,
            "",
            "top\nsize\np\n",
            &["top", "size", "print"],
        ),
        case(
            "next_wraps_with_list",
            BIG,
            FN,
            "",
            "p 30\nn 2 5 40\nn 2 5\nn 5\nd 5\nn 5\nn 2 5\n",
            &["next"],
        ),
        case(
            "save_marks_and_status_letters",
            SPOOL_BIG,
            SYS,
            "",
            "s 1-3 out\nw 4 out\nc 5 out\nmbox 6\npre 7\nunread 8\nh\nq\n",
            &["save", "write", "copy", "mbox", "preserve", "unread", "quit"],
        ),
        case("no_system_mailbox", &[], SYS, "", "", &[]),
        case("empty_system_mailbox", &[("empty", "spool")], SYS, "", "", &[]),
        case("f_missing_file", &[], &["-n", "-f", "nosuch"], "", "", &[]),
        case("f_directory", &[("m3.mbox", "d/x")], &["-n", "-f", "d"], "", "", &[]),
        case("f_dev_null", &[], &["-n", "-f", "/dev/null"], "", "", &[]),
        case("f_default_mbox_missing", &[], &["-n", "-f"], "", "", &[]),
        case("f_default_mbox", &[("m3.mbox", "mbox")], &["-n", "-f"], "", "h\nq\n", &[]),
        case("noheader_var", M3, F, "set noheader\n", "h\n", &["headers"]),
        case(
            "junk_preamble",
            &[("junk", "box")],
            F,
            "",
            // The engine keeps a preamble on write-back (bsd-mailx drops it):
            // leave with `x` so only the reading is compared.
            "h\nx\n",
            &[],
        ),
        case(
            "autoinc_interactive_system",
            &[("m3.mbox", "spool"), ("replies.mbox", "extra")],
            &["-n", "-N", "-I"],
            "set autoinc\n",
            "=\n!cat extra >> spool\nh\ninc\nq\n",
            &["inc", "quit"],
        ),
        case(
            "inc_system",
            &[("m3.mbox", "spool"), ("replies.mbox", "extra")],
            SYS,
            "",
            "!cat extra >> spool\ninc\nh\np 5\nq\n",
            &["inc", "quit"],
        ),
        case(
            "showname_forms",
            BIG,
            FN,
            "set showname\n",
            "f *\nset showto\nalternates user1@host1.example\nf *\n",
            &["from"],
        ),
        case(
            "tilde_m_f_interpolation",
            M3,
            &["-n", "-N", "-I", "-f", "box"],
            "set dot indentprefix=>\\ \nignore date\n",
            "m bob@example.org\n~m 2\n~f 1\n~M 3\n~F\n~m 9\n.\nr 3\n~f\nreply text\n.\nq\n",
            &["mail", "reply"],
        ),
        case(
            "edit_editor_fails_keeps_edit",
            M3,
            FN,
            "set EDITOR=./ed.sh\n",
            "!printf '#\\041/bin/sh\\nsleep 1; sed -i s/one/ONE/ \"$1\"; exit 1\\n' > ed.sh; chmod +x ed.sh\ne 1\np 1\nq\n",
            &["edit"],
        ),
        case(
            "rc_commands_before_mailbox",
            M3,
            FN,
            "file\nz\nz -\ninc\n=\ns out\nfolders\nset y\n",
            "set\nfile #\n",
            &[],
        ),
        case(
            "separator_rules_and_senders",
            &[("split.mbox", "box")],
            F,
            "",
            "f *\np *\nf d\nf c!d\nf quoted\nsize *\nq\n",
            &["from", "print", "size"],
        ),
        case(
            "edit_several_asks",
            M3,
            FN,
            "set EDITOR=./ed.sh\n",
            "!printf '#\\041/bin/sh\\nsleep 1; sed -i s/Body/BODY/ \"$1\"\\n' > ed.sh; chmod +x ed.sh\ne 1-3\nn\ny\nh\nq\n",
            &["edit"],
        ),
        case(
            "system_quit_MBOX_variable",
            SPOOL_M3,
            SYS,
            "set MBOX=~/saved-here append\n",
            "p 1\np 3\nmbox 2\nq\n",
            &["quit", "mbox"],
        ),
        case(
            "saveignore_in_mbox_at_quit",
            SPOOL_M3,
            SYS,
            "saveignore date message-id\nsaveretain\n",
            "p *\nq\n",
            &["quit"],
        ),
        case(
            "abbreviations",
            BIG,
            FN,
            "",
            "p1\nt2\nz-\nz+\nf$\nf^\nf.\nh:u\nf/long\nd5\nu5\nsi3\n",
            &["print", "type", "z", "from", "headers", "delete", "undelete", "size"],
        ),
    ]
}

impl Case {
    const fn with_locale(mut self, l: &'static str) -> Case {
        self.locale = l;
        self
    }
}

fn copy_fixture(name: &str, dest: &Path) {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    if name == "empty" {
        std::fs::write(dest, b"").unwrap();
        return;
    }
    if name == "junk" {
        std::fs::write(
            dest,
            b"not a mailbox\n\nFrom a@b Mon Jan  1 10:00:00 2024\nSubject: x\n\nbody\n\n",
        )
        .unwrap();
        return;
    }
    std::fs::copy(fixtures().join(name), dest).unwrap();
}

/// What a run left: stdout, stderr, status, and every file under HOME.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    stdout: String,
    stderr: String,
    status: Option<i32>,
    files: BTreeMap<String, String>,
}

fn list_files(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            list_files(&p, base, out);
        } else {
            let data = std::fs::read(&p).unwrap_or_default();
            out.insert(rel, String::from_utf8_lossy(&data).into_owned());
        }
    }
}

const FAKE_SENDMAIL: &str =
    "#!/bin/sh\n{ echo \"ARGV: $*\"; cat; echo \"--END--\"; } >> \"$HOME/sent.log\"\nexit 0\n";

fn run_one(
    prog: &Path,
    tag: &str,
    files: &[(&str, &str)],
    args: &[&str],
    rc: &str,
    script: &str,
    locale: &str,
) -> Outcome {
    let home = TempDir::new(&format!("readdiff-{tag}"));
    for (fixture, name) in files {
        copy_fixture(fixture, &home.join(name));
    }
    let sm = home.join(".fakesm");
    std::fs::write(&sm, FAKE_SENDMAIL).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&sm)
        .status()
        .unwrap();
    let rcfile = home.join(".mailrc");
    std::fs::write(&rcfile, format!("set sendmail={}\n{rc}", sm.display())).unwrap();
    let mut cmd = Command::new(prog);
    cmd.arg0("bsd-mailx")
        .args(args)
        .current_dir(&home)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .env("MAIL", home.join("spool"))
        .env("MAILRC", &rcfile)
        .env("SHELL", "/bin/sh")
        .env("PAGER", "cat")
        .env("LC_ALL", locale)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let home_s = home.to_string_lossy().into_owned();
    let norm = |b: &[u8]| {
        let t = String::from_utf8_lossy(b).replace(&home_s, "$HOME");
        let mut lines: Vec<String> = t.split('\n').map(str::to_string).collect();
        for l in lines.iter_mut() {
            if l.starts_with("Mail version ") && l.ends_with(".  Type ? for help.") {
                *l = "Mail version X.  Type ? for help.".to_string();
            }
        }
        lines.join("\n")
    };
    let mut fl = BTreeMap::new();
    list_files(&home, &home, &mut fl);
    fl.remove(".mailrc");
    fl.remove(".fakesm");
    for v in fl.values_mut() {
        *v = v.replace(&home_s, "$HOME");
    }
    Outcome {
        stdout: norm(&out.stdout),
        stderr: norm(&out.stderr),
        status: out.status.code(),
        files: fl,
    }
}

/// Runs a case; a difference is retried twice, since bsd-mailx itself
/// sometimes loses a child's status under load (Debian #550116: a false
/// `Fatal error in process.`).
fn diff_case(c: &Case) -> Option<String> {
    let mut last = None;
    for _ in 0..3 {
        last = diff_once(c);
        last.as_ref()?;
    }
    last
}

/// Removes `References:` fields (with their continuation lines) from the
/// files a run left: ours adds one to every reply and bsd-mailx none
/// (docs/COMPATIBILITY.md); `reply_references` checks ours.
fn without_references(o: &mut Outcome) {
    for v in o.files.values_mut() {
        let mut out = String::new();
        let mut skipping = false;
        for l in v.split_inclusive('\n') {
            if l.starts_with("References:") {
                skipping = true;
                continue;
            }
            if skipping && (l.starts_with(' ') || l.starts_with('\t')) {
                continue;
            }
            skipping = false;
            out.push_str(l);
        }
        *v = out;
    }
}

fn diff_once(c: &Case) -> Option<String> {
    let mut a = run_one(
        bsd_mailx(),
        "bsd",
        c.files,
        c.args,
        c.rc,
        c.script,
        c.locale,
    );
    let mut b = run_one(
        Path::new(OURS),
        "ours",
        c.files,
        c.args,
        c.rc,
        c.script,
        c.locale,
    );
    without_references(&mut a);
    without_references(&mut b);
    if a == b {
        return None;
    }
    let mut msg = format!("=== case {} differs\n", c.name);
    if a.stdout != b.stdout {
        msg.push_str(&format!(
            "--- stdout bsd-mailx:\n{}\n--- stdout ours:\n{}\n",
            a.stdout, b.stdout
        ));
    }
    if a.stderr != b.stderr {
        msg.push_str(&format!(
            "--- stderr bsd-mailx:\n{}\n--- stderr ours:\n{}\n",
            a.stderr, b.stderr
        ));
    }
    if a.status != b.status {
        msg.push_str(&format!("--- status {:?} vs {:?}\n", a.status, b.status));
    }
    if a.files != b.files {
        for k in a.files.keys().chain(b.files.keys()) {
            if a.files.get(k) != b.files.get(k) {
                msg.push_str(&format!(
                    "--- file {k}\nbsd-mailx: {:?}\nours:      {:?}\n",
                    a.files.get(k),
                    b.files.get(k)
                ));
            }
        }
    }
    Some(msg)
}

#[test]
fn read_mode_matches_bsd_mailx() {
    require!(Req::BsdMailx);
    let only = std::env::var("READ_DIFF_ONLY").ok();
    let mut failures = Vec::new();
    let mut n = 0;
    for c in cases() {
        if only.as_deref().is_some_and(|o| o != c.name) {
            continue;
        }
        n += 1;
        if let Some(d) = diff_case(&c) {
            failures.push(d);
        }
    }
    eprintln!("{n} differential cases run, {} differ", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The commands whose handlers work on the open folder (all but `cmd::settings`).
fn routed_to_messages() -> Vec<&'static str> {
    use mailx::interp::table::{COMMANDS, CmdId::*};
    COMMANDS
        .iter()
        .filter(|c| {
            !matches!(
                c.id,
                Alias
                    | Unset
                    | Set
                    | Source
                    | Version
                    | Echo
                    | List
                    | If
                    | Else
                    | Endif
                    | Alternates
                    | Ignore
                    | Retain
                    | SaveIgnore
                    | SaveRetain
                    | Comment
                    | Chdir
                    | Help
                    | Unalias
                    | Exit
            )
        })
        .map(|c| c.name)
        .collect()
}

#[test]
fn every_read_command_has_a_case() {
    let mut covered: Vec<&str> = Vec::new();
    for c in cases() {
        covered.extend(c.covers);
    }
    for c in ours_only_cases() {
        covered.extend(c.covers);
    }
    let missing: Vec<&str> = routed_to_messages()
        .into_iter()
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "commands without a test case: {missing:?}"
    );
}

/// A case for behaviour bsd-mailx does not have: our output is checked
/// against expected text (`stdout_has` lines must appear, in order).
struct OursCase {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    rc: &'static str,
    script: &'static str,
    locale: &'static str,
    stdout_has: &'static [&'static str],
    status: i32,
    file_has: &'static [(&'static str, &'static str)],
    covers: &'static [&'static str],
}

fn ours_only_cases() -> Vec<OursCase> {
    vec![
        // MIME parts (tests/mime_view.rs has the MIME corpus).
        OursCase {
            name: "attachments_and_detach",
            files: &[("intl.mbox", "box")],
            args: FN,
            rc: "",
            script: "attachments 1\ndetach 1 1 body.txt\n",
            locale: "C.UTF-8",
            stdout_has: &[
                "Message 1:\n#1 text/plain, 41 bytes\n",
                "\"body.txt\" [New file] 41 bytes",
            ],
            status: 0,
            file_has: &[("body.txt", "Body with \u{fc}mlauts")],
            covers: &["attachments", "detach"],
        },
        // COMPATIBILITY.md R16: a save that cannot open its file is reported
        // and read mode exits 1 (bsd-mailx: 0).
        OursCase {
            name: "save_failure_exit_status",
            files: BIG,
            args: FN,
            rc: "",
            script: "s user5 /nomatch/x\nh 1\nq\n",
            locale: "C.UTF-8",
            stdout_has: &["\"/nomatch/x\" ", "message number 1"],
            status: 1,
            file_has: &[],
            covers: &[],
        },
        OursCase {
            name: "Save_by_sender",
            files: M3,
            args: FN,
            rc: "",
            script: "Save 1\nCopy 2\nh\n",
            locale: "C.UTF-8",
            stdout_has: &["\"bob\" [New file]", "\"carol\" [New file]", ">*  1 bob@"],
            status: 0,
            file_has: &[("bob", "Body one."), ("carol", "Body two.")],
            covers: &["Save", "Copy"],
        },
        OursCase {
            name: "Save_outfolder",
            files: M3,
            args: FN,
            rc: "set folder=fdir outfolder\n",
            script: "!mkdir fdir\nSave 3\n",
            locale: "C.UTF-8",
            stdout_has: &["/fdir/dave\" [New file]"],
            status: 0,
            file_has: &[("fdir/dave", "Body three.")],
            covers: &["Save"],
        },
        OursCase {
            name: "followup_records_by_sender",
            files: REP,
            args: FN,
            rc: "",
            script: "followup 1\nfollow body\nFollowup 1-2\nboth\n",
            locale: "C.UTF-8",
            stdout_has: &["To: bob@example.org\nSubject: Re: project"],
            status: 0,
            file_has: &[("bob", "follow body"), ("sent.log", "To: bob@example.org")],
            covers: &["followup", "Followup"],
        },
        OursCase {
            name: "utf8_summary_shows_characters",
            files: &[("intl.mbox", "box")],
            args: FN,
            rc: "",
            script: "f 1 2\n",
            locale: "C.UTF-8",
            stdout_has: &[
                ">N  1 joerg@example.org  Sat Feb  3 08:05   ",
                "Grüße aus Köln 中文字幕 e\u{301}",
                "ctl ^Gbell^Hbs^Mcr ^A end",
            ],
            status: 0,
            file_has: &[],
            covers: &[],
        },
        OursCase {
            name: "H_prints_summary_only",
            files: M3,
            args: &["-n", "-H", "-f", "box"],
            rc: "",
            script: "",
            locale: "C.UTF-8",
            stdout_has: &[" N  1 bob@example.org", "    2 carol@example.org"],
            status: 0,
            file_has: &[("box", "Body one.\n\nFrom carol")],
            covers: &[],
        },
        OursCase {
            name: "e_with_mail",
            files: SPOOL_M3,
            args: &["-n", "-e"],
            rc: "",
            script: "",
            locale: "C.UTF-8",
            stdout_has: &[],
            status: 0,
            file_has: &[],
            covers: &[],
        },
        OursCase {
            name: "e_without_mail",
            files: &[],
            args: &["-n", "-e"],
            rc: "",
            script: "",
            locale: "C.UTF-8",
            stdout_has: &[],
            status: 1,
            file_has: &[],
            covers: &[],
        },
        OursCase {
            name: "edit_within_one_second_is_kept",
            files: M3,
            args: FN,
            rc: "set EDITOR=./ed.sh\n",
            script: "!printf '#\\041/bin/sh\\nsed -i s/one/ONE/ \"$1\"\\n' > ed.sh; chmod +x ed.sh\ne 1\nq\n",
            locale: "C.UTF-8",
            stdout_has: &["\"box\" complete"],
            status: 0,
            file_has: &[("box", "Body ONE.")],
            covers: &[],
        },
        OursCase {
            name: "metoo_keeps_me_in_replies",
            files: REP,
            args: FN,
            rc: "set metoo\n",
            script: "r 1\nbody\n",
            locale: "C.UTF-8",
            stdout_has: &["Cc: alice carol@example.org"],
            status: 0,
            file_has: &[("sent.log", "Cc: alice, carol@example.org")],
            covers: &[],
        },
        // s-nail's flag/unflag (Maildir's F; tests/maildir.rs checks the
        // names): accepted on an mbox, dot moves to the message.
        OursCase {
            name: "flag_and_unflag",
            files: M3,
            args: FN,
            rc: "",
            script: "flag 2\n=\nunflag 3\n=\n",
            locale: "C.UTF-8",
            stdout_has: &["2\n", "3\n"],
            status: 0,
            file_has: &[],
            covers: &["flag", "unflag"],
        },
        // s-nail's sort/thread (tests/sort_diff.rs compares the orders and
        // tree marks with s-nail): accepted, the order is reported and
        // unsort/unthread go back to file order.
        OursCase {
            name: "sort_and_thread",
            files: M3,
            args: FN,
            rc: "",
            script: "sort size\nsort\nunsort\nthread\ncollapse 1\nuncollapse 1\nsort\nunthread\nsort\n",
            locale: "C.UTF-8",
            stdout_has: &[
                "Current sorting criterion is: size\n",
                "Current sorting criterion is: thread\n",
                "Current sorting criterion is: unsorted\n",
            ],
            status: 0,
            file_has: &[],
            covers: &[
                "sort",
                "unsort",
                "thread",
                "unthread",
                "collapse",
                "uncollapse",
            ],
        },
        OursCase {
            name: "pipe_reports_exit_status",
            files: M3,
            args: FN,
            rc: "",
            script: "| exit 3\n| cat >/dev/null\n",
            locale: "C.UTF-8",
            stdout_has: &["Fatal error, process exited with code 3."],
            status: 0,
            file_has: &[],
            covers: &[],
        },
    ]
}

/// Replies carry References: (RFC 5322 §3.6.4) after In-Reply-To: the
/// parent's References (or its single In-Reply-To) and its Message-ID;
/// none without a parent Message-ID or for a reply to several messages.
/// Python's email parser reads the header back.
#[test]
fn reply_references() {
    require!(Req::Python3);
    // One reply per run: without a terminal the message ends at EOF.
    let sent: Vec<String> = [
        "r 1\nfirst\n",
        "r 2\nsecond\n",
        "R 3\nthird\n",
        "R 1 2\nboth\n",
    ]
    .iter()
    .map(|script| {
        let o = run_one(
            Path::new(OURS),
            "refs",
            &[("thread.mbox", "box")],
            FN,
            "",
            script,
            "C.UTF-8",
        );
        o.files["sent.log"].clone()
    })
    .collect();
    let head = |m: &str| m.split("\n\n").next().unwrap().to_string();
    let h1 = head(&sent[0]);
    assert!(
        h1.ends_with(
            "In-Reply-To: <m4.0123456789@example.org>\nReferences: <m1.0123456789@example.org> <m2.0123456789@example.org>\n <m3.0123456789@example.org> <m4.0123456789@example.org>"
        ),
        "{h1}"
    );
    assert!(h1.lines().all(|l| l.len() <= 78), "{h1}");
    assert!(
        head(&sent[1]).ends_with(
            "In-Reply-To: <c2@example.org>\nReferences: <c1@example.org> <c2@example.org>"
        ),
        "{}",
        sent[1]
    );
    for m in &sent[2..] {
        assert!(m.contains("Subject: Re:"), "{m}");
        assert!(
            !m.contains("References:") && !m.contains("In-Reply-To:"),
            "{m}"
        );
    }
    // Python's email parser reads the References of the first reply back.
    let msg = sent[0].split_once('\n').unwrap().1.replace("--END--\n", "");
    let py = "import sys, email\nm = email.message_from_bytes(sys.stdin.buffer.read())\nprint(' '.join(m['References'].split()))\n";
    let mut child = Command::new("python3")
        .args(["-c", py])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(msg.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "<m1.0123456789@example.org> <m2.0123456789@example.org> <m3.0123456789@example.org> <m4.0123456789@example.org>"
    );
}

#[test]
fn intended_differences_and_posix_commands() {
    let mut failures = Vec::new();
    for c in ours_only_cases() {
        let o = run_one(
            Path::new(OURS),
            "only",
            c.files,
            c.args,
            c.rc,
            c.script,
            c.locale,
        );
        let mut pos = 0;
        for want in c.stdout_has {
            match o.stdout[pos..].find(want) {
                Some(p) => pos += p + want.len(),
                None => failures.push(format!(
                    "{}: stdout lacks {want:?} (in order)\n{}",
                    c.name, o.stdout
                )),
            }
        }
        if c.stdout_has.is_empty() && !o.stdout.is_empty() {
            failures.push(format!(
                "{}: expected no output, got {:?}",
                c.name, o.stdout
            ));
        }
        if o.status != Some(c.status) {
            failures.push(format!("{}: status {:?}", c.name, o.status));
        }
        for (f, want) in c.file_has {
            match o.files.get(*f) {
                Some(t) if t.contains(want) => {}
                other => failures.push(format!("{}: file {f}: {other:?} lacks {want:?}", c.name)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Debian #550116 class: a child's status must never be lost. 1000 `!true`
/// print no `Fatal error`; every `!false` reports code 1.
#[test]
fn shell_children_status_is_never_lost() {
    let mut script = String::new();
    for _ in 0..1000 {
        script.push_str("!true\n");
    }
    let o = run_one(Path::new(OURS), "race", M3, FN, "", &script, "C.UTF-8");
    assert!(!o.stdout.contains("Fatal error"), "false failure reported");
    assert_eq!(o.stdout.matches("\n!").count(), 1000);
    let mut script = String::new();
    for _ in 0..300 {
        script.push_str("!false\n");
    }
    let o = run_one(Path::new(OURS), "race2", M3, FN, "", &script, "C.UTF-8");
    assert_eq!(
        o.stdout
            .matches("Fatal error, process exited with code 1.\n!\n")
            .count(),
        300
    );
    assert!(!o.stdout.contains("Fatal error in process"));
}

/// A small deterministic generator (64-bit LCG) for the random scripts.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() as usize) % v.len()]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Random command scripts (message lists of every form, flag-changing
/// commands, saving, piping, screens, variables) through both programs.
#[test]
fn random_scripts_match_bsd_mailx() {
    require!(Req::BsdMailx);
    const LISTS: &[&str] = &[
        "",
        "1",
        "2",
        "3-5",
        "$",
        "^",
        ".",
        "*",
        "+",
        "-",
        ":n",
        ":u",
        ":r",
        ":d",
        ":o",
        ":",
        "user3",
        "/long",
        "/",
        "10-12",
        "0",
        "99",
        "1-$",
        "^-.",
        "(1)",
        "\"user\"",
        "3 *",
        "/to:bob",
        "/cc:carol",
        "/:number",
        "\"/message number 2\"",
        "'/x",
        "1 2 3",
        "2-1",
        "3-",
        "^-$ user2",
    ];
    const CMDS: &[&str] = &[
        "p",
        "t",
        "T",
        "P",
        "n",
        "h",
        "d",
        "dp",
        "dt",
        "u",
        "f",
        "si",
        "to",
        "touch",
        "mb",
        "pre",
        "ho",
        "unr",
        "U",
        "new",
        "s",
        "c",
        "w",
        "more",
        "Page",
        "top",
        "from",
        "headers",
        "delete",
        "undelete",
        "size",
        "z",
        "=",
        "mbox",
        "|",
        "set showto",
        "set searchheaders",
        "ignore from",
        "retain subject",
        "set show-rcpt",
        "unset showto",
        "fi",
        "file box",
    ];
    const RCS: &[&str] = &[
        "",
        "set autoprint\n",
        "set hold\n",
        "set append\n",
        "set keepsave\n",
        "set screen=5\n",
    ];
    let count: usize = std::env::var("READ_DIFF_RANDOM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut g = Lcg(0x5eed_1234);
    let mut failures = Vec::new();
    for k in 0..count {
        let system = g.chance(40);
        let fixture = if g.chance(60) { "big.mbox" } else { "m3.mbox" };
        let files: Vec<(&str, &str)> = vec![(fixture, if system { "spool" } else { "box" })];
        let mut args: Vec<&str> = if system {
            vec!["-n"]
        } else {
            vec!["-n", "-f", "box"]
        };
        if g.chance(50) {
            args.insert(1, "-N");
        }
        let rc = g.pick(RCS);
        let mut script = String::new();
        for _ in 0..3 + g.next() % 12 {
            let c = g.pick(CMDS);
            let line = match c {
                "s" | "c" | "w" => format!("{c} {} out{}", g.pick(LISTS), 1 + g.next() % 2),
                "z" => g.pick(&["z", "z-", "z+", "z x"]).to_string(),
                "|" => format!("| {} wc -c", g.pick(&["", "1", "2", "3-4", ":u"])),
                _ if c == "=" || c.contains(' ') || c == "fi" => c.to_string(),
                _ => format!("{c} {}", g.pick(LISTS)).trim_end().to_string(),
            };
            script.push_str(&line);
            script.push('\n');
        }
        script.push_str(g.pick(&["q\n", "x\n", ""]));
        // Leak the strings for the 'static case: tests are short-lived.
        let c = Case {
            name: Box::leak(format!("random #{k}").into_boxed_str()),
            files: Box::leak(files.into_boxed_slice()),
            args: Box::leak(args.into_boxed_slice()),
            rc,
            script: Box::leak(script.into_boxed_str()),
            covers: &[],
            locale: "C.UTF-8",
        };
        if let Some(d) = diff_case(&c) {
            failures.push(format!("{d}--- script:\n{}", c.script));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
