#!/usr/bin/env python3
"""IMAP folder benchmark (bench/imap.sh runs it): mailx-rs, s-nail and GNU
mailutils on the same folder of the loopback Dovecot rig.

Usage (as root, after scripts/dovecot-test-setup.sh and a release build):
    python3 bench/imap.py MAILX N RUNS

1. Imports once: bench/gen-mbox.py's N messages (seed 1) become the
   Maildir++ folder `mxbench` of the rig's user, copied in by Dovecot
   (`doveadm copy`, then one SELECT, then `doveadm index`: see
   import_folder), so every program finds the same indexed folder.
2. For each program, RUNS times (alternating programs, so load from other
   jobs spreads evenly): open the folder and list all headers (`-H`, one
   summary line per message); open and print the last message (`-N`,
   `p $`, `x`); and, on a pty, the time from the end of the open (an
   `echo` answered) to the end of `p $` (the next `echo` answered).
   Wall time of the whole process, peak RSS from GNU time. mailx-rs runs
   twice: "(cold)" with its IMAP header cache removed before each run, and
   plain, a reopen with the cache the cold run wrote.
3. mailx-rs only (it changes the folder): delete every other message and
   quit, RUNS times, each on a fresh copy of the folder (opened twice
   before, so that Dovecot's index is in step; the second open-and-exit is
   the baseline).

4. With MDBOX=1 in the environment, mailx-rs again (list, print after the
   open, delete and quit) on a copy of the folder in Dovecot's mdbox
   format, in a private Dovecot instance on port 2144 (see mdbox()).

Passwords come from files (~/.netrc, ~/.mu-tickets), never the command line.
"""

import imaplib
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import time

MAILX, N, RUNS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
USER, PASS = "mximap", "mximap-secret"
CA = "/etc/dovecot/mxtest-imap-tls/ca.pem"
CONF = "/etc/dovecot/mxtest-imap.conf"
HOME = "/home/" + USER
FOLDER = "mxbench"
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="imap-bench-")


def sh(*args, **kw):
    subprocess.run(args, check=True, **kw)


def import_folder(name):
    """The generated mbox as the folder `name` of the rig's user, delivered
    by Dovecot itself: every message APPENDed over IMAP (MULTIAPPEND of 500
    at a time, LITERAL+), with \\Seen for those whose Status: says RO, as
    LMTP or the LDA would deliver them; then one SELECT (Dovecot moves the
    unread from new/ to cur/, as any reader's first open does) and
    `doveadm index`.

    Until 2026-12-06 the files were written straight into the folder's
    cur/ (names made up in Dovecot's form) and indexed with `doveadm
    index`; the times are the same either way. In both, Dovecot 2.3.19
    keeps base names in its uid list, so once the folder has settled the
    first message text of a session misses (it tries `cur/BASE` for
    `BASE:2,FLAGS`) and rescans cur/: 0.2-0.3 s for 100,000 files for
    any client (docs/BENCHMARKS.md).
    """
    box = os.path.join(tmp, "box.mbox")
    if not os.path.exists(box):
        sh("python3", os.path.join(here, "gen-mbox.py"), box, str(N), "1")
    shutil.rmtree(os.path.join(HOME, "Maildir", "." + name), ignore_errors=True)
    subprocess.run(["doveadm", "-c", CONF, "mailbox", "delete", "-u", USER, name],
                   stderr=subprocess.DEVNULL)
    data = open(box, "rb").read()
    starts = [0]
    pos = 0
    while True:
        pos = data.find(b"\n\nFrom ", pos)
        if pos < 0:
            break
        starts.append(pos + 2)
        pos += 2
    starts.append(len(data))
    n = len(starts) - 1
    imap = imaplib.IMAP4("127.0.0.1", 2143)
    imap.login(USER, PASS)
    imap.create(name)
    sock = imap.socket()
    for b0 in range(0, n, 500):
        tag = b"M%d" % b0
        parts = [tag + b" APPEND " + name.encode()]
        for i in range(b0, min(n, b0 + 500)):
            msg = data[starts[i]:starts[i + 1]]
            msg = msg[msg.index(b"\n") + 1:]  # no From_ line
            seen = b"\nStatus: RO" in b"\n" + msg[: msg.find(b"\n\n")]
            msg = msg.replace(b"\n", b"\r\n")
            parts.append(b" (%s) {%d+}\r\n" % (b"\\Seen" if seen else b"", len(msg)) + msg)
        sock.sendall(b"".join(parts) + b"\r\n")
        while True:
            line = imap.readline()
            if not line:
                raise SystemExit("the server closed the connection during APPEND")
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SystemExit("APPEND: %r" % line)
                break
    imap.select(name)
    imap.logout()
    sh("doveadm", "-c", CONF, "index", "-u", USER, name)
    return n


