#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 60) with cargo-fuzz on stable
# (`-s none`: no sanitizer, which needs nightly). A crash fails the script and
# leaves its input under fuzz/artifacts/<target>/: turn it into a regression
# test. Corpora are seeded from the test fixtures. Needs a C++ compiler
# (libfuzzer-sys builds libFuzzer: `apt-get install g++`); installs the pinned
# cargo-fuzz when it is missing. Leaves nothing outside fuzz/ (the targets'
# scratch files go to a private TMPDIR, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
if ! command -v c++ >/dev/null 2>&1; then
    echo "fuzz.sh: no C++ compiler (c++); install g++" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi
targets=$(cargo fuzz list)
for t in $targets; do
    corpus=fuzz/corpus/$t
    mkdir -p "$corpus"
    # Seeds: fixture mailboxes and rc-like text for the parsers that read them.
    if [ -d tests/fixtures ]; then
        find tests/fixtures -type f -size -64k -exec cp -n {} "$corpus"/ \; 2>/dev/null || true
    fi
done
cargo fuzz build -s none
fail=0
log=$tmp/log
for t in $targets; do
    printf '%-16s ' "$t"
    # The log goes to a file: some targets print a lot (rc files run `list`).
    if cargo fuzz run -s none "$t" -- -max_total_time="$secs" > "$log" 2>&1; then
        grep -a -E '^Done [0-9]+ runs' "$log" | tail -1 || echo "(no summary line)"
    else
        echo "CRASH"
        grep -a -A20 -E 'panicked|ERROR' "$log" | head -40 || true
        fail=1
    fi
done
exit $fail
