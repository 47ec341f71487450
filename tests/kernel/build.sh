#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug test kernel for virtio-blk-poll and print its
# cache directory.
#
# Usage: tests/kernel/build.sh [--print-dir | --check | --prune]
#   (none)       build if needed, print the cache dir on stdout
#   --print-dir  only print where the cache dir is (built or not)
#   --check      exit 0 if the kernel is built, 1 if not; builds nothing
#   --prune      delete cached kernels with other keys (older fragments or
#                source versions; about 2 GiB each) that nobody is using
#
# Source: Debian's linux-source-6.12 (/usr/src/linux-source-6.12.tar.xz).
# Config: allnoconfig + tests/kernel/debug.config (merge_config.sh -n),
# then olddefconfig, then tests/kernel/verify-config.py fails the build
# if Kconfig dropped any requested option.
#
# Cache: ${XDG_CACHE_HOME:-~/.cache}/virtio-blk-poll/kernel-<srcver>-<hash>/
#   <srcver>  linux-source-6.12 package version (~ and : made _)
#   <hash>    sha256 of debug.config + this script + verify-config.py
# holding bzImage, config, release, build-seconds, lib/modules/<release>/ (modules
# installed, modules.dep) and build/ (the built tree, usable as KDIR for
# external modules).  A ".complete" stamp marks a finished build; an
# interrupted build resumes where it stopped.  "<dir>.lock" (flock)
# makes a second concurrent run wait instead of building again.
#
# Environment: VBP_KERNEL_JOBS (make -j, default nproc), VBP_KERNEL_NICE
# (default 10), VBP_KERNEL_TARBALL, VBP_CACHE (cache root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
verify=$here/verify-config.py
tarball=${VBP_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
jobs=${VBP_KERNEL_JOBS:-$(nproc)}
niceness=${VBP_KERNEL_NICE:-10}
cache_root=${VBP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-blk-poll}

log() { printf 'build-test-kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -n "${VBP_KERNEL_TARBALL:-}" ]; then
	srcver=$(stat -c '%s-%Y' "$tarball")
else
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		die "linux-source-6.12 is not installed (apt-get install linux-source-6.12)"
fi
srcver=${srcver//[^A-Za-z0-9.+-]/_}
hash=$(cat "$frag" "$0" "$verify" | sha256sum | cut -c1-12)
dir=$cache_root/kernel-$srcver-$hash

case "${1:-}" in
--print-dir) echo "$dir"; exit 0 ;;
--check) [ -e "$dir/.complete" ]; exit ;;
--prune)
	for old in "$cache_root"/kernel-*; do
		if [ ! -d "$old" ] || [ "$old" = "$dir" ]; then
			continue
		fi
		(
			exec 8>"$old.lock"
			flock -n 8 || { log "in use, kept: $old"; exit 0; }
			log "removing $old"
			rm -rf "$old" && rm -f "$old.lock"
		)
	done
	exit 0 ;;
"") ;;
*) die "unknown argument $1 (see the header of $0)" ;;
esac

[ -e "$dir/.complete" ] && { echo "$dir"; exit 0; }
[ -r "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.12)"

mkdir -p "$cache_root"
exec 9>"$dir.lock"
if ! flock -n 9; then
	log "another run is building $dir; waiting for it"
	flock 9
fi
[ -e "$dir/.complete" ] && { echo "$dir"; exit 0; }

mkdir -p "$dir"
t0=$(date +%s)
elapsed() { local s=$(($(date +%s) - t0)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# 1. sources
kdir=$dir/build
if [ ! -e "$dir/.extracted" ]; then
	log "extracting $tarball"
	rm -rf "$kdir" "$dir/extract"
	mkdir -p "$dir/extract"
	tar -xf "$tarball" -C "$dir/extract"
	mv "$dir/extract"/linux-source-* "$kdir"
	rmdir "$dir/extract"
	touch "$dir/.extracted"
	log "extracted in $(elapsed)"
fi

# 2. config
if [ ! -e "$dir/.configured" ]; then
	log "configuring: allnoconfig + $(basename "$frag")"
	(cd "$kdir" && scripts/kconfig/merge_config.sh -n "$frag" >"$dir/config.log" 2>&1 &&
		make olddefconfig >>"$dir/config.log" 2>&1) ||
		{ cat "$dir/config.log" >&2; die "configuration failed"; }
	python3 "$verify" "$frag" "$kdir/.config" ||
		die "the config fragment asks for options Kconfig dropped (above); fix $frag"
	touch "$dir/.configured"
fi
release=$(make -s -C "$kdir" kernelrelease)

# 3. build, with a progress line every minute
log "building $release with make -j$jobs (nice $niceness); log $dir/build.log"
(cd "$kdir" && exec nice -n "$niceness" make -j"$jobs" bzImage modules) \
	>"$dir/build.log" 2>&1 &
pid=$!
last=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
	sleep 5
	if [ $(($(date +%s) - last)) -ge 60 ]; then
		last=$(date +%s)
		n=$(grep -c '^  CC ' "$dir/build.log" || true)
		log "$(elapsed): $n files compiled; $(tail -n 1 "$dir/build.log" | cut -c1-80)"
	fi
done
if ! wait "$pid"; then
	tail -n 40 "$dir/build.log" >&2
	die "kernel build failed after $(elapsed) (log $dir/build.log)"
fi

# 4. install
log "installing modules"
rm -rf "${dir:?}/lib"
make -s -C "$kdir" modules_install INSTALL_MOD_PATH="$dir" >>"$dir/build.log" 2>&1 ||
	die "modules_install failed (log $dir/build.log)"
[ -e "$dir/lib/modules/$release/modules.dep" ] || die "no modules.dep after modules_install"
cp "$kdir/arch/x86/boot/bzImage" "$dir/bzImage"
cp "$kdir/.config" "$dir/config"
echo "$release" >"$dir/release"
# how long this (possibly resumed) build took, for make check's report
echo "$(($(date +%s) - t0))" >"$dir/build-seconds"
touch "$dir/.complete"
log "done in $(elapsed): $dir"
echo "$dir"
