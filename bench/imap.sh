#!/usr/bin/env bash
# IMAP folder speed: mailx-rs, s-nail and GNU mailutils reading the same
# folder of the loopback Dovecot rig (see bench/imap.py for what is timed).
# Needs the rig of scripts/dovecot-test-setup.sh running (user mximap,
# imap://localhost:2143 with STARTTLS). Run as root from the repository root:
#   bash bench/imap.sh [MESSAGES (default 100000)] [RUNS (default 5)]
# With MDBOX=1, mailx-rs is also timed on an mdbox copy of the folder in a
# private Dovecot instance (port 2144) that bench/imap.py starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-5}
if [ "$(id -u)" != 0 ]; then
    echo "bench/imap.sh: run as root (it writes the rig user's Maildir)" >&2
    exit 1
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/2143) 2>/dev/null; then
    echo "bench/imap.sh: the Dovecot rig is not running; start it with" \
        "bash scripts/dovecot-test-setup.sh" >&2
    exit 1
fi
cargo build --release --quiet
python3 bench/imap.py "$PWD/target/release/mailx" "$n" "$runs"
