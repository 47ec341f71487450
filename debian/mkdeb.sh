#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build virtio-blk-poll-dkms_<version>_all.deb from the working tree
# (tracked files plus untracked files git does not ignore) in a scratch
# copy, and move it to OUTDIR (default: dist/).  Used by "make deb".
#
# Usage: debian/mkdeb.sh [OUTDIR]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}

for t in dpkg-buildpackage dpkg-parsechangelog dh dh_dkms; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "mkdeb: $t is missing: run 'make deps' (dpkg-dev, debhelper, dh-dkms)" >&2
		exit 1
	}
done

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
chver=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
if [ "$ver" != "$chver" ]; then
	echo "mkdeb: dkms.conf says $ver but debian/changelog says $chver" >&2
	exit 1
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/vbp-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
src=$stage/virtio-blk-poll-$ver
mkdir -p "$src"
cd "$root"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard |
		while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
		grep -v -e '^results/' -e '^dist/' |
		tar -cf - -T - | tar -xf - -C "$src"
else
	tar -cf - --exclude=./results --exclude=./dist --exclude=./.build \
		--exclude=./.git . | tar -xf - -C "$src"
fi

(cd "$src" && dpkg-buildpackage -us -uc -b) > "$stage/build.log" 2>&1 || {
	tail -n 40 "$stage/build.log" >&2
	echo "mkdeb: dpkg-buildpackage failed" >&2
	exit 1
}
deb=virtio-blk-poll-dkms_${ver}_all.deb
[ -f "$stage/$deb" ] || { echo "mkdeb: $deb was not produced" >&2; exit 1; }
mkdir -p "$out"
mv "$stage/$deb" "$out/$deb"
echo "$out/$deb"
