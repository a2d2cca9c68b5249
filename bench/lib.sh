# Shared by the bench scripts (sourced, not run).

# bench_setup NAME: goes to the repository root, checks for GNU time,
# builds the release binary and makes the work directory $W
# (/tmp/mailx-NAME-bench.XXXXXX, removed at exit unless KEEP is set) with a
# copy of the binary at $W/mailx. The scripts' Python parts can then
# `from timing import timed, loadavg` (bench/timing.py).
bench_setup() {
    cd "$(dirname "${BASH_SOURCE[0]}")/.."
    [ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is not installed" >&2; exit 1; }
    cargo build --release --quiet
    export PYTHONPATH="$PWD/bench${PYTHONPATH:+:$PYTHONPATH}"
    W=$(mktemp -d "/tmp/mailx-$1-bench.XXXXXX")
    if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$W"' EXIT; fi
    chmod 755 "$W"
    cp target/release/mailx "$W/mailx"
}
