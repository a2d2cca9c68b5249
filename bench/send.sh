#!/usr/bin/env bash
# Send latency: bsd-mailx vs ours (release) vs s-nail vs GNU mailutils, one
# hyperfine run, all four handing the same small message to the same tiny C
# fake sendmail (reads stdin, exits 0). Nothing goes to the network.
#
# Usage: bash bench/send.sh [extra hyperfine args]   (from the repository root)
#        BASELINE=path/to/old/mailx bash bench/send.sh  (also times that binary,
#        as "baseline", for before/after in one run)
#        HF_REPEAT=4 HF_RUNS=100 bash bench/send.sh  (4 hyperfine runs of 100
#        runs per program, pooled; see below)
# Needs: hyperfine, cc; the peers are optional (missing ones are left out).
# As root, every command runs as `nobody` via setpriv (s-nail ignores $HOME
# for root), so all four pay the same setpriv+env start-up cost.
set -euo pipefail

cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }

cargo build --release --quiet

W=$(mktemp -d /tmp/mailx-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"
# A copy, so `nobody` can run it even when the checkout is private.
cp target/release/mailx "$W/mailx"
OURS="$W/mailx"
cat > "$W/sm.c" <<'C'
#include <unistd.h>
int main(void) { char b[65536]; while (read(0, b, sizeof b) > 0) {} return 0; }
C
cc -O2 -o "$W/sm" "$W/sm.c"
mkdir -m 777 "$W/home"
printf 'set sendmail=%s\n' "$W/sm" > "$W/rc"
printf 'Hello,\nthis is a benchmark message.\n' > "$W/body"
chmod 644 "$W/rc" "$W/body"

PRE=""
if [ "$(id -u)" = 0 ]; then
    PRE="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
ENV="env -i HOME=$W/home USER=nobody LOGNAME=nobody PATH=/usr/bin:/bin LANG=C.UTF-8"

names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
[ -x /usr/bin/bsd-mailx ] &&
    add bsd-mailx "$PRE $ENV MAILRC=$W/rc /usr/bin/bsd-mailx -n -s bench a@example.org < $W/body"
add mailx-rs "$PRE $ENV MAILRC=$W/rc $OURS -n -s bench a@example.org < $W/body"
if [ -n "${BASELINE:-}" ]; then
    cp "$BASELINE" "$W/baseline"
    add baseline "$PRE $ENV MAILRC=$W/rc $W/baseline -n -s bench a@example.org < $W/body"
fi
command -v s-nail >/dev/null &&
    add s-nail "$PRE $ENV MAILRC=/dev/null s-nail -n -Smta=$W/sm -s bench a@example.org < $W/body"
command -v mail.mailutils >/dev/null &&
    add mailutils "$PRE $ENV MAILRC=/dev/null mail.mailutils -n -E 'set sendmail=sendmail://$W/sm' -s bench a@example.org < $W/body"

# Each command must succeed once before timing it.
for i in "${!cmds[@]}"; do
    sh -c "${cmds[$i]}" >/dev/null || { echo "${names[$i]} failed: ${cmds[$i]}" >&2; exit 1; }
done

# HF_REPEAT hyperfine runs (default 1), the programs forwards in odd ones
# and backwards in even ones, all times pooled: a change of load between
# one program's runs and the next one's then does not favour one of them.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "${HF_REPEAT:-1}"); do
    args=()
    if [ $((rep % 2)) = 1 ]; then order=("${!cmds[@]}"); else
        order=(); for i in "${!cmds[@]}"; do order=("$i" "${order[@]}"); done; fi
    for i in "${order[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine --warmup 20 --min-runs "${HF_RUNS:-300}" --export-json "$W/r$rep.json" "$@" "${args[@]}"
done

echo
echo "hyperfine medians (ms) and ratio to mailx-rs; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W"/r[0-9]*.json <<'PY'
import json, statistics, sys
times = {}
for f in sys.argv[1:]:
    for x in json.load(open(f))["results"]:
        times.setdefault(x["command"], []).extend(x["times"])
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
base = med.get("mailx-rs")
for name, m in med.items():
    ratio = f"{m / base:.2f}x" if base else "-"
    print(f"  {name:10s} median {m:7.3f} ms   {ratio}")
if "bsd-mailx" in med:
    print(f"  mailx-rs / bsd-mailx: {base / med['bsd-mailx']:.3f}x")
PY

# hyperfine runs one command after the other, so load from other jobs can
# hit one program more than another. This second measurement interleaves
# them (one send of each per round) and is robust to such drift.
ROUNDS=${ROUNDS:-300}
echo
echo "Interleaved: $ROUNDS rounds, one send of each program per round; medians (ms), ratio to mailx-rs:"
printf '%s\n' "${names[@]}" > "$W/names"
printf '%s\n' "${cmds[@]}" > "$W/cmds"
python3 - "$W/names" "$W/cmds" "$ROUNDS" <<'PY'
import statistics, subprocess, sys, time
names = open(sys.argv[1]).read().splitlines()
cmds = open(sys.argv[2]).read().splitlines()
rounds = int(sys.argv[3])
times = {n: [] for n in names}
for _ in range(rounds):
    for n, c in zip(names, cmds):
        t0 = time.perf_counter()
        subprocess.run(c, shell=True, check=True, stdout=subprocess.DEVNULL)
        times[n].append((time.perf_counter() - t0) * 1000)
base = statistics.median(times["mailx-rs"])
for n in names:
    m = statistics.median(times[n])
    print(f"  {n:10s} median {m:7.3f} ms   {m / base:.2f}x   (min {min(times[n]):.3f} ms)")
if "bsd-mailx" in times:
    print(f"  mailx-rs / bsd-mailx: {base / statistics.median(times['bsd-mailx']):.3f}x")
print("  load average:", " ".join(open("/proc/loadavg").read().split()[:3]))
PY
