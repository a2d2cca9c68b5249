#!/usr/bin/env bash
# Mailbox operations on a big mbox: ours (release) vs bsd-mailx vs s-nail vs
# GNU mailutils, interleaved round by round (every round runs each operation
# once for each program, so load from other jobs spreads over all of them).
#
# Usage: bash bench/mbox.sh            (from the repository root)
#        MSGS=10000 HYPERFINE=1 bash bench/mbox.sh   (the 10,000-message,
#                      100 MiB box: hyperfine first, then the rounds)
# Environment:
#   MSGS=100000        messages in the generated mailbox (about 1 GiB;
#                      10000: about 100 MiB, the first 10,000 messages of
#                      the big one, generated the same way)
#   HYPERFINE=1        before the rounds, time each operation with hyperfine
#                      (`--warmup 2`, medians) for every program: HF_REPEAT
#                      hyperfine runs per operation, each with every program
#                      (in turn forwards and backwards, so load drift does not
#                      favour one), HF_RUNS runs of each; needs hyperfine
#   HF_RUNS=10         runs per program in one hyperfine run
#   HF_REPEAT=5        hyperfine runs per operation
#   ROUNDS=5           rounds for ours and bsd-mailx
#   SLOW_ROUNDS=3      rounds for s-nail and mailutils (they take minutes)
#   TIMEOUT=300        seconds before a run is killed (reported as "> N s")
#   BOX=path           use this mailbox instead of generating one (it must be
#                      bench/gen-mbox.py output: the checks use its subjects)
#   KEEP=1             keep the work directory
#   PROGRAMS="ours bsd-mailx s-nail mailutils"
#   BASELINE=path      also run this mailx binary (say, a build of an older
#                      commit) as "baseline", for before/after in one run
#
# Operations (stdin of each program; output to a file, checked afterwards):
#   list   `from *` then `x`        every header summary line
#   last   `p $` then `x`           print the last message
#   del    `d 1 3 5 ...` (100 numbers per line) then `q`: delete every
#          other message and write the mailbox back
# list and last read a root-owned 0444 copy (so no program writes it:
# mailutils otherwise adds X-IMAPbase/X-UID headers even on `exit`); del gets
# a fresh copy owned by the user for every run, made and fsynced before the
# clock starts, and the result is checked (the messages with even numbers,
# in order, must be left).
#
# Wall time: measured in Python around the run (includes the exec of
# /usr/bin/time, setpriv and env: about a millisecond). Peak RSS: GNU time's
# %M (setpriv and env exec the program in the same process). CPU: user +
# system time of the run from wait4 (the program's, plus the little of time,
# setpriv and env); on a machine shared with other jobs it moves less than
# the wall time. Needs `time`.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
MSGS=${MSGS:-100000}
bench_setup mbox
if [ -n "${BASELINE:-}" ]; then cp "$BASELINE" "$W/baseline"; fi
mkdir -m 777 "$W/home" "$W/run"

if [ -n "${BOX:-}" ]; then
    cp "$BOX" "$W/ro.mbox"
else
    avail=$(df --output=avail -k /tmp | tail -1)
    need=$(( MSGS * 11 * 5 ))   # KiB: the box, two copies, peers' temp copies
    if [ "$avail" -lt "$need" ]; then
        echo "not enough space in /tmp: ${avail} KiB free, ${need} KiB needed" >&2
        exit 1
    fi
    python3 bench/gen-mbox.py "$W/ro.mbox" "$MSGS"
fi
chmod 444 "$W/ro.mbox"

PRE=()
if [ "$(id -u)" = 0 ]; then
    PRE=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    chown nobody:nogroup "$W/run"
fi

python3 - "$W" "${PROGRAMS:-ours bsd-mailx s-nail mailutils}" "${PRE[@]}" <<'PY'
import os, re, resource, shlex, shutil, statistics, subprocess, sys, time, hashlib
from timing import loadavg, rounds, timed

W = sys.argv[1]
wanted = sys.argv[2].split()
pre = sys.argv[3:]
rounds_fast = int(os.environ.get("ROUNDS", "5"))
rounds_slow = int(os.environ.get("SLOW_ROUNDS", "3"))
timeout = float(os.environ.get("TIMEOUT", "300"))
ro = f"{W}/ro.mbox"
run = f"{W}/run"
user = "nobody" if pre else os.environ.get("USER", "root")

