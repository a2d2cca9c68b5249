#!/bin/sh
# Builds the Debian package mailx-rs into target/debian/ with cargo-deb,
# installing the pinned cargo-deb first if it is missing or another version.
# The last line of standard output is the path of the .deb.
#
#   scripts/build-deb.sh [extra cargo-deb options, e.g. --fast]
#
# See docs/PACKAGING.md.
set -eu

# Pinned: 3.8.0 builds with `cargo install --locked` on our rustc (1.95; it
# needs 1.85+). Bump deliberately, after checking the package still installs
# (tests/deb_install.sh).
CARGO_DEB_VERSION=3.8.0

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

have=$(cargo deb --version 2>/dev/null | awk '{print $NF}' || true)
if [ "$have" != "$CARGO_DEB_VERSION" ]; then
    echo "build-deb: installing cargo-deb $CARGO_DEB_VERSION (found: ${have:-none})" >&2
    cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked >&2
fi

# cargo-deb runs `cargo build --release` (reusing target/ when it is up to
# date), strips nothing extra (the release profile already strips), gzips the
# man page and runs dpkg-shlibdeps for `depends = "$auto"` when available.
mkdir -p target/debian
cargo deb --locked --output target/debian/ "$@" >&2

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
# shellcheck disable=SC2012 # our own file names
deb=$(ls -t target/debian/mailx-rs_"${version:-*}"-*_"$arch".deb | head -n 1)

# cargo-deb writes no DEBIAN/md5sums; add it (what dh_md5sums does) so that
# `dpkg --verify mailx-rs` can check the installed files.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --raw-extract "$deb" "$work/pkg"
(cd "$work/pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$work/pkg/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$work/pkg" "$deb" >/dev/null

echo "build-deb: built $deb" >&2
echo "$root/$deb"