def home():
    h = os.path.join(tmp, "home")
    os.makedirs(h, exist_ok=True)
    with open(os.path.join(h, ".netrc"), "w") as f:
        f.write("machine localhost login %s password %s\n" % (USER, PASS))
    with open(os.path.join(h, ".mu-tickets"), "w") as f:
        f.write("imap://%s:%s@localhost\n" % (USER, PASS))
    os.chmod(os.path.join(h, ".netrc"), 0o600)
    os.chmod(os.path.join(h, ".mu-tickets"), 0o600)
    rc = os.path.join(tmp, "rc")
    with open(rc, "w") as f:
        f.write("set tls-ca-file=%s\n" % CA)
    return h, rc


H, RC = home()
URL = "imap://%s@localhost:2143/%s" % (USER, FOLDER)
ENV = {"HOME": H, "NETRC": os.path.join(H, ".netrc"), "USER": "bench",
       "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
# mailx-rs twice: "(cold)" without its IMAP header cache (the cache
# directory removed before each run, so it fetches every summary and writes
# the cache), then with the cache the cold run left ("mailx-rs": a reopen).
PROGS = {
    "mailx-rs (cold)": ([MAILX, "-n"], dict(ENV, MAILRC=RC)),
    "mailx-rs": ([MAILX, "-n"], dict(ENV, MAILRC=RC)),
    "s-nail": (["s-nail", "-n", "-S", "v15-compat", "-S", "netrc-lookup",
                "-S", "tls-ca-file=" + CA, "-S", "imap-use-starttls"], dict(ENV, MAILRC="/dev/null")),
    "mailutils": (["mail.mailutils", "-n"], dict(ENV, MAILRC="/dev/null")),
}


# A peer that is not installed is left out (said once).
for _p in [p for p, (c, _) in PROGS.items() if not shutil.which(c[0])]:
    print("%s: not installed, left out" % _p)
    del PROGS[_p]


def cold(prog):
    """Before a cold run: no header cache."""
    if prog.endswith("(cold)"):
        shutil.rmtree(os.path.join(H, ".cache", "mailx"), ignore_errors=True)


def timed(prog, args, stdin=b""):
    cmd, env = PROGS[prog]
    cold(prog)
    # Peak RSS from GNU time (a child of Python would report Python's own
    # RSS at fork time as its peak).
    rssf = os.path.join(tmp, "rss")
    t = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rssf] + cmd + args, env=env,
                         cwd=tmp, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    p.stdin.write(stdin)
    p.stdin.close()
    nbytes = 0
    while True:
        b = p.stdout.read(1 << 16)
        if not b:
            break
        nbytes += len(b)
    status = p.wait()
    dt = time.perf_counter() - t
    rss = int(open(rssf).read().split()[-1])
    return dt, rss, nbytes, status


def print_after_list(prog):
    """Seconds from the end of the open (the program has answered an `echo`
    given after -N) to the end of `p $` (it has answered the next `echo`).
    Output goes to a pty, so that every program writes it as it comes."""
    cmd, env = PROGS[prog]
    cold(prog)
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd + ["-N", "-f", URL], env=dict(env, PAGER="cat"), cwd=tmp,
                         stdin=subprocess.PIPE, stdout=slave, stderr=slave)
    os.close(slave)
    got = b""

    def until(mark):
        nonlocal got
        while mark not in got:
            b = os.read(master, 1 << 16)
            if not b:
                raise SystemExit("%s ended before %r" % (prog, mark))
            got += b
        got = got[got.index(mark) + len(mark):]

    p.stdin.write(b"echo open_done\n")
    p.stdin.flush()
    until(b"open_done")
    t = time.perf_counter()
    p.stdin.write(b"p $\necho print_done\n")
    p.stdin.flush()
    until(b"print_done")
    dt = time.perf_counter() - t
    p.stdin.write(b"x\n")
    p.stdin.close()
    try:
        while os.read(master, 1 << 16):
            pass
    except OSError:
        pass
    p.wait()
    os.close(master)
    return dt


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


