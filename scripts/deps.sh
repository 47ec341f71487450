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

# Tools and libraries, by package name.
pkgs=(
	make gcc libc6-dev git python3 perl
	qemu-system-x86 qemu-utils fio liburing-dev busybox-static cpio
	zstd xz-utils kmod pciutils
	dkms sparse flex bison bc libelf-dev libssl-dev dwarves rsync
	dpkg-dev debhelper dh-dkms python3-docutils
	gnuplot-nox openssl
)

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
   ! ls -d /usr/src/linux-source-6.12* >/dev/null 2>&1; then
	need_update=1
fi

if [ "$need_update" = 0 ]; then
	log "all dependencies present"
	exit 0
fi

if [ "$check_only" = 1 ]; then
	log "missing: ${missing[*]:-} (or a 6.1/6.12 kernel, or linux-source-6.12)"
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

log "installing: ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
log "done"
