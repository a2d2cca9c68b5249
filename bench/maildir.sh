#!/usr/bin/env bash
# Maildir operations on a big Maildir: ours (release) vs s-nail vs GNU
# mailutils, interleaved round by round (every round runs each operation
# once for each program, so load from other jobs spreads over all of them).
#
# Usage: bash bench/maildir.sh            (from the repository root)
#        MSGS=10000 bash bench/maildir.sh (10,000 messages, about 130 MB)
# Environment:
#   MSGS=100000        messages in the generated Maildir (about 1.3 GiB on
#                      disk; bench/gen-maildir.py: the messages of
#                      bench/gen-mbox.py, one file each, all in new/)
#   ROUNDS=5           rounds for ours (and ours without the header cache)
#   SLOW_ROUNDS=3      rounds for s-nail and mailutils (they take seconds)
#   TIMEOUT=300        seconds before a run is killed (reported as "> N s")
#   DIR=path           use this Maildir instead of generating one (it must
#                      be bench/gen-maildir.py output: the checks use its
#                      subjects)
#   KEEP=1             keep the work directory
#   PROGRAMS="ours ours-nocache s-nail mailutils"
#   OPS="list last del read"   the operations to run (all by default)
#
# Operations (stdin of each program; output to a file, checked afterwards):
#   list   `from *` then `x`        every header summary line
#   last   `p $` then `x`           print the last message
#   del    `d 1 3 5 ...` (100 numbers per line) then `q`: delete every
#          other message; the others stay (in new/)
#   read   `touch *` then `q` (s-nail: `seen *`, as its `touch` does not
#          count as seen): every message seen, so quit moves all of them
#          from new/ to cur/ (100,000 renames)
# Programs: ours `mailx -N -n -f DIR` (its header cache warm: see below);
# ours-nocache the same with `set noheadercache` (every file read at
# open: what the first session on a Maildir costs); `s-nail -N -n -R -f
# DIR` for list and last, without -R for del and read; `mail.mailutils
# -N -n -f DIR`.
#
# The page cache is warm (ours reads every file of the Maildir in an
# untimed first run of list and last). list and last read a
# root-owned copy (directories 0755, files 0444) that no program may
# change; the programs run as nobody. del and read get a fresh copy at the
# same path for every run, made before the clock starts: for ours a copy
# of the directories with the files hard-linked (`cp -al`; it renames and
# removes files, never writes one in place, and the files stay root-owned
# 0444, so it could not), for s-nail and mailutils a full copy (`cp -a`,
# files owned by nobody: mailutils may rewrite files, and s-nail moves a
# file with link() and unlink(), which the kernel's protected_hardlinks
# refuses for a file of another user). Each result is
# checked: del must leave exactly the messages with even numbers, read
# must leave new/ empty and every message in cur/.
#
# The header cache of ours is warm as a user's would be: it is what ours
# itself wrote in an earlier session on the same Maildir (for list and
# last, the untimed first run; for del and read, an untimed `x` run on a
# fresh copy at the run path, whose cache file is put back before every
# timed run, since the timed run rewrites it).
#
# Wall time: measured in Python around the run. Peak RSS: GNU time's %M.
# CPU: user + system time of the run from wait4 (the program's, plus the
# little of time, setpriv and env); on a machine shared with other jobs
# it moves less than the wall time. Needs `time` (/usr/bin/time).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "run as root (the programs run as nobody on root-owned copies)" >&2; exit 1; }
MSGS=${MSGS:-100000}
bench_setup maildir
mkdir -m 777 "$W/home" "$W/home2" "$W/run"
echo "set noheadercache" > "$W/nocache.rc"
chmod 644 "$W/nocache.rc"

if [ -n "${DIR:-}" ]; then
    cp -a "$DIR" "$W/ro"
else
    avail=$(df --output=avail -k /tmp | tail -1)
    need=$(( MSGS * 14 * 4 ))   # KiB: the Maildir, a full copy, the mbox made on the way
    if [ "$avail" -lt "$need" ]; then
        echo "not enough space in /tmp: ${avail} KiB free, ${need} KiB needed" >&2
        exit 1
    fi
    python3 bench/gen-maildir.py "$W/ro" "$MSGS"
