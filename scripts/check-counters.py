#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the documentation lists the debugfs counters the sources have.

Usage: scripts/check-counters.py [--root DIR]

The counters are listed once per module, in X-macro headers:

  - virtio_blk/stats.h: VIRTBLK_VQ_STAT(name) lines (file q<N>/stats) and
    VIRTBLK_DEV_STAT(name) lines (file device);
  - cpuidle/stats.h: HALTPOLL_IO_STAT(name) lines (files cpu<N>).

Each file's table in the documentation (Documentation/admin-guide.rst for
virtio_blk, Documentation/cpuidle.rst for cpuidle_haltpoll_io: the first
reStructuredText simple table after the line naming the file) must list
every counter of that file.  A name in a table that is not a counter must
be a gauge the module's debugfs.c prints itself (seq_printf(m, "<name> ...),
e.g. "type" or "window_ns"; anything else is reported as documented but
not there.  Each mismatch is reported as FILE:LINE: text; the exit status
is 1 if there is any.
"""

import argparse
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (documentation file, line naming the debugfs file, stats header, macro,
#  the module's debugfs.c)
TABLES = (
    ("Documentation/admin-guide.rst",
     "``virtio-blk-poll/<disk>/q<N>/stats``",
     "virtio_blk/stats.h", "VIRTBLK_VQ_STAT", "virtio_blk/debugfs.c"),
    ("Documentation/admin-guide.rst", "``virtio-blk-poll/<disk>/device``",
     "virtio_blk/stats.h", "VIRTBLK_DEV_STAT", "virtio_blk/debugfs.c"),
    ("Documentation/cpuidle.rst",
     "``/sys/kernel/debug/cpuidle_haltpoll_io/cpu<N>``",
     "cpuidle/stats.h", "HALTPOLL_IO_STAT", "cpuidle/debugfs.c"),
)
BORDER = re.compile(r"^=+( +=+)+$")
GAUGE = re.compile(r'seq_printf\(m, "(\w+) ')


def read(root, path):
    with open(os.path.join(root, path)) as f:
        return f.read().splitlines()


def counters(root, header, macro):
    pat = re.compile(r"^%s\((\w+)\)" % re.escape(macro))
    return [m.group(1) for m in map(pat.match, read(root, header)) if m]


def table(root, doc, heading):
    """[(line number, name)] of the first simple table after heading."""
    lines = read(root, doc)
    try:
        i = next(n for n, ln in enumerate(lines) if heading in ln)
    except StopIteration:
        return None
    borders = [n for n in range(i + 1, len(lines)) if BORDER.match(lines[n])]
    if len(borders) < 2:
        return None
    return [(n + 1, lines[n].split()[0])
            for n in range(borders[0] + 1, borders[1])
            if lines[n] and not lines[n][0].isspace()]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--root", default=TOP, help="tree to check")
    a = p.parse_args()
    bad = []
    for doc, heading, header, macro, dbgfs in TABLES:
        want = counters(a.root, header, macro)
        if not want:
            bad.append("%s: no %s(name) line" % (header, macro))
            continue
        rows = table(a.root, doc, heading)
        if rows is None:
            bad.append("%s: no table after %s" % (doc, heading))
            continue
        gauges = set(GAUGE.findall("\n".join(read(a.root, dbgfs))))
        names = {name for _, name in rows}
        for name in want:
            if name not in names:
                bad.append("%s: %s: counter %s (%s) is not documented"
                           % (doc, heading, name, header))
        for n, name in rows:
            if name not in want and name not in gauges:
                bad.append("%s:%d: %s is documented but is neither a "
                           "counter in %s nor a value %s prints"
                           % (doc, n, name, header, dbgfs))
    for b in bad:
        print(b)
    if bad:
        print("check-counters: %d mismatch%s" % (len(bad),
                                                 "es" if len(bad) > 1 else ""))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
