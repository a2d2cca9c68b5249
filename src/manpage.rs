//! The mailx(1) manual page, generated from the same tables the program
//! uses (options, commands, tilde escapes, variables), so they cannot drift.
//! `man/mailx.1` is this function's output; a test fails when they differ
//! (regenerate with `UPDATE_MAN=1 cargo test --test manpage`).

use crate::cli::OPTS;
use crate::compose::TILDE_ESCAPES;
use crate::interp::table::COMMANDS;
use crate::vars::{KNOWN, VarKind};

/// Escapes text for roff: backslashes, leading dots and quotes, hyphens.
fn esc(s: &str) -> String {
    let mut out = s.replace('\\', "\\e").replace('-', "\\-");
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

/// The whole page in man(7) format.
pub fn render() -> String {
    let mut m = String::new();
    m.push_str(".\\\" Generated from the program's tables by src/manpage.rs; do not edit.\n");
    m.push_str(&format!(
        ".TH MAILX 1 \"\" \"mailx-rs {}\" \"User Commands\"\n",
        env!("CARGO_PKG_VERSION")
    ));
    m.push_str(".SH NAME\nmailx, mail, Mail \\- send and read mail (a drop-in replacement for bsd\\-mailx)\n");
    m.push_str(".SH SYNOPSIS\n");
    m.push_str(".B mail\n[\\-dEIinv] [\\-a header] [\\-A file] [\\-b bcc\\-addr] [\\-c cc\\-addr] [\\-r from\\-addr] [\\-S var[=value]] [\\-s subject] [\\-\\-] to\\-addr ...\n.br\n");
    m.push_str(".B mail\n[\\-dEHIiNnv] [\\-S var[=value]] \\-f [name]\n.br\n");
    m.push_str(".B mail\n[\\-dEeHIiNnv] [\\-S var[=value]] [\\-u user]\n");
    m.push_str(".SH DESCRIPTION\n");
    m.push_str(
        "With recipients, \\fBmail\\fR reads a message from standard input and hands it to \\fBsendmail\\fR(8) \
as \\fBsendmail \\-i \\-t\\fR, never with recipients on its command line. When standard input is a \
terminal (or with \\fB\\-I\\fR) it prompts and accepts tilde escapes; from a pipe the text is sent as is. \
Every send reports exactly what sendmail did: a failure prints \\fICan't send mail: sendmail process failed\\fR \
(with the exit code when there is one), exits 1 and appends the whole message to \\fIdead.letter\\fR.\n.PP\n\
Without recipients, \\fBmail\\fR reads the system mailbox (or the file given with \\fB\\-f\\fR), prints a \
header summary and reads commands. On a terminal the \\fB&\\fR prompt is a line editor (emacs keys, \
arrows) with a history kept across sessions in \\fI~/.mailx_history\\fR (see \\fBhistory\\-file\\fR); \
from a pipe or file, or with \\fBTERM=dumb\\fR, commands are read as plain lines.\n",
    );
    m.push_str(
        ".SH LINE EDITING\n\
On a terminal (standard input and output, \\fBTERM\\fR not \\fBdumb\\fR) the \\fB&\\fR prompt and the \
composer's header prompts (\\fBSubject:\\fR with \\fBask\\fR, \\fBCc:\\fR and \\fBBcc:\\fR with \\fBaskcc\\fR \
and \\fBaskbcc\\fR, and \\fBTo:\\fR, \\fBSubject:\\fR, \\fBCc:\\fR, \\fBBcc:\\fR of \\fB~h\\fR) and the \
SMTP password prompt are read by a line editor (the password with nothing shown and never in the history). \
A header prompt starts with the current value in the line: Enter keeps it, the keys below \
change it. A line longer than the terminal is wide wraps over several rows; wide and combining characters \
take the columns the terminal gives them, and a resize takes effect at the next key.\n\
.TP\n.B Left, Right, Ctrl\\-B, Ctrl\\-F\nMove one character.\n\
.TP\n.B Home, End, Ctrl\\-A, Ctrl\\-E\nMove to the start or end of the line.\n\
.TP\n.B Backspace, Delete, Ctrl\\-D\nDelete the character before or under the cursor \
(Ctrl\\-D on an empty line is end of input).\n\
.TP\n.B Ctrl\\-K, Ctrl\\-U, Ctrl\\-W\nDelete to the end of the line, to its start, the word before the cursor.\n\
.TP\n.B Up, Down, Ctrl\\-P, Ctrl\\-N\nThe previous or next line of the history (at the \\fB&\\fR prompt).\n\
.TP\n.B Ctrl\\-R, Ctrl\\-S\nIncremental search backward or forward through the history, as in readline: \
the prompt becomes \\fI(reverse\\-i\\-search)`text':\\fR, each character typed narrows the search, Ctrl\\-R \
or Ctrl\\-S again finds the next older or newer match, Backspace removes a character of the text, Enter runs \
the line found, Ctrl\\-G or Ctrl\\-C gives back the line as it was, and any other key keeps the line found \
for editing.\n\
.TP\n.B Tab\nAt the \\fB&\\fR prompt, complete the word before the cursor: the first word to a command \
name, after \\fBset\\fR and \\fBunset\\fR to a variable name, after \\fBmail\\fR, \\fBalias\\fR and \
\\fBunalias\\fR to an alias name, after other commands to a file name (\\fI+name\\fR in the \\fBfolder\\fR \
directory, \\fI~/\\fR in the home directory). What all the candidates share is inserted; a second Tab \
lists them. At a header prompt Tab inserts a blank.\n\
.TP\n.B Ctrl\\-L\nClear the screen.\n\
.TP\n.B Ctrl\\-C, Ctrl\\-Z\nAbandon the line; stop the program.\n\
.PP\nThe history is kept in \\fI~/.mailx_history\\fR (\\fBhistory\\-file\\fR), rewritten whole at each new \
line (a new file, mode 0600, renamed over the old) so it holds at most \\fBhistory\\-size\\fR lines. A line \
typed with a leading blank is not kept, nor a \\fBset\\fR of a variable whose name contains \\fBpassword\\fR.\n",
    );
    m.push_str(".SH OPTIONS\n");
    for o in OPTS {
        m.push_str(".TP\n");
        if o.arg.is_empty() {
            m.push_str(&format!(".B {}\n", esc(&o.flag())));
        } else {
            m.push_str(&format!(".BI {} \" {}\"\n", esc(&o.flag()), esc(o.arg)));
        }
        let ext = if o.extension {
            " (Not in bsd\\-mailx.)"
        } else {
            ""
        };
        m.push_str(&format!("{}.{}\n", esc(&capitalize(o.help)), ext));
    }
    m.push_str(".TP\n.B \\-\\-\nEnd of options: every later argument is a recipient, even one starting with \\-.\n");
    m.push_str(".TP\n.B \\-\\-help\nPrint a summary of the options.\n.TP\n.B \\-\\-version\nPrint the version.\n");
    m.push_str(".SH COMMANDS\n");
    m.push_str(
        "Commands may be abbreviated: a word names the first command in this list that starts with it \
(so \\fBp\\fR is \\fBprint\\fR and \\fBfo\\fR is \\fBfolder\\fR). A \\fImsglist\\fR is message numbers, ranges \
(\\fB1\\-5\\fR), \\fB.\\fR \\fB^\\fR \\fB$\\fR \\fB*\\fR \\fB+\\fR \\fB\\-\\fR, \\fB:n :o :r :u :d\\fR \\fB:f\\fR (flagged) \\fB:a\\fR (answered), \\fB/text\\fR, sender names, or \\fB@\\fR\\fIfields\\fR\\fB@\\fR\\fItext\\fR \
(s\\-nail's header search: the comma\\-separated header \\fIfields\\fR, \\fBf t c b s\\fR for From To Cc Bcc Subject, \\fBheader\\fR for all, \\fB~\\fR first to compare addresses only, \
contain \\fItext\\fR decoded and ignoring case; an empty \\fItext\\fR asks that the field exists; \\fB@\\fR\\fItext\\fR alone searches Subject and From).\n",
    );
    m.push_str(
        ".PP\nWith the \\fBheadline\\fR variable set, header summary lines follow its format as in s\\-nail: \
\\fB%m\\fR number, \\fB%a\\fR status letter, \\fB%>\\fR \\fB%<\\fR the current\\-message mark, \\fB%f\\fR sender, \\fB%d\\fR date (see \\fBdatefield\\fR), \
\\fB%l\\fR lines, \\fB%o\\fR bytes, \\fB%s\\fR subject, \\fB%S\\fR subject in quotes, \\fB%i\\fR thread tree, \\fB%e\\fR thread level, \\fB%t\\fR position, \\fB%%\\fR a percent sign; \
\\fB%20f\\fR right\\-aligns in 20 columns, \\fB%\\-20f\\fR left\\-aligns, and \\fB%s\\fR without a width takes the rest of the line. \
For example: \\fBset headline=\"%>%a%m %\\-18f %16d %4l/%\\-5o %i%\\-s\"\\fR.\n",
    );
    m.push_str(
        "After \\fBsort\\fR or \\fBthread\\fR a message keeps its number, but the header summary, \\fBz\\fR, \
\\fBnext\\fR, \\fB+\\fR \\fB\\-\\fR \\fB^\\fR \\fB$\\fR, ranges and multi\\-message commands go through \
the messages in the sorted order (\\fBdate\\fR: the \\fBDate:\\fR field, else the delivery date; \\fBsubject\\fR \
without \\fBRe:\\fR/\\fBFwd:\\fR, case ignored; sorts are stable). Threads follow \\fBIn\\-Reply\\-To:\\fR and \
\\fBReferences:\\fR, show s\\-nail's tree marks before the subject and can be collapsed; \\fBunsort\\fR \
returns to file order.\n",
    );
    for c in COMMANDS {
        m.push_str(".TP\n");
        m.push_str(&format!(".BI \"{}\"", esc(c.name)));
        if !c.args.is_empty() {
            m.push_str(&format!(" \" {}\"", esc(c.args)));
        }
        m.push('\n');
        m.push_str(&format!("{}.\n", esc(&capitalize(c.help))));
    }
    m.push_str(".SH TILDE ESCAPES\nWhile composing interactively, a line starting with the escape character (\\fB~\\fR) is a command:\n");
    for e in TILDE_ESCAPES {
        m.push_str(".TP\n");
        if e.args.is_empty() {
            m.push_str(&format!(".B \"{}\"\n", esc(e.name)));
        } else {
            m.push_str(&format!(".BI \"{}\" \" {}\"\n", esc(e.name), esc(e.args)));
        }
        m.push_str(&format!("{}\n", esc(e.help)));
    }
    m.push_str(".SH VARIABLES\nSet with \\fBset\\fR in a start\\-up file or with \\fB\\-S\\fR. Of the environment, only \
DEAD, EDITOR, LISTER, MBOX, PAGER, REPLYTO, SHELL and VISUAL are imported (plus HOME, USER, LOGNAME, MAIL and XDG_CACHE_HOME, read directly).\n");
    for d in KNOWN {
        let kind = match d.kind {
            VarKind::Bool => "",
            VarKind::Text => " (string)",
            VarKind::Number => " (number)",
        };
        m.push_str(&format!(
            ".TP\n.B {}\n{}{}.\n",
            esc(d.name),
            esc(&capitalize(d.help)),
            kind
        ));
    }
    m.push_str(
        ".SH FILES\n.TP\n.I /etc/mail.rc\nSystem start\\-up file (skipped with \\fB\\-n\\fR).\n\
.TP\n.I ~/.mailrc\nUser start\\-up file (or \\fB$MAILRC\\fR).\n\
.TP\n.I /var/mail/user\nSystem mailboxes, locked with fcntl(2) and a \\fI.lock\\fR file as MTAs lock them.\n\
.TP\n.I ~/mbox\nRead messages are moved here at quit (or \\fB$MBOX\\fR).\n\
.TP\n.I ~/Maildir/\nA directory with \\fIcur/\\fR, \\fInew/\\fR and \\fItmp/\\fR is a Maildir wherever a folder is named (\\fB\\-f\\fR, \\fBMAIL\\fR, \\fBMBOX\\fR, \\fB+name\\fR, \\fBsave\\fR/\\fBcopy\\fR targets, \\fBrecord\\fR). Messages are the files in \\fInew/\\fR (new) and \\fIcur/\\fR, in delivery order; the summary's date is the delivery time from the file name, the size and lines those of the file. Flags live in the names: \\fBS\\fR read, \\fBR\\fR replied, \\fBF\\fR flagged (\\fBflag\\fR, \\fBunflag\\fR); all others are kept. Seen messages move to \\fIcur/\\fR at quit, deleted ones are removed. Messages saved into a Maildir are written to \\fItmp/\\fR, synced and renamed into place; a new folder name ending in \\fB/\\fR (or any new folder with \\fBnewfolders=maildir\\fR) is created as a Maildir.\n\
.TP\n.I ~/.cache/mailx/maildir\\-*\nThe Maildir header cache (or \\fB$XDG_CACHE_HOME\\fR\\fI/mailx/\\fR), one file per Maildir (named after its canonical path): for each message file, what the header summary needs (size, lines, sender, From, Sender, Subject, To), so a big Maildir opens and lists without reading every file. An optimisation only: a record is used only for a file of the very same name whose size and mtime are unchanged (a file changed within a second of the cache being written is not recorded); a damaged cache, one of another folder or version, is ignored and rewritten; one that cannot be written is not. Written to a temporary file and renamed; at most 512 MiB. \\fBnoheadercache\\fR turns it off.\n\
.TP\n.I ~/.cache/mailx/\nThe index of an mbox of 16 to 256 MiB (offsets, counts and the fields of the header summary; \\fB$XDG_CACHE_HOME\\fR/mailx if that is set), so that opening it again need not read the whole file. It is used only while the mailbox's size, inode and change times are the ones recorded and every message's From_ line is where it was; otherwise the mailbox is read as always. Removing it is always safe; \\fBnoheadercache\\fR turns it off.\n\
.TP\n.I ~/.cache/mailx/kept\\-*\nFor an mbox over 256 MiB, whose summary fields are not kept when it is opened: the fields the first \\fBsort\\fR or \\fBthread\\fR of a session read from every message's header (the From_ line's sender and date; From, Sender, Subject, Subj, Date; hashes of the message IDs), so that the next session's first sort of the same, unchanged file reads one file instead of every header. Used only while the mailbox's size, inode and change times are the ones recorded and it is indexed as it was then (every From_ line where it was, the sampled bytes unchanged; a file changed within two seconds of being read is not recorded); a damaged cache is ignored. Directory 0700, file 0600, written to a temporary file and renamed; about 20 MB for a 1 GiB mailbox of 100,000 messages. \\fBnoheadercache\\fR turns it off.\n\
.TP\n.I ~/.cache/mailx/imap\\-*\nThe IMAP header cache (or \\fB$XDG_CACHE_HOME\\fR\\fI/mailx/\\fR), one file per server, user and mailbox (named after a hash of them): the mailbox's UIDVALIDITY and, for each UID, the header fields of the summary, the size and the arrival time, so that opening the mailbox again fetches only the summaries of messages that came since. Which messages there are and their flags are always asked of the server (UID FETCH 1:* (UID FLAGS)): a record is used only for a UID the server lists, records of UIDs that are gone are dropped, and a cache of another UIDVALIDITY, damaged (checksum) or of another mailbox is ignored and rewritten. Directory 0700, file 0600, written to a temporary file and renamed; never a password. \\fBnoheadercache\\fR turns it off; \\fBverbose\\fR tells what it did.\n\
.TP\n.I imap://[user@]host[:port][/folder], imaps://...\nA folder on an IMAP server, wherever a folder is named (\\fB\\-f\\fR, \\fBMAIL\\fR, \\fBfolder\\fR/\\fBfile\\fR, \\fB+name\\fR under \\fBfolder=imaps://host/\\fR, \\fBsave\\fR/\\fBcopy\\fR targets); the folder defaults to INBOX. \\fBimap://\\fR uses STARTTLS and refuses to log in without it unless the host is loopback or \\fBimap\\-allow\\-plaintext\\fR is set; \\fBimaps://\\fR is TLS on port 993. Certificates are checked against the system store and \\fBtls\\-ca\\-file\\fR, with the host name. The password comes from \\fBimap\\-auth\\-password\\-command\\fR, \\fBimap\\-auth\\-password\\fR, the URL, \\fI~/.netrc\\fR or a prompt, as for SMTP. The summary is one UID FETCH (the lines column shows 0 until a message has been fetched); a message is fetched with BODY.PEEK when shown (one over 1 MiB into a private temporary file whose name is removed at once, not into memory); read, answered, flagged and deleted states reach the server at \\fBquit\\fR (deletions with \\\\Deleted and EXPUNGE, UID EXPUNGE when another client marked messages too), never at \\fBexit\\fR. \\fBsave\\fR/\\fBcopy\\fR use UID COPY on the same server and APPEND otherwise; \\fBinc\\fR asks with NOOP, and so does \\fBautoinc\\fR, at most every \\fBimap\\-newmail\\-interval\\fR seconds unless the server has already told of new mail; \\fBfolders\\fR lists the server's folders when \\fBfolder\\fR is such a URL. Folder names outside ASCII are sent and shown as UTF-8 (modified UTF-7 on the wire).\n\
.TP\n.I ~/dead.letter\nUnsent messages (or \\fB$DEAD\\fR).\n\
.TP\n.I ~/.mailx_history\nThe prompt's command history (or \\fBhistory\\-file\\fR), mode 0600.\n",
    );
    m.push_str(
        ".SH EXIT STATUS\n0 on success, also when the user aborts a message. 1 when sendmail fails, for usage errors, \
and when there is no mail to read (\\fINo mail for user\\fR). With \\fB\\-e\\fR and no recipients: 0 if there is mail, 1 if not.\n",
    );
    m.push_str(
        ".SH COMPATIBILITY\nOptions, commands, variables, messages and exit codes follow Debian's bsd\\-mailx. \
Deliberate differences are listed in docs/COMPATIBILITY.md of the source; the main ones: dead.letter always \
holds the whole message after a failed send; CR and LF never reach a header from \\-c, \\-b, \\-r or a recipient; \
non\\-ASCII headers are RFC 2047 encoded and bodies are labelled with their real charset; \\-A attaches files; \
\\-S, \\-H, \\-e (without recipients) and the POSIX commands Copy, Save, followup, Followup and unalias are added; \
children's exit statuses are never lost (Debian bug #550116 and its relatives).\n",
    );
    m.push_str(".SH SEE ALSO\nsendmail(8), bsd\\-mailx(1), s\\-nail(1)\n");
    m
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