fi
chown -R root:root "$W/ro"
find "$W/ro" -type d -exec chmod 755 {} +
find "$W/ro" -type f -exec chmod 444 {} +

python3 - "$W" "${PROGRAMS:-ours ours-nocache s-nail mailutils}" <<'PY'
import os, re, shutil, statistics, subprocess, sys, time
from timing import loadavg, rounds, timed

W = sys.argv[1]
wanted = sys.argv[2].split()
rounds_fast = int(os.environ.get("ROUNDS", "5"))
rounds_slow = int(os.environ.get("SLOW_ROUNDS", "3"))
timeout = float(os.environ.get("TIMEOUT", "300"))
ro = f"{W}/ro"
box = f"{W}/run/box"
NOBODY = 65534
pre = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

def env(home, rc="/dev/null"):
    return ["env", "-i", f"HOME={home}", "USER=nobody", "LOGNAME=nobody",
            "PATH=/usr/bin:/bin", "LANG=C.UTF-8", f"MAILRC={rc}"]

def argv(name, op, path):
    home = f"{W}/home" if op in ("list", "last") else f"{W}/home2"
    if name == "ours":
        return env(home) + [f"{W}/mailx", "-N", "-n", "-f", path]
    if name == "ours-nocache":
        return env(home, f"{W}/nocache.rc") + [f"{W}/mailx", "-N", "-n", "-f", path]
    if name == "s-nail":
        ro_flag = ["-R"] if op in ("list", "last") else []
        return env(home) + ["/usr/bin/s-nail", "-N", "-n"] + ro_flag + ["-f", path]
    return env(home) + ["/usr/bin/mail.mailutils", "-N", "-n", "-f", path]

exe = {"ours": f"{W}/mailx", "ours-nocache": f"{W}/mailx",
       "s-nail": "/usr/bin/s-nail", "mailutils": "/usr/bin/mail.mailutils"}
progs = [p for p in ["ours", "ours-nocache", "s-nail", "mailutils"]
         if p in wanted and os.path.exists(exe[p])]
slow = {"s-nail", "mailutils"}

def number(path):
    with open(path, "rb") as f:
        head = f.read(8192)
    m = re.search(rb"\nSubject: [^\n]*#(\d+)\n", head)
    return int(m.group(1)) if m else None

names = sorted(os.listdir(f"{ro}/new"))
n = len(names)
assert os.listdir(f"{ro}/cur") == [] and n > 0, "DIR is not bench/gen-maildir.py output"
assert number(f"{ro}/new/{names[-1]}") == n, "DIR is not bench/gen-maildir.py output"
size = sum(os.path.getsize(f"{ro}/new/{x}") for x in names)
print(f"Maildir: {n} messages, {size} bytes ({size / 2**30:.2f} GiB) in files", flush=True)

dels = list(range(1, n + 1, 2))
cmds = {
    "list": "from *\nx\n",
    "last": "p $\nx\n",
    "del": "".join("d " + " ".join(map(str, dels[k:k + 100])) + "\n"
                   for k in range(0, len(dels), 100)) + "q\n",
    "read": "touch *\nq\n",
}
ops = os.environ.get("OPS", "list last del read").split()
cmds = {op: text for op, text in cmds.items() if op in ops}
for op, text in cmds.items():
    with open(f"{W}/{op}.cmd", "w") as f:
        f.write(text)

def check(op, out):
    """None if the run did what it should, else a reason."""
    if op == "list":
        lines = open(out, "rb").read().count(b"\n")
        return None if lines >= n else f"only {lines} lines"
    if op == "last":
        b = open(out, "rb").read()
        return None if re.search(rb"\nSubject: [^\n]*#%d\n" % n, b) else "no last message"
    files = [f"{box}/{s}/{x}" for s in ("new", "cur") for x in os.listdir(f"{box}/{s}")]
    if op == "del":
        kept = sorted(number(p) or 0 for p in files)
        return None if kept == list(range(2, n + 1, 2)) else f"{len(kept)} messages kept, not the even ones"
    left = len(os.listdir(f"{box}/new"))
    incur = len(os.listdir(f"{box}/cur"))
    return None if left == 0 and incur == n else f"{left} left in new/, {incur} in cur/"

