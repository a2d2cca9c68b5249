#!/bin/bash
# End-to-end test of the Debian package (run as root, e.g. by CI):
#
#   tests/deb_install.sh
#
# Builds the .deb (scripts/build-deb.sh; reuses target/), installs it next to
# bsd-mailx (installed first if missing), checks that the `mailx` alternative
# (/usr/bin/mailx, mail, Mail and their man pages) now points at mailx-rs,
# sends one message through a fake sendmail, then removes and purges the
# package and checks that everything points back at bsd-mailx and that
# bsd-mailx's /etc/mail.rc is untouched.
#
# This changes the system: while it runs, /usr/bin/mail is ours. An exit trap
# purges mailx-rs again whatever happens. Prints a PASS/FAIL line per check
# and ends with "N passed, M failed"; exits 1 if anything failed.
# shellcheck disable=SC2016,SC2317 # bash -c '...' _ "$arg" on purpose; cleanup runs from the trap
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
pass=0
fail=0
PKG=mailx-rs
BIN=/usr/bin/mailx-rs
MAN=/usr/share/man/man1

ok() {
    echo "PASS: $1"
    pass=$((pass + 1))
}
bad() {
    echo "FAIL: $1"
    fail=$((fail + 1))
}
# check "description" command...: PASS if the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
# expect_eq "description" expected actual
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (expected '$2', got '$3')"; fi
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] || exit 1
    exit 0
}
# dpkg's state of a package: installed, config-files, not-installed, ...
state() {
    local st
    st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)
    echo "${st:-not-installed}"
}
installed() {
    case $(state "$1") in
    installed | triggers-pending | triggers-awaited) return 0 ;;
    *) return 1 ;;
    esac
}
# dpkg with a wait for the dpkg lock (CI jobs may share the machine): retried
# for up to 5 minutes while another dpkg/apt holds it.
dpkg_() {
    local out rc
    for _ in $(seq 100); do
        out=$(dpkg "$@" 2>&1)
        rc=$?
        if [ $rc -ne 0 ] && grep -q 'locked' <<<"$out"; then
            sleep 3
            continue
        fi
        printf '%s\n' "$out"
        return $rc
    done
    printf '%s\n' "$out"
    return 1
}

if [ "$(id -u)" -ne 0 ]; then
    bad "must run as root (installs a package)"
    finish
fi

tmp=$(mktemp -d)
cleanup() {
    # Never leave the system switched to a half-tested package.
    if [ "$(state "$PKG")" != not-installed ]; then
        dpkg_ --purge "$PKG" >/dev/null 2>&1 || true
    fi
    # The upgrade check switches the group to manual; restore auto mode if
    # that is what we found.
    if [ "${alt_status:-}" = auto ]; then
        update-alternatives --quiet --auto mailx 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt_install() {
    local apt="apt-get -q -o DPkg::Lock::Timeout=300"
    $apt install -y --no-install-recommends "$@" >"$tmp/apt.log" 2>&1 ||
        { $apt update >/dev/null 2>&1 && $apt install -y --no-install-recommends "$@" >"$tmp/apt.log" 2>&1; }
}

# --- Prerequisites: bsd-mailx (the alternative we must hand back) and man-db.
for p in bsd-mailx man-db; do
    if ! installed "$p"; then
        echo "installing $p"
        apt_install "$p" || { cat "$tmp/apt.log"; bad "apt-get install $p"; finish; }
    fi
done
# A leftover from an interrupted run.
dpkg_ --purge "$PKG" >/dev/null 2>&1 || true
check "before: /usr/bin/mail is bsd-mailx" test "$(readlink -f /usr/bin/mail)" = /usr/bin/bsd-mailx
alt_status=$(update-alternatives --query mailx 2>/dev/null | sed -n 's/^Status: //p')
mailrc_sum=$(md5sum </etc/mail.rc 2>/dev/null | cut -d' ' -f1)
mailrc_owner=$(dpkg-query -S /etc/mail.rc 2>/dev/null | cut -d: -f1)

# --- Build.
start=$(date +%s)
if deb=$("$root/scripts/build-deb.sh" 2>"$tmp/build.log" | tail -n 1) && [ -f "$deb" ]; then
    ok "build $(basename "$deb") in $(($(date +%s) - start)) s"
else
    tail -n 30 "$tmp/build.log"
    bad "scripts/build-deb.sh"
    finish
fi

# --- Static checks of the package.
check "dpkg-deb accepts the package" dpkg-deb --info "$deb" >/dev/null
fields=$(dpkg-deb -f "$deb" Package Provides Depends Recommends)
echo "$fields" | sed 's/^/    /'
check "Provides: mailx" grep -q '^Provides:.*\bmailx\b' <<<"$fields"
check "Recommends (not Depends) an MTA" \
    bash -c 'grep -q "^Recommends: default-mta | mail-transport-agent" <<<"$1" && ! grep -q "^Depends:.*mail-transport-agent" <<<"$1"' _ "$fields"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' | grep -v '/$' >"$tmp/files"
check "ships $BIN and $MAN/mailx-rs.1.gz" \
    bash -c "grep -qx '$BIN' '$tmp/files' && grep -qx '$MAN/mailx-rs.1.gz' '$tmp/files'"
dpkg -L bsd-mailx | sort >"$tmp/bsd-files"
for f in /usr/bin/mailx /usr/bin/mail /usr/bin/Mail /etc/mail.rc; do echo "$f"; done >>"$tmp/bsd-files"
clash=$(sort "$tmp/files" | comm -12 - <(sort -u "$tmp/bsd-files"))
expect_eq "no file clashes with bsd-mailx or the alternative links" "" "$clash"
expect_eq "debian/changelog's version is the package's" "$(dpkg-deb -f "$deb" Version)" \
    "$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$root/debian/changelog")"
