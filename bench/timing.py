"""Timed runs for the bench scripts' Python parts (bench/lib.sh puts this
directory on PYTHONPATH)."""

import os
import subprocess
import time


def timed(cmd, stdin_path, out_path, rss_path, timeout):
    """Runs `cmd` under GNU time (its %M into `rss_path`) with stdin from
    `stdin_path` and stdout into `out_path`, killing it after `timeout`
    seconds. Returns (wall seconds or None when killed, peak RSS in KiB,
    user + system CPU seconds).

    Wall time is measured around the run; GNU time reports the program's
    own peak RSS (wait4 from Python would count Python's pages: the kernel
    keeps the high-water mark across exec); the CPU time is the program's
    (plus the little of time and of whatever `cmd` runs it through) from
    wait4."""
    argv = ["/usr/bin/time", "-f", "%M", "-o", rss_path] + cmd
    with open(stdin_path, "rb") as fin, open(out_path, "wb") as fout:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=subprocess.DEVNULL)
        killed = False
        while True:
            pid, _status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                p.kill()
                killed = True
                _pid, _status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t0
        # Reaped with wait4: keep Popen from waiting for it again.
        p.returncode = 0
    try:
        m = int(open(rss_path).read().split()[-1])
    except (OSError, ValueError, IndexError):
        m = 0
    return (None if killed else wall), m, ru.ru_utime + ru.ru_stime


def loadavg():
    """The 1, 5 and 15 minute load averages."""
    return " ".join(open("/proc/loadavg").read().split()[:3])


def rounds(progs, ops, n_rounds, one, timeout, progress):
    """Runs `one(name, op)`, which gives (wall or None, peak RSS in KiB,
    None or why the run failed, CPU), round by round: round r runs every
    op for every program with more than r rounds (`n_rounds(name)`), but
    not again for a program and op that failed. Prints
    `progress(r, op, name, wall, rss, cpu)` (plus the failure) for each
    run. Returns (walls, cpus, peak RSS, failures), keyed by (program, op);
    a timeout's failure reads "> N s"."""
    walls = {(p, op): [] for p in progs for op in ops}
    cpus = {(p, op): [] for p in progs for op in ops}
    rss = {(p, op): 0 for p in progs for op in ops}
    errs = {}
    for r in range(max((n_rounds(p) for p in progs), default=0)):
        for op in ops:
            for name in progs:
                if r >= n_rounds(name) or (name, op) in errs:
                    continue
                wall, m, err, cpu = one(name, op)
                tag = "" if err is None else f"  FAILED: {err}"
                print(progress(r, op, name, wall, m, cpu) + tag, flush=True)
                rss[(name, op)] = max(rss[(name, op)], m)
                if err == "timeout":
                    errs[(name, op)] = f"> {timeout:.0f} s"
                elif err:
                    errs[(name, op)] = err
                else:
                    walls[(name, op)].append(wall)
                    cpus[(name, op)].append(cpu)
    return walls, cpus, rss, errs