env = ["env", "-i", f"HOME={W}/home", f"USER={user}", f"LOGNAME={user}",
       "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "MAILRC=/dev/null"]
progs = {
    "ours": [f"{W}/mailx", "-N", "-n", "-f"],
    "bsd-mailx": ["/usr/bin/bsd-mailx", "-N", "-n", "-f"],
    "s-nail": ["/usr/bin/s-nail", "-N", "-n", "-f"],
    "mailutils": ["/usr/bin/mail.mailutils", "-N", "-n", "-f"],
}
progs = {k: v for k, v in progs.items() if k in wanted and os.path.exists(v[0])}
if os.path.exists(f"{W}/baseline"):
    progs["baseline"] = [f"{W}/baseline", "-N", "-n", "-f"]
slow = {"s-nail", "mailutils"}

# Message count and subjects of the source box.
data = open(ro, "rb").read()
nums = [int(x) for x in re.findall(rb"\nSubject: [^\n]*#(\d+)\n", data)]
n = len(nums)
assert nums == list(range(1, n + 1)), "BOX is not bench/gen-mbox.py output"
size = len(data)
del data
print(f"mailbox: {n} messages, {size} bytes ({size / 2**30:.2f} GiB)", flush=True)
want_kept = hashlib.md5(b",".join(str(i).encode() for i in range(2, n + 1, 2))).hexdigest()

dels = list(range(1, n + 1, 2))
cmds = {
    "list": "from *\nx\n",
    "last": "p $\nx\n",
    "del": "".join("d " + " ".join(map(str, dels[k:k + 100])) + "\n"
                   for k in range(0, len(dels), 100)) + "q\n",
}
for op, text in cmds.items():
    with open(f"{W}/{op}.cmd", "w") as f:
        f.write(text)

def check(op, out, box):
    """None if the run did what it should, else a reason."""
    if op == "list":
        lines = open(out, "rb").read().count(b"\n")
        return None if lines >= n else f"only {lines} lines"
    if op == "last":
        b = open(out, "rb").read()
        return None if re.search(rb"\nSubject: [^\n]*#%d\n" % n, b) else "no last message"
    b = open(box, "rb").read()
    kept = re.findall(rb"\nSubject: [^\n]*#(\d+)\n", b)
    h = hashlib.md5(b",".join(kept)).hexdigest()
    return None if h == want_kept else f"{len(kept)} messages kept, not the even ones"

def one(name, op):
    out = f"{W}/out.{name}.{op}"
    if op == "del":
        box = f"{run}/box.mbox"
        shutil.copyfile(ro, box)
        os.chmod(box, 0o600)
        if pre:
            os.chown(box, 65534, 65534)
        fd = os.open(box, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        os.sync()
    else:
        box = ro
    wall, m, cpu = timed(pre + env + progs[name] + [box], f"{W}/{op}.cmd", out, f"{W}/rss", timeout)
    if wall is None:
        res = (None, m, "timeout", cpu)
    else:
        res = (wall, m, check(op, out, box), cpu)
    if op == "del":
        for f in os.listdir(run):
            os.unlink(os.path.join(run, f))
    os.unlink(out)
    return res

if os.environ.get("HYPERFINE") == "1":
    # hyperfine times one command's runs after the other's, so a change of
    # load in between favours one program: several hyperfine runs per
    # operation, the programs in turn forwards and backwards, all times
    # pooled. Each program does each operation once first, checked like a
    # round's run.
    import json
    hf_runs = os.environ.get("HF_RUNS", "10")
    hf_repeat = int(os.environ.get("HF_REPEAT", "5"))
    for op in cmds:
        for name in progs:
            wall, m, err, _ = one(name, op)
            if err:
                sys.exit(f"{name} {op} failed before hyperfine: {err}")
    print(f"hyperfine: {hf_repeat} x {hf_runs} runs each; load average before: {loadavg()}", flush=True)
    hf = {(name, op): [] for name in progs for op in cmds}
    for op in cmds:
        box = f"{run}/box.mbox" if op == "del" else ro
        for rep in range(hf_repeat):
            args = ["hyperfine", "--warmup", "2", "--runs", hf_runs, "--style", "basic",
                    "--export-json", f"{W}/hf.json"]
            if op == "del":
                # A fresh copy owned by the user, on disk, before each run.
                prep = f"cp {shlex.quote(ro)} {shlex.quote(box)} && chmod 600 {shlex.quote(box)}"
                if pre:
                    prep += f" && chown 65534:65534 {shlex.quote(box)}"
                prep += f" && sync {shlex.quote(box)}"
                args += ["--prepare", prep]
            order = list(progs) if rep % 2 == 0 else list(progs)[::-1]
            for name in order:
                cmd = shlex.join(pre + env + progs[name] + [box]) + f" < {shlex.quote(f'{W}/{op}.cmd')}"
                args += ["-n", name, cmd]
            subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
            for x in json.load(open(f"{W}/hf.json"))["results"]:
                hf[(x["command"], op)] += x["times"]
        print(f"load average after {op}: {loadavg()}", flush=True)
    print()
    print("| operation | program | hyperfine median | runs | ours / program |")
    print("|---|---|---|---|---|")
    for op in cmds:
        base = statistics.median(hf[("ours", op)]) if hf.get(("ours", op)) else None
        for name in progs:
            med = statistics.median(hf[(name, op)])
            ratio = f"{base / med:.3f}x" if base else "-"
            print(f"| {op} | {name} | {med * 1000:.1f} ms | {len(hf[(name, op)])} | {ratio} |")
    print(flush=True)
    if os.environ.get("ROUNDS") == "0":
        sys.exit(0)

results, cpus, rss, errs = rounds(
    progs, list(cmds), lambda name: rounds_slow if name in slow else rounds_fast, one, timeout,
    lambda r, op, name, wall, m, cpu:
        f"round {r + 1} {op:4s} {name:10s} {('%.3f s' % wall) if wall else '-':>10s} {m / 1024:8.1f} MiB")

print()
print(f"load average at the end: {loadavg()}")
print("| operation | program | runs | median wall | ratio to ours | ours / program | min | peak RSS | median CPU | ours / program (CPU) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for op in cmds:
    base = statistics.median(results[("ours", op)]) if results.get(("ours", op)) else None
    cbase = statistics.median(cpus[("ours", op)]) if cpus.get(("ours", op)) else None
    for name in progs:
        t = results[(name, op)]
        if (name, op) in errs:
            print(f"| {op} | {name} | - | {errs[(name, op)]} | - | - | - | {rss[(name, op)] / 1024:.1f} MiB | - | - |")
            continue
        med = statistics.median(t)
        ratio = f"{med / base:.1f}x" if base else "-"
        inv = f"{base / med:.3f}x" if base else "-"
        cmed = statistics.median(cpus[(name, op)])
        cinv = f"{cbase / cmed:.3f}x" if cbase and cmed else "-"
        print(f"| {op} | {name} | {len(t)} | {med:.3f} s | {ratio} | {inv} | {min(t):.3f} s | {rss[(name, op)] / 1024:.1f} MiB | {cmed:.3f} s | {cinv} |")
PY
