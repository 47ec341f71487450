#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, or find in the cache, the Debian 12 guest root file system of
# the end-to-end test (tests/cases/75_guest.py): debootstrap (minbase),
# then apt in a chroot for systemd, udev, kmod, fio, dkms, the compiler
# and two kernels, from the same Debian mirror and suites this machine's
# apt uses.  Prints the directory that holds the tree (rootfs/) and the
# headers of a kernel that "arrives later" (new-kernel/, .deb files that
# install offline).
#
# The cache key is a hash of the package lists and the suites below: a
# second run with the same lists only prints the directory.  The tree
# is built in a temporary directory and renamed into place when complete,
# so an interrupted build leaves nothing that looks finished.
#
# Usage: scripts/guest-image.sh [--key]
#   --key   print the cache key only
set -euo pipefail

# What the guest runs: a Debian userland with systemd and udev, the
# tools the test uses, DKMS and the compiler, the 6.1 kernel with its
# headers (linux-headers-amd64 is what the package recommends) and the
# 6.12 kernel without: its headers come later, from new-kernel/.
SUITE=bookworm
MIRROR=${VBP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${VBP_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
BASE_PKGS=(
	systemd systemd-sysv udev kmod procps util-linux e2fsprogs
	initramfs-tools zstd fio dkms gcc make libc6-dev man-db
	linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64
)
LATER_PKGS=(linux-headers-6.12-amd64)
# The initramfs of the guest's kernels carries the modules listed here
# (MODULES=list): what a root file system on virtio-blk needs.  Debian's
# default (most) puts every storage driver in, which takes minutes per
# kernel to pack under emulation, where the test rebuilds it.
INITRAMFS_MODULES=(virtio_pci virtio_blk ext4 crc32c_generic)

cache=${VBP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-blk-poll}

log() { printf 'guest-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

key() {
	printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY" "${BASE_PKGS[*]}" \
		"${LATER_PKGS[*]}" "${INITRAMFS_MODULES[*]}" "layout 1" |
		sha256sum | cut -c1-16
}

if [ "${1:-}" = --key ]; then
	key
	exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [--key]"
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null ||
	die "debootstrap is not installed (scripts/deps.sh installs it)"

dest=$cache/guest-$(key)
if [ -f "$dest/complete" ]; then
	printf '%s\n' "$dest"
	exit 0
fi
mkdir -p "$cache"
exec 9>"$dest.lock"
flock 9
if [ -f "$dest/complete" ]; then	# built while we waited
	printf '%s\n' "$dest"
	exit 0
fi

t0=$(date +%s)
tmp=$(mktemp -d "$cache/guest-build.XXXXXX")
root=$tmp/rootfs
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

in_root() {
	chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# Debian packages downloaded once, for every key
debs=$cache/guest-debs
mkdir -p "$debs/partial"
log "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase --cache-dir="$debs" "$SUITE" "$root" \
	"$MIRROR" > "$tmp/debootstrap.log" 2>&1 ||
	{ tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }

for m in proc sys dev dev/pts; do
	mount --bind "/$m" "$root/$m"
	mounted=("$root/$m" "${mounted[@]}")
done
mount --bind "$debs" "$root/var/cache/apt/archives"
mounted=("$root/var/cache/apt/archives" "${mounted[@]}")

cat > "$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
# no service starts in the chroot
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/initramfs-tools/conf.d"
cat > "$root/etc/initramfs-tools/conf.d/virtio-blk-poll-guest" <<'EOF'
# test guest (scripts/guest-image.sh): only the modules listed in
# /etc/initramfs-tools/modules
MODULES=list
EOF
printf '%s\n' "${INITRAMFS_MODULES[@]}" > "$root/etc/initramfs-tools/modules"

log "apt-get update in the guest tree"
in_root apt-get -q update > "$tmp/apt.log" 2>&1 ||
	{ tail -20 "$tmp/apt.log" >&2; die "apt-get update failed"; }
log "apt-get install ${#BASE_PKGS[@]} packages (two kernels, dkms, gcc)"
in_root apt-get -y -q -o Dpkg::Use-Pty=0 install --no-install-recommends \
	"${BASE_PKGS[@]}" >> "$tmp/apt.log" 2>&1 ||
	{ tail -30 "$tmp/apt.log" >&2; die "apt-get install failed"; }
log "download ${LATER_PKGS[*]} for later"
mkdir -p "$root/root/new-kernel/partial"
in_root apt-get -y -q install --download-only --no-install-recommends \
	-o Dir::Cache::archives=/root/new-kernel "${LATER_PKGS[@]}" \
	>> "$tmp/apt.log" 2>&1 ||
	{ tail -20 "$tmp/apt.log" >&2; die "download of ${LATER_PKGS[*]} failed"; }
rmdir "$root/root/new-kernel/partial"
ls "$root"/root/new-kernel/*.deb > /dev/null 2>&1 ||
	die "no .deb in new-kernel/ for ${LATER_PKGS[*]}"

# a guest that boots to its target on the serial console, quietly
echo "vbp-guest" > "$root/etc/hostname"
echo "/dev/vda / ext4 defaults 0 1" > "$root/etc/fstab"
for t in apt-daily.timer apt-daily-upgrade.timer man-db.timer \
	e2scrub_all.timer fstrim.timer; do
	in_root systemctl mask "$t" > /dev/null 2>&1 || true
done
rm -f "$root/usr/sbin/policy-rc.d"
umount "$root/var/cache/apt/archives"
for m in "${mounted[@]}"; do
	umount -l "$m" 2>/dev/null || true
done
mounted=()

ls "$root"/boot/vmlinuz-* > /dev/null 2>&1 || die "no kernel in the tree"
cp "$tmp/apt.log" "$tmp/debootstrap.log" "$tmp/" 2>/dev/null || true
du -sm "$root" | cut -f1 > "$tmp/size-mb"
echo "$(( $(date +%s) - t0 ))" > "$tmp/build-seconds"
rm -rf "$dest"
mv "$tmp" "$dest"
touch "$dest/complete"
trap - EXIT
log "built $dest ($(cat "$dest/size-mb") MiB) in $(cat "$dest/build-seconds") s"
printf '%s\n' "$dest"