if command -v lintian >/dev/null; then
    lintian "$deb" >"$tmp/lintian.log" 2>&1
    check "lintian reports no errors" bash -c '! grep "^E:" "$1"' _ "$tmp/lintian.log"
    sed 's/^/    /' "$tmp/lintian.log"
fi
check "no conffiles (does not own /etc/mail.rc)" \
    bash -c '! dpkg-deb --ctrl-tarfile "$1" | tar -t | grep -q conffiles' _ "$deb"

# --- The maintainer scripts' /etc/mail.rc and alternative logic, in a
# sandbox: the shipped scripts with their paths moved under $sb and
# update-alternatives/dpkg-query replaced by stubs (the real system already
# has bsd-mailx's /etc/mail.rc, so the "create if missing" path cannot be
# exercised on it without purging bsd-mailx).
sb=$tmp/sandbox
mkdir -p "$sb/ctl" "$sb/etc" "$sb/share" "$sb/bin"
dpkg-deb -e "$deb" "$sb/ctl"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/mailx-rs/mail.rc >"$sb/share/mail.rc"
for s in postinst prerm postrm; do
    sed -e "s|/etc/mail.rc|$sb/etc/mail.rc|g" -e "s|/var/lib/mailx-rs|$sb/state|g" \
        -e "s|/usr/share/mailx-rs/|$sb/share/|g" "$sb/ctl/$s" >"$sb/$s"
done
cat >"$sb/bin/update-alternatives" <<EOF
#!/bin/sh
echo "\$*" >>"$sb/ua.log"
EOF
# The stub dpkg-query reports an owner for /etc/mail.rc when $sb/owner exists.
cat >"$sb/bin/dpkg-query" <<EOF
#!/bin/sh
[ -e "$sb/owner" ] && { echo "bsd-mailx: \$2"; exit 0; }
echo "dpkg-query: no path found matching pattern \$2" >&2
exit 1
EOF
chmod 755 "$sb/bin/"*
run_sb() { PATH="$sb/bin:$PATH" sh -e "$sb/$1" "${@:2}" >>"$sb/run.log" 2>&1; }

