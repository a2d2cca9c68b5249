#!/bin/bash
# Postfix test rig for mailx's transport tests (tests/smtp_e2e.rs).
#
# Run as root, by .ci/run before `cargo test` and by developers; idempotent
# (a second run only re-checks the configuration and reloads Postfix).
#
# What it sets up, loopback only, so nothing can ever leave the machine:
#   - Postfix ("Local only"): listens on 127.0.0.1:25, on a submission
#     port 127.0.0.1:2587 (STARTTLS required, SASL AUTH required: PLAIN,
#     LOGIN, XOAUTH2, OAUTHBEARER)
#     and on 127.0.0.1:2465 (implicit TLS, "smtps", SASL AUTH required);
#     default_transport/relay_transport = error, relayhost empty;
#     local delivery to /var/mail/<user> (mbox, fcntl + dotlock locking).
#   - Dovecot (dovecot-core) only as Postfix's SASL back end: its own small
#     config (no IMAP/POP3 listeners), one passwd-file user for PLAIN/LOGIN,
#     and XOAUTH2/OAUTHBEARER through its oauth2 passdb, which asks an
#     RFC 7662 token-introspection endpoint at
#     http://127.0.0.1:28080/introspect (POST token=...; the answer's
#     "active" must be true and its "username" the login). Nothing serves that
#     port but a test (tests/common/introspect.rs, started by tests/smtp_e2e.rs
#     for its OAuth2 tests), so a token login fails when no test runs.
#   - A test CA and a server certificate for localhost / 127.0.0.1 / the host
#     name, made with openssl, in $TLS_DIR (tests trust ca.pem via smtp-ca-file).
#   - Local users mxtest (receives the test mail), mxsender (receives bounces)
#     and mxfull (its mailbox is filled up by tests/postfix_bounce.rs), each
#     with a home of its own under /home.
#   - The SASL login mxtest / mxtest-secret (and, with OAuth2, whatever token
#     the test's introspection server calls active for mxtest).
#
# Installing postfix replaces exim4-daemon-* (both provide mail-transport-agent);
# apt does this by itself. Services are started directly (no systemd here and
# policy-rc.d may forbid invoke-rc.d).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "postfix-test-setup: must run as root" >&2
    exit 1
fi

TLS_DIR=/etc/postfix/mxtest-tls
SASL_USER=mxtest
SASL_PASS=mxtest-secret
SUBMISSION=127.0.0.1:2587
SMTPS=127.0.0.1:2465
DOVECOT_CONF=/etc/dovecot/mxtest-sasl.conf
OAUTH2_CONF=/etc/dovecot/mxtest-oauth2.conf.ext
OAUTH2_INTROSPECT=127.0.0.1:28080
HOST=$(hostname)
export DEBIAN_FRONTEND=noninteractive

log() { echo "postfix-test-setup: $*"; }
# shellcheck source=scripts/test-certs.sh
. "$(dirname "$0")/test-certs.sh"