n = import_folder(FOLDER)
print("folder %s: %d messages; load average %s" % (FOLDER, n, os.getloadavg()))
res = {p: {"list": [], "print": [], "rss": [], "after": []} for p in PROGS}
for r in range(RUNS):
    for prog in PROGS:
        t, rss, nb, st = timed(prog, ["-H", "-f", URL])
        res[prog]["list"].append(t)
        res[prog]["rss"].append(rss)
        t2, rss2, nb2, st2 = timed(prog, ["-N", "-f", URL], b"p $\nx\n")
        res[prog]["print"].append(t2)
        res[prog]["after"].append(print_after_list(prog))
        if r == 0:
            print("  %-10s list: %d bytes out, status %d; open+print: %d bytes, status %d"
                  % (prog, nb, st, nb2, st2))
print("load average after: %s" % (os.getloadavg(),))
print()
print("| program | open + list all headers (median s) | ratio to mailx-rs cold | ratio to mailx-rs with its cache | open + print last (median s) | print last after the open (median s) | peak RSS of the list (MiB) |")
print("|---|---|---|---|---|---|---|")
base = median(res["mailx-rs (cold)"]["list"])
warm = median(res["mailx-rs"]["list"])
for prog in PROGS:
    l = median(res[prog]["list"])
    print("| %s | %.2f | %.1f× | %.1f× | %.2f | %.3f | %.1f |" % (
        prog, l, l / base, l / warm, median(res[prog]["print"]), median(res[prog]["after"]),
        max(res[prog]["rss"]) / 1024))
print("runs: " + "; ".join("%s list %s" % (p, " ".join("%.2f" % x for x in res[p]["list"]))
                          for p in PROGS))

# Delete every other message and quit (mailx-rs; changes the folder), RUNS
# times, each on a fresh copy of the listed folder (its message files
# hard-linked: Dovecot renames and unlinks them, never writes them; its
# index files copied).
def copy_folder(src, dst):
    s = os.path.join(HOME, "Maildir", "." + src)
    d = os.path.join(HOME, "Maildir", "." + dst)
    shutil.rmtree(d, ignore_errors=True)
    for sub in ("new", "tmp"):
        os.makedirs(os.path.join(d, sub))
    sh("cp", "-al", os.path.join(s, "cur"), os.path.join(d, "cur"))
    for f in os.listdir(s):
        if f.startswith("dovecot"):
            shutil.copy2(os.path.join(s, f), d)
    sh("chown", "-R", USER + ":", d)


url = "imap://%s@localhost:2143/%sdel" % (USER, FOLDER)
evens = [str(i) for i in range(2, n + 1, 2)]
cmds = "".join("d %s\n" % " ".join(evens[i:i + 500]) for i in range(0, len(evens), 500)) + "q\n"
opens, dels = [], []
print()
for r in range(RUNS):
    copy_folder(FOLDER, FOLDER + "del")
    # The first open of the copy syncs Dovecot's index with it; the second
    # is the baseline.
    timed("mailx-rs", ["-N", "-f", url], b"x\n")
    t_open, _, _, _ = timed("mailx-rs", ["-N", "-f", url], b"x\n")
    t_del, rss, _, st = timed("mailx-rs", ["-N", "-f", url], cmds.encode())
    left = len(os.listdir(os.path.join(HOME, "Maildir", "." + FOLDER + "del", "cur")))
    print("mailx-rs delete run %d: open and exit %.2f s; open, delete every other message, "
          "quit %.2f s; peak RSS %.0f MiB, status %d, %d messages left (load %.2f)"
          % (r + 1, t_open, t_del, rss / 1024, st, left, os.getloadavg()[0]))
    opens.append(t_open)
    dels.append(t_del)
print("mailx-rs: open and exit %.2f s; open, delete every other message, quit %.2f s "
      "(medians; so delete+quit %.2f s)" % (median(opens), median(dels),
                                            median([d - o for d, o in zip(dels, opens)])))
shutil.rmtree(os.path.join(HOME, "Maildir", "." + FOLDER + "del"), ignore_errors=True)


