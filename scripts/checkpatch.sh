#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --no-tree --strict over the project's kernel sources.
# checkpatch comes from Debian's linux-source-6.12 tarball, extracted once
# into ~/.cache/virtio-blk-poll/checkpatch-<version>.
#
# Usage: scripts/checkpatch.sh [files...]   (default: every .c/.h we own)
set -euo pipefail
cd "$(dirname "$0")/.."

tarball=$(printf '%s\n' /usr/src/linux-source-6.12*.tar.xz | sort -V | tail -n 1)
[ -e "$tarball" ] || { echo "checkpatch: install linux-source-6.12" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo x)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/virtio-blk-poll/checkpatch-$ver
if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	echo "  EXTRACT checkpatch from $tarball" >&2
	mkdir -p "$cache.tmp"
	tar -xJf "$tarball" -C "$cache.tmp" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	rm -rf "$cache"; mv "$cache.tmp" "$cache"
fi

if [ $# -eq 0 ]; then
	mapfile -t files < <(git ls-files -co --exclude-standard -- \
		'virtio_blk/*.[ch]' 'cpuidle/*.[ch]' 'include/*.h' 'compat/*.h' \
		'compat/probes/*.c' 'tests/modules/*.c' 'tests/kunit/*.c' \
		'tools/*.c' | grep -v '\.mod\.c$' | sort -u)
else
	files=("$@")
fi

bad=0
for f in "${files[@]}"; do
	out=$(perl "$cache/scripts/checkpatch.pl" --no-tree --strict \
		--show-types --terse -f "$f" 2>&1) || true
	if echo "$out" | grep -qE ': (ERROR|WARNING|CHECK):'; then
		echo "$out" | grep -E ': (ERROR|WARNING|CHECK):'
		bad=$((bad + 1))
	fi
done
echo "  CHECKPATCH ${#files[@]} files, $bad with findings" >&2
[ "$bad" -eq 0 ]
