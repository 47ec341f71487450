#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything virtio-blk-poll needs to build, test and benchmark,
# from Debian 12 apt only. Idempotent: a second run with nothing missing
# installs nothing and touches no package lists.
#
# Usage: scripts/deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is.
set -euo pipefail

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

log() { printf 'deps: %s\n' "$*" >&2; }

# Tools and libraries, by package name (qemu-system-common: qemu-storage-daemon).
pkgs=(
	make gcc libc6-dev git python3 perl
	qemu-system-x86 qemu-system-common qemu-utils fio liburing-dev busybox-static cpio
	zstd xz-utils kmod pciutils
	dkms sparse flex bison bc libelf-dev libssl-dev dwarves rsync
	dpkg-dev debhelper dh-dkms python3-docutils
	gnuplot-nox openssl shellcheck debootstrap e2fsprogs
)

# QEMU's TCG plugin header (tests/profile/), from Debian's qemu source
# package of the installed QEMU, cached per source version.
cache=${VBP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-blk-poll}
qemu_src_version() {
	dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null
}
plugin_header() {
	local v
	v=$(qemu_src_version) || return 1
	[ -n "$v" ] || return 1
	printf '%s/qemu-plugin-%s/qemu-plugin.h\n' "$cache" "${v#*:}"
}
have_plugin_header() {
	local h
	h=$(plugin_header) && [ -s "$h" ]
}

# A deb-src entry in any apt source file (one-line or deb822 format);
# another tool may have added one already.
have_deb_src() {
	grep -Eqs '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources
}

add_deb_src() {
	have_deb_src && return 0
	log "adding deb-src entries (/etc/apt/sources.list.d/vbp-deb-src.sources)"
	cat > /etc/apt/sources.list.d/vbp-deb-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# Only include/qemu/qemu-plugin.h is needed: download the source package
# (about 24 MB), take that one file from the upstream tarball, and refuse
# if a Debian patch changes it (it would then need applying).
fetch_plugin_header() {
	local v h tmp orig
	v=$(qemu_src_version)
	h=$(plugin_header)
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	log "fetching qemu-plugin.h from Debian's qemu $v source"
	if ! (cd "$tmp" && apt-get source --download-only -qq "qemu=$v" >&2); then
		log "qemu=$v not in deb-src, using the newest qemu source"
		(cd "$tmp" && apt-get source --download-only -qq qemu >&2)
	fi
	orig=$(ls "$tmp"/qemu_*.orig.tar.*)
	tar -xf "$orig" -C "$tmp" --wildcards --strip-components=1 \
		'*/include/qemu/qemu-plugin.h'
	if tar -xOf "$(ls "$tmp"/qemu_*.debian.tar.*)" \
		--wildcards 'debian/patches/*' 2>/dev/null |
		grep -q '^+++ .*include/qemu/qemu-plugin.h'; then
		log "a Debian patch changes qemu-plugin.h; not handled"
		rm -rf "$tmp"
		exit 1
	fi
	mkdir -p "$(dirname "$h")"
	cp "$tmp/include/qemu/qemu-plugin.h" "$h.tmp"
	mv "$h.tmp" "$h"
	rm -rf "$tmp"
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# One 6.1 and one 6.12 Debian 12 kernel: image (unsigned) plus headers.
# Any already-installed pair satisfies the requirement; otherwise pick the
# newest one apt offers so a fresh box gets the current security release.
have_kernel() {	# $1 = glob of the release, e.g. '6.1.0-*-amd64'
	local r
	for r in /usr/src/linux-headers-$1; do
		r=${r#/usr/src/linux-headers-}
		[ -e "/boot/vmlinuz-$r" ] && return 0
	done
	return 1
}

newest_release() {	# $1 = grep -E pattern of the release
	apt-cache search --names-only '^linux-image-.*-amd64-unsigned$' 2>/dev/null |
		sed -n 's/^linux-image-\(.*\)-unsigned .*/\1/p' |
		grep -E "^$1\$" | sort -V | tail -n 1
}

need_update=0
if [ "${#missing[@]}" -gt 0 ] || ! have_kernel '6.1.0-*-amd64' ||
   ! have_kernel '6.12.*+deb12-amd64' ||
   ! ls -d /usr/src/linux-source-6.12* >/dev/null 2>&1 ||
   ! have_plugin_header; then
	need_update=1
fi

if [ "$need_update" = 0 ]; then
	log "all dependencies present"
	exit 0
fi

if [ "$check_only" = 1 ]; then
	log "missing: ${missing[*]:-} (or a 6.1/6.12 kernel," \
	    "linux-source-6.12, or qemu-plugin.h)"
	exit 1
fi

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then
		exec sudo -E "$0" "$@"
	fi
	log "must run as root to install: ${missing[*]:-kernels}"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
have_plugin_header || add_deb_src
log "apt-get update"
apt-get update -qq

if ! have_kernel '6.1.0-*-amd64'; then
	r=$(newest_release '6\.1\.0-[0-9]+-amd64')
	[ -n "$r" ] || { log "no 6.1 kernel found in apt"; exit 1; }
	missing+=("linux-image-$r-unsigned" "linux-headers-$r")
fi
if ! have_kernel '6.12.*+deb12-amd64'; then
	r=$(newest_release '6\.12\.[0-9]+\+deb12-amd64')
	[ -n "$r" ] || { log "no 6.12 kernel found in apt"; exit 1; }
	missing+=("linux-image-$r-unsigned" "linux-headers-$r")
fi
ls -d /usr/src/linux-source-6.12* >/dev/null 2>&1 || missing+=(linux-source-6.12)

if [ "${#missing[@]}" -gt 0 ]; then
	log "installing: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
have_plugin_header || fetch_plugin_header
log "done"
