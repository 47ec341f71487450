#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that every option a config fragment asks for is in a .config.

Usage: verify-config.py FRAGMENT DOTCONFIG

Kconfig drops requested options silently when a dependency is missing
(SLUB_TINY blocks KASAN, KVM_GUEST needs PARAVIRT, ...).  This names each
dropped option with what was asked and what the .config has, and exits 1
if there is any.  "CONFIG_X=v" lines must appear exactly; "# CONFIG_X is
not set" lines require X to be unset (absent or "is not set").
"""

import re
import sys

SET = re.compile(r"^(CONFIG_\w+)=(.*)$")
UNSET = re.compile(r"^# (CONFIG_\w+) is not set$")


def parse(path):
    """{option: value} with None for "is not set", in file order."""
    opts = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            m = SET.match(line)
            if m:
                opts[m.group(1)] = m.group(2)
                continue
            m = UNSET.match(line)
            if m:
                opts[m.group(1)] = None
    return opts


def check(fragment, dotconfig):
    """Return (requested options, list of problem strings)."""
    want = parse(fragment)
    have = parse(dotconfig)
    problems = []
    for opt, val in want.items():
        got = have.get(opt)
        if val is None:
            if got not in (None, "n"):
                problems.append("%s: requested unset, .config has %s=%s"
                                % (opt, opt, got))
        elif got != val:
            problems.append("%s: requested %s, .config has %s"
                            % (opt, val, "unset" if got is None
                               else "%s=%s" % (opt, got)))
    return want, problems


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    want, problems = check(argv[1], argv[2])
    if problems:
        print("verify-config: %d of %d requested options were dropped or "
              "changed:" % (len(problems), len(want)), file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print("verify-config: all %d requested options are in %s"
          % (len(want), argv[2]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
