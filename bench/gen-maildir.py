#!/usr/bin/env python3
"""Deterministic synthetic Maildir for the Maildir benchmark (bench/maildir.sh).

Usage: python3 bench/gen-maildir.py OUT [MESSAGES] [SEED]
       (defaults: 100000 messages, seed 1; about 1 GiB for 100000)

The messages are those of bench/gen-mbox.py with the same arguments, so the
two benchmarks read the same mail: the mbox is generated into a temporary
file next to OUT and split. Each message becomes one file in OUT/new/ (all
freshly delivered, never seen by a reader): the From_ line is dropped and
its sender kept as a first `Return-Path: <sender>` field; the empty line
that separates mbox messages is not part of the file. The file name is
`T.M<n>P1.bench` (T: the From_ line's time as seconds since the epoch, n:
the message number, 1-based, six digits), so delivery order is message
order; the file's mtime is T. Same arguments -> identical files and names.
"""

import calendar
import os
import subprocess
import sys
import time

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def main():
    out = sys.argv[1]
    n = sys.argv[2] if len(sys.argv) > 2 else "100000"
    seed = sys.argv[3] if len(sys.argv) > 3 else "1"
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(out, sub), mode=0o700, exist_ok=True)
    tmp = out.rstrip("/") + ".gen-mbox.tmp"
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen-mbox.py")
    subprocess.run([sys.executable, gen, tmp, n, seed], check=True)
    newdir = os.path.join(out, "new")
    k = 0
    with open(tmp, "rb") as f:
        msg = []

        def flush():
            nonlocal k
            if not msg:
                return
            k += 1
            first = msg[0]
            # "From addr Www Mmm dd hh:mm:ss yyyy\n"
            parts = first.split()
            sender = parts[1].decode()
            mon = MONTHS.index(parts[3].decode()) + 1
            day = int(parts[4])
            hh, mm, ss = (int(x) for x in parts[5].split(b":"))
            year = int(parts[6])
            t = calendar.timegm((year, mon, day, hh, mm, ss, 0, 0, 0))
            body = msg[1:]
            # The empty line that ends an mbox message is not the message's.
            if body and body[-1] == b"\n":
                body = body[:-1]
            path = os.path.join(newdir, f"{t}.M{k:06d}P1.bench")
            with open(path, "wb") as g:
                g.write(f"Return-Path: <{sender}>\n".encode())
                g.write(b"".join(body))
            os.utime(path, (t, t))
            msg.clear()

        prev_empty = True
        for line in f:
            if line.startswith(b"From ") and prev_empty:
                flush()
            msg.append(line)
            prev_empty = line == b"\n"
        flush()
    os.unlink(tmp)
    print(f"{k} messages in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
