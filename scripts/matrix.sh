#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every module against every installed Debian 12 6.1/6.12 headers
# package with W=1 and sparse (C=2), treating any diagnostic from our
# sources as a failure, then run checkpatch --strict over the sources.
# Each kernel and variant builds in its own copy:
# .build/<release>/matrix-{inject,shipped}.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

kdirs=()
for k in /usr/src/linux-headers-6.1.0-*-amd64 \
	/usr/src/linux-headers-6.12.*+deb12-amd64; do
	case "$k" in
	*-rt-* | *-cloud-*) ;;
	*) [ -d "$k" ] && kdirs+=("$k") ;;
	esac
done
mapfile -t kdirs < <(printf '%s\n' "${kdirs[@]}" | sort -V)
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

# Two variants per kernel, each in its own copy: the test build with the
# debugfs fault injection (VBP_INJECT=1) and the shipped one without it,
# as DKMS builds it.  Both with -Werror (VBP_WERROR=1), which DKMS never
# gets: we do not choose the compiler there.
variants="inject:VBP_INJECT=1 shipped:VBP_INJECT=0"

fail=0
for k in "${kdirs[@]}"; do
	rel=${k#/usr/src/linux-headers-}
	for v in $variants; do
		name=${v%%:*}
		inject=${v#*:}
		dst=$root/.build/$rel/matrix-$name
		mkdir -p "$dst"
		rsync -a --delete --exclude=/.git --exclude=/.build \
			--exclude=/results --exclude=/compat/generated \
			"$root/" "$dst/"
		log=$root/.build/$rel/matrix-$name.log
		echo "  MATRIX  $rel ($name): W=1 C=2" >&2
		make -C "$dst" KDIR="$k" clean >/dev/null 2>&1
		if ! make -C "$dst" KDIR="$k" W=1 C=2 V=1 VBP_WERROR=1 \
			"$inject" >"$log" 2>&1 ||
		   ! make -C "$k" M="$dst/tests/modules" W=1 C=2 V=1 \
			VBP_WERROR=1 >>"$log" 2>&1; then
			echo "matrix: $rel ($name): build failed, see $log" >&2
			grep -E 'error|warning' "$log" | head -20 >&2
			fail=1
			continue
		fi
		# Diagnostics that point into our tree (kernel headers are
		# not ours).
		if grep -E "^($dst/)?[a-z_/]+\.[ch]:[0-9]+:[0-9]+: (warning|error)" "$log" |
		   grep -v '^/usr/src' | grep -q .; then
			echo "matrix: $rel ($name): diagnostics in our sources:" >&2
			grep -E "(warning|error)" "$log" | grep -v '^/usr/src' |
				head -30 >&2
			fail=1
		fi
		nsparse=$(grep -c '^ *sparse ' "$log" || true)
		nko=$(find "$dst" -name '*.ko' | wc -l)
		if [ "$nsparse" -eq 0 ] || [ "$nko" -eq 0 ]; then
			echo "matrix: $rel ($name): sparse ran $nsparse times," \
				"$nko modules built" >&2
			fail=1
		fi
		if ! grep -q -- '-Werror' "$log"; then
			echo "matrix: $rel ($name): built without -Werror" >&2
			fail=1
		fi
		echo "  MATRIX  $rel ($name): $nko modules, sparse over" \
			"$nsparse files, clean" >&2
	done
done

scripts/checkpatch.sh || fail=1
exit $fail