# The same on Dovecot's mdbox format, where flags live in Dovecot's index
# and an EXPUNGE only marks the message for a later `doveadm purge`, not in
# file names: a private Dovecot instance (its own configuration, base_dir
# and port 2144, STARTTLS with the rig's certificate, mail in a temporary
# home), the folder copied in with `doveadm import`, stopped at the end.
# The rig itself is not touched.
def mdbox():
    d = os.path.join(tmp, "mdbox")
    run = os.path.join(d, "run")
    home_t = os.path.join(d, "home")
    for x in (run, os.path.join(d, "state"), home_t):
        os.makedirs(x)
    sh("chown", USER + ":", home_t)
    os.chmod(tmp, 0o755)
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write("""protocols = imap
instance_name = mxbench-mdbox
base_dir = %(d)s/run/
state_dir = %(d)s/state/
log_path = %(d)s/log
listen = 127.0.0.1
ssl = yes
ssl_cert = </etc/dovecot/mxtest-imap-tls/server.pem
ssl_key = </etc/dovecot/mxtest-imap-tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u /etc/dovecot/mxtest-imap.passwd
}
userdb {
  driver = static
  args = uid=%(u)s gid=%(u)s home=%(d)s/home/%%u
}
mail_location = mdbox:~/mdbox
namespace inbox {
  inbox = yes
  separator = .
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 2144
  }
  inet_listener imaps {
    port = 0
  }
}
""" % {"d": d, "u": USER})
    sh("dovecot", "-c", conf)
    pidfile = os.path.join(run, "master.pid")
    for _ in range(100):
        if os.path.exists(pidfile) and open(pidfile).read().strip():
            break
        time.sleep(0.05)
    pid = int(open(pidfile).read())
    try:
        src = os.path.join(HOME, "Maildir", "." + FOLDER)
        sh("doveadm", "-c", conf, "import", "-u", USER, "maildir:" + src, "", "all")
        sh("doveadm", "-c", conf, "index", "-u", USER, "INBOX")
        box = os.path.join(home_t, USER, "mdbox")
        tpl = os.path.join(d, "template")
        shutil.move(box, tpl)
        url = "imap://%s@localhost:2144/INBOX" % USER
        lists, afters, opens, dels = [], [], [], []
        for r in range(RUNS):
            # Storage files hard-linked (changed only by a purge), the
            # index files copied.
            shutil.copytree(tpl, box, copy_function=os.link)
            for root, _, files in os.walk(box):
                for f in files:
                    if not (os.path.basename(root) == "storage" and f.startswith("m.")):
                        p = os.path.join(root, f)
                        os.unlink(p)
                        shutil.copy2(os.path.join(tpl, os.path.relpath(p, box)), p)
            sh("chown", "-R", USER + ":", box)
            timed("mailx-rs", ["-N", "-f", url], b"x\n")
            t_list, rss, _, _ = timed("mailx-rs", ["-H", "-f", url])
            lists.append(t_list)
            global URL
            URL, saved = url, URL
            afters.append(print_after_list("mailx-rs"))
            URL = saved
            t_open, _, _, _ = timed("mailx-rs", ["-N", "-f", url], b"x\n")
            t_del, _, _, st = timed("mailx-rs", ["-N", "-f", url], cmds.encode())
            opens.append(t_open)
            dels.append(t_del)
            left = subprocess.run(["doveadm", "-c", conf, "mailbox", "status", "-u", USER,
                                   "messages", "INBOX"], capture_output=True, text=True)
            print("mdbox run %d: -H %.2f s (RSS %.0f MiB); print last after the open %.3f s; "
                  "open and exit %.2f s; open, delete every other message, quit %.2f s, "
                  "status %d, left: %s (load %.2f)" % (
                      r + 1, t_list, rss / 1024, afters[-1], t_open, t_del, st,
                      left.stdout.strip(), os.getloadavg()[0]))
            shutil.rmtree(box)
        print("mailx-rs on mdbox (medians): -H %.2f s; print last after the open %.3f s; "
              "delete+quit %.2f s" % (median(lists), median(afters),
                                      median([x - o for x, o in zip(dels, opens)])))
    finally:
        os.kill(pid, 15)


if os.environ.get("MDBOX"):
    print()
    mdbox()
shutil.rmtree(tmp)