run_sb postinst configure ""
check "sandbox: first configure runs update-alternatives --install ... 60 with 5 slaves" \
    grep -q "^--install /usr/bin/mailx mailx /usr/bin/mailx-rs 60 --slave /usr/bin/mail mail /usr/bin/mailx-rs --slave /usr/bin/Mail Mail /usr/bin/mailx-rs --slave $MAN/mailx.1.gz mailx.1.gz $MAN/mailx-rs.1.gz --slave $MAN/mail.1.gz mail.1.gz $MAN/mailx-rs.1.gz --slave $MAN/Mail.1.gz Mail.1.gz $MAN/mailx-rs.1.gz\$" "$sb/ua.log"
check "sandbox: missing mail.rc is created with Debian's default content" \
    cmp -s "$sb/etc/mail.rc" "$sb/share/mail.rc"
check "sandbox: the default is Debian's (set ask askcc append dot save crt)" \
    grep -qx 'set ask askcc append dot save crt' "$sb/etc/mail.rc"
run_sb postrm purge
check "sandbox: purge removes the mail.rc we created (no owner)" test ! -e "$sb/etc/mail.rc" -a ! -e "$sb/state"

echo "# the administrator's" >"$sb/etc/mail.rc"
run_sb postinst configure ""
check "sandbox: an existing mail.rc is left alone" grep -qx "# the administrator's" "$sb/etc/mail.rc"
run_sb postrm purge
check "sandbox: purge keeps a mail.rc we did not create" grep -qx "# the administrator's" "$sb/etc/mail.rc"

rm -f "$sb/etc/mail.rc"
run_sb postinst configure "0.0.9-1"
check "sandbox: an upgrade does not recreate a deleted mail.rc" test ! -e "$sb/etc/mail.rc"

run_sb postinst configure ""
touch "$sb/owner"
run_sb postrm purge
check "sandbox: purge keeps mail.rc once another package owns it" test -f "$sb/etc/mail.rc"
rm -f "$sb/owner" "$sb/etc/mail.rc"

: >"$sb/ua.log"
run_sb prerm upgrade 0.2.0-1
check "sandbox: prerm upgrade keeps the alternative" test ! -s "$sb/ua.log"
run_sb prerm remove
check "sandbox: prerm remove runs update-alternatives --remove mailx /usr/bin/mailx-rs" \
    grep -qx -- "--remove mailx /usr/bin/mailx-rs" "$sb/ua.log"

# --- Install.
if dpkg_ -i "$deb" >"$tmp/dpkg-i.log" 2>&1; then
    ok "dpkg -i $(basename "$deb")"
else
    cat "$tmp/dpkg-i.log"
    bad "dpkg -i $(basename "$deb")"
    finish
fi
for l in mailx mail Mail; do
    expect_eq "readlink -f /usr/bin/$l" "$BIN" "$(readlink -f /usr/bin/$l)"
done
expect_eq "alternative mailx is ours at priority 60" "60" \
    "$(update-alternatives --query mailx | awk -v b="$BIN" '$1=="Alternative:"{a=$2} $1=="Priority:"&&a==b{print $2}')"
expect_eq "mail --version" "mail (mailx-rs) $(dpkg-query -W -f='${Version}' "$PKG" | sed 's/-[^-]*$//')" \
    "$(mail --version 2>&1)"
expect_eq "Mail --version (invoked name kept)" "Mail" "$(Mail --version 2>&1 | cut -d' ' -f1)"
for l in mailx mail Mail; do
    expect_eq "man -w $l" "$MAN/mailx-rs.1.gz" "$(man -w "$l" 2>&1)"
done
check "man mail renders our page" bash -c 'MANPAGER=cat MANWIDTH=80 man mail 2>/dev/null | grep -q "mailx-rs"'
expect_eq "/etc/mail.rc untouched" "$mailrc_sum" "$(md5sum </etc/mail.rc | cut -d' ' -f1)"
expect_eq "/etc/mail.rc still owned by bsd-mailx" "$mailrc_owner" \
    "$(dpkg-query -S /etc/mail.rc 2>/dev/null | cut -d: -f1)"
check "docs in /usr/share/doc/$PKG" test -f /usr/share/doc/$PKG/COMPATIBILITY.md -a -f /usr/share/doc/$PKG/copyright

