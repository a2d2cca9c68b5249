#!/usr/bin/env python3
"""Deterministic synthetic mbox for the mailbox benchmarks (bench/mbox.sh).

Usage: python3 bench/gen-mbox.py OUT [MESSAGES] [SEED] [threads]
       (defaults: 100000 messages, seed 1; about 1 GiB for 100000)
       With `threads`, about 60% of the messages are replies (In-Reply-To:
       and References:, up to 10 IDs) to one of the 2,000 before them, for
       bench/sort.sh; everything else is the same bytes as without it.

Same arguments -> byte-identical file (Python's `random` with a fixed seed;
no clock, no environment). Each message has a From_ line with a ctime date,
2-4 Received lines, Date, From (bare or with a display name), To, sometimes
Cc, Subject (some non-ASCII, some RFC 2047), Message-ID, MIME headers, a
Status line on about a third of the messages (`RO` or `O`), and a text body
of 72-column lines whose size follows an exponential distribution with a
mean of about 10 KB (clipped to 120 B .. 400 KB). About one message in five
has a `>From ` line (a quoted `From `) after an empty line in its body;
every message ends with an empty line, as mbox requires.
"""

import random
import sys
import time

WORDS = (
    "the of and to in is you that it he was for on are as with his they at be "
    "this have from or one had by word but not what all were we when your can "
    "said there use an each which she do how their if will up other about out "
    "many then them these so some her would make like him into time has look "
    "two more write go see number no way could people my than first water been "
    "call who oil its now find long down day did get come made may part mailbox "
    "server kernel patch release build report meeting budget invoice schedule"
).split()
NAMES = [
    ("Alice Example", "alice"), ("Bob Builder", "bob"), ("Carol Singer", "carol"),
    ("Dave Null", "dave"), ("Eve Listener", "eve"), ("Frank Castle", "frank"),
    ("Grace Hopper", "grace"), ("Heidi Klum", "heidi"), ("Ivan Petrov", "ivan"),
    ("Judy Garland", "judy"), ("Mallory Mallet", "mallory"), ("Oscar Wilde", "oscar"),
    ("Peggy Sue", "peggy"), ("Trent Reznor", "trent"), ("Victor Hugo", "victor"),
    ("Walter White", "walter"), ("J\u00f6rg M\u00fcller", "joerg"), ("Zo\u00eb Quinn", "zoe"),
]
DOMAINS = ["example.org", "example.com", "mail.example.net", "lists.example.org", "corp.example"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
HOSTS = ["mx1", "mx2", "relay", "smtp", "gw", "filter"]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rnd = random.Random(seed)
    threads = len(sys.argv) > 4 and sys.argv[4] == "threads"
    # A second generator for the replies, so the rest stays byte-identical.
    trnd = random.Random(seed * 7919 + 1)
    recent = []  # (Message-ID, References) of the last messages
    # A pool of body lines, so the body text costs little to produce.
    pool = []
    for _ in range(4096):
        words, ln = [], 0
        target = rnd.randint(20, 72)
        while ln < target:
            w = rnd.choice(WORDS)
            words.append(w)
            ln += len(w) + 1
        line = " ".join(words)
        line = line[0].upper() + line[1:] + "\n"
        # A body line starting with "From " after an empty line would start
        # a new message: quote it as MTAs do (mboxo).
        if line.startswith("From "):
            line = ">" + line
        pool.append(line)
    t = 1_700_000_000  # 2023-11-14 UTC; messages are about 5 minutes apart
    with open(out, "wb") as f:
        buf = []
        size = 0
        for i in range(n):
            t += rnd.randint(1, 600)
            g = time.gmtime(t)
            hh, mm, ss, year, mday = g.tm_hour, g.tm_min, g.tm_sec, g.tm_year, g.tm_mday
            mon = g.tm_mon - 1
            wday = DAYS[g.tm_wday]
            ctime = f"{wday} {MONTHS[mon]} {mday:2d} {hh:02d}:{mm:02d}:{ss:02d} {year}"
            rfc = f"{wday}, {mday} {MONTHS[mon]} {year} {hh:02d}:{mm:02d}:{ss:02d} +0000"
            name, user = rnd.choice(NAMES)
            dom = rnd.choice(DOMAINS)
            addr = f"{user}@{dom}"
            rname, ruser = rnd.choice(NAMES)
            rdom = rnd.choice(DOMAINS)
            h = [f"From {addr} {ctime}\n"]
            for k in range(rnd.randint(2, 4)):
                host = rnd.choice(HOSTS)
                h.append(
                    f"Received: from {host}.{rnd.choice(DOMAINS)} "
                    f"({host}.{rnd.choice(DOMAINS)} [192.0.2.{rnd.randint(1, 254)}])\n"
                    f"\tby mx.{rdom} (Postfix) with ESMTPS id {rnd.getrandbits(40):010X}\n"
                    f"\tfor <{ruser}@{rdom}>; {rfc}\n"
                )
            h.append(f"Date: {rfc}\n")
            r = rnd.random()
            if r < 0.4:
                h.append(f"From: {addr}\n")
            elif r < 0.9:
                h.append(f"From: {name} <{addr}>\n")
            else:
                h.append(f'From: "{name}" <{addr}>\n')
            h.append(f"To: {rname} <{ruser}@{rdom}>\n")
            if rnd.random() < 0.3:
                cn, cu = rnd.choice(NAMES)
                h.append(f"Cc: {cn} <{cu}@{rnd.choice(DOMAINS)}>,\n\t{rnd.choice(NAMES)[1]}@{rdom}\n")
            subj = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 9)))
            r = rnd.random()
            if r < 0.05:
                subj = "Gr\u00fc\u00dfe: " + subj
            elif r < 0.1:
                subj = "=?UTF-8?Q?Caf=C3=A9?= " + subj
            elif r < 0.3:
                subj = "Re: " + subj
            h.append(f"Subject: {subj} #{i + 1}\n")
            mid = f"<{t}.{rnd.getrandbits(32):08x}.{i + 1}@{dom}>"
            h.append(f"Message-ID: {mid}\n")
            if threads:
                refs = []
                if recent and trnd.random() < 0.6:
                    pid, prefs = recent[trnd.randrange(len(recent))]
                    refs = (prefs + [pid])[-10:]
                    h.append(f"In-Reply-To: {pid}\n")
                    h.append("References: " + "\n\t".join(refs) + "\n")
                recent.append((mid, refs))
                if len(recent) > 2000:
                    recent.pop(0)
            h.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n")
            r = rnd.random()
            if r < 0.2:
                h.append("Status: RO\n")
            elif r < 0.33:
                h.append("Status: O\n")
            h.append("\n")
            body_target = min(max(int(rnd.expovariate(1 / 9800)), 120), 400_000)
            blen = 0
            body = []
            quote_at = rnd.randint(1, 8) if rnd.random() < 0.2 else -1
            para = 0
            while blen < body_target:
                k = rnd.randint(2, 8)
                for _ in range(k):
                    line = pool[rnd.getrandbits(12)]
                    body.append(line)
                    blen += len(line)
                body.append("\n")
                blen += 1
                para += 1
                if para == quote_at:
                    line = f">From {rnd.choice(NAMES)[1]} on the list: {rnd.choice(WORDS)}\n"
                    body.append(line)
                    blen += len(line)
            body.append("\n")
            msg = ("".join(h) + "".join(body)).encode()
            buf.append(msg)
            size += len(msg)
            if size > 8 << 20:
                f.write(b"".join(buf))
                buf, size = [], 0
        f.write(b"".join(buf))


if __name__ == "__main__":
    main()
