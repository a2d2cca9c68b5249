#!/usr/bin/env bash
# Demo on a machine with no MTA: build mailx, send a message through a tiny
# sendmail script that appends it to a local mbox, and show that mbox.
# Nothing leaves the machine. Usage: bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet

D=$(mktemp -d /tmp/mailx-demo.XXXXXX)
mkdir "$D/home"
# The "MTA": mailx runs it as `sendmail -i -t` with the message on stdin.
cat > "$D/sendmail" <<SH
#!/bin/sh
{ printf 'From demo@localhost %s\n' "\$(LC_ALL=C date '+%a %b %e %H:%M:%S %Y')"
  sed 's/^From />From /'; echo; } >> "$D/mbox"
SH
chmod +x "$D/sendmail"
printf 'set sendmail=%s\n' "$D/sendmail" > "$D/mailrc"

printf 'Hello from mailx.\nThis went through %s.\n' "$D/sendmail" |
    HOME="$D/home" MAILRC="$D/mailrc" ./target/release/mailx -n -s "demo" you@example.org
echo "exit status: $?"
echo "---- $D/mbox ----"
cat "$D/mbox"
echo "(remove $D when done)"
