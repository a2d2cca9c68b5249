#!/usr/bin/env python3
"""Interleaved A/B timing of a few commands (say, two builds of mailx and
bsd-mailx), robust to load from other jobs: every round runs each command
once, in reverse order every other round, and the medians are compared.

Usage: python3 bench/ab.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]

COMMAND is split like a shell word list (no shell runs it) and executed
with a clean environment: HOME=$AB_HOME (default: a new temporary
directory), USER=LOGNAME=nobody, PATH=/usr/bin:/bin, LANG=C.UTF-8, plus
AB_ENV ("K=V K=V"). Environment:
  AB_IN    file given as standard input to every run (default /dev/null)
  AB_PREP  shell command run before every run, not timed (say, copying a
           fresh mailbox for a `d`/`q` run)
Output goes to /dev/null. The first three rounds are warm-up. Printed per
command: the median wall time and its ratio to the first command's, the
minimum, the median CPU time (user+system from wait4: the process and the
children it waited for) and its ratio, and the wall ratio in each quarter
of the rounds (they should agree; if not, the load changed a lot).

Example (docs/BENCHMARKS.md, "Start-up and the 100 MiB mailbox"):
  AB_IN=body AB_ENV="MAILRC=rc" python3 bench/ab.py 800 \\
      "bsd=/usr/bin/bsd-mailx -n -s bench a@example.org" \\
      "new=target/release/mailx -n -s bench a@example.org"
"""

import os
import shlex
import statistics
import sys
import tempfile
import time


def main():
    rounds = int(sys.argv[1])
    progs = [a.split("=", 1) for a in sys.argv[2:]]
    stdin_path = os.environ.get("AB_IN", "/dev/null")
    prep = os.environ.get("AB_PREP")
    home = os.environ.get("AB_HOME") or tempfile.mkdtemp(prefix="ab-home.")
    env = {"HOME": home, "USER": "nobody", "LOGNAME": "nobody",
           "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    env.update(kv.split("=", 1) for kv in os.environ.get("AB_ENV", "").split() if kv)
    wall = {n: [] for n, _ in progs}
    cpu = {n: [] for n, _ in progs}
    devnull = os.open("/dev/null", os.O_WRONLY)
    for r in range(rounds + 3):
        for name, cmd in (progs if r % 2 == 0 else progs[::-1]):
            argv = shlex.split(cmd)
            if prep:
                os.system(prep)
            fd = os.open(stdin_path, os.O_RDONLY)
            t0 = time.perf_counter()
            pid = os.fork()
            if pid == 0:
                os.dup2(fd, 0)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                try:
                    os.execve(argv[0], argv, env)
                finally:
                    os._exit(127)
            _, status, ru = os.wait4(pid, 0)
            t = time.perf_counter() - t0
            os.close(fd)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{name} failed (status {status}): {cmd}")
            if r >= 3:
                wall[name].append(t * 1000)
                cpu[name].append((ru.ru_utime + ru.ru_stime) * 1000)

    def quarters(v):
        k = len(v) // 4
        return [statistics.median(v[i * k:(i + 1) * k]) for i in range(4)] if k else []

    first = progs[0][0]
    bw, bc = statistics.median(wall[first]), statistics.median(cpu[first])
    for name, _ in progs:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        q = " ".join(f"{a / b:.3f}" for a, b in zip(quarters(wall[name]), quarters(wall[first])))
        print(f"  {name:14s} wall median {w:8.3f} ms ({w / bw:5.3f}x)  min {min(wall[name]):7.3f}"
              f"   cpu median {c:7.3f} ms ({c / bc:5.3f}x)   by quarter: {q}")
    print("  load average:", " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
