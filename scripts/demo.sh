#!/usr/bin/env bash
# Demo on a machine with no MTA: build mailx, send two messages through a
# tiny sendmail script that appends them to a local mbox, then read that mbox
# back with mailx itself (header summary, print, delete, quit).
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
echo "send exit status: $?"
printf 'Second message, with a UTF-8 subject.\n' |
    HOME="$D/home" MAILRC="$D/mailrc" ./target/release/mailx -n -s "Grüße" you@example.org
echo "---- $D/mbox as sendmail stored it ----"
cat "$D/mbox"
echo "---- read it back: mailx -f mbox, commands: h, p 1, d 1, q ----"
printf 'h\np 1\nd 1\nq\n' | HOME="$D/home" MAILRC="$D/mailrc" ./target/release/mailx -n -f "$D/mbox"
echo "read exit status: $?"
echo "---- $D/mbox after quit ----"
cat "$D/mbox"
rm -rf "$D"
