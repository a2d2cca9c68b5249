#!/bin/bash
# Dovecot IMAP test rig for mailx's IMAP and Maildir tests (tests/maildir_real.rs
# and the IMAP folder tests).
#
# Run as root, by .ci/run before `cargo test` and by developers; idempotent
# (a second run only rewrites the same configuration and reloads Dovecot).
#
# What it sets up, loopback only:
#   - A Dovecot instance of its own (config $CONF, base_dir $BASE_DIR), next
#     to the SASL-only instance of scripts/postfix-test-setup.sh
#     (base_dir /run/dovecot-mxtest), which it never touches.
#   - IMAP on 127.0.0.1:$IMAP_PORT (STARTTLS offered, not required) and
#     implicit-TLS IMAPS on 127.0.0.1:$IMAPS_PORT.
#   - Plaintext logins (LOGIN command, AUTHENTICATE PLAIN/LOGIN) are allowed
#     with and without TLS, so tests can check that the client itself refuses
#     to send a password in the clear.
#   - A test CA and a server certificate for localhost / 127.0.0.1 / the host
#     name in $TLS_DIR; clients trust $TLS_DIR/ca.pem.
#   - The system user $USER_NAME (home /home/$USER_NAME, no login shell), IMAP
#     password $USER_PASS (a passwd-file passdb; the system account itself
#     has no password), mail_location = maildir:~/Maildir (Maildir++:
#     folder "a" is ~/Maildir/.a/, hierarchy separator ".").
#   - The user's ~/.forward holds /home/$USER_NAME/Maildir/, so Postfix (the
#     rig of scripts/postfix-test-setup.sh) delivers mail for it into the
#     same Maildir.
#
# Installs dovecot-imapd and openssl when missing (policy-rc.d may stop the
# package from starting its default instance; if it did start one, it is
# stopped by its pid file: it would listen on the public ports 143/993).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "dovecot-test-setup: must run as root" >&2
    exit 1
fi

CONF=/etc/dovecot/mxtest-imap.conf
PASSWD=/etc/dovecot/mxtest-imap.passwd
BASE_DIR=/run/dovecot-mxtest-imap
STATE_DIR=/var/lib/dovecot-mxtest-imap
LOG=/var/log/dovecot-mxtest-imap.log
TLS_DIR=/etc/dovecot/mxtest-imap-tls
IMAP_PORT=2143
IMAPS_PORT=2993
USER_NAME=mximap
USER_PASS=mximap-secret
HOST=$(hostname)
export DEBIAN_FRONTEND=noninteractive

log() { echo "dovecot-test-setup: $*"; }
# shellcheck source=scripts/test-certs.sh
. "$(dirname "$0")/test-certs.sh"

# --- packages -------------------------------------------------------------
need=()
for p in dovecot-core dovecot-imapd openssl; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$p")
    fi
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq || log "apt-get update failed; trying the install anyway"
    apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${need[@]}" </dev/null
fi
# The package's default instance (all interfaces, ports 143/993) must not run.
if [ -s /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
    log "stopping the package's default dovecot instance"
    kill "$(cat /run/dovecot/master.pid)" || true
fi

# --- user -----------------------------------------------------------------
if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
if [ "$home" != "/home/$USER_NAME" ]; then
    usermod --home "/home/$USER_NAME" "$USER_NAME"
    home=/home/$USER_NAME
fi
# Start each setup with an empty Maildir (the Dovecot indexes in it too:
# Dovecot rebuilds them).
rm -rf "$home/Maildir"
mkdir -p "$home/Maildir/cur" "$home/Maildir/new" "$home/Maildir/tmp"
printf '%s\n' "$home/Maildir/" >"$home/.forward"
chown -R "$USER_NAME:" "$home"
chmod 700 "$home/Maildir"
chmod 644 "$home/.forward"

# --- certificates ---------------------------------------------------------
test_certs "$TLS_DIR" "$HOST" "mailx IMAP test CA"

# --- configuration ----------------------------------------------------------
printf '%s:{PLAIN}%s::::::\n' "$USER_NAME" "$USER_PASS" >"$PASSWD"
chown root:dovecot "$PASSWD" 2>/dev/null || true
chmod 640 "$PASSWD"
dh=
if [ -s /usr/share/dovecot/dh.pem ]; then
    dh="ssl_dh = </usr/share/dovecot/dh.pem"
fi
cat >"$CONF" <<EOF
# Written by mailx scripts/dovecot-test-setup.sh: the IMAP test rig.
protocols = imap
instance_name = dovecot-mxtest-imap
base_dir = $BASE_DIR/
state_dir = $STATE_DIR/
log_path = $LOG
listen = 127.0.0.1
ssl = yes
ssl_cert = <$TLS_DIR/server.pem
ssl_key = <$TLS_DIR/server.key
$dh
ssl_min_protocol = TLSv1.2
# The client decides whether a password may go out in the clear (tests).
disable_plaintext_auth = no
auth_mechanisms = plain login
# Failed logins are answered at once (tests try wrong passwords).
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $PASSWD
}
userdb {
  driver = passwd
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = .
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
}
protocol imap {
  # Many tests log in at once from 127.0.0.1 as the same user.
  mail_max_userip_connections = 1000
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service anvil {
  # No growing login delay after failed logins (the auth penalty).
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
mkdir -p "$STATE_DIR"
doveconf -c "$CONF" -n >/dev/null

# --- start (or reload) ------------------------------------------------------
if [ -s "$BASE_DIR/master.pid" ] && kill -0 "$(cat "$BASE_DIR/master.pid")" 2>/dev/null; then
    doveadm -c "$CONF" reload >/dev/null 2>&1 || true
else
    # Not holding our stdout/stderr open: a caller reading them through a
    # pipe would otherwise wait for as long as Dovecot runs.
    dovecot -c "$CONF" </dev/null >>"$LOG" 2>&1
fi

# --- wait until both listeners answer ------------------------------------------
for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$IMAP_PORT") 2>/dev/null &&
        (exec 3<>"/dev/tcp/127.0.0.1/$IMAPS_PORT") 2>/dev/null; then
        log "ready: imap on 127.0.0.1:$IMAP_PORT (STARTTLS), imaps on 127.0.0.1:$IMAPS_PORT," \
            "user $USER_NAME / $USER_PASS, CA $TLS_DIR/ca.pem, maildir:$home/Maildir"
        exit 0
    fi
    sleep 0.2
done
log "dovecot did not come up; see $LOG" >&2
exit 1
