#!/usr/bin/env bash
# Sorting and threads on the big mbox: ours (release) vs s-nail, interleaved
# round by round (each round runs every operation once for each program).
#
# Usage: bash bench/sort.sh            (from the repository root)
# Environment:
#   MSGS=100000      messages in the generated mailbox (bench/gen-mbox.py
#                    with `threads`: about 60% are replies, so threads are
#                    real; about 1 GiB)
#   ROUNDS=5         rounds for ours
#   SLOW_ROUNDS=3    rounds for s-nail
#   TIMEOUT=600      seconds before a run is killed (reported as "> N s")
#   BOX=path         use this mailbox instead of generating one
#   KEEP=1           keep the work directory
#   PROGRAMS="ours ours-nocache s-nail"
#                    ours-nocache: ours with `set noheadercache`, so that
#                    a mailbox over 256 MiB reads its header blocks at each
#                    first sort (ours: from the cache the first run made)
#
# Operations (stdin of each program, `-N -n -f BOX`, output to a file that
# is checked afterwards):
#   open       `x`                          open the mailbox and leave
#   date+list  `sort date`, `from *`, `x`   sort by date, list every message
#   thread+list `sort thread`, `from *`, `x` thread, list every message
#   subject    `sort subject`, `x`          sort by subject
# The table gives the median wall time of each and that time minus the
# median of `open` ("after it is open", what the issue's targets are
# about), the ratio s-nail / ours of those, and the peak RSS (GNU time's
# %M); then the same for the user + system CPU time of the runs, which
# the load of other programs distorts less. Needs `time` (/usr/bin/time).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
MSGS=${MSGS:-100000}
bench_setup sort
mkdir -m 777 "$W/home"
if [ -n "${BOX:-}" ]; then
    cp "$BOX" "$W/ro.mbox"
else
    python3 bench/gen-mbox.py "$W/ro.mbox" "$MSGS" 1 threads
fi
chmod 444 "$W/ro.mbox"

python3 - "$W" "${PROGRAMS:-ours ours-nocache s-nail}" <<'PY'
import os, statistics, subprocess, sys, time
from timing import loadavg, rounds, timed

W = sys.argv[1]
wanted = sys.argv[2].split()
rounds_fast = int(os.environ.get("ROUNDS", "5"))
rounds_slow = int(os.environ.get("SLOW_ROUNDS", "3"))
timeout = float(os.environ.get("TIMEOUT", "600"))
box = f"{W}/ro.mbox"
env = ["env", "-i", f"HOME={W}/home", "USER=root", "LOGNAME=root",
       "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TZ=UTC", "MAILRC=/dev/null"]
open(f"{W}/nocache.rc", "w").write("set noheadercache\n")
progs = {
    "ours": [f"{W}/mailx", "-N", "-n", "-f", box],
    # Without the caches in ~/.cache/mailx: a mailbox over 256 MiB reads
    # its header blocks at the first sort of every session (with them,
    # only of the first session on an unchanged file: `kept_cache`).
    "ours-nocache": ["env", f"MAILRC={W}/nocache.rc", f"{W}/mailx", "-N", "-n", "-f", box],
    "s-nail": ["/usr/bin/s-nail", "-N", "-n", "-f", box],
}
progs = {k: v for k, v in progs.items() if k in wanted and os.path.exists(v[-5])}
slow = {"s-nail"}
n = open(box, "rb").read().count(b"\nMessage-ID: ")
print(f"mailbox: {n} messages, {os.path.getsize(box)} bytes", flush=True)
ops = {
    "open": "x\n",
    "date+list": "sort date\nfrom *\nx\n",
    "thread+list": "sort thread\nfrom *\nx\n",
    "subject": "sort subject\nx\n",
}
for op, text in ops.items():
    open(f"{W}/{op}.cmd", "w").write(text)

def check(op, out):
    lines = open(out, "rb").read().count(b"\n")
    if op.endswith("+list") and lines < n:
        return f"only {lines} lines"
    return None

def one(name, op):
    out = f"{W}/out"
    wall, m, cpu = timed(env + progs[name], f"{W}/{op}.cmd", out, f"{W}/rss", timeout)
    if wall is None:
        return None, 0, "timeout", cpu
    return wall, m, check(op, out), cpu

print(f"load average at the start: {loadavg()}", flush=True)
res, cpus, rss, errs = rounds(
    progs, ops, lambda name: rounds_slow if name in slow else rounds_fast, one, timeout,
    lambda r, op, name, wall, m, cpu:
        f"round {r + 1} {op:12s} {name:7s} {('%.3f s' % wall) if wall else '-':>10s} {m / 1024:7.1f} MiB")
print()
print(f"load average at the end: {loadavg()}")
print("| operation | program | runs | median wall | minus open | s-nail / ours (minus open) | peak RSS |")
print("|---|---|---|---|---|---|---|")
med = {k: statistics.median(v) for k, v in res.items() if v}
for op in ops:
    for name in progs:
        if (name, op) in errs:
            print(f"| {op} | {name} | - | {errs[(name, op)]} | - | - | {rss[(name, op)] / 1024:.1f} MiB |")
            continue
        m = med[(name, op)]
        after = m - med.get((name, "open"), 0)
        ratio = "-"
        if op != "open" and (name, op) in med and ("s-nail", op) in med:
            ours_after = med[(name, op)] - med[(name, "open")]
            sn_after = med[("s-nail", op)] - med[("s-nail", "open")]
            ratio = f"{sn_after / ours_after:.1f}x" if ours_after > 0 else "-"
        print(f"| {op} | {name} | {len(res[(name, op)])} | {m:.3f} s | {after:.3f} s | {ratio if name.startswith('ours') else ''} | {rss[(name, op)] / 1024:.1f} MiB |")
print()
print("CPU time (user + system), medians of the same runs:")
print("| operation | program | median CPU | minus open | s-nail / ours (minus open) |")
print("|---|---|---|---|---|")
cmed = {k: statistics.median(v) for k, v in cpus.items() if v}
for op in ops:
    for name in progs:
        if (name, op) not in cmed:
            continue
        c = cmed[(name, op)]
        after = c - cmed.get((name, "open"), 0)
        ratio = ""
        if name.startswith("ours") and op != "open" and ("s-nail", op) in cmed and after > 0:
            sn_after = cmed[("s-nail", op)] - cmed[("s-nail", "open")]
            ratio = f"{sn_after / after:.1f}x"
        print(f"| {op} | {name} | {c:.3f} s | {after:.3f} s | {ratio} |")
PY
