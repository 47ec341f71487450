# SPDX-License-Identifier: GPL-2.0
"""shellcheck over every shell script of the tree (host only)."""

import os
import shutil
import subprocess

from caselib import ROOT, Fail, case, check

# Sourced by or run in the busybox guest: POSIX sh, whatever the
# first line says.
GUEST_DIRS = ("tests/vm/guest/", "tests/lib/", "tests/faults/",
              "tests/driver/", "tests/cpuidle/")
# Shell files without a .sh name or a shebang line to find them by.
NAMED = ("tools/vblkstat", ".ci/run", "tests/new")
SHEBANG = ("#!/bin/sh", "#!/bin/bash", "#!/usr/bin/env sh",
           "#!/usr/bin/env bash", "#!/bin/dash")


def _first_line(path):
    try:
        with open(path, "rb") as f:
            return f.readline(200).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def shell_files():
    """{path: dialect or None} of the tree's shell scripts: *.sh, the
    named ones, debian maintainer scripts, and any file starting with a
    sh/bash shebang.  Dialect "sh" for guest scripts and files without a
    shebang, None (shellcheck reads the shebang) otherwise."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split("\n")
    files = {}
    for f in out:
        p = os.path.join(ROOT, f)
        if not f or f.startswith(("results/", ".build/", "dist/")) or \
                not os.path.isfile(p):
            continue
        first = _first_line(p)
        shebang = first.startswith(SHEBANG)
        if not (f.endswith(".sh") or f in NAMED or shebang or
                f.startswith("debian/") and
                f.endswith((".postinst", ".postrm", ".preinst", ".prerm"))):
            continue
        guest = f.startswith(GUEST_DIRS)
        files[f] = "sh" if guest or not first.startswith("#!") else None
    return files


@case("check/shellcheck", quick=True, group="check")
def shellcheck(ctx):
    """No shellcheck finding in any shell script (guest scripts as POSIX
    sh, the busybox ash that runs them)."""
    sc = shutil.which("shellcheck")
    if not sc:
        raise Fail("shellcheck is not installed: run 'make deps'")
    files = shell_files()
    for must in ("tools/vblkstat", "tests/vm/guest/lib.sh",
                 "scripts/matrix.sh", "debian/virtio-blk-poll-dkms.postinst"):
        check(must in files, "%s not among the shell files found" % must)
    bad = {}
    for f, dialect in sorted(files.items()):
        cmd = [sc, "-f", "gcc"] + (["-s", dialect] if dialect else []) + [f]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            bad[f] = (r.stdout + r.stderr).strip().splitlines()
    with open(os.path.join(ctx.dir, "shellcheck.log"), "w") as log:
        for f, dialect in sorted(files.items()):
            log.write("%s (%s): %s\n" % (f, dialect or "shebang",
                                          len(bad.get(f, []))))
            for ln in bad.get(f, []):
                log.write("  %s\n" % ln)
    if bad:
        raise Fail("shellcheck findings in %d of %d files:\n%s" % (
            len(bad), len(files),
            "\n".join(ln for f in sorted(bad) for ln in bad[f][:20])))
    nsh = sum(1 for d in files.values() if d == "sh")
    ctx.note("%d shell files clean (%d checked as POSIX sh)"
             % (len(files), nsh))
