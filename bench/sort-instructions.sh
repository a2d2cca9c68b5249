#!/usr/bin/env bash
# Instructions (valgrind callgrind's total Ir, all threads) of the
# operations of bench/sort.sh, for programs given on the command line:
# a CPU measure that other programs' load does not change, for a machine
# that is busy. Each operation runs once, after two warm-up opens (so our
# runs find the index cache, as bench/sort.sh's later rounds do); "after
# open" subtracts the `x` run. Same environment and stdin as bench/sort.sh.
#
# Usage: bash bench/sort-instructions.sh PROGRAM...   (from the repository root)
#   e.g. bash bench/sort-instructions.sh target/release/mailx /usr/bin/s-nail
# Environment:
#   MSGS=10000   messages of the generated mailbox (bench/gen-mbox.py with
#                `threads`; 10,000 take about 10 s a program under callgrind
#                for ours, a minute for s-nail)
#   BOX=path     use this mailbox instead of generating one
set -euo pipefail

command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/home"
if [ -n "${BOX:-}" ]; then
    cp "$BOX" "$W/ro.mbox"
else
    python3 bench/gen-mbox.py "$W/ro.mbox" "${MSGS:-10000}" 1 threads
fi
# An mbox changed in the last seconds is not put in our index cache: age it.
touch -d '1 hour ago' "$W/ro.mbox"
chmod 444 "$W/ro.mbox"
# Its ctime is now, and a file changed less than 2 s before a scan is not
# cached either (index_cache::SETTLE): wait, so the warm-up writes it.
sleep 3
ops=("open|x" "date+list|sort date\nfrom *\nx" "thread+list|sort thread\nfrom *\nx"
    "subject|sort subject\nx" "list|from *\nx")
run() { # program, stdin text -> Ir
    printf "$2\n" >"$W/cmd"
    env -i HOME="$W/home" USER=root LOGNAME=root PATH=/usr/bin:/bin LANG=C.UTF-8 \
        TZ=UTC MAILRC=/dev/null valgrind --tool=callgrind --callgrind-out-file="$W/cg" \
        "$1" -N -n -f "$W/ro.mbox" <"$W/cmd" >"$W/out" 2>/dev/null
    awk '/^summary:/ {print $2; exit}' "$W/cg"
}
echo "| program | operation | instructions | after open |"
echo "|---|---|---|---|"
for p in "$@"; do
    run "$p" "x" >/dev/null
    run "$p" "x" >/dev/null
    open=
    for op in "${ops[@]}"; do
        name=${op%%|*}
        ir=$(run "$p" "${op#*|}")
        [ -z "$open" ] && open=$ir
        after=$([ "$name" = open ] && echo - || echo $((ir - open)))
        printf "| %s | %s | %d | %s |\n" "$(basename "$p")" "$name" "$ir" "$after"
    done
done