# --- Send one message through a fake sendmail.
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
echo "ARGS: \$*" >"$tmp/out"
cat >>"$tmp/out"
EOF
chmod 755 "$tmp/sendmail"
if printf 'hello from the deb test\n' |
    HOME=$tmp MAILRC=/dev/null mail -n -S sendmail="$tmp/sendmail" -s 'deb install test' to@example.com \
        >"$tmp/send.log" 2>&1; then
    ok "mail -n -S sendmail=fake exits 0"
else
    cat "$tmp/send.log"
    bad "mail -n -S sendmail=fake exits 0"
fi
check "fake sendmail got -i -t" grep -q '^ARGS: -i -t' "$tmp/out"
check "message has To:" grep -q '^To: to@example.com$' "$tmp/out"
check "message has Subject:" grep -q '^Subject: deb install test$' "$tmp/out"
check "message has the body" grep -q '^hello from the deb test$' "$tmp/out"

check "dpkg --verify $PKG (md5sums shipped and matching)" \
    bash -c 'dpkg-query --control-show "$1" md5sums >/dev/null 2>&1 && [ -z "$(dpkg --verify "$1" 2>&1)" ]' _ "$PKG"
: >"$tmp/out"
if printf 'with /etc/mail.rc\n' |
    HOME=$tmp MAILRC=/dev/null mail -S sendmail="$tmp/sendmail" -s 'rc test' to@example.com >"$tmp/send.log" 2>&1 &&
    grep -q '^with /etc/mail.rc$' "$tmp/out"; then
    ok "mail without -n (reading /etc/mail.rc) sends"
else
    cat "$tmp/send.log"
    bad "mail without -n (reading /etc/mail.rc) sends"
fi

# --- Upgrade (reinstall the same version: prerm upgrade + postinst configure
# with the old version) keeps an administrator's manual choice.
update-alternatives --quiet --set mailx /usr/bin/bsd-mailx
if dpkg_ -i "$deb" >"$tmp/dpkg-u.log" 2>&1; then ok "reinstall (upgrade path)"; else
    cat "$tmp/dpkg-u.log"
    bad "reinstall (upgrade path)"
fi
expect_eq "upgrade keeps a manual choice of bsd-mailx" /usr/bin/bsd-mailx "$(readlink -f /usr/bin/mail)"
update-alternatives --quiet --auto mailx
expect_eq "back to auto: /usr/bin/mail" "$BIN" "$(readlink -f /usr/bin/mail)"

# --- Remove, then purge.
if dpkg_ -r "$PKG" >"$tmp/dpkg-r.log" 2>&1; then ok "dpkg -r $PKG"; else
    cat "$tmp/dpkg-r.log"
    bad "dpkg -r $PKG"
fi
for l in mailx mail Mail; do
    expect_eq "after remove: readlink -f /usr/bin/$l" /usr/bin/bsd-mailx "$(readlink -f /usr/bin/$l)"
done
expect_eq "after remove: man -w mail" "$MAN/bsd-mailx.1.gz" "$(man -w mail 2>&1)"
check "after remove: $BIN is gone" test ! -e "$BIN"
check "after remove: alternative no longer lists us" bash -c "! update-alternatives --query mailx | grep -q '^Alternative: $BIN\$'"
check "after remove: /etc/mail.rc exists" test -f /etc/mail.rc
if dpkg_ --purge "$PKG" >"$tmp/dpkg-p.log" 2>&1; then ok "dpkg --purge $PKG"; else
    cat "$tmp/dpkg-p.log"
    bad "dpkg --purge $PKG"
fi
expect_eq "after purge: dpkg state of $PKG" not-installed "$(state "$PKG")"
expect_eq "after purge: /etc/mail.rc unchanged" "$mailrc_sum" "$(md5sum </etc/mail.rc 2>/dev/null | cut -d' ' -f1)"
expect_eq "after purge: /etc/mail.rc still owned by bsd-mailx" "$mailrc_owner" \
    "$(dpkg-query -S /etc/mail.rc 2>/dev/null | cut -d: -f1)"
expect_eq "after purge: /usr/bin/mail" /usr/bin/bsd-mailx "$(readlink -f /usr/bin/mail)"
check "after purge: no /var/lib/$PKG left" test ! -e /var/lib/$PKG

finish
