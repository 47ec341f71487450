#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every module against every installed Debian 12 6.1/6.12 headers
# package with W=1 and sparse (C=2), treating any diagnostic from our
# sources as a failure, then run checkpatch --strict over the sources.
# Each kernel builds in its own copy: .build/<release>/matrix.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mapfile -t kdirs < <(ls -d /usr/src/linux-headers-6.1.0-*-amd64 \
	/usr/src/linux-headers-6.12.*+deb12-amd64 2>/dev/null | grep -v -- -rt- |
	grep -v -- -cloud- | sort -V)
have61=0; have612=0
for k in "${kdirs[@]}"; do
	case "$k" in
	*-6.1.0-*) have61=1 ;;
	*-6.12.*) have612=1 ;;
	esac
done
if [ "$have61" = 0 ] || [ "$have612" = 0 ]; then
	echo "matrix: need headers for one 6.1 and one 6.12 kernel" \
		"(found: ${kdirs[*]:-none}); run scripts/deps.sh" >&2
	exit 1
fi

fail=0
for k in "${kdirs[@]}"; do
	rel=${k#/usr/src/linux-headers-}
	dst=$root/.build/$rel/matrix
	mkdir -p "$dst"
	rsync -a --delete --exclude=/.git --exclude=/.build --exclude=/results \
		--exclude=/compat/generated "$root/" "$dst/"
	log=$root/.build/$rel/matrix.log
	echo "  MATRIX  $rel: W=1 C=2" >&2
	make -C "$dst" KDIR="$k" clean >/dev/null 2>&1
	if ! make -C "$dst" KDIR="$k" W=1 C=2 V=1 >"$log" 2>&1 ||
	   ! make -C "$k" M="$dst/tests/modules" W=1 C=2 V=1 >>"$log" 2>&1; then
		echo "matrix: $rel: build failed, see $log" >&2
		grep -E 'error|warning' "$log" | head -20 >&2
		fail=1
		continue
	fi
	# Diagnostics that point into our tree (kernel headers are not ours).
	if grep -E "^($dst/)?[a-z_/]+\.[ch]:[0-9]+:[0-9]+: (warning|error)" "$log" |
	   grep -v '^/usr/src' | grep -q .; then
		echo "matrix: $rel: diagnostics in our sources:" >&2
		grep -E "(warning|error)" "$log" | grep -v '^/usr/src' | head -30 >&2
		fail=1
	fi
	nsparse=$(grep -c '^ *sparse ' "$log" || true)
	nko=$(find "$dst" -name '*.ko' | wc -l)
	if [ "$nsparse" -eq 0 ] || [ "$nko" -eq 0 ]; then
		echo "matrix: $rel: sparse ran $nsparse times, $nko modules built" >&2
		fail=1
	fi
	echo "  MATRIX  $rel: $nko modules, sparse over $nsparse files, clean" >&2
done

scripts/checkpatch.sh || fail=1
exit $fail