# Stops an exim daemon by its pid file (never by name).
stop_exim() {
    local f
    for f in /run/exim4/exim.pid /var/run/exim4/exim.pid; do
        if [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
            log "stopping exim (pid $(cat "$f"))"
            kill "$(cat "$f")" || true
            sleep 1
        fi
    done
}

# --- packages -------------------------------------------------------------
need=()
for p in postfix dovecot-core openssl; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$p")
    fi
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string $HOST" | debconf-set-selections
    echo "postfix postfix/destinations string localhost, $HOST" | debconf-set-selections
    # Stop a running exim first: the package swap must not leave it on port 25.
    stop_exim
    apt-get update -qq || log "apt-get update failed; trying the install anyway"
    apt-get install -y -qq -o Dpkg::Options::=--force-confold "${need[@]}" </dev/null
fi
# Dovecot is only our SASL back end: if the package started its default
# instance (IMAP/POP3 listeners), stop it, by its pid file.
if [ -s /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
    log "stopping the package's default dovecot instance"
    kill "$(cat /run/dovecot/master.pid)" || true
fi

# --- users ----------------------------------------------------------------
for u in mxtest mxsender mxfull; do
    if ! id "$u" >/dev/null 2>&1; then
        useradd --create-home --shell /usr/sbin/nologin "$u"
    fi
done
# Earlier versions of tests/postfix_bounce.rs made mxfull themselves, with
# the home /nonexistent: give it a real one (no test needs a missing home).
if [ "$(getent passwd mxfull | cut -d: -f6)" != /home/mxfull ]; then
    usermod --home /home/mxfull mxfull
    mkdir -p /home/mxfull
    chown mxfull: /home/mxfull
fi

# Start each setup with empty test mailboxes (the tests look for unique
# subjects, so old mail would only make the files grow).
for u in mxtest mxsender; do
    if [ -f "/var/mail/$u" ]; then
        : >"/var/mail/$u"
    fi
done
# mxfull's mailbox exists only while tests/postfix_bounce.rs runs.
rm -f /var/mail/mxfull

# --- certificates ---------------------------------------------------------
test_certs "$TLS_DIR" "$HOST" "mailx test CA"

# --- Dovecot as the SASL back end only --------------------------------------
mkdir -p /etc/dovecot
printf '%s:{PLAIN}%s::::::\n' "$SASL_USER" "$SASL_PASS" >/etc/dovecot/mxtest.passwd
chown root:dovecot /etc/dovecot/mxtest.passwd 2>/dev/null || true
chmod 640 /etc/dovecot/mxtest.passwd
# OAuth2 (XOAUTH2, OAUTHBEARER): the token goes to an RFC 7662 token
# introspection endpoint on $OAUTH2_INTROSPECT, which nothing but a test
# serves (tests/smtp_e2e.rs starts a tiny HTTP server there for as long as it
# needs one); when nothing listens, a token login fails.
cat >"$OAUTH2_CONF" <<EOF
# Written by mailx scripts/postfix-test-setup.sh: the test's introspection server.
introspection_mode = post
introspection_url = http://$OAUTH2_INTROSPECT/introspect
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
EOF
chmod 640 "$OAUTH2_CONF"
chown root:dovecot "$OAUTH2_CONF" 2>/dev/null || true
cat >"$DOVECOT_CONF" <<EOF
# Written by mailx scripts/postfix-test-setup.sh: SASL for Postfix only.
protocols =
base_dir = /run/dovecot-mxtest/
state_dir = /var/lib/dovecot-mxtest/
log_path = /var/log/dovecot-mxtest.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login oauthbearer xoauth2
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u /etc/dovecot/mxtest.passwd
}
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = $OAUTH2_CONF
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
mkdir -p /var/lib/dovecot-mxtest /var/spool/postfix/private

# --- Postfix --------------------------------------------------------------
echo "$HOST" >/etc/mailname
postconf -e \
    "compatibility_level = 3.6" \
    "myhostname = $HOST" \
    "mydomain = localdomain" \
    "myorigin = \$myhostname" \
    "mydestination = \$myhostname, localhost, localhost.localdomain, $HOST" \
    "inet_interfaces = loopback-only" \
    "inet_protocols = ipv4" \
    "mynetworks = 127.0.0.0/8" \
    "relayhost =" \
    "default_transport = error:mail leaving this test machine is disabled" \
    "relay_transport = error:mail leaving this test machine is disabled" \
    "mailbox_command =" \
    "home_mailbox =" \
    "mail_spool_directory = /var/mail" \
    "mailbox_delivery_lock = fcntl, dotlock" \
    "alias_maps = hash:/etc/aliases" \
    "alias_database = hash:/etc/aliases" \
    "biff = no" \
    "smtputf8_enable = no" \
    "maillog_file = /var/log/postfix-mxtest.log" \
    "smtpd_tls_cert_file = $TLS_DIR/server.pem" \
    "smtpd_tls_key_file = $TLS_DIR/server.key" \
    "smtpd_tls_security_level = may" \
    "smtp_tls_security_level = none"
# No chroot anywhere: the chroot jail would need copies of system files that
# only Debian's init script makes, and we start postfix directly.
postconf -F '*/*/chroot = n'
# The submission listener on 127.0.0.1:2587.
postconf -M "$SUBMISSION/inet=$SUBMISSION inet n - n - - smtpd"
postconf -P \
    "$SUBMISSION/inet/syslog_name=postfix/submission" \
    "$SUBMISSION/inet/smtpd_tls_security_level=encrypt" \
    "$SUBMISSION/inet/smtpd_sasl_auth_enable=yes" \
    "$SUBMISSION/inet/smtpd_sasl_type=dovecot" \
    "$SUBMISSION/inet/smtpd_sasl_path=private/auth" \
    "$SUBMISSION/inet/smtpd_tls_auth_only=yes" \
    "$SUBMISSION/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject" \
    "$SUBMISSION/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject"
# Implicit TLS ("smtps", as on port 465) on 127.0.0.1:2465, AUTH required.
postconf -M "$SMTPS/inet=$SMTPS inet n - n - - smtpd"
postconf -P \
    "$SMTPS/inet/syslog_name=postfix/smtps" \
    "$SMTPS/inet/smtpd_tls_wrappermode=yes" \
    "$SMTPS/inet/smtpd_sasl_auth_enable=yes" \
    "$SMTPS/inet/smtpd_sasl_type=dovecot" \
    "$SMTPS/inet/smtpd_sasl_path=private/auth" \
    "$SMTPS/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject" \
    "$SMTPS/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject"
# postlogd must exist for maillog_file (Debian's master.cf has it; make sure).
if ! postconf -M postlog/unix-dgram >/dev/null 2>&1 || [ -z "$(postconf -M postlog/unix-dgram)" ]; then
    postconf -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
fi
touch /etc/aliases
newaliases
postfix check

# --- start (or reload) ------------------------------------------------------
if [ -s /run/dovecot-mxtest/master.pid ] &&
    kill -0 "$(cat /run/dovecot-mxtest/master.pid)" 2>/dev/null; then
    doveadm -c "$DOVECOT_CONF" reload >/dev/null 2>&1 || true
else
    dovecot -c "$DOVECOT_CONF"
fi
if postfix status >/dev/null 2>&1; then
    postfix reload >/dev/null 2>&1
else
    # A leftover exim daemon on port 25 would make smtpd fail.
    stop_exim
    postfix start
fi

# --- wait until both listeners answer ------------------------------------------
for _ in $(seq 1 50); do
    if (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/2587) 2>/dev/null &&
        (exec 3<>/dev/tcp/127.0.0.1/2465) 2>/dev/null &&
        [ -S /var/spool/postfix/private/auth ]; then
        log "ready: postfix on 127.0.0.1:25, $SUBMISSION (STARTTLS+AUTH), $SMTPS (TLS+AUTH), CA $TLS_DIR/ca.pem"
        exit 0
    fi
    sleep 0.2
done
log "postfix or dovecot did not come up; see /var/log/postfix-mxtest.log and /var/log/dovecot-mxtest.log" >&2
exit 1