def rm(path):
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", path], check=True)

def fresh_copy(name):
    """A fresh copy of the Maildir at `box` for a run of `name` that writes."""
    rm(box)
    if name in ("s-nail", "mailutils"):
        subprocess.run(["cp", "-a", ro, box], check=True)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", box], check=True)
    else:
        subprocess.run(["cp", "-al", ro, box], check=True)
        for d in ("", "/cur", "/new", "/tmp"):
            os.chown(box + d, NOBODY, NOBODY)
            os.chmod(box + d, 0o700)
    os.sync()

cache2 = f"{W}/cache2"
def restore_cache():
    rm(f"{W}/home2/.cache")
    if os.path.exists(cache2):
        subprocess.run(["cp", "-a", cache2, f"{W}/home2/.cache"], check=True)

with open(f"{W}/read-s-nail.cmd", "w") as f:
    f.write("seen *\nq\n")

def one(name, op):
    out = f"{W}/out.{name}.{op}"
    cmdfile = f"{W}/read-s-nail.cmd" if (name, op) == ("s-nail", "read") else f"{W}/{op}.cmd"
    writes = op in ("del", "read")
    if writes:
        fresh_copy(name)
        if name == "ours":
            restore_cache()
        elif name == "ours-nocache":
            rm(f"{W}/home2/.cache")
    path = box if writes else ro
    wall, m, cpu = timed(pre + argv(name, op, path), cmdfile, out, f"{W}/rss", timeout)
    res = (None, m, "timeout", cpu) if wall is None else (wall, m, check(op, out), cpu)
    os.unlink(out)
    return res

# The warm header cache for del and read: ours's own, from an `x`
# session on a fresh copy at the run path.
if "ours" in progs:
    fresh_copy("ours")
    rm(f"{W}/home2/.cache")
    with open(f"{W}/x.cmd", "w") as f:
        f.write("x\n")
    with open(f"{W}/x.cmd", "rb") as fin:
        subprocess.run(pre + argv("ours", "del", box), stdin=fin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    subprocess.run(["cp", "-a", f"{W}/home2/.cache", cache2], check=True)

# Untimed first runs: the page cache warm (every program reads the same
# files), ours's header cache for list and last written.
for op in [o for o in ("list", "last") if o in cmds]:
    for name in [p for p in progs if p not in slow]:
        wall, m, err, _ = one(name, op)
        if err:
            print(f"warm-up {op} {name}: FAILED: {err}", flush=True)

print(f"load average before: {loadavg()}", flush=True)
results, cpus, rss, errs = rounds(
    progs, list(cmds), lambda name: rounds_slow if name in slow else rounds_fast, one, timeout,
    lambda r, op, name, wall, m, cpu:
        f"round {r + 1} {op:4s} {name:12s} {('%.3f s' % wall) if wall else '-':>10s} {m / 1024:8.1f} MiB  cpu {cpu:.3f} s  load {loadavg()}")
rm(box)

print()
print(f"load average at the end: {loadavg()}")
print("| operation | program | runs | median wall | min | max | peak RSS | ours / program | median CPU | ours / program (CPU) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for op in cmds:
    base = statistics.median(results[("ours", op)]) if results.get(("ours", op)) else None
    cbase = statistics.median(cpus[("ours", op)]) if cpus.get(("ours", op)) else None
    for name in progs:
        t = results[(name, op)]
        if (name, op) in errs:
            print(f"| {op} | {name} | - | {errs[(name, op)]} | - | - | {rss[(name, op)] / 1024:.1f} MiB | - | - | - |")
            continue
        med = statistics.median(t)
        inv = f"{base / med:.3f}x" if base else "-"
        cmed = statistics.median(cpus[(name, op)])
        cinv = f"{cbase / cmed:.3f}x" if cbase and cmed else "-"
        print(f"| {op} | {name} | {len(t)} | {med:.3f} s | {min(t):.3f} s | {max(t):.3f} s | {rss[(name, op)] / 1024:.1f} MiB | {inv} | {cmed:.3f} s | {cinv} |")
PY
